//! iptables match modules (`-m NAME` and the protocol's implicit match): their options and
//! what each means as a condition, following the kernel's xt_* match functions. Modules that
//! need state kept across packets are refused with the reason.

use super::values;
use crate::ruleset::{Cmp, Cond, Span};
use crate::syntax::cond::{self as c, Hdr};
use crate::syntax::words::Word;
use crate::syntax::{self, suggest, SyntaxError};

/// Modules this frontend implements.
const MODULES: &[&str] = &[
    "tcp",
    "udp",
    "sctp",
    "multiport",
    "icmp",
    "icmp6",
    "length",
    "iprange",
    "mac",
    "ttl",
    "hl",
    "dscp",
    "tos",
    "addrtype",
    "comment",
];

/// A loaded match and what its options said so far.
#[derive(Clone, Debug)]
pub struct MatchState {
    /// Module name.
    pub name: &'static str,
    span: Span,
    v6: bool,
    parts: Vec<Cond>,
    seen: Vec<&'static str>,
}

/// The match iptables loads implicitly for `-p PROTO`.
pub fn implicit_for(proto: u8, v6: bool) -> Option<&'static str> {
    match proto {
        6 => Some("tcp"),
        17 => Some("udp"),
        132 => Some("sctp"),
        1 if !v6 => Some("icmp"),
        58 if v6 => Some("icmp6"),
        _ => None,
    }
}

/// The options of module `name`: (canonical option, aliases, number of arguments).
fn table(name: &str) -> &'static [(&'static str, &'static [&'static str], usize)] {
    match name {
        "tcp" => &[
            ("--sport", &["--source-port"], 1),
            ("--dport", &["--destination-port"], 1),
            ("--tcp-flags", &[], 2),
            ("--syn", &[], 0),
            ("--tcp-option", &[], 1),
        ],
        "udp" | "sctp" => &[
            ("--sport", &["--source-port"], 1),
            ("--dport", &["--destination-port"], 1),
            ("--chunk-types", &[], 2),
        ],
        "multiport" => &[
            ("--sports", &["--source-ports"], 1),
            ("--dports", &["--destination-ports"], 1),
            ("--ports", &[], 1),
        ],
        "icmp" => &[("--icmp-type", &[], 1)],
        "icmp6" => &[("--icmpv6-type", &[], 1)],
        "length" => &[("--length", &[], 1)],
        "iprange" => &[("--src-range", &[], 1), ("--dst-range", &[], 1)],
        "mac" => &[("--mac-source", &[], 1)],
        "ttl" => &[
            ("--ttl-eq", &[], 1),
            ("--ttl-lt", &[], 1),
            ("--ttl-gt", &[], 1),
        ],
        "hl" => &[
            ("--hl-eq", &[], 1),
            ("--hl-lt", &[], 1),
            ("--hl-gt", &[], 1),
        ],
        "dscp" => &[("--dscp", &[], 1), ("--dscp-class", &[], 1)],
        "tos" => &[("--tos", &[], 1)],
        "addrtype" => &[
            ("--src-type", &[], 1),
            ("--dst-type", &[], 1),
            ("--limit-iface-in", &[], 0),
            ("--limit-iface-out", &[], 0),
        ],
        "comment" => &[("--comment", &[], 1)],
        other => super::extra::table(other),
    }
}

/// Every option spelling of module `name` (for suggestions).
pub fn option_names_of(name: &str) -> Vec<&'static str> {
    let mut v = Vec::new();
    for (o, aliases, _) in table(name) {
        v.push(*o);
        v.extend(aliases.iter().copied());
    }
    v
}

fn canonical_option(name: &str, opt: &str) -> Option<(&'static str, usize)> {
    table(name)
        .iter()
        .find(|(o, aliases, _)| *o == opt || aliases.contains(&opt))
        .map(|(o, _, n)| (*o, *n))
}

