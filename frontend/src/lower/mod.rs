//! [`RuleSet`] to [`ir::Program`] for XDP or TC, emitted instruction by instruction (no clang).
//!
//! Shape of the program:
//! - prologue: `r6 = ctx`, `r7 = data`, `r8 = data_end` (kept for the whole run; map lookups do
//!   not invalidate packet pointers);
//! - each rule in order: its condition as a chain of tests jumping to the rule's *match* or
//!   *next* label (short-circuit, so code size is linear in the condition); every packet read is
//!   preceded by `ptr + end > data_end` against the exact bytes it reads, so the kernel verifier
//!   can prove it; a read past the end jumps to *next* (the rule aborts, as in
//!   [`RuleSet::eval`]);
//! - on a match: the optional hit counter (ARRAY map `rule_hits`, one u64 per rule, atomic add),
//!   then the action; user chains reached by `Jump` are inlined (the IR forbids cycles);
//! - the default action.
//!
//! Size limits, and what this compiler does about them:
//! - jump offsets: a conditional jump is 16-bit; one whose target is farther becomes the
//!   inverted condition over a `gotol` (cpu v4, 32-bit offset) when the program is finished, so
//!   programs may exceed 32k slots (see [`emit`]); an offset beyond even that is an error;
//! - the kernel verifier walks every path depth-first and keeps each branch it has not yet
//!   taken on a stack of at most 8192 entries ("The sequence of 8193 jumps is too complex",
//!   `BPF_COMPLEXITY_LIMIT_JMP_SEQ`). In a chain of rules every failed test but the last of a
//!   rule stays pending until the rest of the chain is walked, so a chain of a few thousand
//!   rules of several tests each cannot load, however short its jumps. Hence ranges are one
//!   branch (`v - lo <= hi - lo`), runs of rules that differ only in one range or constant are
//!   merged ([`crate::merge`]) into one membership test, a union of many intervals is a
//!   balanced binary search (depth log2 n, so few pending branches), and consecutive rules
//!   that start with the same tests test them once (one pending branch per rule remains, so
//!   about 8,000 rules that nothing merges is the ceiling).
//!
//! Large [`Cmp::InSet`] sets become HASH map lookups (key: the field's bytes in network order,
//! after the mask), so per-packet cost stays flat as sets grow; small ones stay compares.
//! A set map's contents are in its [`MapDef::initial_entries`]: the interpreter and the kernel
//! engine load them before the first run; an ELF object cannot carry them, so whoever writes
//! one must load them after it (the CLI writes the `bpftool map update` commands).

mod cond;
mod emit;
mod intervals;
mod known;

use crate::ruleset::{Action, ChainId, Cond, RuleSet, RuleSetError, Span};
use emit::{Emitter, Label};
use ir::codegen::CodegenProfile;
use ir::insn::{AtomicOp, CallTarget, Insn, JmpCond, MemSize, Operand, Reg};
use ir::program::{MapDef, MapType, Origin, ProgType, Program, Reloc};
use known::Known;
use std::fmt;

/// Where the program is attached.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Hook {
    /// XDP (`struct xdp_md`).
    Xdp,
    /// TC classifier (`struct __sk_buff`), direct action.
    Tc,
}

impl Hook {
    /// The program type.
    pub fn prog_type(self) -> ProgType {
        match self {
            Hook::Xdp => ProgType::Xdp,
            Hook::Tc => ProgType::SchedCls,
        }
    }

    /// The return value meaning `action` (terminal actions other than redirect).
    pub fn code(self, action: Action) -> Option<i32> {
        Some(match (self, action) {
            (Hook::Xdp, Action::Drop) => 1,
            (Hook::Xdp, Action::Pass) => 2,
            (Hook::Xdp, Action::Tx) => 3,
            (Hook::Tc, Action::Drop) => 2,
            (Hook::Tc, Action::Pass) => 0,
            _ => return None,
        })
    }
}

/// What the compiler may use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LowerOptions {
    /// XDP or TC.
    pub hook: Hook,
    /// Count every rule's matches in the `rule_hits` ARRAY map.
    pub counters: bool,
    /// Sets with more values than this become HASH maps (when `hash_maps`).
    pub set_map_threshold: usize,
    /// Whether the target has HASH maps (the host and the NFP do).
    pub hash_maps: bool,
    /// Merge runs of rules that differ only in one exact-match constant into one set test
    /// ([`crate::merge`]); never done under hit counters.
    pub merge_runs: bool,
    /// What the target asks of the code (MOD available, bounds its verifier needs, the TC
    /// pass code): taken from the target's profile by the caller; lowering never names a target.
    pub codegen: CodegenProfile,
}

