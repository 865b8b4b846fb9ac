//! A one-line packet builder, so tests state packets the way people think of them:
//! `eth vlan/id=5 ipv4/src=10.0.0.1,frag=0x2000 tcp/dport=80,flags=SA pad=6 trunc=50`.
//!
//! Layers are separated by spaces; each is `NAME` or `NAME/key=value,key=value`. Lengths,
//! checksums and next-protocol fields are filled in from the layers that follow unless given.
//!
//! | layer | keys (defaults) |
//! |---|---|
//! | `eth` | `dst` (02:00:00:00:00:02), `src` (02:00:00:00:00:01), `type` (from the next layer) |
//! | `vlan`, `qinq` | `id` (1), `prio` (0) — an 802.1Q (0x8100) or 802.1ad (0x88a8) tag |
//! | `ipv4` | `src` (10.0.0.1), `dst` (10.0.0.2), `proto`, `ttl` (64), `tos` (0), `id` (1), `frag` (raw flags+offset field, 0), `opts` (bytes of NOP options, 0), `len` (auto), `ihl` (auto) |
//! | `ipv6` | `src` (2001:db8::1), `dst` (2001:db8::2), `nh`, `hlim` (64), `tc` (0), `flow` (0), `plen` (auto) |
//! | `hbh`, `dstopts`, `routing` | IPv6 extension headers of 8 bytes; `nh` (auto) |
//! | `frag6` | IPv6 fragment header: `off` (0, in 8-byte units), `mf` (0), `id` (1), `nh` (auto) |
//! | `tcp` | `sport` (12345), `dport` (80), `flags` (`S`; letters FSRPAUEC or a number), `seq` (1), `ack` (0), `win` (65535), `doff` (5) |
//! | `udp` | `sport` (12345), `dport` (53), `len` (auto) |
//! | `sctp` | `sport` (12345), `dport` (80) |
//! | `icmp` | `type` (8), `code` (0) |
//! | `icmp6` | `type` (128), `code` (0) |
//! | `arp` | `op` (1), `sha`, `spa` (10.0.0.1), `tha`, `tpa` (10.0.0.2) |
//! | `pad=N` | N zero bytes |
//! | `hex=AABB..` | literal bytes |
//! | `trunc=N` | cut the finished packet to N bytes |

use std::collections::HashMap;
use std::fmt;

/// A malformed packet description: which token and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PacketError {
    /// The offending token.
    pub token: String,
    /// What was expected.
    pub message: String,
}

impl fmt::Display for PacketError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "in `{}`: {}", self.token, self.message)
    }
}

impl std::error::Error for PacketError {}

struct Layer {
    name: String,
    token: String,
    keys: HashMap<String, String>,
}

impl Layer {
    fn err(&self, message: impl Into<String>) -> PacketError {
        PacketError {
            token: self.token.clone(),
            message: message.into(),
        }
    }

    fn num(&self, key: &str, default: u64) -> Result<u64, PacketError> {
        match self.keys.get(key) {
            None => Ok(default),
            Some(v) => {
                parse_num(v).ok_or_else(|| self.err(format!("`{key}` is not a number: {v}")))
            }
        }
    }

    fn opt_num(&self, key: &str) -> Result<Option<u64>, PacketError> {
        match self.keys.get(key) {
            None => Ok(None),
            Some(_) => self.num(key, 0).map(Some),
        }
    }

    fn ipv4(&self, key: &str, default: [u8; 4]) -> Result<[u8; 4], PacketError> {
        match self.keys.get(key) {
            None => Ok(default),
            Some(v) => v
                .parse::<std::net::Ipv4Addr>()
                .map(|a| a.octets())
                .map_err(|_| self.err(format!("`{key}` is not an IPv4 address: {v}"))),
        }
    }

    fn ipv6(&self, key: &str, default: &str) -> Result<[u8; 16], PacketError> {
        let v = self.keys.get(key).map(String::as_str).unwrap_or(default);
        v.parse::<std::net::Ipv6Addr>()
            .map(|a| a.octets())
            .map_err(|_| self.err(format!("`{key}` is not an IPv6 address: {v}")))
    }

