//! The `%rN` front-end (bpf_conformance / ubpf syntax).
//!
//! | form | meaning |
//! |---|---|
//! | `add %r1, %r2` / `add32 %r1, 5` / `add64 ...` | ALU64 / ALU (also sub mul div sdiv mod smod or and xor lsh rsh arsh mov) |
//! | `neg %r1`, `neg32 %r1` | negate |
//! | `le16 %r1`, `be32 %r1`, `bswap64 %r1` (`swap64`) | byte order |
//! | `movsx832 %r0, %r1` (also 1632, 864, 1664, 3264) | sign-extending move, `movsx{from}{width}` |
//! | `ldxw %r0, [%r1+4]`, `ldxsb %r0, [%r10-1]` | load, sign-extending load |
//! | `stw [%r1+4], 5`, `stxdw [%r10-8], %r1` | store immediate / register |
//! | `lock [fetch] add32 [%r10-4], %r1`, `lock xchg ...`, `lock cmpxchg ...` | atomics |
//! | `lddw %r1, 0x1122334455667788`, `lddw %r1, map[name]` | 64-bit immediate (see the parent module for pseudo sources) |
//! | `ldabsh 12`, `ldindb %r1, 14` | legacy packet loads |
//! | `ja L`, `ja32 L`, `jeq %r1, 5, L`, `jslt32 %r1, %r2, +3` | jumps |
//! | `call 1`, `call bpf_map_lookup_elem`, `call %r2` (callx), `call local f`, `call kfunc ID[, OFF]` | calls |
//! | `exit` | return |
//!
//! As in the upstream bpf_conformance assembler, the first `exit` instruction also defines the
//! label `exit` unless the program defines one itself (`jne %r0, 0, exit`).

use super::builder::{pseudo_ld_imm64, Builder};
use super::cursor::Cursor;
use super::lexer::TokKind;
use super::AsmError;
use crate::insn::*;

#[derive(Clone, Copy)]
enum Form {
    Alu(Width, AluOp),
    Neg(Width),
    End(Endian, u8),
    MovSx(Width, u8),
    Load(MemSize, bool),
    StoreImm(MemSize),
    StoreReg(MemSize),
    LdDw,
    LdAbs(MemSize),
    LdInd(MemSize),
    Ja(bool),
    Jmp(Width, JmpCond),
    Call,
    CallX,
    Exit,
}

impl Form {
    /// Number of comma-separated operands and how they are written.
    fn shape(self) -> (usize, &'static str) {
        match self {
            Form::Alu(..) => (2, "%rD, %rS or %rD, IMM"),
            Form::Neg(_) | Form::End(..) => (1, "%rD"),
            Form::MovSx(..) => (2, "%rD, %rS"),
            Form::Load(..) => (2, "%rD, [%rS+OFF]"),
            Form::StoreImm(_) => (2, "[%rD+OFF], IMM"),
            Form::StoreReg(_) => (2, "[%rD+OFF], %rS"),
            Form::LdDw => (2, "%rD, IMM64"),
            Form::LdAbs(_) => (1, "IMM"),
            Form::LdInd(_) => (2, "%rS, IMM"),
            Form::Ja(_) => (1, "LABEL or +OFF"),
            Form::Jmp(..) => (3, "%rD, %rS or IMM, LABEL or +OFF"),
            Form::Call => (1, "ID, HELPER_NAME, %rN, `local LABEL` or `kfunc ID`"),
            Form::CallX => (1, "%rN"),
            Form::Exit => (0, "no operands"),
        }
    }
}

fn width_suffix(rest: &str) -> Option<Width> {
    match rest {
        "" | "64" => Some(Width::W64),
        "32" => Some(Width::W32),
        _ => None,
    }
}

fn mem_size(s: &str) -> Option<MemSize> {
    Some(match s {
        "b" => MemSize::B,
        "h" => MemSize::H,
        "w" => MemSize::W,
        "dw" => MemSize::DW,
        _ => return None,
    })
}

pub(crate) fn alu_name(op: AluOp) -> &'static str {
    match op {
        AluOp::Add => "add",
        AluOp::Sub => "sub",
        AluOp::Mul => "mul",
        AluOp::Div => "div",
        AluOp::SDiv => "sdiv",
        AluOp::Or => "or",
        AluOp::And => "and",
        AluOp::Lsh => "lsh",
        AluOp::Rsh => "rsh",
        AluOp::Mod => "mod",
        AluOp::SMod => "smod",
        AluOp::Xor => "xor",
        AluOp::Mov => "mov",
        AluOp::Arsh => "arsh",
    }
}

