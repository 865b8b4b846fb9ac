//! pcap-filter primitives to [`Cond`]s, test for test in the order libpcap's gencode.c
//! evaluates them (the order matters: a read past the packet's end aborts the filter).

use crate::ruleset::{Base, Cmp, Cond, Expr, Field, Span, Test};

/// Protocol qualifiers (`ether`, `ip`, `tcp`, ...).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Proto {
    Default,
    Link,
    Ip,
    Ip6,
    Arp,
    Rarp,
    Tcp,
    Udp,
    Sctp,
    Icmp,
    Icmp6,
    Igmp,
    Igrp,
    Pim,
    Vrrp,
    Carp,
    Ah,
    Esp,
}

impl Proto {
    /// The keyword for a protocol qualifier.
    pub fn from_keyword(w: &str) -> Option<Proto> {
        Some(match w {
            "ether" | "link" => Proto::Link,
            "ip" => Proto::Ip,
            "ip6" => Proto::Ip6,
            "arp" => Proto::Arp,
            "rarp" => Proto::Rarp,
            "tcp" => Proto::Tcp,
            "udp" => Proto::Udp,
            "sctp" => Proto::Sctp,
            "icmp" => Proto::Icmp,
            "icmp6" => Proto::Icmp6,
            "igmp" => Proto::Igmp,
            "igrp" => Proto::Igrp,
            "pim" => Proto::Pim,
            "vrrp" => Proto::Vrrp,
            "carp" => Proto::Carp,
            "ah" => Proto::Ah,
            "esp" => Proto::Esp,
            _ => return None,
        })
    }

    /// The keyword.
    pub fn keyword(self) -> &'static str {
        match self {
            Proto::Default => "",
            Proto::Link => "ether",
            Proto::Ip => "ip",
            Proto::Ip6 => "ip6",
            Proto::Arp => "arp",
            Proto::Rarp => "rarp",
            Proto::Tcp => "tcp",
            Proto::Udp => "udp",
            Proto::Sctp => "sctp",
            Proto::Icmp => "icmp",
            Proto::Icmp6 => "icmp6",
            Proto::Igmp => "igmp",
            Proto::Igrp => "igrp",
            Proto::Pim => "pim",
            Proto::Vrrp => "vrrp",
            Proto::Carp => "carp",
            Proto::Ah => "ah",
            Proto::Esp => "esp",
        }
    }

    /// IP protocol number of a transport-level qualifier, and whether libpcap also looks for it
    /// over IPv6.
    fn ip_protocol(self) -> Option<(u8, bool)> {
        Some(match self {
            Proto::Tcp => (6, true),
            Proto::Udp => (17, true),
            Proto::Sctp => (132, true),
            Proto::Icmp => (1, false),
            Proto::Igmp => (2, false),
            Proto::Igrp => (9, false),
            Proto::Pim => (103, true),
            Proto::Vrrp | Proto::Carp => (112, false),
            Proto::Ah => (51, true),
            Proto::Esp => (50, true),
            _ => return None,
        })
    }
}

/// Direction qualifiers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Dir {
    Default,
    Src,
    Dst,
    SrcOrDst,
    SrcAndDst,
}

/// Address-type qualifiers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Kind {
    Default,
    Host,
    Net,
    Port,
    Portrange,
    Gateway,
}

/// The qualifiers in force for an id (carried to a following bare id, as in `host a or b`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quals {
    /// Protocol.
    pub proto: Proto,
    /// Direction.
    pub dir: Dir,
    /// Address type.
    pub kind: Kind,
}

pub const ETH_IP: u16 = 0x0800;
pub const ETH_IP6: u16 = 0x86dd;
pub const ETH_ARP: u16 = 0x0806;
pub const ETH_RARP: u16 = 0x8035;
const IPPROTO_FRAGMENT: u8 = 44;

/// Generates conditions; holds the VLAN shift state (`vlan` moves every later offset).
#[derive(Debug, Default)]
pub struct Gen {
    /// VLAN tags assumed so far (a `pppoes` counts as two: its 6-byte header and the PPP
    /// protocol move the network header by 8 bytes).
    pub tags: u8,
    /// After `pppoes`: the "EtherType" is the PPP protocol, with PPP's numbers.
    pub ppp: bool,
    /// After `mpls`: each label counts as a tag; IPv4/IPv6 are told by the last label's
    /// bottom-of-stack bit and the version nibble.
    pub mpls: bool,
}

