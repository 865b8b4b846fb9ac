//! What the compiler knows at a point of a condition's code, so it can leave out work a
//! dominating test already did: packet bounds already checked, and fields already compared
//! equal to a constant (`ip and tcp port 80` tests the EtherType once, and drops the IPv6 half
//! of `tcp port 80` outright).
//!
//! Facts are gathered per rule along the short-circuit structure of its condition: after
//! `All[a, b]`'s part `a` holds, `b` starts with what `a` established on its true exit. Both
//! facts are exact, not heuristics: a field test's bytes were read successfully on its true and
//! false exits (only the abort exit failed to read them), so reading them again cannot abort,
//! and their value is what the earlier test found.

use crate::ruleset::{Cmp, Field, Match, Test};

/// Facts that hold on every path reaching a point (`None` where a point is unreachable).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Known {
    /// The first `len` bytes of the packet are known to be present.
    pub len: u32,
    /// `(field & mask) == value` (value already masked) for each entry.
    pub eqs: Vec<(Field, u128, u128)>,
}

impl Known {
    /// What holds on both of two paths that join.
    pub fn meet(a: Option<Known>, b: Option<Known>) -> Option<Known> {
        match (a, b) {
            (None, x) | (x, None) => x,
            (Some(a), Some(b)) => Some(Known {
                len: a.len.min(b.len),
                eqs: a.eqs.into_iter().filter(|e| b.eqs.contains(e)).collect(),
            }),
        }
    }

    /// The test's outcome when the facts decide it.
    pub fn decide(&self, m: &Match) -> Option<bool> {
        let Test::Field { field, mask, cmp } = &m.test else {
            return None;
        };
        let want = mask.unwrap_or(u128::MAX) & field.full_mask();
        let (_, _, v) = self
            .eqs
            .iter()
            .find(|(f, fm, _)| f == field && want & !fm == 0)?;
        let v = v & want;
        Some(match cmp {
            Cmp::Eq(k) => v == *k,
            Cmp::Ne(k) => v != *k,
            Cmp::Lt(k) => v < *k,
            Cmp::Le(k) => v <= *k,
            Cmp::Gt(k) => v > *k,
            Cmp::Ge(k) => v >= *k,
            Cmp::Range(lo, hi) => *lo <= v && v <= *hi,
            Cmp::InSet(_) => return None,
        })
    }

    /// The fact a field test establishes on its true exit (`holds`) or false exit.
    pub fn fact(m: &Match, holds: bool) -> Option<(Field, u128, u128)> {
        let Test::Field { field, mask, cmp } = &m.test else {
            return None;
        };
        let mask = mask.unwrap_or(u128::MAX) & field.full_mask();
        match (cmp, holds) {
            (Cmp::Eq(k), true) | (Cmp::Ne(k), false) => Some((*field, mask, k & mask)),
            _ => None,
        }
    }

    /// Add a fact (the newest first, so it is found first).
    pub fn with(mut self, fact: Option<(Field, u128, u128)>) -> Known {
        if let Some(f) = fact {
            if !self.eqs.contains(&f) {
                self.eqs.insert(0, f);
            }
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ruleset::{Base, Span};

    fn ethertype(cmp: Cmp) -> Match {
        Match {
            test: Test::Field {
                field: Field::new(Base::Frame, 12, 2),
                mask: None,
                cmp,
            },
            span: Span::default(),
        }
    }

    #[test]
    fn an_equality_decides_later_tests_of_the_same_field() {
        let k = Known::default().with(Known::fact(&ethertype(Cmp::Eq(0x800)), true));
        assert_eq!(k.decide(&ethertype(Cmp::Eq(0x800))), Some(true));
        assert_eq!(k.decide(&ethertype(Cmp::Eq(0x86dd))), Some(false));
        assert_eq!(k.decide(&ethertype(Cmp::Ge(0x600))), Some(true));
        let other = Known::default().with(Known::fact(&ethertype(Cmp::Ne(0x800)), true));
        assert_eq!(other.decide(&ethertype(Cmp::Eq(0x800))), None);
    }

    #[test]
    fn meet_keeps_what_both_paths_know() {
        let a = Known {
            len: 20,
            eqs: vec![(Field::new(Base::Frame, 12, 2), 0xffff, 0x800)],
        };
        let b = Known {
            len: 14,
            eqs: vec![],
        };
        assert_eq!(
            Known::meet(Some(a.clone()), Some(b.clone())),
            Some(Known {
                len: 14,
                eqs: vec![]
            })
        );
        assert_eq!(Known::meet(None, Some(a.clone())), Some(a));
    }
}
