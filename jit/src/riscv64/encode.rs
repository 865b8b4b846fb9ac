//! RV64 instructions as values and their bit packing: the base integer ISA (RV64I), M, A, and the
//! Zba/Zbb bit-manipulation extensions, plus the compressed (C) forms of the common ones.
//!
//! The 32-bit formats (bit 31 on the left):
//!
//! ```text
//! R  | funct7    | rs2 | rs1 | f3 | rd        | opcode |
//! I  | imm[11:0]       | rs1 | f3 | rd        | opcode |
//! S  | imm[11:5] | rs2 | rs1 | f3 | imm[4:0]  | opcode |
//! B  | imm[12|10:5] | rs2 | rs1 | f3 | imm[4:1|11] | opcode |
//! U  | imm[31:12]                 | rd        | opcode |
//! J  | imm[20|10:1|11|19:12]      | rd        | opcode |
//! ```
//!
//! [`Inst::text`] prints what `llvm-mc --disassemble -M no-aliases` prints for the encoding,
//! so every emitted instruction can be checked against an independent decoder.

use super::imms::{BOff, Imm12, Imm20, JOff, Shamt5, Shamt6};
use super::regs::{XReg, SP, ZERO};

/// An instruction set extension the emitter may use beyond RV64IM + A.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Ext {
    /// None needed (RV64I, M, A).
    Base,
    /// Zba: address generation (`add.uw`, `shNadd`, `slli.uw`).
    Zba,
    /// Zbb: basic bit manipulation (`rev8`, `sext.b`, `zext.h`, `andn`, `min`, ...).
    Zbb,
}

/// Register-register operations (R-type).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum ROp {
    Add,
    Sub,
    Sll,
    Slt,
    Sltu,
    Xor,
    Srl,
    Sra,
    Or,
    And,
    Addw,
    Subw,
    Sllw,
    Srlw,
    Sraw,
    Mul,
    Mulh,
    Mulhu,
    Div,
    Divu,
    Rem,
    Remu,
    Mulw,
    Divw,
    Divuw,
    Remw,
    Remuw,
    AddUw,
    Sh1add,
    Sh2add,
    Sh3add,
    Andn,
    Orn,
    Xnor,
    Rol,
    Ror,
    Min,
    Minu,
    Max,
    Maxu,
}

impl ROp {
    /// `(mnemonic, opcode, funct3, funct7, extension)`.
    pub const fn fields(self) -> (&'static str, u32, u32, u32, Ext) {
        use Ext::*;
        match self {
            ROp::Add => ("add", 0x33, 0, 0x00, Base),
            ROp::Sub => ("sub", 0x33, 0, 0x20, Base),
            ROp::Sll => ("sll", 0x33, 1, 0x00, Base),
            ROp::Slt => ("slt", 0x33, 2, 0x00, Base),
            ROp::Sltu => ("sltu", 0x33, 3, 0x00, Base),
            ROp::Xor => ("xor", 0x33, 4, 0x00, Base),
            ROp::Srl => ("srl", 0x33, 5, 0x00, Base),
            ROp::Sra => ("sra", 0x33, 5, 0x20, Base),
            ROp::Or => ("or", 0x33, 6, 0x00, Base),
            ROp::And => ("and", 0x33, 7, 0x00, Base),
            ROp::Addw => ("addw", 0x3b, 0, 0x00, Base),
            ROp::Subw => ("subw", 0x3b, 0, 0x20, Base),
            ROp::Sllw => ("sllw", 0x3b, 1, 0x00, Base),
            ROp::Srlw => ("srlw", 0x3b, 5, 0x00, Base),
            ROp::Sraw => ("sraw", 0x3b, 5, 0x20, Base),
            ROp::Mul => ("mul", 0x33, 0, 0x01, Base),
            ROp::Mulh => ("mulh", 0x33, 1, 0x01, Base),
            ROp::Mulhu => ("mulhu", 0x33, 3, 0x01, Base),
            ROp::Div => ("div", 0x33, 4, 0x01, Base),
            ROp::Divu => ("divu", 0x33, 5, 0x01, Base),
            ROp::Rem => ("rem", 0x33, 6, 0x01, Base),
            ROp::Remu => ("remu", 0x33, 7, 0x01, Base),
            ROp::Mulw => ("mulw", 0x3b, 0, 0x01, Base),
            ROp::Divw => ("divw", 0x3b, 4, 0x01, Base),
            ROp::Divuw => ("divuw", 0x3b, 5, 0x01, Base),
            ROp::Remw => ("remw", 0x3b, 6, 0x01, Base),
            ROp::Remuw => ("remuw", 0x3b, 7, 0x01, Base),
            ROp::AddUw => ("add.uw", 0x3b, 0, 0x04, Zba),
            ROp::Sh1add => ("sh1add", 0x33, 2, 0x10, Zba),
            ROp::Sh2add => ("sh2add", 0x33, 4, 0x10, Zba),
            ROp::Sh3add => ("sh3add", 0x33, 6, 0x10, Zba),
            ROp::Andn => ("andn", 0x33, 7, 0x20, Zbb),
            ROp::Orn => ("orn", 0x33, 6, 0x20, Zbb),
            ROp::Xnor => ("xnor", 0x33, 4, 0x20, Zbb),
            ROp::Rol => ("rol", 0x33, 1, 0x30, Zbb),
            ROp::Ror => ("ror", 0x33, 5, 0x30, Zbb),
            ROp::Min => ("min", 0x33, 4, 0x05, Zbb),
            ROp::Minu => ("minu", 0x33, 5, 0x05, Zbb),
            ROp::Max => ("max", 0x33, 6, 0x05, Zbb),
            ROp::Maxu => ("maxu", 0x33, 7, 0x05, Zbb),
        }
    }
}

