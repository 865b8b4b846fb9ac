//! The values after qualifiers: hosts, networks (with `/len` or `mask`), ports and ranges.

use super::*;

impl Parser {
    pub(super) fn kind_word(q: Quals) -> &'static str {
        match q.kind {
            Kind::Net => "net",
            Kind::Port => "port",
            Kind::Portrange => "portrange",
            _ => "host",
        }
    }

    /// `id := nid | pnum | '(' id ((and|or) id)* ')' | not id`, generated with `q`.
    pub(super) fn id(&mut self, q: Quals) -> Result<Cond, PcapError> {
        self.nested(|p| p.id_inner(q))
    }

    fn id_inner(&mut self, q: Quals) -> Result<Cond, PcapError> {
        if self.is_not(0) {
            self.bump();
            return Ok(self.id(q)?.negate());
        }
        if self.is_punct(0, Punct::LParen) {
            self.bump();
            let mut acc = self.id(q)?;
            let mut last_and = None;
            loop {
                let and = self.is_and();
                if !and && !self.is_or() {
                    break;
                }
                self.count_switch(&mut last_and, and)?;
                self.bump();
                let rhs = self.id(q)?;
                acc = if and {
                    and_all(acc, rhs)
                } else {
                    or_any(acc, rhs)
                };
            }
            self.expect_punct(Punct::RParen, "')'")?;
            return Ok(acc);
        }
        let t = self.peek().clone();
        let after = Self::kind_word(q);
        let TokenKind::Word(w) = &t.kind else {
            return Err(self.unexpected(&t, &self.expected_value(q, after)));
        };
        let w = w.clone();
        let span = t.span;
        let class = classify(&w);
        match (q.kind, class) {
            (Kind::Port, WordClass::Number(n)) => {
                self.bump();
                if n > 65535 {
                    return Err(self.err(span, format!("illegal port number {n} > 65535")));
                }
                self.gen
                    .port(q, n as u16, n as u16, span)
                    .map_err(|m| self.err(span, m))
            }
            (Kind::Portrange, WordClass::Number(n)) => {
                self.bump();
                if n > 65535 {
                    return Err(self.err(span, format!("illegal port number {n} > 65535")));
                }
                self.gen
                    .port(q, n as u16, n as u16, span)
                    .map_err(|m| self.err(span, m))
            }
            (Kind::Portrange, WordClass::Name) if w.contains('-') => {
                self.bump();
                let mut parts = w.splitn(2, '-');
                let a = parts.next().and_then(addr::parse_number);
                let b = parts.next().and_then(addr::parse_number);
                let (Some(a), Some(b)) = (a, b) else {
                    return Err(self.err(
                        span,
                        format!("expected a port range like 1-1024 after 'portrange', found '{w}'"),
                    ));
                };
                for n in [a, b] {
                    if n > 65535 {
                        return Err(self.err(span, format!("illegal port number {n} > 65535")));
                    }
                }
                let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
                self.gen
                    .port(q, lo as u16, hi as u16, span)
                    .map_err(|m| self.err(span, m))
            }
            (Kind::Port | Kind::Portrange, WordClass::Name) => Err(self
                .err(
                    span,
                    format!("expected a port number after '{after}', found '{w}'"),
                )
                .with_note("service names are not looked up; write the number, e.g. 'port 80'")),
            (Kind::Port | Kind::Portrange, _) => Err(self.err(
                span,
                format!("expected a port number after '{after}', found '{w}'"),
            )),
            (_, WordClass::Mac(mac)) => {
                self.bump();
                if q.kind == Kind::Net {
                    return Err(self.err(span, "a MAC address cannot be a 'net'"));
                }
                match q.proto {
                    Proto::Link => Ok(self.gen.ether_host(q.dir, mac, span)),
                    Proto::Default => Err(self
                        .err(span, "ethernet address used in non-ether expression")
                        .with_note("write 'ether host ADDR'")),
                    p => Err(self.err(
                        span,
                        format!("'{}' modifier applied to an Ethernet address", p.keyword()),
                    )),
                }
            }
            (_, WordClass::Ipv6(a)) => {
                self.bump();
                let (mask, span) = self.ipv6_mask(q, span, &w)?;
                if mask != u128::MAX && a & !mask != 0 {
                    return Err(self.err(span, "non-network bits set in IPv6 address"));
                }
                self.gen
                    .host6(q, a, mask, span)
                    .map_err(|m| self.err(span, m))
            }
            (_, WordClass::Ipv4) => {
                self.bump();
                let (v, bits) = addr::parse_ipv4(&w).map_err(|m| self.err(span, m))?;
                let (mask, full) = self.ipv4_mask(q, span, bits)?;
                if mask != prefix_mask(bits) && v & !mask != 0 {
                    return Err(self.err(
                        full,
                        format!("non-network bits set in \"{w}\" for this mask"),
                    ));
                }
                let span = full;
                self.gen
                    .host4(q, v & mask, mask, span)
                    .map_err(|m| self.err(span, m))
            }
            (_, WordClass::Number(n)) => {
                self.bump();
                if q.proto == Proto::Link {
                    return Err(self.err(span, "illegal link layer address"));
                }
                let (v, mask) = if q.kind == Kind::Net {
                    let (mut v, mut m) = (n, u32::MAX);
                    while v != 0 && v & 0xff00_0000 == 0 {
                        v <<= 8;
                        m <<= 8;
                    }
                    (v, m)
                } else {
                    (n, u32::MAX)
                };
                let (mask, full) = if self.is_punct(0, Punct::Slash) || self.is_word(0, "mask") {
                    let bits = 32 - mask.trailing_zeros().min(32);
                    self.ipv4_mask(q, span, bits)?
                } else {
                    (mask, span)
                };
                self.gen
                    .host4(q, v & mask, mask, full)
                    .map_err(|m| self.err(full, m))
            }
            (_, WordClass::Name) => Err(self
                .err(
                    span,
                    format!("expected an address after '{after}', found '{w}'"),
                )
                .with_note("hostnames are not resolved (no DNS lookups); write an IP address")),
            (_, WordClass::Keyword) => Err(self.unexpected(&t, &self.expected_value(q, after))),
        }
    }

    pub(super) fn expected_value(&self, q: Quals, after: &str) -> String {
        match q.kind {
            Kind::Port | Kind::Portrange => format!("a port number after '{after}'"),
            _ => format!("an address after '{after}'"),
        }
    }

    /// An optional `/len` or `mask M` after an IPv4 address of `bits` significant bits; returns
    /// the mask and the span of the whole address.
    pub(super) fn ipv4_mask(
        &mut self,
        q: Quals,
        span: Span,
        bits: u32,
    ) -> Result<(u32, Span), PcapError> {
        if self.is_punct(0, Punct::Slash) {
            self.bump();
            let n = self.number_after("/")?;
            let full = span.to(self.toks[self.pos - 1].span);
            if n > 32 {
                return Err(self.err(full, format!("mask length must be <= 32, not {n}")));
            }
            self.net_only(q, full)?;
            return Ok((prefix_mask(n), full));
        }
        if self.is_word(0, "mask") {
            self.bump();
            let t = self.peek().clone();
            let m = match &t.kind {
                TokenKind::Word(w) if addr::looks_ipv4(w) => {
                    addr::parse_ipv4(w).map_err(|m| self.err(t.span, m))?.0
                }
                _ => return Err(self.unexpected(&t, "a netmask after 'mask'")),
            };
            self.bump();
            let full = span.to(t.span);
            self.net_only(q, full)?;
            return Ok((m, full));
        }
        Ok((prefix_mask(bits), span))
    }

    pub(super) fn ipv6_mask(
        &mut self,
        q: Quals,
        span: Span,
        _w: &str,
    ) -> Result<(u128, Span), PcapError> {
        if self.is_punct(0, Punct::Slash) {
            self.bump();
            let n = self.number_after("/")?;
            let full = span.to(self.toks[self.pos - 1].span);
            if n > 128 {
                return Err(self.err(full, format!("mask length must be <= 128, not {n}")));
            }
            self.net_only(q, full)?;
            let mask = if n == 0 { 0 } else { u128::MAX << (128 - n) };
            return Ok((mask, full));
        }
        Ok((u128::MAX, span))
    }

    pub(super) fn net_only(&self, q: Quals, span: Span) -> Result<(), PcapError> {
        match q.kind {
            Kind::Default | Kind::Net => Ok(()),
            _ => Err(self.err(span, "mask syntax for networks only")),
        }
    }
}