pub(crate) fn jmp_name(c: JmpCond) -> &'static str {
    match c {
        JmpCond::Eq => "jeq",
        JmpCond::Gt => "jgt",
        JmpCond::Ge => "jge",
        JmpCond::Set => "jset",
        JmpCond::Ne => "jne",
        JmpCond::Sgt => "jsgt",
        JmpCond::Sge => "jsge",
        JmpCond::Lt => "jlt",
        JmpCond::Le => "jle",
        JmpCond::Slt => "jslt",
        JmpCond::Sle => "jsle",
    }
}

fn classify(m: &str) -> Option<Form> {
    if let Some(op) = AluOp::ALL.iter().find(|op| {
        m.strip_prefix(alu_name(**op))
            .and_then(width_suffix)
            .is_some()
    }) {
        let w = width_suffix(&m[alu_name(*op).len()..])?;
        return Some(Form::Alu(w, *op));
    }
    if let Some(c) = JmpCond::ALL.iter().find(|c| {
        m.strip_prefix(jmp_name(**c))
            .and_then(width_suffix)
            .is_some()
    }) {
        let w = width_suffix(&m[jmp_name(*c).len()..])?;
        return Some(Form::Jmp(w, *c));
    }
    if let Some(rest) = m.strip_prefix("neg") {
        return width_suffix(rest).map(Form::Neg);
    }
    let bits = |s: &str| match s {
        "16" => Some(16u8),
        "32" => Some(32),
        "64" => Some(64),
        _ => None,
    };
    for (prefix, kind) in [
        ("le", Endian::ToLe),
        ("be", Endian::ToBe),
        ("bswap", Endian::Swap),
        ("swap", Endian::Swap),
    ] {
        if let Some(b) = m.strip_prefix(prefix).and_then(bits) {
            return Some(Form::End(kind, b));
        }
    }
    if let Some(rest) = m.strip_prefix("movsx") {
        return match rest {
            "832" => Some(Form::MovSx(Width::W32, 8)),
            "1632" => Some(Form::MovSx(Width::W32, 16)),
            "864" => Some(Form::MovSx(Width::W64, 8)),
            "1664" => Some(Form::MovSx(Width::W64, 16)),
            "3264" => Some(Form::MovSx(Width::W64, 32)),
            _ => None,
        };
    }
    if let Some(rest) = m.strip_prefix("ldxs") {
        return mem_size(rest)
            .filter(|s| *s != MemSize::DW)
            .map(|s| Form::Load(s, true));
    }
    if let Some(rest) = m.strip_prefix("ldx") {
        return mem_size(rest).map(|s| Form::Load(s, false));
    }
    if let Some(rest) = m.strip_prefix("stx") {
        return mem_size(rest).map(Form::StoreReg);
    }
    if let Some(rest) = m.strip_prefix("ldabs") {
        return mem_size(rest)
            .filter(|s| *s != MemSize::DW)
            .map(Form::LdAbs);
    }
    if let Some(rest) = m.strip_prefix("ldind") {
        return mem_size(rest)
            .filter(|s| *s != MemSize::DW)
            .map(Form::LdInd);
    }
    if let Some(rest) = m.strip_prefix("st") {
        return mem_size(rest).map(Form::StoreImm);
    }
    Some(match m {
        "lddw" => Form::LdDw,
        "ja" => Form::Ja(false),
        "ja32" => Form::Ja(true),
        "call" => Form::Call,
        "callx" => Form::CallX,
        "exit" => Form::Exit,
        _ => return None,
    })
}

/// Number of top-level comma-separated operands left on the line.
fn operand_count(cur: &Cursor<'_>) -> usize {
    if cur.at_end() {
        return 0;
    }
    let mut n = 1;
    let mut depth = 0i32;
    let mut i = 0;
    while let Some(t) = cur.peek_at(i) {
        if t.is_punct("[") || t.is_punct("(") {
            depth += 1;
        } else if t.is_punct("]") || t.is_punct(")") {
            depth -= 1;
        } else if t.is_punct(",") && depth <= 0 {
            n += 1;
        }
        i += 1;
    }
    n
}

