//! The typed instruction: one `Insn` per 8-byte slot, decoded once, encoded losslessly.
//!
//! A program is a `Vec<Insn>` indexed by *slot* (the kernel's "insn index"): LD_IMM64 occupies two
//! slots, the first holding [`Insn::LdImm64`] with the whole 64-bit value and the second the marker
//! [`Insn::LdImm64Tail`]. Jump offsets are slot-relative, as on the wire, so `pc + 1 + off` is the
//! target index everywhere (interpreter, verifier, JITs).
//!
//! Decoding is strict: every field the ISA says is unused must be zero, every opcode must be one
//! the ISA defines. That makes `encode(decode(w)) == w` for every accepted word, and a malformed
//! word an error value that names its slot index.

use crate::opcode::{alu, jmp, pseudo, size};
use std::fmt;

/// An eBPF register, `r0`..=`r10`. Cannot hold an out-of-range number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Reg(u8);

impl Reg {
    pub const R0: Reg = Reg(0);
    pub const R1: Reg = Reg(1);
    pub const R2: Reg = Reg(2);
    pub const R3: Reg = Reg(3);
    pub const R4: Reg = Reg(4);
    pub const R5: Reg = Reg(5);
    pub const R6: Reg = Reg(6);
    pub const R7: Reg = Reg(7);
    pub const R8: Reg = Reg(8);
    pub const R9: Reg = Reg(9);
    /// The read-only frame pointer.
    pub const R10: Reg = Reg(10);
    /// Number of registers.
    pub const COUNT: usize = 11;

    /// `Some(reg)` when `n <= 10`.
    pub const fn new(n: u8) -> Option<Reg> {
        if n <= 10 {
            Some(Reg(n))
        } else {
            None
        }
    }

    /// The register number, 0..=10.
    pub const fn num(self) -> u8 {
        self.0
    }

    /// The register number as an index.
    pub const fn idx(self) -> usize {
        self.0 as usize
    }
}

impl fmt::Display for Reg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "r{}", self.0)
    }
}

/// Operation width: the 32-bit classes (ALU, JMP32) or the 64-bit ones (ALU64, JMP).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Width {
    W32,
    W64,
}

/// Second operand of ALU, JMP and ST-style instructions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Operand {
    Reg(Reg),
    Imm(i32),
}

/// Binary ALU operations (`NEG`, `END` and `MOVSX` have their own variants).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AluOp {
    Add,
    Sub,
    Mul,
    /// Unsigned division; by zero gives 0.
    Div,
    /// Signed division (cpu v4, `off == 1`); by zero gives 0.
    SDiv,
    Or,
    And,
    Lsh,
    Rsh,
    /// Unsigned modulo; by zero leaves the dividend.
    Mod,
    /// Signed modulo (cpu v4, `off == 1`); by zero leaves the dividend.
    SMod,
    Xor,
    Mov,
    Arsh,
}

impl AluOp {
    /// All binary ALU operations, for generators and tables.
    pub const ALL: [AluOp; 14] = [
        AluOp::Add,
        AluOp::Sub,
        AluOp::Mul,
        AluOp::Div,
        AluOp::SDiv,
        AluOp::Or,
        AluOp::And,
        AluOp::Lsh,
        AluOp::Rsh,
        AluOp::Mod,
        AluOp::SMod,
        AluOp::Xor,
        AluOp::Mov,
        AluOp::Arsh,
    ];

    /// (opcode bits, `off` field) of this operation.
    pub(crate) const fn wire(self) -> (u8, i16) {
        match self {
            AluOp::Add => (alu::ADD, 0),
            AluOp::Sub => (alu::SUB, 0),
            AluOp::Mul => (alu::MUL, 0),
            AluOp::Div => (alu::DIV, 0),
            AluOp::SDiv => (alu::DIV, 1),
            AluOp::Or => (alu::OR, 0),
            AluOp::And => (alu::AND, 0),
            AluOp::Lsh => (alu::LSH, 0),
            AluOp::Rsh => (alu::RSH, 0),
            AluOp::Mod => (alu::MOD, 0),
            AluOp::SMod => (alu::MOD, 1),
            AluOp::Xor => (alu::XOR, 0),
            AluOp::Mov => (alu::MOV, 0),
            AluOp::Arsh => (alu::ARSH, 0),
        }
    }
}

/// Byte-order operations.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Endian {
    /// `le16/32/64`: convert host (little-endian) to little-endian: truncate/zero-extend only.
    ToLe,
    /// `be16/32/64`: byte swap on a little-endian host.
    ToBe,
    /// `bswap16/32/64` (cpu v4, ALU64 class): unconditional swap.
    Swap,
}

/// Memory access size.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MemSize {
    B,
    H,
    W,
    DW,
}

impl MemSize {
    pub const ALL: [MemSize; 4] = [MemSize::B, MemSize::H, MemSize::W, MemSize::DW];

