//! The stateless matches of iptables-extensions(8) past the basic ones: `ah`, `esp`,
//! `ipcomp`, `ecn`, `dccp`, `pkttype`, `u32`, and ip6tables' `frag`, `rt` and `mh`, each with
//! the meaning of its kernel match (xt_esp, xt_ipcomp, xt_ecn, xt_dccp, xt_pkttype, xt_u32,
//! ip6t_ah, ip6t_frag, ip6t_rt, ip6t_mh). IPv6 extension headers are read right after the
//! fixed header (the kernel walks a chain of them first).

use super::values;
use crate::ruleset::{ArithOp, Base, Cond, Expr, Field, RelOp, Span, Test};
use crate::syntax::cond::{self as c, Hdr};
use crate::syntax::words::Word;
use crate::syntax::{self, SyntaxError};

/// Option table rows: (canonical option, aliases, number of arguments).
pub(super) type Opts = &'static [(&'static str, &'static [&'static str], usize)];

/// The options of the modules this file implements.
pub(super) fn table(name: &str) -> Opts {
    match name {
        "ah" => &[
            ("--ahspi", &[], 1),
            ("--ahlen", &[], 1),
            ("--ahres", &[], 0),
        ],
        "esp" => &[("--espspi", &[], 1)],
        "ipcomp" => &[("--ipcompspi", &[], 1), ("--compres", &[], 0)],
        "ecn" => &[
            ("--ecn-tcp-cwr", &[], 0),
            ("--ecn-tcp-ece", &[], 0),
            ("--ecn-ip-ect", &[], 1),
        ],
        "dccp" => &[
            ("--sport", &["--source-port"], 1),
            ("--dport", &["--destination-port"], 1),
            ("--dccp-types", &[], 1),
            ("--dccp-option", &[], 1),
        ],
        "pkttype" => &[("--pkt-type", &[], 1)],
        "u32" => &[("--u32", &[], 1)],
        "frag" => &[
            ("--fragid", &[], 1),
            ("--fraglen", &[], 1),
            ("--fragres", &[], 0),
            ("--fragfirst", &[], 0),
            ("--fragmore", &[], 0),
            ("--fraglast", &[], 0),
        ],
        "rt" => &[
            ("--rt-type", &[], 1),
            ("--rt-segsleft", &[], 1),
            ("--rt-len", &[], 1),
            ("--rt-0-res", &[], 0),
            ("--rt-0-addrs", &[], 1),
            ("--rt-0-not-strict", &[], 0),
        ],
        "mh" => &[("--mh-type", &[], 1)],
        _ => &[],
    }
}

/// The modules of this file.
pub(super) const MODULES: &[&str] = &[
    "ah", "esp", "ipcomp", "ecn", "dccp", "pkttype", "u32", "frag", "rt", "mh",
];

/// Modules only ip6tables has.
pub(super) fn v6_only(name: &str) -> bool {
    matches!(name, "frag" | "rt" | "mh")
}

/// The `-p` a module's kernel match is registered for.
pub(super) fn need_proto(name: &str, v6: bool) -> Option<&'static [u8]> {
    Some(match name {
        "ah" if !v6 => &[51],
        "esp" => &[50],
        "ipcomp" => &[108],
        "dccp" => &[33],
        "mh" => &[135],
        _ => return None,
    })
}

/// The tests that must hold before the module's own (the header must be there). `seen`: the
/// options given (libxt_ipcomp leaves the SPI range at 0:0 when `--ipcompspi` is not).
pub(super) fn finish(
    name: &str,
    mut parts: Vec<Cond>,
    seen: &[&str],
    hdr: Hdr,
    span: Span,
) -> Cond {
    if name == "ipcomp" && !seen.contains(&"--ipcompspi") {
        parts.push(c::eq(hdr.l4(2, 2), 0, span));
    }
    match name {
        "ah" if hdr.v6 => c::all(std::iter::once(hdr.proto(51, span)).chain(parts).collect()),
        "frag" => c::all(std::iter::once(hdr.proto(44, span)).chain(parts).collect()),
        "rt" => c::all(std::iter::once(hdr.proto(43, span)).chain(parts).collect()),
        "ah" | "esp" | "ipcomp" | "dccp" | "mh" => hdr.transport(span, parts),
        _ => c::all(parts),
    }
}

fn arg<'a>(args: &[&'a Word], span: Span) -> Result<&'a Word, SyntaxError> {
    args.first()
        .copied()
        .ok_or_else(|| SyntaxError::new(span, "missing argument"))
}

