//! NFP instruction words: [`encode`] packs an [`Insn`] into its 64-bit word (45 instruction
//! bits, then 7 ECC bits at 45..51), [`decode`] unpacks and checks one, strictly.
//!
//! Word layout (masks over the 64-bit word, from the Linux driver's `nfp_asm.h`):
//!
//! ```text
//!  63      52 51   45 44                                            0
//! +----------+-------+-----------------------------------------------+
//! |   zero   |  ECC  |  class bits + fields (see the CLASS tables)    |
//! +----------+-------+-----------------------------------------------+
//! ```
//!
//! The class is told by bits 35..39: `cmd` has bit 39 clear; otherwise bits 36..39 select
//! `alu_shf` (8/9: bit 36 is `DST_AB`), `alu` (a/b), `ld_field`/`br_byte` (c), `br_bit`/`br` (d),
//! `ctx_arb`/`br_alu` (e), `immed`/`mul_step`/`local_csr` (f), bit 35 (and 34) telling the pairs
//! apart. Decoding is strict: the class bits must equal the class base, every bit outside the
//! class's fields must be zero, every field value must be one the model knows, and the ECC
//! must match — so `encode(decode(w)) == w` for every accepted word.
//!
//! ```
//! use nfp_model::encode::{decode, encode};
//! use nfp_model::isa::Insn;
//! let w = encode(&Insn::NOP).unwrap();
//! assert_eq!(decode(w).unwrap(), Insn::NOP);
//! assert!(decode(w ^ 1).is_err()); // a flipped bit breaks the ECC
//! ```

use crate::isa::*;
use std::fmt;

/// The ECC parity masks: bit `45 + i` is the parity of `insn & ECC_MASKS[i]`.
pub const ECC_MASKS: [u64; 7] = [
    0x0ff8_0000_7fff,
    0x11f8_01ff_801f,
    0x1e38_7e07_81e1,
    0x17cb_8e38_8e22,
    0x1af5_b2c9_3244,
    0x1f56_d552_5488,
    0x0daf_69a4_6910,
];

/// Bits of the instruction proper (below the ECC).
pub const INSN_BITS: u64 = (1 << 45) - 1;

/// The 7 ECC bits of instruction bits `insn` (which must fit in 45 bits).
pub fn ecc(insn: u64) -> u64 {
    let mut e = 0;
    for (i, m) in ECC_MASKS.iter().enumerate() {
        e |= ((insn & m).count_ones() as u64 & 1) << i;
    }
    e
}

/// `insn` with its ECC bits added.
pub fn with_ecc(insn: u64) -> u64 {
    insn | ecc(insn) << 45
}

