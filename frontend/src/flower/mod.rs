//! tc flower filters to a [`RuleSet`]: `tc filter add dev DEV ingress|egress [protocol P]
//! [prio N] [chain N] flower KEYS [skip_sw|skip_hw] action drop|pass|ok|continue|goto chain N`,
//! one filter per line, keys as tc-flower(8) and iproute2's parser read them.
//!
//! Filters run by chain (0 first) and priority; `goto chain N` continues in chain N and does
//! not come back. Numbers are read as tc reads them: `ip_proto` and `tcp_flags` in hex,
//! `ip_tos`/`ip_ttl` decimal or hex, ports, VLAN ids and ICMP types decimal. Keys need the
//! EtherType tc needs (`ip_proto` without `protocol ip|ipv6` is refused as tc refuses it).
//! VLAN keys read the tag in the frame (XDP sees it there; TC and flower see it in skb
//! metadata, so `protocol ip` matches only untagged frames here). Tunnel (`enc_*`),
//! conntrack (`ct_*`) and MPLS keys are refused with the reason.
//!
//! ```
//! use frontend::flower;
//! let p = flower::parse(
//!     "tc filter add dev eth0 ingress protocol ip flower ip_proto tcp dst_port 80 action drop",
//! ).unwrap();
//! assert_eq!(p.attach.unwrap().dev, "eth0");
//! let e = flower::parse("tc filter add dev eth0 ingress flower ip_proto tcp action drop").unwrap_err();
//! assert!(e.message.contains("eth_type"));
//! ```

use crate::ruleset::{Action, Base, Chain, Cmp, Cond, Field, Rule, RuleOrigin, RuleSet, Span};
use crate::syntax::cond::{self as c, Hdr};
use crate::syntax::words::{self, Word};
use crate::syntax::{self, suggest, Direction, Parsed, SyntaxError};

type R<T> = Result<T, SyntaxError>;

const KEYS: &[&str] = &[
    "indev",
    "vlan_id",
    "vlan_prio",
    "vlan_ethtype",
    "cvlan_id",
    "cvlan_prio",
    "cvlan_ethtype",
    "dst_mac",
    "src_mac",
    "ip_proto",
    "ip_tos",
    "ip_ttl",
    "dst_ip",
    "src_ip",
    "dst_port",
    "src_port",
    "tcp_flags",
    "type",
    "code",
    "arp_tip",
    "arp_sip",
    "arp_op",
    "arp_tha",
    "arp_sha",
    "ip_flags",
    "skip_sw",
    "skip_hw",
    "verbose",
    "action",
    "actions",
    "classid",
    "flowid",
];

/// One filter line, parsed.
struct Filter {
    prio: u32,
    chain: u32,
    cond: Cond,
    action: FAction,
    line: String,
}

enum FAction {
    Verdict(Action),
    Goto(u32, Span),
}

fn shift(mut e: SyntaxError, by: usize) -> SyntaxError {
    e.span = Span::new(e.span.start + by, e.span.end + by);
    e
}

/// Parse flower filter lines.
pub fn parse(text: &str) -> R<Parsed> {
    let mut filters = Vec::new();
    let mut attach = None;
    let mut notes = Vec::new();
    for (start, line) in words::logical_lines(text) {
        let ws = words::split(&line, 0);
        if ws.is_empty() {
            continue;
        }
        let f = filter(&ws, &line, &mut attach, &mut notes).map_err(|e| shift(e, start))?;
        filters.push(f);
    }
    if filters.is_empty() {
        return Err(SyntaxError::new(Span::new(0, text.len()), "no filter"));
    }
    filters.sort_by_key(|f| (f.chain, f.prio));
    let mut chain_ids: Vec<u32> = filters.iter().map(|f| f.chain).collect();
    chain_ids.dedup();
    if chain_ids.first() != Some(&0) {
        chain_ids.insert(0, 0);
    }
    let mut chains: Vec<Chain> = chain_ids
        .iter()
        .map(|n| Chain {
            name: format!("chain {n}"),
            rules: Vec::new(),
        })
        .collect();
    for f in filters {
        let ci = chain_ids.iter().position(|c| *c == f.chain).unwrap_or(0);
        let origin = RuleOrigin {
            span: Span::new(0, f.line.len()),
            text: f.line,
        };
        let actions = match f.action {
            FAction::Verdict(a) => vec![a],
            FAction::Goto(n, span) => {
                let Some(t) = chain_ids.iter().position(|c| *c == n) else {
                    return Err(SyntaxError::new(
                        span,
                        format!("goto chain {n}: no filter is in chain {n}"),
                    )
                    .with_note(
                        "a goto to an empty chain ends classification (the packet passes)",
                    ));
                };
                if t <= ci {
                    return Err(SyntaxError::new(
                        span,
                        format!("goto chain {n} goes back to an earlier chain"),
                    )
                    .with_note(
                        "this compiler inlines chains, so gotos must go to higher chain numbers",
                    ));
                }
                // Goto does not come back: jump, then leave this chain.
                vec![Action::Jump(t), Action::Return]
            }
        };
        for a in actions {
            chains[ci].rules.push(Rule {
                cond: f.cond.clone(),
                action: a,
                origin: origin.clone(),
            });
        }
    }
    let rs = RuleSet {
        syntax: "flower".into(),
        chains,
        sets: Vec::new(),
        default: Action::Pass,
    };
    let mut p = Parsed::new(rs);
    p.attach = attach;
    p.notes = notes;
    Ok(p)
}

