//! ethtool n-tuple rules to a [`RuleSet`]: `ethtool -N|-U DEV flow-type TYPE [FIELD VALUE [m
//! MASK]]... [action N] [loc N]` and `ethtool -N DEV delete N`, one command per line.
//!
//! ethtool's masks are the inverse of flower's: **a set mask bit means "ignore this bit"**
//! (`src-ip 10.0.0.0 m 0.255.255.255` matches 10.0.0.0/8). `action -1` drops. `action N` steers
//! to receive queue N: an XDP program cannot choose the queue a packet is received on, so the
//! rule compiles to "pass" and the queue is recorded in [`Parsed::queues`] (and a note);
//! `action -2` (wake-on-LAN) and `context`/`vf` are refused. Rules are ordered by `loc` when
//! given (a NIC tries the lowest location first), otherwise in the order written.
//!
//! ```
//! use frontend::ethtool;
//! let p = ethtool::parse("ethtool -U eth0 flow-type tcp4 dst-port 80 action -1").unwrap();
//! assert_eq!(p.attach.unwrap().dev, "eth0");
//! let p = ethtool::parse("ethtool -N eth0 flow-type udp4 dst-port 53 action 3").unwrap();
//! assert_eq!(p.queues, vec![(0, 3)]);
//! ```

use crate::ruleset::{Action, Base, Cond, Field, Rule, RuleOrigin, RuleSet, Span};
use crate::syntax::cond::{self as c, Hdr};
use crate::syntax::words::{self, Word};
use crate::syntax::{self, suggest, Direction, Parsed, SyntaxError};

type R<T> = Result<T, SyntaxError>;

const FLOW_TYPES: &[&str] = &[
    "ether", "ip4", "tcp4", "udp4", "sctp4", "ah4", "esp4", "ip6", "tcp6", "udp6", "sctp6", "ah6",
    "esp6",
];

struct NRule {
    loc: Option<u64>,
    cond: Cond,
    action: Action,
    queue: Option<u32>,
    line: String,
}

fn shift(mut e: SyntaxError, by: usize) -> SyntaxError {
    e.span = Span::new(e.span.start + by, e.span.end + by);
    e
}

/// Parse ethtool n-tuple commands.
pub fn parse(text: &str) -> R<Parsed> {
    let mut rules: Vec<NRule> = Vec::new();
    let mut attach = None;
    let mut notes = Vec::new();
    for (start, line) in words::logical_lines(text) {
        let ws = words::split(&line, 0);
        if ws.is_empty() {
            continue;
        }
        command(&ws, &line, &mut rules, &mut attach, &mut notes).map_err(|e| shift(e, start))?;
    }
    // Located rules first by location, then the others in order.
    let mut located: Vec<NRule> = Vec::new();
    let mut rest: Vec<NRule> = Vec::new();
    for r in rules {
        if r.loc.is_some() {
            located.push(r);
        } else {
            rest.push(r);
        }
    }
    located.sort_by_key(|r| r.loc);
    located.extend(rest);
    let mut queues = Vec::new();
    let mut out = Vec::new();
    for (i, r) in located.into_iter().enumerate() {
        if let Some(q) = r.queue {
            queues.push((i, q));
        }
        out.push(Rule {
            cond: r.cond,
            action: r.action,
            origin: RuleOrigin {
                span: Span::new(0, r.line.len()),
                text: r.line,
            },
        });
    }
    if !queues.is_empty() {
        notes.push(format!(
            "{} rule(s) steer to a receive queue: XDP cannot choose the queue, so they pass the packet \
             (the queues are recorded; an AF_XDP or cpumap redirect would be needed to act on them)",
            queues.len()
        ));
    }
    let mut p = Parsed::new(RuleSet::single_chain("ethtool", out, Action::Pass));
    p.attach = attach;
    p.notes = notes;
    p.queues = queues;
    Ok(p)
}