/// `N` or `N:M` of numbers up to `max` (strtoul base 0), as iptables' `parse_range`.
fn num_range(a: &Word, max: u64) -> Result<(u64, u64), SyntaxError> {
    let bad = || SyntaxError::new(a.span, format!("invalid value or range '{}'", a.text));
    let n = |s: &str, d: u64| -> Result<u64, SyntaxError> {
        if s.is_empty() {
            return Ok(d);
        }
        syntax::parse_c_number(s)
            .filter(|v| *v <= max)
            .ok_or_else(bad)
    };
    match a.text.split_once(':') {
        Some((x, y)) => Ok((n(x, 0)?, n(y, max)?)),
        None => {
            let v = n(&a.text, 0)?;
            Ok((v, v))
        }
    }
}

/// xt_esp/xt_ah/xt_ipcomp `spi_match`: `(min <= spi <= max) ^ invert` (a reversed range
/// matches nothing).
fn spi(field: Field, a: &Word, max: u64, neg: bool) -> Result<Cond, SyntaxError> {
    let (lo, hi) = num_range(a, max)?;
    Ok(c::maybe_not(
        c::range(field, lo as u128, hi as u128, a.span),
        neg,
    ))
}

/// One option of module `name`.
pub(super) fn option(
    name: &str,
    canon: &str,
    args: &[&Word],
    neg: bool,
    hdr: Hdr,
    span: Span,
) -> Result<Cond, SyntaxError> {
    let no_neg = || -> Result<(), SyntaxError> {
        if neg {
            return Err(SyntaxError::new(
                span,
                format!("'{canon}' cannot be inverted"),
            ));
        }
        Ok(())
    };
    Ok(match (name, canon) {
        ("ah", "--ahspi") => spi(hdr.l4(4, 4), arg(args, span)?, u32::MAX as u64, neg)?,
        ("ah", "--ahlen") => {
            if !hdr.v6 {
                return Err(SyntaxError::new(span, "'--ahlen' is for ip6tables"));
            }
            let a = arg(args, span)?;
            let v = syntax::parse_c_number(&a.text)
                .filter(|v| *v <= u32::MAX as u64)
                .ok_or_else(|| SyntaxError::new(a.span, format!("invalid length '{}'", a.text)))?;
            // ip6t_ah compares the header's own length field with the value.
            let t = if v <= 255 {
                c::eq(hdr.l4(1, 1), v as u128, a.span)
            } else {
                Cond::False
            };
            c::maybe_not(t, neg)
        }
        ("ah", "--ahres") => {
            no_neg()?;
            if !hdr.v6 {
                return Err(SyntaxError::new(span, "'--ahres' is for ip6tables"));
            }
            c::eq(hdr.l4(2, 2), 0, span)
        }
        ("esp", _) => spi(hdr.l4(0, 4), arg(args, span)?, u32::MAX as u64, neg)?,
        ("ipcomp", "--ipcompspi") => spi(hdr.l4(2, 2), arg(args, span)?, u16::MAX as u64, neg)?,
        // The kernel's xt_ipcomp does not look at the reserved bits: `--compres` only
        // records the option.
        ("ipcomp", "--compres") => {
            no_neg()?;
            Cond::True
        }
        ("ecn", "--ecn-tcp-cwr" | "--ecn-tcp-ece") => {
            let bit = if canon == "--ecn-tcp-cwr" { 0x80 } else { 0x40 };
            let t = c::masked(hdr.l4(13, 1), bit, bit, span);
            // xt_ecn reads the TCP header of first fragments only.
            let mut parts = vec![hdr.proto(6, span)];
            parts.extend(hdr.first_fragment(span));
            parts.push(c::maybe_not(t, neg));
            c::all(parts)
        }
        ("ecn", "--ecn-ip-ect") => {
            let a = arg(args, span)?;
            let v = syntax::parse_c_number(&a.text)
                .filter(|v| *v <= 3)
                .ok_or_else(|| SyntaxError::new(a.span, "ECT value out of range (0..3)"))?;
            let (f, shift) = hdr.tos_field();
            c::maybe_not(c::masked(f, 3u128 << shift, (v as u128) << shift, a.span), neg)
        }
        ("dccp", "--sport" | "--dport") => {
            let a = arg(args, span)?;
            let (lo, hi) = values::port_range(&a.text, a.span)?;
            let off = if canon == "--sport" { 0 } else { 2 };
            c::maybe_not(c::range(hdr.l4(off, 2), lo as u128, hi as u128, a.span), neg)
        }
        ("dccp", "--dccp-types") => {
            let a = arg(args, span)?;
            let mut alts = Vec::new();
            for t in a.text.split(',') {
                const TYPES: &[&str] = &[
                    "REQUEST", "RESPONSE", "DATA", "ACK", "DATAACK", "CLOSEREQ", "CLOSE",
                    "RESET", "SYNC", "SYNCACK", "INVALID",
                ];
                let Some(v) = TYPES.iter().position(|n| n.eq_ignore_ascii_case(t)) else {
                    return Err(SyntaxError::new(a.span, format!("unknown DCCP type '{t}'"))
                        .with_note(format!("types: {}", TYPES.join(", "))));
                };
                alts.push(c::masked(hdr.l4(8, 1), 0x1e, (v as u128) << 1, a.span));
            }
            c::maybe_not(c::any(alts), neg)
        }
        ("dccp", "--dccp-option") => {
            return Err(SyntaxError::new(span, "'--dccp-option' cannot be compiled")
                .with_note("xt_dccp walks the DCCP options to find one; the compiled rules read fields at fixed offsets and have no loop"))
        }
        ("pkttype", _) => {
            let a = arg(args, span)?;
            let daddr = c::eth_dst();
            let bcast = c::eq(daddr, 0xffff_ffff_ffff, a.span);
            let t = match a.text.to_ascii_lowercase().as_str() {
                "broadcast" => bcast,
                "multicast" => c::all(vec![
                    c::masked(Field::new(Base::Frame, 0, 1), 1, 1, a.span),
                    bcast.negate(),
                ]),
                "unicast" | "host" | "otherhost" => {
                    return Err(SyntaxError::new(a.span, format!("packet type '{}' cannot be compiled", a.text))
                        .with_note("whether a frame is for this host depends on the receiving device's MAC address, which the program does not know; broadcast and multicast can be compiled"))
                }
                _ => {
                    return Err(SyntaxError::new(a.span, format!("bad packet type '{}'", a.text))
                        .with_note("unicast, broadcast or multicast"))
                }
            };
            c::maybe_not(t, neg)
        }
        ("u32", _) => {
            let a = arg(args, span)?;
            c::maybe_not(u32_tests(&a.text, hdr, a.span)?, neg)
        }
        ("frag", "--fragid") => spi(hdr.l4(4, 4), arg(args, span)?, u32::MAX as u64, neg)?,
        ("frag", "--fragres") => {
            no_neg()?;
            c::all(vec![
                c::eq(hdr.l4(1, 1), 0, span),
                c::masked(hdr.l4(3, 1), 0x06, 0, span),
            ])
        }
        ("frag", "--fragfirst") => {
            no_neg()?;
            c::masked(hdr.l4(2, 2), 0xfff8, 0, span)
        }
        ("frag", "--fragmore") => {
            no_neg()?;
            c::masked(hdr.l4(3, 1), 0x01, 0x01, span)
        }
        ("frag", "--fraglast") => {
            no_neg()?;
            c::masked(hdr.l4(3, 1), 0x01, 0, span)
        }
        ("rt", "--rt-type") => {
            let a = arg(args, span)?;
            let v = syntax::parse_c_number(&a.text)
                .filter(|v| *v <= 255)
                .ok_or_else(|| SyntaxError::new(a.span, format!("invalid type '{}'", a.text)))?;
            c::maybe_not(c::eq(hdr.l4(2, 1), v as u128, a.span), neg)
        }
        ("rt", "--rt-segsleft") => {
            let a = arg(args, span)?;
            let (lo, hi) = num_range(a, u32::MAX as u64)?;
            let t = c::range(hdr.l4(3, 1), lo as u128, hi.min(255) as u128, a.span);
            c::maybe_not(if lo > 255 { Cond::False } else { t }, neg)
        }
        ("rt", "--rt-len") => {
            let a = arg(args, span)?;
            let v = syntax::parse_c_number(&a.text)
                .filter(|v| *v <= u32::MAX as u64)
                .ok_or_else(|| SyntaxError::new(a.span, format!("invalid length '{}'", a.text)))?;
            // ip6t_rt compares the header's length in bytes, (hdrlen + 1) * 8.
            let t = if v % 8 == 0 && (8..=2048).contains(&v) {
                c::eq(hdr.l4(1, 1), (v / 8 - 1) as u128, a.span)
            } else {
                Cond::False
            };
            c::maybe_not(t, neg)
        }
        ("rt", _) | ("frag", "--fraglen") => {
            return Err(SyntaxError::new(span, format!("'{canon}' cannot be compiled"))
                .with_note("it is not implemented by this frontend (type 0 routing headers are deprecated; the fragment header's length is fixed)"))
        }
        ("mh", _) => {
            let a = arg(args, span)?;
            let (lo, hi) = match num_range(a, 255) {
                Ok(r) => r,
                Err(e) => {
                    let t = mh_type(&a.text).ok_or(e)?;
                    (t, t)
                }
            };
            c::maybe_not(c::range(hdr.l4(2, 1), lo as u128, hi as u128, a.span), neg)
        }
        _ => return Err(SyntaxError::new(span, format!("unknown option '{canon}'"))),
    })
}