/// Register-immediate operations (I-type with a 12-bit signed immediate).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum IOp {
    Addi,
    Slti,
    Sltiu,
    Xori,
    Ori,
    Andi,
    Addiw,
}

impl IOp {
    /// `(mnemonic, opcode, funct3)`.
    pub const fn fields(self) -> (&'static str, u32, u32) {
        match self {
            IOp::Addi => ("addi", 0x13, 0),
            IOp::Slti => ("slti", 0x13, 2),
            IOp::Sltiu => ("sltiu", 0x13, 3),
            IOp::Xori => ("xori", 0x13, 4),
            IOp::Ori => ("ori", 0x13, 6),
            IOp::Andi => ("andi", 0x13, 7),
            IOp::Addiw => ("addiw", 0x1b, 0),
        }
    }
}

/// Shifts by an immediate on 64 bits (shift amount 0..=63).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum ShOp {
    Slli,
    Srli,
    Srai,
    Rori,
    SlliUw,
}

impl ShOp {
    /// `(mnemonic, opcode, funct3, imm[11:6], extension)`.
    pub const fn fields(self) -> (&'static str, u32, u32, u32, Ext) {
        match self {
            ShOp::Slli => ("slli", 0x13, 1, 0x00, Ext::Base),
            ShOp::Srli => ("srli", 0x13, 5, 0x00, Ext::Base),
            ShOp::Srai => ("srai", 0x13, 5, 0x10, Ext::Base),
            ShOp::Rori => ("rori", 0x13, 5, 0x18, Ext::Zbb),
            ShOp::SlliUw => ("slli.uw", 0x1b, 1, 0x02, Ext::Zba),
        }
    }
}

/// Shifts by an immediate on 32 bits (`*w`, shift amount 0..=31; results sign-extended).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum ShWOp {
    Slliw,
    Srliw,
    Sraiw,
    Roriw,
}

impl ShWOp {
    /// `(mnemonic, funct3, funct7, extension)` (opcode 0x1b).
    pub const fn fields(self) -> (&'static str, u32, u32, Ext) {
        match self {
            ShWOp::Slliw => ("slliw", 1, 0x00, Ext::Base),
            ShWOp::Srliw => ("srliw", 5, 0x00, Ext::Base),
            ShWOp::Sraiw => ("sraiw", 5, 0x20, Ext::Base),
            ShWOp::Roriw => ("roriw", 5, 0x30, Ext::Zbb),
        }
    }
}

/// One-operand Zbb operations (fixed `imm`/`rs2` field).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum UOp {
    SextB,
    SextH,
    ZextH,
    Rev8,
    Clz,
    Ctz,
    Cpop,
    OrcB,
}

