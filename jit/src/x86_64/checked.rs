//! Checked mode: lowering for programs no verifier has accepted (conformance `.data` files,
//! mutated programs), so that running them can never touch memory outside the run's live
//! regions, never run forever, and never corrupt the native frames.
//!
//! - The eBPF stack is not on the native stack: it is a buffer of [`MAX_FRAMES`] ×
//!   [`STACK_SIZE`] bytes owned by the run, as in the interpreter. r10 (RBP) points into it and
//!   is never the native frame pointer; an instruction that writes r10 stops the run.
//! - Every load and store is checked: inline against the live eBPF stack and the region the
//!   last checked access hit; otherwise through [`crate::checked_access`], which checks it
//!   against every live region exactly as the interpreter does (context accesses included).
//!   Atomics always go through it.
//! - Every basic block subtracts its instruction count from a step budget on entry (an
//!   LD_IMM64 counts once, as in the interpreter); running out stops the run.
//! - bpf-to-bpf calls move r10 down one frame and zero it, at most [`MAX_FRAMES`] frames deep.
//!   As in the interpreter there are no function boundaries: the whole program is one native
//!   function whose slots any jump or call may reach; a call site saves r6..r9 and calls the
//!   slot natively, `exit` is `ret`, and a wrapper calls slot 0 and unwinds stops.
//! - What cannot be compiled (a jump outside its function, an unsupported instruction)
//!   becomes a stop at that slot, taken only if control gets there, as in the interpreter.
//!
//! Faults known at compile time are numbered; the stop code [`stop::FAULT`] names one.

use super::emit::{mem, Asm, BranchKind, Cond, Label, Op2};
use super::ops::{self, Frame, SlowArg};
use super::regs::{x86, CALLEE_SAVED, ENV, TMP, TMP3};
use super::{Func, Lowering};
use crate::checked_access::meta;
use crate::trampoline::{offsets, slow, stop};
use crate::JitError;
use iced_x86::{Code, Instruction, Register};
use ir::insn::{AtomicOp, CallTarget, Insn, MemSize, Operand, Width};
use ir::interp::{ExecErrorKind, MAX_FRAMES, STACK_SIZE};
use ir::Reg;

/// Bytes of the eBPF stack a checked run owns.
pub(crate) const STACK_BYTES: usize = MAX_FRAMES * STACK_SIZE;

/// What a write to r10 stops with.
pub(crate) const R10_WRITE: &str = "r10 is the read-only frame pointer: the program writes it";

/// Whether `insn` writes r10.
pub(crate) fn writes_r10(insn: &Insn) -> bool {
    match *insn {
        Insn::Alu { dst, .. }
        | Insn::MovSx { dst, .. }
        | Insn::Neg { dst, .. }
        | Insn::End { dst, .. }
        | Insn::Load { dst, .. }
        | Insn::LdImm64 { dst, .. } => dst == Reg::R10,
        Insn::Atomic { src, op, fetch, .. } => src == Reg::R10 && (fetch || op == AtomicOp::Xchg),
        _ => false,
    }
}

/// For each slot that starts a basic block, the number of instructions in the block (an
/// LD_IMM64 counts once, its second slot not at all). Blocks start at slot 0, jump and call
/// targets and after every jump, local call and exit, so a block runs to its end whenever
/// control leaves it through a jump, call or exit.
pub(crate) fn blocks(insns: &[Insn], is_target: &[bool]) -> Vec<u32> {
    let n = insns.len();
    let mut leader = vec![false; n];
    if let Some(l) = leader.first_mut() {
        *l = true;
    }
    for (pc, insn) in insns.iter().enumerate() {
        if is_target.get(pc) == Some(&true) {
            leader[pc] = true;
        }
        if let Insn::Call(CallTarget::Local(off)) = insn {
            let t = pc as i64 + 1 + *off as i64;
            if let Some(l) = usize::try_from(t).ok().and_then(|t| leader.get_mut(t)) {
                *l = true;
            }
        }
        let ends = matches!(
            insn,
            Insn::Ja { .. } | Insn::Jmp { .. } | Insn::Exit | Insn::Call(CallTarget::Local(_))
        );
        if ends && pc + 1 < n {
            leader[pc + 1] = true;
        }
    }
    let mut len = vec![0u32; n];
    let mut pc = n;
    let mut count = 0u32;
    while pc > 0 {
        pc -= 1;
        if !matches!(insns[pc], Insn::LdImm64Tail) {
            count += 1;
        }
        if leader[pc] {
            len[pc] = count;
            count = 0;
        }
    }
    len
}