fn mh_type(s: &str) -> Option<u64> {
    const NAMES: &[(&str, u64)] = &[
        ("binding-refresh-request", 0),
        ("brr", 0),
        ("home-test-init", 1),
        ("hoti", 1),
        ("careof-test-init", 2),
        ("coti", 2),
        ("home-test", 3),
        ("hot", 3),
        ("careof-test", 4),
        ("cot", 4),
        ("binding-update", 5),
        ("bu", 5),
        ("binding-acknowledgement", 6),
        ("ba", 6),
        ("binding-error", 7),
        ("be", 7),
    ];
    NAMES.iter().find(|(n, _)| *n == s).map(|(_, v)| *v)
}

/// xt_u32: `TEST && TEST ...`, each `LOCATION = VALUE[:VALUE][,...]`, a location being a
/// number (a 32-bit big-endian read at that offset from the network header) followed by
/// `&MASK`, `<<N`, `>>N` and `@N` (move to the current value plus N and read there). A read
/// past the packet's end makes the match fail.
fn u32_tests(text: &str, hdr: Hdr, span: Span) -> Result<Cond, SyntaxError> {
    let bad = |why: &str| {
        SyntaxError::new(span, format!("u32: {why} in '{text}'"))
            .with_note("grammar: LOCATION = RANGE[,RANGE]... [&& ...]; LOCATION: NUMBER then &MASK, <<N, >>N, @N")
    };
    let net = Base::Net { tags: hdr.tags };
    let mut tests = Vec::new();
    let clean: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if clean.is_empty() {
        return Err(bad("empty test"));
    }
    for test in clean.split("&&") {
        let (loc, ranges) = test.split_once('=').ok_or_else(|| bad("missing '='"))?;
        let num = |s: &str| -> Result<u32, SyntaxError> {
            syntax::parse_c_number(s)
                .filter(|v| *v <= u32::MAX as u64)
                .map(|v| v as u32)
                .ok_or_else(|| bad(&format!("bad number '{s}'")))
        };
        let load = |off: Expr| Expr::Load {
            base: net,
            offset: Box::new(off),
            size: 4,
        };
        // Split the location into its first number and the operators after it.
        let ops_at = loc.find(['&', '<', '>', '@']).unwrap_or(loc.len());
        let mut at = Expr::Const(0);
        let mut val = load(Expr::Const(num(&loc[..ops_at])?));
        let mut rest = &loc[ops_at..];
        while !rest.is_empty() {
            let (op, tail) = if let Some(t) = rest.strip_prefix("<<") {
                ("<<", t)
            } else if let Some(t) = rest.strip_prefix(">>") {
                (">>", t)
            } else if let Some(t) = rest.strip_prefix('&') {
                ("&", t)
            } else if let Some(t) = rest.strip_prefix('@') {
                ("@", t)
            } else {
                return Err(bad("unknown operator"));
            };
            let end = tail.find(['&', '<', '>', '@']).unwrap_or(tail.len());
            let n = num(&tail[..end])?;
            rest = &tail[end..];
            val = match op {
                "&" => Expr::Bin(ArithOp::And, Box::new(val), Box::new(Expr::Const(n))),
                "<<" => Expr::Bin(ArithOp::Shl, Box::new(val), Box::new(Expr::Const(n))),
                ">>" => Expr::Bin(ArithOp::Shr, Box::new(val), Box::new(Expr::Const(n))),
                _ => {
                    at = Expr::Bin(ArithOp::Add, Box::new(at), Box::new(val));
                    load(Expr::Bin(
                        ArithOp::Add,
                        Box::new(at.clone()),
                        Box::new(Expr::Const(n)),
                    ))
                }
            };
        }
        let mut alts = Vec::new();
        for r in ranges.split(',') {
            let (lo, hi) = match r.split_once(':') {
                Some((a, b)) => (num(a)?, num(b)?),
                None => (num(r)?, num(r)?),
            };
            let rel = |op: RelOp, k: u32| {
                Cond::test(
                    Test::Relation {
                        op,
                        lhs: val.clone(),
                        rhs: Expr::Const(k),
                    },
                    span,
                )
            };
            alts.push(if lo == hi {
                rel(RelOp::Eq, lo)
            } else {
                c::all(vec![rel(RelOp::Ge, lo), rel(RelOp::Le, hi)])
            });
        }
        tests.push(c::any(alts));
    }
    Ok(c::all(tests))
}
