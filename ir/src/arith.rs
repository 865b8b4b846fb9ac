//! eBPF arithmetic, stated once: what every ALU operation, negation, sign-extending move,
//! byte-order conversion and jump condition computes on concrete 64-bit register values.
//!
//! The interpreter executes through these functions, the verifier folds constants with them,
//! and backends (x86-64, RISC-V, NFP) are tested against them. The rules (RFC 9669 §4):
//! - 32-bit (`ALU`) results are zero-extended to 64 bits;
//! - shift amounts are masked to the width (`& 63` / `& 31`);
//! - division by zero gives 0, modulo by zero leaves the dividend;
//! - signed division overflow (`MIN / -1`) wraps to `MIN`, and the remainder is 0.
//!
//! ```
//! use ir::arith;
//! use ir::insn::{AluOp, Width};
//! assert_eq!(arith::alu(AluOp::Div, Width::W64, 7, 0), 0);
//! assert_eq!(arith::alu(AluOp::Mod, Width::W32, u64::MAX, 0), 0xffff_ffff);
//! assert_eq!(arith::alu(AluOp::Sub, Width::W32, 0, 1), 0xffff_ffff);
//! ```

use crate::insn::{AluOp, Endian, JmpCond, Width};

/// `dst OP src` at `width`; the 64-bit register value after the operation.
#[inline(always)]
pub fn alu(op: AluOp, width: Width, dst: u64, src: u64) -> u64 {
    match width {
        Width::W64 => alu64(op, dst, src),
        Width::W32 => alu32(op, dst, src),
    }
}

/// The body of one ALU operation on unsigned `$a`, `$b` of type `$u` (signed `$s`), shift
/// amounts masked with `$mask`: written once for both widths.
macro_rules! alu_op {
    ($op:expr, $a:expr, $b:expr, $u:ty, $s:ty, $mask:expr) => {{
        let (a, b): ($u, $u) = ($a, $b);
        match $op {
            AluOp::Add => a.wrapping_add(b),
            AluOp::Sub => a.wrapping_sub(b),
            AluOp::Mul => a.wrapping_mul(b),
            AluOp::Div => a.checked_div(b).unwrap_or(0),
            AluOp::SDiv if b == 0 => 0,
            AluOp::SDiv => (a as $s).wrapping_div(b as $s) as $u,
            AluOp::Or => a | b,
            AluOp::And => a & b,
            AluOp::Lsh => a << (b & $mask),
            AluOp::Rsh => a >> (b & $mask),
            AluOp::Mod => a.checked_rem(b).unwrap_or(a),
            AluOp::SMod if b == 0 => a,
            AluOp::SMod => (a as $s).wrapping_rem(b as $s) as $u,
            AluOp::Xor => a ^ b,
            AluOp::Mov => b,
            AluOp::Arsh => ((a as $s) >> (b & $mask)) as $u,
        }
    }};
}

/// `dst OP src` on 64 bits (class `ALU64`).
#[inline(always)]
pub fn alu64(op: AluOp, a: u64, b: u64) -> u64 {
    alu_op!(op, a, b, u64, i64, 63)
}

/// `dst OP src` on the low 32 bits (class `ALU`), zero-extended to 64.
#[inline(always)]
pub fn alu32(op: AluOp, a: u64, b: u64) -> u64 {
    alu_op!(op, a as u32, b as u32, u32, i32, 31) as u64
}

/// The value an immediate operand has as the source of an ALU or JMP instruction at `width`:
/// sign-extended to 64 bits for the 64-bit classes; for the 32-bit classes only its low 32 bits
/// matter, kept zero-extended.
#[inline(always)]
pub const fn imm_operand(width: Width, imm: i32) -> u64 {
    match width {
        Width::W64 => imm as i64 as u64,
        Width::W32 => imm as u32 as u64,
    }
}

/// `-dst` at `width`.
#[inline(always)]
pub fn neg(width: Width, v: u64) -> u64 {
    match width {
        Width::W64 => v.wrapping_neg(),
        Width::W32 => (v as u32).wrapping_neg() as u64,
    }
}

/// `MOVSX`: `(s{bits}) src` at `width` (bits 8, 16, or 32 for 64-bit only; any other value
/// is read as the widest the width allows).
#[inline(always)]
pub fn movsx(width: Width, bits: u8, v: u64) -> u64 {
    match (width, bits) {
        (Width::W64, 8) => v as i8 as i64 as u64,
        (Width::W64, 16) => v as i16 as i64 as u64,
        (Width::W64, _) => v as i32 as i64 as u64,
        (Width::W32, 8) => v as i8 as i32 as u32 as u64,
        (Width::W32, _) => v as i16 as i32 as u32 as u64,
    }
}

