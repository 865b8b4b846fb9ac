//! nft's header fields and symbolic constants: where each `PROTO FIELD` lives (header, byte
//! offset, width, bit mask), which header it needs (the dependency nft adds: `meta l4proto`,
//! the IPv6 extension-header type, the ARP or VLAN EtherType), and the names nft accepts for
//! the values of each type. Offsets and names follow nft 1.0.6 (`nft --debug=netlink` and
//! `nft describe` show them).

use super::expr::{Kind, Need};

/// Where a header sits and what must hold for it to be there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layer {
    /// The Ethernet header.
    Link,
    /// An 802.1Q tag right after the MAC addresses (`ether type vlan`).
    Vlan,
    /// The ARP header (`ether type arp`).
    Arp,
    /// The IPv4 or IPv6 header.
    Net,
    /// The transport header, with the IP protocol it needs (`th`: none).
    L4(Option<u8>),
    /// An IPv6 extension header (nft's `exthdr`) of this type. Read right after the fixed
    /// 40-byte header: netfilter finds it further down a chain of extension headers too.
    Ext6(u8),
}

/// The layer of a header keyword.
pub fn layer(proto: &str) -> Option<Layer> {
    Some(match proto {
        "ether" => Layer::Link,
        "vlan" => Layer::Vlan,
        "arp" => Layer::Arp,
        "ip" | "ip6" => Layer::Net,
        "th" => Layer::L4(None),
        "tcp" => Layer::L4(Some(6)),
        "udp" => Layer::L4(Some(17)),
        "udplite" => Layer::L4(Some(136)),
        "sctp" => Layer::L4(Some(132)),
        "dccp" => Layer::L4(Some(33)),
        "icmp" => Layer::L4(Some(1)),
        "icmpv6" => Layer::L4(Some(58)),
        "igmp" => Layer::L4(Some(2)),
        "ah" => Layer::L4(Some(51)),
        "esp" => Layer::L4(Some(50)),
        "comp" => Layer::L4(Some(108)),
        "hbh" => Layer::Ext6(0),
        "rt" | "rt0" | "srh" => Layer::Ext6(43),
        "frag" => Layer::Ext6(44),
        "dst" => Layer::Ext6(60),
        "mh" => Layer::Ext6(135),
        _ => return None,
    })
}

/// One field: (proto, field, kind, need, offset, size, mask, shift).
pub type Row = (
    &'static str,
    &'static str,
    Kind,
    Need,
    u16,
    u8,
    Option<u128>,
    u32,
);

use Kind::*;
use Need::{Ip, Nothing, V4, V6};

