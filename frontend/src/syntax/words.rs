//! Shell-like word splitting with spans, for command lines (`iptables -A ...`, `tc filter add
//! ...`, `ethtool -N ...`). It never fails: an unterminated quote still yields a word, marked,
//! for the parser to report.

use crate::ruleset::Span;

/// One word of a command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Word {
    /// The word after quote removal.
    pub text: String,
    /// Where it is in the source (quotes included).
    pub span: Span,
    /// A quote opened in it was never closed.
    pub unterminated: bool,
}

impl Word {
    /// The text.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

/// Split `line` (which starts at byte `base` of the whole source) into words. `#` at the start
/// of a word starts a comment that runs to the end of the line.
pub fn split(line: &str, base: usize) -> Vec<Word> {
    let bytes = line.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if c == b'#' {
            break;
        }
        let start = i;
        let mut text = String::new();
        let mut unterminated = false;
        while i < bytes.len() && !bytes[i].is_ascii_whitespace() {
            match bytes[i] {
                q @ (b'\'' | b'"') => {
                    i += 1;
                    let from = i;
                    while i < bytes.len() && bytes[i] != q {
                        i += 1;
                    }
                    text.push_str(line.get(from..i).unwrap_or(""));
                    if i >= bytes.len() {
                        unterminated = true;
                    } else {
                        i += 1;
                    }
                }
                b'\\' if i + 1 < bytes.len() => {
                    let ch_len = line[i + 1..].chars().next().map_or(1, char::len_utf8);
                    text.push_str(line.get(i + 1..i + 1 + ch_len).unwrap_or(""));
                    i += 1 + ch_len;
                }
                _ => {
                    let ch_len = line[i..].chars().next().map_or(1, char::len_utf8);
                    text.push_str(line.get(i..i + ch_len).unwrap_or(""));
                    i += ch_len;
                }
            }
        }
        out.push(Word {
            text,
            span: Span::new(base + start, base + i),
            unterminated,
        });
    }
    out
}

/// The lines of `text` with their byte offsets, backslash-newline continuations joined into
/// one logical line (the continuation characters become spaces so offsets stay exact).
pub fn logical_lines(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut cur_start = 0;
    let mut offset = 0;
    for raw in text.split_inclusive('\n') {
        let line = raw.strip_suffix('\n').unwrap_or(raw);
        let line = line.strip_suffix('\r').unwrap_or(line);
        if cur.is_empty() {
            cur_start = offset;
        }
        if let Some(body) = line.strip_suffix('\\') {
            cur.push_str(body);
            // Keep offsets: the backslash, the line break (and a CR) become spaces.
            cur.push_str(&" ".repeat(raw.len() - body.len()));
        } else {
            cur.push_str(line);
            out.push((cur_start, std::mem::take(&mut cur)));
        }
        offset += raw.len();
    }
    if !cur.is_empty() {
        out.push((cur_start, cur));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_and_comments() {
        let w = split("-m comment --comment \"a b\" # rest", 10);
        let t: Vec<&str> = w.iter().map(|w| w.as_str()).collect();
        assert_eq!(t, ["-m", "comment", "--comment", "a b"]);
        assert_eq!(w[3].span, Span::new(31, 36));
        let w = split("'open", 0);
        assert!(w[0].unterminated);
    }

    #[test]
    fn continuation() {
        let l = logical_lines("a \\\nb\nc");
        assert_eq!(l.len(), 2);
        assert_eq!(l[0].1.len(), 5);
        assert_eq!(l[1], (6, "c".to_string()));
    }
}
