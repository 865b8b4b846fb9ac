//! One slot in the kernel/LLVM syntax, exactly as `llvm-objdump -d` (LLVM 15 and later, whose
//! default is hex immediates) prints it, with two additions objdump cannot know: labels and map
//! names. Forms objdump prints only with `--mcpu=v3` (32-bit fetching atomics) use `w` registers
//! as it does there.

use super::conformance::ld_imm64_operand;
use super::{target_text, Labels};
use crate::insn::*;
use crate::program::Program;

/// A signed value in objdump's hex form: `0x10`, `-0x1`.
pub(crate) fn hex(v: i64) -> String {
    if v < 0 {
        format!("-{:#x}", v.unsigned_abs())
    } else {
        format!("{v:#x}")
    }
}

/// A jump offset: `+0x3`, `-0x1`, or a label.
fn target(labels: Option<&Labels>, pc: usize, off: i64) -> String {
    match labels.and_then(|l| l.target(pc, off)) {
        Some(name) => name.to_string(),
        None => {
            if off < 0 {
                hex(off)
            } else {
                format!("+{}", hex(off))
            }
        }
    }
}

/// `(r10 - 0x8)`, `(r1 + 0x0)`.
fn mem(r: Reg, off: i16) -> String {
    format!("({})", addr(r, off))
}

/// `r10 - 0x8`, `r1 + 0x0`.
fn addr(r: Reg, off: i16) -> String {
    if off < 0 {
        format!("{r} - {:#x}", off.unsigned_abs())
    } else {
        format!("{r} + {off:#x}")
    }
}

/// Register name by width: `r1` or `w1`.
fn reg(w: Width, r: Reg) -> String {
    match w {
        Width::W32 => format!("w{}", r.num()),
        Width::W64 => format!("r{}", r.num()),
    }
}

fn operand(w: Width, o: Operand) -> String {
    match o {
        Operand::Reg(r) => reg(w, r),
        Operand::Imm(v) => hex(v as i64),
    }
}

pub(crate) fn alu_op(op: AluOp) -> &'static str {
    match op {
        AluOp::Add => "+=",
        AluOp::Sub => "-=",
        AluOp::Mul => "*=",
        AluOp::Div => "/=",
        AluOp::SDiv => "s/=",
        AluOp::Or => "|=",
        AluOp::And => "&=",
        AluOp::Lsh => "<<=",
        AluOp::Rsh => ">>=",
        AluOp::Mod => "%=",
        AluOp::SMod => "s%=",
        AluOp::Xor => "^=",
        AluOp::Mov => "=",
        AluOp::Arsh => "s>>=",
    }
}

pub(crate) fn jmp_op(c: JmpCond) -> &'static str {
    match c {
        JmpCond::Eq => "==",
        JmpCond::Gt => ">",
        JmpCond::Ge => ">=",
        JmpCond::Set => "&",
        JmpCond::Ne => "!=",
        JmpCond::Sgt => "s>",
        JmpCond::Sge => "s>=",
        JmpCond::Lt => "<",
        JmpCond::Le => "<=",
        JmpCond::Slt => "s<",
        JmpCond::Sle => "s<=",
    }
}

fn signed_c_type(s: MemSize) -> &'static str {
    match s {
        MemSize::B => "s8",
        MemSize::H => "s16",
        MemSize::W => "s32",
        MemSize::DW => "s64",
    }
}

