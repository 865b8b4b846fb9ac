//! Instruction encoders: one small method per x86 form, all going through iced-x86's `Encoder`
//! (no hand-packed bytes), plus the code buffer with labels whose branch sizes the size
//! convergence in `mod.rs` settles.
//!
//! Every non-branch instruction is encoded once, when emitted: its bytes do not depend on where
//! it ends up because the JIT never emits RIP-relative operands. Branches are kept symbolic
//! (`kind`, target label) until their short/near form is known.

use super::regs::{r16, r32, r8};
use crate::JitError;
use iced_x86::{Code, Encoder, IcedError, Instruction, MemoryOperand, Register};
use ir::insn::{MemSize, Width};

/// A position in the code, bound once with [`Asm::bind`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Label(pub(crate) u32);

/// x86 condition codes used by eBPF jumps and internal checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub(crate) enum Cond {
    E,
    Ne,
    A,
    Ae,
    B,
    Be,
    G,
    Ge,
    L,
    Le,
}

impl Cond {
    /// (rel8 form, rel32 form).
    fn codes(self) -> (Code, Code) {
        match self {
            Cond::E => (Code::Je_rel8_64, Code::Je_rel32_64),
            Cond::Ne => (Code::Jne_rel8_64, Code::Jne_rel32_64),
            Cond::A => (Code::Ja_rel8_64, Code::Ja_rel32_64),
            Cond::Ae => (Code::Jae_rel8_64, Code::Jae_rel32_64),
            Cond::B => (Code::Jb_rel8_64, Code::Jb_rel32_64),
            Cond::Be => (Code::Jbe_rel8_64, Code::Jbe_rel32_64),
            Cond::G => (Code::Jg_rel8_64, Code::Jg_rel32_64),
            Cond::Ge => (Code::Jge_rel8_64, Code::Jge_rel32_64),
            Cond::L => (Code::Jl_rel8_64, Code::Jl_rel32_64),
            Cond::Le => (Code::Jle_rel8_64, Code::Jle_rel32_64),
        }
    }
}

/// The kind of a symbolic branch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BranchKind {
    Jmp,
    Jcc(Cond),
    /// `call rel32` (no short form).
    Call,
}

impl BranchKind {
    /// Encoded length of the short form, if there is one.
    pub(crate) fn short_len(self) -> Option<u32> {
        match self {
            BranchKind::Jmp | BranchKind::Jcc(_) => Some(2),
            BranchKind::Call => None,
        }
    }

    /// Encoded length of the near (rel32) form.
    pub(crate) fn near_len(self) -> u32 {
        match self {
            BranchKind::Jmp | BranchKind::Call => 5,
            BranchKind::Jcc(_) => 6,
        }
    }

    /// The iced-x86 code of the short or near form.
    pub(crate) fn code(self, short: bool) -> Code {
        match (self, short) {
            (BranchKind::Jmp, true) => Code::Jmp_rel8_64,
            (BranchKind::Jmp, false) => Code::Jmp_rel32_64,
            (BranchKind::Jcc(c), true) => c.codes().0,
            (BranchKind::Jcc(c), false) => c.codes().1,
            (BranchKind::Call, _) => Code::Call_rel32_64,
        }
    }
}

/// One element of the code stream.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Item {
    /// Encoded bytes `bytes[start..start + len]` (one or more consecutive instructions).
    Bytes { start: u32, len: u32 },
    /// A branch whose form (short or near) the layout decides.
    Branch { kind: BranchKind, target: Label },
    /// Binds a label to the current position.
    Bind(Label),
}

/// ALU instructions with the classic `rm, r` / `rm, imm8` / `rm, imm32` forms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub(crate) enum Op2 {
    Add,
    Sub,
    And,
    Or,
    Xor,
    Cmp,
}

