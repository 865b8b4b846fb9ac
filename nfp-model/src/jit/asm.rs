//! The instruction sink of the translator: NFP instructions with symbolic branch targets
//! (eBPF instructions, local labels, firmware entries) and one helper per instruction form.
//!
//! Every NFP branch is one word with a 14-bit absolute target, so layout needs no size
//! convergence: targets are resolved in one pass after the loop, from the recorded start of
//! each eBPF instruction.

use crate::isa::*;
use crate::regs::TMP1;

/// Where a branch (or a return-address `immed`) points.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// The first NFP instruction of eBPF slot `pc`.
    Ebpf(usize),
    /// A local label.
    Label(usize),
    /// A fixed address (a firmware entry).
    Abs(u16),
}

/// The sink.
#[derive(Default)]
pub struct Asm {
    pub code: Vec<Insn>,
    /// (instruction index, target): branches and return-address immediates to patch.
    pub fixups: Vec<(usize, Target)>,
    /// Label -> instruction index.
    pub labels: Vec<Option<usize>>,
}

pub fn g(n: u8) -> Gpr {
    Gpr::new(n & 31).expect("masked to 0..31")
}

/// Both banks of GPR `n`.
pub fn both(n: u8) -> Dst {
    Dst::Gpr {
        bank: Bank::A,
        reg: g(n),
        both: true,
    }
}

/// Bank A only.
pub fn da(n: u8) -> Dst {
    Dst::Gpr {
        bank: Bank::A,
        reg: g(n),
        both: false,
    }
}

/// Bank B only.
pub fn db(n: u8) -> Dst {
    Dst::Gpr {
        bank: Bank::B,
        reg: g(n),
        both: false,
    }
}

/// GPR `n` as an unrestricted operand (bank by field).
pub fn r(n: u8) -> Ureg {
    Ureg::Gpr(g(n))
}

/// GPR `n` as a restricted operand.
pub fn rr(n: u8) -> Rreg {
    Rreg::Gpr(g(n))
}

impl Asm {
    pub fn len(&self) -> usize {
        self.code.len()
    }

    pub fn push(&mut self, i: Insn) {
        self.code.push(i);
    }

    pub fn label(&mut self) -> usize {
        self.labels.push(None);
        self.labels.len() - 1
    }

    pub fn bind(&mut self, l: usize) {
        self.labels[l] = Some(self.code.len());
    }

    pub fn br(&mut self, cond: BrCond, t: Target) {
        self.fixups.push((self.code.len(), t));
        self.push(Insn::Br {
            cond,
            addr: Addr::new(0).expect("0"),
            defer: Defer::ZERO,
        });
    }

    pub fn br_bit(&mut self, reg: u8, bit: u8, set: bool, t: Target) {
        self.fixups.push((self.code.len(), t));
        self.push(Insn::BrBit {
            a: rr(reg),
            bit,
            set,
            addr: Addr::new(0).expect("0"),
            defer: Defer::ZERO,
        });
    }

    /// `immed[dst, address of t]` (a return address).
    pub fn immed_addr(&mut self, dst: Dst, t: Target) {
        self.fixups.push((self.code.len(), t));
        self.immed(dst, 0, ImmWidth::All, 0, false);
    }

    pub fn alu(&mut self, dst: Dst, a: Ureg, op: AluOp, b: Ureg) {
        self.push(Insn::Alu {
            dst,
            a,
            op,
            b,
            swap: false,
            src_lmextn: false,
        });
    }

    /// `alu` computing `b op a` (the A-field operand on the right).
    pub fn alu_sw(&mut self, dst: Dst, a: Ureg, op: AluOp, b: Ureg) {
        self.push(Insn::Alu {
            dst,
            a,
            op,
            b,
            swap: true,
            src_lmextn: false,
        });
    }

    /// `dst = b` (B operand).
    pub fn mov(&mut self, dst: Dst, b: Ureg) {
        self.alu(dst, Ureg::NONE, AluOp::None, b);
    }

    pub fn immed(&mut self, dst: Dst, imm: u16, width: ImmWidth, shift: u8, inv: bool) {
        self.push(Insn::Immed {
            dst,
            imm,
            width,
            shift,
            inv,
        });
    }

