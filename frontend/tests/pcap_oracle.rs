//! pcap-filter semantics against libpcap: for every expression and every packet of the corpus,
//! `RuleSet::eval` of our parse must agree with `tcpdump -r FILE EXPR` (Debian's tcpdump).

mod common;

use frontend::pcap;
use frontend::ruleset::Action;

/// Single primitives covering every construct of the grammar.
pub const PRIMITIVES: &[&str] = &[
    "ip",
    "ip6",
    "arp",
    "rarp",
    "tcp",
    "udp",
    "sctp",
    "icmp",
    "icmp6",
    "igmp",
    "ah",
    "vrrp",
    "host 10.0.0.1",
    "src host 1.2.3.4",
    "dst host 5.6.7.8",
    "src or dst host 192.168.1.1",
    "src and dst host 10.1.2.3",
    "ip host 10.0.0.1",
    "arp host 10.1.2.3",
    "rarp src host 1.2.3.4",
    "ip src 10.0.0.1",
    "host 1.2.3",
    "host 10",
    "src 10",
    "net 10.0.0.0/8",
    "net 10",
    "net 172.16",
    "net 192.168.1.0/24",
    "dst net 224.0.0.0/4",
    "net 10.0.0.0 mask 255.0.0.0",
    "src net 0.0.0.0/0",
    "net 256",
    "ip6 host ::1",
    "host fe80::1",
    "ip6 src host 2001:db8::1",
    "ip6 dst net ff00::/8",
    "ip6 net 2001:db8::/32",
    "net 2001:db8:1::/48",
    "ip6 net ::/16",
    "ether host 01:02:03:04:05:06",
    "ether src 01:02:03:04:05:06",
    "ether dst ff:ff:ff:ff:ff:ff",
    "ether host 00-11-22-33-44-55",
    "ether src 0200.0000.0002",
    "port 80",
    "tcp port 80",
    "udp port 53",
    "sctp port 443",
    "src port 1024",
    "dst port 22",
    "tcp src port 80",
    "udp dst port 65535",
    "tcp src or dst port 8080",
    "tcp src and dst port 80",
    "port 0",
    "portrange 1-1023",
    "tcp portrange 1000-2000",
    "udp dst portrange 50-60",
    "portrange 1024-65535",
    "src portrange 10-5",
    "ip proto 6",
    "ip proto 17",
    "ip proto \\tcp",
    "ip proto \\icmp",
    "ip6 proto 58",
    "ip6 proto 17",
    "proto 6",
    "proto \\udp",
    "ether proto 0x800",
    "ether proto 0x86dd",
    "ether proto \\arp",
    "ether proto 0x88cc",
    "ip protochain 6",
    "ip6 protochain 6",
    "ip6 protochain 17",
    "protochain 17",
    "ip6 protochain 44",
    "vlan",
    "vlan 10",
    "vlan 5",
    "vlan 0",
    "vlan 4095",
    "broadcast",
    "ether broadcast",
    "multicast",
    "ether multicast",
    "ip broadcast",
    "ip multicast",
    "ip6 multicast",
    "less 60",
    "greater 100",
    "len > 64",
    "len <= 60",
    "len - 14 >= 40",
    "ip[0] & 0xf != 5",
    "ip[0] & 0xf > 5",
    "ip[8] = 64",
    "ip[8] < 2",
    "ip[1] & 0xfc = 0xb8",
    "ip[2:2] > 50",
    "ip[6:2] & 0x1fff != 0",
    "ip[6] & 0x20 != 0",
    "ip[12:4] = 0x0a000001",
    "ip[ip[0] & 0xf] = 1",
    "ip[16] >= 224",
    "ip6[6] = 6",
    "ip6[7] = 255",
    "ip6[0] & 0xf0 = 0x60",
    "ip6[4:2] > 20",
    "ether[0] & 1 = 1",
    "ether[12:2] = 0x8100",
    "ether[14:2] & 0xfff = 10",
    "ether[6:4] = 0x01020304",
    "ether[100] = 0",
    "ether[len - 1] = 0",
    "tcp[13] = 2",
    "tcp[tcpflags] & tcp-syn != 0",
    "tcp[tcpflags] & (tcp-syn|tcp-ack) = tcp-syn",
    "tcp[tcpflags] & tcp-fin != 0",
    "tcp[tcpflags] & (tcp-rst|tcp-push) != 0",
    "tcp[tcpflags] = 0xff",
    "tcp[tcpflags] & tcp-ece != 0 or tcp[tcpflags] & tcp-cwr != 0",
    "tcp[0:2] = 80",
    "tcp[2:2] > 1000",
    "tcp[12] >> 4 = 5",
    "tcp[(tcp[12] >> 4) * 4] = 0",
    "udp[0:2] = 53",
    "udp[4:2] = 8",
    "icmp[icmptype] = icmp-echo",
    "icmp[icmptype] = icmp-echoreply",
    "icmp[icmptype] != icmp-echo and icmp[icmptype] != icmp-echoreply",
    "icmp[icmpcode] = 3",
    "icmp[0] = icmp-unreach",
    "icmp6[icmp6type] = icmp6-echo",
    "icmp6[icmp6type] = icmp6-neighborsolicit",
    "icmp6[0] = 129",
    "sctp[0:2] = 80",
    "arp[6:2] = 1",
    "arp[7] = 2",
    "rarp[7] = 3",
    "ip[0] + 1 = 0x46",
    "ip[2:2] - 20 > 8",
    "ip[8] * 2 = 128",
    "ip[8] / 2 = 32",
    "ip[8] % 3 = 1",
    "ip[8] % 3 * 2 = 0",
    "ip[0] | 2 ^ 3 & 4 = 0x47",
    "ip[0] ^ 1 & 3 = 0x44",
    "ip[0] & 1 ^ 3 = 0",
    "ip[0] << 1 + 2 = 0x228",
    "ip[0] >> 4 = 4",
    "ip[0] << ip[1] = 0",
    "ip[8] / ip[1] = 0",
    "ip[8] % ip[1] = 0",
    "- ip[0] = 0xffffffbb",
    "ip[0] - - 1 = 0x46",
    "(ip[0] & 0xf) * 4 = 20",
    "len = 60",
    "1 = 1",
    "0x10 = 16",
    "010 = 8",
];

