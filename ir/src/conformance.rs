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
    /// The file `-- asm @ FILE` linked, when the assembly came from one (`asm_first_line` then
    /// counts in that file).
    pub asm_file: Option<String>,
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

/// Parse the text of a `.data` file that links no other file (a `-- NAME @ FILE` header is
/// an error naming the link; see [`parse_linked`]).
pub fn parse(text: &str) -> Result<TestCase, ParseError> {
    parse_linked(text, &mut |path| {
        Err(format!(
            "`{path}`: linked sections need the file's directory to be read"
        ))
    })
}

/// One line to parse: the file it came from (`None`: the `.data` file itself), its 1-based
/// number there, and its text.
type SourceLine<'a> = (Option<&'a str>, u32, &'a str);

/// Parse the text of a `.data` file in ubpf's format, where a section may live in another file:
/// `-- asm @ prog.asm`, `-- mem @ packet.hex` (the path as written, relative to the `.data`
/// file). `read` returns a linked file's text or why it cannot; this crate does no I/O. Errors
/// inside a linked file name it and count lines in it.
pub fn parse_linked(
    text: &str,
    read: &mut dyn FnMut(&str) -> Result<String, String>,
) -> Result<TestCase, ParseError> {
    // Expand the links first: a header `-- NAME @ PATH` becomes `-- NAME` followed by the
    // linked file's lines.
    let mut linked: Vec<(String, String)> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let Some(header) = line.strip_prefix("-- ") else {
            continue;
        };
        let Some((_, path)) = header.split_once('@') else {
            continue;
        };
        let path = path.trim().to_string();
        let body = read(&path).map_err(|why| ParseError {
            line: i as u32 + 1,
            col: line.find('@').map_or(1, |c| c as u32 + 2),
            message: format!("cannot read the linked file: {why}"),
        })?;
        linked.push((path, body));
    }
    let mut lines: Vec<SourceLine> = Vec::new();
    let mut link = linked.iter();
    for (i, line) in text.lines().enumerate() {
        let is_link = line.starts_with("-- ") && line.contains('@');
        if !is_link {
            lines.push((None, i as u32 + 1, line));
            continue;
        }
        let header = line.split('@').next().unwrap_or(line).trim_end();
        lines.push((None, i as u32 + 1, header));
        if let Some((path, body)) = link.next() {
            for (j, l) in body.lines().enumerate() {
                lines.push((Some(path.as_str()), j as u32 + 1, l));
            }
        }
    }
    parse_lines(&lines)
}

fn parse_lines(lines: &[SourceLine]) -> Result<TestCase, ParseError> {
    let in_file = |file: Option<&str>, e: ParseError| match file {
        None => e,
        Some(f) => ParseError {
            message: format!("in linked file {f}, line {}: {}", e.line, e.message),
            ..e
        },
    };
    let mut case = TestCase::default();
    let mut section: Option<&str> = None;
    let mut asm = String::new();
    let mut have_asm = false;
    let mut raw = Vec::new();
    let mut have_raw = false;
    let mut error_text = String::new();
    let mut have_error = false;
    let mut result_text: Option<(Option<&str>, u32, String)> = None;
    for (i, &(file, lineno, line)) in lines.iter().enumerate() {
        if let Some(name) = line.strip_prefix("-- ").filter(|_| file.is_none()) {
            let name = name.trim();
            section = Some(match name {
                "asm" => {
                    have_asm = true;
                    case.asm_first_line = lineno + 1;
                    case.asm_file = None;
                    if let Some(&(Some(f), first, _)) = lines.get(i + 1) {
                        case.asm_file = Some(f.to_string());
                        case.asm_first_line = first;
                    }
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
                let word = parse_raw_word(t).ok_or_else(|| {
                    in_file(
                        file,
                        ParseError {
                            line: lineno,
                            col: 1,
                            message: format!("expected an instruction as 8 hex bytes, found `{t}`"),
                        },
                    )
                })?;
                raw.extend_from_slice(&word);
            }
            Some("mem") => {
                let t = strip_comment(line);
                for (col, tok) in tokens_with_cols(line, t) {
                    let bad = || {
                        in_file(
                            file,
                            ParseError {
                                line: lineno,
                                col,
                                message: format!("expected a hex byte in `-- mem`, found `{tok}`"),
                            },
                        )
                    };
                    let b = u8::from_str_radix(tok, 16).map_err(|_| bad())?;
                    if tok.len() > 2 {
                        return Err(bad());
                    }
                    case.mem.push(b);
                }
            }
            Some("result") => {
                let t = strip_comment(line);
                if !t.is_empty() && result_text.is_none() {
                    result_text = Some((file, lineno, t.to_string()));
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
    if let Some((file, line, t)) = result_text {
        let v = parse_int(&t).ok_or_else(|| {
            in_file(
                file,
                ParseError {
                    line,
                    col: 1,
                    message: format!("expected the result as a hex or decimal number, found `{t}`"),
                },
            )
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

    #[test]
    fn linked_sections_are_read_through_the_reader() {
        let files = |path: &str| match path {
            "prog.asm" => Ok("mov %r0, 2\nexit\n".to_string()),
            "pkt.mem" => Ok("aa bb\ncc\n".to_string()),
            "bad.mem" => Ok("aa\nzz\n".to_string()),
            other => Err(format!("no file {other}")),
        };
        let text = "-- asm @ prog.asm\n-- mem @ pkt.mem\n-- result\n0x2\n";
        let c = parse_linked(text, &mut |p| files(p)).unwrap();
        assert_eq!(c.asm.as_deref(), Some("mov %r0, 2\nexit\n"));
        assert_eq!(c.asm_file.as_deref(), Some("prog.asm"));
        assert_eq!(c.asm_first_line, 1);
        assert_eq!(c.mem, vec![0xaa, 0xbb, 0xcc]);
        assert_eq!(c.result, Some(2));
        // An error in a linked file names it and its line.
        let e = parse_linked("-- mem @ bad.mem\n", &mut |p| files(p)).unwrap_err();
        assert!(e.message.contains("bad.mem, line 2"), "{e}");
        // A missing file is an error at the header.
        let e = parse_linked("-- result\n1\n-- asm @ gone.asm\n", &mut |p| files(p)).unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.message.contains("no file gone.asm"), "{e}");
        // Without a reader, a link is an error, never a silent empty section.
        assert!(parse("-- asm @ prog.asm\n").is_err());
    }
}
