//! The verifier: proves an eBPF program memory-safe the way the Linux kernel does, for a target.
//!
//! [`verify`] checks the control flow ([`cfg`]), then explores every path ([`explore`]) with an
//! abstract state ([`state`]: registers as [`scalar`] bounds + [`tnum`]s or typed pointers, stack
//! slots byte by byte). Before each instruction it proves the instruction's [`assertions`] with
//! [`check`] (the target may add its own, see [`target`]), then computes the next state with
//! [`transfer`]. The result is either a [`Verified`] program — a type only this crate constructs,
//! which backends require — or [`Rejections`] naming the instruction and the reason in the
//! kernel's words.
//!
//! ```
//! use ir::insn::{AluOp, Insn, Operand, Width};
//! use ir::{ProgType, Program, Reg};
//! use offload::{verify, Capabilities, Options};
//!
//! // r0 = 2 (XDP_PASS); exit
//! let prog = Program::new(ProgType::Xdp, vec![
//!     Insn::Alu { width: Width::W64, op: AluOp::Mov, dst: Reg::R0, src: Operand::Imm(2) },
//!     Insn::Exit,
//! ]);
//! let verified = verify(&prog, &Capabilities::kernel(), &Options::default()).unwrap();
//! assert_eq!(verified.stack_depth(), 0);
//! assert_eq!(verified.stats().processed, 2);
//!
//! // exit without setting r0
//! let bad = Program::new(ProgType::Xdp, vec![Insn::Exit]);
//! let err = verify(&bad, &Capabilities::kernel(), &Options::default()).unwrap_err();
//! assert_eq!(err.rejections[0].message, "R0 !read_ok");
//! ```
#![deny(missing_docs)]

pub mod assertions;
pub mod cfg;
pub mod check;
pub mod explore;
pub mod helpers;
pub mod log;
pub mod report;
pub mod scalar;
pub mod state;
pub mod target;
pub mod target_eval;
pub mod tnum;
pub mod transfer;

pub use report::{Rejection, Rejections, Severity, Stats};

/// Rejection codes are stable and dotted, by family:
/// - `cfg.*`: control flow found before exploring (`cfg.unreachable`, `cfg.jump_out_of_range`,
///   `cfg.fallthrough`, `cfg.jump_into_ld_imm64`, `cfg.empty`, `cfg.call.bad_target`);
/// - `safety.*`: a memory-safety rule of the kernel, with the kernel's message
///   (`safety.reg.uninit`, `safety.packet.out_of_range`, `safety.map.null`,
///   `safety.stack.out_of_bounds`, `safety.ctx.bad_access`, `safety.ptr.*`, `safety.helper.*`,
///   `safety.loop.infinite`, `safety.too_complex`, ...);
/// - `unprivileged.*`: rules only an unprivileged loader is held to;
/// - `unsupported.*`: accepted by the kernel but not by this toolchain (its engines cannot run it);
/// - `target.*`: the target profile does not offer a program type or map type;
/// - a target's own codes (e.g. `nfp.*`) for its extra assertions.
pub mod codes {}
pub use target::Capabilities;

use ir::Program;
use std::time::Instant;

/// How to verify.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// Judge as the kernel judges an unprivileged loader (no back-edges, no pointer leaks, no
    /// reads of uninitialised stack). Default: privileged (root).
    pub unprivileged: bool,
    /// Record a verifier log in the kernel's `log_level 2` shape.
    pub log: bool,
    /// Processed-instruction budget; 0 means the target's (1,000,000 for the kernel).
    pub max_insns: u64,
}

/// What the verifier learnt about one instruction, over every path that reaches it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InsnFacts {
    /// How many times exploration processed it (0: never — only an LD_IMM64 tail).
    pub visits: u64,
    /// It writes a 32-bit (or narrower) result whose upper 32 bits must read as zero.
    pub zext_dst: bool,
    /// The destination register's value afterwards, when the same constant on every path.
    pub dst_const: Option<u64>,
    /// The source register's value before, when the same constant on every path.
    pub src_const: Option<u64>,
    /// Largest unsigned value of the source register (scalar) over all paths.
    pub src_umax: Option<u64>,
    /// Largest unsigned value of the destination register (scalar) before, over all paths.
    pub dst_umax_before: Option<u64>,
    /// Memory instructions: the pointer kinds of the base register seen (bit per
    /// [`explore::kind_bit`]).
    pub mem_base_kinds: u32,
    /// Packet accesses: the smallest number of proven bytes beyond the access, over all paths.
    pub packet_margin: Option<i64>,
    /// Merge state of `src_const` over paths (`None`: no path seen yet).
    pub(crate) src_const_acc: Option<Option<u64>>,
    /// Merge state of `dst_const` over paths.
    pub(crate) dst_const_acc: Option<Option<u64>>,
}

/// A program the verifier accepted, with what backends may rely on. Only [`verify`] builds one.
#[derive(Clone, Debug)]
pub struct Verified {
    program: Program,
    facts: Vec<InsnFacts>,
    depth_per_function: Vec<(usize, u32)>,
    log: Option<String>,
    stats: Stats,
    warnings: Vec<Rejection>,
}

impl Verified {
    /// The target's warnings (reasons of [`Severity::Warning`]): the program passes, but
    /// something behaves differently there.
    pub fn warnings(&self) -> &[Rejection] {
        &self.warnings
    }

    /// The program.
    pub fn program(&self) -> &Program {
        &self.program
    }

    /// What is known about the instruction at slot `pc` (default facts past the end).
    pub fn facts(&self, pc: usize) -> &InsnFacts {
        static NONE: InsnFacts = InsnFacts {
            visits: 0,
            zext_dst: false,
            dst_const: None,
            src_const: None,
            src_umax: None,
            dst_umax_before: None,
            mem_base_kinds: 0,
            packet_margin: None,
            src_const_acc: None,
            dst_const_acc: None,
        };
        self.facts.get(pc).unwrap_or(&NONE)
    }

