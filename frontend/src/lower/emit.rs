//! An instruction buffer with forward labels: jumps name a label, offsets are computed when the
//! program is finished (an offset that does not fit is an error, never a truncation).

use ir::insn::{AluOp, Endian, Insn, JmpCond, LdImm64Src, MemSize, Operand, Reg, Width};
use ir::program::Origin;

/// A position in the code, bound later.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Label(usize);

/// Finished code: instructions and the origin of each instruction that has one.
pub type Finished = (Vec<Insn>, Vec<(usize, Origin)>);

/// The instruction buffer.
#[derive(Debug, Default)]
pub struct Emitter {
    pub insns: Vec<Insn>,
    labels: Vec<Option<usize>>,
    fixups: Vec<(usize, Label)>,
    /// Origin attached to every instruction emitted from now on.
    pub origin: Option<Origin>,
    pub origins: Vec<(usize, Origin)>,
}

impl Emitter {
    pub fn label(&mut self) -> Label {
        self.labels.push(None);
        Label(self.labels.len() - 1)
    }

    pub fn bind(&mut self, l: Label) {
        self.labels[l.0] = Some(self.insns.len());
    }

    pub fn push(&mut self, insn: Insn) {
        if let Some(o) = &self.origin {
            self.origins.push((self.insns.len(), o.clone()));
        }
        let two = insn.slots() == 2;
        self.insns.push(insn);
        if two {
            self.insns.push(Insn::LdImm64Tail);
        }
    }

    pub fn alu64(&mut self, op: AluOp, dst: Reg, src: Operand) {
        self.push(Insn::Alu {
            width: Width::W64,
            op,
            dst,
            src,
        });
    }

    pub fn alu32(&mut self, op: AluOp, dst: Reg, src: Operand) {
        self.push(Insn::Alu {
            width: Width::W32,
            op,
            dst,
            src,
        });
    }

    pub fn mov_imm(&mut self, dst: Reg, v: i32) {
        self.alu64(AluOp::Mov, dst, Operand::Imm(v));
    }

    pub fn mov_reg(&mut self, dst: Reg, src: Reg) {
        self.alu64(AluOp::Mov, dst, Operand::Reg(src));
    }

    /// `dst = v` for any 64-bit constant (one or two instructions).
    pub fn load_const(&mut self, dst: Reg, v: u64) {
        if v <= i32::MAX as u64 {
            self.mov_imm(dst, v as i32);
        } else {
            self.push(Insn::LdImm64 {
                dst,
                src: LdImm64Src::Imm,
                imm: v,
            });
        }
    }

    pub fn load_map(&mut self, dst: Reg, map: usize) {
        self.push(Insn::LdImm64 {
            dst,
            src: LdImm64Src::MapFd,
            imm: map as u64,
        });
    }

    pub fn ldx(&mut self, size: MemSize, dst: Reg, src: Reg, off: i16) {
        self.push(Insn::Load {
            size,
            signed: false,
            dst,
            src,
            off,
        });
    }

    pub fn stx(&mut self, size: MemSize, dst: Reg, off: i16, src: Reg) {
        self.push(Insn::Store {
            size,
            dst,
            off,
            src: Operand::Reg(src),
        });
    }

    pub fn byte_swap_be(&mut self, dst: Reg, bits: u8) {
        self.push(Insn::End {
            kind: Endian::ToBe,
            bits,
            dst,
        });
    }

    /// `if dst COND src goto l`.
    pub fn jmp(&mut self, cond: JmpCond, dst: Reg, src: Operand, l: Label) {
        self.fixups.push((self.insns.len(), l));
        self.push(Insn::Jmp {
            width: Width::W64,
            cond,
            dst,
            src,
            off: 0,
        });
    }

    /// `if dst COND k goto l` for any unsigned constant (through `scratch` when it does not fit
    /// a sign-extended immediate).
    pub fn jmp_const(&mut self, cond: JmpCond, dst: Reg, k: u64, scratch: Reg, l: Label) {
        if k <= i32::MAX as u64 {
            self.jmp(cond, dst, Operand::Imm(k as i32), l);
        } else {
            self.load_const(scratch, k);
            self.jmp(cond, dst, Operand::Reg(scratch), l);
        }
    }

    pub fn ja(&mut self, l: Label) {
        self.fixups.push((self.insns.len(), l));
        self.push(Insn::Ja {
            off: 0,
            long: false,
        });
    }

    pub fn exit(&mut self) {
        self.push(Insn::Exit);
    }

