//! The wire form: 8-byte slots <-> typed [`Insn`]s, strictly and losslessly.
//!
//! Every field the ISA says is unused must be zero and every opcode must be one the ISA defines,
//! so `encode(decode(w)) == w` for every accepted word and a malformed word is an error value
//! naming its slot index.

use crate::insn::*;
use crate::opcode::{self, alu, atomic, class, jmp, mode, pseudo, source};
use std::fmt;

/// An instruction in its wire form: what is stored in an 8-byte slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct RawInsn {
    pub code: u8,
    pub dst: u8,
    pub src: u8,
    pub off: i16,
    pub imm: i32,
}

impl RawInsn {
    /// Parse one little-endian 8-byte slot.
    pub fn from_bytes(b: [u8; 8]) -> RawInsn {
        RawInsn {
            code: b[0],
            dst: b[1] & 0x0f,
            src: b[1] >> 4,
            off: i16::from_le_bytes([b[2], b[3]]),
            imm: i32::from_le_bytes([b[4], b[5], b[6], b[7]]),
        }
    }

    /// The little-endian 8-byte slot.
    pub fn to_bytes(self) -> [u8; 8] {
        let o = self.off.to_le_bytes();
        let i = self.imm.to_le_bytes();
        [
            self.code,
            (self.dst & 0x0f) | (self.src << 4),
            o[0],
            o[1],
            i[0],
            i[1],
            i[2],
            i[3],
        ]
    }

    /// The slot as a 64-bit word, as `-- raw` sections and `llvm-objdump` print it (byte 0 lowest).
    pub fn to_u64(self) -> u64 {
        u64::from_le_bytes(self.to_bytes())
    }

    /// Inverse of [`RawInsn::to_u64`].
    pub fn from_u64(w: u64) -> RawInsn {
        RawInsn::from_bytes(w.to_le_bytes())
    }
}

/// Why an instruction slot could not be decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeErrorKind {
    /// The byte stream is not a multiple of 8.
    TruncatedSlot { len: usize },
    /// No instruction has this opcode.
    UnknownOpcode,
    /// A register number above 10.
    BadRegister { field: &'static str, value: u8 },
    /// A field the ISA says is unused is not zero.
    NonZeroField { field: &'static str },
    /// A field holds a value the opcode does not allow.
    BadField { field: &'static str, value: i64 },
    /// LD_IMM64 in the last slot.
    MissingImm64Tail,
    /// The second slot of LD_IMM64 is not all zeros except `imm`.
    BadImm64Tail,
}

/// A malformed instruction, with the slot index it was found at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeError {
    /// Slot index (0-based).
    pub index: usize,
    /// The raw slot, when there was one.
    pub raw: Option<RawInsn>,
    pub kind: DecodeErrorKind,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "instruction {}", self.index)?;
        if let Some(r) = self.raw {
            write!(
                f,
                " (code 0x{:02x}, word {:016x})",
                r.code,
                r.to_u64().swap_bytes()
            )?;
        }
        write!(f, ": ")?;
        match &self.kind {
            DecodeErrorKind::TruncatedSlot { len } => {
                write!(f, "program is {len} bytes, not a multiple of 8")
            }
            DecodeErrorKind::UnknownOpcode => write!(f, "unknown opcode"),
            DecodeErrorKind::BadRegister { field, value } => {
                write!(f, "{field} register r{value} does not exist (r0..r10)")
            }
            DecodeErrorKind::NonZeroField { field } => {
                write!(f, "unused field `{field}` must be zero")
            }
            DecodeErrorKind::BadField { field, value } => {
                write!(f, "invalid `{field}` value {value} for this opcode")
            }
            DecodeErrorKind::MissingImm64Tail => {
                write!(f, "lddw needs a second slot but the program ends")
            }
            DecodeErrorKind::BadImm64Tail => write!(
                f,
                "second slot of lddw must have zero code, registers and offset"
            ),
        }
    }
}

impl std::error::Error for DecodeError {}

