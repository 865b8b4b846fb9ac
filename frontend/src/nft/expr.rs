//! nft match expressions: the left-hand sides (payload, meta, raw payload), the types of their
//! values, and how a resolved comparison becomes a [`Cond`] for one IP version.

use crate::ruleset::{Base, Cmp, Cond, Expr, Field, RelOp, Span, Test};
use crate::syntax::cond::{self as c, Hdr};
use crate::syntax::{self, SyntaxError};

/// The type of a value on the right-hand side.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// IPv4 address.
    Ipv4,
    /// IPv6 address.
    Ipv6,
    /// Port (`inet_service`).
    Port,
    /// IP protocol (`inet_proto`).
    Proto,
    /// Ethernet address.
    Mac,
    /// EtherType (`ether_type`).
    EtherType,
    /// ICMP type.
    IcmpType,
    /// ICMPv6 type.
    Icmp6Type,
    /// ICMP / ICMPv6 code (numbers).
    IcmpCode,
    /// TCP flags (a bitmask type).
    TcpFlags,
    /// `ipv4`/`ipv6` (`meta nfproto`).
    NfProto,
    /// DSCP (names or numbers).
    Dscp,
    /// A plain unsigned integer of so many bits.
    Int(u32),
}

impl Kind {
    /// The nft type name.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Ipv4 => "ipv4_addr",
            Kind::Ipv6 => "ipv6_addr",
            Kind::Port => "inet_service",
            Kind::Proto => "inet_proto",
            Kind::Mac => "ether_addr",
            Kind::EtherType => "ether_type",
            Kind::IcmpType => "icmp_type",
            Kind::Icmp6Type => "icmpv6_type",
            Kind::IcmpCode => "icmp_code",
            Kind::TcpFlags => "tcp_flag",
            Kind::NfProto => "nf_proto",
            Kind::Dscp => "dscp",
            Kind::Int(_) => "integer",
        }
    }

    /// A set's `type` keyword.
    pub fn from_type_name(s: &str) -> Option<Kind> {
        Some(match s {
            "ipv4_addr" => Kind::Ipv4,
            "ipv6_addr" => Kind::Ipv6,
            "inet_service" => Kind::Port,
            "inet_proto" => Kind::Proto,
            "ether_addr" => Kind::Mac,
            "ether_type" => Kind::EtherType,
            "icmp_type" => Kind::IcmpType,
            "icmpv6_type" => Kind::Icmp6Type,
            "tcp_flag" => Kind::TcpFlags,
            _ => return None,
        })
    }

    /// Whether the type is a bitmask (a bare value tests "any of these bits").
    pub fn is_bitmask(self) -> bool {
        self == Kind::TcpFlags
    }
}

/// Which IP version an expression needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    /// None (link layer, meta).
    Nothing,
    /// IPv4 only.
    V4,
    /// IPv6 only.
    V6,
    /// A transport header over either IP version.
    Ip,
}

/// A left-hand side.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lhs {
    /// `PROTO FIELD` (`ip saddr`, `tcp dport`, `ether type`, `vlan id`, ...).
    Payload {
        /// Header keyword.
        proto: &'static str,
        /// Field keyword.
        field: &'static str,
    },
    /// `meta KEY` or a bare meta key (`l4proto`, `iif`, ...).
    Meta(&'static str),
    /// `@ll|nh|th,OFFSET,LENGTH` (bits).
    Raw {
        /// `ll`, `nh` or `th`.
        base: &'static str,
        /// Offset in bits.
        off: u32,
        /// Length in bits.
        len: u32,
    },
    /// `fib saddr|daddr type` (only `multicast` can be decided without the routing table).
    FibType {
        /// Destination address (else source).
        daddr: bool,
    },
}

/// Field table: (proto, field, kind, need, offset, size, mask, shift).
type Row = (
    &'static str,
    &'static str,
    Kind,
    Need,
    u16,
    u8,
    Option<u128>,
    u32,
);