    /// Tidy the control flow, remove instructions no path reaches (the kernel verifier rejects
    /// unreachable code), then resolve every jump; `Err` names a jump whose target is unbound or
    /// out of range.
    ///
    /// Tidying, repeated until nothing changes: a jump to a `goto` goes straight to the final
    /// target; `if c goto A; goto B; A:` becomes `if !c goto B; A:`; a jump to the next
    /// instruction is removed.
    pub fn finish(mut self) -> Result<Finished, String> {
        let n = self.insns.len();
        let mut target_of = vec![None; n];
        for (pc, l) in &self.fixups {
            let t = self.labels[l.0].ok_or_else(|| format!("unbound label at {pc}"))?;
            target_of[*pc] = Some(t);
        }
        // Jump threading (bounded: a cycle of gotos is left as it is).
        for pc in 0..n {
            let Some(mut t) = target_of[pc] else { continue };
            for _ in 0..n.min(64) {
                match (self.insns.get(t), target_of.get(t).copied().flatten()) {
                    (Some(Insn::Ja { .. }), Some(next)) if next != t => t = next,
                    _ => break,
                }
            }
            target_of[pc] = Some(t);
        }
        let mut live = self.reachable(&target_of);
        // Live jumps into each slot.
        let mut incoming = vec![0u32; n + 1];
        for pc in 0..n {
            if let (true, Some(t)) = (live[pc], target_of[pc]) {
                incoming[t] += 1;
            }
        }
        loop {
            let mut changed = false;
            for pc in 0..n {
                if !live[pc] {
                    continue;
                }
                let Some(t) = target_of[pc] else { continue };
                let after = next_live(&self.insns, &live, pc);
                match self.insns[pc] {
                    // A jump to where it falls through anyway.
                    Insn::Ja { .. } | Insn::Jmp { .. } if t == after => {
                        live[pc] = false;
                        incoming[t] -= 1;
                        changed = true;
                    }
                    Insn::Jmp {
                        width,
                        cond,
                        dst,
                        src,
                        off,
                    } => {
                        let (Some(inv), true) = (inverse(cond), after < n) else {
                            continue;
                        };
                        let Insn::Ja { .. } = self.insns[after] else {
                            continue;
                        };
                        let Some(b) = target_of[after] else { continue };
                        if next_live(&self.insns, &live, after) != t || incoming[after] != 0 {
                            continue;
                        }
                        self.insns[pc] = Insn::Jmp {
                            width,
                            cond: inv,
                            dst,
                            src,
                            off,
                        };
                        target_of[pc] = Some(b);
                        incoming[t] -= 1;
                        live[after] = false;
                        changed = true;
                    }
                    _ => {}
                }
            }
            if !changed {
                break;
            }
        }
        // Layout. A conditional jump whose target is beyond ±32767 slots becomes the inverted
        // condition over a `gotol` (cpu v4 `JMP32 JA`, 32-bit offset); JSET, which has no
        // inverse, becomes `if c goto +1; goto +1; gotol T`. Lengthening one jump can push
        // another out of range: repeat until nothing changes (a jump once long stays long, so
        // this ends after at most one round per jump).
        let mut long = vec![false; n];
        let new_index = loop {
            let new_index = layout(&self.insns, &live, &long);
            let mut grew = false;
            for pc in 0..n {
                if !live[pc] || long[pc] || !matches!(self.insns[pc], Insn::Jmp { .. }) {
                    continue;
                }
                let Some(t) = target_of[pc] else { continue };
                let off = new_index[t] as i64 - new_index[pc] as i64 - 1;
                if i16::try_from(off).is_err() {
                    long[pc] = true;
                    grew = true;
                }
            }
            if !grew {
                break new_index;
            }
        };
        let mut insns = Vec::with_capacity(new_index[n]);
        for pc in 0..n {
            if !live[pc] {
                continue;
            }
            let insn = self.insns[pc];
            let Some(t) = target_of[pc] else {
                insns.push(insn);
                continue;
            };
            let too_far = |off: i64| format!("jump at {pc} too far ({off} slots)");
            match insn {
                Insn::Jmp {
                    width,
                    cond,
                    dst,
                    src,
                    ..
                } => {
                    if !long[pc] {
                        let off = new_index[t] as i64 - new_index[pc] as i64 - 1;
                        let off = i16::try_from(off).map_err(|_| too_far(off))?;
                        insns.push(Insn::Jmp {
                            width,
                            cond,
                            dst,
                            src,
                            off,
                        });
                        continue;
                    }
                    match inverse(cond) {
                        Some(inv) => insns.push(Insn::Jmp {
                            width,
                            cond: inv,
                            dst,
                            src,
                            off: 1,
                        }),
                        None => {
                            insns.push(Insn::Jmp {
                                width,
                                cond,
                                dst,
                                src,
                                off: 1,
                            });
                            insns.push(Insn::Ja {
                                off: 1,
                                long: false,
                            });
                        }
                    }
                    let at = insns.len() as i64;
                    let off = new_index[t] as i64 - at - 1;
                    let off = i32::try_from(off).map_err(|_| too_far(off))?;
                    insns.push(Insn::Ja { off, long: true });
                }
                Insn::Ja { .. } => {
                    let off = new_index[t] as i64 - new_index[pc] as i64 - 1;
                    insns.push(match i16::try_from(off) {
                        Ok(short) => Insn::Ja {
                            off: short as i32,
                            long: false,
                        },
                        Err(_) => Insn::Ja {
                            off: i32::try_from(off).map_err(|_| too_far(off))?,
                            long: true,
                        },
                    });
                }
                _ => return Err(format!("fixup on a non-jump at {pc}")),
            }
        }
        if insns.len() != new_index[n] {
            return Err(format!(
                "layout mismatch: {} slots emitted, {} planned",
                insns.len(),
                new_index[n]
            ));
        }
        let origins = std::mem::take(&mut self.origins)
            .into_iter()
            .filter(|(pc, _)| live.get(*pc).copied().unwrap_or(false))
            .map(|(pc, o)| (new_index[pc], o))
            .collect();
        Ok((insns, origins))
    }