fn command(
    ws: &[Word],
    line: &str,
    rules: &mut Vec<NRule>,
    attach: &mut Option<syntax::Attach>,
    notes: &mut Vec<String>,
) -> R<()> {
    let mut i = 0;
    if ws
        .first()
        .is_some_and(|w| w.text == "ethtool" || w.text.ends_with("/ethtool"))
    {
        i += 1;
    }
    let Some(cmd) = ws.get(i) else {
        return Err(SyntaxError::new(
            Span::new(0, line.len()),
            "expected -N or -U",
        ));
    };
    if !matches!(
        cmd.text.as_str(),
        "-N" | "-U" | "--config-ntuple" | "--config-nfc"
    ) {
        return Err(SyntaxError::new(
            cmd.span,
            format!("'{}' is not an n-tuple command", cmd.text),
        )
        .with_note("use 'ethtool -N DEV flow-type ...' (or -U)"));
    }
    let dev = ws
        .get(i + 1)
        .ok_or_else(|| SyntaxError::new(cmd.span, "expected a device name"))?;
    syntax::set_attach(attach, &dev.text, Direction::Ingress, dev.span)?;
    i += 2;
    let Some(w) = ws.get(i) else {
        return Err(SyntaxError::new(
            dev.span,
            "expected 'flow-type' or 'delete'",
        ));
    };
    match w.text.as_str() {
        "delete" => {
            let n = ws
                .get(i + 1)
                .ok_or_else(|| SyntaxError::new(w.span, "delete needs a location"))?;
            let loc = syntax::parse_c_number(&n.text).ok_or_else(|| {
                SyntaxError::new(n.span, format!("invalid location '{}'", n.text))
            })?;
            let before = rules.len();
            rules.retain(|r| r.loc != Some(loc));
            if rules.len() == before {
                return Err(SyntaxError::new(
                    n.span,
                    format!("no rule at location {loc}"),
                ));
            }
            if let Some(extra) = ws.get(i + 2) {
                return Err(SyntaxError::new(
                    extra.span,
                    format!("unexpected '{}'", extra.text),
                ));
            }
            Ok(())
        }
        "flow-type" => {
            let r = rule(ws, i + 1, w.span, line, notes)?;
            if let Some(loc) = r.loc {
                if rules.iter().any(|x| x.loc == Some(loc)) {
                    return Err(SyntaxError::new(
                        Span::new(0, line.len()),
                        format!("location {loc} is already used"),
                    ));
                }
            }
            rules.push(r);
            Ok(())
        }
        other => Err(
            SyntaxError::new(w.span, format!("Add rule, invalid syntax: '{other}'"))
                .with_note(suggest::hint(other, &["flow-type", "delete"])),
        ),
    }
}

/// The fields a flow type allows (besides the common dst-mac, vlan, vlan-etype, user-def,
/// action, context, vf, queue, loc).
fn fields_of(ft: &str) -> &'static [&'static str] {
    match ft {
        "ether" => &["src", "dst", "proto"],
        "ip4" => &["src-ip", "dst-ip", "tos", "l4proto", "l4data", "spi"],
        "tcp4" | "udp4" | "sctp4" => &["src-ip", "dst-ip", "tos", "src-port", "dst-port"],
        "ah4" | "esp4" => &["src-ip", "dst-ip", "tos", "spi"],
        "ip6" => &["src-ip", "dst-ip", "tclass", "l4proto", "l4data", "spi"],
        "tcp6" | "udp6" | "sctp6" => &["src-ip", "dst-ip", "tclass", "src-port", "dst-port"],
        _ => &["src-ip", "dst-ip", "tclass", "spi"],
    }
}

const COMMON: &[&str] = &[
    "dst-mac",
    "vlan",
    "vlan-etype",
    "user-def",
    "action",
    "context",
    "vf",
    "queue",
    "loc",
];