impl UOp {
    /// `(mnemonic, opcode, funct3, bits 31:20)`.
    pub const fn fields(self) -> (&'static str, u32, u32, u32) {
        match self {
            UOp::SextB => ("sext.b", 0x13, 1, 0x604),
            UOp::SextH => ("sext.h", 0x13, 1, 0x605),
            UOp::ZextH => ("zext.h", 0x3b, 4, 0x080),
            UOp::Rev8 => ("rev8", 0x13, 5, 0x6b8),
            UOp::Clz => ("clz", 0x13, 1, 0x600),
            UOp::Ctz => ("ctz", 0x13, 1, 0x601),
            UOp::Cpop => ("cpop", 0x13, 1, 0x602),
            UOp::OrcB => ("orc.b", 0x13, 5, 0x287),
        }
    }
}

/// Access width of a load or store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum Size {
    B,
    H,
    W,
    D,
}

impl Size {
    const fn f3(self) -> u32 {
        match self {
            Size::B => 0,
            Size::H => 1,
            Size::W => 2,
            Size::D => 3,
        }
    }

    const fn letter(self) -> &'static str {
        match self {
            Size::B => "b",
            Size::H => "h",
            Size::W => "w",
            Size::D => "d",
        }
    }
}

/// Branch conditions (B-type `funct3`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum BCond {
    Eq,
    Ne,
    Lt,
    Ge,
    Ltu,
    Geu,
}

impl BCond {
    const fn fields(self) -> (&'static str, u32) {
        match self {
            BCond::Eq => ("beq", 0),
            BCond::Ne => ("bne", 1),
            BCond::Lt => ("blt", 4),
            BCond::Ge => ("bge", 5),
            BCond::Ltu => ("bltu", 6),
            BCond::Geu => ("bgeu", 7),
        }
    }

    /// The opposite condition.
    pub const fn invert(self) -> BCond {
        match self {
            BCond::Eq => BCond::Ne,
            BCond::Ne => BCond::Eq,
            BCond::Lt => BCond::Ge,
            BCond::Ge => BCond::Lt,
            BCond::Ltu => BCond::Geu,
            BCond::Geu => BCond::Ltu,
        }
    }
}

/// Atomic memory operations (A extension).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum AmoOp {
    Add,
    Swap,
    Lr,
    Sc,
    Xor,
    Or,
    And,
}

impl AmoOp {
    const fn fields(self) -> (&'static str, u32) {
        match self {
            AmoOp::Add => ("amoadd", 0x00),
            AmoOp::Swap => ("amoswap", 0x01),
            AmoOp::Lr => ("lr", 0x02),
            AmoOp::Sc => ("sc", 0x03),
            AmoOp::Xor => ("amoxor", 0x04),
            AmoOp::Or => ("amoor", 0x08),
            AmoOp::And => ("amoand", 0x0c),
        }
    }
}

/// One RV64 instruction. Every field holds only encodable values (see [`super::imms`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum Inst {
    R {
        op: ROp,
        rd: XReg,
        rs1: XReg,
        rs2: XReg,
    },
    I {
        op: IOp,
        rd: XReg,
        rs1: XReg,
        imm: Imm12,
    },
    Sh {
        op: ShOp,
        rd: XReg,
        rs1: XReg,
        sh: Shamt6,
    },
    ShW {
        op: ShWOp,
        rd: XReg,
        rs1: XReg,
        sh: Shamt5,
    },
    U {
        op: UOp,
        rd: XReg,
        rs1: XReg,
    },
    /// `l{b,h,w,d}[u] rd, off(base)`; `ld` has no unsigned form (`signed` is ignored for D).
    Load {
        size: Size,
        signed: bool,
        rd: XReg,
        base: XReg,
        off: Imm12,
    },
    Store {
        size: Size,
        src: XReg,
        base: XReg,
        off: Imm12,
    },
    Lui {
        rd: XReg,
        imm: Imm20,
    },
    Auipc {
        rd: XReg,
        imm: Imm20,
    },
    Jal {
        rd: XReg,
        off: JOff,
    },
    Jalr {
        rd: XReg,
        rs1: XReg,
        off: Imm12,
    },
    Branch {
        cond: BCond,
        rs1: XReg,
        rs2: XReg,
        off: BOff,
    },
    /// `amo*.{w,d}.aqrl rd, rs2, (rs1)`; `lr` ignores `rs2`.
    Amo {
        op: AmoOp,
        word: bool,
        rd: XReg,
        addr: XReg,
        rs2: XReg,
    },
    Ecall,
    Ebreak,
    /// The canonical illegal instruction (`csrrw zero, cycle, zero`), used as trap fill.
    Unimp,
}

