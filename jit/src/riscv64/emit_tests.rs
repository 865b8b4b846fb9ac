//! Table-driven emit tests: each row is an instruction, the text and bytes it must produce
//! uncompressed and (where a C form exists) compressed. The bytes come from `llvm-mc
//! -show-encoding`; every row is also decoded back by llvm-mc when it is installed.

use super::encode::{AmoOp, BCond, IOp, Inst, ROp, ShOp, ShWOp, Size, UOp};
use super::imms::{BOff, Imm12, Imm20, JOff, Shamt5, Shamt6};
use super::regs::XReg;

fn x(n: u8) -> XReg {
    XReg::new(n).expect("register")
}
const A0: u8 = 10;
const A1: u8 = 11;
const A2: u8 = 12;
const A5: u8 = 15;
const S1: u8 = 9;
const S2: u8 = 18;
const S3: u8 = 19;
const S5: u8 = 21;
const T0: u8 = 5;
const T1: u8 = 6;
const T2: u8 = 7;
const T3: u8 = 28;

fn r(op: ROp, rd: u8, rs1: u8, rs2: u8) -> Inst {
    Inst::R {
        op,
        rd: x(rd),
        rs1: x(rs1),
        rs2: x(rs2),
    }
}
fn i(op: IOp, rd: u8, rs1: u8, imm: i64) -> Inst {
    Inst::I {
        op,
        rd: x(rd),
        rs1: x(rs1),
        imm: Imm12::new(imm).expect("imm12"),
    }
}
fn sh(op: ShOp, rd: u8, rs1: u8, n: u32) -> Inst {
    Inst::Sh {
        op,
        rd: x(rd),
        rs1: x(rs1),
        sh: Shamt6::new(n).expect("shamt"),
    }
}
fn shw(op: ShWOp, rd: u8, rs1: u8, n: u32) -> Inst {
    Inst::ShW {
        op,
        rd: x(rd),
        rs1: x(rs1),
        sh: Shamt5::new(n).expect("shamt"),
    }
}
fn u(op: UOp, rd: u8, rs1: u8) -> Inst {
    Inst::U {
        op,
        rd: x(rd),
        rs1: x(rs1),
    }
}
fn ld(size: Size, signed: bool, rd: u8, base: u8, off: i64) -> Inst {
    Inst::Load {
        size,
        signed,
        rd: x(rd),
        base: x(base),
        off: Imm12::new(off).expect("off"),
    }
}
fn st(size: Size, src: u8, base: u8, off: i64) -> Inst {
    Inst::Store {
        size,
        src: x(src),
        base: x(base),
        off: Imm12::new(off).expect("off"),
    }
}
fn br(cond: BCond, rs1: u8, rs2: u8, off: i64) -> Inst {
    Inst::Branch {
        cond,
        rs1: x(rs1),
        rs2: x(rs2),
        off: BOff::new(off).expect("boff"),
    }
}
fn amo(op: AmoOp, word: bool, rd: u8, rs2: u8, addr: u8) -> Inst {
    Inst::Amo {
        op,
        word,
        rd: x(rd),
        addr: x(addr),
        rs2: x(rs2),
    }
}

/// (instruction, text, 32-bit bytes, compressed text and bytes).
type Row = (Inst, &'static str, [u8; 4], Option<(&'static str, [u8; 2])>);