fn rule(ws: &[Word], mut i: usize, span: Span, line: &str, notes: &mut Vec<String>) -> R<NRule> {
    let ft = ws
        .get(i)
        .ok_or_else(|| SyntaxError::new(span, "flow-type needs a type"))?;
    if !FLOW_TYPES.contains(&ft.text.as_str()) {
        return Err(SyntaxError::new(
            ft.span,
            format!("Add rule, invalid syntax: unknown flow-type '{}'", ft.text),
        )
        .with_note(suggest::hint(&ft.text, FLOW_TYPES)));
    }
    let ftype = ft.text.as_str();
    i += 1;
    let v6 = ftype.ends_with('6');
    let l4: Option<u8> = match ftype.trim_end_matches(['4', '6']) {
        "tcp" => Some(6),
        "udp" => Some(17),
        "sctp" => Some(132),
        "ah" => Some(51),
        "esp" => Some(50),
        _ => None,
    };
    // Fields with their values and ignore-masks, in the order given.
    let mut given: Vec<(&str, &Word, Option<&Word>)> = Vec::new();
    let mut action: Option<(i64, Span)> = None;
    let mut loc = None;
    while let Some(w) = ws.get(i) {
        i += 1;
        let name = w.text.as_str();
        if !fields_of(ftype).contains(&name) && !COMMON.contains(&name) {
            let mut all: Vec<&str> = fields_of(ftype).to_vec();
            all.extend(COMMON);
            return Err(
                SyntaxError::new(w.span, format!("Add rule, unrecognized option[{name}]"))
                    .with_note(format!(
                        "flow-type {ftype} takes: {}; {}",
                        all.join(", "),
                        suggest::hint(name, &all)
                    )),
            );
        }
        if given.iter().any(|(n, _, _)| *n == name)
            || (name == "action" && action.is_some())
            || (name == "loc" && loc.is_some())
        {
            return Err(SyntaxError::new(
                w.span,
                format!("Add rule, duplicate option[{name}]"),
            ));
        }
        let v = ws.get(i).ok_or_else(|| {
            SyntaxError::new(w.span, format!("Add rule, missing value for [{name}]"))
        })?;
        i += 1;
        match name {
            "action" => {
                let a = parse_int(&v.text).ok_or_else(|| {
                    SyntaxError::new(v.span, format!("Invalid action value[{}]", v.text))
                })?;
                action = Some((a, v.span));
                continue;
            }
            "loc" => {
                loc = Some(syntax::parse_c_number(&v.text).ok_or_else(|| {
                    SyntaxError::new(v.span, format!("Invalid loc value[{}]", v.text))
                })?);
                continue;
            }
            "context" | "vf" | "queue" => {
                return Err(SyntaxError::new(w.span, format!("'{name}' is not supported"))
                    .with_note("RSS contexts and virtual functions are NIC resources an XDP program cannot choose"));
            }
            "user-def" => {
                return Err(SyntaxError::new(w.span, "'user-def' cannot be compiled")
                    .with_note("its meaning is defined by each NIC driver"));
            }
            _ => {}
        }
        let mask = if ws.get(i).is_some_and(|m| m.text == "m") {
            let m = ws.get(i + 1).ok_or_else(|| {
                SyntaxError::new(v.span, format!("Add rule, missing mask for [{name}]"))
            })?;
            i += 2;
            Some(m)
        } else {
            None
        };
        given.push((name, v, mask));
    }
    let tagged = given
        .iter()
        .any(|(n, _, _)| matches!(*n, "vlan" | "vlan-etype"));
    let tags = u8::from(tagged);
    let hdr = Hdr { v6, tags };
    let mut parts = Vec::new();
    let mut transport = Vec::new();
    if tagged {
        // The tag's own EtherType (TPID) and TCI sit before the packet's EtherType.
        let tpid = Field::new(Base::Frame, 12, 2);
        if !given.iter().any(|(n, _, _)| *n == "vlan-etype") {
            parts.push(c::any(vec![
                c::eq(tpid, 0x8100, span),
                c::eq(tpid, 0x88a8, span),
            ]));
        }
    }
    if ftype != "ether" {
        parts.push(hdr.guard(ft.span));
        if let Some(p) = l4 {
            parts.push(hdr.proto(p, ft.span));
        }
    }
    for (name, v, m) in &given {
        let vs = v.span;
        let bad = |what: &str| SyntaxError::new(vs, format!("Invalid {what} value[{}]", v.text));
        // ethtool masks: a set bit means "ignore".
        let keep =
            |full: u128, m: &Option<&Word>, parse: &dyn Fn(&str) -> Option<u128>| -> R<u128> {
                match m {
                    None => Ok(full),
                    Some(m) => parse(&m.text).map(|x| !x & full).ok_or_else(|| {
                        SyntaxError::new(m.span, format!("Invalid {name} mask[{}]", m.text))
                    }),
                }
            };
        let num = |bits: u32| {
            move |s: &str| -> Option<u128> {
                let x = syntax::parse_c_number(s)? as u128;
                (x >> bits == 0).then_some(x)
            }
        };
        let mac = |s: &str| syntax::parse_mac(s).map(u128::from);
        match *name {
            "src" | "dst" | "dst-mac" => {
                let val = mac(&v.text).ok_or_else(|| bad(name))?;
                let k = keep(0xffff_ffff_ffff, m, &mac)?;
                let f = if *name == "src" {
                    c::eth_src()
                } else {
                    c::eth_dst()
                };
                parts.push(c::masked(f, k, val, vs));
            }
            "proto" => {
                let val = num(16)(&v.text).ok_or_else(|| bad(name))?;
                let k = keep(0xffff, m, &num(16))?;
                parts.push(c::masked(
                    Field::new(Base::Frame, 12 + 4 * tags as u16, 2),
                    k,
                    val,
                    vs,
                ));
            }
            "vlan-etype" => {
                let val = num(16)(&v.text).ok_or_else(|| bad(name))?;
                let k = keep(0xffff, m, &num(16))?;
                parts.insert(0, c::masked(Field::new(Base::Frame, 12, 2), k, val, vs));
            }
            "vlan" => {
                let val = num(16)(&v.text).ok_or_else(|| bad(name))?;
                let k = keep(0xffff, m, &num(16))?;
                parts.push(c::masked(Field::new(Base::Frame, 14, 2), k, val, vs));
            }
            "src-ip" | "dst-ip" => {
                let ip = |s: &str| {
                    if v6 {
                        syntax::parse_ipv6(s)
                    } else {
                        syntax::parse_ipv4(s).map(u128::from)
                    }
                };
                let val = ip(&v.text).ok_or_else(|| bad(name))?;
                let full = syntax::prefix_mask(hdr.addr_bits(), hdr.addr_bits());
                let k = keep(full, m, &ip)?;
                let f = if *name == "src-ip" {
                    hdr.saddr()
                } else {
                    hdr.daddr()
                };
                parts.push(c::masked(f, k, val & k, vs));
            }
            "tos" | "tclass" => {
                let val = num(8)(&v.text).ok_or_else(|| bad(name))?;
                let k = keep(0xff, m, &num(8))?;
                let (f, sh) = hdr.tos_field();
                parts.push(c::masked(f, k << sh, val << sh, vs));
            }
            "l4proto" => {
                let val = num(8)(&v.text).ok_or_else(|| bad(name))?;
                let k = keep(0xff, m, &num(8))?;
                parts.push(c::masked(hdr.proto_field(), k, val, vs));
            }
            "src-port" | "dst-port" => {
                let val = num(16)(&v.text).ok_or_else(|| bad(name))?;
                let k = keep(0xffff, m, &num(16))?;
                transport.push(c::masked(
                    hdr.l4(if *name == "src-port" { 0 } else { 2 }, 2),
                    k,
                    val,
                    vs,
                ));
            }
            "l4data" | "spi" => {
                let val = num(32)(&v.text).ok_or_else(|| bad(name))?;
                let k = keep(0xffff_ffff, m, &num(32))?;
                // AH carries the SPI 4 bytes in; ESP and ip4/ip6 l4data at the start.
                let off = if l4 == Some(51) { 4 } else { 0 };
                transport.push(c::masked(hdr.l4(off, 4), k, val, vs));
            }
            _ => {}
        }
    }
    if !transport.is_empty() {
        parts.push(hdr.transport(span, transport));
    }
    let (action, queue) = match action {
        None => {
            return Err(
                SyntaxError::new(Span::new(0, line.len()), "the rule has no action")
                    .with_note("add 'action -1' to drop, or 'action N' to steer to queue N"),
            )
        }
        Some((-1, _)) => (Action::Drop, None),
        Some((-2, s)) => {
            return Err(
                SyntaxError::new(s, "action -2 (wake-on-LAN) cannot be compiled")
                    .with_note("waking the host is a NIC function, not a packet verdict"),
            )
        }
        Some((n, s)) => match u32::try_from(n) {
            Ok(q) => (Action::Pass, Some(q)),
            Err(_) => return Err(SyntaxError::new(s, format!("Invalid action value[{n}]"))),
        },
    };
    let _ = notes;
    Ok(NRule {
        loc,
        cond: c::all(parts),
        action,
        queue,
        line: line.to_string(),
    })
}

fn parse_int(s: &str) -> Option<i64> {
    match s.strip_prefix('-') {
        Some(rest) => syntax::parse_c_number(rest)
            .and_then(|v| i64::try_from(v).ok())
            .map(|v| -v),
        None => syntax::parse_c_number(s).and_then(|v| i64::try_from(v).ok()),
    }
}