const FIELDS: &[Row] = &[
    ("ip", "version", Kind::Int(4), Need::V4, 0, 1, Some(0xf0), 4),
    (
        "ip",
        "hdrlength",
        Kind::Int(4),
        Need::V4,
        0,
        1,
        Some(0x0f),
        0,
    ),
    ("ip", "dscp", Kind::Dscp, Need::V4, 1, 1, Some(0xfc), 2),
    ("ip", "ecn", Kind::Int(2), Need::V4, 1, 1, Some(0x03), 0),
    ("ip", "length", Kind::Int(16), Need::V4, 2, 2, None, 0),
    ("ip", "id", Kind::Int(16), Need::V4, 4, 2, None, 0),
    ("ip", "frag-off", Kind::Int(16), Need::V4, 6, 2, None, 0),
    ("ip", "ttl", Kind::Int(8), Need::V4, 8, 1, None, 0),
    ("ip", "protocol", Kind::Proto, Need::V4, 9, 1, None, 0),
    ("ip", "checksum", Kind::Int(16), Need::V4, 10, 2, None, 0),
    ("ip", "saddr", Kind::Ipv4, Need::V4, 12, 4, None, 0),
    ("ip", "daddr", Kind::Ipv4, Need::V4, 16, 4, None, 0),
    (
        "ip6",
        "version",
        Kind::Int(4),
        Need::V6,
        0,
        1,
        Some(0xf0),
        4,
    ),
    ("ip6", "dscp", Kind::Dscp, Need::V6, 0, 2, Some(0x0fc0), 6),
    ("ip6", "ecn", Kind::Int(2), Need::V6, 1, 1, Some(0x30), 4),
    (
        "ip6",
        "flowlabel",
        Kind::Int(20),
        Need::V6,
        1,
        3,
        Some(0x0f_ffff),
        0,
    ),
    ("ip6", "length", Kind::Int(16), Need::V6, 4, 2, None, 0),
    ("ip6", "nexthdr", Kind::Proto, Need::V6, 6, 1, None, 0),
    ("ip6", "hoplimit", Kind::Int(8), Need::V6, 7, 1, None, 0),
    ("ip6", "saddr", Kind::Ipv6, Need::V6, 8, 16, None, 0),
    ("ip6", "daddr", Kind::Ipv6, Need::V6, 24, 16, None, 0),
    ("tcp", "sport", Kind::Port, Need::Ip, 0, 2, None, 0),
    ("tcp", "dport", Kind::Port, Need::Ip, 2, 2, None, 0),
    ("tcp", "sequence", Kind::Int(32), Need::Ip, 4, 4, None, 0),
    ("tcp", "ackseq", Kind::Int(32), Need::Ip, 8, 4, None, 0),
    ("tcp", "doff", Kind::Int(4), Need::Ip, 12, 1, Some(0xf0), 4),
    ("tcp", "flags", Kind::TcpFlags, Need::Ip, 13, 1, None, 0),
    ("tcp", "window", Kind::Int(16), Need::Ip, 14, 2, None, 0),
    ("tcp", "checksum", Kind::Int(16), Need::Ip, 16, 2, None, 0),
    ("tcp", "urgptr", Kind::Int(16), Need::Ip, 18, 2, None, 0),
    ("udp", "sport", Kind::Port, Need::Ip, 0, 2, None, 0),
    ("udp", "dport", Kind::Port, Need::Ip, 2, 2, None, 0),
    ("udp", "length", Kind::Int(16), Need::Ip, 4, 2, None, 0),
    ("udp", "checksum", Kind::Int(16), Need::Ip, 6, 2, None, 0),
    ("sctp", "sport", Kind::Port, Need::Ip, 0, 2, None, 0),
    ("sctp", "dport", Kind::Port, Need::Ip, 2, 2, None, 0),
    ("sctp", "vtag", Kind::Int(32), Need::Ip, 4, 4, None, 0),
    ("th", "sport", Kind::Port, Need::Ip, 0, 2, None, 0),
    ("th", "dport", Kind::Port, Need::Ip, 2, 2, None, 0),
    ("icmp", "type", Kind::IcmpType, Need::V4, 0, 1, None, 0),
    ("icmp", "code", Kind::IcmpCode, Need::V4, 1, 1, None, 0),
    ("icmp", "checksum", Kind::Int(16), Need::V4, 2, 2, None, 0),
    ("icmp", "id", Kind::Int(16), Need::V4, 4, 2, None, 0),
    ("icmp", "sequence", Kind::Int(16), Need::V4, 6, 2, None, 0),
    ("icmp", "mtu", Kind::Int(16), Need::V4, 6, 2, None, 0),
    ("icmp", "gateway", Kind::Ipv4, Need::V4, 4, 4, None, 0),
    ("icmpv6", "type", Kind::Icmp6Type, Need::V6, 0, 1, None, 0),
    ("icmpv6", "code", Kind::IcmpCode, Need::V6, 1, 1, None, 0),
    ("icmpv6", "checksum", Kind::Int(16), Need::V6, 2, 2, None, 0),
    ("icmpv6", "id", Kind::Int(16), Need::V6, 4, 2, None, 0),
    ("icmpv6", "sequence", Kind::Int(16), Need::V6, 6, 2, None, 0),
    ("icmpv6", "mtu", Kind::Int(32), Need::V6, 4, 4, None, 0),
    ("ether", "daddr", Kind::Mac, Need::Nothing, 0, 6, None, 0),
    ("ether", "saddr", Kind::Mac, Need::Nothing, 6, 6, None, 0),
    (
        "ether",
        "type",
        Kind::EtherType,
        Need::Nothing,
        12,
        2,
        None,
        0,
    ),
    (
        "vlan",
        "id",
        Kind::Int(12),
        Need::Nothing,
        14,
        2,
        Some(0x0fff),
        0,
    ),
    (
        "vlan",
        "pcp",
        Kind::Int(3),
        Need::Nothing,
        14,
        1,
        Some(0xe0),
        5,
    ),
    (
        "vlan",
        "dei",
        Kind::Int(1),
        Need::Nothing,
        14,
        1,
        Some(0x10),
        4,
    ),
    (
        "vlan",
        "cfi",
        Kind::Int(1),
        Need::Nothing,
        14,
        1,
        Some(0x10),
        4,
    ),
    (
        "vlan",
        "type",
        Kind::EtherType,
        Need::Nothing,
        16,
        2,
        None,
        0,
    ),
    ("arp", "htype", Kind::Int(16), Need::Nothing, 0, 2, None, 0),
    (
        "arp",
        "ptype",
        Kind::EtherType,
        Need::Nothing,
        2,
        2,
        None,
        0,
    ),
    ("arp", "hlen", Kind::Int(8), Need::Nothing, 4, 1, None, 0),
    ("arp", "plen", Kind::Int(8), Need::Nothing, 5, 1, None, 0),
    (
        "arp",
        "operation",
        Kind::Int(16),
        Need::Nothing,
        6,
        2,
        None,
        0,
    ),
];

