//! What is known about a scalar: a tnum plus signed/unsigned 64- and 32-bit bounds.
//!
//! The arithmetic, the bound synchronisation (`sync`) and the refinement on conditional jumps
//! follow the Linux kernel (`adjust_scalar_min_max_vals`, `reg_bounds_sync`,
//! `reg_set_min_max`), so that a program is judged with what the kernel knows — never more than
//! is true at run time.

use crate::tnum::Tnum;
use ir::arith;
use ir::insn::{AluOp, JmpCond, Width};
use std::fmt;

/// A set of 64-bit values: known bits and four kinds of bounds, kept consistent by [`Scalar::sync`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Scalar {
    /// Known bits.
    pub var_off: Tnum,
    /// Signed 64-bit minimum.
    pub smin: i64,
    /// Signed 64-bit maximum.
    pub smax: i64,
    /// Unsigned 64-bit minimum.
    pub umin: u64,
    /// Unsigned 64-bit maximum.
    pub umax: u64,
    /// Signed minimum of the low 32 bits.
    pub s32_min: i32,
    /// Signed maximum of the low 32 bits.
    pub s32_max: i32,
    /// Unsigned minimum of the low 32 bits.
    pub u32_min: u32,
    /// Unsigned maximum of the low 32 bits.
    pub u32_max: u32,
}

impl Scalar {
    /// Any value.
    pub const UNKNOWN: Scalar = Scalar {
        var_off: Tnum::UNKNOWN,
        smin: i64::MIN,
        smax: i64::MAX,
        umin: 0,
        umax: u64::MAX,
        s32_min: i32::MIN,
        s32_max: i32::MAX,
        u32_min: 0,
        u32_max: u32::MAX,
    };

    /// Exactly `v`.
    pub const fn constant(v: u64) -> Scalar {
        Scalar {
            var_off: Tnum::constant(v),
            smin: v as i64,
            smax: v as i64,
            umin: v,
            umax: v,
            s32_min: v as u32 as i32,
            s32_max: v as u32 as i32,
            u32_min: v as u32,
            u32_max: v as u32,
        }
    }

    /// Any value in `lo..=hi` (unsigned).
    pub fn urange(lo: u64, hi: u64) -> Scalar {
        let mut s = Scalar::UNKNOWN;
        s.umin = lo;
        s.umax = hi;
        s.sync();
        s
    }

    /// Any value in `lo..=hi` (signed).
    pub fn srange(lo: i64, hi: i64) -> Scalar {
        let mut s = Scalar::UNKNOWN;
        s.smin = lo;
        s.smax = hi;
        s.sync();
        s
    }

    /// The value, when only one is possible.
    pub fn as_const(&self) -> Option<u64> {
        if self.var_off.is_const() {
            Some(self.var_off.value)
        } else if self.umin == self.umax {
            Some(self.umin)
        } else {
            None
        }
    }

    /// The low 32 bits, when only one value is possible for them.
    pub fn as_const32(&self) -> Option<u32> {
        if self.var_off.subreg().is_const() {
            Some(self.var_off.value as u32)
        } else if self.u32_min == self.u32_max {
            Some(self.u32_min)
        } else {
            None
        }
    }

    /// Whether no value is possible (a dead branch).
    pub fn is_empty(&self) -> bool {
        self.smin > self.smax
            || self.umin > self.umax
            || self.s32_min > self.s32_max
            || self.u32_min > self.u32_max
            || self.var_off.value & self.var_off.mask != 0
    }

    /// Whether every value is possible.
    pub fn is_unknown(&self) -> bool {
        *self == Scalar::UNKNOWN
    }

    /// Whether every value of `inner` is a value of `self` (ranges and known bits).
    pub fn contains(&self, inner: &Scalar) -> bool {
        self.smin <= inner.smin
            && self.smax >= inner.smax
            && self.umin <= inner.umin
            && self.umax >= inner.umax
            && self.s32_min <= inner.s32_min
            && self.s32_max >= inner.s32_max
            && self.u32_min <= inner.u32_min
            && self.u32_max >= inner.u32_max
            && self.var_off.contains(inner.var_off)
    }

