//! What the translator knows about each register before each instruction: a forward data flow
//! over the program. Which registers hold a stack pointer, and at what constant offset from
//! `r10`; which hold a packet (CTM) pointer; which have a high word proven zero.
//!
//! The high-word facts let the translator skip the high half of 64-bit operations (the
//! driver's mapping pays it always): a register pair whose high GPR holds zero stays so under
//! 32-bit results, loads below 8 bytes, AND with such a value, OR/XOR of two such values, and
//! moves by small constants of packet pointers (CTM addresses, far from 2^32).
//!
//! The NFP keeps the stack in local memory and addresses it with constant word offsets, so the
//! translator must know each stack access's offset at translation time (the driver reads it
//! from the verifier's per-instruction pointer state; the NFP profile already rejects
//! variable stack offsets). Registers copied from `r10` and moved by constants are tracked;
//! anything else (a pointer spilled and reloaded, an offset that differs between paths) is
//! "unknown", and an access through it is a translation rejection rather than a guess.

use ir::insn::{AluOp, CallTarget, Insn, Operand, Width};
use ir::Reg;
use offload::Verified;

/// What is known about one register.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot {
    /// No path reached here yet.
    Unreached,
    /// `r10 + off` on every path (an LM address: high word zero).
    Stack(i32),
    /// A packet pointer (a 32-bit CTM address: high word zero) on every path.
    Pkt,
    /// A value whose high 32 bits are zero on every path.
    Hi0,
    /// Anything else.
    Other,
}

impl Slot {
    fn join(self, o: Slot) -> Slot {
        match (self, o) {
            (Slot::Unreached, x) | (x, Slot::Unreached) => x,
            (a, b) if a == b => a,
            (a, b) if a.hi_zero() && b.hi_zero() => Slot::Hi0,
            _ => Slot::Other,
        }
    }

    /// Whether the high word is known zero.
    pub fn hi_zero(self) -> bool {
        matches!(self, Slot::Stack(_) | Slot::Pkt | Slot::Hi0)
    }
}

/// Largest constant added to a packet pointer that keeps it a packet pointer without a carry
/// into the high word.
const PKT_STEP: i64 = 0xffff;

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

