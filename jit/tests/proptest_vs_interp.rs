//! Property: for random valid programs the JIT returns what the interpreter returns.
//!
//! Programs are loop-free (jumps go forward) and use every ALU, byte-order, sign-extension,
//! jump, load, store and atomic form on the stack and on the input memory; r1 holds the input
//! memory pointer throughout and is never written. A bpf-to-bpf callee exercises frames and
//! callee-saved registers. The program ends by folding the memory and part of its stack into r0,
//! so every store shows in the result. Each program is also decoded byte by byte.

use ir::insn::{
    AluOp, AtomicOp, CallTarget, Endian, Insn, JmpCond, LdImm64Src, MemSize, Operand, Width,
};
use ir::interp::{run, Input};
use ir::runtime::Runtime;
use ir::{ProgType, Program, Reg};
use jit::x86_64::{compile_checked, compile_unchecked, CpuFeatures, Options};
use proptest::prelude::*;

const MEM: usize = 64;

/// One generated operation before layout (jumps skip a number of following ops).
#[derive(Clone, Debug)]
enum Op {
    Insn(Insn),
    /// Conditional jump over the next `skip` ops.
    Jmp {
        width: Width,
        cond: JmpCond,
        dst: Reg,
        src: Operand,
        skip: usize,
    },
    Ja {
        skip: usize,
    },
    Call,
}

fn scalar_reg() -> impl Strategy<Value = Reg> {
    prop::sample::select(vec![0u8, 2, 3, 4, 5, 6, 7, 8, 9])
        .prop_map(|n| Reg::new(n).unwrap_or(Reg::R0))
}

fn imm() -> impl Strategy<Value = i32> {
    prop_oneof![
        Just(0),
        Just(1),
        Just(-1),
        Just(i32::MIN),
        Just(i32::MAX),
        -70i32..70,
        any::<i32>(),
    ]
}

fn width() -> impl Strategy<Value = Width> {
    prop_oneof![Just(Width::W32), Just(Width::W64)]
}

fn operand() -> impl Strategy<Value = Operand> {
    prop_oneof![
        scalar_reg().prop_map(Operand::Reg),
        imm().prop_map(Operand::Imm)
    ]
}

fn size() -> impl Strategy<Value = MemSize> {
    prop::sample::select(MemSize::ALL.to_vec())
}

/// (base, offset) of an aligned access of `size`: the stack or the input memory.
fn place(size: MemSize, stack: bool) -> impl Strategy<Value = (Reg, i16)> {
    let n = size.bytes() as i16;
    let stack_weight = if stack { 1 } else { 0 };
    prop_oneof![
        stack_weight => (1i16..=(512 / n)).prop_map(move |k| (Reg::R10, -k * n)),
        1 => (0i16..(MEM as i16 / n)).prop_map(move |k| (Reg::R1, k * n)),
    ]
}

fn alu() -> impl Strategy<Value = Insn> {
    (
        width(),
        prop::sample::select(AluOp::ALL.to_vec()),
        scalar_reg(),
        operand(),
    )
        .prop_map(|(width, op, dst, src)| Insn::Alu {
            width,
            op,
            dst,
            src,
        })
}

/// `stack_reads`: loads and atomics may use the stack (not in the callee, whose frame holds
/// what an earlier call left there in the interpreter and fresh zeros in the JIT).
fn insn(stack_reads: bool) -> impl Strategy<Value = Insn> {
    prop_oneof![
        6 => alu(),
        1 => (width(), scalar_reg()).prop_map(|(width, dst)| Insn::Neg { width, dst }),
        1 => (
            prop_oneof![Just(Endian::ToLe), Just(Endian::ToBe), Just(Endian::Swap)],
            prop::sample::select(vec![16u8, 32, 64]),
            scalar_reg()
        )
            .prop_map(|(kind, bits, dst)| Insn::End { kind, bits, dst }),
        1 => (width(), prop::sample::select(vec![8u8, 16, 32]), scalar_reg(), scalar_reg())
            .prop_filter("movsx32 has no 32-bit source", |(w, b, _, _)| !(*w == Width::W32 && *b == 32))
            .prop_map(|(width, bits, dst, src)| Insn::MovSx { width, bits, dst, src }),
        1 => (scalar_reg(), any::<u64>()).prop_map(|(dst, imm)| Insn::LdImm64 {
            dst,
            src: LdImm64Src::Imm,
            imm
        }),
        2 => (size(), any::<bool>(), scalar_reg())
            .prop_flat_map(move |(s, signed, d)| (Just(s), Just(signed && s != MemSize::DW), Just(d), place(s, stack_reads)))
            .prop_map(|(size, signed, dst, (src, off))| Insn::Load { size, signed, dst, src, off }),
        2 => (size(), operand())
            .prop_flat_map(|(s, o)| (Just(s), Just(o), place(s, true)))
            .prop_map(|(size, src, (dst, off))| Insn::Store { size, dst, off, src }),
        1 => (
            prop_oneof![Just(MemSize::W), Just(MemSize::DW)],
            prop::sample::select(vec![
                AtomicOp::Add,
                AtomicOp::Or,
                AtomicOp::And,
                AtomicOp::Xor,
                AtomicOp::Xchg,
                AtomicOp::CmpXchg
            ]),
            any::<bool>(),
            scalar_reg()
        )
            .prop_flat_map(move |(s, op, f, r)| (Just(s), Just(op), Just(f), Just(r), place(s, stack_reads)))
            .prop_map(|(size, op, fetch, src, (dst, off))| Insn::Atomic {
                size,
                op,
                fetch: fetch || matches!(op, AtomicOp::Xchg | AtomicOp::CmpXchg),
                dst,
                src,
                off
            }),
    ]
}