    /// Deepest stack use of the entry function, in bytes.
    pub fn stack_depth(&self) -> u32 {
        self.depth_per_function.first().map(|d| d.1).unwrap_or(0)
    }

    /// Deepest stack use of each function, by start slot.
    pub fn stack_depth_per_function(&self) -> &[(usize, u32)] {
        &self.depth_per_function
    }

    /// The verifier log, when asked for.
    pub fn log(&self) -> Option<&str> {
        self.log.as_deref()
    }

    /// Counters.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }
}

/// Verify `prog` for `target`.
pub fn verify(
    prog: &Program,
    target: &Capabilities,
    opts: &Options,
) -> Result<Verified, Rejections> {
    let start = Instant::now();
    let mut log = log::Log::new(opts.log);
    let fail = |r: Vec<Rejection>, log: log::Log, mut stats: Stats| {
        stats.time = start.elapsed();
        let log = log.finish(&stats);
        Err(Rejections {
            rejections: r.into_iter().map(|r| r.locate(prog)).collect(),
            log,
            stats,
        })
    };
    if target.ctx(prog.prog_type).is_none() {
        return fail(
            vec![Rejection::program(
                "target.prog_type",
                format!(
                    "program type {} is not supported by target {}",
                    prog.prog_type, target.name
                ),
            )],
            log,
            Stats::default(),
        );
    }
    let max_len = if opts.unprivileged {
        target.limits.max_insns_unprivileged
    } else {
        target.limits.max_insns
    };
    if prog.insns.len() > max_len {
        return fail(
            vec![Rejection::program(
                "safety.too_large",
                format!(
                    "BPF program is too large. Processed {} insn",
                    prog.insns.len()
                ),
            )],
            log,
            Stats::default(),
        );
    }
    let cfg = match cfg::analyse(prog, opts.unprivileged) {
        Ok(c) => c,
        Err(r) => {
            log.line(&r.message);
            return fail(vec![*r], log, Stats::default());
        }
    };
    let env = explore::Env {
        prog,
        caps: target,
        opts,
    };
    let mut outcome = match explore::explore(&env, &cfg, &mut log) {
        Ok(o) => o,
        Err(e) => {
            let (r, stats) = *e;
            return fail(vec![r], log, stats);
        }
    };
    // Combined stack of the deepest call chain.
    if let Some(r) = combined_stack(prog, &cfg, &outcome.depth_per_function, target) {
        return fail(vec![r], log, outcome.stats);
    }
    let mut violations = std::mem::take(&mut outcome.violations);
    if let Some(rules) = &target.rules {
        violations.extend(rules.program_violations(prog));
        violations.extend(rules.facts_violations(prog, &outcome.facts));
        violations.extend(rules.finish(
            prog,
            &target::Summary {
                facts: &outcome.facts,
                depth_per_function: &outcome.depth_per_function,
                observations: &outcome.observations,
            },
        ));
    }
    // Instruction order, program-wide reasons last.
    violations.sort_by_key(|r| r.pc.unwrap_or(usize::MAX));
    let mut seen = std::collections::HashSet::new();
    violations.retain(|r| seen.insert((r.pc, r.code, r.map.clone())));
    if violations.iter().any(|r| r.severity == Severity::Error) {
        return fail(violations, log, outcome.stats);
    }
    let warnings = violations.into_iter().map(|r| r.locate(prog)).collect();
    outcome.stats.time = start.elapsed();
    let log = log.finish(&outcome.stats);
    Ok(Verified {
        program: prog.clone(),
        facts: outcome.facts,
        depth_per_function: outcome.depth_per_function,
        log,
        stats: outcome.stats,
        warnings,
    })
}

/// The kernel's `check_max_stack_depth` (with the JIT on, as on x86-64): frames rounded up to
/// 16 bytes, summed along every call chain, must fit the target's stack.
fn combined_stack(
    prog: &Program,
    cfg: &cfg::Cfg,
    depths: &[(usize, u32)],
    target: &Capabilities,
) -> Option<Rejection> {
    let nf = cfg.functions.len();
    let round = |d: u32| d.div_ceil(16) * 16;
    let mut callees: Vec<Vec<usize>> = vec![Vec::new(); nf];
    for (pc, insn) in prog.insns.iter().enumerate() {
        if let ir::Insn::Call(ir::insn::CallTarget::Local(_)) = insn {
            if let Some(t) = insn.jump_target(pc) {
                if let (Some(&from), Some(&to)) = (cfg.func_of.get(pc), cfg.func_of.get(t as usize))
                {
                    callees[from].push(to);
                }
            }
        }
    }
    // Deepest chain from the entry (call graph is acyclic after exploration bounded frames).
    fn walk(
        f: usize,
        callees: &[Vec<usize>],
        sizes: &[u32],
        depth: usize,
        chain: u32,
        max: &mut (u32, usize),
    ) {
        let total = chain + sizes[f];
        if total > max.0 {
            *max = (total, depth + 1);
        }
        if depth > 8 {
            return;
        }
        for &c in &callees[f] {
            walk(c, callees, sizes, depth + 1, total, max);
        }
    }
    let sizes: Vec<u32> = depths.iter().map(|d| round(d.1)).collect();
    let mut max = (0u32, 0usize);
    walk(0, &callees, &sizes, 0, 0, &mut max);
    if nf > 1 && max.0 > target.limits.max_stack {
        return Some(Rejection::program(
            "safety.stack.combined",
            format!(
                "combined stack size of {} calls is {}. Too large",
                max.1, max.0
            ),
        ));
    }
    None
}
