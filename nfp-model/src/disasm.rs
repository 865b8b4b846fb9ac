//! NFP instructions as text, in the NFP assembler's style (binutils `nfp-dis` mnemonics):
//! `alu[gprA_0, gprA_2, +, gprB_4]`, `immed[gprB_3, 0x1234]`, `bne[12], defer[1]`,
//! `mem[read32_swap, $xfer_0, gprA_3, <<8, gprB_2, 2], ctx_swap[sig1]`.
//!
//! Conventions of this printer: a result written to both banks (`WR_AB`) prints as `gprAB_n`;
//! `--` is "no operand"; local memory prints as `*l$indexN[off]`; `alu` operands print in the
//! order the hardware combines them (so a swapped instruction shows its B-bank operand first);
//! `mem` counts print as the number of words (or bytes for `read8`), not the field value.
//!
//! ```
//! use nfp_model::disasm::text;
//! use nfp_model::isa::{AluOp, Bank, Dst, Gpr, Insn, Ureg};
//! let add = Insn::Alu {
//!     dst: Dst::Gpr { bank: Bank::A, reg: Gpr::new(0).unwrap(), both: false },
//!     a: Ureg::Gpr(Gpr::new(2).unwrap()),
//!     op: AluOp::Add,
//!     b: Ureg::Gpr(Gpr::new(4).unwrap()),
//!     swap: false,
//!     src_lmextn: false,
//! };
//! assert_eq!(text(&add), "alu[gprA_0, gprA_2, +, gprB_4]");
//! ```

use crate::isa::*;
use std::fmt::Write;

fn ureg(o: Ureg, bank: Bank, lmextn: bool) -> String {
    let ext = if lmextn { 2 } else { 0 };
    match o {
        Ureg::Gpr(g) => format!("gpr{}_{}", bank_name(bank), g.num()),
        Ureg::Xfer(x) => format!("$xfer_{}", x.num()),
        Ureg::Lm(Lm::At { ptr, off }) => format!("*l$index{}[{off}]", ptr + ext),
        Ureg::Lm(Lm::PostInc { ptr }) => format!("*l$index{}++", ptr + ext),
        Ureg::Lm(Lm::PostDec { ptr }) => format!("*l$index{}--", ptr + ext),
        Ureg::Nn => "*n$index".to_string(),
        Ureg::Imm(v) => format!("{v:#x}"),
    }
}

fn rreg(o: Rreg, bank: Bank) -> String {
    match o {
        Rreg::Gpr(g) => format!("gpr{}_{}", bank_name(bank), g.num()),
        Rreg::Imm(v) => format!("{v:#x}"),
        Rreg::Lm { ptr, off } => format!("*l$index{ptr}[{off}]"),
        Rreg::Xfer(x) => format!("$xfer_{}", x.num()),
    }
}

fn bank_name(b: Bank) -> &'static str {
    match b {
        Bank::A => "A",
        Bank::B => "B",
    }
}

fn dst(d: Dst) -> String {
    match d {
        Dst::Gpr {
            both: true, reg, ..
        } => format!("gprAB_{}", reg.num()),
        Dst::Gpr { bank, reg, .. } => format!("gpr{}_{}", bank_name(bank), reg.num()),
        Dst::Xfer(x) => format!("$xfer_{}", x.num()),
        Dst::Lm { ptr, off } => format!("*l$index{ptr}[{off}]"),
        Dst::None => "--".to_string(),
    }
}

fn shift_text(kind: ShiftKind, amount: ShiftAmount) -> String {
    let n = match amount {
        ShiftAmount::Indirect => "indirect".to_string(),
        ShiftAmount::By(n) => n.to_string(),
    };
    match kind {
        ShiftKind::RotR => format!(">>rot{n}"),
        ShiftKind::Right => format!(">>{n}"),
        ShiftKind::Left => format!("<<{n}"),
        ShiftKind::DoubleRight => format!(">>dbl{n}"),
    }
}

