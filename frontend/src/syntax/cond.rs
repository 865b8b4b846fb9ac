//! Condition builders shared by the iptables, nft, flower and ethtool frontends, so that the
//! same filter gives the same [`Cond`] whatever syntax it was written in.
//!
//! Order of tests (it matters: a read past the packet's end aborts the rule) follows the
//! pcap frontend: EtherType, IP protocol, IPv4 first-fragment, then the transport field.
//! Transport fields of IPv6 are read at the fixed 40-byte offset: a packet whose upper-layer
//! header follows extension headers does not match a transport test (netfilter walks the
//! extension headers; this program does not).

use crate::ruleset::{Base, Cmp, Cond, Field, Span, Test};

/// IPv4 EtherType.
pub const ETH_IP: u16 = 0x0800;
/// IPv6 EtherType.
pub const ETH_IP6: u16 = 0x86dd;
/// ARP EtherType.
pub const ETH_ARP: u16 = 0x0806;
/// 802.1Q tag EtherType.
pub const ETH_8021Q: u16 = 0x8100;
/// 802.1ad tag EtherType.
pub const ETH_8021AD: u16 = 0x88a8;

/// Where the network header is and which IP version it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Hdr {
    /// IPv6 (else IPv4).
    pub v6: bool,
    /// VLAN tags between the MAC addresses and the EtherType.
    pub tags: u8,
}

impl Hdr {
    /// IPv4, untagged.
    pub const V4: Hdr = Hdr { v6: false, tags: 0 };
    /// IPv6, untagged.
    pub const V6: Hdr = Hdr { v6: true, tags: 0 };

    /// The EtherType of this IP version.
    pub fn ethertype(self) -> u16 {
        if self.v6 {
            ETH_IP6
        } else {
            ETH_IP
        }
    }

    /// A field of the network header.
    pub fn net(self, offset: u16, size: u8) -> Field {
        Field::new(Base::Net { tags: self.tags }, offset, size)
    }

    /// A field of the transport header.
    pub fn l4(self, offset: u16, size: u8) -> Field {
        let base = if self.v6 {
            Base::Ipv6Payload { tags: self.tags }
        } else {
            Base::Ipv4Payload { tags: self.tags }
        };
        Field::new(base, offset, size)
    }

    /// The EtherType field (after the tags).
    pub fn ethertype_field(self) -> Field {
        Field::new(Base::Frame, 12 + 4 * self.tags as u16, 2)
    }

    /// `EtherType == IPv4/IPv6`.
    pub fn guard(self, span: Span) -> Cond {
        eq(self.ethertype_field(), self.ethertype() as u128, span)
    }

    /// The protocol field: IPv4 protocol, IPv6 next header.
    pub fn proto_field(self) -> Field {
        if self.v6 {
            self.net(6, 1)
        } else {
            self.net(9, 1)
        }
    }

    /// `protocol == p`.
    pub fn proto(self, p: u8, span: Span) -> Cond {
        eq(self.proto_field(), p as u128, span)
    }

    /// IPv4: the fragment offset is zero (first or only fragment). IPv6: always (no test).
    pub fn first_fragment(self, span: Span) -> Option<Cond> {
        (!self.v6).then(|| masked(self.net(6, 2), 0x1fff, 0, span))
    }

    /// IPv4: a fragment other than the first (`-f`).
    pub fn later_fragment(self, span: Span) -> Cond {
        test(self.net(6, 2), Some(0x1fff), Cmp::Ne(0), span)
    }

    /// Source address field (4 or 16 bytes).
    pub fn saddr(self) -> Field {
        if self.v6 {
            self.net(8, 16)
        } else {
            self.net(12, 4)
        }
    }

    /// Destination address field.
    pub fn daddr(self) -> Field {
        if self.v6 {
            self.net(24, 16)
        } else {
            self.net(16, 4)
        }
    }

    /// Address width in bits.
    pub fn addr_bits(self) -> u32 {
        if self.v6 {
            128
        } else {
            32
        }
    }

