//! Typed NFP micro-engine instructions: every operand type holds only values its field can
//! encode, so an instruction value that cannot be encoded cannot be built.
//!
//! Field layouts and enumerations are the ones in `shared/reference/nfp-isa.md` (from the Linux
//! NFP driver's `nfp_asm.h`); [`crate::encode`] packs these values into 64-bit words and back.
//! Operands come in two widths: *unrestricted* (10-bit fields of `alu`, `immed`, `mul_step`,
//! `local_csr`, `br_alu`) and *restricted* (8-bit fields of `alu_shf`, `ld_field`, `cmd`,
//! `br_bit`, `br_byte`). A GPR operand's bank (A or B) is given by the field it sits in: the A
//! field reads bank A, the B field bank B.

/// A general-purpose register number in one bank, 0..=31 (4-context mode).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Gpr(u8);

impl Gpr {
    /// `Some` for `n <= 31`.
    pub const fn new(n: u8) -> Option<Gpr> {
        if n < 32 {
            Some(Gpr(n))
        } else {
            None
        }
    }
    /// The register number.
    pub const fn num(self) -> u8 {
        self.0
    }
}

/// A transfer register `$xfer_n`, 0..=31.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Xfer(u8);

impl Xfer {
    /// Number of transfer registers a context addresses.
    pub const COUNT: usize = 32;
    /// `Some` for `n <= 31`.
    pub const fn new(n: u8) -> Option<Xfer> {
        if n < 32 {
            Some(Xfer(n))
        } else {
            None
        }
    }
    /// The register number.
    pub const fn num(self) -> u8 {
        self.0
    }
}

/// A register bank.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Bank {
    /// Bank A.
    A,
    /// Bank B.
    B,
}

/// A local-memory operand of an unrestricted field: `*l$indexN[off]` (N = 0 or 1 in the field;
/// pointers 2 and 3 through an instruction's LM-extension bit), or post-increment/decrement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Lm {
    /// `*l$indexN[off]`, `off` words past the pointer, 0..=15.
    At {
        /// Pointer 0 or 1 (bit 0 of the pointer number).
        ptr: u8,
        /// Word offset.
        off: u8,
    },
    /// `*l$indexN++`.
    PostInc {
        /// Pointer 0 or 1.
        ptr: u8,
    },
    /// `*l$indexN--`.
    PostDec {
        /// Pointer 0 or 1.
        ptr: u8,
    },
}

impl Lm {
    /// `*l$index{ptr}[off]` when `ptr <= 1` and `off <= 15`.
    pub const fn at(ptr: u8, off: u8) -> Option<Lm> {
        if ptr <= 1 && off <= 15 {
            Some(Lm::At { ptr, off })
        } else {
            None
        }
    }
}

/// An unrestricted (10-bit) operand: a source or destination of `alu`, `immed`, `mul_step`,
/// `local_csr`, `br_alu`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Ureg {
    /// A GPR of the bank the field belongs to.
    Gpr(Gpr),
    /// A transfer register.
    Xfer(Xfer),
    /// Local memory.
    Lm(Lm),
    /// The next-neighbour register.
    Nn,
    /// An 8-bit immediate (as a source); `Imm(0)` is also "no destination" (`--`).
    Imm(u8),
}

impl Ureg {
    /// No destination (`--`): the immediate-0 encoding.
    pub const NONE: Ureg = Ureg::Imm(0);
}

/// A restricted (8-bit) operand: `alu_shf`, `ld_field`, `cmd`, `br_bit`, `br_byte`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Rreg {
    /// A GPR of the bank the field belongs to.
    Gpr(Gpr),
    /// An immediate 0..=255 (bits 0..6 in the field, bit 7 in the instruction's `I8` bit where
    /// the class has one); `Imm(0)` is also "no destination".
    Imm(u8),
    /// `*l$indexN[off]`, N = 0 or 1, `off` 0..=7.
    Lm {
        /// Pointer 0 or 1.
        ptr: u8,
        /// Word offset 0..=7.
        off: u8,
    },
    /// A transfer register.
    Xfer(Xfer),
}

