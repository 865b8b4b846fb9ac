//! The same filter written in every syntax that can express it gives the same canonical
//! RuleSet and the same verdicts (evaluator and compiled program) on the same packets.

mod rules_common;

use frontend::lower::Hook;
use frontend::ruleset::{Action, RuleSet};
use frontend::syntax::canon::canonical;
use frontend::{ethtool, flower, iptables, nft, pcap};
use rules_common::*;

/// One filter: (pcap, iptables, nft, flower, ethtool); `""` where a syntax cannot say it.
const FILTERS: &[[&str; 5]] = &[
    [
        "ip and tcp dst port 80",
        "-A INPUT -p tcp --dport 80 -j DROP",
        "add rule ip f input tcp dport 80 drop",
        "tc filter add dev eth0 ingress protocol ip flower ip_proto tcp dst_port 80 action drop",
        "ethtool -N eth0 flow-type tcp4 dst-port 80 action -1",
    ],
    [
        "ip and udp src port 53",
        "-A INPUT -p udp --sport 53 -j DROP",
        "add rule ip f input udp sport 53 drop",
        "tc filter add dev eth0 ingress protocol ip flower ip_proto udp src_port 53 action drop",
        "ethtool -N eth0 flow-type udp4 src-port 53 action -1",
    ],
    [
        "ip and src net 10.0.0.0/8",
        "-A INPUT -s 10.0.0.0/8 -j DROP",
        "add rule ip f input ip saddr 10.0.0.0/8 drop",
        "tc filter add dev eth0 ingress protocol ip flower src_ip 10.0.0.0/8 action drop",
        "ethtool -N eth0 flow-type ip4 src-ip 10.0.0.0 m 0.255.255.255 action -1",
    ],
    [
        "ip and src net 10.0.0.0/8 and tcp dst port 22",
        "-A INPUT -s 10.0.0.0/8 -p tcp --dport 22 -j DROP",
        "add rule ip f input ip saddr 10.0.0.0/8 tcp dport 22 drop",
        "tc filter add dev eth0 ingress protocol ip flower ip_proto tcp src_ip 10.0.0.0/8 dst_port 22 action drop",
        "ethtool -N eth0 flow-type tcp4 src-ip 10.0.0.0 m 0.255.255.255 dst-port 22 action -1",
    ],
    [
        "ip proto 47",
        "-A INPUT -p gre -j DROP",
        "add rule ip f input ip protocol gre drop",
        "tc filter add dev eth0 ingress protocol ip flower ip_proto 2f action drop",
        "ethtool -N eth0 flow-type ip4 l4proto 47 action -1",
    ],
    [
        "ip and dst host 192.168.1.1",
        "-A INPUT -d 192.168.1.1 -j DROP",
        "add rule ip f input ip daddr 192.168.1.1 drop",
        "tc filter add dev eth0 ingress protocol ip flower dst_ip 192.168.1.1 action drop",
        "ethtool -N eth0 flow-type ip4 dst-ip 192.168.1.1 action -1",
    ],
    [
        "ip and sctp dst port 443",
        "-A INPUT -p sctp --dport 443 -j DROP",
        "add rule ip f input sctp dport 443 drop",
        "tc filter add dev eth0 ingress protocol ip flower ip_proto sctp dst_port 443 action drop",
        "ethtool -N eth0 flow-type sctp4 dst-port 443 action -1",
    ],
    [
        "ip and tcp dst portrange 1-1024",
        "-A INPUT -p tcp --dport 1:1024 -j DROP",
        "add rule ip f input tcp dport 1-1024 drop",
        "tc filter add dev eth0 ingress protocol ip flower ip_proto tcp dst_port 1-1024 action drop",
        "",
    ],
    [
        "ip and ether src 00:11:22:33:44:55",
        "-A INPUT -m mac --mac-source 00:11:22:33:44:55 -j DROP",
        "add rule ip f input ether saddr 00:11:22:33:44:55 drop",
        "tc filter add dev eth0 ingress protocol ip flower src_mac 00:11:22:33:44:55 action drop",
        "",
    ],
    [
        "ip and ether dst 02:00:00:00:00:02",
        "",
        "add rule ip f input ether daddr 02:00:00:00:00:02 drop",
        "tc filter add dev eth0 ingress protocol ip flower dst_mac 02:00:00:00:00:02 action drop",
        "ethtool -N eth0 flow-type ip4 dst-mac 02:00:00:00:00:02 action -1",
    ],
    [
        "icmp",
        "-A INPUT -p icmp -j DROP",
        "add rule ip f input ip protocol icmp drop",
        "tc filter add dev eth0 ingress protocol ip flower ip_proto icmp action drop",
        "ethtool -N eth0 flow-type ip4 l4proto 1 action -1",
    ],
    [
        "",
        "-A INPUT -p icmp --icmp-type 8 -j DROP",
        "add rule ip f input icmp type echo-request drop",
        "tc filter add dev eth0 ingress protocol ip flower ip_proto icmp type 8 action drop",
        "",
    ],
    [
        "",
        "-A INPUT -m ttl --ttl-eq 64 -j DROP",
        "add rule ip f input ip ttl 64 drop",
        "tc filter add dev eth0 ingress protocol ip flower ip_ttl 64 action drop",
        "",
    ],
    [
        "",
        "-A INPUT -m tos --tos 0x10/0xff -j DROP",
        "add rule ip f input @nh,8,8 0x10 drop",
        "tc filter add dev eth0 ingress protocol ip flower ip_tos 0x10 action drop",
        "ethtool -N eth0 flow-type ip4 tos 0x10 action -1",
    ],
    [
        "ip6 and tcp dst port 443",
        "ip6tables -A INPUT -p tcp --dport 443 -j DROP",
        "add rule ip6 f input tcp dport 443 drop",
        "tc filter add dev eth0 ingress protocol ipv6 flower ip_proto tcp dst_port 443 action drop",
        "ethtool -N eth0 flow-type tcp6 dst-port 443 action -1",
    ],
];

