//! A cursor over one line's tokens with the checked readers both front-ends use: registers,
//! numbers with range checks, jump targets, memory operands, and errors that point at a token.

use super::lexer::{TokKind, Token};
use super::AsmError;
use crate::insn::Reg;

/// A jump or call target as written: a label or a slot offset.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Target {
    Label { name: String, col: u32 },
    Offset(i64),
}

/// A parsed integer literal: value (sign applied), whether it was hex, and its column.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Num {
    pub value: i128,
    pub hex: bool,
    pub col: u32,
}

impl Num {
    fn text(&self) -> String {
        if self.hex {
            if self.value < 0 {
                format!("-{:#x}", self.value.unsigned_abs())
            } else {
                format!("{:#x}", self.value)
            }
        } else {
            self.value.to_string()
        }
    }
}

pub(crate) struct Cursor<'a> {
    toks: Vec<Token<'a>>,
    pos: usize,
    line: u32,
    end_col: u32,
}

impl<'a> Cursor<'a> {
    pub fn new(toks: Vec<Token<'a>>, line: u32, text: &str) -> Cursor<'a> {
        let end_col = toks
            .last()
            .map_or(text.trim_end().chars().count() as u32 + 1, |t| t.end_col());
        Cursor {
            toks,
            pos: 0,
            line,
            end_col,
        }
    }

    pub fn line(&self) -> u32 {
        self.line
    }

    pub fn peek(&self) -> Option<&Token<'a>> {
        self.toks.get(self.pos)
    }

