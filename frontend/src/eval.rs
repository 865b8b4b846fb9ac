//! The reference evaluator: a [`RuleSet`]'s meaning, written straight from the IR's definition.
//! It is the oracle the compiled programs are checked against.

use crate::packet::{Abort, Packet};
use crate::ruleset::{Action, Base, ChainId, Cmp, Cond, Expr, RuleSet, Test, PROTOCHAIN_MAX_HOPS};

/// The outcome of a rule set on one packet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    /// The terminal action taken.
    pub action: Action,
    /// The rule that decided (chain, index), or `None` for the default.
    pub rule: Option<(ChainId, usize)>,
    /// Global indexes ([`RuleSet::global_index`]) of every rule whose condition held, in order.
    pub hits: Vec<usize>,
}

enum Flow {
    /// A terminal action from rule (chain, index).
    Decided(Action, ChainId, usize),
    /// The chain fell through or returned.
    Returned,
}

impl RuleSet {
    /// Evaluate the rule set on a frame (bytes from the Ethernet header on). Never panics; a rule
    /// set that fails [`RuleSet::validate`] evaluates to the default action for the broken rules.
    pub fn eval(&self, packet: &[u8]) -> Verdict {
        let pkt = Packet::new(packet);
        let mut hits = Vec::new();
        match self.eval_chain(0, &pkt, &mut hits, 0) {
            Flow::Decided(action, c, i) => Verdict {
                action,
                rule: Some((c, i)),
                hits,
            },
            Flow::Returned => Verdict {
                action: self.default,
                rule: None,
                hits,
            },
        }
    }

    fn eval_chain(
        &self,
        chain: ChainId,
        pkt: &Packet,
        hits: &mut Vec<usize>,
        depth: usize,
    ) -> Flow {
        let Some(c) = self.chains.get(chain) else {
            return Flow::Returned;
        };
        if depth > self.chains.len() {
            return Flow::Returned;
        }
        for (i, rule) in c.rules.iter().enumerate() {
            if eval_cond(&rule.cond, pkt, self) != Ok(true) {
                continue;
            }
            hits.push(self.global_index(chain, i));
            match rule.action {
                Action::Count => {}
                Action::Return => return Flow::Returned,
                Action::Jump(target) => {
                    if let Flow::Decided(a, tc, ti) = self.eval_chain(target, pkt, hits, depth + 1)
                    {
                        return Flow::Decided(a, tc, ti);
                    }
                }
                terminal => return Flow::Decided(terminal, chain, i),
            }
        }
        Flow::Returned
    }
}

/// Evaluate a condition: `Ok(holds)`, or `Err(Abort)` when a read went past the packet's end.
pub fn eval_cond(cond: &Cond, pkt: &Packet, rs: &RuleSet) -> Result<bool, Abort> {
    match cond {
        Cond::True => Ok(true),
        Cond::False => Ok(false),
        Cond::Not(c) => Ok(!eval_cond(c, pkt, rs)?),
        Cond::All(cs) => {
            for c in cs {
                if !eval_cond(c, pkt, rs)? {
                    return Ok(false);
                }
            }
            Ok(true)
        }
        Cond::Any(cs) => {
            for c in cs {
                if eval_cond(c, pkt, rs)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        Cond::Match(m) => eval_test(&m.test, pkt, rs),
    }
}

fn eval_test(test: &Test, pkt: &Packet, rs: &RuleSet) -> Result<bool, Abort> {
    match test {
        Test::Field { field, mask, cmp } => {
            let at = pkt.base_offset(field.base)? + field.offset as u64;
            let raw = pkt.be(at, field.size)?;
            let v = raw & mask.unwrap_or(u128::MAX);
            Ok(match cmp {
                Cmp::Eq(k) => v == *k,
                Cmp::Ne(k) => v != *k,
                Cmp::Lt(k) => v < *k,
                Cmp::Le(k) => v <= *k,
                Cmp::Gt(k) => v > *k,
                Cmp::Ge(k) => v >= *k,
                Cmp::Range(lo, hi) => *lo <= v && v <= *hi,
                Cmp::InSet(s) => rs.sets.get(*s).is_some_and(|set| set.values.contains(&v)),
            })
        }
        Test::Relation { op, lhs, rhs } => {
            let a = eval_expr(lhs, pkt)?;
            let b = eval_expr(rhs, pkt)?;
            Ok(op.holds(a, b))
        }
        Test::Protochain { tags, ip6, proto } => eval_protochain(pkt, *tags, *ip6, *proto),
    }
}

/// Evaluate pcap arithmetic.
pub fn eval_expr(e: &Expr, pkt: &Packet) -> Result<u32, Abort> {
    match e {
        Expr::Const(k) => Ok(*k),
        Expr::Len => Ok(u32::try_from(pkt.len()).unwrap_or(u32::MAX)),
        Expr::Load { base, offset, size } => {
            let off = eval_expr(offset, pkt)?;
            let at = pkt.base_offset(*base)? + off as u64;
            Ok(pkt.be(at, *size)? as u32)
        }
        Expr::Bin(op, a, b) => {
            let x = eval_expr(a, pkt)?;
            let y = eval_expr(b, pkt)?;
            op.apply(x, y).ok_or(Abort)
        }
        Expr::Neg(a) => Ok(eval_expr(a, pkt)?.wrapping_neg()),
    }
}

/// libpcap's protochain walk (gencode.c `gen_protochain`), including its AH length quirk: the
/// next offset after an AH header is `(len + 2) * 4` from the network header, not added to the
/// current offset.
fn eval_protochain(pkt: &Packet, tags: u8, ip6: bool, proto: u8) -> Result<bool, Abort> {
    let net = Base::net_offset(tags) as u64;
    let (mut next, mut off) = if ip6 {
        (pkt.byte(net + 6)?, 40u64)
    } else {
        (pkt.byte(net + 9)?, 4 * (pkt.byte(net)? & 0x0f) as u64)
    };
    for _ in 0..PROTOCHAIN_MAX_HOPS {
        if next == proto || next == 59 {
            return Ok(next == proto);
        }
        if ip6 && matches!(next, 0 | 60 | 43 | 44) {
            let nh = pkt.byte(net + off)?;
            let len = pkt.byte(net + off + 1)? as u64;
            off += (len + 1) * 8;
            next = nh;
        } else if next == 51 {
            let nh = pkt.byte(net + off)?;
            let len = pkt.byte(net + off + 1)? as u64;
            off = (len + 2) * 4;
            next = nh;
        } else {
            return Ok(next == proto);
        }
    }
    Err(Abort)
}