impl Rreg {
    /// No destination (`--`).
    pub const NONE: Rreg = Rreg::Imm(0);
    /// `*l$index{ptr}[off]` when `ptr <= 1` and `off <= 7`.
    pub const fn lm(ptr: u8, off: u8) -> Option<Rreg> {
        if ptr <= 1 && off <= 7 {
            Some(Rreg::Lm { ptr, off })
        } else {
            None
        }
    }
}

/// Where a result goes: a GPR (one bank, or both with `wr_both`), or a non-GPR operand.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dst {
    /// `gprA_n` / `gprB_n`; `both` writes the same number in both banks (`WR_AB`).
    Gpr {
        /// The bank written (both when `both`).
        bank: Bank,
        /// The register.
        reg: Gpr,
        /// Write both banks.
        both: bool,
    },
    /// A transfer register (the write side of `$xfer_n`).
    Xfer(Xfer),
    /// Local memory through pointer 0..=3 (2 and 3 need the LM extension bit: `alu` only).
    Lm {
        /// Pointer 0..=3.
        ptr: u8,
        /// Word offset 0..=15 (0..=7 in restricted fields).
        off: u8,
    },
    /// `--`: the result is only used for condition codes / indirect shift amounts.
    None,
}

impl Dst {
    /// Both banks of GPR `n` (the eBPF register pair convention).
    pub fn both(n: u8) -> Option<Dst> {
        Gpr::new(n).map(|reg| Dst::Gpr {
            bank: Bank::A,
            reg,
            both: true,
        })
    }
}

/// `alu` operations (`OP` field).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AluOp {
    /// `B`: pass the B operand.
    None,
    /// `+`.
    Add,
    /// `~B`.
    Not,
    /// `+2B`: A + 2 x B (decoded and executed; the translator does not emit it).
    Add2B,
    /// `AND`.
    And,
    /// `~AND`: `~A & B`.
    AndNotA,
    /// `-carry`: A - B - borrow.
    SubC,
    /// `AND~`: `A & ~B`.
    AndNotB,
    /// `+carry`: A + B + carry.
    AddC,
    /// `OR`.
    Or,
    /// `-`.
    Sub,
    /// `XOR`.
    Xor,
}

impl AluOp {
    /// Every operation.
    pub const ALL: [AluOp; 12] = [
        AluOp::None,
        AluOp::Add,
        AluOp::Not,
        AluOp::Add2B,
        AluOp::And,
        AluOp::AndNotA,
        AluOp::SubC,
        AluOp::AndNotB,
        AluOp::AddC,
        AluOp::Or,
        AluOp::Sub,
        AluOp::Xor,
    ];
    /// The `OP` field value.
    pub const fn code(self) -> u8 {
        match self {
            AluOp::None => 0x00,
            AluOp::Add => 0x01,
            AluOp::Not => 0x04,
            AluOp::Add2B => 0x05,
            AluOp::And => 0x08,
            AluOp::AndNotA => 0x0c,
            AluOp::SubC => 0x0d,
            AluOp::AndNotB => 0x10,
            AluOp::AddC => 0x11,
            AluOp::Or => 0x14,
            AluOp::Sub => 0x15,
            AluOp::Xor => 0x18,
        }
    }
    /// The operation with `OP` field value `c`.
    pub fn from_code(c: u8) -> Option<AluOp> {
        AluOp::ALL.into_iter().find(|o| o.code() == c)
    }
    /// The assembler's mnemonic.
    pub const fn text(self) -> &'static str {
        match self {
            AluOp::None => "B",
            AluOp::Add => "+",
            AluOp::Not => "~B",
            AluOp::Add2B => "+2B",
            AluOp::And => "AND",
            AluOp::AndNotA => "~AND",
            AluOp::SubC => "-carry",
            AluOp::AndNotB => "AND~",
            AluOp::AddC => "+carry",
            AluOp::Or => "OR",
            AluOp::Sub => "-",
            AluOp::Xor => "XOR",
        }
    }
}

/// Shift kinds (`SC` field) of `alu_shf` and `ld_field`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ShiftKind {
    /// Rotate right (`>>rot`).
    RotR,
    /// Shift right (`>>`).
    Right,
    /// Shift left (`<<`); the field holds `32 - n`.
    Left,
    /// Double shift right of A:B (`>>dbl`).
    DoubleRight,
}