    /// Slots reachable from slot 0.
    fn reachable(&self, target_of: &[Option<usize>]) -> Vec<bool> {
        let n = self.insns.len();
        let mut live = vec![false; n];
        let mut work = vec![0usize];
        while let Some(pc) = work.pop() {
            if pc >= n || live[pc] {
                continue;
            }
            live[pc] = true;
            match self.insns[pc] {
                Insn::Exit => {}
                Insn::Ja { .. } => work.extend(target_of[pc]),
                Insn::Jmp { .. } => {
                    work.push(pc + 1);
                    work.extend(target_of[pc]);
                }
                Insn::LdImm64 { .. } => {
                    if pc + 1 < n {
                        live[pc + 1] = true;
                    }
                    work.push(pc + 2);
                }
                _ => work.push(pc + 1),
            }
        }
        live
    }
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
                (true, Insn::Jmp { cond, .. }) if inverse(cond).is_none() => 3,
                (true, _) => 2,
            };
        }
    }
    new_index[n] = next;
    new_index
}

/// The first live slot after the instruction at `pc`.
fn next_live(insns: &[Insn], live: &[bool], pc: usize) -> usize {
    let mut q = pc + 1;
    if matches!(insns.get(pc), Some(Insn::LdImm64 { .. })) {
        q += 1;
    }
    while q < insns.len() && !live[q] {
        q += 1;
    }
    q
}

/// The condition that holds exactly when `c` does not (`JSET` has none).
fn inverse(c: JmpCond) -> Option<JmpCond> {
    Some(match c {
        JmpCond::Eq => JmpCond::Ne,
        JmpCond::Ne => JmpCond::Eq,
        JmpCond::Gt => JmpCond::Le,
        JmpCond::Le => JmpCond::Gt,
        JmpCond::Ge => JmpCond::Lt,
        JmpCond::Lt => JmpCond::Ge,
        JmpCond::Sgt => JmpCond::Sle,
        JmpCond::Sle => JmpCond::Sgt,
        JmpCond::Sge => JmpCond::Slt,
        JmpCond::Slt => JmpCond::Sge,
        JmpCond::Set => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `if r1 COND 0 goto far; <filler movs>; far: exit` resolved, with the filler long enough
    /// to put `far` beyond a 16-bit offset.
    fn far_jump(cond: JmpCond, filler: usize) -> Vec<Insn> {
        let mut e = Emitter::default();
        let far = e.label();
        e.jmp(cond, Reg::R1, Operand::Imm(0), far);
        for _ in 0..filler {
            e.mov_imm(Reg::R0, 1);
        }
        e.exit();
        e.bind(far);
        e.mov_imm(Reg::R0, 2);
        e.exit();
        e.finish().expect("resolves").0
    }

    /// Where the jump at `pc` lands.
    fn target(insns: &[Insn], pc: usize) -> usize {
        insns[pc].jump_target(pc).expect("a jump") as usize
    }

    #[test]
    fn near_conditional_jumps_stay_short() {
        let insns = far_jump(JmpCond::Eq, 100);
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
    fn far_conditional_jumps_become_inverted_over_gotol() {
        let filler = 40_000;
        let insns = far_jump(JmpCond::Gt, filler);
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
        let insns = far_jump(JmpCond::Set, filler);
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
        let mut e = Emitter::default();
        let (a_to, b_to) = (e.label(), e.label());
        e.jmp(JmpCond::Eq, Reg::R1, Operand::Imm(0), b_to);
        e.jmp(JmpCond::Eq, Reg::R2, Operand::Imm(0), a_to);
        for _ in 0..32_765 {
            e.mov_imm(Reg::R0, 1);
        }
        e.exit();
        e.bind(b_to);
        for _ in 0..10 {
            e.mov_imm(Reg::R0, 3);
        }
        e.exit();
        e.bind(a_to);
        e.mov_imm(Reg::R0, 2);
        e.exit();
        let insns = e.finish().expect("resolves").0;
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
}