fn op(with_calls: bool) -> impl Strategy<Value = Op> {
    let call_weight = if with_calls { 1 } else { 0 };
    prop_oneof![
        12 => insn(with_calls).prop_map(Op::Insn),
        3 => (width(), prop::sample::select(JmpCond::ALL.to_vec()), scalar_reg(), operand(), 0usize..6)
            .prop_map(|(width, cond, dst, src, skip)| Op::Jmp { width, cond, dst, src, skip }),
        1 => (0usize..4).prop_map(|skip| Op::Ja { skip }),
        call_weight => Just(Op::Call),
    ]
}

/// Lay out ops as instructions; jumps past the end land on the first instruction after `ops`.
fn layout(ops: &[Op], call_target: Option<usize>, base: usize) -> Vec<Insn> {
    // Slot index of each op (LD_IMM64 takes two).
    let mut at = Vec::with_capacity(ops.len() + 1);
    let mut slot = base;
    for o in ops {
        at.push(slot);
        slot += match o {
            Op::Insn(i) => i.slots(),
            _ => 1,
        };
    }
    at.push(slot);
    let mut out = Vec::new();
    for (i, o) in ops.iter().enumerate() {
        let pc = at[i];
        let target = |skip: usize| at[(i + 1 + skip).min(ops.len())] as i64 - pc as i64 - 1;
        match o {
            Op::Insn(insn) => {
                out.push(*insn);
                if insn.slots() == 2 {
                    out.push(Insn::LdImm64Tail);
                }
            }
            Op::Jmp {
                width,
                cond,
                dst,
                src,
                skip,
            } => out.push(Insn::Jmp {
                width: *width,
                cond: *cond,
                dst: *dst,
                src: *src,
                off: target(*skip) as i16,
            }),
            Op::Ja { skip } => out.push(Insn::Ja {
                off: target(*skip) as i32,
                long: false,
            }),
            Op::Call => {
                let t = call_target.unwrap_or(pc + 1) as i64;
                out.push(Insn::Call(CallTarget::Local((t - pc as i64 - 1) as i32)))
            }
        }
    }
    out
}

fn program(main: &[Op], callee: &[Op]) -> Program {
    let mut insns = Vec::new();
    // Give every scalar register a value.
    for r in [0u8, 2, 3, 4, 5, 6, 7, 8, 9] {
        let dst = Reg::new(r).unwrap_or(Reg::R0);
        insns.push(Insn::LdImm64 {
            dst,
            src: LdImm64Src::Imm,
            imm: 0x0123_4567_89ab_cdefu64.rotate_left(r as u32 * 7) ^ r as u64,
        });
        insns.push(Insn::LdImm64Tail);
    }
    // Main body, then fold memory and a few stack slots into r0, then exit.
    let fold_len = MEM / 8 * 2 + 4 * 2 + 1;
    let main_len: usize = main
        .iter()
        .map(|o| match o {
            Op::Insn(i) => i.slots(),
            _ => 1,
        })
        .sum();
    let callee_start = insns.len() + main_len + fold_len;
    insns.extend(layout(main, Some(callee_start), insns.len()));
    for k in 0..MEM / 8 {
        insns.push(Insn::Load {
            size: MemSize::DW,
            signed: false,
            dst: Reg::R2,
            src: Reg::R1,
            off: (k * 8) as i16,
        });
        insns.push(Insn::Alu {
            width: Width::W64,
            op: AluOp::Xor,
            dst: Reg::R0,
            src: Operand::Reg(Reg::R2),
        });
    }
    for k in [8i16, 64, 256, 512] {
        insns.push(Insn::Load {
            size: MemSize::DW,
            signed: false,
            dst: Reg::R2,
            src: Reg::R10,
            off: -k,
        });
        insns.push(Insn::Alu {
            width: Width::W64,
            op: AluOp::Add,
            dst: Reg::R0,
            src: Operand::Reg(Reg::R2),
        });
    }
    insns.push(Insn::Exit);
    assert_eq!(insns.len(), callee_start);
    insns.extend(layout(callee, None, callee_start));
    insns.push(Insn::Exit);
    Program::new(ProgType::Xdp, insns)
}