    fn mac(&self, key: &str, default: [u8; 6]) -> Result<[u8; 6], PacketError> {
        let Some(v) = self.keys.get(key) else {
            return Ok(default);
        };
        let parts: Vec<&str> = v.split(':').collect();
        let mut out = [0u8; 6];
        if parts.len() != 6 {
            return Err(self.err(format!("`{key}` is not a MAC address: {v}")));
        }
        for (o, p) in out.iter_mut().zip(parts) {
            *o = u8::from_str_radix(p, 16)
                .map_err(|_| self.err(format!("`{key}` is not a MAC address: {v}")))?;
        }
        Ok(out)
    }

    fn check_keys(&self, allowed: &[&str]) -> Result<(), PacketError> {
        for k in self.keys.keys() {
            if !allowed.contains(&k.as_str()) {
                return Err(self.err(format!(
                    "unknown key `{k}` for {}; expected one of {}",
                    self.name,
                    allowed.join(", ")
                )));
            }
        }
        Ok(())
    }
}

fn parse_num(v: &str) -> Option<u64> {
    if let Some(h) = v.strip_prefix("0x") {
        u64::from_str_radix(h, 16).ok()
    } else {
        v.parse().ok()
    }
}

fn parse_layers(desc: &str) -> Result<Vec<Layer>, PacketError> {
    let mut out = Vec::new();
    for tok in desc.split_whitespace() {
        let (name, rest) = match tok.split_once('/') {
            Some((n, r)) => (n, Some(r)),
            None => match tok.split_once('=') {
                // `pad=4`, `hex=aa`, `trunc=10`: the value is the layer's only key.
                Some((n, v)) => {
                    let mut keys = HashMap::new();
                    keys.insert("value".to_string(), v.to_string());
                    out.push(Layer {
                        name: n.to_string(),
                        token: tok.to_string(),
                        keys,
                    });
                    continue;
                }
                None => (tok, None),
            },
        };
        let mut keys = HashMap::new();
        if let Some(r) = rest {
            for kv in r.split(',').filter(|s| !s.is_empty()) {
                let (k, v) = kv.split_once('=').ok_or_else(|| PacketError {
                    token: tok.to_string(),
                    message: format!("expected key=value, found `{kv}`"),
                })?;
                keys.insert(k.to_string(), v.to_string());
            }
        }
        out.push(Layer {
            name: name.to_string(),
            token: tok.to_string(),
            keys,
        });
    }
    Ok(out)
}

/// The EtherType / IP protocol number announcing `next`, if it is a known layer.
fn next_id(next: Option<&Layer>, family: &str) -> Option<u64> {
    let n = next?.name.as_str();
    match family {
        "eth" => match n {
            "vlan" => Some(0x8100),
            "qinq" => Some(0x88a8),
            "ipv4" => Some(0x0800),
            "ipv6" => Some(0x86dd),
            "arp" => Some(0x0806),
            _ => None,
        },
        _ => match n {
            "tcp" => Some(6),
            "udp" => Some(17),
            "icmp" => Some(1),
            "icmp6" => Some(58),
            "sctp" => Some(132),
            "hbh" => Some(0),
            "routing" => Some(43),
            "frag6" => Some(44),
            "dstopts" => Some(60),
            "ipv4" => Some(4),
            "ipv6" => Some(41),
            _ => None,
        },
    }
}

fn csum(data: &[u8]) -> u16 {
    let mut s: u32 = 0;
    for c in data.chunks(2) {
        let w = if c.len() == 2 {
            u16::from_be_bytes([c[0], c[1]])
        } else {
            u16::from_be_bytes([c[0], 0])
        };
        s += w as u32;
    }
    while s >> 16 != 0 {
        s = (s & 0xffff) + (s >> 16);
    }
    !(s as u16)
}

fn tcp_flags(l: &Layer) -> Result<u8, PacketError> {
    let Some(v) = l.keys.get("flags") else {
        return Ok(0x02);
    };
    if let Some(n) = parse_num(v) {
        return u8::try_from(n).map_err(|_| l.err("flags above 0xff"));
    }
    let mut f = 0u8;
    for c in v.chars() {
        f |= match c.to_ascii_uppercase() {
            'F' => 0x01,
            'S' => 0x02,
            'R' => 0x04,
            'P' => 0x08,
            'A' => 0x10,
            'U' => 0x20,
            'E' => 0x40,
            'C' => 0x80,
            '.' => 0,
            _ => return Err(l.err(format!("unknown TCP flag `{c}` (FSRPAUEC)"))),
        };
    }
    Ok(f)
}