fn stateful_reason(name: &str) -> Option<&'static str> {
    Some(match name {
        "conntrack" | "state" | "ctstate" | "helper" | "connmark" | "connbytes" | "connlabel"
        | "conntrack-zone" => {
            "it reads the connection-tracking table, which XDP/TC programs here do not have \
             (they see each packet alone, before conntrack)"
        }
        "limit" | "hashlimit" | "quota" | "connlimit" | "recent" | "statistic" | "nfacct"
        | "rateest" | "time" => {
            "its result depends on earlier packets or on the clock (rates, quotas, lists of \
             recent sources): it cannot be decided statelessly from one packet"
        }
        "set" => "ipset contents live in the kernel's ipset module; use nft named sets instead",
        "mark" | "owner" | "socket" | "cgroup" | "physdev" | "policy" | "realm" | "rpfilter"
        | "devgroup" | "cpu" | "cluster" | "ipvs" | "osf" => {
            "it reads kernel state attached to the packet (marks, sockets, routes, devices) \
             that XDP does not have"
        }
        "string" => {
            "it searches the payload for a pattern (a loop over the packet's bytes); the compiled rules read fields at fixed offsets"
        }
        "bpf" => "it runs its own classic BPF program; compile that program instead",
        "ipv6header" | "tcpmss" | "hbh" | "dst" | "srh" | "eui64" | "udplite" => {
            "this match is not implemented by this frontend"
        }
        _ => return None,
    })
}

/// Load module `name` (`-m name`).
pub fn load(name: &str, span: Span, v6: bool) -> Result<MatchState, SyntaxError> {
    if let Some(why) = stateful_reason(name) {
        return Err(
            SyntaxError::new(span, format!("match '{name}' cannot be compiled")).with_note(why),
        );
    }
    let name: &'static str = match MODULES
        .iter()
        .chain(super::extra::MODULES)
        .find(|m| **m == name)
    {
        Some(m) => m,
        None => {
            return Err(SyntaxError::new(span, format!("unknown match '{name}'"))
                .with_note(suggest::hint(name, MODULES)))
        }
    };
    if (name == "icmp" && v6) || (matches!(name, "icmp6" | "hl") && !v6) {
        let other = if v6 { "iptables" } else { "ip6tables" };
        return Err(SyntaxError::new(
            span,
            format!("match '{name}' is for {other}"),
        ));
    }
    if super::extra::v6_only(name) && !v6 {
        return Err(
            SyntaxError::new(span, format!("match '{name}' is for ip6tables")).with_note(format!(
                "iptables has no '{name}' match (Couldn't load match '{name}')"
            )),
        );
    }
    if name == "ttl" && v6 {
        return Err(SyntaxError::new(
            span,
            "match 'ttl' is for iptables; use '-m hl'",
        ));
    }
    Ok(MatchState {
        name,
        span,
        v6,
        parts: Vec::new(),
        seen: Vec::new(),
    })
}

fn one_arg<'a>(args: &[&'a Word], span: Span) -> Result<&'a Word, SyntaxError> {
    args.first()
        .copied()
        .ok_or_else(|| SyntaxError::new(span, "missing argument"))
}

fn byte_arg(w: &Word, max: u64) -> Result<u8, SyntaxError> {
    syntax::parse_c_number(&w.text)
        .filter(|v| *v <= max)
        .map(|v| v as u8)
        .ok_or_else(|| SyntaxError::new(w.span, format!("invalid value '{}' (0..={max})", w.text)))
}

impl MatchState {
    /// Whether `opt` belongs to this module.
    pub fn knows(&self, opt: &str) -> bool {
        canonical_option(self.name, opt).is_some()
    }

    /// How many arguments `opt` takes.
    pub fn nargs(&self, opt: &str) -> usize {
        canonical_option(self.name, opt).map_or(0, |(_, n)| n)
    }