impl Default for LowerOptions {
    fn default() -> LowerOptions {
        LowerOptions {
            hook: Hook::Xdp,
            counters: false,
            set_map_threshold: 8,
            hash_maps: true,
            merge_runs: true,
            codegen: CodegenProfile::HOST,
        }
    }
}

/// Why a rule set could not be compiled.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LowerError {
    /// The rule set is malformed.
    Invalid(RuleSetError),
    /// A construct this compiler does not handle, at a span of rule `rule` (global index).
    Unsupported {
        /// Global rule index.
        rule: usize,
        /// Where in the rule's text.
        span: Span,
        /// What.
        what: String,
    },
    /// The program is too large (a jump does not reach).
    TooLarge(String),
}

impl fmt::Display for LowerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LowerError::Invalid(e) => write!(f, "invalid rule set: {e}"),
            LowerError::Unsupported { rule, what, .. } => {
                write!(f, "rule {}: {what}", rule + 1)
            }
            LowerError::TooLarge(m) => write!(f, "program too large: {m}"),
        }
    }
}

impl std::error::Error for LowerError {}

/// A compiled rule set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lowered {
    /// The program (set maps carry their contents in [`MapDef::initial_entries`]).
    pub program: Program,
    /// Index of the `rule_hits` counter map, if any.
    pub counter_map: Option<usize>,
}

// Registers kept for the whole program.
pub(crate) const CTX: Reg = Reg::R6;
pub(crate) const DATA: Reg = Reg::R7;
pub(crate) const DATA_END: Reg = Reg::R8;

// Stack layout (offsets from r10).
pub(crate) const SLOT_COUNTER_KEY: i16 = -4;
pub(crate) const SLOT_SET_KEY: i16 = -24; // 16 bytes: -24..-8
pub(crate) const SLOT_TEMPS: i16 = -32; // temps go down from here, 8 bytes each
pub(crate) const MAX_TEMPS: usize = 48;

/// `__sk_buff` and `xdp_md` offsets (their home is [`ir::ctx`]).
const XDP_DATA: i16 = ir::ctx::xdp_md::DATA as i16;
const XDP_DATA_END: i16 = ir::ctx::xdp_md::DATA_END as i16;
const SKB_LEN: i16 = ir::ctx::sk_buff::LEN as i16;
const SKB_IFINDEX: i16 = ir::ctx::sk_buff::IFINDEX as i16;
const SKB_DATA: i16 = ir::ctx::sk_buff::DATA as i16;
const SKB_DATA_END: i16 = ir::ctx::sk_buff::DATA_END as i16;
use ir::helpers::helper_id::{MAP_LOOKUP_ELEM as HELPER_MAP_LOOKUP, REDIRECT as HELPER_REDIRECT};

pub(crate) struct Lowerer<'a> {
    pub rs: &'a RuleSet,
    pub opts: &'a LowerOptions,
    pub e: Emitter,
    pub maps: Vec<MapDef>,
    /// Map index of each set turned into a map.
    pub set_maps: Vec<Option<usize>>,
    pub counter_map: Option<usize>,
    /// Global index of the rule being compiled, for errors.
    pub rule: usize,
    /// What the code being emitted may assume (see [`known`]).
    pub known: Known,
    /// Original global index of each rule, when runs were merged.
    pub origin: Option<&'a [usize]>,
}

/// Compile a rule set.
pub fn lower(rs: &RuleSet, opts: &LowerOptions) -> Result<Lowered, LowerError> {
    rs.validate().map_err(LowerError::Invalid)?;
    let needs_counters = opts.counters
        || rs
            .chains
            .iter()
            .any(|c| c.rules.iter().any(|r| r.action == Action::Count));
    let merged;
    let (rs, origin) = if opts.merge_runs && !needs_counters {
        merged = crate::merge::merge_exact_runs(rs, 2);
        (&merged.rules, Some(merged.origin.as_slice()))
    } else {
        (rs, None)
    };
    let mut l = Lowerer {
        rs,
        opts,
        e: Emitter::default(),
        maps: Vec::new(),
        set_maps: vec![None; rs.sets.len()],
        counter_map: None,
        rule: 0,
        known: Known::default(),
        origin,
    };
    if needs_counters {
        l.maps.push(MapDef::new(
            "rule_hits",
            MapType::Array,
            4,
            8,
            rs.rule_count().max(1) as u32,
        ));
        l.counter_map = Some(0);
    }
    l.prologue();
    let default = l.e.label();
    l.chain(0, default, &mut vec![0])?;
    l.e.bind(default);
    l.e.origin = None;
    l.terminal(rs.default);
    let (insns, origins) = l.e.finish().map_err(LowerError::TooLarge)?;
    let mut program = Program::new(opts.hook.prog_type(), insns);
    program.name = format!("{}_filter", rs.syntax);
    for (pc, o) in origins {
        program.source_map.set(pc, o);
    }
    for (pc, insn) in program.insns.iter().enumerate() {
        if let Insn::LdImm64 { src, imm, .. } = insn {
            if src.is_map() {
                if let Some(m) = l.maps.get(*imm as usize) {
                    program.relocs.push(Reloc {
                        insn: pc,
                        map: m.name.clone(),
                    });
                }
            }
        }
    }
    program.maps = l.maps;
    Ok(Lowered {
        program,
        counter_map: l.counter_map,
    })
}