fn reg(index: usize, raw: RawInsn, field: &'static str, v: u8) -> Result<Reg, DecodeError> {
    Reg::new(v).ok_or(DecodeError {
        index,
        raw: Some(raw),
        kind: DecodeErrorKind::BadRegister { field, value: v },
    })
}

/// Decode a whole program from raw slots. LD_IMM64 yields `LdImm64` + `LdImm64Tail`.
pub fn decode(raw: &[RawInsn]) -> Result<Vec<Insn>, DecodeError> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let r = raw[i];
        if r.code == opcode::LD_IMM64 {
            let Some(tail) = raw.get(i + 1) else {
                return Err(DecodeError {
                    index: i,
                    raw: Some(r),
                    kind: DecodeErrorKind::MissingImm64Tail,
                });
            };
            if tail.code != 0 || tail.dst != 0 || tail.src != 0 || tail.off != 0 {
                return Err(DecodeError {
                    index: i + 1,
                    raw: Some(*tail),
                    kind: DecodeErrorKind::BadImm64Tail,
                });
            }
            let dst = reg(i, r, "dst", r.dst)?;
            let src = LdImm64Src::from_wire(r.src).ok_or(DecodeError {
                index: i,
                raw: Some(r),
                kind: DecodeErrorKind::BadField {
                    field: "src",
                    value: r.src as i64,
                },
            })?;
            if r.off != 0 {
                return Err(nonzero(i, r, "off"));
            }
            let imm = (r.imm as u32 as u64) | ((tail.imm as u32 as u64) << 32);
            out.push(Insn::LdImm64 { dst, src, imm });
            out.push(Insn::LdImm64Tail);
            i += 2;
            continue;
        }
        out.push(decode_one(i, r)?);
        i += 1;
    }
    Ok(out)
}

/// Decode a program from bytes (length must be a multiple of 8).
pub fn decode_bytes(bytes: &[u8]) -> Result<Vec<Insn>, DecodeError> {
    if !bytes.len().is_multiple_of(8) {
        return Err(DecodeError {
            index: bytes.len() / 8,
            raw: None,
            kind: DecodeErrorKind::TruncatedSlot { len: bytes.len() },
        });
    }
    let raw: Vec<RawInsn> = bytes
        .chunks_exact(8)
        .map(|c| {
            let mut b = [0u8; 8];
            b.copy_from_slice(c);
            RawInsn::from_bytes(b)
        })
        .collect();
    decode(&raw)
}

fn nonzero(index: usize, raw: RawInsn, field: &'static str) -> DecodeError {
    DecodeError {
        index,
        raw: Some(raw),
        kind: DecodeErrorKind::NonZeroField { field },
    }
}

fn bad(index: usize, raw: RawInsn, field: &'static str, value: i64) -> DecodeError {
    DecodeError {
        index,
        raw: Some(raw),
        kind: DecodeErrorKind::BadField { field, value },
    }
}

fn unknown(index: usize, raw: RawInsn) -> DecodeError {
    DecodeError {
        index,
        raw: Some(raw),
        kind: DecodeErrorKind::UnknownOpcode,
    }
}