    /// The module's option spellings.
    pub fn option_names(&self) -> Vec<&'static str> {
        option_names_of(self.name)
    }

    /// Apply one option.
    pub fn option(
        &mut self,
        opt: &str,
        span: Span,
        args: &[&Word],
        neg: bool,
        hdr: Hdr,
    ) -> Result<(), SyntaxError> {
        let Some((canon, _)) = canonical_option(self.name, opt) else {
            return Err(SyntaxError::new(span, format!("unknown option '{opt}'")));
        };
        let exclusive = match canon {
            "--ttl-eq" | "--ttl-lt" | "--ttl-gt" => Some("--ttl"),
            "--hl-eq" | "--hl-lt" | "--hl-gt" => Some("--hl"),
            "--dscp" | "--dscp-class" => Some("--dscp"),
            "--sports" | "--dports" | "--ports" => Some("--ports"),
            "--tcp-flags" | "--syn" => Some("--tcp-flags"),
            _ => None,
        };
        let key = exclusive.unwrap_or(canon);
        if self.seen.contains(&key) {
            return Err(SyntaxError::new(
                span,
                format!(
                    "{}: only one '{canon}' (or an alternative to it) allowed",
                    self.name
                ),
            ));
        }
        self.seen.push(key);
        let part = match (self.name, canon) {
            ("tcp" | "udp" | "sctp", "--sport" | "--dport") => {
                let a = one_arg(args, span)?;
                let (lo, hi) = values::port_range(&a.text, a.span)?;
                let off = if canon == "--sport" { 0 } else { 2 };
                c::maybe_not(
                    c::range(hdr.l4(off, 2), lo as u128, hi as u128, a.span),
                    neg,
                )
            }
            ("tcp", "--tcp-flags") => {
                let (Some(m), Some(v)) = (args.first(), args.get(1)) else {
                    return Err(SyntaxError::new(span, "--tcp-flags needs MASK and COMP"));
                };
                let mask = values::tcp_flag_list(&m.text, m.span)?;
                let comp = values::tcp_flag_list(&v.text, v.span)?;
                let f = hdr.l4(13, 1);
                c::maybe_not(flags_test(f, mask, comp, m.span.to(v.span)), neg)
            }
            ("tcp", "--syn") => c::maybe_not(flags_test(hdr.l4(13, 1), 0x17, 0x02, span), neg),
            ("tcp", "--tcp-option") | ("sctp", "--chunk-types") => {
                return Err(SyntaxError::new(span, format!("'{opt}' is not supported"))
                    .with_note("it walks variable-length options/chunks; not implemented"))
            }
            ("multiport", _) => {
                let a = one_arg(args, span)?;
                let mut ranges = Vec::new();
                let mut slots = 0;
                for part in a.text.split(',') {
                    let (lo, hi) = values::port_range(part, a.span)?;
                    slots += if part.contains(':') { 2 } else { 1 };
                    ranges.push((lo, hi));
                }
                if slots > 15 {
                    return Err(SyntaxError::new(
                        a.span,
                        "too many ports specified (at most 15)",
                    ));
                }
                let one = |off: u16| {
                    c::any(
                        ranges
                            .iter()
                            .map(|(lo, hi)| {
                                c::range(hdr.l4(off, 2), *lo as u128, *hi as u128, a.span)
                            })
                            .collect(),
                    )
                };
                let m = match canon {
                    "--sports" => one(0),
                    "--dports" => one(2),
                    _ => c::any(vec![one(0), one(2)]),
                };
                c::maybe_not(m, neg)
            }
            ("icmp" | "icmp6", _) => {
                let a = one_arg(args, span)?;
                let (t, lo, hi) = values::icmp_type(&a.text, self.v6, a.span)?;
                let m = if t == 0xff && !self.v6 {
                    Cond::True
                } else {
                    c::all(vec![
                        c::eq(hdr.l4(0, 1), t as u128, a.span),
                        c::range(hdr.l4(1, 1), lo as u128, hi as u128, a.span),
                    ])
                };
                c::maybe_not(m, neg)
            }
            ("length", _) => {
                let a = one_arg(args, span)?;
                let num = |s: &str, d: u64| -> Result<u64, SyntaxError> {
                    if s.is_empty() {
                        return Ok(d);
                    }
                    syntax::parse_c_number(s)
                        .filter(|v| *v <= 0xffff)
                        .ok_or_else(|| {
                            SyntaxError::new(a.span, format!("invalid length '{}'", a.text))
                        })
                };
                let (lo, hi) = match a.text.split_once(':') {
                    Some((x, y)) => (num(x, 0)?, num(y, 0xffff)?),
                    None => {
                        let v = num(&a.text, 0)?;
                        (v, v)
                    }
                };
                if lo > hi {
                    return Err(SyntaxError::new(
                        a.span,
                        format!("invalid length range '{}'", a.text),
                    ));
                }
                let m = if hdr.v6 {
                    // IPv6: payload length + the 40-byte header.
                    if hi < 40 {
                        Cond::False
                    } else {
                        c::range(
                            hdr.net(4, 2),
                            lo.saturating_sub(40) as u128,
                            (hi - 40) as u128,
                            a.span,
                        )
                    }
                } else {
                    c::range(hdr.net(2, 2), lo as u128, hi as u128, a.span)
                };
                c::maybe_not(m, neg)
            }
            ("iprange", _) => {
                let a = one_arg(args, span)?;
                let Some((x, y)) = a.text.split_once('-') else {
                    return Err(SyntaxError::new(
                        a.span,
                        format!("invalid range '{}' (want A-B)", a.text),
                    ));
                };
                let (lo, _) = values::address(x, self.v6, a.span)?;
                let (hi, _) = values::address(y, self.v6, a.span)?;
                let f = if canon == "--src-range" {
                    hdr.saddr()
                } else {
                    hdr.daddr()
                };
                let m = c::wide_range(f, lo, hi, a.span);
                c::maybe_not(m, neg)
            }
            ("mac", _) => {
                let a = one_arg(args, span)?;
                let mac = syntax::parse_mac(&a.text).ok_or_else(|| {
                    SyntaxError::new(a.span, format!("bad mac address '{}'", a.text))
                })?;
                c::maybe_not(c::eq(c::eth_src(), mac as u128, a.span), neg)
            }
            ("ttl" | "hl", _) => {
                let a = one_arg(args, span)?;
                let v = syntax::parse_c_number(&a.text)
                    .filter(|v| *v <= 255)
                    .ok_or_else(|| {
                        SyntaxError::new(a.span, format!("invalid value '{}'", a.text))
                    })? as u128;
                let f = hdr.ttl_field();
                match canon.rsplit('-').next().unwrap_or("") {
                    "eq" => c::maybe_not(c::eq(f, v, a.span), neg),
                    other => {
                        if neg {
                            return Err(SyntaxError::new(
                                span,
                                format!("'{opt}' cannot be inverted"),
                            ));
                        }
                        if other == "lt" {
                            c::cmp(f, Cmp::Lt(v), a.span)
                        } else {
                            c::cmp(f, Cmp::Gt(v), a.span)
                        }
                    }
                }
            }
            ("dscp", _) => {
                let a = one_arg(args, span)?;
                let v = if canon == "--dscp-class" {
                    c::dscp_class(&a.text).ok_or_else(|| {
                        SyntaxError::new(a.span, format!("invalid DSCP class '{}'", a.text))
                            .with_note("classes: BE, CS0..CS7, AF11..AF43, EF")
                    })?
                } else {
                    byte_arg(a, 63)?
                };
                let (f, shift) = hdr.tos_field();
                let m = c::masked(f, 0xfc << shift, (v as u128) << (2 + shift), a.span);
                c::maybe_not(m, neg)
            }
            ("tos", _) => {
                let a = one_arg(args, span)?;
                let (v, mask) = tos_value(a)?;
                let (f, shift) = hdr.tos_field();
                let m = c::masked(f, (mask as u128) << shift, (v as u128) << shift, a.span);
                c::maybe_not(m, neg)
            }
            ("addrtype", "--limit-iface-in" | "--limit-iface-out") => {
                return Err(SyntaxError::new(span, format!("'{opt}' is not supported"))
                    .with_note("it asks the routing table about an interface's addresses"))
            }
            ("addrtype", _) => {
                let a = one_arg(args, span)?;
                let f = if canon == "--src-type" {
                    hdr.saddr()
                } else {
                    hdr.daddr()
                };
                let mut tests = Vec::new();
                for t in a.text.split(',') {
                    match t.to_ascii_uppercase().as_str() {
                        "MULTICAST" => tests.push(if hdr.v6 {
                            c::eq(
                                crate::ruleset::Field::new(f.base, f.offset, 1),
                                0xff,
                                a.span,
                            )
                        } else {
                            c::masked(f, 0xf000_0000, 0xe000_0000, a.span)
                        }),
                        "UNSPEC" | "UNICAST" | "LOCAL" | "BROADCAST" | "ANYCAST" | "BLACKHOLE"
                        | "UNREACHABLE" | "PROHIBIT" | "THROW" | "NAT" | "XRESOLVE" => {
                            return Err(SyntaxError::new(
                                a.span,
                                format!("address type {t} cannot be decided statelessly"),
                            )
                            .with_note(
                                "it needs the host's routing table (local addresses, subnet \
                                 broadcasts); only MULTICAST follows from the address alone",
                            ))
                        }
                        _ => {
                            return Err(SyntaxError::new(
                                a.span,
                                format!("unknown address type '{t}'"),
                            ))
                        }
                    }
                }
                c::maybe_not(c::any(tests), neg)
            }
            ("comment", _) => {
                let a = one_arg(args, span)?;
                if a.text.len() > 255 {
                    return Err(SyntaxError::new(
                        a.span,
                        "comment too long (at most 255 bytes)",
                    ));
                }
                if neg {
                    return Err(SyntaxError::new(span, "'--comment' cannot be inverted"));
                }
                Cond::True
            }
            (name, _) => super::extra::option(name, canon, args, neg, hdr, span)?,
        };
        self.parts.push(part);
        Ok(())
    }

    /// The protocol the module needs, checked against `-p`.
    pub fn check_proto(&self, proto: Option<u8>) -> Result<(), SyntaxError> {
        let need: &[u8] = match self.name {
            "tcp" => &[6],
            "udp" => &[17],
            "sctp" => &[132],
            "icmp" => &[1],
            "icmp6" => &[58],
            "multiport" => &[6, 17, 132, 136, 33],
            "ecn" if self.seen.iter().any(|o| o.starts_with("--ecn-tcp")) => &[6],
            other => match super::extra::need_proto(other, self.v6) {
                Some(n) => n,
                None => return Ok(()),
            },
        };
        if proto.is_some_and(|p| need.contains(&p)) {
            return Ok(());
        }
        let want = match self.name {
            "multiport" => "-p tcp, -p udp, -p udplite, -p sctp or -p dccp",
            "tcp" => "-p tcp",
            "udp" => "-p udp",
            "sctp" => "-p sctp",
            "icmp" => "-p icmp",
            "icmp6" => "-p icmpv6",
            "ah" => "-p ah",
            "esp" => "-p esp",
            "ipcomp" => "-p ipcomp",
            "dccp" => "-p dccp",
            "ecn" => "-p tcp (for --ecn-tcp-cwr and --ecn-tcp-ece)",
            _ => "-p mh",
        };
        Err(SyntaxError::new(
            self.span,
            format!("match '{}' is only valid with {want}", self.name),
        )
        .with_note("the kernel refuses it for other protocols (and for '! -p')"))
    }

    /// The module's condition.
    pub fn finish(self, hdr: Hdr) -> Result<Cond, SyntaxError> {
        let required = matches!(
            self.name,
            "length"
                | "iprange"
                | "mac"
                | "ttl"
                | "hl"
                | "dscp"
                | "tos"
                | "addrtype"
                | "multiport"
                | "comment"
        );
        if required && self.parts.is_empty() {
            return Err(SyntaxError::new(
                self.span,
                format!("match '{}' needs one of its options", self.name),
            )
            .with_note(format!(
                "options: {}",
                option_names_of(self.name).join(", ")
            )));
        }
        Ok(match self.name {
            "tcp" | "udp" | "sctp" | "icmp" | "icmp6" | "multiport" => {
                hdr.transport(self.span, self.parts)
            }
            other => super::extra::finish(other, self.parts, &self.seen, hdr, self.span),
        })
    }
}

