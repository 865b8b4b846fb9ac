//! Emit tests: one row per instruction form of every class in `nfp-isa.md` — the instruction,
//! its text, and its word built here from the reference's literal field masks (not the
//! encoder's constants) with an independent ECC; then a proptest round trip over every form.

use crate::disasm::text;
use crate::encode::{decode, encode};
use crate::isa::*;
use proptest::prelude::*;

/// `v` in the bits of `mask` (as the reference states the masks).
fn f(mask: u64, v: u64) -> u64 {
    let sh = mask.trailing_zeros();
    assert_eq!(
        (v << sh) & !mask,
        0,
        "value {v:#x} does not fit mask {mask:#x}"
    );
    v << sh
}

/// The ECC as the reference states it, bit by bit.
fn ecc_ref(insn: u64) -> u64 {
    const P: [u64; 7] = [
        0x0ff800007fff,
        0x11f801ff801f,
        0x1e387e0781e1,
        0x17cb8e388e22,
        0x1af5b2c93244,
        0x1f56d5525488,
        0x0daf69a46910,
    ];
    let mut w = insn;
    for (i, p) in P.iter().enumerate() {
        let mut x = insn & p;
        let mut parity = 0;
        while x != 0 {
            parity ^= x & 1;
            x >>= 1;
        }
        w |= parity << (45 + i);
    }
    w
}

fn g(n: u8) -> Gpr {
    Gpr::new(n).unwrap()
}
fn x(n: u8) -> Xfer {
    Xfer::new(n).unwrap()
}
fn both(n: u8) -> Dst {
    Dst::both(n).unwrap()
}
fn ga(n: u8) -> Dst {
    Dst::Gpr {
        bank: Bank::A,
        reg: g(n),
        both: false,
    }
}
fn gb(n: u8) -> Dst {
    Dst::Gpr {
        bank: Bank::B,
        reg: g(n),
        both: false,
    }
}
fn addr(a: u32) -> Addr {
    Addr::new(a).unwrap()
}
fn d(n: u8) -> Defer {
    Defer::new(n).unwrap()
}