/// Binary and unary combinations: precedence, implicit qualifiers, vlan shifts.
pub const COMBINED: &[&str] = &[
    "ip and tcp dst port 80",
    "ip and tcp",
    "tcp or udp",
    "not ip",
    "not tcp and udp",
    "ip or not tcp and udp",
    "tcp or udp and port 53",
    "not (tcp or udp)",
    "!ip && tcp",
    "ip || ip6 && !tcp",
    "host 10.0.0.1 or 10.1.2.3",
    "host 10.0.0.1 and not 5.6.7.8",
    "src host 1.2.3.4 or 5.6.7.8",
    "tcp port 80 or 443",
    "port 80 or 443 or 22",
    "tcp port 80 or 90 and ip",
    "host 10.0.0.1 and (1.2.3.4 or 5.6.7.8)",
    "net 10.0.0.0/8 or 192.168.1.0/24",
    "ether src 01:02:03:04:05:06 or 00:11:22:33:44:55",
    "not host 10.0.0.1 and not 1.2.3.4",
    "ip6 and not icmp6",
    "ip6 and tcp port 80",
    "ip6 and (udp or tcp) and port 53",
    "ip and ip[8] > 1 and tcp[tcpflags] & tcp-syn != 0",
    "vlan and ip",
    "vlan and tcp port 80",
    "vlan and vlan and ip",
    "vlan 10 and host 10.0.0.1",
    "vlan 10 and vlan 20 and ip",
    "vlan or ip",
    "vlan and ip6 and udp",
    "vlan 5 or vlan 10",
    "not vlan and ip",
    "vlan and not ip",
    "ip or vlan and ip",
    "vlan and ether[14:2] & 0xfff = 5",
    "vlan and ip[9] = 6",
    "vlan and arp host 10.0.0.1",
    "vlan and ip6 host ::1",
    "vlan and tcp[tcpflags] & tcp-syn != 0",
    "vlan and icmp[icmptype] = icmp-echo",
    "vlan and portrange 1-1023",
    "vlan and ip proto 17",
    "vlan and ip6 protochain 6",
    "vlan 0 and multicast",
    "vlan and ether proto 0x86dd",
    "vlan and len > 100",
    "(vlan and ip) or ip",
    "tcp and (port 80 or port 443)",
    "udp and not port 53",
    "icmp or icmp6",
    "arp or rarp",
    "arp and arp[7] = 1",
    "ip and not ip[6:2] & 0x1fff != 0",
    "ip[6:2] & 0x1fff = 0 and udp",
    "tcp and not tcp[tcpflags] & tcp-ack != 0",
    "greater 100 and less 200",
    "less 60 or greater 1000",
    "not less 60",
    "not ether[100] = 0",
    "ether[100] = 0 or ip",
    "ip or ether[100] = 0",
    "not tcp port 80",
    "not ip6 src host 2001:db8::1",
    "not ip6 net ::/16",
    "not host 1.2.3",
    "not udp[4:2] = 8",
    "not ip[ip[0] & 0xf] = 1",
    "not ip6 protochain 6",
    "ip6 protochain 6 and ip",
    "not vlan 10",
    "multicast and not broadcast",
    "ip multicast or ip6 multicast",
    "src net 10 and dst net 10",
    "dst port 80 and src portrange 1024-65535",
    "ether broadcast and arp",
    "ip and ip[0] & 0xf > 5 and tcp",
    "tcp[13] & 7 != 0 or udp[0:2] = 5",
    "ip6[6] = 44 and ip6[40] = 6",
    "icmp6 and ip6[40] = 128",
    "ip proto 51 and ip protochain 6",
];

