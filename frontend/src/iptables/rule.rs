//! One iptables command line (`-A INPUT -p tcp --dport 80 -j DROP`) to a command: the chain
//! operation, the match conditions (in the order netfilter evaluates them) and the target.

use super::matches::{self, MatchState};
use super::values;
use crate::ruleset::{Cond, Span};
use crate::syntax::cond::{self as c, Hdr};
use crate::syntax::suggest;
use crate::syntax::words::Word;
use crate::syntax::SyntaxError;

/// The chain operation of a line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    /// `-A CHAIN`.
    Append(String, Span),
    /// `-I CHAIN [N]` (1-based position).
    Insert(String, Span, usize),
    /// `-P CHAIN TARGET`.
    Policy(String, Span, String, Span),
    /// `-N CHAIN`.
    NewChain(String, Span),
    /// `-F [CHAIN]`.
    Flush(Option<String>),
}

/// Where a matching rule goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// No `-j`: the rule only counts.
    None,
    /// ACCEPT.
    Accept,
    /// DROP.
    Drop,
    /// RETURN.
    Return,
    /// LOG / NFLOG: counted, then evaluation goes on.
    Log,
    /// `-j CHAIN`.
    Jump(String, Span),
    /// `-g CHAIN`.
    Goto(String, Span),
}

/// A parsed command line.
#[derive(Clone, Debug)]
pub struct Command {
    /// `-t TABLE`, when given.
    pub table: Option<(String, Span)>,
    /// The operation.
    pub op: Op,
    /// One condition per rule the line makes (`-s a,b` makes two rules).
    pub conds: Vec<Cond>,
    /// Target.
    pub target: Target,
    /// `-i DEV` / `-o DEV` with their spans.
    pub iface: Option<(String, bool, Span)>,
}

const CORE_OPTIONS: &[&str] = &[
    "-A",
    "--append",
    "-I",
    "--insert",
    "-P",
    "--policy",
    "-N",
    "--new-chain",
    "-F",
    "--flush",
    "-t",
    "--table",
    "-p",
    "--protocol",
    "-s",
    "--source",
    "--src",
    "-d",
    "--destination",
    "--dst",
    "-i",
    "--in-interface",
    "-o",
    "--out-interface",
    "-f",
    "--fragment",
    "-j",
    "--jump",
    "-g",
    "--goto",
    "-m",
    "--match",
    "-c",
    "--set-counters",
    "-w",
    "--wait",
];

/// `-s`/`-d` addresses (address, mask), negated, where.
type AddrList = (Vec<(u128, u128)>, bool, Span);

struct Parser<'a> {
    words: &'a [Word],
    pos: usize,
    v6: bool,
}

impl<'a> Parser<'a> {
    fn next(&mut self) -> Option<&'a Word> {
        let w = self.words.get(self.pos)?;
        self.pos += 1;
        Some(w)
    }

    fn arg(&mut self, opt: &Word) -> Result<&'a Word, SyntaxError> {
        self.next().ok_or_else(|| {
            SyntaxError::new(
                opt.span,
                format!("option '{}' requires an argument", opt.text),
            )
        })
    }

    /// An argument; the old intrapositioned `!` (`-p ! tcp`) is refused, as iptables 1.8
    /// refuses it.
    fn arg_neg(&mut self, opt: &Word, _negate: &mut bool) -> Result<&'a Word, SyntaxError> {
        let w = self.arg(opt)?;
        if w.text == "!" {
            return Err(SyntaxError::new(
                w.span,
                format!("'!' after '{}' is not allowed", opt.text),
            )
            .with_note(format!(
                "write the negation before the option: '! {} ...'",
                opt.text
            )));
        }
        Ok(w)
    }
}

fn take_args<'a>(
    p: &mut Parser<'a>,
    opt: &Word,
    n: usize,
    negate: &mut bool,
) -> Result<Vec<&'a Word>, SyntaxError> {
    let mut args = Vec::new();
    if n > 0 {
        args.push(p.arg_neg(opt, negate)?);
        for _ in 1..n {
            args.push(p.arg(opt)?);
        }
    }
    Ok(args)
}

