//! nftables rules to a [`RuleSet`]: `nft add|insert rule FAMILY TABLE CHAIN ...` lines and
//! whole `nft -f` files (`table`, `chain` with `type filter hook ... priority ...; policy ...;`,
//! `set`/`map` with elements, `define`/`$var`; `include` is refused).
//!
//! Families ip, ip6, inet and netdev. A rule in an inet or netdev table that tests the
//! transport header without naming the IP version becomes "IPv4 and ... or IPv6 and ...", as
//! nft's `meta l4proto` dependency matches both. Named sets of exact values become
//! [`crate::ruleset::ValueSet`]s (hash maps in the compiled program); verdict maps become one
//! rule per verdict testing membership of that verdict's keys. `iif`/`iifname` (and a netdev
//! chain's `device`) name the attach point. Stateful expressions (`ct`, `limit`, `quota`) are
//! refused with the reason.
//!
//! ```
//! use frontend::nft;
//! let p = nft::parse("nft add rule ip filter input iif eth0 tcp dport 80 drop").unwrap();
//! assert_eq!(p.attach.unwrap().dev, "eth0");
//! assert_eq!(p.ruleset.chains[0].rules.len(), 1);
//! ```

mod conflicts;
pub mod expr;
pub mod fields;
pub mod lexer;
pub mod model;
mod parse;

use crate::ruleset::{
    Action, Chain, Cmp, Cond, Match, Rule, RuleOrigin, RuleSet, RuleSetError, Span, ValueSet,
};
use crate::syntax::cond::{self as c, Hdr};
use crate::syntax::{self, Parsed, SyntaxError};
use expr::{Lhs, Need, Op, Resolved, Val};
use model::*;

/// What to compile.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// The table (default: the one holding the first base chain).
    pub table: Option<String>,
    /// The base chain the program stands for (default: the first of ingress, prerouting, input,
    /// forward, output, postrouting).
    pub chain: Option<String>,
}

/// Parse nft rules.
pub fn parse(text: &str) -> Result<Parsed, SyntaxError> {
    parse_with(text, &Options::default())
}

/// Parse with options.
pub fn parse_with(text: &str, opts: &Options) -> Result<Parsed, SyntaxError> {
    let cleaned = parse::strip_nft_prefix(text);
    let toks = lexer::lex(&cleaned);
    if let Some(t) = toks
        .iter()
        .find(|t| matches!(t.tok, lexer::Tok::Unknown(_) | lexer::Tok::Str(_, true)))
    {
        let msg = match &t.tok {
            lexer::Tok::Str(..) => "unterminated string".to_string(),
            lexer::Tok::Unknown(ch) => format!("unexpected character '{ch}'"),
            _ => String::new(),
        };
        return Err(SyntaxError::new(t.span, msg));
    }
    let mut p = parse::Parser::new(&cleaned, toks)?;
    p.parse()?;
    let mut attach = None;
    for (dev, dir, span) in &p.attach {
        syntax::set_attach(&mut attach, dev, *dir, *span)?;
    }
    let tables = std::mem::take(&mut p.tables);
    let notes = std::mem::take(&mut p.notes);
    let mut parsed = build(text, tables, opts, notes)?;
    parsed.attach = attach;
    Ok(parsed)
}

const HOOK_ORDER: &[&str] = &[
    "ingress",
    "prerouting",
    "input",
    "forward",
    "output",
    "postrouting",
    "egress",
];