struct Keys {
    /// EtherType seen by the next keys (after tags), if known.
    eth: Option<u16>,
    tags: u8,
    proto: Option<u8>,
    parts: Vec<Cond>,
    seen: Vec<String>,
}

impl Keys {
    fn hdr(&self) -> Option<Hdr> {
        match self.eth {
            Some(c::ETH_IP) => Some(Hdr {
                v6: false,
                tags: self.tags,
            }),
            Some(c::ETH_IP6) => Some(Hdr {
                v6: true,
                tags: self.tags,
            }),
            _ => None,
        }
    }
}

fn ethertype(s: &str, span: Span) -> R<u16> {
    Ok(match s {
        "ip" | "ipv4" => c::ETH_IP,
        "ipv6" => c::ETH_IP6,
        "arp" => c::ETH_ARP,
        "rarp" => 0x8035,
        "802.1q" | "802.1Q" => c::ETH_8021Q,
        "802.1ad" | "802.1AD" => c::ETH_8021AD,
        "mpls_uc" | "mpls_mc" => {
            return Err(SyntaxError::new(span, "MPLS is not supported")
                .with_note("label stacks are not parsed by this compiler"))
        }
        _ => {
            let h = s.strip_prefix("0x").unwrap_or(s);
            u16::from_str_radix(h, 16).map_err(|_| {
                SyntaxError::new(span, format!("invalid protocol '{s}'")).with_note(suggest::hint(
                    s,
                    &["ip", "ipv6", "arp", "802.1q", "802.1ad", "all"],
                ))
            })?
        }
    })
}

/// tc's `get_u8(..., 10)` then base 16: decimal, else hex.
fn dec_or_hex(s: &str) -> Option<u64> {
    syntax::parse_decimal(s)
        .or_else(|| u64::from_str_radix(s.strip_prefix("0x").unwrap_or(s), 16).ok())
}

fn hex(s: &str) -> Option<u64> {
    u64::from_str_radix(s.strip_prefix("0x").unwrap_or(s), 16).ok()
}

fn illegal(key: &str, span: Span) -> SyntaxError {
    SyntaxError::new(span, format!("Illegal \"{key}\""))
}