/// libpcap's `ethertype_to_ppptype`: the PPP protocol number for an EtherType.
fn ppp_type(t: u16) -> u16 {
    match t {
        0x0800 => 0x0021,
        0x86dd => 0x0057,
        0x6003 => 0x0027,
        0x809b => 0x0029,
        0x8137 => 0x002b,
        0x0600 => 0x0025,
        other => other,
    }
}

fn cmp_eq(field: Field, v: u128, span: Span) -> Cond {
    Cond::test(
        Test::Field {
            field,
            mask: None,
            cmp: Cmp::Eq(v),
        },
        span,
    )
}

fn cmp_masked(field: Field, mask: u128, v: u128, span: Span) -> Cond {
    if mask == field.full_mask() {
        return cmp_eq(field, v, span);
    }
    Cond::test(
        Test::Field {
            field,
            mask: Some(mask),
            cmp: Cmp::Eq(v & mask),
        },
        span,
    )
}

fn cmp_with(field: Field, cmp: Cmp, span: Span) -> Cond {
    Cond::test(
        Test::Field {
            field,
            mask: None,
            cmp,
        },
        span,
    )
}

/// Combine a source and a destination test by direction (libpcap tests the source first).
fn by_dir(dir: Dir, src: impl Fn() -> Cond, dst: impl Fn() -> Cond) -> Cond {
    match dir {
        Dir::Src => src(),
        Dir::Dst => dst(),
        Dir::Default | Dir::SrcOrDst => Cond::Any(vec![src(), dst()]),
        Dir::SrcAndDst => Cond::All(vec![src(), dst()]),
    }
}

impl Gen {
    fn net(&self) -> Base {
        Base::Net { tags: self.tags }
    }

    fn net_field(&self, offset: u16, size: u8) -> Field {
        Field::new(self.net(), offset, size)
    }

    /// The EtherType at its (VLAN-shifted) offset; after `pppoes`, the PPP protocol.
    pub fn ethertype(&self, t: u16, span: Span) -> Cond {
        if self.mpls {
            return self.over_mpls(t as u32, span);
        }
        let t = if self.ppp { ppp_type(t) } else { t };
        cmp_eq(
            Field::new(Base::Frame, 12 + 4 * self.tags as u16, 2),
            t as u128,
            span,
        )
    }

    /// After `mpls`: IPv4 or IPv6 right after the last label (its bottom-of-stack bit set, then
    /// the IP version nibble), as libpcap's `gen_mpls_linktype`; other protocols never.
    fn over_mpls(&self, t: u32, span: Span) -> Cond {
        let version = match t {
            0x0800 => 0x40,
            0x86dd => 0x60,
            _ => return Cond::False,
        };
        Cond::All(vec![
            cmp_masked(
                Field::new(Base::Frame, 12 + 4 * self.tags as u16, 1),
                0x01,
                0x01,
                span,
            ),
            cmp_masked(self.net_field(0, 1), 0xf0, version, span),
        ])
    }

    /// `mpls [LABEL]`: an MPLS unicast frame (or, after `mpls`, a label below the previous
    /// one: its bottom-of-stack bit clear), with that label; later tests read 4 bytes on.
    pub fn mpls(&mut self, label: Option<u32>, span: Span) -> Result<Cond, String> {
        if let Some(l) = label {
            if l > 0xfffff {
                return Err(format!("MPLS label {l} greater than maximum 1048575"));
            }
        }
        if self.ppp {
            return Err("'mpls' after 'pppoes' is not supported by this compiler".into());
        }
        if self.tags >= 8 {
            return Err("more than 8 nested 'vlan' or 'mpls' tests".into());
        }
        let mut parts = vec![if self.mpls {
            cmp_masked(
                Field::new(Base::Frame, 12 + 4 * self.tags as u16, 1),
                0x01,
                0,
                span,
            )
        } else {
            self.ethertype(0x8847, span)
        }];
        if let Some(l) = label {
            parts.push(cmp_masked(
                self.net_field(0, 4),
                0xffff_f000,
                (l as u128) << 12,
                span,
            ));
        }
        self.tags += 1;
        self.mpls = true;
        Ok(Cond::All(parts))
    }

