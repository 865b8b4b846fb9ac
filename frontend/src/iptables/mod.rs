//! iptables and ip6tables rules to a [`RuleSet`]: command lines (`iptables -A INPUT -p tcp
//! --dport 80 -j DROP`, with or without the leading `iptables`) and whole `iptables-save` files
//! (`*filter`, `:CHAIN POLICY [p:b]`, `-A ...`, `COMMIT`).
//!
//! Semantics follow netfilter's: targets are case-sensitive (`-j drop` jumps to a user chain
//! named `drop`), matches test what the kernel's xt modules test (a port match never holds on
//! a non-first fragment), `-i`/`-o` name the attach point rather than a test, and a chain's
//! policy is the rule set's default. Only IPv4 (IPv6 for ip6tables) packets reach netfilter's
//! IP tables, so every rule starts with the EtherType test, and a DROP policy leaves other
//! packets alone. Modules that keep state across packets are refused, with the reason.
//!
//! ```
//! use frontend::iptables;
//! let p = iptables::parse("iptables -A INPUT -i eth0 -p tcp --dport 80 -j DROP").unwrap();
//! assert_eq!(p.ruleset.chains[0].rules.len(), 1);
//! assert_eq!(p.attach.unwrap().dev, "eth0");
//! let e = iptables::parse("-A INPUT -p tcp --dport 80 -j drop").unwrap_err();
//! assert!(e.note.unwrap().contains("'DROP'"));
//! ```

mod extra;
mod getopt;
pub mod matches;
pub mod rule;
pub mod values;

use crate::ruleset::{Action, Chain, Cond, Rule, RuleOrigin, RuleSet, RuleSetError, Span};
use crate::syntax::cond::Hdr;
use crate::syntax::words::{self, Word};
use crate::syntax::{self, suggest, Direction, Parsed, SyntaxError};
use rule::{Op, Target};

/// What to compile from the rules.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// ip6tables (else iptables) when the lines do not say.
    pub v6: bool,
    /// The table to compile (default: `filter`, or the only table with rules).
    pub table: Option<String>,
    /// The built-in chain the program stands for (default: the first of INPUT, PREROUTING,
    /// FORWARD, OUTPUT, POSTROUTING with rules).
    pub chain: Option<String>,
}

/// Parse iptables rules (IPv4, unless the lines start with `ip6tables`).
pub fn parse(text: &str) -> Result<Parsed, SyntaxError> {
    parse_with(text, &Options::default())
}

/// Parse ip6tables rules.
pub fn parse6(text: &str) -> Result<Parsed, SyntaxError> {
    parse_with(
        text,
        &Options {
            v6: true,
            ..Options::default()
        },
    )
}

struct PRule {
    conds: Vec<Cond>,
    target: Target,
    /// The line the rule came from and where it starts in the whole text.
    line: String,
    line_start: usize,
}

struct PChain {
    name: String,
    builtin: bool,
    policy: Option<(Action, String, usize)>,
    rules: Vec<PRule>,
}

struct Table {
    name: String,
    chains: Vec<PChain>,
}

fn builtins(table: &str) -> Option<&'static [&'static str]> {
    Some(match table {
        "filter" | "security" => &["INPUT", "FORWARD", "OUTPUT"],
        "raw" => &["PREROUTING", "OUTPUT"],
        "mangle" => &["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"],
        "nat" => &["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"],
        _ => return None,
    })
}

impl Table {
    fn new(name: &str, span: Span) -> Result<Table, SyntaxError> {
        let Some(b) = builtins(name) else {
            return Err(
                SyntaxError::new(span, format!("unknown table '{name}'")).with_note(suggest::hint(
                    name,
                    &["filter", "raw", "mangle", "nat", "security"],
                )),
            );
        };
        Ok(Table {
            name: name.to_string(),
            chains: b
                .iter()
                .map(|n| PChain {
                    name: n.to_string(),
                    builtin: true,
                    policy: None,
                    rules: Vec::new(),
                })
                .collect(),
        })
    }

    fn chain_mut(&mut self, name: &str, span: Span) -> Result<&mut PChain, SyntaxError> {
        let names: Vec<String> = self.chains.iter().map(|c| c.name.clone()).collect();
        match self.chains.iter_mut().find(|c| c.name == name) {
            Some(c) => Ok(c),
            None => {
                let refs: Vec<&str> = names.iter().map(String::as_str).collect();
                let mut e =
                    SyntaxError::new(span, format!("no chain '{name}' in table '{}'", self.name));
                e = e.with_note(match suggest::nearest(name, &refs) {
                    Some(s) => format!("did you mean '{s}'? (chain names are case-sensitive)"),
                    None => format!("create it first with -N {name}"),
                });
                Err(e)
            }
        }
    }
}

