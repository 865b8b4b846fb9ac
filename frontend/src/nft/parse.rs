//! Tokens to the [`super::model`]: commands (`add table|chain|rule|set|element`, `insert rule`,
//! `flush ruleset`), `table { ... }` blocks, `define`/`$var`, and rule statements.

mod stmt;

use super::expr::{self, Kind, Val};
use super::lexer::{Tok, Token};
use super::model::*;
use crate::ruleset::{Action, Span};
use crate::syntax::{suggest, Direction, SyntaxError};
use std::collections::HashMap;

pub(crate) struct Parser<'a> {
    pub text: &'a str,
    toks: Vec<Token>,
    pos: usize,
    pub tables: Vec<NTable>,
    /// Interfaces named by `iif`/`oif` and netdev `device` (name, direction, span).
    pub attach: Vec<(String, Direction, Span)>,
    pub notes: Vec<String>,
    /// `counter name NAME` references, checked against `counters` at the end.
    pub counter_refs: Vec<(String, Span)>,
    /// Named counter objects declared (`counter NAME { ... }`, `add counter`).
    pub counters: Vec<String>,
}

type R<T> = Result<T, SyntaxError>;

const TOP: &[&str] = &[
    "add", "insert", "create", "table", "flush", "define", "include", "delete", "list",
];
const STMT_WORDS: &[&str] = &[
    "ip", "ip6", "tcp", "udp", "sctp", "th", "icmp", "icmpv6", "ether", "vlan", "arp", "meta",
    "iif", "iifname", "oif", "oifname", "fib", "accept", "drop", "continue", "return", "jump",
    "goto", "counter", "log", "comment", "reject", "ct", "limit", "quota", "udplite", "dccp",
    "igmp", "ah", "esp", "comp", "hbh", "dst", "rt", "rt0", "srh", "frag", "mh", "exthdr",
    "pkttype",
];

/// Expand `define NAME = VALUE` and `$NAME`, refuse `include`.
fn expand_defines(toks: Vec<Token>) -> R<Vec<Token>> {
    let mut defs: HashMap<String, Vec<Token>> = HashMap::new();
    let mut out: Vec<Token> = Vec::new();
    let mut i = 0;
    let at_stmt_start = |out: &Vec<Token>| {
        out.last()
            .is_none_or(|t| matches!(t.tok, Tok::Newline | Tok::Punct(";") | Tok::Punct("{")))
    };
    while i < toks.len() {
        let t = &toks[i];
        match &t.tok {
            Tok::Word(w) if w == "include" && at_stmt_start(&out) => {
                return Err(SyntaxError::new(t.span, "'include' is not supported")
                    .with_note("give the rules as one file (or concatenate the files)"));
            }
            Tok::Word(w) if w == "define" && at_stmt_start(&out) => {
                let Some(Token {
                    tok: Tok::Word(name),
                    span,
                }) = toks.get(i + 1)
                else {
                    return Err(SyntaxError::new(t.span, "'define' needs a name"));
                };
                if !matches!(toks.get(i + 2).map(|t| &t.tok), Some(Tok::Punct("="))) {
                    return Err(SyntaxError::new(
                        *span,
                        "expected '=' after the define's name",
                    ));
                }
                let mut j = i + 3;
                let mut depth = 0i32;
                let mut val = Vec::new();
                while let Some(x) = toks.get(j) {
                    match x.tok {
                        Tok::Punct("{") => depth += 1,
                        Tok::Punct("}") => depth -= 1,
                        Tok::Newline | Tok::Punct(";") if depth <= 0 => break,
                        _ => {}
                    }
                    if let Tok::Punct("$") = x.tok {
                        if let Some(Token {
                            tok: Tok::Word(n), ..
                        }) = toks.get(j + 1)
                        {
                            if let Some(v) = defs.get(n) {
                                val.extend(v.iter().cloned());
                                j += 2;
                                continue;
                            }
                        }
                    }
                    val.push(x.clone());
                    j += 1;
                }
                defs.insert(name.clone(), val);
                i = j;
            }
            Tok::Punct("$") => {
                let Some(Token {
                    tok: Tok::Word(name),
                    span,
                }) = toks.get(i + 1)
                else {
                    return Err(SyntaxError::new(t.span, "'$' needs a variable name"));
                };
                let Some(v) = defs.get(name) else {
                    let names: Vec<&str> = defs.keys().map(String::as_str).collect();
                    return Err(SyntaxError::new(
                        t.span.to(*span),
                        format!("unknown variable '${name}'"),
                    )
                    .with_note(suggest::hint(name, &names)));
                };
                let use_span = t.span.to(*span);
                out.extend(v.iter().map(|x| Token {
                    tok: x.tok.clone(),
                    span: use_span,
                }));
                i += 2;
            }
            _ => {
                out.push(t.clone());
                i += 1;
            }
        }
    }
    Ok(out)
}