/// An encoded instruction: 2 (compressed) or 4 bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Encoded {
    /// The bits, little-endian in memory.
    pub bits: u32,
    /// 2 or 4.
    pub len: u8,
}

impl Encoded {
    /// The bytes in memory order.
    pub fn bytes(self) -> Vec<u8> {
        self.bits.to_le_bytes()[..self.len as usize].to_vec()
    }
}

const fn r_type(op: u32, f3: u32, f7: u32, rd: u32, rs1: u32, rs2: u32) -> u32 {
    (f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op
}

const fn i_type(op: u32, f3: u32, rd: u32, rs1: u32, imm: u32) -> u32 {
    ((imm & 0xfff) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op
}

impl Inst {
    /// The extension this instruction needs beyond RV64IMA.
    pub fn ext(&self) -> Ext {
        match *self {
            Inst::R { op, .. } => op.fields().4,
            Inst::Sh { op, .. } => op.fields().4,
            Inst::ShW { op, .. } => op.fields().3,
            Inst::U { .. } => Ext::Zbb,
            _ => Ext::Base,
        }
    }

    /// The 32-bit encoding.
    pub fn encode32(&self) -> u32 {
        match *self {
            Inst::R { op, rd, rs1, rs2 } => {
                let (_, opc, f3, f7, _) = op.fields();
                r_type(opc, f3, f7, rd.num(), rs1.num(), rs2.num())
            }
            Inst::I { op, rd, rs1, imm } => {
                let (_, opc, f3) = op.fields();
                i_type(opc, f3, rd.num(), rs1.num(), imm.bits())
            }
            Inst::Sh { op, rd, rs1, sh } => {
                let (_, opc, f3, top, _) = op.fields();
                i_type(opc, f3, rd.num(), rs1.num(), (top << 6) | sh.get())
            }
            Inst::ShW { op, rd, rs1, sh } => {
                let (_, f3, f7, _) = op.fields();
                r_type(0x1b, f3, f7, rd.num(), rs1.num(), sh.get())
            }
            Inst::U { op, rd, rs1 } => {
                let (_, opc, f3, imm) = op.fields();
                i_type(opc, f3, rd.num(), rs1.num(), imm)
            }
            Inst::Load {
                size,
                signed,
                rd,
                base,
                off,
            } => {
                let f3 = size.f3() | if signed || size == Size::D { 0 } else { 4 };
                i_type(0x03, f3, rd.num(), base.num(), off.bits())
            }
            Inst::Store {
                size,
                src,
                base,
                off,
            } => {
                let b = off.bits();
                ((b >> 5) << 25)
                    | (src.num() << 20)
                    | (base.num() << 15)
                    | (size.f3() << 12)
                    | ((b & 0x1f) << 7)
                    | 0x23
            }
            Inst::Lui { rd, imm } => (imm.get() << 12) | (rd.num() << 7) | 0x37,
            Inst::Auipc { rd, imm } => (imm.get() << 12) | (rd.num() << 7) | 0x17,
            Inst::Jal { rd, off } => {
                let o = off.get() as u32;
                (((o >> 20) & 1) << 31)
                    | (((o >> 1) & 0x3ff) << 21)
                    | (((o >> 11) & 1) << 20)
                    | (((o >> 12) & 0xff) << 12)
                    | (rd.num() << 7)
                    | 0x6f
            }
            Inst::Jalr { rd, rs1, off } => i_type(0x67, 0, rd.num(), rs1.num(), off.bits()),
            Inst::Branch {
                cond,
                rs1,
                rs2,
                off,
            } => {
                let o = off.get() as u32;
                let f3 = cond.fields().1;
                (((o >> 12) & 1) << 31)
                    | (((o >> 5) & 0x3f) << 25)
                    | (rs2.num() << 20)
                    | (rs1.num() << 15)
                    | (f3 << 12)
                    | (((o >> 1) & 0xf) << 8)
                    | (((o >> 11) & 1) << 7)
                    | 0x63
            }
            Inst::Amo {
                op,
                word,
                rd,
                addr,
                rs2,
            } => {
                let f5 = op.fields().1;
                let rs2 = if op == AmoOp::Lr { 0 } else { rs2.num() };
                let f7 = (f5 << 2) | 0b11; // aq and rl
                r_type(
                    0x2f,
                    if word { 2 } else { 3 },
                    f7,
                    rd.num(),
                    addr.num(),
                    rs2,
                )
            }
            Inst::Ecall => 0x0000_0073,
            Inst::Ebreak => 0x0010_0073,
            Inst::Unimp => 0xc000_1073,
        }
    }

    /// The compressed (RV64C) encoding, if this instruction has one.
    pub fn compress(&self) -> Option<u16> {
        let ci = |f3: u32, rd: u32, imm: i64, q: u32| -> u16 {
            let i = imm as u32;
            ((f3 << 13) | (((i >> 5) & 1) << 12) | (rd << 7) | ((i & 0x1f) << 2) | q) as u16
        };
        let small = |v: i64| (-32..32).contains(&v);
        let bits = match *self {
            Inst::I {
                op: IOp::Addi,
                rd,
                rs1,
                imm,
            } => {
                let v = imm.get();
                if rd == ZERO {
                    return None;
                }
                if rs1 == ZERO && small(v) {
                    ci(0b010, rd.num(), v, 0b01) // c.li
                } else if rd == rs1 && rd == SP && v != 0 && v % 16 == 0 && (-512..512).contains(&v)
                {
                    let i = v as u32;
                    ((0b011 << 13)
                        | (((i >> 9) & 1) << 12)
                        | (2 << 7)
                        | (((i >> 4) & 1) << 6)
                        | (((i >> 6) & 1) << 5)
                        | (((i >> 7) & 3) << 3)
                        | (((i >> 5) & 1) << 2)
                        | 0b01) as u16 // c.addi16sp
                } else if rd == rs1 && v != 0 && small(v) {
                    ci(0b000, rd.num(), v, 0b01) // c.addi
                } else if v == 0 && rs1 != ZERO {
                    ((0b100 << 13) | (rd.num() << 7) | (rs1.num() << 2) | 0b10) as u16
                // c.mv
                } else {
                    return None;
                }
            }
            Inst::I {
                op: IOp::Addiw,
                rd,
                rs1,
                imm,
            } if rd == rs1 && rd != ZERO && small(imm.get()) => {
                ci(0b001, rd.num(), imm.get(), 0b01)
            }
            Inst::I {
                op: IOp::Andi,
                rd,
                rs1,
                imm,
            } if rd == rs1 && small(imm.get()) => {
                let r = rd.c3()?;
                let i = imm.get() as u32;
                ((0b100 << 13)
                    | (((i >> 5) & 1) << 12)
                    | (0b10 << 10)
                    | (r << 7)
                    | ((i & 0x1f) << 2)
                    | 0b01) as u16
            }
            Inst::Lui { rd, imm } => {
                let v = imm.signed();
                if rd == ZERO || rd == SP || v == 0 || !small(v) {
                    return None;
                }
                ci(0b011, rd.num(), v, 0b01)
            }
            Inst::Sh { op, rd, rs1, sh } if rd == rs1 && sh.get() != 0 => {
                let s = sh.get();
                match op {
                    ShOp::Slli if rd != ZERO => ci(0b000, rd.num(), s as i64, 0b10),
                    ShOp::Srli | ShOp::Srai => {
                        let r = rd.c3()?;
                        let f2 = if op == ShOp::Srli { 0 } else { 1 };
                        ((0b100 << 13)
                            | (((s >> 5) & 1) << 12)
                            | (f2 << 10)
                            | (r << 7)
                            | ((s & 0x1f) << 2)
                            | 0b01) as u16
                    }
                    _ => return None,
                }
            }
            Inst::R { op, rd, rs1, rs2 } if rd == rs1 => match op {
                ROp::Add if rd != ZERO && rs2 != ZERO => {
                    ((0b1001 << 12) | (rd.num() << 7) | (rs2.num() << 2) | 0b10) as u16
                }
                ROp::Sub | ROp::Xor | ROp::Or | ROp::And | ROp::Subw | ROp::Addw => {
                    let (d, s) = (rd.c3()?, rs2.c3()?);
                    let (hi, f2) = match op {
                        ROp::Sub => (0, 0),
                        ROp::Xor => (0, 1),
                        ROp::Or => (0, 2),
                        ROp::And => (0, 3),
                        ROp::Subw => (1, 0),
                        _ => (1, 1),
                    };
                    ((0b100 << 13)
                        | (hi << 12)
                        | (0b11 << 10)
                        | (d << 7)
                        | (f2 << 5)
                        | (s << 2)
                        | 0b01) as u16
                }
                _ => return None,
            },
            Inst::Load {
                size,
                signed,
                rd,
                base,
                off,
            } if matches!(size, Size::D) || (size == Size::W && signed) => {
                let o = off.get();
                let scale = if size == Size::D { 8 } else { 4 };
                if o < 0 || o % scale != 0 {
                    return None;
                }
                let o = o as u32;
                if base == SP && rd != ZERO {
                    // c.ldsp / c.lwsp
                    let (f3, lo) = if size == Size::D {
                        (0b011, (((o >> 3) & 3) << 5) | (((o >> 6) & 7) << 2))
                    } else {
                        (0b010, (((o >> 2) & 7) << 4) | (((o >> 6) & 3) << 2))
                    };
                    if o >= scale as u32 * 64 {
                        return None;
                    }
                    ((f3 << 13) | (((o >> 5) & 1) << 12) | (rd.num() << 7) | lo | 0b10) as u16
                } else {
                    let (d, b) = (rd.c3()?, base.c3()?);
                    clsd(size, o, b, d, false)?
                }
            }
            Inst::Store {
                size,
                src,
                base,
                off,
            } if matches!(size, Size::D | Size::W) => {
                let o = off.get();
                let scale = if size == Size::D { 8 } else { 4 };
                if o < 0 || o % scale != 0 {
                    return None;
                }
                let o = o as u32;
                if base == SP {
                    if o >= scale as u32 * 64 {
                        return None;
                    }
                    let (f3, imm) = if size == Size::D {
                        (0b111, (((o >> 3) & 7) << 10) | (((o >> 6) & 7) << 7))
                    } else {
                        (0b110, (((o >> 2) & 0xf) << 9) | (((o >> 6) & 3) << 7))
                    };
                    ((f3 << 13) | imm | (src.num() << 2) | 0b10) as u16
                } else {
                    let (s, b) = (src.c3()?, base.c3()?);
                    clsd(size, o, b, s, true)?
                }
            }
            Inst::Jalr { rd, rs1, off } if off.get() == 0 && rs1 != ZERO => match rd.num() {
                0 => ((0b1000 << 12) | (rs1.num() << 7) | 0b10) as u16, // c.jr
                1 => ((0b1001 << 12) | (rs1.num() << 7) | 0b10) as u16, // c.jalr
                _ => return None,
            },
            Inst::Jal { rd, off } if rd == ZERO && (-2048..2048).contains(&off.get()) => {
                let o = off.get() as u32;
                let b = |n: u32| (o >> n) & 1;
                ((0b101 << 13)
                    | (b(11) << 12)
                    | (b(4) << 11)
                    | (((o >> 8) & 3) << 9)
                    | (b(10) << 8)
                    | (b(6) << 7)
                    | (b(7) << 6)
                    | (((o >> 1) & 7) << 3)
                    | (b(5) << 2)
                    | 0b01) as u16 // c.j
            }
            Inst::Ebreak => 0x9002,
            _ => return None,
        };
        Some(bits)
    }

    /// The encoding: compressed when `compress` allows it and a C form exists.
    pub fn encode(&self, compress: bool) -> Encoded {
        match self.compress().filter(|_| compress) {
            Some(c) => Encoded {
                bits: c as u32,
                len: 2,
            },
            None => Encoded {
                bits: self.encode32(),
                len: 4,
            },
        }
    }

    /// What `llvm-mc --disassemble -M no-aliases` prints for this instruction's encoding
    /// (compressed when `compressed`), with single spaces.
    pub fn text(&self, compressed: bool) -> String {
        if compressed {
            if let Some(t) = self.c_text() {
                return t;
            }
        }
        match *self {
            Inst::R { op, rd, rs1, rs2 } => format!("{} {rd}, {rs1}, {rs2}", op.fields().0),
            Inst::I { op, rd, rs1, imm } => format!("{} {rd}, {rs1}, {}", op.fields().0, imm.get()),
            Inst::Sh { op, rd, rs1, sh } => format!("{} {rd}, {rs1}, {}", op.fields().0, sh.get()),
            Inst::ShW { op, rd, rs1, sh } => format!("{} {rd}, {rs1}, {}", op.fields().0, sh.get()),
            Inst::U { op, rd, rs1 } => format!("{} {rd}, {rs1}", op.fields().0),
            Inst::Load {
                size,
                signed,
                rd,
                base,
                off,
            } => {
                let u = if signed || size == Size::D { "" } else { "u" };
                format!("l{}{u} {rd}, {}({base})", size.letter(), off.get())
            }
            Inst::Store {
                size,
                src,
                base,
                off,
            } => format!("s{} {src}, {}({base})", size.letter(), off.get()),
            Inst::Lui { rd, imm } => format!("lui {rd}, {}", imm.get()),
            Inst::Auipc { rd, imm } => format!("auipc {rd}, {}", imm.get()),
            Inst::Jal { rd, off } => format!("jal {rd}, {}", off.get()),
            Inst::Jalr { rd, rs1, off } => format!("jalr {rd}, {}({rs1})", off.get()),
            Inst::Branch {
                cond,
                rs1,
                rs2,
                off,
            } => format!("{} {rs1}, {rs2}, {}", cond.fields().0, off.get()),
            Inst::Amo {
                op,
                word,
                rd,
                addr,
                rs2,
            } => {
                let w = if word { "w" } else { "d" };
                let name = op.fields().0;
                if op == AmoOp::Lr {
                    format!("{name}.{w}.aqrl {rd}, ({addr})")
                } else {
                    format!("{name}.{w}.aqrl {rd}, {rs2}, ({addr})")
                }
            }
            Inst::Ecall => "ecall".into(),
            Inst::Ebreak => "ebreak".into(),
            Inst::Unimp => "unimp".into(),
        }
    }

    /// The `c.*` text of the compressed form, if there is one.
    fn c_text(&self) -> Option<String> {
        self.compress()?;
        Some(match *self {
            Inst::I {
                op: IOp::Addi,
                rd,
                rs1,
                imm,
            } => {
                let v = imm.get();
                if rs1 == ZERO {
                    format!("c.li {rd}, {v}")
                } else if rd == SP && rs1 == SP && v % 16 == 0 && v != 0 {
                    format!("c.addi16sp sp, {v}")
                } else if rd == rs1 && v != 0 {
                    format!("c.addi {rd}, {v}")
                } else {
                    format!("c.mv {rd}, {rs1}")
                }
            }
            Inst::I { op, rd, imm, .. } => {
                let n = if op == IOp::Addiw {
                    "c.addiw"
                } else {
                    "c.andi"
                };
                format!("{n} {rd}, {}", imm.get())
            }
            Inst::Lui { rd, imm } => format!("c.lui {rd}, {}", imm.get()),
            Inst::Sh { op, rd, sh, .. } => {
                let n = match op {
                    ShOp::Slli => "c.slli",
                    ShOp::Srli => "c.srli",
                    _ => "c.srai",
                };
                format!("{n} {rd}, {}", sh.get())
            }
            Inst::R { op, rd, rs2, .. } => format!("c.{} {rd}, {rs2}", op.fields().0),
            Inst::Load {
                size,
                rd,
                base,
                off,
                ..
            } => {
                let sp = if base == SP { "sp" } else { "" };
                format!("c.l{}{sp} {rd}, {}({base})", size.letter(), off.get())
            }
            Inst::Store {
                size,
                src,
                base,
                off,
            } => {
                let sp = if base == SP { "sp" } else { "" };
                format!("c.s{}{sp} {src}, {}({base})", size.letter(), off.get())
            }
            Inst::Jalr { rd, rs1, .. } => {
                let n = if rd == ZERO { "c.jr" } else { "c.jalr" };
                format!("{n} {rs1}")
            }
            Inst::Jal { off, .. } => format!("c.j {}", off.get()),
            Inst::Ebreak => "c.ebreak".into(),
            _ => return None,
        })
    }
}

/// `c.lw`/`c.ld`/`c.sw`/`c.sd` with `rs1'` = `b` and `rd'`/`rs2'` = `r` at offset `o`.
fn clsd(size: Size, o: u32, b: u32, r: u32, store: bool) -> Option<u16> {
    let (f3, imm) = match size {
        Size::D if o < 256 => (
            if store { 0b111 } else { 0b011 },
            (((o >> 3) & 7) << 10) | (((o >> 6) & 3) << 5),
        ),
        Size::W if o < 128 => (
            if store { 0b110 } else { 0b010 },
            (((o >> 3) & 7) << 10) | (((o >> 2) & 1) << 6) | (((o >> 6) & 1) << 5),
        ),
        _ => return None,
    };
    Some(((f3 << 13) | imm | (b << 7) | (r << 2)) as u16)
}