fn shift(mut e: SyntaxError, by: usize) -> SyntaxError {
    e.span = Span::new(e.span.start + by, e.span.end + by);
    e
}

fn is_command_word(w: &str) -> Option<bool> {
    let base = w.rsplit('/').next().unwrap_or(w);
    match base {
        "iptables" | "iptables-legacy" | "iptables-nft" => Some(false),
        "ip6tables" | "ip6tables-legacy" | "ip6tables-nft" => Some(true),
        _ => None,
    }
}

/// Parse with options.
pub fn parse_with(text: &str, opts: &Options) -> Result<Parsed, SyntaxError> {
    let mut tables: Vec<Table> = Vec::new();
    let mut in_file_table: Option<usize> = None;
    let mut v6: Option<bool> = None;
    let mut attach = None;
    let target = opts.table.clone().unwrap_or_else(|| "filter".to_string());
    let mut deferred: Vec<(String, SyntaxError)> = Vec::new();

    for (start, line) in words::logical_lines(text) {
        let trimmed = line.trim_start();
        let lead = line.len() - trimmed.len();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let lspan = Span::new(start + lead, start + line.trim_end().len());
        if let Some(name) = trimmed.strip_prefix('*') {
            let name = name.trim();
            let idx = match tables.iter().position(|t| t.name == name) {
                Some(i) => i,
                None => {
                    tables.push(Table::new(name, lspan)?);
                    tables.len() - 1
                }
            };
            in_file_table = Some(idx);
            continue;
        }
        if trimmed.trim_end() == "COMMIT" {
            if in_file_table.take().is_none() {
                return Err(SyntaxError::new(
                    lspan,
                    "COMMIT without a table ('*filter')",
                ));
            }
            continue;
        }
        if let Some(decl) = trimmed.strip_prefix(':') {
            let Some(t) = in_file_table else {
                return Err(SyntaxError::new(lspan, "chain declaration outside a table"));
            };
            let parts: Vec<&str> = decl.split_whitespace().collect();
            let (Some(name), Some(policy)) = (parts.first(), parts.get(1)) else {
                return Err(SyntaxError::new(
                    lspan,
                    "bad chain declaration (want ':NAME POLICY [p:b]')",
                ));
            };
            let table = &mut tables[t];
            if *policy == "-" {
                if table.chains.iter().any(|c| c.name == *name) {
                    return Err(SyntaxError::new(
                        lspan,
                        format!("chain '{name}' already exists"),
                    ));
                }
                table.chains.push(PChain {
                    name: name.to_string(),
                    builtin: false,
                    policy: None,
                    rules: Vec::new(),
                });
            } else {
                let action = policy_action(policy, lspan)?;
                let c = table.chain_mut(name, lspan)?;
                if !c.builtin {
                    return Err(SyntaxError::new(
                        lspan,
                        "only built-in chains have a policy",
                    ));
                }
                c.policy = Some((action, line.clone(), start));
            }
            continue;
        }

        let mut ws: Vec<Word> = words::split(&line, 0);
        if ws
            .first()
            .is_some_and(|w| w.text.starts_with('[') && w.text.ends_with(']'))
        {
            ws.remove(0);
        }
        let mut line_v6 = None;
        if let Some(first) = ws.first() {
            if let Some(six) = is_command_word(&first.text) {
                line_v6 = Some(six);
                ws.remove(0);
            }
        }
        if let (Some(prev), Some(now)) = (v6, line_v6) {
            if prev != now {
                return Err(SyntaxError::new(
                    lspan,
                    "iptables and ip6tables lines in one rule set",
                )
                .with_note("compile IPv4 and IPv6 rules as two rule sets"));
            }
        }
        if line_v6.is_some() {
            v6 = line_v6;
        }
        let fam6 = v6.unwrap_or(opts.v6);
        // Lines of a table that is not compiled (a *nat section with MASQUERADE, say) may use
        // what this compiler refuses: their errors become notes, unless that table is chosen.
        let line_table = match in_file_table {
            Some(t) => tables[t].name.clone(),
            None => ws
                .windows(2)
                .find(|w| matches!(w[0].text.as_str(), "-t" | "--table"))
                .map_or("filter".to_string(), |w| w[1].text.clone()),
        };
        let compiled = line_table == target;
        let cmd = match rule::parse(&ws, fam6) {
            Ok(c) => c,
            Err(e) if !compiled => {
                deferred.push((line_table, shift(e, start)));
                continue;
            }
            Err(e) => return Err(shift(e, start)),
        };
        let tname = match (&cmd.table, in_file_table) {
            (Some((t, span)), None) => {
                if builtins(t).is_none() {
                    return Err(shift(
                        SyntaxError::new(*span, format!("unknown table '{t}'")).with_note(
                            suggest::hint(t, &["filter", "raw", "mangle", "nat", "security"]),
                        ),
                        start,
                    ));
                }
                t.clone()
            }
            (Some((_, span)), Some(_)) => {
                return Err(shift(
                    SyntaxError::new(*span, "'-t' inside a table section"),
                    start,
                ))
            }
            (None, Some(t)) => tables[t].name.clone(),
            (None, None) => "filter".to_string(),
        };
        let t = match tables.iter().position(|t| t.name == tname) {
            Some(i) => i,
            None => {
                tables.push(Table::new(&tname, lspan)?);
                tables.len() - 1
            }
        };
        let mut no_attach = None;
        let slot = if compiled {
            &mut attach
        } else {
            &mut no_attach
        };
        if let Err(e) = apply(&mut tables[t], cmd, &line, start, slot) {
            if compiled {
                return Err(e);
            }
            deferred.push((line_table, e));
        }
    }
    if in_file_table.is_some() {
        return Err(SyntaxError::new(
            Span::new(text.len(), text.len()),
            "table section not ended by COMMIT",
        ));
    }
    let other_rules: Vec<String> = tables
        .iter()
        .filter(|t| t.chains.iter().any(|c| !c.rules.is_empty()))
        .map(|t| t.name.clone())
        .collect();
    let (mut parsed, compiled) = build(tables, opts, v6.unwrap_or(opts.v6), attach)?;
    // Rules only in a table that is not compiled (a *nat section alone, or lines refused
    // there) must not become an empty program that passes everything.
    if parsed.ruleset.rule_count() == 0 && parsed.ruleset.default == Action::Pass {
        if let Some((table, e)) = deferred.iter().find(|(t, _)| *t != compiled) {
            return Err(SyntaxError::new(
                e.span,
                format!(
                    "table '{table}' is not compiled, and this line of it is refused: {}",
                    e.message
                ),
            )
            .with_opt_note(e.note.clone()));
        }
        if let Some(t) = other_rules.iter().find(|t| **t != compiled) {
            return Err(SyntaxError::new(
                Span::new(0, text.len()),
                format!("the rules are in table '{t}', which is not compiled; table '{compiled}' has none"),
            )
            .with_note("one table is compiled: filter, or else the one table that has rules"));
        }
    }
    for (table, e) in deferred {
        if compiled == table {
            return Err(e);
        }
        parsed.notes.push(format!(
            "table '{table}' is not compiled; it has a line this compiler refuses ({}: {})",
            crate::diag::line_col(text, e.span.start).0,
            e.message
        ));
    }
    Ok(parsed)
}

