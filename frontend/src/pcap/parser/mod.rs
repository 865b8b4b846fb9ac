//! The pcap-filter parser: libpcap's grammar (grammar.y) by recursive descent.
//!
//! - `and` and `or` have the same precedence and associate to the left; `not` binds tightest.
//! - A bare value after `and`/`or` inherits the qualifiers of the previous primitive
//!   (`host a or b`, `tcp port 80 or 443`, `host a and not b`).
//! - Arithmetic: `|` < `&` < `<< >>` < `+ -` < `* /`; `^` and `%` have no precedence in
//!   libpcap's grammar, so yacc shifts them: `a * b % c` is `a * (b % c)`, `a ^ b + c` is
//!   `a ^ (b + c)`.
//! - `vlan` shifts the offsets of everything parsed after it, as libpcap does.
//! - Nesting (parentheses, `not`, brackets, `^`/`%` chains, unary minus) is limited to
//!   [`MAX_NESTING`] levels, so no filter can exhaust the stack; a long chain of `and`/`or`
//!   terms is a loop, not a recursion, and costs time linear in its length; its switches
//!   between `and` and `or` (each one level deeper in the condition) are limited to
//!   [`MAX_SWITCHES`].

//!
//! Split by concern: this file holds the boolean grammar and the primitives (`expr`, `term`,
//! qualifiers, protocol words); [`words`] classifies words like libpcap's lexer; [`id`] the
//! values after qualifiers (hosts, nets, ports); [`arith`] the `proto[expr:size]` arithmetic.

mod arith;
mod id;
mod words;

use words::*;

use super::addr;
use super::gen::{Dir, Gen, Kind, Proto, Quals};
use super::lexer::{tokenize, Punct, Token, TokenKind};
use super::PcapError;
use crate::ruleset::{ArithOp, Cond, Expr, RelOp, Span, Test};

/// How deeply a filter may nest (parentheses, `not`, `proto[...]` brackets, `^`/`%` chains,
/// unary minus, each counting one level; a parenthesis inside an arithmetic expression counts
/// two). Real filters nest a few levels; the limit keeps the recursive descent well inside a
/// thread's stack.
pub const MAX_NESTING: usize = 256;

/// How many times a filter may switch between `and` and `or` (`a and b or c and d ...` nests
/// one level deeper at each switch, since both associate to the left with equal precedence).
pub const MAX_SWITCHES: usize = 10_000;

/// Parse a whole filter expression into a condition (an empty filter matches everything).
pub fn parse(text: &str) -> Result<Cond, PcapError> {
    let mut p = Parser {
        toks: tokenize(text),
        pos: 0,
        gen: Gen::default(),
        depth: 0,
        switches: 0,
    };
    if p.at_eof() {
        return Ok(Cond::True);
    }
    let (cond, _) = p.expr(None)?;
    if !p.at_eof() {
        let t = p.peek().clone();
        return Err(p.unexpected(&t, "'and', 'or' or the end of the filter"));
    }
    Ok(cond)
}

struct Parser {
    toks: Vec<Token>,
    pos: usize,
    gen: Gen,
    /// Nesting depth of the recursive rules being parsed (see [`MAX_NESTING`]).
    depth: usize,
    /// Switches between `and` and `or` so far (see [`MAX_SWITCHES`]).
    switches: usize,
}

impl Parser {
    /// Run `rule` one nesting level deeper, or fail at the current token past [`MAX_NESTING`].
    pub(super) fn nested<T>(
        &mut self,
        rule: impl FnOnce(&mut Self) -> Result<T, PcapError>,
    ) -> Result<T, PcapError> {
        if self.depth >= MAX_NESTING {
            let span = self.peek().span;
            return Err(self.err(
                span,
                format!(
                    "the filter nests more than {MAX_NESTING} levels deep (parentheses, 'not', \
                     brackets or '^'/'%' chains)"
                ),
            ));
        }
        self.depth += 1;
        let r = rule(self);
        self.depth -= 1;
        r
    }

    pub(super) fn peek(&self) -> &Token {
        let last = self.toks.len() - 1;
        &self.toks[self.pos.min(last)]
    }

    pub(super) fn peek_at(&self, n: usize) -> &Token {
        let last = self.toks.len() - 1;
        &self.toks[(self.pos + n).min(last)]
    }