impl Op2 {
    /// (rm64,r64 ; rm32,r32 ; rm64,imm8 ; rm64,imm32 ; rm32,imm8 ; rm32,imm32)
    fn codes(self) -> [Code; 6] {
        use Code::*;
        match self {
            Op2::Add => [
                Add_rm64_r64,
                Add_rm32_r32,
                Add_rm64_imm8,
                Add_rm64_imm32,
                Add_rm32_imm8,
                Add_rm32_imm32,
            ],
            Op2::Sub => [
                Sub_rm64_r64,
                Sub_rm32_r32,
                Sub_rm64_imm8,
                Sub_rm64_imm32,
                Sub_rm32_imm8,
                Sub_rm32_imm32,
            ],
            Op2::And => [
                And_rm64_r64,
                And_rm32_r32,
                And_rm64_imm8,
                And_rm64_imm32,
                And_rm32_imm8,
                And_rm32_imm32,
            ],
            Op2::Or => [
                Or_rm64_r64,
                Or_rm32_r32,
                Or_rm64_imm8,
                Or_rm64_imm32,
                Or_rm32_imm8,
                Or_rm32_imm32,
            ],
            Op2::Xor => [
                Xor_rm64_r64,
                Xor_rm32_r32,
                Xor_rm64_imm8,
                Xor_rm64_imm32,
                Xor_rm32_imm8,
                Xor_rm32_imm32,
            ],
            Op2::Cmp => [
                Cmp_rm64_r64,
                Cmp_rm32_r32,
                Cmp_rm64_imm8,
                Cmp_rm64_imm32,
                Cmp_rm32_imm8,
                Cmp_rm32_imm32,
            ],
        }
    }
}

/// Shift kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub(crate) enum Shift {
    Shl,
    Shr,
    Sar,
}

/// Whether `v` fits a sign-extended 8-bit immediate or displacement.
pub(crate) fn is_imm8(v: i64) -> bool {
    (-128..=127).contains(&v)
}

/// Whether `v` fits a sign-extended 32-bit immediate.
pub(crate) fn is_simm32(v: i64) -> bool {
    i32::try_from(v).is_ok()
}

/// `[base + disp]`.
pub(crate) fn mem(base: Register, disp: i32) -> MemoryOperand {
    MemoryOperand::with_base_displ(base, disp as i64)
}

/// The code buffer: encoded bytes, symbolic branches and labels, and (optionally) the list of
/// instructions meant, for the decoder round-trip check and the disassembler.
pub(crate) struct Asm {
    encoder: Encoder,
    /// Bytes encoded so far.
    encoded: u32,
    pub(crate) items: Vec<Item>,
    labels: u32,
    /// Every instruction emitted, in order, with branch targets as labels: filled only when
    /// `record` is set.
    pub(crate) meant: Vec<Meant>,
    record: bool,
    /// eBPF slot being lowered, for error locations.
    pub(crate) pc: usize,
}

/// An instruction the emitter meant to produce.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Meant {
    /// A fully specified instruction.
    Insn(Instruction),
    /// A branch to a label (its form and target address are known after layout).
    Branch(BranchKind, Label),
}

impl Asm {
    /// An empty buffer; `record` keeps every instruction meant (for tests and disassembly).
    pub(crate) fn new(record: bool, capacity: usize) -> Asm {
        Asm {
            encoder: Encoder::new(64),
            encoded: 0,
            items: Vec::with_capacity(capacity),
            labels: 0,
            meant: Vec::new(),
            record,
            pc: 0,
        }
    }

    /// A fresh, unbound label.
    pub(crate) fn label(&mut self) -> Label {
        self.labels += 1;
        Label(self.labels - 1)
    }

    /// Number of labels handed out.
    pub(crate) fn label_count(&self) -> usize {
        self.labels as usize
    }

    /// Bind `l` to the current position.
    pub(crate) fn bind(&mut self, l: Label) {
        self.items.push(Item::Bind(l));
    }

    /// The encoded bytes so far (non-branch instructions only).
    pub(crate) fn take_bytes(&mut self) -> Vec<u8> {
        self.encoder.take_buffer()
    }

    fn err(&self, e: IcedError) -> JitError {
        JitError::Encode {
            pc: self.pc,
            message: e.to_string(),
        }
    }