/// Decode one slot that is not the start of an LD_IMM64.
fn decode_one(i: usize, r: RawInsn) -> Result<Insn, DecodeError> {
    let cls = r.code & class::MASK;
    match cls {
        class::ALU | class::ALU64 => decode_alu(i, r),
        class::JMP | class::JMP32 => decode_jmp(i, r),
        class::LDX => {
            let m = r.code & mode::MASK;
            let signed = match m {
                mode::MEM => false,
                mode::MEMSX => true,
                _ => return Err(unknown(i, r)),
            };
            let size = MemSize::from_wire(r.code);
            if signed && size == MemSize::DW {
                return Err(unknown(i, r));
            }
            if r.imm != 0 {
                return Err(nonzero(i, r, "imm"));
            }
            Ok(Insn::Load {
                size,
                signed,
                dst: reg(i, r, "dst", r.dst)?,
                src: reg(i, r, "src", r.src)?,
                off: r.off,
            })
        }
        class::ST => {
            if r.code & mode::MASK != mode::MEM {
                return Err(unknown(i, r));
            }
            if r.src != 0 {
                return Err(nonzero(i, r, "src"));
            }
            Ok(Insn::Store {
                size: MemSize::from_wire(r.code),
                dst: reg(i, r, "dst", r.dst)?,
                off: r.off,
                src: Operand::Imm(r.imm),
            })
        }
        class::STX => {
            let size = MemSize::from_wire(r.code);
            let dst = reg(i, r, "dst", r.dst)?;
            let src = reg(i, r, "src", r.src)?;
            match r.code & mode::MASK {
                mode::MEM => {
                    if r.imm != 0 {
                        return Err(nonzero(i, r, "imm"));
                    }
                    Ok(Insn::Store {
                        size,
                        dst,
                        off: r.off,
                        src: Operand::Reg(src),
                    })
                }
                mode::ATOMIC => {
                    if !matches!(size, MemSize::W | MemSize::DW) {
                        return Err(unknown(i, r));
                    }
                    let (op, fetch) = match r.imm {
                        atomic::ADD => (AtomicOp::Add, false),
                        atomic::OR => (AtomicOp::Or, false),
                        atomic::AND => (AtomicOp::And, false),
                        atomic::XOR => (AtomicOp::Xor, false),
                        x if x == atomic::ADD | atomic::FETCH => (AtomicOp::Add, true),
                        x if x == atomic::OR | atomic::FETCH => (AtomicOp::Or, true),
                        x if x == atomic::AND | atomic::FETCH => (AtomicOp::And, true),
                        x if x == atomic::XOR | atomic::FETCH => (AtomicOp::Xor, true),
                        atomic::XCHG => (AtomicOp::Xchg, true),
                        atomic::CMPXCHG => (AtomicOp::CmpXchg, true),
                        v => return Err(bad(i, r, "imm", v as i64)),
                    };
                    Ok(Insn::Atomic {
                        size,
                        op,
                        fetch,
                        dst,
                        src,
                        off: r.off,
                    })
                }
                _ => Err(unknown(i, r)),
            }
        }
        class::LD => {
            let size = MemSize::from_wire(r.code);
            if size == MemSize::DW {
                return Err(unknown(i, r));
            }
            if r.dst != 0 {
                return Err(nonzero(i, r, "dst"));
            }
            if r.off != 0 {
                return Err(nonzero(i, r, "off"));
            }
            match r.code & mode::MASK {
                mode::ABS => {
                    if r.src != 0 {
                        return Err(nonzero(i, r, "src"));
                    }
                    Ok(Insn::LdAbs { size, imm: r.imm })
                }
                mode::IND => Ok(Insn::LdInd {
                    size,
                    src: reg(i, r, "src", r.src)?,
                    imm: r.imm,
                }),
                _ => Err(unknown(i, r)),
            }
        }
        _ => Err(unknown(i, r)),
    }
}