fn parse_all(row: &[&str; 5]) -> Vec<(&'static str, RuleSet)> {
    let mut v = Vec::new();
    if !row[0].is_empty() {
        v.push((
            "pcap",
            pcap::compile(row[0], Action::Drop, Action::Pass).expect(row[0]),
        ));
    }
    if !row[1].is_empty() {
        v.push(("iptables", iptables::parse(row[1]).expect(row[1]).ruleset));
    }
    v.push(("nft", nft::parse(row[2]).expect(row[2]).ruleset));
    v.push(("flower", flower::parse(row[3]).expect(row[3]).ruleset));
    if !row[4].is_empty() {
        v.push(("ethtool", ethtool::parse(row[4]).expect(row[4]).ruleset));
    }
    v
}

#[test]
fn one_filter_every_syntax() {
    let mut packets = packets_v4(81, 200);
    packets.extend(packets_v6(82, 80));
    packets.extend(odd_packets());
    let mut bad = Vec::new();
    for row in FILTERS {
        let sets = parse_all(row);
        let (first_name, first) = &sets[0];
        let reference = canonical(first);
        for (name, rs) in &sets[1..] {
            if canonical(rs) != reference {
                bad.push(format!(
                    "{name} differs from {first_name}: {row:?}\n {:?}\n {:?}",
                    canonical(rs).chains[0].rules[0].cond,
                    reference.chains[0].rules[0].cond
                ));
            }
        }
        for p in &packets {
            let want = first.eval(p).action;
            for (name, rs) in &sets[1..] {
                if rs.eval(p).action != want {
                    bad.push(format!(
                        "{name} verdict differs: {row:?} {:02x?}",
                        &p[..p.len().min(40)]
                    ));
                }
            }
        }
        for (name, rs) in &sets {
            bad.extend(lowered_disagreements(rs, Hook::Xdp, &packets, name));
        }
    }
    println!("{} filters, each in up to five syntaxes", FILTERS.len());
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}
