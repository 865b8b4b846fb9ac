//! The pcap-filter parser: libpcap's grammar (grammar.y) by recursive descent.
//!
//! - `and` and `or` have the same precedence and associate to the left; `not` binds tightest.
//! - A bare value after `and`/`or` inherits the qualifiers of the previous primitive
//!   (`host a or b`, `tcp port 80 or 443`, `host a and not b`).
//! - Arithmetic: `|` < `&` < `<< >>` < `+ -` < `* /`; `^` and `%` have no precedence in
//!   libpcap's grammar, so yacc shifts them: `a * b % c` is `a * (b % c)`, `a ^ b + c` is
//!   `a ^ (b + c)`.
//! - `vlan` shifts the offsets of everything parsed after it, as libpcap does.

use super::addr;
use super::gen::{Dir, Gen, Kind, Proto, Quals};
use super::lexer::{tokenize, Punct, Token, TokenKind};
use super::PcapError;
use crate::ruleset::{ArithOp, Cond, Expr, RelOp, Span, Test};

/// Parse a whole filter expression into a condition (an empty filter matches everything).
pub fn parse(text: &str) -> Result<Cond, PcapError> {
    let mut p = Parser {
        toks: tokenize(text),
        pos: 0,
        gen: Gen::default(),
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
}

/// The kind of a word, as libpcap's lexer would classify it.
#[derive(Debug, Clone, PartialEq)]
enum WordClass {
    Keyword,
    Number(u32),
    Ipv4,
    Ipv6(u128),
    Mac(u64),
    Name,
}

const KEYWORDS: &[&str] = &[
    "and",
    "or",
    "not",
    "src",
    "dst",
    "host",
    "net",
    "mask",
    "port",
    "portrange",
    "gateway",
    "proto",
    "protochain",
    "ether",
    "link",
    "ip",
    "ip6",
    "arp",
    "rarp",
    "tcp",
    "udp",
    "sctp",
    "icmp",
    "icmp6",
    "igmp",
    "igrp",
    "pim",
    "vrrp",
    "carp",
    "ah",
    "esp",
    "broadcast",
    "multicast",
    "less",
    "greater",
    "len",
    "vlan",
    "mpls",
    "pppoed",
    "pppoes",
    "geneve",
    "inbound",
    "outbound",
    "ifindex",
    "byte",
    "decnet",
    "iso",
    "stp",
    "ipx",
    "netbeui",
    "atalk",
    "aarp",
    "lat",
    "sca",
    "moprc",
    "mopdl",
    "fddi",
    "tr",
    "wlan",
    "radio",
    "esis",
    "isis",
    "clnp",
    "llc",
];

/// libpcap's named numbers (scanner.l): offsets and flag values for tcp/icmp/icmp6.
fn named_number(w: &str) -> Option<u32> {
    Some(match w {
        "tcpflags" => 13,
        "tcp-fin" => 0x01,
        "tcp-syn" => 0x02,
        "tcp-rst" => 0x04,
        "tcp-push" => 0x08,
        "tcp-ack" => 0x10,
        "tcp-urg" => 0x20,
        "tcp-ece" => 0x40,
        "tcp-cwr" => 0x80,
        "icmptype" | "icmp6type" => 0,
        "icmpcode" | "icmp6code" => 1,
        "icmp-echoreply" => 0,
        "icmp-unreach" => 3,
        "icmp-sourcequench" => 4,
        "icmp-redirect" => 5,
        "icmp-echo" => 8,
        "icmp-routeradvert" => 9,
        "icmp-routersolicit" => 10,
        "icmp-timxceed" => 11,
        "icmp-paramprob" => 12,
        "icmp-tstamp" => 13,
        "icmp-tstampreply" => 14,
        "icmp-ireq" => 15,
        "icmp-ireqreply" => 16,
        "icmp-maskreq" => 17,
        "icmp-maskreply" => 18,
        "icmp6-destinationunreach" => 1,
        "icmp6-packettoobig" => 2,
        "icmp6-timeexceeded" => 3,
        "icmp6-parameterproblem" => 4,
        "icmp6-echo" => 128,
        "icmp6-echoreply" => 129,
        "icmp6-multicastlistenerquery" => 130,
        "icmp6-multicastlistenerreportv1" => 131,
        "icmp6-multicastlistenerdone" => 132,
        "icmp6-routersolicit" => 133,
        "icmp6-routeradvert" => 134,
        "icmp6-neighborsolicit" => 135,
        "icmp6-neighboradvert" => 136,
        "icmp6-redirect" => 137,
        "icmp6-routerrenum" => 138,
        "icmp6-nodeinformationquery" => 139,
        "icmp6-nodeinformationresponse" => 140,
        "icmp6-ineighbordiscoverysolicit" => 141,
        "icmp6-ineighbordiscoveryadvert" => 142,
        "icmp6-multicastlistenerreportv2" => 143,
        "icmp6-homeagentdiscoveryrequest" => 144,
        "icmp6-homeagentdiscoveryreply" => 145,
        "icmp6-mobileprefixsolicit" => 146,
        "icmp6-mobileprefixadvert" => 147,
        "icmp6-certpathsolicit" => 148,
        "icmp6-certpathadvert" => 149,
        "icmp6-multicastrouteradvert" => 151,
        "icmp6-multicastroutersolicit" => 152,
        "icmp6-multicastrouterterm" => 153,
        _ => return None,
    })
}

/// IP protocol and EtherType names accepted after `proto` (with or without a backslash).
fn proto_name(proto: Proto, name: &str) -> Option<u32> {
    let n = name.trim_start_matches('\\');
    if proto == Proto::Link {
        return Some(match n {
            "ip" => 0x0800,
            "ip6" => 0x86dd,
            "arp" => 0x0806,
            "rarp" => 0x8035,
            _ => return None,
        });
    }
    Some(match n {
        "icmp" => 1,
        "igmp" => 2,
        "tcp" => 6,
        "udp" => 17,
        "ah" => 51,
        "esp" => 50,
        "icmp6" => 58,
        "pim" => 103,
        "vrrp" | "carp" => 112,
        "sctp" => 132,
        "igrp" => 9,
        _ => return None,
    })
}

fn classify(w: &str) -> WordClass {
    if KEYWORDS.contains(&w) {
        return WordClass::Keyword;
    }
    if let Some(n) = named_number(w) {
        return WordClass::Number(n);
    }
    if let Some(m) = addr::parse_mac(w) {
        if w.contains(':') || w.matches('.').count() == 2 || w.contains('-') {
            return WordClass::Mac(m);
        }
    }
    if w.contains(':') {
        if let Some(a) = addr::parse_ipv6(w) {
            return WordClass::Ipv6(a);
        }
    }
    if addr::looks_ipv4(w) {
        return WordClass::Ipv4;
    }
    if let Some(n) = addr::parse_number(w) {
        return WordClass::Number(n);
    }
    WordClass::Name
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

impl Parser {
    fn peek(&self) -> &Token {
        let last = self.toks.len() - 1;
        &self.toks[self.pos.min(last)]
    }

    fn peek_at(&self, n: usize) -> &Token {
        let last = self.toks.len() - 1;
        &self.toks[(self.pos + n).min(last)]
    }

    fn bump(&mut self) -> Token {
        let t = self.peek().clone();
        if self.pos < self.toks.len() - 1 {
            self.pos += 1;
        }
        t
    }

    fn at_eof(&self) -> bool {
        self.peek().kind == TokenKind::Eof
    }

    fn word_at(&self, n: usize) -> Option<&str> {
        match &self.peek_at(n).kind {
            TokenKind::Word(w) => Some(w.as_str()),
            _ => None,
        }
    }

    fn is_word(&self, n: usize, w: &str) -> bool {
        self.word_at(n) == Some(w)
    }

    fn is_punct(&self, n: usize, p: Punct) -> bool {
        self.peek_at(n).kind == TokenKind::Punct(p)
    }

    fn err(&self, span: Span, msg: impl Into<String>) -> PcapError {
        PcapError::new(span, msg)
    }

    fn unexpected(&self, t: &Token, expected: &str) -> PcapError {
        let msg = match t.kind {
            TokenKind::Unknown(c) => format!("unexpected character '{c}'; expected {expected}"),
            _ => format!("expected {expected}, found {}", describe(t)),
        };
        self.err(t.span, msg)
    }

    fn expect_punct(&mut self, p: Punct, what: &str) -> Result<Token, PcapError> {
        if self.is_punct(0, p) {
            Ok(self.bump())
        } else {
            let t = self.peek().clone();
            Err(self.unexpected(&t, what))
        }
    }

    fn is_and(&self) -> bool {
        self.is_word(0, "and") || self.is_punct(0, Punct::AndAnd)
    }

    fn is_or(&self) -> bool {
        self.is_word(0, "or") || self.is_punct(0, Punct::OrOr)
    }

    fn is_not(&self, n: usize) -> bool {
        self.is_word(n, "not") || self.is_punct(n, Punct::Bang)
    }

    /// `expr := term ((and|or) (term | id))*`; returns the qualifiers a following bare id uses.
    fn expr(&mut self, before: Option<Quals>) -> Result<(Cond, Option<Quals>), PcapError> {
        let (mut acc, mut q) = self.term(before)?;
        loop {
            let and = self.is_and();
            if !and && !self.is_or() {
                break;
            }
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
    fn starts_bare_id(&self, n: usize) -> bool {
        if self.is_not(n) {
            return self.starts_bare_id(n + 1);
        }
        if self.is_punct(n, Punct::LParen) {
            // `(b or c)` of ids, not a parenthesised expression.
            return self.starts_bare_id(n + 1) && !self.is_word(n + 1, "not");
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

    fn arith_op_or_relop(&self, n: usize) -> bool {
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
    fn term(&mut self, before: Option<Quals>) -> Result<(Cond, Option<Quals>), PcapError> {
        if self.is_not(0) {
            self.bump();
            let (c, q) = self.term(before)?;
            return Ok((c.negate(), q));
        }
        self.rterm(before)
    }

    fn rterm(&mut self, before: Option<Quals>) -> Result<(Cond, Option<Quals>), PcapError> {
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

    fn word_term(&mut self, w: &str, span: Span) -> Result<(Cond, Option<Quals>), PcapError> {
        match w {
            "vlan" => {
                self.bump();
                let id = match self.word_at(0).map(classify) {
                    Some(WordClass::Number(n)) if !self.arith_op_or_relop(1) => {
                        self.bump();
                        Some(n)
                    }
                    _ => None,
                };
                let span = span.to(self.toks[self.pos.saturating_sub(1)].span);
                let c = self.gen.vlan(id, span).map_err(|m| self.err(span, m))?;
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
            "mpls" | "pppoed" | "pppoes" | "geneve" | "inbound" | "outbound" | "ifindex"
            | "byte" | "gateway" => {
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
    fn cast(&mut self, proto: Proto, which: &str, span: Span) -> Result<Cond, PcapError> {
        let r = if which == "broadcast" {
            self.gen.broadcast(proto, span)
        } else {
            self.gen.multicast(proto, span)
        };
        r.map_err(|m| self.err(span, m))
    }

    fn number_after(&mut self, after: &str) -> Result<u32, PcapError> {
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
    fn proto_value(&mut self, proto: Proto, head: Span, chain: bool) -> Result<Cond, PcapError> {
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
    fn head_rest(&mut self, proto: Proto) -> Result<Quals, PcapError> {
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

    fn kind_word(q: Quals) -> &'static str {
        match q.kind {
            Kind::Net => "net",
            Kind::Port => "port",
            Kind::Portrange => "portrange",
            _ => "host",
        }
    }

    /// `id := nid | pnum | '(' id ((and|or) id)* ')' | not id`, generated with `q`.
    fn id(&mut self, q: Quals) -> Result<Cond, PcapError> {
        if self.is_not(0) {
            self.bump();
            return Ok(self.id(q)?.negate());
        }
        if self.is_punct(0, Punct::LParen) {
            self.bump();
            let mut acc = self.id(q)?;
            loop {
                let and = self.is_and();
                if !and && !self.is_or() {
                    break;
                }
                self.bump();
                let rhs = self.id(q)?;
                acc = if and {
                    and_all(acc, rhs)
                } else {
                    or_any(acc, rhs)
                };
            }
            self.expect_punct(Punct::RParen, "')'")?;
            return Ok(acc);
        }
        let t = self.peek().clone();
        let after = Self::kind_word(q);
        let TokenKind::Word(w) = &t.kind else {
            return Err(self.unexpected(&t, &self.expected_value(q, after)));
        };
        let w = w.clone();
        let span = t.span;
        let class = classify(&w);
        match (q.kind, class) {
            (Kind::Port, WordClass::Number(n)) => {
                self.bump();
                if n > 65535 {
                    return Err(self.err(span, format!("illegal port number {n} > 65535")));
                }
                self.gen
                    .port(q, n as u16, n as u16, span)
                    .map_err(|m| self.err(span, m))
            }
            (Kind::Portrange, WordClass::Number(n)) => {
                self.bump();
                if n > 65535 {
                    return Err(self.err(span, format!("illegal port number {n} > 65535")));
                }
                self.gen
                    .port(q, n as u16, n as u16, span)
                    .map_err(|m| self.err(span, m))
            }
            (Kind::Portrange, WordClass::Name) if w.contains('-') => {
                self.bump();
                let mut parts = w.splitn(2, '-');
                let a = parts.next().and_then(addr::parse_number);
                let b = parts.next().and_then(addr::parse_number);
                let (Some(a), Some(b)) = (a, b) else {
                    return Err(self.err(
                        span,
                        format!("expected a port range like 1-1024 after 'portrange', found '{w}'"),
                    ));
                };
                for n in [a, b] {
                    if n > 65535 {
                        return Err(self.err(span, format!("illegal port number {n} > 65535")));
                    }
                }
                let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
                self.gen
                    .port(q, lo as u16, hi as u16, span)
                    .map_err(|m| self.err(span, m))
            }
            (Kind::Port | Kind::Portrange, WordClass::Name) => Err(self
                .err(
                    span,
                    format!("expected a port number after '{after}', found '{w}'"),
                )
                .with_note("service names are not looked up; write the number, e.g. 'port 80'")),
            (Kind::Port | Kind::Portrange, _) => Err(self.err(
                span,
                format!("expected a port number after '{after}', found '{w}'"),
            )),
            (_, WordClass::Mac(mac)) => {
                self.bump();
                if q.kind == Kind::Net {
                    return Err(self.err(span, "a MAC address cannot be a 'net'"));
                }
                match q.proto {
                    Proto::Link => Ok(self.gen.ether_host(q.dir, mac, span)),
                    Proto::Default => Err(self
                        .err(span, "ethernet address used in non-ether expression")
                        .with_note("write 'ether host ADDR'")),
                    p => Err(self.err(
                        span,
                        format!("'{}' modifier applied to an Ethernet address", p.keyword()),
                    )),
                }
            }
            (_, WordClass::Ipv6(a)) => {
                self.bump();
                let (mask, span) = self.ipv6_mask(q, span, &w)?;
                if mask != u128::MAX && a & !mask != 0 {
                    return Err(self.err(span, "non-network bits set in IPv6 address"));
                }
                self.gen
                    .host6(q, a, mask, span)
                    .map_err(|m| self.err(span, m))
            }
            (_, WordClass::Ipv4) => {
                self.bump();
                let (v, bits) = addr::parse_ipv4(&w).map_err(|m| self.err(span, m))?;
                let (mask, full) = self.ipv4_mask(q, span, bits)?;
                if mask != prefix_mask(bits) && v & !mask != 0 {
                    return Err(self.err(
                        full,
                        format!("non-network bits set in \"{w}\" for this mask"),
                    ));
                }
                let span = full;
                self.gen
                    .host4(q, v & mask, mask, span)
                    .map_err(|m| self.err(span, m))
            }
            (_, WordClass::Number(n)) => {
                self.bump();
                if q.proto == Proto::Link {
                    return Err(self.err(span, "illegal link layer address"));
                }
                let (v, mask) = if q.kind == Kind::Net {
                    let (mut v, mut m) = (n, u32::MAX);
                    while v != 0 && v & 0xff00_0000 == 0 {
                        v <<= 8;
                        m <<= 8;
                    }
                    (v, m)
                } else {
                    (n, u32::MAX)
                };
                let (mask, full) = if self.is_punct(0, Punct::Slash) || self.is_word(0, "mask") {
                    let bits = 32 - mask.trailing_zeros().min(32);
                    self.ipv4_mask(q, span, bits)?
                } else {
                    (mask, span)
                };
                self.gen
                    .host4(q, v & mask, mask, full)
                    .map_err(|m| self.err(full, m))
            }
            (_, WordClass::Name) => Err(self
                .err(
                    span,
                    format!("expected an address after '{after}', found '{w}'"),
                )
                .with_note("hostnames are not resolved (no DNS lookups); write an IP address")),
            (_, WordClass::Keyword) => Err(self.unexpected(&t, &self.expected_value(q, after))),
        }
    }

    fn expected_value(&self, q: Quals, after: &str) -> String {
        match q.kind {
            Kind::Port | Kind::Portrange => format!("a port number after '{after}'"),
            _ => format!("an address after '{after}'"),
        }
    }

    /// An optional `/len` or `mask M` after an IPv4 address of `bits` significant bits; returns
    /// the mask and the span of the whole address.
    fn ipv4_mask(&mut self, q: Quals, span: Span, bits: u32) -> Result<(u32, Span), PcapError> {
        if self.is_punct(0, Punct::Slash) {
            self.bump();
            let n = self.number_after("/")?;
            let full = span.to(self.toks[self.pos - 1].span);
            if n > 32 {
                return Err(self.err(full, format!("mask length must be <= 32, not {n}")));
            }
            self.net_only(q, full)?;
            return Ok((prefix_mask(n), full));
        }
        if self.is_word(0, "mask") {
            self.bump();
            let t = self.peek().clone();
            let m = match &t.kind {
                TokenKind::Word(w) if addr::looks_ipv4(w) => {
                    addr::parse_ipv4(w).map_err(|m| self.err(t.span, m))?.0
                }
                _ => return Err(self.unexpected(&t, "a netmask after 'mask'")),
            };
            self.bump();
            let full = span.to(t.span);
            self.net_only(q, full)?;
            return Ok((m, full));
        }
        Ok((prefix_mask(bits), span))
    }

    fn ipv6_mask(&mut self, q: Quals, span: Span, _w: &str) -> Result<(u128, Span), PcapError> {
        if self.is_punct(0, Punct::Slash) {
            self.bump();
            let n = self.number_after("/")?;
            let full = span.to(self.toks[self.pos - 1].span);
            if n > 128 {
                return Err(self.err(full, format!("mask length must be <= 128, not {n}")));
            }
            self.net_only(q, full)?;
            let mask = if n == 0 { 0 } else { u128::MAX << (128 - n) };
            return Ok((mask, full));
        }
        Ok((u128::MAX, span))
    }

    fn net_only(&self, q: Quals, span: Span) -> Result<(), PcapError> {
        match q.kind {
            Kind::Default | Kind::Net => Ok(()),
            _ => Err(self.err(span, "mask syntax for networks only")),
        }
    }

    /// `arith relop arith`.
    fn relation(&mut self) -> Result<Cond, PcapError> {
        let start = self.peek().span;
        let mut guards = Vec::new();
        let lhs = self.arith(0, &mut guards)?;
        let t = self.peek().clone();
        let op = match t.kind {
            TokenKind::Punct(Punct::Eq) => RelOp::Eq,
            TokenKind::Punct(Punct::Ne) => RelOp::Ne,
            TokenKind::Punct(Punct::Lt) => RelOp::Lt,
            TokenKind::Punct(Punct::Le) => RelOp::Le,
            TokenKind::Punct(Punct::Gt) => RelOp::Gt,
            TokenKind::Punct(Punct::Ge) => RelOp::Ge,
            _ => return Err(self.unexpected(&t, "a comparison ('=', '!=', '<', '>', ...)")),
        };
        self.bump();
        let rhs = self.arith(0, &mut guards)?;
        let span = start.to(self.toks[self.pos.saturating_sub(1)].span);
        let rel = Cond::test(Test::Relation { op, lhs, rhs }, span);
        if guards.is_empty() {
            return Ok(rel);
        }
        guards.push(rel);
        Ok(Cond::All(guards))
    }

    fn binop(&self) -> Option<(ArithOp, u8)> {
        let TokenKind::Punct(p) = self.peek().kind else {
            return None;
        };
        Some(match p {
            Punct::Pipe => (ArithOp::Or, 1),
            Punct::Amp => (ArithOp::And, 2),
            Punct::Shl => (ArithOp::Shl, 3),
            Punct::Shr => (ArithOp::Shr, 3),
            Punct::Plus => (ArithOp::Add, 4),
            Punct::Minus => (ArithOp::Sub, 4),
            Punct::Star => (ArithOp::Mul, 5),
            Punct::Slash => (ArithOp::Div, 5),
            // No precedence in libpcap's grammar: always shifted (see the module doc).
            Punct::Caret => (ArithOp::Xor, 0),
            Punct::Percent => (ArithOp::Mod, 0),
            _ => return None,
        })
    }

    /// Precedence climbing; operators of precedence 0 (`^`, `%`) take everything after them.
    fn arith(&mut self, min: u8, guards: &mut Vec<Cond>) -> Result<Expr, PcapError> {
        let mut lhs = self.arith_prefix(guards)?;
        while let Some((op, prec)) = self.binop() {
            if prec != 0 && prec < min.max(1) {
                break;
            }
            let op_tok = self.bump();
            let rhs = if prec == 0 {
                self.arith(0, guards)?
            } else {
                self.arith(prec + 1, guards)?
            };
            self.check_const_rhs(op, &rhs, op_tok.span)?;
            lhs = Expr::Bin(op, Box::new(lhs), Box::new(rhs));
        }
        Ok(lhs)
    }

    fn check_const_rhs(&self, op: ArithOp, rhs: &Expr, span: Span) -> Result<(), PcapError> {
        match (op, rhs) {
            (ArithOp::Div, Expr::Const(0)) => Err(self.err(span, "division by zero")),
            (ArithOp::Mod, Expr::Const(0)) => Err(self.err(span, "modulus by zero")),
            (ArithOp::Shl | ArithOp::Shr, Expr::Const(k)) if *k > 31 => {
                Err(self.err(span, "shift by more than 31 bits"))
            }
            _ => Ok(()),
        }
    }

    /// A unary minus applies to its operand and any `^`/`%` chain after it (yacc shifts them).
    fn arith_prefix(&mut self, guards: &mut Vec<Cond>) -> Result<Expr, PcapError> {
        if self.is_punct(0, Punct::Minus) {
            self.bump();
            let mut inner = self.arith_prefix(guards)?;
            while let Some((op, 0)) = self.binop() {
                let op_tok = self.bump();
                let rhs = self.arith(0, guards)?;
                self.check_const_rhs(op, &rhs, op_tok.span)?;
                inner = Expr::Bin(op, Box::new(inner), Box::new(rhs));
            }
            return Ok(Expr::Neg(Box::new(inner)));
        }
        self.arith_primary(guards)
    }

    fn arith_primary(&mut self, guards: &mut Vec<Cond>) -> Result<Expr, PcapError> {
        let t = self.peek().clone();
        match &t.kind {
            TokenKind::Punct(Punct::LParen) => {
                self.bump();
                let e = self.arith(0, guards)?;
                self.expect_punct(Punct::RParen, "')'")?;
                Ok(e)
            }
            TokenKind::Word(w) if w == "len" => {
                self.bump();
                Ok(Expr::Len)
            }
            TokenKind::Word(w) => {
                if let Some(proto) = Proto::from_keyword(w) {
                    if self.is_punct(1, Punct::LBracket) {
                        return self.load(proto, t.span, guards);
                    }
                }
                match classify(w) {
                    WordClass::Number(n) => {
                        self.bump();
                        Ok(Expr::Const(n))
                    }
                    _ if addr::looks_numeric(w) => {
                        Err(self.err(t.span, format!("number '{w}' out of range")))
                    }
                    _ => Err(self.unexpected(&t, "a number, 'len' or a packet load like 'ip[0]'")),
                }
            }
            _ => Err(self.unexpected(&t, "a number, 'len' or a packet load like 'ip[0]'")),
        }
    }

    /// `proto '[' arith [':' size] ']'`.
    fn load(
        &mut self,
        proto: Proto,
        span: Span,
        guards: &mut Vec<Cond>,
    ) -> Result<Expr, PcapError> {
        self.bump();
        self.bump();
        let offset = self.arith(0, guards)?;
        let mut size = 1u32;
        if self.is_punct(0, Punct::Colon) {
            self.bump();
            let t = self.peek().clone();
            size = self.number_after(":")?;
            if !matches!(size, 1 | 2 | 4) {
                return Err(self.err(t.span, "data size must be 1, 2, or 4"));
            }
        }
        let close = self.expect_punct(Punct::RBracket, "']'")?;
        let span = span.to(close.span);
        let (base, g) = self
            .gen
            .load_base(proto, span)
            .map_err(|m| self.err(span, m))?;
        guards.extend(g);
        Ok(Expr::Load {
            base,
            offset: Box::new(offset),
            size: size as u8,
        })
    }
}

fn prefix_mask(bits: u32) -> u32 {
    if bits == 0 {
        0
    } else {
        u32::MAX << (32 - bits.min(32))
    }
}
