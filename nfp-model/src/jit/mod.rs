//! The eBPF → NFP translator: one loop over a [`Verified`] program, one exhaustive `match` over
//! the eBPF instruction, NFP instructions into [`asm::Asm`] with symbolic branch targets, then
//! one resolution pass (every NFP branch is one word with an absolute target, so no size
//! convergence is needed), the code-store check on the real translation, and encoding.
//!
//! The mapping follows the Linux driver's model (`nfp/bpf/jit.c`): register pairs written to
//! both banks ([`crate::regs`]), 64-bit ALU as a low op plus a carry op, the stack in local
//! memory through LM pointers, packet reads through CTM commands into transfer registers, map
//! helpers by branching to firmware entries with the map id in A0 and the return address in
//! B0, multiplication by `mul_step`, division by a constant through a reciprocal, XDP exit
//! codes through the driver's packed action table, 8 trailing NOPs for the prefetch window.
//! Better than the driver: the LM pointer-3 window is reused while it stays valid, constant
//! shifts of 64-bit values take 2 instructions, and the prologue sets up only the LM pointers a
//! program uses.
//!
//! bpf-to-bpf calls move the frame (GPR 22 and LM pointer 0) below the caller's and save
//! r6–r9, the caller's frame and the return address in an LM save area; the callee's exit
//! restores them and returns with `rtn`.
//!
//! Not translated (a rejection with the instruction, a reason and a hint, never a panic):
//! LD_ABS/LD_IND, stack accesses that straddle a 4-byte word, stack pointers
//! the translator cannot follow (spilled and reloaded), stores to the context.

mod asm;
mod call;
mod mem;
pub mod stack;

use crate::encode::encode;
use crate::isa::*;
use crate::profile::Profile;
use crate::regs::{self, fw, hi, lo, FRAME, TMP0, TMP1};
use asm::{both, da, db, r, rr, Asm, Target};
use ir::insn::{
    AluOp as EAlu, AtomicOp, CallTarget, Endian, Insn as E, JmpCond, LdImm64Src, MemSize, Operand,
    Width,
};
use ir::{ProgType, Program, Reg};
use offload::{Rejection, Verified};
use stack::Slot;

/// A translated program.
#[derive(Clone, Debug)]
pub struct NfpProgram {
    /// The instructions (prologue, body, outro, 8 NOPs).
    pub code: Vec<Insn>,
    /// Their 64-bit words, ECC included.
    pub words: Vec<u64>,
    /// NFP index of the first instruction of each eBPF slot (the next slot's for slots that
    /// emit nothing).
    pub starts: Vec<usize>,
    /// The eBPF program.
    pub program: Program,
    /// eBPF instructions translated (LD_IMM64 counts once; unreachable ones are not counted).
    pub ebpf_insns: usize,
}

impl NfpProgram {
    /// NFP instructions per translated eBPF instruction (prologue, outro and the 8 NOPs
    /// included).
    pub fn ratio(&self) -> f64 {
        self.code.len() as f64 / self.ebpf_insns.max(1) as f64
    }

    /// NFP instructions the eBPF instructions became (without the outro and the 8 NOPs,
    /// which every program has once).
    pub fn body_len(&self) -> usize {
        self.body_end() - self.starts.first().copied().unwrap_or(0)
    }

    /// [`NfpProgram::body_len`] per translated eBPF instruction: the mapping's own cost.
    pub fn body_ratio(&self) -> f64 {
        self.body_len() as f64 / self.ebpf_insns.max(1) as f64
    }

    /// Each eBPF instruction followed by its NFP instructions.
    pub fn listing(&self) -> String {
        use std::fmt::Write;
        let mut s = String::new();
        let n = self.program.insns.len();
        let body_start = self.starts.first().copied().unwrap_or(0);
        for i in 0..body_start {
            let _ = writeln!(
                s,
                "        {i:5}: {:016x}  {}",
                self.words[i],
                crate::disasm::text(&self.code[i])
            );
        }
        for pc in 0..n {
            if matches!(self.program.insns[pc], E::LdImm64Tail) {
                continue;
            }
            let from = self.starts[pc];
            let to = self.starts.get(pc + 1).copied().unwrap_or(self.body_end());
            let _ = writeln!(s, "{pc:5}: {}", ebpf_text(&self.program, pc));
            for i in from..to.max(from) {
                let _ = writeln!(
                    s,
                    "        {i:5}: {:016x}  {}",
                    self.words[i],
                    crate::disasm::text(&self.code[i])
                );
            }
        }
        let _ = writeln!(s, "outro:");
        for i in self.body_end()..self.code.len() {
            let _ = writeln!(
                s,
                "        {i:5}: {:016x}  {}",
                self.words[i],
                crate::disasm::text(&self.code[i])
            );
        }
        s
    }

    fn body_end(&self) -> usize {
        self.starts.last().copied().unwrap_or(0)
    }
}

fn ebpf_text(prog: &Program, pc: usize) -> String {
    Rejection::at(pc, "", "")
        .locate(prog)
        .insn
        .unwrap_or_else(|| format!("{:?}", prog.insns[pc]))
}

