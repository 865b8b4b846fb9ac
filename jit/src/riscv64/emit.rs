//! The instruction list the lowering builds: fixed instructions, symbolic branches and labels,
//! with the multi-instruction idioms (constants, zero-extension, far loads) as methods.

use super::encode::{BCond, IOp, Inst, ROp, ShOp, Size, UOp};
use super::imms::{split32, Imm12, Shamt6};
use super::regs::{XReg, T0, ZERO};
use crate::JitError;

/// A position in the code, bound once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Label(pub(crate) u32);

/// What a symbolic branch does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BranchKind {
    /// `if rs1 COND rs2 goto target`.
    Cond { cond: BCond, rs1: XReg, rs2: XReg },
    /// `goto target`.
    Jump,
    /// Call the function at `target` (return address in `ra`).
    Call,
}

impl BranchKind {
    /// Byte sizes of the forms, shortest first; a layout pass only moves a branch to a later
    /// (longer) form.
    ///
    /// - `Cond`: B-type (±4 KiB); the inverted B-type over `jal` (±1 MiB); the inverted
    ///   B-type over `auipc t0` + `jalr` (±2 GiB).
    /// - `Jump`: `c.j` (±2 KiB, with C); `jal zero` (±1 MiB); `auipc t0` + `jalr zero`.
    /// - `Call`: `jal ra`; `auipc ra` + `jalr ra`.
    pub(crate) fn sizes(self, compress: bool) -> &'static [u32] {
        match self {
            BranchKind::Cond { .. } => &[4, 8, 12],
            BranchKind::Jump if compress => &[2, 4, 8],
            BranchKind::Jump => &[4, 8],
            BranchKind::Call => &[4, 8],
        }
    }
}

/// One element of the code.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Item {
    /// A fixed instruction of `len` bytes.
    Inst { inst: Inst, len: u8, pc: usize },
    /// A branch whose form the layout chooses.
    Branch {
        kind: BranchKind,
        target: Label,
        pc: usize,
    },
    /// A label is bound here.
    Bind(Label),
}

/// The instruction list under construction.
pub(crate) struct Asm {
    pub(crate) items: Vec<Item>,
    labels: u32,
    /// Whether compressed encodings may be used.
    pub(crate) compress: bool,
    /// The eBPF slot being lowered (for errors and the listing).
    pub(crate) pc: usize,
}

/// `v` as a checked 12-bit immediate, or an internal error naming the slot.
fn imm12(pc: usize, v: i64) -> Result<Imm12, JitError> {
    Imm12::new(v).ok_or(JitError::Encode {
        pc,
        message: format!("immediate {v} does not fit in 12 bits"),
    })
}

impl Asm {
    pub(crate) fn new(compress: bool, capacity: usize) -> Asm {
        Asm {
            items: Vec::with_capacity(capacity),
            labels: 0,
            compress,
            pc: 0,
        }
    }

    pub(crate) fn label(&mut self) -> Label {
        self.labels += 1;
        Label(self.labels - 1)
    }

    pub(crate) fn label_count(&self) -> usize {
        self.labels as usize
    }

    pub(crate) fn bind(&mut self, l: Label) {
        self.items.push(Item::Bind(l));
    }

    /// Append one instruction.
    pub(crate) fn push(&mut self, inst: Inst) {
        let len = inst.encode(self.compress).len;
        self.items.push(Item::Inst {
            inst,
            len,
            pc: self.pc,
        });
    }

    pub(crate) fn branch(&mut self, cond: BCond, rs1: XReg, rs2: XReg, target: Label) {
        self.items.push(Item::Branch {
            kind: BranchKind::Cond { cond, rs1, rs2 },
            target,
            pc: self.pc,
        });
    }

    pub(crate) fn jump(&mut self, target: Label) {
        self.items.push(Item::Branch {
            kind: BranchKind::Jump,
            target,
            pc: self.pc,
        });
    }

    pub(crate) fn call(&mut self, target: Label) {
        self.items.push(Item::Branch {
            kind: BranchKind::Call,
            target,
            pc: self.pc,
        });
    }

    pub(crate) fn r(&mut self, op: ROp, rd: XReg, rs1: XReg, rs2: XReg) {
        self.push(Inst::R { op, rd, rs1, rs2 });
    }

    /// `op rd, rs1, imm` for an immediate known to fit (else an internal error).
    pub(crate) fn i(&mut self, op: IOp, rd: XReg, rs1: XReg, imm: i64) -> Result<(), JitError> {
        let imm = imm12(self.pc, imm)?;
        self.push(Inst::I { op, rd, rs1, imm });
        Ok(())
    }

