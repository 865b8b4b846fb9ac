//! Labels, fixups and jump relaxation for code emission, stated once: the assembler
//! ([`crate::asm`]) and the rule compiler (`frontend::lower`) both emit through these.
//!
//! Code is built in a [`CodeBuf`]: instructions are pushed, jumps name a [`Label`] that is bound
//! to a slot later. [`lay_out`] then computes every offset from the final slot positions:
//! - an offset that does not fit its field is an error naming the instruction, never a
//!   truncation ([`Relax::None`], what the assembler asks: the slots it was given stay put);
//! - with [`Relax::Gotol`], a conditional jump beyond ±32767 slots becomes the inverted
//!   condition over a `gotol` (cpu v4 `JMP32 JA`, 32-bit offset), a JSET (no inverse) becomes
//!   `if c goto +1; goto +1; gotol T`, and a far `goto` becomes `gotol`. Lengthening one jump can
//!   push another out of range, so this repeats until nothing grows (a jump once long stays
//!   long: at most one round per jump).
//!
//! ```
//! use ir::insn::{Insn, JmpCond, Operand};
//! use ir::layout::{CodeBuf, Relax};
//! use ir::Reg;
//! let mut c = CodeBuf::default();
//! let out = c.new_label();
//! c.push_to(Insn::Jmp { width: ir::insn::Width::W64, cond: JmpCond::Eq, dst: Reg::R1,
//!                       src: Operand::Imm(0), off: 0 }, out);
//! c.push(Insn::Exit);
//! c.bind(out);
//! c.push(Insn::Exit);
//! let (insns, _) = c.finish(Relax::None).unwrap();
//! assert_eq!(insns[0].jump_target(0), Some(2));
//! ```

use crate::insn::{CallTarget, Insn, LdImm64Src};
use std::fmt;

/// A position in the code, bound to a slot later.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Label(usize);

/// Instructions whose jumps (and local calls, function-address loads) name labels.
#[derive(Clone, Debug, Default)]
pub struct CodeBuf {
    insns: Vec<Insn>,
    labels: Vec<Option<usize>>,
    fixups: Vec<(usize, Label)>,
}

/// Whether [`lay_out`] may lengthen jumps that do not fit their offset field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Relax {
    /// Never: every slot stays where it was pushed; a jump too far is an error.
    None,
    /// Far conditional jumps and `goto`s become `gotol` sequences.
    Gotol,
}

/// Why code could not be laid out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LayoutError {
    /// The jump at slot `pc` names a label that was never bound.
    Unbound { pc: usize },
    /// The offset `off` of the instruction at slot `pc` does not fit its `bits`-bit field.
    TooFar { pc: usize, off: i64, bits: u32 },
    /// The instruction at slot `pc` has a target but no offset field.
    NotAJump { pc: usize },
    /// Internal: the emitted length differs from the planned one.
    Mismatch { emitted: usize, planned: usize },
}

impl fmt::Display for LayoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            LayoutError::Unbound { pc } => write!(f, "unbound label at {pc}"),
            LayoutError::TooFar { pc, off, bits } => write!(
                f,
                "jump at {pc} too far ({off} slots): offset {off} does not fit in {bits} bits"
            ),
            LayoutError::NotAJump { pc } => write!(f, "fixup on a non-jump at {pc}"),
            LayoutError::Mismatch { emitted, planned } => write!(
                f,
                "layout mismatch: {emitted} slots emitted, {planned} planned"
            ),
        }
    }
}

impl std::error::Error for LayoutError {}

impl CodeBuf {
    /// A new, unbound label.
    pub fn new_label(&mut self) -> Label {
        self.labels.push(None);
        Label(self.labels.len() - 1)
    }

    /// Bind `l` to the next slot pushed.
    pub fn bind(&mut self, l: Label) {
        let at = self.insns.len();
        self.bind_at(l, at);
    }

    /// Bind `l` to slot `slot`.
    pub fn bind_at(&mut self, l: Label, slot: usize) {
        if let Some(b) = self.labels.get_mut(l.0) {
            *b = Some(slot);
        }
    }

