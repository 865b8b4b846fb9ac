//! Tristate numbers ("tnums"): which bits of a 64-bit value are known, and their values.
//!
//! A tnum is `(value, mask)`: bits set in `mask` are unknown, the others equal the bits of
//! `value` (a bit is never set in both). The operations follow the Linux kernel's
//! `kernel/bpf/tnum.c` so that our knowledge after each instruction is the kernel's.

use std::fmt;

/// A set of 64-bit values described by known bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Tnum {
    /// Values of the known bits (zero where unknown).
    pub value: u64,
    /// Unknown bits.
    pub mask: u64,
}

#[allow(clippy::should_implement_trait)]
impl Tnum {
    /// Every value.
    pub const UNKNOWN: Tnum = Tnum {
        value: 0,
        mask: u64::MAX,
    };

    /// Exactly `v`.
    pub const fn constant(v: u64) -> Tnum {
        Tnum { value: v, mask: 0 }
    }

    /// The smallest tnum containing every value in `min..=max` (unsigned).
    pub fn range(min: u64, max: u64) -> Tnum {
        let chi = min ^ max;
        let bits = 64 - chi.leading_zeros();
        if bits > 63 {
            return Tnum::UNKNOWN;
        }
        let delta = (1u64 << bits) - 1;
        Tnum {
            value: min & !delta,
            mask: delta,
        }
    }

    /// Whether exactly one value is possible.
    pub const fn is_const(self) -> bool {
        self.mask == 0
    }

    /// Whether every value is possible.
    pub const fn is_unknown(self) -> bool {
        self.mask == u64::MAX
    }

    /// Smallest possible value (unsigned).
    pub const fn umin(self) -> u64 {
        self.value
    }

    /// Largest possible value (unsigned).
    pub const fn umax(self) -> u64 {
        self.value | self.mask
    }

    /// `self << shift` (shift < 64).
    pub fn lshift(self, shift: u32) -> Tnum {
        Tnum {
            value: self.value.wrapping_shl(shift),
            mask: self.mask.wrapping_shl(shift),
        }
    }

    /// Logical `self >> shift` (shift < 64).
    pub fn rshift(self, shift: u32) -> Tnum {
        Tnum {
            value: self.value.wrapping_shr(shift),
            mask: self.mask.wrapping_shr(shift),
        }
    }

    /// Arithmetic shift right, on the low 32 bits (zero-extended result) or all 64.
    pub fn arshift(self, shift: u32, bits32: bool) -> Tnum {
        if bits32 {
            Tnum {
                value: ((self.value as u32 as i32).wrapping_shr(shift)) as u32 as u64,
                mask: ((self.mask as u32 as i32).wrapping_shr(shift)) as u32 as u64,
            }
        } else {
            Tnum {
                value: ((self.value as i64).wrapping_shr(shift)) as u64,
                mask: ((self.mask as i64).wrapping_shr(shift)) as u64,
            }
        }
    }

    /// Wrapping addition.
    pub fn add(self, b: Tnum) -> Tnum {
        let sm = self.mask.wrapping_add(b.mask);
        let sv = self.value.wrapping_add(b.value);
        let sigma = sm.wrapping_add(sv);
        let chi = sigma ^ sv;
        let mu = chi | self.mask | b.mask;
        Tnum {
            value: sv & !mu,
            mask: mu,
        }
    }

    /// Wrapping subtraction.
    pub fn sub(self, b: Tnum) -> Tnum {
        let dv = self.value.wrapping_sub(b.value);
        let alpha = dv.wrapping_add(self.mask);
        let beta = dv.wrapping_sub(b.mask);
        let chi = alpha ^ beta;
        let mu = chi | self.mask | b.mask;
        Tnum {
            value: dv & !mu,
            mask: mu,
        }
    }

    /// Bitwise and.
    pub fn and(self, b: Tnum) -> Tnum {
        let alpha = self.value | self.mask;
        let beta = b.value | b.mask;
        let v = self.value & b.value;
        Tnum {
            value: v,
            mask: alpha & beta & !v,
        }
    }

    /// Bitwise or.
    pub fn or(self, b: Tnum) -> Tnum {
        let v = self.value | b.value;
        let mu = self.mask | b.mask;
        Tnum {
            value: v,
            mask: mu & !v,
        }
    }

    /// Bitwise xor.
    pub fn xor(self, b: Tnum) -> Tnum {
        let v = self.value ^ b.value;
        let mu = self.mask | b.mask;
        Tnum {
            value: v & !mu,
            mask: mu,
        }
    }

    /// Wrapping multiplication (the kernel's shift-and-add over known bits).
    pub fn mul(self, b: Tnum) -> Tnum {
        let mut a = self;
        let mut b = b;
        let acc_v = self.value.wrapping_mul(b.value);
        let mut acc_m = Tnum::constant(0);
        while a.value != 0 || a.mask != 0 {
            if a.value & 1 != 0 {
                acc_m = acc_m.add(Tnum {
                    value: 0,
                    mask: b.mask,
                });
            } else if a.mask & 1 != 0 {
                acc_m = acc_m.add(Tnum {
                    value: 0,
                    mask: b.value | b.mask,
                });
            }
            a = a.rshift(1);
            b = b.lshift(1);
        }
        Tnum::constant(acc_v).add(acc_m)
    }

