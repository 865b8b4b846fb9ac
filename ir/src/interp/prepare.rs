//! Decode once: `Insn`s into a flat, dispatch-friendly `Op` array.
//!
//! Every `Op` is 16 bytes: a one-byte kind (one per operation × width × operand form, so the
//! executor's `match` is a single jump table with no further decoding), two register numbers, a
//! size, a 32-bit field (memory offset or absolute jump target) and a 64-bit immediate already
//! extended the way the operation needs it.

use crate::insn::{
    AluOp, AtomicOp, CallTarget, Endian, Insn, JmpCond, LdImm64Src, MemSize, Operand, Width,
};

/// Operation kinds. `I` = immediate operand, `R` = register operand.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
#[allow(missing_docs)]
pub(crate) enum K {
    Add64I,
    Add64R,
    Sub64I,
    Sub64R,
    Mul64I,
    Mul64R,
    Div64I,
    Div64R,
    SDiv64I,
    SDiv64R,
    Or64I,
    Or64R,
    And64I,
    And64R,
    Lsh64I,
    Lsh64R,
    Rsh64I,
    Rsh64R,
    Mod64I,
    Mod64R,
    SMod64I,
    SMod64R,
    Xor64I,
    Xor64R,
    Mov64I,
    Mov64R,
    Arsh64I,
    Arsh64R,
    Add32I,
    Add32R,
    Sub32I,
    Sub32R,
    Mul32I,
    Mul32R,
    Div32I,
    Div32R,
    SDiv32I,
    SDiv32R,
    Or32I,
    Or32R,
    And32I,
    And32R,
    Lsh32I,
    Lsh32R,
    Rsh32I,
    Rsh32R,
    Mod32I,
    Mod32R,
    SMod32I,
    SMod32R,
    Xor32I,
    Xor32R,
    Mov32I,
    Mov32R,
    Arsh32I,
    Arsh32R,
    Neg64,
    Neg32,
    MovSx64B,
    MovSx64H,
    MovSx64W,
    MovSx32B,
    MovSx32H,
    Trunc16,
    Trunc32,
    Nop,
    Swap16,
    Swap32,
    Swap64,
    Ja,
    Jeq64I,
    Jeq64R,
    Jgt64I,
    Jgt64R,
    Jge64I,
    Jge64R,
    Jset64I,
    Jset64R,
    Jne64I,
    Jne64R,
    Jsgt64I,
    Jsgt64R,
    Jsge64I,
    Jsge64R,
    Jlt64I,
    Jlt64R,
    Jle64I,
    Jle64R,
    Jslt64I,
    Jslt64R,
    Jsle64I,
    Jsle64R,
    Jeq32I,
    Jeq32R,
    Jgt32I,
    Jgt32R,
    Jge32I,
    Jge32R,
    Jset32I,
    Jset32R,
    Jne32I,
    Jne32R,
    Jsgt32I,
    Jsgt32R,
    Jsge32I,
    Jsge32R,
    Jlt32I,
    Jlt32R,
    Jle32I,
    Jle32R,
    Jslt32I,
    Jslt32R,
    Jsle32I,
    Jsle32R,
    LdxB,
    LdxH,
    LdxW,
    LdxDW,
    LdxSB,
    LdxSH,
    LdxSW,
    StB,
    StH,
    StW,
    StDW,
    StxB,
    StxH,
    StxW,
    StxDW,
    /// `sz` = size, `imm` = atomic op code (see [`atomic_code`]).
    Atomic,
    /// `imm` = the constant.
    LdImm64,
    /// `imm` = the program's map index.
    LdMapFd,
    /// `imm` = map index | offset << 32.
    LdMapValue,
    /// `imm` = absolute slot of the function.
    LdFunc,
    /// `sz` = size, `imm` = offset (sign-extended).
    LdAbs,
    LdInd,
    /// `imm` = helper id (sign-extended).
    CallHelper,
    /// `off` = absolute target slot.
    CallLocal,
    /// `src` = register holding the helper id.
    CallX,
    Exit,
    /// Not executable; `imm` indexes [`UNSUPPORTED`].
    Invalid,
}

