//! One slot as the kernel's verifier log prints it (`print_bpf_insn` in kernel/bpf/disasm.c):
//! `(code) text`, registers as `rN`/`wN`, memory as `(r1 +4)`, conditional jump immediates in
//! hex, `goto pc+N`, helpers as `name#id`.

use super::llvm::{alu_op, jmp_op};
use crate::insn::*;
use crate::program::Program;

/// `r1` or `w1` by width.
fn reg(w: Width, r: Reg) -> String {
    match w {
        Width::W32 => format!("w{}", r.num()),
        Width::W64 => format!("r{}", r.num()),
    }
}

/// The kernel verifier log text of slot `pc`, e.g. `(61) r2 = *(u32 *)(r1 +4)`.
///
/// Map loads print as `map[id:N]` (and `map[id:N][0]+OFF` for map values, as bpftool does),
/// where N is the map's index in [`Program::maps`]; other LD_IMM64 values as `0x...`.
pub fn kernel_log_text(prog: &Program, pc: usize) -> String {
    let Some(insn) = prog.insns.get(pc) else {
        return format!("<slot {pc} out of range>");
    };
    let code = insn.to_raw().code;
    let body = match *insn {
        Insn::Alu {
            width,
            op,
            dst,
            src,
        } => match src {
            Operand::Reg(s) => format!("{} {} {}", reg(width, dst), alu_op(op), reg(width, s)),
            Operand::Imm(v) => format!("{} {} {v}", reg(width, dst), alu_op(op)),
        },
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
        Insn::Ja { off, long: false } => format!("goto pc{off:+}"),
        Insn::Ja { off, long: true } => format!("gotol pc{off:+}"),
        Insn::Jmp {
            width,
            cond,
            dst,
            src,
            off,
        } => {
            let s = match src {
                Operand::Reg(s) => reg(width, s),
                Operand::Imm(v) => format!("{:#x}", v as u32),
            };
            format!("if {} {} {s} goto pc{off:+}", reg(width, dst), jmp_op(cond))
        }
        Insn::Load {
            size,
            signed,
            dst,
            src,
            off,
        } => {
            let ty = if signed {
                match size {
                    MemSize::B => "s8",
                    MemSize::H => "s16",
                    _ => "s32",
                }
            } else {
                size.c_type()
            };
            format!("{dst} = *({ty} *)({src} {off:+})")
        }
        Insn::Store {
            size,
            dst,
            off,
            src,
        } => match src {
            Operand::Reg(s) => format!("*({} *)({dst} {off:+}) = {s}", size.c_type()),
            Operand::Imm(v) => format!("*({} *)({dst} {off:+}) = {v}", size.c_type()),
        },
        Insn::Atomic {
            size,
            op,
            fetch,
            dst,
            src,
            off,
        } => {
            let ty = size.c_type();
            let n64 = if size == MemSize::DW { "64" } else { "" };
            match (op, fetch) {
                (AtomicOp::Xchg, _) => {
                    format!("{src} = atomic{n64}_xchg(({ty} *)({dst} {off:+}), {src})")
                }
                (AtomicOp::CmpXchg, _) => {
                    format!("r0 = atomic{n64}_cmpxchg(({ty} *)({dst} {off:+}), r0, {src})")
                }
                (_, false) => {
                    let o = match op {
                        AtomicOp::Add => "+=",
                        AtomicOp::Or => "|=",
                        AtomicOp::And => "&=",
                        _ => "^=",
                    };
                    format!("lock *({ty} *)({dst} {off:+}) {o} {src}")
                }
                (_, true) => {
                    let o = match op {
                        AtomicOp::Add => "add",
                        AtomicOp::Or => "or",
                        AtomicOp::And => "and",
                        _ => "xor",
                    };
                    format!("{src} = atomic{n64}_fetch_{o}(({ty} *)({dst} {off:+}), {src})")
                }
            }
        }
        Insn::LdImm64 { dst, src, imm } => {
            let v = match src {
                LdImm64Src::MapFd | LdImm64Src::MapIdx => format!("map[id:{}]", imm as u32),
                LdImm64Src::MapValue | LdImm64Src::MapIdxValue => {
                    format!("map[id:{}][0]+{}", imm as u32, (imm >> 32) as u32)
                }
                _ => format!("{imm:#x}"),
            };
            format!("{dst} = {v}")
        }
        Insn::LdImm64Tail => return "(00) (second slot of ld_imm64)".to_string(),
        Insn::LdAbs { size, imm } => format!("r0 = *({} *)skb[{imm}]", size.c_type()),
        Insn::LdInd { size, src, imm } => format!("r0 = *({} *)skb[{src} + {imm}]", size.c_type()),
        Insn::Call(CallTarget::Helper(id)) => {
            format!(
                "call {}#{id}",
                crate::helpers::name(id).unwrap_or("unknown")
            )
        }
        Insn::Call(CallTarget::Local(off)) => format!("call pc{off:+}"),
        Insn::Call(CallTarget::Kfunc { btf_id, .. }) => format!("call kernel-function#{btf_id}"),
        // The kernel prints callx (src_reg 0, imm 0) as a call of helper 0.
        Insn::CallX { .. } => "call bpf_unspec#0".to_string(),
        Insn::Exit => "exit".to_string(),
    };
    format!("({code:02x}) {body}")
}