    /// `addr/prefix` on an address field (no test for /0).
    pub fn addr_prefix(self, field: Field, addr: u128, len: u32, span: Span) -> Cond {
        let m = super::prefix_mask(len, self.addr_bits());
        masked(field, m, addr & m, span)
    }

    /// The transport header's first-fragment guard followed by `rest` (the transport tests).
    pub fn transport(self, span: Span, rest: Vec<Cond>) -> Cond {
        let mut parts: Vec<Cond> = self.first_fragment(span).into_iter().collect();
        parts.extend(rest);
        all(parts)
    }

    /// The TOS / traffic-class byte as a 1-byte (IPv4) or masked 2-byte (IPv6) field, with the
    /// shift that brings a byte value to its place.
    pub fn tos_field(self) -> (Field, u32) {
        if self.v6 {
            (self.net(0, 2), 4)
        } else {
            (self.net(1, 1), 0)
        }
    }

    /// The TTL / hop-limit field.
    pub fn ttl_field(self) -> Field {
        if self.v6 {
            self.net(7, 1)
        } else {
            self.net(8, 1)
        }
    }
}

/// A field test.
pub fn test(field: Field, mask: Option<u128>, cmp: Cmp, span: Span) -> Cond {
    Cond::test(Test::Field { field, mask, cmp }, span)
}

/// `field == v`.
pub fn eq(field: Field, v: u128, span: Span) -> Cond {
    test(field, None, Cmp::Eq(v), span)
}

/// `field CMP` without a mask.
pub fn cmp(field: Field, c: Cmp, span: Span) -> Cond {
    test(field, None, c, span)
}

/// `(field & mask) == v & mask`; a full mask is a plain compare, an empty one no test.
pub fn masked(field: Field, mask: u128, v: u128, span: Span) -> Cond {
    let mask = mask & field.full_mask();
    if mask == field.full_mask() {
        eq(field, v, span)
    } else if mask == 0 {
        Cond::True
    } else {
        test(field, Some(mask), Cmp::Eq(v & mask), span)
    }
}

/// `lo <= field <= hi` (an equality when `lo == hi`, no test for the full range).
pub fn range(field: Field, lo: u128, hi: u128, span: Span) -> Cond {
    if lo == hi {
        eq(field, lo, span)
    } else if lo == 0 && hi >= field.full_mask() {
        Cond::True
    } else if lo > hi {
        Cond::False
    } else {
        cmp(field, Cmp::Range(lo, hi), span)
    }
}

/// `lo <= field <= hi` for fields wider than 8 bytes (IPv6 addresses), which the compiler
/// compares only for equality: split into the high and low 8-byte halves, compared
/// lexicographically.
pub fn wide_range(field: Field, lo: u128, hi: u128, span: Span) -> Cond {
    if field.size != 16 {
        return range(field, lo, hi, span);
    }
    if lo > hi {
        return Cond::False;
    }
    if lo == hi {
        return eq(field, lo, span);
    }
    let high = Field::new(field.base, field.offset, 8);
    let low = Field::new(field.base, field.offset + 8, 8);
    let (lh, ll) = ((lo >> 64) as u64 as u128, lo as u64 as u128);
    let (hh, hl) = ((hi >> 64) as u64 as u128, hi as u64 as u128);
    if lh == hh {
        return all(vec![eq(high, lh, span), range(low, ll, hl, span)]);
    }
    // v >= lo: high > lh, or high == lh and low >= ll; likewise v <= hi.
    let at_least = any(vec![
        cmp(high, Cmp::Gt(lh), span),
        all(vec![eq(high, lh, span), cmp(low, Cmp::Ge(ll), span)]),
    ]);
    let at_most = any(vec![
        cmp(high, Cmp::Lt(hh), span),
        all(vec![eq(high, hh, span), cmp(low, Cmp::Le(hl), span)]),
    ]);
    all(vec![at_least, at_most])
}