    /// Append an instruction (and its tail, for LD_IMM64); returns its slot.
    pub fn push(&mut self, insn: Insn) -> usize {
        let slot = self.insns.len();
        self.insns.push(insn);
        if insn.slots() == 2 {
            self.insns.push(Insn::LdImm64Tail);
        }
        slot
    }

    /// Append a jump, local call or function-address load whose target is `l`.
    pub fn push_to(&mut self, insn: Insn, l: Label) -> usize {
        let slot = self.push(insn);
        self.fixups.push((slot, l));
        slot
    }

    /// The instructions so far.
    pub fn insns(&self) -> &[Insn] {
        &self.insns
    }

    /// Mutable access to the instructions (their offsets are set by [`lay_out`]).
    pub fn insns_mut(&mut self) -> &mut [Insn] {
        &mut self.insns
    }

    /// The instructions and, per slot, the slot its label is bound to.
    pub fn into_targets(self) -> Result<(Vec<Insn>, Vec<Option<usize>>), LayoutError> {
        let mut target_of = vec![None; self.insns.len()];
        for &(pc, l) in &self.fixups {
            let t = self
                .labels
                .get(l.0)
                .copied()
                .flatten()
                .ok_or(LayoutError::Unbound { pc })?;
            target_of[pc] = Some(t);
        }
        Ok((self.insns, target_of))
    }

    /// Resolve every label ([`lay_out`] with every slot kept).
    pub fn finish(self, relax: Relax) -> Result<(Vec<Insn>, Vec<usize>), LayoutError> {
        let (insns, target_of) = self.into_targets()?;
        let live = vec![true; insns.len()];
        lay_out(&insns, &target_of, &live, relax)
    }
}

/// `insn` with its offset field set to `off` (slot-relative), if the field can hold it: 16 bits
/// for conditional jumps and a short `goto`, 32 for `gotol`, local calls and function-address
/// loads. `Err(bits)` when it cannot; `Err(0)` for an instruction without an offset field.
pub fn with_offset(insn: Insn, off: i64) -> Result<Insn, u32> {
    let short = || i16::try_from(off).map_err(|_| 16u32);
    let long = || i32::try_from(off).map_err(|_| 32u32);
    Ok(match insn {
        Insn::Jmp {
            width,
            cond,
            dst,
            src,
            ..
        } => Insn::Jmp {
            width,
            cond,
            dst,
            src,
            off: short()?,
        },
        Insn::Ja { long: false, .. } => Insn::Ja {
            off: i32::from(short()?),
            long: false,
        },
        Insn::Ja { long: true, .. } => Insn::Ja {
            off: long()?,
            long: true,
        },
        Insn::Call(CallTarget::Local(_)) => Insn::Call(CallTarget::Local(long()?)),
        Insn::LdImm64 {
            dst,
            src: LdImm64Src::Func,
            imm,
        } => Insn::LdImm64 {
            dst,
            src: LdImm64Src::Func,
            imm: (imm & 0xffff_ffff_0000_0000) | long()? as u32 as u64,
        },
        _ => return Err(0),
    })
}