/// Every fixed field nft names. Indexed addresses (`rt0 addr[N]`, `srh sid[N]`) are
/// [`indexed`].
#[rustfmt::skip]
pub const FIELDS: &[Row] = &[
    ("ip", "version", Int(4), V4, 0, 1, Some(0xf0), 4),
    ("ip", "hdrlength", Int(4), V4, 0, 1, Some(0x0f), 0),
    ("ip", "dscp", Dscp, V4, 1, 1, Some(0xfc), 2),
    ("ip", "ecn", Ecn, V4, 1, 1, Some(0x03), 0),
    ("ip", "length", Int(16), V4, 2, 2, None, 0),
    ("ip", "id", Int(16), V4, 4, 2, None, 0),
    ("ip", "frag-off", Int(16), V4, 6, 2, None, 0),
    ("ip", "ttl", Int(8), V4, 8, 1, None, 0),
    ("ip", "protocol", Proto, V4, 9, 1, None, 0),
    ("ip", "checksum", Int(16), V4, 10, 2, None, 0),
    ("ip", "saddr", Ipv4, V4, 12, 4, None, 0),
    ("ip", "daddr", Ipv4, V4, 16, 4, None, 0),
    ("ip6", "version", Int(4), V6, 0, 1, Some(0xf0), 4),
    ("ip6", "dscp", Dscp, V6, 0, 2, Some(0x0fc0), 6),
    ("ip6", "ecn", Ecn, V6, 1, 1, Some(0x30), 4),
    ("ip6", "flowlabel", Int(20), V6, 1, 3, Some(0x0f_ffff), 0),
    ("ip6", "length", Int(16), V6, 4, 2, None, 0),
    ("ip6", "nexthdr", Proto, V6, 6, 1, None, 0),
    ("ip6", "hoplimit", Int(8), V6, 7, 1, None, 0),
    ("ip6", "saddr", Ipv6, V6, 8, 16, None, 0),
    ("ip6", "daddr", Ipv6, V6, 24, 16, None, 0),
    ("tcp", "sport", Port, Ip, 0, 2, None, 0),
    ("tcp", "dport", Port, Ip, 2, 2, None, 0),
    ("tcp", "sequence", Int(32), Ip, 4, 4, None, 0),
    ("tcp", "ackseq", Int(32), Ip, 8, 4, None, 0),
    ("tcp", "doff", Int(4), Ip, 12, 1, Some(0xf0), 4),
    ("tcp", "flags", TcpFlags, Ip, 13, 1, None, 0),
    ("tcp", "window", Int(16), Ip, 14, 2, None, 0),
    ("tcp", "checksum", Int(16), Ip, 16, 2, None, 0),
    ("tcp", "urgptr", Int(16), Ip, 18, 2, None, 0),
    ("udp", "sport", Port, Ip, 0, 2, None, 0),
    ("udp", "dport", Port, Ip, 2, 2, None, 0),
    ("udp", "length", Int(16), Ip, 4, 2, None, 0),
    ("udp", "checksum", Int(16), Ip, 6, 2, None, 0),
    ("udplite", "sport", Port, Ip, 0, 2, None, 0),
    ("udplite", "dport", Port, Ip, 2, 2, None, 0),
    ("udplite", "csumcov", Int(16), Ip, 4, 2, None, 0),
    ("udplite", "checksum", Int(16), Ip, 6, 2, None, 0),
    ("sctp", "sport", Port, Ip, 0, 2, None, 0),
    ("sctp", "dport", Port, Ip, 2, 2, None, 0),
    ("sctp", "vtag", Int(32), Ip, 4, 4, None, 0),
    ("sctp", "checksum", Int(32), Ip, 8, 4, None, 0),
    ("dccp", "sport", Port, Ip, 0, 2, None, 0),
    ("dccp", "dport", Port, Ip, 2, 2, None, 0),
    ("dccp", "type", DccpType, Ip, 8, 1, Some(0x1e), 1),
    ("ah", "nexthdr", Proto, Ip, 0, 1, None, 0),
    ("ah", "hdrlength", Int(8), Ip, 1, 1, None, 0),
    ("ah", "reserved", Int(16), Ip, 2, 2, None, 0),
    ("ah", "spi", Int(32), Ip, 4, 4, None, 0),
    ("ah", "sequence", Int(32), Ip, 8, 4, None, 0),
    ("esp", "spi", Int(32), Ip, 0, 4, None, 0),
    ("esp", "sequence", Int(32), Ip, 4, 4, None, 0),
    ("comp", "nexthdr", Proto, Ip, 0, 1, None, 0),
    ("comp", "flags", Int(8), Ip, 1, 1, None, 0),
    ("comp", "cpi", Int(16), Ip, 2, 2, None, 0),
    ("th", "sport", Port, Ip, 0, 2, None, 0),
    ("th", "dport", Port, Ip, 2, 2, None, 0),
    ("icmp", "type", IcmpType, V4, 0, 1, None, 0),
    ("icmp", "code", IcmpCode, V4, 1, 1, None, 0),
    ("icmp", "checksum", Int(16), V4, 2, 2, None, 0),
    ("icmp", "id", Int(16), V4, 4, 2, None, 0),
    ("icmp", "sequence", Int(16), V4, 6, 2, None, 0),
    ("icmp", "mtu", Int(16), V4, 6, 2, None, 0),
    ("icmp", "gateway", Int(32), V4, 4, 4, None, 0),
    ("igmp", "type", IgmpType, V4, 0, 1, None, 0),
    ("igmp", "mrt", Int(8), V4, 1, 1, None, 0),
    ("igmp", "checksum", Int(16), V4, 2, 2, None, 0),
    ("icmpv6", "type", Icmp6Type, V6, 0, 1, None, 0),
    ("icmpv6", "code", Icmp6Code, V6, 1, 1, None, 0),
    ("icmpv6", "checksum", Int(16), V6, 2, 2, None, 0),
    ("icmpv6", "id", Int(16), V6, 4, 2, None, 0),
    ("icmpv6", "sequence", Int(16), V6, 6, 2, None, 0),
    ("icmpv6", "mtu", Int(32), V6, 4, 4, None, 0),
    ("icmpv6", "max-delay", Int(16), V6, 4, 2, None, 0),
    ("ether", "daddr", Mac, Nothing, 0, 6, None, 0),
    ("ether", "saddr", Mac, Nothing, 6, 6, None, 0),
    ("ether", "type", EtherType, Nothing, 12, 2, None, 0),
    ("vlan", "id", Int(12), Nothing, 14, 2, Some(0x0fff), 0),
    ("vlan", "pcp", Int(3), Nothing, 14, 1, Some(0xe0), 5),
    ("vlan", "dei", Int(1), Nothing, 14, 1, Some(0x10), 4),
    ("vlan", "cfi", Int(1), Nothing, 14, 1, Some(0x10), 4),
    ("vlan", "type", EtherType, Nothing, 16, 2, None, 0),
    ("arp", "htype", Int(16), Nothing, 0, 2, None, 0),
    ("arp", "ptype", EtherType, Nothing, 2, 2, None, 0),
    ("arp", "hlen", Int(8), Nothing, 4, 1, None, 0),
    ("arp", "plen", Int(8), Nothing, 5, 1, None, 0),
    ("arp", "operation", ArpOp, Nothing, 6, 2, None, 0),
    ("arp", "saddr ether", Mac, Nothing, 8, 6, None, 0),
    ("arp", "saddr ip", Ipv4, Nothing, 14, 4, None, 0),
    ("arp", "daddr ether", Mac, Nothing, 18, 6, None, 0),
    ("arp", "daddr ip", Ipv4, Nothing, 24, 4, None, 0),
    ("hbh", "nexthdr", Proto, V6, 0, 1, None, 0),
    ("hbh", "hdrlength", Int(8), V6, 1, 1, None, 0),
    ("dst", "nexthdr", Proto, V6, 0, 1, None, 0),
    ("dst", "hdrlength", Int(8), V6, 1, 1, None, 0),
    ("rt", "nexthdr", Proto, V6, 0, 1, None, 0),
    ("rt", "hdrlength", Int(8), V6, 1, 1, None, 0),
    ("rt", "type", Int(8), V6, 2, 1, None, 0),
    ("rt", "seg-left", Int(8), V6, 3, 1, None, 0),
    ("srh", "last-entry", Int(8), V6, 4, 1, None, 0),
    ("srh", "flags", Int(8), V6, 5, 1, None, 0),
    ("srh", "tag", Int(16), V6, 6, 2, None, 0),
    ("frag", "nexthdr", Proto, V6, 0, 1, None, 0),
    ("frag", "reserved", Int(8), V6, 1, 1, None, 0),
    ("frag", "frag-off", Int(13), V6, 2, 2, Some(0xfff8), 3),
    ("frag", "reserved2", Int(2), V6, 3, 1, Some(0x06), 1),
    ("frag", "more-fragments", Int(1), V6, 3, 1, Some(0x01), 0),
    ("frag", "id", Int(32), V6, 4, 4, None, 0),
    ("mh", "nexthdr", Proto, V6, 0, 1, None, 0),
    ("mh", "hdrlength", Int(8), V6, 1, 1, None, 0),
    ("mh", "type", MhType, V6, 2, 1, None, 0),
    ("mh", "reserved", Int(8), V6, 3, 1, None, 0),
    ("mh", "checksum", Int(16), V6, 4, 2, None, 0),
];

