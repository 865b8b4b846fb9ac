//! The pcap-filter lexer. It never fails: every byte of the input ends up in some token, and
//! characters no token can start become [`TokenKind::Unknown`] for the parser to report.

use super::addr;
use crate::ruleset::Span;

/// Punctuation and operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum Punct {
    LParen,
    RParen,
    LBracket,
    RBracket,
    Colon,
    Slash,
    Plus,
    Minus,
    Star,
    Percent,
    Amp,
    Pipe,
    Caret,
    Shl,
    Shr,
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
    /// `!`
    Bang,
    /// `&&`
    AndAnd,
    /// `||`
    OrOr,
}

impl Punct {
    /// The punctuation as written.
    pub const fn text(self) -> &'static str {
        match self {
            Punct::LParen => "(",
            Punct::RParen => ")",
            Punct::LBracket => "[",
            Punct::RBracket => "]",
            Punct::Colon => ":",
            Punct::Slash => "/",
            Punct::Plus => "+",
            Punct::Minus => "-",
            Punct::Star => "*",
            Punct::Percent => "%",
            Punct::Amp => "&",
            Punct::Pipe => "|",
            Punct::Caret => "^",
            Punct::Shl => "<<",
            Punct::Shr => ">>",
            Punct::Lt => "<",
            Punct::Le => "<=",
            Punct::Gt => ">",
            Punct::Ge => ">=",
            Punct::Eq => "=",
            Punct::Ne => "!=",
            Punct::Bang => "!",
            Punct::AndAnd => "&&",
            Punct::OrOr => "||",
        }
    }
}

/// What a token is; words (keywords, numbers, addresses, names) are told apart by the parser.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenKind {
    /// A run of name characters: keyword, number, address or name (`\tcp` keeps its backslash).
    Word(String),
    /// Punctuation.
    Punct(Punct),
    /// A character no token starts with.
    Unknown(char),
    /// End of input.
    Eof,
}

/// A token and where it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    /// What it is.
    pub kind: TokenKind,
    /// Where it is.
    pub span: Span,
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')
}

/// Split `text` into tokens; the last is always [`TokenKind::Eof`].
pub fn tokenize(text: &str) -> Vec<Token> {
    let bytes: Vec<(usize, char)> = text.char_indices().collect();
    let end_of = |i: usize| bytes.get(i).map(|(p, _)| *p).unwrap_or(text.len());
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let (start, c) = bytes[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        // Words, possibly containing ':' when the whole run is an IPv6 or MAC address.
        if c.is_ascii_alphanumeric() || c == '\\' || c == ':' {
            let mut j = i + 1;
            while j < bytes.len() && (is_word_char(bytes[j].1) || bytes[j].1 == ':') {
                j += 1;
            }
            let run = &text[start..end_of(j)];
            let addr_like = run.contains(':')
                && (addr::parse_ipv6(run).is_some() || addr::parse_mac(run).is_some());
            let mut k = j;
            if !addr_like && run.contains(':') {
                // Cut before the first ':'.
                k = i;
                while k < j && bytes[k].1 != ':' {
                    k += 1;
                }
            }
            if k > i {
                // A word may not end in '-' (libpcap's ID rule), so `1-` stays `1` `-`.
                while k > i + 1 && bytes[k - 1].1 == '-' {
                    k -= 1;
                }
                out.push(Token {
                    kind: TokenKind::Word(text[start..end_of(k)].to_string()),
                    span: Span::new(start, end_of(k)),
                });
                i = k;
                continue;
            }
        }
        let next = bytes.get(i + 1).map(|b| b.1);
        let (p, len) = match (c, next) {
            ('&', Some('&')) => (Some(Punct::AndAnd), 2),
            ('|', Some('|')) => (Some(Punct::OrOr), 2),
            ('<', Some('<')) => (Some(Punct::Shl), 2),
            ('>', Some('>')) => (Some(Punct::Shr), 2),
            ('<', Some('=')) => (Some(Punct::Le), 2),
            ('>', Some('=')) => (Some(Punct::Ge), 2),
            ('=', Some('=')) => (Some(Punct::Eq), 2),
            ('!', Some('=')) => (Some(Punct::Ne), 2),
            ('(', _) => (Some(Punct::LParen), 1),
            (')', _) => (Some(Punct::RParen), 1),
            ('[', _) => (Some(Punct::LBracket), 1),
            (']', _) => (Some(Punct::RBracket), 1),
            (':', _) => (Some(Punct::Colon), 1),
            ('/', _) => (Some(Punct::Slash), 1),
            ('+', _) => (Some(Punct::Plus), 1),
            ('-', _) => (Some(Punct::Minus), 1),
            ('*', _) => (Some(Punct::Star), 1),
            ('%', _) => (Some(Punct::Percent), 1),
            ('&', _) => (Some(Punct::Amp), 1),
            ('|', _) => (Some(Punct::Pipe), 1),
            ('^', _) => (Some(Punct::Caret), 1),
            ('<', _) => (Some(Punct::Lt), 1),
            ('>', _) => (Some(Punct::Gt), 1),
            ('=', _) => (Some(Punct::Eq), 1),
            ('!', _) => (Some(Punct::Bang), 1),
            _ => (None, 1),
        };
        let kind = match p {
            Some(p) => TokenKind::Punct(p),
            None => TokenKind::Unknown(c),
        };
        out.push(Token {
            kind,
            span: Span::new(start, end_of(i + len)),
        });
        i += len;
    }
    out.push(Token {
        kind: TokenKind::Eof,
        span: Span::new(text.len(), text.len()),
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(s: &str) -> Vec<String> {
        tokenize(s)
            .into_iter()
            .map(|t| match t.kind {
                TokenKind::Word(w) => w,
                TokenKind::Punct(p) => p.text().to_string(),
                TokenKind::Unknown(c) => format!("?{c}"),
                TokenKind::Eof => "$".into(),
            })
            .collect()
    }

    #[test]
    fn token_streams() {
        assert_eq!(
            kinds("ip[2:2] > 1"),
            ["ip", "[", "2", ":", "2", "]", ">", "1", "$"]
        );
        assert_eq!(kinds("ip6 host ::1"), ["ip6", "host", "::1", "$"]);
        assert_eq!(
            kinds("ether src 1:2:3:4:5:6"),
            ["ether", "src", "1:2:3:4:5:6", "$"]
        );
        assert_eq!(kinds("portrange 1-100"), ["portrange", "1-100", "$"]);
        assert_eq!(
            kinds("tcp[13]&tcp-syn!=0"),
            ["tcp", "[", "13", "]", "&", "tcp-syn", "!=", "0", "$"]
        );
        assert_eq!(
            kinds("!ip&&tcp||udp"),
            ["!", "ip", "&&", "tcp", "||", "udp", "$"]
        );
        assert_eq!(kinds("ip proto \\tcp"), ["ip", "proto", "\\tcp", "$"]);
        assert_eq!(kinds("net 10.0.0.0/8"), ["net", "10.0.0.0", "/", "8", "$"]);
        assert_eq!(kinds("a # b"), ["a", "?#", "b", "$"]);
        assert_eq!(
            kinds("ip6 net fe80::/10"),
            ["ip6", "net", "fe80::", "/", "10", "$"]
        );
    }

    #[test]
    fn spans_cover_the_text() {
        let s = "port eighty";
        let t = tokenize(s);
        assert_eq!(t[1].span, Span::new(5, 11));
        assert_eq!(t[2].span, Span::new(11, 11));
    }
}