mod hints {
    pub const CALL: &str =
        "bpf-to-bpf calls must target a subprogram of this program (mark the function __always_inline otherwise)";
    pub const LD_ABS: &str =
        "legacy packet loads are not translated: read the packet through data/data_end";
    pub const STACK: &str = "keep stack accesses 4-byte aligned and through r10 or a register copied from r10 and moved by constants";
    pub const CODE_STORE: &str =
        "the NFP code store is full: split the program or simplify it (fewer 64-bit operations, fewer map calls)";
    pub const CTX: &str =
        "only data, data_end (and len for TC) are read from the context on the NFP";
}

/// How a memory instruction's base register points.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Ctx,
    Stack,
    Packet,
    MapValue,
}

struct Tr<'a> {
    asm: Asm,
    prog: &'a Program,
    v: &'a Verified,
    stack: stack::States,
    /// The stack offset LM pointer 3 points at, while known.
    lm3: Option<i32>,
    outro: usize,
    /// The eBPF slot being translated.
    pc: usize,
    /// Slots some jump lands on.
    targets: Vec<bool>,
    /// The packet window in the cache transfer registers: (base register, offset, bytes).
    pkt_cache: Option<(Reg, i32, u32)>,
    /// NFP index from which each LM pointer's last CSR write is in effect (3 instructions
    /// after the write still see the old pointer); useful instructions fill the gap, NOPs
    /// only what is left before a use or a branch.
    lm_ready: [usize; 4],
    /// First slot of each function (0 and every bpf-to-bpf call target), sorted.
    func_starts: Vec<usize>,
}

type R<T> = Result<T, Box<Rejection>>;

fn rej(pc: usize, code: &'static str, msg: impl Into<String>, hint: &str) -> Box<Rejection> {
    Box::new(Rejection::at(pc, code, msg).with_hint(hint))
}

/// Translate a verified program for the NFP of `profile`.
pub fn translate(v: &Verified, profile: &Profile) -> Result<NfpProgram, Box<Rejection>> {
    let prog = v.program();
    translate_inner(v, profile).map_err(|r| Box::new((*r).locate(prog)))
}

fn translate_inner(v: &Verified, profile: &Profile) -> R<NfpProgram> {
    let prog = v.program();
    let n = prog.insns.len();
    let mut targets = vec![false; n + 1];
    for (pc, insn) in prog.insns.iter().enumerate() {
        if let Some(t) = insn.jump_target(pc) {
            if (0..=n as i64).contains(&t) {
                targets[t as usize] = true;
            }
        }
    }
    let mut t = Tr {
        asm: Asm::default(),
        prog,
        v,
        stack: stack::analyse(v),
        lm3: None,
        outro: 0,
        pc: 0,
        targets: targets.clone(),
        pkt_cache: None,
        lm_ready: [0; 4],
        func_starts: stack::function_starts(prog),
    };
    t.outro = t.asm.label();
    t.prologue();
    let mut starts = vec![0usize; n + 1];
    let mut ebpf_insns = 0;
    for pc in 0..n {
        starts[pc] = t.asm.len();
        if targets[pc] {
            t.lm3 = None;
            t.pkt_cache = None;
        }
        let insn = prog.insns[pc];
        if matches!(insn, E::LdImm64Tail) || v.facts(pc).visits == 0 {
            continue;
        }
        ebpf_insns += 1;
        t.pc = pc;
        if targets[pc]
            || matches!(
                insn,
                E::Jmp { .. } | E::Ja { .. } | E::Exit | E::Call(_) | E::CallX { .. }
            )
        {
            // Control may leave the straight line: every pointer write must be in effect.
            for p in 0..4 {
                t.lm_wait(p);
            }
        }
        t.insn(pc, insn)?;
        if let Some((base, ..)) = t.pkt_cache {
            if mem::kills_cache(&insn, base) {
                t.pkt_cache = None;
            }
        }
    }
    starts[n] = t.asm.len();
    t.epilogue();
    let Tr { asm, .. } = t;
    let Asm {
        mut code,
        fixups,
        labels,
    } = asm;
    code.extend([Insn::NOP; 8]);
    let limit = profile.limits.code_store as usize;
    if code.len() > limit {
        return Err(Box::new(
            Rejection::program(
                "nfp.code_store",
                format!(
                    "instruction limit reached ({} NFP instructions)",
                    code.len()
                ),
            )
            .with_hint(hints::CODE_STORE),
        ));
    }
    for (at, target) in fixups {
        let a = match target {
            Target::Ebpf(pc) => starts.get(pc).copied().unwrap_or(usize::MAX),
            Target::Label(l) => labels.get(l).copied().flatten().unwrap_or(usize::MAX),
            Target::Abs(a) => a as usize,
        };
        let addr = Addr::new(a as u32).ok_or_else(|| {
            Box::new(Rejection::program(
                "nfp.jit.branch",
                format!("branch target {a} is outside the code store"),
            ))
        })?;
        code[at] = match code[at] {
            Insn::Immed {
                dst, width, shift, ..
            } => Insn::Immed {
                dst,
                imm: addr.get(),
                width,
                shift,
                inv: false,
            },
            other => other.with_target(addr),
        };
    }
    let mut words = Vec::with_capacity(code.len());
    for (i, insn) in code.iter().enumerate() {
        words.push(encode(insn).map_err(|e| {
            Box::new(Rejection::program(
                "nfp.jit.encode",
                format!("NFP instruction {i} cannot be encoded: {e}"),
            ))
        })?);
    }
    Ok(NfpProgram {
        code,
        words,
        starts,
        program: prog.clone(),
        ebpf_insns,
    })
}