/// Lay out the live slots of `insns` (`live[pc]`; an LD_IMM64 tail follows its head), setting
/// the offset of every slot with a target (`target_of[pc]`, an old slot index; a dead target
/// stands for the next live slot). Returns the instructions and the new index of every old slot
/// (`[n]`: the total).
pub fn lay_out(
    insns: &[Insn],
    target_of: &[Option<usize>],
    live: &[bool],
    relax: Relax,
) -> Result<(Vec<Insn>, Vec<usize>), LayoutError> {
    let n = insns.len();
    let target = |pc: usize| target_of.get(pc).copied().flatten();
    let mut long = vec![false; n];
    let new_index = loop {
        let new_index = layout(insns, live, &long);
        let mut grew = false;
        if relax == Relax::Gotol {
            for pc in 0..n {
                if !live[pc] || long[pc] || !matches!(insns[pc], Insn::Jmp { .. }) {
                    continue;
                }
                let Some(t) = target(pc) else { continue };
                let off = new_index[t.min(n)] as i64 - new_index[pc] as i64 - 1;
                if i16::try_from(off).is_err() {
                    long[pc] = true;
                    grew = true;
                }
            }
        }
        if !grew {
            break new_index;
        }
    };
    let mut out = Vec::with_capacity(new_index[n]);
    for pc in 0..n {
        if !live[pc] {
            continue;
        }
        let insn = insns[pc];
        let Some(t) = target(pc) else {
            out.push(insn);
            continue;
        };
        let to = new_index[t.min(n)] as i64;
        let set = |insn: Insn, at: usize| {
            let off = to - at as i64 - 1;
            with_offset(insn, off).map_err(|bits| match bits {
                0 => LayoutError::NotAJump { pc },
                bits => LayoutError::TooFar { pc, off, bits },
            })
        };
        match insn {
            Insn::Jmp {
                width,
                cond,
                dst,
                src,
                ..
            } if long[pc] => {
                let over = |cond, off| Insn::Jmp {
                    width,
                    cond,
                    dst,
                    src,
                    off,
                };
                match cond.negate() {
                    Some(inv) => out.push(over(inv, 1)),
                    None => {
                        out.push(over(cond, 1));
                        out.push(Insn::Ja {
                            off: 1,
                            long: false,
                        });
                    }
                }
                let at = out.len();
                out.push(set(Insn::Ja { off: 0, long: true }, at)?);
            }
            Insn::Ja { long: false, .. } if relax == Relax::Gotol => {
                let at = out.len();
                let short = set(insn, at);
                out.push(match short {
                    Ok(i) => i,
                    Err(_) => set(Insn::Ja { off: 0, long: true }, at)?,
                });
            }
            _ => {
                let at = out.len();
                out.push(set(insn, at)?);
            }
        }
    }
    if out.len() != new_index[n] {
        return Err(LayoutError::Mismatch {
            emitted: out.len(),
            planned: new_index[n],
        });
    }
    Ok((out, new_index))
}