    /// `pppoes [ID]`: a PPPoE session frame (with that session id); every later test is
    /// about the PPP payload, 8 bytes further on.
    pub fn pppoes(&mut self, id: Option<u32>, span: Span) -> Result<Cond, String> {
        if let Some(id) = id {
            if id > 0xffff {
                return Err(format!(
                    "PPPoE session number {id} greater than maximum 65535"
                ));
            }
        }
        if self.ppp || self.mpls {
            return Err(
                "'pppoes' after 'pppoes' or 'mpls' is not supported by this compiler".into(),
            );
        }
        if self.tags >= 7 {
            return Err("too many 'vlan' and 'pppoes' tests".into());
        }
        let mut parts = vec![self.ethertype(0x8864, span)];
        if let Some(id) = id {
            parts.push(cmp_eq(self.net_field(2, 2), id as u128, span));
        }
        self.tags += 2;
        self.ppp = true;
        Ok(Cond::All(parts))
    }

    /// The link-layer protocol keywords libpcap compiles for Ethernet from the EtherType
    /// alone (`pppoed`, `decnet`, `lat`, `sca`, `moprc`, `mopdl`) or from an 802.3 length
    /// field and the 802.2 LLC header after it (`llc`, `llc i|s|u`, `iso`, `stp`, `netbeui`,
    /// `clnp`, `esis`, `isis`), in libpcap's order of loads. `None`: not one of them.
    pub fn link_proto(&self, name: &str, llc_kind: Option<&str>, span: Span) -> Option<Cond> {
        if self.ppp || self.mpls {
            return None;
        }
        let ethertype = |t: u16| Some(self.ethertype(t, span));
        let type_field = Field::new(Base::Frame, 12 + 4 * self.tags as u16, 2);
        // An 802.3 frame: the type field is a length (at most 1500).
        let length = || cmp_with(type_field, Cmp::Le(0x5dc), span);
        let llc = |rest: Vec<Cond>| {
            let mut parts = vec![length()];
            parts.extend(rest);
            Some(Cond::All(parts))
        };
        // Novell's "raw" 802.3 (DSAP/SSAP 0xffff) carries no LLC header.
        let not_raw = || cmp_eq(self.net_field(0, 2), 0xffff, span).negate();
        let iso_nlpid = |n: u8| {
            llc(vec![
                cmp_eq(self.net_field(0, 2), 0xfefe, span),
                cmp_eq(self.net_field(3, 1), n as u128, span),
            ])
        };
        match (name, llc_kind) {
            ("pppoed", _) => ethertype(0x8863),
            ("decnet", _) => ethertype(0x6003),
            ("lat", _) => ethertype(0x6004),
            ("sca", _) => ethertype(0x6007),
            ("moprc", _) => ethertype(0x6002),
            ("mopdl", _) => ethertype(0x6001),
            ("llc", None) => llc(vec![not_raw()]),
            ("llc", Some("i")) => llc(vec![
                not_raw(),
                cmp_masked(self.net_field(2, 1), 0x01, 0, span),
            ]),
            ("llc", Some("s")) => llc(vec![
                not_raw(),
                cmp_masked(self.net_field(2, 1), 0x03, 0x01, span),
            ]),
            ("llc", Some("u")) => llc(vec![
                not_raw(),
                cmp_masked(self.net_field(2, 1), 0x03, 0x03, span),
            ]),
            ("iso", _) => llc(vec![cmp_eq(self.net_field(0, 2), 0xfefe, span)]),
            ("stp", _) => llc(vec![cmp_eq(self.net_field(0, 1), 0x42, span)]),
            ("netbeui", _) => llc(vec![cmp_eq(self.net_field(0, 2), 0xf0f0, span)]),
            ("clnp", _) => iso_nlpid(0x81),
            ("esis", _) => iso_nlpid(0x82),
            ("isis", _) => iso_nlpid(0x83),
            _ => None,
        }
    }

    /// `ether proto N`.
    pub fn ether_proto(&self, t: u32, span: Span) -> Cond {
        if self.mpls {
            return self.over_mpls(t, span);
        }
        let t = match u16::try_from(t) {
            Ok(t) if self.ppp => ppp_type(t) as u32,
            _ => t,
        };
        cmp_eq(
            Field::new(Base::Frame, 12 + 4 * self.tags as u16, 2),
            t as u128,
            span,
        )
    }

