//! A line lexer that never fails: every character ends up in some token, problems are marked
//! inside the token ([`TokKind::Invalid`], [`TokKind::UnterminatedStr`]) and the parser decides
//! what to say about them.
//!
//! Both syntaxes share it. Comments start with `#`, `//` or `;` and run to the end of the line.

/// What a token is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TokKind {
    /// `[A-Za-z_.][A-Za-z0-9_.]*`: mnemonics, registers of the LLVM syntax, labels, directives.
    Ident,
    /// `%` followed by identifier characters: a register of the conformance syntax (`%r1`).
    PercentIdent,
    /// A digit followed by any identifier characters (`12`, `0x1f`, also bad ones like `0xzz`).
    Number,
    /// A double-quoted string, quotes included.
    Str,
    /// A string without its closing quote.
    UnterminatedStr,
    /// Operators and punctuation, longest match (`<<=`, `s` is an identifier of its own).
    Punct,
    /// A character no token starts with.
    Invalid,
}

/// One token of a line: its kind, text and 1-based column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Token<'a> {
    pub kind: TokKind,
    pub text: &'a str,
    /// 1-based column of the first character.
    pub col: u32,
}

impl Token<'_> {
    /// Whether this is the punctuation `p`.
    pub fn is_punct(&self, p: &str) -> bool {
        self.kind == TokKind::Punct && self.text == p
    }

    /// Whether this is the identifier `s`.
    pub fn is_ident(&self, s: &str) -> bool {
        self.kind == TokKind::Ident && self.text == s
    }

    /// Column just after the token.
    pub fn end_col(&self) -> u32 {
        self.col + self.text.chars().count() as u32
    }
}

const PUNCTS: [&str; 29] = [
    "<<=", ">>=", "==", "!=", "<=", ">=", "+=", "-=", "*=", "/=", "%=", "|=", "&=", "^=", "<<",
    ">>", "=", "<", ">", "+", "-", "*", "/", "%", "|", "&", "^", ",", ":",
];

fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_' || c == '.'
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '.'
}

/// Lex one line (without its newline). Never fails.
pub(crate) fn lex_line(line: &str) -> Vec<Token<'_>> {
    let mut out = Vec::new();
    // (byte offset, char) pairs; columns count characters.
    let chars: Vec<(usize, char)> = line.char_indices().collect();
    let byte_at = |i: usize| chars.get(i).map_or(line.len(), |&(b, _)| b);
    let mut i = 0;
    while let Some(&(_, c)) = chars.get(i) {
        let start = i;
        let next = chars.get(i + 1).map(|&(_, c)| c);
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if c == '#' || c == ';' || (c == '/' && next == Some('/')) {
            break;
        }
        let kind = if is_ident_start(c) {
            i += 1;
            while chars.get(i).is_some_and(|&(_, c)| is_ident_char(c)) {
                i += 1;
            }
            TokKind::Ident
        } else if c.is_ascii_digit() {
            i += 1;
            while chars.get(i).is_some_and(|&(_, c)| is_ident_char(c)) {
                i += 1;
            }
            TokKind::Number
        } else if c == '%' && next.is_some_and(is_ident_start) {
            i += 2;
            while chars.get(i).is_some_and(|&(_, c)| is_ident_char(c)) {
                i += 1;
            }
            TokKind::PercentIdent
        } else if c == '"' {
            i += 1;
            let mut closed = false;
            while let Some(&(_, c)) = chars.get(i) {
                i += 1;
                if c == '\\' {
                    i += 1;
                } else if c == '"' {
                    closed = true;
                    break;
                }
            }
            i = i.min(chars.len());
            if closed {
                TokKind::Str
            } else {
                TokKind::UnterminatedStr
            }
        } else if let Some(p) = PUNCTS.iter().find(|p| line[byte_at(i)..].starts_with(**p)) {
            i += p.chars().count();
            TokKind::Punct
        } else if "()[]!~".contains(c) {
            i += 1;
            TokKind::Punct
        } else {
            i += 1;
            TokKind::Invalid
        };
        out.push(Token {
            kind,
            text: &line[byte_at(start)..byte_at(i)],
            col: start as u32 + 1,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(line: &str) -> Vec<(TokKind, &str, u32)> {
        lex_line(line)
            .into_iter()
            .map(|t| (t.kind, t.text, t.col))
            .collect()
    }

    #[test]
    fn conformance_line() {
        use TokKind::*;
        assert_eq!(
            kinds("ldxdw %r1, [%r10-8] # c"),
            vec![
                (Ident, "ldxdw", 1),
                (PercentIdent, "%r1", 7),
                (Punct, ",", 10),
                (Punct, "[", 12),
                (PercentIdent, "%r10", 13),
                (Punct, "-", 17),
                (Number, "8", 18),
                (Punct, "]", 19),
            ]
        );
    }

    #[test]
    fn llvm_line() {
        use TokKind::*;
        assert_eq!(
            kinds("if w1 s<= w2 goto +3 // x"),
            vec![
                (Ident, "if", 1),
                (Ident, "w1", 4),
                (Ident, "s", 7),
                (Punct, "<=", 8),
                (Ident, "w2", 11),
                (Ident, "goto", 14),
                (Punct, "+", 19),
                (Number, "3", 20),
            ]
        );
        assert_eq!(kinds("r1 s>>= 3")[2], (Punct, ">>=", 5));
        assert_eq!(kinds("\"GPL")[0].0, UnterminatedStr);
        assert_eq!(kinds("a @ b")[1], (Invalid, "@", 3));
        assert_eq!(kinds("é 1")[1], (Number, "1", 3));
    }
}