/// `(flags & mask) == comp`; an empty mask tests nothing but still needs the header.
fn flags_test(f: crate::ruleset::Field, mask: u8, comp: u8, span: Span) -> Cond {
    if comp & !mask != 0 {
        return Cond::False;
    }
    if mask == 0 {
        return c::test(f, Some(0), Cmp::Eq(0), span);
    }
    c::masked(f, mask as u128, (comp & mask) as u128, span)
}

fn tos_value(a: &Word) -> Result<(u8, u8), SyntaxError> {
    let names: &[(&str, u8)] = &[
        ("Minimize-Delay", 0x10),
        ("Maximize-Throughput", 0x08),
        ("Maximize-Reliability", 0x04),
        ("Minimize-Cost", 0x02),
        ("Normal-Service", 0x00),
    ];
    if let Some((_, v)) = names.iter().find(|(n, _)| n.eq_ignore_ascii_case(&a.text)) {
        return Ok((*v, 0x3f));
    }
    let bad = || SyntaxError::new(a.span, format!("invalid TOS value '{}'", a.text));
    let (v, m) = match a.text.split_once('/') {
        Some((v, m)) => (v, Some(m)),
        None => (a.text.as_str(), None),
    };
    let v = syntax::parse_c_number(v)
        .filter(|x| *x <= 255)
        .ok_or_else(bad)? as u8;
    let m = match m {
        Some(m) => syntax::parse_c_number(m)
            .filter(|x| *x <= 255)
            .ok_or_else(bad)? as u8,
        None => 0xff,
    };
    Ok((v, m))
}