    pub(super) fn bump(&mut self) -> Token {
        let t = self.peek().clone();
        if self.pos < self.toks.len() - 1 {
            self.pos += 1;
        }
        t
    }

    pub(super) fn at_eof(&self) -> bool {
        self.peek().kind == TokenKind::Eof
    }

    pub(super) fn word_at(&self, n: usize) -> Option<&str> {
        match &self.peek_at(n).kind {
            TokenKind::Word(w) => Some(w.as_str()),
            _ => None,
        }
    }

    pub(super) fn is_word(&self, n: usize, w: &str) -> bool {
        self.word_at(n) == Some(w)
    }

    pub(super) fn is_punct(&self, n: usize, p: Punct) -> bool {
        self.peek_at(n).kind == TokenKind::Punct(p)
    }

    pub(super) fn err(&self, span: Span, msg: impl Into<String>) -> PcapError {
        PcapError::new(span, msg)
    }

    pub(super) fn unexpected(&self, t: &Token, expected: &str) -> PcapError {
        let msg = match t.kind {
            TokenKind::Unknown(c) => format!("unexpected character '{c}'; expected {expected}"),
            _ => format!("expected {expected}, found {}", describe(t)),
        };
        self.err(t.span, msg)
    }

    pub(super) fn expect_punct(&mut self, p: Punct, what: &str) -> Result<Token, PcapError> {
        if self.is_punct(0, p) {
            Ok(self.bump())
        } else {
            let t = self.peek().clone();
            Err(self.unexpected(&t, what))
        }
    }

    pub(super) fn is_and(&self) -> bool {
        self.is_word(0, "and") || self.is_punct(0, Punct::AndAnd)
    }

    pub(super) fn is_or(&self) -> bool {
        self.is_word(0, "or") || self.is_punct(0, Punct::OrOr)
    }

    pub(super) fn is_not(&self, n: usize) -> bool {
        self.is_word(n, "not") || self.is_punct(n, Punct::Bang)
    }

    /// Count a switch between `and` and `or` in one chain (`last`: the previous operator).
    pub(super) fn count_switch(
        &mut self,
        last: &mut Option<bool>,
        and: bool,
    ) -> Result<(), PcapError> {
        if last.is_some_and(|l| l != and) {
            // `a and b or c`: each switch nests the condition one level deeper.
            self.switches += 1;
            if self.switches > MAX_SWITCHES {
                let span = self.peek().span;
                return Err(self.err(
                    span,
                    format!(
                        "the filter switches between 'and' and 'or' more than {MAX_SWITCHES} \
                         times (each switch nests the condition one level deeper)"
                    ),
                ));
            }
        }
        *last = Some(and);
        Ok(())
    }

    /// `expr := term ((and|or) (term | id))*`; returns the qualifiers a following bare id uses.
    pub(super) fn expr(
        &mut self,
        before: Option<Quals>,
    ) -> Result<(Cond, Option<Quals>), PcapError> {
        let (mut acc, mut q) = self.term(before)?;
        let mut last_and = None;
        loop {
            let and = self.is_and();
            if !and && !self.is_or() {
                break;
            }
            self.count_switch(&mut last_and, and)?;
            self.bump();
            let (rhs, rq) = if self.starts_bare_id(0) {
                match q {
                    Some(quals) => (self.id(quals)?, Some(quals)),
                    None => {
                        let t = self.peek().clone();
                        return Err(self.err(
                            t.span,
                            format!(
                                "{} needs a qualifier ('host', 'net', 'port', ...) and the \
                                 previous primitive has none to lend it",
                                describe(&t)
                            ),
                        ));
                    }
                }
            } else {
                self.term(q)?
            };
            acc = if and {
                and_all(acc, rhs)
            } else {
                or_any(acc, rhs)
            };
            q = rq;
        }
        Ok((acc, q))
    }

    /// Whether the tokens from `n` on are a bare id (a value without qualifiers).
    pub(super) fn starts_bare_id(&self, mut n: usize) -> bool {
        // Skip `not`s and `(`s (a loop: they may be many); `(b or c)` of ids, not a
        // parenthesised expression, has no `not` right after a `(`.
        loop {
            if self.is_not(n) {
                n += 1;
            } else if self.is_punct(n, Punct::LParen) {
                if self.is_word(n + 1, "not") {
                    return false;
                }
                n += 1;
            } else {
                break;
            }
        }
        let Some(w) = self.word_at(n) else {
            return false;
        };
        match classify(w) {
            WordClass::Keyword => false,
            WordClass::Number(_) => named_number(w).is_none() && !self.arith_op_or_relop(n + 1),
            WordClass::Ipv4 | WordClass::Ipv6(_) | WordClass::Mac(_) => true,
            WordClass::Name => !w.starts_with('\\'),
        }
    }

