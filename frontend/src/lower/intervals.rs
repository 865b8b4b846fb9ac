//! A union of many intervals of one field (what [`crate::merge`] makes of a run of port-range
//! rules) as a balanced binary search: the field is read once, then about log2(n) compares,
//! so the per-packet cost and the kernel verifier's pending branches grow with log n, not n.
//! No map is needed, so it serves every target (the NFP included).
//!
//! Over sorted disjoint intervals `iv[0..n]`, the code for `iv[i..j]` is entered knowing
//! `r0 >= iv[i].lo` (when `i > 0`) and `r0 < iv[j].lo` (when `j < n`):
//! - one interval: `if r0 > hi goto f; goto t` (plus `if r0 < lo goto f` for `i == 0`);
//! - more: `if r0 >= iv[m].lo goto R; <iv[i..m]>; R: <iv[m..j]>` with `m` the middle.

use super::emit::Label;
use super::known::Known;
use super::{LowerError, Lowerer};
use crate::ruleset::{Cmp, Cond, Field, Match, Span, Test};
use ir::insn::{JmpCond, Reg};

/// Fewest intervals worth a search (fewer are tested one by one).
const MIN_TREE: usize = 4;

/// `field & mask` is in one of `intervals`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct IntervalUnion {
    pub field: Field,
    pub mask: Option<u128>,
    pub span: Span,
    /// Sorted, disjoint, non-adjacent.
    pub intervals: Vec<(u64, u64)>,
}

impl IntervalUnion {
    /// The union that `Any(parts)` tests, when every part is an equality or range test of the
    /// same field (of at most 8 bytes) and mask, at least one is a range, and there are at
    /// least [`MIN_TREE`] of them.
    pub fn of(parts: &[Cond]) -> Option<IntervalUnion> {
        if parts.len() < MIN_TREE {
            return None;
        }
        let mut first: Option<(Field, Option<u128>, Span)> = None;
        let mut any_range = false;
        let mut raw = Vec::with_capacity(parts.len());
        for p in parts {
            let Cond::Match(Match {
                test: Test::Field { field, mask, cmp },
                span,
            }) = p
            else {
                return None;
            };
            let iv = match cmp {
                Cmp::Eq(k) => (*k, *k),
                Cmp::Range(lo, hi) => {
                    any_range = true;
                    (*lo, *hi)
                }
                _ => return None,
            };
            match first {
                None => first = Some((*field, *mask, *span)),
                Some((f, m, _)) if f == *field && m == *mask => {}
                Some(_) => return None,
            }
            raw.push(iv);
        }
        let (field, mask, span) = first?;
        if !any_range || field.size == 0 || field.size > 8 {
            return None;
        }
        // Values of the field fit 64 bits: an interval starting above can never match.
        let intervals = crate::merge::disjoint_intervals(raw)
            .into_iter()
            .filter_map(|(lo, hi)| {
                let lo = u64::try_from(lo).ok()?;
                Some((lo, u64::try_from(hi).unwrap_or(u64::MAX)))
            })
            .collect();
        Some(IntervalUnion {
            field,
            mask,
            span,
            intervals,
        })
    }
}

impl Lowerer<'_> {
    /// Jump to `t` when the field is in the union, to `f` when not, to `abort` when it cannot
    /// be read; the facts at `t` and `f` as [`Lowerer::cond`] returns them.
    pub(crate) fn interval_search(
        &mut self,
        u: &IntervalUnion,
        t: Label,
        f: Label,
        abort: Label,
        entry: Known,
    ) -> Result<(Option<Known>, Option<Known>), LowerError> {
        if !self.load_field(u.field, u.mask, u.span, abort)? {
            return Ok((None, None));
        }
        let after = Known {
            len: self.known.len.max(entry.len),
            eqs: entry.eqs,
        };
        if u.intervals.is_empty() {
            self.e.ja(f);
            return Ok((None, Some(after)));
        }
        self.search(&u.intervals, 0, u.intervals.len(), t, f);
        Ok((Some(after.clone()), Some(after)))
    }

    fn search(&mut self, iv: &[(u64, u64)], i: usize, j: usize, t: Label, f: Label) {
        if j - i <= 1 {
            let (lo, hi) = iv[i];
            if i == 0 && lo != 0 {
                self.e.jmp_const(JmpCond::Lt, Reg::R0, lo, Reg::R4, f);
            }
            if hi != u64::MAX {
                self.e.jmp_const(JmpCond::Gt, Reg::R0, hi, Reg::R4, f);
            }
            self.e.ja(t);
            return;
        }
        let m = i + (j - i) / 2;
        let right = self.e.label();
        self.e
            .jmp_const(JmpCond::Ge, Reg::R0, iv[m].0, Reg::R4, right);
        self.search(iv, i, m, t, f);
        self.e.bind(right);
        self.search(iv, m, j, t, f);
    }
}
