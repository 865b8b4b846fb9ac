//! Multi-instruction sequences: division and modulo with eBPF's by-zero and INT_MIN/-1 rules,
//! shifts by a register, fetching atomics, helper calls, function frames.

use super::emit::{mem, Asm, Cond, Label, Op2, Shift};
use super::regs::{x86, ENV, TMP, TMP2, TMP3};
use crate::trampoline::offsets;
use crate::JitError;
use iced_x86::Register;
use ir::insn::{AluOp, AtomicOp, Operand, Width};
use ir::Reg;

/// `dst = dst OP src` for `Div`, `Mod`, `SDiv`, `SMod`.
///
/// eBPF: division by zero gives 0; modulo by zero leaves the dividend (truncated to 32 bits for
/// the 32-bit class); `INT_MIN / -1` is `INT_MIN` and `INT_MIN % -1` is 0 (x86 `idiv` would
/// fault, so -1 takes its own path).
pub(crate) fn divmod(
    a: &mut Asm,
    w: Width,
    op: AluOp,
    dst: Reg,
    src: Operand,
) -> Result<(), JitError> {
    let signed = matches!(op, AluOp::SDiv | AluOp::SMod);
    let is_mod = matches!(op, AluOp::Mod | AluOp::SMod);
    let d = x86(dst);
    if let Operand::Imm(i) = src {
        if i == 0 {
            return if is_mod {
                match w {
                    Width::W32 => a.mov_rr(Width::W32, d, d),
                    Width::W64 => Ok(()),
                }
            } else {
                a.mov_ri64(d, 0)
            };
        }
        if signed && i == -1 {
            return if is_mod {
                a.mov_ri64(d, 0)
            } else {
                a.neg(w, d)
            };
        }
        if !signed && !is_mod && w == Width::W64 && i == 1 {
            return Ok(());
        }
    }
    // The divisor goes to TMP first: it may live in RAX or RDX, which `div` uses.
    match src {
        Operand::Reg(s) => a.mov_rr(w, TMP, x86(s))?,
        Operand::Imm(i) => match w {
            Width::W64 => a.mov_user(TMP, i as i64 as u64)?,
            Width::W32 => a.mov_user(TMP, i as u32 as u64)?,
        },
    }
    if d != Register::RAX {
        a.mov_rr(Width::W64, TMP2, Register::RAX)?;
    }
    if d != Register::RDX {
        a.mov_rr(Width::W64, TMP3, Register::RDX)?;
    }
    if d != Register::RAX {
        a.mov_rr(Width::W64, Register::RAX, d)?;
    }
    let checks = matches!(src, Operand::Reg(_));
    let (zero, neg1, done) = (a.label(), a.label(), a.label());
    if checks {
        a.test_rr(w, TMP, TMP)?;
        a.jcc(Cond::E, zero);
        if signed {
            a.op_ri(Op2::Cmp, w, TMP, -1)?;
            a.jcc(Cond::E, neg1);
        }
    }
    if signed {
        a.sign_extend_rax(w)?;
    } else {
        a.mov_ri64(Register::RDX, 0)?;
    }
    a.div(w, signed, TMP)?;
    a.mov_rr(w, TMP, if is_mod { Register::RDX } else { Register::RAX })?;
    if checks {
        a.jmp(done);
        a.bind(zero);
        if is_mod {
            a.mov_rr(w, TMP, Register::RAX)?;
        } else {
            a.mov_ri64(TMP, 0)?;
        }
        if signed {
            a.jmp(done);
            a.bind(neg1);
            if is_mod {
                a.mov_ri64(TMP, 0)?;
            } else {
                a.mov_rr(w, TMP, Register::RAX)?;
                a.neg(w, TMP)?;
            }
        }
        a.bind(done);
    }
    if d != Register::RAX {
        a.mov_rr(Width::W64, Register::RAX, TMP2)?;
    }
    if d != Register::RDX {
        a.mov_rr(Width::W64, Register::RDX, TMP3)?;
    }
    a.mov_rr(Width::W64, d, TMP)
}