/// The B-operand pair (low, high) of an eBPF operand.
#[derive(Clone, Copy)]
enum Src {
    Reg(Reg),
    Imm(i32),
}

impl<'a> Tr<'a> {
    /// Nothing to emit: the firmware enters the program with LM pointer 1 at the packet
    /// vector, LM pointer 0 at the stack window below r10 and GPR 22 (both banks) holding
    /// r10's LM address ([`crate::regs`], the model's firmware ABI).
    fn prologue(&mut self) {}

    fn epilogue(&mut self) {
        let outro = self.outro;
        let a = &mut self.asm;
        a.bind(outro);
        match self.prog.prog_type {
            ProgType::Xdp => {
                let abort = a.label();
                // R0 > 3 (XDP_REDIRECT included) takes the abort path.
                a.mov(Dst::None, r(hi(Reg::R0)));
                a.br(BrCond::Ne, Target::Label(abort));
                a.alu(Dst::None, Ureg::Imm(3), AluOp::Sub, r(lo(Reg::R0)));
                a.br(BrCond::Lo, Target::Label(abort));
                // code = (0x44112282 >> (r0 * 8)) & 0xff
                a.shf(
                    da(TMP0),
                    Rreg::NONE,
                    ShfOp::None,
                    rr(lo(Reg::R0)),
                    ShiftKind::Left,
                    3,
                );
                a.const32(db(TMP1), regs::XDP_ACTIONS);
                a.shf_ind(
                    both(TMP0),
                    Rreg::Imm(0xff),
                    ShfOp::And,
                    rr(TMP1),
                    ShiftKind::Right,
                );
                a.br(BrCond::Always, Target::Abs(fw::EXIT));
                a.bind(abort);
                a.immed(
                    both(TMP0),
                    regs::XDP_ABORT_CODE as u16,
                    ImmWidth::All,
                    0,
                    false,
                );
                a.br(BrCond::Always, Target::Abs(fw::EXIT));
            }
            _ => {
                a.mov(both(TMP0), r(lo(Reg::R0)));
                a.br(BrCond::Always, Target::Abs(fw::EXIT));
            }
        }
    }

    fn kind(&self, pc: usize) -> R<Kind> {
        let k = self.v.facts(pc).mem_base_kinds;
        Ok(match k {
            0b100 => Kind::Ctx,
            0b1000 => Kind::Stack,
            k if k & !0b11_0000 == 0 => Kind::Packet,
            0b1_0000_0000 => Kind::MapValue,
            _ => {
                return Err(rej(
                    pc,
                    "nfp.jit.ptr_kind",
                    format!("the base register's pointer kind varies ({k:#x})"),
                    hints::STACK,
                ))
            }
        })
    }

    /// Offset from r10 of an access through `base` at `pc`.
    fn stack_off(&self, pc: usize, base: Reg, off: i16) -> R<i32> {
        match self.stack.get(pc).copied().flatten().map(|s| s[base.idx()]) {
            Some(Slot::Stack(o)) => Ok(o + off as i32),
            _ => Err(rej(
                pc,
                "nfp.jit.stack_ptr",
                format!("the stack offset of {base} is not known at translation"),
                hints::STACK,
            )),
        }
    }

    /// The LM word holding stack byte `off` (word aligned): (source operand, LM extension,
    /// destination). Reloads LM pointer 3 for offsets below the pointer-0 window.
    fn lm_word(&mut self, pc: usize, off: i32) -> R<(Ureg, bool, Dst)> {
        let size = regs::STACK_BYTES as i32;
        if !(-size..0).contains(&off) {
            return Err(rej(
                pc,
                "nfp.jit.stack_range",
                format!("stack offset {off} is outside the {size}-byte frame"),
                hints::STACK,
            ));
        }
        if off >= -regs::LM0_WINDOW {
            self.lm_wait(0);
            let w = ((off + regs::LM0_WINDOW) / 4) as u8;
            return Ok((
                Ureg::Lm(Lm::At { ptr: 0, off: w }),
                false,
                Dst::Lm { ptr: 0, off: w },
            ));
        }
        if self.lm3 != Some(off) {
            let a = &mut self.asm;
            let k = a.b_const(off.unsigned_abs(), TMP1);
            a.alu(da(TMP1), r(FRAME), AluOp::Sub, k);
            a.csr_wr(csr::ACT_LM_ADDR3, r(TMP1));
            self.lm_ready[3] = self.asm.len() + 3;
            self.lm3 = Some(off);
        }
        self.lm_wait(3);
        Ok((
            Ureg::Lm(Lm::At { ptr: 1, off: 0 }),
            true,
            Dst::Lm { ptr: 3, off: 0 },
        ))
    }

    /// NOPs until LM pointer `p`'s last write is in effect.
    fn lm_wait(&mut self, p: usize) {
        while self.asm.len() < self.lm_ready[p] {
            self.asm.push(Insn::NOP);
        }
    }

    fn mov_ext(&mut self, dst: Dst, b: Ureg, extn: bool) {
        self.asm.push(Insn::Alu {
            dst,
            a: Ureg::NONE,
            op: AluOp::None,
            b,
            swap: false,
            src_lmextn: extn,
        });
    }

