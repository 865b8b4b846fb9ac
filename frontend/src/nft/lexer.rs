//! The nft lexer. It never fails: every byte lands in some token; a byte no token can start
//! becomes [`Tok::Unknown`] for the parser to report.

use crate::ruleset::Span;

/// Token kinds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tok {
    /// A word: keyword, name, number, address, prefix, range (`80-90`, `10.0.0.0/8`, `fe80::1`).
    Word(String),
    /// A double-quoted string (quotes removed); `true` when unterminated.
    Str(String, bool),
    /// End of a line (statements end here, unless escaped with `\`).
    Newline,
    /// One of `{ } ( ) , ; : = == != < > <= >= & | ^ ! @ $ /`.
    Punct(&'static str),
    /// A byte nothing can start.
    Unknown(char),
}

/// A token and where it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    /// What.
    pub tok: Tok,
    /// Where.
    pub span: Span,
}

fn word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b':' | b'-' | b'/' | b'*')
}

const PUNCTS: &[&str] = &[
    "==", "!=", "<=", ">=", "{", "}", "(", ")", ",", ";", ":", "=", "<", ">", "&", "|", "^", "!",
    "@", "$", "/", "[", "]",
];

/// Split `text` into tokens.
pub fn lex(text: &str) -> Vec<Token> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let start = i;
        match c {
            b'\n' => {
                out.push(Token {
                    tok: Tok::Newline,
                    span: Span::new(i, i + 1),
                });
                i += 1;
            }
            b'\\' if b.get(i + 1) == Some(&b'\n') => i += 2,
            b'\\' if b.get(i + 1) == Some(&b'\r') && b.get(i + 2) == Some(&b'\n') => i += 3,
            // `\;` in shell-quoted one-liners stands for `;`.
            b'\\' if b.get(i + 1) == Some(&b';') => {
                out.push(Token {
                    tok: Tok::Punct(";"),
                    span: Span::new(i, i + 2),
                });
                i += 2;
            }
            _ if c.is_ascii_whitespace() => i += 1,
            b'#' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' && b[i] != b'\n' {
                    i += 1;
                }
                let closed = i < b.len() && b[i] == b'"';
                let s = text.get(start + 1..i).unwrap_or("").to_string();
                if closed {
                    i += 1;
                }
                out.push(Token {
                    tok: Tok::Str(s, !closed),
                    span: Span::new(start, i),
                });
            }
            _ if word_byte(c)
                && !(c == b'/' || (c == b':' && b.get(i + 1).is_none_or(|n| *n != b':'))) =>
            {
                while i < b.len() && word_byte(b[i]) {
                    i += 1;
                }
                // A trailing ':' (as in `22: accept`) is the map separator, not part of the word,
                // unless the word is an IPv6 address ending in `::`.
                let mut end = i;
                if b[end - 1] == b':' && !(end >= 2 && b[end - 2] == b':') && end - start > 1 {
                    end -= 1;
                }
                out.push(Token {
                    tok: Tok::Word(text[start..end].to_string()),
                    span: Span::new(start, end),
                });
                i = end;
            }
            _ => {
                let rest = &text[i..];
                if let Some(p) = PUNCTS.iter().find(|p| rest.starts_with(**p)) {
                    out.push(Token {
                        tok: Tok::Punct(p),
                        span: Span::new(i, i + p.len()),
                    });
                    i += p.len();
                } else {
                    let ch = rest.chars().next().unwrap_or('?');
                    out.push(Token {
                        tok: Tok::Unknown(ch),
                        span: Span::new(i, i + ch.len_utf8()),
                    });
                    i += ch.len_utf8();
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        lex(s)
            .into_iter()
            .map(|t| match t.tok {
                Tok::Word(w) => w,
                Tok::Str(s, _) => format!("\"{s}\""),
                Tok::Newline => "NL".into(),
                Tok::Punct(p) => p.into(),
                Tok::Unknown(c) => format!("?{c}"),
            })
            .collect()
    }

    #[test]
    fn tokens() {
        assert_eq!(
            words("ip saddr 10.0.0.0/8 tcp dport { 22, 80-90 } drop # c\n"),
            [
                "ip",
                "saddr",
                "10.0.0.0/8",
                "tcp",
                "dport",
                "{",
                "22",
                ",",
                "80-90",
                "}",
                "drop",
                "NL"
            ]
        );
        assert_eq!(
            words("22 : accept, fe80::1, ::1 : drop"),
            ["22", ":", "accept", ",", "fe80::1", ",", "::1", ":", "drop"]
        );
        assert_eq!(words("22: accept"), ["22", ":", "accept"]);
        assert_eq!(
            words("@nh,16,8 != 5"),
            ["@", "nh", ",", "16", ",", "8", "!=", "5"]
        );
        assert_eq!(words("iifname \"eth0\" \\;"), ["iifname", "\"eth0\"", ";"]);
    }
}
