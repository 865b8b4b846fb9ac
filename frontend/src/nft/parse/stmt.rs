//! One rule's statements: matches (`LHS [& MASK] [OP] RHS`, `LHS vmap ...`), verdicts and the
//! statements that only count or record (`counter`, `log`, `comment`); stateful and
//! packet-rewriting statements are refused with the reason.

use super::{Parser, R, STMT_WORDS};
use crate::nft::expr::{self, Kind, Lhs, Op, Val};
use crate::nft::lexer::Tok;
use crate::nft::model::*;
use crate::ruleset::Span;
use crate::syntax::{suggest, Direction, SyntaxError};

impl Parser<'_> {
    pub(super) fn verdict_word(&mut self) -> R<Option<Verdict>> {
        let Some(w) = self.peek_word().map(str::to_string) else {
            return Ok(None);
        };
        let v = match w.as_str() {
            "accept" => Verdict::Accept,
            "drop" => Verdict::Drop,
            "continue" => Verdict::Continue,
            "return" => Verdict::Return,
            "jump" | "goto" => {
                self.pos += 1;
                let (c, s) = self.word("a chain name")?;
                return Ok(Some(if w == "jump" {
                    Verdict::Jump(c, s)
                } else {
                    Verdict::Goto(c, s)
                }));
            }
            _ => return Ok(None),
        };
        self.pos += 1;
        Ok(Some(v))
    }

    /// One rule: statements up to the end of the line, `;` or `}`.
    pub fn rule(&mut self) -> R<NRule> {
        let start = self.span();
        let mut stmts = Vec::new();
        let mut verdict = None;
        let mut counter = false;
        while !self.at_stmt_end() {
            let span = self.span();
            if verdict.is_some() {
                return Err(SyntaxError::new(
                    span,
                    format!("statement after the verdict: {}", self.describe()),
                )
                .with_note("the verdict ends the rule"));
            }
            if let Some(v) = self.verdict_word()? {
                verdict = Some(v);
                continue;
            }
            match self.peek_word() {
                Some("counter") => {
                    self.pos += 1;
                    counter = true;
                    self.counter_args()?;
                    continue;
                }
                Some("log") => {
                    self.pos += 1;
                    self.log_args(span)?;
                    continue;
                }
                Some("comment") => {
                    self.pos += 1;
                    self.word("a comment")?;
                    if !self.at_stmt_end() {
                        return Err(SyntaxError::new(self.span(), format!("{} after a comment", self.describe()))
                            .with_note("a comment ends the rule"));
                    }
                    continue;
                }
                Some("reject") => {
                    return Err(SyntaxError::new(span, "'reject' cannot run in XDP/TC here").with_note(
                        "reject answers with an ICMP error or a TCP reset; this program can only pass, drop or redirect the packet it sees. Use drop",
                    ))
                }
                Some("queue") => {
                    return Err(SyntaxError::new(span, "'queue' hands packets to user space")
                        .with_note("there is no netfilter queue below the stack; use drop or accept"))
                }
                Some(k @ ("ct" | "limit" | "quota" | "meter" | "notrack" | "synproxy" | "connlimit")) => {
                    let why = match k {
                        "ct" | "notrack" | "synproxy" => "it reads or changes the connection-tracking table, which XDP/TC programs here do not have (they see each packet alone)",
                        _ => "its result depends on earlier packets (rates, quotas, per-source state): it cannot be decided statelessly from one packet",
                    };
                    return Err(SyntaxError::new(span, format!("'{k}' is stateful and cannot be compiled")).with_note(why));
                }
                Some(k @ ("snat" | "dnat" | "masquerade" | "redirect" | "tproxy" | "dup" | "fwd" | "mark" | "set" | "update" | "add" | "delete")) => {
                    return Err(SyntaxError::new(span, format!("'{k}' is not supported"))
                        .with_note("it rewrites the packet or kernel state; a stateless filter can only accept, drop, jump or count"));
                }
                _ => {}
            }
            stmts.push(self.test_stmt()?);
        }
        let end = self.prev_span();
        Ok(NRule {
            stmts,
            verdict: verdict.unwrap_or(Verdict::Continue),
            counter,
            span: start.to(end),
        })
    }

    /// A left-hand side; `None` when the next token does not start one.
    pub(super) fn lhs(&mut self) -> R<Option<Lhs>> {
        let span = self.span();
        if self.eat_punct("@") {
            let (base, bspan) = self.word("ll, nh or th")?;
            let base: &'static str = match base.as_str() {
                "ll" => "ll",
                "nh" => "nh",
                "th" => "th",
                "ih" => {
                    return Err(SyntaxError::new(
                        bspan,
                        "'@ih' (inner header) cannot be compiled",
                    )
                    .with_note("nft finds the inner header after the UDP header or after a TCP header of the packet's own length; only @ll, @nh and @th are compiled"))
                }
                _ => {
                    return Err(
                        SyntaxError::new(bspan, format!("unknown payload base '{base}'"))
                            .with_note("ll, nh or th"),
                    )
                }
            };
            self.expect_punct(",")?;
            let (off, ospan) = self.word("a bit offset")?;
            self.expect_punct(",")?;
            let (len, lspan) = self.word("a bit length")?;
            let off = off
                .parse::<u32>()
                .map_err(|_| SyntaxError::new(ospan, "bad offset"))?;
            let len = len
                .parse::<u32>()
                .map_err(|_| SyntaxError::new(lspan, "bad length"))?;
            return Ok(Some(Lhs::Raw { base, off, len }));
        }
        let Some(w) = self.peek_word().map(str::to_string) else {
            return Ok(None);
        };
        if w == "exthdr" {
            self.pos += 1;
            let (h, hspan) = self.word("an extension header name")?;
            let t = match h.as_str() {
                "hbh" => 0,
                "rt" | "rt0" | "rt2" | "srh" => 43,
                "frag" => 44,
                "dst" => 60,
                "mh" => 135,
                _ => {
                    return Err(
                        SyntaxError::new(hspan, format!("unknown extension header '{h}'"))
                            .with_note("hbh, rt, frag, dst or mh"),
                    )
                }
            };
            return Ok(Some(Lhs::ExtExists(t)));
        }
        if expr::PROTOS.contains(&w.as_str()) {
            self.pos += 1;
            let (mut f, fspan) = self.word("a header field")?;
            match (w.as_str(), f.as_str()) {
                ("tcp", "option") | ("sctp", "chunk") => {
                    let what = if w == "tcp" {
                        "TCP options"
                    } else {
                        "SCTP chunks"
                    };
                    return Err(SyntaxError::new(fspan, format!("'{w} {f}' cannot be compiled"))
                        .with_note(format!("nft walks the list of {what} to find one; the compiled rules read fields at fixed offsets and have no loop")));
                }
                ("arp", "saddr" | "daddr") => {
                    let (a, _) = self.word("ip or ether")?;
                    f = format!("{f} {a}");
                }
                ("rt0", "addr") | ("srh", "sid") => {
                    self.expect_punct("[")?;
                    let (n, nspan) = self.word("an index")?;
                    self.expect_punct("]")?;
                    let index = n
                        .parse::<u16>()
                        .ok()
                        .filter(|n| (1..=255).contains(n))
                        .ok_or_else(|| {
                            SyntaxError::new(nspan, format!("bad index '{n}' (1 to 255)"))
                        })?;
                    let (proto, field) = if w == "rt0" {
                        ("rt0", "addr")
                    } else {
                        ("srh", "sid")
                    };
                    return Ok(Some(Lhs::Indexed {
                        proto,
                        field,
                        index,
                    }));
                }
                _ => {}
            }
            let Some((p, f2)) = expr::payload(&w, &f) else {
                let fields = expr::fields_of(&w);
                return Err(
                    SyntaxError::new(fspan, format!("unknown field '{f}' of '{w}'"))
                        .with_note(suggest::hint(&f, &fields)),
                );
            };
            return Ok(Some(Lhs::Payload {
                proto: p,
                field: f2,
            }));
        }
        let key = if w == "meta" {
            self.pos += 1;
            let (k, _) = self.word("a meta key")?;
            k
        } else if matches!(
            w.as_str(),
            "iif" | "iifname" | "oif" | "oifname" | "l4proto" | "nfproto" | "pkttype"
        ) {
            self.pos += 1;
            w.clone()
        } else if w == "fib" {
            self.pos += 1;
            let (which, wspan) = self.word("saddr or daddr")?;
            let daddr = match which.as_str() {
                "daddr" => true,
                "saddr" => false,
                _ => return Err(SyntaxError::new(wspan, "expected saddr or daddr")),
            };
            let (res, rspan) = self.word("type")?;
            if res != "type" {
                return Err(SyntaxError::new(rspan, format!("'fib ... {res}' cannot be compiled"))
                    .with_note("it asks the routing table; only 'fib saddr|daddr type multicast' follows from the address alone"));
            }
            return Ok(Some(Lhs::FibType { daddr }));
        } else {
            return Ok(None);
        };
        let _ = span;
        let known: &[&str] = &[
            "l4proto", "nfproto", "protocol", "length", "iif", "iifname", "oif", "oifname",
            "pkttype",
        ];
        match known.iter().find(|k| **k == key) {
            Some(k) => Ok(Some(Lhs::Meta(k))),
            None => {
                let sp = self.prev_span();
                let why = match key.as_str() {
                    "mark" | "priority" => {
                        "it reads kernel state attached to the packet (skb metadata set by earlier rules or the stack); the compiled rules test packet bytes only"
                    }
                    "skuid" | "skgid" | "cgroup" | "secmark" | "rtclassid" | "iifgroup"
                    | "oifgroup" | "iiftype" | "oiftype" | "iifkind" | "oifkind" | "sdif"
                    | "sdifname" | "nftrace" | "ibrname" | "obrname" | "ibrvproto"
                    | "ibrpvid" => {
                        "it reads kernel state about sockets, devices or routing that the packet's bytes do not carry"
                    }
                    "cpu" | "time" | "day" | "hour" | "random" => {
                        "its value is not a property of the packet (the CPU, the clock or a random number): rules that depend on it are not stateless packet filters"
                    }
                    "ipsec" | "secpath" => "it reads the IPsec state of the packet (xfrm), which XDP/TC here do not see",
                    _ => "unknown meta key",
                };
                Err(SyntaxError::new(sp, format!("meta {key} cannot be compiled")).with_note(why))
            }
        }
    }

    /// `LHS [& MASK] [OP] RHS` or `LHS vmap ...`.
    pub(super) fn test_stmt(&mut self) -> R<Stmt> {
        let start = self.span();
        let Some(lhs) = self.lhs()? else {
            let mut e = SyntaxError::new(
                start,
                format!("syntax error, unexpected {}", self.describe()),
            );
            if let Some(w) = self.peek_word() {
                e = e.with_note(suggest::hint(w, STMT_WORDS));
            }
            return Err(e);
        };
        let kind = lhs.kind();
        // Interfaces: the attach point.
        if let Lhs::Meta(k @ ("iif" | "iifname" | "oif" | "oifname")) = lhs {
            let neg =
                matches!(self.peek(), Some(Tok::Punct("!="))) || self.peek_word() == Some("ne");
            if neg || matches!(self.peek(), Some(Tok::Punct("{"))) {
                return Err(SyntaxError::new(
                    self.span(),
                    format!("only 'meta {k} NAME' can be compiled"),
                )
                .with_note("the interface is where the program is attached, not a packet test"));
            }
            if !self.eat_punct("==") && self.peek_word() == Some("eq") {
                self.pos += 1;
            }
            let (dev, dspan) = self.word("an interface name")?;
            crate::syntax::check_ifname(&dev, dspan)?;
            let dir = if k.starts_with('i') {
                Direction::Ingress
            } else {
                Direction::Egress
            };
            self.attach.push((dev, dir, dspan));
            return Ok(Stmt::Attach(start.to(dspan)));
        }
        let mut mask = None;
        if self.eat_punct("&") {
            mask = Some(self.bit_value(kind)?);
        }
        if self.peek_word() == Some("vmap") {
            self.pos += 1;
            let map = if self.eat_punct("@") {
                let (n, s) = self.word("a map name")?;
                VmapRef::Named(n, s)
            } else {
                self.expect_punct("{")?;
                let elems = self.elements(kind, true)?;
                VmapRef::Inline(
                    elems
                        .into_iter()
                        .map(|(v, d)| (v, d.unwrap_or(Verdict::Continue)))
                        .collect(),
                )
            };
            return Ok(Stmt::Vmap {
                lhs,
                mask,
                map,
                span: start.to(self.prev_span()),
            });
        }
        let op = match (self.peek().cloned(), self.peek_word()) {
            (Some(Tok::Punct("==")), _) | (_, Some("eq")) => Op::Eq,
            (Some(Tok::Punct("!=")), _) | (_, Some("ne")) => Op::Ne,
            (Some(Tok::Punct("<")), _) | (_, Some("lt")) => Op::Lt,
            (Some(Tok::Punct("<=")), _) | (_, Some("le")) => Op::Le,
            (Some(Tok::Punct(">")), _) | (_, Some("gt")) => Op::Gt,
            (Some(Tok::Punct(">=")), _) | (_, Some("ge")) => Op::Ge,
            _ => Op::Implicit,
        };
        if op != Op::Implicit {
            self.pos += 1;
        }
        if let Lhs::FibType { .. } = lhs {
            let (w, wspan) = self.word("multicast")?;
            if w != "multicast" || !matches!(op, Op::Implicit | Op::Eq | Op::Ne) {
                return Err(SyntaxError::new(
                    wspan,
                    format!("'fib ... type {w}' cannot be compiled"),
                )
                .with_note(
                    "it needs the routing table; only 'multicast' follows from the address alone",
                ));
            }
            return Ok(Stmt::Test {
                lhs,
                mask: None,
                op,
                rhs: Rhs::Vals(vec![Val::One(1)], false),
                span: start.to(wspan),
            });
        }
        let rhs = if self.eat_punct("@") {
            let (n, s) = self.word("a set name")?;
            Rhs::Set(n, s)
        } else if self.eat_punct("{") {
            let elems = self.elements(kind, false)?;
            Rhs::Vals(elems.into_iter().map(|(v, _)| v).collect(), true)
        } else if kind.is_bitmask() {
            let v = self.bit_value(kind)?;
            if self.eat_punct("/") {
                let m = self.bit_value(kind)?;
                Rhs::Masked(v, m)
            } else {
                Rhs::Vals(vec![Val::One(v)], false)
            }
        } else {
            let (w, wspan) = self.word("a value")?;
            Rhs::Vals(vec![expr::parse_val(kind, &w, wspan)?], false)
        };
        Ok(Stmt::Test {
            lhs,
            mask,
            op,
            rhs,
            span: start.to(self.prev_span()),
        })
    }

    /// After `counter`: `[packets N] [bytes N]` in either order, or `name NAME` (a named
    /// counter object, which must be declared).
    pub(super) fn counter_args(&mut self) -> R<()> {
        if self.peek_word() == Some("name") {
            self.pos += 1;
            let (n, nspan) = self.word("a counter name")?;
            self.counter_refs.push((n, nspan));
            return Ok(());
        }
        let mut seen: Vec<String> = Vec::new();
        while let Some(k @ ("packets" | "bytes")) = self.peek_word().map(str::to_string).as_deref()
        {
            let kspan = self.span();
            if seen.iter().any(|s| s == k) {
                return Err(SyntaxError::new(kspan, format!("'{k}' given twice")));
            }
            seen.push(k.to_string());
            self.pos += 1;
            let (v, vspan) = self.word("a number")?;
            if crate::syntax::parse_decimal(&v).is_none() {
                return Err(SyntaxError::new(vspan, format!("'{v}' is not a number")));
            }
        }
        Ok(())
    }

    /// After `log`: `prefix`, `level`, `group`, `snaplen`, `queue-threshold`, `flags`. The
    /// rule counts and goes on (the log record is not written). `level` and `group` are
    /// mutually exclusive, as nft says.
    pub(super) fn log_args(&mut self, log_span: Span) -> R<()> {
        let mut level = false;
        let mut group = false;
        while let Some(k) = self.peek_word().map(str::to_string) {
            let kspan = self.span();
            match k.as_str() {
                "prefix" => {
                    self.pos += 1;
                    self.word("a prefix")?;
                }
                "level" => {
                    self.pos += 1;
                    let (v, vspan) = self.word("a log level")?;
                    const LEVELS: &[&str] = &[
                        "emerg", "alert", "crit", "err", "warn", "notice", "info", "debug", "audit",
                    ];
                    if !LEVELS.contains(&v.as_str()) {
                        return Err(SyntaxError::new(vspan, format!("invalid log level '{v}'"))
                            .with_note(suggest::hint(&v, LEVELS)));
                    }
                    level = true;
                }
                "group" | "snaplen" | "queue-threshold" => {
                    self.pos += 1;
                    let (v, vspan) = self.word("a number")?;
                    let max = if k == "snaplen" {
                        u32::MAX as u64
                    } else {
                        u16::MAX as u64
                    };
                    if crate::syntax::parse_decimal(&v).is_none_or(|n| n > max) {
                        return Err(SyntaxError::new(vspan, format!("'{v}' is not a valid {k}")));
                    }
                    group |= k == "group";
                }
                "flags" => {
                    self.pos += 1;
                    self.word("a flag")?;
                    if matches!(self.peek_word(), Some("sequence" | "options")) {
                        self.pos += 1;
                    }
                    while self.eat_punct(",") {
                        self.word("a flag")?;
                    }
                }
                _ => break,
            }
            let _ = kspan;
        }
        if level && group {
            return Err(
                SyntaxError::new(log_span, "level and group are mutually exclusive").with_note(
                    "with 'group' the record goes to nfnetlink_log, which has no syslog level",
                ),
            );
        }
        Ok(())
    }

    /// A bitmask value inside a set: `a|b` (a comma separates elements there).
    pub(super) fn bit_value_in_set(&mut self, kind: Kind) -> R<u128> {
        let mut v = 0u128;
        loop {
            let (w, span) = self.word("a value")?;
            v |= expr::one(kind, &w, span)?;
            if !self.eat_punct("|") {
                return Ok(v);
            }
        }
    }

    /// A value of a bitmask or integer type: `a`, `a|b`, `a,b`, `(a|b)`.
    pub(super) fn bit_value(&mut self, kind: Kind) -> R<u128> {
        let paren = self.eat_punct("(");
        let mut v = 0u128;
        loop {
            let (w, span) = self.word("a value")?;
            v |= expr::one(kind, &w, span).or_else(|e| {
                // A mask on an address field is written as an address.
                match kind {
                    Kind::Ipv4 | Kind::Ipv6 | Kind::Mac => Err(e),
                    _ => crate::syntax::parse_c_number(&w).map(u128::from).ok_or(e),
                }
            })?;
            if !(self.eat_punct("|") || (kind.is_bitmask() && !paren && self.eat_punct(","))) {
                break;
            }
        }
        if paren {
            self.expect_punct(")")?;
        }
        Ok(v)
    }
}