    /// Encode one instruction.
    pub(crate) fn ins(&mut self, i: Result<Instruction, IcedError>) -> Result<(), JitError> {
        let i = i.map_err(|e| self.err(e))?;
        let start = self.encoded;
        let len = self.encoder.encode(&i, 0).map_err(|e| self.err(e))? as u32;
        self.encoded += len;
        if self.record {
            self.meant.push(Meant::Insn(i));
        }
        match self.items.last_mut() {
            Some(Item::Bytes { start: s, len: l }) if *s + *l == start => *l += len,
            _ => self.items.push(Item::Bytes { start, len }),
        }
        Ok(())
    }

    /// A branch of `kind` to `target`.
    pub(crate) fn branch(&mut self, kind: BranchKind, target: Label) {
        if self.record {
            self.meant.push(Meant::Branch(kind, target));
        }
        self.items.push(Item::Branch { kind, target });
    }

    /// `jmp target`.
    pub(crate) fn jmp(&mut self, target: Label) {
        self.branch(BranchKind::Jmp, target)
    }

    /// `jcc target`.
    pub(crate) fn jcc(&mut self, c: Cond, target: Label) {
        self.branch(BranchKind::Jcc(c), target)
    }

    // ---- moves ----------------------------------------------------------------------------

    /// `mov dst, src` at width `w` (32-bit zero-extends, and is emitted even when dst == src).
    pub(crate) fn mov_rr(
        &mut self,
        w: Width,
        dst: Register,
        src: Register,
    ) -> Result<(), JitError> {
        match w {
            Width::W64 if dst == src => Ok(()),
            Width::W64 => self.ins(Instruction::with2(Code::Mov_r64_rm64, dst, src)),
            Width::W32 => self.ins(Instruction::with2(Code::Mov_r32_rm32, r32(dst), r32(src))),
        }
    }

    /// `dst = v` with the shortest encoding (`xor` for 0, which clobbers flags).
    pub(crate) fn mov_ri64(&mut self, dst: Register, v: u64) -> Result<(), JitError> {
        if v == 0 {
            self.ins(Instruction::with2(Code::Xor_r32_rm32, r32(dst), r32(dst)))
        } else if v <= u32::MAX as u64 {
            self.ins(Instruction::with2(Code::Mov_r32_imm32, r32(dst), v as u32))
        } else if is_simm32(v as i64) {
            self.ins(Instruction::with2(Code::Mov_rm64_imm32, dst, v as i64))
        } else {
            self.ins(Instruction::with2(Code::Mov_r64_imm64, dst, v))
        }
    }

    /// `movzx`/`movsx`/`mov` of the low `bits` of `src` into `dst`.
    pub(crate) fn extend(
        &mut self,
        w: Width,
        bits: u8,
        signed: bool,
        dst: Register,
        src: Register,
    ) -> Result<(), JitError> {
        use Code::*;
        let i = match (w, bits, signed) {
            (_, 8, false) => Instruction::with2(Movzx_r32_rm8, r32(dst), r8(src)),
            (_, 16, false) => Instruction::with2(Movzx_r32_rm16, r32(dst), r16(src)),
            (_, 32, false) => Instruction::with2(Mov_r32_rm32, r32(dst), r32(src)),
            (Width::W64, 8, true) => Instruction::with2(Movsx_r64_rm8, dst, r8(src)),
            (Width::W64, 16, true) => Instruction::with2(Movsx_r64_rm16, dst, r16(src)),
            (Width::W64, 32, true) => Instruction::with2(Movsxd_r64_rm32, dst, r32(src)),
            (Width::W32, 8, true) => Instruction::with2(Movsx_r32_rm8, r32(dst), r8(src)),
            (Width::W32, 16, true) => Instruction::with2(Movsx_r32_rm16, r32(dst), r16(src)),
            (Width::W32, 32, true) => Instruction::with2(Mov_r32_rm32, r32(dst), r32(src)),
            _ => {
                return Err(JitError::Unsupported {
                    pc: self.pc,
                    what: "extension width",
                })
            }
        };
        self.ins(i)
    }

    // ---- arithmetic -----------------------------------------------------------------------

