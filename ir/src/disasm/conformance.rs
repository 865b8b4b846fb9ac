//! One slot in the `%rN` conformance syntax (the inverse of `asm::conformance`).

use super::{map_ref, target_text, Labels};
use crate::asm::conformance::{alu_name, jmp_name};
use crate::insn::*;
use crate::program::Program;

fn size_suffix(s: MemSize) -> &'static str {
    match s {
        MemSize::B => "b",
        MemSize::H => "h",
        MemSize::W => "w",
        MemSize::DW => "dw",
    }
}

fn w32(w: Width) -> &'static str {
    match w {
        Width::W32 => "32",
        Width::W64 => "",
    }
}

fn operand(o: Operand) -> String {
    match o {
        Operand::Reg(r) => format!("%{r}"),
        Operand::Imm(v) => v.to_string(),
    }
}

fn mem(r: Reg, off: i16) -> String {
    format!("[%{r}{off:+}]")
}

pub(super) fn text(prog: &Program, pc: usize, insn: &Insn, labels: Option<&Labels>) -> String {
    match *insn {
        Insn::Alu {
            width,
            op,
            dst,
            src,
        } => {
            format!("{}{} %{dst}, {}", alu_name(op), w32(width), operand(src))
        }
        Insn::MovSx {
            width,
            bits,
            dst,
            src,
        } => {
            let w = match width {
                Width::W32 => 32,
                Width::W64 => 64,
            };
            format!("movsx{bits}{w} %{dst}, %{src}")
        }
        Insn::Neg { width, dst } => format!("neg{} %{dst}", w32(width)),
        Insn::End { kind, bits, dst } => {
            let k = match kind {
                Endian::ToLe => "le",
                Endian::ToBe => "be",
                Endian::Swap => "bswap",
            };
            format!("{k}{bits} %{dst}")
        }
        Insn::Ja { off, long } => {
            let m = if long { "ja32" } else { "ja" };
            format!("{m} {}", target_text(labels, pc, off as i64))
        }
        Insn::Jmp {
            width,
            cond,
            dst,
            src,
            off,
        } => format!(
            "{}{} %{dst}, {}, {}",
            jmp_name(cond),
            w32(width),
            operand(src),
            target_text(labels, pc, off as i64)
        ),
        Insn::Load {
            size,
            signed,
            dst,
            src,
            off,
        } => format!(
            "ldx{}{} %{dst}, {}",
            if signed { "s" } else { "" },
            size_suffix(size),
            mem(src, off)
        ),
        Insn::Store {
            size,
            dst,
            off,
            src,
        } => match src {
            Operand::Reg(s) => format!("stx{} {}, %{s}", size_suffix(size), mem(dst, off)),
            Operand::Imm(v) => format!("st{} {}, {v}", size_suffix(size), mem(dst, off)),
        },
        Insn::Atomic {
            size,
            op,
            fetch,
            dst,
            src,
            off,
        } => {
            let name = match op {
                AtomicOp::Add => "add",
                AtomicOp::Or => "or",
                AtomicOp::And => "and",
                AtomicOp::Xor => "xor",
                AtomicOp::Xchg => "xchg",
                AtomicOp::CmpXchg => "cmpxchg",
            };
            let f = if fetch && !matches!(op, AtomicOp::Xchg | AtomicOp::CmpXchg) {
                "fetch "
            } else {
                ""
            };
            let s = if size == MemSize::W { "32" } else { "" };
            format!("lock {f}{name}{s} {}, %{src}", mem(dst, off))
        }
        Insn::LdImm64 { dst, src, imm } => format!(
            "lddw %{dst}, {}",
            ld_imm64_operand(prog, pc, src, imm, labels, false)
        ),
        Insn::LdImm64Tail => "# (second slot of lddw)".to_string(),
        Insn::LdAbs { size, imm } => format!("ldabs{} {imm}", size_suffix(size)),
        Insn::LdInd { size, src, imm } => format!("ldind{} %{src}, {imm}", size_suffix(size)),
        Insn::Call(CallTarget::Helper(id)) => format!("call {id}"),
        Insn::Call(CallTarget::Local(off)) => {
            format!("call local {}", target_text(labels, pc, off as i64))
        }
        Insn::Call(CallTarget::Kfunc { btf_id, off }) => {
            if off == 0 {
                format!("call kfunc {btf_id}")
            } else {
                format!("call kfunc {btf_id}, {off}")
            }
        }
        Insn::CallX { reg } => format!("callx %{reg}"),
        Insn::Exit => "exit".to_string(),
    }
}

/// The operand of an LD_IMM64 in the shared pseudo-source spelling (both syntaxes; `spaced`
/// puts blanks around the sign of the offset, as the LLVM syntax does: `map_value[m] + 8`).
pub(crate) fn ld_imm64_operand(
    prog: &Program,
    pc: usize,
    src: LdImm64Src,
    imm: u64,
    labels: Option<&Labels>,
    spaced: bool,
) -> String {
    let lo = imm as u32;
    let hi = (imm >> 32) as u32 as i32;
    let plus = |s: String| match (hi, spaced) {
        (0, _) => s,
        (_, false) => format!("{s}{hi:+}"),
        (h, true) => format!("{s} {} {}", if h < 0 { '-' } else { '+' }, h.unsigned_abs()),
    };
    match src {
        LdImm64Src::Imm => format!("{imm:#x}"),
        LdImm64Src::MapFd => plus(format!("map[{}]", map_ref(prog, imm))),
        LdImm64Src::MapValue => plus(format!("map_value[{}]", map_ref(prog, imm))),
        LdImm64Src::MapIdx => plus(format!("map_idx[{lo}]")),
        LdImm64Src::MapIdxValue => plus(format!("map_idx_value[{lo}]")),
        LdImm64Src::BtfId => plus(format!("btf_id[{lo}]")),
        LdImm64Src::Func => plus(format!(
            "func[{}]",
            target_text(labels, pc, lo as i32 as i64)
        )),
    }
}
