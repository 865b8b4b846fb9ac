//! The rule IR every frontend produces: chains of ordered rules (first match wins), each rule a
//! boolean condition over packet tests plus an action.
//!
//! Conditions are trees of `All`/`Any`/`Not` evaluated left to right with short-circuit, which
//! is how pcap-filter's `and`/`or`/`not` behave; they are never expanded into disjunctive normal
//! form, so their size (and the size of the code compiled from them) stays linear in the source.
//!
//! Every test reads the packet through a [`Field`] (a big-endian unsigned integer of 1..=16
//! bytes at a constant offset from a header [`Base`]) or through an [`Expr`] (pcap-filter's
//! 32-bit arithmetic over loads). Fields carry no hidden guards: a frontend that means "the IPv4
//! source address" writes the EtherType test and the address test explicitly, in the order it
//! wants them evaluated. A read past the end of the packet (or a division by zero) *aborts* the
//! rule: the rule does not match and evaluation goes on with the next rule. For a one-rule pcap
//! filter that is exactly libpcap's "return 0".

use std::fmt;

/// A byte range `[start, end)` in a rule's source text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    /// The span `[start, end)`.
    pub const fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

/// Index of a chain in [`RuleSet::chains`].
pub type ChainId = usize;
/// Index of a set in [`RuleSet::sets`].
pub type SetId = usize;

/// A whole rule set: chain 0 is the entry; the default action applies when it falls through.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleSet {
    /// The syntax the rules were written in (`pcap`, `iptables`, ...), for source maps.
    pub syntax: String,
    /// Chains; `chains[0]` is where evaluation starts.
    pub chains: Vec<Chain>,
    /// Named value sets used by [`Cmp::InSet`].
    pub sets: Vec<ValueSet>,
    /// What happens to a packet no rule of the entry chain decides. Must be terminal.
    pub default: Action,
}

/// An ordered list of rules. A user chain reached by [`Action::Jump`] returns to its caller when
/// it falls through or a rule says [`Action::Return`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chain {
    /// Its name (`INPUT`, `main`, ...).
    pub name: String,
    /// Rules in order; the first that matches with a terminal action decides.
    pub rules: Vec<Rule>,
}

/// One rule: when `cond` holds, do `action`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    /// The condition; `Cond::True` matches every packet.
    pub cond: Cond,
    /// What to do on a match.
    pub action: Action,
    /// Where the rule came from.
    pub origin: RuleOrigin,
}

/// The source of a rule: its text, and the span of that text the rule covers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RuleOrigin {
    /// The whole source text the rule was parsed from (spans index into it).
    pub text: String,
    /// The rule's own part of `text`.
    pub span: Span,
}

/// What a matching rule does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// Drop the packet (XDP_DROP, TC_ACT_SHOT). Terminal.
    Drop,
    /// Let it through (XDP_PASS, TC_ACT_OK). Terminal.
    Pass,
    /// Send it back out of the interface it came in on (XDP_TX). Terminal.
    Tx,
    /// Redirect to the interface with this index (bpf_redirect). Terminal.
    Redirect(u32),
    /// Count the hit in the rule's counter and go on with the next rule.
    Count,
    /// Evaluate another chain; come back here when it returns.
    Jump(ChainId),
    /// Leave the current user chain (in the entry chain: apply the default).
    Return,
}

impl Action {
    /// Whether the action ends evaluation.
    pub const fn is_terminal(self) -> bool {
        matches!(
            self,
            Action::Drop | Action::Pass | Action::Tx | Action::Redirect(_)
        )
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::Drop => f.write_str("drop"),
            Action::Pass => f.write_str("pass"),
            Action::Tx => f.write_str("tx"),
            Action::Redirect(i) => write!(f, "redirect {i}"),
            Action::Count => f.write_str("count"),
            Action::Jump(c) => write!(f, "jump {c}"),
            Action::Return => f.write_str("return"),
        }
    }
}

/// A boolean condition, evaluated left to right with short-circuit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cond {
    /// Always holds.
    True,
    /// Never holds.
    False,
    /// One packet test.
    Match(Match),
    /// Holds when the inner condition does not (an abort inside still aborts).
    Not(Box<Cond>),
    /// Holds when every part does; stops at the first that does not.
    All(Vec<Cond>),
    /// Holds when some part does; stops at the first that does.
    Any(Vec<Cond>),
}

impl Cond {
    /// `Not(self)`.
    pub fn negate(self) -> Cond {
        Cond::Not(Box::new(self))
    }

    /// A single test with its span.
    pub fn test(test: Test, span: Span) -> Cond {
        Cond::Match(Match { test, span })
    }