/// (instruction, text, instruction bits before ECC).
fn rows() -> Vec<(Insn, &'static str, u64)> {
    const ALU: u64 = 0x0a000000000;
    const SHF: u64 = 0x08000000000;
    const LDF: u64 = 0x0c000000000;
    const IMMED: u64 = 0x0f000000000;
    const MUL: u64 = 0x0f800000000;
    const BR: u64 = 0x0d800000020;
    const BR_BIT: u64 = 0x0d000000000;
    const BR_BYTE: u64 = 0x0c800000000;
    const BR_ALU: u64 = 0x0e800000000;
    const CSR: u64 = 0x0fc00000000;
    const CTX_ARB: u64 = 0x0e000000000;
    vec![
        (
            Insn::Alu {
                dst: ga(0),
                a: Ureg::Gpr(g(2)),
                op: AluOp::Add,
                b: Ureg::Gpr(g(4)),
                swap: false,
                src_lmextn: false,
            },
            "alu[gprA_0, gprA_2, +, gprB_4]",
            ALU | f(0x3ff, 2) | f(0xffc00, 4) | f(0x3ff00000, 0) | f(0xf80000000, 0x01),
        ),
        (
            Insn::Alu {
                dst: both(6),
                a: Ureg::Gpr(g(7)),
                op: AluOp::SubC,
                b: Ureg::Imm(0x12),
                swap: true,
                src_lmextn: false,
            },
            "alu[gprAB_6, 0x12, -carry, gprA_7]",
            ALU | f(0x3ff, 7)
                | f(0xffc00, 0x312)
                | f(0x3ff00000, 6)
                | f(0x40000000, 1)
                | f(0xf80000000, 0x0d)
                | f(0x20000000000, 1),
        ),
        (
            Insn::Alu {
                dst: Dst::Lm { ptr: 3, off: 5 },
                a: Ureg::Lm(Lm::At { ptr: 1, off: 2 }),
                op: AluOp::Xor,
                b: Ureg::Xfer(x(3)),
                swap: false,
                src_lmextn: true,
            },
            "alu[*l$index3[5], *l$index3[2], XOR, $xfer_3]",
            ALU | f(0x3ff, 0x222)
                | f(0xffc00, 0x183)
                | f(0x3ff00000, 0x225)
                | f(0xf80000000, 0x18)
                | f(0x40000000000, 1)
                | f(0x80000000000, 1),
        ),
        (
            Insn::Alu {
                dst: Dst::None,
                a: Ureg::Nn,
                op: AluOp::None,
                b: Ureg::Lm(Lm::PostInc { ptr: 0 }),
                swap: false,
                src_lmextn: false,
            },
            "alu[--, --, B, *l$index0++]",
            ALU | f(0x3ff, 0x280) | f(0xffc00, 0x210) | f(0x3ff00000, 0x300),
        ),
        (
            Insn::Alu {
                dst: gb(9),
                a: Ureg::Imm(0),
                op: AluOp::Not,
                b: Ureg::Lm(Lm::PostDec { ptr: 1 }),
                swap: false,
                src_lmextn: false,
            },
            "alu[gprB_9, --, ~B, *l$index1--]",
            ALU | f(0x3ff, 0x300)
                | f(0xffc00, 0x231)
                | f(0x3ff00000, 9)
                | f(0xf80000000, 0x04)
                | f(0x1000000000, 1),
        ),
        (
            Insn::AluShf {
                dst: both(4),
                a: Rreg::NONE,
                op: ShfOp::None,
                b: Rreg::Gpr(g(4)),
                swap: false,
                kind: ShiftKind::Left,
                amount: ShiftAmount::By(3),
            },
            "alu_shf[gprAB_4, --, B, gprB_4, <<3]",
            SHF | f(0xff, 0x20)
                | f(0x300, 2)
                | f(0x3fc00, 4)
                | f(0xff00000, 4)
                | f(0x1f0000000, 29)
                | f(0x20000000000, 1),
        ),
        (
            Insn::AluShf {
                dst: ga(20),
                a: Rreg::Imm(0xff),
                op: ShfOp::And,
                b: Rreg::Gpr(g(21)),
                swap: false,
                kind: ShiftKind::Right,
                amount: ShiftAmount::Indirect,
            },
            "alu_shf[gprA_20, 0xff, AND, gprB_21, >>indirect]",
            SHF | f(0xff, 0x20 | 0x1f | 0x60 << 1)
                | f(0x300, 1)
                | f(0x3fc00, 21)
                | f(0x40000, 1)
                | f(0xff00000, 20)
                | f(0xe00000000, 2),
        ),
        (
            Insn::AluShf {
                dst: gb(1),
                a: Rreg::Gpr(g(1)),
                op: ShfOp::Or,
                b: Rreg::Xfer(x(2)),
                swap: true,
                kind: ShiftKind::DoubleRight,
                amount: ShiftAmount::By(8),
            },
            "alu_shf[gprB_1, $xfer_2, OR, gprA_1, >>dbl8]",
            SHF | f(0xff, 1)
                | f(0x300, 3)
                | f(0x3fc00, 0x82)
                | f(0x80000, 1)
                | f(0xff00000, 1)
                | f(0x1f0000000, 8)
                | f(0xe00000000, 5)
                | f(0x1000000000, 1),
        ),
        (
            Insn::AluShf {
                dst: Dst::Lm { ptr: 1, off: 7 },
                a: Rreg::NONE,
                op: ShfOp::Ashr,
                b: Rreg::lm(0, 3).unwrap(),
                swap: false,
                kind: ShiftKind::Right,
                amount: ShiftAmount::By(31),
            },
            "asr[*l$index1[7], *l$index0[3], >>31]",
            SHF | f(0xff, 0x20)
                | f(0x300, 1)
                | f(0x3fc00, 0x53)
                | f(0xff00000, 0x5f)
                | f(0x1f0000000, 31)
                | f(0xe00000000, 6),
        ),
        (
            Insn::LdField {
                a: Rreg::Gpr(g(20)),
                bmask: 0b0101,
                b: Rreg::Gpr(g(3)),
                kind: ShiftKind::RotR,
                shift: 8,
                clear: true,
                both: false,
            },
            "ld_field_w_clr[gprA_20, 0101, gprB_3, >>rot8]",
            LDF | f(0xff, 20)
                | f(0x3fc00, 3)
                | f(0x100000, 1)
                | f(0xf000000, 5)
                | f(0x1f0000000, 8),
        ),
        (
            Insn::LdField {
                a: Rreg::lm(0, 1).unwrap(),
                bmask: 0b0010,
                b: Rreg::Imm(0x80),
                kind: ShiftKind::Left,
                shift: 0,
                clear: false,
                both: false,
            },
            "ld_field[*l$index0[1], 0010, 0x80]",
            LDF | f(0xff, 0x51) | f(0x300, 2) | f(0x3fc00, 0x20) | f(0x40000, 1) | f(0xf000000, 2),
        ),
        (
            Insn::Immed {
                dst: both(3),
                imm: 0x1234,
                width: ImmWidth::All,
                shift: 0,
                inv: false,
            },
            "immed[gprAB_3, 0x1234]",
            IMMED | f(0x3ff, 3) | f(0xffc00, 0x334) | f(0xff00000, 0x12) | f(0x20000000000, 1),
        ),
        (
            Insn::Immed {
                dst: gb(21),
                imm: 0x4411,
                width: ImmWidth::Word,
                shift: 2,
                inv: false,
            },
            "immed_w[gprB_21, 0x4411, <<16]",
            IMMED
                | f(0x3ff, 0x311)
                | f(0xffc00, 21)
                | f(0xff00000, 0x44)
                | f(0x60000000, 2)
                | f(0x600000000, 2),
        ),
        (
            Insn::Immed {
                dst: Dst::Xfer(x(1)),
                imm: 0xab,
                width: ImmWidth::Byte,
                shift: 1,
                inv: true,
            },
            "immed_b[$xfer_1, ~0xab, <<8]",
            IMMED
                | f(0x3ff, 0x181)
                | f(0xffc00, 0x3ab)
                | f(0x60000000, 1)
                | f(0x80000000, 1)
                | f(0x600000000, 1),
        ),
        (
            Insn::NOP,
            "immed[--, 0x0]",
            IMMED | f(0x3ff, 0x300) | f(0xffc00, 0x300),
        ),
        (
            Insn::Mul {
                step: MulStep::Step(1),
                ty: MulType::Start,
                a: Ureg::Gpr(g(2)),
                b: Ureg::Gpr(g(4)),
                dst: Dst::None,
            },
            "mul_step[gprA_2, gprB_4], start",
            MUL | f(0x3ff, 2) | f(0xffc00, 4),
        ),
        (
            Insn::Mul {
                step: MulStep::Step(3),
                ty: MulType::Step32x32,
                a: Ureg::Gpr(g(2)),
                b: Ureg::Imm(7),
                dst: Dst::None,
            },
            "mul_step[gprA_2, 0x7], 32x32_step3",
            MUL | f(0x3ff, 2) | f(0xffc00, 0x307) | f(0x700000, 2) | f(0x180000000, 3),
        ),
        (
            Insn::Mul {
                step: MulStep::Last2,
                ty: MulType::Step16x16,
                a: Ureg::NONE,
                b: Ureg::NONE,
                dst: Dst::Gpr {
                    bank: Bank::B,
                    reg: g(5),
                    both: true,
                },
            },
            "mul_step[gprAB_5, --], 16x16_last2",
            MUL | f(0x3ff, 0x300)
                | f(0xffc00, 5)
                | f(0x700000, 5)
                | f(0x800000, 1)
                | f(0x180000000, 2)
                | f(0x20000000000, 1),
        ),
        (
            Insn::Mul {
                step: MulStep::Last,
                ty: MulType::Step24x8,
                a: Ureg::NONE,
                b: Ureg::NONE,
                dst: ga(0),
            },
            "mul_step[gprA_0, --], 24x8_last",
            MUL | f(0x3ff, 0) | f(0xffc00, 0x300) | f(0x700000, 4) | f(0x180000000, 1),
        ),
        (
            Insn::Br {
                cond: BrCond::Ne,
                addr: addr(12),
                defer: d(1),
            },
            "bne[12], defer[1]",
            BR | f(0x1f, 1) | f(0x300000, 1) | f(0x7ffc00000, 12),
        ),
        (
            Insn::Br {
                cond: BrCond::Always,
                addr: addr(0x2abc),
                defer: d(0),
            },
            "br[10940]",
            BR | f(0x1f, 0x18) | f(0x7ffc00000, 0xabc) | f(0x10000000000, 1),
        ),
        (
            Insn::Br {
                cond: BrCond::Lt,
                addr: addr(8191),
                defer: d(2),
            },
            "blt[8191], defer[2]",
            BR | f(0x1f, 9) | f(0x300000, 2) | f(0x7ffc00000, 0x1fff),
        ),
        (
            Insn::BrBit {
                a: Rreg::Gpr(g(3)),
                bit: 5,
                set: true,
                addr: addr(40),
                defer: d(0),
            },
            "br_bset[gprA_3, 5, 40]",
            BR_BIT | f(0xff, 3) | f(0x3fc00, 0x25) | f(0x40000, 1) | f(0x7ffc00000, 40),
        ),
        (
            Insn::BrBit {
                a: Rreg::Xfer(x(0)),
                bit: 31,
                set: false,
                addr: addr(9000),
                defer: d(1),
            },
            "br_bclr[$xfer_0, 31, 9000], defer[1]",
            BR_BIT
                | f(0xff, 0x80)
                | f(0x3fc00, 0x3f)
                | f(0x300000, 1)
                | f(0x7ffc00000, 9000 & 0x1fff)
                | f(0x10000000000, 1),
        ),
        (
            Insn::BrByte {
                a: Rreg::Gpr(g(0)),
                byte: 2,
                b: Rreg::Imm(0x11),
                eq: true,
                addr: addr(7),
                defer: d(0),
            },
            "br=byte[gprA_0, 2, 0x11, 7]",
            BR_BYTE
                | f(0xff, 0)
                | f(0x300, 2)
                | f(0x3fc00, 0x31)
                | f(0x80000, 1)
                | f(0x7ffc00000, 7),
        ),
        (
            Insn::BrByte {
                a: Rreg::Gpr(g(1)),
                byte: 0,
                b: Rreg::Imm(0xf0),
                eq: false,
                addr: addr(3),
                defer: d(2),
            },
            "br!=byte[gprA_1, 0, 0xf0, 3], defer[2]",
            BR_BYTE
                | f(0xff, 1)
                | f(0x3fc00, 0x20 | 0x10 | 0x60 << 1)
                | f(0x40000, 1)
                | f(0x300000, 2)
                | f(0x7ffc00000, 3),
        ),
        (
            Insn::BrAlu {
                a: Ureg::Imm(0),
                b: Ureg::Gpr(g(0)),
                imm_hi: 0,
                defer: d(0),
            },
            "rtn[gprB_0]",
            BR_ALU | f(0x3ff, 0x300) | f(0xffc00, 0),
        ),
        (
            Insn::BrAlu {
                a: Ureg::Gpr(g(21)),
                b: Ureg::Imm(0x34),
                imm_hi: 0x12,
                defer: d(2),
            },
            "rtn[gprA_21, 0x1234], defer[2]",
            BR_ALU | f(0x3ff, 21) | f(0xffc00, 0x334) | f(0x300000, 2) | f(0x7fc00000, 0x12),
        ),
        (
            Insn::LocalCsr {
                csr: csr::ACT_LM_ADDR3,
                write: true,
                a: Ureg::Gpr(g(22)),
                b: Ureg::Imm(0),
            },
            "local_csr_wr[ActLMAddr3, gprA_22]",
            CSR | f(0x3ff, 22) | f(0xffc00, 0x300) | f(0x200000, 1) | f(0x1ffc00000, 0x9c),
        ),
        (
            Insn::LocalCsr {
                csr: csr::PSEUDO_RND_NUM,
                write: false,
                a: Ureg::Imm(0),
                b: Ureg::Imm(0),
            },
            "local_csr_rd[PseudoRndNum]",
            CSR | f(0x3ff, 0x300) | f(0xffc00, 0x300) | f(0x1ffc00000, 0x148),
        ),
        (Insn::CtxArb { any: false }, "ctx_arb[voluntary]", CTX_ARB),
        (
            Insn::CtxArb { any: true },
            "ctx_arb[voluntary], any",
            CTX_ARB | f(0x10000, 1),
        ),
        (
            Insn::Cmd {
                op: CmdOp::Read32Swap,
                xfer: x(0),
                count: 1,
                a: Rreg::Gpr(g(3)),
                b: Rreg::Gpr(g(2)),
                ctx: CtxSwap::Swap,
                sig: 1,
                mode: AddrMode::Bits40AB,
                indir: false,
            },
            "mem[read32_swap, $xfer_0, gprA_3, <<8, gprB_2, 2], ctx_swap[sig1]",
            f(0xff, 3)
                | f(0x3fc00, 2)
                | f(0xc0000, 2)
                | f(0xe000000, 1)
                | f(0xf0000000, 1)
                | f(0x7f00000000, 0x5c),
        ),
        (
            Insn::Cmd {
                op: CmdOp::Read8,
                xfer: x(4),
                count: 7,
                a: Rreg::Gpr(g(22)),
                b: Rreg::Imm(14),
                ctx: CtxSwap::SwapDefer2,
                sig: 15,
                mode: AddrMode::Bits32,
                indir: false,
            },
            "mem[read8, $xfer_4, gprA_22, 0xe, 8], ctx_swap[sig15], defer[2]",
            f(0xff, 22)
                | f(0x300, 2)
                | f(0x3fc00, 0x2e)
                | f(0xc0000, 1)
                | f(0x1f00000, 4)
                | f(0xe000000, 7)
                | f(0xf0000000, 15)
                | f(0x7f00000000, 0x43)
                | f(0x1c0000000000, 4),
        ),
        (
            Insn::Cmd {
                op: CmdOp::AddImm,
                xfer: x(31),
                count: 0,
                a: Rreg::Gpr(g(1)),
                b: Rreg::Gpr(g(0)),
                ctx: CtxSwap::NoSwap,
                sig: 0,
                mode: AddrMode::Bits40BA,
                indir: true,
            },
            "mem[add_imm, $xfer_31, gprA_1, gprB_0, <<8, 1], sig_done[sig0], indirect_ref",
            f(0xff, 1)
                | f(0x300, 3)
                | f(0x3fc00, 0)
                | f(0xc0000, 2)
                | f(0x1f00000, 31)
                | f(0x7f00000000, 0x47)
                | f(0x20000000000, 1)
                | f(0x1c0000000000, 1),
        ),
    ]
}