    pub(super) fn arith_op_or_relop(&self, n: usize) -> bool {
        matches!(
            self.peek_at(n).kind,
            TokenKind::Punct(
                Punct::Plus
                    | Punct::Minus
                    | Punct::Star
                    | Punct::Slash
                    | Punct::Percent
                    | Punct::Amp
                    | Punct::Pipe
                    | Punct::Caret
                    | Punct::Shl
                    | Punct::Shr
                    | Punct::Lt
                    | Punct::Le
                    | Punct::Gt
                    | Punct::Ge
                    | Punct::Eq
                    | Punct::Ne
            )
        )
    }

    /// `term := not term | rterm`.
    pub(super) fn term(
        &mut self,
        before: Option<Quals>,
    ) -> Result<(Cond, Option<Quals>), PcapError> {
        self.nested(|p| {
            if p.is_not(0) {
                p.bump();
                let (c, q) = p.term(before)?;
                return Ok((c.negate(), q));
            }
            p.rterm(before)
        })
    }

    pub(super) fn rterm(
        &mut self,
        before: Option<Quals>,
    ) -> Result<(Cond, Option<Quals>), PcapError> {
        let t = self.peek().clone();
        match &t.kind {
            TokenKind::Punct(Punct::LParen) => {
                // `(arith) relop arith` or `(expr)`: try the relation first, as yacc would
                // after seeing what follows.
                let save = self.pos;
                if let Ok(c) = self.relation() {
                    return Ok((c, None));
                }
                self.pos = save;
                self.bump();
                let (c, _) = self.expr(before)?;
                self.expect_punct(Punct::RParen, "')'")?;
                Ok((c, before))
            }
            TokenKind::Punct(Punct::Minus) => Ok((self.relation()?, None)),
            TokenKind::Word(w) => {
                let w = w.clone();
                self.word_term(&w, t.span)
            }
            _ => Err(self.unexpected(&t, "a filter primitive")),
        }
    }