fn check(prog: &Program, cpu: CpuFeatures, harden: bool) -> Result<(), TestCaseError> {
    let mem: Vec<u8> = (0..MEM as u8)
        .map(|i| i.wrapping_mul(37).wrapping_add(11))
        .collect();
    let input = Input::Mem(mem);
    let mut rt = Runtime::new(prog);
    let want = run(prog, &mut rt, &input, 100_000)
        .map_err(|e| TestCaseError::fail(format!("interp: {e}")))?;
    let opts = Options {
        cpu,
        record: true,
        harden,
    };
    // The unchecked code is what verified programs get; the checked code is what unverified
    // ones get: both must agree with the interpreter.
    let jp = compile_unchecked(prog, false, &opts)
        .map_err(|e| TestCaseError::fail(format!("compile: {e}")))?;
    jp.check_decoding()
        .map_err(|e| TestCaseError::fail(format!("decode: {e}")))?;
    let mut rt = Runtime::new(prog);
    // SAFETY: generated programs are loop-free, never write r10 and access only their input
    // memory through the unmodified r1 and their own 512-byte frame at constant offsets
    // (see `op`); the interpreter ran this one without an error above.
    let got = unsafe { jp.run_unchecked(&mut rt, &input) }
        .map_err(|e| TestCaseError::fail(format!("jit: {e}")))?;
    prop_assert_eq!(want.r0, got.r0, "r0 differs\n{}", jp.disassemble());
    let jc = compile_checked(prog, false, 100_000, &opts)
        .map_err(|e| TestCaseError::fail(format!("compile checked: {e}")))?;
    jc.check_decoding()
        .map_err(|e| TestCaseError::fail(format!("decode checked: {e}")))?;
    let got = jc
        .run(&mut Runtime::new(prog), &input)
        .map_err(|e| TestCaseError::fail(format!("jit checked: {e}")))?;
    prop_assert_eq!(want.r0, got.r0, "checked r0 differs\n{}", jc.disassemble());
    prop_assert_eq!(want.steps, got.steps, "checked steps differ");
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn jit_matches_interpreter(
        main in prop::collection::vec(op(true), 1..40),
        callee in prop::collection::vec(op(false), 0..12),
    ) {
        let prog = program(&main, &callee);
        check(&prog, CpuFeatures::host(), false)?;
    }

    #[test]
    fn baseline_cpu_matches_interpreter(main in prop::collection::vec(op(true), 1..30)) {
        let prog = program(&main, &[]);
        check(&prog, CpuFeatures::baseline(), false)?;
    }

    #[test]
    fn hardened_matches_interpreter(main in prop::collection::vec(op(true), 1..30)) {
        let prog = program(&main, &[]);
        check(&prog, CpuFeatures::host(), true)?;
    }
}

/// The same programs under the RV64 backend in the emulator, for each extension set, every
/// emitted instruction decoded by llvm-mc.
#[cfg(feature = "riscv-emu")]
mod riscv64 {
    use super::*;
    use jit::riscv64::{compile_unchecked, Extensions, Options};

    fn check_rv(prog: &Program, ext: Extensions) -> Result<(), TestCaseError> {
        let mem: Vec<u8> = (0..MEM as u8)
            .map(|i| i.wrapping_mul(37).wrapping_add(11))
            .collect();
        let input = Input::Mem(mem);
        let mut rt = Runtime::new(prog);
        let want = run(prog, &mut rt, &input, 100_000)
            .map_err(|e| TestCaseError::fail(format!("interp: {e}")))?;
        let opts = Options {
            ext,
            ..Options::default()
        };
        let rp = compile_unchecked(prog, false, &opts)
            .map_err(|e| TestCaseError::fail(format!("compile: {e}")))?;
        rp.check_decoding()
            .map_err(|e| TestCaseError::fail(format!("decode: {e}")))?;
        let mut rt = Runtime::new(prog);
        let got = rp
            .run(&mut rt, &input)
            .map_err(|e| TestCaseError::fail(format!("rv64: {e}\n{}", rp.disassemble())))?;
        prop_assert_eq!(want.r0, got.r0, "r0 differs\n{}", rp.disassemble());
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 150, ..ProptestConfig::default() })]

        #[test]
        fn rv64imac_matches_interpreter(
            main in prop::collection::vec(op(true), 1..40),
            callee in prop::collection::vec(op(false), 0..12),
        ) {
            check_rv(&program(&main, &callee), Extensions::rv64imac())?;
        }

        #[test]
        fn rv64ima_matches_interpreter(main in prop::collection::vec(op(true), 1..30)) {
            check_rv(&program(&main, &[]), Extensions::base())?;
        }

        #[test]
        fn rv64_zba_zbb_matches_interpreter(
            main in prop::collection::vec(op(true), 1..40),
            callee in prop::collection::vec(op(false), 0..12),
        ) {
            check_rv(&program(&main, &callee), Extensions::all())?;
        }
    }
}