/// Field masks of each class, as in `nfp_asm.h`.
#[allow(missing_docs)]
pub mod field {
    pub mod alu {
        pub const BASE: u64 = 0x0a0_0000_0000;
        pub const CLASS: u64 = 0x1e0_0000_0000;
        pub const A_SRC: u64 = 0x3ff;
        pub const B_SRC: u64 = 0xffc00;
        pub const DST: u64 = 0x3ff0_0000;
        pub const SW: u64 = 0x4000_0000;
        pub const OP: u64 = 0xf_8000_0000;
        pub const DST_AB: u64 = 0x10_0000_0000;
        pub const WR_AB: u64 = 0x200_0000_0000;
        pub const SRC_LMEXTN: u64 = 0x400_0000_0000;
        pub const DST_LMEXTN: u64 = 0x800_0000_0000;
    }
    pub mod shf {
        pub const BASE: u64 = 0x080_0000_0000;
        pub const CLASS: u64 = 0x1e0_0000_0000;
        pub const A_SRC: u64 = 0xff;
        pub const SC: u64 = 0x300;
        pub const B_SRC: u64 = 0x3fc00;
        pub const I8: u64 = 0x40000;
        pub const SW: u64 = 0x80000;
        pub const DST: u64 = 0xff0_0000;
        pub const SHIFT: u64 = 0x1_f000_0000;
        pub const OP: u64 = 0xe_0000_0000;
        pub const DST_AB: u64 = 0x10_0000_0000;
        pub const WR_AB: u64 = 0x200_0000_0000;
    }
    pub mod ldf {
        pub const BASE: u64 = 0x0c0_0000_0000;
        pub const CLASS: u64 = 0x1f8_0000_0000;
        pub const A_SRC: u64 = 0xff;
        pub const SC: u64 = 0x300;
        pub const B_SRC: u64 = 0x3fc00;
        pub const I8: u64 = 0x40000;
        pub const SW: u64 = 0x80000;
        pub const ZF: u64 = 0x100000;
        pub const BMASK: u64 = 0xf00_0000;
        pub const SHF: u64 = 0x1_f000_0000;
        pub const WR_AB: u64 = 0x200_0000_0000;
    }
    pub mod immed {
        pub const BASE: u64 = 0x0f0_0000_0000;
        pub const CLASS: u64 = 0x1f8_0000_0000;
        pub const A_SRC: u64 = 0x3ff;
        pub const B_SRC: u64 = 0xffc00;
        pub const IMM: u64 = 0xff0_0000;
        pub const WIDTH: u64 = 0x6000_0000;
        pub const INV: u64 = 0x8000_0000;
        pub const SHIFT: u64 = 0x6_0000_0000;
        pub const WR_AB: u64 = 0x200_0000_0000;
    }
    pub mod mul {
        pub const BASE: u64 = 0x0f8_0000_0000;
        pub const CLASS: u64 = 0x1fc_0000_0000;
        pub const A_SRC: u64 = 0x3ff;
        pub const B_SRC: u64 = 0xffc00;
        pub const STEP: u64 = 0x70_0000;
        pub const DST_AB: u64 = 0x80_0000;
        pub const SW: u64 = 0x4000_0000;
        pub const TYPE: u64 = 0x1_8000_0000;
        pub const WR_AB: u64 = 0x200_0000_0000;
    }
    pub mod br {
        pub const BASE: u64 = 0x0d8_0000_0020;
        pub const CLASS: u64 = 0x0f8_000c_3ce0;
        pub const MASK: u64 = 0x1f;
        pub const EV_PIP: u64 = 0x300;
        pub const CSS: u64 = 0x3c000;
        pub const DEFBR: u64 = 0x30_0000;
        pub const ADDR_LO: u64 = 0x7_ffc0_0000;
        pub const ADDR_HI: u64 = 0x100_0000_0000;
    }
    pub mod br_bit {
        pub const BASE: u64 = 0x0d0_0000_0000;
        pub const CLASS: u64 = 0x0f8_0008_0300;
        pub const A_SRC: u64 = 0xff;
        pub const B_SRC: u64 = 0x3fc00;
        pub const BV: u64 = 0x40000;
        pub const DEFBR: u64 = 0x30_0000;
        pub const ADDR_LO: u64 = 0x7_ffc0_0000;
        pub const ADDR_HI: u64 = 0x100_0000_0000;
    }
    pub mod br_byte {
        pub const BASE: u64 = 0x0c8_0000_0000;
        pub const CLASS: u64 = 0x0f8_0000_0000;
        pub const A_SRC: u64 = 0xff;
        pub const BYTE: u64 = 0x300;
        pub const B_SRC: u64 = 0x3fc00;
        pub const I8: u64 = 0x40000;
        pub const EQ: u64 = 0x80000;
        pub const DEFBR: u64 = 0x30_0000;
        pub const ADDR_LO: u64 = 0x7_ffc0_0000;
        pub const ADDR_HI: u64 = 0x100_0000_0000;
    }
    pub mod br_alu {
        pub const BASE: u64 = 0x0e8_0000_0000;
        pub const CLASS: u64 = 0x0ff_8000_0000;
        pub const A_SRC: u64 = 0x3ff;
        pub const B_SRC: u64 = 0xffc00;
        pub const DEFBR: u64 = 0x30_0000;
        pub const IMM_HI: u64 = 0x7fc0_0000;
    }
    pub mod csr {
        pub const BASE: u64 = 0x0fc_0000_0000;
        pub const CLASS: u64 = 0x1fc_0000_0000;
        pub const A_SRC: u64 = 0x3ff;
        pub const B_SRC: u64 = 0xffc00;
        pub const WRITE: u64 = 0x20_0000;
        pub const ADDR: u64 = 0x1_ffc0_0000;
    }
    pub mod ctx_arb {
        pub const BASE: u64 = 0x0e0_0000_0000;
        pub const CLASS: u64 = 0x0f8_0000_0000;
        pub const OR: u64 = 0x10000;
    }
    pub mod cmd {
        pub const BASE: u64 = 0;
        pub const CLASS: u64 = 0x080_0000_0000;
        pub const A_SRC: u64 = 0xff;
        pub const CTX: u64 = 0x300;
        pub const B_SRC: u64 = 0x3fc00;
        pub const TOKEN: u64 = 0xc0000;
        pub const XFER: u64 = 0x1f0_0000;
        pub const CNT: u64 = 0xe00_0000;
        pub const SIG: u64 = 0xf000_0000;
        pub const TGT_CMD: u64 = 0x7f_0000_0000;
        pub const INDIR: u64 = 0x200_0000_0000;
        pub const MODE: u64 = 0x1c00_0000_0000;
    }
}

/// Why an instruction cannot be encoded, or a word cannot be decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncodingError(pub String);

impl fmt::Display for EncodingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for EncodingError {}

fn err<T>(msg: impl Into<String>) -> Result<T, EncodingError> {
    Err(EncodingError(msg.into()))
}

/// `v` placed in `mask` (v must fit).
fn put(mask: u64, v: u64) -> u64 {
    (v << mask.trailing_zeros()) & mask
}

/// The value of field `mask` in `w`.
fn get(w: u64, mask: u64) -> u64 {
    (w & mask) >> mask.trailing_zeros()
}

// ---- operands ----

fn ureg(o: Ureg) -> u64 {
    match o {
        Ureg::Gpr(g) => g.num() as u64,
        Ureg::Xfer(x) => 0x180 | x.num() as u64,
        Ureg::Lm(Lm::At { ptr, off }) => 0x200 | (ptr as u64 & 1) << 5 | (off as u64 & 15),
        Ureg::Lm(Lm::PostInc { ptr }) => 0x210 | (ptr as u64 & 1) << 5,
        Ureg::Lm(Lm::PostDec { ptr }) => 0x211 | (ptr as u64 & 1) << 5,
        Ureg::Nn => 0x280,
        Ureg::Imm(v) => 0x300 | v as u64,
    }
}

fn check_ureg(o: Ureg) -> Result<(), EncodingError> {
    match o {
        Ureg::Lm(Lm::At { ptr, off }) if ptr > 1 || off > 15 => {
            err("LM operand: pointer 0/1 and offset 0..15 only")
        }
        Ureg::Lm(Lm::PostInc { ptr } | Lm::PostDec { ptr }) if ptr > 1 => {
            err("LM operand: pointer 0/1 only")
        }
        _ => Ok(()),
    }
}

