//! Control flow, checked before any state is computed: jumps stay inside their function and do
//! not land in the middle of LD_IMM64, every function ends in `exit` or `ja`, every instruction is
//! reachable, (unprivileged) no back-edges. Also computes prune points and register liveness.

use crate::report::Rejection;
use ir::insn::{CallTarget, Insn, Operand};
use ir::Program;

/// What exploration needs to know about the control flow.
#[derive(Clone, Debug)]
pub struct Cfg {
    /// Where state pruning is tried (jump targets, fall-throughs of conditional jumps).
    pub prune_point: Vec<bool>,
    /// Registers (bit per register) that may be read from this instruction on, within its function.
    pub live_in: Vec<u16>,
    /// Function starts, sorted.
    pub functions: Vec<usize>,
    /// The function each slot belongs to (index into `functions`).
    pub func_of: Vec<usize>,
}

fn successors(insn: &Insn, pc: usize, out: &mut Vec<i64>) {
    out.clear();
    let next = pc as i64 + insn.slots() as i64;
    match insn {
        Insn::Exit => {}
        Insn::Ja { .. } => out.extend(insn.jump_target(pc)),
        Insn::Jmp { .. } => {
            out.push(next);
            out.extend(insn.jump_target(pc));
        }
        _ => out.push(next),
    }
}

/// Check the control flow of `prog` and compute its [`Cfg`].
pub fn analyse(prog: &Program, unprivileged: bool) -> Result<Cfg, Box<Rejection>> {
    analyse_inner(prog, unprivileged).map_err(Box::new)
}

#[allow(clippy::result_large_err)]
fn analyse_inner(prog: &Program, unprivileged: bool) -> Result<Cfg, Rejection> {
    let n = prog.insns.len();
    if n == 0 {
        return Err(Rejection::program("cfg.empty", "empty program"));
    }
    // LD_IMM64 pairs.
    for (pc, insn) in prog.insns.iter().enumerate() {
        match insn {
            Insn::LdImm64 { .. } if !matches!(prog.insns.get(pc + 1), Some(Insn::LdImm64Tail)) => {
                return Err(Rejection::at(
                    pc,
                    "cfg.ld_imm64.tail",
                    "invalid BPF_LD_IMM insn",
                ));
            }
            Insn::LdImm64Tail
                if !matches!(
                    pc.checked_sub(1).and_then(|p| prog.insns.get(p)),
                    Some(Insn::LdImm64 { .. })
                ) =>
            {
                return Err(Rejection::at(
                    pc,
                    "cfg.ld_imm64.tail",
                    "invalid BPF_LD_IMM insn",
                ));
            }
            _ => {}
        }
    }
    // Local calls must land inside the program.
    for (pc, insn) in prog.insns.iter().enumerate() {
        if let Insn::Call(CallTarget::Local(_)) = insn {
            let t = insn.jump_target(pc).unwrap_or(-1);
            if t < 0 || t as usize >= n {
                return Err(Rejection::at(
                    pc,
                    "cfg.call.bad_target",
                    "call to invalid destination",
                ));
            }
        }
    }
    let functions = prog.function_starts();
    let mut func_of = vec![0usize; n];
    for (fi, &start) in functions.iter().enumerate() {
        let end = functions.get(fi + 1).copied().unwrap_or(n);
        for f in func_of.iter_mut().take(end).skip(start) {
            *f = fi;
        }
    }
    // Jumps stay in their function; functions end in exit or ja.
    for (fi, &start) in functions.iter().enumerate() {
        let end = functions.get(fi + 1).copied().unwrap_or(n);
        for pc in start..end {
            let insn = &prog.insns[pc];
            if insn.is_branch() {
                let t = insn.jump_target(pc).unwrap_or(-1);
                if t < start as i64 || t >= end as i64 {
                    return Err(Rejection::at(
                        pc,
                        "cfg.jump_out_of_range",
                        format!("jump out of range from insn {pc} to {t}"),
                    ));
                }
            }
        }
        let mut last = end - 1;
        if matches!(prog.insns[last], Insn::LdImm64Tail) && last > start {
            last -= 1;
        }
        if !matches!(prog.insns[last], Insn::Exit | Insn::Ja { .. }) {
            return Err(Rejection::at(
                last,
                "cfg.fallthrough",
                "last insn is not an exit or jmp",
            ));
        }
    }
    // Depth-first walk: reachability and back-edges.
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        OnStack,
        Done,
    }
    let mut mark = vec![Mark::New; n];
    let mut prune_point = vec![false; n];
    let mut succ = Vec::new();
    for &start in &functions {
        if mark[start] != Mark::New {
            continue;
        }
        let mut stack: Vec<(usize, Vec<i64>, usize)> = Vec::new();
        mark[start] = Mark::OnStack;
        successors(&prog.insns[start], start, &mut succ);
        stack.push((start, succ.clone(), 0));
        while let Some(top) = stack.last_mut() {
            let (pc, ref succs, ref mut i) = *top;
            if *i >= succs.len() {
                mark[pc] = Mark::Done;
                stack.pop();
                continue;
            }
            let t = succs[*i];
            *i += 1;
            if t < 0 || t as usize >= n {
                return Err(Rejection::at(
                    pc,
                    "cfg.jump_out_of_range",
                    format!("jump out of range from insn {pc} to {t}"),
                ));
            }
            let t = t as usize;
            if matches!(prog.insns[t], Insn::LdImm64Tail) {
                return Err(Rejection::at(
                    pc,
                    "cfg.jump_into_ld_imm64",
                    format!(
                        "jump from insn {pc} into the middle of ldimm64 insn {}",
                        t - 1
                    ),
                ));
            }
            if prog.insns[pc].is_branch() {
                prune_point[t] = true;
                if matches!(prog.insns[pc], Insn::Jmp { .. }) {
                    prune_point[pc] = true;
                }
            }
            match mark[t] {
                Mark::New => {
                    mark[t] = Mark::OnStack;
                    successors(&prog.insns[t], t, &mut succ);
                    stack.push((t, succ.clone(), 0));
                }
                Mark::OnStack if unprivileged => {
                    return Err(Rejection::at(
                        pc,
                        "unprivileged.back_edge",
                        format!("back-edge from insn {pc} to {t}"),
                    ));
                }
                _ => {}
            }
        }
    }
    for (pc, m) in mark.iter().enumerate() {
        if *m == Mark::New && !matches!(prog.insns[pc], Insn::LdImm64Tail) {
            return Err(Rejection::at(
                pc,
                "cfg.unreachable",
                format!("unreachable insn {pc}"),
            ));
        }
    }
    for &f in &functions {
        prune_point[f] = true;
    }
    let live_in = liveness(prog, n);
    Ok(Cfg {
        prune_point,
        live_in,
        functions,
        func_of,
    })
}

