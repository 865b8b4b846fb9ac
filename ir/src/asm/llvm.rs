//! The kernel/LLVM syntax front-end: what `llvm-objdump -d` prints and what people write.
//!
//! | form | instruction |
//! |---|---|
//! | `r1 += r2`, `w1 s/= 3`, `r1 s>>= 2`, `r1 = r2`, `w1 = 5` | ALU64 / ALU (`w` registers select 32 bits) |
//! | `r1 = -r1`, `r1 = (s8)r2`, `r1 = be16 r1`, `r1 = bswap64 r1` | neg, movsx, byte order |
//! | `r0 = *(u32 *)(r1 + 4)`, `r0 = *(s16 *)(r1 + 2)` | load, sign-extending load |
//! | `*(u16 *)(r10 - 8) = r1`, `*(u32 *)(r10 - 8) = 5` | store register / immediate |
//! | `lock *(u64 *)(r10 - 8) += r1` (also `\|=`, `&=`, `^=`) | atomic without fetch |
//! | `r0 = atomic_fetch_add((u64 *)(r10 - 8), r0)` (add, or, and, xor; `w` and `u32` for 32 bits) | atomic fetch |
//! | `r0 = xchg_64(r10 - 8, r0)`, `w0 = xchg32_32(r10 - 8, w0)` | exchange |
//! | `r0 = cmpxchg_64(r10 - 8, r0, r1)`, `w0 = cmpxchg32_32(r10 - 8, w0, w1)` | compare and exchange |
//! | `r1 = 0x123 ll`, `r1 = map[name] ll`, `r1 = map_value[name] + 8` | LD_IMM64 (see the parent module) |
//! | `r0 = *(u8 *)skb[14]`, `r0 = *(u16 *)skb[r1 + 2]` | legacy packet loads |
//! | `if r1 > 0x10 goto +3`, `if w1 s< w2 goto LABEL`, `goto L`, `gotol +N` | jumps |
//! | `call bpf_map_lookup_elem`, `call 1`, `call FUNC`, `call local +N`, `call kfunc ID`, `callx r1` | calls |
//! | `exit` | return |
//!
//! `call NAME` is a local call when the program defines the label `NAME`, else a helper call by
//! name. A bare number after `call` is always a helper id.

use super::builder::{pseudo_ld_imm64, Builder};
use super::cursor::{parse_reg, Cursor};
use super::lexer::{TokKind, Token};
use super::AsmError;
use crate::insn::*;

/// A register as written: number and width (`r` = 64, `w` = 32).
#[derive(Clone, Copy)]
struct WReg {
    reg: Reg,
    width: Width,
    col: u32,
}

fn as_reg(t: &Token<'_>) -> Option<(Reg, Width)> {
    if t.kind != TokKind::Ident {
        return None;
    }
    if let Some(r) = parse_reg(t.text) {
        return Some((r, Width::W64));
    }
    let rest = t.text.strip_prefix('w')?;
    parse_reg(&format!("r{rest}")).map(|r| (r, Width::W32))
}

/// `r` or `w` followed by digits: meant as a register even when out of range.
fn looks_like_reg(s: &str) -> bool {
    (s.starts_with('r') || s.starts_with('w'))
        && s.len() > 1
        && s[1..].bytes().all(|b| b.is_ascii_digit())
}

/// Whether the token is (or is clearly meant as) a register.
fn is_reg_tok(t: Option<&Token<'_>>) -> bool {
    t.is_some_and(|t| as_reg(t).is_some() || (t.kind == TokKind::Ident && looks_like_reg(t.text)))
}

fn expect_reg(cur: &mut Cursor<'_>, what: &str) -> Result<WReg, AsmError> {
    match cur.peek().copied() {
        Some(t) => match as_reg(&t) {
            Some((reg, width)) => {
                cur.next();
                Ok(WReg {
                    reg,
                    width,
                    col: t.col,
                })
            }
            None if t.kind == TokKind::Ident && looks_like_reg(t.text) => Err(cur.error_at(
                &t,
                format!("invalid register `{}`: expected r0..r10 or w0..w10", t.text),
            )),
            None => Err(cur.expected(what)),
        },
        None => Err(cur.expected(what)),
    }
}

