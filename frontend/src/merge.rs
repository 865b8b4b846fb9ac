//! Rule-set rewriting that keeps the meaning and shrinks the program: runs of consecutive rules
//! that differ only in the constant of one exact-match test become one rule testing membership
//! in a set (which [`crate::lower`] turns into one HASH lookup), so a 10,000-address blocklist
//! costs one lookup per packet instead of 10,000 compares.
//!
//! Why a run may merge: rules `i..j` have the same terminal action and the same conjunction
//! `All[c_1, .., field == k_r, .., c_n]` except for `k_r`. The first of them that matches
//! decides, and all decide the same, so together they match exactly when one does. Reads and
//! aborts agree too: up to the differing test every rule reads the same bytes; the differing
//! test reads the same field in every rule; after it, a rule whose constant did not match stops
//! reading. Non-terminal actions (count, jump, return) and rules under hit counters are never
//! merged: their per-rule effects would be lost.

use crate::ruleset::{Cmp, Cond, Field, Match, RuleSet, Span, Test, ValueSet};

/// A rewritten rule set and, for each of its rules (global index), the global index of the
/// first original rule it stands for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Merged {
    /// The rewritten rule set.
    pub rules: RuleSet,
    /// `origin[g]`: original global index of new rule `g`.
    pub origin: Vec<usize>,
}

/// Merge every run of at least `min_run` mergeable rules (see the module doc), and inside every
/// rule's condition every run of `Any` parts that differ only in one equality's constant.
pub fn merge_exact_runs(rs: &RuleSet, min_run: usize) -> Merged {
    let min_run = min_run.max(2);
    let mut out = rs.clone();
    let mut origin = Vec::with_capacity(rs.rule_count());
    let mut first_global = 0;
    for (ci, chain) in rs.chains.iter().enumerate() {
        let rules = &chain.rules;
        let mut new_rules = Vec::with_capacity(rules.len());
        let mut i = 0;
        while i < rules.len() {
            // Rules can merge only with neighbours of the same terminal action.
            let action = rules[i].action;
            let run = if action.is_terminal() {
                merge_run(&rules[i..], &mut out.sets, min_run, |r| {
                    (r.action == action).then(|| conjuncts(&r.cond))
                })
                .or_else(|| {
                    merge_range_run(&rules[i..], min_run, |r| {
                        (r.action == action).then(|| conjuncts(&r.cond))
                    })
                })
            } else {
                None
            };
            let (len, cond) = run.unwrap_or_else(|| (1, rules[i].cond.clone()));
            let mut rule = rules[i].clone();
            rule.cond = merge_cond(&cond, &mut out.sets, min_run);
            new_rules.push(rule);
            origin.push(first_global + i);
            i += len;
        }
        first_global += rules.len();
        out.chains[ci].rules = new_rules;
    }
    Merged { rules: out, origin }
}

/// The same condition with runs of `Any` parts merged (nested `Any`s are flattened first: `or`
/// is associative, and evaluation order is kept).
fn merge_cond(c: &Cond, sets: &mut Vec<ValueSet>, min_run: usize) -> Cond {
    match c {
        Cond::Not(a) => Cond::Not(Box::new(merge_cond(a, sets, min_run))),
        Cond::All(cs) => Cond::All(cs.iter().map(|c| merge_cond(c, sets, min_run)).collect()),
        Cond::Any(cs) => {
            // References, not copies: a part may hold the whole rest of a long filter
            // (`a and b or c and d ...` nests to its length), and copying it at every level
            // cost the length squared.
            let mut flat = Vec::new();
            flatten_any(cs, &mut flat);
            let mut parts = Vec::new();
            let mut i = 0;
            while i < flat.len() {
                match merge_run(&flat[i..], sets, min_run, |c| Some(conjuncts(c))) {
                    Some((len, merged)) => {
                        parts.push(merged);
                        i += len;
                    }
                    None => {
                        parts.push(merge_cond(flat[i], sets, min_run));
                        i += 1;
                    }
                }
            }
            if parts.len() == 1 {
                parts.remove(0)
            } else {
                Cond::Any(parts)
            }
        }
        other => other.clone(),
    }
}

fn flatten_any<'a>(cs: &'a [Cond], out: &mut Vec<&'a Cond>) {
    for c in cs {
        match c {
            Cond::Any(inner) => flatten_any(inner, out),
            other => out.push(other),
        }
    }
}