#[test]
fn every_class_encodes_to_the_reference_word_and_text() {
    for (insn, want_text, bits) in rows() {
        let want = ecc_ref(bits);
        let got = encode(&insn).unwrap_or_else(|e| panic!("{want_text}: {e}"));
        assert_eq!(got, want, "{want_text}: {got:#018x} != {want:#018x}");
        assert_eq!(text(&insn), want_text);
        assert_eq!(decode(got).unwrap(), insn, "{want_text}");
    }
}

#[test]
fn every_command_and_branch_condition_round_trips() {
    for op in CmdOp::ALL {
        let c = Insn::Cmd {
            op,
            xfer: x(2),
            count: 3,
            a: Rreg::Gpr(g(1)),
            b: Rreg::Gpr(g(0)),
            ctx: CtxSwap::Swap,
            sig: 2,
            mode: AddrMode::Bits40AB,
            indir: false,
        };
        let w = encode(&c).unwrap();
        let (token, tgt) = op.code();
        assert_eq!((w >> 18) & 3, token as u64);
        assert_eq!((w >> 32) & 0x7f, tgt as u64);
        assert_eq!(decode(w).unwrap(), c);
    }
    for cond in BrCond::ALL {
        let b = Insn::Br {
            cond,
            addr: addr(100),
            defer: d(0),
        };
        let w = encode(&b).unwrap();
        assert_eq!(w & 0x1f, cond.code() as u64);
        assert_eq!(decode(w).unwrap(), b);
    }
    for op in AluOp::ALL {
        let a = Insn::Alu {
            dst: both(1),
            a: Ureg::Gpr(g(2)),
            op,
            b: Ureg::Gpr(g(3)),
            swap: false,
            src_lmextn: false,
        };
        let w = encode(&a).unwrap();
        assert_eq!((w >> 31) & 0x1f, op.code() as u64);
        assert_eq!(decode(w).unwrap(), a);
    }
}

