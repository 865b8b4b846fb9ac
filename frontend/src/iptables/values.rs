//! Values on iptables command lines: addresses, ports, protocol names, TCP flags, ICMP types.

use crate::ruleset::Span;
use crate::syntax::{self, cond, SyntaxError};

/// Service names iptables resolves through /etc/services (the common ones; no lookups here).
pub fn service_port(name: &str) -> Option<u16> {
    Some(match name {
        "ftp-data" => 20,
        "ftp" => 21,
        "ssh" => 22,
        "telnet" => 23,
        "smtp" => 25,
        "domain" => 53,
        "bootps" => 67,
        "bootpc" => 68,
        "tftp" => 69,
        "http" | "www" => 80,
        "kerberos" => 88,
        "pop3" => 110,
        "sunrpc" => 111,
        "ntp" => 123,
        "imap" | "imap2" => 143,
        "snmp" => 161,
        "bgp" => 179,
        "ldap" => 389,
        "https" => 443,
        "submission" => 587,
        "ldaps" => 636,
        "imaps" => 993,
        "pop3s" => 995,
        "mysql" => 3306,
        "postgresql" => 5432,
        _ => return None,
    })
}

/// A port: a number as `strtoul(s, 0)` reads it (`0x50`; a leading 0 is octal, so `080` is
/// no number and no service) or a service name.
pub fn port(s: &str, span: Span) -> Result<u16, SyntaxError> {
    if let Some(n) = syntax::parse_c_number(s) {
        return u16::try_from(n)
            .map_err(|_| SyntaxError::new(span, format!("port '{s}' is above 65535")));
    }
    service_port(s).ok_or_else(|| {
        SyntaxError::new(span, format!("invalid port/service '{s}' specified")).with_note(
            "ports are numbers or the common service names (ssh, http, https, domain, ...)",
        )
    })
}

/// `a`, `a:b`, `a:` or `:b` as an inclusive range.
pub fn port_range(s: &str, span: Span) -> Result<(u16, u16), SyntaxError> {
    let (lo, hi) = match s.split_once(':') {
        None => {
            let p = port(s, span)?;
            (p, p)
        }
        Some((a, b)) => {
            let lo = if a.is_empty() { 0 } else { port(a, span)? };
            let hi = if b.is_empty() { 65535 } else { port(b, span)? };
            (lo, hi)
        }
    };
    if lo > hi {
        return Err(SyntaxError::new(
            span,
            format!("invalid portrange '{s}' (min > max)"),
        ));
    }
    Ok((lo, hi))
}

/// An IP protocol: number, `all`, or name.
pub fn protocol(s: &str, span: Span) -> Result<Option<u8>, SyntaxError> {
    if s.eq_ignore_ascii_case("all") {
        return Ok(None);
    }
    if let Some(n) = syntax::parse_c_number(s) {
        return match u8::try_from(n) {
            Ok(0) => Ok(None),
            Ok(p) => Ok(Some(p)),
            Err(_) => Err(SyntaxError::new(
                span,
                format!("invalid protocol number '{s}'"),
            )),
        };
    }
    cond::ip_proto_by_name(s).map(Some).ok_or_else(|| {
        SyntaxError::new(span, format!("unknown protocol '{s}' specified")).with_note(
            crate::syntax::suggest::hint(
                s,
                &[
                    "tcp", "udp", "icmp", "icmpv6", "sctp", "esp", "ah", "gre", "all",
                ],
            ),
        )
    })
}

/// An address with an optional `/len` or `/dotted-mask`: (address, prefix mask).
pub fn address(s: &str, v6: bool, span: Span) -> Result<(u128, u128), SyntaxError> {
    let bits = if v6 { 128 } else { 32 };
    let (a, m) = match s.split_once('/') {
        Some((a, m)) => (a, Some(m)),
        None => (s, None),
    };
    let addr = if v6 {
        syntax::parse_ipv6(a)
    } else {
        xtables_ipv4(a).map(u128::from)
    };
    let Some(addr) = addr else {
        let fam = if v6 { "IPv6" } else { "IPv4" };
        return Err(
            SyntaxError::new(span, format!("host/network '{a}' is not an {fam} address"))
                .with_note("host names are not resolved: write the address"),
        );
    };
    let mask = match m {
        None => syntax::prefix_mask(bits, bits),
        Some(m) => {
            if let Some(len) = syntax::parse_c_number(m) {
                if len > bits as u64 {
                    return Err(SyntaxError::new(
                        span,
                        format!("invalid mask '{m}' specified"),
                    ));
                }
                syntax::prefix_mask(len as u32, bits)
            } else {
                let dotted = if v6 {
                    syntax::parse_ipv6(m)
                } else {
                    syntax::parse_ipv4(m).map(u128::from)
                };
                dotted.ok_or_else(|| {
                    SyntaxError::new(span, format!("invalid mask '{m}' specified"))
                })?
            }
        }
    };
    Ok((addr & mask, mask))
}