/// Why an `Op::Invalid` cannot run.
pub(crate) const UNSUPPORTED: [&str; 4] = [
    "the second slot of an LD_IMM64 is not an instruction",
    "kfunc calls are not supported by the interpreter",
    "LD_IMM64 of a BTF id is not supported by the interpreter",
    "LD_IMM64 of an unknown pseudo source",
];

/// One prepared instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Op {
    pub(crate) k: K,
    pub(crate) dst: u8,
    pub(crate) src: u8,
    pub(crate) sz: MemSize,
    /// Memory offset (sign-extended `off`) or absolute target slot of a jump or local call.
    pub(crate) off: i32,
    pub(crate) imm: u64,
}

/// Encode an atomic operation into `Op::imm`.
pub(crate) const fn atomic_code(op: AtomicOp, fetch: bool) -> u64 {
    let base = match op {
        AtomicOp::Add => 0,
        AtomicOp::Or => 1,
        AtomicOp::And => 2,
        AtomicOp::Xor => 3,
        AtomicOp::Xchg => 4,
        AtomicOp::CmpXchg => 5,
    };
    base | if fetch { 8 } else { 0 }
}

/// Inverse of [`atomic_code`].
pub(crate) const fn atomic_decode(code: u64) -> (AtomicOp, bool) {
    let op = match code & 7 {
        0 => AtomicOp::Add,
        1 => AtomicOp::Or,
        2 => AtomicOp::And,
        3 => AtomicOp::Xor,
        4 => AtomicOp::Xchg,
        _ => AtomicOp::CmpXchg,
    };
    (op, code & 8 != 0)
}

fn alu_kind(op: AluOp, width: Width, imm: bool) -> K {
    use K::*;
    let (i64_, r64, i32_, r32) = match op {
        AluOp::Add => (Add64I, Add64R, Add32I, Add32R),
        AluOp::Sub => (Sub64I, Sub64R, Sub32I, Sub32R),
        AluOp::Mul => (Mul64I, Mul64R, Mul32I, Mul32R),
        AluOp::Div => (Div64I, Div64R, Div32I, Div32R),
        AluOp::SDiv => (SDiv64I, SDiv64R, SDiv32I, SDiv32R),
        AluOp::Or => (Or64I, Or64R, Or32I, Or32R),
        AluOp::And => (And64I, And64R, And32I, And32R),
        AluOp::Lsh => (Lsh64I, Lsh64R, Lsh32I, Lsh32R),
        AluOp::Rsh => (Rsh64I, Rsh64R, Rsh32I, Rsh32R),
        AluOp::Mod => (Mod64I, Mod64R, Mod32I, Mod32R),
        AluOp::SMod => (SMod64I, SMod64R, SMod32I, SMod32R),
        AluOp::Xor => (Xor64I, Xor64R, Xor32I, Xor32R),
        AluOp::Mov => (Mov64I, Mov64R, Mov32I, Mov32R),
        AluOp::Arsh => (Arsh64I, Arsh64R, Arsh32I, Arsh32R),
    };
    match (width, imm) {
        (Width::W64, true) => i64_,
        (Width::W64, false) => r64,
        (Width::W32, true) => i32_,
        (Width::W32, false) => r32,
    }
}

fn jmp_kind(cond: JmpCond, width: Width, imm: bool) -> K {
    use K::*;
    let (i64_, r64, i32_, r32) = match cond {
        JmpCond::Eq => (Jeq64I, Jeq64R, Jeq32I, Jeq32R),
        JmpCond::Gt => (Jgt64I, Jgt64R, Jgt32I, Jgt32R),
        JmpCond::Ge => (Jge64I, Jge64R, Jge32I, Jge32R),
        JmpCond::Set => (Jset64I, Jset64R, Jset32I, Jset32R),
        JmpCond::Ne => (Jne64I, Jne64R, Jne32I, Jne32R),
        JmpCond::Sgt => (Jsgt64I, Jsgt64R, Jsgt32I, Jsgt32R),
        JmpCond::Sge => (Jsge64I, Jsge64R, Jsge32I, Jsge32R),
        JmpCond::Lt => (Jlt64I, Jlt64R, Jlt32I, Jlt32R),
        JmpCond::Le => (Jle64I, Jle64R, Jle32I, Jle32R),
        JmpCond::Slt => (Jslt64I, Jslt64R, Jslt32I, Jslt32R),
        JmpCond::Sle => (Jsle64I, Jsle64R, Jsle32I, Jsle32R),
    };
    match (width, imm) {
        (Width::W64, true) => i64_,
        (Width::W64, false) => r64,
        (Width::W32, true) => i32_,
        (Width::W32, false) => r32,
    }
}