/// Blank out a leading `nft` (and the quotes around the rest, as `iptables-translate` prints
/// it) on each line, keeping every offset.
pub(crate) fn strip_nft_prefix(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let lead = line.len() - trimmed.len();
        if let Some(rest) = trimmed
            .strip_prefix("nft")
            .filter(|r| r.starts_with(char::is_whitespace))
        {
            let mut l = String::new();
            l.push_str(&line[..lead]);
            l.push_str("   ");
            let body = rest.trim_end_matches(['\n', '\r']);
            let tail = &rest[body.len()..];
            let inner = body.trim_start();
            let pad = body.len() - inner.len();
            let inner_t = inner.trim_end();
            if inner_t.len() >= 2 && inner_t.starts_with('\'') && inner_t.ends_with('\'') {
                l.push_str(&body[..pad]);
                l.push(' ');
                l.push_str(&inner_t[1..inner_t.len() - 1]);
                l.push(' ');
                l.push_str(&inner[inner_t.len()..]);
            } else if let Some(stripped) = inner_t.strip_prefix("-f") {
                // `nft -f FILE` is not a rule.
                l.push_str(&body[..pad]);
                l.push('#');
                l.push_str(&inner_t[1..]);
                let _ = stripped;
                l.push_str(&inner[inner_t.len()..]);
            } else {
                l.push_str(body);
            }
            l.push_str(tail);
            out.push_str(&l);
        } else {
            out.push_str(line);
        }
    }
    out
}

