//! The execution loop over prepared [`Op`]s, frames, memory checking and helper calls.

use super::prepare::{atomic_decode, prepare, Op, K, UNSUPPORTED};
use super::{Action, ExecError, ExecErrorKind, Input, Outcome};
use crate::arith;
use crate::insn::{AluOp, Endian, JmpCond, MemSize, Width};
use crate::program::{ProgType, Program};
use crate::runtime::mem::{self, HostBuf};
use crate::runtime::{Control, ExecEnv, Region, RegionKind, Runtime};

/// A region nothing is inside.
const NO_REGION: Region = Region {
    start: u64::MAX,
    end: u64::MAX,
    kind: RegionKind::InputMem,
    writable: false,
};
use std::sync::Arc;

/// Bytes of stack per frame.
pub const STACK_SIZE: usize = 512;
/// Maximum call frames (the entry function counts as one).
pub const MAX_FRAMES: usize = 8;

/// A program decoded once for execution; run it many times with [`Prepared::run`].
#[derive(Clone, Debug)]
pub struct Prepared {
    ops: Vec<Op>,
    prog: Arc<Program>,
    prog_type: ProgType,
}

/// A registered program decoded for tail calls, with its runtime map ids.
pub(crate) type TailTarget = (Prepared, Vec<usize>);

/// How a program's map indices (in its LD_IMM64s) name runtime maps.
#[derive(Clone, Copy)]
enum MapIds<'a> {
    /// The entry program: its map `i` is runtime map `i`.
    Identity,
    /// A tail-called program: through its registration.
    Mapped(&'a [usize]),
}

impl MapIds<'_> {
    #[inline]
    fn get(self, i: usize) -> Option<usize> {
        match self {
            MapIds::Identity => Some(i),
            MapIds::Mapped(ids) => ids.get(i).copied(),
        }
    }
}

struct Frame {
    ret_pc: usize,
    saved: [u64; 4],
    prog: usize,
}

enum Leave {
    Exit(u64),
    Switch { prog: usize, pc: usize },
}

struct Machine<'r> {
    rt: &'r mut Runtime,
    env: &'r mut ExecEnv,
    regs: [u64; 16],
    frames: Vec<Frame>,
    steps: u64,
    budget: u64,
    stack_top: u64,
}

#[cold]
fn fail(p: &Prepared, prog: usize, pc: usize, kind: ExecErrorKind) -> ExecError {
    let insn = p.prog.insns.get(pc).copied();
    ExecError {
        pc,
        prog,
        insn,
        text: insn.map(|_| crate::disasm::insn_text(&p.prog, pc, crate::asm::Syntax::Llvm)),
        kind,
    }
}

impl Prepared {
    /// Decode `prog` for execution.
    pub fn new(prog: &Program) -> Prepared {
        Prepared {
            ops: prepare(&prog.insns),
            prog: Arc::new(prog.clone()),
            prog_type: prog.prog_type,
        }
    }

    /// Run with at most `budget` executed instructions; see [`super::run`].
    pub fn run(&self, rt: &mut Runtime, input: &Input, budget: u64) -> Result<Outcome, ExecError> {
        rt.begin_run();
        // The environment and the stack of the previous run are reused: a run allocates
        // nothing but its output packet.
        let mut env = rt.take_env(self.prog_type);
        let mut stack = rt
            .spare_stack
            .take()
            .unwrap_or_else(|| HostBuf::zeroed(STACK_SIZE * MAX_FRAMES));
        let result = self.run_inner(rt, &mut env, &mut stack, input, budget);
        rt.recycle_env(env);
        rt.spare_stack = Some(stack);
        rt.end_run();
        result
    }