/// How many terminal rules from `rules[i]` on share their first `p` conjuncts, and `p` (the
/// tests rule `i` shares with rule `i + 1`); `(1, 0)` when there is no such group.
fn shared_prefix(rules: &[crate::ruleset::Rule], i: usize) -> (usize, usize) {
    use crate::merge::{conjuncts, same_test};
    let (Some(a), Some(b)) = (rules.get(i), rules.get(i + 1)) else {
        return (1, 0);
    };
    if !a.action.is_terminal() || !b.action.is_terminal() {
        return (1, 0);
    }
    let (pa, pb) = (conjuncts(&a.cond), conjuncts(&b.cond));
    let p = pa
        .iter()
        .zip(pb)
        .take_while(|(x, y)| same_test(x, y))
        .count();
    if p == 0 {
        return (1, 0);
    }
    let len = 1 + rules[i + 1..]
        .iter()
        .take_while(|r| {
            let q = conjuncts(&r.cond);
            r.action.is_terminal()
                && q.len() >= p
                && q.iter().zip(&pa[..p]).all(|(x, y)| same_test(x, y))
        })
        .count();
    (len, p)
}

impl Lowerer<'_> {
    pub(crate) fn unsupported(&self, span: Span, what: impl Into<String>) -> LowerError {
        LowerError::Unsupported {
            rule: self.rule,
            span,
            what: what.into(),
        }
    }

    fn prologue(&mut self) {
        self.e.mov_reg(CTX, Reg::R1);
        let (d, de) = match self.opts.hook {
            Hook::Xdp => (XDP_DATA, XDP_DATA_END),
            Hook::Tc => (SKB_DATA, SKB_DATA_END),
        };
        self.e.ldx(MemSize::W, DATA, CTX, d);
        self.e.ldx(MemSize::W, DATA_END, CTX, de);
    }

    /// `r0 = len` (the packet's length).
    pub(crate) fn packet_len(&mut self, dst: Reg) {
        match self.opts.hook {
            Hook::Xdp => {
                self.e.mov_reg(dst, DATA_END);
                self.e.alu64(ir::insn::AluOp::Sub, dst, Operand::Reg(DATA));
            }
            Hook::Tc => self.e.ldx(MemSize::W, dst, CTX, SKB_LEN),
        }
    }

    /// Compile chain `c`; falling off its end (or `Return`) goes to `ret`.
    ///
    /// Consecutive terminal rules whose conditions start with the same tests (`ip`, `tcp`, ...)
    /// test that prefix once: `if !prefix goto after; rule_1 rest; ..; rule_n rest; after:`.
    /// Same meaning: the prefix reads the same bytes for each of them, so when it fails or
    /// aborts it does so for all, and the packet does not change between rules. Besides the
    /// work per packet, this keeps one or two branches per rule instead of five or more, which
    /// is what the kernel verifier's limit of 8192 pending branches counts (module doc).
    fn chain(
        &mut self,
        c: ChainId,
        ret: Label,
        stack: &mut Vec<ChainId>,
    ) -> Result<(), LowerError> {
        let rs = self.rs;
        let rules = &rs.chains[c].rules;
        let mut i = 0;
        while i < rules.len() {
            let (len, p) = shared_prefix(rules, i);
            if len < 2 {
                self.rule(c, i, &rules[i].cond, Known::default(), ret, stack)?;
                i += 1;
                continue;
            }
            self.set_rule(c, i);
            self.known = Known::default();
            let body = self.e.label();
            let after = self.e.label();
            let parts = crate::merge::conjuncts(&rules[i].cond);
            let prefix = Cond::All(parts[..p].to_vec());
            let (holds, _) = self.cond(&prefix, body, after, after)?;
            self.e.bind(body);
            let base = holds.unwrap_or_default();
            for (k, r) in rules.iter().enumerate().skip(i).take(len) {
                let rest = Cond::All(crate::merge::conjuncts(&r.cond)[p..].to_vec());
                self.rule(c, k, &rest, base.clone(), ret, stack)?;
            }
            self.e.bind(after);
            i += len;
        }
        self.e.ja(ret);
        Ok(())
    }

    /// Make rule `i` of chain `c` the one errors and origins name.
    fn set_rule(&mut self, c: ChainId, i: usize) {
        let rs = self.rs;
        let rule = &rs.chains[c].rules[i];
        let g = rs.global_index(c, i);
        self.rule = self.origin.and_then(|o| o.get(g).copied()).unwrap_or(g);
        self.e.origin = Some(Origin::Rule {
            syntax: rs.syntax.clone(),
            index: self.rule,
            text: rule.origin.text.clone(),
            span: Some((rule.origin.span.start, rule.origin.span.end)),
        });
    }

    /// Rule `i` of chain `c`, testing `cond` (its condition, or what is left of it after a
    /// shared prefix) from the facts `known`.
    fn rule(
        &mut self,
        c: ChainId,
        i: usize,
        cond: &Cond,
        known: Known,
        ret: Label,
        stack: &mut Vec<ChainId>,
    ) -> Result<(), LowerError> {
        let rs = self.rs;
        let rule = &rs.chains[c].rules[i];
        self.set_rule(c, i);
        let matched = self.e.label();
        let next = self.e.label();
        self.known = known;
        self.cond(cond, matched, next, next)?;
        self.e.bind(matched);
        if self.counter_map.is_some() && (self.opts.counters || rule.action == Action::Count) {
            self.count(self.rule);
        }
        match rule.action {
            Action::Count => {}
            Action::Return => self.e.ja(ret),
            Action::Jump(target) => {
                if stack.contains(&target) {
                    return Err(LowerError::Invalid(RuleSetError::JumpCycle {
                        chain: rs.chains[target].name.clone(),
                    }));
                }
                stack.push(target);
                let back = self.e.label();
                self.chain(target, back, stack)?;
                stack.pop();
                self.e.bind(back);
            }
            terminal => self.terminal(terminal),
        }
        self.e.bind(next);
        Ok(())
    }

    /// `rule_hits[idx] += 1`.
    fn count(&mut self, idx: usize) {
        let Some(map) = self.counter_map else {
            return;
        };
        let skip = self.e.label();
        // A register store, not ST immediate: the NFP only stores immediates to the packet.
        self.e.mov_imm(Reg::R1, idx as i32);
        self.e.stx(MemSize::W, Reg::R10, SLOT_COUNTER_KEY, Reg::R1);
        self.e.load_map(Reg::R1, map);
        self.e.mov_reg(Reg::R2, Reg::R10);
        self.e.alu64(
            ir::insn::AluOp::Add,
            Reg::R2,
            Operand::Imm(SLOT_COUNTER_KEY as i32),
        );
        self.e
            .push(Insn::Call(CallTarget::Helper(HELPER_MAP_LOOKUP)));
        self.e.jmp(JmpCond::Eq, Reg::R0, Operand::Imm(0), skip);
        self.e.mov_imm(Reg::R1, 1);
        self.e.push(Insn::Atomic {
            size: MemSize::DW,
            op: AtomicOp::Add,
            fetch: false,
            dst: Reg::R0,
            src: Reg::R1,
            off: 0,
        });
        self.e.bind(skip);
    }

    /// Return the verdict of a terminal action.
    fn terminal(&mut self, action: Action) {
        let hook = self.opts.hook;
        match (hook, action) {
            (Hook::Tc, Action::Tx) => {
                self.e.ldx(MemSize::W, Reg::R1, CTX, SKB_IFINDEX);
                self.e.mov_imm(Reg::R2, 0);
                self.e.push(Insn::Call(CallTarget::Helper(HELPER_REDIRECT)));
            }
            (_, Action::Redirect(ifindex)) => {
                self.e.load_const(Reg::R1, ifindex as u64);
                self.e.mov_imm(Reg::R2, 0);
                self.e.push(Insn::Call(CallTarget::Helper(HELPER_REDIRECT)));
            }
            (Hook::Tc, Action::Pass) => self.e.mov_imm(Reg::R0, self.opts.codegen.tc_pass_code),
            _ => {
                let code = hook.code(action).unwrap_or(0);
                self.e.mov_imm(Reg::R0, code);
            }
        }
        self.e.exit();
    }
}
