//! Words as libpcap's lexer classifies them: keywords, numbers, addresses, names; and the
//! named constants of pcap-filter (`tcp-syn`, `icmp-echo`, ...).

use super::*;

/// The kind of a word, as libpcap's lexer would classify it.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum WordClass {
    Keyword,
    Number(u32),
    Ipv4,
    Ipv6(u128),
    Mac(u64),
    Name,
}

pub(super) const KEYWORDS: &[&str] = &[
    "and",
    "or",
    "not",
    "src",
    "dst",
    "host",
    "net",
    "mask",
    "port",
    "portrange",
    "gateway",
    "proto",
    "protochain",
    "ether",
    "link",
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
    "igrp",
    "pim",
    "vrrp",
    "carp",
    "ah",
    "esp",
    "broadcast",
    "multicast",
    "less",
    "greater",
    "len",
    "vlan",
    "mpls",
    "pppoed",
    "pppoes",
    "geneve",
    "inbound",
    "outbound",
    "ifindex",
    "byte",
    "decnet",
    "iso",
    "stp",
    "ipx",
    "netbeui",
    "atalk",
    "aarp",
    "lat",
    "sca",
    "moprc",
    "mopdl",
    "fddi",
    "tr",
    "wlan",
    "radio",
    "esis",
    "isis",
    "clnp",
    "llc",
];

/// libpcap's named numbers (scanner.l): offsets and flag values for tcp/icmp/icmp6.
pub(super) fn named_number(w: &str) -> Option<u32> {
    Some(match w {
        "tcpflags" => 13,
        "tcp-fin" => 0x01,
        "tcp-syn" => 0x02,
        "tcp-rst" => 0x04,
        "tcp-push" => 0x08,
        "tcp-ack" => 0x10,
        "tcp-urg" => 0x20,
        "tcp-ece" => 0x40,
        "tcp-cwr" => 0x80,
        "icmptype" | "icmp6type" => 0,
        "icmpcode" | "icmp6code" => 1,
        "icmp-echoreply" => 0,
        "icmp-unreach" => 3,
        "icmp-sourcequench" => 4,
        "icmp-redirect" => 5,
        "icmp-echo" => 8,
        "icmp-routeradvert" => 9,
        "icmp-routersolicit" => 10,
        "icmp-timxceed" => 11,
        "icmp-paramprob" => 12,
        "icmp-tstamp" => 13,
        "icmp-tstampreply" => 14,
        "icmp-ireq" => 15,
        "icmp-ireqreply" => 16,
        "icmp-maskreq" => 17,
        "icmp-maskreply" => 18,
        "icmp6-destinationunreach" => 1,
        "icmp6-packettoobig" => 2,
        "icmp6-timeexceeded" => 3,
        "icmp6-parameterproblem" => 4,
        "icmp6-echo" => 128,
        "icmp6-echoreply" => 129,
        "icmp6-multicastlistenerquery" => 130,
        "icmp6-multicastlistenerreportv1" => 131,
        "icmp6-multicastlistenerdone" => 132,
        "icmp6-routersolicit" => 133,
        "icmp6-routeradvert" => 134,
        "icmp6-neighborsolicit" => 135,
        "icmp6-neighboradvert" => 136,
        "icmp6-redirect" => 137,
        "icmp6-routerrenum" => 138,
        "icmp6-nodeinformationquery" => 139,
        "icmp6-nodeinformationresponse" => 140,
        "icmp6-ineighbordiscoverysolicit" => 141,
        "icmp6-ineighbordiscoveryadvert" => 142,
        "icmp6-multicastlistenerreportv2" => 143,
        "icmp6-homeagentdiscoveryrequest" => 144,
        "icmp6-homeagentdiscoveryreply" => 145,
        "icmp6-mobileprefixsolicit" => 146,
        "icmp6-mobileprefixadvert" => 147,
        "icmp6-certpathsolicit" => 148,
        "icmp6-certpathadvert" => 149,
        "icmp6-multicastrouteradvert" => 151,
        "icmp6-multicastroutersolicit" => 152,
        "icmp6-multicastrouterterm" => 153,
        _ => return None,
    })
}

/// IP protocol and EtherType names accepted after `proto` (with or without a backslash).
pub(super) fn proto_name(proto: Proto, name: &str) -> Option<u32> {
    let n = name.trim_start_matches('\\');
    if proto == Proto::Link {
        return Some(match n {
            "ip" => 0x0800,
            "ip6" => 0x86dd,
            "arp" => 0x0806,
            "rarp" => 0x8035,
            _ => return None,
        });
    }
    Some(match n {
        "icmp" => 1,
        "igmp" => 2,
        "tcp" => 6,
        "udp" => 17,
        "ah" => 51,
        "esp" => 50,
        "icmp6" => 58,
        "pim" => 103,
        "vrrp" | "carp" => 112,
        "sctp" => 132,
        "igrp" => 9,
        _ => return None,
    })
}

pub(super) fn classify(w: &str) -> WordClass {
    if KEYWORDS.contains(&w) {
        return WordClass::Keyword;
    }
    if let Some(n) = named_number(w) {
        return WordClass::Number(n);
    }
    if let Some(m) = addr::parse_mac(w) {
        if w.contains(':') || w.matches('.').count() == 2 || w.contains('-') {
            return WordClass::Mac(m);
        }
    }
    if w.contains(':') {
        if let Some(a) = addr::parse_ipv6(w) {
            return WordClass::Ipv6(a);
        }
    }
    if addr::looks_ipv4(w) {
        return WordClass::Ipv4;
    }
    if let Some(n) = addr::parse_number(w) {
        return WordClass::Number(n);
    }
    WordClass::Name
}