    /// Number of tests in the tree (its size, for limits and reports).
    pub fn size(&self) -> usize {
        match self {
            Cond::True | Cond::False => 0,
            Cond::Match(_) => 1,
            Cond::Not(c) => c.size(),
            Cond::All(cs) | Cond::Any(cs) => cs.iter().map(Cond::size).sum(),
        }
    }
}

/// A packet test and the source span that produced it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Match {
    /// The test.
    pub test: Test,
    /// Where in the rule text it came from.
    pub span: Span,
}

/// One test on the packet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Test {
    /// `(field & mask) CMP value` on a big-endian unsigned field.
    Field {
        /// What to read.
        field: Field,
        /// Bits to keep before comparing (`None`: all).
        mask: Option<u128>,
        /// The comparison.
        cmp: Cmp,
    },
    /// pcap-filter's `arith relop arith`: unsigned 32-bit arithmetic, loads abort when out of
    /// bounds, division or modulo by zero aborts.
    Relation {
        /// Comparison.
        op: RelOp,
        /// Left side.
        lhs: Expr,
        /// Right side.
        rhs: Expr,
    },
    /// libpcap's `protochain`: follow the IPv6 extension-header chain (or IPv4's AH) from the
    /// network header until `proto` or a header that does not chain; holds when it ends at
    /// `proto`. At most [`PROTOCHAIN_MAX_HOPS`] headers are followed, then the rule aborts.
    Protochain {
        /// VLAN tags before the EtherType.
        tags: u8,
        /// IPv6 (else IPv4).
        ip6: bool,
        /// The protocol looked for.
        proto: u8,
    },
}

/// How many headers [`Test::Protochain`] follows before giving up.
pub const PROTOCHAIN_MAX_HOPS: usize = 8;

/// Comparison of a field with constants.
#[derive(Clone, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Cmp {
    Eq(u128),
    Ne(u128),
    Lt(u128),
    Le(u128),
    Gt(u128),
    Ge(u128),
    /// `lo <= v <= hi`.
    Range(u128, u128),
    /// `v` is one of the set's values.
    InSet(SetId),
}

/// Relation operators of pcap arithmetic (unsigned 32-bit).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum RelOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl RelOp {
    /// Apply to two values.
    pub fn holds(self, a: u32, b: u32) -> bool {
        match self {
            RelOp::Eq => a == b,
            RelOp::Ne => a != b,
            RelOp::Lt => a < b,
            RelOp::Le => a <= b,
            RelOp::Gt => a > b,
            RelOp::Ge => a >= b,
        }
    }

    /// The C operator.
    pub const fn c_op(self) -> &'static str {
        match self {
            RelOp::Eq => "==",
            RelOp::Ne => "!=",
            RelOp::Lt => "<",
            RelOp::Le => "<=",
            RelOp::Gt => ">",
            RelOp::Ge => ">=",
        }
    }
}

/// Binary operators of pcap arithmetic (unsigned 32-bit, wrapping).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum ArithOp {
    Add,
    Sub,
    Mul,
    /// Division; by zero aborts.
    Div,
    /// Remainder; by zero aborts.
    Mod,
    And,
    Or,
    Xor,
    /// Shift left; by 32 or more gives 0.
    Shl,
    /// Logical shift right; by 32 or more gives 0.
    Shr,
}

impl ArithOp {
    /// Apply to two values; `None` for division or modulo by zero.
    pub fn apply(self, a: u32, b: u32) -> Option<u32> {
        Some(match self {
            ArithOp::Add => a.wrapping_add(b),
            ArithOp::Sub => a.wrapping_sub(b),
            ArithOp::Mul => a.wrapping_mul(b),
            ArithOp::Div => a.checked_div(b)?,
            ArithOp::Mod => a.checked_rem(b)?,
            ArithOp::And => a & b,
            ArithOp::Or => a | b,
            ArithOp::Xor => a ^ b,
            ArithOp::Shl => a.checked_shl(b).unwrap_or(0),
            ArithOp::Shr => a.checked_shr(b).unwrap_or(0),
        })
    }

    /// The C operator.
    pub const fn c_op(self) -> &'static str {
        match self {
            ArithOp::Add => "+",
            ArithOp::Sub => "-",
            ArithOp::Mul => "*",
            ArithOp::Div => "/",
            ArithOp::Mod => "%",
            ArithOp::And => "&",
            ArithOp::Or => "|",
            ArithOp::Xor => "^",
            ArithOp::Shl => "<<",
            ArithOp::Shr => ">>",
        }
    }
}

/// pcap-filter arithmetic: unsigned 32-bit values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expr {
    /// A constant.
    Const(u32),
    /// The packet's length on the wire.
    Len,
    /// A big-endian load of 1, 2 or 4 bytes at `base + offset`.
    Load {
        /// Header the offset is relative to.
        base: Base,
        /// Offset from the base.
        offset: Box<Expr>,
        /// 1, 2 or 4.
        size: u8,
    },
    /// `lhs OP rhs`.
    Bin(ArithOp, Box<Expr>, Box<Expr>),
    /// `-e` (two's complement).
    Neg(Box<Expr>),
}