    /// `op dst, src`.
    pub(crate) fn op_rr(
        &mut self,
        op: Op2,
        w: Width,
        dst: Register,
        src: Register,
    ) -> Result<(), JitError> {
        let c = op.codes();
        match w {
            Width::W64 => self.ins(Instruction::with2(c[0], dst, src)),
            Width::W32 => self.ins(Instruction::with2(c[1], r32(dst), r32(src))),
        }
    }

    /// `op dst, imm` (imm8 form when it fits; the imm is sign-extended to the width).
    pub(crate) fn op_ri(
        &mut self,
        op: Op2,
        w: Width,
        dst: Register,
        imm: i32,
    ) -> Result<(), JitError> {
        let c = op.codes();
        let short = is_imm8(imm as i64);
        match w {
            Width::W64 => self.ins(Instruction::with2(c[if short { 2 } else { 3 }], dst, imm)),
            Width::W32 => self.ins(Instruction::with2(
                c[if short { 4 } else { 5 }],
                r32(dst),
                imm,
            )),
        }
    }

    /// `op qword/dword [base + disp], imm` (used on the environment block).
    pub(crate) fn op_mi(
        &mut self,
        op: Op2,
        w: Width,
        m: MemoryOperand,
        imm: i32,
    ) -> Result<(), JitError> {
        let c = op.codes();
        let short = is_imm8(imm as i64);
        let code = match w {
            Width::W64 => c[if short { 2 } else { 3 }],
            Width::W32 => c[if short { 4 } else { 5 }],
        };
        self.ins(Instruction::with2(code, m, imm))
    }

    /// `test a, b`.
    pub(crate) fn test_rr(&mut self, w: Width, a: Register, b: Register) -> Result<(), JitError> {
        match w {
            Width::W64 => self.ins(Instruction::with2(Code::Test_rm64_r64, a, b)),
            Width::W32 => self.ins(Instruction::with2(Code::Test_rm32_r32, r32(a), r32(b))),
        }
    }

    /// `test a, imm` (sign-extended imm32 at 64 bits).
    pub(crate) fn test_ri(&mut self, w: Width, a: Register, imm: i32) -> Result<(), JitError> {
        match w {
            Width::W64 => self.ins(Instruction::with2(Code::Test_rm64_imm32, a, imm)),
            Width::W32 => self.ins(Instruction::with2(Code::Test_rm32_imm32, r32(a), imm)),
        }
    }

    /// `imul dst, src`.
    pub(crate) fn imul_rr(
        &mut self,
        w: Width,
        dst: Register,
        src: Register,
    ) -> Result<(), JitError> {
        match w {
            Width::W64 => self.ins(Instruction::with2(Code::Imul_r64_rm64, dst, src)),
            Width::W32 => self.ins(Instruction::with2(Code::Imul_r32_rm32, r32(dst), r32(src))),
        }
    }

    /// `imul dst, dst, imm`.
    pub(crate) fn imul_ri(&mut self, w: Width, dst: Register, imm: i32) -> Result<(), JitError> {
        use Code::*;
        let short = is_imm8(imm as i64);
        match w {
            Width::W64 => self.ins(Instruction::with3(
                if short {
                    Imul_r64_rm64_imm8
                } else {
                    Imul_r64_rm64_imm32
                },
                dst,
                dst,
                imm,
            )),
            Width::W32 => self.ins(Instruction::with3(
                if short {
                    Imul_r32_rm32_imm8
                } else {
                    Imul_r32_rm32_imm32
                },
                r32(dst),
                r32(dst),
                imm,
            )),
        }
    }

    /// `neg dst`.
    pub(crate) fn neg(&mut self, w: Width, dst: Register) -> Result<(), JitError> {
        match w {
            Width::W64 => self.ins(Instruction::with1(Code::Neg_rm64, dst)),
            Width::W32 => self.ins(Instruction::with1(Code::Neg_rm32, r32(dst))),
        }
    }