    /// `ip proto N` (IPv4 only, no fragment handling).
    pub fn ip_proto(&self, p: u32, span: Span) -> Cond {
        Cond::All(vec![
            self.ethertype(ETH_IP, span),
            cmp_eq(self.net_field(9, 1), p as u128, span),
        ])
    }

    /// `ip6 proto N`: the next header, or the header after a fragment header.
    pub fn ip6_proto(&self, p: u32, span: Span) -> Cond {
        Cond::All(vec![
            self.ethertype(ETH_IP6, span),
            Cond::Any(vec![
                cmp_eq(self.net_field(6, 1), p as u128, span),
                Cond::All(vec![
                    cmp_eq(self.net_field(6, 1), IPPROTO_FRAGMENT as u128, span),
                    cmp_eq(self.net_field(40, 1), p as u128, span),
                ]),
            ]),
        ])
    }

    /// `proto N` with a protocol qualifier (`ip`, `ip6` or both).
    pub fn proto(&self, proto: Proto, p: u32, span: Span) -> Result<Cond, String> {
        Ok(match proto {
            Proto::Default => Cond::Any(vec![self.ip_proto(p, span), self.ip6_proto(p, span)]),
            Proto::Ip => self.ip_proto(p, span),
            Proto::Ip6 => self.ip6_proto(p, span),
            Proto::Link => self.ether_proto(p, span),
            other => {
                return Err(format!(
                    "'proto' is not supported after '{}'",
                    other.keyword()
                ))
            }
        })
    }

    /// A protocol keyword alone (`ip`, `tcp`, `arp`, ...).
    pub fn proto_abbrev(&self, proto: Proto, span: Span) -> Result<Cond, String> {
        Ok(match proto {
            Proto::Ip => self.ethertype(ETH_IP, span),
            Proto::Ip6 => self.ethertype(ETH_IP6, span),
            Proto::Arp => self.ethertype(ETH_ARP, span),
            Proto::Rarp => self.ethertype(ETH_RARP, span),
            Proto::Icmp6 => self.ip6_proto(58, span),
            Proto::Default | Proto::Link => {
                return Err("'ether' needs a qualifier ('host', 'proto', ...)".into())
            }
            p => match p.ip_protocol() {
                Some((n, true)) => Cond::Any(vec![
                    self.ip_proto(n as u32, span),
                    self.ip6_proto(n as u32, span),
                ]),
                Some((n, false)) => self.ip_proto(n as u32, span),
                None => return Err(format!("'{}' is not supported", p.keyword())),
            },
        })
    }

    /// `[ip|ip6] protochain N`.
    pub fn protochain(&self, proto: Proto, p: u32, span: Span) -> Result<Cond, String> {
        let one = |ip6: bool| {
            Cond::All(vec![
                self.ethertype(if ip6 { ETH_IP6 } else { ETH_IP }, span),
                Cond::test(
                    Test::Protochain {
                        tags: self.tags,
                        ip6,
                        proto: p as u8,
                    },
                    span,
                ),
            ])
        };
        if p > 255 {
            return Ok(Cond::False);
        }
        Ok(match proto {
            Proto::Default => Cond::Any(vec![one(false), one(true)]),
            Proto::Ip => one(false),
            Proto::Ip6 => one(true),
            other => {
                return Err(format!(
                    "'protochain' is not supported after '{}'",
                    other.keyword()
                ))
            }
        })
    }

    /// An IPv4 host or network (`mask` selects the significant bits).
    pub fn host4(&self, q: Quals, addr: u32, mask: u32, span: Span) -> Result<Cond, String> {
        let (a, m) = (addr as u128, mask as u128);
        let at = |proto: u16, src: u16, dst: u16| {
            Cond::All(vec![
                self.ethertype(proto, span),
                by_dir(
                    q.dir,
                    || cmp_masked(self.net_field(src, 4), m, a, span),
                    || cmp_masked(self.net_field(dst, 4), m, a, span),
                ),
            ])
        };
        Ok(match q.proto {
            Proto::Default => Cond::Any(vec![
                at(ETH_IP, 12, 16),
                at(ETH_ARP, 14, 24),
                at(ETH_RARP, 14, 24),
            ]),
            Proto::Ip => at(ETH_IP, 12, 16),
            Proto::Arp => at(ETH_ARP, 14, 24),
            Proto::Rarp => at(ETH_RARP, 14, 24),
            Proto::Link => return Err("illegal link layer address".into()),
            other => {
                return Err(format!(
                    "'{}' modifier applied to {}",
                    other.keyword(),
                    if q.kind == Kind::Net { "net" } else { "host" }
                ))
            }
        })
    }