    /// What is known about `r` before the current instruction.
    fn slot(&self, r: Reg) -> Slot {
        if r == Reg::R10 {
            return Slot::Stack(0);
        }
        self.stack
            .get(self.pc)
            .copied()
            .flatten()
            .map_or(Slot::Other, |s| s[r.idx()])
    }

    /// Whether `r`'s high GPR holds zero before the current instruction.
    fn hz(&self, r: Reg) -> bool {
        self.slot(r).hi_zero()
    }

    /// Whether operand `s` has a zero high word.
    fn src_hz(&self, s: Src) -> bool {
        match s {
            Src::Reg(x) => self.hz(x),
            Src::Imm(k) => k >= 0,
        }
    }

    /// Zero `d`'s high word after a write of its low word (nothing when it is already zero).
    fn zero_hi(&mut self, d: Reg) {
        if !self.hz(d) {
            self.asm.immed(both(hi(d)), 0, ImmWidth::All, 0, false);
        }
    }

    /// Low and high halves of an eBPF operand as B operands (immediates through the scratch
    /// registers' bank B).
    fn src_pair(&mut self, s: Src, need_hi: bool) -> (Ureg, Ureg) {
        match s {
            Src::Reg(Reg::R10) => (r(FRAME), Ureg::Imm(0)),
            Src::Reg(x) => (r(lo(x)), r(hi(x))),
            Src::Imm(k) => {
                let l = self.asm.b_const(k as u32, TMP0);
                let h = if need_hi {
                    self.asm.b_const(if k < 0 { u32::MAX } else { 0 }, TMP1)
                } else {
                    Ureg::Imm(0)
                };
                (l, h)
            }
        }
    }

    fn insn(&mut self, pc: usize, insn: E) -> R<()> {
        match insn {
            E::Alu {
                width,
                op,
                dst,
                src,
            } => self.alu(pc, width, op, dst, src),
            E::Neg { width, dst } => {
                let a = &mut self.asm;
                a.alu(both(lo(dst)), Ureg::Imm(0), AluOp::Sub, r(lo(dst)));
                if width == Width::W64 {
                    a.alu(both(hi(dst)), Ureg::Imm(0), AluOp::SubC, r(hi(dst)));
                } else {
                    self.zero_hi(dst);
                }
                Ok(())
            }
            E::End {
                kind: Endian::ToBe,
                bits,
                dst,
            } => {
                self.end(dst, bits);
                Ok(())
            }
            E::End { .. } | E::MovSx { .. } => Err(rej(
                pc,
                "nfp.jit.unsupported",
                "instruction not supported by the NFP",
                "byte swaps: only be16/be32/be64",
            )),
            E::Ja { off, .. } => {
                self.asm.br(
                    BrCond::Always,
                    Target::Ebpf((pc as i64 + 1 + off as i64) as usize),
                );
                Ok(())
            }
            E::Jmp {
                width,
                cond,
                dst,
                src,
                off,
            } => {
                let s = match src {
                    Operand::Reg(x) => Src::Reg(x),
                    Operand::Imm(k) => Src::Imm(k),
                };
                self.jmp(pc, width, cond, dst, s, off);
                Ok(())
            }
            E::Load {
                size,
                signed: false,
                dst,
                src,
                off,
            } => self.load(pc, size, dst, src, off),
            E::Load { .. } => Err(rej(
                pc,
                "nfp.jit.unsupported",
                "sign-extending loads are not supported by the NFP",
                "use an unsigned load",
            )),
            E::Store {
                size,
                dst,
                off,
                src,
            } => {
                let s = match src {
                    Operand::Reg(x) => Src::Reg(x),
                    Operand::Imm(k) => Src::Imm(k),
                };
                self.store(pc, size, dst, off, s)
            }
            E::Atomic {
                size,
                op: AtomicOp::Add,
                fetch: false,
                dst,
                src,
                off,
            } if self.kind(pc)? == Kind::MapValue => {
                let a = &mut self.asm;
                a.mov(Dst::Xfer(Xfer::new(0).expect("0")), r(lo(src)));
                if size == MemSize::DW {
                    a.mov(Dst::Xfer(Xfer::new(1).expect("1")), r(hi(src)));
                }
                let (aa, bb) = a.addr40(lo(dst), hi(dst), off as i32);
                let count = if size == MemSize::DW { 1 } else { 0 };
                a.cmd(CmdOp::AtomicAdd, count, aa, bb, AddrMode::Bits40AB);
                Ok(())
            }
            E::Atomic { .. } => Err(rej(
                pc,
                "nfp.jit.atomic",
                "only atomic adds to map values are supported by the NFP",
                "use __sync_fetch_and_add on a map value without using the result",
            )),
            E::LdImm64 { dst, src, imm } => {
                let v = match src {
                    LdImm64Src::Imm => imm,
                    LdImm64Src::MapFd | LdImm64Src::MapIdx => imm & 0xffff_ffff,
                    _ => {
                        return Err(rej(
                            pc,
                            "nfp.jit.ld_imm64",
                            "this LD_IMM64 kind is not supported by the NFP",
                            "global data and BTF ids cannot be offloaded",
                        ))
                    }
                };
                self.asm.const32(both(lo(dst)), v as u32);
                self.asm.const32(both(hi(dst)), (v >> 32) as u32);
                Ok(())
            }
            E::LdImm64Tail => Ok(()),
            E::LdAbs { .. } | E::LdInd { .. } => Err(rej(
                pc,
                "nfp.jit.ld_abs",
                "LD_ABS/LD_IND are not translated by the NFP model",
                hints::LD_ABS,
            )),
            E::Call(CallTarget::Helper(id)) => self.call(pc, id),
            E::Call(CallTarget::Local(_)) => match insn.jump_target(pc) {
                Some(t) if (0..self.prog.insns.len() as i64).contains(&t) => {
                    self.local_call(pc, t as usize);
                    Ok(())
                }
                _ => Err(rej(
                    pc,
                    "nfp.jit.call",
                    "call target outside the program",
                    hints::CALL,
                )),
            },
            E::Call(_) | E::CallX { .. } => Err(rej(
                pc,
                "nfp.jit.call",
                "this call is not translated by the NFP model",
                hints::CALL,
            )),
            E::Exit if self.func_start(pc) != 0 => {
                self.local_return();
                Ok(())
            }
            E::Exit => {
                self.asm.br(BrCond::Always, Target::Label(self.outro));
                Ok(())
            }
        }
    }