/// The header keywords that start a payload expression.
pub const PROTOS: &[&str] = &[
    "ip", "ip6", "tcp", "udp", "sctp", "th", "icmp", "icmpv6", "ether", "vlan", "arp",
];

/// Meta keys: (name, kind, need). `iif`-like keys are attach points, handled by the parser.
pub const METAS: &[(&str, Kind, Need)] = &[
    ("l4proto", Kind::Proto, Need::Ip),
    ("nfproto", Kind::NfProto, Need::Nothing),
    ("protocol", Kind::EtherType, Need::Nothing),
    ("length", Kind::Int(32), Need::Nothing),
];

/// The fields of a header keyword (for suggestions).
pub fn fields_of(proto: &str) -> Vec<&'static str> {
    FIELDS
        .iter()
        .filter(|r| r.0 == proto)
        .map(|r| r.1)
        .collect()
}

/// Find a payload field.
pub fn payload(proto: &str, field: &str) -> Option<(&'static str, &'static str)> {
    FIELDS
        .iter()
        .find(|r| r.0 == proto && r.1 == field)
        .map(|r| (r.0, r.1))
}

/// A left-hand side resolved for one IP version: the field to read, its mask and value shift,
/// and the tests it depends on (the protocol, the first-fragment guard).
#[derive(Clone, Debug)]
pub struct Resolved {
    /// What to read.
    pub field: Field,
    /// Bits kept.
    pub mask: Option<u128>,
    /// Values are shifted left by this much before comparing.
    pub shift: u32,
    /// Tests that must hold first.
    pub deps: Vec<Cond>,
    /// Value type.
    pub kind: Kind,
    /// `meta length` where it is not one field: on a netdev chain the frame's length minus the
    /// link header, on IPv6 the payload length plus the 40-byte header. Compared instead of
    /// the field.
    pub len_expr: Option<Expr>,
}