    /// `div`/`idiv src` (dividend in RDX:RAX or EDX:EAX).
    pub(crate) fn div(&mut self, w: Width, signed: bool, src: Register) -> Result<(), JitError> {
        use Code::*;
        match (w, signed) {
            (Width::W64, false) => self.ins(Instruction::with1(Div_rm64, src)),
            (Width::W64, true) => self.ins(Instruction::with1(Idiv_rm64, src)),
            (Width::W32, false) => self.ins(Instruction::with1(Div_rm32, r32(src))),
            (Width::W32, true) => self.ins(Instruction::with1(Idiv_rm32, r32(src))),
        }
    }

    /// `cqo` / `cdq`: sign-extend RAX into RDX.
    pub(crate) fn sign_extend_rax(&mut self, w: Width) -> Result<(), JitError> {
        match w {
            Width::W64 => self.ins(Ok(Instruction::with(Code::Cqo))),
            Width::W32 => self.ins(Ok(Instruction::with(Code::Cdq))),
        }
    }

    /// `shl/shr/sar dst, imm` (the caller masks the count).
    pub(crate) fn shift_ri(
        &mut self,
        s: Shift,
        w: Width,
        dst: Register,
        n: u8,
    ) -> Result<(), JitError> {
        use Code::*;
        let (c64, c32, c64_1, c32_1) = match s {
            Shift::Shl => (Shl_rm64_imm8, Shl_rm32_imm8, Shl_rm64_1, Shl_rm32_1),
            Shift::Shr => (Shr_rm64_imm8, Shr_rm32_imm8, Shr_rm64_1, Shr_rm32_1),
            Shift::Sar => (Sar_rm64_imm8, Sar_rm32_imm8, Sar_rm64_1, Sar_rm32_1),
        };
        match (w, n) {
            (Width::W64, 1) => self.ins(Instruction::with2(c64_1, dst, 1u32)),
            (Width::W32, 1) => self.ins(Instruction::with2(c32_1, r32(dst), 1u32)),
            (Width::W64, n) => self.ins(Instruction::with2(c64, dst, n as u32)),
            (Width::W32, n) => self.ins(Instruction::with2(c32, r32(dst), n as u32)),
        }
    }

    /// `shl/shr/sar dst, cl`.
    pub(crate) fn shift_cl(&mut self, s: Shift, w: Width, dst: Register) -> Result<(), JitError> {
        use Code::*;
        let (c64, c32) = match s {
            Shift::Shl => (Shl_rm64_CL, Shl_rm32_CL),
            Shift::Shr => (Shr_rm64_CL, Shr_rm32_CL),
            Shift::Sar => (Sar_rm64_CL, Sar_rm32_CL),
        };
        match w {
            Width::W64 => self.ins(Instruction::with2(c64, dst, Register::CL)),
            Width::W32 => self.ins(Instruction::with2(c32, r32(dst), Register::CL)),
        }
    }

    /// BMI2 `shlx/shrx/sarx dst, dst, count`: any count register, flags untouched.
    pub(crate) fn shift_x(
        &mut self,
        s: Shift,
        w: Width,
        dst: Register,
        count: Register,
    ) -> Result<(), JitError> {
        use Code::*;
        let (c64, c32) = match s {
            Shift::Shl => (VEX_Shlx_r64_rm64_r64, VEX_Shlx_r32_rm32_r32),
            Shift::Shr => (VEX_Shrx_r64_rm64_r64, VEX_Shrx_r32_rm32_r32),
            Shift::Sar => (VEX_Sarx_r64_rm64_r64, VEX_Sarx_r32_rm32_r32),
        };
        match w {
            Width::W64 => self.ins(Instruction::with3(c64, dst, dst, count)),
            Width::W32 => self.ins(Instruction::with3(c32, r32(dst), r32(dst), r32(count))),
        }
    }

    /// `rol dst16, 8`: swap the two low bytes.
    pub(crate) fn rol16_8(&mut self, dst: Register) -> Result<(), JitError> {
        self.ins(Instruction::with2(Code::Rol_rm16_imm8, r16(dst), 8u32))
    }

    /// `bswap dst` at width `w`.
    pub(crate) fn bswap(&mut self, w: Width, dst: Register) -> Result<(), JitError> {
        match w {
            Width::W64 => self.ins(Instruction::with1(Code::Bswap_r64, dst)),
            Width::W32 => self.ins(Instruction::with1(Code::Bswap_r32, r32(dst))),
        }
    }

