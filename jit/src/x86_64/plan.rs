//! What lowering decides before its loop: which callee-saved registers a function needs, which
//! loads and stores are context accesses, and the peepholes (`movbe`, `lea`, flag reuse, inline
//! array lookups need r1's map) that pair an instruction with its neighbour.

use super::regs::CALLEE_SAVED;
use crate::trampoline::offsets;
use crate::JitError;
use iced_x86::Register;
use ir::insn::{AluOp, Endian, Insn, JmpCond, MemSize, Operand, Width};
use ir::{ProgType, Program, Reg};

/// Registers r6..r9 that the slots `start..end` mention.
pub(crate) fn callee_saved_used(insns: &[Insn]) -> Vec<Register> {
    let used = insns
        .iter()
        .fold(ir::regset::RegSet::EMPTY, |s, i| s.union(i.mentions()));
    CALLEE_SAVED
        .iter()
        .filter(|(r, _)| used.contains(*r))
        .map(|(_, x)| *x)
        .collect()
}

/// Whether r1 at entry is the program context, whose accesses are rewritten (see
/// [`crate::ctx_access`]), or plain memory (the conformance convention).
pub(crate) fn has_context(prog: &Program) -> bool {
    matches!(
        prog.prog_type,
        ProgType::Xdp | ProgType::SchedCls | ProgType::SchedAct | ProgType::SocketFilter
    )
}

/// A fresh random key for constant blinding (from the kernel's random source).
pub(crate) fn blinding_key() -> i32 {
    let mut b = [0u8; 4];
    // SAFETY: getrandom writes at most `b.len()` bytes into `b`.
    #[allow(unsafe_code)]
    let n = unsafe { libc::getrandom(b.as_mut_ptr().cast(), b.len(), 0) };
    if n != b.len() as isize {
        // No random source: still blind, with a key that differs per compile and process.
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        b = (t ^ std::process::id().rotate_left(16)).to_le_bytes();
    }
    i32::from_le_bytes(b) | 1
}

/// Bit of [`offload::InsnFacts::mem_base_kinds`] for the context.
fn ctx_kind_bit() -> u32 {
    1 << offload::explore::kind_bit(offload::state::RegKind::Ctx)
}

/// Context accesses as the verifier saw them: the base register is the (unmodified) context
/// pointer on every path, so the field is the instruction's offset.
pub(crate) fn ctx_from_facts(
    prog: &Program,
    v: &offload::Verified,
) -> Result<Vec<Option<i64>>, JitError> {
    let ctx = ctx_kind_bit();
    let mut out = vec![None; prog.insns.len()];
    for (pc, insn) in prog.insns.iter().enumerate() {
        let off = match *insn {
            Insn::Load { off, .. } | Insn::Store { off, .. } | Insn::Atomic { off, .. } => off,
            _ => continue,
        };
        let kinds = v.facts(pc).mem_base_kinds;
        if kinds & ctx != 0 {
            if kinds != ctx || matches!(insn, Insn::Atomic { .. }) {
                return Err(JitError::Unsupported {
                    pc,
                    what: "a context access through a base that is not always the context",
                });
            }
            out[pc] = Some(off as i64);
        }
    }
    Ok(out)
}

/// Whether `insn` may change r1.
pub(crate) fn writes_r1(insn: &Insn) -> bool {
    insn.defs().contains(Reg::R1)
}

/// Peepholes found before lowering, by slot.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum Peep {
    #[default]
    None,
    /// `dst = src; dst += imm`: this `mov` slot emits `lea dst, [src + imm]`...
    LeaHead(i32),
    /// ...and the `add` slot after it emits nothing.
    Folded,
    /// `if dst ==/!= 0` right after an ALU op on `dst` that sets ZF from the same value: the
    /// jump uses those flags, with no `test`.
    FlagsLive,
}

/// Find the `lea` and flag-reuse peepholes. A folded or flag-using slot is never a jump target,
/// so the instruction before it is the only way in.
pub(crate) fn peepholes(prog: &Program, is_target: &[bool]) -> Vec<Peep> {
    let mut p = vec![Peep::None; prog.insns.len()];
    for pc in 0..prog.insns.len().saturating_sub(1) {
        if is_target[pc + 1] || p[pc] != Peep::None {
            continue;
        }
        match (prog.insns[pc], prog.insns[pc + 1]) {
            (
                Insn::Alu {
                    width: Width::W64,
                    op: AluOp::Mov,
                    dst,
                    src: Operand::Reg(src),
                },
                Insn::Alu {
                    width: Width::W64,
                    op: op @ (AluOp::Add | AluOp::Sub),
                    dst: d2,
                    src: Operand::Imm(i),
                },
            ) if dst == d2 && dst != src && dst != Reg::R10 => {
                let disp = if op == AluOp::Add {
                    Some(i)
                } else {
                    i.checked_neg()
                };
                if let Some(disp) = disp {
                    p[pc] = Peep::LeaHead(disp);
                    p[pc + 1] = Peep::Folded;
                }
            }
            (
                Insn::Alu {
                    width: w1,
                    op: AluOp::Add | AluOp::Sub | AluOp::And | AluOp::Or | AluOp::Xor,
                    dst,
                    ..
                },
                Insn::Jmp {
                    width: w2,
                    cond: JmpCond::Eq | JmpCond::Ne,
                    dst: d2,
                    src: Operand::Imm(0),
                    off,
                },
            ) if dst == d2 && off != 0 && (w1 == w2 || (w1 == Width::W32 && w2 == Width::W64)) => {
                p[pc + 1] = Peep::FlagsLive;
            }
            _ => {}
        }
    }
    p
}

/// Slots holding a byte swap that the load just before it can do with `movbe`: a zero-extending
/// 16/32/64-bit load of `dst` followed by `be`/`bswap` of the same width on `dst`, the swap not
/// a jump target, the load not a context access.
pub(crate) fn movbe_fusions(
    prog: &Program,
    ctx: &[Option<i64>],
    is_target: &[bool],
    movbe: bool,
) -> Vec<bool> {
    let mut fused = vec![false; prog.insns.len()];
    if !movbe {
        return fused;
    }
    for (pc, pair) in prog.insns.windows(2).enumerate() {
        if let [Insn::Load {
            size,
            signed: false,
            dst,
            ..
        }, Insn::End {
            kind: Endian::ToBe | Endian::Swap,
            bits,
            dst: d2,
        }] = *pair
        {
            if dst == d2
                && size != MemSize::B
                && bits as u32 == size.bytes() * 8
                && !is_target[pc + 1]
                && ctx[pc].is_none()
            {
                fused[pc + 1] = true;
            }
        }
    }
    fused
}

/// The environment-block offset of the packet pointer a 32-bit context load at `field` yields,
/// if `field` is one (`data`, `data_end`, `data_meta`).
pub(crate) fn packet_pointer_field(t: ProgType, field: i64) -> Option<i32> {
    use ir::ctx::{CtxLayout, CtxLoad};
    match CtxLayout::packet_pointer(t, field)? {
        CtxLoad::Packet => Some(offsets::PKT_DATA),
        CtxLoad::PacketEnd => Some(offsets::PKT_END),
        CtxLoad::PacketMeta => Some(offsets::PKT_META),
        _ => None,
    }
}