    /// Make the five descriptions agree (the kernel's `reg_bounds_sync`).
    pub fn sync(&mut self) {
        for _ in 0..3 {
            let before = *self;
            self.update_from_tnum();
            self.deduce_bounds();
            self.bound_offset();
            self.update_from_tnum();
            if *self == before || self.is_empty() {
                break;
            }
        }
    }

    fn update_from_tnum(&mut self) {
        let t = self.var_off;
        let sub = t.subreg();
        self.s32_min = self
            .s32_min
            .max((sub.value | (sub.mask & 0x8000_0000)) as u32 as i32);
        self.s32_max = self
            .s32_max
            .min((sub.value | (sub.mask & 0x7fff_ffff)) as u32 as i32);
        self.u32_min = self.u32_min.max(sub.value as u32);
        self.u32_max = self.u32_max.min((sub.value | sub.mask) as u32);
        const SIGN: u64 = 1 << 63;
        self.smin = self.smin.max((t.value | (t.mask & SIGN)) as i64);
        self.smax = self.smax.min((t.value | (t.mask & !SIGN)) as i64);
        self.umin = self.umin.max(t.value);
        self.umax = self.umax.min(t.value | t.mask);
    }

    fn deduce_bounds(&mut self) {
        // 32-bit signed <-> unsigned, when the range does not cross the sign boundary.
        if (self.u32_min as i32) <= (self.u32_max as i32) {
            self.s32_min = self.s32_min.max(self.u32_min as i32);
            self.s32_max = self.s32_max.min(self.u32_max as i32);
        }
        if (self.s32_min as u32) <= (self.s32_max as u32) {
            self.u32_min = self.u32_min.max(self.s32_min as u32);
            self.u32_max = self.u32_max.min(self.s32_max as u32);
        }
        // 64-bit signed <-> unsigned.
        if (self.umin as i64) <= (self.umax as i64) {
            self.smin = self.smin.max(self.umin as i64);
            self.smax = self.smax.min(self.umax as i64);
        }
        if (self.smin as u64) <= (self.smax as u64) {
            self.umin = self.umin.max(self.smin as u64);
            self.umax = self.umax.min(self.smax as u64);
        }
        // 64 -> 32: when the upper halves agree, the low halves are a range.
        if self.umin >> 32 == self.umax >> 32 {
            self.u32_min = self.u32_min.max(self.umin as u32);
            self.u32_max = self.u32_max.min(self.umax as u32);
            if (self.umin as u32 as i32) <= (self.umax as u32 as i32) {
                self.s32_min = self.s32_min.max(self.umin as u32 as i32);
                self.s32_max = self.s32_max.min(self.umax as u32 as i32);
            }
        }
        if (self.smin >> 32) == (self.smax >> 32) {
            if (self.smin as u32) <= (self.smax as u32) {
                self.u32_min = self.u32_min.max(self.smin as u32);
                self.u32_max = self.u32_max.min(self.smax as u32);
            }
            if (self.smin as u32 as i32) <= (self.smax as u32 as i32) {
                self.s32_min = self.s32_min.max(self.smin as u32 as i32);
                self.s32_max = self.s32_max.min(self.smax as u32 as i32);
            }
        }
        // 32 -> 64: with the upper half fixed, the low half bounds the whole.
        if self.umin >> 32 == self.umax >> 32 {
            let hi = self.umin & !0xffff_ffffu64;
            self.umin = self.umin.max(hi | self.u32_min as u64);
            self.umax = self.umax.min(hi | self.u32_max as u64);
        }
        if self.smin >= i32::MIN as i64 && self.smax <= i32::MAX as i64 {
            self.smin = self.smin.max(self.s32_min as i64);
            self.smax = self.smax.min(self.s32_max as i64);
        }
    }