#[test]
fn unencodable_operands_are_errors_not_words() {
    // Two immediates that disagree on the shared I8 bit.
    let bad = Insn::AluShf {
        dst: ga(0),
        a: Rreg::Imm(0x80),
        op: ShfOp::And,
        b: Rreg::Imm(1),
        swap: false,
        kind: ShiftKind::Right,
        amount: ShiftAmount::By(1),
    };
    assert!(encode(&bad).is_err());
    // An immediate above 127 in a command (no I8 bit).
    let bad = Insn::Cmd {
        op: CmdOp::Read8,
        xfer: x(0),
        count: 0,
        a: Rreg::Imm(200),
        b: Rreg::Gpr(g(0)),
        ctx: CtxSwap::Swap,
        sig: 1,
        mode: AddrMode::Bits32,
        indir: false,
    };
    assert!(encode(&bad).is_err());
    assert!(Gpr::new(32).is_none() && Xfer::new(32).is_none() && Addr::new(1 << 14).is_none());
    assert!(Defer::new(3).is_none() && Lm::at(2, 0).is_none() && Rreg::lm(0, 8).is_none());
    // Any bit above 51, a wrong ECC, or an unknown class is refused.
    let w = encode(&Insn::NOP).unwrap();
    assert!(decode(w | 1 << 60).is_err());
    for bit in 0..52 {
        assert!(decode(w ^ 1 << bit).is_err(), "bit {bit}");
    }
    assert!(decode(0).is_err());
}