/// A register of the given width (`w` for 32-bit operations).
fn expect_reg_of(cur: &mut Cursor<'_>, width: Width, what: &str) -> Result<Reg, AsmError> {
    let r = expect_reg(cur, what)?;
    if r.width != width {
        let want = if width == Width::W32 { 'w' } else { 'r' };
        return Err(cur.error_col(
            r.col,
            format!("expected a `{want}` register: both operands must have the same width"),
        ));
    }
    Ok(r.reg)
}

fn mem_size(cur: &mut Cursor<'_>) -> Result<(MemSize, bool), AsmError> {
    let t = cur.expect_ident("a type (u8, u16, u32, u64, s8, s16, s32)")?;
    Ok(match t.text {
        "u8" => (MemSize::B, false),
        "u16" => (MemSize::H, false),
        "u32" => (MemSize::W, false),
        "u64" => (MemSize::DW, false),
        "s8" => (MemSize::B, true),
        "s16" => (MemSize::H, true),
        "s32" => (MemSize::W, true),
        other => {
            return Err(cur.error_at(
                &t,
                format!("unknown type `{other}` (expected u8, u16, u32, u64, s8, s16 or s32)"),
            ))
        }
    })
}

/// `REG`, `REG + OFF`, `REG - OFF` (inside parentheses or a call's argument list).
fn address(cur: &mut Cursor<'_>) -> Result<(Reg, i16), AsmError> {
    let r = expect_reg_of(cur, Width::W64, "a base register r0..r10")?;
    let off = if cur
        .peek()
        .is_some_and(|t| t.is_punct("+") || t.is_punct("-"))
    {
        let n = cur.expect_num("an offset")?;
        cur.off16(n)?
    } else {
        0
    };
    Ok((r, off))
}

/// `(TY *)(REG + OFF)` after the leading `*` or inside `atomic_fetch_op(`.
fn typed_address(cur: &mut Cursor<'_>) -> Result<(MemSize, bool, Reg, i16), AsmError> {
    cur.expect_punct("(", "`(` and a type, as in `*(u32 *)(r1 + 4)`")?;
    let (size, signed) = mem_size(cur)?;
    cur.expect_punct("*", "`*`")?;
    cur.expect_punct(")", "`)`")?;
    cur.expect_punct("(", "`(` and an address, as in `(r1 + 4)`")?;
    let (r, off) = address(cur)?;
    cur.expect_punct(")", "`)` or `+ OFF`")?;
    Ok((size, signed, r, off))
}