    pub fn peek_at(&self, n: usize) -> Option<&Token<'a>> {
        self.toks.get(self.pos + n)
    }

    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Option<Token<'a>> {
        let t = self.toks.get(self.pos).copied();
        if t.is_some() {
            self.pos += 1;
        }
        t
    }

    pub fn at_end(&self) -> bool {
        self.pos >= self.toks.len()
    }

    /// Column of the next token, or of the end of the line.
    pub fn col(&self) -> u32 {
        self.peek().map_or(self.end_col, |t| t.col)
    }

    pub fn error_at(&self, tok: &Token<'_>, message: impl Into<String>) -> AsmError {
        AsmError {
            line: self.line,
            col: tok.col,
            message: message.into(),
        }
    }

    pub fn error_col(&self, col: u32, message: impl Into<String>) -> AsmError {
        AsmError {
            line: self.line,
            col,
            message: message.into(),
        }
    }

    /// "expected WHAT, found `x`" at the next token (or the end of the line).
    pub fn expected(&self, what: &str) -> AsmError {
        let found = match self.peek() {
            Some(t) => describe(t),
            None => "end of line".to_string(),
        };
        self.error_col(self.col(), format!("expected {what}, found {found}"))
    }

    pub fn eat_punct(&mut self, p: &str) -> bool {
        if self.peek().is_some_and(|t| t.is_punct(p)) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    pub fn eat_ident(&mut self, s: &str) -> bool {
        if self.peek().is_some_and(|t| t.is_ident(s)) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    pub fn expect_punct(&mut self, p: &str, what: &str) -> Result<Token<'a>, AsmError> {
        match self.peek().copied() {
            Some(t) if t.is_punct(p) => {
                self.pos += 1;
                Ok(t)
            }
            _ => Err(self.expected(what)),
        }
    }

    pub fn expect_keyword(&mut self, s: &str, what: &str) -> Result<Token<'a>, AsmError> {
        match self.peek().copied() {
            Some(t) if t.is_ident(s) => {
                self.pos += 1;
                Ok(t)
            }
            _ => Err(self.expected(what)),
        }
    }

    pub fn expect_ident(&mut self, what: &str) -> Result<Token<'a>, AsmError> {
        match self.peek().copied() {
            Some(t) if t.kind == TokKind::Ident => {
                self.pos += 1;
                Ok(t)
            }
            _ => Err(self.expected(what)),
        }
    }

    /// An identifier or a number, as text (section names like `xdp`, `tc/ingress` are split by
    /// the lexer, so this glues adjacent tokens up to white space).
    pub fn expect_word(&mut self, what: &str) -> Result<String, AsmError> {
        let Some(first) = self.peek().copied() else {
            return Err(self.expected(what));
        };
        if matches!(first.kind, TokKind::Str) {
            self.next();
            return Ok(unquote(first.text));
        }
        if !matches!(first.kind, TokKind::Ident | TokKind::Number) {
            return Err(self.expected(what));
        }
        let mut s = String::new();
        let mut end = first.col;
        while let Some(t) = self.peek().copied() {
            if t.col != end || t.is_punct(",") {
                break;
            }
            s.push_str(t.text);
            end = t.end_col();
            self.next();
        }
        Ok(s)
    }

    pub fn expect_string(&mut self, what: &str) -> Result<String, AsmError> {
        match self.peek().copied() {
            Some(t) if t.kind == TokKind::Str => {
                self.next();
                Ok(unquote(t.text))
            }
            Some(t) if t.kind == TokKind::UnterminatedStr => {
                Err(self.error_at(&t, "unterminated string: expected a closing `\"`"))
            }
            _ => Err(self.expected(what)),
        }
    }

    pub fn expect_end(&mut self, after: &str) -> Result<(), AsmError> {
        match self.peek() {
            None => Ok(()),
            Some(t) => Err(self.error_at(
                t,
                format!("expected end of line after {after}, found {}", describe(t)),
            )),
        }
    }

    /// A conformance register `%rN`.
    pub fn expect_percent_reg(&mut self, what: &str) -> Result<Reg, AsmError> {
        match self.peek().copied() {
            Some(t) if t.kind == TokKind::PercentIdent => {
                self.next();
                parse_reg(&t.text[1..]).ok_or_else(|| {
                    self.error_at(
                        &t,
                        format!("invalid register `{}`: expected %r0..%r10", t.text),
                    )
                })
            }
            _ => Err(self.expected(what)),
        }
    }

    /// An integer literal with an optional sign (`-8`, `+0x10`).
    pub fn expect_num(&mut self, what: &str) -> Result<Num, AsmError> {
        let col = self.col();
        let neg = if self.eat_punct("-") {
            true
        } else {
            self.eat_punct("+");
            false
        };
        match self.peek().copied() {
            Some(t) if t.kind == TokKind::Number => {
                self.next();
                let (v, hex) = parse_number(t.text)
                    .ok_or_else(|| self.error_at(&t, format!("invalid number `{}`", t.text)))?;
                Ok(Num {
                    value: if neg { -v } else { v },
                    hex,
                    col,
                })
            }
            _ => Err(self.expected(what)),
        }
    }

    /// A 32-bit immediate: decimal in i32 range, or hex up to 0xffffffff (taken as its bits).
    pub fn expect_imm32(&mut self, what: &str) -> Result<i32, AsmError> {
        let n = self.expect_num(what)?;
        self.imm32(n)
    }

    pub fn imm32(&self, n: Num) -> Result<i32, AsmError> {
        if let Ok(v) = i32::try_from(n.value) {
            return Ok(v);
        }
        if n.hex && n.value >= 0 && n.value <= u32::MAX as i128 {
            return Ok(n.value as u32 as i32);
        }
        Err(self.error_col(
            n.col,
            format!(
                "immediate {} does not fit in 32 bits (expected -2147483648..=2147483647 or 0x0..=0xffffffff)",
                n.text()
            ),
        ))
    }

    /// A 64-bit immediate: -2^63 ..= 2^64-1, kept as its bits.
    pub fn expect_imm64(&mut self, what: &str) -> Result<u64, AsmError> {
        let n = self.expect_num(what)?;
        if n.value >= i64::MIN as i128 && n.value <= u64::MAX as i128 {
            Ok(n.value as u64)
        } else {
            Err(self.error_col(
                n.col,
                format!(
                    "immediate {} does not fit in 64 bits (expected -9223372036854775808..=0xffffffffffffffff)",
                    n.text()
                ),
            ))
        }
    }

    /// A 16-bit signed offset.
    pub fn off16(&self, n: Num) -> Result<i16, AsmError> {
        i16::try_from(n.value).map_err(|_| {
            self.error_col(
                n.col,
                format!(
                    "offset {} does not fit in 16 bits (expected -32768..=32767)",
                    n.text()
                ),
            )
        })
    }

    pub fn expect_u32(&mut self, what: &str) -> Result<u32, AsmError> {
        let n = self.expect_num(what)?;
        u32::try_from(n.value).map_err(|_| {
            self.error_col(
                n.col,
                format!("{} is out of range (expected 0..=4294967295)", n.text()),
            )
        })
    }

    /// A jump/call target: a label or a signed offset.
    pub fn expect_target(&mut self, what: &str) -> Result<Target, AsmError> {
        match self.peek().copied() {
            Some(t) if t.kind == TokKind::Ident => {
                self.next();
                Ok(Target::Label {
                    name: t.text.to_string(),
                    col: t.col,
                })
            }
            Some(t) if t.kind == TokKind::Number || t.is_punct("+") || t.is_punct("-") => {
                let n = self.expect_num(what)?;
                let v = i64::try_from(n.value).map_err(|_| {
                    self.error_col(n.col, format!("jump offset {} is out of range", n.text()))
                })?;
                Ok(Target::Offset(v))
            }
            _ => Err(self.expected(what)),
        }
    }
}

/// `r0`..`r10` (without `%`).
pub(crate) fn parse_reg(s: &str) -> Option<Reg> {
    let n = s.strip_prefix('r')?;
    if n.is_empty() || n.len() > 2 || !n.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if n.len() == 2 && n.starts_with('0') {
        return None;
    }
    Reg::new(n.parse().ok()?)
}

/// Decimal or `0x` hex digits; returns the value and whether it was hex.
pub(crate) fn parse_number(s: &str) -> Option<(i128, bool)> {
    if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        if h.is_empty() || h.len() > 30 {
            return None;
        }
        return Some((i128::from_str_radix(h, 16).ok()?, true));
    }
    if s.is_empty() || s.len() > 30 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((s.parse().ok()?, false))
}

fn unquote(s: &str) -> String {
    let inner = s.strip_prefix('"').unwrap_or(s);
    let inner = inner.strip_suffix('"').unwrap_or(inner);
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('0') => out.push('\0'),
                Some(o) => out.push(o),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// How a token is named in messages.
pub(crate) fn describe(t: &Token<'_>) -> String {
    match t.kind {
        TokKind::Invalid => format!("unexpected character `{}`", t.text),
        TokKind::UnterminatedStr => "an unterminated string".to_string(),
        _ => format!("`{}`", t.text),
    }
}