/// The new index of every old slot (for a dead slot: of the next live one; `[n]`: the total),
/// where a live slot takes one slot, a long conditional jump two (three for JSET).
fn layout(insns: &[Insn], live: &[bool], long: &[bool]) -> Vec<usize> {
    let n = insns.len();
    let mut new_index = vec![0usize; n + 1];
    let mut next = 0;
    for pc in 0..n {
        new_index[pc] = next;
        if live[pc] {
            next += match (long[pc], insns[pc]) {
                (false, _) => 1,
                (true, Insn::Jmp { cond, .. }) if cond.negate().is_none() => 3,
                (true, _) => 2,
            };
        }
    }
    new_index[n] = next;
    new_index
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::insn::{AluOp, JmpCond, Operand, Width};
    use crate::Reg;

    fn mov(v: i32) -> Insn {
        Insn::Alu {
            width: Width::W64,
            op: AluOp::Mov,
            dst: Reg::R0,
            src: Operand::Imm(v),
        }
    }

    fn jeq(cond: JmpCond, r: Reg) -> Insn {
        Insn::Jmp {
            width: Width::W64,
            cond,
            dst: r,
            src: Operand::Imm(0),
            off: 0,
        }
    }

    /// `if r1 COND 0 goto far; <filler movs>; far: exit` resolved, with the filler long enough
    /// to put `far` beyond a 16-bit offset.
    fn far_jump(cond: JmpCond, filler: usize, relax: Relax) -> Result<Vec<Insn>, LayoutError> {
        let mut c = CodeBuf::default();
        let far = c.new_label();
        c.push_to(jeq(cond, Reg::R1), far);
        for _ in 0..filler {
            c.push(mov(1));
        }
        c.push(Insn::Exit);
        c.bind(far);
        c.push(mov(2));
        c.push(Insn::Exit);
        c.finish(relax).map(|r| r.0)
    }

    /// Where the jump at `pc` lands.
    fn target(insns: &[Insn], pc: usize) -> usize {
        insns[pc].jump_target(pc).expect("a jump") as usize
    }

    #[test]
    fn near_conditional_jumps_stay_short() {
        let insns = far_jump(JmpCond::Eq, 100, Relax::Gotol).unwrap();
        assert!(matches!(
            insns[0],
            Insn::Jmp {
                cond: JmpCond::Eq,
                off: 101,
                ..
            }
        ));
        assert_eq!(insns.len(), 104);
    }

    #[test]
    fn far_jumps_are_errors_without_relaxation() {
        let err = far_jump(JmpCond::Gt, 40_000, Relax::None).unwrap_err();
        assert!(matches!(
            err,
            LayoutError::TooFar {
                pc: 0,
                bits: 16,
                ..
            }
        ));
    }

    #[test]
    fn far_conditional_jumps_become_inverted_over_gotol() {
        let filler = 40_000;
        let insns = far_jump(JmpCond::Gt, filler, Relax::Gotol).unwrap();
        let far = insns.len() - 2;
        assert!(matches!(
            insns[0],
            Insn::Jmp {
                cond: JmpCond::Le,
                off: 1,
                ..
            }
        ));
        assert!(matches!(insns[1], Insn::Ja { long: true, .. }));
        assert_eq!(target(&insns, 0), 2);
        assert_eq!(target(&insns, 1), far);
        assert_eq!(insns.len(), filler + 5);
    }

    #[test]
    fn far_jset_jumps_take_a_trampoline() {
        let filler = 33_000;
        let insns = far_jump(JmpCond::Set, filler, Relax::Gotol).unwrap();
        let far = insns.len() - 2;
        assert!(matches!(
            insns[0],
            Insn::Jmp {
                cond: JmpCond::Set,
                off: 1,
                ..
            }
        ));
        assert_eq!(target(&insns, 0), 2);
        assert_eq!(target(&insns, 1), 3);
        assert!(matches!(insns[2], Insn::Ja { long: true, .. }));
        assert_eq!(target(&insns, 2), far);
    }

    #[test]
    fn lengthening_one_jump_can_push_another_out_of_range() {
        // Jump B spans exactly 32767 slots, and long jump A sits inside its span: once A takes
        // its second slot, B no longer fits a 16-bit offset and must grow too.
        let mut c = CodeBuf::default();
        let (a_to, b_to) = (c.new_label(), c.new_label());
        c.push_to(jeq(JmpCond::Eq, Reg::R1), b_to);
        c.push_to(jeq(JmpCond::Eq, Reg::R2), a_to);
        for _ in 0..32_765 {
            c.push(mov(1));
        }
        c.push(Insn::Exit);
        c.bind(b_to);
        for _ in 0..10 {
            c.push(mov(3));
        }
        c.push(Insn::Exit);
        c.bind(a_to);
        c.push(mov(2));
        c.push(Insn::Exit);
        let insns = c.finish(Relax::Gotol).unwrap().0;
        let exits: Vec<usize> = (0..insns.len())
            .filter(|pc| insns[*pc] == Insn::Exit)
            .collect();
        let b_at = exits[0] + 1;
        let a_at = exits[1] + 1;
        assert!(matches!(insns[1], Insn::Ja { long: true, .. }));
        assert_eq!(target(&insns, 1), b_at);
        assert!(matches!(insns[3], Insn::Ja { long: true, .. }));
        assert_eq!(target(&insns, 3), a_at);
    }

    #[test]
    fn unbound_labels_and_non_jumps_are_errors() {
        let mut c = CodeBuf::default();
        let l = c.new_label();
        c.push_to(
            Insn::Ja {
                off: 0,
                long: false,
            },
            l,
        );
        assert_eq!(
            c.clone().finish(Relax::None).unwrap_err(),
            LayoutError::Unbound { pc: 0 }
        );
        c.bind(l);
        c.push_to(Insn::Exit, l);
        assert_eq!(
            c.finish(Relax::None).unwrap_err(),
            LayoutError::NotAJump { pc: 1 }
        );
    }
}