impl Lhs {
    /// The value type.
    pub fn kind(&self) -> Kind {
        match self {
            Lhs::Payload { proto, field } => FIELDS
                .iter()
                .find(|r| r.0 == *proto && r.1 == *field)
                .map_or(Kind::Int(32), |r| r.2),
            Lhs::Meta(k) => METAS
                .iter()
                .find(|m| m.0 == *k)
                .map_or(Kind::Int(32), |m| m.1),
            Lhs::Raw { len, .. } => Kind::Int(*len),
            Lhs::FibType { .. } => Kind::Int(8),
        }
    }

    /// The IP version needed.
    pub fn need(&self) -> Need {
        match self {
            Lhs::Payload { proto, field } => FIELDS
                .iter()
                .find(|r| r.0 == *proto && r.1 == *field)
                .map_or(Need::Nothing, |r| r.3),
            Lhs::Meta(k) => METAS
                .iter()
                .find(|m| m.0 == *k)
                .map_or(Need::Nothing, |m| m.2),
            Lhs::Raw { base: "th", .. } => Need::Ip,
            Lhs::Raw { .. } => Need::Nothing,
            Lhs::FibType { .. } => Need::Ip,
        }
    }

    /// Resolve for `hdr` (`None`: no IP version, e.g. a link-layer-only rule). `netdev`: the
    /// chain sees whole frames (meta length differs).
    pub fn resolve(
        &self,
        hdr: Option<Hdr>,
        netdev: bool,
        span: Span,
    ) -> Result<Resolved, SyntaxError> {
        let need_ip =
            || hdr.ok_or_else(|| SyntaxError::new(span, "this expression needs an IP header"));
        let plain = |field: Field, kind: Kind, deps: Vec<Cond>| Resolved {
            field,
            mask: None,
            shift: 0,
            deps,
            kind,
            len_expr: None,
        };
        match self {
            Lhs::Payload { proto, field } => {
                let Some(row) = FIELDS.iter().find(|r| r.0 == *proto && r.1 == *field) else {
                    return Err(SyntaxError::new(
                        span,
                        format!("unknown field '{proto} {field}'"),
                    ));
                };
                let (_, _, kind, _, off, size, mask, shift) = *row;
                let tags = hdr.map_or(0, |h| h.tags);
                let (f, deps) = match *proto {
                    "ip" | "ip6" => (need_ip()?.net(off, size), vec![]),
                    "ether" => (Field::new(Base::Frame, off, size), vec![]),
                    "vlan" => {
                        // The tag right after the MAC addresses (nft: `ether type vlan`).
                        let t = Field::new(Base::Frame, 12, 2);
                        (
                            Field::new(Base::Frame, off, size),
                            vec![c::eq(t, 0x8100, span)],
                        )
                    }
                    "arp" => {
                        let f = Field::new(Base::Net { tags }, off, size);
                        let t = Field::new(Base::Frame, 12 + 4 * tags as u16, 2);
                        (f, vec![c::eq(t, c::ETH_ARP as u128, span)])
                    }
                    l4 => {
                        let h = need_ip()?;
                        let mut deps = Vec::new();
                        match l4 {
                            "tcp" => deps.push(h.proto(6, span)),
                            "udp" => deps.push(h.proto(17, span)),
                            "sctp" => deps.push(h.proto(132, span)),
                            "icmp" => deps.push(h.proto(1, span)),
                            "icmpv6" => deps.push(h.proto(58, span)),
                            _ => {}
                        }
                        deps.extend(h.first_fragment(span));
                        (h.l4(off, size), deps)
                    }
                };
                Ok(Resolved {
                    field: f,
                    mask,
                    shift,
                    deps,
                    kind,
                    len_expr: None,
                })
            }
            Lhs::Meta(k) => match *k {
                "l4proto" => {
                    let h = need_ip()?;
                    Ok(plain(h.proto_field(), Kind::Proto, vec![]))
                }
                "protocol" => {
                    let tags = hdr.map_or(0, |h| h.tags);
                    Ok(plain(
                        Field::new(Base::Frame, 12 + 4 * tags as u16, 2),
                        Kind::EtherType,
                        vec![],
                    ))
                }
                "length" => match (hdr, netdev) {
                    (Some(h), false) if !h.v6 => Ok(plain(h.net(2, 2), Kind::Int(32), vec![])),
                    (Some(h), false) => Ok(Resolved {
                        len_expr: Some(Expr::Bin(
                            crate::ruleset::ArithOp::Add,
                            Box::new(Expr::Load {
                                base: Base::Net { tags: h.tags },
                                offset: Box::new(Expr::Const(4)),
                                size: 2,
                            }),
                            Box::new(Expr::Const(40)),
                        )),
                        ..plain(h.net(4, 2), Kind::Int(32), vec![])
                    }),
                    _ => Ok(Resolved {
                        len_expr: Some(Expr::Bin(
                            crate::ruleset::ArithOp::Sub,
                            Box::new(Expr::Len),
                            Box::new(Expr::Const(14)),
                        )),
                        ..plain(Field::new(Base::Frame, 0, 1), Kind::Int(32), vec![])
                    }),
                },
                other => Err(SyntaxError::new(
                    span,
                    format!("meta {other} cannot be compiled"),
                )),
            },
            Lhs::Raw { base, off, len } => {
                let byte = off / 8;
                let end = (off + len).div_ceil(8);
                let size = end - byte;
                if *len == 0 || size > 16 || byte > 0xffff {
                    return Err(SyntaxError::new(
                        span,
                        "raw payload of 1..=128 bits within 16 bytes",
                    ));
                }
                let shift = size * 8 - (off % 8) - len;
                let mask = if *len >= 128 {
                    u128::MAX
                } else {
                    ((1u128 << len) - 1) << shift
                };
                let mut deps = Vec::new();
                let base = match *base {
                    "ll" => Base::Frame,
                    "nh" => Base::Net {
                        tags: hdr.map_or(0, |h| h.tags),
                    },
                    _ => {
                        let h = need_ip()?;
                        deps.extend(h.first_fragment(span));
                        h.l4(0, 1).base
                    }
                };
                let field = Field::new(base, byte as u16, size as u8);
                let mask = (mask != field.full_mask()).then_some(mask);
                Ok(Resolved {
                    field,
                    mask,
                    shift,
                    deps,
                    kind: Kind::Int(*len),
                    len_expr: None,
                })
            }
            Lhs::FibType { daddr } => {
                let h = need_ip()?;
                let f = if *daddr { h.daddr() } else { h.saddr() };
                Ok(plain(f, Kind::Int(8), vec![]))
            }
        }
    }
}

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// No operator written (equality, or "any of these bits" for bitmask types).
    Implicit,
    /// `==` / `eq`.
    Eq,
    /// `!=` / `ne`.
    Ne,
    /// `<` / `lt`.
    Lt,
    /// `<=` / `le`.
    Le,
    /// `>` / `gt`.
    Gt,
    /// `>=` / `ge`.
    Ge,
}