fn negate(c: Cond) -> Cond {
    match c {
        Cond::E => Cond::Ne,
        Cond::Ne => Cond::E,
        Cond::A => Cond::Be,
        Cond::Be => Cond::A,
        Cond::Ae => Cond::B,
        Cond::B => Cond::Ae,
        Cond::G => Cond::Le,
        Cond::Le => Cond::G,
        Cond::Ge => Cond::L,
        Cond::L => Cond::Ge,
    }
}

/// Stop with fault `index`.
pub(crate) fn fault(a: &mut Asm, index: usize, stop_label: Label) -> Result<(), JitError> {
    let index = i32::try_from(index).map_err(|_| JitError::Unsupported {
        pc: a.pc,
        what: "a program this large in checked mode",
    })?;
    a.ins(Instruction::with2(
        Code::Mov_rm64_imm32,
        mem(ENV, offsets::FAULT),
        index,
    ))?;
    super::ops::stop_with(a, stop::FAULT, stop_label)
}

/// Stop with fault `index` when the flags say `cond`.
pub(crate) fn fault_if(
    a: &mut Asm,
    cond: Cond,
    index: usize,
    stop_label: Label,
) -> Result<(), JitError> {
    let skip = a.label();
    a.jcc(negate(cond), skip);
    fault(a, index, stop_label)?;
    a.bind(skip);
    Ok(())
}

/// Subtract a block of `len` instructions from the budget; stop with fault `index` when the
/// budget does not cover it.
pub(crate) fn budget(
    a: &mut Asm,
    len: u32,
    index: usize,
    stop_label: Label,
) -> Result<(), JitError> {
    let len = i32::try_from(len).unwrap_or(i32::MAX);
    a.op_mi(Op2::Sub, Width::W64, mem(ENV, offsets::BUDGET), len)?;
    fault_if(a, Cond::B, index, stop_label)
}

/// At the entry function's start: r10 is the top of the frame the run (or tail call) starts in.
pub(crate) fn enter_frame(a: &mut Asm) -> Result<(), JitError> {
    a.load64(Register::RBP, mem(ENV, offsets::STACK_LO))?;
    a.op_ri(Op2::Add, Width::W64, Register::RBP, STACK_SIZE as i32)
}

/// `TMP = TMP3 - [lo] + n`; go to `miss` unless `[TMP3, TMP3 + n)` lies in `[lo, lo + span)`.
fn range_check(a: &mut Asm, lo: i32, span: i32, n: u32, miss: Label) -> Result<(), JitError> {
    a.mov_rr(Width::W64, TMP, TMP3)?;
    a.ins(Instruction::with2(Code::Sub_r64_rm64, TMP, mem(ENV, lo)))?;
    a.op_ri(Op2::Add, Width::W64, TMP, n as i32)?;
    a.jcc(Cond::B, miss);
    a.ins(Instruction::with2(Code::Cmp_r64_rm64, TMP, mem(ENV, span)))?;
    a.jcc(Cond::A, miss);
    Ok(())
}

/// `TMP3 = base + off`; fall through when `[TMP3, TMP3 + n)` is in the live stack or the hot
/// region (the writable one for stores), else go to `slow`.
fn fast_check(
    a: &mut Asm,
    base: Reg,
    off: i16,
    n: u32,
    write: bool,
    slow: Label,
) -> Result<(), JitError> {
    a.lea(TMP3, mem(x86(base), off as i32))?;
    let (not_stack, ok) = (a.label(), a.label());
    range_check(a, offsets::STACK_LO, offsets::STACK_SPAN, n, not_stack)?;
    a.jmp(ok);
    a.bind(not_stack);
    let (lo, span) = if write {
        (offsets::HOT_W_LO, offsets::HOT_W_SPAN)
    } else {
        (offsets::HOT_LO, offsets::HOT_SPAN)
    };
    range_check(a, lo, span, n, slow)?;
    a.bind(ok);
    Ok(())
}

