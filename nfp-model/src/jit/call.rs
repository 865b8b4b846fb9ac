//! bpf-to-bpf calls on the NFP: a call saves r6–r9 (8 words), the return address and the
//! caller's frame top in a save record in LM (through LM pointer 2 at GPR 23), moves the frame
//! (GPR 22, LM pointer 0) below the caller's frame and branches; the callee's exit restores all
//! of it and returns with `rtn` to the saved address.

use super::asm::{both, da, db, r, Target};
use super::Tr;
use crate::isa::*;
use crate::regs::{self, FRAME, SAVE, TMP0, TMP1};

impl Tr<'_> {
    /// First slot of the function holding `pc` (0: the entry function).
    pub(super) fn func_start(&self, pc: usize) -> usize {
        self.func_starts
            .iter()
            .copied()
            .filter(|&s| s <= pc)
            .max()
            .unwrap_or(0)
    }

    /// Bytes of stack the function starting at `start` uses, rounded up to 64 (the NFP's
    /// frame granule).
    fn frame_bytes(&self, start: usize) -> u32 {
        let verifier = self
            .v
            .stack_depth_per_function()
            .iter()
            .find(|(s, _)| *s == start)
            .map_or(regs::STACK_BYTES, |(_, d)| *d);
        // The deepest access the translation itself makes (the frame must cover it whatever
        // the verifier counted).
        let mut deepest = 0u32;
        for (pc, insn) in self.prog.insns.iter().enumerate() {
            if self.func_start(pc) != start {
                continue;
            }
            let (base, off, size) = match *insn {
                ir::Insn::Load { src, off, size, .. } => (src, off, size.bytes()),
                ir::Insn::Store { dst, off, size, .. }
                | ir::Insn::Atomic { dst, off, size, .. } => (dst, off, size.bytes()),
                _ => continue,
            };
            if let Some(s) = self.stack.get(pc).copied().flatten() {
                if let super::stack::Slot::Stack(o) = s[base.idx()] {
                    let at = o + off as i32;
                    if at < 0 && at + size as i32 <= 0 {
                        deepest = deepest.max(at.unsigned_abs());
                    }
                }
            }
        }
        verifier.max(deepest).div_ceil(64) * 64
    }

    pub(super) fn local_call(&mut self, pc: usize, target: usize) {
        let fs = self.frame_bytes(self.func_start(pc));
        self.lm3 = None;
        let a = &mut self.asm;
        a.csr_wr(csr::ACT_LM_ADDR2, r(SAVE));
        self.lm_ready[2] = self.asm.len() + 3;
        let a = &mut self.asm;
        // The callee's frame and stack window.
        if fs > 0 {
            let k = a.b_const(fs, TMP1);
            a.alu(both(FRAME), r(FRAME), AluOp::Sub, k);
        }
        a.alu(
            da(TMP0),
            r(FRAME),
            AluOp::Sub,
            Ureg::Imm(regs::LM0_WINDOW as u8),
        );
        a.csr_wr(csr::ACT_LM_ADDR0, r(TMP0));
        self.lm_ready[0] = self.asm.len() + 3;
        self.lm_wait(2);
        let save = |k: u8| Dst::Lm { ptr: 2, off: k };
        let a = &mut self.asm;
        for k in 0..8u8 {
            a.mov(save(k), r(12 + k));
        }
        let ret = a.label();
        a.immed_addr(db(TMP1), Target::Label(ret));
        a.mov(save(8), r(TMP1));
        if fs > 0 {
            let k = a.b_const(fs, TMP1);
            a.alu(save(9), r(FRAME), AluOp::Add, k);
        } else {
            a.mov(save(9), r(FRAME));
        }
        a.alu(
            both(SAVE),
            r(SAVE),
            AluOp::Add,
            Ureg::Imm(regs::SAVE_RECORD as u8),
        );
        for p in 0..4 {
            self.lm_wait(p);
        }
        self.asm.br(BrCond::Always, Target::Ebpf(target));
        self.asm.bind(ret);
        self.lm3 = None;
    }

    pub(super) fn local_return(&mut self) {
        let a = &mut self.asm;
        a.alu(
            both(SAVE),
            r(SAVE),
            AluOp::Sub,
            Ureg::Imm(regs::SAVE_RECORD as u8),
        );
        a.csr_wr(csr::ACT_LM_ADDR2, r(SAVE));
        self.lm_ready[2] = self.asm.len() + 3;
        self.lm_wait(2);
        // LM pointer 2 through the A field's LM extension.
        let saved = |k: u8| Ureg::Lm(Lm::At { ptr: 0, off: k });
        for k in 0..8u8 {
            self.mov_ext(both(12 + k), saved(k), true);
        }
        self.mov_ext(both(FRAME), saved(9), true);
        self.mov_ext(db(TMP1), saved(8), true);
        let a = &mut self.asm;
        a.alu(
            da(TMP0),
            r(FRAME),
            AluOp::Sub,
            Ureg::Imm(regs::LM0_WINDOW as u8),
        );
        a.csr_wr(csr::ACT_LM_ADDR0, r(TMP0));
        self.lm_ready[0] = self.asm.len() + 3;
        for p in 0..4 {
            self.lm_wait(p);
        }
        self.asm.push(Insn::BrAlu {
            a: Ureg::NONE,
            b: r(TMP1),
            imm_hi: 0,
            defer: Defer::ZERO,
        });
        self.lm3 = None;
    }
}