fn decode_alu(i: usize, r: RawInsn) -> Result<Insn, DecodeError> {
    let width = if r.code & class::MASK == class::ALU64 {
        Width::W64
    } else {
        Width::W32
    };
    let x = r.code & source::MASK == source::X;
    let op = r.code & alu::MASK;
    let dst = reg(i, r, "dst", r.dst)?;
    // Operand per source bit; the unused one of (src, imm) must be zero.
    let operand = |r: RawInsn| -> Result<Operand, DecodeError> {
        if x {
            if r.imm != 0 {
                return Err(nonzero(i, r, "imm"));
            }
            Ok(Operand::Reg(reg(i, r, "src", r.src)?))
        } else {
            if r.src != 0 {
                return Err(nonzero(i, r, "src"));
            }
            Ok(Operand::Imm(r.imm))
        }
    };
    let binop = |aop: AluOp| -> Result<Insn, DecodeError> {
        Ok(Insn::Alu {
            width,
            op: aop,
            dst,
            src: operand(r)?,
        })
    };
    let plain = |aop: AluOp| -> Result<Insn, DecodeError> {
        if r.off != 0 {
            return Err(nonzero(i, r, "off"));
        }
        binop(aop)
    };
    match op {
        alu::ADD => plain(AluOp::Add),
        alu::SUB => plain(AluOp::Sub),
        alu::MUL => plain(AluOp::Mul),
        alu::OR => plain(AluOp::Or),
        alu::AND => plain(AluOp::And),
        alu::LSH => plain(AluOp::Lsh),
        alu::RSH => plain(AluOp::Rsh),
        alu::XOR => plain(AluOp::Xor),
        alu::ARSH => plain(AluOp::Arsh),
        alu::DIV | alu::MOD => {
            let signed = match r.off {
                0 => false,
                1 => true,
                v => return Err(bad(i, r, "off", v as i64)),
            };
            binop(match (op, signed) {
                (alu::DIV, false) => AluOp::Div,
                (alu::DIV, true) => AluOp::SDiv,
                (_, false) => AluOp::Mod,
                (_, true) => AluOp::SMod,
            })
        }
        alu::MOV => match r.off {
            0 => binop(AluOp::Mov),
            8 | 16 | 32 => {
                if !x {
                    return Err(bad(i, r, "off", r.off as i64));
                }
                if r.off == 32 && width == Width::W32 {
                    return Err(bad(i, r, "off", 32));
                }
                if r.imm != 0 {
                    return Err(nonzero(i, r, "imm"));
                }
                Ok(Insn::MovSx {
                    width,
                    bits: r.off as u8,
                    dst,
                    src: reg(i, r, "src", r.src)?,
                })
            }
            v => Err(bad(i, r, "off", v as i64)),
        },
        alu::NEG => {
            if x {
                return Err(unknown(i, r));
            }
            if r.src != 0 {
                return Err(nonzero(i, r, "src"));
            }
            if r.off != 0 {
                return Err(nonzero(i, r, "off"));
            }
            if r.imm != 0 {
                return Err(nonzero(i, r, "imm"));
            }
            Ok(Insn::Neg { width, dst })
        }
        alu::END => {
            if r.src != 0 {
                return Err(nonzero(i, r, "src"));
            }
            if r.off != 0 {
                return Err(nonzero(i, r, "off"));
            }
            let kind = match (width, x) {
                (Width::W32, false) => Endian::ToLe,
                (Width::W32, true) => Endian::ToBe,
                (Width::W64, false) => Endian::Swap,
                (Width::W64, true) => return Err(unknown(i, r)),
            };
            let bits = match r.imm {
                16 | 32 | 64 => r.imm as u8,
                v => return Err(bad(i, r, "imm", v as i64)),
            };
            Ok(Insn::End { kind, bits, dst })
        }
        _ => Err(unknown(i, r)),
    }
}

