//! Which registers hold a stack pointer, and at what constant offset from `r10`, before each
//! instruction: a forward data flow over the program.
//!
//! The NFP keeps the stack in local memory and addresses it with constant word offsets, so the
//! translator must know each stack access's offset at translation time (the driver reads it
//! from the verifier's per-instruction pointer state; the NFP profile already rejects
//! variable stack offsets). Registers copied from `r10` and moved by constants are tracked;
//! anything else (a pointer spilled and reloaded, an offset that differs between paths) is
//! "unknown", and an access through it is a translation rejection rather than a guess.

use ir::insn::{AluOp, CallTarget, Insn, Operand, Width};
use ir::{Program, Reg};

/// What is known about one register.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot {
    /// No path reached here yet.
    Unreached,
    /// `r10 + off` on every path.
    Stack(i32),
    /// Anything else.
    Other,
}

impl Slot {
    fn join(self, o: Slot) -> Slot {
        match (self, o) {
            (Slot::Unreached, x) | (x, Slot::Unreached) => x,
            (a, b) if a == b => a,
            _ => Slot::Other,
        }
    }
}

/// The state before each slot (`None`: unreachable).
pub type States = Vec<Option<[Slot; Reg::COUNT]>>;

fn successors(insn: &Insn, pc: usize, n: usize) -> Vec<usize> {
    let next = pc + insn.slots();
    let mut out = Vec::with_capacity(2);
    match insn {
        Insn::Exit => {}
        Insn::Ja { .. } => out.extend(insn.jump_target(pc).map(|t| t as usize)),
        Insn::Jmp { .. } => {
            out.push(next);
            out.extend(insn.jump_target(pc).map(|t| t as usize));
        }
        _ => out.push(next),
    }
    out.retain(|&s| s < n);
    out
}

fn transfer(insn: &Insn, st: &mut [Slot; Reg::COUNT]) {
    match *insn {
        Insn::Alu {
            width: Width::W64,
            op: AluOp::Mov,
            dst,
            src: Operand::Reg(s),
        } => st[dst.idx()] = st[s.idx()],
        Insn::Alu {
            width: Width::W64,
            op: op @ (AluOp::Add | AluOp::Sub),
            dst,
            src: Operand::Imm(k),
        } => {
            st[dst.idx()] = match st[dst.idx()] {
                Slot::Stack(o) => {
                    let k = if op == AluOp::Add {
                        k
                    } else {
                        k.wrapping_neg()
                    };
                    o.checked_add(k).map_or(Slot::Other, Slot::Stack)
                }
                _ => Slot::Other,
            }
        }
        Insn::Alu { dst, .. }
        | Insn::MovSx { dst, .. }
        | Insn::Neg { dst, .. }
        | Insn::End { dst, .. }
        | Insn::Load { dst, .. }
        | Insn::LdImm64 { dst, .. } => st[dst.idx()] = Slot::Other,
        Insn::Atomic { fetch, src, op, .. } => {
            if fetch {
                st[src.idx()] = Slot::Other;
            }
            if op == ir::insn::AtomicOp::CmpXchg {
                st[0] = Slot::Other;
            }
        }
        Insn::Call(CallTarget::Helper(_)) | Insn::Call(_) | Insn::CallX { .. } => {
            for s in st.iter_mut().take(6) {
                *s = Slot::Other;
            }
        }
        Insn::LdAbs { .. } | Insn::LdInd { .. } => {
            for s in st.iter_mut().take(6) {
                *s = Slot::Other;
            }
        }
        _ => {}
    }
}

/// The state before every slot of `prog` (entry: only `r10` is a stack pointer).
pub fn analyse(prog: &Program) -> States {
    let n = prog.insns.len();
    let mut states: States = vec![None; n];
    if n == 0 {
        return states;
    }
    let mut entry = [Slot::Other; Reg::COUNT];
    entry[Reg::R10.idx()] = Slot::Stack(0);
    states[0] = Some(entry);
    let mut work = vec![0usize];
    // Each state only moves up a finite lattice (Unreached < Stack(o) < Other), so this ends.
    while let Some(pc) = work.pop() {
        let Some(mut st) = states[pc] else { continue };
        let insn = &prog.insns[pc];
        transfer(insn, &mut st);
        for s in successors(insn, pc, n) {
            let merged = match states[s] {
                None => st,
                Some(old) => {
                    let mut m = old;
                    for (a, b) in m.iter_mut().zip(st.iter()) {
                        *a = a.join(*b);
                    }
                    m
                }
            };
            if states[s] != Some(merged) {
                states[s] = Some(merged);
                work.push(s);
            }
        }
    }
    states
}