/// Parse one line: labels, then a directive or an instruction.
pub(crate) fn parse_line(cur: &mut Cursor<'_>, b: &mut Builder) -> Result<(), AsmError> {
    while let (Some(t), Some(c)) = (cur.peek().copied(), cur.peek_at(1)) {
        if t.kind == TokKind::Ident && c.is_punct(":") && as_reg(&t).is_none() {
            b.label(t.text, cur.line(), t.col)?;
            cur.next();
            cur.next();
        } else {
            break;
        }
    }
    let Some(first) = cur.peek().copied() else {
        return Ok(());
    };
    if first.kind == TokKind::Ident && first.text.starts_with('.') {
        return super::directive(cur, b);
    }
    let line = cur.line();
    if let Some((reg, width)) = as_reg(&first) {
        cur.next();
        let dst = WReg {
            reg,
            width,
            col: first.col,
        };
        register_statement(cur, b, dst)?;
        return cur.expect_end("the instruction");
    }
    if first.is_punct("*") {
        cur.next();
        let (size, signed, dst, off) = typed_address(cur)?;
        if signed {
            return Err(cur.error_col(first.col, "stores take an unsigned type (u8..u64)"));
        }
        cur.expect_punct("=", "`=`")?;
        let src = if is_reg_tok(cur.peek()) {
            Operand::Reg(expect_reg(cur, "a register")?.reg)
        } else {
            Operand::Imm(cur.expect_imm32("a register or an immediate")?)
        };
        b.push(
            Insn::Store {
                size,
                dst,
                off,
                src,
            },
            line,
        );
        return cur.expect_end("the store");
    }
    if first.kind != TokKind::Ident {
        return Err(cur.expected("an instruction"));
    }
    if looks_like_reg(first.text) {
        return Err(cur.error_at(
            &first,
            format!(
                "invalid register `{}`: expected r0..r10 or w0..w10",
                first.text
            ),
        ));
    }
    cur.next();
    match first.text {
        "exit" => {
            b.push(Insn::Exit, line);
        }
        "goto" | "gotol" | "ja" => {
            let long = first.text == "gotol";
            let col = cur.col();
            let t = cur.expect_target("a label or offset")?;
            b.push_target(Insn::Ja { off: 0, long }, t, cur, col)?;
        }
        "if" => {
            let d = expect_reg(cur, "a register after `if`")?;
            let cond = condition(cur)?;
            let src = if is_reg_tok(cur.peek()) {
                Operand::Reg(expect_reg_of(cur, d.width, "a register")?)
            } else {
                Operand::Imm(cur.expect_imm32("a register or an immediate")?)
            };
            cur.expect_keyword("goto", "`goto`")?;
            let col = cur.col();
            let t = cur.expect_target("a label or offset after `goto`")?;
            let insn = Insn::Jmp {
                width: d.width,
                cond,
                dst: d.reg,
                src,
                off: 0,
            };
            b.push_target(insn, t, cur, col)?;
        }
        "call" => call(cur, b)?,
        "callx" => {
            let r = expect_reg_of(cur, Width::W64, "a register")?;
            b.push(Insn::CallX { reg: r }, line);
        }
        "lock" => {
            cur.expect_punct("*", "`*(TYPE *)(ADDR)` after `lock`")?;
            let (size, signed, dst, off) = typed_address(cur)?;
            if signed || !matches!(size, MemSize::W | MemSize::DW) {
                return Err(cur.error_col(first.col, "atomic operations take u32 or u64"));
            }
            let op_tok = cur.next();
            let op = match op_tok.map(|t| t.text) {
                Some("+=") => AtomicOp::Add,
                Some("|=") => AtomicOp::Or,
                Some("&=") => AtomicOp::And,
                Some("^=") => AtomicOp::Xor,
                _ => {
                    let col = op_tok.map_or(cur.col(), |t| t.col);
                    return Err(cur.error_col(col, "expected `+=`, `|=`, `&=` or `^=` after the address"));
                }
            };
            let src = expect_reg(cur, "a register")?.reg;
            b.push(
                Insn::Atomic {
                    size,
                    op,
                    fetch: false,
                    dst,
                    src,
                    off,
                },
                line,
            );
        }
        other => {
            return Err(cur.error_at(
                &first,
                format!("unknown instruction `{other}` (expected a register, `*(`, if, goto, gotol, call, callx, lock, exit or a directive)"),
            ))
        }
    }
    cur.expect_end(&format!("`{}`", first.text))
}

fn condition(cur: &mut Cursor<'_>) -> Result<JmpCond, AsmError> {
    let col = cur.col();
    let signed = cur.eat_ident("s");
    let t = cur.next();
    let cond = match (signed, t.map(|t| t.text)) {
        (false, Some("==")) => JmpCond::Eq,
        (false, Some("!=")) => JmpCond::Ne,
        (false, Some(">")) => JmpCond::Gt,
        (false, Some(">=")) => JmpCond::Ge,
        (false, Some("<")) => JmpCond::Lt,
        (false, Some("<=")) => JmpCond::Le,
        (false, Some("&")) => JmpCond::Set,
        (true, Some(">")) => JmpCond::Sgt,
        (true, Some(">=")) => JmpCond::Sge,
        (true, Some("<")) => JmpCond::Slt,
        (true, Some("<=")) => JmpCond::Sle,
        _ => {
            return Err(cur.error_col(
                col,
                "expected a comparison (==, !=, >, >=, <, <=, &, s>, s>=, s<, s<=)",
            ))
        }
    };
    Ok(cond)
}