    fn alu(&mut self, pc: usize, width: Width, op: EAlu, d: Reg, src: Operand) -> R<()> {
        let w64 = width == Width::W64;
        let s = match src {
            Operand::Reg(x) => Src::Reg(x),
            Operand::Imm(k) => Src::Imm(k),
        };
        match op {
            EAlu::Mov => {
                match s {
                    Src::Reg(x) => {
                        let (l, h) = self.src_pair(s, false);
                        if x != d {
                            self.asm.mov(both(lo(d)), l);
                        }
                        if w64 && !self.hz(x) {
                            if x != d {
                                self.asm.mov(both(hi(d)), h);
                            }
                        } else {
                            self.zero_hi(d);
                        }
                    }
                    Src::Imm(k) => {
                        self.asm.const32(both(lo(d)), k as u32);
                        if w64 && k < 0 {
                            self.asm.const32(both(hi(d)), u32::MAX);
                        } else {
                            self.zero_hi(d);
                        }
                    }
                }
                Ok(())
            }
            EAlu::Add | EAlu::Sub => {
                let (mut op, mut s) = (op, s);
                // The driver's `neg` pass: add of a negative constant is a subtract.
                if let Src::Imm(k) = s {
                    if k < 0 && k != i32::MIN {
                        op = if op == EAlu::Add {
                            EAlu::Sub
                        } else {
                            EAlu::Add
                        };
                        s = Src::Imm(-k);
                    }
                }
                // Pointers into LM and CTM stay far below 2^32: no carry into the high word.
                let no_carry = match (self.slot(d), s) {
                    (Slot::Stack(_), Src::Imm(_)) => true,
                    (Slot::Pkt, Src::Imm(k)) => (k as i64).abs() <= 0xffff,
                    (Slot::Pkt, Src::Reg(x)) => {
                        op == EAlu::Add
                            && self.slot(x) == Slot::Hi0
                            && self.v.facts(pc).src_umax.is_some_and(|u| u <= 0xffff)
                    }
                    _ => false,
                };
                let (l, h) = self.src_pair(s, w64 && !no_carry);
                let (o1, o2) = if op == EAlu::Add {
                    (AluOp::Add, AluOp::AddC)
                } else {
                    (AluOp::Sub, AluOp::SubC)
                };
                if matches!(s, Src::Imm(0)) && !w64 {
                    self.zero_hi(d);
                    return Ok(());
                }
                if matches!(s, Src::Imm(0)) {
                    return Ok(());
                }
                self.asm.alu(both(lo(d)), r(lo(d)), o1, l);
                if w64 && !no_carry {
                    self.asm.alu(both(hi(d)), r(hi(d)), o2, h);
                } else if !w64 {
                    self.zero_hi(d);
                }
                Ok(())
            }
            EAlu::And | EAlu::Or | EAlu::Xor => {
                let nop = match op {
                    EAlu::And => AluOp::And,
                    EAlu::Or => AluOp::Or,
                    _ => AluOp::Xor,
                };
                // The high word: zero stays zero (AND with one zero side; OR/XOR of two).
                let (dz, sz) = (self.hz(d), self.src_hz(s));
                let hi_result_zero = if nop == AluOp::And {
                    dz || sz
                } else {
                    dz && sz
                };
                match s {
                    Src::Imm(k) => {
                        self.logic_imm(nop, lo(d), k as u32);
                        if w64 && !hi_result_zero {
                            self.logic_imm(nop, hi(d), if k < 0 { u32::MAX } else { 0 });
                        } else {
                            self.zero_hi(d);
                        }
                    }
                    Src::Reg(_) => {
                        let (l, h) = self.src_pair(s, w64);
                        self.asm.alu(both(lo(d)), r(lo(d)), nop, l);
                        if w64 && !hi_result_zero {
                            self.asm.alu(both(hi(d)), r(hi(d)), nop, h);
                        } else {
                            self.zero_hi(d);
                        }
                    }
                }
                Ok(())
            }
            EAlu::Lsh | EAlu::Rsh | EAlu::Arsh => {
                // A 64-bit shift of a value whose high word is and stays zero is a 32-bit one
                // (arithmetic right shifts of such values bring in zeroes).
                let narrow = w64
                    && match (op, s) {
                        (EAlu::Lsh, Src::Imm(k)) => {
                            stack::lsh_stays_32(self.slot(d), self.v.facts(pc).dst_umax_before, k)
                        }
                        (_, Src::Imm(k)) => self.hz(d) && (0..32).contains(&k),
                        _ => false,
                    };
                if narrow {
                    let op = if op == EAlu::Arsh { EAlu::Rsh } else { op };
                    if let Src::Imm(k) = s {
                        self.shift_imm(op, false, d, k as u32);
                    }
                    return Ok(());
                }
                match s {
                    Src::Imm(k) => self.shift_imm(op, w64, d, k as u32),
                    Src::Reg(x) => self.shift_reg(op, w64, d, x),
                }
                Ok(())
            }
            EAlu::Mul => {
                let f = self.v.facts(pc);
                let small = |v: Option<u64>| v.is_some_and(|v| v <= 0xffff);
                let src_small = match s {
                    Src::Imm(k) => (0..=0xffff).contains(&k),
                    Src::Reg(_) => small(f.src_umax),
                };
                let sixteen = src_small && small(f.dst_umax_before);
                let b = match s {
                    Src::Imm(k) => self.asm.b_const(k as u32, TMP0),
                    Src::Reg(x) => self.src_pair(Src::Reg(x), false).0,
                };
                self.mul(d, b, w64, sixteen);
                Ok(())
            }
            EAlu::Div => {
                let c = match s {
                    Src::Imm(k) => k as u32 as u64,
                    Src::Reg(_) => match self.v.facts(pc).src_const {
                        Some(c) => c,
                        None => {
                            return Err(rej(
                                pc,
                                "nfp.alu.div_not_const",
                                "divisor is not constant",
                                "divide by a constant",
                            ))
                        }
                    },
                };
                if c > u32::MAX as u64 {
                    return Err(rej(
                        pc,
                        "nfp.alu.div_range",
                        "divisor is not within u32 value range",
                        "divide by a constant below 2^32",
                    ));
                }
                self.div_const(d, c as u32);
                Ok(())
            }
            EAlu::Mod | EAlu::SDiv | EAlu::SMod => Err(rej(
                pc,
                "nfp.insn.unsupported",
                "instruction not supported by the NFP",
                "the NFP has no modulo or signed division",
            )),
        }
    }

