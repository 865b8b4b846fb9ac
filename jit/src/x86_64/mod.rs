//! The x86-64 backend: eBPF to native code through iced-x86's encoder.
//!
//! [`compile_program`] is the one loop: one exhaustive `match` over [`ir::Insn`], each eBPF
//! instruction lowered to x86 instructions in [`emit::Asm`], branches kept symbolic. Then the
//! size-convergence passes ([`layout`]) settle every branch on its short or near form, starting
//! from all-near and shrinking (sizes never grow, so the passes are bounded), recording where
//! each eBPF instruction starts; the final emission must reproduce every one of those offsets.
//!
//! The code follows the SysV ABI (see [`regs`]): the entry is
//! `extern "sysv64" fn(r1, r2, env) -> r0`; helpers are called through the trampoline.

mod checked;
pub(crate) mod disasm;
pub(crate) mod emit;
#[cfg(test)]
mod emit_tests;
mod ops;
pub(crate) mod plan;
mod program;
pub(crate) mod regs;
mod switch;

pub(crate) use program::TailCache;
pub use program::{compile, compile_checked, compile_unchecked, CpuFeatures, JitProgram, Options};

use crate::trampoline::{offsets, slow, stop};
use crate::JitError;
use emit::{is_imm8, is_simm32, mem, Asm, BranchKind, Cond, Item, Label, Op2, Shift};
use iced_x86::{Encoder, Instruction, Register};
use ir::insn::{AluOp, CallTarget, Endian, Insn, JmpCond, LdImm64Src, MemSize, Operand, Width};
use ir::{Program, Reg};
use ops::{Frame, HelperId, SlowArg};
use plan::{
    blinding_key, callee_saved_used, ctx_from_facts, has_context, movbe_fusions,
    packet_pointer_field, peepholes, writes_r1, Peep,
};
use regs::{x86, CALLEE_SAVED, ENV};

/// Most layout passes (each pass only grows branches, so a program with `n` branches settles in
/// at most `n + 1`; in practice 2 to 4). Past the cap every branch is near, which is always valid.
const MAX_PASSES: usize = 64;

/// Bytes of eBPF stack per function when the verifier says nothing smaller.
const DEFAULT_STACK: i32 = 512;

/// What the compiler may rely on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Trust {
    /// The verifier accepted the program: no runtime checks beyond eBPF semantics.
    Verified,
    /// Unverified (conformance tests): registers start zeroed, call depth and falling off the
    /// end of a function are checked, every callee-saved register is saved.
    Unchecked,
    /// Unverified and checked (see [`checked`]): as `Unchecked`, and every memory access is
    /// checked, the eBPF stack is a separate buffer, steps are budgeted, r10 is read-only.
    Checked,
}

/// One function of the program.
struct Func {
    start: usize,
    end: usize,
    entry: Label,
    epilogue: Label,
    /// Where helper calls go when the host asks to stop: the global stop, or (when the function
    /// may tail-call) a stub that first checks for a finished tail call.
    stop: Label,
    /// Whether `stop` is this function's own tail-return stub.
    tail_stub: bool,
    frame: Frame,
}

/// The lowered program before layout.
pub(crate) struct Lowered {
    pub(crate) asm: Asm,
    /// Label at the start of each slot (LD_IMM64 tails share the next one's position).
    pub(crate) insn_labels: Vec<Label>,
    /// Program maps whose lookups were inlined as arrays.
    pub(crate) inlined_arrays: Vec<usize>,
    /// Checked mode: the faults the code's [`crate::trampoline::stop::FAULT`] stops name, by
    /// index, with their slots.
    pub(crate) faults: Vec<(usize, ir::interp::ExecErrorKind)>,
}

/// The result of layout and final emission.
pub(crate) struct Emitted {
    pub(crate) code: Vec<u8>,
    /// Offset of every label.
    pub(crate) label_pos: Vec<u32>,
    /// For each recorded `Meant` branch, whether it got the short form.
    pub(crate) branch_short: Vec<bool>,
}

/// The offset of a jump (0 for anything else).
fn jump_off(insn: &Insn) -> i64 {
    match *insn {
        Insn::Ja { off, .. } => off as i64,
        Insn::Jmp { off, .. } => off as i64,
        _ => 0,
    }
}

fn jmp_cond(c: JmpCond) -> Cond {
    match c {
        JmpCond::Eq => Cond::E,
        JmpCond::Ne | JmpCond::Set => Cond::Ne,
        JmpCond::Gt => Cond::A,
        JmpCond::Ge => Cond::Ae,
        JmpCond::Lt => Cond::B,
        JmpCond::Le => Cond::Be,
        JmpCond::Sgt => Cond::G,
        JmpCond::Sge => Cond::Ge,
        JmpCond::Slt => Cond::L,
        JmpCond::Sle => Cond::Le,
    }
}

