//! Literal values of pcap-filter: numbers (decimal, `0x` hex, leading-zero octal), IPv4
//! addresses (possibly partial: `10`, `172.16`), IPv6 addresses and MAC addresses.

/// A number as libpcap reads it: `0x1f`, `017` (octal), `42`. `None` when not a number or
/// larger than 32 bits.
pub fn parse_number(s: &str) -> Option<u32> {
    let (digits, radix) = if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        (h, 16)
    } else if s.len() > 1 && s.starts_with('0') {
        (&s[1..], 8)
    } else {
        (s, 10)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    u32::from_str_radix(digits, radix).ok()
}

/// Whether `s` looks like a number (so a too-large value is reported as such, not as a name).
pub fn looks_numeric(s: &str) -> bool {
    s.chars().next().is_some_and(|c| c.is_ascii_digit())
        && s.chars()
            .all(|c| c.is_ascii_hexdigit() || c == 'x' || c == 'X')
}

/// An IPv4 address with 1 to 4 dotted parts: (value left-aligned, number of significant bits).
/// `172.16` is `(0xac100000, 16)`. `Err` names the problem.
pub fn parse_ipv4(s: &str) -> Result<(u32, u32), String> {
    let parts: Vec<&str> = s.split('.').collect();
    if parts.is_empty() || parts.len() > 4 {
        return Err(format!("invalid IPv4 address '{s}'"));
    }
    let mut v: u32 = 0;
    for p in &parts {
        let n = parse_number(p).filter(|n| *n <= 255);
        match n {
            Some(n) => v = (v << 8) | n,
            None => return Err(format!("invalid IPv4 address '{s}'")),
        }
    }
    let bits = 8 * parts.len() as u32;
    let v = if bits == 32 { v } else { v << (32 - bits) };
    Ok((v, bits))
}

/// Whether `s` is dotted numbers (an IPv4 address, full or partial).
pub fn looks_ipv4(s: &str) -> bool {
    s.contains('.')
        && s.split('.')
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_hexdigit() || c == 'x'))
        && s.chars().next().is_some_and(|c| c.is_ascii_digit())
}

/// An IPv6 address.
pub fn parse_ipv6(s: &str) -> Option<u128> {
    s.parse::<std::net::Ipv6Addr>().ok().map(u128::from)
}

/// A MAC address: `1:2:3:4:5:6`, `01-02-03-04-05-06` or `0102.0304.0506`.
pub fn parse_mac(s: &str) -> Option<u64> {
    let groups: Vec<&str> = if s.contains(':') {
        s.split(':').collect()
    } else if s.contains('-') {
        s.split('-').collect()
    } else if s.contains('.') {
        let g: Vec<&str> = s.split('.').collect();
        if g.len() != 3 || g.iter().any(|x| x.len() != 4) {
            return None;
        }
        let mut v = 0u64;
        for x in g {
            v = (v << 16) | u64::from_str_radix(x, 16).ok()?;
        }
        return Some(v);
    } else {
        return None;
    };
    if groups.len() != 6 {
        return None;
    }
    let mut v = 0u64;
    for g in groups {
        if g.is_empty() || g.len() > 2 || !g.chars().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        v = (v << 8) | u64::from_str_radix(g, 16).ok()?;
    }
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(parse_number("0x1F"), Some(31));
        assert_eq!(parse_number("010"), Some(8));
        assert_eq!(parse_number("0"), Some(0));
        assert_eq!(parse_number("4294967295"), Some(u32::MAX));
        assert_eq!(parse_number("4294967296"), None);
        assert_eq!(parse_number("09"), None);
        assert_eq!(parse_number("eighty"), None);
    }

    #[test]
    fn addresses() {
        assert_eq!(parse_ipv4("172.16"), Ok((0xac10_0000, 16)));
        assert_eq!(parse_ipv4("1.2.3.4"), Ok((0x0102_0304, 32)));
        assert!(parse_ipv4("300.1.1.1").is_err());
        assert_eq!(parse_mac("1:2:3:4:5:6"), Some(0x0102_0304_0506));
        assert_eq!(parse_mac("01-02-03-04-05-06"), Some(0x0102_0304_0506));
        assert_eq!(parse_mac("0102.0304.0506"), Some(0x0102_0304_0506));
        assert_eq!(parse_ipv6("::1"), Some(1));
        assert_eq!(parse_mac("1:2:3"), None);
    }
}