fn rows() -> Vec<Row> {
    vec![
        (
            r(ROp::Add, A5, A5, S2),
            "add a5, a5, s2",
            [0xb3, 0x87, 0x27, 0x01],
            Some(("c.add a5, s2", [0xca, 0x97])),
        ),
        (
            r(ROp::Sub, A0, A1, A2),
            "sub a0, a1, a2",
            [0x33, 0x85, 0xc5, 0x40],
            None,
        ),
        (
            r(ROp::Addw, A0, A0, A1),
            "addw a0, a0, a1",
            [0x3b, 0x05, 0xb5, 0x00],
            Some(("c.addw a0, a1", [0x2d, 0x9d])),
        ),
        (
            r(ROp::Mulw, S1, S1, A5),
            "mulw s1, s1, a5",
            [0xbb, 0x84, 0xf4, 0x02],
            None,
        ),
        (
            r(ROp::Divu, A5, A5, A0),
            "divu a5, a5, a0",
            [0xb3, 0xd7, 0xa7, 0x02],
            None,
        ),
        (
            r(ROp::Remuw, A0, A0, T2),
            "remuw a0, a0, t2",
            [0x3b, 0x75, 0x75, 0x02],
            None,
        ),
        (
            r(ROp::AddUw, A0, A0, 0),
            "add.uw a0, a0, zero",
            [0x3b, 0x05, 0x05, 0x08],
            None,
        ),
        (
            r(ROp::Sh3add, A0, A1, A2),
            "sh3add a0, a1, a2",
            [0x33, 0xe5, 0xc5, 0x20],
            None,
        ),
        (
            r(ROp::Andn, A0, A1, A2),
            "andn a0, a1, a2",
            [0x33, 0xf5, 0xc5, 0x40],
            None,
        ),
        (
            i(IOp::Addi, A5, A5, -2048),
            "addi a5, a5, -2048",
            [0x93, 0x87, 0x07, 0x80],
            None,
        ),
        (
            i(IOp::Addi, A0, 0, 5),
            "addi a0, zero, 5",
            [0x13, 0x05, 0x50, 0x00],
            Some(("c.li a0, 5", [0x15, 0x45])),
        ),
        (
            i(IOp::Addi, S2, S2, 1),
            "addi s2, s2, 1",
            [0x13, 0x09, 0x19, 0x00],
            Some(("c.addi s2, 1", [0x05, 0x09])),
        ),
        (
            i(IOp::Addi, A0, A1, 0),
            "addi a0, a1, 0",
            [0x13, 0x85, 0x05, 0x00],
            Some(("c.mv a0, a1", [0x2e, 0x85])),
        ),
        (
            i(IOp::Addiw, A0, A0, 0),
            "addiw a0, a0, 0",
            [0x1b, 0x05, 0x05, 0x00],
            Some(("c.addiw a0, 0", [0x01, 0x25])),
        ),
        (
            i(IOp::Sltiu, T1, A0, 1),
            "sltiu t1, a0, 1",
            [0x13, 0x33, 0x15, 0x00],
            None,
        ),
        (
            i(IOp::Andi, A0, A0, 255),
            "andi a0, a0, 255",
            [0x13, 0x75, 0xf5, 0x0f],
            None,
        ),
        (
            sh(ShOp::Slli, A0, A0, 32),
            "slli a0, a0, 32",
            [0x13, 0x15, 0x05, 0x02],
            Some(("c.slli a0, 32", [0x02, 0x15])),
        ),
        (
            sh(ShOp::Srli, S3, S3, 63),
            "srli s3, s3, 63",
            [0x93, 0xd9, 0xf9, 0x03],
            None,
        ),
        (
            sh(ShOp::Srai, A5, A5, 7),
            "srai a5, a5, 7",
            [0x93, 0xd7, 0x77, 0x40],
            Some(("c.srai a5, 7", [0x9d, 0x87])),
        ),
        (
            shw(ShWOp::Slliw, A0, A0, 31),
            "slliw a0, a0, 31",
            [0x1b, 0x15, 0xf5, 0x01],
            None,
        ),
        (
            shw(ShWOp::Sraiw, S2, S2, 3),
            "sraiw s2, s2, 3",
            [0x1b, 0x59, 0x39, 0x40],
            None,
        ),
        (
            u(UOp::SextB, A0, A1),
            "sext.b a0, a1",
            [0x13, 0x95, 0x45, 0x60],
            None,
        ),
        (
            u(UOp::SextH, A0, A0),
            "sext.h a0, a0",
            [0x13, 0x15, 0x55, 0x60],
            None,
        ),
        (
            u(UOp::ZextH, A0, A0),
            "zext.h a0, a0",
            [0x3b, 0x45, 0x05, 0x08],
            None,
        ),
        (
            u(UOp::Rev8, A5, A5),
            "rev8 a5, a5",
            [0x93, 0xd7, 0x87, 0x6b],
            None,
        ),
        (
            ld(Size::B, false, A0, A1, 14),
            "lbu a0, 14(a1)",
            [0x03, 0xc5, 0xe5, 0x00],
            None,
        ),
        (
            ld(Size::H, true, A0, A1, -2),
            "lh a0, -2(a1)",
            [0x03, 0x95, 0xe5, 0xff],
            None,
        ),
        (
            ld(Size::W, false, A0, S1, 0),
            "lwu a0, 0(s1)",
            [0x03, 0xe5, 0x04, 0x00],
            None,
        ),
        (
            ld(Size::W, true, A0, A1, 4),
            "lw a0, 4(a1)",
            [0x03, 0xa5, 0x45, 0x00],
            Some(("c.lw a0, 4(a1)", [0xc8, 0x41])),
        ),
        (
            ld(Size::D, false, A5, A0, 8),
            "ld a5, 8(a0)",
            [0x83, 0x37, 0x85, 0x00],
            Some(("c.ld a5, 8(a0)", [0x1c, 0x65])),
        ),
        (
            ld(Size::D, false, S1, 2, 2040),
            "ld s1, 2040(sp)",
            [0x83, 0x34, 0x81, 0x7f],
            None,
        ),
        (
            st(Size::D, 1, 2, 504),
            "sd ra, 504(sp)",
            [0x23, 0x3c, 0x11, 0x1e],
            Some(("c.sdsp ra, 504(sp)", [0x86, 0xff])),
        ),
        (
            st(Size::W, 0, S5, -4),
            "sw zero, -4(s5)",
            [0x23, 0xae, 0x0a, 0xfe],
            None,
        ),
        (
            st(Size::B, T1, A0, 2047),
            "sb t1, 2047(a0)",
            [0xa3, 0x0f, 0x65, 0x7e],
            None,
        ),
        (
            Inst::Lui {
                rd: x(A0),
                imm: Imm20::new(0xfffff).expect("imm20"),
            },
            "lui a0, 1048575",
            [0x37, 0xf5, 0xff, 0xff],
            Some(("c.lui a0, 1048575", [0x7d, 0x75])),
        ),
        (
            Inst::Lui {
                rd: x(A0),
                imm: Imm20::new(0x12345).expect("imm20"),
            },
            "lui a0, 74565",
            [0x37, 0x55, 0x34, 0x12],
            None,
        ),
        (
            Inst::Auipc {
                rd: x(T0),
                imm: Imm20::new(1).expect("imm20"),
            },
            "auipc t0, 1",
            [0x97, 0x12, 0x00, 0x00],
            None,
        ),
        (
            Inst::Jal {
                rd: x(0),
                off: JOff::new(-2).expect("joff"),
            },
            "jal zero, -2",
            [0x6f, 0xf0, 0xff, 0xff],
            Some(("c.j -2", [0xfd, 0xbf])),
        ),
        (
            Inst::Jal {
                rd: x(1),
                off: JOff::new(1048574).expect("joff"),
            },
            "jal ra, 1048574",
            [0xef, 0xf0, 0xff, 0x7f],
            None,
        ),
        (
            Inst::Jalr {
                rd: x(0),
                rs1: x(1),
                off: Imm12::ZERO,
            },
            "jalr zero, 0(ra)",
            [0x67, 0x80, 0x00, 0x00],
            Some(("c.jr ra", [0x82, 0x80])),
        ),
        (
            Inst::Jalr {
                rd: x(1),
                rs1: x(T0),
                off: Imm12::new(-16).expect("imm"),
            },
            "jalr ra, -16(t0)",
            [0xe7, 0x80, 0x02, 0xff],
            None,
        ),
        (
            br(BCond::Eq, A0, A1, 4094),
            "beq a0, a1, 4094",
            [0xe3, 0x0f, 0xb5, 0x7e],
            None,
        ),
        (
            br(BCond::Ne, T0, 0, -4096),
            "bne t0, zero, -4096",
            [0x63, 0x90, 0x02, 0x80],
            None,
        ),
        (
            br(BCond::Ltu, A1, A0, 8),
            "bltu a1, a0, 8",
            [0x63, 0xe4, 0xa5, 0x00],
            None,
        ),
        (
            br(BCond::Geu, S2, S3, -8),
            "bgeu s2, s3, -8",
            [0xe3, 0x7c, 0x39, 0xff],
            None,
        ),
        (
            amo(AmoOp::Add, false, 0, A1, A0),
            "amoadd.d.aqrl zero, a1, (a0)",
            [0x2f, 0x30, 0xb5, 0x06],
            None,
        ),
        (
            amo(AmoOp::Swap, true, T2, A5, T1),
            "amoswap.w.aqrl t2, a5, (t1)",
            [0xaf, 0x23, 0xf3, 0x0e],
            None,
        ),
        (
            amo(AmoOp::Lr, false, T2, 0, A0),
            "lr.d.aqrl t2, (a0)",
            [0xaf, 0x33, 0x05, 0x16],
            None,
        ),
        (
            amo(AmoOp::Sc, true, T3, A1, T1),
            "sc.w.aqrl t3, a1, (t1)",
            [0x2f, 0x2e, 0xb3, 0x1e],
            None,
        ),
        (
            amo(AmoOp::Xor, false, T2, S1, A0),
            "amoxor.d.aqrl t2, s1, (a0)",
            [0xaf, 0x33, 0x95, 0x26],
            None,
        ),
        (Inst::Ecall, "ecall", [0x73, 0x00, 0x00, 0x00], None),
        (
            Inst::Ebreak,
            "ebreak",
            [0x73, 0x00, 0x10, 0x00],
            Some(("c.ebreak", [0x02, 0x90])),
        ),
        (Inst::Unimp, "unimp", [0x73, 0x10, 0x00, 0xc0], None),
        (
            i(IOp::Addi, 2, 2, -576),
            "addi sp, sp, -576",
            [0x13, 0x01, 0x01, 0xdc],
            None,
        ),
        (
            i(IOp::Addi, 2, 2, -64),
            "addi sp, sp, -64",
            [0x13, 0x01, 0x01, 0xfc],
            Some(("c.addi16sp sp, -64", [0x39, 0x71])),
        ),
    ]
}