fn no_invert(negate: bool, opt: &Word) -> Result<(), SyntaxError> {
    if negate {
        return Err(SyntaxError::new(
            opt.span,
            format!("option '{}' cannot be inverted", opt.text),
        ));
    }
    Ok(())
}

/// Parse the words of one command (the leading `iptables` already removed).
pub fn parse(words: &[Word], v6: bool) -> Result<Command, SyntaxError> {
    let expanded = super::getopt::expand(words);
    let words = &expanded[..];
    let hdr = if v6 { Hdr::V6 } else { Hdr::V4 };
    let mut p = Parser { words, pos: 0, v6 };
    let mut op: Option<Op> = None;
    let mut table = None;
    let mut srcs: Option<AddrList> = None;
    let mut dsts: Option<AddrList> = None;
    let mut proto: Option<(Option<u8>, bool, Span)> = None;
    let mut frag: Option<(bool, Span)> = None;
    let mut iface: Option<(String, bool, Span)> = None;
    let mut target: Option<(Target, Span)> = None;
    let mut target_name = String::new();
    let mut loaded: Vec<MatchState> = Vec::new();
    let mut negate = false;
    let mut negate_span = Span::default();

    while let Some(w) = p.next() {
        let opt = w.text.as_str();
        if w.unterminated {
            return Err(SyntaxError::new(w.span, "unterminated quote"));
        }
        if opt == "!" {
            if negate {
                return Err(SyntaxError::new(
                    w.span,
                    "multiple consecutive ! not allowed",
                ));
            }
            negate = true;
            negate_span = w.span;
            continue;
        }
        let set_op = |op: &mut Option<Op>, new: Op| -> Result<(), SyntaxError> {
            if op.is_some() {
                return Err(SyntaxError::new(
                    w.span,
                    "only one command (-A, -I, -P, -N, -F) per line",
                ));
            }
            *op = Some(new);
            Ok(())
        };
        match opt {
            "-A" | "--append" => {
                no_invert(negate, w)?;
                let ch = p.arg(w)?;
                set_op(&mut op, Op::Append(ch.text.clone(), ch.span))?;
            }
            "-I" | "--insert" => {
                no_invert(negate, w)?;
                let ch = p.arg(w)?;
                let mut at = 1;
                if let Some(n) = p.words.get(p.pos) {
                    if let Some(v) = crate::syntax::parse_decimal(&n.text) {
                        if v == 0 {
                            return Err(SyntaxError::new(n.span, "invalid rule number '0'"));
                        }
                        at = v as usize;
                        p.pos += 1;
                    }
                }
                set_op(&mut op, Op::Insert(ch.text.clone(), ch.span, at))?;
            }
            "-P" | "--policy" => {
                no_invert(negate, w)?;
                let ch = p.arg(w)?;
                let t = p.arg(w)?;
                set_op(
                    &mut op,
                    Op::Policy(ch.text.clone(), ch.span, t.text.clone(), t.span),
                )?;
            }
            "-N" | "--new-chain" => {
                no_invert(negate, w)?;
                let ch = p.arg(w)?;
                set_op(&mut op, Op::NewChain(ch.text.clone(), ch.span))?;
            }
            "-F" | "--flush" => {
                no_invert(negate, w)?;
                let ch = p
                    .words
                    .get(p.pos)
                    .filter(|n| !n.text.starts_with('-'))
                    .map(|n| n.text.clone());
                if ch.is_some() {
                    p.pos += 1;
                }
                set_op(&mut op, Op::Flush(ch))?;
            }
            "-D" | "--delete" | "-R" | "--replace" | "-X" | "--delete-chain" | "-E"
            | "--rename-chain" | "-Z" | "--zero" | "-L" | "--list" | "-S" | "--list-rules"
            | "-C" | "--check" => {
                return Err(SyntaxError::new(
                    w.span,
                    format!("command '{opt}' does not build a rule set"),
                )
                .with_note("rule sets are built from -A, -I, -P, -N and -F lines"));
            }
            "-t" | "--table" => {
                no_invert(negate, w)?;
                let t = p.arg(w)?;
                table = Some((t.text.clone(), t.span));
            }
            "-p" | "--protocol" => {
                let a = p.arg_neg(w, &mut negate)?;
                if proto.is_some() {
                    return Err(SyntaxError::new(w.span, "multiple -p flags not allowed"));
                }
                attached(w, a)?;
                let v = values::protocol(&a.text, a.span)?;
                proto = Some((v, negate, a.span));
            }
            "-s" | "--source" | "--src" | "-d" | "--destination" | "--dst" => {
                let a = p.arg_neg(w, &mut negate)?;
                attached(w, a)?;
                let src = matches!(opt, "-s" | "--source" | "--src");
                let slot = if src { &mut srcs } else { &mut dsts };
                if slot.is_some() {
                    return Err(SyntaxError::new(
                        w.span,
                        format!(
                            "multiple {} flags not allowed",
                            if src { "-s" } else { "-d" }
                        ),
                    ));
                }
                let mut list = Vec::new();
                for part in a.text.split(',') {
                    list.push(values::address(part, p.v6, a.span)?);
                }
                if negate && list.len() > 1 {
                    return Err(SyntaxError::new(
                        a.span,
                        "! not allowed with multiple source or destination IP addresses",
                    ));
                }
                *slot = Some((list, negate, a.span));
            }
            "-i" | "--in-interface" | "-o" | "--out-interface" => {
                let a = p.arg_neg(w, &mut negate)?;
                crate::syntax::check_ifname(&a.text, a.span)?;
                let input = matches!(opt, "-i" | "--in-interface");
                if negate {
                    return Err(SyntaxError::new(
                        negate_span.to(a.span),
                        format!("'! {opt}' cannot be compiled: the interface is the attach point"),
                    )
                    .with_note(
                        "the program runs on the interface it is attached to; \
                         a rule for every other interface is not a packet test",
                    ));
                }
                if let Some((prev, _, _)) = &iface {
                    return Err(SyntaxError::new(
                        w.span,
                        format!(
                            "a rule that names '{prev}' and '{}' names two attach points",
                            a.text
                        ),
                    ));
                }
                iface = Some((a.text.clone(), input, a.span));
            }
            "-f" | "--fragment" => {
                if p.v6 {
                    return Err(SyntaxError::new(w.span, "ip6tables has no '-f'")
                        .with_note("use '-m frag' in ip6tables (not supported here)"));
                }
                frag = Some((negate, w.span));
            }
            "-j" | "--jump" | "-g" | "--goto" => {
                no_invert(negate, w)?;
                let a = p.arg(w)?;
                if target.is_some() {
                    return Err(SyntaxError::new(w.span, "multiple -j/-g flags not allowed"));
                }
                let goto = matches!(opt, "-g" | "--goto");
                let t = parse_target(&a.text, a.span, goto)?;
                target_name = a.text.clone();
                target = Some((t, a.span));
            }
            "-m" | "--match" => {
                no_invert(negate, w)?;
                let a = p.arg(w)?;
                loaded.push(matches::load(&a.text, a.span, p.v6)?);
            }
            "-c" | "--set-counters" => {
                no_invert(negate, w)?;
                p.arg(w)?;
                p.arg(w)?;
            }
            "-w" | "--wait" | "-4" | "-6" | "-v" | "--verbose" | "-n" | "--numeric" => {}
            _ if opt.starts_with('-') => {
                let mut handled = false;
                for m in loaded.iter_mut().rev() {
                    if m.knows(opt) {
                        let args = take_args(&mut p, w, m.nargs(opt), &mut negate)?;
                        m.option(opt, w.span, &args, negate, hdr)?;
                        handled = true;
                        break;
                    }
                }
                if !handled && is_target_option(&target_name, opt) {
                    no_invert(negate, w)?;
                    if target_option_takes_arg(opt) {
                        let a = p.arg(w)?;
                        target_value(opt, a)?;
                    }
                    handled = true;
                }
                if !handled {
                    // iptables loads the protocol's own match on its first unknown option.
                    if let Some((Some(pr), false, _)) = proto {
                        if let Some(name) = matches::implicit_for(pr, p.v6) {
                            if !loaded.iter().any(|m| m.name == name) {
                                let mut m = matches::load(name, w.span, p.v6)?;
                                if m.knows(opt) {
                                    let args = take_args(&mut p, w, m.nargs(opt), &mut negate)?;
                                    m.option(opt, w.span, &args, negate, hdr)?;
                                    loaded.push(m);
                                    handled = true;
                                }
                            }
                        }
                    }
                }
                if !handled {
                    let mut known: Vec<&str> = CORE_OPTIONS.to_vec();
                    for m in &loaded {
                        known.extend(m.option_names());
                    }
                    if let Some((Some(pr), _, _)) = proto {
                        if let Some(name) = matches::implicit_for(pr, p.v6) {
                            known.extend(matches::option_names_of(name));
                        }
                    }
                    let mut e = SyntaxError::new(w.span, format!("unknown option '{opt}'"));
                    e = e.with_note(match suggest::nearest(opt, &known) {
                        Some(s) => format!("did you mean '{s}'?"),
                        None if loaded.is_empty() && proto.is_none() => {
                            "match options need their match loaded first ('-p tcp', '-m NAME')"
                                .to_string()
                        }
                        None => "no loaded match knows this option".to_string(),
                    });
                    return Err(e);
                }
            }
            _ => {
                return Err(SyntaxError::new(w.span, format!("bad argument '{opt}'"))
                    .with_note("every word must be an option or an option's argument"));
            }
        }
        negate = false;
    }
    if negate {
        return Err(SyntaxError::new(
            negate_span,
            "'!' is not followed by an option",
        ));
    }
    let Some(op) = op else {
        let span = words.first().map_or(Span::default(), |w| w.span);
        return Err(SyntaxError::new(span, "no command specified")
            .with_note("start the rule with -A CHAIN (or -I, -P, -N)"));
    };
    if matches!(op, Op::Policy(..) | Op::NewChain(..) | Op::Flush(..))
        && (proto.is_some()
            || srcs.is_some()
            || dsts.is_some()
            || !loaded.is_empty()
            || target.is_some())
    {
        let span = words.first().map_or(Span::default(), |w| w.span);
        return Err(SyntaxError::new(
            span,
            "this command takes no rule specification",
        ));
    }

    // Protocol requirements of the matches.
    for m in &loaded {
        m.check_proto(
            proto
                .as_ref()
                .and_then(|(p, neg, _)| (!neg).then_some(*p))
                .flatten(),
        )?;
    }

    // ip_packet_match order: source, destination, protocol, fragment; then matches in order.
    let mut fixed: Vec<Cond> = Vec::new();
    if let Some((pr, neg, span)) = proto {
        match pr {
            Some(pr) => fixed.push(c::maybe_not(hdr.proto(pr, span), neg)),
            None if neg => fixed.push(Cond::False),
            None => {}
        }
    }
    if let Some((neg, span)) = frag {
        let f = hdr.later_fragment(span);
        fixed.push(c::maybe_not(f, neg));
    }
    let mut tail = fixed;
    for m in loaded {
        tail.push(m.finish(hdr)?);
    }
    let addr_conds = |slot: &Option<AddrList>, src: bool| -> Vec<Cond> {
        match slot {
            None => vec![Cond::True],
            Some((list, neg, span)) => list
                .iter()
                .map(|(a, m)| {
                    let f = if src { hdr.saddr() } else { hdr.daddr() };
                    c::maybe_not(c::masked(f, *m, *a, *span), *neg)
                })
                .collect(),
        }
    };
    let mut conds = Vec::new();
    for s in addr_conds(&srcs, true) {
        for d in addr_conds(&dsts, false) {
            let mut parts = vec![hdr.guard(Span::default()), s.clone(), d];
            parts.extend(tail.iter().cloned());
            conds.push(c::all(parts));
        }
    }
    Ok(Command {
        table,
        op,
        conds,
        target: target.map(|(t, _)| t).unwrap_or(Target::None),
        iface,
    })
}