    fn bound_offset(&mut self) {
        if self.umin <= self.umax {
            let t = self.var_off.intersect(Tnum::range(self.umin, self.umax));
            self.var_off = t;
        }
        if self.u32_min <= self.u32_max {
            let sub = self
                .var_off
                .subreg()
                .intersect(Tnum::range(self.u32_min as u64, self.u32_max as u64));
            self.var_off = self.var_off.with_subreg(sub);
        }
    }

    /// The low 32 bits as a 64-bit value (what every ALU32 result is).
    pub fn zext32(&self) -> Scalar {
        let mut s = Scalar::UNKNOWN;
        s.var_off = self.var_off.subreg();
        s.umin = self.u32_min as u64;
        s.umax = self.u32_max as u64;
        s.u32_min = self.u32_min;
        s.u32_max = self.u32_max;
        s.s32_min = self.s32_min;
        s.s32_max = self.s32_max;
        s.sync();
        s
    }

    /// The low 32 bits sign-extended to 64 (`movsx` 32 and the signed 32-bit view).
    pub fn sext32(&self) -> Scalar {
        let mut s = Scalar::UNKNOWN;
        s.smin = self.s32_min as i64;
        s.smax = self.s32_max as i64;
        s.s32_min = self.s32_min;
        s.s32_max = self.s32_max;
        s.u32_min = self.u32_min;
        s.u32_max = self.u32_max;
        s.sync();
        s
    }

    /// Sign-extend the low `bits` (8, 16, 32) bits.
    pub fn sext(&self, bits: u8) -> Scalar {
        if bits >= 64 {
            return *self;
        }
        let half = 1i64 << (bits - 1);
        if self.smin >= -half && self.smax < half {
            return *self;
        }
        if let Some(c) = self.as_const() {
            let shift = 64 - bits as u32;
            return Scalar::constant((((c << shift) as i64) >> shift) as u64);
        }
        Scalar::srange(-half, half - 1)
    }

    /// The value of a `bytes`-wide zero-extending load: any value that fits.
    pub fn of_load(bytes: u32, signed: bool) -> Scalar {
        if bytes >= 8 {
            return Scalar::UNKNOWN;
        }
        if signed {
            let half = 1i64 << (bytes * 8 - 1);
            Scalar::srange(-half, half - 1)
        } else {
            Scalar::urange(0, (1u64 << (bytes * 8)) - 1)
        }
    }

    /// `self OP other` at `width`. `None` when the kernel would leave the result unknown
    /// (it is then [`Scalar::UNKNOWN`], or the 32-bit unknown for ALU32).
    pub fn alu(&self, op: AluOp, width: Width, other: &Scalar) -> Scalar {
        if let (Some(x), Some(y)) = (self.as_const(), other.as_const()) {
            if folds_constants(op, width, y) {
                return Scalar::constant(arith::alu(op, width, x, y));
            }
        }
        match width {
            Width::W64 => alu64(self, op, other),
            Width::W32 => alu32(self, op, other),
        }
    }
}