// ---- proptest: every form round trips ----

fn arb_gpr() -> impl Strategy<Value = Gpr> {
    (0u8..32).prop_map(|n| Gpr::new(n).unwrap())
}
fn arb_xfer() -> impl Strategy<Value = Xfer> {
    (0u8..32).prop_map(|n| Xfer::new(n).unwrap())
}
fn arb_ureg() -> impl Strategy<Value = Ureg> {
    prop_oneof![
        arb_gpr().prop_map(Ureg::Gpr),
        arb_xfer().prop_map(Ureg::Xfer),
        (0u8..2, 0u8..16).prop_map(|(p, o)| Ureg::Lm(Lm::At { ptr: p, off: o })),
        (0u8..2).prop_map(|p| Ureg::Lm(Lm::PostInc { ptr: p })),
        (0u8..2).prop_map(|p| Ureg::Lm(Lm::PostDec { ptr: p })),
        Just(Ureg::Nn),
        any::<u8>().prop_map(Ureg::Imm),
    ]
}
fn arb_rreg() -> impl Strategy<Value = Rreg> {
    prop_oneof![
        arb_gpr().prop_map(Rreg::Gpr),
        any::<u8>().prop_map(Rreg::Imm),
        (0u8..2, 0u8..8).prop_map(|(p, o)| Rreg::Lm { ptr: p, off: o }),
        arb_xfer().prop_map(Rreg::Xfer),
    ]
}
fn arb_bank() -> impl Strategy<Value = Bank> {
    prop_oneof![Just(Bank::A), Just(Bank::B)]
}
fn arb_gpr_dst() -> impl Strategy<Value = Dst> {
    (arb_bank(), arb_gpr(), any::<bool>()).prop_map(|(bank, reg, both)| Dst::Gpr {
        bank,
        reg,
        both,
    })
}
fn arb_udst() -> impl Strategy<Value = Dst> {
    prop_oneof![
        arb_gpr_dst(),
        arb_xfer().prop_map(Dst::Xfer),
        (0u8..4, 0u8..16).prop_map(|(ptr, off)| Dst::Lm { ptr, off }),
        Just(Dst::None),
    ]
}
fn arb_rdst() -> impl Strategy<Value = Dst> {
    prop_oneof![
        arb_gpr_dst(),
        arb_xfer().prop_map(Dst::Xfer),
        (0u8..2, 0u8..8).prop_map(|(ptr, off)| Dst::Lm { ptr, off }),
        Just(Dst::None),
    ]
}
fn arb_kind() -> impl Strategy<Value = ShiftKind> {
    (0u8..4).prop_map(ShiftKind::from_code)
}
fn arb_addr() -> impl Strategy<Value = Addr> {
    (0u32..1 << 14).prop_map(|a| Addr::new(a).unwrap())
}
fn arb_defer() -> impl Strategy<Value = Defer> {
    (0u8..3).prop_map(|n| Defer::new(n).unwrap())
}