/// Expressions libpcap refuses; we must refuse them too (the messages may differ).
pub const REFUSED: &[&str] = &[
    "tcp dst port eighty",
    "host foo.example",
    "ip port 80",
    "tcp host 1.2.3.4",
    "net 10.0.0.1/8",
    "host 300.1.1.1",
    "port 70000",
    "vlan 4096",
    "ip[0:3] = 1",
    "ip[2:2] / 0 = 1",
    "ip[0] << 40 = 0",
    "1.2.3.4",
    "80",
    "tcp or 80",
    "ip and",
    "(ip",
    "ip)",
    "ip6 broadcast",
    "len-5>3",
    "ether",
    "host",
    "tcp port",
    "ip # tcp",
    "host 1:2:3:4:5:6",
];

/// Expressions libpcap accepts through name lookups (/etc/services, DNS) that we refuse by
/// design: the compiled program must not depend on the build machine's name databases.
pub const REFUSED_BY_DESIGN: &[&str] = &["port http", "tcp port ssh", "gateway router"];

/// The full list: primitives, each also under `not` and after `vlan`, plus the combinations.
pub fn expressions() -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for p in PRIMITIVES {
        out.push(p.to_string());
        out.push(format!("not {p}"));
        out.push(format!("vlan and {p}"));
    }
    out.extend(COMBINED.iter().map(|s| s.to_string()));
    // Pairs of neighbours, to mix constructs.
    for w in PRIMITIVES.windows(2).step_by(3) {
        out.push(format!("{} or {}", w[0], w[1]));
        out.push(format!("({}) and not ({})", w[1], w[0]));
    }
    out
}

#[test]
fn pcap_filters_agree_with_libpcap() {
    if !common::tcpdump_available() {
        println!("SKIP pcap_filters_agree_with_libpcap: tcpdump not installed");
        return;
    }
    let dir = common::scratch("oracle");
    let packets = common::corpus(6, 2500);
    let input = dir.join("corpus.pcap");
    common::write_pcap(&input, &packets).expect("write corpus");
    let exprs = expressions();
    assert!(exprs.len() >= 300, "only {} expressions", exprs.len());
    let mut failures = Vec::new();
    let mut compared = 0usize;
    for (n, e) in exprs.iter().enumerate() {
        let out = dir.join(format!("out{n}.pcap"));
        let oracle = common::tcpdump_matches(&input, e, &out);
        let ours = pcap::compile(e, Action::Drop, Action::Pass);
        match (oracle, ours) {
            (Ok(expected), Ok(rs)) => {
                let mut bad = 0;
                for (i, p) in packets.iter().enumerate() {
                    let got = rs.eval(p).action == Action::Drop;
                    if got != expected[i] {
                        if bad < 3 {
                            failures.push(format!(
                                "{e:?}: packet {i} ({} bytes) libpcap={} ours={got}: {:02x?}",
                                p.len(),
                                expected[i],
                                &p[..p.len().min(64)]
                            ));
                        }
                        bad += 1;
                    }
                    compared += 1;
                }
                if bad > 3 {
                    failures.push(format!("{e:?}: {bad} mismatches in all"));
                }
            }
            (Err(msg), Ok(_)) => {
                failures.push(format!("{e:?}: libpcap refuses ({msg}), we accept"))
            }
            (Ok(_), Err(err)) => failures.push(format!(
                "{e:?}: libpcap accepts, we refuse: {}",
                err.headline(e)
            )),
            (Err(_), Err(_)) => {}
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    println!(
        "{} expressions x {} packets: {compared} verdicts compared",
        exprs.len(),
        packets.len()
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn refused_filters_are_refused_by_both() {
    let have_tcpdump = common::tcpdump_available();
    let dir = common::scratch("refused");
    let input = dir.join("empty.pcap");
    common::write_pcap(&input, &[]).expect("write");
    for e in REFUSED {
        let ours = pcap::compile(e, Action::Drop, Action::Pass);
        assert!(ours.is_err(), "{e:?} should be refused");
        if have_tcpdump {
            let theirs = common::tcpdump_matches(&input, e, &dir.join("o.pcap"));
            assert!(theirs.is_err(), "libpcap accepts {e:?}");
        }
    }
    for e in REFUSED_BY_DESIGN {
        assert!(
            pcap::compile(e, Action::Drop, Action::Pass).is_err(),
            "{e:?}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