fn alu64(a: &Scalar, op: AluOp, b: &Scalar) -> Scalar {
    let b_const = b.as_const();
    let mut r = Scalar::UNKNOWN;
    match op {
        AluOp::Mov => return *b,
        AluOp::Add => {
            r.var_off = a.var_off.add(b.var_off);
            if let (Some(lo), Some(hi)) = (a.smin.checked_add(b.smin), a.smax.checked_add(b.smax)) {
                r.smin = lo;
                r.smax = hi;
            }
            if let (Some(lo), Some(hi)) = (a.umin.checked_add(b.umin), a.umax.checked_add(b.umax)) {
                r.umin = lo;
                r.umax = hi;
            }
            add32_bounds(&mut r, a, b);
        }
        AluOp::Sub => {
            r.var_off = a.var_off.sub(b.var_off);
            if let (Some(lo), Some(hi)) = (a.smin.checked_sub(b.smax), a.smax.checked_sub(b.smin)) {
                r.smin = lo;
                r.smax = hi;
            }
            if a.umin >= b.umax {
                r.umin = a.umin - b.umax;
                r.umax = a.umax - b.umin;
            }
            sub32_bounds(&mut r, a, b);
        }
        AluOp::Mul => {
            r.var_off = a.var_off.mul(b.var_off);
            if a.smin >= 0 && b.smin >= 0 {
                if let Some(hi) = a.umax.checked_mul(b.umax) {
                    r.umin = a.umin * b.umin;
                    r.umax = hi;
                    if hi <= i64::MAX as u64 {
                        r.smin = r.umin as i64;
                        r.smax = hi as i64;
                    }
                }
            }
        }
        AluOp::And => {
            r.var_off = a.var_off.and(b.var_off);
            r.umin = r.var_off.value;
            r.umax = a.umax.min(b.umax);
            if a.smin >= 0 || b.smin >= 0 {
                r.smin = 0;
            }
        }
        AluOp::Or => {
            r.var_off = a.var_off.or(b.var_off);
            r.umin = a.umin.max(b.umin);
            r.umax = r.var_off.umax();
        }
        AluOp::Xor => {
            r.var_off = a.var_off.xor(b.var_off);
            r.umin = r.var_off.value;
            r.umax = r.var_off.umax();
        }
        AluOp::Lsh | AluOp::Rsh | AluOp::Arsh => {
            let Some(k) = b_const.filter(|k| *k < 64) else {
                return Scalar::UNKNOWN;
            };
            let k = k as u32;
            match op {
                AluOp::Lsh => {
                    r.var_off = a.var_off.lshift(k);
                    if a.umax.leading_zeros() >= k {
                        r.umin = a.umin << k;
                        r.umax = a.umax << k;
                    }
                }
                AluOp::Rsh => {
                    r.var_off = a.var_off.rshift(k);
                    r.umin = a.umin >> k;
                    r.umax = a.umax >> k;
                }
                _ => {
                    r.var_off = a.var_off.arshift(k, false);
                    r.smin = a.smin >> k;
                    r.smax = a.smax >> k;
                }
            }
        }
        // The kernel does not track division or modulo (not even of constants).
        AluOp::Div | AluOp::SDiv | AluOp::Mod | AluOp::SMod => return Scalar::UNKNOWN,
    }
    r.sync();
    r
}

fn add32_bounds(r: &mut Scalar, a: &Scalar, b: &Scalar) {
    if let (Some(lo), Some(hi)) = (
        a.s32_min.checked_add(b.s32_min),
        a.s32_max.checked_add(b.s32_max),
    ) {
        r.s32_min = lo;
        r.s32_max = hi;
    }
    if let (Some(lo), Some(hi)) = (
        a.u32_min.checked_add(b.u32_min),
        a.u32_max.checked_add(b.u32_max),
    ) {
        r.u32_min = lo;
        r.u32_max = hi;
    }
}

fn sub32_bounds(r: &mut Scalar, a: &Scalar, b: &Scalar) {
    if let (Some(lo), Some(hi)) = (
        a.s32_min.checked_sub(b.s32_max),
        a.s32_max.checked_sub(b.s32_min),
    ) {
        r.s32_min = lo;
        r.s32_max = hi;
    }
    if a.u32_min >= b.u32_max {
        r.u32_min = a.u32_min - b.u32_max;
        r.u32_max = a.u32_max - b.u32_min;
    }
}