/// `dst *= imm` without `imul` when a shift and/or `lea`s do it in less latency (`imul` takes
/// 3 cycles; `shl` and a scaled `lea` 1 each on current cores): powers of two, 3, 5 and 9 times
/// a power of two, and 7. Returns false (nothing emitted) for other constants. `imm` is
/// sign-extended for the 64-bit class and taken as a `u32` for the 32-bit class, whose results
/// the 32-bit forms zero-extend as eBPF requires.
pub(crate) fn mul_const(a: &mut Asm, w: Width, dst: Reg, imm: i32) -> Result<bool, JitError> {
    let d = x86(dst);
    let v: u64 = match w {
        Width::W64 if imm > 0 => imm as u64,
        Width::W32 if imm != 0 => imm as u32 as u64,
        _ => return Ok(false),
    };
    let k = v.trailing_zeros();
    let odd = v >> k;
    let lea = |a: &mut Asm, to: Register, base: Register, index: Register, scale: u32| {
        let m = iced_x86::MemoryOperand::with_base_index_scale(base, index, scale);
        match w {
            Width::W64 => a.ins(iced_x86::Instruction::with2(
                iced_x86::Code::Lea_r64_m,
                to,
                m,
            )),
            Width::W32 => a.ins(iced_x86::Instruction::with2(
                iced_x86::Code::Lea_r32_m,
                super::regs::r32(to),
                m,
            )),
        }
    };
    match odd {
        1 if k == 0 => {
            // Times one: the 32-bit class still zero-extends.
            if w == Width::W32 {
                a.mov_rr(Width::W32, d, d)?;
            }
            return Ok(true);
        }
        1 => {}
        3 | 5 | 9 => lea(a, d, d, d, odd as u32 - 1)?,
        7 if k == 0 => {
            // 3x, then x + 2 * 3x.
            lea(a, TMP, d, d, 2)?;
            lea(a, d, d, TMP, 2)?;
        }
        _ => return Ok(false),
    }
    if k > 0 {
        a.shift_ri(Shift::Shl, w, d, k as u8)?;
    }
    Ok(true)
}

/// `dst = dst SHIFT src` with the count in a register: BMI2 `shlx` family when available,
/// else through CL (eBPF r4 lives in RCX, so it is saved in TMP around the shift).
/// x86 masks the count to 6 (64-bit) or 5 (32-bit) bits, exactly as eBPF does.
pub(crate) fn shift_reg(
    a: &mut Asm,
    bmi2: bool,
    s: Shift,
    w: Width,
    dst: Reg,
    src: Reg,
) -> Result<(), JitError> {
    let (d, c) = (x86(dst), x86(src));
    if bmi2 {
        return a.shift_x(s, w, d, c);
    }
    if c == Register::RCX {
        return a.shift_cl(s, w, d);
    }
    a.mov_rr(Width::W64, TMP, Register::RCX)?;
    a.mov_rr(Width::W64, Register::RCX, c)?;
    if d == Register::RCX {
        a.shift_cl(s, w, TMP)?;
    } else {
        a.shift_cl(s, w, d)?;
    }
    a.mov_rr(Width::W64, Register::RCX, TMP)
}

/// Atomic `op` on `*(w *)(dst + off)` with `src`.
pub(crate) fn atomic(
    a: &mut Asm,
    w: Width,
    op: AtomicOp,
    fetch: bool,
    dst: Reg,
    src: Reg,
    off: i16,
) -> Result<(), JitError> {
    let (d, s) = (x86(dst), x86(src));
    let off = off as i32;
    let bin = match op {
        AtomicOp::Add => Op2::Add,
        AtomicOp::Or => Op2::Or,
        AtomicOp::And => Op2::And,
        AtomicOp::Xor => Op2::Xor,
        AtomicOp::Xchg => return a.xchg(w, mem(d, off), s),
        AtomicOp::CmpXchg => {
            let base = if d == Register::RAX {
                a.mov_rr(Width::W64, TMP, d)?;
                TMP
            } else {
                d
            };
            a.lock_cmpxchg(w, mem(base, off), s)?;
            // A successful 32-bit cmpxchg leaves RAX's upper half: r0 is the zero-extended old value.
            return match w {
                Width::W32 => a.mov_rr(Width::W32, Register::RAX, Register::RAX),
                Width::W64 => Ok(()),
            };
        }
    };
    if !fetch {
        return a.lock_op(bin, w, mem(d, off), s);
    }
    if bin == Op2::Add {
        return a.lock_xadd(w, mem(d, off), s);
    }
    // Fetching and/or/xor: a cmpxchg loop through RAX (r0 saved in TMP2).
    let base = if d == Register::RAX {
        a.mov_rr(Width::W64, TMP3, d)?;
        TMP3
    } else {
        d
    };
    a.mov_rr(Width::W64, TMP2, Register::RAX)?;
    let operand = if s == Register::RAX { TMP2 } else { s };
    a.load(
        match w {
            Width::W64 => ir::insn::MemSize::DW,
            Width::W32 => ir::insn::MemSize::W,
        },
        false,
        Register::RAX,
        mem(base, off),
    )?;
    let retry = a.label();
    a.bind(retry);
    a.mov_rr(w, TMP, Register::RAX)?;
    a.op_rr(bin, w, TMP, operand)?;
    a.lock_cmpxchg(w, mem(base, off), TMP)?;
    a.jcc(Cond::Ne, retry);
    if s != Register::RAX {
        a.mov_rr(w, s, Register::RAX)?;
        a.mov_rr(Width::W64, Register::RAX, TMP2)?;
    }
    Ok(())
}