/// Lower `prog` to symbolic x86 code. `context`: r1 is the program context (else plain memory).
/// `facts`: what the verifier proved (for `Trust::Verified`).
pub(crate) fn lower(
    prog: &Program,
    trust: Trust,
    context: bool,
    facts: Option<&offload::Verified>,
    opts: &Options,
) -> Result<Lowered, JitError> {
    let n = prog.insns.len();
    if n == 0 {
        return Err(JitError::Empty);
    }
    let checked = trust == Trust::Checked;
    let ctx = match facts {
        // Checked mode checks context accesses at run time, as the interpreter does.
        _ if checked || !(context && has_context(prog)) => vec![None; n],
        Some(v) => ctx_from_facts(prog, v)?,
        None => crate::ctx_access::analyse(prog)?,
    };
    let mut a = Asm::new(opts.record, n * 8 + 64);
    if opts.harden {
        a.set_blinding(blinding_key());
    }
    let insn_labels: Vec<Label> = (0..n).map(|_| a.label()).collect();
    let stop_label = a.label();
    let depth_error = a.label();
    let starts = prog.function_starts();
    let mut funcs: Vec<Func> = Vec::with_capacity(starts.len());
    for (i, &start) in starts.iter().enumerate() {
        let end = starts.get(i + 1).copied().unwrap_or(n);
        let entry = i == 0;
        let mut saved = match trust {
            // Unchecked entry functions zero r6..r9, so they save all four.
            Trust::Unchecked if entry => CALLEE_SAVED.iter().map(|(_, x)| *x).collect(),
            _ => callee_saved_used(&prog.insns[start..end]),
        };
        if entry {
            saved.insert(0, ENV);
        }
        let may_tail_call = prog.insns[start..end].iter().any(|i| {
            matches!(
                i,
                Insn::CallX { .. }
                    | Insn::Call(CallTarget::Helper(ir::runtime::helper_id::TAIL_CALL))
            )
        });
        funcs.push(Func {
            start,
            end,
            entry: a.label(),
            epilogue: a.label(),
            stop: if may_tail_call { a.label() } else { stop_label },
            tail_stub: may_tail_call,
            frame: Frame {
                // The verifier's deepest use of this function's stack, in 16-byte steps.
                stack: facts
                    .and_then(|v| {
                        v.stack_depth_per_function()
                            .iter()
                            .find(|(s, _)| *s == start)
                            .map(|(_, d)| (*d as i32 + 15) & !15)
                    })
                    .unwrap_or(DEFAULT_STACK),
                saved,
                entry,
                count_depth: trust == Trust::Unchecked && !entry,
                zero_stack: trust == Trust::Unchecked,
                native_fp: true,
            },
        });
    }
    let mut is_target = vec![false; n];
    for (pc, insn) in prog.insns.iter().enumerate() {
        if let Some(t) = insn.jump_target(pc) {
            if let Some(slot) = usize::try_from(t).ok().and_then(|t| is_target.get_mut(t)) {
                *slot = true;
            }
        }
    }
    // Checked mode keeps to one instruction at a time: no peepholes, no fused loads.
    let peep = if checked {
        vec![Peep::None; n]
    } else {
        peepholes(prog, &is_target)
    };
    let fused = movbe_fusions(prog, &ctx, &is_target, opts.cpu.movbe && !checked);
    let blocks = if checked {
        checked::blocks(&prog.insns, &is_target)
    } else {
        Vec::new()
    };
    let mut lw = Lowering {
        prog,
        opts,
        facts,
        ctx,
        fused,
        peep,
        is_target,
        inlined_arrays: Vec::new(),
        a,
        insn_labels,
        stop: stop_label,
        depth_error,
        func_entries: funcs.iter().map(|f| (f.start, f.entry)).collect(),
        checked,
        blocks,
        faults: Vec::new(),
    };
    if checked {
        // One native function for the whole program (see `checked`).
        let whole = checked::whole_program(&mut lw.a, prog);
        lw.function_checked(&whole)?;
        funcs = vec![whole];
    } else {
        for f in &funcs {
            lw.function(f, trust)?;
        }
    }
    // Shared stubs: unwind to the entry frame, and the call-depth error.
    let a = &mut lw.a;
    a.pc = n.saturating_sub(1);
    a.bind(stop_label);
    a.load64(Register::RSP, mem(ENV, offsets::SAVED_RSP))?;
    a.jmp(funcs[0].epilogue);
    a.bind(depth_error);
    ops::stop_with(a, stop::CALL_DEPTH, stop_label)?;
    Ok(Lowered {
        asm: lw.a,
        insn_labels: lw.insn_labels,
        inlined_arrays: lw.inlined_arrays,
        faults: lw.faults,
    })
}