fn alu32(a: &Scalar, op: AluOp, b: &Scalar) -> Scalar {
    let (x, y) = (a.zext32(), b.zext32());
    let r = match op {
        AluOp::Mov => return y,
        AluOp::Add | AluOp::Sub => {
            let wide = alu64(&x, op, &y);
            let mut r = truncate32(&wide);
            if op == AluOp::Add {
                add32_bounds(&mut r, a, b);
            } else {
                sub32_bounds(&mut r, a, b);
            }
            r.sync();
            return r.zext32();
        }
        // Like the kernel, a shift by a non-constant leaves all 64 bits unknown.
        AluOp::Lsh | AluOp::Rsh => match y.as_const() {
            Some(k) if k < 32 => truncate32(&alu64(&x, op, &y)),
            _ => return Scalar::UNKNOWN,
        },
        AluOp::Arsh => match y.as_const() {
            Some(k) if k < 32 => {
                let sx = a.sext32();
                let mut r = alu64(&sx, AluOp::Arsh, &y);
                r.var_off = x.var_off.arshift(k as u32, true);
                r.umin = 0;
                r.umax = u64::MAX;
                r.smin = i64::MIN;
                r.smax = i64::MAX;
                r.sync();
                return r.zext32();
            }
            _ => return Scalar::UNKNOWN,
        },
        AluOp::Div | AluOp::SDiv | AluOp::Mod | AluOp::SMod => return Scalar::UNKNOWN,
        _ => truncate32(&alu64(&x, op, &y)),
    };
    r.zext32()
}

/// Keep the low 32 bits of a 64-bit result.
fn truncate32(r: &Scalar) -> Scalar {
    let mut t = Scalar::UNKNOWN;
    t.var_off = r.var_off.subreg();
    if r.umin >> 32 == r.umax >> 32 {
        t.u32_min = r.umin as u32;
        t.u32_max = r.umax as u32;
    }
    t.umin = 0;
    t.umax = u32::MAX as u64;
    t.sync();
    t
}

/// Whether the kernel computes `x OP y` of two constants exactly (with [`arith::alu`]): not
/// for division or modulo, which it does not track at all, nor for a shift by the width or more,
/// which it treats as unknown.
fn folds_constants(op: AluOp, width: Width, y: u64) -> bool {
    let bits = match width {
        Width::W64 => 64,
        Width::W32 => 32,
    };
    match op {
        AluOp::Div | AluOp::SDiv | AluOp::Mod | AluOp::SMod => false,
        AluOp::Lsh | AluOp::Rsh | AluOp::Arsh => {
            let y = if width == Width::W32 {
                y as u32 as u64
            } else {
                y
            };
            y < bits
        }
        _ => true,
    }
}

/// The outcome of `a COND b` at `width` when the bounds decide it.
pub fn branch_taken(cond: JmpCond, width: Width, a: &Scalar, b: &Scalar) -> Option<bool> {
    let (t, f) = refine(cond, width, a, b);
    match (t.is_some(), f.is_some()) {
        (true, false) => Some(true),
        (false, true) => Some(false),
        _ => None,
    }
}

type Pair = Option<(Scalar, Scalar)>;

/// `(a, b)` narrowed to where `a COND b` holds and to where it does not; `None` for a side that
/// cannot happen.
pub fn refine(cond: JmpCond, width: Width, a: &Scalar, b: &Scalar) -> (Pair, Pair) {
    let taken = refine_holds(cond, width, a, b);
    let not_taken = match cond.negate() {
        Some(neg) => refine_holds(neg, width, a, b),
        None => refine_jset_false(width, a, b),
    };
    (taken, not_taken)
}

fn finish(mut a: Scalar, mut b: Scalar) -> Pair {
    a.sync();
    b.sync();
    if a.is_empty() || b.is_empty() {
        None
    } else {
        Some((a, b))
    }
}

/// Unsigned/signed views at one width, as (lo, hi) pairs in i128 so one code path serves all.
#[derive(Clone, Copy)]
enum View {
    U,
    S,
}

fn get(s: &Scalar, w: Width, v: View) -> (i128, i128) {
    match (w, v) {
        (Width::W64, View::U) => (s.umin as i128, s.umax as i128),
        (Width::W64, View::S) => (s.smin as i128, s.smax as i128),
        (Width::W32, View::U) => (s.u32_min as i128, s.u32_max as i128),
        (Width::W32, View::S) => (s.s32_min as i128, s.s32_max as i128),
    }
}

