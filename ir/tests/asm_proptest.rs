//! Property tests: random valid programs survive disasm -> asm in both syntaxes; one-slot text
//! survives too; arbitrary text never panics the assembler.

use ir::asm::{assemble, assemble_as, Syntax};
use ir::disasm::{disasm_program, insn_text, kernel_log_text};
use ir::insn::*;
use ir::{ProgType, Program};
use proptest::prelude::*;

fn reg() -> impl Strategy<Value = Reg> {
    (0u8..=10).prop_map(|n| Reg::new(n).unwrap_or(Reg::R0))
}

fn width() -> impl Strategy<Value = Width> {
    prop_oneof![Just(Width::W32), Just(Width::W64)]
}

fn operand() -> impl Strategy<Value = Operand> {
    prop_oneof![
        reg().prop_map(Operand::Reg),
        any::<i32>().prop_map(Operand::Imm)
    ]
}

fn size() -> impl Strategy<Value = MemSize> {
    prop::sample::select(MemSize::ALL.to_vec())
}

/// Any single-slot instruction (LD_IMM64 is added separately with its tail).
fn slot_insn() -> impl Strategy<Value = Insn> {
    prop_oneof![
        (
            width(),
            prop::sample::select(AluOp::ALL.to_vec()),
            reg(),
            operand()
        )
            .prop_map(|(width, op, dst, src)| Insn::Alu {
                width,
                op,
                dst,
                src
            }),
        (
            width(),
            prop::sample::select(vec![8u8, 16, 32]),
            reg(),
            reg()
        )
            .prop_map(|(width, bits, dst, src)| {
                let bits = if width == Width::W32 && bits == 32 {
                    16
                } else {
                    bits
                };
                Insn::MovSx {
                    width,
                    bits,
                    dst,
                    src,
                }
            }),
        (width(), reg()).prop_map(|(width, dst)| Insn::Neg { width, dst }),
        (
            prop::sample::select(vec![Endian::ToLe, Endian::ToBe, Endian::Swap]),
            prop::sample::select(vec![16u8, 32, 64]),
            reg()
        )
            .prop_map(|(kind, bits, dst)| Insn::End { kind, bits, dst }),
        any::<i16>().prop_map(|off| Insn::Ja {
            off: off as i32,
            long: false
        }),
        any::<i32>().prop_map(|off| Insn::Ja { off, long: true }),
        (-8i16..8).prop_map(|off| Insn::Ja {
            off: off as i32,
            long: false
        }),
        (
            width(),
            prop::sample::select(JmpCond::ALL.to_vec()),
            reg(),
            operand(),
            -8i16..8
        )
            .prop_map(|(width, cond, dst, src, off)| Insn::Jmp {
                width,
                cond,
                dst,
                src,
                off
            }),
        (
            width(),
            prop::sample::select(JmpCond::ALL.to_vec()),
            reg(),
            operand(),
            any::<i16>()
        )
            .prop_map(|(width, cond, dst, src, off)| Insn::Jmp {
                width,
                cond,
                dst,
                src,
                off
            }),
        (size(), any::<bool>(), reg(), reg(), any::<i16>()).prop_map(
            |(size, signed, dst, src, off)| Insn::Load {
                size,
                signed: signed && size != MemSize::DW,
                dst,
                src,
                off
            }
        ),
        (size(), reg(), any::<i16>(), operand()).prop_map(|(size, dst, off, src)| Insn::Store {
            size,
            dst,
            off,
            src
        }),
        (
            prop::sample::select(vec![MemSize::W, MemSize::DW]),
            prop::sample::select(vec![
                AtomicOp::Add,
                AtomicOp::Or,
                AtomicOp::And,
                AtomicOp::Xor,
                AtomicOp::Xchg,
                AtomicOp::CmpXchg
            ]),
            any::<bool>(),
            reg(),
            reg(),
            any::<i16>()
        )
            .prop_map(|(size, op, fetch, dst, src, off)| Insn::Atomic {
                size,
                op,
                fetch: fetch || matches!(op, AtomicOp::Xchg | AtomicOp::CmpXchg),
                dst,
                src,
                off
            }),
        (
            prop::sample::select(vec![MemSize::B, MemSize::H, MemSize::W]),
            any::<i32>()
        )
            .prop_map(|(size, imm)| Insn::LdAbs { size, imm }),
        (
            prop::sample::select(vec![MemSize::B, MemSize::H, MemSize::W]),
            reg(),
            any::<i32>()
        )
            .prop_map(|(size, src, imm)| Insn::LdInd { size, src, imm }),
        any::<i32>().prop_map(|id| Insn::Call(CallTarget::Helper(id))),
        (0i32..212).prop_map(|id| Insn::Call(CallTarget::Helper(id))),
        (-8i32..8).prop_map(|off| Insn::Call(CallTarget::Local(off))),
        any::<i32>().prop_map(|off| Insn::Call(CallTarget::Local(off))),
        (any::<i32>(), any::<i16>())
            .prop_map(|(btf_id, off)| Insn::Call(CallTarget::Kfunc { btf_id, off })),
        reg().prop_map(|reg| Insn::CallX { reg }),
        Just(Insn::Exit),
    ]
}