/// Which helper a call names.
#[derive(Clone, Copy, Debug)]
pub(crate) enum HelperId {
    /// `call N`.
    Const(i32),
    /// `callx reg`: the id is in the register.
    InReg(Reg),
}

/// Call a helper through the trampoline; afterwards go to `stop` if the host asked to stop.
pub(crate) fn helper_call(a: &mut Asm, id: HelperId, stop: Label) -> Result<(), JitError> {
    if let HelperId::Const(ir::runtime::helper_id::MAP_LOOKUP_ELEM) = id {
        // The lean path: no helper id, its own trampoline.
        a.mov_rr(Width::W64, TMP3, ENV)?;
        a.call_mem(mem(ENV, offsets::LOOKUP))?;
        a.ins(iced_x86::Instruction::with2(
            iced_x86::Code::Cmp_rm8_imm8,
            mem(ENV, offsets::STOP),
            0u32,
        ))?;
        a.jcc(Cond::Ne, stop);
        return Ok(());
    }
    match id {
        HelperId::Const(n) => a.ins(iced_x86::Instruction::with2(
            iced_x86::Code::Mov_rm64_imm32,
            mem(ENV, offsets::HELPER_ID),
            n,
        ))?,
        HelperId::InReg(r) => a.store64(mem(ENV, offsets::HELPER_ID), x86(r))?,
    }
    a.mov_rr(Width::W64, TMP3, ENV)?;
    a.call_mem(mem(ENV, offsets::HELPER))?;
    a.ins(iced_x86::Instruction::with2(
        iced_x86::Code::Cmp_rm8_imm8,
        mem(ENV, offsets::STOP),
        0u32,
    ))?;
    a.jcc(Cond::Ne, stop);
    Ok(())
}

/// The native frame of one eBPF function.
#[derive(Clone, Debug)]
pub(crate) struct Frame {
    /// Bytes of eBPF stack below RBP (a multiple of 16).
    pub(crate) stack: i32,
    /// Callee-saved registers pushed after the stack is reserved, in push order.
    pub(crate) saved: Vec<Register>,
    /// Whether this is the entry function (loads the environment register and saves RSP).
    pub(crate) entry: bool,
    /// Whether to count call depth (unverified programs' callees).
    pub(crate) count_depth: bool,
    /// Whether to zero the eBPF stack on entry (unverified programs, which may read it before
    /// writing it; the interpreter's stack starts zeroed).
    pub(crate) zero_stack: bool,
    /// Whether RBP is this frame's native frame pointer (`push rbp; mov rbp, rsp` ... `leave`)
    /// with the eBPF stack below it. Not in checked mode, where the eBPF stack is a separate
    /// buffer and RBP only holds r10.
    pub(crate) native_fp: bool,
}

impl Frame {
    fn pad(&self) -> i32 {
        // After `call` RSP is 8 mod 16; `push rbp` (with a native frame pointer) makes it
        // 16-aligned; the stack is a multiple of 16; each saved register is 8 bytes.
        let pushed = self.saved.len() + usize::from(self.native_fp);
        if pushed.is_multiple_of(2) {
            8
        } else {
            0
        }
    }
}