/// A checked `dst = *(size *)(src + off)`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn load(
    a: &mut Asm,
    size: MemSize,
    signed: bool,
    dst: Reg,
    src: Reg,
    off: i16,
    pc: usize,
    stop_label: Label,
) -> Result<(), JitError> {
    let (slow_path, done) = (a.label(), a.label());
    fast_check(a, src, off, size.bytes(), false, slow_path)?;
    a.load(size, signed, x86(dst), mem(TMP3, 0))?;
    a.jmp(done);
    a.bind(slow_path);
    let args = [
        SlowArg::Addr(src, off),
        SlowArg::Const(meta(size, signed, None, pc)),
    ];
    ops::slow_call(a, slow::CHECKED_LOAD, &args, Some(dst), stop_label)?;
    a.bind(done);
    Ok(())
}

/// A checked `*(size *)(dst + off) = src`.
pub(crate) fn store(
    a: &mut Asm,
    size: MemSize,
    dst: Reg,
    off: i16,
    src: Operand,
    pc: usize,
    stop_label: Label,
) -> Result<(), JitError> {
    let (slow_path, done) = (a.label(), a.label());
    fast_check(a, dst, off, size.bytes(), true, slow_path)?;
    let m = mem(TMP3, 0);
    match src {
        Operand::Reg(s) => a.store_r(size, m, x86(s))?,
        Operand::Imm(i) => match a.blinded(Width::W64, i)? {
            Some(r) => a.store_r(size, m, r)?,
            None => a.store_i(size, m, i)?,
        },
    }
    a.jmp(done);
    a.bind(slow_path);
    let value = match src {
        Operand::Reg(s) => SlowArg::Reg(s),
        Operand::Imm(i) => SlowArg::Const(i as i64 as u64),
    };
    let args = [
        SlowArg::Addr(dst, off),
        value,
        SlowArg::Const(meta(size, false, None, pc)),
    ];
    ops::slow_call(a, slow::CHECKED_STORE, &args, None, stop_label)?;
    a.bind(done);
    Ok(())
}

/// A checked atomic: always through the runtime, which checks and performs it.
#[allow(clippy::too_many_arguments)]
pub(crate) fn atomic(
    a: &mut Asm,
    size: MemSize,
    op: AtomicOp,
    fetch: bool,
    dst: Reg,
    src: Reg,
    off: i16,
    pc: usize,
    stop_label: Label,
) -> Result<(), JitError> {
    let args = [
        SlowArg::Addr(dst, off),
        SlowArg::Reg(src),
        SlowArg::Reg(Reg::R0),
        SlowArg::Const(meta(size, false, Some((op, fetch)), pc)),
    ];
    let out = match op {
        AtomicOp::CmpXchg => Some(Reg::R0),
        AtomicOp::Xchg => Some(src),
        _ if fetch => Some(src),
        _ => None,
    };
    ops::slow_call(a, slow::CHECKED_ATOMIC, &args, out, stop_label)
}