fn transfer(insn: &Insn, pc: usize, v: &Verified, st: &mut [Slot; Reg::COUNT]) {
    use ir::insn::MemSize;
    let imm_hi0 = |k: i32| if k >= 0 { Slot::Hi0 } else { Slot::Other };
    let src_slot = |src: Operand, st: &[Slot; Reg::COUNT]| match src {
        Operand::Reg(s) => st[s.idx()],
        Operand::Imm(k) => imm_hi0(k),
    };
    match *insn {
        Insn::Alu {
            width: Width::W32,
            dst,
            ..
        }
        | Insn::Neg {
            width: Width::W32,
            dst,
        } => st[dst.idx()] = Slot::Hi0,
        Insn::Alu {
            op: AluOp::Mov,
            dst,
            src,
            ..
        } => st[dst.idx()] = src_slot(src, st),
        Insn::Alu {
            op: op @ (AluOp::Add | AluOp::Sub),
            dst,
            src,
            ..
        } => {
            st[dst.idx()] = match (st[dst.idx()], src) {
                (Slot::Stack(o), Operand::Imm(k)) => {
                    let k = if op == AluOp::Add {
                        k
                    } else {
                        k.wrapping_neg()
                    };
                    o.checked_add(k).map_or(Slot::Other, Slot::Stack)
                }
                (Slot::Pkt, Operand::Imm(k)) if (k as i64).abs() <= PKT_STEP => Slot::Pkt,
                (Slot::Pkt, Operand::Reg(s))
                    if op == AluOp::Add
                        && st[s.idx()] == Slot::Hi0
                        && v.facts(pc).src_umax.is_some_and(|u| u as i64 <= PKT_STEP) =>
                {
                    Slot::Pkt
                }
                _ => Slot::Other,
            }
        }
        Insn::Alu {
            op: AluOp::And,
            dst,
            src,
            ..
        } => {
            let hz = st[dst.idx()].hi_zero() || src_slot(src, st).hi_zero();
            st[dst.idx()] = if hz { Slot::Hi0 } else { Slot::Other };
        }
        Insn::Alu {
            op: AluOp::Or | AluOp::Xor,
            dst,
            src,
            ..
        } => {
            let hz = st[dst.idx()].hi_zero() && src_slot(src, st).hi_zero();
            st[dst.idx()] = if hz { Slot::Hi0 } else { Slot::Other };
        }
        Insn::Alu {
            op: op @ (AluOp::Rsh | AluOp::Arsh),
            dst,
            src: Operand::Imm(k),
            ..
        } => {
            let hz = st[dst.idx()].hi_zero() || (op == AluOp::Rsh && (32..64).contains(&k));
            st[dst.idx()] = if hz { Slot::Hi0 } else { Slot::Other };
        }
        Insn::Alu {
            op: AluOp::Lsh,
            dst,
            src: Operand::Imm(k),
            ..
        } => {
            st[dst.idx()] = if lsh_stays_32(st[dst.idx()], v.facts(pc).dst_umax_before, k) {
                Slot::Hi0
            } else {
                Slot::Other
            };
        }
        Insn::Alu {
            op: AluOp::Div,
            dst,
            ..
        } => st[dst.idx()] = Slot::Hi0,
        Insn::End { dst, bits, .. } => {
            st[dst.idx()] = if bits < 64 { Slot::Hi0 } else { Slot::Other }
        }
        Insn::Load { dst, size, off, .. } => {
            let f = v.facts(pc);
            let ctx = f.mem_base_kinds == 1 << 2;
            let pkt_field = match v.program().prog_type {
                ir::ProgType::Xdp => off == 0 || off == 4,
                _ => off == 76 || off == 80,
            };
            st[dst.idx()] = if ctx && pkt_field {
                Slot::Pkt
            } else if size != MemSize::DW {
                Slot::Hi0
            } else {
                Slot::Other
            };
        }
        Insn::LdImm64 { dst, imm, src, .. } => {
            st[dst.idx()] = if imm >> 32 == 0 && src == ir::insn::LdImm64Src::Imm {
                Slot::Hi0
            } else if src.is_map() && imm >> 32 == 0 {
                // A map reference becomes the map's id.
                Slot::Hi0
            } else {
                Slot::Other
            }
        }
        Insn::Alu { dst, .. } | Insn::MovSx { dst, .. } | Insn::Neg { dst, .. } => {
            st[dst.idx()] = Slot::Other
        }
        Insn::Atomic { fetch, src, op, .. } => {
            if fetch {
                st[src.idx()] = Slot::Other;
            }
            if op == ir::insn::AtomicOp::CmpXchg {
                st[0] = Slot::Other;
            }
        }
        Insn::Call(CallTarget::Helper(id)) => {
            for s in st.iter_mut().take(6) {
                *s = Slot::Other;
            }
            if id == 7 {
                st[0] = Slot::Hi0;
            }
        }
        Insn::Call(_) | Insn::CallX { .. } | Insn::LdAbs { .. } | Insn::LdInd { .. } => {
            for s in st.iter_mut().take(6) {
                *s = Slot::Other;
            }
        }
        _ => {}
    }
}

/// Whether `x << k` keeps a zero high word: `x`'s high word is zero and the verifier's
/// largest value of `x` shifted by `k` still fits 32 bits.
pub fn lsh_stays_32(x: Slot, umax: Option<u64>, k: i32) -> bool {
    x.hi_zero() && (0..32).contains(&k) && umax.is_some_and(|u| (u << k) >> 32 == 0)
}

/// First slot of each function: 0 and every bpf-to-bpf call target, sorted.
pub fn function_starts(prog: &ir::Program) -> Vec<usize> {
    let mut starts = vec![0usize];
    for (pc, insn) in prog.insns.iter().enumerate() {
        if let Insn::Call(CallTarget::Local(_)) = insn {
            if let Some(t) = insn.jump_target(pc) {
                if (0..prog.insns.len() as i64).contains(&t) {
                    starts.push(t as usize);
                }
            }
        }
    }
    starts.sort_unstable();
    starts.dedup();
    starts
}

/// The state before every slot of `prog` (entry: only `r10` is a stack pointer).
pub fn analyse(v: &Verified) -> States {
    let prog = v.program();
    let n = prog.insns.len();
    let mut states: States = vec![None; n];
    if n == 0 {
        return states;
    }
    // Every function starts with only its own r10 known (arguments are not followed).
    let mut entry = [Slot::Other; Reg::COUNT];
    entry[Reg::R10.idx()] = Slot::Stack(0);
    let mut work = function_starts(prog);
    for &s in &work {
        states[s] = Some(entry);
    }
    // Each state only moves up a finite lattice (Unreached < Stack(o) < Other), so this ends.
    while let Some(pc) = work.pop() {
        let Some(mut st) = states[pc] else { continue };
        let insn = &prog.insns[pc];
        transfer(insn, pc, v, &mut st);
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
