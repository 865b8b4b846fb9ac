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
use std::collections::BTreeMap;

/// What a register (or stack slot) holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum V {
    /// Anything but the context.
    Other,
    /// The context pointer plus this offset.
    Ctx(i64),
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

#[derive(Clone, Debug, PartialEq, Eq)]
struct State {
    regs: [V; Reg::COUNT],
    /// 8-byte spill slots by r10-relative offset; absent means `Other`.
    slots: BTreeMap<i16, V>,
}

impl State {
    fn join_from(&mut self, o: &State) -> bool {
        let before = self.clone();
        for (a, b) in self.regs.iter_mut().zip(o.regs.iter()) {
            *a = join(*a, *b);
        }
        let keys: Vec<i16> = self.slots.keys().chain(o.slots.keys()).copied().collect();
        for k in keys {
            let a = self.slots.get(&k).copied().unwrap_or(V::Other);
            let b = o.slots.get(&k).copied().unwrap_or(V::Other);
            self.slots.insert(k, join(a, b));
        }
        self.slots.retain(|_, v| *v != V::Other);
        *self != before
    }

    fn clobber_slots(&mut self, off: i16, size: MemSize) {
        let (lo, hi) = (off as i32, off as i32 + size.bytes() as i32);
        self.slots.retain(|k, _| {
            let (a, b) = (*k as i32, *k as i32 + 8);
            b <= lo || a >= hi
        });
    }
}

/// The context offset each slot's load or store touches (`None`: not a context access).
pub(crate) type CtxAccesses = Vec<Option<i64>>;

/// Find the context accesses of `prog`, whose entry receives the context in r1.
pub(crate) fn analyse(prog: &Program) -> Result<CtxAccesses, JitError> {
    let n = prog.insns.len();
    let mut states: Vec<Option<State>> = vec![None; n];
    let mut entry = State {
        regs: [V::Other; Reg::COUNT],
        slots: BTreeMap::new(),
    };
    entry.regs[1] = V::Ctx(0);
    let mut work = vec![0usize];
    if n > 0 {
        states[0] = Some(entry);
    }
    let mut steps = 0usize;
    while let Some(pc) = work.pop() {
        steps += 1;
        if steps > 64 * n + 1024 {
            break; // a lattice of height 3 settles long before this
        }
        let Some(st) = states.get(pc).cloned().flatten() else {
            continue;
        };
        let Some(insn) = prog.insns.get(pc).copied() else {
            continue;
        };
        let mut out = st.clone();
        let mut succ: Vec<(usize, State)> = Vec::new();
        transfer(&insn, &mut out);
        let next = pc + insn.slots();
        match insn {
            Insn::Exit => {}
            Insn::Ja { off, .. } => push_target(&mut succ, pc as i64 + 1 + off as i64, &out, n),
            Insn::Jmp { off, .. } => {
                push_target(&mut succ, pc as i64 + 1 + off as i64, &out, n);
                push_target(&mut succ, next as i64, &out, n);
            }
            Insn::Call(CallTarget::Local(off)) => {
                // The callee starts with the caller's r1..r5 and an empty frame.
                let mut callee = State {
                    regs: [V::Other; Reg::COUNT],
                    slots: BTreeMap::new(),
                };
                callee.regs[1..6].copy_from_slice(&st.regs[1..6]);
                push_target(&mut succ, pc as i64 + 1 + off as i64, &callee, n);
                push_target(&mut succ, next as i64, &out, n);
            }
            _ => push_target(&mut succ, next as i64, &out, n),
        }
        for (t, s) in succ {
            let changed = match &mut states[t] {
                Some(old) => old.join_from(&s),
                slot @ None => {
                    *slot = Some(s);
                    true
                }
            };
            if changed {
                work.push(t);
            }
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
                    acc[pc] = Some(o + off as i64)
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

fn push_target(succ: &mut Vec<(usize, State)>, t: i64, s: &State, n: usize) {
    if t >= 0 && (t as usize) < n {
        succ.push((t as usize, s.clone()));
    }
}

fn transfer(insn: &Insn, s: &mut State) {
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
                V::Ctx(o) if op == AluOp::Add => V::Ctx(o + i as i64),
                V::Ctx(o) => V::Ctx(o - i as i64),
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
                s.slots.get(&off).copied().unwrap_or(V::Other)
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
                    if v != V::Other {
                        s.slots.insert(off, v);
                    }
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