impl ShiftKind {
    /// The `SC` field value.
    pub const fn code(self) -> u8 {
        match self {
            ShiftKind::RotR => 0,
            ShiftKind::Right => 1,
            ShiftKind::Left => 2,
            ShiftKind::DoubleRight => 3,
        }
    }
    /// From the `SC` field.
    pub const fn from_code(c: u8) -> ShiftKind {
        match c & 3 {
            0 => ShiftKind::RotR,
            1 => ShiftKind::Right,
            2 => ShiftKind::Left,
            _ => ShiftKind::DoubleRight,
        }
    }
}

/// A shift amount: 1..=31, or indirect (taken from the low 5 bits of the previous ALU result;
/// the field holds 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ShiftAmount {
    /// From the previous ALU result.
    Indirect,
    /// A constant 1..=31.
    By(u8),
}

impl ShiftAmount {
    /// A constant shift of `n`: 1..=31 (0 is no shift: use a plain move).
    pub const fn by(n: u8) -> Option<ShiftAmount> {
        if n >= 1 && n <= 31 {
            Some(ShiftAmount::By(n))
        } else {
            None
        }
    }
}

/// `alu_shf` operations (`OP` field).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ShfOp {
    /// Result = shifted B.
    None,
    /// Result = A AND shifted B.
    And,
    /// Result = A OR shifted B.
    Or,
    /// Arithmetic shift right of B (sign bits in).
    Ashr,
}

impl ShfOp {
    /// The `OP` field value.
    pub const fn code(self) -> u8 {
        match self {
            ShfOp::None => 0,
            ShfOp::And => 2,
            ShfOp::Or => 5,
            ShfOp::Ashr => 6,
        }
    }
    /// From the `OP` field.
    pub const fn from_code(c: u8) -> Option<ShfOp> {
        Some(match c {
            0 => ShfOp::None,
            2 => ShfOp::And,
            5 => ShfOp::Or,
            6 => ShfOp::Ashr,
            _ => return None,
        })
    }
}

/// `immed` widths.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ImmWidth {
    /// Set the whole register.
    All,
    /// Write one byte, keep the rest.
    Byte,
    /// Write one 16-bit word, keep the rest.
    Word,
}

/// Branch conditions (`MASK` field of `br`), on the condition codes of the last `alu`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BrCond {
    /// Z set.
    Eq,
    /// Z clear.
    Ne,
    /// N set.
    Mi,
    /// C set (unsigned higher or same after a subtraction).
    Hs,
    /// C clear (unsigned lower).
    Lo,
    /// N == V (signed greater or equal).
    Ge,
    /// N != V (signed less).
    Lt,
    /// Always.
    Always,
}

impl BrCond {
    /// Every condition.
    pub const ALL: [BrCond; 8] = [
        BrCond::Eq,
        BrCond::Ne,
        BrCond::Mi,
        BrCond::Hs,
        BrCond::Lo,
        BrCond::Ge,
        BrCond::Lt,
        BrCond::Always,
    ];
    /// The `MASK` field.
    pub const fn code(self) -> u8 {
        match self {
            BrCond::Eq => 0x00,
            BrCond::Ne => 0x01,
            BrCond::Mi => 0x02,
            BrCond::Hs => 0x04,
            BrCond::Lo => 0x05,
            BrCond::Ge => 0x08,
            BrCond::Lt => 0x09,
            BrCond::Always => 0x18,
        }
    }
    /// From the `MASK` field.
    pub fn from_code(c: u8) -> Option<BrCond> {
        BrCond::ALL.into_iter().find(|b| b.code() == c)
    }
    /// Mnemonic (`beq`, ..., `br`).
    pub const fn text(self) -> &'static str {
        match self {
            BrCond::Eq => "beq",
            BrCond::Ne => "bne",
            BrCond::Mi => "bmi",
            BrCond::Hs => "bhs",
            BrCond::Lo => "blo",
            BrCond::Ge => "bge",
            BrCond::Lt => "blt",
            BrCond::Always => "br",
        }
    }
}

/// A code-store address: 0..=16383 (14 bits).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Addr(u16);