fn decode_jmp(i: usize, r: RawInsn) -> Result<Insn, DecodeError> {
    let width = if r.code & class::MASK == class::JMP {
        Width::W64
    } else {
        Width::W32
    };
    let x = r.code & source::MASK == source::X;
    let op = r.code & jmp::MASK;
    let cond = match op {
        jmp::JEQ => JmpCond::Eq,
        jmp::JGT => JmpCond::Gt,
        jmp::JGE => JmpCond::Ge,
        jmp::JSET => JmpCond::Set,
        jmp::JNE => JmpCond::Ne,
        jmp::JSGT => JmpCond::Sgt,
        jmp::JSGE => JmpCond::Sge,
        jmp::JLT => JmpCond::Lt,
        jmp::JLE => JmpCond::Le,
        jmp::JSLT => JmpCond::Slt,
        jmp::JSLE => JmpCond::Sle,
        jmp::JA => {
            if x || r.src != 0 {
                return Err(nonzero(i, r, "src"));
            }
            if r.dst != 0 {
                return Err(nonzero(i, r, "dst"));
            }
            return match width {
                Width::W64 => {
                    if r.imm != 0 {
                        return Err(nonzero(i, r, "imm"));
                    }
                    Ok(Insn::Ja {
                        off: r.off as i32,
                        long: false,
                    })
                }
                Width::W32 => {
                    if r.off != 0 {
                        return Err(nonzero(i, r, "off"));
                    }
                    Ok(Insn::Ja {
                        off: r.imm,
                        long: true,
                    })
                }
            };
        }
        jmp::CALL | jmp::EXIT if width == Width::W32 => return Err(unknown(i, r)),
        jmp::CALL => {
            if x {
                // callx: register in dst (as LLVM encodes it).
                if r.src != 0 {
                    return Err(nonzero(i, r, "src"));
                }
                if r.off != 0 {
                    return Err(nonzero(i, r, "off"));
                }
                if r.imm != 0 {
                    return Err(nonzero(i, r, "imm"));
                }
                return Ok(Insn::CallX {
                    reg: reg(i, r, "dst", r.dst)?,
                });
            }
            if r.dst != 0 {
                return Err(nonzero(i, r, "dst"));
            }
            return match r.src {
                0 => {
                    if r.off != 0 {
                        return Err(nonzero(i, r, "off"));
                    }
                    Ok(Insn::Call(CallTarget::Helper(r.imm)))
                }
                pseudo::CALL => {
                    if r.off != 0 {
                        return Err(nonzero(i, r, "off"));
                    }
                    Ok(Insn::Call(CallTarget::Local(r.imm)))
                }
                pseudo::KFUNC_CALL => Ok(Insn::Call(CallTarget::Kfunc {
                    btf_id: r.imm,
                    off: r.off,
                })),
                v => Err(bad(i, r, "src", v as i64)),
            };
        }
        jmp::EXIT => {
            if x {
                return Err(unknown(i, r));
            }
            if r.dst != 0 {
                return Err(nonzero(i, r, "dst"));
            }
            if r.src != 0 {
                return Err(nonzero(i, r, "src"));
            }
            if r.off != 0 {
                return Err(nonzero(i, r, "off"));
            }
            if r.imm != 0 {
                return Err(nonzero(i, r, "imm"));
            }
            return Ok(Insn::Exit);
        }
        _ => return Err(unknown(i, r)),
    };
    let dst = reg(i, r, "dst", r.dst)?;
    let src = if x {
        if r.imm != 0 {
            return Err(nonzero(i, r, "imm"));
        }
        Operand::Reg(reg(i, r, "src", r.src)?)
    } else {
        if r.src != 0 {
            return Err(nonzero(i, r, "src"));
        }
        Operand::Imm(r.imm)
    };
    Ok(Insn::Jmp {
        width,
        cond,
        dst,
        src,
        off: r.off,
    })
}

const fn cls(width: Width, c32: u8, c64: u8) -> u8 {
    match width {
        Width::W32 => c32,
        Width::W64 => c64,
    }
}