fn filter(
    ws: &[Word],
    line: &str,
    attach: &mut Option<syntax::Attach>,
    notes: &mut Vec<String>,
) -> R<Filter> {
    let mut i = 0;
    let at = |i: usize| ws.get(i);
    if at(i).is_some_and(|w| w.text == "tc" || w.text.ends_with("/tc")) {
        i += 1;
    }
    if at(i).is_some_and(|w| w.text == "filter") {
        i += 1;
    } else {
        let span = at(i).map_or(Span::default(), |w| w.span);
        return Err(SyntaxError::new(span, "expected 'tc filter add ...'"));
    }
    match at(i).map(|w| w.text.as_str()) {
        Some("add" | "replace" | "change" | "create") => i += 1,
        other => {
            let span = at(i).map_or(Span::default(), |w| w.span);
            return Err(SyntaxError::new(
                span,
                format!("'tc filter {}' does not add a filter", other.unwrap_or("")),
            )
            .with_note("use 'tc filter add'"));
        }
    }
    let mut dev: Option<(String, Span)> = None;
    let mut dir: Option<Direction> = None;
    let mut eth: Option<u16> = None;
    let mut eth_span = Span::default();
    let mut prio = 0u32;
    let mut chain = 0u32;
    let mut flower_at = None;
    while let Some(w) = at(i) {
        i += 1;
        let mut arg = |what: &str| -> R<&Word> {
            let a = ws
                .get(i)
                .ok_or_else(|| SyntaxError::new(w.span, format!("'{}' needs {what}", w.text)))?;
            i += 1;
            Ok(a)
        };
        match w.text.as_str() {
            "dev" => {
                let a = arg("a device name")?;
                dev = Some((a.text.clone(), a.span));
            }
            "ingress" => dir = Some(Direction::Ingress),
            "egress" | "root" => dir = Some(Direction::Egress),
            "parent" => {
                let a = arg("a handle")?;
                dir = Some(match a.text.as_str() {
                    "ffff:" | "ffff:fff1" | "ffff:fff2" => Direction::Ingress,
                    "ffff:fff3" => Direction::Egress,
                    _ => {
                        return Err(SyntaxError::new(
                            a.span,
                            format!("parent '{}' is not the ingress or egress hook", a.text),
                        )
                        .with_note(
                            "filters on classful qdisc classes have no XDP/TC equivalent here",
                        ))
                    }
                });
            }
            "protocol" => {
                let a = arg("a protocol")?;
                eth_span = a.span;
                eth = if a.text == "all" {
                    None
                } else {
                    Some(ethertype(&a.text, a.span)?)
                };
            }
            "prio" | "pref" | "priority" => {
                let a = arg("a number")?;
                prio = syntax::parse_decimal(&a.text)
                    .and_then(|v| u32::try_from(v).ok())
                    .ok_or_else(|| {
                        SyntaxError::new(a.span, format!("invalid priority '{}'", a.text))
                    })?;
            }
            "chain" => {
                let a = arg("a number")?;
                chain = syntax::parse_decimal(&a.text)
                    .and_then(|v| u32::try_from(v).ok())
                    .ok_or_else(|| {
                        SyntaxError::new(a.span, format!("invalid chain index '{}'", a.text))
                    })?;
            }
            "handle" => {
                arg("a handle")?;
            }
            "flower" => {
                flower_at = Some(i);
                break;
            }
            "u32" | "bpf" | "matchall" | "basic" | "fw" | "route" | "flow" | "cgroup" => {
                return Err(SyntaxError::new(
                    w.span,
                    format!("classifier '{}' is not supported", w.text),
                )
                .with_note("this frontend reads flower filters"))
            }
            other => {
                return Err(
                    SyntaxError::new(w.span, format!("What is \"{other}\"?")).with_note(
                        suggest::hint(
                            other,
                            &[
                                "dev", "ingress", "egress", "parent", "protocol", "prio", "chain",
                                "handle", "flower",
                            ],
                        ),
                    ),
                )
            }
        }
    }
    let Some(mut i) = flower_at else {
        return Err(SyntaxError::new(
            Span::new(0, line.len()),
            "no 'flower' classifier in the filter",
        ));
    };
    let Some((devname, dspan)) = dev else {
        return Err(SyntaxError::new(
            Span::new(0, line.len()),
            "the filter names no device ('dev DEV')",
        ));
    };
    let direction = dir.ok_or_else(|| {
        SyntaxError::new(dspan, "say where the filter runs: 'ingress' or 'egress'")
    })?;
    syntax::set_attach(attach, &devname, direction, dspan)?;

    let mut k = Keys {
        eth,
        tags: 0,
        proto: None,
        parts: Vec::new(),
        seen: Vec::new(),
    };
    if let Some(t) = eth {
        k.parts
            .push(c::eq(Field::new(Base::Frame, 12, 2), t as u128, eth_span));
    }
    let mut action = None;
    while let Some(w) = ws.get(i) {
        i += 1;
        let key = w.text.as_str();
        if matches!(key, "action" | "actions") {
            let (a, next) = parse_action(ws, i, w.span)?;
            if action.is_some() {
                return Err(
                    SyntaxError::new(w.span, "more than one action is not supported")
                        .with_note("only the first action decides; write one"),
                );
            }
            action = Some(a);
            i = next;
            continue;
        }
        match key {
            "skip_sw" | "skip_hw" => {
                notes.push(format!("'{key}' noted: this program is software (XDP/TC); the flag does not change what it matches"));
                continue;
            }
            "verbose" => continue,
            "classid" | "flowid" => {
                return Err(
                    SyntaxError::new(w.span, format!("'{key}' is not supported")).with_note(
                        "a class selects a qdisc class; XDP/TC programs here only pass or drop",
                    ),
                )
            }
            _ => {}
        }
        if k.seen.iter().any(|s| s == key) {
            return Err(SyntaxError::new(w.span, format!("duplicate \"{key}\"")));
        }
        k.seen.push(key.to_string());
        let a = ws
            .get(i)
            .ok_or_else(|| SyntaxError::new(w.span, format!("\"{key}\" needs a value")))?;
        i += 1;
        key_cond(&mut k, key, w.span, a, &devname)?;
    }
    let action = action.unwrap_or_else(|| {
        notes.push(
            "a filter without an action only classifies: it is compiled as count-and-continue"
                .into(),
        );
        FAction::Verdict(Action::Count)
    });
    Ok(Filter {
        prio,
        chain,
        cond: c::all(k.parts),
        action,
        line: line.to_string(),
    })
}

