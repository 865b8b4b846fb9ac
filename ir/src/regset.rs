//! Which registers an instruction reads and which it writes, stated once for liveness (the
//! verifier), register allocation and save/restore decisions (the JITs) and translators.
//!
//! A call reads its arguments r1–r5 and leaves r0–r5 defined (r0 the result, r1–r5 clobbered);
//! the legacy packet loads (`LD_ABS`/`LD_IND`) read the context from r6 and clobber r0–r5 like a
//! call; `exit` reads r0. `r10`, the frame pointer, is read where it is named.
//!
//! ```
//! use ir::insn::{AluOp, Insn, Operand, Width};
//! use ir::regset::RegSet;
//! use ir::Reg;
//! let add = Insn::Alu { width: Width::W64, op: AluOp::Add, dst: Reg::R1, src: Operand::Reg(Reg::R2) };
//! assert_eq!(add.uses(), RegSet::of(&[Reg::R1, Reg::R2]));
//! assert_eq!(add.defs(), RegSet::of(&[Reg::R1]));
//! assert!(Insn::Exit.uses().contains(Reg::R0));
//! ```

use crate::insn::{AluOp, AtomicOp, Insn, Operand};
use crate::Reg;

/// A set of eBPF registers, one bit per register (bit `n` is `rn`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct RegSet(u16);

impl RegSet {
    /// No register.
    pub const EMPTY: RegSet = RegSet(0);
    /// The helper arguments r1–r5.
    pub const ARGS: RegSet = RegSet(0b11_1110);
    /// r0–r5: what a call leaves defined (result and clobbered arguments).
    pub const CALLER_SAVED: RegSet = RegSet(0b11_1111);
    /// r6–r9: what a call preserves.
    pub const CALLEE_SAVED: RegSet = RegSet(0b11_1100_0000);

    /// The set holding exactly `regs`.
    pub fn of(regs: &[Reg]) -> RegSet {
        regs.iter().fold(RegSet::EMPTY, |s, r| s.with(*r))
    }

    /// The set of one register.
    pub const fn one(r: Reg) -> RegSet {
        RegSet(1 << r.num())
    }

    /// This set plus `r`.
    pub const fn with(self, r: Reg) -> RegSet {
        RegSet(self.0 | 1 << r.num())
    }

    /// Whether `r` is in the set.
    pub const fn contains(self, r: Reg) -> bool {
        self.0 & (1 << r.num()) != 0
    }

    /// The union.
    pub const fn union(self, other: RegSet) -> RegSet {
        RegSet(self.0 | other.0)
    }

    /// One bit per register (bit `n` is `rn`).
    pub const fn bits(self) -> u16 {
        self.0
    }

    /// The registers in the set, lowest first.
    pub fn iter(self) -> impl Iterator<Item = Reg> {
        (0..Reg::COUNT as u8)
            .filter_map(Reg::new)
            .filter(move |r| self.contains(*r))
    }
}

fn operand(o: Operand) -> RegSet {
    match o {
        Operand::Reg(r) => RegSet::one(r),
        Operand::Imm(_) => RegSet::EMPTY,
    }
}

impl Insn {
    /// Registers whose value the instruction reads.
    pub fn uses(&self) -> RegSet {
        let one = RegSet::one;
        match *self {
            Insn::Alu {
                op: AluOp::Mov,
                src,
                ..
            } => operand(src),
            Insn::Alu { dst, src, .. } | Insn::Jmp { dst, src, .. } => one(dst).union(operand(src)),
            Insn::MovSx { src, .. } | Insn::Load { src, .. } => one(src),
            Insn::Neg { dst, .. } | Insn::End { dst, .. } => one(dst),
            Insn::Store { dst, src, .. } => one(dst).union(operand(src)),
            Insn::Atomic { dst, src, op, .. } => {
                let s = one(dst).with(src);
                if op == AtomicOp::CmpXchg {
                    s.with(Reg::R0)
                } else {
                    s
                }
            }
            Insn::LdAbs { .. } => one(Reg::R6),
            Insn::LdInd { src, .. } => one(Reg::R6).with(src),
            Insn::Call(_) => RegSet::ARGS,
            Insn::CallX { reg } => RegSet::ARGS.with(reg),
            Insn::Exit => one(Reg::R0),
            Insn::Ja { .. } | Insn::LdImm64 { .. } | Insn::LdImm64Tail => RegSet::EMPTY,
        }
    }

    /// Registers the instruction may write.
    pub fn defs(&self) -> RegSet {
        match *self {
            Insn::Alu { dst, .. }
            | Insn::MovSx { dst, .. }
            | Insn::Neg { dst, .. }
            | Insn::End { dst, .. }
            | Insn::Load { dst, .. }
            | Insn::LdImm64 { dst, .. } => RegSet::one(dst),
            Insn::Atomic { src, op, fetch, .. } => match op {
                AtomicOp::CmpXchg => RegSet::one(Reg::R0),
                AtomicOp::Xchg => RegSet::one(src),
                _ if fetch => RegSet::one(src),
                _ => RegSet::EMPTY,
            },
            Insn::LdAbs { .. } | Insn::LdInd { .. } | Insn::Call(_) | Insn::CallX { .. } => {
                RegSet::CALLER_SAVED
            }
            Insn::Ja { .. }
            | Insn::Jmp { .. }
            | Insn::Store { .. }
            | Insn::LdImm64Tail
            | Insn::Exit => RegSet::EMPTY,
        }
    }

    /// Registers the instruction names or touches: [`Insn::uses`] and [`Insn::defs`] together.
    pub fn mentions(&self) -> RegSet {
        self.uses().union(self.defs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::insn::{CallTarget, MemSize};

    #[test]
    fn calls_and_legacy_loads() {
        let call = Insn::Call(CallTarget::Helper(1));
        assert_eq!(call.uses(), RegSet::ARGS);
        assert_eq!(call.defs(), RegSet::CALLER_SAVED);
        let ind = Insn::LdInd {
            size: MemSize::W,
            src: Reg::R7,
            imm: 0,
        };
        assert_eq!(ind.uses(), RegSet::of(&[Reg::R6, Reg::R7]));
        assert!(!ind.defs().contains(Reg::R6));
        let cx = Insn::Atomic {
            size: MemSize::DW,
            op: AtomicOp::CmpXchg,
            fetch: true,
            dst: Reg::R1,
            src: Reg::R2,
            off: 0,
        };
        assert_eq!(cx.uses(), RegSet::of(&[Reg::R0, Reg::R1, Reg::R2]));
        assert_eq!(cx.defs(), RegSet::of(&[Reg::R0]));
        assert_eq!(
            RegSet::CALLEE_SAVED.iter().collect::<Vec<_>>(),
            [Reg::R6, Reg::R7, Reg::R8, Reg::R9]
        );
    }
}
