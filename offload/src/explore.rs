//! Exploration: every path from the entry, depth first, with the state pruned at prune points
//! when an explored state covers it (the kernel's `is_state_visited`), a processed-instruction
//! budget, and infinite-loop detection (a state equal to one on the current path).

use crate::assertions::{assertions_for, Assertion};
use crate::cfg::Cfg;
use crate::check::{check, check_target};
use crate::log::Log;
use crate::report::{Rejection, Stats};
use crate::state::{Frame, RegKind, RegState, State};
use crate::target::Capabilities;
use crate::transfer::{step, Ids, Step};
use crate::{InsnFacts, Options};
use ir::insn::{Insn, Operand};
use ir::Program;

/// What every check and transfer may consult.
pub struct Env<'a> {
    /// The program.
    pub prog: &'a Program,
    /// The target.
    pub caps: &'a Capabilities,
    /// Options.
    pub opts: &'a Options,
}

struct Checkpoint {
    state: State,
    parent: Option<usize>,
    branches: u32,
    hits: u32,
    misses: u32,
}

struct Pending {
    pc: usize,
    from: usize,
    state: State,
    parent: Option<usize>,
}

/// The outcome of exploring: facts per instruction, stack depth per function, target violations.
pub struct Outcome {
    /// Per slot.
    pub facts: Vec<InsnFacts>,
    /// Deepest stack use per function start.
    pub depth_per_function: Vec<(usize, u32)>,
    /// Non-fatal target violations.
    pub violations: Vec<Rejection>,
    /// Counters.
    pub stats: Stats,
}

/// A fatal rejection with the counters so far.
pub type Fatal = Box<(Rejection, Stats)>;