/// One value on the right: exact, range or prefix, in value space (shifted into the field's
/// position when compared).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Val {
    /// One value.
    One(u128),
    /// Inclusive range.
    Range(u128, u128),
    /// `addr/len`: (value, mask) in value space.
    Prefix(u128, u128),
}

/// A test of `r` against one value, before negation.
pub fn val_test(r: &Resolved, op: Op, v: Val, span: Span) -> Result<Cond, SyntaxError> {
    let sh = |x: u128| x << r.shift;
    if let Some(len) = &r.len_expr {
        let rel = |op: RelOp, k: u128| {
            Cond::test(
                Test::Relation {
                    op,
                    lhs: len.clone(),
                    rhs: Expr::Const(k.min(u32::MAX as u128) as u32),
                },
                span,
            )
        };
        return Ok(match (op, v) {
            (Op::Implicit | Op::Eq, Val::One(k)) => rel(RelOp::Eq, k),
            (Op::Ne, Val::One(k)) => rel(RelOp::Ne, k),
            (Op::Lt, Val::One(k)) => rel(RelOp::Lt, k),
            (Op::Le, Val::One(k)) => rel(RelOp::Le, k),
            (Op::Gt, Val::One(k)) => rel(RelOp::Gt, k),
            (Op::Ge, Val::One(k)) => rel(RelOp::Ge, k),
            (Op::Implicit | Op::Eq, Val::Range(a, b)) => {
                c::all(vec![rel(RelOp::Ge, a), rel(RelOp::Le, b)])
            }
            (Op::Ne, Val::Range(a, b)) => {
                c::all(vec![rel(RelOp::Ge, a), rel(RelOp::Le, b)]).negate()
            }
            _ => {
                return Err(SyntaxError::new(
                    span,
                    "unsupported comparison on meta length",
                ))
            }
        });
    }
    let full = r.mask.unwrap_or(r.field.full_mask());
    let test = |cmp: Cmp| c::test(r.field, r.mask, cmp, span);
    let cond = match (op, v) {
        (Op::Implicit, Val::One(k)) if r.kind.is_bitmask() => {
            test_masked(r.field, full & sh(k), Cmp::Ne(0), span)
        }
        (Op::Implicit | Op::Eq, Val::One(k)) => c::masked(r.field, full, sh(k), span),
        (Op::Ne, Val::One(k)) => c::maybe_not(c::masked(r.field, full, sh(k), span), true),
        (Op::Lt, Val::One(k)) => test(Cmp::Lt(sh(k))),
        (Op::Le, Val::One(k)) => test(Cmp::Le(sh(k))),
        (Op::Gt, Val::One(k)) => test(Cmp::Gt(sh(k))),
        (Op::Ge, Val::One(k)) => test(Cmp::Ge(sh(k))),
        (Op::Implicit | Op::Eq | Op::Ne, Val::Range(a, b)) => {
            let t = if r.field.size > 8 && r.mask.is_none() {
                c::wide_range(r.field, a, b, span)
            } else if a == b {
                c::masked(r.field, full, sh(a), span)
            } else {
                test(Cmp::Range(sh(a), sh(b)))
            };
            c::maybe_not(t, op == Op::Ne)
        }
        (Op::Implicit | Op::Eq | Op::Ne, Val::Prefix(a, m)) => c::maybe_not(
            c::masked(r.field, full & sh(m), sh(a & m), span),
            op == Op::Ne,
        ),
        _ => return Err(SyntaxError::new(span, "an ordering needs a single value")),
    };
    Ok(cond)
}

