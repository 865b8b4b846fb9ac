//! The bpf_conformance `.data` test format: `-- asm`, `-- raw`, `-- mem`, `-- result`, `-- error`.
//!
//! Parsing a file only splits it into its sections and checks the hex; assembling `-- asm` is
//! the assembler's job ([`crate::asm`]). Line numbers are kept so that assembly errors can point
//! at `file:line:col` of the `.data` file itself.

use std::fmt;

/// One conformance test case.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TestCase {
    /// The `-- asm` section, verbatim.
    pub asm: Option<String>,
    /// 1-based line number in the file of the first line of `asm`.
    pub asm_first_line: u32,
    /// The `-- raw` section as 64-bit words (first byte of the slot is the most significant
    /// hex digit pair, as in the upstream files: `b7 00 00 00 ...` or `0x000000b7...`).
    pub raw: Option<Vec<u8>>,
    /// The `-- mem` bytes.
    pub mem: Vec<u8>,
    /// The expected r0 from `-- result`.
    pub result: Option<u64>,
    /// `-- error` present: the program must be rejected; its text, if any.
    pub error: Option<String>,
}

/// A malformed `.data` file: 1-based line and what was wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub col: u32,
    /// What was expected.
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.col, self.message)
    }
}

impl std::error::Error for ParseError {}

/// Parse an integer written as decimal, `0x` hex, with an optional leading `-`.
pub fn parse_int(s: &str) -> Option<i128> {
    let s = s.trim();
    let (neg, body) = match s.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let v = if let Some(h) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        if h.is_empty() || h.len() > 32 {
            return None;
        }
        u128::from_str_radix(h, 16).ok()? as i128
    } else {
        if body.is_empty() || body.len() > 38 || !body.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        body.parse::<i128>().ok()?
    };
    Some(if neg { -v } else { v })
}

/// Parse the text of a `.data` file.
pub fn parse(text: &str) -> Result<TestCase, ParseError> {
    let mut case = TestCase::default();
    let mut section: Option<&str> = None;
    let mut asm = String::new();
    let mut have_asm = false;
    let mut raw = Vec::new();
    let mut have_raw = false;
    let mut error_text = String::new();
    let mut have_error = false;
    let mut result_text: Option<(u32, String)> = None;
    for (i, line) in text.lines().enumerate() {
        let lineno = i as u32 + 1;
        if let Some(name) = line.strip_prefix("-- ") {
            let name = name.trim();
            section = Some(match name {
                "asm" => {
                    have_asm = true;
                    case.asm_first_line = lineno + 1;
                    "asm"
                }
                "raw" => {
                    have_raw = true;
                    "raw"
                }
                "mem" => "mem",
                "result" => "result",
                "error" => {
                    have_error = true;
                    "error"
                }
                _ => "ignored",
            });
            continue;
        }
        match section {
            None => {
                let t = line.trim();
                if !t.is_empty() && !t.starts_with('#') {
                    return Err(ParseError {
                        line: lineno,
                        col: 1,
                        message: format!("expected a `-- SECTION` header, found `{t}`"),
                    });
                }
            }
            Some("asm") => {
                asm.push_str(line);
                asm.push('\n');
            }
            Some("raw") => {
                let t = strip_comment(line);
                if t.is_empty() {
                    continue;
                }
                let word = parse_raw_word(t).ok_or_else(|| ParseError {
                    line: lineno,
                    col: 1,
                    message: format!("expected an instruction as 8 hex bytes, found `{t}`"),
                })?;
                raw.extend_from_slice(&word);
            }
            Some("mem") => {
                let t = strip_comment(line);
                for (col, tok) in tokens_with_cols(line, t) {
                    let b = u8::from_str_radix(tok, 16).map_err(|_| ParseError {
                        line: lineno,
                        col,
                        message: format!("expected a hex byte in `-- mem`, found `{tok}`"),
                    })?;
                    if tok.len() > 2 {
                        return Err(ParseError {
                            line: lineno,
                            col,
                            message: format!("expected a hex byte in `-- mem`, found `{tok}`"),
                        });
                    }
                    case.mem.push(b);
                }
            }
            Some("result") => {
                let t = strip_comment(line);
                if !t.is_empty() && result_text.is_none() {
                    result_text = Some((lineno, t.to_string()));
                }
            }
            Some("error") => {
                error_text.push_str(line);
                error_text.push('\n');
            }
            _ => {}
        }
    }
    if have_asm {
        case.asm = Some(asm);
    }
    if have_raw {
        case.raw = Some(raw);
    }
    if have_error {
        case.error = Some(error_text.trim().to_string());
    }
    if let Some((line, t)) = result_text {
        let v = parse_int(&t).ok_or_else(|| ParseError {
            line,
            col: 1,
            message: format!("expected the result as a hex or decimal number, found `{t}`"),
        })?;
        case.result = Some(v as u64);
    }
    Ok(case)
}

fn strip_comment(line: &str) -> &str {
    line.split('#').next().unwrap_or("").trim()
}

fn tokens_with_cols<'a>(line: &'a str, t: &'a str) -> impl Iterator<Item = (u32, &'a str)> + 'a {
    let base = line.find(t).unwrap_or(0);
    t.split_whitespace().map(move |tok| {
        let off = tok.as_ptr() as usize - t.as_ptr() as usize;
        ((base + off) as u32 + 1, tok)
    })
}

/// One `-- raw` line: either 8 space-separated hex bytes in memory order, or one `0x` 64-bit
/// word whose least significant byte is the first byte in memory.
fn parse_raw_word(t: &str) -> Option<[u8; 8]> {
    let toks: Vec<&str> = t.split_whitespace().collect();
    if toks.len() == 8 {
        let mut out = [0u8; 8];
        for (o, tok) in out.iter_mut().zip(&toks) {
            if tok.len() > 2 {
                return None;
            }
            *o = u8::from_str_radix(tok, 16).ok()?;
        }
        return Some(out);
    }
    if toks.len() == 1 {
        let h = toks[0].strip_prefix("0x").unwrap_or(toks[0]);
        let w = u64::from_str_radix(h, 16).ok()?;
        return Some(w.to_le_bytes());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections() {
        let c = parse(
            "# c\n-- asm\nmov %r0, 1\nexit\n-- mem\naa bb\n-- result\n0x1\n-- no register offset\nx\n",
        )
        .unwrap();
        assert_eq!(c.asm.as_deref(), Some("mov %r0, 1\nexit\n"));
        assert_eq!(c.asm_first_line, 3);
        assert_eq!(c.mem, vec![0xaa, 0xbb]);
        assert_eq!(c.result, Some(1));
        let c = parse("-- raw\n07 00 01 00 01 00 00 00\n-- error\n").unwrap();
        assert_eq!(c.raw.unwrap().len(), 8);
        assert_eq!(c.error.as_deref(), Some(""));
        assert_eq!(parse("-- mem\nzz\n").unwrap_err().line, 2);
        assert_eq!(parse_int("-3"), Some(-3));
        assert_eq!(parse_int("0x10"), Some(16));
        assert_eq!(parse_int("1x"), None);
    }
}