fn parse_action(ws: &[Word], mut i: usize, span: Span) -> R<(FAction, usize)> {
    let Some(mut w) = ws.get(i) else {
        return Err(SyntaxError::new(
            span,
            "Command line is not complete: an action is missing",
        ));
    };
    if w.text == "gact" {
        i += 1;
        w = ws
            .get(i)
            .ok_or_else(|| SyntaxError::new(span, "gact needs a verdict"))?;
    }
    i += 1;
    let a = match w.text.as_str() {
        "drop" | "shot" => FAction::Verdict(Action::Drop),
        "pass" | "ok" => FAction::Verdict(Action::Pass),
        "continue" | "pipe" => FAction::Verdict(Action::Count),
        "goto" => {
            let ch = ws
                .get(i)
                .filter(|x| x.text == "chain")
                .ok_or_else(|| SyntaxError::new(w.span, "expected 'goto chain N'"))?;
            let n = ws
                .get(i + 1)
                .ok_or_else(|| SyntaxError::new(ch.span, "goto chain needs a number"))?;
            let v = syntax::parse_decimal(&n.text)
                .and_then(|v| u32::try_from(v).ok())
                .ok_or_else(|| {
                    SyntaxError::new(n.span, format!("invalid chain index '{}'", n.text))
                })?;
            i += 2;
            FAction::Goto(v, n.span)
        }
        "reclassify" | "trap" | "mirred" | "redirect" | "mirror" | "police" | "vlan"
        | "skbedit" | "pedit" | "csum" | "tunnel_key" | "ct" | "nat" | "sample" | "mpls"
        | "skbmod" | "ife" | "connmark" | "ctinfo" | "gate" => {
            return Err(
                SyntaxError::new(w.span, format!("action '{}' is not supported", w.text))
                    .with_note(
                    "it rewrites, mirrors or meters the packet, or asks the stack to reclassify; \
                 a stateless filter here can drop, pass or goto a chain",
                ),
            )
        }
        other => {
            return Err(
                SyntaxError::new(w.span, format!("unknown action '{other}'")).with_note(
                    suggest::hint(other, &["drop", "pass", "ok", "continue", "goto"]),
                ),
            )
        }
    };
    // Control words after the verdict (`drop index 1`, `pass cookie ...`) are refused.
    if let Some(n) = ws.get(i) {
        if matches!(n.text.as_str(), "index" | "cookie" | "jump" | "no_percpu") {
            return Err(SyntaxError::new(
                n.span,
                format!("'{}' after an action is not supported", n.text),
            ));
        }
    }
    Ok((a, i))
}

fn masked_mac(s: &str, span: Span) -> R<(u128, u128)> {
    let (a, m) = match s.split_once('/') {
        Some((a, m)) => (a, Some(m)),
        None => (s, None),
    };
    let addr = syntax::parse_mac(a)
        .ok_or_else(|| SyntaxError::new(span, format!("Illegal \"{s}\": not a MAC address")))?;
    let mask = match m {
        None => 0xffff_ffff_ffff,
        Some(m) => match syntax::parse_decimal(m) {
            Some(bits) if bits <= 48 => syntax::prefix_mask(bits as u32, 48) as u64,
            Some(_) => return Err(SyntaxError::new(span, format!("Illegal mask '{m}'"))),
            None => syntax::parse_mac(m)
                .ok_or_else(|| SyntaxError::new(span, format!("Illegal mask '{m}'")))?,
        },
    };
    Ok((addr as u128, mask as u128))
}

