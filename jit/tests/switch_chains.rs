//! Equality chains (`if r == c goto ...` repeated on one register), which the JIT compiles as a
//! binary search: for random chains — both widths, negative and repeated constants, values that
//! hit a constant only in their low half, runs of consecutive constants (range tests) — the JIT
//! returns what the interpreter returns, and every emitted byte decodes as meant.

use ir::insn::{AluOp, Insn, JmpCond, LdImm64Src, Operand, Width};
use ir::interp::{run, Input};
use ir::runtime::Runtime;
use ir::{ProgType, Program, Reg};
use jit::x86_64::{compile_unchecked, Options};
use proptest::prelude::*;

/// Exit blocks the chain jumps to; each returns its own number.
const EXITS: usize = 5;

/// `r2 = value; r0 = 0; chain on r2 (test i jumps to exit targets[i]); r0 = 99; exit;` then
/// the exits `r0 = j; exit`.
fn program(value: u64, width: Width, tests: &[(i32, usize)]) -> Program {
    let n = tests.len();
    let mut insns = vec![
        Insn::LdImm64 {
            dst: Reg::R2,
            src: LdImm64Src::Imm,
            imm: value,
        },
        Insn::LdImm64Tail,
    ];
    let chain_start = insns.len();
    // After the chain: 2 slots of fall-through, then exit j at chain_start + n + 2 + 2j.
    for (i, &(imm, exit)) in tests.iter().enumerate() {
        let pc = chain_start + i;
        let target = chain_start + n + 2 + 2 * exit;
        insns.push(Insn::Jmp {
            width,
            cond: JmpCond::Eq,
            dst: Reg::R2,
            src: Operand::Imm(imm),
            off: (target - pc - 1) as i16,
        });
    }
    let mov = |v: i32| Insn::Alu {
        width: Width::W64,
        op: AluOp::Mov,
        dst: Reg::R0,
        src: Operand::Imm(v),
    };
    insns.push(mov(99));
    insns.push(Insn::Exit);
    for j in 0..EXITS {
        insns.push(mov(j as i32));
        insns.push(Insn::Exit);
    }
    Program::new(ProgType::SocketFilter, insns)
}

fn constant() -> impl Strategy<Value = i32> {
    prop_oneof![
        -40i32..40,
        Just(i32::MIN),
        Just(i32::MAX),
        Just(-1),
        any::<i32>(),
    ]
}

fn check(value: u64, width: Width, tests: &[(i32, usize)]) -> Result<(), TestCaseError> {
    let prog = program(value, width, tests);
    let want = run(&prog, &mut Runtime::new(&prog), &Input::None, 10_000)
        .map_err(|e| TestCaseError::fail(format!("interpreter: {e}")))?
        .r0;
    let opts = Options {
        record: true,
        ..Options::default()
    };
    let jp = compile_unchecked(&prog, false, &opts)
        .map_err(|e| TestCaseError::fail(format!("compile: {e}")))?;
    jp.check_decoding().map_err(TestCaseError::fail)?;
    // Unchecked, to run the chain code itself (checked mode tests one at a time).
    // SAFETY: the program only compares r1 with constants and moves constants into r0: no
    // memory access, no r10 write, no backward jump.
    let got = unsafe { jp.run_unchecked(&mut Runtime::new(&prog), &Input::None) }
        .map_err(|e| TestCaseError::fail(format!("jit: {e}")))?
        .r0;
    prop_assert_eq!(got, want, "value {:#x}, {:?}", value, width);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn chains_agree_with_the_interpreter(
        tests in prop::collection::vec((constant(), 0..EXITS), 1..80),
        pick in any::<prop::sample::Index>(),
        high in any::<u32>(),
        hit in any::<bool>(),
        random in any::<u64>(),
        wide in any::<bool>(),
    ) {
        let width = if wide { Width::W64 } else { Width::W32 };
        let c = tests[pick.index(tests.len())].0;
        let value = match (hit, width) {
            (false, _) => random,
            (true, Width::W64) => c as i64 as u64,
            // Only the low half is compared: any high half still hits.
            (true, Width::W32) => ((high as u64) << 32) | c as u32 as u64,
        };
        check(value, width, &tests)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Runs of consecutive constants with one target (port ranges written rule by rule), cut
    /// by other targets and repeats: merged into range tests, still the interpreter's result.
    #[test]
    fn ranges_agree_with_the_interpreter(
        base in prop_oneof![-50i32..50, Just(i32::MAX - 40), Just(i32::MIN), Just(-20i32)],
        runs in prop::collection::vec((1usize..12, 0..EXITS), 2..12),
        extra in prop::collection::vec((constant(), 0..EXITS), 0..6),
        offset in -3i64..60,
        high in any::<u32>(),
        wide in any::<bool>(),
    ) {
        let width = if wide { Width::W64 } else { Width::W32 };
        let mut tests = Vec::new();
        let mut next = base as i64;
        for (len, exit) in runs {
            for _ in 0..len {
                if let Ok(c) = i32::try_from(next) {
                    tests.push((c, exit));
                }
                next += 1;
            }
        }
        tests.extend(extra);
        let v = base as i64 + offset;
        let value = match width {
            Width::W64 => v as u64,
            Width::W32 => ((high as u64) << 32) | (v as u32 as u64),
        };
        check(value, width, &tests)?;
    }
}

#[test]
fn a_port_range_is_two_compares() {
    // 1,000 rules, ports 1000..1999, all to one exit: one range test.
    let tests: Vec<(i32, usize)> = (1000..2000).map(|p| (p, 1)).collect();
    for v in [0u64, 999, 1000, 1500, 1999, 2000, u64::MAX] {
        check(v, Width::W64, &tests).expect("agrees");
    }
    let opts = Options {
        record: true,
        ..Options::default()
    };
    let listing = compile_unchecked(&program(0, Width::W64, &tests), false, &opts)
        .expect("compiles")
        .disassemble();
    let compares = listing
        .lines()
        .filter(|l| l.contains("cmp     rsi"))
        .count();
    assert_eq!(compares, 2, "{listing}");
}

#[test]
fn a_long_chain_becomes_a_search_and_keeps_first_targets() {
    // 64 tests, each constant twice (second time to another exit): the first must win.
    let mut tests: Vec<(i32, usize)> = (0..32).map(|i| (i * 3 - 40, i as usize % EXITS)).collect();
    tests.extend((0..32).map(|i| (i * 3 - 40, (i as usize + 1) % EXITS)));
    for width in [Width::W64, Width::W32] {
        for v in -45i64..60 {
            check(v as u64, width, &tests).expect("agrees");
        }
    }
    // The search compares each distinct constant once; the linear chain would compare 64 times.
    let prog = program(0, Width::W64, &tests);
    let opts = Options {
        record: true,
        ..Options::default()
    };
    let listing = compile_unchecked(&prog, false, &opts)
        .expect("compiles")
        .disassemble();
    let compares = listing
        .lines()
        .filter(|l| l.contains("cmp     rsi"))
        .count();
    assert_eq!(compares, 32, "{listing}");
}