fn un_ureg(v: u64) -> Result<Ureg, EncodingError> {
    Ok(match v {
        0..=0x1f => Ureg::Gpr(Gpr::new(v as u8).expect("< 32")),
        0x180..=0x19f => Ureg::Xfer(Xfer::new((v & 0x1f) as u8).expect("< 32")),
        0x200..=0x27f => {
            if v & 0x40 != 0 {
                return err(format!("unknown unrestricted operand {v:#x}"));
            }
            let ptr = ((v >> 5) & 1) as u8;
            if v & 0x10 == 0 {
                Ureg::Lm(Lm::At {
                    ptr,
                    off: (v & 15) as u8,
                })
            } else {
                match v & 15 {
                    0 => Ureg::Lm(Lm::PostInc { ptr }),
                    1 => Ureg::Lm(Lm::PostDec { ptr }),
                    _ => return err(format!("unknown LM post-modify operand {v:#x}")),
                }
            }
        }
        0x280 => Ureg::Nn,
        0x300..=0x3ff => Ureg::Imm((v & 0xff) as u8),
        _ => return err(format!("unknown unrestricted operand {v:#x}")),
    })
}

/// (field, i8 bit) of a restricted operand.
fn rreg(o: Rreg) -> Result<(u64, u64), EncodingError> {
    Ok(match o {
        Rreg::Gpr(g) => (g.num() as u64, 0),
        Rreg::Imm(v) => {
            let v = v as u64;
            (0x20 | (v & 0x1f) | (v & 0x60) << 1, v >> 7)
        }
        Rreg::Lm { ptr, off } => {
            if ptr > 1 || off > 7 {
                return err("restricted LM operand: pointer 0/1 and offset 0..7 only");
            }
            (0x50 | (ptr as u64) << 3 | off as u64, 0)
        }
        Rreg::Xfer(x) => (0x80 | x.num() as u64, 0),
    })
}

fn un_rreg(v: u64, i8: u64) -> Result<Rreg, EncodingError> {
    if v & 0x20 != 0 {
        return Ok(Rreg::Imm(
            ((v & 0x1f) | (v >> 1) & 0x60 | (i8 & 1) << 7) as u8,
        ));
    }
    Ok(match v {
        0..=0x1f => Rreg::Gpr(Gpr::new(v as u8).expect("< 32")),
        0x50..=0x5f => Rreg::Lm {
            ptr: ((v >> 3) & 1) as u8,
            off: (v & 7) as u8,
        },
        0x80..=0x9f => Rreg::Xfer(Xfer::new((v & 0x1f) as u8).expect("< 32")),
        _ => return err(format!("unknown restricted operand {v:#x}")),
    })
}

/// Encode two restricted operands sharing one I8 bit; `has_i8`: the class has the bit.
fn rpair(a: Rreg, b: Rreg, has_i8: bool) -> Result<(u64, u64, u64), EncodingError> {
    let (fa, ia) = rreg(a)?;
    let (fb, ib) = rreg(b)?;
    if ia != 0 && ib != 0 {
        if let (Rreg::Imm(x), Rreg::Imm(y)) = (a, b) {
            if x >> 7 != y >> 7 {
                return err("two immediates disagree on the I8 bit");
            }
        }
    }
    let i8 = ia | ib;
    if i8 != 0 && !has_i8 {
        return err("immediate above 127 in a class without the I8 bit");
    }
    // An immediate with bit 7 clear next to one with it set cannot be encoded.
    if i8 != 0 {
        let clear = |r: Rreg| matches!(r, Rreg::Imm(v) if v < 128);
        if clear(a) || clear(b) {
            return err("two immediates disagree on the I8 bit");
        }
    }
    Ok((fa, fb, i8))
}

/// Unrestricted destination: (field, dst_ab, wr_ab, lmextn).
fn udst(d: Dst) -> Result<(u64, u64, u64, u64), EncodingError> {
    Ok(match d {
        Dst::Gpr { bank, reg, both } => {
            (reg.num() as u64, (bank == Bank::B) as u64, both as u64, 0)
        }
        Dst::Xfer(x) => (0x180 | x.num() as u64, 0, 0, 0),
        Dst::Lm { ptr, off } => {
            if ptr > 3 || off > 15 {
                return err("LM destination: pointer 0..3 and offset 0..15 only");
            }
            (
                0x200 | (ptr as u64 & 1) << 5 | off as u64,
                0,
                0,
                ptr as u64 >> 1,
            )
        }
        Dst::None => (0x300, 0, 0, 0),
    })
}

fn un_udst(v: u64, dst_ab: u64, wr_ab: u64, extn: u64) -> Result<Dst, EncodingError> {
    let d = match un_ureg(v)? {
        Ureg::Gpr(_) if extn != 0 => return err("LM extension set for a GPR destination"),
        Ureg::Gpr(reg) => {
            return Ok(Dst::Gpr {
                bank: if dst_ab != 0 { Bank::B } else { Bank::A },
                reg,
                both: wr_ab != 0,
            })
        }
        Ureg::Xfer(x) => Dst::Xfer(x),
        Ureg::Lm(Lm::At { ptr, off }) => Dst::Lm {
            ptr: ptr | (extn as u8) << 1,
            off,
        },
        Ureg::Imm(0) => Dst::None,
        other => return err(format!("{other:?} cannot be a destination")),
    };
    if dst_ab != 0 || wr_ab != 0 || (extn != 0 && !matches!(d, Dst::Lm { .. })) {
        return err("bank bits set for a non-GPR destination");
    }
    Ok(d)
}