    /// Values in both `self` and `b` (assuming they overlap).
    pub fn intersect(self, b: Tnum) -> Tnum {
        let v = self.value | b.value;
        let mu = self.mask & b.mask;
        Tnum {
            value: v & !mu,
            mask: mu,
        }
    }

    /// Whether `self` and `b` have a value in common.
    pub fn overlaps(self, b: Tnum) -> bool {
        let known_both = !self.mask & !b.mask;
        (self.value ^ b.value) & known_both == 0
    }

    /// Truncate to the low `bytes` bytes (1, 2, 4 or 8).
    pub fn cast(self, bytes: u32) -> Tnum {
        if bytes >= 8 {
            return self;
        }
        let m = (1u64 << (bytes * 8)) - 1;
        Tnum {
            value: self.value & m,
            mask: self.mask & m,
        }
    }

    /// Low 32 bits, zero-extended.
    pub fn subreg(self) -> Tnum {
        self.cast(4)
    }

    /// Upper 32 bits kept, low 32 bits zero.
    pub fn clear_subreg(self) -> Tnum {
        self.rshift(32).lshift(32)
    }

    /// Upper 32 bits of `self`, low 32 bits of `sub`.
    pub fn with_subreg(self, sub: Tnum) -> Tnum {
        self.clear_subreg().or(sub.subreg())
    }

    /// Whether every value of `inner` is a value of `self` (the kernel's `tnum_in(self, inner)`).
    pub fn contains(self, inner: Tnum) -> bool {
        if inner.mask & !self.mask != 0 {
            return false;
        }
        (inner.value & !self.mask) == self.value
    }

    /// Whether every value is a multiple of `size` (a power of two).
    pub fn is_aligned(self, size: u64) -> bool {
        if size == 0 {
            return true;
        }
        ((self.value | self.mask) & (size - 1)) == 0
    }

    /// Whether `v` is a possible value.
    pub fn contains_value(self, v: u64) -> bool {
        (v & !self.mask) == self.value
    }
}

impl fmt::Display for Tnum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // C's `%#llx`: zero prints as `0`.
        let hex = |v: u64| {
            if v == 0 {
                "0".to_string()
            } else {
                format!("{v:#x}")
            }
        };
        write!(f, "({}; {})", hex(self.value), hex(self.mask))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn member(t: Tnum) -> impl Strategy<Value = u64> {
        any::<u64>().prop_map(move |r| t.value | (r & t.mask))
    }

    fn tnum() -> impl Strategy<Value = Tnum> {
        (any::<u64>(), any::<u64>()).prop_map(|(v, m)| Tnum {
            value: v & !m,
            mask: m,
        })
    }

    proptest! {
        #[test]
        fn ops_contain_concrete_results((a, b) in (tnum(), tnum()), ra in any::<u64>(), rb in any::<u64>(), sh in 0u32..64) {
            let x = a.value | (ra & a.mask);
            let y = b.value | (rb & b.mask);
            prop_assert!(a.add(b).contains_value(x.wrapping_add(y)));
            prop_assert!(a.sub(b).contains_value(x.wrapping_sub(y)));
            prop_assert!(a.and(b).contains_value(x & y));
            prop_assert!(a.or(b).contains_value(x | y));
            prop_assert!(a.xor(b).contains_value(x ^ y));
            prop_assert!(a.mul(b).contains_value(x.wrapping_mul(y)));
            prop_assert!(a.lshift(sh).contains_value(x << sh));
            prop_assert!(a.rshift(sh).contains_value(x >> sh));
            prop_assert!(a.arshift(sh, false).contains_value(((x as i64) >> sh) as u64));
            prop_assert!(a.arshift(sh % 32, true).contains_value(((x as u32 as i32) >> (sh % 32)) as u32 as u64));
        }

        #[test]
        fn range_contains_its_members(a in any::<u64>(), b in any::<u64>(), r in any::<u64>()) {
            let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
            let t = Tnum::range(lo, hi);
            let v = lo + r % (hi - lo).saturating_add(1).max(1);
            prop_assert!(t.contains_value(v.min(hi)));
        }

        #[test]
        fn intersect_keeps_common_members(a in tnum(), x in any::<u64>()) {
            let t = Tnum::constant(a.value | (x & a.mask));
            prop_assert!(a.contains(t));
            prop_assert_eq!(a.intersect(t), t);
            let _ = member(a);
        }
    }

    #[test]
    fn kernel_examples() {
        assert_eq!(
            Tnum::range(0, 255),
            Tnum {
                value: 0,
                mask: 0xff
            }
        );
        assert_eq!(Tnum::range(5, 5), Tnum::constant(5));
        assert!(Tnum::range(0, u64::MAX).is_unknown());
        assert_eq!(Tnum::constant(3).add(Tnum::constant(4)), Tnum::constant(7));
    }
}
