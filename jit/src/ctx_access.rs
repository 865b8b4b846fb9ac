//! Which loads and stores go through the program context (`xdp_md`, `__sk_buff`).
//!
//! The kernel rewrites context accesses before JITing (a 32-bit load of `xdp_md.data` becomes a
//! 64-bit load of the real packet pointer), and so must we: the runtime presents the context
//! field by field ([`ir::runtime::ExecEnv::ctx_load`]), not as memory. This is a small forward
//! dataflow over registers and 8-byte stack slots that tracks "the context pointer plus a
//! constant", from r1 at entry through moves, constant adds, spills, fills and bpf-to-bpf call
//! arguments. An access whose base is the context on one path and something else on another
//! is refused, as the kernel's verifier refuses it.

use crate::JitError;
use ir::insn::{AluOp, CallTarget, Insn, MemSize, Operand, Width};
use ir::{Program, Reg};

/// What a register (or stack slot) holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum V {
    /// Anything but the context.
    Other,
    /// The context pointer plus this offset.
    Ctx(i32),
    /// The context on some paths, something else on others.
    Mixed,
}

fn join(a: V, b: V) -> V {
    if a == b {
        a
    } else {
        V::Mixed
    }
}

/// Most stack slots holding the context at once that the analysis tracks.
const MAX_SPILLS: usize = 8;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct State {
    regs: [V; Reg::COUNT],
    /// 8-byte spill slots holding something other than `Other`, by r10-relative offset.
    slots: [(i16, V); MAX_SPILLS],
    nslots: u8,
}

impl State {
    fn entry(r1: V) -> State {
        let mut s = State {
            regs: [V::Other; Reg::COUNT],
            slots: [(0, V::Other); MAX_SPILLS],
            nslots: 0,
        };
        s.regs[1] = r1;
        s
    }

    fn slots(&self) -> &[(i16, V)] {
        &self.slots[..self.nslots as usize]
    }

    fn slot(&self, off: i16) -> V {
        self.slots()
            .iter()
            .find(|(o, _)| *o == off)
            .map(|(_, v)| *v)
            .unwrap_or(V::Other)
    }

    /// Set slot `off` (`Other` removes it). Returns false when there is no room.
    fn set_slot(&mut self, off: i16, v: V) -> bool {
        let n = self.nslots as usize;
        if let Some(i) = self.slots[..n].iter().position(|(o, _)| *o == off) {
            if v == V::Other {
                self.slots[i] = self.slots[n - 1];
                self.nslots -= 1;
            } else {
                self.slots[i].1 = v;
            }
            return true;
        }
        if v == V::Other {
            return true;
        }
        if n == MAX_SPILLS {
            return false;
        }
        self.slots[n] = (off, v);
        self.nslots += 1;
        true
    }

    /// Join `o` into `self`; whether anything changed, or `None` when out of spill room.
    fn join_from(&mut self, o: &State) -> Option<bool> {
        let before = *self;
        for (a, b) in self.regs.iter_mut().zip(o.regs.iter()) {
            *a = join(*a, *b);
        }
        for i in 0..before.nslots as usize {
            let (off, v) = before.slots[i];
            if !self.set_slot(off, join(v, o.slot(off))) {
                return None;
            }
        }
        for &(off, v) in o.slots() {
            if before.slot(off) == V::Other && !self.set_slot(off, join(V::Other, v)) {
                return None;
            }
        }
        Some(*self != before)
    }

    fn clobber_slots(&mut self, off: i16, size: MemSize) {
        let (lo, hi) = (off as i32, off as i32 + size.bytes() as i32);
        let mut i = 0;
        while i < self.nslots as usize {
            let (a, b) = (self.slots[i].0 as i32, self.slots[i].0 as i32 + 8);
            if b <= lo || a >= hi {
                i += 1;
            } else {
                let last = self.nslots as usize - 1;
                self.slots[i] = self.slots[last];
                self.nslots -= 1;
            }
        }
    }
}

/// The context offset each slot's load or store touches (`None`: not a context access).
pub(crate) type CtxAccesses = Vec<Option<i64>>;

fn too_many(pc: usize) -> JitError {
    JitError::Unsupported {
        pc,
        what: "more than 8 stack slots holding the context at once",
    }
}