/// Byte-order conversion of the low `bits` (16, 32, else 64) on a little-endian host:
/// `ToLe` truncates (zero-extends), `ToBe` and `Swap` swap the bytes.
#[inline(always)]
pub fn endian(kind: Endian, bits: u8, v: u64) -> u64 {
    match (kind, bits) {
        (Endian::ToLe, 16) => v as u16 as u64,
        (Endian::ToLe, 32) => v as u32 as u64,
        (Endian::ToLe, _) => v,
        (_, 16) => (v as u16).swap_bytes() as u64,
        (_, 32) => (v as u32).swap_bytes() as u64,
        (_, _) => v.swap_bytes(),
    }
}

/// Whether `dst COND src` holds at `width` (the 32-bit classes compare the low halves).
#[inline(always)]
pub fn cond(cond: JmpCond, width: Width, a: u64, b: u64) -> bool {
    match width {
        Width::W64 => cond64(cond, a, b),
        Width::W32 => cond32(cond, a, b),
    }
}

/// The body of one jump condition on unsigned `$a`, `$b` (signed `$s`), for both widths.
macro_rules! cond_op {
    ($cond:expr, $a:expr, $b:expr, $s:ty) => {{
        let (a, b) = ($a, $b);
        let (sa, sb) = (a as $s, b as $s);
        match $cond {
            JmpCond::Eq => a == b,
            JmpCond::Ne => a != b,
            JmpCond::Gt => a > b,
            JmpCond::Ge => a >= b,
            JmpCond::Lt => a < b,
            JmpCond::Le => a <= b,
            JmpCond::Set => a & b != 0,
            JmpCond::Sgt => sa > sb,
            JmpCond::Sge => sa >= sb,
            JmpCond::Slt => sa < sb,
            JmpCond::Sle => sa <= sb,
        }
    }};
}

/// `dst COND src` on 64 bits (class `JMP`).
#[inline(always)]
pub fn cond64(cond: JmpCond, a: u64, b: u64) -> bool {
    cond_op!(cond, a, b, i64)
}

/// `dst COND src` on the low 32 bits (class `JMP32`).
#[inline(always)]
pub fn cond32(cond: JmpCond, a: u64, b: u64) -> bool {
    cond_op!(cond, a as u32, b as u32, i32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn division_edges() {
        for w in [Width::W32, Width::W64] {
            assert_eq!(alu(AluOp::Div, w, 9, 0), 0);
            assert_eq!(alu(AluOp::SDiv, w, 9, 0), 0);
            assert_eq!(alu(AluOp::Mod, w, 9, 0), 9);
            assert_eq!(alu(AluOp::SMod, w, 9, 0), 9);
        }
        assert_eq!(
            alu64(AluOp::SDiv, i64::MIN as u64, u64::MAX),
            i64::MIN as u64
        );
        assert_eq!(alu64(AluOp::SMod, i64::MIN as u64, u64::MAX), 0);
        assert_eq!(alu32(AluOp::SDiv, 0x8000_0000, 0xffff_ffff), 0x8000_0000);
        assert_eq!(alu32(AluOp::SMod, 0x8000_0000, 0xffff_ffff), 0);
        // Modulo by zero in 32 bits leaves the low half, zero-extended.
        assert_eq!(alu32(AluOp::Mod, 0x1_0000_0005, 0), 5);
        assert_eq!(alu64(AluOp::SDiv, (-7i64) as u64, 2), (-3i64) as u64);
        assert_eq!(alu64(AluOp::SMod, (-7i64) as u64, 2), (-1i64) as u64);
    }

    #[test]
    fn shifts_mask_the_amount() {
        assert_eq!(alu64(AluOp::Lsh, 1, 65), 2);
        assert_eq!(alu32(AluOp::Lsh, 1, 33), 2);
        assert_eq!(alu32(AluOp::Arsh, 0x8000_0000, 31), 0xffff_ffff);
        assert_eq!(alu64(AluOp::Arsh, 1 << 63, 63), u64::MAX);
    }

    proptest! {
        /// 32-bit results never have high bits, whatever the inputs' high halves.
        #[test]
        fn alu32_zero_extends(a in any::<u64>(), b in any::<u64>(), i in 0usize..14) {
            let op = AluOp::ALL[i];
            let r = alu32(op, a, b);
            prop_assert_eq!(r >> 32, 0);
            prop_assert_eq!(r, alu32(op, a as u32 as u64, b as u32 as u64));
        }

        /// A negated condition holds exactly when the condition does not.
        #[test]
        fn negated_conditions(a in any::<u64>(), b in any::<u64>(), i in 0usize..11) {
            let c = JmpCond::ALL[i];
            for w in [Width::W32, Width::W64] {
                if let Some(n) = c.negate() {
                    prop_assert_eq!(cond(n, w, a, b), !cond(c, w, a, b));
                }
                prop_assert_eq!(cond(c.swap(), w, b, a), cond(c, w, a, b));
            }
        }
    }
}