fn build(
    text: &str,
    mut tables: Vec<NTable>,
    opts: &Options,
    mut notes: Vec<String>,
) -> Result<Parsed, SyntaxError> {
    // Chains only named by `add rule` become base chains on the hook their name says.
    for t in &mut tables {
        for ch in &mut t.chains {
            if ch.implicit && ch.base.is_none() {
                let lower = ch.name.to_ascii_lowercase();
                if HOOK_ORDER.contains(&lower.as_str()) {
                    notes.push(format!(
                        "chain '{}' was not declared: taken as a base chain on hook {lower} with policy accept",
                        ch.name
                    ));
                    ch.base = Some(BaseChain {
                        hook: lower,
                        priority: 0,
                        policy: Action::Pass,
                        device: None,
                        span: Span::default(),
                    });
                }
            }
        }
    }
    let has_base = |t: &NTable| t.chains.iter().any(|c| c.base.is_some());
    let ti = match &opts.table {
        Some(n) => tables.iter().position(|t| &t.name == n).ok_or_else(|| {
            SyntaxError::new(Span::default(), format!("no table '{n}'"))
        })?,
        None => tables.iter().position(has_base).ok_or_else(|| {
            SyntaxError::new(Span::new(0, text.len()), "no base chain: nothing says where the rules run")
                .with_note("declare a chain with 'type filter hook input priority 0;' (or ingress on a netdev table)")
        })?,
    };
    for (j, t) in tables.iter().enumerate() {
        if j != ti && t.chains.iter().any(|c| !c.rules.is_empty()) {
            notes.push(format!(
                "table '{}' is not compiled (only '{}')",
                t.name, tables[ti].name
            ));
        }
    }
    let table = &tables[ti];
    let entry = match &opts.chain {
        Some(n) => table
            .chains
            .iter()
            .position(|c| &c.name == n && c.base.is_some())
            .ok_or_else(|| {
                SyntaxError::new(
                    Span::default(),
                    format!("no base chain '{n}' in table '{}'", table.name),
                )
            })?,
        None => {
            let mut best: Option<(usize, usize, i64)> = None;
            for (i, ch) in table.chains.iter().enumerate() {
                if let Some(b) = &ch.base {
                    let rank = HOOK_ORDER.iter().position(|h| *h == b.hook).unwrap_or(99);
                    if best.is_none_or(|(_, r, p)| (rank, b.priority) < (r, p)) {
                        best = Some((i, rank, b.priority));
                    }
                }
            }
            best.map(|b| b.0)
                .ok_or_else(|| SyntaxError::new(Span::default(), "no base chain"))?
        }
    };
    for (i, ch) in table.chains.iter().enumerate() {
        if i != entry && ch.base.is_some() && !ch.rules.is_empty() {
            notes.push(format!(
                "base chain '{}' is not compiled: the program stands for '{}'",
                ch.name, table.chains[entry].name
            ));
        }
    }
    let mut order = vec![entry];
    order.extend((0..table.chains.len()).filter(|i| table.chains[*i].base.is_none()));
    let mut b = Builder {
        text,
        table,
        order: &order,
        sets: Vec::new(),
        set_ids: Vec::new(),
        icmp_typed: false,
    };
    let policy = table.chains[entry]
        .base
        .as_ref()
        .map_or(Action::Pass, |b| b.policy);
    let mut chains = Vec::new();
    for (pos, ci) in order.iter().enumerate() {
        let ch = &table.chains[*ci];
        let mut rules = Vec::new();
        if pos == 0 && policy != Action::Pass && table.family != Family::Netdev {
            // Only IP packets reach the ip/ip6/inet hooks: others pass.
            let guard = match table.family {
                Family::Ip => Hdr::V4.guard(Span::default()),
                Family::Ip6 => Hdr::V6.guard(Span::default()),
                _ => c::any(vec![
                    Hdr::V4.guard(Span::default()),
                    Hdr::V6.guard(Span::default()),
                ]),
            };
            let span = ch.base.as_ref().map_or(Span::default(), |b| b.span);
            rules.push(Rule {
                cond: guard.negate(),
                action: Action::Pass,
                origin: origin(text, span),
            });
        }
        for r in &ch.rules {
            b.rule(r, &mut rules)?;
        }
        chains.push(Chain {
            name: ch.name.clone(),
            rules,
        });
    }
    let rs = RuleSet {
        syntax: "nft".into(),
        chains,
        sets: b.sets,
        default: policy,
    };
    if let Err(RuleSetError::JumpCycle { chain }) = rs.validate() {
        return Err(SyntaxError::new(
            Span::default(),
            format!("chain '{chain}' is reached from itself (a jump loop)"),
        )
        .with_note("nft refuses loops too; a loop cannot be inlined"));
    }
    let mut parsed = Parsed::new(rs);
    parsed.notes = notes;
    Ok(parsed)
}