fn policy_action(p: &str, span: Span) -> Result<Action, SyntaxError> {
    match p {
        "ACCEPT" => Ok(Action::Pass),
        "DROP" => Ok(Action::Drop),
        _ => Err(SyntaxError::new(span, format!("bad policy '{p}'"))
            .with_note(suggest::hint(p, &["ACCEPT", "DROP"]))),
    }
}

fn apply(
    table: &mut Table,
    cmd: rule::Command,
    line: &str,
    start: usize,
    attach: &mut Option<syntax::Attach>,
) -> Result<(), SyntaxError> {
    let sh = |e: SyntaxError| shift(e, start);
    match cmd.op {
        Op::NewChain(name, span) => {
            if table.chains.iter().any(|c| c.name == name) {
                return Err(sh(SyntaxError::new(
                    span,
                    format!("chain '{name}' already exists"),
                )));
            }
            if name.len() > 28 || name.starts_with('!') || name.starts_with('-') {
                return Err(sh(SyntaxError::new(
                    span,
                    format!("invalid chain name '{name}'"),
                )));
            }
            table.chains.push(PChain {
                name,
                builtin: false,
                policy: None,
                rules: Vec::new(),
            });
        }
        Op::Policy(name, span, target, tspan) => {
            let action = policy_action(&target, tspan).map_err(sh)?;
            let c = table.chain_mut(&name, span).map_err(sh)?;
            if !c.builtin {
                return Err(sh(SyntaxError::new(
                    span,
                    "only built-in chains have a policy",
                )));
            }
            c.policy = Some((action, line.to_string(), start));
        }
        Op::Flush(None) => table.chains.iter_mut().for_each(|c| c.rules.clear()),
        Op::Flush(Some(name)) => {
            let span = Span::new(0, line.len());
            table.chain_mut(&name, span).map_err(sh)?.rules.clear();
        }
        op @ (Op::Append(..) | Op::Insert(..)) => {
            let (name, span, at) = match op {
                Op::Insert(n, s, at) => (n, s, Some(at)),
                Op::Append(n, s) => (n, s, None),
                _ => return Ok(()),
            };
            if let Some((dev, input, ispan)) = &cmd.iface {
                let bad = if *input {
                    matches!(name.as_str(), "OUTPUT" | "POSTROUTING")
                } else {
                    matches!(name.as_str(), "INPUT" | "PREROUTING")
                };
                if bad {
                    return Err(sh(SyntaxError::new(
                        *ispan,
                        format!("can't use {} with {name}", if *input { "-i" } else { "-o" }),
                    )));
                }
                let dir = if *input {
                    Direction::Ingress
                } else {
                    Direction::Egress
                };
                syntax::set_attach(attach, dev, dir, *ispan).map_err(sh)?;
            }
            let c = table.chain_mut(&name, span).map_err(sh)?;
            let r = PRule {
                conds: cmd.conds,
                target: cmd.target,
                line: line.to_string(),
                line_start: start,
            };
            match at {
                None => c.rules.push(r),
                Some(n) => {
                    if n - 1 > c.rules.len() {
                        return Err(sh(SyntaxError::new(span, "index of insertion too big")));
                    }
                    c.rules.insert(n - 1, r);
                }
            }
        }
    }
    Ok(())
}