/// Find the context accesses of `prog`, whose entry receives the context in r1.
pub(crate) fn analyse(prog: &Program) -> Result<CtxAccesses, JitError> {
    let n = prog.insns.len();
    let mut states: Vec<Option<State>> = vec![None; n];
    if n == 0 {
        return Ok(Vec::new());
    }
    states[0] = Some(State::entry(V::Ctx(0)));
    let mut work = vec![0usize];
    let mut queued = vec![false; n];
    queued[0] = true;
    while let Some(pc) = work.pop() {
        queued[pc] = false;
        let Some(st) = states[pc] else { continue };
        let insn = prog.insns[pc];
        let mut out = st;
        if !transfer(&insn, &mut out) {
            return Err(too_many(pc));
        }
        let next = pc as i64 + insn.slots() as i64;
        let mut edge = |t: i64, s: &State| -> Result<(), JitError> {
            let Some(t) = usize::try_from(t).ok().filter(|t| *t < n) else {
                return Ok(());
            };
            let changed = match &mut states[t] {
                Some(old) => old.join_from(s).ok_or_else(|| too_many(t))?,
                slot @ None => {
                    *slot = Some(*s);
                    true
                }
            };
            if changed && !queued[t] {
                queued[t] = true;
                work.push(t);
            }
            Ok(())
        };
        match insn {
            Insn::Exit => {}
            Insn::Ja { off, .. } => edge(pc as i64 + 1 + off as i64, &out)?,
            Insn::Jmp { off, .. } => {
                edge(pc as i64 + 1 + off as i64, &out)?;
                edge(next, &out)?;
            }
            Insn::Call(CallTarget::Local(off)) => {
                // The callee starts with the caller's r1..r5 and an empty frame.
                let mut callee = State::entry(V::Other);
                callee.regs[1..6].copy_from_slice(&st.regs[1..6]);
                edge(pc as i64 + 1 + off as i64, &callee)?;
                edge(next, &out)?;
            }
            _ => edge(next, &out)?,
        }
    }
    let mut acc = vec![None; n];
    for (pc, st) in states.iter().enumerate() {
        let Some(st) = st else { continue };
        let base = match prog.insns[pc] {
            Insn::Load { src, off, .. } => Some((src, off)),
            Insn::Store { dst, off, .. } | Insn::Atomic { dst, off, .. } => Some((dst, off)),
            _ => None,
        };
        if let Some((r, off)) = base {
            match st.regs[r.idx()] {
                V::Other => {}
                V::Ctx(o) => {
                    if matches!(prog.insns[pc], Insn::Atomic { .. }) {
                        return Err(JitError::Unsupported {
                            pc,
                            what: "atomic operation on the context",
                        });
                    }
                    acc[pc] = Some(o as i64 + off as i64)
                }
                V::Mixed => {
                    return Err(JitError::Unsupported {
                        pc,
                        what: "an access whose base is the context on some paths only",
                    })
                }
            }
        }
    }
    Ok(acc)
}

/// The state after `insn`; false when out of spill room.
fn transfer(insn: &Insn, s: &mut State) -> bool {
    let set = |s: &mut State, r: Reg, v: V| s.regs[r.idx()] = v;
    match *insn {
        Insn::Alu {
            width: Width::W64,
            op: AluOp::Mov,
            dst,
            src: Operand::Reg(r),
        } => {
            let v = s.regs[r.idx()];
            set(s, dst, v)
        }
        Insn::Alu {
            width: Width::W64,
            op: op @ (AluOp::Add | AluOp::Sub),
            dst,
            src: Operand::Imm(i),
        } => {
            let v = match s.regs[dst.idx()] {
                V::Ctx(o) if op == AluOp::Add => V::Ctx(o.wrapping_add(i)),
                V::Ctx(o) => V::Ctx(o.wrapping_sub(i)),
                other => other,
            };
            set(s, dst, v)
        }
        Insn::Alu { dst, .. }
        | Insn::MovSx { dst, .. }
        | Insn::Neg { dst, .. }
        | Insn::End { dst, .. }
        | Insn::LdImm64 { dst, .. } => set(s, dst, V::Other),
        Insn::Load {
            size,
            dst,
            src,
            off,
            ..
        } => {
            let v = if src == Reg::R10 && size == MemSize::DW {
                s.slot(off)
            } else {
                V::Other
            };
            set(s, dst, v)
        }
        Insn::Store {
            size,
            dst,
            off,
            src,
        } => {
            if dst == Reg::R10 {
                s.clobber_slots(off, size);
                if let (MemSize::DW, Operand::Reg(r)) = (size, src) {
                    let v = s.regs[r.idx()];
                    return s.set_slot(off, v);
                }
            }
        }
        Insn::Atomic {
            size,
            op,
            fetch,
            dst,
            src,
            off,
        } => {
            if dst == Reg::R10 {
                s.clobber_slots(off, size);
            }
            if op == ir::insn::AtomicOp::CmpXchg {
                set(s, Reg::R0, V::Other);
            } else if fetch || op == ir::insn::AtomicOp::Xchg {
                set(s, src, V::Other);
            }
        }
        Insn::LdAbs { .. } | Insn::LdInd { .. } => set(s, Reg::R0, V::Other),
        Insn::Call(_) | Insn::CallX { .. } => {
            for r in 0..=5 {
                s.regs[r] = V::Other;
            }
        }
        Insn::Ja { .. } | Insn::Jmp { .. } | Insn::LdImm64Tail | Insn::Exit => {}
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_moves_adds_and_spills() {
        let p = ir::asm::assemble(
            "r6 = r1\nr6 += 4\n*(u64 *)(r10 - 8) = r6\nr2 = *(u64 *)(r10 - 8)\nr0 = *(u32 *)(r2 + 0)\nr3 = *(u32 *)(r1 + 0)\nr4 = *(u8 *)(r3 + 0)\nr0 = 0\nexit\n",
        )
        .expect("asm");
        let a = analyse(&p).expect("analyse");
        assert_eq!(a[3], None, "fill from the stack is a stack access");
        assert_eq!(a[4], Some(4));
        assert_eq!(a[5], Some(0));
        assert_eq!(a[6], None, "packet access");
    }

    #[test]
    fn mixed_base_is_refused() {
        let p = ir::asm::assemble("if r2 == 0 goto +1\nr1 = r10\nr0 = *(u32 *)(r1 - 4)\nexit\n")
            .expect("asm");
        assert!(analyse(&p).is_err());
    }
}