/// Explore `prog`. `Err` carries the fatal rejection and the counters so far.
pub fn explore(env: &Env, cfg: &Cfg, log: &mut Log) -> Result<Outcome, Fatal> {
    let prog = env.prog;
    let n = prog.insns.len();
    let unpriv = env.opts.unprivileged;
    let assertions: Vec<Vec<Assertion>> = (0..n)
        .map(|pc| assertions_for(prog, pc, env.caps, unpriv))
        .collect();
    let budget = if env.opts.max_insns > 0 {
        env.opts.max_insns
    } else {
        env.caps.limits.max_processed
    };

    let sinks: Vec<u16> = assertions
        .iter()
        .map(|list| list.iter().map(target_sinks).fold(0, |a, b| a | b))
        .collect();
    let precise = crate::cfg::precision(prog, cfg, &sinks);
    let mut facts = vec![InsnFacts::default(); n];
    let mut visited: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut checkpoints: Vec<Checkpoint> = Vec::new();
    let mut live_states: u64 = 0;
    let mut stats = Stats::default();
    let mut ids = Ids(0);
    let mut violations: Vec<Rejection> = Vec::new();
    let mut depth = vec![0u32; cfg.functions.len()];

    let mut entry = State {
        frames: vec![Frame::new(0, None, 0)],
    };
    entry.frames[0].regs[1] = RegState::pointer(RegKind::Ctx);
    let mut pending = vec![Pending {
        pc: 0,
        from: 0,
        state: entry,
        parent: None,
    }];
    let mut first = true;

    while let Some(p) = pending.pop() {
        let Pending {
            mut pc,
            from,
            mut state,
            mut parent,
        } = p;
        if !first {
            log.resume(from, pc, &state);
        }
        first = false;
        loop {
            if cfg.prune_point.get(pc).copied().unwrap_or(false) {
                // Liveness per frame: the running one at pc, callers at their return sites.
                let mut live: Vec<u16> = Vec::with_capacity(state.frames.len());
                let mut prec: Vec<crate::cfg::Precise> = Vec::with_capacity(state.frames.len());
                for (i, _f) in state.frames.iter().enumerate() {
                    if i + 1 < state.frames.len() {
                        let ret = state.frames[i + 1].callsite.map(|c| c + 1).unwrap_or(0);
                        live.push(cfg.live_in.get(ret).copied().unwrap_or(0x7ff) & !0x3f);
                        let p = precise
                            .get(ret)
                            .copied()
                            .unwrap_or(crate::cfg::Precise::ALL);
                        prec.push(crate::cfg::Precise {
                            regs: p.regs & !0x3f,
                            slots: u64::MAX,
                        });
                    } else {
                        live.push(cfg.live_in[pc]);
                        prec.push(precise[pc]);
                    }
                }
                let mut pruned = false;
                let mut looping_here = false;
                for &ci in &visited[pc] {
                    let c = &checkpoints[ci];
                    if c.branches > 0 {
                        looping_here = true;
                        if crate::state::exact_eq(&c.state, &state) {
                            let r = Rejection::at(
                                pc,
                                "safety.loop.infinite",
                                format!("infinite loop detected at insn {pc}"),
                            );
                            log.line(&r.message);
                            return Err(Box::new((r, stats)));
                        }
                    } else if c.state.covers(&state, &live, &prec) {
                        pruned = true;
                        checkpoints[ci].hits += 1;
                        break;
                    } else {
                        checkpoints[ci].misses += 1;
                    }
                }
                if pruned {
                    stats.pruned += 1;
                    log.pruned(pc);
                    end_path(&mut checkpoints, parent);
                    break;
                }
                // Forget states that never help (they are complete, so safe to drop).
                visited[pc].retain(|&ci| {
                    let c = &checkpoints[ci];
                    c.branches > 0 || c.misses <= c.hits * 3 + 3 || c.hits > 0
                });
                let add = !(looping_here && visited[pc].len() > 64);
                if add {
                    let idx = checkpoints.len();
                    checkpoints.push(Checkpoint {
                        state: state.clone(),
                        parent,
                        branches: 1,
                        hits: 0,
                        misses: 0,
                    });
                    visited[pc].push(idx);
                    parent = Some(idx);
                    stats.total_states += 1;
                    live_states += 1;
                    stats.peak_states = stats.peak_states.max(live_states);
                    stats.max_states_per_insn =
                        stats.max_states_per_insn.max(visited[pc].len() as u64);
                }
            }

            stats.processed += 1;
            if stats.processed > budget {
                let r = Rejection::program(
                    "safety.too_complex",
                    format!(
                        "BPF program is too large. Processed {} insn",
                        stats.processed
                    ),
                )
                .with_hint(
                    "bound the loops with a small constant, or split the program with tail calls",
                );
                log.line(&r.message);
                return Err(Box::new((r, stats)));
            }
            log.insn(prog, pc, &state);

            for a in &assertions[pc] {
                match a {
                    Assertion::Target(t) => {
                        if let Err(r) = check_target(pc, t, &state) {
                            if !violations.iter().any(|v| v.pc == r.pc && v.code == r.code) {
                                violations.push(*r);
                            }
                        }
                    }
                    a => {
                        if let Err((code, message)) = check(env, pc, a, &state) {
                            log.line(&message);
                            let mut r = Rejection::at(pc, code, message);
                            r.hint = hint_for(code);
                            return Err(Box::new((r, stats)));
                        }
                    }
                }
            }
            record_facts(&mut facts[pc], prog, pc, &state, precise[pc].regs);

            let before_depth = state.cur().depth;
            let result = step(env, pc, &mut state, &mut ids);
            let step = match result {
                Ok(s) => s,
                Err((code, message)) => {
                    log.line(&message);
                    return Err(Box::new((Rejection::at(pc, code, message), stats)));
                }
            };
            // Track stack depth of every frame.
            for f in &state.frames {
                let fi = cfg.func_of.get(f.func_start).copied().unwrap_or(0);
                depth[fi] = depth[fi].max(f.depth);
            }
            let _ = before_depth;
            let out_precise = next_precise(prog, pc, &precise);
            record_after(&mut facts[pc], prog, pc, &state, out_precise);
            match step {
                Step::Next(t) => pc = t,
                Step::Fork {
                    next,
                    other_pc,
                    other,
                } => {
                    if let Some(pi) = parent {
                        checkpoints[pi].branches += 1;
                    }
                    pending.push(Pending {
                        pc: other_pc,
                        from: pc,
                        state: other,
                        parent,
                    });
                    pc = next;
                }
                Step::End => {
                    end_path(&mut checkpoints, parent);
                    break;
                }
            }
        }
    }
    let depth_per_function = cfg.functions.iter().copied().zip(depth).collect();
    Ok(Outcome {
        facts,
        depth_per_function,
        violations,
        stats,
    })
}

fn end_path(checkpoints: &mut [Checkpoint], mut parent: Option<usize>) {
    while let Some(pi) = parent {
        let c = &mut checkpoints[pi];
        c.branches = c.branches.saturating_sub(1);
        if c.branches > 0 {
            break;
        }
        parent = c.parent;
    }
}

fn hint_for(code: &str) -> Option<String> {
    let h = match code {
        "safety.packet.out_of_range" => {
            "compare the packet pointer plus the access size with data_end before the access"
        }
        "safety.map.null" => {
            "check the pointer returned by bpf_map_lookup_elem against NULL before using it"
        }
        "safety.reg.uninit" => "write the register on every path before reading it",
        "safety.stack.out_of_bounds" => "the stack is 512 bytes below r10: use offsets in -512..0",
        "safety.ctx.bad_access" => "read context fields at their own offsets and sizes",
        "safety.ptr.arith_prohibited" => {
            "compute on the packet pointer and compare it with data_end instead"
        }
        "safety.loop.infinite" => "make the loop condition depend on a value the loop changes",
        "safety.map.out_of_range" => "keep the offset plus access size within the map's value_size",
        "safety.packet.negative" | "safety.map.negative" => {
            "mask or compare the index so it cannot be negative"
        }
        _ => return None,
    };
    Some(h.to_string())
}

fn merge_const(slot: &mut Option<Option<u64>>, v: Option<u64>) {
    *slot = Some(match *slot {
        None => v,
        Some(prev) if prev == v => v,
        Some(_) => None,
    });
}