/// Parse one line: labels, then a directive or an instruction.
pub(crate) fn parse_line(cur: &mut Cursor<'_>, b: &mut Builder) -> Result<(), AsmError> {
    while let (Some(t), Some(c)) = (cur.peek().copied(), cur.peek_at(1)) {
        if t.kind == TokKind::Ident && c.is_punct(":") {
            b.label(t.text, cur.line(), t.col)?;
            cur.next();
            cur.next();
        } else {
            break;
        }
    }
    let Some(m) = cur.peek().copied() else {
        return Ok(());
    };
    if m.kind == TokKind::Ident && m.text.starts_with('.') {
        return super::directive(cur, b);
    }
    if m.kind != TokKind::Ident {
        return Err(cur.expected("an instruction mnemonic or a label"));
    }
    cur.next();
    if m.text == "lock" {
        return parse_lock(cur, b, m.col);
    }
    let Some(form) = classify(m.text) else {
        return Err(cur.error_at(&m, format!("unknown mnemonic `{}`", m.text)));
    };
    let (want, shape) = form.shape();
    let found = operand_count(cur);
    let call_with_keyword =
        matches!(form, Form::Call) && cur.peek().is_some_and(|t| t.is_ident("kfunc")) && found == 2;
    if found != want && !call_with_keyword {
        return Err(cur.error_at(
            &m,
            format!(
                "`{}` takes {want} operand{} ({shape}), found {found}",
                m.text,
                if want == 1 { "" } else { "s" }
            ),
        ));
    }
    let line = cur.line();
    match form {
        Form::Alu(width, op) => {
            let dst = cur.expect_percent_reg("a destination register %rN")?;
            comma(cur)?;
            let src = reg_or_imm(cur)?;
            b.push(
                Insn::Alu {
                    width,
                    op,
                    dst,
                    src,
                },
                line,
            );
        }
        Form::Neg(width) => {
            let dst = cur.expect_percent_reg("a register %rN")?;
            b.push(Insn::Neg { width, dst }, line);
        }
        Form::End(kind, bits) => {
            let dst = cur.expect_percent_reg("a register %rN")?;
            b.push(Insn::End { kind, bits, dst }, line);
        }
        Form::MovSx(width, bits) => {
            let dst = cur.expect_percent_reg("a destination register %rN")?;
            comma(cur)?;
            let src = cur.expect_percent_reg("a source register %rN")?;
            b.push(
                Insn::MovSx {
                    width,
                    bits,
                    dst,
                    src,
                },
                line,
            );
        }
        Form::Load(size, signed) => {
            let dst = cur.expect_percent_reg("a destination register %rN")?;
            comma(cur)?;
            let (src, off) = mem(cur)?;
            b.push(
                Insn::Load {
                    size,
                    signed,
                    dst,
                    src,
                    off,
                },
                line,
            );
        }
        Form::StoreImm(size) => {
            let (dst, off) = mem(cur)?;
            comma(cur)?;
            let v = cur.expect_imm32("an immediate")?;
            b.push(
                Insn::Store {
                    size,
                    dst,
                    off,
                    src: Operand::Imm(v),
                },
                line,
            );
        }
        Form::StoreReg(size) => {
            let (dst, off) = mem(cur)?;
            comma(cur)?;
            let src = cur.expect_percent_reg("a source register %rN")?;
            b.push(
                Insn::Store {
                    size,
                    dst,
                    off,
                    src: Operand::Reg(src),
                },
                line,
            );
        }
        Form::LdDw => {
            let dst = cur.expect_percent_reg("a destination register %rN")?;
            comma(cur)?;
            if !pseudo_ld_imm64(cur, b, dst)? {
                let imm = cur.expect_imm64("a 64-bit immediate")?;
                b.push(
                    Insn::LdImm64 {
                        dst,
                        src: LdImm64Src::Imm,
                        imm,
                    },
                    line,
                );
            }
        }
        Form::LdAbs(size) => {
            let imm = cur.expect_imm32("an immediate")?;
            b.push(Insn::LdAbs { size, imm }, line);
        }
        Form::LdInd(size) => {
            let src = cur.expect_percent_reg("a register %rN")?;
            comma(cur)?;
            let imm = cur.expect_imm32("an immediate")?;
            b.push(Insn::LdInd { size, src, imm }, line);
        }
        Form::Ja(long) => {
            let col = cur.col();
            let t = cur.expect_target("a label or offset")?;
            b.push_target(Insn::Ja { off: 0, long }, t, cur, col)?;
        }
        Form::Jmp(width, cond) => {
            let dst = cur.expect_percent_reg("a register %rN")?;
            comma(cur)?;
            let src = reg_or_imm(cur)?;
            comma(cur)?;
            let col = cur.col();
            let t = cur.expect_target("a label or offset")?;
            let insn = Insn::Jmp {
                width,
                cond,
                dst,
                src,
                off: 0,
            };
            b.push_target(insn, t, cur, col)?;
        }
        Form::Call => parse_call(cur, b)?,
        Form::CallX => {
            let reg = cur.expect_percent_reg("a register %rN")?;
            b.push(Insn::CallX { reg }, line);
        }
        Form::Exit => {
            let slot = b.push(Insn::Exit, line);
            b.first_exit.get_or_insert(slot);
        }
    }
    cur.expect_end(&format!("`{}`", m.text))
}

fn comma(cur: &mut Cursor<'_>) -> Result<(), AsmError> {
    cur.expect_punct(",", "`,`").map(|_| ())
}