    /// An IPv6 host or network.
    pub fn host6(&self, q: Quals, addr: u128, mask: u128, span: Span) -> Result<Cond, String> {
        match q.proto {
            Proto::Default | Proto::Ip6 => {}
            other => {
                return Err(format!(
                    "'{}' modifier applied to ip6 {}",
                    other.keyword(),
                    if q.kind == Kind::Net { "net" } else { "host" }
                ))
            }
        }
        Ok(Cond::All(vec![
            self.ethertype(ETH_IP6, span),
            by_dir(
                q.dir,
                || self.ip6_addr(8, addr, mask, span),
                || self.ip6_addr(24, addr, mask, span),
            ),
        ]))
    }

    /// An IPv6 address compared 32 bits at a time, first word first, as libpcap does (it reads
    /// every word, even one the mask ignores).
    fn ip6_addr(&self, offset: u16, addr: u128, mask: u128, span: Span) -> Cond {
        let mut parts = Vec::new();
        for w in 0..4u32 {
            let shift = 96 - 32 * w;
            let m = (mask >> shift) as u32;
            let a = (addr >> shift) as u32;
            parts.push(cmp_masked(
                self.net_field(offset + 4 * w as u16, 4),
                m as u128,
                a as u128,
                span,
            ));
        }
        Cond::All(parts)
    }

    /// An Ethernet address (`ether host`, `ether src`, ...).
    pub fn ether_host(&self, dir: Dir, mac: u64, span: Span) -> Cond {
        by_dir(
            dir,
            || cmp_eq(Field::new(Base::Frame, 6, 6), mac as u128, span),
            || cmp_eq(Field::new(Base::Frame, 0, 6), mac as u128, span),
        )
    }

    /// `port` and `portrange`: `lo..=hi` on the transport ports of TCP, UDP and SCTP, IPv4
    /// (first fragments only) and IPv6 (fixed 40-byte header).
    pub fn port(&self, q: Quals, lo: u16, hi: u16, span: Span) -> Result<Cond, String> {
        let protos: Vec<u8> = match q.proto {
            Proto::Default => vec![132, 6, 17],
            Proto::Tcp => vec![6],
            Proto::Udp => vec![17],
            Proto::Sctp => vec![132],
            _ => {
                let what = if q.kind == Kind::Portrange {
                    "portrange"
                } else {
                    "port"
                };
                return Err(format!("illegal qualifier of '{what}'"));
            }
        };
        let cmp = if lo == hi {
            Cmp::Eq(lo as u128)
        } else {
            Cmp::Range(lo as u128, hi as u128)
        };
        let ports = |base: Base| {
            by_dir(
                q.dir,
                || cmp_with(Field::new(base, 0, 2), cmp.clone(), span),
                || cmp_with(Field::new(base, 2, 2), cmp.clone(), span),
            )
        };
        let proto_any = |field: Field| {
            Cond::Any(
                protos
                    .iter()
                    .map(|p| cmp_eq(field, *p as u128, span))
                    .collect(),
            )
        };
        let v4 = Cond::All(vec![
            self.ethertype(ETH_IP, span),
            proto_any(self.net_field(9, 1)),
            self.first_fragment(span),
            ports(Base::Ipv4Payload { tags: self.tags }),
        ]);
        let v6 = Cond::All(vec![
            self.ethertype(ETH_IP6, span),
            proto_any(self.net_field(6, 1)),
            ports(Base::Ipv6Payload { tags: self.tags }),
        ]);
        Ok(Cond::Any(vec![v4, v6]))
    }

    /// IPv4 fragment offset is zero (the first or only fragment).
    fn first_fragment(&self, span: Span) -> Cond {
        Cond::test(
            Test::Field {
                field: self.net_field(6, 2),
                mask: Some(0x1fff),
                cmp: Cmp::Eq(0),
            },
            span,
        )
    }

