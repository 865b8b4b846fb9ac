//! The canonical form of a [`RuleSet`], to compare rule sets written in different syntaxes:
//! what the rules *do*, without where they were written.
//!
//! [`canonical`] drops the syntax name, rule origins, test spans and chain and set names, and
//! simplifies each condition without changing its meaning on any packet (aborts included):
//! nested `All`/`Any` are flattened, one-part wrappers removed, and a test on a field already
//! known by an earlier equality in the same `All` is decided (a repeated `EtherType == IPv4`
//! disappears; a branch that needs `EtherType == IPv6` after it becomes `False` and leaves its
//! `Any`); the parts of a rule's top-level conjunction are sorted (there an abort means the
//! same as false, so their order does not matter). That is how `ip and tcp dst port 80` (pcap, which tests the EtherType twice and
//! offers an IPv6 branch) and `-p tcp --dport 80` (iptables) end up equal.

use crate::ruleset::{Base, Cmp, Cond, Field, Match, RuleOrigin, RuleSet, Span, Test};

/// The canonical form (see the module docs).
pub fn canonical(rs: &RuleSet) -> RuleSet {
    let mut out = rs.clone();
    out.syntax = String::new();
    for chain in &mut out.chains {
        chain.name = String::new();
        for rule in &mut chain.rules {
            rule.origin = RuleOrigin::default();
            let cond = std::mem::replace(&mut rule.cond, Cond::True);
            rule.cond = match simplify(cond, &mut Facts::default(), true) {
                // An `Any` that kept one branch can leave an unsorted conjunction at the root.
                Cond::All(mut parts) => {
                    parts.sort_by_cached_key(|k| format!("{k:?}"));
                    Cond::All(parts)
                }
                other => other,
            };
        }
    }
    for set in &mut out.sets {
        set.name = String::new();
        set.values.sort_unstable();
        set.values.dedup();
    }
    out
}

/// What is known at a point of an `All`: equalities that held, and how many bytes from the
/// frame start were read without aborting.
#[derive(Clone, Debug, Default)]
struct Facts {
    eqs: Vec<(Field, Option<u128>, u128)>,
    readable: u32,
}

/// End (from the frame start) of a field with a constant base.
fn const_end(f: &Field) -> Option<u32> {
    match f.base {
        Base::Frame | Base::Net { .. } => {
            Some(f.base.constant_offset() + f.offset as u32 + f.size as u32)
        }
        _ => None,
    }
}

impl Facts {
    /// Whether this test can be decided from what is known: `Some(holds)`.
    fn decide(&self, field: &Field, mask: Option<u128>, cmp: &Cmp) -> Option<bool> {
        for (f, m, v) in &self.eqs {
            if f != field {
                continue;
            }
            let known = match (m, mask) {
                (None, _) => *v & mask.unwrap_or(u128::MAX),
                (Some(km), Some(tm)) if *km == tm => *v,
                (Some(km), Some(tm)) if tm & !km == 0 => *v & tm,
                _ => continue,
            };
            return match cmp {
                Cmp::Eq(k) => Some(known == *k),
                Cmp::Ne(k) => Some(known != *k),
                Cmp::Lt(k) => Some(known < *k),
                Cmp::Le(k) => Some(known <= *k),
                Cmp::Gt(k) => Some(known > *k),
                Cmp::Ge(k) => Some(known >= *k),
                Cmp::Range(lo, hi) => Some(*lo <= known && known <= *hi),
                Cmp::InSet(_) => None,
            };
        }
        None
    }

    /// Whether a test cannot abort (its bytes were already read).
    fn safe(&self, c: &Cond) -> bool {
        match c {
            Cond::True | Cond::False => true,
            Cond::Match(Match {
                test: Test::Field { field, .. },
                ..
            }) => const_end(field).is_some_and(|e| e <= self.readable),
            Cond::Not(inner) => self.safe(inner),
            Cond::All(cs) | Cond::Any(cs) => cs.iter().all(|c| self.safe(c)),
            _ => false,
        }
    }

    fn learn(&mut self, c: &Cond) {
        if let Cond::Match(Match {
            test: Test::Field { field, mask, cmp },
            ..
        }) = c
        {
            if let Some(e) = const_end(field) {
                self.readable = self.readable.max(e);
            }
            if let Cmp::Eq(v) = cmp {
                self.eqs.push((*field, *mask, *v));
            }
        }
    }
}

fn strip_span(c: Cond) -> Cond {
    match c {
        Cond::Match(m) => Cond::Match(Match {
            test: m.test,
            span: Span::default(),
        }),
        other => other,
    }
}