fn bit(r: ir::Reg) -> u16 {
    ir::regset::RegSet::one(r).bits()
}

/// Live registers before each slot, from [`Insn::uses`] and [`Insn::defs`] (the facts in `ir`).
fn liveness(prog: &Program, n: usize) -> Vec<u16> {
    let mut live = vec![0u16; n];
    let ud: Vec<(u16, u16)> = prog
        .insns
        .iter()
        .map(|i| (i.uses().bits(), i.defs().bits()))
        .collect();
    let mut succ = Vec::new();
    let mut changed = true;
    let mut rounds = 0;
    while changed && rounds < 10_000 {
        changed = false;
        rounds += 1;
        for pc in (0..n).rev() {
            let insn = &prog.insns[pc];
            let mut out = 0u16;
            successors(insn, pc, &mut succ);
            if let Insn::Call(CallTarget::Local(_)) = insn {
                // The callee is its own function; the caller continues after the call.
            }
            for &t in &succ {
                if t >= 0 && (t as usize) < n {
                    out |= live[t as usize];
                }
            }
            let (uses, defs) = ud[pc];
            let new = uses | (out & !defs) | (1 << 10);
            if new != live[pc] {
                live[pc] = new;
                changed = true;
            }
        }
    }
    live
}

/// Registers whose scalar value may matter for safety from each instruction on (bit per
/// register): a static over-approximation of the kernel's precision tracking. A scalar's value
/// matters when it may flow into a conditional jump, a memory access or pointer arithmetic, a
/// helper or local call argument, a stored value, or a target assertion (`extra_sinks[pc]`).
/// Where a scalar does not matter, pruning ignores its value.
pub fn precision(prog: &Program, cfg: &Cfg, extra_sinks: &[u16]) -> Vec<Precise> {
    let n = prog.insns.len();
    let maybe_ptr = maybe_pointers(prog, cfg);
    let mut precise = vec![Precise::default(); n];
    let mut succ = Vec::new();
    let op = |o: &Operand| match o {
        Operand::Reg(r) => bit(*r),
        Operand::Imm(_) => 0,
    };
    // The slot of `fp + off` for an access of `size` through r10 itself.
    let fp_slot = |base: &ir::Reg, off: i16, size: u32| -> Option<(u32, bool)> {
        let off = off as i32;
        if *base != ir::Reg::R10 || !(-512..0).contains(&off) {
            return None;
        }
        let slot = ((-off - 1) / 8) as u32;
        let whole = size == 8 && off % 8 == 0;
        Some((slot, whole))
    };
    let mut changed = true;
    let mut rounds = 0;
    while changed && rounds < 10_000 {
        changed = false;
        rounds += 1;
        for pc in (0..n).rev() {
            let insn = &prog.insns[pc];
            successors(insn, pc, &mut succ);
            let mut out = Precise::default();
            for &t in &succ {
                if t >= 0 && (t as usize) < n {
                    out.regs |= precise[t as usize].regs;
                    out.slots |= precise[t as usize].slots;
                }
            }
            let sink = extra_sinks.get(pc).copied().unwrap_or(0);
            let mut slots = out.slots;
            let regs = match insn {
                Insn::Alu {
                    op: ir::insn::AluOp::Mov,
                    dst,
                    src,
                    ..
                } => {
                    let d = bit(*dst);
                    (out.regs & !d) | if out.regs & d != 0 { op(src) } else { 0 }
                }
                Insn::Alu {
                    dst, src, op: aop, ..
                } => {
                    let d = bit(*dst);
                    let s = op(src);
                    let mut need = if out.regs & d != 0 { d | s } else { 0 };
                    // Pointer arithmetic needs the scalar operand exactly.
                    if matches!(aop, ir::insn::AluOp::Add | ir::insn::AluOp::Sub) {
                        if maybe_ptr[pc] & d != 0 {
                            need |= s;
                        }
                        if maybe_ptr[pc] & s != 0 {
                            need |= d;
                        }
                    }
                    out.regs | need
                }
                Insn::MovSx { dst, src, .. } => {
                    let d = bit(*dst);
                    (out.regs & !d) | if out.regs & d != 0 { bit(*src) } else { 0 }
                }
                Insn::Neg { .. } | Insn::End { .. } | Insn::Ja { .. } | Insn::LdImm64Tail => {
                    out.regs
                }
                Insn::Jmp { dst, src, .. } => out.regs | bit(*dst) | op(src),
                Insn::Load {
                    dst,
                    src,
                    off,
                    size,
                    ..
                } => {
                    let d = bit(*dst);
                    if out.regs & d != 0 {
                        match fp_slot(src, *off, size.bytes()) {
                            Some((slot, _)) => slots |= 1u64 << slot,
                            None => slots = u64::MAX,
                        }
                    }
                    (out.regs & !d) | bit(*src)
                }
                Insn::Store {
                    dst,
                    src,
                    off,
                    size,
                } => match fp_slot(dst, *off, size.bytes()) {
                    Some((slot, whole)) => {
                        let needed = out.slots & (1u64 << slot) != 0;
                        if whole {
                            slots &= !(1u64 << slot);
                        }
                        out.regs | if needed { op(src) } else { 0 }
                    }
                    None => out.regs | bit(*dst) | op(src),
                },
                Insn::Atomic { dst, src, .. } => {
                    slots = u64::MAX;
                    out.regs | bit(*dst) | bit(*src) | 1
                }
                Insn::LdImm64 { dst, .. } => out.regs & !bit(*dst),
                Insn::LdAbs { .. } => (out.regs & !0x3f) | bit(ir::Reg::R6),
                Insn::LdInd { src, .. } => (out.regs & !0x3f) | bit(ir::Reg::R6) | bit(*src),
                Insn::Call(_) | Insn::CallX { .. } => {
                    slots = u64::MAX;
                    (out.regs & !0x3f) | 0x3e
                }
                Insn::Exit => {
                    slots = 0;
                    if cfg.func_of.get(pc).copied().unwrap_or(0) == 0 {
                        out.regs
                    } else {
                        out.regs | 1
                    }
                }
            };
            let new = Precise {
                regs: regs | sink,
                slots,
            };
            if new != precise[pc] {
                precise[pc] = new;
                changed = true;
            }
        }
    }
    precise
}

