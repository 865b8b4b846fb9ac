//! The NFP simulator: executes decoded instruction words of one micro-engine context and counts
//! instructions and cycles per packet.
//!
//! Words are decoded once ([`Sim::new`]); a run executes the [`Insn`]s with the A/B GPR banks,
//! read and write transfer registers, local memory and its four pointers (a CSR write to
//! `ActLMAddrN` takes effect for the 4th instruction after it: 3 instructions still see the
//! old pointer), condition codes, branch defer slots, `mul_step` state and memory commands.
//! Maps and helpers are those of [`ir::runtime`] — the interpreter's — so contents and results
//! are the interpreter's by construction: the firmware's helper entries
//! ([`crate::regs::fw`]) call [`Runtime::call_helper`].
//!
//! Memory model. The packet lives in CTM: a packet pointer is a 32-bit CTM address
//! ([`crate::regs::CTM_BASE`] + its offset in the packet buffer), read with 32-bit-mode
//! commands (`A + B`). Map values live in EMEM: a value pointer is the runtime's host address
//! in a register pair, read with 40-bit-mode commands — widened here to the pair's full 64
//! bits (high word in the A operand), since EMEM is the runtime's map storage. Commands move
//! bytes in eBPF (little-endian) order into and out of the transfer registers.
//!
//! Cycles. Every instruction is one cycle; a taken branch costs `branch_taken` less its defer
//! slots; a command with a context swap stalls its thread for its memory's latency and costs
//! the ME `ctx_swap`; a firmware helper costs `helper`. With `contexts` threads per ME hiding
//! each other's stalls, the ME spends `max(busy, (busy + stall) / contexts)` cycles per packet,
//! and `mes` MEs at `clock_mhz` give the packet rate ([`SimOutcome::mpps`]).

use crate::isa::*;
use crate::jit::NfpProgram;
use crate::profile::Timing;
use crate::regs::{self, fw};
use ir::insn::{AtomicOp, MemSize};
use ir::interp::Action;
use ir::runtime::{mem, ExecEnv, RegionKind, Runtime, XDP_HEADROOM};
use ir::ProgType;
use std::fmt;

/// Local memory words of the simulated ME.
const LM_WORDS: usize = (regs::LM_BYTES / 4) as usize;

/// Why a run stopped without a result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimError {
    /// NFP instruction address.
    pub addr: usize,
    /// The instruction's text, when inside the code.
    pub insn: Option<String>,
    /// What went wrong.
    pub message: String,
}