/// Simplify `c` given `facts`; `top`: an abort here means the same as `False` (the rule does
/// not match), which holds along `All`s from the rule's root.
fn simplify(c: Cond, facts: &mut Facts, top: bool) -> Cond {
    match c {
        Cond::True | Cond::False => c,
        Cond::Match(m) => {
            if let Test::Field { field, mask, cmp } = &m.test {
                let mask = mask.filter(|m| *m != field.full_mask());
                if let Some(b) = facts.decide(field, mask, cmp) {
                    return if b { Cond::True } else { Cond::False };
                }
                let test = Test::Field {
                    field: *field,
                    mask,
                    cmp: cmp.clone(),
                };
                return strip_span(Cond::test(test, Span::default()));
            }
            strip_span(Cond::Match(m))
        }
        Cond::Not(inner) => match simplify(*inner, &mut facts.clone(), false) {
            Cond::True => Cond::False,
            Cond::False => Cond::True,
            Cond::Not(x) => *x,
            // `not (f == v)` is `f != v`, and so on: one spelling for each.
            Cond::Match(Match {
                test: Test::Field { field, mask, cmp },
                span,
            }) if flip(&cmp).is_some() => Cond::Match(Match {
                test: Test::Field {
                    field,
                    mask,
                    cmp: flip(&cmp).unwrap_or(cmp),
                },
                span,
            }),
            other => Cond::Not(Box::new(other)),
        },
        Cond::All(parts) => {
            let mut kept: Vec<Cond> = Vec::new();
            let mut local = facts.clone();
            for p in flatten(parts, true) {
                let s = simplify(p, &mut local, top);
                match s {
                    Cond::True => {}
                    Cond::False => {
                        if top || kept.iter().all(|k| facts.safe(k)) {
                            return Cond::False;
                        }
                        kept.push(Cond::False);
                        break;
                    }
                    Cond::All(inner) => {
                        for i in inner {
                            local.learn(&i);
                            kept.push(i);
                        }
                    }
                    other => {
                        local.learn(&other);
                        kept.push(other);
                    }
                }
            }
            *facts = local;
            if top {
                // At the root an abort means "no match", like false: a conjunction of tests
                // holds exactly when each holds, in any order. Sort for a canonical order.
                kept.sort_by_cached_key(|k| format!("{k:?}"));
            }
            match kept.len() {
                0 => Cond::True,
                1 => kept.pop().unwrap_or(Cond::True),
                _ => Cond::All(kept),
            }
        }
        Cond::Any(parts) => {
            let mut kept: Vec<Cond> = Vec::new();
            // Reaching a later branch means each earlier one ended without aborting, so its
            // first test read its bytes: they are readable in the branches after it.
            let mut seen = facts.clone();
            for p in flatten(parts, false) {
                let s = simplify(p, &mut seen.clone(), false);
                if let Some(e) = first_read_end(&s) {
                    seen.readable = seen.readable.max(e);
                }
                match s {
                    Cond::False => {}
                    Cond::True => {
                        if top || kept.iter().all(|k| facts.safe(k)) {
                            return Cond::True;
                        }
                        kept.push(Cond::True);
                        break;
                    }
                    Cond::Any(inner) => kept.extend(inner),
                    other => kept.push(other),
                }
            }
            match kept.len() {
                0 => Cond::False,
                1 => {
                    let only = kept.pop().unwrap_or(Cond::False);
                    // A single surviving branch is an `All` whose facts now hold here.
                    if let Cond::All(inner) = &only {
                        for i in inner {
                            facts.learn(i);
                        }
                    } else {
                        facts.learn(&only);
                    }
                    only
                }
                _ => Cond::Any(kept),
            }
        }
    }
}

/// End (from the frame start) of the bytes the first test evaluated in `c` reads, when that
/// test always runs and has a constant base.
fn first_read_end(c: &Cond) -> Option<u32> {
    match c {
        Cond::Match(Match {
            test: Test::Field { field, .. },
            ..
        }) => const_end(field),
        Cond::Not(inner) => first_read_end(inner),
        Cond::All(cs) | Cond::Any(cs) => cs.first().and_then(first_read_end),
        _ => None,
    }
}

fn flatten(parts: Vec<Cond>, all: bool) -> Vec<Cond> {
    let mut out = Vec::new();
    for p in parts {
        match p {
            Cond::All(inner) if all => out.extend(flatten(inner, true)),
            Cond::Any(inner) if !all => out.extend(flatten(inner, false)),
            other => out.push(other),
        }
    }
    out
}

/// The comparison that holds exactly when `c` does not.
fn flip(c: &Cmp) -> Option<Cmp> {
    Some(match c {
        Cmp::Eq(v) => Cmp::Ne(*v),
        Cmp::Ne(v) => Cmp::Eq(*v),
        Cmp::Lt(v) => Cmp::Ge(*v),
        Cmp::Ge(v) => Cmp::Lt(*v),
        Cmp::Le(v) => Cmp::Gt(*v),
        Cmp::Gt(v) => Cmp::Le(*v),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pcap;
    use crate::ruleset::Action;

    #[test]
    fn pcap_ip_prefix_collapses() {
        let a = pcap::compile("ip and tcp dst port 80", Action::Drop, Action::Pass).unwrap();
        let c = canonical(&a);
        let Cond::All(parts) = &c.chains[0].rules[0].cond else {
            panic!("not an All: {:?}", c.chains[0].rules[0].cond);
        };
        assert_eq!(parts.len(), 4, "{parts:?}");
    }
}