    // ---- memory ---------------------------------------------------------------------------

    /// `dst = *(size *)m`, zero- or sign-extended to 64 bits.
    pub(crate) fn load(
        &mut self,
        size: MemSize,
        signed: bool,
        dst: Register,
        m: MemoryOperand,
    ) -> Result<(), JitError> {
        use Code::*;
        let i = match (size, signed) {
            (MemSize::B, false) => Instruction::with2(Movzx_r32_rm8, r32(dst), m),
            (MemSize::H, false) => Instruction::with2(Movzx_r32_rm16, r32(dst), m),
            (MemSize::W, false) => Instruction::with2(Mov_r32_rm32, r32(dst), m),
            (MemSize::DW, _) => Instruction::with2(Mov_r64_rm64, dst, m),
            (MemSize::B, true) => Instruction::with2(Movsx_r64_rm8, dst, m),
            (MemSize::H, true) => Instruction::with2(Movsx_r64_rm16, dst, m),
            (MemSize::W, true) => Instruction::with2(Movsxd_r64_rm32, dst, m),
        };
        self.ins(i)
    }

    /// `movbe dst, [m]` of 16/32/64 bits: load and byte-swap (zero-extends for 32; the 16-bit
    /// form leaves the upper bits, so the caller zero-extends).
    pub(crate) fn movbe_load(
        &mut self,
        size: MemSize,
        dst: Register,
        m: MemoryOperand,
    ) -> Result<(), JitError> {
        match size {
            MemSize::H => self.ins(Instruction::with2(Code::Movbe_r16_m16, r16(dst), m)),
            MemSize::W => self.ins(Instruction::with2(Code::Movbe_r32_m32, r32(dst), m)),
            MemSize::DW => self.ins(Instruction::with2(Code::Movbe_r64_m64, dst, m)),
            MemSize::B => Err(JitError::Unsupported {
                pc: self.pc,
                what: "movbe of a byte",
            }),
        }
    }

    /// `*(size *)m = src`.
    pub(crate) fn store_r(
        &mut self,
        size: MemSize,
        m: MemoryOperand,
        src: Register,
    ) -> Result<(), JitError> {
        use Code::*;
        let i = match size {
            MemSize::B => Instruction::with2(Mov_rm8_r8, m, r8(src)),
            MemSize::H => Instruction::with2(Mov_rm16_r16, m, r16(src)),
            MemSize::W => Instruction::with2(Mov_rm32_r32, m, r32(src)),
            MemSize::DW => Instruction::with2(Mov_rm64_r64, m, src),
        };
        self.ins(i)
    }

    /// `*(size *)m = imm` (sign-extended imm32 for DW, truncated for the narrower sizes).
    pub(crate) fn store_i(
        &mut self,
        size: MemSize,
        m: MemoryOperand,
        imm: i32,
    ) -> Result<(), JitError> {
        use Code::*;
        let i = match size {
            MemSize::B => Instruction::with2(Mov_rm8_imm8, m, imm as u8 as u32),
            MemSize::H => Instruction::with2(Mov_rm16_imm16, m, imm as u16 as u32),
            MemSize::W => Instruction::with2(Mov_rm32_imm32, m, imm),
            MemSize::DW => Instruction::with2(Mov_rm64_imm32, m, imm),
        };
        self.ins(i)
    }

    /// `lock add/or/and/xor [m], src` (32 or 64 bits).
    pub(crate) fn lock_op(
        &mut self,
        op: Op2,
        w: Width,
        m: MemoryOperand,
        src: Register,
    ) -> Result<(), JitError> {
        let c = op.codes();
        let mut i = match w {
            Width::W64 => Instruction::with2(c[0], m, src),
            Width::W32 => Instruction::with2(c[1], m, r32(src)),
        }
        .map_err(|e| self.err(e))?;
        i.set_has_lock_prefix(true);
        self.ins(Ok(i))
    }

