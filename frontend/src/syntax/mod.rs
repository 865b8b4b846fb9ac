//! What the rule syntaxes other than pcap-filter share: span-carrying errors and their
//! rendering, shell-like word splitting, spelling suggestions, the condition builders that give
//! every syntax the same [`RuleSet`] shape for the same filter, the attach point a rule names,
//! and the canonical form used to compare rule sets written in different syntaxes.
//!
//! # Where the compiled rules differ from the kernel's own
//! The tests compare every frontend with netfilter's counters and the tools' parsers; these
//! are the differences they found or that follow from running in XDP, kept on purpose:
//! - **Non-first fragments.** Port, flag and ICMP-type tests never hold on an IPv4 fragment
//!   whose offset is not zero, as in xt_tcp/xt_udp/xt_icmp, libpcap and flower's dissector.
//!   iptables-nft and nft compile port and flag tests to transport-header payload loads, which
//!   on Linux 6.18 read a later fragment's data as if it were the TCP/UDP header.
//! - **IPv6 extension headers.** Transport fields are read right after the fixed 40-byte
//!   header; netfilter and flower walk extension headers first.
//! - **VLAN tags.** XDP sees a tag in the frame, so `ip saddr 10.0.0.1` (nft netdev) and
//!   `protocol ip` (flower) test untagged frames only; the kernel moves the tag into metadata
//!   before the netdev ingress hook and flower, so there they match tagged frames too.
//! - **Stricter than the tool.** flower's `tcp_flags` needs `ip_proto tcp` (tc accepts it on
//!   any protocol, where the key is then zero); an nft Ethernet address must have six parts;
//!   `iptables-restore --test` accepts `-j drop` with no chain `drop` (loading it fails), this
//!   frontend refuses it at once.

pub mod canon;
pub mod cond;
pub mod suggest;
pub mod words;

use crate::ruleset::{RuleSet, Span};
use codespan_reporting::diagnostic::{Diagnostic, Label};
use codespan_reporting::files::SimpleFile;
use codespan_reporting::term::{self, termcolor::NoColor, Config};
use std::fmt;

/// A rule-syntax error: a message about a span of the source, and an optional note.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    /// The offending part of the text.
    pub span: Span,
    /// What is wrong.
    pub message: String,
    /// A hint on what to write instead, or why the tool behaves as it does.
    pub note: Option<String>,
}

impl SyntaxError {
    /// An error at `span`.
    pub fn new(span: Span, message: impl Into<String>) -> SyntaxError {
        SyntaxError {
            span,
            message: message.into(),
            note: None,
        }
    }

    /// The same error with a note.
    pub fn with_note(mut self, note: impl Into<String>) -> SyntaxError {
        self.note = Some(note.into());
        self
    }

    /// The same error with a note, when there is one.
    pub fn with_opt_note(mut self, note: Option<String>) -> SyntaxError {
        if note.is_some() {
            self.note = note;
        }
        self
    }

    /// `line:col: message` for the source `text` (1-based line and column, in characters).
    pub fn headline(&self, text: &str) -> String {
        let (line, col) = crate::diag::line_col(text, self.span.start);
        format!("{line}:{col}: {}", self.message)
    }

    /// The headline, then the source line with a caret under the offending token, then the
    /// note. Plain text, no colours. `name` names the source (a file name or `<rule>`).
    pub fn render(&self, name: &str, text: &str) -> String {
        let mut out = self.headline(text);
        out.push('\n');
        let file = SimpleFile::new(name, text);
        let end = self.span.end.max(self.span.start).min(text.len());
        let start = self.span.start.min(end);
        let mut diag = Diagnostic::error()
            .with_message(&self.message)
            .with_labels(vec![Label::primary((), start..end).with_message("here")]);
        if let Some(n) = &self.note {
            diag = diag.with_notes(vec![n.clone()]);
        }
        let mut buf = NoColor::new(Vec::new());
        if term::emit(&mut buf, &Config::default(), &file, &diag).is_ok() {
            out.push_str(&String::from_utf8_lossy(&buf.into_inner()));
        }
        out
    }
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at byte {})", self.message, self.span.start)
    }
}

impl std::error::Error for SyntaxError {}

/// Which way packets cross the interface a rule set is attached to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Received packets (XDP, TC ingress, netfilter INPUT/PREROUTING, nft netdev ingress).
    Ingress,
    /// Sent packets (TC egress, netfilter OUTPUT/POSTROUTING).
    Egress,
}

/// Where the rules say the program runs: `-i eth0`, `iif eth0`, `dev eth0 ingress`,
/// `ethtool -U eth0`. It names the attach point; it is never a packet test.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attach {
    /// The interface name.
    pub dev: String,
    /// Ingress or egress.
    pub direction: Direction,
}

