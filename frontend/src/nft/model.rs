//! What an nft file or command list declares: tables with their sets, maps and chains, and
//! each rule's statements, before they become a [`crate::ruleset::RuleSet`].

use super::expr::{Kind, Lhs, Op, Val};
use crate::ruleset::{Action, Span};

/// Address family of a table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// IPv4.
    Ip,
    /// IPv6.
    Ip6,
    /// IPv4 and IPv6.
    Inet,
    /// Whole frames at a device's ingress.
    Netdev,
}

impl Family {
    /// Parse a family keyword.
    pub fn from_word(w: &str) -> Option<Family> {
        Some(match w {
            "ip" => Family::Ip,
            "ip6" => Family::Ip6,
            "inet" => Family::Inet,
            "netdev" => Family::Netdev,
            _ => return None,
        })
    }
}

/// A verdict.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// `accept`.
    Accept,
    /// `drop`.
    Drop,
    /// `continue` or none.
    Continue,
    /// `return`.
    Return,
    /// `jump CHAIN`.
    Jump(String, Span),
    /// `goto CHAIN`.
    Goto(String, Span),
}

/// The right-hand side of a test.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rhs {
    /// One value, or an anonymous set of values.
    Vals(Vec<Val>, bool),
    /// A named set (`@name`).
    Set(String, Span),
    /// `value / mask` (flags).
    Masked(u128, u128),
}

/// A statement that tests the packet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stmt {
    /// `LHS [& MASK] [OP] RHS`.
    Test {
        /// What is read.
        lhs: Lhs,
        /// `& MASK`, in value space.
        mask: Option<u128>,
        /// Operator.
        op: Op,
        /// Values.
        rhs: Rhs,
        /// Where.
        span: Span,
    },
    /// `iif NAME` and the like: names the attach point, tests nothing.
    Attach(Span),
    /// `LHS vmap { KEY : VERDICT, ... }` or `LHS vmap @map`.
    Vmap {
        /// What is read.
        lhs: Lhs,
        /// `& MASK`.
        mask: Option<u128>,
        /// Elements (inline), or the map's name.
        map: VmapRef,
        /// Where.
        span: Span,
    },
}

/// A verdict map, inline or named.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VmapRef {
    /// `{ k : v, ... }`.
    Inline(Vec<(Val, Verdict)>),
    /// `@name`.
    Named(String, Span),
}

/// A rule.
#[derive(Clone, Debug)]
pub struct NRule {
    /// Tests and vmaps in order.
    pub stmts: Vec<Stmt>,
    /// The final verdict.
    pub verdict: Verdict,
    /// Whether it has `counter`.
    pub counter: bool,
    /// The rule's source.
    pub span: Span,
}

/// Base-chain properties.
#[derive(Clone, Debug)]
pub struct BaseChain {
    /// Hook name.
    pub hook: String,
    /// Priority.
    pub priority: i64,
    /// Policy (Pass or Drop).
    pub policy: Action,
    /// `device` of a netdev chain.
    pub device: Option<String>,
    /// Where the `type` line is.
    pub span: Span,
}

/// A chain.
#[derive(Clone, Debug)]
pub struct NChain {
    /// Name.
    pub name: String,
    /// Base-chain properties, for chains with a hook.
    pub base: Option<BaseChain>,
    /// Rules.
    pub rules: Vec<NRule>,
    /// Declared by `add rule` alone (no `chain`/`add chain`).
    pub implicit: bool,
}

/// A named set or verdict map.
#[derive(Clone, Debug)]
pub struct NSet {
    /// Name.
    pub name: String,
    /// Key type.
    pub kind: Kind,
    /// Elements (keys), with verdicts for maps.
    pub elements: Vec<(Val, Option<Verdict>)>,
    /// A verdict map.
    pub is_map: bool,
    /// Where it was declared.
    pub span: Span,
}

/// A table.
#[derive(Clone, Debug)]
pub struct NTable {
    /// Family.
    pub family: Family,
    /// Name.
    pub name: String,
    /// Chains in declaration order.
    pub chains: Vec<NChain>,
    /// Sets and maps.
    pub sets: Vec<NSet>,
}