pub(super) fn text(prog: &Program, pc: usize, insn: &Insn, labels: Option<&Labels>) -> String {
    match *insn {
        Insn::Alu {
            width,
            op,
            dst,
            src,
        } => {
            format!("{} {} {}", reg(width, dst), alu_op(op), operand(width, src))
        }
        Insn::MovSx {
            width,
            bits,
            dst,
            src,
        } => {
            format!("{} = (s{bits}){}", reg(width, dst), reg(width, src))
        }
        Insn::Neg { width, dst } => format!("{0} = -{0}", reg(width, dst)),
        Insn::End { kind, bits, dst } => {
            let k = match kind {
                Endian::ToLe => "le",
                Endian::ToBe => "be",
                Endian::Swap => "bswap",
            };
            format!("{dst} = {k}{bits} {dst}")
        }
        Insn::Ja { off, long } => {
            let m = if long { "gotol" } else { "goto" };
            format!("{m} {}", target(labels, pc, off as i64))
        }
        Insn::Jmp {
            width,
            cond,
            dst,
            src,
            off,
        } => format!(
            "if {} {} {} goto {}",
            reg(width, dst),
            jmp_op(cond),
            operand(width, src),
            target(labels, pc, off as i64)
        ),
        Insn::Load {
            size,
            signed,
            dst,
            src,
            off,
        } => {
            let ty = if signed {
                signed_c_type(size)
            } else {
                size.c_type()
            };
            format!("{dst} = *({ty} *){}", mem(src, off))
        }
        Insn::Store {
            size,
            dst,
            off,
            src,
        } => {
            let v = match src {
                Operand::Reg(r) => r.to_string(),
                Operand::Imm(v) => hex(v as i64),
            };
            format!("*({} *){} = {v}", size.c_type(), mem(dst, off))
        }
        Insn::Atomic {
            size,
            op,
            fetch,
            dst,
            src,
            off,
        } => {
            let w = if size == MemSize::W {
                Width::W32
            } else {
                Width::W64
            };
            let ty = size.c_type();
            let addr = addr(dst, off);
            let s = reg(w, src);
            match (op, fetch) {
                (AtomicOp::Xchg, _) => match size {
                    MemSize::W => format!("{s} = xchg32_32({addr}, {s})"),
                    _ => format!("{s} = xchg_64({addr}, {s})"),
                },
                (AtomicOp::CmpXchg, _) => match size {
                    MemSize::W => format!("w0 = cmpxchg32_32({addr}, w0, {s})"),
                    _ => format!("r0 = cmpxchg_64({addr}, r0, {s})"),
                },
                (_, false) => {
                    let o = match op {
                        AtomicOp::Add => "+=",
                        AtomicOp::Or => "|=",
                        AtomicOp::And => "&=",
                        _ => "^=",
                    };
                    // objdump's default CPU prints the 32-bit form with an r register.
                    format!("lock *({ty} *){} {o} {src}", mem(dst, off))
                }
                (_, true) => {
                    let o = match op {
                        AtomicOp::Add => "add",
                        AtomicOp::Or => "or",
                        AtomicOp::And => "and",
                        _ => "xor",
                    };
                    format!("{s} = atomic_fetch_{o}(({ty} *){}, {s})", mem(dst, off))
                }
            }
        }
        Insn::LdImm64 {
            dst,
            src: LdImm64Src::Imm,
            imm,
        } => {
            format!("{dst} = {} ll", hex(imm as i64))
        }
        Insn::LdImm64 { dst, src, imm } => {
            format!(
                "{dst} = {} ll",
                ld_imm64_operand(prog, pc, src, imm, labels, true)
            )
        }
        Insn::LdImm64Tail => "// (second slot of an LD_IMM64)".to_string(),
        Insn::LdAbs { size, imm } => format!("r0 = *({} *)skb[{}]", size.c_type(), hex(imm as i64)),
        Insn::LdInd { size, src, imm } => {
            if imm == 0 {
                format!("r0 = *({} *)skb[{src}]", size.c_type())
            } else if imm < 0 {
                format!(
                    "r0 = *({} *)skb[{src} - {:#x}]",
                    size.c_type(),
                    imm.unsigned_abs()
                )
            } else {
                format!("r0 = *({} *)skb[{src} + {imm:#x}]", size.c_type())
            }
        }
        Insn::Call(CallTarget::Helper(id)) => format!("call {}", hex(id as i64)),
        Insn::Call(CallTarget::Local(off)) => match labels {
            // objdump's form: the bare offset (ambiguous with a helper id, so only for one slot).
            None => format!("call {}", hex(off as i64)),
            Some(l) => match l.target(pc, off as i64) {
                Some(name) => format!("call {name}"),
                None => format!("call local {}", target_text(labels, pc, off as i64)),
            },
        },
        Insn::Call(CallTarget::Kfunc { btf_id, off }) => {
            if off == 0 {
                format!("call kfunc {btf_id}")
            } else {
                format!("call kfunc {btf_id}, {off}")
            }
        }
        Insn::CallX { reg } => format!("callx {reg}"),
        Insn::Exit => "exit".to_string(),
    }
}