/// Restricted destination: (field, dst_ab, wr_ab).
fn rdst(d: Dst) -> Result<(u64, u64, u64), EncodingError> {
    Ok(match d {
        Dst::Gpr { bank, reg, both } => (reg.num() as u64, (bank == Bank::B) as u64, both as u64),
        Dst::Xfer(x) => (0x80 | x.num() as u64, 0, 0),
        Dst::Lm { ptr, off } => (rreg(Rreg::Lm { ptr, off })?.0, 0, 0),
        Dst::None => (0x20, 0, 0),
    })
}

fn un_rdst(v: u64, dst_ab: u64, wr_ab: u64) -> Result<Dst, EncodingError> {
    let d = match un_rreg(v, 0)? {
        Rreg::Gpr(reg) => {
            return Ok(Dst::Gpr {
                bank: if dst_ab != 0 { Bank::B } else { Bank::A },
                reg,
                both: wr_ab != 0,
            })
        }
        Rreg::Xfer(x) => Dst::Xfer(x),
        Rreg::Lm { ptr, off } => Dst::Lm { ptr, off },
        Rreg::Imm(0) => Dst::None,
        Rreg::Imm(_) => return err("an immediate cannot be a destination"),
    };
    if dst_ab != 0 || wr_ab != 0 {
        return err("bank bits set for a non-GPR destination");
    }
    Ok(d)
}

fn addr_fields(addr: Addr, lo: u64, hi: u64) -> u64 {
    let a = addr.get() as u64;
    put(lo, a & 0x1fff) | put(hi, a >> 13)
}

fn un_addr(w: u64, lo: u64, hi: u64) -> Addr {
    Addr::new((get(w, lo) | get(w, hi) << 13) as u32).expect("14 bits")
}

fn lm_extn_src(a: Ureg, b: Ureg, extn: bool) -> Result<(), EncodingError> {
    if extn && !matches!(a, Ureg::Lm(_)) && !matches!(b, Ureg::Lm(_)) {
        return err("LM extension without an LM source");
    }
    Ok(())
}