    /// `lock xadd [m], src`.
    pub(crate) fn lock_xadd(
        &mut self,
        w: Width,
        m: MemoryOperand,
        src: Register,
    ) -> Result<(), JitError> {
        let mut i = match w {
            Width::W64 => Instruction::with2(Code::Xadd_rm64_r64, m, src),
            Width::W32 => Instruction::with2(Code::Xadd_rm32_r32, m, r32(src)),
        }
        .map_err(|e| self.err(e))?;
        i.set_has_lock_prefix(true);
        self.ins(Ok(i))
    }

    /// `lock cmpxchg [m], src` (compares with RAX/EAX).
    pub(crate) fn lock_cmpxchg(
        &mut self,
        w: Width,
        m: MemoryOperand,
        src: Register,
    ) -> Result<(), JitError> {
        let mut i = match w {
            Width::W64 => Instruction::with2(Code::Cmpxchg_rm64_r64, m, src),
            Width::W32 => Instruction::with2(Code::Cmpxchg_rm32_r32, m, r32(src)),
        }
        .map_err(|e| self.err(e))?;
        i.set_has_lock_prefix(true);
        self.ins(Ok(i))
    }

    /// `xchg [m], src` (implicitly locked).
    pub(crate) fn xchg(
        &mut self,
        w: Width,
        m: MemoryOperand,
        src: Register,
    ) -> Result<(), JitError> {
        match w {
            Width::W64 => self.ins(Instruction::with2(Code::Xchg_rm64_r64, m, src)),
            Width::W32 => self.ins(Instruction::with2(Code::Xchg_rm32_r32, m, r32(src))),
        }
    }

    /// `mov qword [m], src`.
    pub(crate) fn store64(&mut self, m: MemoryOperand, src: Register) -> Result<(), JitError> {
        self.ins(Instruction::with2(Code::Mov_rm64_r64, m, src))
    }

    /// `mov dst, qword [m]`.
    pub(crate) fn load64(&mut self, dst: Register, m: MemoryOperand) -> Result<(), JitError> {
        self.ins(Instruction::with2(Code::Mov_r64_rm64, dst, m))
    }

    // ---- frames and calls -----------------------------------------------------------------

    /// `push r`.
    pub(crate) fn push(&mut self, r: Register) -> Result<(), JitError> {
        self.ins(Instruction::with1(Code::Push_r64, r))
    }

    /// `pop r`.
    pub(crate) fn pop(&mut self, r: Register) -> Result<(), JitError> {
        self.ins(Instruction::with1(Code::Pop_r64, r))
    }

    /// `sub rsp, n` / `add rsp, n` (n may be negative for add).
    pub(crate) fn adjust_rsp(&mut self, grow_by: i32) -> Result<(), JitError> {
        match grow_by {
            0 => Ok(()),
            n if n > 0 => self.op_ri(Op2::Sub, Width::W64, Register::RSP, n),
            n => self.op_ri(Op2::Add, Width::W64, Register::RSP, -n),
        }
    }

    /// Zero `[base - bytes, base)` (a multiple of 16) with SSE stores through XMM0.
    pub(crate) fn zero_below(&mut self, base: Register, bytes: i32) -> Result<(), JitError> {
        self.ins(Instruction::with2(
            Code::Xorps_xmm_xmmm128,
            Register::XMM0,
            Register::XMM0,
        ))?;
        let mut off = -16;
        while off >= -bytes {
            self.ins(Instruction::with2(
                Code::Movups_xmmm128_xmm,
                mem(base, off),
                Register::XMM0,
            ))?;
            off -= 16;
        }
        Ok(())
    }

    /// `leave`.
    pub(crate) fn leave(&mut self) -> Result<(), JitError> {
        self.ins(Ok(Instruction::with(Code::Leaveq)))
    }

    /// `ret`.
    pub(crate) fn ret(&mut self) -> Result<(), JitError> {
        self.ins(Ok(Instruction::with(Code::Retnq)))
    }

    /// `call qword [m]`.
    pub(crate) fn call_mem(&mut self, m: MemoryOperand) -> Result<(), JitError> {
        self.ins(Instruction::with1(Code::Call_rm64, m))
    }
}