#[test]
fn every_row_encodes_and_prints_as_expected() {
    for (inst, text, bytes, c) in rows() {
        assert_eq!(inst.text(false), text, "{inst:?}");
        assert_eq!(inst.encode(false).bytes(), bytes.to_vec(), "{text}");
        match c {
            Some((ctext, cbytes)) => {
                assert_eq!(inst.text(true), ctext, "{text}");
                assert_eq!(inst.encode(true).bytes(), cbytes.to_vec(), "{text}");
            }
            None => assert_eq!(inst.compress(), None, "{text} should have no C form"),
        }
    }
}

#[test]
fn every_row_decodes_back_with_llvm_mc() {
    for compress in [false, true] {
        let rows = rows();
        let code: Vec<u8> = rows
            .iter()
            .flat_map(|(inst, ..)| inst.encode(compress).bytes())
            .collect();
        let Some(decoded) = super::disasm::llvm_decode(&code) else {
            println!("SKIP every_row_decodes_back_with_llvm_mc: llvm-mc is not installed");
            return;
        };
        let decoded = decoded.expect("llvm-mc runs");
        assert_eq!(decoded.len(), rows.len());
        for ((inst, ..), got) in rows.iter().zip(&decoded) {
            let want = inst.text(compress && inst.compress().is_some());
            let got = got.split_whitespace().collect::<Vec<_>>().join(" ");
            assert_eq!(got, want);
        }
    }
}