/// The instruction bits (no ECC) of `insn`.
pub fn encode_bits(insn: &Insn) -> Result<u64, EncodingError> {
    use field::*;
    Ok(match *insn {
        Insn::Alu {
            dst,
            a,
            op,
            b,
            swap,
            src_lmextn,
        } => {
            check_ureg(a)?;
            check_ureg(b)?;
            lm_extn_src(a, b, src_lmextn)?;
            let (d, dab, wab, dext) = udst(dst)?;
            alu::BASE
                | put(alu::A_SRC, ureg(a))
                | put(alu::B_SRC, ureg(b))
                | put(alu::DST, d)
                | put(alu::SW, swap as u64)
                | put(alu::OP, op.code() as u64)
                | put(alu::DST_AB, dab)
                | put(alu::WR_AB, wab)
                | put(alu::SRC_LMEXTN, src_lmextn as u64)
                | put(alu::DST_LMEXTN, dext)
        }
        Insn::AluShf {
            dst,
            a,
            op,
            b,
            swap,
            kind,
            amount,
        } => {
            let (fa, fb, i8) = rpair(a, b, true)?;
            let (d, dab, wab) = rdst(dst)?;
            let sh = match (amount, kind) {
                (ShiftAmount::Indirect, _) => 0,
                (ShiftAmount::By(n), _) if n == 0 || n > 31 => return err("shift 1..31"),
                (ShiftAmount::By(n), ShiftKind::Left) => 32 - n as u64,
                (ShiftAmount::By(n), _) => n as u64,
            };
            shf::BASE
                | put(shf::A_SRC, fa)
                | put(shf::SC, kind.code() as u64)
                | put(shf::B_SRC, fb)
                | put(shf::I8, i8)
                | put(shf::SW, swap as u64)
                | put(shf::DST, d)
                | put(shf::SHIFT, sh)
                | put(shf::OP, op.code() as u64)
                | put(shf::DST_AB, dab)
                | put(shf::WR_AB, wab)
        }
        Insn::LdField {
            a,
            bmask,
            b,
            kind,
            shift,
            clear,
            both,
        } => {
            if bmask > 15 || shift > 31 {
                return err("ld_field: byte mask 0..15, shift 0..31");
            }
            if matches!(a, Rreg::Imm(_)) {
                return err("ld_field: the updated operand cannot be an immediate");
            }
            let (fa, fb, i8) = rpair(a, b, true)?;
            ldf::BASE
                | put(ldf::A_SRC, fa)
                | put(ldf::SC, kind.code() as u64)
                | put(ldf::B_SRC, fb)
                | put(ldf::I8, i8)
                | put(ldf::ZF, clear as u64)
                | put(ldf::BMASK, bmask as u64)
                | put(ldf::SHF, shift as u64)
                | put(ldf::WR_AB, both as u64)
        }
        Insn::Immed {
            dst,
            imm,
            width,
            shift,
            inv,
        } => {
            if shift > 2 {
                return err("immed: shift 0..2 bytes");
            }
            let lo = 0x300 | (imm & 0xff) as u64;
            let (fa, fb, wab) = match dst {
                Dst::Gpr {
                    bank: Bank::B,
                    reg,
                    both: false,
                } => (lo, reg.num() as u64, 0),
                Dst::Gpr {
                    bank: Bank::B,
                    both: true,
                    ..
                } => return err("immed: a write to both banks is encoded as bank A"),
                Dst::Gpr { reg, both, .. } => (reg.num() as u64, lo, both as u64),
                Dst::Xfer(x) => (0x180 | x.num() as u64, lo, 0),
                Dst::Lm { ptr, off } => {
                    if ptr > 1 || off > 15 {
                        return err("immed: LM destination pointer 0/1, offset 0..15");
                    }
                    (ureg(Ureg::Lm(Lm::At { ptr, off })), lo, 0)
                }
                Dst::None => (0x300, lo, 0),
            };
            let wd = match width {
                ImmWidth::All => 0,
                ImmWidth::Byte => 1,
                ImmWidth::Word => 2,
            };
            immed::BASE
                | put(immed::A_SRC, fa)
                | put(immed::B_SRC, fb)
                | put(immed::IMM, (imm >> 8) as u64)
                | put(immed::WIDTH, wd)
                | put(immed::INV, inv as u64)
                | put(immed::SHIFT, shift as u64)
                | put(immed::WR_AB, wab)
        }
        Insn::Mul {
            step,
            ty,
            a,
            b,
            dst,
        } => {
            let st = match step {
                MulStep::Step(n @ 1..=4) => n as u64 - 1,
                MulStep::Step(_) => return err("mul_step: steps 1..4"),
                MulStep::Last => 4,
                MulStep::Last2 => 5,
            };
            let tyc = match ty {
                MulType::Start => 0,
                MulType::Step24x8 => 1,
                MulType::Step16x16 => 2,
                MulType::Step32x32 => 3,
            };
            let last = matches!(step, MulStep::Last | MulStep::Last2) && ty != MulType::Start;
            let (fa, fb, dab, wab) = if last {
                if a != Ureg::NONE || b != Ureg::NONE {
                    return err("mul_step last: operands come from the product");
                }
                match dst {
                    Dst::Gpr {
                        bank: Bank::B,
                        reg,
                        both,
                    } => (0x300, reg.num() as u64, 1, both as u64),
                    Dst::Gpr { reg, both, .. } => (reg.num() as u64, 0x300, 0, both as u64),
                    Dst::None => (0x300, 0x300, 0, 0),
                    _ => return err("mul_step last: GPR destination only"),
                }
            } else {
                if dst != Dst::None {
                    return err("mul_step: only last steps write a destination");
                }
                check_ureg(a)?;
                check_ureg(b)?;
                (ureg(a), ureg(b), 0, 0)
            };
            mul::BASE
                | put(mul::A_SRC, fa)
                | put(mul::B_SRC, fb)
                | put(mul::STEP, st)
                | put(mul::DST_AB, dab)
                | put(mul::TYPE, tyc)
                | put(mul::WR_AB, wab)
        }
        Insn::Br { cond, addr, defer } => {
            br::BASE
                | put(br::MASK, cond.code() as u64)
                | put(br::DEFBR, defer.get() as u64)
                | addr_fields(addr, br::ADDR_LO, br::ADDR_HI)
        }
        Insn::BrBit {
            a,
            bit,
            set,
            addr,
            defer,
        } => {
            if bit > 31 {
                return err("br_bit: bit 0..31");
            }
            let (fa, fb, _) = rpair(a, Rreg::Imm(bit), false)?;
            br_bit::BASE
                | put(br_bit::A_SRC, fa)
                | put(br_bit::B_SRC, fb)
                | put(br_bit::BV, set as u64)
                | put(br_bit::DEFBR, defer.get() as u64)
                | addr_fields(addr, br_bit::ADDR_LO, br_bit::ADDR_HI)
        }
        Insn::BrByte {
            a,
            byte,
            b,
            eq,
            addr,
            defer,
        } => {
            if byte > 3 {
                return err("br_byte: byte 0..3");
            }
            let (fa, fb, i8) = rpair(a, b, true)?;
            br_byte::BASE
                | put(br_byte::A_SRC, fa)
                | put(br_byte::BYTE, byte as u64)
                | put(br_byte::B_SRC, fb)
                | put(br_byte::I8, i8)
                | put(br_byte::EQ, eq as u64)
                | put(br_byte::DEFBR, defer.get() as u64)
                | addr_fields(addr, br_byte::ADDR_LO, br_byte::ADDR_HI)
        }
        Insn::BrAlu {
            a,
            b,
            imm_hi,
            defer,
        } => {
            if imm_hi > 0x1ff {
                return err("br_alu: immediate high bits 0..511");
            }
            check_ureg(a)?;
            check_ureg(b)?;
            br_alu::BASE
                | put(br_alu::A_SRC, ureg(a))
                | put(br_alu::B_SRC, ureg(b))
                | put(br_alu::DEFBR, defer.get() as u64)
                | put(br_alu::IMM_HI, imm_hi as u64)
        }
        Insn::LocalCsr { csr, write, a, b } => {
            if csr > 0x7ff {
                return err("local_csr: CSR number 0..0x7ff");
            }
            check_ureg(a)?;
            check_ureg(b)?;
            csr::BASE
                | put(csr::A_SRC, ureg(a))
                | put(csr::B_SRC, ureg(b))
                | put(csr::WRITE, write as u64)
                | put(csr::ADDR, csr as u64)
        }
        Insn::CtxArb { any } => ctx_arb::BASE | put(ctx_arb::OR, any as u64),
        Insn::Cmd {
            op,
            xfer,
            count,
            a,
            b,
            ctx,
            sig,
            mode,
            indir,
        } => {
            if count > 7 || sig > 15 {
                return err("cmd: count 0..7, signal 0..15");
            }
            let (fa, fb, _) = rpair(a, b, false)?;
            let (token, tgt) = op.code();
            let c = match ctx {
                CtxSwap::Swap => 0,
                CtxSwap::SwapDefer1 => 1,
                CtxSwap::SwapDefer2 => 2,
                CtxSwap::NoSwap => 3,
            };
            cmd::BASE
                | put(cmd::A_SRC, fa)
                | put(cmd::CTX, c)
                | put(cmd::B_SRC, fb)
                | put(cmd::TOKEN, token as u64)
                | put(cmd::XFER, xfer.num() as u64)
                | put(cmd::CNT, count as u64)
                | put(cmd::SIG, sig as u64)
                | put(cmd::TGT_CMD, tgt as u64)
                | put(cmd::INDIR, indir as u64)
                | put(cmd::MODE, mode.code() as u64)
        }
    })
}