/// Where a header starts. `tags` is the number of 4-byte VLAN tags assumed between the MAC
/// addresses and the EtherType (pcap's `vlan` shifts every later offset by one tag).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Base {
    /// Offset 0 of the frame (the Ethernet header).
    Frame,
    /// The network header: `14 + 4 * tags`.
    Net {
        /// VLAN tags assumed.
        tags: u8,
    },
    /// After an IPv4 header: network header + 4 * IHL (IHL read from the packet).
    Ipv4Payload {
        /// VLAN tags assumed.
        tags: u8,
    },
    /// After a fixed 40-byte IPv6 header (pcap does not skip extension headers here).
    Ipv6Payload {
        /// VLAN tags assumed.
        tags: u8,
    },
}

impl Base {
    /// Offset of the network header for `tags`.
    pub const fn net_offset(tags: u8) -> u32 {
        14 + 4 * tags as u32
    }

    /// The constant part of the base's offset from the frame start.
    pub const fn constant_offset(self) -> u32 {
        match self {
            Base::Frame => 0,
            Base::Net { tags } | Base::Ipv4Payload { tags } => Base::net_offset(tags),
            Base::Ipv6Payload { tags } => Base::net_offset(tags) + 40,
        }
    }
}

/// A big-endian unsigned integer of `size` bytes (1..=16) at `base + offset`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Field {
    /// Header the offset is relative to.
    pub base: Base,
    /// Byte offset from the base.
    pub offset: u16,
    /// Width in bytes, 1..=16.
    pub size: u8,
}

impl Field {
    /// A field; `size` must be 1..=16 (checked by [`RuleSet::validate`]).
    pub const fn new(base: Base, offset: u16, size: u8) -> Field {
        Field { base, offset, size }
    }

    /// All-ones value of the field's width.
    pub fn full_mask(self) -> u128 {
        if self.size >= 16 {
            u128::MAX
        } else {
            (1u128 << (8 * self.size as u32)) - 1
        }
    }

    /// A readable name for well-known fields (`ip.saddr`, `eth.type`, ...), for C and reports.
    pub fn name(self) -> String {
        let known = match (self.base, self.offset, self.size) {
            (Base::Frame, 0, 6) => Some("eth.daddr"),
            (Base::Frame, 6, 6) => Some("eth.saddr"),
            (Base::Frame, 12, 2) => Some("eth.type"),
            (Base::Net { .. }, 9, 1) => Some("ip.protocol"),
            (Base::Net { .. }, 12, 4) => Some("ip.saddr"),
            (Base::Net { .. }, 16, 4) => Some("ip.daddr"),
            (Base::Net { .. }, 6, 1) => Some("ip6.nexthdr"),
            (Base::Net { .. }, 8, 16) => Some("ip6.saddr"),
            (Base::Net { .. }, 24, 16) => Some("ip6.daddr"),
            (Base::Ipv4Payload { .. } | Base::Ipv6Payload { .. }, 0, 2) => Some("l4.sport"),
            (Base::Ipv4Payload { .. } | Base::Ipv6Payload { .. }, 2, 2) => Some("l4.dport"),
            _ => None,
        };
        match known {
            Some(n) => n.to_string(),
            None => format!("{}[{}:{}]", base_name(self.base), self.offset, self.size),
        }
    }
}

fn base_name(b: Base) -> String {
    match b {
        Base::Frame => "frame".into(),
        Base::Net { tags } => format!("net{tags}"),
        Base::Ipv4Payload { tags } => format!("ip4pl{tags}"),
        Base::Ipv6Payload { tags } => format!("ip6pl{tags}"),
    }
}

/// A named set of values for [`Cmp::InSet`]; the compiler may put it in a hash map.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValueSet {
    /// Name (becomes the map name).
    pub name: String,
    /// Width of the values in bytes (the width of the fields tested against it).
    pub size: u8,
    /// The values.
    pub values: Vec<u128>,
}

/// A structural problem in a rule set (caught before evaluation or compilation).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RuleSetError {
    /// A field wider than 16 bytes or of width 0.
    BadFieldSize {
        /// The size found.
        size: u8,
        /// Where.
        span: Span,
    },
    /// A load in an expression not of 1, 2 or 4 bytes.
    BadLoadSize {
        /// The size found.
        size: u8,
        /// Where.
        span: Span,
    },
    /// A jump to a chain that does not exist, or a set that does not exist.
    Dangling {
        /// What is missing.
        what: String,
    },
    /// Chains that jump to themselves (directly or not).
    JumpCycle {
        /// Name of a chain on the cycle.
        chain: String,
    },
    /// The default action is not terminal.
    DefaultNotTerminal,
    /// No entry chain.
    NoChains,
}