    /// 64-bit shift by a constant (taken modulo 64).
    pub(crate) fn sh(&mut self, op: ShOp, rd: XReg, rs1: XReg, n: u32) {
        if let Some(sh) = Shamt6::new(n & 63) {
            self.push(Inst::Sh { op, rd, rs1, sh });
        }
    }

    pub(crate) fn unary(&mut self, op: UOp, rd: XReg, rs1: XReg) {
        self.push(Inst::U { op, rd, rs1 });
    }

    pub(crate) fn mv(&mut self, rd: XReg, rs: XReg) {
        if rd != rs {
            self.push(Inst::I {
                op: IOp::Addi,
                rd,
                rs1: rs,
                imm: Imm12::ZERO,
            });
        }
    }

    /// `rd = sign-extend(rs[31:0])`.
    pub(crate) fn sext32(&mut self, rd: XReg, rs: XReg) {
        self.push(Inst::I {
            op: IOp::Addiw,
            rd,
            rs1: rs,
            imm: Imm12::ZERO,
        });
    }

    /// `rd = zero-extend(rs[31:0])`: `add.uw rd, rs, zero` with Zba, else `slli`+`srli`.
    pub(crate) fn zext32(&mut self, rd: XReg, rs: XReg, zba: bool) {
        if zba {
            self.r(ROp::AddUw, rd, rs, ZERO);
        } else {
            self.sh(ShOp::Slli, rd, rs, 32);
            self.sh(ShOp::Srli, rd, rd, 32);
        }
    }

    /// `rd = v`, in the fewest base instructions this sequence finds (`lui`/`addi(w)`, then
    /// shifts and adds for wider values).
    pub(crate) fn li(&mut self, rd: XReg, v: i64) {
        if v == v as i32 as i64 {
            let (hi, lo) = split32(v as i32);
            if hi.get() == 0 {
                self.push(Inst::I {
                    op: IOp::Addi,
                    rd,
                    rs1: ZERO,
                    imm: lo,
                });
            } else {
                self.push(Inst::Lui { rd, imm: hi });
                if lo.get() != 0 {
                    self.push(Inst::I {
                        op: IOp::Addiw,
                        rd,
                        rs1: rd,
                        imm: lo,
                    });
                }
            }
            return;
        }
        // v = (hi << shift) + lo with lo a signed 12-bit value and hi odd (or the rest).
        let lo = (v << 52) >> 52;
        let rest = v.wrapping_sub(lo);
        let shift = rest.trailing_zeros().min(63);
        let hi = rest >> shift;
        self.li(rd, hi);
        self.sh(ShOp::Slli, rd, rd, shift);
        if lo != 0 {
            // `lo` fits by construction.
            if let Some(imm) = Imm12::new(lo) {
                self.push(Inst::I {
                    op: IOp::Addi,
                    rd,
                    rs1: rd,
                    imm,
                });
            }
        }
    }

    /// `rd = rs + v` for any 64-bit `v` (through `t0` when it does not fit in 12 bits; `rd`
    /// and `rs` must not be `t0` then).
    pub(crate) fn add_imm(&mut self, rd: XReg, rs: XReg, v: i64) {
        match Imm12::new(v) {
            Some(imm) => {
                if v != 0 || rd != rs {
                    self.push(Inst::I {
                        op: IOp::Addi,
                        rd,
                        rs1: rs,
                        imm,
                    })
                }
            }
            None => {
                self.li(T0, v);
                self.r(ROp::Add, rd, rs, T0);
            }
        }
    }

    /// The base register and 12-bit offset for `base + off`, computing the address into `t0`
    /// when `off` does not fit.
    pub(crate) fn address(&mut self, base: XReg, off: i64) -> (XReg, Imm12) {
        match Imm12::new(off) {
            Some(o) => (base, o),
            None => {
                let lo = (off << 52) >> 52;
                self.li(T0, off - lo);
                self.r(ROp::Add, T0, T0, base);
                (T0, Imm12::new(lo).unwrap_or(Imm12::ZERO))
            }
        }
    }

    pub(crate) fn load(&mut self, size: Size, signed: bool, rd: XReg, base: XReg, off: i64) {
        let (base, off) = self.address(base, off);
        self.push(Inst::Load {
            size,
            signed,
            rd,
            base,
            off,
        });
    }

    pub(crate) fn store(&mut self, size: Size, src: XReg, base: XReg, off: i64) {
        let (base, off) = self.address(base, off);
        self.push(Inst::Store {
            size,
            src,
            base,
            off,
        });
    }
}
