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
    /// ICMP code.
    IcmpCode,
    /// ICMPv6 code.
    Icmp6Code,
    /// ECN codepoint (`not-ect`, `ect1`, `ect0`, `ce`).
    Ecn,
    /// ARP operation (`request`, `reply`, ...).
    ArpOp,
    /// DCCP packet type.
    DccpType,
    /// IPv6 mobility header type.
    MhType,
    /// IGMP type.
    IgmpType,
    /// `meta pkttype` (host, broadcast, multicast, other).
    PktType,
    /// `exists` / `missing` (`true` / `false`).
    Bool,
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
            Kind::Icmp6Code => "icmpv6_code",
            Kind::Ecn => "ecn",
            Kind::ArpOp => "arp_op",
            Kind::DccpType => "dccp_pkttype",
            Kind::MhType => "mh_type",
            Kind::IgmpType => "igmp_type",
            Kind::PktType => "pkt_type",
            Kind::Bool => "boolean",
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
            "icmp_code" => Kind::IcmpCode,
            "icmpv6_code" => Kind::Icmp6Code,
            "arp_op" => Kind::ArpOp,
            "dccp_pkttype" => Kind::DccpType,
            "mh_type" => Kind::MhType,
            "igmp_type" => Kind::IgmpType,
            "pkt_type" => Kind::PktType,
            "ecn" => Kind::Ecn,
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
    /// `rt0 addr[N]`, `srh sid[N]`: the N-th address of a routing header (N from 1).
    Indexed {
        /// `rt0` or `srh`.
        proto: &'static str,
        /// `addr` or `sid`.
        field: &'static str,
        /// N.
        index: u16,
    },
    /// `exthdr NAME exists|missing`: whether the IPv6 extension header of this type is there.
    ExtExists(u8),
}

pub use super::fields::{FIELDS, PROTOS};

/// Meta keys: (name, kind, need). `iif`-like keys are attach points, handled by the parser.
pub const METAS: &[(&str, Kind, Need)] = &[
    ("l4proto", Kind::Proto, Need::Ip),
    ("nfproto", Kind::NfProto, Need::Nothing),
    ("protocol", Kind::EtherType, Need::Nothing),
    ("length", Kind::Int(32), Need::Nothing),
    ("pkttype", Kind::PktType, Need::Nothing),
];

/// The fields of a header keyword (for suggestions).
pub fn fields_of(proto: &str) -> Vec<&'static str> {
    let mut v: Vec<&'static str> = FIELDS
        .iter()
        .filter(|r| r.0 == proto)
        .map(|r| r.1.split(' ').next().unwrap_or(r.1))
        .collect();
    match proto {
        "rt0" => v.push("addr"),
        "srh" => v.push("sid"),
        _ => {}
    }
    v.dedup();
    v
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
            Lhs::Indexed { .. } => Kind::Ipv6,
            Lhs::ExtExists(_) => Kind::Bool,
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
            Lhs::Indexed { .. } | Lhs::ExtExists(_) => Need::V6,
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
                let layer = super::fields::layer(proto)
                    .ok_or_else(|| SyntaxError::new(span, format!("unknown header '{proto}'")))?;
                let (f, deps) = layer_field(layer, hdr, tags, off, size, span)?;
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
            Lhs::Indexed {
                proto,
                field,
                index,
            } => {
                let (off, size) =
                    super::fields::indexed(proto, field, *index).ok_or_else(|| {
                        SyntaxError::new(span, format!("{proto} {field}[{index}]: no such address"))
                    })?;
                let (f, deps) = layer_field(
                    super::fields::Layer::Ext6(43),
                    hdr,
                    hdr.map_or(0, |h| h.tags),
                    off,
                    size,
                    span,
                )?;
                Ok(plain(f, Kind::Ipv6, deps))
            }
            Lhs::ExtExists(_) => Ok(plain(need_ip()?.proto_field(), Kind::Bool, vec![])),
        }
    }
}

/// The field at `off`/`size` of a header in `layer`, and the tests nft's dependency stands for.
fn layer_field(
    layer: super::fields::Layer,
    hdr: Option<Hdr>,
    tags: u8,
    off: u16,
    size: u8,
    span: Span,
) -> Result<(Field, Vec<Cond>), SyntaxError> {
    use super::fields::Layer;
    let need_ip =
        || hdr.ok_or_else(|| SyntaxError::new(span, "this expression needs an IP header"));
    Ok(match layer {
        Layer::Net => (need_ip()?.net(off, size), vec![]),
        Layer::Link => (Field::new(Base::Frame, off, size), vec![]),
        Layer::Vlan => {
            // The tag right after the MAC addresses (nft: `ether type vlan`).
            let t = Field::new(Base::Frame, 12, 2);
            (
                Field::new(Base::Frame, off, size),
                vec![c::eq(t, 0x8100, span)],
            )
        }
        Layer::Arp => {
            let f = Field::new(Base::Net { tags }, off, size);
            let t = Field::new(Base::Frame, 12 + 4 * tags as u16, 2);
            (f, vec![c::eq(t, c::ETH_ARP as u128, span)])
        }
        Layer::L4(proto) => {
            let h = need_ip()?;
            let mut deps: Vec<Cond> = proto.map(|p| h.proto(p, span)).into_iter().collect();
            deps.extend(h.first_fragment(span));
            (h.l4(off, size), deps)
        }
        Layer::Ext6(t) => {
            let h = need_ip()?;
            if !h.v6 {
                return Err(SyntaxError::new(
                    span,
                    "an IPv6 extension header needs IPv6",
                ));
            }
            (h.l4(off, size), vec![h.proto(t, span)])
        }
    })
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
        let v = match syntax::parse_c_number(s) {
            Some(v) => v as u128,
            // Values wider than 64 bits (raw payloads up to 128) are written in hex.
            None => {
                let h = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X"))?;
                if h.is_empty() || h.len() > 32 {
                    return None;
                }
                u128::from_str_radix(h, 16).ok()?
            }
        };
        (bits >= 128 || v < (1u128 << bits)).then_some(v)
    };
    let sym = |bits: u32, what: &str| {
        int(bits)
            .or_else(|| super::fields::symbol(kind, s))
            .ok_or_else(|| bad(what))
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
        Kind::IcmpType => sym(8, "ICMP type"),
        Kind::Icmp6Type => sym(8, "ICMPv6 type"),
        Kind::IcmpCode => sym(8, "ICMP code"),
        Kind::Icmp6Code => sym(8, "ICMPv6 code"),
        Kind::Ecn => sym(2, "ECN value (not-ect, ect1, ect0, ce)"),
        Kind::ArpOp => sym(16, "ARP operation"),
        Kind::DccpType => sym(4, "DCCP type"),
        Kind::MhType => sym(8, "mobility header type"),
        Kind::IgmpType => sym(8, "IGMP type"),
        Kind::PktType => sym(8, "packet type (host, broadcast, multicast, other)"),
        Kind::Bool => match s {
            "exists" | "true" => Ok(1),
            "missing" | "false" => Ok(0),
            _ => Err(bad("boolean (exists or missing)")),
        },
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