fn test_masked(f: Field, mask: u128, cmp: Cmp, span: Span) -> Cond {
    c::test(f, Some(mask), cmp, span)
}

/// Parse a value word of `kind` (a range `a-b` and a prefix `a/len` included).
pub fn parse_val(kind: Kind, s: &str, span: Span) -> Result<Val, SyntaxError> {
    let bad = || SyntaxError::new(span, format!("'{s}' is not a valid {} value", kind.name()));
    if let Some((a, l)) = s.split_once('/') {
        let bits = match kind {
            Kind::Ipv4 => 32,
            Kind::Ipv6 => 128,
            _ => return Err(bad()),
        };
        let v = one(kind, a, span)?;
        let len = syntax::parse_decimal(l)
            .filter(|l| *l <= bits as u64)
            .ok_or_else(bad)?;
        let m = syntax::prefix_mask(len as u32, bits);
        return Ok(Val::Prefix(v & m, m));
    }
    if let Ok(v) = one(kind, s, span) {
        return Ok(Val::One(v));
    }
    // A range: split at a '-' that leaves two valid values.
    for (i, ch) in s.char_indices() {
        if ch == '-' {
            if let (Ok(a), Ok(b)) = (one(kind, &s[..i], span), one(kind, &s[i + 1..], span)) {
                if a > b {
                    return Err(SyntaxError::new(
                        span,
                        format!("range '{s}' has its ends reversed"),
                    ));
                }
                return Ok(Val::Range(a, b));
            }
        }
    }
    one(kind, s, span).map(Val::One)
}