/// A bpf-to-bpf call: at most [`MAX_FRAMES`] frames (else fault `depth_fault`), r10 one frame
/// down and the new frame zeroed, r6..r9 kept for the caller, as the interpreter does. Code
/// runs with RSP 16-aligned; the return address and a pad keep it so in the callee.
pub(crate) fn local_call(
    a: &mut Asm,
    entry: Label,
    depth_fault: usize,
    stop_label: Label,
) -> Result<(), JitError> {
    let frame = STACK_SIZE as i32;
    a.op_mi(
        Op2::Cmp,
        Width::W64,
        mem(ENV, offsets::STACK_SPAN),
        STACK_BYTES as i32,
    )?;
    fault_if(a, Cond::Ae, depth_fault, stop_label)?;
    a.op_ri(Op2::Sub, Width::W64, Register::RBP, frame)?;
    a.op_mi(Op2::Sub, Width::W64, mem(ENV, offsets::STACK_LO), frame)?;
    a.op_mi(Op2::Add, Width::W64, mem(ENV, offsets::STACK_SPAN), frame)?;
    a.zero_below(Register::RBP, frame)?;
    for (_, r) in CALLEE_SAVED {
        a.push(r)?;
    }
    a.adjust_rsp(8)?;
    a.branch(BranchKind::Call, entry);
    a.adjust_rsp(-8)?;
    for (_, r) in CALLEE_SAVED.iter().rev() {
        a.pop(*r)?;
    }
    a.op_ri(Op2::Add, Width::W64, Register::RBP, frame)?;
    a.op_mi(Op2::Add, Width::W64, mem(ENV, offsets::STACK_LO), frame)?;
    a.op_mi(Op2::Sub, Width::W64, mem(ENV, offsets::STACK_SPAN), frame)
}

/// The one native function of a checked program: slots `0..n`, entered through a wrapper
/// that saves what the host needs kept (the environment register, RBP, r6..r9).
pub(crate) fn whole_program(a: &mut Asm, prog: &ir::Program) -> Func {
    let tail_stub = prog.insns.iter().any(|i| {
        matches!(
            i,
            Insn::CallX { .. } | Insn::Call(CallTarget::Helper(ir::runtime::helper_id::TAIL_CALL))
        )
    });
    let stop_stub = a.label();
    Func {
        start: 0,
        end: prog.insns.len(),
        entry: a.label(),
        epilogue: a.label(),
        stop: stop_stub,
        tail_stub,
        frame: Frame {
            stack: 0,
            saved: [ENV, Register::RBP]
                .into_iter()
                .chain(CALLEE_SAVED.iter().map(|(_, x)| *x))
                .collect(),
            entry: true,
            count_depth: false,
            zero_stack: false,
            native_fp: false,
        },
    }
}

