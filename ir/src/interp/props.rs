//! Property tests: random operands through 32- and 64-bit ALU forms, algebraic identities, and
//! random straight-line programs whose register values survive a trip through the stack.

use super::*;
use crate::insn::{AluOp, Endian, Insn, JmpCond, LdImm64Src, MemSize, Operand, Reg, Width};
use crate::runtime::Runtime;
use proptest::prelude::*;

fn r(n: u8) -> Reg {
    Reg::new(n).unwrap_or(Reg::R0)
}

fn lddw(dst: u8, v: u64) -> [Insn; 2] {
    [
        Insn::LdImm64 {
            dst: r(dst),
            src: LdImm64Src::Imm,
            imm: v,
        },
        Insn::LdImm64Tail,
    ]
}

fn exec(insns: Vec<Insn>) -> u64 {
    let p = Program::new(ProgType::SocketFilter, insns);
    let mut rt = Runtime::new(&p);
    match run(&p, &mut rt, &Input::None, 100_000) {
        Ok(o) => o.r0,
        Err(e) => panic!("{e}"),
    }
}

/// `r0 = a OP b` with both operands in registers.
fn binop(width: Width, op: AluOp, a: u64, b: u64) -> u64 {
    let mut v = lddw(0, a).to_vec();
    v.extend(lddw(1, b));
    v.push(Insn::Alu {
        width,
        op,
        dst: r(0),
        src: Operand::Reg(r(1)),
    });
    v.push(Insn::Exit);
    exec(v)
}

fn unop(insn: Insn, a: u64) -> u64 {
    let mut v = lddw(0, a).to_vec();
    v.push(insn);
    v.push(Insn::Exit);
    exec(v)
}

fn sext32(x: u64) -> u64 {
    x as u32 as i32 as i64 as u64
}

const M32: u64 = 0xffff_ffff;