/// Build the packet described by `desc` (see the module docs).
pub fn build(desc: &str) -> Result<Vec<u8>, PacketError> {
    let layers = parse_layers(desc)?;
    let mut trunc = None;
    // Serialise from the innermost layer outwards so lengths are known.
    let mut tail: Vec<u8> = Vec::new();
    for i in (0..layers.len()).rev() {
        let l = &layers[i];
        let next = layers.get(i + 1);
        let mut h: Vec<u8> = Vec::new();
        match l.name.as_str() {
            "eth" => {
                l.check_keys(&["dst", "src", "type"])?;
                h.extend(l.mac("dst", [2, 0, 0, 0, 0, 2])?);
                h.extend(l.mac("src", [2, 0, 0, 0, 0, 1])?);
                let t = l.num("type", next_id(next, "eth").unwrap_or(0x88b5))?;
                h.extend((t as u16).to_be_bytes());
            }
            "vlan" | "qinq" => {
                l.check_keys(&["id", "prio", "type"])?;
                let tci = (l.num("prio", 0)? as u16) << 13 | (l.num("id", 1)? as u16 & 0xfff);
                h.extend(tci.to_be_bytes());
                let t = l.num("type", next_id(next, "eth").unwrap_or(0x88b5))?;
                h.extend((t as u16).to_be_bytes());
            }
            "ipv4" => {
                l.check_keys(&[
                    "src", "dst", "proto", "ttl", "tos", "id", "frag", "opts", "len", "ihl",
                ])?;
                let opts = l.num("opts", 0)? as usize;
                if !opts.is_multiple_of(4) || opts > 40 {
                    return Err(l.err("opts must be a multiple of 4, at most 40"));
                }
                let ihl = l.num("ihl", 5 + opts as u64 / 4)? as u8;
                let total = l.num("len", (20 + opts + tail.len()) as u64)? as u16;
                h.push(0x40 | (ihl & 0xf));
                h.push(l.num("tos", 0)? as u8);
                h.extend(total.to_be_bytes());
                h.extend((l.num("id", 1)? as u16).to_be_bytes());
                h.extend((l.num("frag", 0)? as u16).to_be_bytes());
                h.push(l.num("ttl", 64)? as u8);
                h.push(l.num("proto", next_id(next, "ip").unwrap_or(255))? as u8);
                h.extend([0, 0]);
                h.extend(l.ipv4("src", [10, 0, 0, 1])?);
                h.extend(l.ipv4("dst", [10, 0, 0, 2])?);
                h.extend(std::iter::repeat_n(1u8, opts));
                let c = csum(&h);
                h[10..12].copy_from_slice(&c.to_be_bytes());
            }
            "ipv6" => {
                l.check_keys(&["src", "dst", "nh", "hlim", "tc", "flow", "plen"])?;
                let vtf: u32 = 6 << 28
                    | (l.num("tc", 0)? as u32 & 0xff) << 20
                    | (l.num("flow", 0)? as u32 & 0xfffff);
                h.extend(vtf.to_be_bytes());
                h.extend((l.num("plen", tail.len() as u64)? as u16).to_be_bytes());
                h.push(l.num("nh", next_id(next, "ip").unwrap_or(59))? as u8);
                h.push(l.num("hlim", 64)? as u8);
                h.extend(l.ipv6("src", "2001:db8::1")?);
                h.extend(l.ipv6("dst", "2001:db8::2")?);
            }
            "hbh" | "dstopts" | "routing" => {
                l.check_keys(&["nh"])?;
                h.push(l.num("nh", next_id(next, "ip").unwrap_or(59))? as u8);
                h.push(0); // length in 8-byte units, not counting the first 8
                h.extend([0u8; 6]);
                if l.name == "routing" {
                    h[2] = 0; // routing type 0
                    h[3] = 0; // segments left
                } else {
                    h[2] = 1; // PadN option filling the rest
                    h[3] = 4;
                }
            }
            "frag6" => {
                l.check_keys(&["nh", "off", "mf", "id"])?;
                h.push(l.num("nh", next_id(next, "ip").unwrap_or(59))? as u8);
                h.push(0);
                let v = (l.num("off", 0)? as u16) << 3 | (l.num("mf", 0)? as u16 & 1);
                h.extend(v.to_be_bytes());
                h.extend((l.num("id", 1)? as u32).to_be_bytes());
            }
            "tcp" => {
                l.check_keys(&["sport", "dport", "flags", "seq", "ack", "win", "doff"])?;
                h.extend((l.num("sport", 12345)? as u16).to_be_bytes());
                h.extend((l.num("dport", 80)? as u16).to_be_bytes());
                h.extend((l.num("seq", 1)? as u32).to_be_bytes());
                h.extend((l.num("ack", 0)? as u32).to_be_bytes());
                let doff = l.num("doff", 5)? as u8;
                h.push(doff << 4);
                h.push(tcp_flags(l)?);
                h.extend((l.num("win", 65535)? as u16).to_be_bytes());
                h.extend([0, 0, 0, 0]);
                if doff > 5 {
                    h.extend(std::iter::repeat_n(1u8, (doff as usize - 5) * 4));
                }
            }
            "udp" => {
                l.check_keys(&["sport", "dport", "len"])?;
                h.extend((l.num("sport", 12345)? as u16).to_be_bytes());
                h.extend((l.num("dport", 53)? as u16).to_be_bytes());
                h.extend((l.num("len", 8 + tail.len() as u64)? as u16).to_be_bytes());
                h.extend([0, 0]);
            }
            "sctp" => {
                l.check_keys(&["sport", "dport"])?;
                h.extend((l.num("sport", 12345)? as u16).to_be_bytes());
                h.extend((l.num("dport", 80)? as u16).to_be_bytes());
                h.extend([0u8; 8]);
            }
            "icmp" | "icmp6" => {
                l.check_keys(&["type", "code"])?;
                let default_type = if l.name == "icmp" { 8 } else { 128 };
                h.push(l.num("type", default_type)? as u8);
                h.push(l.num("code", 0)? as u8);
                h.extend([0, 0, 0, 1, 0, 1]);
            }
            "arp" => {
                l.check_keys(&["op", "sha", "spa", "tha", "tpa"])?;
                h.extend([0, 1, 8, 0, 6, 4]);
                h.extend((l.num("op", 1)? as u16).to_be_bytes());
                h.extend(l.mac("sha", [2, 0, 0, 0, 0, 1])?);
                h.extend(l.ipv4("spa", [10, 0, 0, 1])?);
                h.extend(l.mac("tha", [0; 6])?);
                h.extend(l.ipv4("tpa", [10, 0, 0, 2])?);
            }
            "pad" => {
                let n = l.num("value", 0)? as usize;
                if n > 65536 {
                    return Err(l.err("pad is at most 65536 bytes"));
                }
                h.extend(std::iter::repeat_n(0u8, n));
            }
            "hex" => {
                let v = &l.keys["value"];
                if v.len() % 2 != 0 {
                    return Err(l.err("hex needs an even number of digits"));
                }
                for i in (0..v.len()).step_by(2) {
                    h.push(
                        u8::from_str_radix(&v[i..i + 2], 16)
                            .map_err(|_| l.err(format!("not hex: {v}")))?,
                    );
                }
            }
            "trunc" => {
                if i != layers.len() - 1 {
                    return Err(l.err("trunc must be the last item"));
                }
                trunc = l.opt_num("value")?;
            }
            other => {
                return Err(l.err(format!(
                    "unknown layer `{other}`; expected eth, vlan, qinq, ipv4, ipv6, hbh, dstopts, \
                     routing, frag6, tcp, udp, sctp, icmp, icmp6, arp, pad=N, hex=.., trunc=N"
                )))
            }
        }
        h.extend_from_slice(&tail);
        tail = h;
    }
    if let Some(n) = trunc {
        tail.truncate(n as usize);
    }
    Ok(tail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layers_and_lengths() {
        let p = build("eth vlan/id=5 ipv4/opts=4 udp/dport=53 pad=3").unwrap();
        assert_eq!(&p[12..14], &[0x81, 0x00]);
        assert_eq!(&p[14..16], &[0x00, 0x05]);
        assert_eq!(&p[16..18], &[0x08, 0x00]);
        assert_eq!(p[18], 0x46);
        assert_eq!(u16::from_be_bytes([p[20], p[21]]), 24 + 8 + 3);
        assert_eq!(p[27], 17);
        assert_eq!(csum(&p[18..42]), 0);
        assert_eq!(p.len(), 18 + 24 + 8 + 3);
        let p = build("eth ipv6 frag6/off=1 tcp trunc=60").unwrap();
        assert_eq!(p[20], 44);
        assert_eq!(p[54], 6);
        assert_eq!(p.len(), 60);
        assert!(build("eth ipv4/bogus=1").is_err());
        assert!(build("ether").is_err());
        assert!(build("eth tcp/flags=Z").is_err());
    }
}
