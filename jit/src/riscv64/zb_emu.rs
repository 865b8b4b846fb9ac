//! The Zba/Zbb instructions the backend emits, executed in software.
//!
//! unicorn 2.1 is built on QEMU 5.0, which predates the ratified bit-manipulation extensions:
//! their encodings are illegal instructions there. The emulator's illegal-instruction trap
//! hands them to [`execute`], which decodes the raw word on its own (independently of
//! [`super::encode`]) and computes the result as the ratified Zba/Zbb specification (v1.0.0)
//! defines it. The ahead-of-time test runs the same instructions under `qemu-riscv64`, a
//! hardware-faithful implementation.

/// For a Zba/Zbb instruction word with source values `rs1`, `rs2`: `(rd, result)`; `None`
/// for anything else.
pub(crate) fn execute(word: u32, read: impl Fn(u32) -> u64) -> Option<(u32, u64)> {
    let opcode = word & 0x7f;
    let rd = (word >> 7) & 31;
    let f3 = (word >> 12) & 7;
    let rs1 = (word >> 15) & 31;
    let rs2 = (word >> 20) & 31;
    let f7 = word >> 25;
    let imm = word >> 20;
    let a = read(rs1);
    let b = read(rs2);
    let zext32 = |v: u64| v & 0xffff_ffff;
    let v = match (opcode, f7, f3) {
        (0x3b, 0x04, 0) => b.wrapping_add(zext32(a)), // add.uw
        (0x3b, 0x04, 4) if rs2 == 0 => a & 0xffff,    // zext.h
        (0x33, 0x10, 2) => b.wrapping_add(a << 1),    // sh1add
        (0x33, 0x10, 4) => b.wrapping_add(a << 2),    // sh2add
        (0x33, 0x10, 6) => b.wrapping_add(a << 3),    // sh3add
        (0x33, 0x20, 7) => a & !b,                    // andn
        (0x33, 0x20, 6) => a | !b,                    // orn
        (0x33, 0x20, 4) => !(a ^ b),                  // xnor
        (0x33, 0x30, 1) => a.rotate_left((b & 63) as u32), // rol
        (0x33, 0x30, 5) => a.rotate_right((b & 63) as u32), // ror
        (0x33, 0x05, 4) => (a as i64).min(b as i64) as u64, // min
        (0x33, 0x05, 5) => a.min(b),                  // minu
        (0x33, 0x05, 6) => (a as i64).max(b as i64) as u64, // max
        (0x33, 0x05, 7) => a.max(b),                  // maxu
        (0x13, _, 1) => match imm {
            0x604 => a as u8 as i8 as i64 as u64,   // sext.b
            0x605 => a as u16 as i16 as i64 as u64, // sext.h
            0x600 => a.leading_zeros() as u64,      // clz
            0x601 => a.trailing_zeros() as u64,     // ctz
            0x602 => a.count_ones() as u64,         // cpop
            _ => return None,
        },
        (0x13, _, 5) => match imm {
            0x6b8 => a.swap_bytes(), // rev8
            0x287 => {
                // orc.b: each byte becomes 0xff if any of its bits is set.
                let mut r = 0u64;
                for i in 0..8 {
                    if (a >> (8 * i)) & 0xff != 0 {
                        r |= 0xff << (8 * i);
                    }
                }
                r
            }
            _ if imm >> 6 == 0x18 => a.rotate_right(imm & 63), // rori
            _ => return None,
        },
        (0x1b, _, 1) if imm >> 6 == 0x02 => zext32(a) << (imm & 63), // slli.uw
        (0x1b, 0x30, 5) => (a as u32).rotate_right(rs2) as i32 as i64 as u64, // roriw
        _ => return None,
    };
    Some((rd, v))
}

#[cfg(test)]
mod tests {
    use super::super::encode::{Inst, ROp, UOp};
    use super::super::regs::XReg;
    use super::execute;

    /// Every Zba/Zbb form the encoder knows executes, on values whose results differ per op.
    #[test]
    fn executes_what_the_encoder_emits() {
        let (a, b) = (0x8000_0001_f0f0_0180u64, 0x0000_0000_0000_0013u64);
        let r = |n| XReg::new(n).expect("register");
        let read = |n: u32| match n {
            11 => a,
            12 => b,
            _ => 0,
        };
        let cases: Vec<(Inst, u64)> = vec![
            (
                Inst::R {
                    op: ROp::AddUw,
                    rd: r(10),
                    rs1: r(11),
                    rs2: r(12),
                },
                0xf0f0_0180 + 0x13,
            ),
            (
                Inst::R {
                    op: ROp::Sh3add,
                    rd: r(10),
                    rs1: r(11),
                    rs2: r(12),
                },
                (a << 3).wrapping_add(b),
            ),
            (
                Inst::R {
                    op: ROp::Andn,
                    rd: r(10),
                    rs1: r(11),
                    rs2: r(12),
                },
                a & !b,
            ),
            (
                Inst::R {
                    op: ROp::Ror,
                    rd: r(10),
                    rs1: r(11),
                    rs2: r(12),
                },
                a.rotate_right(0x13),
            ),
            (
                Inst::R {
                    op: ROp::Min,
                    rd: r(10),
                    rs1: r(11),
                    rs2: r(12),
                },
                a,
            ),
            (
                Inst::R {
                    op: ROp::Maxu,
                    rd: r(10),
                    rs1: r(11),
                    rs2: r(12),
                },
                a,
            ),
            (
                Inst::U {
                    op: UOp::SextB,
                    rd: r(10),
                    rs1: r(11),
                },
                0xffff_ffff_ffff_ff80,
            ),
            (
                Inst::U {
                    op: UOp::SextH,
                    rd: r(10),
                    rs1: r(11),
                },
                0x180,
            ),
            (
                Inst::U {
                    op: UOp::ZextH,
                    rd: r(10),
                    rs1: r(11),
                },
                0x180,
            ),
            (
                Inst::U {
                    op: UOp::Rev8,
                    rd: r(10),
                    rs1: r(11),
                },
                a.swap_bytes(),
            ),
            (
                Inst::U {
                    op: UOp::Cpop,
                    rd: r(10),
                    rs1: r(11),
                },
                a.count_ones() as u64,
            ),
        ];
        for (inst, want) in cases {
            let got = execute(inst.encode32(), read);
            assert_eq!(got, Some((10, want)), "{}", inst.text(false));
        }
        assert_eq!(execute(0x0000_0073, read), None, "ecall is not Zb*");
    }
}