/// If `items[0..len]` (read as conjunctions by `conj`; `None`: cannot merge) form a run of at least `min_run` that differ only in one
/// equality's constant: that length and the merged conjunction (a new set in `sets`).
fn merge_run<T>(
    items: &[T],
    sets: &mut Vec<ValueSet>,
    min_run: usize,
    conj: impl Fn(&T) -> Option<&[Cond]>,
) -> Option<(usize, Cond)> {
    let (len, pos) = best_run(items, &conj);
    if len < min_run {
        return None;
    }
    let parts = conj(items.first()?)?;
    // best_run only reports positions holding a field equality.
    let (m, field, mask) = parts.get(pos).and_then(field_eq)?;
    // A constant with bits outside the field (or its mask) never matches.
    let keep = mask.unwrap_or(u128::MAX) & field.full_mask();
    let mut values: Vec<u128> = items[..len]
        .iter()
        .filter_map(|q| eq_constant(conj(q)?.get(pos)?))
        .filter(|k| k & !keep == 0)
        .collect();
    values.sort_unstable();
    values.dedup();
    let set = sets.len();
    sets.push(ValueSet {
        name: format!("set{set}"),
        size: field.size,
        values,
    });
    let mut new_parts: Vec<Cond> = parts.to_vec();
    new_parts[pos] = Cond::Match(Match {
        test: Test::Field {
            field,
            mask,
            cmp: Cmp::InSet(set),
        },
        span: m.span,
    });
    Some((
        len,
        if new_parts.len() == 1 {
            new_parts.remove(0)
        } else {
            Cond::All(new_parts)
        },
    ))
}

/// If `items[0..len]` form a run of at least `min_run` conjunctions that differ only in one
/// field test that is an equality or a range (same field and mask throughout), and at least one
/// is a range: that length and the merged conjunction, whose test is the union of the intervals
/// as an `Any` of disjoint sorted ranges ([`disjoint_intervals`]); the compiler turns a large
/// union into a binary search.
fn merge_range_run<T>(
    items: &[T],
    min_run: usize,
    conj: impl Fn(&T) -> Option<&[Cond]>,
) -> Option<(usize, Cond)> {
    let parts = conj(items.first()?)?;
    let mut best: Option<(usize, usize)> = None;
    for (pos, p) in parts.iter().enumerate() {
        let Some((field, mask, ..)) = field_interval(p) else {
            continue;
        };
        let len = 1 + items[1..]
            .iter()
            .map_while(&conj)
            .take_while(|q| {
                q.len() == parts.len()
                    && q.iter().zip(parts.iter()).enumerate().all(|(k, (x, y))| {
                        if k == pos {
                            matches!(field_interval(x), Some((f, m, ..)) if f == field && m == mask)
                        } else {
                            same_test(x, y)
                        }
                    })
            })
            .count();
        match best {
            Some((l, _)) if l >= len => {}
            _ => best = Some((len, pos)),
        }
    }
    let (len, pos) = best?;
    if len < min_run {
        return None;
    }
    let tests: Vec<&Cond> = items[..len]
        .iter()
        .filter_map(|q| conj(q)?.get(pos))
        .collect();
    if !tests.iter().any(|c| {
        matches!(
            c,
            Cond::Match(Match {
                test: Test::Field {
                    cmp: Cmp::Range(..),
                    ..
                },
                ..
            })
        )
    }) {
        return None;
    }
    let (field, mask, _, span) = field_interval(parts.get(pos)?)?;
    let intervals = disjoint_intervals(tests.iter().filter_map(|c| field_interval(c)).map(|x| x.2));
    let mut union: Vec<Cond> = intervals
        .into_iter()
        .map(|(lo, hi)| {
            Cond::Match(Match {
                test: Test::Field {
                    field,
                    mask,
                    cmp: Cmp::Range(lo, hi),
                },
                span,
            })
        })
        .collect();
    let mut new_parts: Vec<Cond> = parts.to_vec();
    new_parts[pos] = if union.len() == 1 {
        union.remove(0)
    } else {
        Cond::Any(union)
    };
    Some((
        len,
        if new_parts.len() == 1 {
            new_parts.remove(0)
        } else {
            Cond::All(new_parts)
        },
    ))
}

/// A field, its mask, a closed interval `(lo, hi)` and the span of the test.
type FieldInterval = (Field, Option<u128>, (u128, u128), Span);

/// A field test that is one interval: its field, mask, `(lo, hi)` and span (`== k` is
/// `[k, k]`).
fn field_interval(c: &Cond) -> Option<FieldInterval> {
    match c {
        Cond::Match(Match {
            test: Test::Field { field, mask, cmp },
            span,
        }) => match cmp {
            Cmp::Eq(k) => Some((*field, *mask, (*k, *k), *span)),
            Cmp::Range(lo, hi) => Some((*field, *mask, (*lo, *hi), *span)),
            _ => None,
        },
        _ => None,
    }
}