impl<'a> Parser<'a> {
    pub fn new(text: &'a str, toks: Vec<Token>) -> R<Parser<'a>> {
        Ok(Parser {
            text,
            toks: expand_defines(toks)?,
            pos: 0,
            tables: Vec::new(),
            attach: Vec::new(),
            notes: Vec::new(),
            counter_refs: Vec::new(),
            counters: Vec::new(),
        })
    }

    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|t| &t.tok)
    }

    fn peek_word(&self) -> Option<&str> {
        match self.peek() {
            Some(Tok::Word(w)) => Some(w.as_str()),
            _ => None,
        }
    }

    fn span(&self) -> Span {
        self.toks
            .get(self.pos)
            .map(|t| t.span)
            .unwrap_or(Span::new(self.text.len(), self.text.len()))
    }

    fn prev_span(&self) -> Span {
        self.pos
            .checked_sub(1)
            .and_then(|p| self.toks.get(p))
            .map_or(Span::default(), |t| t.span)
    }

    fn describe(&self) -> String {
        match self.peek() {
            None => "end of input".into(),
            Some(Tok::Word(w)) => format!("'{w}'"),
            Some(Tok::Str(s, _)) => format!("\"{s}\""),
            Some(Tok::Newline) => "end of line".into(),
            Some(Tok::Punct(p)) => format!("'{p}'"),
            Some(Tok::Unknown(c)) => format!("'{c}'"),
        }
    }

    fn unexpected(&self, expected: &str) -> SyntaxError {
        SyntaxError::new(
            self.span(),
            format!(
                "syntax error, unexpected {}, expected {expected}",
                self.describe()
            ),
        )
    }

    fn word(&mut self, what: &str) -> R<(String, Span)> {
        match self.peek() {
            Some(Tok::Word(w)) => {
                let w = w.clone();
                let s = self.span();
                self.pos += 1;
                Ok((w, s))
            }
            Some(Tok::Str(s, false)) => {
                let w = s.clone();
                let sp = self.span();
                self.pos += 1;
                Ok((w, sp))
            }
            _ => Err(self.unexpected(what)),
        }
    }

    fn eat_punct(&mut self, p: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Punct(x)) if *x == p) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect_punct(&mut self, p: &str) -> R<()> {
        if self.eat_punct(p) {
            Ok(())
        } else {
            Err(self.unexpected(&format!("'{p}'")))
        }
    }

    fn skip_separators(&mut self) {
        while matches!(self.peek(), Some(Tok::Newline | Tok::Punct(";"))) {
            self.pos += 1;
        }
    }

    fn at_stmt_end(&self) -> bool {
        matches!(
            self.peek(),
            None | Some(Tok::Newline | Tok::Punct(";") | Tok::Punct("}"))
        )
    }

    /// The whole input.
    pub fn parse(&mut self) -> R<()> {
        loop {
            self.skip_separators();
            let Some(tok) = self.peek().cloned() else {
                return self.check_counter_refs();
            };
            let span = self.span();
            let Tok::Word(w) = tok else {
                return Err(self.unexpected("a command (add, insert, table, flush, define)"));
            };
            self.pos += 1;
            match w.as_str() {
                "table" => self.table_block(span)?,
                "add" | "create" | "insert" => {
                    let (what, wspan) = self.word("table, chain, rule, set, map or element")?;
                    match what.as_str() {
                        "table" => self.table_block(span)?,
                        "chain" => {
                            let (t, name, nspan) = self.table_ref_and_name()?;
                            let ti = t;
                            self.ensure_chain(ti, &name, false);
                            if matches!(self.peek(), Some(Tok::Punct("{"))) {
                                self.pos += 1;
                                self.chain_body(ti, &name, nspan)?;
                            }
                        }
                        "rule" => {
                            let (t, chain, _) = self.table_ref_and_name()?;
                            let ci = self.ensure_chain(t, &chain, true);
                            if self.peek_word() == Some("position")
                                || self.peek_word() == Some("index")
                                || self.peek_word() == Some("handle")
                            {
                                return Err(SyntaxError::new(
                                    self.span(),
                                    "rule positions by handle/index are not supported",
                                )
                                .with_note("write the rules in the order they apply"));
                            }
                            let rule = self.rule()?;
                            let rules = &mut self.tables[t].chains[ci].rules;
                            if w == "insert" {
                                rules.insert(0, rule);
                            } else {
                                rules.push(rule);
                            }
                        }
                        "set" | "map" => {
                            let (t, name, nspan) = self.table_ref_and_name()?;
                            self.expect_punct("{")?;
                            self.set_body(t, &name, what == "map", nspan)?;
                        }
                        "counter" => {
                            let (_, name, _) = self.table_ref_and_name()?;
                            self.counter_object(name)?;
                        }
                        "element" => {
                            let (t, name, nspan) = self.table_ref_and_name()?;
                            let Some(si) = self.tables[t].sets.iter().position(|s| s.name == name)
                            else {
                                return Err(SyntaxError::new(nspan, format!("no set '{name}'")));
                            };
                            self.expect_punct("{")?;
                            let (kind, is_map) =
                                (self.tables[t].sets[si].kind, self.tables[t].sets[si].is_map);
                            let elems = self.elements(kind, is_map)?;
                            self.tables[t].sets[si].elements.extend(elems);
                        }
                        other => {
                            return Err(SyntaxError::new(
                                wspan,
                                format!("unknown object '{other}'"),
                            )
                            .with_note(suggest::hint(
                                other,
                                &["table", "chain", "rule", "set", "map", "element"],
                            )))
                        }
                    }
                }
                "flush" => {
                    let (what, wspan) = self.word("ruleset, table or chain")?;
                    match what.as_str() {
                        "ruleset" => self.tables.clear(),
                        "table" => {
                            let (t, _, _) = self.table_ref_only()?;
                            for c in &mut self.tables[t].chains {
                                c.rules.clear();
                            }
                        }
                        "chain" => {
                            let (t, name, _) = self.table_ref_and_name()?;
                            let ci = self.ensure_chain(t, &name, false);
                            self.tables[t].chains[ci].rules.clear();
                        }
                        other => {
                            return Err(SyntaxError::new(wspan, format!("cannot flush '{other}'")))
                        }
                    }
                }
                "delete" | "list" | "reset" | "rename" | "replace" | "destroy" | "monitor"
                | "describe" | "export" | "import" => {
                    return Err(SyntaxError::new(span, format!("'{w}' does not build a rule set"))
                        .with_note("rule sets are built from table/chain/set blocks and add/insert commands"));
                }
                other => {
                    return Err(SyntaxError::new(
                        span,
                        format!("syntax error, unexpected '{other}'"),
                    )
                    .with_note(suggest::hint(other, TOP)));
                }
            }
        }
    }

    /// A named counter object: its name, then an optional `{ packets N bytes N }` body.
    fn counter_object(&mut self, name: String) -> R<()> {
        if self.eat_punct("{") {
            loop {
                self.skip_separators();
                if self.eat_punct("}") {
                    break;
                }
                let (k, kspan) = self.word("packets, bytes or '}'")?;
                match k.as_str() {
                    "packets" | "bytes" => {
                        self.word("a number")?;
                    }
                    "comment" => {
                        self.word("a comment")?;
                    }
                    _ => {
                        return Err(SyntaxError::new(
                            kspan,
                            format!("syntax error, unexpected '{k}' in a counter"),
                        ))
                    }
                }
            }
        }
        self.counters.push(name);
        Ok(())
    }

    fn check_counter_refs(&self) -> R<()> {
        for (n, span) in &self.counter_refs {
            if !self.counters.contains(n) {
                let names: Vec<&str> = self.counters.iter().map(String::as_str).collect();
                return Err(SyntaxError::new(*span, format!("no counter object '{n}'"))
                    .with_note(suggest::hint(n, &names)));
            }
        }
        Ok(())
    }

    /// `[family] table` → table index (created when new).
    fn table_ref_only(&mut self) -> R<(usize, String, Span)> {
        let (first, fspan) = self.word("a family or table name")?;
        let (family, name, span) = match Family::from_word(&first) {
            Some(f) if matches!(self.peek(), Some(Tok::Word(_)) | Some(Tok::Str(..))) => {
                let (n, s) = self.word("a table name")?;
                (f, n, s)
            }
            _ => {
                if matches!(first.as_str(), "arp" | "bridge") {
                    return Err(SyntaxError::new(
                        fspan,
                        format!("family '{first}' is not supported"),
                    )
                    .with_note("use ip, ip6, inet or netdev"));
                }
                (Family::Ip, first, fspan)
            }
        };
        Ok((self.ensure_table(family, &name), name, span))
    }

    fn table_ref_and_name(&mut self) -> R<(usize, String, Span)> {
        let (t, _, _) = self.table_ref_only()?;
        let (name, span) = self.word("a name")?;
        Ok((t, name, span))
    }

    fn ensure_table(&mut self, family: Family, name: &str) -> usize {
        if let Some(i) = self
            .tables
            .iter()
            .position(|t| t.family == family && t.name == name)
        {
            return i;
        }
        self.tables.push(NTable {
            family,
            name: name.to_string(),
            chains: Vec::new(),
            sets: Vec::new(),
        });
        self.tables.len() - 1
    }

    fn ensure_chain(&mut self, t: usize, name: &str, implicit: bool) -> usize {
        let table = &mut self.tables[t];
        if let Some(i) = table.chains.iter().position(|c| c.name == name) {
            return i;
        }
        table.chains.push(NChain {
            name: name.to_string(),
            base: None,
            rules: Vec::new(),
            implicit,
        });
        table.chains.len() - 1
    }

    /// After `table`: `[family] NAME [{ body }]`.
    fn table_block(&mut self, _span: Span) -> R<()> {
        let (t, _, _) = self.table_ref_only()?;
        if !self.eat_punct("{") {
            return Ok(());
        }
        loop {
            self.skip_separators();
            if self.eat_punct("}") {
                return Ok(());
            }
            let (w, wspan) = self.word("chain, set, map or '}'")?;
            match w.as_str() {
                "chain" => {
                    let (name, nspan) = self.word("a chain name")?;
                    self.ensure_chain(t, &name, false);
                    self.expect_punct("{")?;
                    self.chain_body(t, &name, nspan)?;
                }
                "set" | "map" => {
                    let (name, nspan) = self.word("a set name")?;
                    self.expect_punct("{")?;
                    self.set_body(t, &name, w == "map", nspan)?;
                }
                "comment" => {
                    self.word("a comment")?;
                }
                "counter" => {
                    let (name, _) = self.word("a counter name")?;
                    self.counter_object(name)?;
                }
                "flags" => {
                    return Err(SyntaxError::new(wspan, "table flags are not supported"));
                }
                other => {
                    return Err(SyntaxError::new(
                        wspan,
                        format!("syntax error, unexpected '{other}' in a table"),
                    )
                    .with_note(suggest::hint(other, &["chain", "set", "map", "comment"])))
                }
            }
        }
    }

    /// Inside `chain NAME { ... }` (the `{` eaten).
    fn chain_body(&mut self, t: usize, name: &str, nspan: Span) -> R<()> {
        let ci = self.ensure_chain(t, name, false);
        self.tables[t].chains[ci].implicit = false;
        loop {
            self.skip_separators();
            if self.eat_punct("}") {
                return Ok(());
            }
            match self.peek_word() {
                Some("type") => {
                    let tspan = self.span();
                    self.pos += 1;
                    let (ty, tyspan) = self.word("filter")?;
                    if ty != "filter" {
                        return Err(SyntaxError::new(tyspan, format!("chain type '{ty}' is not supported"))
                            .with_note("only 'type filter' chains decide a packet's fate; nat and route chains change it"));
                    }
                    let (h, _) = self.word("'hook'")?;
                    if h != "hook" {
                        return Err(SyntaxError::new(self.prev_span(), "expected 'hook'"));
                    }
                    let (hook, hspan) = self.word("a hook name")?;
                    let hooks = [
                        "ingress",
                        "prerouting",
                        "input",
                        "forward",
                        "output",
                        "postrouting",
                        "egress",
                    ];
                    if !hooks.contains(&hook.as_str()) {
                        return Err(SyntaxError::new(hspan, format!("unknown hook '{hook}'"))
                            .with_note(suggest::hint(&hook, &hooks)));
                    }
                    let mut device = None;
                    if self.peek_word() == Some("device") {
                        self.pos += 1;
                        let (d, dspan) = self.word("a device name")?;
                        crate::syntax::check_ifname(&d, dspan)?;
                        let dir = if hook == "egress" {
                            Direction::Egress
                        } else {
                            Direction::Ingress
                        };
                        self.attach.push((d.clone(), dir, dspan));
                        device = Some(d);
                    }
                    let (p, _) = self.word("'priority'")?;
                    if p != "priority" {
                        return Err(SyntaxError::new(self.prev_span(), "expected 'priority'"));
                    }
                    let (prio, pspan) = self.priority()?;
                    let _ = pspan;
                    self.eat_punct(";");
                    let chain = &mut self.tables[t].chains[ci];
                    let policy = chain.base.as_ref().map_or(Action::Pass, |b| b.policy);
                    chain.base = Some(BaseChain {
                        hook,
                        priority: prio,
                        policy,
                        device,
                        span: tspan,
                    });
                }
                Some("policy") => {
                    self.pos += 1;
                    let (p, pspan) = self.word("accept or drop")?;
                    let policy = match p.as_str() {
                        "accept" => Action::Pass,
                        "drop" => Action::Drop,
                        _ => {
                            return Err(SyntaxError::new(pspan, format!("bad policy '{p}'"))
                                .with_note(suggest::hint(&p, &["accept", "drop"])))
                        }
                    };
                    self.eat_punct(";");
                    match &mut self.tables[t].chains[ci].base {
                        Some(b) => b.policy = policy,
                        None => {
                            return Err(SyntaxError::new(
                                pspan,
                                "a policy needs a base chain ('type filter hook ...' first)",
                            ))
                        }
                    }
                }
                Some("comment") => {
                    self.pos += 1;
                    self.word("a comment")?;
                }
                Some("devices") => {
                    return Err(SyntaxError::new(
                        self.span(),
                        "multi-device chains are not supported",
                    ))
                }
                _ => {
                    let rule = self.rule()?;
                    self.tables[t].chains[ci].rules.push(rule);
                }
            }
            let _ = nspan;
        }
    }

    fn priority(&mut self) -> R<(i64, Span)> {
        let (w, span) = self.word("a priority")?;
        let named = match w.as_str() {
            "raw" => Some(-300),
            "mangle" => Some(-150),
            "dstnat" => Some(-100),
            "filter" => Some(0),
            "security" => Some(50),
            "srcnat" => Some(100),
            _ => None,
        };
        let base = match named {
            Some(v) => v,
            None => {
                let neg = w.starts_with('-');
                let digits = w.trim_start_matches('-');
                let v: i64 = digits
                    .parse()
                    .map_err(|_| SyntaxError::new(span, format!("bad priority '{w}'")))?;
                if neg {
                    -v
                } else {
                    v
                }
            }
        };
        // `filter + 10`, `filter - 5`.
        let mut v = base;
        if let Some(Tok::Word(x)) = self.peek().cloned() {
            if let Some(n) = x.strip_prefix('-').and_then(|d| d.parse::<i64>().ok()) {
                v -= n;
                self.pos += 1;
            }
        }
        Ok((v, span))
    }

    /// Inside `set NAME { ... }` (the `{` eaten).
    fn set_body(&mut self, t: usize, name: &str, is_map: bool, nspan: Span) -> R<()> {
        let mut kind = None;
        let mut elements = Vec::new();
        loop {
            self.skip_separators();
            if self.eat_punct("}") {
                break;
            }
            let (w, wspan) = self.word("type, flags or elements")?;
            match w.as_str() {
                "type" => {
                    let (ty, tspan) = self.word("a type")?;
                    let k = Kind::from_type_name(&ty).ok_or_else(|| {
                        SyntaxError::new(tspan, format!("set type '{ty}' is not supported"))
                            .with_note("types: ipv4_addr, ipv6_addr, inet_service, inet_proto, ether_addr, ether_type, icmp_type, icmpv6_type")
                    })?;
                    if matches!(self.peek(), Some(Tok::Punct("."))) || self.peek_word() == Some(".")
                    {
                        return Err(SyntaxError::new(
                            self.span(),
                            "concatenated set types are not supported",
                        ));
                    }
                    if is_map {
                        self.expect_punct(":")?;
                        let (v, vspan) = self.word("verdict")?;
                        if v != "verdict" {
                            return Err(SyntaxError::new(
                                vspan,
                                format!("maps to '{v}' are not supported"),
                            )
                            .with_note(
                                "only verdict maps decide a packet's fate; data maps rewrite it",
                            ));
                        }
                    }
                    kind = Some(k);
                }
                "typeof" => {
                    let lhs = self
                        .lhs()?
                        .ok_or_else(|| self.unexpected("an expression"))?;
                    if is_map {
                        self.expect_punct(":")?;
                        let (v, vspan) = self.word("verdict")?;
                        if v != "verdict" {
                            return Err(SyntaxError::new(
                                vspan,
                                format!("maps to '{v}' are not supported"),
                            ));
                        }
                    }
                    kind = Some(lhs.kind());
                }
                "flags" => loop {
                    let (f, fspan) = self.word("a set flag")?;
                    match f.as_str() {
                        "interval" | "constant" => {}
                        "dynamic" | "timeout" => {
                            return Err(SyntaxError::new(
                                fspan,
                                format!("set flag '{f}' is not supported"),
                            )
                            .with_note(
                                "dynamic sets are filled by packets at run time (stateful)",
                            ))
                        }
                        _ => {
                            return Err(SyntaxError::new(fspan, format!("unknown set flag '{f}'")))
                        }
                    }
                    if !self.eat_punct(",") {
                        break;
                    }
                },
                "elements" => {
                    self.expect_punct("=")?;
                    self.expect_punct("{")?;
                    let Some(k) = kind else {
                        return Err(SyntaxError::new(wspan, "'elements' before 'type'"));
                    };
                    elements.extend(self.elements(k, is_map)?);
                }
                "size" | "policy" => {
                    self.word("a value")?;
                }
                "counter" => {}
                "comment" => {
                    self.word("a comment")?;
                }
                "timeout" | "gc-interval" => {
                    return Err(SyntaxError::new(wspan, "set timeouts are not supported")
                        .with_note("elements that expire are state kept across packets"))
                }
                other => {
                    return Err(SyntaxError::new(
                        wspan,
                        format!("syntax error, unexpected '{other}' in a set"),
                    )
                    .with_note(suggest::hint(
                        other,
                        &["type", "typeof", "flags", "elements", "size"],
                    )))
                }
            }
        }
        let Some(kind) = kind else {
            return Err(SyntaxError::new(nspan, format!("set '{name}' has no type")));
        };
        let sets = &mut self.tables[t].sets;
        if sets.iter().any(|s| s.name == name) {
            return Err(SyntaxError::new(
                nspan,
                format!("set '{name}' already exists"),
            ));
        }
        sets.push(NSet {
            name: name.to_string(),
            kind,
            elements,
            is_map,
            span: nspan,
        });
        Ok(())
    }

    /// `elem, elem [: verdict], ... }` (the `{` eaten).
    fn elements(&mut self, kind: Kind, is_map: bool) -> R<Vec<(Val, Option<Verdict>)>> {
        let mut out = Vec::new();
        loop {
            while matches!(self.peek(), Some(Tok::Newline)) {
                self.pos += 1;
            }
            if self.eat_punct("}") {
                return Ok(out);
            }
            let v = if kind.is_bitmask() {
                Val::One(self.bit_value_in_set(kind)?)
            } else {
                let (w, span) = self.word("an element")?;
                expr::parse_val(kind, &w, span)?
            };
            let verdict = if is_map {
                self.expect_punct(":")?;
                Some(
                    self.verdict_word()?
                        .ok_or_else(|| self.unexpected("a verdict"))?,
                )
            } else {
                None
            };
            out.push((v, verdict));
            while matches!(self.peek(), Some(Tok::Newline)) {
                self.pos += 1;
            }
            if !self.eat_punct(",") {
                while matches!(self.peek(), Some(Tok::Newline)) {
                    self.pos += 1;
                }
                self.expect_punct("}")?;
                return Ok(out);
            }
        }
    }
}