    fn logic_imm(&mut self, op: AluOp, reg: u8, v: u32) {
        let a = &mut self.asm;
        match (op, v) {
            (AluOp::And, 0) => a.immed(both(reg), 0, ImmWidth::All, 0, false),
            (AluOp::And, u32::MAX) | (AluOp::Or, 0) | (AluOp::Xor, 0) => {}
            (AluOp::Or, u32::MAX) => a.immed(both(reg), 0, ImmWidth::All, 0, true),
            (AluOp::Xor, u32::MAX) => a.alu(both(reg), Ureg::NONE, AluOp::Not, r(reg)),
            _ => {
                let b = a.b_const(v, TMP0);
                a.alu(both(reg), r(reg), op, b);
            }
        }
    }

    fn shift_imm(&mut self, op: EAlu, w64: bool, d: Reg, k: u32) {
        let (l, h) = (lo(d), hi(d));
        let a = &mut self.asm;
        let none = Rreg::NONE;
        if !w64 {
            let n = (k & 31) as u8;
            if n != 0 {
                match op {
                    EAlu::Lsh => a.shf(both(l), none, ShfOp::None, rr(l), ShiftKind::Left, n),
                    EAlu::Rsh => a.shf(both(l), none, ShfOp::None, rr(l), ShiftKind::Right, n),
                    _ => a.shf(both(l), none, ShfOp::Ashr, rr(l), ShiftKind::Right, n),
                }
            }
            self.zero_hi(d);
            return;
        }
        let n = (k & 63) as u8;
        if n == 0 {
            return;
        }
        let dbl = ShiftKind::DoubleRight;
        match op {
            EAlu::Lsh => {
                if n < 32 {
                    a.shf(both(h), rr(h), ShfOp::None, rr(l), dbl, 32 - n);
                    a.shf(both(l), none, ShfOp::None, rr(l), ShiftKind::Left, n);
                } else {
                    if n == 32 {
                        a.mov(both(h), r(l));
                    } else {
                        a.shf(both(h), none, ShfOp::None, rr(l), ShiftKind::Left, n - 32);
                    }
                    a.immed(both(l), 0, ImmWidth::All, 0, false);
                }
            }
            EAlu::Rsh => {
                if n < 32 {
                    a.shf(both(l), rr(h), ShfOp::None, rr(l), dbl, n);
                    a.shf(both(h), none, ShfOp::None, rr(h), ShiftKind::Right, n);
                } else {
                    if n == 32 {
                        a.mov(both(l), r(h));
                    } else {
                        a.shf(both(l), none, ShfOp::None, rr(h), ShiftKind::Right, n - 32);
                    }
                    a.immed(both(h), 0, ImmWidth::All, 0, false);
                }
            }
            _ => {
                if n < 32 {
                    a.shf(both(l), rr(h), ShfOp::None, rr(l), dbl, n);
                    a.shf(both(h), none, ShfOp::Ashr, rr(h), ShiftKind::Right, n);
                } else {
                    if n == 32 {
                        a.mov(both(l), r(h));
                    } else {
                        a.shf(both(l), none, ShfOp::Ashr, rr(h), ShiftKind::Right, n - 32);
                    }
                    a.shf(both(h), none, ShfOp::Ashr, rr(h), ShiftKind::Right, 31);
                }
            }
        }
    }