impl fmt::Display for SimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NFP address {}", self.addr)?;
        if let Some(t) = &self.insn {
            write!(f, " `{t}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for SimError {}

/// The result of one packet.
#[derive(Clone, Debug, PartialEq)]
pub struct SimOutcome {
    /// eBPF r0 at exit.
    pub r0: u64,
    /// The verdict code the outro left (XDP: 0x82 aborted, 0x22 drop, 0x11 pass, 0x44 tx).
    pub code: u8,
    /// The verdict r0 means to the kernel (for comparing with other engines).
    pub action: Option<Action>,
    /// The packet after the run.
    pub packet: Option<Vec<u8>>,
    /// NFP instructions executed.
    pub insns: u64,
    /// Cycles the ME was busy (instructions, branch penalties, swaps, helpers).
    pub busy_cycles: u64,
    /// Cycles the thread slept waiting for memory.
    pub stall_cycles: u64,
    /// Memory commands issued.
    pub mem_cmds: u64,
    /// Firmware helper calls.
    pub helper_calls: u64,
}

impl SimOutcome {
    /// Cycles from the packet's start to its verdict (one thread, nothing hidden).
    pub fn latency_cycles(&self) -> u64 {
        self.busy_cycles + self.stall_cycles
    }

    /// ME cycles per packet with `t.contexts` threads hiding each other's stalls.
    pub fn me_cycles(&self, t: &Timing) -> f64 {
        let busy = self.busy_cycles as f64;
        busy.max(self.latency_cycles() as f64 / t.contexts.max(1) as f64)
    }

    /// Millions of packets per second over `t.mes` MEs at `t.clock_mhz`.
    pub fn mpps(&self, t: &Timing) -> f64 {
        t.mes as f64 * t.clock_mhz as f64 / self.me_cycles(t).max(1.0)
    }

    /// The verdict code's name.
    pub fn code_name(&self) -> &'static str {
        match self.code {
            0x82 => "aborted",
            0x22 => "drop",
            0x11 => "pass",
            0x44 => "tx",
            _ => "other",
        }
    }
}

/// A decoded program, ready to run packet after packet.
#[derive(Clone, Debug)]
pub struct Sim {
    code: Vec<Insn>,
    prog_type: ProgType,
    /// Cycle parameters.
    pub timing: Timing,
}

struct Thread<'r> {
    a: [u32; 32],
    b: [u32; 32],
    xin: [u32; 32],
    xout: [u32; 32],
    lm: [u32; LM_WORDS],
    lm_ptr: [u32; 4],
    /// (pointer, value, first instruction index that sees it).
    pending: Vec<(usize, u32, u64)>,
    z: bool,
    n: bool,
    c: bool,
    v: bool,
    prev: u32,
    mul: (u32, u32, u64),
    csr_latch: Option<u32>,
    rt: &'r mut Runtime,
    env: Box<ExecEnv>,
    /// Host address of CTM_BASE.
    ctm_host: u64,
    insns: u64,
    busy: u64,
    stall: u64,
    mem_cmds: u64,
    helper_calls: u64,
    /// Where helper arguments from LM are copied (a live region during the call), made on
    /// the first helper call.
    scratch: Option<mem::HostBuf>,
}

type Res<T> = Result<T, String>;

impl Sim {
    /// Decode `words` once.
    pub fn new(words: &[u64], prog_type: ProgType, timing: Timing) -> Result<Sim, SimError> {
        let mut code = Vec::with_capacity(words.len());
        for (i, w) in words.iter().enumerate() {
            code.push(crate::encode::decode(*w).map_err(|e| SimError {
                addr: i,
                insn: None,
                message: e.0,
            })?);
        }
        Ok(Sim {
            code,
            prog_type,
            timing,
        })
    }

    /// The simulator for a translation (decoding its words).
    pub fn for_program(p: &NfpProgram, timing: Timing) -> Result<Sim, SimError> {
        Sim::new(&p.words, p.program.prog_type, timing)
    }

    /// Run one packet (at most `budget` NFP instructions), with the runtime's maps and helpers.
    pub fn run(
        &self,
        rt: &mut Runtime,
        packet: &[u8],
        budget: u64,
    ) -> Result<SimOutcome, SimError> {
        let mut env = rt.take_env(self.prog_type);
        let cfg = rt.ctx_config.clone();
        if let Err(e) = env.reload_packet(self.prog_type, packet, &cfg) {
            rt.recycle_env(env);
            return Err(SimError {
                addr: 0,
                insn: None,
                message: format!("bad input: {e}"),
            });
        }
        rt.begin_run();
        let (_, data, _) = env.packet_bounds().unwrap_or((0, 0, 0));
        let mut t = Thread {
            a: [0; 32],
            b: [0; 32],
            xin: [0; 32],
            xout: [0; 32],
            lm: [0; LM_WORDS],
            lm_ptr: [0; 4],
            pending: Vec::new(),
            z: false,
            n: false,
            c: false,
            v: false,
            prev: 0,
            mul: (0, 0, 0),
            csr_latch: None,
            rt,
            env,
            ctm_host: data.wrapping_sub(XDP_HEADROOM as u64),
            insns: 0,
            busy: 0,
            stall: 0,
            mem_cmds: 0,
            helper_calls: 0,
            scratch: None,
        };
        // The firmware's entry state (crate::regs::FRAME).
        t.packet_vector();
        t.lm_ptr[0] = regs::STACK_TOP - regs::LM0_WINDOW as u32;
        t.lm_ptr[1] = regs::PKT_VEC;
        t.a[regs::FRAME as usize] = regs::STACK_TOP;
        t.b[regs::FRAME as usize] = regs::STACK_TOP;
        t.a[regs::SAVE as usize] = regs::SAVE_BASE;
        t.b[regs::SAVE as usize] = regs::SAVE_BASE;
        let r = t.exec(&self.code, &self.timing, budget);
        let out = match r {
            Ok(code) => {
                let r0 = t.a[0] as u64 | (t.a[1] as u64) << 32;
                Ok(SimOutcome {
                    r0,
                    code,
                    action: Action::from_r0(self.prog_type, r0),
                    packet: t.env.packet_data(),
                    insns: t.insns,
                    busy_cycles: t.busy,
                    stall_cycles: t.stall,
                    mem_cmds: t.mem_cmds,
                    helper_calls: t.helper_calls,
                })
            }
            Err((addr, message)) => Err(SimError {
                addr,
                insn: self.code.get(addr).map(crate::disasm::text),
                message,
            }),
        };
        t.rt.end_run();
        let env = t.env;
        rt_recycle(t.rt, env);
        out
    }
}

