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

use crate::ruleset::{Cmp, Cond, Field, Match, Rule, RuleSet, Test, ValueSet};

/// A rewritten rule set and, for each of its rules (global index), the global index of the
/// first original rule it stands for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Merged {
    /// The rewritten rule set.
    pub rules: RuleSet,
    /// `origin[g]`: original global index of new rule `g`.
    pub origin: Vec<usize>,
}

/// Merge every run of at least `min_run` mergeable rules (see the module doc).
pub fn merge_exact_runs(rs: &RuleSet, min_run: usize) -> Merged {
    let mut out = rs.clone();
    let mut origin = Vec::with_capacity(rs.rule_count());
    let mut first_global = 0;
    for (ci, chain) in rs.chains.iter().enumerate() {
        let rules = &chain.rules;
        let mut new_rules = Vec::with_capacity(rules.len());
        let mut i = 0;
        while i < rules.len() {
            let (len, pos) = best_run(rules, i);
            if len >= min_run.max(2) {
                let parts = conjuncts(&rules[i].cond);
                // best_run only reports positions holding a field equality.
                let Some((m, field, mask)) = parts.get(pos).and_then(field_eq) else {
                    new_rules.push(rules[i].clone());
                    origin.push(first_global + i);
                    i += 1;
                    continue;
                };
                // A constant with bits outside the field (or its mask) never matches.
                let keep = mask.unwrap_or(u128::MAX) & field.full_mask();
                let mut values: Vec<u128> = rules[i..i + len]
                    .iter()
                    .filter_map(|r| eq_constant(conjuncts(&r.cond).get(pos)?))
                    .filter(|k| k & !keep == 0)
                    .collect();
                values.sort_unstable();
                values.dedup();
                let set = out.sets.len();
                out.sets.push(ValueSet {
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
                let mut rule = rules[i].clone();
                rule.cond = if new_parts.len() == 1 {
                    new_parts.remove(0)
                } else {
                    Cond::All(new_parts)
                };
                new_rules.push(rule);
                origin.push(first_global + i);
                i += len;
            } else {
                new_rules.push(rules[i].clone());
                origin.push(first_global + i);
                i += 1;
            }
        }
        first_global += rules.len();
        out.chains[ci].rules = new_rules;
    }
    Merged { rules: out, origin }
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
fn conjuncts(c: &Cond) -> &[Cond] {
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
fn same_test(a: &Cond, b: &Cond) -> bool {
    match (a, b) {
        (Cond::Match(x), Cond::Match(y)) => x.test == y.test,
        (Cond::Not(x), Cond::Not(y)) => same_test(x, y),
        (Cond::All(x), Cond::All(y)) | (Cond::Any(x), Cond::Any(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same_test(p, q))
        }
        _ => a == b,
    }
}

/// The longest mergeable run starting at rule `i`: (length, position of the differing test).
fn best_run(rules: &[Rule], i: usize) -> (usize, usize) {
    let first = &rules[i];
    if !first.action.is_terminal() {
        return (1, 0);
    }
    let parts = conjuncts(&first.cond);
    let mut best = (1, 0);
    for (pos, p) in parts.iter().enumerate() {
        if eq_constant(p).is_none() {
            continue;
        }
        let mut len = 1;
        while let Some(r) = rules.get(i + len) {
            let q = conjuncts(&r.cond);
            let fits = r.action == first.action
                && q.len() == parts.len()
                && q.iter().zip(parts).enumerate().all(|(k, (x, y))| {
                    if k == pos {
                        same_but_constant(x, y)
                    } else {
                        same_test(x, y)
                    }
                });
            if !fits {
                break;
            }
            len += 1;
        }
        if len > best.0 {
            best = (len, pos);
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ruleset::{Action, Base, RuleOrigin, Span};

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