/// iptables 1.8 reads the values of `-p`, `-s` and `-d` from the whole word: an attached value
/// (`-ptcp`, `--source=1.2.3.4`) is refused, as iptables refuses it.
fn attached(opt: &Word, value: &Word) -> Result<(), SyntaxError> {
    if value.text.starts_with('-') && value.text.starts_with(opt.text.as_str()) {
        let name = &opt.text;
        let rest = value
            .text
            .strip_prefix(name.as_str())
            .map(|r| r.trim_start_matches('='))
            .unwrap_or("");
        return Err(SyntaxError::new(
            value.span.to(opt.span),
            format!(
                "'{}': iptables takes the value of '{name}' from the whole word",
                value.text
            ),
        )
        .with_note(format!(
            "iptables 1.8 refuses an attached value here; write '{name} {rest}' with a space"
        )));
    }
    Ok(())
}

fn parse_target(name: &str, span: Span, goto: bool) -> Result<Target, SyntaxError> {
    if goto {
        return Ok(Target::Goto(name.to_string(), span));
    }
    Ok(match name {
        "ACCEPT" => Target::Accept,
        "DROP" => Target::Drop,
        "RETURN" => Target::Return,
        "LOG" | "NFLOG" | "ULOG" | "TRACE" => Target::Log,
        "REJECT" => return Err(SyntaxError::new(span, "REJECT cannot run in XDP/TC here")
            .with_note(
                "REJECT answers with an ICMP error or a TCP reset; this program can only pass, \
                 drop or redirect the packet it sees. Use DROP",
            )),
        "QUEUE" | "NFQUEUE" => {
            return Err(
                SyntaxError::new(span, format!("{name} hands packets to user space"))
                    .with_note("there is no netfilter queue below the stack; use DROP or ACCEPT"),
            )
        }
        "MASQUERADE" | "SNAT" | "DNAT" | "REDIRECT" | "NETMAP" | "TPROXY" | "CT" | "NOTRACK"
        | "CONNMARK" | "CONNSECMARK" | "MARK" | "SECMARK" | "CLASSIFY" | "DSCP" | "TOS" | "TTL"
        | "HL" | "TCPMSS" | "SET" | "AUDIT" | "CHECKSUM" | "IDLETIMER" | "LED" | "SYNPROXY"
        | "HMARK" | "TEE" | "TCPOPTSTRIP" | "RATEEST" => {
            return Err(
                SyntaxError::new(span, format!("target {name} is not supported")).with_note(
                    "it rewrites the packet or keeps kernel state (NAT, conntrack, marks); \
                     a stateless filter can only ACCEPT, DROP, RETURN, jump or count (LOG)",
                ),
            )
        }
        _ => Target::Jump(name.to_string(), span),
    })
}