impl Addr {
    /// `Some` below 16384.
    pub const fn new(a: u32) -> Option<Addr> {
        if a < 1 << 14 {
            Some(Addr(a as u16))
        } else {
            None
        }
    }
    /// The address.
    pub const fn get(self) -> u16 {
        self.0
    }
}

/// Defer slots after a branch: 0..=2.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Defer(u8);

impl Defer {
    /// No defer slot.
    pub const ZERO: Defer = Defer(0);
    /// `Some` for 0..=2.
    pub const fn new(n: u8) -> Option<Defer> {
        if n <= 2 {
            Some(Defer(n))
        } else {
            None
        }
    }
    /// The number of slots.
    pub const fn get(self) -> u8 {
        self.0
    }
}

/// `mul_step` step (`STEP` field).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MulStep {
    /// Partial product 1..=4 (`step1`..`step4`), 8 multiplier bits each.
    Step(u8),
    /// Write the low 32 bits of the product.
    Last,
    /// Write the high 32 bits of the product.
    Last2,
}

/// `mul_step` type (`TYPE` field).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MulType {
    /// Latch the operands and clear the product (`start`).
    Start,
    /// 24 x 8.
    Step24x8,
    /// 16 x 16.
    Step16x16,
    /// 32 x 32.
    Step32x32,
}

/// Context behaviour of a memory command (`CTX` field).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CtxSwap {
    /// Swap out until the command's signal (`ctx_swap`).
    Swap,
    /// Swap after one more instruction.
    SwapDefer1,
    /// Swap after two more instructions.
    SwapDefer2,
    /// Do not swap; the thread keeps running (`sig_done`).
    NoSwap,
}

/// Address mode of a memory command (`MODE` field).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AddrMode {
    /// 40-bit address, high part in the A operand (`<< 8` on hardware; widened here, see
    /// [`crate::sim`]).
    Bits40AB,
    /// 40-bit address, high part in the B operand.
    Bits40BA,
    /// 32-bit address: A + B.
    Bits32,
}

impl AddrMode {
    /// The `MODE` field.
    pub const fn code(self) -> u8 {
        match self {
            AddrMode::Bits40AB => 0,
            AddrMode::Bits40BA => 1,
            AddrMode::Bits32 => 4,
        }
    }
}

/// A memory command: (token, target) pairs of the driver.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CmdOp {
    /// `mem[read8]`: bytes.
    Read8,
    /// `mem[write8_swap]`.
    Write8Swap,
    /// `mem[write32_swap]`.
    Write32Swap,
    /// `mem[read32]`.
    Read32,
    /// `mem[read32_le]`.
    Read32Le,
    /// `mem[read32_swap]`.
    Read32Swap,
    /// `mem[read_le]`.
    ReadLe,
    /// `mem[read_swap_le]`.
    ReadSwapLe,
    /// `mem[add]`: atomically add the transfer registers to memory.
    AtomicAdd,
    /// `mem[add_imm]`: add an immediate.
    AddImm,
}

impl CmdOp {
    /// Every command.
    pub const ALL: [CmdOp; 10] = [
        CmdOp::Read8,
        CmdOp::Write8Swap,
        CmdOp::Write32Swap,
        CmdOp::Read32,
        CmdOp::Read32Le,
        CmdOp::Read32Swap,
        CmdOp::ReadLe,
        CmdOp::ReadSwapLe,
        CmdOp::AtomicAdd,
        CmdOp::AddImm,
    ];
    /// `(token, TGT_CMD)`.
    pub const fn code(self) -> (u8, u8) {
        match self {
            CmdOp::Read8 => (1, 0x43),
            CmdOp::Write8Swap => (2, 0x42),
            CmdOp::Write32Swap => (2, 0x5f),
            CmdOp::Read32 => (0, 0x5c),
            CmdOp::Read32Le => (1, 0x5c),
            CmdOp::Read32Swap => (2, 0x5c),
            CmdOp::ReadLe => (1, 0x40),
            CmdOp::ReadSwapLe => (3, 0x40),
            CmdOp::AtomicAdd => (0, 0x47),
            CmdOp::AddImm => (2, 0x47),
        }
    }
    /// From `(token, TGT_CMD)`.
    pub fn from_code(token: u8, tgt: u8) -> Option<CmdOp> {
        CmdOp::ALL.into_iter().find(|c| c.code() == (token, tgt))
    }
    /// Mnemonic.
    pub const fn text(self) -> &'static str {
        match self {
            CmdOp::Read8 => "read8",
            CmdOp::Write8Swap => "write8_swap",
            CmdOp::Write32Swap => "write32_swap",
            CmdOp::Read32 => "read32",
            CmdOp::Read32Le => "read32_le",
            CmdOp::Read32Swap => "read32_swap",
            CmdOp::ReadLe => "read_le",
            CmdOp::ReadSwapLe => "read_swap_le",
            CmdOp::AtomicAdd => "add",
            CmdOp::AddImm => "add_imm",
        }
    }
    /// Whether the command moves data from memory into transfer registers.
    pub const fn is_read(self) -> bool {
        matches!(
            self,
            CmdOp::Read8
                | CmdOp::Read32
                | CmdOp::Read32Le
                | CmdOp::Read32Swap
                | CmdOp::ReadLe
                | CmdOp::ReadSwapLe
        )
    }
}