fn origin(text: &str, span: Span) -> RuleOrigin {
    let t = text.get(span.start..span.end).unwrap_or("").to_string();
    let len = t.len();
    RuleOrigin {
        text: t,
        span: Span::new(0, len),
    }
}

/// Make every span of `cond` relative to `start`.
fn rebase(cond: Cond, start: usize) -> Cond {
    match cond {
        Cond::Match(m) => Cond::Match(Match {
            test: m.test,
            span: Span::new(
                m.span.start.saturating_sub(start),
                m.span.end.saturating_sub(start),
            ),
        }),
        Cond::Not(x) => Cond::Not(Box::new(rebase(*x, start))),
        Cond::All(v) => Cond::All(v.into_iter().map(|x| rebase(x, start)).collect()),
        Cond::Any(v) => Cond::Any(v.into_iter().map(|x| rebase(x, start)).collect()),
        other => other,
    }
}

struct Builder<'a> {
    text: &'a str,
    table: &'a NTable,
    order: &'a [usize],
    sets: Vec<ValueSet>,
    /// (set name, field size, shift) → index in `sets`.
    set_ids: Vec<(String, u8, u32, usize)>,
    /// The rule being built tests the ICMP type itself: nft adds no implied type test.
    icmp_typed: bool,
}

impl Builder<'_> {
    fn chain_id(&self, name: &str, span: Span) -> Result<usize, SyntaxError> {
        let Some(pos) = self
            .order
            .iter()
            .position(|i| self.table.chains[*i].name == name)
        else {
            let names: Vec<&str> = self.table.chains.iter().map(|c| c.name.as_str()).collect();
            if self.table.chains.iter().any(|c| c.name == name) {
                return Err(SyntaxError::new(
                    span,
                    format!("cannot jump to base chain '{name}'"),
                ));
            }
            return Err(SyntaxError::new(
                span,
                format!("no chain '{name}' in table '{}'", self.table.name),
            )
            .with_note(syntax::suggest::hint(name, &names)));
        };
        if pos == 0 {
            return Err(SyntaxError::new(
                span,
                format!("cannot jump to base chain '{name}'"),
            ));
        }
        Ok(pos)
    }

    fn actions(&self, v: &Verdict, _counter: bool) -> Result<Vec<Action>, SyntaxError> {
        Ok(match v {
            Verdict::Accept => vec![Action::Pass],
            Verdict::Drop => vec![Action::Drop],
            Verdict::Continue => vec![Action::Count],
            Verdict::Return => vec![Action::Return],
            Verdict::Jump(n, s) => vec![Action::Jump(self.chain_id(n, *s)?)],
            Verdict::Goto(n, s) => vec![Action::Jump(self.chain_id(n, *s)?), Action::Return],
        })
    }

    /// The IP versions a rule is compiled for.
    fn variants(&self, r: &NRule) -> Result<Vec<Option<Hdr>>, SyntaxError> {
        let mut v4 = false;
        let mut v6 = false;
        let mut ip = false;
        let mut tags = 0;
        let mut first_v4 = Span::default();
        let mut first_v6 = Span::default();
        for s in &r.stmts {
            let (lhs, span) = match s {
                Stmt::Test {
                    lhs, span, rhs, op, ..
                } => {
                    if let (Lhs::Meta("nfproto"), Rhs::Vals(vals, false)) = (lhs, rhs) {
                        if *op != Op::Ne {
                            match vals.first() {
                                Some(Val::One(2)) => {
                                    v4 = true;
                                    first_v4 = *span;
                                }
                                Some(Val::One(10)) => {
                                    v6 = true;
                                    first_v6 = *span;
                                }
                                _ => {}
                            }
                        }
                    }
                    (lhs, *span)
                }
                Stmt::Vmap { lhs, span, .. } => (lhs, *span),
                Stmt::Attach(_) => continue,
            };
            if let Lhs::Payload { proto: "vlan", .. } = lhs {
                if self.table.family == Family::Netdev {
                    tags = 1;
                }
            }
            match lhs.need() {
                Need::V4 => {
                    if !v4 {
                        first_v4 = span;
                    }
                    v4 = true
                }
                Need::V6 => {
                    if !v6 {
                        first_v6 = span;
                    }
                    v6 = true
                }
                Need::Ip => ip = true,
                Need::Nothing => {}
            }
        }
        let fam = self.table.family;
        if (fam == Family::Ip && v6) || (fam == Family::Ip6 && v4) || (v4 && v6) {
            let span = if fam == Family::Ip || (v4 && v6 && first_v6.start > first_v4.start) {
                first_v6
            } else {
                first_v4
            };
            return Err(SyntaxError::new(span, "conflicting protocols: this rule tests both IPv4 and IPv6")
                .with_note("an ip table sees IPv4 only, an ip6 table IPv6 only; write two rules in an inet table"));
        }
        let v4h = Hdr { v6: false, tags };
        let v6h = Hdr { v6: true, tags };
        Ok(match fam {
            Family::Ip => vec![Some(v4h)],
            Family::Ip6 => vec![Some(v6h)],
            _ if v4 => vec![Some(v4h)],
            _ if v6 => vec![Some(v6h)],
            _ if ip => vec![Some(v4h), Some(v6h)],
            _ => vec![None],
        })
    }

    fn guard(&self, hdr: Option<Hdr>) -> Cond {
        match hdr {
            Some(h) => h.guard(Span::default()),
            None if self.table.family == Family::Netdev => Cond::True,
            None => c::any(vec![
                Hdr::V4.guard(Span::default()),
                Hdr::V6.guard(Span::default()),
            ]),
        }
    }

    fn resolve(
        &self,
        lhs: &Lhs,
        mask: Option<u128>,
        hdr: Option<Hdr>,
        span: Span,
    ) -> Result<Resolved, SyntaxError> {
        let mut r = lhs.resolve(hdr, self.table.family == Family::Netdev, span)?;
        if let Some(m) = mask {
            let full = r.mask.unwrap_or(r.field.full_mask());
            r.mask = Some(full & (m << r.shift));
        }
        Ok(r)
    }

    fn set_index(&mut self, set: &NSet, r: &Resolved) -> usize {
        if let Some(e) = self
            .set_ids
            .iter()
            .find(|e| e.0 == set.name && e.1 == r.field.size && e.2 == r.shift)
        {
            return e.3;
        }
        let values: Vec<u128> = set
            .elements
            .iter()
            .filter_map(|(v, _)| match v {
                Val::One(x) => Some(x << r.shift),
                _ => None,
            })
            .collect();
        self.sets.push(ValueSet {
            name: set.name.clone(),
            size: r.field.size,
            values,
        });
        let id = self.sets.len() - 1;
        self.set_ids
            .push((set.name.clone(), r.field.size, r.shift, id));
        id
    }

    /// Membership of `vals` (exact values through a set when `named`).
    fn members(
        &mut self,
        r: &Resolved,
        vals: &[Val],
        named: Option<&NSet>,
        span: Span,
    ) -> Result<Cond, SyntaxError> {
        let exact = vals.iter().all(|v| matches!(v, Val::One(_)));
        if let Some(set) = named {
            if exact && r.len_expr.is_none() && r.mask.is_none() {
                let id = self.set_index(set, r);
                return Ok(c::test(r.field, None, Cmp::InSet(id), span));
            }
        }
        let mut parts = Vec::new();
        for v in vals {
            parts.push(expr::val_test(r, Op::Eq, *v, span)?);
        }
        Ok(c::any(parts))
    }

    fn find_set(&self, name: &str, span: Span) -> Result<&NSet, SyntaxError> {
        self.table
            .sets
            .iter()
            .find(|s| s.name == name)
            .ok_or_else(|| {
                let names: Vec<&str> = self.table.sets.iter().map(|s| s.name.as_str()).collect();
                SyntaxError::new(
                    span,
                    format!("no set '{name}' in table '{}'", self.table.name),
                )
                .with_note(syntax::suggest::hint(name, &names))
            })
    }

    fn test_cond(&mut self, s: &Stmt, hdr: Option<Hdr>) -> Result<Cond, SyntaxError> {
        let Stmt::Test {
            lhs,
            mask,
            op,
            rhs,
            span,
        } = s
        else {
            return Ok(Cond::True);
        };
        let span = *span;
        if let Lhs::Meta("nfproto") = lhs {
            let Rhs::Vals(vals, _) = rhs else {
                return Err(SyntaxError::new(span, "meta nfproto takes ipv4 or ipv6"));
            };
            let want6 = match vals.first() {
                Some(Val::One(10)) => true,
                Some(Val::One(2)) => false,
                _ => return Err(SyntaxError::new(span, "meta nfproto takes ipv4 or ipv6")),
            };
            let Some(h) = hdr else {
                return Err(SyntaxError::new(span, "meta nfproto needs an IP packet"));
            };
            let holds = h.v6 == want6;
            return Ok(if holds == (*op != Op::Ne) {
                Cond::True
            } else {
                Cond::False
            });
        }
        if let Lhs::ExtExists(t) = lhs {
            let Some(h) = hdr.filter(|h| h.v6) else {
                return Err(SyntaxError::new(span, "exthdr needs IPv6"));
            };
            let Rhs::Vals(vals, false) = rhs else {
                return Err(SyntaxError::new(span, "exthdr takes exists or missing"));
            };
            let want = !matches!(vals.first(), Some(Val::One(0)));
            let present = h.proto(*t, span);
            return Ok(c::maybe_not(present, want == (*op == Op::Ne)));
        }
        if let Lhs::Meta("pkttype") = lhs {
            return pkttype_cond(*op, rhs, span);
        }
        if let Lhs::FibType { daddr } = lhs {
            let Some(h) = hdr else {
                return Err(SyntaxError::new(span, "fib needs an IP packet"));
            };
            let f = if *daddr { h.daddr() } else { h.saddr() };
            let m = if h.v6 {
                c::eq(crate::ruleset::Field::new(f.base, f.offset, 1), 0xff, span)
            } else {
                c::masked(f, 0xf000_0000, 0xe000_0000, span)
            };
            return Ok(c::maybe_not(m, *op == Op::Ne));
        }
        let r = self.resolve(lhs, *mask, hdr, span)?;
        let test = match rhs {
            Rhs::Vals(vals, is_set) => {
                if *is_set {
                    if !matches!(op, Op::Implicit | Op::Eq | Op::Ne) {
                        return Err(SyntaxError::new(
                            span,
                            "a set can only be tested for (non-)membership",
                        ));
                    }
                    c::maybe_not(self.members(&r, vals, None, span)?, *op == Op::Ne)
                } else {
                    let v = vals.first().copied().unwrap_or(Val::One(0));
                    // `tcp flags & (fin|syn) syn`: with a mask, a bare value is an equality
                    // of the masked bits (nft: bitwise & mask, cmp eq), not "any of these bits".
                    let op = if mask.is_some() && *op == Op::Implicit {
                        Op::Eq
                    } else {
                        *op
                    };
                    expr::val_test(&r, op, v, span)?
                }
            }
            Rhs::Set(name, nspan) => {
                let set = self.find_set(name, *nspan)?.clone();
                if set.is_map {
                    return Err(SyntaxError::new(
                        *nspan,
                        format!("'{name}' is a map: use 'vmap @{name}'"),
                    ));
                }
                check_kind(lhs, &set, *nspan)?;
                if !matches!(op, Op::Implicit | Op::Eq | Op::Ne) {
                    return Err(SyntaxError::new(
                        span,
                        "a set can only be tested for (non-)membership",
                    ));
                }
                let vals: Vec<Val> = set.elements.iter().map(|(v, _)| *v).collect();
                c::maybe_not(self.members(&r, &vals, Some(&set), span)?, *op == Op::Ne)
            }
            Rhs::Masked(v, m) => {
                let full = r.mask.unwrap_or(r.field.full_mask());
                let m = full & (m << r.shift);
                let t = c::masked(r.field, m, (v << r.shift) & m, span);
                let t = if (v << r.shift) & !m & full != 0 {
                    Cond::False
                } else {
                    t
                };
                c::maybe_not(t, *op == Op::Ne)
            }
        };
        let mut parts = r.deps.clone();
        if let Lhs::Payload { proto, field } = lhs {
            if let Some(types) = fields::implied_icmp_types(proto, field) {
                if !self.icmp_typed {
                    let f = r.field;
                    let tf = crate::ruleset::Field::new(f.base, 0, 1);
                    parts.push(c::any(
                        types.iter().map(|t| c::eq(tf, *t as u128, span)).collect(),
                    ));
                }
            }
        }
        parts.push(test);
        Ok(c::all(parts))
    }

    fn rule(&mut self, r: &NRule, out: &mut Vec<Rule>) -> Result<(), SyntaxError> {
        let start = r.span.start;
        let org = origin(self.text, r.span);
        self.icmp_typed = conflicts::check(r)?;
        let variants = self.variants(r)?;
        let vmaps: Vec<usize> = r
            .stmts
            .iter()
            .enumerate()
            .filter(|(_, s)| matches!(s, Stmt::Vmap { .. }))
            .map(|(i, _)| i)
            .collect();
        if vmaps.len() > 1 {
            return Err(SyntaxError::new(r.span, "one vmap per rule"));
        }
        if let Some(&vi) = vmaps.first() {
            if r.verdict != Verdict::Continue || vi + 1 != r.stmts.len() {
                return Err(SyntaxError::new(
                    r.span,
                    "a vmap is the rule's verdict: it must come last",
                ));
            }
            let Stmt::Vmap {
                lhs,
                mask,
                map,
                span,
            } = &r.stmts[vi]
            else {
                return Ok(());
            };
            let (elems, named): (Vec<(Val, Verdict)>, Option<NSet>) = match map {
                VmapRef::Inline(e) => (e.clone(), None),
                VmapRef::Named(n, s) => {
                    let set = self.find_set(n, *s)?.clone();
                    if !set.is_map {
                        return Err(SyntaxError::new(
                            *s,
                            format!("'{n}' is a set, not a verdict map"),
                        ));
                    }
                    check_kind(lhs, &set, *s)?;
                    (
                        set.elements
                            .iter()
                            .map(|(v, d)| (*v, d.clone().unwrap_or(Verdict::Continue)))
                            .collect(),
                        Some(set),
                    )
                }
            };
            conflicts::vmap_overlaps(lhs.kind(), &elems, *span)?;
            // One rule per verdict, testing membership of that verdict's keys.
            let mut verdicts: Vec<Verdict> = Vec::new();
            for (_, v) in &elems {
                if !verdicts.contains(v) {
                    verdicts.push(v.clone());
                }
            }
            for (k, verdict) in verdicts.iter().enumerate() {
                if *verdict == Verdict::Continue {
                    continue;
                }
                let keys: Vec<Val> = elems
                    .iter()
                    .filter(|(_, v)| v == verdict)
                    .map(|(k, _)| *k)
                    .collect();
                let sub_set = named.as_ref().map(|s| NSet {
                    name: format!("{}_{k}", s.name),
                    kind: s.kind,
                    elements: keys.iter().map(|k| (*k, None)).collect(),
                    is_map: false,
                    span: s.span,
                });
                let mut alts = Vec::new();
                for h in &variants {
                    let mut parts = vec![self.guard(*h)];
                    for s in &r.stmts[..vi] {
                        parts.push(self.test_cond(s, *h)?);
                    }
                    let res = self.resolve(lhs, *mask, *h, *span)?;
                    parts.extend(res.deps.iter().cloned());
                    parts.push(self.members(&res, &keys, sub_set.as_ref(), *span)?);
                    alts.push(c::all(parts));
                }
                let cond = rebase(c::any(alts), start);
                for a in self.actions(verdict, r.counter)? {
                    out.push(Rule {
                        cond: cond.clone(),
                        action: a,
                        origin: org.clone(),
                    });
                }
            }
            return Ok(());
        }
        let mut alts = Vec::new();
        for h in &variants {
            let mut parts = vec![self.guard(*h)];
            for s in &r.stmts {
                parts.push(self.test_cond(s, *h)?);
            }
            alts.push(c::all(parts));
        }
        let cond = rebase(c::any(alts), start);
        for a in self.actions(&r.verdict, r.counter)? {
            out.push(Rule {
                cond: cond.clone(),
                action: a,
                origin: org.clone(),
            });
        }
        Ok(())
    }
}