fn value_mask(s: &str, parse: fn(&str) -> Option<u64>, max: u64) -> Option<(u128, u128)> {
    let (v, m) = match s.split_once('/') {
        Some((v, m)) => (v, Some(m)),
        None => (s, None),
    };
    let v = parse(v).filter(|x| *x <= max)?;
    let m = match m {
        Some(m) => parse(m).filter(|x| *x <= max)?,
        None => max,
    };
    Some((v as u128, m as u128))
}

fn key_cond(k: &mut Keys, key: &str, kspan: Span, a: &Word, dev: &str) -> R<()> {
    let span = a.span;
    let s = a.text.as_str();
    let need_ip = |k: &Keys, what: &str| -> R<Hdr> {
        k.hdr().ok_or_else(|| {
            SyntaxError::new(kspan, format!("Illegal \"eth_type\" for {what}"))
                .with_note("tc needs 'protocol ip' or 'protocol ipv6' (or vlan_ethtype ip|ipv6) before IP keys")
        })
    };
    let l4_need = |k: &Keys, allowed: &[u8], what: &str| -> R<Hdr> {
        let h = need_ip(k, what)?;
        if !k.proto.is_some_and(|p| allowed.contains(&p)) {
            return Err(SyntaxError::new(kspan, format!("Illegal \"{what}\""))
                .with_note("tc needs ip_proto tcp, udp or sctp (icmp/icmpv6 for type and code) before this key"));
        }
        Ok(h)
    };
    let vlan_level = |k: &Keys| -> Option<u8> {
        match k.eth {
            Some(c::ETH_8021Q | c::ETH_8021AD) => Some(k.tags),
            _ => None,
        }
    };
    let cond = match key {
        "indev" => {
            if s != dev {
                return Err(SyntaxError::new(
                    span,
                    format!("indev '{s}' differs from the filter's device '{dev}'"),
                )
                .with_note("the program runs on the device it is attached to"));
            }
            Cond::True
        }
        "src_mac" | "dst_mac" => {
            let (v, m) = masked_mac(s, span)?;
            let f = if key == "src_mac" {
                c::eth_src()
            } else {
                c::eth_dst()
            };
            c::masked(f, m, v, span)
        }
        "vlan_id" | "vlan_prio" | "cvlan_id" | "cvlan_prio" => {
            let c_tag = key.starts_with('c');
            let Some(level) = vlan_level(k) else {
                let which = if c_tag { "cvlan" } else { "vlan" };
                return Err(SyntaxError::new(kspan, format!("Can't set \"{key}\" if ethertype isn't 802.1Q or 802.1AD"))
                    .with_note(format!("use 'protocol 802.1q' (for {which}_* keys on an inner tag: vlan_ethtype 802.1q)")));
            };
            if c_tag != (level == 1) {
                return Err(SyntaxError::new(
                    kspan,
                    format!("\"{key}\" does not fit the tags declared so far"),
                ));
            }
            let tci = Field::new(Base::Frame, 14 + 4 * level as u16, 2);
            let v = syntax::parse_decimal(s).ok_or_else(|| illegal(key, span))?;
            if key.ends_with("_id") {
                if v > 4095 {
                    return Err(illegal(key, span));
                }
                c::masked(tci, 0x0fff, v as u128, span)
            } else {
                if v > 7 {
                    return Err(illegal(key, span));
                }
                c::masked(tci, 0xe000, (v as u128) << 13, span)
            }
        }
        "vlan_ethtype" | "cvlan_ethtype" => {
            if vlan_level(k).is_none() {
                return Err(SyntaxError::new(
                    kspan,
                    format!("Can't set \"{key}\" if ethertype isn't 802.1Q or 802.1AD"),
                ));
            }
            let t = ethertype(s, span)?;
            k.tags += 1;
            k.eth = Some(t);
            c::eq(
                Field::new(Base::Frame, 12 + 4 * k.tags as u16, 2),
                t as u128,
                span,
            )
        }
        "ip_proto" => {
            let h = need_ip(k, "ip proto")?;
            let p = match s {
                "tcp" => 6,
                "udp" => 17,
                "sctp" => 132,
                "icmp" => 1,
                "icmpv6" => 58,
                _ => hex(s).filter(|v| *v <= 255).ok_or_else(|| {
                    illegal("ip_proto", span).with_note(
                        "numbers are hexadecimal here (tc reads IP-PROTO in hex): 0x11 is UDP",
                    )
                })? as u8,
            };
            if (p == 1 && h.v6) || (p == 58 && !h.v6) {
                return Err(SyntaxError::new(
                    span,
                    format!("Illegal \"ip_proto\" {s} for this ethertype"),
                ));
            }
            k.proto = Some(p);
            h.proto(p, span)
        }
        "src_ip" | "dst_ip" => {
            let h = need_ip(k, key)?;
            let (a, len) = match s.split_once('/') {
                Some((a, l)) => (a, Some(l)),
                None => (s, None),
            };
            let bits = h.addr_bits();
            let addr = if h.v6 {
                syntax::parse_ipv6(a)
            } else {
                syntax::parse_ipv4(a).map(u128::from)
            };
            let addr = addr.ok_or_else(|| {
                SyntaxError::new(
                    span,
                    format!(
                        "{} prefix is expected rather than \"{s}\"",
                        if h.v6 { "inet6" } else { "inet" }
                    ),
                )
            })?;
            let len = match len {
                None => bits,
                Some(l) => syntax::parse_decimal(l)
                    .filter(|v| *v <= bits as u64)
                    .ok_or_else(|| illegal(key, span))? as u32,
            };
            let f = if key == "src_ip" {
                h.saddr()
            } else {
                h.daddr()
            };
            h.addr_prefix(f, addr, len, span)
        }
        "src_port" | "dst_port" => {
            let h = l4_need(k, &[6, 17, 132], key)?;
            let f = h.l4(if key == "src_port" { 0 } else { 2 }, 2);
            let t = if let Some((lo, hi)) = s.split_once('-') {
                let lo = syntax::parse_decimal(lo)
                    .filter(|v| *v <= 65535)
                    .ok_or_else(|| illegal(key, span))?;
                let hi = syntax::parse_decimal(hi)
                    .filter(|v| *v <= 65535)
                    .ok_or_else(|| illegal(key, span))?;
                if lo >= hi {
                    return Err(SyntaxError::new(
                        span,
                        "max value should be greater than min value",
                    ));
                }
                c::range(f, lo as u128, hi as u128, span)
            } else {
                // The port is decimal; a mask may be written in hex.
                let (pv, pm) = match s.split_once('/') {
                    Some((a, b)) => (a, Some(b)),
                    None => (s, None),
                };
                let v = syntax::parse_decimal(pv)
                    .filter(|x| *x <= 0xffff)
                    .ok_or_else(|| illegal(key, span))? as u128;
                let m = match pm {
                    Some(b) => syntax::parse_c_number(b)
                        .filter(|x| *x <= 0xffff)
                        .ok_or_else(|| illegal(key, span))? as u128,
                    None => 0xffff,
                };
                c::masked(f, m, v, span)
            };
            h.transport(span, vec![t])
        }
        "tcp_flags" => {
            let h = l4_need(k, &[6], key)?;
            let (v, m) = value_mask(s, hex, 0x0fff).ok_or_else(|| {
                illegal(key, span)
                    .with_note("TCP flags are a 12-bit hexadecimal value, with an optional /MASK")
            })?;
            h.transport(span, vec![c::masked(h.l4(12, 2), m, v, span)])
        }
        "type" | "code" => {
            let h = l4_need(
                k,
                &[1, 58],
                if key == "type" {
                    "icmp type"
                } else {
                    "icmp code"
                },
            )?;
            let v = syntax::parse_decimal(s)
                .filter(|v| *v <= 255)
                .ok_or_else(|| {
                    illegal(
                        if key == "type" {
                            "icmp type"
                        } else {
                            "icmp code"
                        },
                        span,
                    )
                })?;
            h.transport(
                span,
                vec![c::eq(
                    h.l4(if key == "type" { 0 } else { 1 }, 1),
                    v as u128,
                    span,
                )],
            )
        }
        "ip_tos" | "ip_ttl" => {
            let h = need_ip(k, key)?;
            let (v, m) = value_mask(s, dec_or_hex, 0xff).ok_or_else(|| illegal(key, span))?;
            if key == "ip_tos" {
                let (f, shift) = h.tos_field();
                c::masked(f, m << shift, v << shift, span)
            } else {
                c::masked(h.ttl_field(), m, v, span)
            }
        }
        "ip_flags" => {
            let h = need_ip(k, key)?;
            let mut parts = Vec::new();
            for flag in s.split('/') {
                let (frag, first) = if h.v6 {
                    let is_frag = c::eq(h.proto_field(), 44, span);
                    let off0 = c::masked(
                        Field::new(Base::Ipv6Payload { tags: h.tags }, 2, 2),
                        0xfff8,
                        0,
                        span,
                    );
                    (is_frag.clone(), c::all(vec![is_frag, off0]))
                } else {
                    let is_frag = c::test(h.net(6, 2), Some(0x3fff), Cmp::Ne(0), span);
                    let off0 = c::masked(h.net(6, 2), 0x1fff, 0, span);
                    (is_frag.clone(), c::all(vec![is_frag, off0]))
                };
                parts.push(match flag {
                    "frag" => frag,
                    "nofrag" => c::maybe_not(frag, true),
                    "firstfrag" => first,
                    "nofirstfrag" => c::maybe_not(first, true),
                    _ => {
                        return Err(
                            SyntaxError::new(span, format!("Unknown ip_flags \"{flag}\""))
                                .with_note(suggest::hint(
                                    flag,
                                    &["frag", "nofrag", "firstfrag", "nofirstfrag"],
                                )),
                        )
                    }
                });
            }
            c::all(parts)
        }
        "arp_tip" | "arp_sip" | "arp_op" | "arp_tha" | "arp_sha" => {
            if !matches!(k.eth, Some(c::ETH_ARP | 0x8035)) {
                return Err(
                    SyntaxError::new(kspan, format!("Illegal \"eth_type\" for {key}"))
                        .with_note("tc needs 'protocol arp' (or rarp) for ARP keys"),
                );
            }
            let net = |off: u16, size: u8| Field::new(Base::Net { tags: k.tags }, off, size);
            match key {
                "arp_op" => {
                    let v = match s {
                        "request" => 1,
                        "reply" => 2,
                        _ => syntax::parse_decimal(s)
                            .filter(|v| *v <= 255)
                            .ok_or_else(|| illegal(key, span))?,
                    };
                    c::eq(net(6, 2), v as u128, span)
                }
                "arp_sha" | "arp_tha" => {
                    let (v, m) = masked_mac(s, span)?;
                    c::masked(net(if key == "arp_sha" { 8 } else { 18 }, 6), m, v, span)
                }
                _ => {
                    let (a, len) = match s.split_once('/') {
                        Some((a, l)) => (a, Some(l)),
                        None => (s, None),
                    };
                    let addr = syntax::parse_ipv4(a).ok_or_else(|| illegal(key, span))? as u128;
                    let len = match len {
                        None => 32,
                        Some(l) => syntax::parse_decimal(l)
                            .filter(|v| *v <= 32)
                            .ok_or_else(|| illegal(key, span))?
                            as u32,
                    };
                    let m = syntax::prefix_mask(len, 32);
                    c::masked(
                        net(if key == "arp_sip" { 14 } else { 24 }, 4),
                        m,
                        addr & m,
                        span,
                    )
                }
            }
        }
        other if other.starts_with("enc_") || other.ends_with("_opts") => return Err(
            SyntaxError::new(kspan, format!("tunnel key '{other}' cannot be compiled")).with_note(
                "it matches tunnel metadata set by a decapsulating device, which XDP does not see",
            ),
        ),
        other if other.starts_with("ct_") => return Err(SyntaxError::new(
            kspan,
            format!("'{other}' cannot be compiled"),
        )
        .with_note(
            "it reads the connection-tracking table, which XDP/TC programs here do not have",
        )),
        other if other.starts_with("mpls") || other == "lse" => {
            return Err(
                SyntaxError::new(kspan, format!("MPLS key '{other}' cannot be compiled"))
                    .with_note("label stacks are not parsed by this compiler"),
            )
        }
        "num_of_vlans" | "pppoe_sid" | "ppp_proto" | "l2tpv3_sid" | "cfm" | "spi" => {
            return Err(SyntaxError::new(
                kspan,
                format!("key '{key}' is not supported"),
            ))
        }
        other => {
            return Err(SyntaxError::new(kspan, format!("What is \"{other}\"?"))
                .with_note(suggest::hint(other, KEYS)))
        }
    };
    k.parts.push(cond);
    Ok(())
}