impl Lowering<'_> {
    /// Number a checked-mode fault at `pc`.
    pub(super) fn fault(&mut self, pc: usize, kind: ExecErrorKind) -> usize {
        self.faults.push((pc, kind));
        self.faults.len() - 1
    }

    /// Lower the whole program `f` (from [`whole_program`]) in checked mode.
    pub(super) fn function_checked(&mut self, f: &Func) -> Result<(), JitError> {
        let n = f.end;
        self.a.pc = 0;
        self.a.bind(f.entry);
        ops::prologue(&mut self.a, &f.frame, self.depth_error)?;
        for r in [0u8, 3, 4, 5, 6, 7, 8, 9] {
            if let Some(r) = Reg::new(r) {
                self.a.mov_ri64(x86(r), 0)?;
            }
        }
        enter_frame(&mut self.a)?;
        // Slot 0 is called like any function; `exit` returns here with r0 in RAX.
        self.a.adjust_rsp(8)?;
        self.a.branch(BranchKind::Call, self.insn_labels[0]);
        self.a.adjust_rsp(-8)?;
        self.a.jmp(f.epilogue);
        let mut pc = 0;
        while pc < n {
            self.a.pc = pc;
            self.a.bind(self.insn_labels[pc]);
            if let Some(&len) = self.blocks.get(pc).filter(|l| **l > 0) {
                let i = self.fault(pc, ExecErrorKind::BudgetExceeded { budget: 0 });
                budget(&mut self.a, len, i, self.stop)?;
            }
            let insn = self.prog.insns[pc];
            match self.insn(pc, insn, f, false) {
                Ok(()) => {}
                // What cannot be compiled stops the run if control gets here.
                Err(e) => {
                    let kind = fault_of(&e, n).ok_or(e)?;
                    let i = self.fault(pc, kind);
                    fault(&mut self.a, i, self.stop)?;
                }
            }
            if let Insn::LdImm64 { .. } = insn {
                if let Some(l) = self.insn_labels.get(pc + 1) {
                    self.a.bind(*l);
                }
            }
            pc += insn.slots();
        }
        // Running off the end of the program.
        let i = self.fault(n, ExecErrorKind::PcOutOfRange { target: n as i64 });
        fault(&mut self.a, i, self.stop)?;
        self.a.bind(f.epilogue);
        ops::epilogue(&mut self.a, &f.frame)?;
        // Where helper calls go when the host asks to stop: a finished tail call makes the
        // calling eBPF function return the target's r0 (as `exit`); anything else unwinds.
        self.a.bind(f.stop);
        if f.tail_stub {
            self.a.op_mi(
                Op2::Cmp,
                Width::W64,
                mem(ENV, offsets::STOP),
                stop::TAIL_RETURN as i32,
            )?;
            self.a.jcc(Cond::Ne, self.stop);
            self.a.load64(Register::RAX, mem(ENV, offsets::RESULT))?;
            self.a.ins(Instruction::with2(
                Code::Mov_rm64_imm32,
                mem(ENV, offsets::STOP),
                0i32,
            ))?;
            self.a.ret()?;
        } else {
            self.a.jmp(self.stop);
        }
        Ok(())
    }

    /// Checked mode: lower the instructions whose checked form differs; false for the rest.
    pub(super) fn checked_insn(&mut self, pc: usize, insn: Insn) -> Result<bool, JitError> {
        if writes_r10(&insn) {
            let i = self.fault(pc, ExecErrorKind::Unsupported(R10_WRITE));
            fault(&mut self.a, i, self.stop)?;
            return Ok(true);
        }
        let stop = self.stop;
        match insn {
            Insn::Load {
                size,
                signed,
                dst,
                src,
                off,
            } => load(&mut self.a, size, signed, dst, src, off, pc, stop)?,
            Insn::Store {
                size,
                dst,
                off,
                src,
            } => store(&mut self.a, size, dst, off, src, pc, stop)?,
            Insn::Atomic {
                size,
                op,
                fetch,
                dst,
                src,
                off,
            } => {
                if !matches!(size, MemSize::W | MemSize::DW) {
                    return Err(JitError::Unsupported {
                        pc,
                        what: "atomic operation on 8 or 16 bits",
                    });
                }
                atomic(&mut self.a, size, op, fetch, dst, src, off, pc, stop)?
            }
            Insn::Call(CallTarget::Local(off)) => {
                let t = pc as i64 + 1 + off as i64;
                let entry = usize::try_from(t)
                    .ok()
                    .filter(|&t| !matches!(self.prog.insns.get(t), None | Some(Insn::LdImm64Tail)))
                    .map(|t| self.insn_labels[t])
                    .ok_or(JitError::BadJump { pc, target: t })?;
                let depth = self.fault(pc, ExecErrorKind::CallDepth);
                local_call(&mut self.a, entry, depth, stop)?;
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// After a helper call: forget the hot regions (a helper may move the packet or free a map
/// value).
pub(crate) fn forget_hot(a: &mut Asm) -> Result<(), JitError> {
    for span in [offsets::HOT_SPAN, offsets::HOT_W_SPAN] {
        a.ins(Instruction::with2(
            Code::Mov_rm64_imm32,
            mem(ENV, span),
            0i32,
        ))?;
    }
    Ok(())
}

/// The fault a compile error becomes in checked mode, if it is one that only matters when
/// control reaches the slot (`len`: slots in the program).
pub(crate) fn fault_of(e: &JitError, len: usize) -> Option<ExecErrorKind> {
    match *e {
        JitError::Unsupported { what, .. } => Some(ExecErrorKind::Unsupported(what)),
        JitError::BadJump { target, .. } if target < 0 || target >= len as i64 => {
            Some(ExecErrorKind::PcOutOfRange { target })
        }
        // The interpreter's words for running the second slot of an LD_IMM64.
        JitError::BadJump { .. } => Some(ExecErrorKind::Unsupported(
            "the second slot of an LD_IMM64 is not an instruction",
        )),
        JitError::BadCall { .. } => Some(ExecErrorKind::Unsupported(
            "a bpf-to-bpf call to a slot that is not a function start",
        )),
        _ => None,
    }
}