fn reg_or_imm(cur: &mut Cursor<'_>) -> Result<Operand, AsmError> {
    if cur.peek().is_some_and(|t| t.kind == TokKind::PercentIdent) {
        Ok(Operand::Reg(cur.expect_percent_reg("a register")?))
    } else {
        Ok(Operand::Imm(
            cur.expect_imm32("a register %rN or an immediate")?,
        ))
    }
}

/// `[%rN]`, `[%rN+OFF]`, `[%rN-OFF]`.
fn mem(cur: &mut Cursor<'_>) -> Result<(Reg, i16), AsmError> {
    cur.expect_punct("[", "a memory operand `[%rN+OFF]`")?;
    let r = cur.expect_percent_reg("a base register %rN")?;
    let off = if cur
        .peek()
        .is_some_and(|t| t.is_punct("+") || t.is_punct("-"))
    {
        let n = cur.expect_num("an offset")?;
        cur.off16(n)?
    } else {
        0
    };
    cur.expect_punct("]", "`]` or `+OFF`")?;
    Ok((r, off))
}

fn parse_call(cur: &mut Cursor<'_>, b: &mut Builder) -> Result<(), AsmError> {
    let line = cur.line();
    let Some(t) = cur.peek().copied() else {
        return Err(cur.expected("a helper id or name, %rN, `local LABEL` or `kfunc ID`"));
    };
    match t.kind {
        TokKind::PercentIdent => {
            let reg = cur.expect_percent_reg("a register")?;
            b.push(Insn::CallX { reg }, line);
        }
        TokKind::Ident if t.text == "local" => {
            cur.next();
            let col = cur.col();
            let target = cur.expect_target("a label or offset after `call local`")?;
            b.push_target(Insn::Call(CallTarget::Local(0)), target, cur, col)?;
        }
        TokKind::Ident if t.text == "kfunc" => {
            cur.next();
            let btf_id = cur.expect_imm32("a BTF id after `call kfunc`")?;
            let off = if cur.eat_punct(",") {
                let n = cur.expect_num("a BTF object offset")?;
                cur.off16(n)?
            } else {
                0
            };
            b.push(Insn::Call(CallTarget::Kfunc { btf_id, off }), line);
        }
        TokKind::Ident => {
            cur.next();
            let id = crate::helpers::id(t.text).ok_or_else(|| {
                cur.error_at(
                    &t,
                    format!(
                        "unknown helper `{}` (expected a helper name, an id, %rN, `local LABEL` or `kfunc ID`)",
                        t.text
                    ),
                )
            })?;
            b.push(Insn::Call(CallTarget::Helper(id)), line);
        }
        _ => {
            let id = cur.expect_imm32("a helper id")?;
            b.push(Insn::Call(CallTarget::Helper(id)), line);
        }
    }
    Ok(())
}

/// `lock [fetch] OP[32] [%rD+OFF], %rS`.
fn parse_lock(cur: &mut Cursor<'_>, b: &mut Builder, col: u32) -> Result<(), AsmError> {
    let line = cur.line();
    let what = "an atomic operation after `lock` (add, or, and, xor, xchg or cmpxchg, with an optional `fetch` before and `32` after)";
    let fetch_kw = cur.eat_ident("fetch");
    let Some(op_tok) = cur.peek().copied().filter(|t| t.kind == TokKind::Ident) else {
        return Err(cur.expected(what));
    };
    let (name, rest) = op_tok
        .text
        .find(|c: char| c.is_ascii_digit())
        .map_or((op_tok.text, ""), |i| op_tok.text.split_at(i));
    let size = match rest {
        "" | "64" => MemSize::DW,
        "32" => MemSize::W,
        _ => return Err(cur.expected(what)),
    };
    let (op, fetch) = match name {
        "add" => (AtomicOp::Add, fetch_kw),
        "or" => (AtomicOp::Or, fetch_kw),
        "and" => (AtomicOp::And, fetch_kw),
        "xor" => (AtomicOp::Xor, fetch_kw),
        "xchg" => (AtomicOp::Xchg, true),
        "cmpxchg" => (AtomicOp::CmpXchg, true),
        _ => return Err(cur.expected(what)),
    };
    cur.next();
    let found = operand_count(cur);
    if found != 2 {
        return Err(cur.error_col(
            col,
            format!("`lock` takes 2 operands ([%rD+OFF], %rS), found {found}"),
        ));
    }
    let (dst, off) = mem(cur)?;
    comma(cur)?;
    let src = cur.expect_percent_reg("a source register %rN")?;
    b.push(
        Insn::Atomic {
            size,
            op,
            fetch,
            dst,
            src,
            off,
        },
        line,
    );
    cur.expect_end("the atomic instruction")
}
