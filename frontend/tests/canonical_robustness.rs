//! Every frontend returns a value on any input, never panics: random token soups drawn from
//! each syntax's own vocabulary (so the parsers get deep), and random text.

use frontend::syntax::{Parsed, SyntaxError};
use frontend::{ethtool, flower, iptables, nft};
use proptest::prelude::*;

/// Whatever came back is usable: an error renders, a rule set lowers (or says why not) and
/// evaluates.
fn exercise(r: Result<Parsed, SyntaxError>, text: &str) {
    match r {
        Ok(p) => {
            let _ = frontend::lower::lower(&p.ruleset, &frontend::lower::LowerOptions::default());
            let _ = p.ruleset.eval(&[0u8; 60]);
            let _ = frontend::syntax::canon::canonical(&p.ruleset);
        }
        Err(e) => {
            let _ = e.render("x", text);
        }
    }
}

const IPT: &[&str] = &[
    "-A",
    "INPUT",
    "-I",
    "-P",
    "-N",
    "x",
    "-p",
    "tcp",
    "udp",
    "icmp",
    "!",
    "-s",
    "10.0.0.0/8",
    "-d",
    "1.2.3.4",
    "--dport",
    "80",
    "80:90",
    ":",
    "--sport",
    "-m",
    "multiport",
    "--dports",
    "1,2,3",
    "--tcp-flags",
    "SYN,ACK",
    "SYN",
    "--syn",
    "-j",
    "DROP",
    "ACCEPT",
    "RETURN",
    "drop",
    "-g",
    "LOG",
    "--icmp-type",
    "echo-request",
    "3/3",
    "-m",
    "length",
    "--length",
    "0:100",
    "ttl",
    "--ttl-gt",
    "5",
    "-f",
    "*filter",
    ":INPUT ACCEPT [0:0]",
    "COMMIT",
    "\n",
    "-i",
    "eth0",
    "-o",
    "iprange",
    "--src-range",
    "1.1.1.1-2.2.2.2",
    "dscp",
    "--dscp",
    "tos",
    "--tos",
    "0x10/0x3f",
    "addrtype",
    "--dst-type",
    "MULTICAST",
    "mac",
    "--mac-source",
    "00:11:22:33:44:55",
    "-t",
    "raw",
    "é",
    "\"",
    "'",
    "\\",
];
const NFT: &[&str] = &[
    "table",
    "ip",
    "ip6",
    "inet",
    "netdev",
    "t",
    "{",
    "}",
    "chain",
    "c",
    "type",
    "filter",
    "hook",
    "input",
    "ingress",
    "device",
    "eth0",
    "priority",
    "0",
    ";",
    "policy",
    "drop",
    "accept",
    "\n",
    "add",
    "rule",
    "tcp",
    "dport",
    "80",
    "{",
    "22,",
    "80-90",
    "}",
    "saddr",
    "10.0.0.0/8",
    "!=",
    "@",
    "nh",
    ",",
    "16",
    "8",
    "set",
    "s",
    "elements",
    "=",
    "vmap",
    ":",
    "jump",
    "goto",
    "return",
    "counter",
    "meta",
    "l4proto",
    "iif",
    "define",
    "$",
    "x",
    "flags",
    "syn",
    "/",
    "&",
    "(",
    "|",
    ")",
    "icmp",
    "ether",
    "vlan",
    "id",
    "th",
    "fib",
    "daddr",
    "multicast",
    "ct",
    "\"",
    "é",
    "::1",
];
const FLOWER: &[&str] = &[
    "tc",
    "filter",
    "add",
    "dev",
    "eth0",
    "ingress",
    "egress",
    "protocol",
    "ip",
    "ipv6",
    "802.1q",
    "arp",
    "all",
    "prio",
    "1",
    "chain",
    "flower",
    "ip_proto",
    "tcp",
    "udp",
    "icmp",
    "dst_port",
    "80",
    "80-90",
    "src_ip",
    "10.0.0.0/8",
    "tcp_flags",
    "0x12/0x12",
    "ip_flags",
    "frag/nofirstfrag",
    "vlan_id",
    "5",
    "vlan_ethtype",
    "cvlan_id",
    "type",
    "8",
    "code",
    "arp_op",
    "request",
    "action",
    "drop",
    "pass",
    "goto",
    "skip_hw",
    "\n",
    "src_mac",
    "00:11:22:33:44:55/24",
    "é",
];
const ETHTOOL: &[&str] = &[
    "ethtool",
    "-N",
    "-U",
    "eth0",
    "flow-type",
    "tcp4",
    "udp6",
    "ether",
    "ip4",
    "esp4",
    "src-ip",
    "10.0.0.0",
    "m",
    "0.255.255.255",
    "dst-port",
    "80",
    "0x50",
    "action",
    "-1",
    "3",
    "-2",
    "loc",
    "5",
    "delete",
    "vlan",
    "vlan-etype",
    "dst-mac",
    "00:11:22:33:44:55",
    "src",
    "proto",
    "l4data",
    "spi",
    "tos",
    "\n",
    "é",
    "::1",
];

fn soup(vocab: &'static [&'static str]) -> impl Strategy<Value = String> {
    proptest::collection::vec(proptest::sample::select(vocab), 0..40).prop_map(|v| v.join(" "))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 600, ..ProptestConfig::default() })]

    #[test]
    fn iptables_never_panics(text in soup(IPT)) {
        exercise(iptables::parse(&text), &text);
        exercise(iptables::parse6(&text), &text);
    }

    #[test]
    fn nft_never_panics(text in soup(NFT)) {
        exercise(nft::parse(&text), &text);
    }

    #[test]
    fn flower_never_panics(text in soup(FLOWER)) {
        exercise(flower::parse(&text), &text);
    }

    #[test]
    fn ethtool_never_panics(text in soup(ETHTOOL)) {
        exercise(ethtool::parse(&text), &text);
    }

    #[test]
    fn any_text(text in "\\PC{0,80}") {
        exercise(iptables::parse(&text), &text);
        exercise(nft::parse(&text), &text);
        exercise(flower::parse(&text), &text);
        exercise(ethtool::parse(&text), &text);
    }
}