/// All of `parts`, without a wrapper for one part and without `True` parts.
pub fn all(parts: Vec<Cond>) -> Cond {
    let mut v: Vec<Cond> = Vec::new();
    for p in parts {
        match p {
            Cond::True => {}
            Cond::All(inner) => v.extend(inner),
            other => v.push(other),
        }
    }
    match v.len() {
        0 => Cond::True,
        1 => v.pop().unwrap_or(Cond::True),
        _ => Cond::All(v),
    }
}

/// Any of `parts`, without a wrapper for one part.
pub fn any(parts: Vec<Cond>) -> Cond {
    let mut v: Vec<Cond> = Vec::new();
    for p in parts {
        match p {
            Cond::False => {}
            Cond::Any(inner) => v.extend(inner),
            other => v.push(other),
        }
    }
    match v.len() {
        0 => Cond::False,
        1 => v.pop().unwrap_or(Cond::False),
        _ => Cond::Any(v),
    }
}

/// `cond`, or its negation.
pub fn maybe_not(cond: Cond, negate: bool) -> Cond {
    if !negate {
        return cond;
    }
    match cond {
        Cond::True => Cond::False,
        Cond::False => Cond::True,
        Cond::Not(inner) => *inner,
        c => c.negate(),
    }
}

/// Source MAC field.
pub fn eth_src() -> Field {
    Field::new(Base::Frame, 6, 6)
}

/// Destination MAC field.
pub fn eth_dst() -> Field {
    Field::new(Base::Frame, 0, 6)
}

/// TCP flag names and bits (iptables and nft spellings).
pub fn tcp_flag(name: &str) -> Option<u8> {
    Some(match name.to_ascii_lowercase().as_str() {
        "fin" => 0x01,
        "syn" => 0x02,
        "rst" => 0x04,
        "psh" => 0x08,
        "ack" => 0x10,
        "urg" => 0x20,
        "ece" | "ecn" => 0x40,
        "cwr" => 0x80,
        _ => return None,
    })
}

/// IP protocol names as /etc/protocols spells them (the ones rule writers use).
pub fn ip_proto_by_name(name: &str) -> Option<u8> {
    Some(match name.to_ascii_lowercase().as_str() {
        "icmp" => 1,
        "igmp" => 2,
        "ipencap" | "ipip" => 4,
        "tcp" => 6,
        "egp" => 8,
        "igp" => 9,
        "udp" => 17,
        "ipv6" => 41,
        "ipv6-route" => 43,
        "ipv6-frag" => 44,
        "rsvp" => 46,
        "gre" => 47,
        "esp" | "ipv6-crypt" => 50,
        "ah" | "ipv6-auth" => 51,
        "icmpv6" | "ipv6-icmp" => 58,
        "ipv6-nonxt" => 59,
        "ipv6-opts" => 60,
        "eigrp" => 88,
        "ospf" => 89,
        "pim" => 103,
        "vrrp" => 112,
        "l2tp" => 115,
        "sctp" => 132,
        "mh" | "ipv6-mh" | "mobility-header" => 135,
        "udplite" => 136,
        "ipcomp" => 108,
        "dccp" => 33,
        _ => return None,
    })
}