    /// A 32-bit constant into `dst` (GPR, one or both banks): 1 or 2 `immed`s.
    pub fn const32(&mut self, dst: Dst, v: u32) {
        if v <= 0xffff {
            self.immed(dst, v as u16, ImmWidth::All, 0, false);
        } else if !v <= 0xffff {
            self.immed(dst, !v as u16, ImmWidth::All, 0, true);
        } else if v & 0xffff == 0 {
            self.immed(dst, (v >> 16) as u16, ImmWidth::All, 2, false);
        } else if !v & 0xffff == 0 {
            self.immed(dst, (!v >> 16) as u16, ImmWidth::All, 2, true);
        } else {
            self.immed(dst, v as u16, ImmWidth::All, 0, false);
            self.immed(dst, (v >> 16) as u16, ImmWidth::Word, 2, false);
        }
    }

    /// `v` as a B operand: an 8-bit immediate, or loaded into bank B of `scratch`.
    pub fn b_const(&mut self, v: u32, scratch: u8) -> Ureg {
        if v < 256 {
            Ureg::Imm(v as u8)
        } else {
            self.const32(db(scratch), v);
            r(scratch)
        }
    }

    /// `v` as a restricted B operand (0..=255 with the I8 bit, else via bank B of `scratch`).
    pub fn b_const_r(&mut self, v: u32, scratch: u8, max: u32) -> Rreg {
        if v <= max {
            Rreg::Imm(v as u8)
        } else {
            self.const32(db(scratch), v);
            rr(scratch)
        }
    }

    pub fn shf(&mut self, dst: Dst, a: Rreg, op: ShfOp, b: Rreg, kind: ShiftKind, n: u8) {
        let amount = match ShiftAmount::by(n) {
            Some(a) => a,
            None => ShiftAmount::Indirect,
        };
        self.push(Insn::AluShf {
            dst,
            a,
            op,
            b,
            swap: false,
            kind,
            amount,
        });
    }

    /// `alu_shf` by the previous ALU result.
    pub fn shf_ind(&mut self, dst: Dst, a: Rreg, op: ShfOp, b: Rreg, kind: ShiftKind) {
        self.push(Insn::AluShf {
            dst,
            a,
            op,
            b,
            swap: false,
            kind,
            amount: ShiftAmount::Indirect,
        });
    }

    pub fn ld_field(&mut self, a: u8, bmask: u8, b: Rreg, rot: u8, clear: bool) {
        self.push(Insn::LdField {
            a: rr(a),
            bmask,
            b,
            kind: ShiftKind::RotR,
            shift: rot & 31,
            clear,
            both: true,
        });
    }

    pub fn csr_wr(&mut self, csr: u16, a: Ureg) {
        self.push(Insn::LocalCsr {
            csr,
            write: true,
            a,
            b: Ureg::NONE,
        });
    }

    /// A memory command with a context swap on signal 1.
    pub fn cmd(&mut self, op: CmdOp, count: u8, a: Rreg, b: Rreg, mode: AddrMode) {
        self.cmd_x(op, 0, count, a, b, mode);
    }

    /// [`Asm::cmd`] with the first transfer register.
    pub fn cmd_x(&mut self, op: CmdOp, xfer: u8, count: u8, a: Rreg, b: Rreg, mode: AddrMode) {
        self.push(Insn::Cmd {
            op,
            xfer: Xfer::new(xfer & 31).expect("masked"),
            count,
            a,
            b,
            ctx: CtxSwap::Swap,
            sig: 1,
            mode,
            indir: false,
        });
    }

    /// Address `lo:hi + off` for a 40-bit command: `(a, b)` operands (A = high, B = low),
    /// using TMP0 (bank B) / TMP1 (bank A) when `off != 0`.
    pub fn addr40(&mut self, lo: u8, hi: u8, off: i32) -> (Rreg, Rreg) {
        if off == 0 {
            return (rr(hi), rr(lo));
        }
        let (op, opc, k) = if off > 0 {
            (AluOp::Add, AluOp::AddC, off as u32)
        } else {
            (AluOp::Sub, AluOp::SubC, off.unsigned_abs())
        };
        let kb = self.b_const(k, TMP1);
        self.alu(db(crate::regs::TMP0), r(lo), op, kb);
        self.alu(da(TMP1), r(hi), opc, Ureg::Imm(0));
        (rr(TMP1), rr(crate::regs::TMP0))
    }
}