struct Lowering<'p> {
    prog: &'p Program,
    opts: &'p Options,
    facts: Option<&'p offload::Verified>,
    /// Context offset of each context load/store.
    ctx: Vec<Option<i64>>,
    /// Byte swaps folded into the load before them (`movbe`).
    fused: Vec<bool>,
    /// Slots some jump lands on.
    is_target: Vec<bool>,
    /// `lea` and flag-reuse peepholes.
    peep: Vec<Peep>,
    /// Program maps whose `bpf_map_lookup_elem` was inlined (array layout assumed).
    inlined_arrays: Vec<usize>,
    a: Asm,
    insn_labels: Vec<Label>,
    stop: Label,
    depth_error: Label,
    func_entries: Vec<(usize, Label)>,
    /// Checked mode (see [`checked`]).
    checked: bool,
    /// Checked mode: the instruction count of the basic block starting at each slot (0 when
    /// none starts there).
    blocks: Vec<u32>,
    /// Checked mode: faults by index, with their slots.
    faults: Vec<(usize, ir::interp::ExecErrorKind)>,
}

impl Lowering<'_> {
    /// Label of the slot a jump at `pc` with offset `off` lands on, checked to stay inside
    /// `f` and not to land on an LD_IMM64 tail.
    fn target(&self, pc: usize, off: i64, f: &Func) -> Result<Label, JitError> {
        let t = pc as i64 + 1 + off;
        let ok = t >= f.start as i64
            && t < f.end as i64
            && !matches!(self.prog.insns.get(t as usize), Some(Insn::LdImm64Tail));
        if ok {
            Ok(self.insn_labels[t as usize])
        } else {
            Err(JitError::BadJump { pc, target: t })
        }
    }

    fn function(&mut self, f: &Func, trust: Trust) -> Result<(), JitError> {
        self.a.pc = f.start;
        self.a.bind(f.entry);
        ops::prologue(&mut self.a, &f.frame, self.depth_error)?;
        if f.frame.entry && trust != Trust::Verified {
            for r in [0u8, 3, 4, 5, 6, 7, 8, 9] {
                if let Some(r) = Reg::new(r) {
                    self.a.mov_ri64(x86(r), 0)?;
                }
            }
        }
        let mut pc = f.start;
        while pc < f.end {
            self.a.pc = pc;
            self.a.bind(self.insn_labels[pc]);
            let chain = match self.opts.harden {
                // Blinded immediates need a register per compare: keep the plain tests.
                true => None,
                false => switch::chain_at(self.prog, &self.is_target, pc, f.end),
            };
            if let Some(chain) = chain {
                // No jump lands inside the chain: its other slots start where it does.
                for l in &self.insn_labels[pc + 1..chain.end] {
                    self.a.bind(*l);
                }
                let miss = self.insn_labels[chain.end];
                let targets = (pc..chain.end)
                    .map(|at| match self.prog.insns[at] {
                        Insn::Jmp { off, .. } => self.target(at, off as i64, f),
                        _ => Err(JitError::Layout(format!("slot {at} is not in the chain"))),
                    })
                    .collect::<Result<Vec<Label>, JitError>>()?;
                switch::lower_chain(&mut self.a, self.prog, pc, &chain, &targets, miss)?;
                pc = chain.end;
                continue;
            }
            let insn = self.prog.insns[pc];
            let last = pc + insn.slots() >= f.end;
            self.insn(pc, insn, f, last)?;
            if let Insn::LdImm64 { .. } = insn {
                if let Some(l) = self.insn_labels.get(pc + 1) {
                    self.a.bind(*l);
                }
            }
            pc += insn.slots();
        }
        // Falling off the end: the verifier rules it out; unverified code stops with an error.
        let falls_through = !matches!(
            self.prog.insns.get(f.end - 1),
            Some(Insn::Exit) | Some(Insn::Ja { .. })
        );
        if falls_through {
            ops::stop_with(&mut self.a, stop::FELL_OFF, self.stop)?;
        }
        self.a.bind(f.epilogue);
        ops::epilogue(&mut self.a, &f.frame)?;
        if f.tail_stub {
            ops::tail_return_stub(&mut self.a, f.stop, f.epilogue, self.stop)?;
        }
        Ok(())
    }

    /// The one match: lower the instruction at `pc`.
    fn insn(&mut self, pc: usize, insn: Insn, f: &Func, last: bool) -> Result<(), JitError> {
        if self.checked && self.checked_insn(pc, insn)? {
            return Ok(());
        }
        // Checked mode: a jump outside its function goes to a stop, taken only with the jump.
        let mut bad_target = None;
        let jump_to = match insn {
            Insn::Ja { .. } | Insn::Jmp { .. } => match self.target(pc, jump_off(&insn), f) {
                Ok(l) => Some(l),
                Err(e) if self.checked => {
                    let kind = checked::fault_of(&e, self.prog.insns.len()).ok_or(e)?;
                    let (l, i) = (self.a.label(), self.fault(pc, kind));
                    bad_target = Some((l, i));
                    Some(l)
                }
                Err(e) => return Err(e),
            },
            _ => None,
        };

        if let Insn::Alu {
            width,
            op,
            dst,
            src,
        } = insn
        {
            return match (self.peep[pc], src) {
                (Peep::Folded, _) => Ok(()),
                (Peep::LeaHead(disp), Operand::Reg(s)) => self.a.lea(x86(dst), mem(x86(s), disp)),
                _ => self.alu(width, op, dst, src),
            };
        }
        if let Insn::Call(CallTarget::Helper(id)) = insn {
            let inline = self
                .inline_array_lookup(pc, id)
                .map(|(i, d)| (i, d.value_size, d.max_entries));
            if let Some((index, value_size, max_entries)) = inline {
                if !self.inlined_arrays.contains(&index) {
                    self.inlined_arrays.push(index);
                }
                return ops::array_lookup(&mut self.a, index, value_size, max_entries);
            }
        }
        let a = &mut self.a;
        match insn {
            Insn::Alu { .. } => {} // lowered above by `alu`
            Insn::MovSx {
                width,
                bits,
                dst,
                src,
            } => a.extend(width, bits, true, x86(dst), x86(src))?,
            Insn::Neg { width, dst } => a.neg(width, x86(dst))?,
            Insn::End { .. } if self.fused[pc] => {} // done by the load before it
            Insn::End { kind, bits, dst } => {
                let d = x86(dst);
                match (kind, bits) {
                    (Endian::ToLe, 16) => a.extend(Width::W32, 16, false, d, d)?,
                    (Endian::ToLe, 32) => a.mov_rr(Width::W32, d, d)?,
                    (Endian::ToLe, 64) => {}
                    (Endian::ToBe | Endian::Swap, 16) => {
                        a.rol16_8(d)?;
                        a.extend(Width::W32, 16, false, d, d)?;
                    }
                    (Endian::ToBe | Endian::Swap, 32) => a.bswap(Width::W32, d)?,
                    (Endian::ToBe | Endian::Swap, 64) => a.bswap(Width::W64, d)?,
                    _ => {
                        return Err(JitError::Unsupported {
                            pc,
                            what: "byte swap of this width",
                        })
                    }
                }
            }
            Insn::Ja { off, .. } => {
                if let (Some(t), true) = (jump_to, off != 0) {
                    a.jmp(t);
                }
            }
            Insn::Jmp {
                width,
                cond,
                dst,
                src,
                off,
            } => {
                if let (Some(t), true) = (jump_to, off != 0) {
                    let d = x86(dst);
                    match (cond, src) {
                        (JmpCond::Set, Operand::Reg(s)) => a.test_rr(width, d, x86(s))?,
                        (JmpCond::Set, Operand::Imm(i)) => match a.blinded(width, i)? {
                            Some(r) => a.test_rr(width, d, r)?,
                            None => a.test_ri(width, d, i)?,
                        },
                        (JmpCond::Eq | JmpCond::Ne, Operand::Imm(0))
                            if self.peep[pc] == Peep::FlagsLive => {}
                        (JmpCond::Eq | JmpCond::Ne, Operand::Imm(0)) => a.test_rr(width, d, d)?,
                        (_, Operand::Reg(s)) => a.op_rr(Op2::Cmp, width, d, x86(s))?,
                        (_, Operand::Imm(i)) => match a.blinded(width, i)? {
                            Some(r) => a.op_rr(Op2::Cmp, width, d, r)?,
                            None => a.op_ri(Op2::Cmp, width, d, i)?,
                        },
                    }
                    a.jcc(jmp_cond(cond), t);
                }
            }
            Insn::Load {
                size,
                signed,
                dst,
                src,
                off,
            } => match self.ctx[pc] {
                None if self.fused.get(pc + 1) == Some(&true) => {
                    a.movbe_load(size, x86(dst), mem(x86(src), off as i32))?;
                    if size == MemSize::H {
                        a.extend(Width::W32, 16, false, x86(dst), x86(dst))?;
                    }
                }
                None => a.load(size, signed, x86(dst), mem(x86(src), off as i32))?,
                Some(field) => {
                    match (
                        packet_pointer_field(self.prog.prog_type, field),
                        size,
                        signed,
                    ) {
                        (Some(env_off), MemSize::W, false) => {
                            a.load64(x86(dst), mem(ENV, env_off))?
                        }
                        _ => {
                            let args = [
                                SlowArg::Const(field as u64),
                                SlowArg::Const(size.bytes() as u64),
                                SlowArg::Const(0),
                            ];
                            ops::slow_call(a, slow::CTX_LOAD, &args, Some(dst), self.stop)?;
                            if signed {
                                let bits = (size.bytes() * 8) as u8;
                                a.extend(Width::W64, bits, true, x86(dst), x86(dst))?;
                            }
                        }
                    }
                }
            },
            Insn::Store {
                size,
                dst,
                off,
                src,
            } => match self.ctx[pc] {
                None => {
                    let m = mem(x86(dst), off as i32);
                    match src {
                        Operand::Reg(s) => a.store_r(size, m, x86(s))?,
                        Operand::Imm(i) => match a.blinded(Width::W64, i)? {
                            Some(r) => a.store_r(size, m, r)?,
                            None => a.store_i(size, m, i)?,
                        },
                    }
                }
                Some(field) => {
                    let value = match src {
                        Operand::Reg(s) => SlowArg::Reg(s),
                        Operand::Imm(i) => SlowArg::Const(i as i64 as u64),
                    };
                    let args = [
                        SlowArg::Const(field as u64),
                        SlowArg::Const(size.bytes() as u64),
                        value,
                    ];
                    ops::slow_call(a, slow::CTX_STORE, &args, None, self.stop)?;
                }
            },
            Insn::Atomic {
                size,
                op,
                fetch,
                dst,
                src,
                off,
            } => {
                let w = match size {
                    MemSize::W => Width::W32,
                    MemSize::DW => Width::W64,
                    _ => {
                        return Err(JitError::Unsupported {
                            pc,
                            what: "atomic operation on 8 or 16 bits",
                        })
                    }
                };
                ops::atomic(a, w, op, fetch, dst, src, off)?
            }
            Insn::LdImm64 { dst, src, imm } => {
                let d = x86(dst);
                match src {
                    LdImm64Src::Imm => a.mov_user(d, imm)?,
                    LdImm64Src::MapFd
                    | LdImm64Src::MapIdx
                    | LdImm64Src::MapValue
                    | LdImm64Src::MapIdxValue => {
                        // The run's map table holds [handle, direct value address] per map.
                        let index = imm & 0xffff_ffff;
                        let value = matches!(src, LdImm64Src::MapValue | LdImm64Src::MapIdxValue);
                        let disp = index
                            .checked_mul(16)
                            .and_then(|d| d.checked_add(if value { 8 } else { 0 }))
                            .and_then(|d| i32::try_from(d).ok())
                            .ok_or(JitError::Unsupported {
                                pc,
                                what: "map index this large",
                            })?;
                        a.load64(d, mem(ENV, offsets::MAP_TABLE))?;
                        a.load64(d, mem(d, disp))?;
                        let off = imm >> 32;
                        if value && off != 0 {
                            if off <= i32::MAX as u64 {
                                a.op_ri(Op2::Add, Width::W64, d, off as i32)?;
                            } else {
                                a.mov_ri64(regs::TMP, off)?;
                                a.op_rr(Op2::Add, Width::W64, d, regs::TMP)?;
                            }
                        }
                    }
                    // As the interpreter: the absolute slot of the function.
                    LdImm64Src::Func => {
                        let t = pc as i64 + 1 + imm as u32 as i32 as i64;
                        a.mov_ri64(d, t as u32 as u64)?
                    }
                    LdImm64Src::BtfId => {
                        return Err(JitError::Unsupported {
                            pc,
                            what: "LD_IMM64 of a BTF object",
                        })
                    }
                }
            }
            // Never reached: lowering steps over it with the LD_IMM64 it belongs to.
            Insn::LdImm64Tail => {}
            Insn::LdAbs { size, imm } => {
                let args = [
                    SlowArg::Const(imm as u32 as u64),
                    SlowArg::Const(size.bytes() as u64),
                    SlowArg::Const(0),
                ];
                ops::slow_call(a, slow::LD_ABS, &args, Some(Reg::R0), self.stop)?
            }
            Insn::LdInd { size, src, imm } => {
                let args = [
                    SlowArg::RegPlus32(src, imm),
                    SlowArg::Const(size.bytes() as u64),
                    SlowArg::Const(0),
                ];
                ops::slow_call(a, slow::LD_ABS, &args, Some(Reg::R0), self.stop)?
            }
            Insn::Call(CallTarget::Helper(id)) => ops::helper_call(a, HelperId::Const(id), f.stop)?,
            Insn::CallX { reg } => ops::helper_call(a, HelperId::InReg(reg), f.stop)?,
            Insn::Call(CallTarget::Local(off)) => {
                let t = pc as i64 + 1 + off as i64;
                let entry = self
                    .func_entries
                    .iter()
                    .find(|(s, _)| *s as i64 == t)
                    .map(|(_, l)| *l)
                    .ok_or(JitError::BadCall { pc, target: t })?;
                a.branch(BranchKind::Call, entry);
            }
            Insn::Call(CallTarget::Kfunc { .. }) => {
                return Err(JitError::Unsupported {
                    pc,
                    what: "kfunc call",
                })
            }
            // Checked mode: every eBPF function, the entry one too, is natively called.
            Insn::Exit if self.checked => a.ret()?,
            Insn::Exit => {
                if !last {
                    a.jmp(f.epilogue);
                }
            }
        }
        if let Some((l, i)) = bad_target {
            let skip = self.a.label();
            self.a.jmp(skip);
            self.a.bind(l);
            checked::fault(&mut self.a, i, self.stop)?;
            self.a.bind(skip);
        }
        if self.checked && matches!(insn, Insn::Call(CallTarget::Helper(_)) | Insn::CallX { .. }) {
            checked::forget_hot(&mut self.a)?;
        }
        Ok(())
    }

    /// For a verified `bpf_map_lookup_elem` on an ARRAY map named by an LD_IMM64 earlier in the
    /// same straight-line block (so r1 is that map on every path), the map: the lookup is then
    /// done inline, as the kernel's verifier inlines it, instead of calling the runtime.
    fn inline_array_lookup(&self, pc: usize, id: i32) -> Option<(usize, &ir::MapDef)> {
        if id != ir::runtime::helper_id::MAP_LOOKUP_ELEM || self.facts.is_none() {
            return None;
        }
        let mut at = pc;
        while at > 0 {
            if self.is_target[at] {
                return None;
            }
            at -= 1;
            match self.prog.insns[at] {
                Insn::LdImm64Tail => continue,
                Insn::LdImm64 {
                    dst: Reg::R1,
                    src,
                    imm,
                } => {
                    if !matches!(src, LdImm64Src::MapFd | LdImm64Src::MapIdx) {
                        return None;
                    }
                    let index = (imm & 0xffff_ffff) as usize;
                    let def = self.prog.maps.get(index)?;
                    let array =
                        matches!(def.map_type, ir::MapType::Array | ir::MapType::PercpuArray);
                    return (array && def.key_size == 4 && def.value_size > 0)
                        .then_some((index, def));
                }
                insn if writes_r1(&insn) => return None,
                _ => {}
            }
        }
        None
    }

    fn alu(&mut self, w: Width, op: AluOp, dst: Reg, src: Operand) -> Result<(), JitError> {
        // A divisor the verifier proved constant needs no zero or -1 check at run time.
        let divides = matches!(op, AluOp::Div | AluOp::Mod | AluOp::SDiv | AluOp::SMod);
        let src = match (src, self.facts) {
            (Operand::Reg(_), Some(v)) if divides => match v.facts(self.a.pc).src_const {
                Some(c) if w == Width::W32 => Operand::Imm(c as u32 as i32),
                Some(c) if c as i64 == c as i32 as i64 => Operand::Imm(c as i32),
                _ => src,
            },
            _ => src,
        };
        let a = &mut self.a;
        let d = x86(dst);
        let bin = |op: AluOp| match op {
            AluOp::Add => Some(Op2::Add),
            AluOp::Sub => Some(Op2::Sub),
            AluOp::And => Some(Op2::And),
            AluOp::Or => Some(Op2::Or),
            AluOp::Xor => Some(Op2::Xor),
            _ => None,
        };
        let shift = |op: AluOp| match op {
            AluOp::Lsh => Some(Shift::Shl),
            AluOp::Rsh => Some(Shift::Shr),
            AluOp::Arsh => Some(Shift::Sar),
            _ => None,
        };
        if let Some(b) = bin(op) {
            return match src {
                Operand::Reg(s) => a.op_rr(b, w, d, x86(s)),
                Operand::Imm(i) => match a.blinded(w, i)? {
                    Some(r) => a.op_rr(b, w, d, r),
                    None => a.op_ri(b, w, d, i),
                },
            };
        }
        if let Some(s) = shift(op) {
            return match src {
                Operand::Reg(c) => ops::shift_reg(a, self.opts.cpu.bmi2, s, w, dst, c),
                Operand::Imm(i) => {
                    let n = (i as u32 & if w == Width::W64 { 63 } else { 31 }) as u8;
                    match (n, w) {
                        (0, Width::W64) => Ok(()),
                        (0, Width::W32) => a.mov_rr(Width::W32, d, d),
                        _ => a.shift_ri(s, w, d, n),
                    }
                }
            };
        }
        match (op, src) {
            (AluOp::Mov, Operand::Reg(s)) => a.mov_rr(w, d, x86(s)),
            (AluOp::Mov, Operand::Imm(i)) => match w {
                Width::W64 => a.mov_user(d, i as i64 as u64),
                Width::W32 => a.mov_user(d, i as u32 as u64),
            },
            (AluOp::Mul, Operand::Reg(s)) => a.imul_rr(w, d, x86(s)),
            (AluOp::Mul, Operand::Imm(i)) => match a.blinded(w, i)? {
                Some(r) => a.imul_rr(w, d, r),
                None => {
                    if ops::mul_const(a, w, dst, i)? {
                        Ok(())
                    } else {
                        a.imul_ri(w, d, i)
                    }
                }
            },
            (AluOp::Div | AluOp::Mod | AluOp::SDiv | AluOp::SMod, _) => {
                ops::divmod(a, w, op, dst, src)
            }
            // Handled above; listed so the match stays exhaustive over `AluOp`.
            (
                AluOp::Add
                | AluOp::Sub
                | AluOp::And
                | AluOp::Or
                | AluOp::Xor
                | AluOp::Lsh
                | AluOp::Rsh
                | AluOp::Arsh,
                _,
            ) => Err(JitError::Unsupported {
                pc: a.pc,
                what: "ALU operation",
            }),
        }
    }
}