/// Registers a target assertion reads the value of (they must be tracked precisely).
fn target_sinks(a: &Assertion) -> u16 {
    use crate::assertions::TargetCheck;
    let op = |o: &Operand| match o {
        Operand::Reg(r) => 1u16 << r.num(),
        Operand::Imm(_) => 0,
    };
    match a {
        Assertion::Target(t) => match &t.check {
            TargetCheck::KnownConstU32(o) | TargetCheck::BoundedU32(o) => op(o),
            TargetCheck::PointerKind(r, _)
            | TargetCheck::InRange(r, _, _)
            | TargetCheck::ConstIn(r, _) => 1 << r.num(),
            TargetCheck::Unsupported => 0,
        },
        _ => 0,
    }
}

/// Registers precise after `pc` (union over its successors).
fn next_precise(prog: &Program, pc: usize, precise: &[crate::cfg::Precise]) -> u16 {
    let insn = &prog.insns[pc];
    let reg_at = |i: usize| precise.get(i).map(|p| p.regs).unwrap_or(0);
    let mut out = reg_at(pc + insn.slots());
    if let Some(t) = insn.jump_target(pc) {
        if t >= 0 {
            out |= reg_at(t as usize);
        }
    }
    out
}

fn record_facts(f: &mut InsnFacts, _prog: &Program, pc: usize, st: &State, precise_in: u16) {
    f.visits += 1;
    let insn = &_prog.insns[pc];
    let src_reg = match insn {
        Insn::Alu {
            src: Operand::Reg(r),
            ..
        }
        | Insn::Jmp {
            src: Operand::Reg(r),
            ..
        } => Some(*r),
        Insn::Load { src, .. } => Some(*src),
        Insn::Store {
            src: Operand::Reg(r),
            ..
        }
        | Insn::Atomic { src: r, .. } => Some(*r),
        _ => None,
    };
    if let Some(r) = src_reg {
        let reg = st.reg(r);
        let c = (reg.kind == RegKind::Scalar)
            .then(|| reg.var.as_const())
            .flatten();
        merge_const(&mut f.src_const_acc, c);
        f.src_const = f.src_const_acc.flatten();
        if reg.kind == RegKind::Scalar {
            f.src_umax = Some(f.src_umax.unwrap_or(0).max(reg.var.umax));
        }
    }
    let base = match insn {
        Insn::Load { src, off, size, .. } => Some((*src, *off, size.bytes())),
        Insn::Store { dst, off, size, .. } | Insn::Atomic { dst, off, size, .. } => {
            Some((*dst, *off, size.bytes()))
        }
        _ => None,
    };
    if let Some((b, off, size)) = base {
        let reg = st.reg(b);
        f.mem_base_kinds |= 1 << kind_bit(reg.kind);
        if reg.kind.is_packet() {
            let end = reg.off as i64 + off as i64 + size as i64;
            let margin = reg.range as i64 - end;
            f.packet_margin = Some(f.packet_margin.map_or(margin, |m: i64| m.min(margin)));
        }
    }
    if let Some(dst) = match insn {
        Insn::Alu { dst, .. } | Insn::Jmp { dst, .. } => {
            Some(*dst).filter(|d| precise_in & (1 << d.num()) != 0)
        }
        _ => None,
    } {
        let reg = st.reg(dst);
        if reg.kind == RegKind::Scalar {
            f.dst_umax_before = Some(f.dst_umax_before.unwrap_or(0).max(reg.var.umax));
        }
    }
}

fn record_after(f: &mut InsnFacts, prog: &Program, pc: usize, st: &State, precise_out: u16) {
    let insn = &prog.insns[pc];
    let dst = match insn {
        Insn::Alu { dst, width, .. }
        | Insn::Neg { dst, width }
        | Insn::MovSx { dst, width, .. } => {
            if *width == ir::insn::Width::W32 {
                f.zext_dst = true;
            }
            Some(*dst)
        }
        Insn::Load { dst, size, .. } => {
            if size.bytes() < 8 {
                f.zext_dst = true;
            }
            Some(*dst)
        }
        Insn::End { dst, .. } => Some(*dst),
        Insn::LdImm64 { dst, .. } => Some(*dst),
        _ => None,
    };
    if let Some(d) = dst.filter(|d| precise_out & (1 << d.num()) != 0) {
        if !st.frames.is_empty() {
            let reg = st.reg(d);
            let c = (reg.kind == RegKind::Scalar)
                .then(|| reg.var.as_const())
                .flatten();
            merge_const(&mut f.dst_const_acc, c);
            f.dst_const = f.dst_const_acc.flatten();
        }
    }
}

/// Bit index of a kind in [`InsnFacts::mem_base_kinds`].
pub fn kind_bit(k: RegKind) -> u32 {
    match k {
        RegKind::NotInit => 0,
        RegKind::Scalar => 1,
        RegKind::Ctx => 2,
        RegKind::Stack => 3,
        RegKind::Packet => 4,
        RegKind::PacketMeta => 5,
        RegKind::PacketEnd => 6,
        RegKind::MapPtr => 7,
        RegKind::MapValue => 8,
        RegKind::MapValueOrNull => 9,
    }
}