fn defer_text(d: Defer) -> String {
    if d.get() == 0 {
        String::new()
    } else {
        format!(", defer[{}]", d.get())
    }
}

fn csr_name(c: u16) -> String {
    match c {
        csr::ACT_LM_ADDR0 => "ActLMAddr0".into(),
        csr::ACT_LM_ADDR1 => "ActLMAddr1".into(),
        csr::ACT_LM_ADDR2 => "ActLMAddr2".into(),
        csr::ACT_LM_ADDR3 => "ActLMAddr3".into(),
        csr::PSEUDO_RND_NUM => "PseudoRndNum".into(),
        csr::CTX_PTR => "CtxPtr".into(),
        other => format!("{other:#x}"),
    }
}

/// One instruction as assembler text.
pub fn text(insn: &Insn) -> String {
    match *insn {
        Insn::Alu {
            dst: d,
            a,
            op,
            b,
            swap,
            src_lmextn,
        } => {
            let (l, r) = (
                ureg(a, Bank::A, src_lmextn && matches!(a, Ureg::Lm(_))),
                ureg(b, Bank::B, src_lmextn && matches!(b, Ureg::Lm(_))),
            );
            let (l, r) = if swap { (r, l) } else { (l, r) };
            match op {
                AluOp::None | AluOp::Not => format!("alu[{}, --, {}, {r}]", dst(d), op.text()),
                _ => format!("alu[{}, {l}, {}, {r}]", dst(d), op.text()),
            }
        }
        Insn::AluShf {
            dst: d,
            a,
            op,
            b,
            swap,
            kind,
            amount,
        } => {
            let (l, r) = (rreg(a, Bank::A), rreg(b, Bank::B));
            let (l, r) = if swap { (r, l) } else { (l, r) };
            let sh = shift_text(kind, amount);
            match op {
                ShfOp::None => format!("alu_shf[{}, --, B, {r}, {sh}]", dst(d)),
                ShfOp::Ashr => format!("asr[{}, {r}, {sh}]", dst(d)),
                ShfOp::And => format!("alu_shf[{}, {l}, AND, {r}, {sh}]", dst(d)),
                ShfOp::Or => format!("alu_shf[{}, {l}, OR, {r}, {sh}]", dst(d)),
            }
        }
        Insn::LdField {
            a,
            bmask,
            b,
            kind,
            shift,
            clear,
            both,
        } => {
            let mut s = format!(
                "{}[{}, {bmask:04b}, {}",
                if clear { "ld_field_w_clr" } else { "ld_field" },
                if both {
                    match a {
                        Rreg::Gpr(g) => format!("gprAB_{}", g.num()),
                        other => rreg(other, Bank::A),
                    }
                } else {
                    rreg(a, Bank::A)
                },
                rreg(b, Bank::B)
            );
            if shift != 0 {
                let _ = write!(s, ", {}", shift_text(kind, ShiftAmount::By(shift)));
            }
            s.push(']');
            s
        }
        Insn::Immed {
            dst: d,
            imm,
            width,
            shift,
            inv,
        } => {
            let m = match width {
                ImmWidth::All => "immed",
                ImmWidth::Byte => "immed_b",
                ImmWidth::Word => "immed_w",
            };
            let mut s = format!("{m}[{}, {}{imm:#x}", dst(d), if inv { "~" } else { "" });
            if shift != 0 {
                let _ = write!(s, ", <<{}", shift * 8);
            }
            s.push(']');
            s
        }
        Insn::Mul {
            step,
            ty,
            a,
            b,
            dst: d,
        } => {
            let t = match ty {
                MulType::Start => "start".to_string(),
                MulType::Step24x8 | MulType::Step16x16 | MulType::Step32x32 => {
                    let t = match ty {
                        MulType::Step24x8 => "24x8",
                        MulType::Step16x16 => "16x16",
                        _ => "32x32",
                    };
                    match step {
                        MulStep::Step(n) => format!("{t}_step{n}"),
                        MulStep::Last => format!("{t}_last"),
                        MulStep::Last2 => format!("{t}_last2"),
                    }
                }
            };
            let last = matches!(step, MulStep::Last | MulStep::Last2) && ty != MulType::Start;
            if last {
                format!("mul_step[{}, --], {t}", dst(d))
            } else {
                format!(
                    "mul_step[{}, {}], {t}",
                    ureg(a, Bank::A, false),
                    ureg(b, Bank::B, false)
                )
            }
        }
        Insn::Br { cond, addr, defer } => {
            format!("{}[{}]{}", cond.text(), addr.get(), defer_text(defer))
        }
        Insn::BrBit {
            a,
            bit,
            set,
            addr,
            defer,
        } => format!(
            "{}[{}, {bit}, {}]{}",
            if set { "br_bset" } else { "br_bclr" },
            rreg(a, Bank::A),
            addr.get(),
            defer_text(defer)
        ),
        Insn::BrByte {
            a,
            byte,
            b,
            eq,
            addr,
            defer,
        } => format!(
            "{}[{}, {byte}, {}, {}]{}",
            if eq { "br=byte" } else { "br!=byte" },
            rreg(a, Bank::A),
            rreg(b, Bank::B),
            addr.get(),
            defer_text(defer)
        ),
        Insn::BrAlu {
            a,
            b,
            imm_hi,
            defer,
        } => {
            let imm = |o: Ureg, bank| match o {
                Ureg::Imm(v) => {
                    let v = (imm_hi as u32) << 8 | v as u32;
                    (v != 0).then(|| format!("{v:#x}"))
                }
                other => Some(ureg(other, bank, false)),
            };
            let parts: Vec<String> = [imm(a, Bank::A), imm(b, Bank::B)]
                .into_iter()
                .flatten()
                .collect();
            let inner = if parts.is_empty() {
                "0x0".to_string()
            } else {
                parts.join(", ")
            };
            format!("rtn[{inner}]{}", defer_text(defer))
        }
        Insn::LocalCsr { csr, write, a, b } => {
            if write {
                let src = match (a, b) {
                    (Ureg::Imm(0), b) => ureg(b, Bank::B, false),
                    (a, _) => ureg(a, Bank::A, false),
                };
                format!("local_csr_wr[{}, {src}]", csr_name(csr))
            } else {
                format!("local_csr_rd[{}]", csr_name(csr))
            }
        }
        Insn::CtxArb { any } => {
            if any {
                "ctx_arb[voluntary], any".to_string()
            } else {
                "ctx_arb[voluntary]".to_string()
            }
        }
        Insn::Cmd {
            op,
            xfer,
            count,
            a,
            b,
            ctx,
            sig,
            mode,
            indir,
        } => {
            let (a, b) = (rreg(a, Bank::A), rreg(b, Bank::B));
            let addr = match mode {
                AddrMode::Bits40AB => format!("{a}, <<8, {b}"),
                AddrMode::Bits40BA => format!("{a}, {b}, <<8"),
                AddrMode::Bits32 => format!("{a}, {b}"),
            };
            let tail = match ctx {
                CtxSwap::Swap => format!("ctx_swap[sig{sig}]"),
                CtxSwap::SwapDefer1 => format!("ctx_swap[sig{sig}], defer[1]"),
                CtxSwap::SwapDefer2 => format!("ctx_swap[sig{sig}], defer[2]"),
                CtxSwap::NoSwap => format!("sig_done[sig{sig}]"),
            };
            format!(
                "mem[{}, $xfer_{}, {addr}, {}], {tail}{}",
                op.text(),
                xfer.num(),
                count as u32 + 1,
                if indir { ", indirect_ref" } else { "" }
            )
        }
    }
}

/// A listing: address, word (hex) and text per instruction.
pub fn listing(code: &[Insn], words: &[u64]) -> String {
    let mut s = String::new();
    for (i, (insn, w)) in code.iter().zip(words).enumerate() {
        let _ = writeln!(s, "{i:5}: {w:016x}  {}", text(insn));
    }
    s
}