/// One branch form as iced-x86 encodes it, with where its relative target goes: the final
/// emission copies it and writes the distance there.
#[derive(Clone, Copy)]
struct BranchTemplate {
    bytes: [u8; 8],
    len: usize,
    rel_at: usize,
    rel_size: usize,
}

/// Branch templates by iced-x86 code, made on first use.
#[derive(Default)]
struct BranchTemplates(Vec<(iced_x86::Code, BranchTemplate)>);

impl BranchTemplates {
    fn get(&mut self, enc: &mut Encoder, code: iced_x86::Code) -> Result<BranchTemplate, JitError> {
        if let Some((_, t)) = self.0.iter().find(|(c, _)| *c == code) {
            return Ok(*t);
        }
        let bad = |m: String| JitError::Layout(format!("branch template {code:?}: {m}"));
        // Encoded at 0x1000 with a target of 0x1000 (a backward distance of its own length).
        let i = Instruction::with_branch(code, 0x1000).map_err(|e| bad(e.to_string()))?;
        let len = enc.encode(&i, 0x1000).map_err(|e| bad(e.to_string()))?;
        let offs = enc.get_constant_offsets();
        let buf = enc.take_buffer();
        let (rel_at, rel_size) = if offs.has_displacement() {
            (offs.displacement_offset(), offs.displacement_size())
        } else if offs.has_immediate() {
            (offs.immediate_offset(), offs.immediate_size())
        } else {
            return Err(bad("no relative field".into()));
        };
        if len > 8 || buf.len() != len || rel_at + rel_size != len {
            return Err(bad(format!(
                "unexpected shape ({len} bytes, field at {rel_at})"
            )));
        }
        let mut bytes = [0u8; 8];
        bytes[..len].copy_from_slice(&buf);
        let t = BranchTemplate {
            bytes,
            len,
            rel_at,
            rel_size,
        };
        self.0.push((code, t));
        Ok(t)
    }
}