/// ICMP type names (iptables `--icmp-type`, nft `icmp type`): (type, optional code).
pub fn icmp_type_by_name(name: &str) -> Option<(u8, Option<u8>)> {
    Some(match name.to_ascii_lowercase().as_str() {
        "echo-reply" | "pong" => (0, None),
        "destination-unreachable" => (3, None),
        "network-unreachable" => (3, Some(0)),
        "host-unreachable" => (3, Some(1)),
        "protocol-unreachable" => (3, Some(2)),
        "port-unreachable" => (3, Some(3)),
        "fragmentation-needed" => (3, Some(4)),
        "source-route-failed" => (3, Some(5)),
        "network-unknown" => (3, Some(6)),
        "host-unknown" => (3, Some(7)),
        "network-prohibited" => (3, Some(9)),
        "host-prohibited" => (3, Some(10)),
        "tos-network-unreachable" => (3, Some(11)),
        "tos-host-unreachable" => (3, Some(12)),
        "communication-prohibited" => (3, Some(13)),
        "host-precedence-violation" => (3, Some(14)),
        "precedence-cutoff" => (3, Some(15)),
        "source-quench" => (4, None),
        "redirect" => (5, None),
        "network-redirect" => (5, Some(0)),
        "host-redirect" => (5, Some(1)),
        "tos-network-redirect" => (5, Some(2)),
        "tos-host-redirect" => (5, Some(3)),
        "echo-request" | "ping" => (8, None),
        "router-advertisement" => (9, None),
        "router-solicitation" => (10, None),
        "time-exceeded" | "ttl-exceeded" => (11, None),
        "ttl-zero-during-transit" => (11, Some(0)),
        "ttl-zero-during-reassembly" => (11, Some(1)),
        "parameter-problem" => (12, None),
        "ip-header-bad" => (12, Some(0)),
        "required-option-missing" => (12, Some(1)),
        "timestamp-request" => (13, None),
        "timestamp-reply" => (14, None),
        "info-request" => (15, None),
        "info-reply" => (16, None),
        "address-mask-request" => (17, None),
        "address-mask-reply" => (18, None),
        _ => return None,
    })
}

/// ICMPv6 type names: (type, optional code).
pub fn icmp6_type_by_name(name: &str) -> Option<(u8, Option<u8>)> {
    Some(match name.to_ascii_lowercase().as_str() {
        "destination-unreachable" => (1, None),
        "no-route" => (1, Some(0)),
        "communication-prohibited" => (1, Some(1)),
        "beyond-scope" => (1, Some(2)),
        "address-unreachable" => (1, Some(3)),
        "port-unreachable" => (1, Some(4)),
        "failed-policy" => (1, Some(5)),
        "reject-route" => (1, Some(6)),
        "packet-too-big" => (2, None),
        "time-exceeded" | "ttl-exceeded" => (3, None),
        "ttl-zero-during-transit" => (3, Some(0)),
        "ttl-zero-during-reassembly" => (3, Some(1)),
        "parameter-problem" => (4, None),
        "bad-header" => (4, Some(0)),
        "unknown-header-type" => (4, Some(1)),
        "unknown-option" => (4, Some(2)),
        "echo-request" | "ping" => (128, None),
        "echo-reply" | "pong" => (129, None),
        "mld-listener-query" => (130, None),
        "mld-listener-report" => (131, None),
        "mld-listener-done" | "mld-listener-reduction" => (132, None),
        "router-solicitation" | "nd-router-solicit" => (133, None),
        "router-advertisement" | "nd-router-advert" => (134, None),
        "neighbour-solicitation" | "neighbor-solicitation" | "nd-neighbor-solicit" => (135, None),
        "neighbour-advertisement" | "neighbor-advertisement" | "nd-neighbor-advert" => (136, None),
        "redirect" | "nd-redirect" => (137, None),
        "router-renumbering" => (138, None),
        "ind-neighbor-solicit" => (141, None),
        "ind-neighbor-advert" => (142, None),
        "mld2-listener-report" => (143, None),
        _ => return None,
    })
}

/// DSCP class names (`--dscp-class`, nft `dscp`).
pub fn dscp_class(name: &str) -> Option<u8> {
    let n = name.to_ascii_lowercase();
    Some(match n.as_str() {
        "be" | "df" | "cs0" => 0,
        "cs1" => 8,
        "cs2" => 16,
        "cs3" => 24,
        "cs4" => 32,
        "cs5" => 40,
        "cs6" => 48,
        "cs7" => 56,
        "ef" => 46,
        "lephb" => 1,
        "va" => 44,
        _ => {
            let rest = n.strip_prefix("af")?;
            let b = rest.as_bytes();
            if b.len() != 2 || !(b'1'..=b'4').contains(&b[0]) || !(b'1'..=b'3').contains(&b[1]) {
                return None;
            }
            8 * (b[0] - b'0') + 2 * (b[1] - b'0')
        }
    })
}