    pub(super) fn word_term(
        &mut self,
        w: &str,
        span: Span,
    ) -> Result<(Cond, Option<Quals>), PcapError> {
        match w {
            "vlan" | "pppoes" | "mpls" => {
                self.bump();
                let id = match self.word_at(0).map(classify) {
                    Some(WordClass::Number(n)) if !self.arith_op_or_relop(1) => {
                        self.bump();
                        Some(n)
                    }
                    _ => None,
                };
                let span = span.to(self.toks[self.pos.saturating_sub(1)].span);
                let c = match w {
                    "vlan" => self.gen.vlan(id, span),
                    "mpls" => self.gen.mpls(id, span),
                    _ => self.gen.pppoes(id, span),
                }
                .map_err(|m| self.err(span, m))?;
                return Ok((c, None));
            }
            "less" | "greater" => {
                self.bump();
                let n = self.number_after(w)?;
                let op = if w == "less" { RelOp::Le } else { RelOp::Ge };
                let span = span.to(self.toks[self.pos - 1].span);
                return Ok((self.gen.len_cmp(op, n, span), None));
            }
            "len" => return Ok((self.relation()?, None)),
            "broadcast" | "multicast" => {
                self.bump();
                return Ok((self.cast(Proto::Default, w, span)?, None));
            }
            "pppoed" | "decnet" | "lat" | "sca" | "moprc" | "mopdl" | "llc" | "iso" | "stp"
            | "netbeui" | "clnp" | "esis" | "isis" => {
                self.bump();
                // `llc i`, `llc s`, `llc u`: the LLC frame kind.
                let kind = match self.word_at(0) {
                    Some(k @ ("i" | "s" | "u")) if w == "llc" => Some(k.to_string()),
                    _ => None,
                };
                let mut end = span;
                if kind.is_some() {
                    end = self.bump().span;
                }
                let span = span.to(end);
                if let Some(c) = self.gen.link_proto(w, kind.as_deref(), span) {
                    return Ok((c, None));
                }
                return Err(self.err(span, format!("'{w}' is not supported by this compiler")));
            }
            "geneve" | "inbound" | "outbound" | "ifindex" | "byte" | "gateway" => {
                return Err(self.err(span, format!("'{w}' is not supported by this compiler")))
            }
            _ => {}
        }
        if let Some(proto) = Proto::from_keyword(w) {
            if self.is_punct(1, Punct::LBracket) {
                return Ok((self.relation()?, None));
            }
            self.bump();
            match self.word_at(0) {
                Some(c @ ("broadcast" | "multicast")) => {
                    let c = c.to_string();
                    let s = span.to(self.bump().span);
                    return Ok((self.cast(proto, &c, s)?, None));
                }
                Some("proto") => {
                    self.bump();
                    return Ok((self.proto_value(proto, span, false)?, None));
                }
                Some("protochain") => {
                    self.bump();
                    return Ok((self.proto_value(proto, span, true)?, None));
                }
                Some("src" | "dst" | "host" | "net" | "port" | "portrange" | "gateway") => {
                    let q = self.head_rest(proto)?;
                    return Ok((self.id(q)?, Some(q)));
                }
                _ => {
                    let c = self
                        .gen
                        .proto_abbrev(proto, span)
                        .map_err(|m| self.err(span, m))?;
                    return Ok((c, None));
                }
            }
        }
        match w {
            "src" | "dst" | "host" | "net" | "port" | "portrange" => {
                let q = self.head_rest(Proto::Default)?;
                Ok((self.id(q)?, Some(q)))
            }
            "proto" | "protochain" => {
                self.bump();
                Ok((
                    self.proto_value(Proto::Default, span, w == "protochain")?,
                    None,
                ))
            }
            _ => match classify(w) {
                WordClass::Number(_) => Ok((self.relation()?, None)),
                WordClass::Keyword => {
                    Err(self.err(span, format!("'{w}' is not supported by this compiler")))
                }
                WordClass::Name if !w.starts_with('\\') => Err(self.err(
                    span,
                    format!(
                        "expected a filter primitive, found '{w}' (a bare name needs a \
                         qualifier such as 'host', and hostnames are not resolved)"
                    ),
                )),
                _ => Err(self.err(
                    span,
                    format!(
                        "expected a filter primitive, found '{w}' (a bare address needs a \
                         qualifier such as 'host' or 'net')"
                    ),
                )),
            },
        }
    }

    /// `[ether|ip|ip6] broadcast|multicast`.
    pub(super) fn cast(
        &mut self,
        proto: Proto,
        which: &str,
        span: Span,
    ) -> Result<Cond, PcapError> {
        let r = if which == "broadcast" {
            self.gen.broadcast(proto, span)
        } else {
            self.gen.multicast(proto, span)
        };
        r.map_err(|m| self.err(span, m))
    }

    pub(super) fn number_after(&mut self, after: &str) -> Result<u32, PcapError> {
        let t = self.peek().clone();
        if let TokenKind::Word(w) = &t.kind {
            if let WordClass::Number(n) = classify(w) {
                self.bump();
                return Ok(n);
            }
            if addr::looks_numeric(w) {
                return Err(self.err(t.span, format!("number '{w}' out of range")));
            }
        }
        Err(self.unexpected(&t, &format!("a number after '{after}'")))
    }

    /// The value of `[ip|ip6|ether] proto[chain] V`.
    pub(super) fn proto_value(
        &mut self,
        proto: Proto,
        head: Span,
        chain: bool,
    ) -> Result<Cond, PcapError> {
        let kw = if chain { "protochain" } else { "proto" };
        let t = self.peek().clone();
        let value = match &t.kind {
            TokenKind::Word(w) => match classify(w) {
                WordClass::Number(n) => Some(n),
                _ => proto_name(proto, w),
            },
            _ => None,
        };
        let Some(v) = value else {
            return Err(self.unexpected(&t, &format!("a protocol number after '{kw}'")));
        };
        self.bump();
        let span = head.to(t.span);
        let r = if chain {
            self.gen.protochain(proto, v, span)
        } else {
            if proto == Proto::Link && v <= 1500 {
                return Err(self.err(
                    t.span,
                    "802.3 length-field protocols (ether proto <= 1500) are not supported",
                ));
            }
            self.gen.proto(proto, v, span)
        };
        r.map_err(|m| self.err(span, m))
    }