/// Most nested bpf-to-bpf calls allowed for unverified programs (the kernel allows 8 frames).
pub(crate) const MAX_CALL_DEPTH: i32 = 8;

/// Function prologue. `depth_error` is where an over-deep call goes.
pub(crate) fn prologue(a: &mut Asm, f: &Frame, depth_error: Label) -> Result<(), JitError> {
    if f.native_fp {
        a.push(Register::RBP)?;
        a.mov_rr(Width::W64, Register::RBP, Register::RSP)?;
        a.adjust_rsp(f.stack)?;
        if f.zero_stack {
            a.zero_below(Register::RBP, f.stack)?;
        }
    }
    for r in &f.saved {
        a.push(*r)?;
    }
    a.adjust_rsp(f.pad())?;
    if f.entry {
        // The environment pointer arrives as the third argument (RDX).
        a.mov_rr(Width::W64, ENV, Register::RDX)?;
        a.store64(mem(ENV, offsets::SAVED_RSP), Register::RSP)?;
    }
    if f.count_depth {
        let depth = mem(ENV, offsets::DEPTH);
        a.op_mi(Op2::Add, Width::W64, depth, 1)?;
        a.op_mi(Op2::Cmp, Width::W64, depth, MAX_CALL_DEPTH)?;
        a.jcc(Cond::A, depth_error);
    }
    Ok(())
}

/// Function epilogue: undo the prologue and return r0 (already in RAX).
pub(crate) fn epilogue(a: &mut Asm, f: &Frame) -> Result<(), JitError> {
    if f.count_depth {
        a.op_mi(Op2::Sub, Width::W64, mem(ENV, offsets::DEPTH), 1)?;
    }
    a.adjust_rsp(-f.pad())?;
    for r in f.saved.iter().rev() {
        a.pop(*r)?;
    }
    if f.native_fp {
        a.leave()?;
    }
    a.ret()
}

/// Set `JitEnv::stop` to `code` and unwind to `stop`.
pub(crate) fn stop_with(a: &mut Asm, code: u64, stop: Label) -> Result<(), JitError> {
    a.ins(iced_x86::Instruction::with2(
        iced_x86::Code::Mov_rm64_imm32,
        mem(ENV, offsets::STOP),
        code as i32,
    ))?;
    a.jmp(stop);
    Ok(())
}

/// An operand of a slow-path call.
#[derive(Clone, Copy, Debug)]
pub(crate) enum SlowArg {
    /// A constant.
    Const(u64),
    /// The value of an eBPF register.
    Reg(Reg),
    /// `(u32)(reg + imm)` (LD_IND's offset).
    RegPlus32(Reg, i32),
    /// `reg + off` at 64 bits (a memory access's address).
    Addr(Reg, i16),
}

/// Call [`crate::trampoline::slow_trampoline`] with `kind` and up to four operands
/// `(a, b, c, d)`, at most three of them not constants, keeping every eBPF register but `dst`
/// (which receives the result, if given).
pub(crate) fn slow_call(
    a: &mut Asm,
    kind: u64,
    args: &[SlowArg],
    dst: Option<Reg>,
    stop: Label,
) -> Result<(), JitError> {
    // Caller-saved registers holding eBPF r0..r5; six pushes keep RSP 16-aligned.
    const KEEP: [Register; 6] = [
        Register::RAX,
        Register::RDI,
        Register::RSI,
        Register::RDX,
        Register::RCX,
        Register::R8,
    ];
    const ARG: [Register; 4] = [Register::RSI, Register::RDX, Register::RCX, Register::R8];
    if args.len() > ARG.len() {
        return Err(JitError::Layout(
            "a slow call with more than four operands".into(),
        ));
    }
    // Register operands are staged in scratch registers before any argument register changes.
    let mut stage = [TMP, TMP2, TMP3].into_iter();
    let mut staged = [None; 4];
    for (arg, slot) in args.iter().zip(staged.iter_mut()) {
        if let SlowArg::Const(_) = arg {
            continue;
        }
        let t = stage.next().ok_or_else(|| {
            JitError::Layout("a slow call with more than three register operands".into())
        })?;
        match *arg {
            SlowArg::Reg(r) => a.mov_rr(Width::W64, t, x86(r))?,
            SlowArg::RegPlus32(r, imm) => {
                a.mov_rr(Width::W32, t, x86(r))?;
                a.op_ri(Op2::Add, Width::W32, t, imm)?;
            }
            SlowArg::Addr(r, off) => a.lea(t, super::emit::mem(x86(r), off as i32))?,
            SlowArg::Const(_) => {}
        }
        *slot = Some(t);
    }
    for r in KEEP {
        a.push(r)?;
    }
    for ((arg, t), to) in args.iter().zip(staged).zip(ARG) {
        match (*arg, t) {
            (SlowArg::Const(v), _) => a.mov_ri64(to, v)?,
            (_, Some(t)) => a.mov_rr(Width::W64, to, t)?,
            (_, None) => {}
        }
    }
    a.mov_ri64(Register::RDI, kind)?;
    a.mov_rr(Width::W64, TMP3, ENV)?;
    a.call_mem(mem(ENV, offsets::SLOW))?;
    a.ins(iced_x86::Instruction::with2(
        iced_x86::Code::Cmp_rm8_imm8,
        mem(ENV, offsets::STOP),
        0u32,
    ))?;
    a.jcc(Cond::Ne, stop);
    a.mov_rr(Width::W64, TMP, Register::RAX)?;
    for r in KEEP.iter().rev() {
        a.pop(*r)?;
    }
    if let Some(d) = dst {
        a.mov_rr(Width::W64, x86(d), TMP)?;
    }
    Ok(())
}