/// Which scalar values matter from an instruction on: registers and 8-byte stack slots of the
/// running frame (slot `i` is `fp-8*(i+1)..fp-8*i`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Precise {
    /// Registers, bit per register.
    pub regs: u16,
    /// Stack slots, bit per slot.
    pub slots: u64,
}

impl Precise {
    /// Everything matters.
    pub const ALL: Precise = Precise {
        regs: 0x7ff,
        slots: u64::MAX,
    };
}

/// Registers that may hold a pointer before each instruction (bit per register): a forward
/// over-approximation used to find the scalar operand of pointer arithmetic.
fn maybe_pointers(prog: &Program, cfg: &Cfg) -> Vec<u16> {
    // Per register: may hold a pointer (low 16 bits), may hold a ctx or stack pointer — loads
    // through those can yield pointers — (high 16 bits).
    let n = prog.insns.len();
    let mut state: Vec<Option<u32>> = vec![None; n];
    const FP: u32 = (1 << 10) | (1 << 26);
    let mut work: Vec<usize> = Vec::new();
    for (i, &f) in cfg.functions.iter().enumerate() {
        // The entry gets the context in r1; a callee may get anything in r1..r5.
        state[f] = Some(if i == 0 {
            FP | 0b10 | (0b10 << 16)
        } else {
            FP | 0x3e | (0x3e << 16)
        });
        work.push(f);
    }
    let set = |s: u32, r: ir::Reg, ptr: bool, mem: bool| -> u32 {
        let b = 1u32 << r.num();
        let mut s = s & !(b | (b << 16));
        if ptr {
            s |= b;
        }
        if mem {
            s |= b << 16;
        }
        s
    };
    let has = |s: u32, r: ir::Reg| s & (1 << r.num()) != 0;
    let has_mem = |s: u32, r: ir::Reg| s & (1 << (16 + r.num())) != 0;
    let mut succ = Vec::new();
    let mut steps = 0usize;
    while let Some(pc) = work.pop() {
        steps += 1;
        if steps > 1_000_000 {
            return vec![0x7ff; n];
        }
        let Some(inp) = state[pc] else { continue };
        let insn = &prog.insns[pc];
        let out = match insn {
            Insn::Alu {
                dst, src, op: aop, ..
            } => {
                let (sp, sm) = match src {
                    Operand::Reg(r) => (has(inp, *r), has_mem(inp, *r)),
                    Operand::Imm(_) => (false, false),
                };
                match aop {
                    ir::insn::AluOp::Mov => set(inp, *dst, sp, sm),
                    ir::insn::AluOp::Add | ir::insn::AluOp::Sub => {
                        set(inp, *dst, sp || has(inp, *dst), sm || has_mem(inp, *dst))
                    }
                    _ => set(inp, *dst, false, false),
                }
            }
            Insn::MovSx { dst, .. } | Insn::Neg { dst, .. } | Insn::End { dst, .. } => {
                set(inp, *dst, false, false)
            }
            Insn::Load { dst, src, size, .. } => {
                let from_mem = has_mem(inp, *src);
                set(
                    inp,
                    *dst,
                    from_mem && size.bytes() >= 4,
                    from_mem && size.bytes() == 8,
                )
            }
            Insn::Atomic {
                src,
                fetch,
                op: aop,
                ..
            } => {
                let mut o = inp;
                if *fetch {
                    o = set(o, *src, true, true);
                }
                if *aop == ir::insn::AtomicOp::CmpXchg {
                    o = set(o, ir::Reg::R0, true, true);
                }
                o
            }
            Insn::LdImm64 { dst, src, .. } => {
                set(inp, *dst, *src != ir::insn::LdImm64Src::Imm, false)
            }
            Insn::LdAbs { .. } | Insn::LdInd { .. } => inp & !(0x3f | (0x3f << 16)),
            Insn::Call(CallTarget::Helper(id)) => {
                let ret_ptr = crate::helpers::by_id(*id)
                    .map(|p| p.ret == crate::helpers::RetKind::MapValueOrNull)
                    .unwrap_or(true);
                set(inp & !(0x3f | (0x3f << 16)), ir::Reg::R0, ret_ptr, false)
            }
            Insn::Call(_) | Insn::CallX { .. } => {
                set(inp & !(0x3f | (0x3f << 16)), ir::Reg::R0, true, true)
            }
            _ => inp,
        };
        successors(insn, pc, &mut succ);
        for &t in &succ {
            if t < 0 || t as usize >= n {
                continue;
            }
            let t = t as usize;
            let merged = state[t].map_or(out, |old| old | out);
            if state[t] != Some(merged) {
                state[t] = Some(merged);
                work.push(t);
            }
        }
    }
    state
        .into_iter()
        .map(|s| s.map(|v| v as u16 & 0x7ff).unwrap_or(0x7ff))
        .collect()
}