impl fmt::Display for RuleSetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RuleSetError::BadFieldSize { size, .. } => {
                write!(f, "field of {size} bytes (must be 1..=16)")
            }
            RuleSetError::BadLoadSize { size, .. } => {
                write!(f, "load of {size} bytes (must be 1, 2 or 4)")
            }
            RuleSetError::Dangling { what } => write!(f, "reference to a missing {what}"),
            RuleSetError::JumpCycle { chain } => write!(f, "chain '{chain}' jumps to itself"),
            RuleSetError::DefaultNotTerminal => f.write_str("the default action must be terminal"),
            RuleSetError::NoChains => f.write_str("a rule set needs an entry chain"),
        }
    }
}

impl std::error::Error for RuleSetError {}

impl RuleSet {
    /// A rule set with one entry chain holding `rules`.
    pub fn single_chain(syntax: &str, rules: Vec<Rule>, default: Action) -> RuleSet {
        RuleSet {
            syntax: syntax.to_string(),
            chains: vec![Chain {
                name: "main".into(),
                rules,
            }],
            sets: Vec::new(),
            default,
        }
    }

    /// Check sizes, references, jump cycles and the default action.
    pub fn validate(&self) -> Result<(), RuleSetError> {
        if self.chains.is_empty() {
            return Err(RuleSetError::NoChains);
        }
        if !self.default.is_terminal() {
            return Err(RuleSetError::DefaultNotTerminal);
        }
        for chain in &self.chains {
            for rule in &chain.rules {
                if let Action::Jump(c) = rule.action {
                    if c >= self.chains.len() {
                        return Err(RuleSetError::Dangling {
                            what: format!("chain #{c}"),
                        });
                    }
                }
                self.validate_cond(&rule.cond)?;
            }
        }
        // A jump graph with a cycle cannot be inlined; find one by depth-first search.
        let mut state = vec![0u8; self.chains.len()];
        for start in 0..self.chains.len() {
            self.find_cycle(start, &mut state)?;
        }
        Ok(())
    }

    fn find_cycle(&self, c: ChainId, state: &mut [u8]) -> Result<(), RuleSetError> {
        match state.get(c) {
            Some(2) | None => return Ok(()),
            Some(1) => {
                return Err(RuleSetError::JumpCycle {
                    chain: self.chains[c].name.clone(),
                })
            }
            _ => {}
        }
        state[c] = 1;
        for rule in &self.chains[c].rules {
            if let Action::Jump(t) = rule.action {
                self.find_cycle(t, state)?;
            }
        }
        state[c] = 2;
        Ok(())
    }

    fn validate_cond(&self, cond: &Cond) -> Result<(), RuleSetError> {
        match cond {
            Cond::True | Cond::False => Ok(()),
            Cond::Not(c) => self.validate_cond(c),
            Cond::All(cs) | Cond::Any(cs) => cs.iter().try_for_each(|c| self.validate_cond(c)),
            Cond::Match(m) => match &m.test {
                Test::Field { field, cmp, .. } => {
                    if field.size == 0 || field.size > 16 {
                        return Err(RuleSetError::BadFieldSize {
                            size: field.size,
                            span: m.span,
                        });
                    }
                    if let Cmp::InSet(s) = cmp {
                        if *s >= self.sets.len() {
                            return Err(RuleSetError::Dangling {
                                what: format!("set #{s}"),
                            });
                        }
                    }
                    Ok(())
                }
                Test::Relation { lhs, rhs, .. } => {
                    validate_expr(lhs, m.span)?;
                    validate_expr(rhs, m.span)
                }
                Test::Protochain { .. } => Ok(()),
            },
        }
    }

    /// Total number of rules over all chains.
    pub fn rule_count(&self) -> usize {
        self.chains.iter().map(|c| c.rules.len()).sum()
    }

    /// Global index of rule `rule` of chain `chain` (chains laid out one after another); this is
    /// the rule's slot in the hit-counter map.
    pub fn global_index(&self, chain: ChainId, rule: usize) -> usize {
        self.chains[..chain]
            .iter()
            .map(|c| c.rules.len())
            .sum::<usize>()
            + rule
    }
}

fn validate_expr(e: &Expr, span: Span) -> Result<(), RuleSetError> {
    match e {
        Expr::Const(_) | Expr::Len => Ok(()),
        Expr::Load { offset, size, .. } => {
            if !matches!(size, 1 | 2 | 4) {
                return Err(RuleSetError::BadLoadSize { size: *size, span });
            }
            validate_expr(offset, span)
        }
        Expr::Bin(_, a, b) => {
            validate_expr(a, span)?;
            validate_expr(b, span)
        }
        Expr::Neg(a) => validate_expr(a, span),
    }
}