fn set(s: &mut Scalar, w: Width, v: View, lo: i128, hi: i128) {
    if lo > hi {
        // Mark empty in a way `is_empty` sees.
        s.umin = 1;
        s.umax = 0;
        return;
    }
    match (w, v) {
        (Width::W64, View::U) => {
            s.umin = lo as u64;
            s.umax = hi as u64;
        }
        (Width::W64, View::S) => {
            s.smin = lo as i64;
            s.smax = hi as i64;
        }
        (Width::W32, View::U) => {
            s.u32_min = lo as u32;
            s.u32_max = hi as u32;
        }
        (Width::W32, View::S) => {
            s.s32_min = lo as i32;
            s.s32_max = hi as i32;
        }
    }
}

fn width_tnum(s: &Scalar, w: Width) -> Tnum {
    match w {
        Width::W64 => s.var_off,
        Width::W32 => s.var_off.subreg(),
    }
}

fn set_width_tnum(s: &mut Scalar, w: Width, t: Tnum) {
    match w {
        Width::W64 => s.var_off = t,
        Width::W32 => s.var_off = s.var_off.with_subreg(t),
    }
}

fn refine_holds(cond: JmpCond, w: Width, a0: &Scalar, b0: &Scalar) -> Pair {
    let (mut a, mut b) = (*a0, *b0);
    let lt = |a: &mut Scalar, b: &mut Scalar, v: View, strict: bool| {
        // a < b (or a <= b).
        let (alo, ahi) = get(a, w, v);
        let (blo, bhi) = get(b, w, v);
        let d = if strict { 1 } else { 0 };
        set(a, w, v, alo, ahi.min(bhi - d));
        set(b, w, v, blo.max(alo + d), bhi);
    };
    match cond {
        JmpCond::Eq => {
            for v in [View::U, View::S] {
                let (alo, ahi) = get(&a, w, v);
                let (blo, bhi) = get(&b, w, v);
                let (lo, hi) = (alo.max(blo), ahi.min(bhi));
                set(&mut a, w, v, lo, hi);
                set(&mut b, w, v, lo, hi);
            }
            let (ta, tb) = (width_tnum(&a, w), width_tnum(&b, w));
            if !ta.overlaps(tb) {
                return None;
            }
            let t = ta.intersect(tb);
            set_width_tnum(&mut a, w, t);
            set_width_tnum(&mut b, w, t);
        }
        JmpCond::Ne => {
            let konst = |s: &Scalar| match w {
                Width::W64 => s.as_const().map(|c| c as i128),
                Width::W32 => s.as_const32().map(|c| c as i128),
            };
            if let (Some(x), Some(y)) = (konst(&a), konst(&b)) {
                if x == y {
                    return None;
                }
            }
            let (a0c, b0c) = (a, b);
            shrink_ne(&mut a, &b0c, w, &konst);
            shrink_ne(&mut b, &a0c, w, &konst);
        }
        JmpCond::Lt => lt(&mut a, &mut b, View::U, true),
        JmpCond::Le => lt(&mut a, &mut b, View::U, false),
        JmpCond::Slt => lt(&mut a, &mut b, View::S, true),
        JmpCond::Sle => lt(&mut a, &mut b, View::S, false),
        JmpCond::Gt => lt(&mut b, &mut a, View::U, true),
        JmpCond::Ge => lt(&mut b, &mut a, View::U, false),
        JmpCond::Sgt => lt(&mut b, &mut a, View::S, true),
        JmpCond::Sge => lt(&mut b, &mut a, View::S, false),
        JmpCond::Set => {
            let ta = width_tnum(&a, w);
            let tb = width_tnum(&b, w);
            // Taken only if some bit may be set in both.
            if (ta.umax() & tb.umax()) == 0 {
                return None;
            }
            if let Some(c) = match w {
                Width::W64 => b.as_const(),
                Width::W32 => b.as_const32().map(u64::from),
            } {
                if ta.value & c != 0 {
                    // Already known to hold.
                } else if c.is_power_of_two() {
                    set_width_tnum(
                        &mut a,
                        w,
                        Tnum {
                            value: ta.value | c,
                            mask: ta.mask & !c,
                        },
                    );
                }
            }
        }
    }
    finish(a, b)
}