    fn shift_reg(&mut self, op: EAlu, w64: bool, d: Reg, x: Reg) {
        let (l, h) = (lo(d), hi(d));
        let xs = if x == Reg::R10 { FRAME } else { lo(x) };
        let a = &mut self.asm;
        let none = Rreg::NONE;
        let (kind, sop) = match op {
            EAlu::Lsh => (ShiftKind::Left, ShfOp::None),
            EAlu::Rsh => (ShiftKind::Right, ShfOp::None),
            _ => (ShiftKind::Right, ShfOp::Ashr),
        };
        if !w64 {
            // The amount (masked to 5 bits by the hardware, as eBPF masks it) as the
            // previous ALU result.
            a.mov(Dst::None, r(xs));
            a.shf_ind(both(l), none, sop, rr(l), kind);
            self.zero_hi(d);
            return;
        }
        let (done, big) = (a.label(), a.label());
        a.alu(both(TMP0), r(xs), AluOp::And, Ureg::Imm(63));
        a.br(BrCond::Eq, Target::Label(done));
        a.br_bit(TMP0, 5, true, Target::Label(big));
        let amount = |a: &mut Asm| a.mov(Dst::None, r(TMP0));
        let dbl = ShiftKind::DoubleRight;
        match op {
            EAlu::Lsh => {
                a.alu(Dst::None, Ureg::Imm(32), AluOp::Sub, r(TMP0));
                a.shf_ind(both(h), rr(h), ShfOp::None, rr(l), dbl);
                amount(a);
                a.shf_ind(both(l), none, ShfOp::None, rr(l), ShiftKind::Left);
                a.br(BrCond::Always, Target::Label(done));
                a.bind(big);
                amount(a);
                a.shf_ind(both(h), none, ShfOp::None, rr(l), ShiftKind::Left);
                a.immed(both(l), 0, ImmWidth::All, 0, false);
            }
            _ => {
                amount(a);
                a.shf_ind(both(l), rr(h), ShfOp::None, rr(l), dbl);
                amount(a);
                a.shf_ind(both(h), none, sop, rr(h), ShiftKind::Right);
                a.br(BrCond::Always, Target::Label(done));
                a.bind(big);
                amount(a);
                a.shf_ind(both(l), none, sop, rr(h), ShiftKind::Right);
                if sop == ShfOp::Ashr {
                    a.shf(both(h), none, ShfOp::Ashr, rr(h), ShiftKind::Right, 31);
                } else {
                    a.immed(both(h), 0, ImmWidth::All, 0, false);
                }
            }
        }
        a.bind(done);
    }

    /// `d = d * b` by `mul_step`: 16x16 (4 instructions) when both are proven to fit 16
    /// bits, else 32x32 (6, or 7 with the high half).
    fn mul(&mut self, d: Reg, b: Ureg, w64: bool, sixteen: bool) {
        let a = &mut self.asm;
        let ty = if sixteen {
            MulType::Step16x16
        } else {
            MulType::Step32x32
        };
        let steps = if sixteen { 2 } else { 4 };
        a.push(Insn::Mul {
            step: MulStep::Step(1),
            ty: MulType::Start,
            a: r(lo(d)),
            b,
            dst: Dst::None,
        });
        for s in 1..=steps {
            a.push(Insn::Mul {
                step: MulStep::Step(s),
                ty,
                a: r(lo(d)),
                b,
                dst: Dst::None,
            });
        }
        a.push(Insn::Mul {
            step: MulStep::Last,
            ty,
            a: Ureg::NONE,
            b: Ureg::NONE,
            dst: both(lo(d)),
        });
        if w64 && !sixteen {
            a.push(Insn::Mul {
                step: MulStep::Last2,
                ty,
                a: Ureg::NONE,
                b: Ureg::NONE,
                dst: both(hi(d)),
            });
        } else {
            self.zero_hi(d);
        }
    }

    /// `d = d / c` for a dividend the verifier proved within u32: a shift for powers of two,
    /// a compare above 2^31, otherwise the reciprocal `m` with `q = (t + ((n - t) >> 1)) >>
    /// (l - 1)`, `t = mulhi(n, m)` (Granlund–Montgomery).
    fn div_const(&mut self, d: Reg, c: u32) {
        let l0 = lo(d);
        let a = &mut self.asm;
        if c == 0 {
            a.immed(both(l0), 0, ImmWidth::All, 0, false);
        } else if c.is_power_of_two() {
            let k = c.trailing_zeros() as u8;
            if k > 0 {
                a.shf(
                    both(l0),
                    Rreg::NONE,
                    ShfOp::None,
                    rr(l0),
                    ShiftKind::Right,
                    k,
                );
            }
        } else if c > 0x8000_0000 {
            let skip = a.label();
            let kb = a.b_const(c, TMP0);
            a.alu(Dst::None, r(l0), AluOp::Sub, kb);
            a.immed(both(l0), 0, ImmWidth::All, 0, false);
            a.br(BrCond::Lo, Target::Label(skip));
            a.immed(both(l0), 1, ImmWidth::All, 0, false);
            a.bind(skip);
        } else {
            let l = 32 - (c - 1).leading_zeros();
            let m = (((1u64 << 32) * ((1u64 << l) - c as u64)) / c as u64 + 1) as u32;
            a.const32(db(TMP1), m);
            a.push(Insn::Mul {
                step: MulStep::Step(1),
                ty: MulType::Start,
                a: r(l0),
                b: r(TMP1),
                dst: Dst::None,
            });
            for s in 1..=4 {
                a.push(Insn::Mul {
                    step: MulStep::Step(s),
                    ty: MulType::Step32x32,
                    a: r(l0),
                    b: r(TMP1),
                    dst: Dst::None,
                });
            }
            a.push(Insn::Mul {
                step: MulStep::Last2,
                ty: MulType::Step32x32,
                a: Ureg::NONE,
                b: Ureg::NONE,
                dst: both(TMP0),
            });
            a.alu(both(TMP1), r(l0), AluOp::Sub, r(TMP0));
            a.shf(
                both(TMP1),
                Rreg::NONE,
                ShfOp::None,
                rr(TMP1),
                ShiftKind::Right,
                1,
            );
            a.alu(both(l0), r(TMP1), AluOp::Add, r(TMP0));
            if l > 1 {
                a.shf(
                    both(l0),
                    Rreg::NONE,
                    ShfOp::None,
                    rr(l0),
                    ShiftKind::Right,
                    (l - 1) as u8,
                );
            }
        }
        self.zero_hi(d);
    }