    /// After the protocol qualifier: `[dir] [kind]`, with the current token the first of them.
    pub(super) fn head_rest(&mut self, proto: Proto) -> Result<Quals, PcapError> {
        let mut dir = Dir::Default;
        if let Some(d @ ("src" | "dst")) = self.word_at(0) {
            let first_src = d == "src";
            self.bump();
            let other = if first_src { "dst" } else { "src" };
            if (self.is_word(0, "or") || self.is_word(0, "and")) && self.is_word(1, other) {
                dir = if self.is_word(0, "or") {
                    Dir::SrcOrDst
                } else {
                    Dir::SrcAndDst
                };
                self.bump();
                self.bump();
            } else {
                dir = if first_src { Dir::Src } else { Dir::Dst };
            }
        }
        let kind = match self.word_at(0) {
            Some("host") => Kind::Host,
            Some("net") => Kind::Net,
            Some("port") => Kind::Port,
            Some("portrange") => Kind::Portrange,
            Some("gateway") => Kind::Gateway,
            _ => Kind::Default,
        };
        if kind != Kind::Default {
            self.bump();
        }
        if kind == Kind::Gateway {
            let s = self.toks[self.pos - 1].span;
            return Err(self.err(s, "'gateway' needs hostname lookups, which are not done"));
        }
        Ok(Quals { proto, dir, kind })
    }
}

pub(super) fn prefix_mask(bits: u32) -> u32 {
    if bits == 0 {
        0
    } else {
        u32::MAX << (32 - bits.min(32))
    }
}

fn and_all(a: Cond, b: Cond) -> Cond {
    match a {
        Cond::All(mut v) => {
            v.push(b);
            Cond::All(v)
        }
        a => Cond::All(vec![a, b]),
    }
}

fn or_any(a: Cond, b: Cond) -> Cond {
    match a {
        Cond::Any(mut v) => {
            v.push(b);
            Cond::Any(v)
        }
        a => Cond::Any(vec![a, b]),
    }
}

fn describe(t: &Token) -> String {
    match &t.kind {
        TokenKind::Word(w) => format!("'{w}'"),
        TokenKind::Punct(p) => format!("'{}'", p.text()),
        TokenKind::Unknown(c) => format!("'{c}'"),
        TokenKind::Eof => "the end of the filter".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nests_too_deep(text: &str) -> bool {
        parse(text).is_err_and(|e| e.message.contains("nests more than"))
    }

    #[test]
    fn nesting_is_limited_and_errors_instead_of_overflowing() {
        // Within the limit: parses (on a test thread's small stack).
        let ok = format!("{}tcp{}", "(".repeat(100), ")".repeat(100));
        assert!(parse(&ok).is_ok());
        assert!(parse(&format!("{}tcp", "not ".repeat(100))).is_ok());
        // Far past it: an error at the token where the limit was hit.
        assert!(nests_too_deep(&format!(
            "{}tcp{}",
            "(".repeat(10_000),
            ")".repeat(10_000)
        )));
        assert!(nests_too_deep(&format!("{}tcp", "not ".repeat(10_000))));
        assert!(nests_too_deep(&format!("{}tcp", "! ".repeat(10_000))));
        assert!(nests_too_deep(&format!(
            "ip[0] = 1{}",
            " ^ 1".repeat(10_000)
        )));
        assert!(nests_too_deep(&format!("ip[0] = {}1", "- ".repeat(10_000))));
        assert!(nests_too_deep(&format!(
            "{}0{} = 1",
            "ip[".repeat(10_000),
            "]".repeat(10_000)
        )));
        assert!(nests_too_deep(&format!(
            "host 10.0.0.1 or {}10.0.0.2{}",
            "(".repeat(10_000),
            ")".repeat(10_000)
        )));
    }

    #[test]
    fn and_or_switches_are_limited_but_long_chains_are_not() {
        let chain = |n: usize, op: &dyn Fn(usize) -> &'static str| {
            let mut s = String::from("tcp port 1");
            for i in 1..n {
                s.push_str(op(i));
                s.push_str(&format!("tcp port {}", i + 1));
            }
            s
        };
        assert!(parse(&chain(20_000, &|_| " and ")).is_ok());
        assert!(parse(&chain(20_000, &|_| " or ")).is_ok());
        let alternating = |i: usize| if i % 2 == 1 { " and " } else { " or " };
        let e = parse(&chain(MAX_SWITCHES + 10, &alternating)).unwrap_err();
        assert!(e.message.contains("switches between 'and' and 'or'"), "{e}");
    }
}