    /// `[ether] broadcast` and `ip broadcast`.
    pub fn broadcast(&self, proto: Proto, span: Span) -> Result<Cond, String> {
        Ok(match proto {
            Proto::Default | Proto::Link => {
                cmp_eq(Field::new(Base::Frame, 0, 6), 0xffff_ffff_ffff, span)
            }
            Proto::Ip => Cond::All(vec![
                self.ethertype(ETH_IP, span),
                Cond::Any(vec![
                    cmp_eq(self.net_field(16, 4), 0, span),
                    cmp_eq(self.net_field(16, 4), 0xffff_ffff, span),
                ]),
            ]),
            _ => return Err("only link-layer/IP broadcast filters supported".into()),
        })
    }

    /// `[ether|ip|ip6] multicast`.
    pub fn multicast(&self, proto: Proto, span: Span) -> Result<Cond, String> {
        Ok(match proto {
            Proto::Default | Proto::Link => Cond::test(
                Test::Field {
                    field: Field::new(Base::Frame, 0, 1),
                    mask: Some(1),
                    cmp: Cmp::Ne(0),
                },
                span,
            ),
            Proto::Ip => Cond::All(vec![
                self.ethertype(ETH_IP, span),
                cmp_with(self.net_field(16, 1), Cmp::Ge(224), span),
            ]),
            Proto::Ip6 => Cond::All(vec![
                self.ethertype(ETH_IP6, span),
                cmp_eq(self.net_field(24, 1), 0xff, span),
            ]),
            _ => return Err("only link-layer/IP multicast filters supported".into()),
        })
    }

    /// `vlan [id]`; shifts every later offset by one tag.
    pub fn vlan(&mut self, id: Option<u32>, span: Span) -> Result<Cond, String> {
        if let Some(id) = id {
            if id > 4095 {
                return Err(format!("VLAN tag {id} greater than maximum 4095"));
            }
        }
        if self.tags >= 8 {
            return Err("more than 8 nested 'vlan' tests".into());
        }
        if self.ppp || self.mpls {
            return Err("'vlan' after 'pppoes' or 'mpls' is not supported by this compiler".into());
        }
        let tpid = Field::new(Base::Frame, 12 + 4 * self.tags as u16, 2);
        let mut parts = vec![Cond::Any(vec![
            cmp_eq(tpid, 0x8100, span),
            cmp_eq(tpid, 0x88a8, span),
            cmp_eq(tpid, 0x9100, span),
        ])];
        if let Some(id) = id {
            parts.push(cmp_masked(
                Field::new(Base::Frame, 14 + 4 * self.tags as u16, 2),
                0x0fff,
                id as u128,
                span,
            ));
        }
        self.tags += 1;
        Ok(Cond::All(parts))
    }

    /// The base and guards of `proto[...]`.
    pub fn load_base(&self, proto: Proto, span: Span) -> Result<(Base, Vec<Cond>), String> {
        let net = self.net();
        Ok(match proto {
            Proto::Link => (Base::Frame, vec![]),
            Proto::Ip => (net, vec![self.ethertype(ETH_IP, span)]),
            Proto::Ip6 => (net, vec![self.ethertype(ETH_IP6, span)]),
            Proto::Arp => (net, vec![self.ethertype(ETH_ARP, span)]),
            Proto::Rarp => (net, vec![self.ethertype(ETH_RARP, span)]),
            Proto::Icmp6 => (
                Base::Ipv6Payload { tags: self.tags },
                vec![
                    self.ethertype(ETH_IP6, span),
                    cmp_eq(self.net_field(6, 1), 58, span),
                ],
            ),
            p => match p.ip_protocol() {
                Some((n, _)) => (
                    Base::Ipv4Payload { tags: self.tags },
                    vec![
                        self.ethertype(ETH_IP, span),
                        cmp_eq(self.net_field(9, 1), n as u128, span),
                        self.first_fragment(span),
                    ],
                ),
                None => return Err(format!("'{}[...]' is not supported", p.keyword())),
            },
        })
    }

    /// `less N` / `greater N` / relations on `len`.
    pub fn len_cmp(&self, op: crate::ruleset::RelOp, n: u32, span: Span) -> Cond {
        Cond::test(
            Test::Relation {
                op,
                lhs: Expr::Len,
                rhs: Expr::Const(n),
            },
            span,
        )
    }
}