impl Insn {
    /// The wire form of this slot. `LdImm64` yields its first slot; `LdImm64Tail` yields a zero
    /// slot (use [`encode`] for the whole program, which fills the tail's `imm`).
    pub fn to_raw(&self) -> RawInsn {
        let mut r = RawInsn::default();
        match *self {
            Insn::Alu {
                width,
                op,
                dst,
                src,
            } => {
                let (bits, off) = op.wire();
                r.code = cls(width, class::ALU, class::ALU64) | bits;
                r.dst = dst.num();
                r.off = off;
                match src {
                    Operand::Reg(s) => {
                        r.code |= source::X;
                        r.src = s.num();
                    }
                    Operand::Imm(v) => r.imm = v,
                }
            }
            Insn::MovSx {
                width,
                bits,
                dst,
                src,
            } => {
                r.code = cls(width, class::ALU, class::ALU64) | alu::MOV | source::X;
                r.dst = dst.num();
                r.src = src.num();
                r.off = bits as i16;
            }
            Insn::Neg { width, dst } => {
                r.code = cls(width, class::ALU, class::ALU64) | alu::NEG;
                r.dst = dst.num();
            }
            Insn::End { kind, bits, dst } => {
                r.code = match kind {
                    Endian::ToLe => class::ALU | alu::END | source::K,
                    Endian::ToBe => class::ALU | alu::END | source::X,
                    Endian::Swap => class::ALU64 | alu::END | source::K,
                };
                r.dst = dst.num();
                r.imm = bits as i32;
            }
            Insn::Ja { off, long } => {
                if long {
                    r.code = class::JMP32 | jmp::JA;
                    r.imm = off;
                } else {
                    r.code = class::JMP | jmp::JA;
                    r.off = off as i16;
                }
            }
            Insn::Jmp {
                width,
                cond,
                dst,
                src,
                off,
            } => {
                r.code = cls(width, class::JMP32, class::JMP) | cond.wire();
                r.dst = dst.num();
                r.off = off;
                match src {
                    Operand::Reg(s) => {
                        r.code |= source::X;
                        r.src = s.num();
                    }
                    Operand::Imm(v) => r.imm = v,
                }
            }
            Insn::Load {
                size,
                signed,
                dst,
                src,
                off,
            } => {
                r.code = class::LDX | size.wire() | if signed { mode::MEMSX } else { mode::MEM };
                r.dst = dst.num();
                r.src = src.num();
                r.off = off;
            }
            Insn::Store {
                size,
                dst,
                off,
                src,
            } => {
                r.dst = dst.num();
                r.off = off;
                match src {
                    Operand::Reg(s) => {
                        r.code = class::STX | mode::MEM | size.wire();
                        r.src = s.num();
                    }
                    Operand::Imm(v) => {
                        r.code = class::ST | mode::MEM | size.wire();
                        r.imm = v;
                    }
                }
            }
            Insn::Atomic {
                size,
                op,
                fetch,
                dst,
                src,
                off,
            } => {
                r.code = class::STX | mode::ATOMIC | size.wire();
                r.dst = dst.num();
                r.src = src.num();
                r.off = off;
                let f = if fetch { atomic::FETCH } else { 0 };
                r.imm = match op {
                    AtomicOp::Add => atomic::ADD | f,
                    AtomicOp::Or => atomic::OR | f,
                    AtomicOp::And => atomic::AND | f,
                    AtomicOp::Xor => atomic::XOR | f,
                    AtomicOp::Xchg => atomic::XCHG,
                    AtomicOp::CmpXchg => atomic::CMPXCHG,
                };
            }
            Insn::LdImm64 { dst, src, imm } => {
                r.code = opcode::LD_IMM64;
                r.dst = dst.num();
                r.src = src.wire();
                r.imm = imm as u32 as i32;
            }
            Insn::LdImm64Tail => {}
            Insn::LdAbs { size, imm } => {
                r.code = class::LD | mode::ABS | size.wire();
                r.imm = imm;
            }
            Insn::LdInd { size, src, imm } => {
                r.code = class::LD | mode::IND | size.wire();
                r.src = src.num();
                r.imm = imm;
            }
            Insn::Call(t) => {
                r.code = opcode::CALL;
                match t {
                    CallTarget::Helper(id) => r.imm = id,
                    CallTarget::Local(off) => {
                        r.src = pseudo::CALL;
                        r.imm = off;
                    }
                    CallTarget::Kfunc { btf_id, off } => {
                        r.src = pseudo::KFUNC_CALL;
                        r.imm = btf_id;
                        r.off = off;
                    }
                }
            }
            Insn::CallX { reg } => {
                r.code = opcode::CALLX;
                r.dst = reg.num();
            }
            Insn::Exit => r.code = opcode::EXIT,
        }
        r
    }
}

/// An instruction whose typed value the wire cannot hold, with its slot index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncodeError {
    /// Slot index (0-based).
    pub index: usize,
    /// The instruction.
    pub insn: Insn,
    /// Why it cannot be encoded.
    pub reason: &'static str,
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.insn {
            Insn::Ja { off, .. } => format!("goto {off:+}"),
            other => format!("{other:?}"),
        };
        write!(f, "instruction {} (`{what}`): {}", self.index, self.reason)
    }
}

impl std::error::Error for EncodeError {}