/// The stop stub of a function that may tail-call: a finished tail call makes this function
/// return the target's r0; any other stop goes on to the global `stop`.
pub(crate) fn tail_return_stub(
    a: &mut Asm,
    here: Label,
    epilogue: Label,
    stop: Label,
) -> Result<(), JitError> {
    a.bind(here);
    a.op_mi(
        Op2::Cmp,
        Width::W64,
        mem(ENV, offsets::STOP),
        crate::trampoline::stop::TAIL_RETURN as i32,
    )?;
    a.jcc(Cond::Ne, stop);
    a.load64(Register::RAX, mem(ENV, offsets::RESULT))?;
    a.ins(iced_x86::Instruction::with2(
        iced_x86::Code::Mov_rm64_imm32,
        mem(ENV, offsets::STOP),
        0i32,
    ))?;
    a.jmp(epilogue);
    Ok(())
}

/// `r0 = bpf_map_lookup_elem(map, r2)` for an ARRAY map, inline: the key is the `u32` at r2;
/// in range, r0 is element 0's address (from the run's map table) plus `key * elem`, where
/// `elem` is the value size rounded up to 8 (the runtime's and the kernel's layout); else NULL.
pub(crate) fn array_lookup(
    a: &mut Asm,
    map_index: usize,
    value_size: u32,
    max_entries: u32,
) -> Result<(), JitError> {
    let elem = (value_size as u64).div_ceil(8) * 8;
    let table_disp = map_index
        .checked_mul(16)
        .and_then(|d| d.checked_add(8))
        .and_then(|d| i32::try_from(d).ok());
    let (Some(disp), Ok(elem)) = (table_disp, i32::try_from(elem)) else {
        return Err(JitError::Unsupported {
            pc: a.pc,
            what: "an array map this large",
        });
    };
    let (null, done) = (a.label(), a.label());
    a.load(ir::insn::MemSize::W, false, TMP, mem(Register::RSI, 0))?;
    match i32::try_from(max_entries) {
        Ok(max) => a.op_ri(Op2::Cmp, Width::W32, TMP, max)?,
        Err(_) => {
            a.mov_ri64(TMP2, max_entries as u64)?;
            a.op_rr(Op2::Cmp, Width::W64, TMP, TMP2)?;
        }
    }
    a.jcc(Cond::Ae, null);
    if elem.count_ones() == 1 {
        a.shift_ri(Shift::Shl, Width::W64, TMP, elem.trailing_zeros() as u8)?;
    } else {
        a.imul_ri(Width::W64, TMP, elem)?;
    }
    a.load64(Register::RAX, mem(ENV, offsets::MAP_TABLE))?;
    a.load64(Register::RAX, mem(Register::RAX, disp))?;
    a.op_rr(Op2::Add, Width::W64, Register::RAX, TMP)?;
    a.jmp(done);
    a.bind(null);
    a.mov_ri64(Register::RAX, 0)?;
    a.bind(done);
    Ok(())
}