    fn run_inner(
        &self,
        rt: &mut Runtime,
        env: &mut ExecEnv,
        stack: &mut HostBuf,
        input: &Input,
        budget: u64,
    ) -> Result<Outcome, ExecError> {
        let (r1, r2) = match input {
            // `take_env` handed it over empty.
            Input::None => (0, 0),
            Input::Mem(bytes) => env.reload_mem(self.prog_type, bytes),
            Input::Packet(bytes) => {
                match env.reload_packet(self.prog_type, bytes, &rt.ctx_config) {
                    Ok(ctx) => (ctx, 0),
                    Err(e) => return Err(fail(self, 0, 0, ExecErrorKind::Input(e))),
                }
            }
        };
        // Frame 0 starts zeroed; deeper frames are zeroed when a call enters them.
        stack.zero(stack.len() - STACK_SIZE, STACK_SIZE);
        let top = stack.addr() + stack.len() as u64;
        let mut m = Machine {
            rt,
            env,
            // One literal (not zeroes patched afterwards): `exec` copies the array with wide
            // loads, which cannot be forwarded from narrower stores still in flight.
            regs: [0, r1, r2, 0, 0, 0, 0, 0, 0, 0, top, 0, 0, 0, 0, 0],
            frames: Vec::new(),
            steps: 0,
            budget,
            stack_top: top,
        };
        m.env.set_stack(top - STACK_SIZE as u64, top);
        // Tail-call targets of this run (decoded once per runtime, see `Runtime::prepared`).
        let mut others: Vec<Option<Arc<TailTarget>>> = Vec::new();
        let (mut cur, mut pc) = (0usize, 0usize);
        let r0 = loop {
            let (p, t) = if cur == 0 {
                (self, MapIds::Identity)
            } else {
                match others.get(cur).and_then(|o| o.as_deref()) {
                    Some((p, ids)) => (p, MapIds::Mapped(ids)),
                    None => return Err(missing_program(cur)),
                }
            };
            match m.exec(p, t, cur, pc).map_err(|e| *e)? {
                Leave::Exit(r0) => break r0,
                Leave::Switch { prog, pc: next } => {
                    if prog != 0 && others.get(prog).is_none_or(|o| o.is_none()) {
                        let target = match m.rt.prepared.get(prog).cloned().flatten() {
                            Some(t) => t,
                            None => {
                                let Some(reg) = m.rt.program(prog) else {
                                    return Err(missing_program(prog));
                                };
                                let t =
                                    Arc::new((Prepared::new(&reg.program), reg.map_ids.clone()));
                                if m.rt.prepared.len() <= prog {
                                    m.rt.prepared.resize(prog + 1, None);
                                }
                                m.rt.prepared[prog] = Some(t.clone());
                                t
                            }
                        };
                        if others.len() <= prog {
                            others.resize(prog + 1, None);
                        }
                        others[prog] = Some(target);
                    }
                    cur = prog;
                    pc = next;
                }
            }
        };
        let (packet, action) = match input {
            Input::Packet(_) => (m.env.packet_data(), Action::from_r0(self.prog_type, r0)),
            _ => (None, None),
        };
        Ok(Outcome {
            r0,
            packet,
            action,
            steps: m.steps,
        })
    }
}

#[cold]
fn missing_program(prog: usize) -> ExecError {
    ExecError {
        pc: 0,
        prog,
        insn: None,
        text: None,
        kind: ExecErrorKind::Unsupported("tail call into a program the runtime does not hold"),
    }
}