/// `--tcp-flags` list: `SYN,ACK`, `ALL`, `NONE`.
pub fn tcp_flag_list(s: &str, span: Span) -> Result<u8, SyntaxError> {
    let mut v = 0u8;
    for name in s.split(',') {
        v |= match name.to_ascii_uppercase().as_str() {
            // xtables' ALL is the six classic flags, not ECE and CWR.
            "ALL" => 0x3f,
            "NONE" => 0,
            other => cond::tcp_flag(other).ok_or_else(|| {
                SyntaxError::new(span, format!("unknown TCP flag '{name}'")).with_note(
                    crate::syntax::suggest::hint(
                        name,
                        &[
                            "SYN", "ACK", "FIN", "RST", "URG", "PSH", "ECE", "CWR", "ALL", "NONE",
                        ],
                    ),
                )
            })?,
        };
    }
    Ok(v)
}

/// `--icmp-type` / `--icmpv6-type`: (type, min code, max code); type 0xff means any.
pub fn icmp_type(s: &str, v6: bool, span: Span) -> Result<(u8, u8, u8), SyntaxError> {
    if !v6 && s.eq_ignore_ascii_case("any") {
        return Ok((0xff, 0, 0xff));
    }
    let byte = |p: &str| -> Result<u8, SyntaxError> {
        syntax::parse_decimal(p)
            .and_then(|n| u8::try_from(n).ok())
            .ok_or_else(|| SyntaxError::new(span, format!("invalid ICMP type '{s}'")))
    };
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        return match s.split_once('/') {
            // TYPE/CODE or TYPE/MIN:MAX (a code range; xt_icmp tests min <= code <= max).
            Some((t, c)) => {
                let (lo, hi) = match c.split_once(':') {
                    Some((a, b)) => (byte(a)?, byte(b)?),
                    None => (byte(c)?, byte(c)?),
                };
                Ok((byte(t)?, lo, hi))
            }
            None if s.contains(':') => Err(SyntaxError::new(
                span,
                format!("invalid ICMP type '{s}': ICMP type range not supported"),
            )
            .with_note("iptables matches one type, with a code or a range of codes: TYPE/MIN:MAX")),
            None => Ok((byte(s)?, 0, 0xff)),
        };
    }
    let found = if v6 {
        cond::icmp6_type_by_name(s)
    } else {
        cond::icmp_type_by_name(s)
    };
    match found {
        Some((t, Some(c))) => Ok((t, c, c)),
        Some((t, None)) => Ok((t, 0, 0xff)),
        None => Err(
            SyntaxError::new(span, format!("invalid ICMP type '{s}'")).with_note(
                "types are numbers (TYPE or TYPE/CODE) or names such as echo-request, \
             destination-unreachable, port-unreachable, time-exceeded",
            ),
        ),
    }
}

/// An IPv4 address as xtables reads it: four dotted parts, fewer parts filled with zeros on
/// the right (`10.1` is 10.1.0.0), or one 32-bit number; each number as `strtoul(s, 0)` reads
/// it (`010` is octal 8, `0x0a` is 10).
fn xtables_ipv4(s: &str) -> Option<u32> {
    let parts: Vec<&str> = s.split('.').collect();
    if parts.len() == 1 {
        return syntax::parse_c_number(s).and_then(|v| u32::try_from(v).ok());
    }
    if parts.len() > 4 {
        return None;
    }
    let mut v = 0u32;
    for (i, p) in parts.iter().enumerate() {
        let b = syntax::parse_c_number(p).filter(|b| *b <= 255)? as u32;
        v |= b << (24 - 8 * i);
    }
    Some(v)
}