    /// Size in bytes: 1, 2, 4 or 8.
    pub const fn bytes(self) -> u32 {
        match self {
            MemSize::B => 1,
            MemSize::H => 2,
            MemSize::W => 4,
            MemSize::DW => 8,
        }
    }

    /// The kernel's C type name (`u8`, `u16`, `u32`, `u64`).
    pub const fn c_type(self) -> &'static str {
        match self {
            MemSize::B => "u8",
            MemSize::H => "u16",
            MemSize::W => "u32",
            MemSize::DW => "u64",
        }
    }

    pub(crate) const fn wire(self) -> u8 {
        match self {
            MemSize::B => size::B,
            MemSize::H => size::H,
            MemSize::W => size::W,
            MemSize::DW => size::DW,
        }
    }

    pub(crate) const fn from_wire(bits: u8) -> MemSize {
        match bits & size::MASK {
            size::B => MemSize::B,
            size::H => MemSize::H,
            size::W => MemSize::W,
            _ => MemSize::DW,
        }
    }
}

/// Conditional jump conditions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum JmpCond {
    Eq,
    Gt,
    Ge,
    Set,
    Ne,
    Sgt,
    Sge,
    Lt,
    Le,
    Slt,
    Sle,
}

impl JmpCond {
    pub const ALL: [JmpCond; 11] = [
        JmpCond::Eq,
        JmpCond::Gt,
        JmpCond::Ge,
        JmpCond::Set,
        JmpCond::Ne,
        JmpCond::Sgt,
        JmpCond::Sge,
        JmpCond::Lt,
        JmpCond::Le,
        JmpCond::Slt,
        JmpCond::Sle,
    ];

    pub(crate) const fn wire(self) -> u8 {
        match self {
            JmpCond::Eq => jmp::JEQ,
            JmpCond::Gt => jmp::JGT,
            JmpCond::Ge => jmp::JGE,
            JmpCond::Set => jmp::JSET,
            JmpCond::Ne => jmp::JNE,
            JmpCond::Sgt => jmp::JSGT,
            JmpCond::Sge => jmp::JSGE,
            JmpCond::Lt => jmp::JLT,
            JmpCond::Le => jmp::JLE,
            JmpCond::Slt => jmp::JSLT,
            JmpCond::Sle => jmp::JSLE,
        }
    }

    /// The condition that holds exactly when `self` does not.
    pub const fn negate(self) -> Option<JmpCond> {
        Some(match self {
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

    /// The condition with operands swapped (`a < b` is `b > a`).
    pub const fn swap(self) -> JmpCond {
        match self {
            JmpCond::Gt => JmpCond::Lt,
            JmpCond::Lt => JmpCond::Gt,
            JmpCond::Ge => JmpCond::Le,
            JmpCond::Le => JmpCond::Ge,
            JmpCond::Sgt => JmpCond::Slt,
            JmpCond::Slt => JmpCond::Sgt,
            JmpCond::Sge => JmpCond::Sle,
            JmpCond::Sle => JmpCond::Sge,
            other => other,
        }
    }
}

/// Atomic read-modify-write operations (`BPF_ATOMIC` mode).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AtomicOp {
    Add,
    Or,
    And,
    Xor,
    /// Always fetches: `src = xchg(*addr, src)`.
    Xchg,
    /// Always fetches: `r0 = cmpxchg(*addr, r0, src)`.
    CmpXchg,
}

/// Pseudo source of an LD_IMM64 (its `src_reg` field).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LdImm64Src {
    /// A plain 64-bit constant.
    Imm,
    /// `imm` (low half) names a map: a map fd for the kernel, an index into
    /// [`crate::Program::maps`] inside a `Program`.
    MapFd,
    /// Low half names a map as for `MapFd`; high half is an offset into its value.
    MapValue,
    BtfId,
    /// Low half is the pc-relative slot of a subprogram.
    Func,
    MapIdx,
    MapIdxValue,
}

impl LdImm64Src {
    pub(crate) const fn wire(self) -> u8 {
        match self {
            LdImm64Src::Imm => 0,
            LdImm64Src::MapFd => pseudo::MAP_FD,
            LdImm64Src::MapValue => pseudo::MAP_VALUE,
            LdImm64Src::BtfId => pseudo::BTF_ID,
            LdImm64Src::Func => pseudo::FUNC,
            LdImm64Src::MapIdx => pseudo::MAP_IDX,
            LdImm64Src::MapIdxValue => pseudo::MAP_IDX_VALUE,
        }
    }

    pub(crate) const fn from_wire(v: u8) -> Option<LdImm64Src> {
        Some(match v {
            0 => LdImm64Src::Imm,
            pseudo::MAP_FD => LdImm64Src::MapFd,
            pseudo::MAP_VALUE => LdImm64Src::MapValue,
            pseudo::BTF_ID => LdImm64Src::BtfId,
            pseudo::FUNC => LdImm64Src::Func,
            pseudo::MAP_IDX => LdImm64Src::MapIdx,
            pseudo::MAP_IDX_VALUE => LdImm64Src::MapIdxValue,
            _ => return None,
        })
    }