/// The union of closed intervals as sorted, disjoint, non-adjacent intervals (empty ones,
/// `lo > hi`, dropped).
pub(crate) fn disjoint_intervals(it: impl IntoIterator<Item = (u128, u128)>) -> Vec<(u128, u128)> {
    let mut v: Vec<(u128, u128)> = it.into_iter().filter(|(lo, hi)| lo <= hi).collect();
    v.sort_unstable();
    let mut out: Vec<(u128, u128)> = Vec::with_capacity(v.len());
    for (lo, hi) in v {
        match out.last_mut() {
            Some(last) if lo <= last.1.saturating_add(1) => last.1 = last.1.max(hi),
            _ => out.push((lo, hi)),
        }
    }
    out
}

/// A field equality test: the match, its field and its mask.
fn field_eq(c: &Cond) -> Option<(&Match, Field, Option<u128>)> {
    match c {
        Cond::Match(
            m @ Match {
                test:
                    Test::Field {
                        field,
                        mask,
                        cmp: Cmp::Eq(_),
                    },
                ..
            },
        ) => Some((m, *field, *mask)),
        _ => None,
    }
}

/// The parts of a condition read as a conjunction.
pub(crate) fn conjuncts(c: &Cond) -> &[Cond] {
    match c {
        Cond::All(parts) => parts,
        other => std::slice::from_ref(other),
    }
}

/// `k` of a field test `== k`.
fn eq_constant(c: &Cond) -> Option<u128> {
    match c {
        Cond::Match(Match {
            test: Test::Field {
                cmp: Cmp::Eq(k), ..
            },
            ..
        }) => Some(*k),
        _ => None,
    }
}

/// The same test up to the constant of an equality.
fn same_but_constant(a: &Cond, b: &Cond) -> bool {
    match (a, b) {
        (
            Cond::Match(Match {
                test:
                    Test::Field {
                        field: fa,
                        mask: ma,
                        cmp: Cmp::Eq(_),
                    },
                ..
            }),
            Cond::Match(Match {
                test:
                    Test::Field {
                        field: fb,
                        mask: mb,
                        cmp: Cmp::Eq(_),
                    },
                ..
            }),
        ) => fa == fb && ma == mb,
        _ => false,
    }
}

/// Two conditions equal up to their spans.
pub(crate) fn same_test(a: &Cond, b: &Cond) -> bool {
    match (a, b) {
        (Cond::Match(x), Cond::Match(y)) => x.test == y.test,
        (Cond::Not(x), Cond::Not(y)) => same_test(x, y),
        (Cond::All(x), Cond::All(y)) | (Cond::Any(x), Cond::Any(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same_test(p, q))
        }
        _ => a == b,
    }
}

/// The longest run of conjunctions from `items[0]` equal but for one equality's constant:
/// (length, position of that equality).
fn best_run<T>(items: &[T], conj: impl Fn(&T) -> Option<&[Cond]>) -> (usize, usize) {
    let Some(parts) = items.first().and_then(&conj) else {
        return (0, 0);
    };
    let mut best = (1, 0);
    for (pos, p) in parts.iter().enumerate() {
        if eq_constant(p).is_none() {
            continue;
        }
        let len = 1 + items[1..]
            .iter()
            .map_while(&conj)
            .take_while(|q| {
                q.len() == parts.len()
                    && q.iter().zip(parts.iter()).enumerate().all(|(k, (x, y))| {
                        if k == pos {
                            same_but_constant(x, y)
                        } else {
                            same_test(x, y)
                        }
                    })
            })
            .count();
        if len > best.0 {
            best = (len, pos);
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ruleset::{Action, Base, Rule, RuleOrigin, Span};

    fn saddr_rule(a: u32, action: Action) -> Rule {
        let m = |field, k| {
            Cond::test(
                Test::Field {
                    field,
                    mask: None,
                    cmp: Cmp::Eq(k),
                },
                Span::default(),
            )
        };
        Rule {
            cond: Cond::All(vec![
                m(Field::new(Base::Frame, 12, 2), 0x800),
                m(Field::new(Base::Net { tags: 0 }, 12, 4), a as u128),
            ]),
            action,
            origin: RuleOrigin::default(),
        }
    }

    #[test]
    fn a_blocklist_becomes_one_set() {
        let mut rules: Vec<Rule> = (0..100).map(|a| saddr_rule(a, Action::Drop)).collect();
        rules.push(saddr_rule(7, Action::Pass));
        let rs = RuleSet::single_chain("t", rules, Action::Pass);
        let m = merge_exact_runs(&rs, 2);
        assert_eq!(m.rules.chains[0].rules.len(), 2);
        assert_eq!(m.origin, vec![0, 100]);
        assert_eq!(m.rules.sets[0].values.len(), 100);
        let mut pkt = vec![0u8; 34];
        pkt[12] = 8;
        pkt[29] = 42;
        assert_eq!(m.rules.eval(&pkt).action, rs.eval(&pkt).action);
        pkt[29] = 200;
        assert_eq!(m.rules.eval(&pkt).action, Action::Pass);
    }
}