fn rt_recycle(rt: &mut Runtime, env: Box<ExecEnv>) {
    rt.recycle_env(env);
}

fn cond_holds(t: &Thread, c: BrCond) -> bool {
    match c {
        BrCond::Eq => t.z,
        BrCond::Ne => !t.z,
        BrCond::Mi => t.n,
        BrCond::Hs => t.c,
        BrCond::Lo => !t.c,
        BrCond::Ge => t.n == t.v,
        BrCond::Lt => t.n != t.v,
        BrCond::Always => true,
    }
}

impl Thread<'_> {
    /// Write the packet vector (length, CTM address of the data) into LM.
    fn packet_vector(&mut self) {
        if let Some((_, data, end)) = self.env.packet_bounds() {
            let base = regs::PKT_VEC as usize / 4;
            self.lm[base] = (end - data) as u32;
            self.lm[base + 1] = 0;
            self.lm[base + 2] = self.ctm_addr(data);
            self.lm[base + 3] = 0;
        }
    }

    fn ctm_addr(&self, host: u64) -> u32 {
        regs::CTM_BASE.wrapping_add(host.wrapping_sub(self.ctm_host) as u32)
    }

    #[inline(always)]
    fn lm_index(&self, ptr: usize, off: u8) -> Res<usize> {
        let i = (self.lm_ptr[ptr] >> 2) as usize + off as usize;
        if i < LM_WORDS {
            Ok(i)
        } else {
            Err(format!(
                "local memory word {i} is outside the {LM_WORDS}-word LM"
            ))
        }
    }

    #[inline(always)]
    fn ur(&mut self, o: Ureg, bank_a: bool, extn: bool) -> Res<u32> {
        Ok(match o {
            Ureg::Gpr(g) => {
                if bank_a {
                    self.a[g.num() as usize]
                } else {
                    self.b[g.num() as usize]
                }
            }
            Ureg::Xfer(x) => self.xin[x.num() as usize],
            Ureg::Lm(Lm::At { ptr, off }) => {
                let i = self.lm_index(ptr as usize + 2 * extn as usize, off)?;
                self.lm[i]
            }
            Ureg::Lm(Lm::PostInc { ptr } | Lm::PostDec { ptr }) => {
                let p = ptr as usize + 2 * extn as usize;
                let i = self.lm_index(p, 0)?;
                let v = self.lm[i];
                self.lm_ptr[p] = if matches!(o, Ureg::Lm(Lm::PostInc { .. })) {
                    self.lm_ptr[p].wrapping_add(4)
                } else {
                    self.lm_ptr[p].wrapping_sub(4)
                };
                v
            }
            Ureg::Nn => 0,
            Ureg::Imm(v) => v as u32,
        })
    }

    #[inline(always)]
    fn rr(&mut self, o: Rreg, bank_a: bool) -> Res<u32> {
        Ok(match o {
            Rreg::Gpr(g) => {
                if bank_a {
                    self.a[g.num() as usize]
                } else {
                    self.b[g.num() as usize]
                }
            }
            Rreg::Imm(v) => v as u32,
            Rreg::Lm { ptr, off } => {
                let i = self.lm_index(ptr as usize, off)?;
                self.lm[i]
            }
            Rreg::Xfer(x) => self.xin[x.num() as usize],
        })
    }

    #[inline(always)]
    fn write(&mut self, d: Dst, v: u32) -> Res<()> {
        match d {
            Dst::Gpr { bank, reg, both } => {
                let n = reg.num() as usize;
                if both || bank == Bank::A {
                    self.a[n] = v;
                }
                if both || bank == Bank::B {
                    self.b[n] = v;
                }
            }
            Dst::Xfer(x) => self.xout[x.num() as usize] = v,
            Dst::Lm { ptr, off } => {
                let i = self.lm_index(ptr as usize, off)?;
                self.lm[i] = v;
            }
            Dst::None => {}
        }
        Ok(())
    }

    fn read_dst(&self, d: Dst) -> u32 {
        match d {
            Dst::Gpr {
                bank: Bank::B,
                reg,
                both: false,
            } => self.b[reg.num() as usize],
            Dst::Gpr { reg, .. } => self.a[reg.num() as usize],
            Dst::Xfer(x) => self.xout[x.num() as usize],
            Dst::Lm { ptr, off } => self
                .lm_index(ptr as usize, off)
                .map(|i| self.lm[i])
                .unwrap_or(0),
            Dst::None => 0,
        }
    }

    #[inline(always)]
    fn flags(&mut self, r: u32) {
        self.z = r == 0;
        self.n = r >> 31 != 0;
    }

    #[inline(always)]
    fn alu(&mut self, op: AluOp, x: u32, y: u32) -> u32 {
        let r = match op {
            AluOp::None => y,
            AluOp::Not => !y,
            AluOp::Add | AluOp::AddC => {
                let cin = (op == AluOp::AddC && self.c) as u64;
                let s = x as u64 + y as u64 + cin;
                let r = s as u32;
                self.c = s >> 32 != 0;
                self.v = ((x ^ r) & (y ^ r)) >> 31 != 0;
                r
            }
            AluOp::Sub | AluOp::SubC => {
                let borrow = (op == AluOp::SubC && !self.c) as u64;
                let r = (x as u64).wrapping_sub(y as u64 + borrow) as u32;
                self.c = x as u64 >= y as u64 + borrow;
                self.v = ((x ^ y) & (x ^ r)) >> 31 != 0;
                r
            }
            AluOp::Add2B => x.wrapping_add(y.wrapping_mul(2)),
            AluOp::And => x & y,
            AluOp::AndNotA => !x & y,
            AluOp::AndNotB => x & !y,
            AluOp::Or => x | y,
            AluOp::Xor => x ^ y,
        };
        self.flags(r);
        self.prev = r;
        r
    }

    #[inline(always)]
    fn shifted(&self, kind: ShiftKind, n: u32, a: u32, b: u32) -> u32 {
        match kind {
            ShiftKind::RotR => b.rotate_right(n),
            ShiftKind::Right => b >> n,
            ShiftKind::Left => b << n,
            ShiftKind::DoubleRight => (((a as u64) << 32 | b as u64) >> n) as u32,
        }
    }

    /// Run to the firmware's exit; the verdict code, or (address, why).
    fn exec(&mut self, code: &[Insn], tm: &Timing, budget: u64) -> Result<u8, (usize, String)> {
        let mut pc = 0usize;
        // (target, deferred instructions still to run)
        let mut jump: Option<(usize, u8)> = None;
        loop {
            if pc >= code.len() {
                if pc == fw::EXIT as usize {
                    return Ok(self.a[regs::TMP0 as usize] as u8);
                }
                let base = fw::HELPER_BASE as usize;
                if (base..=base + fw::HELPER_MAX as usize).contains(&pc) {
                    self.apply_pending(self.insns + 1);
                    // The return address (B0) is read before the result lands in r0.
                    let ret = self.b[0] as usize;
                    self.firmware((pc - base) as i32, tm).map_err(|e| (pc, e))?;
                    pc = ret;
                    continue;
                }
                return Err((pc, "execution left the code store".into()));
            }
            if self.insns >= budget {
                return Err((pc, format!("instruction budget of {budget} exceeded")));
            }
            self.insns += 1;
            self.busy += 1;
            if !self.pending.is_empty() {
                self.apply_pending(self.insns);
            }
            let mut next = pc + 1;
            let mut taken: Option<(usize, Defer)> = None;
            self.step(code[pc], &mut taken, tm).map_err(|e| (pc, e))?;
            if let Some((t, k)) = jump {
                if k <= 1 {
                    next = t;
                    jump = None;
                } else {
                    jump = Some((t, k - 1));
                }
            }
            if let Some((t, d)) = taken {
                self.busy += tm.branch_taken.saturating_sub(d.get() as u32) as u64;
                if d.get() == 0 {
                    next = t;
                } else {
                    jump = Some((t, d.get()));
                }
            }
            pc = next;
        }
    }

    fn apply_pending(&mut self, index: u64) {
        let mut i = 0;
        while i < self.pending.len() {
            let (p, v, at) = self.pending[i];
            if index >= at {
                self.lm_ptr[p] = v;
                self.pending.swap_remove(i);
            } else {
                i += 1;
            }
        }
    }

    fn step(&mut self, insn: Insn, taken: &mut Option<(usize, Defer)>, tm: &Timing) -> Res<()> {
        match insn {
            Insn::Alu {
                dst,
                a,
                op,
                b,
                swap,
                src_lmextn,
            } => {
                let av = self.ur(a, true, src_lmextn && matches!(a, Ureg::Lm(_)))?;
                let bv = self.ur(b, false, src_lmextn && matches!(b, Ureg::Lm(_)))?;
                let (x, y) = if swap { (bv, av) } else { (av, bv) };
                let r = self.alu(op, x, y);
                self.write(dst, r)?;
            }
            Insn::AluShf {
                dst,
                a,
                op,
                b,
                swap,
                kind,
                amount,
            } => {
                let av = self.rr(a, true)?;
                let bv = self.rr(b, false)?;
                let (av, bv) = if swap { (bv, av) } else { (av, bv) };
                let n = match amount {
                    ShiftAmount::Indirect => self.prev & 31,
                    ShiftAmount::By(n) => n as u32 & 31,
                };
                let r = match op {
                    ShfOp::None => self.shifted(kind, n, av, bv),
                    ShfOp::And => av & self.shifted(kind, n, av, bv),
                    ShfOp::Or => av | self.shifted(kind, n, av, bv),
                    ShfOp::Ashr => ((bv as i32) >> n) as u32,
                };
                self.flags(r);
                self.prev = r;
                self.write(dst, r)?;
            }
            Insn::LdField {
                a,
                bmask,
                b,
                kind,
                shift,
                clear,
                both,
            } => {
                let old = if clear { 0 } else { self.rr(a, true)? };
                let bv = self.rr(b, false)?;
                let src = self.shifted(kind, shift as u32 & 31, 0, bv);
                let mut m = 0u32;
                for i in 0..4 {
                    if bmask & (1 << i) != 0 {
                        m |= 0xff << (8 * i);
                    }
                }
                let v = (old & !m) | (src & m);
                let d = match a {
                    Rreg::Gpr(reg) => Dst::Gpr {
                        bank: Bank::A,
                        reg,
                        both,
                    },
                    Rreg::Lm { ptr, off } => Dst::Lm { ptr, off },
                    Rreg::Xfer(x) => Dst::Xfer(x),
                    Rreg::Imm(_) => Dst::None,
                };
                self.write(d, v)?;
            }
            Insn::Immed {
                dst,
                imm,
                width,
                shift,
                inv,
            } => {
                let latched = if imm == 0 && width == ImmWidth::All {
                    self.csr_latch.take()
                } else {
                    None
                };
                let v = match (latched, width) {
                    (Some(v), _) => v,
                    (None, ImmWidth::All) => {
                        let v = (imm as u32) << (8 * shift as u32);
                        if inv {
                            !v
                        } else {
                            v
                        }
                    }
                    (None, w) => {
                        let (bits, val) = if w == ImmWidth::Byte {
                            (0xffu32, imm as u32 & 0xff)
                        } else {
                            (0xffff, imm as u32)
                        };
                        let val = if inv { !val & bits } else { val };
                        let sh = 8 * shift as u32;
                        let old = self.read_dst(dst);
                        (old & !(bits << sh)) | (val << sh)
                    }
                };
                self.write(dst, v)?;
            }
            Insn::Mul {
                step,
                ty,
                a,
                b,
                dst,
            } => {
                if ty == MulType::Start {
                    let av = self.ur(a, true, false)?;
                    let bv = self.ur(b, false, false)?;
                    self.mul = (av, bv, 0);
                } else {
                    let (ma, mb, acc) = self.mul;
                    let (ma, mb) = match ty {
                        MulType::Step24x8 => (ma & 0xff_ffff, mb & 0xff),
                        MulType::Step16x16 => (ma & 0xffff, mb & 0xffff),
                        _ => (ma, mb),
                    };
                    match step {
                        MulStep::Step(k) => {
                            let sh = 8 * (k as u32 - 1);
                            let part = (ma as u64) * ((mb >> sh) as u64 & 0xff);
                            self.mul.2 = acc.wrapping_add(part << sh);
                        }
                        MulStep::Last => self.write(dst, acc as u32)?,
                        MulStep::Last2 => self.write(dst, (acc >> 32) as u32)?,
                    }
                }
            }
            Insn::Br { cond, addr, defer } => {
                if cond_holds(self, cond) {
                    *taken = Some((addr.get() as usize, defer));
                }
            }
            Insn::BrBit {
                a,
                bit,
                set,
                addr,
                defer,
            } => {
                let v = self.rr(a, true)?;
                if ((v >> bit) & 1 != 0) == set {
                    *taken = Some((addr.get() as usize, defer));
                }
            }
            Insn::BrByte {
                a,
                byte,
                b,
                eq,
                addr,
                defer,
            } => {
                let av = (self.rr(a, true)? >> (8 * byte as u32)) & 0xff;
                let bv = self.rr(b, false)? & 0xff;
                if (av == bv) == eq {
                    *taken = Some((addr.get() as usize, defer));
                }
            }
            Insn::BrAlu {
                a,
                b,
                imm_hi,
                defer,
            } => {
                let val = |t: &mut Self, o: Ureg, bank_a| -> Res<u32> {
                    Ok(match o {
                        Ureg::Imm(v) => (imm_hi as u32) << 8 | v as u32,
                        other => t.ur(other, bank_a, false)?,
                    })
                };
                let av = val(self, a, true)?;
                let bv = if matches!(a, Ureg::Imm(_)) && matches!(b, Ureg::Imm(_)) {
                    0
                } else {
                    val(self, b, false)?
                };
                *taken = Some((av.wrapping_add(bv) as usize, defer));
            }
            Insn::LocalCsr { csr, write, a, b } => {
                if write {
                    let v = self.ur(a, true, false)? | self.ur(b, false, false)?;
                    if let Some(p) = csr::lm_pointer(csr) {
                        self.pending.retain(|q| q.0 != p);
                        self.pending.push((p, v, self.insns + 4));
                    }
                } else if csr == csr::PSEUDO_RND_NUM {
                    let v = self
                        .rt
                        .call_helper(7, [0; 5], &mut self.env)
                        .map_err(|e| format!("PseudoRndNum: {e}"))?;
                    self.csr_latch = Some(v as u32);
                } else {
                    self.csr_latch = Some(0);
                }
            }
            Insn::CtxArb { .. } => self.busy += tm.ctx_swap as u64,
            Insn::Cmd {
                op,
                xfer,
                count,
                a,
                b,
                ctx,
                mode,
                ..
            } => {
                let av = self.rr(a, true)?;
                let bv = self.rr(b, false)?;
                let addr = match mode {
                    AddrMode::Bits32 => av.wrapping_add(bv) as u64,
                    AddrMode::Bits40AB => (av as u64) << 32 | bv as u64,
                    AddrMode::Bits40BA => (bv as u64) << 32 | av as u64,
                };
                let latency = self.command(op, xfer.num() as usize, count, addr, mode, tm)?;
                self.mem_cmds += 1;
                if ctx != CtxSwap::NoSwap {
                    self.stall += latency as u64;
                    self.busy += tm.ctx_swap as u64;
                }
            }
        }
        Ok(())
    }

    /// Translate a command address to a host address and check the access.
    fn host(&self, addr: u64, mode: AddrMode, len: u64, write: bool) -> Res<(u64, bool)> {
        let (host, ctm) = if mode == AddrMode::Bits32 {
            let off = (addr as u32).wrapping_sub(regs::CTM_BASE) as u64;
            (self.ctm_host.wrapping_add(off), true)
        } else {
            (addr, false)
        };
        let region = self.rt.find_region(&self.env, host, len).ok_or_else(|| {
            format!("memory command at {addr:#x} ({len} bytes) hits no live memory")
        })?;
        let ok = matches!(
            region.kind,
            RegionKind::Packet | RegionKind::PacketMeta | RegionKind::MapValue
        );
        if !ok || (write && !region.writable) {
            return Err(format!(
                "memory command at {addr:#x} may not {} the {}",
                if write { "write" } else { "read" },
                region.kind
            ));
        }
        Ok((host, ctm))
    }

    fn command(
        &mut self,
        op: CmdOp,
        x: usize,
        count: u8,
        addr: u64,
        mode: AddrMode,
        tm: &Timing,
    ) -> Res<u32> {
        let words = count as usize + 1;
        match op {
            CmdOp::Read8
            | CmdOp::Read32
            | CmdOp::Read32Le
            | CmdOp::Read32Swap
            | CmdOp::ReadLe
            | CmdOp::ReadSwapLe => {
                let len = if op == CmdOp::Read8 { words } else { 4 * words };
                let (host, ctm) = self.host(addr, mode, len as u64, false)?;
                let mut buf = [0u8; 32];
                // SAFETY: `host` checked: [host, host + len) lies in a live region.
                unsafe { mem::copy_out(host, &mut buf[..len]) };
                for i in 0..len.div_ceil(4) {
                    let w = u32::from_le_bytes([
                        buf[4 * i],
                        buf[4 * i + 1],
                        buf[4 * i + 2],
                        buf[4 * i + 3],
                    ]);
                    self.xin[(x + i) & 31] = w;
                }
                Ok(if ctm { tm.ctm_read } else { tm.emem_read })
            }
            CmdOp::Write8Swap | CmdOp::Write32Swap => {
                let len = if op == CmdOp::Write8Swap {
                    words
                } else {
                    4 * words
                };
                let (host, ctm) = self.host(addr, mode, len as u64, true)?;
                let mut buf = [0u8; 32];
                for i in 0..len.div_ceil(4) {
                    buf[4 * i..4 * i + 4].copy_from_slice(&self.xout[(x + i) & 31].to_le_bytes());
                }
                // SAFETY: `host` checked writable for `len` bytes.
                unsafe { mem::copy_in(host, &buf[..len]) };
                Ok(if ctm { tm.ctm_write } else { tm.emem_atomic })
            }
            CmdOp::AtomicAdd => {
                let (size, v) = if count == 0 {
                    (MemSize::W, self.xout[x] as u64)
                } else {
                    (
                        MemSize::DW,
                        self.xout[x] as u64 | (self.xout[(x + 1) & 31] as u64) << 32,
                    )
                };
                let (host, _) = self.host(addr, mode, size.bytes() as u64, true)?;
                // SAFETY: `host` checked writable for the access size.
                unsafe { mem::atomic(host, size, AtomicOp::Add, v, 0) };
                Ok(tm.emem_atomic)
            }
            CmdOp::AddImm => Err("mem[add_imm] is not modelled".into()),
        }
    }

    /// Copy `len` bytes at LM byte address `at` into the scratch buffer at `to`.
    fn lm_to_scratch(&mut self, at: u32, len: usize, to: usize) -> Res<()> {
        let mut bytes = vec![0u8; len];
        for (i, byte) in bytes.iter_mut().enumerate() {
            let a = at as usize + i;
            let w = self
                .lm
                .get(a / 4)
                .ok_or_else(|| format!("LM byte {a} is outside local memory"))?;
            *byte = (w >> (8 * (a % 4))) as u8;
        }
        if !self.scratch_buf().write(to, &bytes) {
            return Err(format!("helper argument of {len} bytes is too large"));
        }
        Ok(())
    }

    fn scratch_buf(&mut self) -> &mut mem::HostBuf {
        self.scratch
            .get_or_insert_with(|| mem::HostBuf::zeroed(256))
    }

    fn pair(&self, r: u8) -> u64 {
        self.a[2 * r as usize] as u64 | (self.a[2 * r as usize + 1] as u64) << 32
    }

    fn set_r0(&mut self, v: u64) {
        self.a[0] = v as u32;
        self.b[0] = v as u32;
        self.a[1] = (v >> 32) as u32;
        self.b[1] = (v >> 32) as u32;
    }

    /// A firmware helper: arguments as the translator passes them, semantics of the runtime.
    fn firmware(&mut self, id: i32, tm: &Timing) -> Res<()> {
        self.helper_calls += 1;
        self.busy += tm.helper as u64;
        let base = self.scratch_buf().addr();
        let r = match id {
            1..=3 => {
                let map = self.a[0] as usize;
                let handle = self
                    .rt
                    .map_handle(map)
                    .ok_or_else(|| format!("map id {map} does not exist"))?;
                let def = self.rt.map_def(map).ok_or("no map definition")?;
                let (ks, vs) = (def.key_size as usize, def.value_size as usize);
                self.lm_to_scratch(self.lm_ptr[0], ks, 0)?;
                if id == 2 {
                    self.lm_to_scratch(self.lm_ptr[2], vs, 128)?;
                }
                self.env.set_stack(base, base + 256);
                let flags = self.pair(4);
                let r =
                    self.rt
                        .call_helper(id, [handle, base, base + 128, flags, 0], &mut self.env);
                self.env.set_stack(0, 0);
                r
            }
            44 | 65 => {
                let ctx = self.env.ctx_addr().unwrap_or(0);
                let r = self
                    .rt
                    .call_helper(id, [ctx, self.pair(2), 0, 0, 0], &mut self.env);
                self.packet_vector();
                r
            }
            25 => {
                let ctx = self.env.ctx_addr().unwrap_or(0);
                let map = self.a[4] as usize;
                let handle = self
                    .rt
                    .map_handle(map)
                    .ok_or_else(|| format!("map id {map} does not exist"))?;
                let (data, size) = (self.pair(4), self.pair(5));
                let ptr = if data < regs::LM_BYTES as u64 {
                    self.lm_to_scratch(data as u32, size.min(256) as usize, 0)?;
                    base
                } else if (regs::CTM_BASE as u64..1 << 32).contains(&data) {
                    self.ctm_host + (data as u32 - regs::CTM_BASE) as u64
                } else {
                    data
                };
                self.env.set_stack(base, base + 256);
                let r =
                    self.rt
                        .call_helper(id, [ctx, handle, self.pair(3), ptr, size], &mut self.env);
                self.env.set_stack(0, 0);
                r
            }
            _ => return Err(format!("no firmware helper {id}")),
        };
        let v = r.map_err(|e| format!("helper {id}: {e}"))?;
        self.set_r0(v);
        Ok(())
    }
}