fn check_kind(lhs: &Lhs, set: &NSet, span: Span) -> Result<(), SyntaxError> {
    let k = lhs.kind();
    let compatible = k == set.kind
        || matches!(
            (k, set.kind),
            (expr::Kind::Int(_), _) | (_, expr::Kind::Int(_))
        )
        || matches!((k, set.kind), (expr::Kind::IcmpCode, _));
    if !compatible {
        return Err(SyntaxError::new(
            span,
            format!(
                "datatype mismatch: expected {}, set '{}' has type {}",
                k.name(),
                set.name,
                set.kind.name()
            ),
        ));
    }
    Ok(())
}

/// `meta pkttype`: what the kernel's `eth_type_trans` decides from the destination MAC.
/// Broadcast and multicast follow from the address alone; `host` and `other` need the
/// receiving device's own address, which the program does not know.
fn pkttype_cond(op: Op, rhs: &Rhs, span: Span) -> Result<Cond, SyntaxError> {
    let vals = match rhs {
        Rhs::Vals(v, _) => v,
        _ => {
            return Err(SyntaxError::new(
                span,
                "meta pkttype takes values or a set of values",
            ))
        }
    };
    let daddr = c::eth_dst();
    let bcast = c::eq(daddr, 0xffff_ffff_ffff, span);
    let mut alts = Vec::new();
    for v in vals {
        alts.push(match v {
            Val::One(1) => bcast.clone(),
            Val::One(2) => c::all(vec![
                c::masked(
                    crate::ruleset::Field::new(crate::ruleset::Base::Frame, 0, 1),
                    1,
                    1,
                    span,
                ),
                bcast.clone().negate(),
            ]),
            _ => {
                return Err(SyntaxError::new(span, "meta pkttype host/other cannot be compiled")
                    .with_note("whether a frame is for this host depends on the receiving device's MAC address, which the program does not know; broadcast and multicast can be compiled"))
            }
        });
    }
    match op {
        Op::Implicit | Op::Eq => Ok(c::any(alts)),
        Op::Ne => Ok(c::maybe_not(c::any(alts), true)),
        _ => Err(SyntaxError::new(
            span,
            "meta pkttype can only be compared for equality",
        )),
    }
}