/// Operands biased towards the edges (0, 1, -1, INT_MIN, shift counts).
fn operand() -> impl Strategy<Value = u64> {
    prop_oneof![
        any::<u64>(),
        Just(0u64),
        Just(1u64),
        Just(u64::MAX),
        Just(i64::MIN as u64),
        Just(i32::MIN as u32 as u64),
        Just(sext32(i32::MIN as u32 as u64)),
        Just(M32),
        0u64..70,
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// A 32-bit op equals the 64-bit op on suitably extended operands, truncated.
    #[test]
    fn alu32_is_alu64_on_low_halves(a in operand(), b in operand()) {
        use AluOp::*;
        let (za, zb) = (a & M32, b & M32);
        for op in [Add, Sub, Mul, Or, And, Xor, Div, Mod, Mov] {
            let r32 = binop(Width::W32, op, a, b);
            prop_assert!(r32 <= M32, "{op:?} not zero-extended");
            prop_assert_eq!(r32, binop(Width::W64, op, za, zb) & M32, "{:?}", op);
        }
        for op in [SDiv, SMod] {
            prop_assert_eq!(
                binop(Width::W32, op, a, b),
                binop(Width::W64, op, sext32(a), sext32(b)) & M32,
                "{:?}", op
            );
        }
        prop_assert_eq!(binop(Width::W32, Lsh, a, b), binop(Width::W64, Lsh, za, b & 31) & M32);
        prop_assert_eq!(binop(Width::W32, Rsh, a, b), binop(Width::W64, Rsh, za, b & 31));
        prop_assert_eq!(
            binop(Width::W32, Arsh, a, b),
            binop(Width::W64, Arsh, sext32(a), b & 31) & M32
        );
        prop_assert_eq!(
            unop(Insn::Neg { width: Width::W32, dst: r(0) }, a),
            unop(Insn::Neg { width: Width::W64, dst: r(0) }, za) & M32
        );
    }

    /// Shift amounts are masked: shifting by b equals shifting by b & 63 (b & 31 for 32-bit).
    #[test]
    fn shift_amounts_are_masked(a in operand(), b in operand()) {
        for op in [AluOp::Lsh, AluOp::Rsh, AluOp::Arsh] {
            prop_assert_eq!(binop(Width::W64, op, a, b), binop(Width::W64, op, a, b & 63));
            prop_assert_eq!(binop(Width::W32, op, a, b), binop(Width::W32, op, a, b & 31));
        }
    }

    /// (a / b) * b + a % b == a for unsigned and signed division (wrapping), 32 and 64 bits;
    /// division by zero gives 0 and modulo by zero the dividend.
    #[test]
    fn division_identities(a in operand(), b in operand()) {
        for (w, mask) in [(Width::W64, u64::MAX), (Width::W32, M32)] {
            let q = binop(w, AluOp::Div, a, b);
            let m = binop(w, AluOp::Mod, a, b);
            let sq = binop(w, AluOp::SDiv, a, b);
            let sm = binop(w, AluOp::SMod, a, b);
            if b & mask == 0 {
                prop_assert_eq!((q, sq), (0, 0));
                prop_assert_eq!((m, sm), (a & mask, a & mask));
            } else {
                prop_assert_eq!(q.wrapping_mul(b).wrapping_add(m) & mask, a & mask);
                prop_assert_eq!(sq.wrapping_mul(b).wrapping_add(sm) & mask, a & mask);
                prop_assert!(m & mask < b & mask);
            }
        }
    }

    /// Inverses and involutions.
    #[test]
    fn algebraic_identities(a in operand(), b in operand()) {
        let mut v = lddw(0, a).to_vec();
        v.extend(lddw(1, b));
        let alu = |op, dst: u8, src: u8| Insn::Alu {
            width: Width::W64, op, dst: r(dst), src: Operand::Reg(r(src)),
        };
        v.extend([
            alu(AluOp::Add, 0, 1),
            alu(AluOp::Xor, 0, 1),
            alu(AluOp::Xor, 0, 1),
            alu(AluOp::Sub, 0, 1),
            Insn::Neg { width: Width::W64, dst: r(0) },
            Insn::Neg { width: Width::W64, dst: r(0) },
            Insn::End { kind: Endian::Swap, bits: 64, dst: r(0) },
            Insn::End { kind: Endian::ToBe, bits: 64, dst: r(0) },
            Insn::Exit,
        ]);
        prop_assert_eq!(exec(v), a);
        prop_assert_eq!(
            unop(Insn::End { kind: Endian::ToBe, bits: 16, dst: r(0) }, a),
            unop(Insn::End { kind: Endian::Swap, bits: 16, dst: r(0) }, a)
        );
        prop_assert_eq!(
            unop(Insn::End { kind: Endian::ToLe, bits: 32, dst: r(0) }, a),
            a & M32
        );
        prop_assert_eq!(
            unop(Insn::MovSx { width: Width::W64, bits: 32, dst: r(0), src: r(0) }, a),
            sext32(a)
        );
        prop_assert_eq!(
            unop(Insn::MovSx { width: Width::W32, bits: 8, dst: r(0), src: r(0) }, a),
            a as u8 as i8 as i32 as u32 as u64
        );
    }

    /// Every condition agrees with its negation and with Rust's comparison of the operands.
    #[test]
    fn jump_conditions(a in operand(), b in operand()) {
        let taken = |width, cond, a: u64, b: u64| {
            let mut v = lddw(1, a).to_vec();
            v.extend(lddw(2, b));
            v.extend([
                Insn::Alu { width: Width::W64, op: AluOp::Mov, dst: r(0), src: Operand::Imm(0) },
                Insn::Jmp { width, cond, dst: r(1), src: Operand::Reg(r(2)), off: 1 },
                Insn::Exit,
                Insn::Alu { width: Width::W64, op: AluOp::Mov, dst: r(0), src: Operand::Imm(1) },
                Insn::Exit,
            ]);
            exec(v) == 1
        };
        for cond in JmpCond::ALL {
            for (w, x, y) in [(Width::W64, a, b), (Width::W32, a, b)] {
                let t = taken(w, cond, x, y);
                if let Some(n) = cond.negate() {
                    prop_assert_eq!(t, !taken(w, n, x, y), "{:?} {:?}", cond, w);
                }
                prop_assert_eq!(t, taken(w, cond.swap(), y, x), "swap {:?} {:?}", cond, w);
                let (ux, uy, sx, sy) = match w {
                    Width::W64 => (x, y, x as i64, y as i64),
                    Width::W32 => (x & M32, y & M32, x as i32 as i64, y as i32 as i64),
                };
                let want = match cond {
                    JmpCond::Eq => ux == uy,
                    JmpCond::Ne => ux != uy,
                    JmpCond::Gt => ux > uy,
                    JmpCond::Ge => ux >= uy,
                    JmpCond::Lt => ux < uy,
                    JmpCond::Le => ux <= uy,
                    JmpCond::Sgt => sx > sy,
                    JmpCond::Sge => sx >= sy,
                    JmpCond::Slt => sx < sy,
                    JmpCond::Sle => sx <= sy,
                    JmpCond::Set => ux & uy != 0,
                };
                prop_assert_eq!(t, want, "{:?} {:?}", cond, w);
            }
        }
    }

    /// A random straight-line ALU program gives the same r0 when every intermediate value is
    /// spilled to the stack and reloaded (in every size that holds it), and 32-bit ops leave
    /// zero-extended results.
    #[test]
    fn stack_round_trip_preserves_values(
        init in proptest::collection::vec(any::<u64>(), 4),
        ops in proptest::collection::vec((0usize..14, 0u8..4, 0u8..4, any::<bool>(), any::<i32>()), 1..24),
    ) {
        let mut plain = Vec::new();
        for (i, v) in init.iter().enumerate() {
            plain.extend(lddw(i as u8, *v));
        }
        let mut spilled = plain.clone();
        for (k, &(op, d, s, w64, imm)) in ops.iter().enumerate() {
            let op = AluOp::ALL[op];
            let width = if w64 { Width::W64 } else { Width::W32 };
            let src = if k % 3 == 0 { Operand::Imm(imm) } else { Operand::Reg(r(s)) };
            let insn = Insn::Alu { width, op, dst: r(d), src };
            plain.push(insn);
            spilled.push(insn);
            let size = [MemSize::DW, MemSize::W, MemSize::H, MemSize::B][k % 4];
            let off = -8 * (1 + d as i16);
            spilled.push(Insn::Store { size: MemSize::DW, dst: r(10), off, src: Operand::Reg(r(d)) });
            spilled.push(Insn::Alu {
                width: Width::W64, op: AluOp::Mov, dst: r(d), src: Operand::Imm(0x5a5a),
            });
            if size == MemSize::DW {
                spilled.push(Insn::Load { size, signed: false, dst: r(d), src: r(10), off });
            } else {
                // Reassemble the value from narrower loads: low part + the rest above it.
                let bytes = size.bytes() as i16;
                spilled.push(Insn::Load { size, signed: false, dst: r(d), src: r(10), off });
                spilled.push(Insn::Load { size: MemSize::DW, signed: false, dst: r(5), src: r(10), off });
                spilled.push(Insn::Alu {
                    width: Width::W64, op: AluOp::Rsh, dst: r(5), src: Operand::Imm(8 * bytes as i32),
                });
                spilled.push(Insn::Alu {
                    width: Width::W64, op: AluOp::Lsh, dst: r(5), src: Operand::Imm(8 * bytes as i32),
                });
                spilled.push(Insn::Alu {
                    width: Width::W64, op: AluOp::Or, dst: r(d), src: Operand::Reg(r(5)),
                });
            }
        }
        let fold = [
            Insn::Alu { width: Width::W64, op: AluOp::Xor, dst: r(0), src: Operand::Reg(r(1)) },
            Insn::Alu { width: Width::W64, op: AluOp::Xor, dst: r(0), src: Operand::Reg(r(2)) },
            Insn::Alu { width: Width::W64, op: AluOp::Add, dst: r(0), src: Operand::Reg(r(3)) },
            Insn::Exit,
        ];
        plain.extend(fold);
        spilled.extend(fold);
        prop_assert_eq!(exec(plain), exec(spilled));
        // Every 32-bit op zero-extends, whatever its operands.
        for &(op, d, s, _, _) in &ops {
            let mut v = Vec::new();
            for (i, x) in init.iter().enumerate() {
                v.extend(lddw(i as u8, *x));
            }
            v.push(Insn::Alu {
                width: Width::W32, op: AluOp::ALL[op], dst: r(d), src: Operand::Reg(r(s)),
            });
            v.push(Insn::Alu { width: Width::W64, op: AluOp::Mov, dst: r(0), src: Operand::Reg(r(d)) });
            v.push(Insn::Exit);
            prop_assert!(exec(v) <= M32);
        }
    }
}

/// A random valid instruction: a random wire word that the strict decoder accepts.
fn random_insn() -> impl Strategy<Value = Option<Insn>> {
    // Opcodes the decoder accepts with some choice of the other fields.
    let codes: Vec<u8> = (0..=255u8)
        .filter(|&code| {
            [
                (0, 0, 0),
                (1, 0, 0),
                (0, 1, 0),
                (0, 0, 1),
                (0, 0, 16),
                (0, 1, 16),
                (1, 0, 1),
            ]
            .iter()
            .any(|&(src, off, imm)| {
                let raw = crate::wire::RawInsn {
                    code,
                    dst: 1,
                    src,
                    off,
                    imm,
                };
                crate::wire::decode(&[raw]).is_ok()
            })
        })
        .collect();
    (
        proptest::sample::select(codes),
        0u8..11,
        prop_oneof![Just(0u8), Just(1u8), 0u8..11],
        prop_oneof![Just(0i16), Just(1i16), -4i16..4, -600i16..8, any::<i16>()],
        prop_oneof![Just(0i32), Just(1i32), -8i32..80, any::<i32>()],
    )
        .prop_map(|(code, dst, src, off, imm)| {
            let raw = crate::wire::RawInsn {
                code,
                dst,
                src,
                off,
                imm,
            };
            crate::wire::decode(&[raw])
                .ok()
                .and_then(|v| v.first().copied())
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Random programs on random inputs never panic: every run ends with a result or an error,
    /// and an error names a pc inside the program or just past it.
    #[test]
    fn random_programs_never_panic(
        insns in proptest::collection::vec(random_insn(), 1..120),
        packet in proptest::collection::vec(any::<u8>(), 0..80),
        kind in 0usize..4,
    ) {
        let insns: Vec<Insn> = insns.into_iter().flatten().collect();
        let prog_type = [ProgType::Xdp, ProgType::SchedCls, ProgType::SocketFilter, ProgType::Xdp][kind];
        let mut p = Program::new(prog_type, insns);
        p.maps.push(crate::program::MapDef::new("h", crate::program::MapType::Hash, 4, 8, 4));
        p.maps.push(crate::program::MapDef::new("a", crate::program::MapType::Array, 4, 8, 4));
        let mut rt = Runtime::new(&p).with_conformance_helpers(kind == 3);
        let input = match kind {
            3 => Input::Mem(packet),
            _ => Input::Packet(packet),
        };
        if let Err(e) = run(&p, &mut rt, &input, 10_000) {
            let out_of_range = matches!(e.kind, ExecErrorKind::PcOutOfRange { .. });
            prop_assert!(e.pc <= p.insns.len() || out_of_range, "{}", e);
            let _ = e.to_string();
        }
    }
}

#[test]
fn random_insn_strategy_yields_mostly_valid_instructions() {
    use proptest::strategy::ValueTree;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let s = random_insn();
    let valid = (0..1000)
        .filter(|_| {
            s.new_tree(&mut runner)
                .map(|t| t.current().is_some())
                .unwrap_or(false)
        })
        .count();
    // About one word in five decodes, so a 120-word draw gives ~24 instructions.
    assert!(valid > 150, "only {valid} of 1000 random words decode");
}