fn ld_imm64() -> impl Strategy<Value = Insn> {
    (
        reg(),
        prop::sample::select(vec![
            LdImm64Src::Imm,
            LdImm64Src::MapFd,
            LdImm64Src::MapValue,
            LdImm64Src::BtfId,
            LdImm64Src::Func,
            LdImm64Src::MapIdx,
            LdImm64Src::MapIdxValue,
        ]),
        any::<u64>(),
        -6i32..6,
    )
        .prop_map(|(dst, src, imm, near)| {
            // Func offsets mostly land inside the program so they get labels.
            let imm = if src == LdImm64Src::Func && imm % 2 == 0 {
                (imm & 0xffff_ffff_0000_0000) | near as u32 as u64
            } else {
                imm
            };
            Insn::LdImm64 { dst, src, imm }
        })
}

fn program() -> impl Strategy<Value = Program> {
    prop::collection::vec(prop_oneof![8 => slot_insn(), 1 => ld_imm64()], 1..40).prop_map(|v| {
        let mut insns = Vec::new();
        for i in v {
            insns.push(i);
            if matches!(i, Insn::LdImm64 { .. }) {
                insns.push(Insn::LdImm64Tail);
            }
        }
        Program::new(ProgType::Xdp, insns)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn disasm_then_asm_is_identity(p in program()) {
        for syntax in [Syntax::Conformance, Syntax::Llvm] {
            let text = disasm_program(&p, syntax);
            let q = assemble_as(&text, syntax).map_err(|e| {
                TestCaseError::fail(format!("{syntax:?}: {e}\n{text}"))
            })?;
            prop_assert_eq!(&q.insns, &p.insns, "{:?}:\n{}", syntax, text);
            prop_assert_eq!(q.to_bytes().unwrap(), p.to_bytes().unwrap());
        }
    }

    #[test]
    fn one_slot_conformance_text_reassembles(i in slot_insn()) {
        // Without labels, jumps print as offsets; a lone slot reassembles to itself.
        let p = Program::new(ProgType::Xdp, vec![i]);
        let text = insn_text(&p, 0, Syntax::Conformance);
        let q = assemble_as(&text, Syntax::Conformance)
            .map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
        prop_assert_eq!(q.insns, vec![i], "{}", text);
        prop_assert!(kernel_log_text(&p, 0).starts_with('('));
    }

    #[test]
    fn assembler_never_panics(src in "[ -~\\n]{0,200}") {
        let _ = assemble(&src);
        let _ = assemble_as(&src, Syntax::Llvm);
        let _ = assemble_as(&src, Syntax::Conformance);
    }

    #[test]
    fn assembler_never_panics_on_near_misses(
        lines in prop::collection::vec(
            prop::sample::select(vec![
                "r0 = *(u32 *)(r1 +", "lock *(u64 *)(r10 - 8) +=", "if r1 s", "r1 = map[",
                "lddw %r1, map_value[x]+", "call local", "w0 = atomic_fetch_add((u32 *)(r1",
                "ldxb %r0, [%r1+", "r1 = (s", "mov %r", "goto", "x:", ".map m type=", "\"",
                "r0 = *(u8 *)skb[r1 +", "jeq %r1, 0x", "0x", "-", "%", "r1 = xchg_64(r1 - 8,",
            ]),
            0..6,
        )
    ) {
        let src = lines.join("\n");
        let _ = assemble(&src);
        let _ = assemble_as(&src, Syntax::Llvm);
        let _ = assemble_as(&src, Syntax::Conformance);
    }
}