/// One value of `kind`.
pub fn one(kind: Kind, s: &str, span: Span) -> Result<u128, SyntaxError> {
    let bad = |what: &str| SyntaxError::new(span, format!("'{s}' is not a valid {what}"));
    let int = |bits: u32| -> Option<u128> {
        let v = syntax::parse_c_number(s)? as u128;
        (bits >= 64 || v < (1u128 << bits)).then_some(v)
    };
    match kind {
        Kind::Ipv4 => syntax::parse_ipv4(s)
            .map(u128::from)
            .ok_or_else(|| bad("IPv4 address")),
        Kind::Ipv6 => syntax::parse_ipv6(s).ok_or_else(|| bad("IPv6 address")),
        Kind::Mac => syntax::parse_mac(s)
            .map(u128::from)
            .ok_or_else(|| bad("Ethernet address")),
        Kind::Port => int(16)
            .or_else(|| crate::iptables::values::service_port(s).map(u128::from))
            .ok_or_else(|| bad("port (number or service name)")),
        Kind::Proto => int(8)
            .or_else(|| c::ip_proto_by_name(s).map(u128::from))
            .ok_or_else(|| bad("protocol")),
        Kind::EtherType => match s {
            "ip" => Ok(0x0800),
            "ip6" => Ok(0x86dd),
            "arp" => Ok(0x0806),
            "vlan" | "8021q" => Ok(0x8100),
            "8021ad" => Ok(0x88a8),
            _ => int(16).ok_or_else(|| bad("ether type (ip, ip6, arp, vlan or a number)")),
        },
        Kind::IcmpType => int(8)
            .or_else(|| match c::icmp_type_by_name(s) {
                Some((t, None)) => Some(t as u128),
                _ => None,
            })
            .ok_or_else(|| bad("ICMP type")),
        Kind::Icmp6Type => int(8)
            .or_else(|| match c::icmp6_type_by_name(s) {
                Some((t, None)) => Some(t as u128),
                _ => None,
            })
            .ok_or_else(|| bad("ICMPv6 type")),
        Kind::IcmpCode => int(8).ok_or_else(|| bad("ICMP code")),
        Kind::TcpFlags => int(8)
            .or_else(|| c::tcp_flag(s).map(u128::from))
            .ok_or_else(|| bad("TCP flag (fin, syn, rst, psh, ack, urg, ecn, cwr)")),
        Kind::NfProto => match s {
            "ipv4" => Ok(2),
            "ipv6" => Ok(10),
            _ => bad("nfproto (ipv4 or ipv6)").pipe_err(),
        },
        Kind::Dscp => int(6)
            .or_else(|| c::dscp_class(s).map(u128::from))
            .ok_or_else(|| bad("DSCP value")),
        Kind::Int(bits) => int(bits).ok_or_else(|| bad(&format!("{bits}-bit integer"))),
    }
}

trait PipeErr {
    fn pipe_err(self) -> Result<u128, SyntaxError>;
}

impl PipeErr for SyntaxError {
    fn pipe_err(self) -> Result<u128, SyntaxError> {
        Err(self)
    }
}
