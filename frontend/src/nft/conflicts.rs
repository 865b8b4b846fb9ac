//! Rules nft itself refuses as contradictory, refused here with nft's words: an ICMP field
//! whose implied type contradicts the rule's own `icmp type` ("incompatible icmp match"), two
//! transport protocols in one rule or a VLAN field under a non-VLAN `ether type`
//! ("conflicting protocols specified"), and verdict-map keys that overlap ("conflicting
//! intervals specified").

use super::expr::{Kind, Lhs, Op, Val};
use super::fields::{self, Layer};
use super::model::{NRule, Rhs, Stmt, Verdict};
use crate::ruleset::Span;
use crate::syntax::SyntaxError;

/// Check `r`; returns whether the rule tests the ICMP/ICMPv6 type itself (then nft adds no
/// implied type test for `icmp id` and the like).
pub(super) fn check(r: &NRule) -> Result<bool, SyntaxError> {
    let mut icmp_types: Vec<(&str, Vec<u128>)> = Vec::new();
    let mut ether_type: Option<u128> = None;
    let mut l4: Option<(u8, String)> = None;
    for s in &r.stmts {
        let Stmt::Test {
            lhs, op, rhs, span, ..
        } = s
        else {
            continue;
        };
        let exact = match (op, rhs) {
            (Op::Implicit | Op::Eq, Rhs::Vals(vals, _))
                if vals.iter().all(|v| matches!(v, Val::One(_))) =>
            {
                Some(
                    vals.iter()
                        .filter_map(|v| match v {
                            Val::One(x) => Some(*x),
                            _ => None,
                        })
                        .collect::<Vec<u128>>(),
                )
            }
            _ => None,
        };
        let single = exact.as_ref().filter(|v| v.len() == 1).map(|v| v[0]);
        match lhs {
            Lhs::Payload {
                proto: p @ ("icmp" | "icmpv6"),
                field: "type",
            } => {
                if let Some(v) = exact {
                    icmp_types.push((p, v));
                }
            }
            Lhs::Payload {
                proto: "ether",
                field: "type",
            } => ether_type = single.or(ether_type),
            Lhs::Payload {
                proto: "ip" | "ip6",
                field: "protocol" | "nexthdr",
            }
            | Lhs::Meta("l4proto") => {
                if let Some(p) = single {
                    let p = p as u8;
                    note_l4(&mut l4, p, &proto_name(p), *span)?;
                }
            }
            _ => {}
        }
        if let Lhs::Payload { proto, field } = lhs {
            if *proto == "vlan" {
                if let Some(t) = ether_type.filter(|t| *t != 0x8100 && *t != 0x88a8) {
                    let _ = t;
                    return Err(SyntaxError::new(
                        *span,
                        "conflicting protocols specified: ether vs. vlan",
                    )
                    .with_note("a VLAN field needs 'ether type vlan'; the rule already tests another EtherType"));
                }
            }
            if let Some(Layer::L4(Some(p))) = fields::layer(proto) {
                note_l4(&mut l4, p, proto, *span)?;
            }
            if let Some(need) = fields::implied_icmp_types(proto, field) {
                if let Some((_, have)) = icmp_types.iter().find(|(q, _)| q == proto) {
                    if let Some(bad) = have.iter().find(|t| !need.contains(&(**t as u8))) {
                        return Err(SyntaxError::new(
                            *span,
                            format!("incompatible icmp match: rule has {bad}, need {}", need[0]),
                        )
                        .with_note(format!(
                            "'{proto} {field}' exists only in ICMP messages of type {need:?}"
                        )));
                    }
                }
            }
        }
    }
    Ok(!icmp_types.is_empty())
}

fn proto_name(p: u8) -> String {
    match p {
        1 => "icmp".into(),
        2 => "igmp".into(),
        6 => "tcp".into(),
        17 => "udp".into(),
        33 => "dccp".into(),
        50 => "esp".into(),
        51 => "ah".into(),
        58 => "icmpv6".into(),
        108 => "comp".into(),
        132 => "sctp".into(),
        136 => "udplite".into(),
        _ => p.to_string(),
    }
}

fn note_l4(
    seen: &mut Option<(u8, String)>,
    p: u8,
    name: &str,
    span: Span,
) -> Result<(), SyntaxError> {
    match seen {
        Some((q, qname)) if *q != p => Err(SyntaxError::new(
            span,
            format!("conflicting protocols specified: {qname} vs. {name}"),
        )
        .with_note("one packet has one transport protocol")),
        Some(_) => Ok(()),
        None => {
            *seen = Some((p, name.to_string()));
            Ok(())
        }
    }
}

/// Width in bits of a value of `kind`.
fn bits(kind: Kind) -> u32 {
    match kind {
        Kind::Ipv4 => 32,
        Kind::Ipv6 => 128,
        Kind::Port | Kind::EtherType | Kind::ArpOp => 16,
        Kind::Mac => 48,
        Kind::Int(b) => b.min(128),
        _ => 8,
    }
}

/// Refuse verdict-map keys that overlap (nft: "conflicting intervals specified"; an exact
/// key given twice: "File exists").
pub(super) fn vmap_overlaps(
    kind: Kind,
    elems: &[(Val, Verdict)],
    span: Span,
) -> Result<(), SyntaxError> {
    let full = if bits(kind) >= 128 {
        u128::MAX
    } else {
        (1u128 << bits(kind)) - 1
    };
    let mut iv: Vec<(u128, u128)> = elems
        .iter()
        .map(|(v, _)| match *v {
            Val::One(x) => (x, x),
            Val::Range(a, b) => (a, b),
            Val::Prefix(a, m) => (a, a | (!m & full)),
        })
        .collect();
    iv.sort_unstable();
    for w in iv.windows(2) {
        if w[1].0 <= w[0].1 {
            let msg = if w[0] == w[1] && w[0].0 == w[0].1 {
                format!("key {:#x} is given twice in the verdict map", w[0].0)
            } else {
                "conflicting intervals specified".to_string()
            };
            return Err(SyntaxError::new(span, msg).with_note(
                "each key of a verdict map must select one verdict; nft refuses overlapping keys",
            ));
        }
    }
    Ok(())
}