/// Local CSR numbers the model uses.
pub mod csr {
    /// `ActLMAddr0`.
    pub const ACT_LM_ADDR0: u16 = 0x64;
    /// `ActLMAddr1`.
    pub const ACT_LM_ADDR1: u16 = 0x6c;
    /// `ActLMAddr2`.
    pub const ACT_LM_ADDR2: u16 = 0x94;
    /// `ActLMAddr3`.
    pub const ACT_LM_ADDR3: u16 = 0x9c;
    /// `PseudoRndNum`.
    pub const PSEUDO_RND_NUM: u16 = 0x148;
    /// `CtxPtr`.
    pub const CTX_PTR: u16 = 0x20;
    /// The LM pointer a CSR number sets, if it is one of `ActLMAddr0..3`.
    pub const fn lm_pointer(csr: u16) -> Option<usize> {
        match csr {
            ACT_LM_ADDR0 => Some(0),
            ACT_LM_ADDR1 => Some(1),
            ACT_LM_ADDR2 => Some(2),
            ACT_LM_ADDR3 => Some(3),
            _ => None,
        }
    }
}

/// One NFP instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Insn {
    /// `alu[dst, a, op, b]` (with `swap`, the hardware computes `b op a`, the A field holding
    /// the right-hand operand).
    Alu {
        /// Destination.
        dst: Dst,
        /// A-field operand (bank A).
        a: Ureg,
        /// Operation.
        op: AluOp,
        /// B-field operand (bank B).
        b: Ureg,
        /// Operands reversed.
        swap: bool,
        /// The LM source operand uses pointer 2/3 instead of 0/1.
        src_lmextn: bool,
    },
    /// `alu_shf[dst, a, op, b, shift]`: `a op (b shifted)`.
    AluShf {
        /// Destination (restricted: LM pointer 0/1, offsets 0..=7).
        dst: Dst,
        /// A-field operand.
        a: Rreg,
        /// Operation.
        op: ShfOp,
        /// B-field operand.
        b: Rreg,
        /// Operands reversed.
        swap: bool,
        /// Shift kind.
        kind: ShiftKind,
        /// Shift amount.
        amount: ShiftAmount,
    },
    /// `ld_field[a, bmask, b, shift]`: bytes of (b rotated/shifted) selected by `bmask` replace
    /// those bytes of `a` (with `clear`, the other bytes become 0: `ld_field_w_clr`).
    LdField {
        /// The register updated (read and written, bank A).
        a: Rreg,
        /// Byte mask 0..=15 (bit i = byte i).
        bmask: u8,
        /// Source (bank B).
        b: Rreg,
        /// Shift kind.
        kind: ShiftKind,
        /// Shift amount 0..=31 (0 = no shift).
        shift: u8,
        /// Clear the bytes not selected.
        clear: bool,
        /// Also write the same register number in bank B.
        both: bool,
    },
    /// `immed[dst, imm, <<shift]`: a 16-bit immediate into a register (whole, or one
    /// byte/word of it).
    Immed {
        /// Destination.
        dst: Dst,
        /// The 16-bit value.
        imm: u16,
        /// What part of the register is written.
        width: ImmWidth,
        /// Shift in bytes, 0..=2.
        shift: u8,
        /// Invert the value.
        inv: bool,
    },
    /// `mul_step[a, b], type_step`: one step of a multiplication.
    Mul {
        /// Step.
        step: MulStep,
        /// Type.
        ty: MulType,
        /// A operand (the destination for `last`/`last2`).
        a: Ureg,
        /// B operand.
        b: Ureg,
        /// Destination for `last`/`last2` (`Dst::None` otherwise).
        dst: Dst,
    },
    /// `bcc[addr], defer[n]`.
    Br {
        /// Condition.
        cond: BrCond,
        /// Target.
        addr: Addr,
        /// Defer slots.
        defer: Defer,
    },
    /// `br_bset`/`br_bclr[a, bit, addr]`: branch on one bit of a register.
    BrBit {
        /// Register tested (A field).
        a: Rreg,
        /// Bit 0..=31.
        bit: u8,
        /// Branch when the bit is set (else when clear).
        set: bool,
        /// Target.
        addr: Addr,
        /// Defer slots.
        defer: Defer,
    },
    /// `br=byte`/`br!=byte[a, byte, b, addr]`: branch on one byte of A against B.
    BrByte {
        /// Register tested.
        a: Rreg,
        /// Byte 0..=3.
        byte: u8,
        /// Compared value.
        b: Rreg,
        /// Branch when equal (else when different).
        eq: bool,
        /// Target.
        addr: Addr,
        /// Defer slots.
        defer: Defer,
    },
    /// `rtn[a + b]`: branch to the address in a register (plus an immediate whose high bits
    /// are in `imm_hi`).
    BrAlu {
        /// A operand.
        a: Ureg,
        /// B operand.
        b: Ureg,
        /// Bits 8..16 of an immediate operand, 0..=511.
        imm_hi: u16,
        /// Defer slots.
        defer: Defer,
    },
    /// `local_csr_wr[csr, src]` / `local_csr_rd[csr]` (the value read is delivered by the
    /// next `immed[dst, 0]`).
    LocalCsr {
        /// CSR number 0..=0x7ff.
        csr: u16,
        /// Write (else read).
        write: bool,
        /// Source (A field).
        a: Ureg,
        /// Source (B field).
        b: Ureg,
    },
    /// `ctx_arb[voluntary]`: give the ME to the next ready context.
    CtxArb {
        /// `OR` bit: wake on any signal rather than all.
        any: bool,
    },
    /// `mem[op, $xfer_n, a, b, count], ctx_swap[sig_n]`.
    Cmd {
        /// The command.
        op: CmdOp,
        /// First transfer register.
        xfer: Xfer,
        /// Words (or bytes, for `read8`/`write8`) minus one, 0..=7.
        count: u8,
        /// A operand.
        a: Rreg,
        /// B operand.
        b: Rreg,
        /// Context behaviour.
        ctx: CtxSwap,
        /// Signal 0..=15.
        sig: u8,
        /// Address mode.
        mode: AddrMode,
        /// Indirect reference.
        indir: bool,
    },
}

impl Insn {
    /// `immed[--, 0]`: the NOP the driver pads with.
    pub const NOP: Insn = Insn::Immed {
        dst: Dst::None,
        imm: 0,
        width: ImmWidth::All,
        shift: 0,
        inv: false,
    };

    /// The branch target, for branches with a fixed one.
    pub fn target(&self) -> Option<Addr> {
        match *self {
            Insn::Br { addr, .. } | Insn::BrBit { addr, .. } | Insn::BrByte { addr, .. } => {
                Some(addr)
            }
            _ => None,
        }
    }

    /// The same branch to another address.
    pub fn with_target(self, to: Addr) -> Insn {
        match self {
            Insn::Br { cond, defer, .. } => Insn::Br {
                cond,
                addr: to,
                defer,
            },
            Insn::BrBit {
                a, bit, set, defer, ..
            } => Insn::BrBit {
                a,
                bit,
                set,
                addr: to,
                defer,
            },
            Insn::BrByte {
                a,
                byte,
                b,
                eq,
                defer,
                ..
            } => Insn::BrByte {
                a,
                byte,
                b,
                eq,
                addr: to,
                defer,
            },
            other => other,
        }
    }
}