    /// Byte swap to big-endian of the low `bits` of `d` with `ld_field` rotations.
    fn end(&mut self, d: Reg, bits: u8) {
        let (l, h) = (lo(d), hi(d));
        let a = &mut self.asm;
        match bits {
            16 => {
                a.ld_field(TMP0, 0b0001, rr(l), 8, true);
                a.ld_field(TMP0, 0b0010, rr(l), 24, false);
                a.mov(both(l), r(TMP0));
                self.zero_hi(d);
            }
            32 => {
                a.ld_field(TMP0, 0b1010, rr(l), 8, true);
                a.ld_field(TMP0, 0b0101, rr(l), 24, false);
                a.mov(both(l), r(TMP0));
                self.zero_hi(d);
            }
            _ => {
                a.ld_field(TMP0, 0b1010, rr(l), 8, true);
                a.ld_field(TMP0, 0b0101, rr(l), 24, false);
                a.ld_field(TMP1, 0b1010, rr(h), 8, true);
                a.ld_field(TMP1, 0b0101, rr(h), 24, false);
                a.mov(both(l), r(TMP1));
                a.mov(both(h), r(TMP0));
            }
        }
    }

    fn jmp(&mut self, pc: usize, width: Width, cond: JmpCond, d: Reg, s: Src, off: i16) {
        let target = Target::Ebpf((pc as i64 + 1 + off as i64) as usize);
        let mut w64 = width == Width::W64;
        let mut cond = cond;
        // Both high words zero: the low words decide, and signed order is unsigned order.
        if w64 && self.hz(d) && self.src_hz(s) {
            w64 = false;
            cond = match cond {
                JmpCond::Sgt => JmpCond::Gt,
                JmpCond::Sge => JmpCond::Ge,
                JmpCond::Slt => JmpCond::Lt,
                JmpCond::Sle => JmpCond::Le,
                c => c,
            };
        }
        let (dl, dh) = if d == Reg::R10 {
            (r(FRAME), Ureg::Imm(0))
        } else {
            (r(lo(d)), r(hi(d)))
        };
        let (sl, sh) = self.src_pair(s, w64);
        let a = &mut self.asm;
        match cond {
            JmpCond::Eq | JmpCond::Ne => {
                let bc = if cond == JmpCond::Eq {
                    BrCond::Eq
                } else {
                    BrCond::Ne
                };
                if w64 {
                    a.alu(da(TMP0), dl, AluOp::Xor, sl);
                    a.alu(db(TMP0), dh, AluOp::Xor, sh);
                    a.alu(Dst::None, r(TMP0), AluOp::Or, r(TMP0));
                } else {
                    a.alu(Dst::None, dl, AluOp::Xor, sl);
                }
                a.br(bc, target);
            }
            JmpCond::Set => {
                a.alu(Dst::None, dl, AluOp::And, sl);
                a.br(BrCond::Ne, target);
                if w64 {
                    a.alu(Dst::None, dh, AluOp::And, sh);
                    a.br(BrCond::Ne, target);
                }
            }
            _ => {
                let (swap, bc) = match cond {
                    JmpCond::Gt => (true, BrCond::Lo),
                    JmpCond::Ge => (false, BrCond::Hs),
                    JmpCond::Lt => (false, BrCond::Lo),
                    JmpCond::Le => (true, BrCond::Hs),
                    JmpCond::Sgt => (true, BrCond::Lt),
                    JmpCond::Sge => (false, BrCond::Ge),
                    JmpCond::Slt => (false, BrCond::Lt),
                    _ => (true, BrCond::Ge),
                };
                let emit = |a: &mut Asm, x: Ureg, op: AluOp, y: Ureg| {
                    if swap {
                        a.alu_sw(Dst::None, x, op, y)
                    } else {
                        a.alu(Dst::None, x, op, y)
                    }
                };
                emit(a, dl, AluOp::Sub, sl);
                if w64 {
                    emit(a, dh, AluOp::SubC, sh);
                }
                a.br(bc, target);
            }
        }
    }
}