impl Machine<'_> {
    /// Run `p` from `pc` until the program ends or control moves to another program.
    ///
    /// Steps are counted per linear run of instructions: `block` is the slot where the current
    /// run began and `steps` counts everything before it, so straight-line code pays nothing
    /// for counting. The budget is checked at every taken jump, call and exit, which bounds
    /// every loop; a completed run never reports more than `budget` steps.
    #[inline(never)]
    fn exec(
        &mut self,
        p: &Prepared,
        t: MapIds<'_>,
        prog: usize,
        mut pc: usize,
    ) -> Result<Leave, Box<ExecError>> {
        let ops: &[Op] = &p.ops;
        let mut regs = self.regs;
        let mut steps = self.steps;
        let mut block = pc;
        let budget = self.budget;
        let top = self.stack_top;
        let mut lo = top - ((self.frames.len() + 1) * STACK_SIZE) as u64;

        // The instruction at `pc` did not run.
        macro_rules! bail {
            ($kind:expr) => {{
                self.steps = steps + pc.wrapping_sub(block) as u64;
                return Err(Box::new(fail(p, prog, pc, $kind)));
            }};
        }
        // The instruction at `pc` ran and control leaves the linear run.
        macro_rules! settle {
            () => {{
                steps += (pc + 1).wrapping_sub(block) as u64;
            }};
        }
        macro_rules! over_budget {
            () => {{
                if steps > budget {
                    self.steps = steps;
                    return Err(Box::new(fail(
                        p,
                        prog,
                        pc,
                        ExecErrorKind::BudgetExceeded { budget },
                    )));
                }
            }};
        }
        macro_rules! addr {
            ($base:expr, $op:expr) => {
                regs[$base as usize & 15].wrapping_add($op.off as i64 as u64)
            };
        }
        // The last non-stack, non-context region an access hit (packet, map value, input):
        // checked second, so that packet parsing does not search every region each time. It
        // is forgotten after every helper call, the only thing that can change regions.
        let mut hot = NO_REGION;
        macro_rules! load {
            ($addr:expr, $sz:expr) => {{
                let a: u64 = $addr;
                let n = $sz.bytes() as u64;
                if (a >= lo && a <= top - n) || hot.contains(a, n) {
                    // SAFETY: inside the live stack or the cached live region (HostBufs).
                    unsafe { mem::load(a, $sz) }
                } else {
                    match self.slow_load(a, $sz) {
                        Ok((v, r)) => {
                            if let Some(r) = r {
                                hot = r;
                            }
                            v
                        }
                        Err(k) => bail!(k),
                    }
                }
            }};
        }
        macro_rules! store {
            ($addr:expr, $sz:expr, $val:expr) => {{
                let a: u64 = $addr;
                let v: u64 = $val;
                let n = $sz.bytes() as u64;
                if (a >= lo && a <= top - n) || (hot.writable && hot.contains(a, n)) {
                    // SAFETY: inside the live stack or the cached live writable region.
                    unsafe { mem::store(a, $sz, v) }
                } else {
                    match self.slow_store(a, $sz, v) {
                        Ok(Some(r)) => hot = r,
                        Ok(None) => {}
                        Err(k) => bail!(k),
                    }
                }
            }};
        }
        macro_rules! jump {
            ($cond:expr, $op:expr) => {{
                if $cond {
                    settle!();
                    pc = $op.off as u32 as usize;
                    block = pc;
                    over_budget!();
                    continue;
                }
            }};
        }

        loop {
            let Some(op) = ops.get(pc) else {
                bail!(ExecErrorKind::PcOutOfRange {
                    target: pc as u32 as i32 as i64
                })
            };
            let op = *op;
            let d = op.dst as usize & 15;
            let s = op.src as usize & 15;
            match op.k {
                K::Add64I => regs[d] = arith::alu64(AluOp::Add, regs[d], op.imm),
                K::Add64R => regs[d] = arith::alu64(AluOp::Add, regs[d], regs[s]),
                K::Sub64I => regs[d] = arith::alu64(AluOp::Sub, regs[d], op.imm),
                K::Sub64R => regs[d] = arith::alu64(AluOp::Sub, regs[d], regs[s]),
                K::Mul64I => regs[d] = arith::alu64(AluOp::Mul, regs[d], op.imm),
                K::Mul64R => regs[d] = arith::alu64(AluOp::Mul, regs[d], regs[s]),
                K::Div64I => regs[d] = arith::alu64(AluOp::Div, regs[d], op.imm),
                K::Div64R => regs[d] = arith::alu64(AluOp::Div, regs[d], regs[s]),
                K::SDiv64I => regs[d] = arith::alu64(AluOp::SDiv, regs[d], op.imm),
                K::SDiv64R => regs[d] = arith::alu64(AluOp::SDiv, regs[d], regs[s]),
                K::Or64I => regs[d] = arith::alu64(AluOp::Or, regs[d], op.imm),
                K::Or64R => regs[d] = arith::alu64(AluOp::Or, regs[d], regs[s]),
                K::And64I => regs[d] = arith::alu64(AluOp::And, regs[d], op.imm),
                K::And64R => regs[d] = arith::alu64(AluOp::And, regs[d], regs[s]),
                K::Lsh64I => regs[d] = arith::alu64(AluOp::Lsh, regs[d], op.imm),
                K::Lsh64R => regs[d] = arith::alu64(AluOp::Lsh, regs[d], regs[s]),
                K::Rsh64I => regs[d] = arith::alu64(AluOp::Rsh, regs[d], op.imm),
                K::Rsh64R => regs[d] = arith::alu64(AluOp::Rsh, regs[d], regs[s]),
                K::Mod64I => regs[d] = arith::alu64(AluOp::Mod, regs[d], op.imm),
                K::Mod64R => regs[d] = arith::alu64(AluOp::Mod, regs[d], regs[s]),
                K::SMod64I => regs[d] = arith::alu64(AluOp::SMod, regs[d], op.imm),
                K::SMod64R => regs[d] = arith::alu64(AluOp::SMod, regs[d], regs[s]),
                K::Xor64I => regs[d] = arith::alu64(AluOp::Xor, regs[d], op.imm),
                K::Xor64R => regs[d] = arith::alu64(AluOp::Xor, regs[d], regs[s]),
                K::Mov64I => regs[d] = arith::alu64(AluOp::Mov, regs[d], op.imm),
                K::Mov64R => regs[d] = arith::alu64(AluOp::Mov, regs[d], regs[s]),
                K::Arsh64I => regs[d] = arith::alu64(AluOp::Arsh, regs[d], op.imm),
                K::Arsh64R => regs[d] = arith::alu64(AluOp::Arsh, regs[d], regs[s]),

                K::Add32I => regs[d] = arith::alu32(AluOp::Add, regs[d], op.imm),
                K::Add32R => regs[d] = arith::alu32(AluOp::Add, regs[d], regs[s]),
                K::Sub32I => regs[d] = arith::alu32(AluOp::Sub, regs[d], op.imm),
                K::Sub32R => regs[d] = arith::alu32(AluOp::Sub, regs[d], regs[s]),
                K::Mul32I => regs[d] = arith::alu32(AluOp::Mul, regs[d], op.imm),
                K::Mul32R => regs[d] = arith::alu32(AluOp::Mul, regs[d], regs[s]),
                K::Div32I => regs[d] = arith::alu32(AluOp::Div, regs[d], op.imm),
                K::Div32R => regs[d] = arith::alu32(AluOp::Div, regs[d], regs[s]),
                K::SDiv32I => regs[d] = arith::alu32(AluOp::SDiv, regs[d], op.imm),
                K::SDiv32R => regs[d] = arith::alu32(AluOp::SDiv, regs[d], regs[s]),
                K::Or32I => regs[d] = arith::alu32(AluOp::Or, regs[d], op.imm),
                K::Or32R => regs[d] = arith::alu32(AluOp::Or, regs[d], regs[s]),
                K::And32I => regs[d] = arith::alu32(AluOp::And, regs[d], op.imm),
                K::And32R => regs[d] = arith::alu32(AluOp::And, regs[d], regs[s]),
                K::Lsh32I => regs[d] = arith::alu32(AluOp::Lsh, regs[d], op.imm),
                K::Lsh32R => regs[d] = arith::alu32(AluOp::Lsh, regs[d], regs[s]),
                K::Rsh32I => regs[d] = arith::alu32(AluOp::Rsh, regs[d], op.imm),
                K::Rsh32R => regs[d] = arith::alu32(AluOp::Rsh, regs[d], regs[s]),
                K::Mod32I => regs[d] = arith::alu32(AluOp::Mod, regs[d], op.imm),
                K::Mod32R => regs[d] = arith::alu32(AluOp::Mod, regs[d], regs[s]),
                K::SMod32I => regs[d] = arith::alu32(AluOp::SMod, regs[d], op.imm),
                K::SMod32R => regs[d] = arith::alu32(AluOp::SMod, regs[d], regs[s]),
                K::Xor32I => regs[d] = arith::alu32(AluOp::Xor, regs[d], op.imm),
                K::Xor32R => regs[d] = arith::alu32(AluOp::Xor, regs[d], regs[s]),
                K::Mov32I => regs[d] = arith::alu32(AluOp::Mov, regs[d], op.imm),
                K::Mov32R => regs[d] = arith::alu32(AluOp::Mov, regs[d], regs[s]),
                K::Arsh32I => regs[d] = arith::alu32(AluOp::Arsh, regs[d], op.imm),
                K::Arsh32R => regs[d] = arith::alu32(AluOp::Arsh, regs[d], regs[s]),

                K::Neg64 => regs[d] = arith::neg(Width::W64, regs[d]),
                K::Neg32 => regs[d] = arith::neg(Width::W32, regs[d]),
                K::MovSx64B => regs[d] = arith::movsx(Width::W64, 8, regs[s]),
                K::MovSx64H => regs[d] = arith::movsx(Width::W64, 16, regs[s]),
                K::MovSx64W => regs[d] = arith::movsx(Width::W64, 32, regs[s]),
                K::MovSx32B => regs[d] = arith::movsx(Width::W32, 8, regs[s]),
                K::MovSx32H => regs[d] = arith::movsx(Width::W32, 16, regs[s]),
                K::Trunc16 => regs[d] = arith::endian(Endian::ToLe, 16, regs[d]),
                K::Trunc32 => regs[d] = arith::endian(Endian::ToLe, 32, regs[d]),
                K::Nop => {}
                K::Swap16 => regs[d] = arith::endian(Endian::Swap, 16, regs[d]),
                K::Swap32 => regs[d] = arith::endian(Endian::Swap, 32, regs[d]),
                K::Swap64 => regs[d] = arith::endian(Endian::Swap, 64, regs[d]),

                K::Ja => jump!(true, op),
                K::Jeq64I => jump!(arith::cond64(JmpCond::Eq, regs[d], op.imm), op),
                K::Jeq64R => jump!(arith::cond64(JmpCond::Eq, regs[d], regs[s]), op),
                K::Jgt64I => jump!(arith::cond64(JmpCond::Gt, regs[d], op.imm), op),
                K::Jgt64R => jump!(arith::cond64(JmpCond::Gt, regs[d], regs[s]), op),
                K::Jge64I => jump!(arith::cond64(JmpCond::Ge, regs[d], op.imm), op),
                K::Jge64R => jump!(arith::cond64(JmpCond::Ge, regs[d], regs[s]), op),
                K::Jset64I => jump!(arith::cond64(JmpCond::Set, regs[d], op.imm), op),
                K::Jset64R => jump!(arith::cond64(JmpCond::Set, regs[d], regs[s]), op),
                K::Jne64I => jump!(arith::cond64(JmpCond::Ne, regs[d], op.imm), op),
                K::Jne64R => jump!(arith::cond64(JmpCond::Ne, regs[d], regs[s]), op),
                K::Jsgt64I => jump!(arith::cond64(JmpCond::Sgt, regs[d], op.imm), op),
                K::Jsgt64R => jump!(arith::cond64(JmpCond::Sgt, regs[d], regs[s]), op),
                K::Jsge64I => jump!(arith::cond64(JmpCond::Sge, regs[d], op.imm), op),
                K::Jsge64R => jump!(arith::cond64(JmpCond::Sge, regs[d], regs[s]), op),
                K::Jlt64I => jump!(arith::cond64(JmpCond::Lt, regs[d], op.imm), op),
                K::Jlt64R => jump!(arith::cond64(JmpCond::Lt, regs[d], regs[s]), op),
                K::Jle64I => jump!(arith::cond64(JmpCond::Le, regs[d], op.imm), op),
                K::Jle64R => jump!(arith::cond64(JmpCond::Le, regs[d], regs[s]), op),
                K::Jslt64I => jump!(arith::cond64(JmpCond::Slt, regs[d], op.imm), op),
                K::Jslt64R => jump!(arith::cond64(JmpCond::Slt, regs[d], regs[s]), op),
                K::Jsle64I => jump!(arith::cond64(JmpCond::Sle, regs[d], op.imm), op),
                K::Jsle64R => jump!(arith::cond64(JmpCond::Sle, regs[d], regs[s]), op),

                K::Jeq32I => jump!(arith::cond32(JmpCond::Eq, regs[d], op.imm), op),
                K::Jeq32R => jump!(arith::cond32(JmpCond::Eq, regs[d], regs[s]), op),
                K::Jgt32I => jump!(arith::cond32(JmpCond::Gt, regs[d], op.imm), op),
                K::Jgt32R => jump!(arith::cond32(JmpCond::Gt, regs[d], regs[s]), op),
                K::Jge32I => jump!(arith::cond32(JmpCond::Ge, regs[d], op.imm), op),
                K::Jge32R => jump!(arith::cond32(JmpCond::Ge, regs[d], regs[s]), op),
                K::Jset32I => jump!(arith::cond32(JmpCond::Set, regs[d], op.imm), op),
                K::Jset32R => jump!(arith::cond32(JmpCond::Set, regs[d], regs[s]), op),
                K::Jne32I => jump!(arith::cond32(JmpCond::Ne, regs[d], op.imm), op),
                K::Jne32R => jump!(arith::cond32(JmpCond::Ne, regs[d], regs[s]), op),
                K::Jsgt32I => jump!(arith::cond32(JmpCond::Sgt, regs[d], op.imm), op),
                K::Jsgt32R => jump!(arith::cond32(JmpCond::Sgt, regs[d], regs[s]), op),
                K::Jsge32I => jump!(arith::cond32(JmpCond::Sge, regs[d], op.imm), op),
                K::Jsge32R => jump!(arith::cond32(JmpCond::Sge, regs[d], regs[s]), op),
                K::Jlt32I => jump!(arith::cond32(JmpCond::Lt, regs[d], op.imm), op),
                K::Jlt32R => jump!(arith::cond32(JmpCond::Lt, regs[d], regs[s]), op),
                K::Jle32I => jump!(arith::cond32(JmpCond::Le, regs[d], op.imm), op),
                K::Jle32R => jump!(arith::cond32(JmpCond::Le, regs[d], regs[s]), op),
                K::Jslt32I => jump!(arith::cond32(JmpCond::Slt, regs[d], op.imm), op),
                K::Jslt32R => jump!(arith::cond32(JmpCond::Slt, regs[d], regs[s]), op),
                K::Jsle32I => jump!(arith::cond32(JmpCond::Sle, regs[d], op.imm), op),
                K::Jsle32R => jump!(arith::cond32(JmpCond::Sle, regs[d], regs[s]), op),

                K::LdxB => regs[d] = load!(addr!(s, op), MemSize::B),
                K::LdxH => regs[d] = load!(addr!(s, op), MemSize::H),
                K::LdxW => regs[d] = load!(addr!(s, op), MemSize::W),
                K::LdxDW => regs[d] = load!(addr!(s, op), MemSize::DW),
                K::LdxSB => regs[d] = load!(addr!(s, op), MemSize::B) as i8 as i64 as u64,
                K::LdxSH => regs[d] = load!(addr!(s, op), MemSize::H) as i16 as i64 as u64,
                K::LdxSW => regs[d] = load!(addr!(s, op), MemSize::W) as i32 as i64 as u64,
                K::StB => store!(addr!(d, op), MemSize::B, op.imm),
                K::StH => store!(addr!(d, op), MemSize::H, op.imm),
                K::StW => store!(addr!(d, op), MemSize::W, op.imm),
                K::StDW => store!(addr!(d, op), MemSize::DW, op.imm),
                K::StxB => store!(addr!(d, op), MemSize::B, regs[s]),
                K::StxH => store!(addr!(d, op), MemSize::H, regs[s]),
                K::StxW => store!(addr!(d, op), MemSize::W, regs[s]),
                K::StxDW => store!(addr!(d, op), MemSize::DW, regs[s]),
                K::Atomic => {
                    let a = addr!(d, op);
                    let n = op.sz.bytes() as u64;
                    if !(a >= lo && a <= top - n) {
                        if let Err(k) = self.check_atomic(a, op.sz) {
                            bail!(k)
                        }
                    }
                    let (aop, fetch) = atomic_decode(op.imm);
                    // SAFETY: the range was checked to lie in a live, writable, non-ctx region.
                    let old = unsafe { mem::atomic(a, op.sz, aop, regs[s], regs[0]) };
                    match aop {
                        crate::insn::AtomicOp::CmpXchg => regs[0] = old,
                        crate::insn::AtomicOp::Xchg => regs[s] = old,
                        _ if fetch => regs[s] = old,
                        _ => {}
                    }
                }
                K::LdImm64 => {
                    regs[d] = op.imm;
                    pc += 2;
                    block += 1;
                    continue;
                }
                K::LdMapFd => {
                    let i = op.imm as usize;
                    match t.get(i).and_then(|r| self.rt.map_handle(r)) {
                        Some(h) => regs[d] = h,
                        None => bail!(ExecErrorKind::BadMapRef {
                            index: i as u32,
                            why: "no such map in the runtime".into()
                        }),
                    }
                    pc += 2;
                    block += 1;
                    continue;
                }
                K::LdMapValue => {
                    let i = op.imm as u32 as usize;
                    let off = op.imm >> 32;
                    match t.get(i).and_then(|r| self.rt.map_direct_value_addr(r)) {
                        Some(base) => regs[d] = base.wrapping_add(off),
                        None => bail!(ExecErrorKind::BadMapRef {
                            index: i as u32,
                            why: "not an array map with a direct value".into()
                        }),
                    }
                    pc += 2;
                    block += 1;
                    continue;
                }
                K::LdFunc => {
                    regs[d] = op.imm;
                    pc += 2;
                    block += 1;
                    continue;
                }
                K::LdAbs | K::LdInd => {
                    let off = if op.k == K::LdAbs {
                        op.imm as i32
                    } else {
                        (regs[s] as u32).wrapping_add(op.imm as u32) as i32
                    };
                    match self
                        .env
                        .ld_abs(off, op.sz)
                        .map_err(ExecErrorKind::Unsupported)
                    {
                        Ok(Some(v)) => regs[0] = v,
                        Ok(None) => {
                            settle!();
                            self.steps = steps;
                            return Ok(Leave::Exit(0));
                        }
                        Err(k) => bail!(k),
                    }
                }
                K::CallHelper | K::CallX => {
                    let id = if op.k == K::CallHelper {
                        op.imm as i64
                    } else {
                        regs[s] as i64
                    };
                    let Ok(id) = i32::try_from(id) else {
                        bail!(ExecErrorKind::Helper {
                            id: -1,
                            error: crate::runtime::HelperError::Unknown(-1)
                        })
                    };
                    self.env.set_stack(lo, top);
                    let args = [regs[1], regs[2], regs[3], regs[4], regs[5]];
                    hot = NO_REGION;
                    match self.rt.call_helper(id, args, self.env) {
                        Ok(v) => regs[0] = v,
                        Err(error) => bail!(ExecErrorKind::Helper { id, error }),
                    }
                    match self.env.control.take() {
                        None => {}
                        Some(Control::Exit(v)) => {
                            settle!();
                            self.steps = steps;
                            return Ok(Leave::Exit(v));
                        }
                        Some(Control::TailCall { prog: next, ctx }) => {
                            settle!();
                            regs[1] = ctx;
                            self.regs = regs;
                            self.steps = steps;
                            return Ok(Leave::Switch { prog: next, pc: 0 });
                        }
                    }
                }
                K::CallLocal => {
                    if self.frames.len() + 1 >= MAX_FRAMES {
                        bail!(ExecErrorKind::CallDepth)
                    }
                    self.frames.push(Frame {
                        ret_pc: pc + 1,
                        saved: [regs[6], regs[7], regs[8], regs[9]],
                        prog,
                    });
                    regs[10] = regs[10].wrapping_sub(STACK_SIZE as u64);
                    lo -= STACK_SIZE as u64;
                    // SAFETY: [lo, lo + STACK_SIZE) is the new frame, inside the stack buffer
                    // (the depth check above keeps it within MAX_FRAMES frames).
                    unsafe { mem::zero_at(lo, STACK_SIZE) };
                    settle!();
                    pc = op.off as u32 as usize;
                    block = pc;
                    over_budget!();
                    continue;
                }
                K::Exit => {
                    settle!();
                    over_budget!();
                    let Some(f) = self.frames.pop() else {
                        self.steps = steps;
                        return Ok(Leave::Exit(regs[0]));
                    };
                    regs[6] = f.saved[0];
                    regs[7] = f.saved[1];
                    regs[8] = f.saved[2];
                    regs[9] = f.saved[3];
                    regs[10] = regs[10].wrapping_add(STACK_SIZE as u64);
                    lo += STACK_SIZE as u64;
                    if f.prog != prog {
                        self.regs = regs;
                        self.steps = steps;
                        return Ok(Leave::Switch {
                            prog: f.prog,
                            pc: f.ret_pc,
                        });
                    }
                    pc = f.ret_pc;
                    block = pc;
                    continue;
                }
                K::Invalid => bail!(ExecErrorKind::Unsupported(
                    UNSUPPORTED[(op.imm as usize).min(UNSUPPORTED.len() - 1)]
                )),
            }
            pc += 1;
        }
    }

    #[cold]
    #[inline(never)]
    fn slow_load(&self, addr: u64, size: MemSize) -> Result<(u64, Option<Region>), ExecErrorKind> {
        let n = size.bytes();
        match self.rt.find_region(self.env, addr, n as u64) {
            Some(r) if r.kind == RegionKind::Ctx => self
                .env
                .ctx_load(addr - r.start, size)
                .map(|v| (v, None))
                .map_err(ExecErrorKind::Ctx),
            // SAFETY: the whole access lies inside a live region backed by a HostBuf.
            Some(r) => Ok((unsafe { mem::load(addr, size) }, Some(r))),
            None => Err(ExecErrorKind::OutOfBounds {
                addr,
                size: n,
                write: false,
                near: self.rt.nearest_region(self.env, addr),
            }),
        }
    }

    #[cold]
    #[inline(never)]
    fn slow_store(
        &mut self,
        addr: u64,
        size: MemSize,
        value: u64,
    ) -> Result<Option<Region>, ExecErrorKind> {
        let n = size.bytes();
        match self.rt.find_region(self.env, addr, n as u64) {
            Some(r) if r.kind == RegionKind::Ctx => self
                .env
                .ctx_store(addr - r.start, size, value)
                .map(|()| None)
                .map_err(ExecErrorKind::Ctx),
            Some(r) if !r.writable => Err(ExecErrorKind::ReadOnly {
                addr,
                size: n,
                region: r.kind,
            }),
            Some(r) => {
                // SAFETY: the whole access lies inside a live writable region (a HostBuf).
                unsafe { mem::store(addr, size, value) };
                Ok(Some(r))
            }
            None => Err(ExecErrorKind::OutOfBounds {
                addr,
                size: n,
                write: true,
                near: self.rt.nearest_region(self.env, addr),
            }),
        }
    }

    #[cold]
    #[inline(never)]
    fn check_atomic(&self, addr: u64, size: MemSize) -> Result<(), ExecErrorKind> {
        let n = size.bytes();
        match self.rt.find_region(self.env, addr, n as u64) {
            Some(r) if r.kind == RegionKind::Ctx => {
                Err(ExecErrorKind::Ctx(crate::runtime::CtxAccessError {
                    off: addr - r.start,
                    size: n,
                    write: true,
                }))
            }
            Some(r) if !r.writable => Err(ExecErrorKind::ReadOnly {
                addr,
                size: n,
                region: r.kind,
            }),
            Some(_) => Ok(()),
            None => Err(ExecErrorKind::OutOfBounds {
                addr,
                size: n,
                write: true,
                near: self.rt.nearest_region(self.env, addr),
            }),
        }
    }
}
