//! The rule lists of the per-syntax tests, shared with the kernel test of the root crate.

/// Match parts of rules (each becomes `-A CHAIN <m> -j TARGET`).
pub fn iptables_v4() -> Vec<String> {
    let mut v: Vec<String> = [
        "-p tcp",
        "-p udp",
        "-p icmp",
        "-p sctp",
        "-p 47",
        "-p gre",
        "-p esp",
        "-p ah",
        "! -p tcp",
        "! -p udp",
        "-p all",
        "-p 0",
        "-s 10.0.0.1",
        "-s 10.0.0.0/8",
        "-s 10.0.0.0/255.0.0.0",
        "-s 10.1.2.3/16",
        "! -s 10.0.0.0/8",
        "-d 224.0.0.0/4",
        "! -d 8.8.8.8",
        "-d 192.168.1.0/24",
        "-s 172.16.0.0/12 -d 10.0.0.2",
        "-s 0.0.0.0/0",
        "-s 10.1",
        "-d 167772162",
        "-s 10.0.0.0/255.255.0.255",
        "-f",
        "! -f",
        "-p tcp --dport 80",
        "-p tcp --sport 22",
        "-p tcp --dport 1:1024",
        "-p tcp --dport 1024:",
        "-p tcp --dport :1023",
        "-p tcp ! --dport 80",
        "-p tcp --dport http",
        "-p tcp --dport ssh ! --sport 1024:65535",
        "-p tcp -m tcp --dport 443",
        "-p tcp -m tcp",
        "-p tcp --syn",
        "-p tcp ! --syn",
        "-p tcp --tcp-flags SYN,ACK SYN,ACK",
        "-p tcp --tcp-flags ALL NONE",
        "-p tcp --tcp-flags ALL ALL",
        "-p tcp --tcp-flags FIN,SYN FIN,SYN",
        "-p tcp --tcp-flags SYN,RST SYN,RST",
        "-p tcp --tcp-flags ACK,FIN FIN",
        "-p tcp ! --tcp-flags SYN SYN",
        "-p tcp --tcp-flags FIN,PSH,URG FIN,PSH,URG",
        "-p tcp --tcp-flags NONE NONE",
        "-p tcp --tcp-flags SYN ACK",
        "-p udp --dport 53",
        "-p udp --sport 123 --dport 123",
        "-p udp ! --sport 53",
        "-p udp --dport 5000:6000",
        "-p udp -m udp --sport 1:100",
        "-p sctp --dport 80",
        "-p sctp --sport 1024:",
        "-p tcp -m multiport --dports 22,80,443",
        "-p tcp -m multiport --sports 1:1024,8080",
        "-p udp -m multiport --ports 53,123",
        "-p tcp -m multiport ! --dports 22,80",
        "-p tcp -m multiport --ports 80:90",
        "-p sctp -m multiport --dports 80,443",
        "-p icmp --icmp-type echo-request",
        "-p icmp --icmp-type 8",
        "-p icmp --icmp-type 3/3",
        "-p icmp --icmp-type port-unreachable",
        "-p icmp --icmp-type destination-unreachable",
        "-p icmp ! --icmp-type echo-reply",
        "-p icmp --icmp-type any",
        "-p icmp --icmp-type time-exceeded",
        "-p icmp --icmp-type host-redirect",
        "-p icmp -m icmp --icmp-type 13",
        "-p icmp --icmp-type fragmentation-needed",
        "-m length --length 0:100",
        "-m length --length 100:",
        "-m length ! --length 60:1000",
        "-m length --length 40",
        "-m iprange --src-range 10.0.0.1-10.0.0.100",
        "-m iprange --dst-range 192.168.1.0-192.168.1.255",
        "-m iprange ! --src-range 10.0.0.0-10.255.255.255",
        "-m iprange --src-range 1.2.3.4-1.2.3.4 --dst-range 8.8.8.8-8.8.8.9",
        "-m mac --mac-source 00:11:22:33:44:55",
        "-m mac ! --mac-source 02:00:00:00:00:01",
        "-m ttl --ttl-eq 64",
        "-m ttl --ttl-gt 5",
        "-m ttl --ttl-lt 5",
        "-m ttl ! --ttl-eq 1",
        "-m dscp --dscp 46",
        "-m dscp --dscp 0x0a",
        "-m dscp --dscp-class EF",
        "-m dscp --dscp-class AF11",
        "-m dscp ! --dscp 0",
        "-m dscp --dscp-class CS1",
        "-m tos --tos 0x10",
        "-m tos --tos Minimize-Delay",
        "-m tos --tos 0x08/0x0c",
        "-m tos ! --tos Normal-Service",
        "-m tos --tos 0xb8",
        "-m addrtype --dst-type MULTICAST",
        "-m addrtype ! --dst-type MULTICAST",
        "-m addrtype --src-type MULTICAST",
        "-m comment --comment \"hello world\"",
        "-p tcp --dport 80 -m comment --comment web",
        "-s 10.0.0.0/8 -p tcp --dport 22 -m ttl --ttl-gt 4",
        "-p udp -s 192.168.1.0/24 -d 224.0.0.0/4 --dport 53",
        "-p tcp -m tcp --dport 80 -m length --length 0:200 -m ttl --ttl-eq 64",
        "-p icmp -s 10.0.0.0/8 --icmp-type echo-request -m length --length 0:84",
        "-p tcp ! -f --dport 80",
        "-f -p tcp",
        "-f -p udp",
        "-p udp -f",
        "! -s 10.0.0.0/8 ! -d 10.0.0.0/8",
        "-p tcp -m multiport --dports 22,80 --syn",
        "-p udp -m multiport --sports 53 -m multiport --dports 53,123",
        "-p tcp --sport 80 --dport 22 --tcp-flags ALL SYN",
        "-m dscp --dscp 10 -m tos --tos 0x28",
        "-m ttl --ttl-lt 64 -m length --length 0:60",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for proto in ["tcp", "udp", "sctp"] {
        for port in [22, 53, 80, 443, 8080] {
            for dir in ["--sport", "--dport"] {
                v.push(format!("-p {proto} {dir} {port}"));
            }
        }
    }
    for (addr, len) in [
        ("10.0.0.0", 8),
        ("10.0.0.0", 16),
        ("10.0.0.0", 24),
        ("10.0.0.1", 32),
        ("192.168.0.0", 16),
        ("172.16.0.0", 12),
        ("224.0.0.0", 3),
        ("0.0.0.0", 1),
    ] {
        v.push(format!("-s {addr}/{len}"));
        v.push(format!("-d {addr}/{len}"));
    }
    for t in [1, 5, 64, 254] {
        for op in ["eq", "gt", "lt"] {
            v.push(format!("-m ttl --ttl-{op} {t}"));
        }
    }
    for d in (0..64).step_by(9) {
        v.push(format!("-m dscp --dscp {d}"));
    }
    v
}

/// ip6tables match parts.
pub fn iptables_v6() -> Vec<String> {
    [
        "-p tcp",
        "-p udp",
        "-p icmpv6",
        "! -p tcp",
        "-s 2001:db8::1",
        "-s 2001:db8::/32",
        "-d ff00::/8",
        "! -d 2001:db8::2",
        "-s fe80::/10 -d ff02::1",
        "-p tcp --dport 80",
        "-p tcp ! --sport 22",
        "-p tcp --dport 1:1024",
        "-p udp --dport 53",
        "-p udp --sport 123",
        "-p tcp --syn",
        "-p tcp --tcp-flags ALL SYN,ACK",
        "-p tcp -m multiport --dports 22,80,443",
        "-p udp -m multiport --ports 53,123",
        "-p icmpv6 --icmpv6-type echo-request",
        "-p icmpv6 --icmpv6-type 1/4",
        "-p icmpv6 --icmpv6-type neighbour-solicitation",
        "-p icmpv6 ! --icmpv6-type 129",
        "-p icmpv6 --icmpv6-type destination-unreachable",
        "-m hl --hl-eq 255",
        "-m hl --hl-gt 5",
        "-m hl --hl-lt 64",
        "-m hl ! --hl-eq 1",
        "-m length --length 0:100",
        "-m length --length 80:",
        "-m dscp --dscp 46",
        "-m dscp --dscp-class AF11",
        "-m tos --tos 0x10",
        "-m mac --mac-source 00:11:22:33:44:55",
        "-m addrtype --dst-type MULTICAST",
        "-s 2001:db8::/48 -p tcp --dport 443",
        "-p udp -d ff02::1 --dport 5000:6000",
        "-m iprange --src-range 2001:db8::1-2001:db8::ff",
        "-m comment --comment v6",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// Rule bodies for a netdev (whole-frame) chain.
pub fn nft_netdev() -> Vec<String> {
    let mut v: Vec<String> = [
        "ip saddr 10.0.0.1",
        "ip saddr 10.0.0.0/8",
        "ip saddr != 10.0.0.0/8",
        "ip daddr 224.0.0.0/4",
        "ip daddr { 8.8.8.8, 192.168.1.1 }",
        "ip saddr 10.0.0.1-10.0.0.100",
        "ip daddr != { 10.0.0.2, 8.8.8.8 }",
        "ip saddr { 10.0.0.0/8, 192.168.0.0/16 }",
        "ip protocol tcp",
        "ip protocol { tcp, udp }",
        "ip protocol != icmp",
        "ip protocol 47",
        "ip ttl 64",
        "ip ttl < 5",
        "ip ttl gt 5",
        "ip ttl 1-10",
        "ip ttl != 64",
        "ip ttl >= 64",
        "ip ttl <= 5",
        "ip length 40-100",
        "ip length > 200",
        "ip dscp ef",
        "ip dscp 0x0a",
        "ip dscp af11",
        "ip dscp != cs0",
        "ip dscp { ef, af11 }",
        "ip frag-off & 0x1fff != 0",
        "ip frag-off & 0x2000 == 0x2000",
        "ip frag-off & 0x1fff == 0",
        "ip id 1",
        "ip version 4",
        "ip hdrlength 5",
        "ip saddr & 255.255.0.0 == 10.0.0.0",
        "ip ecn 0",
        "ip6 saddr 2001:db8::1",
        "ip6 saddr 2001:db8::/32",
        "ip6 daddr ff00::/8",
        "ip6 nexthdr tcp",
        "ip6 nexthdr { udp, ipv6-icmp }",
        "ip6 hoplimit 255",
        "ip6 hoplimit < 64",
        "ip6 dscp ef",
        "ip6 dscp af11",
        "ip6 daddr != 2001:db8::2",
        "ip6 length < 100",
        "ip6 saddr { 2001:db8::1, fe80::1 }",
        "ip6 flowlabel 0",
        "ip6 version 6",
        "tcp dport 80",
        "tcp dport { 22, 80, 443 }",
        "tcp dport 1-1024",
        "tcp dport != 80",
        "tcp sport 1024-65535",
        "tcp dport http",
        "tcp sport ssh",
        "tcp dport != { 22, 80 }",
        "tcp flags syn",
        "tcp flags == syn",
        "tcp flags syn / syn,ack",
        "tcp flags & (syn|ack) == syn|ack",
        "tcp flags & (fin|syn|rst|ack) == syn",
        "tcp flags { syn, syn|ack }",
        "tcp flags fin,psh,urg",
        "tcp flags == 0",
        "tcp flags & (fin|syn) == fin|syn",
        "tcp flags ack / ack,fin",
        "tcp flags & 0x3f == 0x02",
        "tcp window 65535",
        "tcp sequence 1",
        "tcp doff 5",
        "udp dport 53",
        "udp sport { 53, 123 }",
        "udp dport 5000-6000",
        "udp length > 20",
        "udp dport != 53",
        "sctp dport 80",
        "sctp sport { 80, 443 }",
        "th dport 22",
        "th sport { 53, 80 }",
        "th dport 1-1023",
        "icmp type echo-request",
        "icmp type { echo-request, echo-reply }",
        "icmp type 3 icmp code 3",
        "icmp code 1",
        "icmp type != echo-reply",
        "icmp type destination-unreachable",
        "icmp type time-exceeded icmp code 0",
        "icmpv6 type echo-request",
        "icmpv6 type nd-neighbor-solicit",
        "icmpv6 type != 129",
        "icmpv6 type { 1, 2, 3 }",
        "icmpv6 code 4",
        "ether saddr 00:11:22:33:44:55",
        "ether daddr ff:ff:ff:ff:ff:ff",
        "ether type ip",
        "ether type != ip6",
        "ether type arp",
        "ether type { ip, ip6 }",
        "ether saddr != de:ad:be:ef:00:01",
        "vlan id 5",
        "vlan id 100 vlan pcp 3",
        "vlan id != 5",
        "meta l4proto tcp",
        "meta l4proto { tcp, udp }",
        "meta l4proto != udp",
        "meta l4proto icmp",
        "meta protocol ip",
        "meta protocol ip6",
        "meta protocol != arp",
        "meta protocol { ip, arp }",
        "meta length > 100",
        "meta length 40-60",
        "meta length < 64",
        "@nh,16,16 > 100",
        "@nh,64,8 64",
        "@th,16,16 80",
        "@ll,0,8 0xff",
        "@nh,8,6 46",
        "@ll,96,16 0x0800",
        "@th,106,6 0x02",
        "@nh,72,8 { 6, 17 }",
        "ip saddr 10.0.0.0/8 tcp dport 22",
        "ip daddr 224.0.0.0/4 udp dport 53",
        "ip protocol tcp tcp dport 80 tcp flags syn",
        "ip saddr != 10.0.0.0/8 ip daddr != 10.0.0.0/8",
        "ip ttl > 4 ip length < 200 tcp dport 80",
        "ether saddr 00:11:22:33:44:55 ip protocol udp",
        "ip6 saddr 2001:db8::/32 tcp dport 443",
        "ip6 daddr ff02::1 udp dport 5000-6000",
        "tcp dport 80 counter",
        "udp dport 53 log prefix \"dns \"",
        "ip saddr 10.0.0.1 counter comment \"one host\"",
        "fib daddr type multicast",
        "fib saddr type multicast",
        "meta l4proto tcp th dport 80",
        "tcp dport { 1-100, 400-500, 8080 }",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for p in [22, 53, 80, 443, 8080] {
        v.push(format!("tcp dport {p}"));
        v.push(format!("udp sport {p}"));
        v.push(format!("th dport {p}"));
    }
    for t in [1, 5, 64, 254] {
        v.push(format!("ip ttl < {t}"));
        v.push(format!("ip6 hoplimit > {t}"));
    }
    for len in [8, 16, 24, 32] {
        v.push(format!("ip saddr 10.0.0.0/{len}"));
        v.push(format!("ip daddr 192.168.0.0/{len}"));
    }
    v
}

/// `protocol P flower KEYS` parts.
pub fn flower_filters() -> Vec<String> {
    let mut v: Vec<String> = [
        "protocol ip flower ip_proto tcp dst_port 80",
        "protocol ip flower ip_proto tcp src_port 22",
        "protocol ip flower ip_proto udp dst_port 53",
        "protocol ip flower ip_proto udp src_port 123 dst_port 123",
        "protocol ip flower ip_proto sctp dst_port 80",
        "protocol ip flower ip_proto tcp dst_port 80-90",
        "protocol ip flower ip_proto tcp dst_port 1-1024",
        "protocol ip flower ip_proto tcp dst_port 80/0xfff0",
        "protocol ip flower ip_proto udp src_port 53/0xff00",
        "protocol ip flower ip_proto tcp",
        "protocol ip flower ip_proto udp",
        "protocol ip flower ip_proto icmp",
        "protocol ip flower ip_proto 2f",
        "protocol ip flower ip_proto 0x32",
        "protocol ip flower ip_proto 11",
        "protocol ip flower src_ip 10.0.0.0/8",
        "protocol ip flower dst_ip 224.0.0.0/4",
        "protocol ip flower src_ip 10.0.0.1 dst_ip 10.0.0.2",
        "protocol ip flower src_ip 192.168.1.0/24 ip_proto udp dst_port 53",
        "protocol ip flower dst_ip 8.8.8.8",
        "protocol ip flower ip_proto tcp tcp_flags 0x2/0x17",
        "protocol ip flower ip_proto tcp tcp_flags 0x12/0x12",
        "protocol ip flower ip_proto tcp tcp_flags 0x10",
        "protocol ip flower ip_proto tcp tcp_flags 4/4",
        "protocol ip flower ip_proto tcp tcp_flags 0x1/0xfff",
        "protocol ip flower ip_tos 0x10",
        "protocol ip flower ip_tos 0xb8/0xfc",
        "protocol ip flower ip_tos 16/0xff",
        "protocol ip flower ip_ttl 64",
        "protocol ip flower ip_ttl 1",
        "protocol ip flower ip_ttl 0x40/0xf0",
        "protocol ip flower ip_ttl ff",
        "protocol ip flower ip_flags frag",
        "protocol ip flower ip_flags nofrag",
        "protocol ip flower ip_flags firstfrag",
        "protocol ip flower ip_flags nofirstfrag",
        "protocol ip flower ip_flags frag/firstfrag",
        "protocol ip flower ip_flags frag/nofirstfrag",
        "protocol ip flower ip_proto icmp type 8",
        "protocol ip flower ip_proto icmp type 3 code 3",
        "protocol ip flower ip_proto icmp code 1",
        "protocol ip flower ip_proto icmp type 11 code 0",
        "protocol ipv6 flower ip_proto tcp dst_port 443",
        "protocol ipv6 flower ip_proto udp src_port 53",
        "protocol ipv6 flower src_ip 2001:db8::/32",
        "protocol ipv6 flower dst_ip ff02::1",
        "protocol ipv6 flower ip_proto icmpv6 type 128",
        "protocol ipv6 flower ip_proto icmpv6 type 1 code 4",
        "protocol ipv6 flower ip_tos 0xb8",
        "protocol ipv6 flower ip_ttl 255",
        "protocol ipv6 flower src_ip 2001:db8::1 ip_proto tcp dst_port 22",
        "protocol ipv6 flower ip_flags nofrag",
        "protocol all flower src_mac 00:11:22:33:44:55",
        "protocol all flower dst_mac ff:ff:ff:ff:ff:ff",
        "protocol all flower dst_mac 01:00:5e:00:00:00/25",
        "protocol all flower src_mac 02:00:00:00:00:00/ff:ff:ff:00:00:00",
        "protocol ip flower src_mac de:ad:be:ef:00:01 ip_proto tcp",
        "protocol 802.1q flower vlan_id 5",
        "protocol 802.1q flower vlan_id 100 vlan_prio 3",
        "protocol 802.1q flower vlan_prio 0",
        "protocol 802.1q flower vlan_id 5 vlan_ethtype ip ip_proto tcp dst_port 80",
        "protocol 802.1q flower vlan_ethtype ipv4 src_ip 10.0.0.1",
        "protocol 802.1q flower vlan_id 8 vlan_ethtype ipv6",
        "protocol 802.1ad flower vlan_id 7 vlan_ethtype 802.1q cvlan_id 8",
        "protocol 802.1ad flower vlan_ethtype 802.1q cvlan_id 8 cvlan_ethtype ip ip_proto tcp dst_port 22",
        "protocol 802.1ad flower vlan_id 7 vlan_ethtype 802.1q cvlan_prio 2",
        "protocol arp flower arp_op request",
        "protocol arp flower arp_op reply",
        "protocol arp flower arp_tip 10.0.0.2",
        "protocol arp flower arp_sip 10.0.0.0/8",
        "protocol arp flower arp_sha 02:00:00:00:00:01",
        "protocol arp flower arp_tha 00:00:00:00:00:00/ff:ff:ff:00:00:00",
        "protocol ip flower ip_proto tcp dst_port 80 skip_hw",
        "protocol ip flower skip_sw ip_proto udp",
        "protocol ip flower indev eth0 ip_proto tcp",
        "protocol ip flower verbose ip_ttl 64",
        "protocol 0x0800 flower ip_proto tcp",
        "protocol 0x86dd flower ip_proto udp",
        "flower src_mac 00:11:22:33:44:55",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for proto in ["tcp", "udp", "sctp"] {
        for port in [22, 53, 80, 443, 8080] {
            for key in ["src_port", "dst_port"] {
                v.push(format!("protocol ip flower ip_proto {proto} {key} {port}"));
            }
        }
    }
    for len in [8, 16, 24, 32] {
        v.push(format!("protocol ip flower src_ip 10.0.0.0/{len}"));
        v.push(format!("protocol ip flower dst_ip 192.168.1.0/{len}"));
    }
    for t in [1, 5, 64, 254] {
        v.push(format!("protocol ip flower ip_ttl {t}"));
        v.push(format!("protocol ipv6 flower ip_ttl {t}"));
    }
    for f in ["0x1", "0x2", "0x4", "0x10", "0x11", "0x12", "0x18"] {
        v.push(format!(
            "protocol ip flower ip_proto tcp tcp_flags {f}/0xff"
        ));
    }
    for (t, code) in [(0, 0), (3, 1), (5, 1), (11, 1), (13, 0)] {
        v.push(format!(
            "protocol ip flower ip_proto icmp type {t} code {code}"
        ));
    }
    for t in [128, 129, 135, 136, 2] {
        v.push(format!("protocol ipv6 flower ip_proto icmpv6 type {t}"));
    }
    for tos in ["0x28/0xfc", "0x02/0x03", "0x48", "0x0c/0x0c"] {
        v.push(format!("protocol ip flower ip_tos {tos}"));
    }
    for port in [22, 80, 5000] {
        v.push(format!("protocol ipv6 flower ip_proto tcp src_port {port}"));
        v.push(format!("protocol ipv6 flower ip_proto udp dst_port {port}"));
    }
    for vid in [0, 1, 5, 4095] {
        v.push(format!("protocol 802.1q flower vlan_id {vid}"));
    }
    v
}

/// `flow-type ...` parts (without the action).
pub fn ethtool_rules() -> Vec<String> {
    let mut v: Vec<String> = [
        "flow-type tcp4 dst-port 80",
        "flow-type tcp4 src-port 22",
        "flow-type tcp4 dst-port 80 m 0xf",
        "flow-type tcp4 dst-port 0x50",
        "flow-type udp4 dst-port 53",
        "flow-type udp4 src-port 123 dst-port 123",
        "flow-type sctp4 dst-port 80",
        "flow-type tcp4 src-ip 10.0.0.0 m 0.255.255.255",
        "flow-type tcp4 src-ip 10.0.0.1 dst-ip 10.0.0.2",
        "flow-type udp4 dst-ip 224.0.0.0 m 15.255.255.255",
        "flow-type tcp4 tos 0x10",
        "flow-type tcp4 tos 0xb8 m 0x03",
        "flow-type udp4 src-ip 192.168.1.0 m 0.0.0.255 dst-port 53",
        "flow-type ip4 l4proto 6",
        "flow-type ip4 l4proto 47",
        "flow-type ip4 l4proto 17 l4data 0x00350035",
        "flow-type ip4 l4data 0x00160000 m 0x0000ffff",
        "flow-type ip4 src-ip 1.2.3.4",
        "flow-type ip4 tos 0x28 m 0x3",
        "flow-type ip4 spi 5",
        "flow-type esp4 spi 0x100",
        "flow-type ah4 spi 7",
        "flow-type esp4 src-ip 10.0.0.1 spi 1",
        "flow-type tcp6 dst-port 443",
        "flow-type tcp6 src-ip 2001:db8::1",
        "flow-type tcp6 dst-ip 2001:db8:: m ::ffff:ffff:ffff:ffff:ffff:ffff",
        "flow-type udp6 dst-port 53",
        "flow-type udp6 tclass 0xb8",
        "flow-type sctp6 src-port 80",
        "flow-type ip6 l4proto 58",
        "flow-type ip6 dst-ip ff02::1",
        "flow-type ip6 l4proto 17 l4data 0x00350035",
        "flow-type esp6 spi 9",
        "flow-type ah6 spi 9",
        "flow-type ether src 00:11:22:33:44:55",
        "flow-type ether dst ff:ff:ff:ff:ff:ff",
        "flow-type ether proto 0x0806",
        "flow-type ether proto 0x0800",
        "flow-type ether src 02:00:00:00:00:00 m 00:00:00:ff:ff:ff",
        "flow-type ether dst 01:00:5e:00:00:00 m 00:00:00:7f:ff:ff proto 0x0800",
        "flow-type tcp4 dst-port 80 vlan 5",
        "flow-type tcp4 dst-port 80 vlan 5 m 0xf000",
        "flow-type udp4 vlan-etype 0x8100 vlan 100",
        "flow-type tcp4 dst-port 80 dst-mac 02:00:00:00:00:02",
        "flow-type udp4 dst-mac 01:00:5e:00:00:00 m 00:00:00:ff:ff:ff",
        "flow-type tcp4 dst-port 80 loc 3",
        "flow-type ether proto 0x86dd",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for ft in ["tcp4", "udp4", "sctp4", "tcp6", "udp6", "sctp6"] {
        for port in [22, 53, 80, 443, 8080] {
            v.push(format!("flow-type {ft} src-port {port}"));
            v.push(format!("flow-type {ft} dst-port {port}"));
        }
    }
    for (net, m) in [
        ("10.0.0.0", "0.255.255.255"),
        ("10.0.0.0", "0.0.255.255"),
        ("192.168.1.0", "0.0.0.255"),
        ("172.16.0.0", "0.15.255.255"),
    ] {
        v.push(format!("flow-type ip4 src-ip {net} m {m}"));
        v.push(format!("flow-type tcp4 dst-ip {net} m {m}"));
    }
    for p in [1, 2, 6, 17, 47, 50, 51, 132] {
        v.push(format!("flow-type ip4 l4proto {p}"));
    }
    for vid in [1, 5, 100, 4095] {
        v.push(format!("flow-type udp4 vlan {vid} m 0xf000"));
        v.push(format!("flow-type tcp6 dst-port 80 vlan {vid}"));
    }
    for mac in [
        "00:11:22:33:44:55",
        "02:00:00:00:00:01",
        "de:ad:be:ef:00:01",
        "ff:ff:ff:ff:ff:ff",
    ] {
        v.push(format!("flow-type ether src {mac}"));
        v.push(format!("flow-type ether dst {mac}"));
    }
    for (a, m) in [
        ("2001:db8::", "::ffff:ffff:ffff:ffff:ffff:ffff"),
        ("fe80::", "::ffff:ffff:ffff:ffff"),
        ("2001:db8::1", "::"),
    ] {
        v.push(format!("flow-type ip6 src-ip {a} m {m}"));
        v.push(format!("flow-type udp6 dst-ip {a} m {m}"));
    }
    for t in ["0x00", "0x10", "0x28", "0x48", "0xb8"] {
        v.push(format!("flow-type udp4 tos {t}"));
        v.push(format!("flow-type tcp6 tclass {t}"));
    }
    v
}