/// Settle branch forms and emit the final bytes.
///
/// Pass 0 gives every branch that has one its short form. Each later pass makes near every short
/// branch whose target, by that pass's offsets, is out of its reach; since forms only ever grow,
/// distances only grow and a near branch stays needed. When a pass changes nothing, the offsets
/// are final (they record where every eBPF instruction starts); the emission then re-walks the
/// items and checks that every label lands exactly where the layout said.
pub(crate) fn layout(asm: &mut Asm) -> Result<Emitted, JitError> {
    let items = &asm.items;
    let nlabels = asm.label_count();
    let branch_count = items
        .iter()
        .filter(|i| matches!(i, Item::Branch { .. }))
        .count();
    // Start with every branch that has a short form short; each pass makes near every short
    // branch whose target is out of reach. Forms only grow, so distances only grow and a branch
    // made near stays near: the passes stop within `branch_count + 1`. Only the settled layout
    // is valid; if the cap is hit, all-near is (and is used).
    let mut short: Vec<bool> = items
        .iter()
        .filter_map(|i| match i {
            Item::Branch { kind, .. } => Some(kind.short_len().is_some()),
            _ => None,
        })
        .collect();
    let mut branch_start = vec![0u32; branch_count];
    let mut pos = vec![u32::MAX; nlabels];
    let place = |short: &[bool], pos: &mut [u32], branch_start: &mut [u32]| {
        let (mut at, mut b) = (0u32, 0usize);
        for item in items {
            match *item {
                Item::Bytes { len, .. } => at += len,
                Item::Branch { kind, .. } => {
                    branch_start[b] = at;
                    at += if short[b] { 2 } else { kind.near_len() };
                    b += 1;
                }
                Item::Bind(l) => pos[l.0 as usize] = at,
            }
        }
        at
    };
    let mut total = place(&short, &mut pos, &mut branch_start);
    for item in items {
        if let Item::Branch { target, .. } = item {
            if pos[target.0 as usize] == u32::MAX {
                return Err(JitError::Layout(format!("label {} never bound", target.0)));
            }
        }
    }
    let mut settled = false;
    for _ in 0..MAX_PASSES {
        let mut changed = false;
        let mut b = 0usize;
        for item in items {
            if let Item::Branch { target, .. } = *item {
                if short[b] {
                    let d = pos[target.0 as usize] as i64 - (branch_start[b] + 2) as i64;
                    if !is_imm8(d) {
                        short[b] = false;
                        changed = true;
                    }
                }
                b += 1;
            }
        }
        if !changed {
            settled = true;
            break;
        }
        total = place(&short, &mut pos, &mut branch_start);
    }
    if !settled {
        short.iter_mut().for_each(|s| *s = false);
        total = place(&short, &mut pos, &mut branch_start);
    }
    // Final emission.
    let bytes = asm.take_bytes();
    let mut code = Vec::with_capacity(total as usize);
    let mut enc = Encoder::new(64);
    let mut templates = BranchTemplates::default();
    let mut b = 0usize;
    for item in &asm.items {
        match *item {
            Item::Bytes { start, len } => {
                let r = start as usize..(start + len) as usize;
                let chunk = bytes
                    .get(r)
                    .ok_or_else(|| JitError::Layout("encoded bytes out of range".into()))?;
                code.extend_from_slice(chunk);
            }
            Item::Branch { kind, target } => {
                let at = code.len();
                let t = templates.get(&mut enc, kind.code(short[b]))?;
                let want = if short[b] {
                    2
                } else {
                    kind.near_len() as usize
                };
                if t.len != want {
                    return Err(JitError::Layout(format!(
                        "branch at {at:#x} encodes in {} bytes, layout said {want}",
                        t.len
                    )));
                }
                let rel = pos[target.0 as usize] as i64 - (at + t.len) as i64;
                code.extend_from_slice(&t.bytes[..t.len]);
                let field = &mut code[at + t.rel_at..at + t.rel_at + t.rel_size];
                match t.rel_size {
                    1 if is_imm8(rel) => field.copy_from_slice(&(rel as i8).to_le_bytes()),
                    4 if is_simm32(rel) => field.copy_from_slice(&(rel as i32).to_le_bytes()),
                    _ => {
                        return Err(JitError::Layout(format!(
                            "branch at {at:#x}: target {rel:+} out of reach"
                        )))
                    }
                }
                b += 1;
            }
            Item::Bind(l) => {
                if pos[l.0 as usize] as usize != code.len() {
                    return Err(JitError::Layout(format!(
                        "label {} at {:#x}, layout said {:#x}",
                        l.0,
                        code.len(),
                        pos[l.0 as usize]
                    )));
                }
            }
        }
    }
    if code.len() != total as usize {
        return Err(JitError::Layout(format!(
            "emitted {} bytes, layout said {total}",
            code.len()
        )));
    }
    Ok(Emitted {
        code,
        label_pos: pos,
        branch_short: short,
    })
}