impl Insn {
    /// Whether the wire can hold this instruction's typed fields: the one statement of the
    /// offset widths (a short `ja` has the 16-bit `off` field, `gotol` the 32-bit `imm`;
    /// `Jmp`'s `i16` cannot hold more). [`Insn::to_raw`] is exact only for instructions that pass.
    pub fn check_wire(&self) -> Result<(), &'static str> {
        match *self {
            Insn::Ja { off, long: false } if i16::try_from(off).is_err() => {
                Err("a short `ja` has a 16-bit offset; a farther target needs `gotol` (ja32)")
            }
            _ => Ok(()),
        }
    }
}

/// [`encode`], refusing an instruction the wire cannot hold ([`Insn::check_wire`]) instead of
/// truncating its offset.
pub fn try_encode(insns: &[Insn]) -> Result<Vec<RawInsn>, EncodeError> {
    check_wire(insns)?;
    Ok(encode(insns))
}

/// The first instruction of `insns` the wire cannot hold, if any.
pub fn check_wire(insns: &[Insn]) -> Result<(), EncodeError> {
    for (index, insn) in insns.iter().enumerate() {
        insn.check_wire().map_err(|reason| EncodeError {
            index,
            insn: *insn,
            reason,
        })?;
    }
    Ok(())
}

/// [`encode_bytes`], refusing what the wire cannot hold (see [`try_encode`]).
pub fn try_encode_bytes(insns: &[Insn]) -> Result<Vec<u8>, EncodeError> {
    check_wire(insns)?;
    Ok(encode_bytes(insns))
}

/// Encode a decoded program back to raw slots (inverse of [`decode`]). An instruction that
/// fails [`Insn::check_wire`] is truncated here: use [`try_encode`] for values not decoded.
pub fn encode(insns: &[Insn]) -> Vec<RawInsn> {
    let mut out = Vec::with_capacity(insns.len());
    let mut prev_imm_hi: Option<i32> = None;
    for insn in insns {
        match insn {
            Insn::LdImm64Tail => {
                out.push(RawInsn {
                    imm: prev_imm_hi.take().unwrap_or(0),
                    ..RawInsn::default()
                });
            }
            Insn::LdImm64 { imm, .. } => {
                prev_imm_hi = Some((imm >> 32) as u32 as i32);
                out.push(insn.to_raw());
            }
            _ => out.push(insn.to_raw()),
        }
    }
    out
}

/// Encode a decoded program to its byte form.
pub fn encode_bytes(insns: &[Insn]) -> Vec<u8> {
    encode(insns)
        .into_iter()
        .flat_map(|r| r.to_bytes())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_valid_word_round_trips() {
        // Exhaustive over code byte and the interesting field values.
        let regs = [0u8, 1, 10, 11, 15];
        let offs = [0i16, 1, 8, 16, 32, -1];
        let imms = [0i32, 1, 16, 32, 64, 0x41, 0xe1, 0xf1, -1];
        let mut accepted = 0;
        for code in 0..=255u8 {
            for &d in &regs {
                for &s in &regs {
                    for &off in &offs {
                        for &imm in &imms {
                            let r = RawInsn {
                                code,
                                dst: d,
                                src: s,
                                off,
                                imm,
                            };
                            let mut v = vec![r];
                            if code == opcode::LD_IMM64 {
                                v.push(RawInsn {
                                    imm: 7,
                                    ..RawInsn::default()
                                });
                            }
                            if let Ok(insns) = decode(&v) {
                                accepted += 1;
                                assert_eq!(encode(&insns), v, "{insns:?}");
                            }
                        }
                    }
                }
            }
        }
        assert!(accepted > 5_000, "{accepted}");
    }

    #[test]
    fn malformed_words_name_their_index() {
        let good = Insn::Exit.to_raw();
        let bad = RawInsn {
            code: 0x07,
            off: 1,
            ..RawInsn::default()
        };
        let e = decode(&[good, good, bad]).unwrap_err();
        assert_eq!(e.index, 2);
        assert_eq!(e.kind, DecodeErrorKind::NonZeroField { field: "off" });
        let e = decode(&[RawInsn {
            code: opcode::LD_IMM64,
            ..RawInsn::default()
        }])
        .unwrap_err();
        assert_eq!(e.kind, DecodeErrorKind::MissingImm64Tail);
        assert!(decode_bytes(&[0; 12]).is_err());
    }
}
