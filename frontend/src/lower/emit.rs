//! The compiler's instruction buffer: helpers that push eBPF instructions into an
//! [`ir::layout::CodeBuf`] (labels and fixups live there), and the control-flow tidying done
//! before [`ir::layout::lay_out`] resolves every jump, relaxing far ones to `gotol`.

use ir::insn::{AluOp, Endian, Insn, JmpCond, LdImm64Src, MemSize, Operand, Reg, Width};
use ir::layout::{lay_out, CodeBuf, Relax};
use ir::program::Origin;

pub use ir::layout::Label;

/// Finished code: instructions and the origin of each instruction that has one.
pub type Finished = (Vec<Insn>, Vec<(usize, Origin)>);

/// The instruction buffer.
#[derive(Debug, Default)]
pub struct Emitter {
    code: CodeBuf,
    /// Origin attached to every instruction emitted from now on.
    pub origin: Option<Origin>,
    pub origins: Vec<(usize, Origin)>,
}

impl Emitter {
    pub fn label(&mut self) -> Label {
        self.code.new_label()
    }

    pub fn bind(&mut self, l: Label) {
        self.code.bind(l);
    }

    pub fn push(&mut self, insn: Insn) {
        if let Some(o) = &self.origin {
            self.origins.push((self.code.insns().len(), o.clone()));
        }
        self.code.push(insn);
    }

    /// Push a jump to `l`.
    fn push_to(&mut self, insn: Insn, l: Label) {
        if let Some(o) = &self.origin {
            self.origins.push((self.code.insns().len(), o.clone()));
        }
        self.code.push_to(insn, l);
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
        self.push_to(
            Insn::Jmp {
                width: Width::W64,
                cond,
                dst,
                src,
                off: 0,
            },
            l,
        );
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
        self.push_to(
            Insn::Ja {
                off: 0,
                long: false,
            },
            l,
        );
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
    pub fn finish(self) -> Result<Finished, String> {
        let origins = self.origins;
        let (mut insns, mut target_of) = self.code.into_targets().map_err(|e| e.to_string())?;
        let n = insns.len();
        // Jump threading (bounded: a cycle of gotos is left as it is).
        for pc in 0..n {
            let Some(mut t) = target_of[pc] else { continue };
            for _ in 0..n.min(64) {
                match (insns.get(t), target_of.get(t).copied().flatten()) {
                    (Some(Insn::Ja { .. }), Some(next)) if next != t => t = next,
                    _ => break,
                }
            }
            target_of[pc] = Some(t);
        }
        let mut live = reachable(&insns, &target_of);
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
                let after = next_live(&insns, &live, pc);
                match insns[pc] {
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
                        let (Some(inv), true) = (cond.negate(), after < n) else {
                            continue;
                        };
                        let Insn::Ja { .. } = insns[after] else {
                            continue;
                        };
                        let Some(b) = target_of[after] else { continue };
                        if next_live(&insns, &live, after) != t || incoming[after] != 0 {
                            continue;
                        }
                        insns[pc] = Insn::Jmp {
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
        // Far jumps become `gotol` sequences (see `ir::layout`).
        let (insns, new_index) =
            lay_out(&insns, &target_of, &live, Relax::Gotol).map_err(|e| e.to_string())?;
        let origins = origins
            .into_iter()
            .filter(|(pc, _)| live.get(*pc).copied().unwrap_or(false))
            .map(|(pc, o)| (new_index[pc], o))
            .collect();
        Ok((insns, origins))
    }
}

/// Slots reachable from slot 0.
fn reachable(insns: &[Insn], target_of: &[Option<usize>]) -> Vec<bool> {
    let n = insns.len();
    let mut live = vec![false; n];
    let mut work = vec![0usize];
    while let Some(pc) = work.pop() {
        if pc >= n || live[pc] {
            continue;
        }
        live[pc] = true;
        match insns[pc] {
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