fn call(cur: &mut Cursor<'_>, b: &mut Builder) -> Result<(), AsmError> {
    let line = cur.line();
    match cur.peek().copied() {
        Some(t) if t.is_ident("local") => {
            cur.next();
            let col = cur.col();
            let target = cur.expect_target("a label or offset after `call local`")?;
            b.push_target(Insn::Call(CallTarget::Local(0)), target, cur, col)?;
        }
        Some(t) if t.is_ident("kfunc") => {
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
        Some(t) if t.kind == TokKind::Ident => {
            cur.next();
            b.push_call_by_name(t.text, crate::helpers::id(t.text), line, t.col);
        }
        _ => {
            let id =
                cur.expect_imm32("a helper name or id, a function label, `local` or `kfunc`")?;
            b.push(Insn::Call(CallTarget::Helper(id)), line);
        }
    }
    Ok(())
}

/// Everything that starts with a register: ALU, loads, LD_IMM64, atomics with a result.
fn register_statement(cur: &mut Cursor<'_>, b: &mut Builder, dst: WReg) -> Result<(), AsmError> {
    let line = cur.line();
    let width = dst.width;
    let col = cur.col();
    let signed = cur.peek().is_some_and(|t| t.is_ident("s"))
        && cur
            .peek_at(1)
            .is_some_and(|t| matches!(t.text, "/=" | "%=" | ">>="));
    if signed {
        cur.next();
    }
    let Some(op_tok) = cur.next() else {
        return Err(cur.expected("an assignment operator (=, +=, -=, ...)"));
    };
    let op = match (signed, op_tok.text) {
        (false, "=") => None,
        (false, "+=") => Some(AluOp::Add),
        (false, "-=") => Some(AluOp::Sub),
        (false, "*=") => Some(AluOp::Mul),
        (false, "/=") => Some(AluOp::Div),
        (true, "/=") => Some(AluOp::SDiv),
        (false, "%=") => Some(AluOp::Mod),
        (true, "%=") => Some(AluOp::SMod),
        (false, "|=") => Some(AluOp::Or),
        (false, "&=") => Some(AluOp::And),
        (false, "^=") => Some(AluOp::Xor),
        (false, "<<=") => Some(AluOp::Lsh),
        (false, ">>=") => Some(AluOp::Rsh),
        (true, ">>=") => Some(AluOp::Arsh),
        _ => {
            return Err(cur.error_col(
                col,
                format!(
                    "expected an assignment operator (=, +=, -=, *=, /=, s/=, %=, s%=, |=, &=, ^=, <<=, >>=, s>>=), found `{}`",
                    op_tok.text
                ),
            ))
        }
    };
    if let Some(op) = op {
        let src = if is_reg_tok(cur.peek()) {
            Operand::Reg(expect_reg_of(cur, width, "a register")?)
        } else {
            Operand::Imm(cur.expect_imm32("a register or an immediate")?)
        };
        b.push(
            Insn::Alu {
                width,
                op,
                dst: dst.reg,
                src,
            },
            line,
        );
        return Ok(());
    }
    // `dst = ...`
    let Some(next) = cur.peek().copied() else {
        return Err(cur.expected("a value after `=`"));
    };
    if is_reg_tok(Some(&next)) {
        let src = expect_reg_of(cur, width, "a register")?;
        b.push(
            Insn::Alu {
                width,
                op: AluOp::Mov,
                dst: dst.reg,
                src: Operand::Reg(src),
            },
            line,
        );
        return Ok(());
    }
    if next.is_punct("-") && is_reg_tok(cur.peek_at(1)) {
        cur.next();
        let r = expect_reg_of(cur, width, "a register")?;
        if r != dst.reg {
            let w = if width == Width::W32 { 'w' } else { 'r' };
            return Err(cur.error_col(
                next.col,
                format!(
                    "negation is in place: expected `{w}{0} = -{w}{0}`",
                    dst.reg.num()
                ),
            ));
        }
        b.push(
            Insn::Neg {
                width,
                dst: dst.reg,
            },
            line,
        );
        return Ok(());
    }
    if next.is_punct("(")
        && cur
            .peek_at(1)
            .is_some_and(|t| t.kind == TokKind::Ident && t.text.starts_with('s'))
    {
        // movsx: `r1 = (s8)r2`
        cur.next();
        let t = cur.expect_ident("s8, s16 or s32")?;
        let bits = match t.text {
            "s8" => 8,
            "s16" => 16,
            "s32" if width == Width::W64 => 32,
            _ => return Err(cur.error_at(&t, "expected s8, s16 or (64-bit only) s32")),
        };
        cur.expect_punct(")", "`)`")?;
        let src = expect_reg_of(cur, width, "a register")?;
        b.push(
            Insn::MovSx {
                width,
                bits,
                dst: dst.reg,
                src,
            },
            line,
        );
        return Ok(());
    }
    if next.kind == TokKind::Ident {
        for (prefix, kind) in [
            ("le", Endian::ToLe),
            ("be", Endian::ToBe),
            ("bswap", Endian::Swap),
        ] {
            let bits = next.text.strip_prefix(prefix).and_then(|b| match b {
                "16" => Some(16u8),
                "32" => Some(32),
                "64" => Some(64),
                _ => None,
            });
            if let Some(bits) = bits {
                cur.next();
                let r = expect_reg(cur, "a register")?;
                if r.reg != dst.reg {
                    return Err(cur.error_col(
                        r.col,
                        "byte swaps are in place: expected the same register on both sides",
                    ));
                }
                b.push(
                    Insn::End {
                        kind,
                        bits,
                        dst: dst.reg,
                    },
                    line,
                );
                return Ok(());
            }
        }
        if let Some(rest) = next.text.strip_prefix("atomic_fetch_") {
            cur.next();
            let op = match rest {
                "add" => AtomicOp::Add,
                "or" => AtomicOp::Or,
                "and" => AtomicOp::And,
                "xor" => AtomicOp::Xor,
                _ => {
                    return Err(cur.error_at(&next, "expected atomic_fetch_add, _or, _and or _xor"))
                }
            };
            cur.expect_punct("(", "`(`")?;
            let (size, _, base, off) = typed_address(cur)?;
            cur.expect_punct(",", "`,`")?;
            let src = expect_reg(cur, "a register")?;
            cur.expect_punct(")", "`)`")?;
            atomic_result(cur, b, dst, src, size, op, base, off)?;
            return Ok(());
        }
        let xchg = match next.text {
            "xchg_64" => Some((AtomicOp::Xchg, MemSize::DW)),
            "xchg32_32" => Some((AtomicOp::Xchg, MemSize::W)),
            "cmpxchg_64" => Some((AtomicOp::CmpXchg, MemSize::DW)),
            "cmpxchg32_32" => Some((AtomicOp::CmpXchg, MemSize::W)),
            _ => None,
        };
        if let Some((op, size)) = xchg {
            cur.next();
            cur.expect_punct("(", "`(`")?;
            let (base, off) = address(cur)?;
            cur.expect_punct(",", "`,`")?;
            if op == AtomicOp::CmpXchg {
                let r = expect_reg(cur, "r0 (the expected value)")?;
                if r.reg != Reg::R0 || dst.reg != Reg::R0 {
                    return Err(cur.error_col(
                        r.col,
                        "cmpxchg compares and returns r0: expected `r0 = cmpxchg_64(ADDR, r0, rS)`",
                    ));
                }
                cur.expect_punct(",", "`,`")?;
                let src = expect_reg(cur, "a register")?;
                cur.expect_punct(")", "`)`")?;
                b.push(
                    Insn::Atomic {
                        size,
                        op,
                        fetch: true,
                        dst: base,
                        src: src.reg,
                        off,
                    },
                    line,
                );
                return Ok(());
            }
            let src = expect_reg(cur, "a register")?;
            cur.expect_punct(")", "`)`")?;
            atomic_result(cur, b, dst, src, size, op, base, off)?;
            return Ok(());
        }
        if pseudo_ld_imm64(cur, b, dst.reg)? {
            cur.eat_ident("ll");
            return Ok(());
        }
    }
    if next.is_punct("*") {
        cur.next();
        if cur.peek().is_some_and(|t| t.is_punct("("))
            && cur.peek_at(4).is_some_and(|t| t.is_ident("skb"))
        {
            return packet_load(cur, b, dst);
        }
        let (size, signed, src, off) = typed_address(cur)?;
        b.push(
            Insn::Load {
                size,
                signed,
                dst: dst.reg,
                src,
                off,
            },
            line,
        );
        return Ok(());
    }
    // An immediate: `r1 = 5`, `w1 = -1`, `r1 = 0x1122334455667788 ll`.
    let n = cur.expect_num("a register, an immediate, `*(TYPE *)(ADDR)` or `-REG`")?;
    if cur.eat_ident("ll") {
        if width != Width::W64 {
            return Err(cur.error_col(dst.col, "a 64-bit immediate (`ll`) needs an `r` register"));
        }
        if n.value < i64::MIN as i128 || n.value > u64::MAX as i128 {
            return Err(cur.error_col(n.col, "immediate does not fit in 64 bits"));
        }
        b.push(
            Insn::LdImm64 {
                dst: dst.reg,
                src: LdImm64Src::Imm,
                imm: n.value as u64,
            },
            line,
        );
        return Ok(());
    }
    let v = cur.imm32(n)?;
    b.push(
        Insn::Alu {
            width,
            op: AluOp::Mov,
            dst: dst.reg,
            src: Operand::Imm(v),
        },
        line,
    );
    Ok(())
}

/// The result of a fetching atomic lands in its source register; check that and push.
#[allow(clippy::too_many_arguments)]
fn atomic_result(
    cur: &mut Cursor<'_>,
    b: &mut Builder,
    dst: WReg,
    src: WReg,
    size: MemSize,
    op: AtomicOp,
    base: Reg,
    off: i16,
) -> Result<(), AsmError> {
    if src.reg != dst.reg {
        return Err(cur.error_col(
            src.col,
            "the fetched value lands in the source register: expected the same register before `=` and as the last argument",
        ));
    }
    if !matches!(size, MemSize::W | MemSize::DW) {
        return Err(cur.error_col(dst.col, "atomic operations take u32 or u64"));
    }
    b.push(
        Insn::Atomic {
            size,
            op,
            fetch: true,
            dst: base,
            src: src.reg,
            off,
        },
        cur.line(),
    );
    Ok(())
}

/// `r0 = *(u8 *)skb[14]`, `r0 = *(u16 *)skb[r1]`, `r0 = *(u32 *)skb[r1 + 2]` (after the `*`).
fn packet_load(cur: &mut Cursor<'_>, b: &mut Builder, dst: WReg) -> Result<(), AsmError> {
    cur.expect_punct("(", "`(`")?;
    let (size, signed) = mem_size(cur)?;
    cur.expect_punct("*", "`*`")?;
    cur.expect_punct(")", "`)`")?;
    cur.expect_keyword("skb", "`skb`")?;
    if signed || size == MemSize::DW {
        return Err(cur.error_col(dst.col, "packet loads take u8, u16 or u32"));
    }
    if dst.reg != Reg::R0 {
        return Err(cur.error_col(dst.col, "packet loads (ld_abs/ld_ind) always write r0"));
    }
    cur.expect_punct("[", "`[`")?;
    let insn = if is_reg_tok(cur.peek()) {
        let src = expect_reg_of(cur, Width::W64, "a register")?;
        let imm = if cur
            .peek()
            .is_some_and(|t| t.is_punct("+") || t.is_punct("-"))
        {
            cur.expect_imm32("an offset")?
        } else {
            0
        };
        Insn::LdInd { size, src, imm }
    } else {
        Insn::LdAbs {
            size,
            imm: cur.expect_imm32("an offset or a register")?,
        }
    };
    cur.expect_punct("]", "`]`")?;
    b.push(insn, cur.line());
    Ok(())
}