/// A rule set parsed from one of the syntaxes, with what the syntax said beside the rules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Parsed {
    /// The rules.
    pub ruleset: RuleSet,
    /// The interface the rules name, if any (all rules must agree).
    pub attach: Option<Attach>,
    /// Things worth telling the user that are not errors (`skip_hw` noted, chains ignored,
    /// queue steering recorded, semantics that differ from the kernel's).
    pub notes: Vec<String>,
    /// ethtool `action N`: (global rule index, queue) for rules that steer to a queue; they
    /// compile to "pass", the queue is recorded here.
    pub queues: Vec<(usize, u32)>,
}

impl Parsed {
    /// A result with just a rule set.
    pub fn new(ruleset: RuleSet) -> Parsed {
        Parsed {
            ruleset,
            attach: None,
            notes: Vec::new(),
            queues: Vec::new(),
        }
    }
}

/// Record the attach point a rule names; every rule of a set must name the same one.
pub fn set_attach(
    slot: &mut Option<Attach>,
    dev: &str,
    direction: Direction,
    span: Span,
) -> Result<(), SyntaxError> {
    if dev.ends_with('+') || dev.contains('*') {
        return Err(SyntaxError::new(
            span,
            format!("interface pattern '{dev}' cannot be an attach point"),
        )
        .with_note(
            "the interface names where the program is attached, not a packet test; \
             name one interface and load the program on each interface you mean",
        ));
    }
    match slot {
        Some(a) if a.dev != dev || a.direction != direction => Err(SyntaxError::new(
            span,
            format!(
                "this rule is for interface '{dev}' ({}), an earlier rule for '{}' ({})",
                dir_word(direction),
                a.dev,
                dir_word(a.direction)
            ),
        )
        .with_note(
            "one program attaches to one interface and direction: split the rules per interface",
        )),
        Some(_) => Ok(()),
        None => {
            *slot = Some(Attach {
                dev: dev.to_string(),
                direction,
            });
            Ok(())
        }
    }
}

fn dir_word(d: Direction) -> &'static str {
    match d {
        Direction::Ingress => "ingress",
        Direction::Egress => "egress",
    }
}

/// An interface name as the kernel takes it: not empty, at most IFNAMSIZ-1 (15) bytes.
pub fn check_ifname(name: &str, span: Span) -> Result<(), SyntaxError> {
    if name.is_empty() {
        return Err(SyntaxError::new(span, "empty interface name")
            .with_note("nft says: Empty string is not allowed"));
    }
    if name.len() > 15 {
        return Err(SyntaxError::new(
            span,
            format!("interface name '{name}' is longer than 15 characters"),
        )
        .with_note("the kernel's names have at most IFNAMSIZ-1 = 15 bytes"));
    }
    Ok(())
}

/// Parse an unsigned number as C's `strtoul(s, 0)` would with base 0: decimal, `0x` hex or
/// leading-`0` octal; the whole word must be used.
pub fn parse_c_number(s: &str) -> Option<u64> {
    if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        if h.is_empty() {
            return None;
        }
        return u64::from_str_radix(h, 16).ok();
    }
    if s.len() > 1 && s.starts_with('0') {
        return u64::from_str_radix(&s[1..], 8).ok();
    }
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// A decimal number only.
pub fn parse_decimal(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// A dotted-quad IPv4 address (exactly four decimal parts).
pub fn parse_ipv4(s: &str) -> Option<u32> {
    s.parse::<std::net::Ipv4Addr>().ok().map(u32::from)
}

/// An IPv6 address.
pub fn parse_ipv6(s: &str) -> Option<u128> {
    s.parse::<std::net::Ipv6Addr>().ok().map(u128::from)
}

/// A MAC address `aa:bb:cc:dd:ee:ff` (one or two hex digits per part).
pub fn parse_mac(s: &str) -> Option<u64> {
    let parts: Vec<&str> = s.split(':').collect();
    if parts.len() != 6 {
        return None;
    }
    let mut v = 0u64;
    for p in parts {
        if p.is_empty() || p.len() > 2 {
            return None;
        }
        v = (v << 8) | u64::from_str_radix(p, 16).ok()?;
    }
    Some(v)
}

/// The mask of a prefix of `len` bits in a `bits`-bit value.
pub fn prefix_mask(len: u32, bits: u32) -> u128 {
    let full = if bits >= 128 {
        u128::MAX
    } else {
        (1u128 << bits) - 1
    };
    if len == 0 {
        0
    } else if len >= bits {
        full
    } else {
        full & !(full >> len)
    }
}

/// The prefix length of a contiguous mask, if it is one.
pub fn mask_prefix_len(mask: u128, bits: u32) -> Option<u32> {
    let ones = mask.count_ones();
    if prefix_mask(ones, bits) == mask {
        Some(ones)
    } else {
        None
    }
}