fn arb_insn() -> impl Strategy<Value = Insn> {
    let alu = (
        arb_udst(),
        arb_ureg(),
        proptest::sample::select(AluOp::ALL.to_vec()),
        arb_ureg(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(dst, a, op, b, swap, src_lmextn)| Insn::Alu {
            dst,
            a,
            op,
            b,
            swap,
            src_lmextn,
        });
    let shf = (
        arb_rdst(),
        arb_rreg(),
        proptest::sample::select(vec![ShfOp::None, ShfOp::And, ShfOp::Or, ShfOp::Ashr]),
        arb_rreg(),
        any::<bool>(),
        arb_kind(),
        0u8..32,
    )
        .prop_map(|(dst, a, op, b, swap, kind, n)| Insn::AluShf {
            dst,
            a,
            op,
            b,
            swap,
            kind,
            amount: ShiftAmount::by(n).unwrap_or(ShiftAmount::Indirect),
        });
    let ldf = (
        arb_rreg(),
        0u8..16,
        arb_rreg(),
        arb_kind(),
        0u8..32,
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(a, bmask, b, kind, shift, clear, both)| Insn::LdField {
            a,
            bmask,
            b,
            kind,
            shift,
            clear,
            both,
        });
    let immed = (
        prop_oneof![
            arb_gpr().prop_map(|r| Dst::Gpr {
                bank: Bank::A,
                reg: r,
                both: true
            }),
            arb_gpr().prop_map(|r| Dst::Gpr {
                bank: Bank::A,
                reg: r,
                both: false
            }),
            arb_gpr().prop_map(|r| Dst::Gpr {
                bank: Bank::B,
                reg: r,
                both: false
            }),
            arb_xfer().prop_map(Dst::Xfer),
            (0u8..2, 0u8..16).prop_map(|(ptr, off)| Dst::Lm { ptr, off }),
            Just(Dst::None),
        ],
        any::<u16>(),
        prop_oneof![
            Just(ImmWidth::All),
            Just(ImmWidth::Byte),
            Just(ImmWidth::Word)
        ],
        0u8..3,
        any::<bool>(),
    )
        .prop_map(|(dst, imm, width, shift, inv)| Insn::Immed {
            dst,
            imm,
            width,
            shift,
            inv,
        });
    let mul = (
        prop_oneof![
            (1u8..5).prop_map(MulStep::Step),
            Just(MulStep::Last),
            Just(MulStep::Last2)
        ],
        prop_oneof![
            Just(MulType::Start),
            Just(MulType::Step24x8),
            Just(MulType::Step16x16),
            Just(MulType::Step32x32)
        ],
        arb_ureg(),
        arb_ureg(),
        prop_oneof![arb_gpr_dst(), Just(Dst::None)],
    )
        .prop_map(|(step, ty, a, b, dst)| {
            if matches!(step, MulStep::Last | MulStep::Last2) && ty != MulType::Start {
                Insn::Mul {
                    step,
                    ty,
                    a: Ureg::NONE,
                    b: Ureg::NONE,
                    dst,
                }
            } else {
                Insn::Mul {
                    step,
                    ty,
                    a,
                    b,
                    dst: Dst::None,
                }
            }
        });
    let br = (
        proptest::sample::select(BrCond::ALL.to_vec()),
        arb_addr(),
        arb_defer(),
    )
        .prop_map(|(cond, addr, defer)| Insn::Br { cond, addr, defer });
    let br_bit = (arb_rreg(), 0u8..32, any::<bool>(), arb_addr(), arb_defer()).prop_map(
        |(a, bit, set, addr, defer)| Insn::BrBit {
            a,
            bit,
            set,
            addr,
            defer,
        },
    );
    let br_byte = (
        arb_rreg(),
        0u8..4,
        arb_rreg(),
        any::<bool>(),
        arb_addr(),
        arb_defer(),
    )
        .prop_map(|(a, byte, b, eq, addr, defer)| Insn::BrByte {
            a,
            byte,
            b,
            eq,
            addr,
            defer,
        });
    let br_alu =
        (arb_ureg(), arb_ureg(), 0u16..512, arb_defer()).prop_map(|(a, b, imm_hi, defer)| {
            Insn::BrAlu {
                a,
                b,
                imm_hi,
                defer,
            }
        });
    let csr = (0u16..0x800, any::<bool>(), arb_ureg(), arb_ureg())
        .prop_map(|(csr, write, a, b)| Insn::LocalCsr { csr, write, a, b });
    let cmd = (
        proptest::sample::select(CmdOp::ALL.to_vec()),
        arb_xfer(),
        0u8..8,
        arb_rreg(),
        arb_rreg(),
        (0u8..4, 0u8..16, 0u8..3, any::<bool>()),
    )
        .prop_map(|(op, xfer, count, a, b, (c, sig, m, indir))| Insn::Cmd {
            op,
            xfer,
            count,
            a,
            b,
            ctx: [
                CtxSwap::Swap,
                CtxSwap::SwapDefer1,
                CtxSwap::SwapDefer2,
                CtxSwap::NoSwap,
            ][c as usize],
            sig,
            mode: [AddrMode::Bits40AB, AddrMode::Bits40BA, AddrMode::Bits32][m as usize],
            indir,
        });
    prop_oneof![
        alu,
        shf,
        ldf,
        immed,
        mul,
        br,
        br_bit,
        br_byte,
        br_alu,
        csr,
        any::<bool>().prop_map(|any| Insn::CtxArb { any }),
        cmd,
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    /// Every instruction either encodes to a word that decodes back to it (with a valid ECC and
    /// nothing above bit 51), or is refused with a reason; refusals are only for operand
    /// combinations the fields cannot hold.
    #[test]
    fn encode_decode_round_trip(insn in arb_insn()) {
        match encode(&insn) {
            Ok(w) => {
                prop_assert_eq!(w >> 52, 0);
                prop_assert_eq!(ecc_ref(w & ((1 << 45) - 1)), w);
                prop_assert_eq!(decode(w).unwrap(), insn);
                prop_assert!(!text(&insn).is_empty());
            }
            Err(e) => {
                // Only combinations: I8 conflicts, LM extension without LM, immediates as
                // destinations or update operands, an immediate above 127 without I8.
                prop_assert!(!e.0.is_empty());
            }
        }
    }

    /// Every 52-bit word either decodes to an instruction that encodes back to it, or is
    /// refused; decoding never panics.
    #[test]
    fn decode_is_strict(bits in 0u64..(1 << 45)) {
        let w = bits | crate::encode::ecc(bits) << 45;
        if let Ok(insn) = decode(w) {
            prop_assert_eq!(encode(&insn).unwrap(), w);
        }
    }
}