/// Absolute target `pc + 1 + off`, or `u32::MAX as i32` (never a valid slot) when negative
/// or too large; the executor reports it when the jump is taken.
fn target(pc: usize, off: i64) -> i32 {
    let t = pc as i64 + 1 + off;
    if (0..i32::MAX as i64).contains(&t) {
        t as i32
    } else {
        -1
    }
}

fn op(k: K) -> Op {
    Op {
        k,
        dst: 0,
        src: 0,
        sz: MemSize::B,
        off: 0,
        imm: 0,
    }
}

/// Prepare one slot.
pub(crate) fn prepare_insn(pc: usize, insn: &Insn) -> Op {
    match *insn {
        Insn::Alu {
            width,
            op: aop,
            dst,
            src,
        } => {
            let (imm, src_reg, is_imm) = match src {
                Operand::Imm(i) => (crate::arith::imm_operand(width, i), 0, true),
                Operand::Reg(r) => (0, r.num(), false),
            };
            Op {
                dst: dst.num(),
                src: src_reg,
                imm,
                ..op(alu_kind(aop, width, is_imm))
            }
        }
        Insn::MovSx {
            width,
            bits,
            dst,
            src,
        } => {
            let k = match (width, bits) {
                (Width::W64, 8) => K::MovSx64B,
                (Width::W64, 16) => K::MovSx64H,
                (Width::W64, _) => K::MovSx64W,
                (Width::W32, 8) => K::MovSx32B,
                (Width::W32, _) => K::MovSx32H,
            };
            Op {
                dst: dst.num(),
                src: src.num(),
                ..op(k)
            }
        }
        Insn::Neg { width, dst } => Op {
            dst: dst.num(),
            ..op(match width {
                Width::W64 => K::Neg64,
                Width::W32 => K::Neg32,
            })
        },
        Insn::End { kind, bits, dst } => {
            let k = match (kind, bits) {
                (Endian::ToLe, 16) => K::Trunc16,
                (Endian::ToLe, 32) => K::Trunc32,
                (Endian::ToLe, _) => K::Nop,
                (_, 16) => K::Swap16,
                (_, 32) => K::Swap32,
                (_, _) => K::Swap64,
            };
            Op {
                dst: dst.num(),
                ..op(k)
            }
        }
        Insn::Ja { off, .. } => Op {
            off: target(pc, off as i64),
            ..op(K::Ja)
        },
        Insn::Jmp {
            width,
            cond,
            dst,
            src,
            off,
        } => {
            let (imm, src_reg, is_imm) = match src {
                Operand::Imm(i) => (crate::arith::imm_operand(width, i), 0, true),
                Operand::Reg(r) => (0, r.num(), false),
            };
            Op {
                dst: dst.num(),
                src: src_reg,
                imm,
                off: target(pc, off as i64),
                ..op(jmp_kind(cond, width, is_imm))
            }
        }
        Insn::Load {
            size,
            signed,
            dst,
            src,
            off,
        } => {
            let k = match (size, signed) {
                (MemSize::B, false) => K::LdxB,
                (MemSize::H, false) => K::LdxH,
                (MemSize::W, false) => K::LdxW,
                (MemSize::DW, _) => K::LdxDW,
                (MemSize::B, true) => K::LdxSB,
                (MemSize::H, true) => K::LdxSH,
                (MemSize::W, true) => K::LdxSW,
            };
            Op {
                dst: dst.num(),
                src: src.num(),
                sz: size,
                off: off as i32,
                ..op(k)
            }
        }
        Insn::Store {
            size,
            dst,
            off,
            src,
        } => {
            let (k, src_reg, imm) = match (src, size) {
                (Operand::Imm(i), MemSize::B) => (K::StB, 0, i as i64 as u64),
                (Operand::Imm(i), MemSize::H) => (K::StH, 0, i as i64 as u64),
                (Operand::Imm(i), MemSize::W) => (K::StW, 0, i as i64 as u64),
                (Operand::Imm(i), MemSize::DW) => (K::StDW, 0, i as i64 as u64),
                (Operand::Reg(r), MemSize::B) => (K::StxB, r.num(), 0),
                (Operand::Reg(r), MemSize::H) => (K::StxH, r.num(), 0),
                (Operand::Reg(r), MemSize::W) => (K::StxW, r.num(), 0),
                (Operand::Reg(r), MemSize::DW) => (K::StxDW, r.num(), 0),
            };
            Op {
                dst: dst.num(),
                src: src_reg,
                sz: size,
                off: off as i32,
                imm,
                ..op(k)
            }
        }
        Insn::Atomic {
            size,
            op: aop,
            fetch,
            dst,
            src,
            off,
        } => Op {
            dst: dst.num(),
            src: src.num(),
            sz: size,
            off: off as i32,
            imm: atomic_code(aop, fetch),
            ..op(K::Atomic)
        },
        Insn::LdImm64 { dst, src, imm } => {
            let (k, imm) = match src {
                LdImm64Src::Imm => (K::LdImm64, imm),
                LdImm64Src::MapFd | LdImm64Src::MapIdx => (K::LdMapFd, imm & 0xffff_ffff),
                LdImm64Src::MapValue | LdImm64Src::MapIdxValue => (K::LdMapValue, imm),
                LdImm64Src::Func => (
                    K::LdFunc,
                    target(pc, imm as u32 as i32 as i64) as u32 as u64,
                ),
                LdImm64Src::BtfId => (K::Invalid, 2),
            };
            Op {
                dst: dst.num(),
                imm,
                ..op(k)
            }
        }
        Insn::LdImm64Tail => Op {
            imm: 0,
            ..op(K::Invalid)
        },
        Insn::LdAbs { size, imm } => Op {
            sz: size,
            imm: imm as i64 as u64,
            ..op(K::LdAbs)
        },
        Insn::LdInd { size, src, imm } => Op {
            sz: size,
            src: src.num(),
            imm: imm as i64 as u64,
            ..op(K::LdInd)
        },
        Insn::Call(CallTarget::Helper(id)) => Op {
            imm: id as i64 as u64,
            ..op(K::CallHelper)
        },
        Insn::Call(CallTarget::Local(off)) => Op {
            off: target(pc, off as i64),
            ..op(K::CallLocal)
        },
        Insn::Call(CallTarget::Kfunc { .. }) => Op {
            imm: 1,
            ..op(K::Invalid)
        },
        Insn::CallX { reg } => Op {
            src: reg.num(),
            ..op(K::CallX)
        },
        Insn::Exit => op(K::Exit),
    }
}

/// Prepare a whole program.
pub(crate) fn prepare(insns: &[Insn]) -> Vec<Op> {
    insns
        .iter()
        .enumerate()
        .map(|(pc, i)| prepare_insn(pc, i))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn op_is_16_bytes() {
        assert_eq!(std::mem::size_of::<Op>(), 16);
    }

    #[test]
    fn atomic_codes_round_trip() {
        for op in [
            AtomicOp::Add,
            AtomicOp::Or,
            AtomicOp::And,
            AtomicOp::Xor,
            AtomicOp::Xchg,
            AtomicOp::CmpXchg,
        ] {
            for fetch in [false, true] {
                assert_eq!(atomic_decode(atomic_code(op, fetch)), (op, fetch));
            }
        }
    }

    #[test]
    fn targets() {
        assert_eq!(target(3, -4), 0);
        assert_eq!(target(3, -5), -1);
        assert_eq!(target(3, 2), 6);
    }
}