/// `rt0 addr[N]` and `srh sid[N]` (N from 1): the N-th 16-byte address after the 8-byte
/// routing header, as (offset, size).
pub fn indexed(proto: &str, field: &str, n: u16) -> Option<(u16, u8)> {
    match (proto, field) {
        ("rt0", "addr") | ("srh", "sid") if (1..=255).contains(&n) => Some((8 + 16 * (n - 1), 16)),
        _ => None,
    }
}

/// The implied type test nft adds for an ICMP field that only exists in some messages:
/// (header, field) → the types it needs.
pub fn implied_icmp_types(proto: &str, field: &str) -> Option<&'static [u8]> {
    Some(match (proto, field) {
        ("icmp", "id" | "sequence") => &[0, 8],
        ("icmp", "mtu") => &[3],
        ("icmp", "gateway") => &[5],
        ("icmpv6", "id" | "sequence") => &[128, 129],
        ("icmpv6", "mtu") => &[2],
        ("icmpv6", "max-delay") => &[130],
        _ => return None,
    })
}

/// A symbolic constant of `kind` as nft spells it (`nft describe`).
pub fn symbol(kind: Kind, name: &str) -> Option<u128> {
    let table: &[(&str, u128)] = match kind {
        Ecn => &[("not-ect", 0), ("ect1", 1), ("ect0", 2), ("ce", 3)],
        ArpOp => &[
            ("request", 1),
            ("reply", 2),
            ("rrequest", 3),
            ("rreply", 4),
            ("inrequest", 8),
            ("inreply", 9),
            ("nak", 10),
        ],
        DccpType => &[
            ("request", 0),
            ("response", 1),
            ("data", 2),
            ("ack", 3),
            ("dataack", 4),
            ("closereq", 5),
            ("close", 6),
            ("reset", 7),
            ("sync", 8),
            ("syncack", 9),
        ],
        PktType => &[
            ("host", 0),
            ("unicast", 0),
            ("broadcast", 1),
            ("multicast", 2),
            ("other", 3),
        ],
        IcmpCode => &[
            ("net-unreachable", 0),
            ("host-unreachable", 1),
            ("prot-unreachable", 2),
            ("port-unreachable", 3),
            ("frag-needed", 4),
            ("net-prohibited", 9),
            ("host-prohibited", 10),
            ("admin-prohibited", 13),
        ],
        Icmp6Code => &[
            ("no-route", 0),
            ("admin-prohibited", 1),
            ("addr-unreachable", 3),
            ("port-unreachable", 4),
            ("policy-fail", 5),
            ("reject-route", 6),
        ],
        IgmpType => &[
            ("membership-query", 17),
            ("membership-report-v1", 18),
            ("membership-report-v2", 22),
            ("membership-report-v3", 34),
            ("leave-group", 23),
        ],
        MhType => &[
            ("binding-refresh-request", 0),
            ("home-test-init", 1),
            ("careof-test-init", 2),
            ("home-test", 3),
            ("careof-test", 4),
            ("binding-update", 5),
            ("binding-acknowledgement", 6),
            ("binding-error", 7),
            ("fast-binding-update", 8),
            ("fast-binding-acknowledgement", 9),
            ("fast-binding-advertisement", 10),
            ("experimental-mobility-header", 11),
            ("home-agent-switch-message", 12),
        ],
        IcmpType => &[
            ("echo-reply", 0),
            ("destination-unreachable", 3),
            ("source-quench", 4),
            ("redirect", 5),
            ("echo-request", 8),
            ("router-advertisement", 9),
            ("router-solicitation", 10),
            ("time-exceeded", 11),
            ("parameter-problem", 12),
            ("timestamp-request", 13),
            ("timestamp-reply", 14),
            ("info-request", 15),
            ("info-reply", 16),
            ("address-mask-request", 17),
            ("address-mask-reply", 18),
        ],
        Icmp6Type => &[
            ("destination-unreachable", 1),
            ("packet-too-big", 2),
            ("time-exceeded", 3),
            ("parameter-problem", 4),
            ("echo-request", 128),
            ("echo-reply", 129),
            ("mld-listener-query", 130),
            ("mld-listener-report", 131),
            ("mld-listener-done", 132),
            ("mld-listener-reduction", 132),
            ("nd-router-solicit", 133),
            ("nd-router-advert", 134),
            ("nd-neighbor-solicit", 135),
            ("nd-neighbor-advert", 136),
            ("nd-redirect", 137),
            ("router-renumbering", 138),
            ("ind-neighbor-solicit", 141),
            ("ind-neighbor-advert", 142),
            ("mld2-listener-report", 143),
        ],
        _ => &[],
    };
    table.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
}

/// The header keywords that start a payload expression.
pub const PROTOS: &[&str] = &[
    "ip", "ip6", "tcp", "udp", "udplite", "sctp", "dccp", "th", "icmp", "icmpv6", "igmp", "ether",
    "vlan", "arp", "ah", "esp", "comp", "hbh", "dst", "rt", "rt0", "srh", "frag", "mh",
];