fn is_target_option(target: &str, opt: &str) -> bool {
    match target {
        "LOG" => matches!(
            opt,
            "--log-prefix"
                | "--log-level"
                | "--log-tcp-sequence"
                | "--log-tcp-options"
                | "--log-ip-options"
                | "--log-uid"
                | "--log-macdecode"
        ),
        "NFLOG" => matches!(
            opt,
            "--nflog-group"
                | "--nflog-prefix"
                | "--nflog-range"
                | "--nflog-size"
                | "--nflog-threshold"
        ),
        _ => false,
    }
}

/// The values LOG and NFLOG accept, refused as iptables refuses them.
fn target_value(opt: &str, a: &Word) -> Result<(), SyntaxError> {
    let num = |max: u64| crate::syntax::parse_c_number(&a.text).filter(|v| *v <= max);
    let ok = match opt {
        "--log-level" => {
            const NAMES: &[&str] = &[
                "emerg", "alert", "crit", "error", "warning", "notice", "info", "debug", "panic",
            ];
            num(7).is_some() || NAMES.contains(&a.text.as_str())
        }
        "--nflog-group" => num(65535).is_some(),
        "--nflog-range" | "--nflog-size" => num(u32::MAX as u64).is_some(),
        "--nflog-threshold" => num(u16::MAX as u64).is_some(),
        _ => true,
    };
    if ok {
        return Ok(());
    }
    Err(
        SyntaxError::new(a.span, format!("bad value '{}' for '{opt}'", a.text))
            .with_note(match opt {
            "--log-level" => {
                "a syslog level: 0..7 or emerg, alert, crit, error, warning, notice, info, debug"
            }
            "--nflog-group" => "a group number 0..65535",
            "--nflog-threshold" => "a number 0..65535",
            _ => "a number",
        }),
    )
}

fn target_option_takes_arg(opt: &str) -> bool {
    matches!(
        opt,
        "--log-prefix"
            | "--log-level"
            | "--nflog-group"
            | "--nflog-prefix"
            | "--nflog-range"
            | "--nflog-size"
            | "--nflog-threshold"
    )
}