const ENTRY_ORDER: &[&str] = &["INPUT", "PREROUTING", "FORWARD", "OUTPUT", "POSTROUTING"];

fn build(
    tables: Vec<Table>,
    opts: &Options,
    v6: bool,
    attach: Option<syntax::Attach>,
) -> Result<(Parsed, String), SyntaxError> {
    let syntax_name = if v6 { "ip6tables" } else { "iptables" };
    let has_rules = |t: &Table| {
        t.chains
            .iter()
            .any(|c| !c.rules.is_empty() || c.policy.is_some())
    };
    let mut notes = Vec::new();
    let chosen = match &opts.table {
        Some(t) => tables.iter().position(|x| &x.name == t),
        None => tables
            .iter()
            .position(|x| x.name == "filter" && has_rules(x))
            .or_else(|| tables.iter().position(has_rules)),
    };
    let table = match chosen {
        Some(i) => {
            for (j, t) in tables.iter().enumerate() {
                if j != i && t.chains.iter().any(|c| !c.rules.is_empty()) {
                    notes.push(format!(
                        "table '{}' is not compiled (only '{}')",
                        t.name, tables[i].name
                    ));
                }
            }
            tables.into_iter().nth(i)
        }
        None => None,
    };
    let table = match table {
        Some(t) => t,
        None => Table::new(opts.table.as_deref().unwrap_or("filter"), Span::default())?,
    };
    let entry_name = match &opts.chain {
        Some(c) => c.clone(),
        None => ENTRY_ORDER
            .iter()
            .find(|n| {
                table.chains.iter().any(|c| {
                    c.builtin
                        && c.name == **n
                        && (!c.rules.is_empty()
                            || c.policy.as_ref().is_some_and(|p| p.0 != Action::Pass))
                })
            })
            .or_else(|| {
                ENTRY_ORDER
                    .iter()
                    .find(|n| table.chains.iter().any(|c| c.name == **n))
            })
            .map(|s| s.to_string())
            .unwrap_or_else(|| "INPUT".into()),
    };
    let Some(entry) = table
        .chains
        .iter()
        .position(|c| c.builtin && c.name == entry_name)
    else {
        return Err(SyntaxError::new(
            Span::default(),
            format!("no built-in chain '{entry_name}' in table '{}'", table.name),
        ));
    };
    for c in &table.chains {
        if c.builtin && c.name != entry_name && !c.rules.is_empty() {
            notes.push(format!(
                "chain {} ({} rules) is not compiled: the program stands for {entry_name}",
                c.name,
                c.rules.len()
            ));
        }
    }
    let direction = if matches!(entry_name.as_str(), "OUTPUT" | "POSTROUTING") {
        Direction::Egress
    } else {
        Direction::Ingress
    };
    if let Some(a) = &attach {
        if a.direction != direction {
            notes.push(format!(
                "the rules name {} as {}, but the program stands for {entry_name}",
                a.dev,
                if a.direction == Direction::Ingress {
                    "input (-i)"
                } else {
                    "output (-o)"
                }
            ));
        }
    }
    // Chain order: the entry chain first, then user chains in declaration order.
    let mut order = vec![entry];
    order.extend((0..table.chains.len()).filter(|i| !table.chains[*i].builtin));
    let id_of = |name: &str| order.iter().position(|i| table.chains[*i].name == name);
    let mut chains = Vec::new();
    let hdr = if v6 { Hdr::V6 } else { Hdr::V4 };
    let policy = table.chains[entry].policy.clone();
    let default = policy.as_ref().map_or(Action::Pass, |p| p.0);
    for (pos, ci) in order.iter().enumerate() {
        let pc = &table.chains[*ci];
        let mut rules = Vec::new();
        if pos == 0 && default != Action::Pass {
            if let Some((_, line, _)) = &policy {
                // Packets that are not IP never reach the IP tables: they pass.
                rules.push(Rule {
                    cond: hdr.guard(Span::default()).negate(),
                    action: Action::Pass,
                    origin: RuleOrigin {
                        text: line.clone(),
                        span: Span::new(0, line.len()),
                    },
                });
            }
        }
        for r in &pc.rules {
            let origin = RuleOrigin {
                text: r.line.clone(),
                span: Span::new(0, r.line.len()),
            };
            let resolve = |name: &str, span: Span| -> Result<usize, SyntaxError> {
                if let Some(id) = id_of(name) {
                    if id != 0 || !table.chains[entry].builtin {
                        return Ok(id);
                    }
                }
                if table.chains.iter().any(|c| c.builtin && c.name == name) {
                    return Err(shift(
                        SyntaxError::new(span, format!("cannot jump to built-in chain '{name}'")),
                        r.line_start,
                    ));
                }
                Err(shift(unknown_target(name, span, &table), r.line_start))
            };
            let actions: Vec<Action> = match &r.target {
                Target::None | Target::Log => vec![Action::Count],
                Target::Accept => vec![Action::Pass],
                Target::Drop => vec![Action::Drop],
                Target::Return => vec![Action::Return],
                Target::Jump(n, s) => vec![Action::Jump(resolve(n, *s)?)],
                // A goto returns to the caller's caller: jump, then leave this chain.
                Target::Goto(n, s) => vec![Action::Jump(resolve(n, *s)?), Action::Return],
            };
            for cond in &r.conds {
                for a in &actions {
                    rules.push(Rule {
                        cond: cond.clone(),
                        action: *a,
                        origin: origin.clone(),
                    });
                }
            }
        }
        chains.push(Chain {
            name: pc.name.clone(),
            rules,
        });
    }
    let rs = RuleSet {
        syntax: syntax_name.into(),
        chains,
        sets: Vec::new(),
        default,
    };
    if let Err(RuleSetError::JumpCycle { chain }) = rs.validate() {
        return Err(SyntaxError::new(
            Span::default(),
            format!("chain '{chain}' is reached from itself (a jump loop)"),
        )
        .with_note("iptables-restore refuses loops too; a loop cannot be inlined"));
    }
    let mut parsed = Parsed::new(rs);
    parsed.attach = attach;
    parsed.notes = notes;
    Ok((parsed, table.name))
}

fn unknown_target(name: &str, span: Span, table: &Table) -> SyntaxError {
    let builtin_targets = ["ACCEPT", "DROP", "RETURN", "LOG", "NFLOG", "REJECT"];
    let upper = name.to_ascii_uppercase();
    if builtin_targets.contains(&upper.as_str()) {
        return SyntaxError::new(span, format!("no chain or target named '{name}'")).with_note(
            format!(
                "iptables targets are case-sensitive: '-j {name}' is a jump to a user chain named \
             '{name}', and there is none. Did you mean '{upper}'?"
            ),
        );
    }
    let mut cands: Vec<&str> = builtin_targets.to_vec();
    cands.extend(
        table
            .chains
            .iter()
            .filter(|c| !c.builtin)
            .map(|c| c.name.as_str()),
    );
    SyntaxError::new(span, format!("no chain or target named '{name}'"))
        .with_note(suggest::hint(name, &cands))
}