fn shrink_ne(x: &mut Scalar, y: &Scalar, w: Width, konst: &dyn Fn(&Scalar) -> Option<i128>) {
    if let Some(c) = konst(y) {
        for v in [View::U, View::S] {
            let c = match (w, v) {
                (Width::W64, View::S) => c as u64 as i64 as i128,
                (Width::W32, View::S) => c as u32 as i32 as i128,
                _ => c,
            };
            let (lo, hi) = get(x, w, v);
            if lo == c {
                set(x, w, v, lo + 1, hi);
            } else if hi == c {
                set(x, w, v, lo, hi - 1);
            }
        }
    }
}

fn refine_jset_false(w: Width, a0: &Scalar, b0: &Scalar) -> Pair {
    let (mut a, b) = (*a0, *b0);
    let ta = width_tnum(&a, w);
    let tb = width_tnum(&b, w);
    if ta.value & tb.value != 0 {
        return None;
    }
    if let Some(c) = match w {
        Width::W64 => b.as_const(),
        Width::W32 => b.as_const32().map(u64::from),
    } {
        set_width_tnum(
            &mut a,
            w,
            Tnum {
                value: ta.value & !c,
                mask: ta.mask & !c,
            },
        );
    }
    finish(a, b)
}

impl fmt::Display for Scalar {
    /// The kernel's log form: a constant prints as its value, else the bounds that say something.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(c) = self.as_const() {
            return write!(f, "{}", c as i64);
        }
        let mut parts = Vec::new();
        if self.smin != i64::MIN && self.smin as u64 != self.umin {
            parts.push(format!("smin={}", self.smin));
        }
        if self.smax != i64::MAX && self.smax as u64 != self.umax {
            parts.push(format!("smax={}", self.smax));
        }
        if self.umin != 0 {
            parts.push(format!("umin={}", self.umin));
        }
        if self.umax != u64::MAX {
            parts.push(format!("umax={}", self.umax));
        }
        if self.s32_min != i32::MIN && self.s32_min as i64 != self.smin {
            parts.push(format!("smin32={}", self.s32_min));
        }
        if self.s32_max != i32::MAX && self.s32_max as i64 != self.smax {
            parts.push(format!("smax32={}", self.s32_max));
        }
        if self.u32_min != 0 && self.u32_min as u64 != self.umin {
            parts.push(format!("umin32={}", self.u32_min));
        }
        if self.u32_max != u32::MAX && self.u32_max as u64 != self.umax {
            parts.push(format!("umax32={}", self.u32_max));
        }
        if !self.var_off.is_unknown() {
            parts.push(format!("var_off={}", self.var_off));
        }
        f.write_str(&parts.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn member_of(s: &Scalar, r: u64) -> Option<u64> {
        // Pick a concrete member: try a value inside the unsigned range that fits the tnum.
        let span = s.umax.wrapping_sub(s.umin);
        let v = s
            .umin
            .wrapping_add(if span == u64::MAX { r } else { r % (span + 1) });
        let v = s.var_off.value | (v & s.var_off.mask);
        if v >= s.umin
            && v <= s.umax
            && (v as i64) >= s.smin
            && (v as i64) <= s.smax
            && (v as u32) >= s.u32_min
            && (v as u32) <= s.u32_max
            && (v as u32 as i32) >= s.s32_min
            && (v as u32 as i32) <= s.s32_max
        {
            Some(v)
        } else {
            None
        }
    }

    fn holds(s: &Scalar, v: u64) -> bool {
        v >= s.umin
            && v <= s.umax
            && (v as i64) >= s.smin
            && (v as i64) <= s.smax
            && (v as u32) >= s.u32_min
            && (v as u32) <= s.u32_max
            && (v as u32 as i32) >= s.s32_min
            && (v as u32 as i32) <= s.s32_max
            && s.var_off.contains_value(v)
    }

    fn scalar() -> impl Strategy<Value = Scalar> {
        prop_oneof![
            any::<u64>().prop_map(Scalar::constant),
            (any::<u64>(), any::<u64>()).prop_map(|(a, b)| Scalar::urange(a.min(b), a.max(b))),
            (0u64..300, 0u64..300).prop_map(|(a, b)| Scalar::urange(a.min(b), a.max(b))),
            (-300i64..300, -300i64..300).prop_map(|(a, b)| Scalar::srange(a.min(b), a.max(b))),
            Just(Scalar::UNKNOWN),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn alu_is_sound(a in scalar(), b in scalar(), ra in any::<u64>(), rb in any::<u64>(),
                        op in proptest::sample::select(AluOp::ALL.to_vec()), w64 in any::<bool>()) {
            let w = if w64 { Width::W64 } else { Width::W32 };
            if let (Some(x), Some(y)) = (member_of(&a, ra), member_of(&b, rb)) {
                let mut y = y;
                if matches!(op, AluOp::Lsh | AluOp::Rsh | AluOp::Arsh) && b.as_const().is_none() {
                    y &= if w64 { 63 } else { 31 };
                    if !holds(&b, y) { return Ok(()); }
                }
                let r = a.alu(op, w, &b);
                let c = ir::arith::alu(op, w, x, y);
                prop_assert!(holds(&r, c), "{:?} {:?} {} {} = {} not in {:?}", op, w, x, y, c, r);
            }
        }

        #[test]
        fn constants_fold_with_ir_arith(x in any::<u64>(), y in prop_oneof![any::<u64>(), 0u64..70],
                                        op in proptest::sample::select(AluOp::ALL.to_vec()), w64 in any::<bool>()) {
            let w = if w64 { Width::W64 } else { Width::W32 };
            let r = Scalar::constant(x).alu(op, w, &Scalar::constant(y));
            if folds_constants(op, w, y) {
                prop_assert_eq!(r.as_const(), Some(arith::alu(op, w, x, y)));
            } else {
                prop_assert!(r.contains(&Scalar::constant(arith::alu(op, w, x, y))));
            }
        }

        #[test]
        fn refine_is_sound(a in scalar(), b in scalar(), ra in any::<u64>(), rb in any::<u64>(),
                           c in proptest::sample::select(JmpCond::ALL.to_vec()), w64 in any::<bool>()) {
            let w = if w64 { Width::W64 } else { Width::W32 };
            if let (Some(x), Some(y)) = (member_of(&a, ra), member_of(&b, rb)) {
                let (t, f) = refine(c, w, &a, &b);
                let side = if ir::arith::cond(c, w, x, y) { t } else { f };
                let Some((na, nb)) = side else {
                    return Err(TestCaseError::fail(format!("{c:?} {x} {y} lost its branch: {a:?} {b:?}")));
                };
                prop_assert!(holds(&na, x) && holds(&nb, y));
            }
        }
    }

    #[test]
    fn refinement_examples() {
        let x = Scalar::urange(0, 255);
        let (t, f) = refine(JmpCond::Gt, Width::W64, &x, &Scalar::constant(10));
        assert_eq!(t.unwrap().0.umin, 11);
        assert_eq!(f.unwrap().0.umax, 10);
        assert_eq!(
            branch_taken(JmpCond::Gt, Width::W64, &x, &Scalar::constant(300)),
            Some(false)
        );
    }
}