/// The 64-bit word of `insn`, ECC included.
pub fn encode(insn: &Insn) -> Result<u64, EncodingError> {
    encode_bits(insn).map(with_ecc)
}

/// Every field mask of a class ORed together, with its class mask.
fn known_bits(class: u64, fields: &[u64]) -> u64 {
    fields.iter().fold(class, |a, f| a | f)
}

fn strict(w: u64, base: u64, class: u64, fields: &[u64]) -> Result<(), EncodingError> {
    if w & class != base {
        return err(format!("{w:#013x}: class bits do not match"));
    }
    let stray = w & !known_bits(class, fields);
    if stray != 0 {
        return err(format!(
            "{w:#013x}: bits {stray:#x} outside every field are set"
        ));
    }
    Ok(())
}

fn defer(w: u64, mask: u64) -> Result<Defer, EncodingError> {
    Defer::new(get(w, mask) as u8).ok_or_else(|| EncodingError("defer 3 is not used".into()))
}

/// Decode a 64-bit word: ECC checked, every field checked.
#[allow(clippy::too_many_lines)]
pub fn decode(word: u64) -> Result<Insn, EncodingError> {
    use field::*;
    if word >> 52 != 0 {
        return err(format!("{word:#018x}: bits above 51 are set"));
    }
    let w = word & INSN_BITS;
    if ecc(w) != word >> 45 {
        return err(format!(
            "{word:#018x}: ECC {:#04x} does not match {:#04x}",
            word >> 45,
            ecc(w)
        ));
    }
    if w & (1 << 39) == 0 {
        strict(
            w,
            cmd::BASE,
            cmd::CLASS,
            &[
                cmd::A_SRC,
                cmd::CTX,
                cmd::B_SRC,
                cmd::TOKEN,
                cmd::XFER,
                cmd::CNT,
                cmd::SIG,
                cmd::TGT_CMD,
                cmd::INDIR,
                cmd::MODE,
            ],
        )?;
        let op = CmdOp::from_code(get(w, cmd::TOKEN) as u8, get(w, cmd::TGT_CMD) as u8)
            .ok_or_else(|| {
                EncodingError(format!(
                    "unknown command token {} target {:#x}",
                    get(w, cmd::TOKEN),
                    get(w, cmd::TGT_CMD)
                ))
            })?;
        let mode = match get(w, cmd::MODE) {
            0 => AddrMode::Bits40AB,
            1 => AddrMode::Bits40BA,
            4 => AddrMode::Bits32,
            m => return err(format!("unknown address mode {m}")),
        };
        let ctx = match get(w, cmd::CTX) {
            0 => CtxSwap::Swap,
            1 => CtxSwap::SwapDefer1,
            2 => CtxSwap::SwapDefer2,
            _ => CtxSwap::NoSwap,
        };
        return Ok(Insn::Cmd {
            op,
            xfer: Xfer::new(get(w, cmd::XFER) as u8).expect("5 bits"),
            count: get(w, cmd::CNT) as u8,
            a: un_rreg(get(w, cmd::A_SRC), 0)?,
            b: un_rreg(get(w, cmd::B_SRC), 0)?,
            ctx,
            sig: get(w, cmd::SIG) as u8,
            mode,
            indir: w & cmd::INDIR != 0,
        });
    }
    let b35 = w & (1 << 35) != 0;
    let b34 = w & (1 << 34) != 0;
    match (w >> 36) & 0xf {
        0x8 | 0x9 => {
            strict(
                w,
                shf::BASE,
                shf::CLASS,
                &[
                    shf::A_SRC,
                    shf::SC,
                    shf::B_SRC,
                    shf::I8,
                    shf::SW,
                    shf::DST,
                    shf::SHIFT,
                    shf::OP,
                    shf::DST_AB,
                    shf::WR_AB,
                ],
            )?;
            let i8 = get(w, shf::I8);
            let a = un_rreg(get(w, shf::A_SRC), i8)?;
            let b = un_rreg(get(w, shf::B_SRC), i8)?;
            if i8 != 0 && !matches!(a, Rreg::Imm(_)) && !matches!(b, Rreg::Imm(_)) {
                return err("I8 set without an immediate operand");
            }
            let kind = ShiftKind::from_code(get(w, shf::SC) as u8);
            let f = get(w, shf::SHIFT) as u8;
            let amount = match (f, kind) {
                (0, _) => ShiftAmount::Indirect,
                (f, ShiftKind::Left) => ShiftAmount::By(32 - f),
                (f, _) => ShiftAmount::By(f),
            };
            Ok(Insn::AluShf {
                dst: un_rdst(get(w, shf::DST), get(w, shf::DST_AB), get(w, shf::WR_AB))?,
                a,
                op: ShfOp::from_code(get(w, shf::OP) as u8)
                    .ok_or_else(|| EncodingError("unknown alu_shf op".into()))?,
                b,
                swap: w & shf::SW != 0,
                kind,
                amount,
            })
        }
        0xa | 0xb => {
            strict(
                w,
                alu::BASE,
                alu::CLASS,
                &[
                    alu::A_SRC,
                    alu::B_SRC,
                    alu::DST,
                    alu::SW,
                    alu::OP,
                    alu::DST_AB,
                    alu::WR_AB,
                    alu::SRC_LMEXTN,
                    alu::DST_LMEXTN,
                ],
            )?;
            let a = un_ureg(get(w, alu::A_SRC))?;
            let b = un_ureg(get(w, alu::B_SRC))?;
            let src_lmextn = w & alu::SRC_LMEXTN != 0;
            lm_extn_src(a, b, src_lmextn)?;
            Ok(Insn::Alu {
                dst: un_udst(
                    get(w, alu::DST),
                    get(w, alu::DST_AB),
                    get(w, alu::WR_AB),
                    get(w, alu::DST_LMEXTN),
                )?,
                a,
                op: AluOp::from_code(get(w, alu::OP) as u8).ok_or_else(|| {
                    EncodingError(format!("unknown alu op {:#x}", get(w, alu::OP)))
                })?,
                b,
                swap: w & alu::SW != 0,
                src_lmextn,
            })
        }
        0xc if !b35 => {
            strict(
                w,
                ldf::BASE,
                ldf::CLASS,
                &[
                    ldf::A_SRC,
                    ldf::SC,
                    ldf::B_SRC,
                    ldf::I8,
                    ldf::ZF,
                    ldf::BMASK,
                    ldf::SHF,
                    ldf::WR_AB,
                ],
            )?;
            let i8 = get(w, ldf::I8);
            let a = un_rreg(get(w, ldf::A_SRC), 0)?;
            if matches!(a, Rreg::Imm(_)) {
                return err("ld_field: the updated operand cannot be an immediate");
            }
            if i8 != 0 && get(w, ldf::B_SRC) & 0x20 == 0 {
                return err("I8 set without an immediate operand");
            }
            Ok(Insn::LdField {
                a,
                bmask: get(w, ldf::BMASK) as u8,
                b: un_rreg(get(w, ldf::B_SRC), i8)?,
                kind: ShiftKind::from_code(get(w, ldf::SC) as u8),
                shift: get(w, ldf::SHF) as u8,
                clear: w & ldf::ZF != 0,
                both: w & ldf::WR_AB != 0,
            })
        }
        0xc => {
            strict(
                w,
                br_byte::BASE,
                br_byte::CLASS,
                &[
                    br_byte::A_SRC,
                    br_byte::BYTE,
                    br_byte::B_SRC,
                    br_byte::I8,
                    br_byte::EQ,
                    br_byte::DEFBR,
                    br_byte::ADDR_LO,
                    br_byte::ADDR_HI,
                ],
            )?;
            let i8 = get(w, br_byte::I8);
            let a = un_rreg(get(w, br_byte::A_SRC), i8)?;
            let b = un_rreg(get(w, br_byte::B_SRC), i8)?;
            if i8 != 0 && !matches!(a, Rreg::Imm(_)) && !matches!(b, Rreg::Imm(_)) {
                return err("I8 set without an immediate operand");
            }
            Ok(Insn::BrByte {
                a,
                byte: get(w, br_byte::BYTE) as u8,
                b,
                eq: w & br_byte::EQ != 0,
                addr: un_addr(w, br_byte::ADDR_LO, br_byte::ADDR_HI),
                defer: defer(w, br_byte::DEFBR)?,
            })
        }
        0xd if b35 => {
            strict(
                w,
                br::BASE,
                br::CLASS,
                &[
                    br::MASK,
                    br::DEFBR,
                    br::ADDR_LO,
                    br::ADDR_HI,
                    // EV_PIP and CSS are not modelled: they must be zero.
                ],
            )?;
            Ok(Insn::Br {
                cond: BrCond::from_code(get(w, br::MASK) as u8).ok_or_else(|| {
                    EncodingError(format!("unknown branch mask {:#x}", get(w, br::MASK)))
                })?,
                addr: un_addr(w, br::ADDR_LO, br::ADDR_HI),
                defer: defer(w, br::DEFBR)?,
            })
        }
        0xd => {
            strict(
                w,
                br_bit::BASE,
                br_bit::CLASS,
                &[
                    br_bit::A_SRC,
                    br_bit::B_SRC,
                    br_bit::BV,
                    br_bit::DEFBR,
                    br_bit::ADDR_LO,
                    br_bit::ADDR_HI,
                ],
            )?;
            let bit = match un_rreg(get(w, br_bit::B_SRC), 0)? {
                Rreg::Imm(b) if b < 32 => b,
                _ => return err("br_bit: the bit number must be an immediate 0..31"),
            };
            Ok(Insn::BrBit {
                a: un_rreg(get(w, br_bit::A_SRC), 0)?,
                bit,
                set: w & br_bit::BV != 0,
                addr: un_addr(w, br_bit::ADDR_LO, br_bit::ADDR_HI),
                defer: defer(w, br_bit::DEFBR)?,
            })
        }
        0xe if b35 => {
            strict(
                w,
                br_alu::BASE,
                br_alu::CLASS,
                &[br_alu::A_SRC, br_alu::B_SRC, br_alu::DEFBR, br_alu::IMM_HI],
            )?;
            Ok(Insn::BrAlu {
                a: un_ureg(get(w, br_alu::A_SRC))?,
                b: un_ureg(get(w, br_alu::B_SRC))?,
                imm_hi: get(w, br_alu::IMM_HI) as u16,
                defer: defer(w, br_alu::DEFBR)?,
            })
        }
        0xe => {
            strict(w, ctx_arb::BASE, ctx_arb::CLASS, &[ctx_arb::OR])?;
            Ok(Insn::CtxArb {
                any: w & ctx_arb::OR != 0,
            })
        }
        0xf if !b35 => {
            strict(
                w,
                immed::BASE,
                immed::CLASS,
                &[
                    immed::A_SRC,
                    immed::B_SRC,
                    immed::IMM,
                    immed::WIDTH,
                    immed::INV,
                    immed::SHIFT,
                    immed::WR_AB,
                ],
            )?;
            let fa = get(w, immed::A_SRC);
            let fb = get(w, immed::B_SRC);
            let wab = get(w, immed::WR_AB);
            let (dst, lo) = if fb >= 0x300 {
                (un_udst(fa, 0, wab, 0)?, fb & 0xff)
            } else if fa >= 0x300 {
                match un_ureg(fb)? {
                    Ureg::Gpr(reg) if wab == 0 => (
                        Dst::Gpr {
                            bank: Bank::B,
                            reg,
                            both: false,
                        },
                        fa & 0xff,
                    ),
                    _ => return err("immed: a B-field destination must be a bank B GPR"),
                }
            } else {
                return err("immed: neither field holds the immediate");
            };
            if let Dst::Lm { ptr, .. } = dst {
                if ptr > 1 {
                    return err("immed: LM pointer 0/1 only");
                }
            }
            let width = match get(w, immed::WIDTH) {
                0 => ImmWidth::All,
                1 => ImmWidth::Byte,
                2 => ImmWidth::Word,
                _ => return err("immed: unknown width 3"),
            };
            let shift = get(w, immed::SHIFT) as u8;
            if shift > 2 {
                return err("immed: shift 3 is not used");
            }
            Ok(Insn::Immed {
                dst,
                imm: (lo | get(w, immed::IMM) << 8) as u16,
                width,
                shift,
                inv: w & immed::INV != 0,
            })
        }
        0xf if !b34 => {
            strict(
                w,
                mul::BASE,
                mul::CLASS,
                &[
                    mul::A_SRC,
                    mul::B_SRC,
                    mul::STEP,
                    mul::DST_AB,
                    mul::SW,
                    mul::TYPE,
                    mul::WR_AB,
                ],
            )?;
            if w & mul::SW != 0 {
                return err("mul_step: swap is not used");
            }
            let step = match get(w, mul::STEP) {
                n @ 0..=3 => MulStep::Step(n as u8 + 1),
                4 => MulStep::Last,
                5 => MulStep::Last2,
                s => return err(format!("mul_step: unknown step {s}")),
            };
            let ty = match get(w, mul::TYPE) {
                0 => MulType::Start,
                1 => MulType::Step24x8,
                2 => MulType::Step16x16,
                _ => MulType::Step32x32,
            };
            let fa = get(w, mul::A_SRC);
            let fb = get(w, mul::B_SRC);
            let (dab, wab) = (get(w, mul::DST_AB), get(w, mul::WR_AB));
            let last = matches!(step, MulStep::Last | MulStep::Last2) && ty != MulType::Start;
            if last {
                let dst = match (fa, fb, dab) {
                    (0x300, 0x300, 0) if wab == 0 => Dst::None,
                    (0x300, r @ 0..=31, 1) => Dst::Gpr {
                        bank: Bank::B,
                        reg: Gpr::new(r as u8).expect("< 32"),
                        both: wab != 0,
                    },
                    (r @ 0..=31, 0x300, 0) => Dst::Gpr {
                        bank: Bank::A,
                        reg: Gpr::new(r as u8).expect("< 32"),
                        both: wab != 0,
                    },
                    _ => return err("mul_step last: bad destination fields"),
                };
                Ok(Insn::Mul {
                    step,
                    ty,
                    a: Ureg::NONE,
                    b: Ureg::NONE,
                    dst,
                })
            } else {
                if dab != 0 || wab != 0 {
                    return err("mul_step: destination bits on a non-last step");
                }
                Ok(Insn::Mul {
                    step,
                    ty,
                    a: un_ureg(fa)?,
                    b: un_ureg(fb)?,
                    dst: Dst::None,
                })
            }
        }
        0xf => {
            strict(
                w,
                csr::BASE,
                csr::CLASS,
                &[csr::A_SRC, csr::B_SRC, csr::WRITE, csr::ADDR],
            )?;
            Ok(Insn::LocalCsr {
                csr: get(w, csr::ADDR) as u16,
                write: w & csr::WRITE != 0,
                a: un_ureg(get(w, csr::A_SRC))?,
                b: un_ureg(get(w, csr::B_SRC))?,
            })
        }
        _ => err(format!("{word:#018x}: unknown instruction class")),
    }
}