    /// Whether the low half refers to a map.
    pub const fn is_map(self) -> bool {
        matches!(
            self,
            LdImm64Src::MapFd | LdImm64Src::MapValue | LdImm64Src::MapIdx | LdImm64Src::MapIdxValue
        )
    }
}

/// Targets of `BPF_CALL`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CallTarget {
    /// A helper by its static id (`call 1` is `bpf_map_lookup_elem`).
    Helper(i32),
    /// A bpf-to-bpf call; the value is the slot offset: target = pc + 1 + off.
    Local(i32),
    /// A kernel function by BTF id; `off` selects the BTF object (0 = vmlinux).
    Kfunc { btf_id: i32, off: i16 },
}

/// One decoded instruction slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Insn {
    /// `dst = dst OP src` (or `dst = src` for `Mov`).
    Alu {
        width: Width,
        op: AluOp,
        dst: Reg,
        src: Operand,
    },
    /// Sign-extending move (cpu v4): `dst = (s{bits}) src`. `bits` is 8, 16 or (64-bit only) 32.
    MovSx {
        width: Width,
        bits: u8,
        dst: Reg,
        src: Reg,
    },
    /// `dst = -dst`.
    Neg { width: Width, dst: Reg },
    /// Byte order conversion of the low `bits` (16, 32 or 64) of `dst`.
    End { kind: Endian, bits: u8, dst: Reg },
    /// Unconditional jump to `pc + 1 + off`. `long` is the cpu v4 `gotol`/`ja32` form
    /// (JMP32 class, offset in `imm`).
    Ja { off: i32, long: bool },
    /// `if dst COND src goto pc + 1 + off`.
    Jmp {
        width: Width,
        cond: JmpCond,
        dst: Reg,
        src: Operand,
        off: i16,
    },
    /// `dst = *(size *)(src + off)`, sign-extended when `signed` (cpu v4 MEMSX).
    Load {
        size: MemSize,
        signed: bool,
        dst: Reg,
        src: Reg,
        off: i16,
    },
    /// `*(size *)(dst + off) = src`: STX when `src` is a register, ST when immediate.
    Store {
        size: MemSize,
        dst: Reg,
        off: i16,
        src: Operand,
    },
    /// Atomic operation on `*(size *)(dst + off)` with `src`; size is W or DW.
    Atomic {
        size: MemSize,
        op: AtomicOp,
        fetch: bool,
        dst: Reg,
        src: Reg,
        off: i16,
    },
    /// First slot of LD_IMM64: `dst = imm` (low 32 bits from this slot, high from the next).
    LdImm64 { dst: Reg, src: LdImm64Src, imm: u64 },
    /// Second slot of an LD_IMM64; never executed, never a jump target.
    LdImm64Tail,
    /// Legacy packet load: `r0 = ntoh(*(size *)(skb->data + imm))`.
    LdAbs { size: MemSize, imm: i32 },
    /// Legacy packet load: `r0 = ntoh(*(size *)(skb->data + src + imm))`.
    LdInd { size: MemSize, src: Reg, imm: i32 },
    /// `call` a helper, a local function or a kfunc.
    Call(CallTarget),
    /// `callx reg`: call the helper whose id (ubpf convention) or address is in `reg`.
    CallX { reg: Reg },
    /// Return `r0` from the current function.
    Exit,
}

impl Insn {
    /// Number of slots the instruction occupies: 2 for LD_IMM64, else 1.
    pub const fn slots(&self) -> usize {
        match self {
            Insn::LdImm64 { .. } => 2,
            _ => 1,
        }
    }

    /// Slot-relative jump target of a jump or local call at `pc`, if any.
    pub fn jump_target(&self, pc: usize) -> Option<i64> {
        let off = match *self {
            Insn::Ja { off, .. } => off as i64,
            Insn::Jmp { off, .. } => off as i64,
            Insn::Call(CallTarget::Local(off)) => off as i64,
            Insn::LdImm64 {
                src: LdImm64Src::Func,
                imm,
                ..
            } => imm as u32 as i32 as i64,
            _ => return None,
        };
        Some(pc as i64 + 1 + off)
    }

    /// Whether this is a jump (conditional or not); calls and exit are not.
    pub fn is_branch(&self) -> bool {
        matches!(self, Insn::Ja { .. } | Insn::Jmp { .. })
    }
}

pub use crate::wire::{
    check_wire, decode, decode_bytes, encode, encode_bytes, try_encode, try_encode_bytes,
    DecodeError, DecodeErrorKind, EncodeError, RawInsn,
};
