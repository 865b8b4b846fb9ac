//! Checked mode (`compile_checked`) on programs no verifier would accept: each must end as the
//! interpreter ends it — the same result, or an error of the same kind at the same slot — and
//! never with a signal. The interpreter (`ir::interp`) is the oracle.

use ir::interp::{run, ExecErrorKind, Input};
use ir::runtime::Runtime;
use ir::Program;
use jit::x86_64::{compile_checked, Options};
use jit::RunError;

const BUDGET: u64 = 1_000_000;

/// What a run ended with, without the addresses (the engines' memory lies elsewhere).
#[derive(Debug, PartialEq, Eq)]
enum End {
    R0(u64),
    Error { pc: usize, kind: String },
}

fn kind_name(k: &ExecErrorKind) -> String {
    let s = format!("{k:?}");
    s.split([' ', '(', '{'])
        .next()
        .unwrap_or_default()
        .to_string()
}

fn both(src: &str, input: &Input) -> (End, End) {
    let prog = ir::asm::assemble(src).expect("asm");
    both_prog(&prog, input)
}

fn both_prog(prog: &Program, input: &Input) -> (End, End) {
    let mut rt = Runtime::new(prog).with_conformance_helpers(true);
    let want = match run(prog, &mut rt, input, BUDGET) {
        Ok(o) => End::R0(o.r0),
        Err(e) => End::Error {
            pc: e.pc,
            kind: kind_name(&e.kind),
        },
    };
    let opts = Options {
        record: true,
        ..Options::default()
    };
    let jp = compile_checked(prog, false, BUDGET, &opts).expect("compile");
    jp.check_decoding().expect("decode");
    let mut rt = Runtime::new(prog).with_conformance_helpers(true);
    let got = match jp.run(&mut rt, input) {
        Ok(o) => End::R0(o.r0),
        Err(RunError::Exec(e)) => End::Error {
            pc: e.pc,
            kind: kind_name(&e.kind),
        },
        Err(e) => panic!("not an interpreter-style error: {e}"),
    };
    (want, got)
}

fn error_kind(e: &End) -> &str {
    match e {
        End::Error { kind, .. } => kind,
        End::R0(_) => "none",
    }
}

#[test]
fn store_at_r10_is_out_of_bounds_as_in_the_interpreter() {
    // ubpf's err-stack-oob.
    let (want, got) = both("*(u8 *)(r10 + 0) = 0\nexit\n", &Input::None);
    assert_eq!(want, got);
    assert_eq!(error_kind(&got), "OutOfBounds");
}

#[test]
fn stack_below_the_frame_and_wild_addresses_are_out_of_bounds() {
    for src in [
        "r0 = *(u64 *)(r10 - 520)\nexit\n",
        "r1 = 4096\nr0 = *(u32 *)(r1 + 0)\nexit\n",
        "r1 = -8\n*(u64 *)(r1 + 0) = r1\nexit\n",
        "lock *(u64 *)(r10 + 8) += r1\nexit\n",
        "r2 = r10\nr2 += -2\nr0 = *(u32 *)(r2 + 0)\nexit\n",
    ] {
        let (want, got) = both(src, &Input::None);
        assert_eq!(want, got, "{src}");
        assert_eq!(error_kind(&got), "OutOfBounds", "{src}");
    }
}

#[test]
fn in_bounds_accesses_give_the_interpreter_result() {
    let src = "
        *(u64 *)(r10 - 8) = 7
        r2 = *(u64 *)(r10 - 8)
        r3 = *(u8 *)(r1 + 3)
        *(u16 *)(r1 + 4) = r3
        r4 = *(s16 *)(r1 + 4)
        r0 = r2
        r0 += r4
        r5 = 1
        lock *(u64 *)(r10 - 8) += r5
        r0 += *(u64 *)(r10 - 8)
        exit
    ";
    let src = src.replace(
        "r0 += *(u64 *)(r10 - 8)",
        "r6 = *(u64 *)(r10 - 8)\nr0 += r6",
    );
    let (want, got) = both(&src, &Input::Mem(vec![1, 2, 3, 0xf4, 5, 6, 7, 8]));
    assert_eq!(want, got);
    assert!(matches!(got, End::R0(_)));
}

#[test]
fn infinite_loop_exhausts_the_budget() {
    // ubpf's err-infinite-loop.
    let (want, got) = both("r0 = 0\nl:\nr0 += 1\ngoto l\n", &Input::None);
    assert_eq!(error_kind(&want), "BudgetExceeded");
    assert_eq!(error_kind(&got), "BudgetExceeded");
}

#[test]
fn writing_r10_stops_the_run_without_a_crash() {
    for src in [
        "r10 = 0\nr0 = *(u64 *)(r10 - 8)\nexit\n",
        "r10 += 8\nexit\n",
        "r10 = *(u64 *)(r10 - 8)\nexit\n",
    ] {
        let prog = ir::asm::assemble(src).expect("asm");
        let jp = compile_checked(&prog, false, BUDGET, &Options::default()).expect("compile");
        let err = jp
            .run(&mut Runtime::new(&prog), &Input::None)
            .expect_err("r10 is read-only");
        match err {
            RunError::Exec(e) => assert_eq!(e.pc, 0, "{src}: {e}"),
            e => panic!("{src}: {e}"),
        }
    }
}

#[test]
fn deep_recursion_stops_at_the_frame_limit() {
    let (want, got) = both("call local f\nexit\nf:\ncall local f\nexit\n", &Input::None);
    assert_eq!(want, got);
    assert_eq!(error_kind(&got), "CallDepth");
}

#[test]
fn a_jump_out_of_the_program_stops_only_when_taken() {
    let prog = |taken: bool| {
        let mut insns = ir::asm::assemble(if taken {
            "r1 = 1\nif r1 == 1 goto +0\nr0 = 3\nexit\n"
        } else {
            "r1 = 2\nif r1 == 1 goto +0\nr0 = 3\nexit\n"
        })
        .expect("asm");
        if let ir::Insn::Jmp { off, .. } = &mut insns.insns[1] {
            *off = 100;
        }
        insns
    };
    let (want, got) = both_prog(&prog(false), &Input::None);
    assert_eq!((want, got), (End::R0(3), End::R0(3)));
    let (want, got) = both_prog(&prog(true), &Input::None);
    assert_eq!(error_kind(&want), "PcOutOfRange");
    assert_eq!(error_kind(&got), "PcOutOfRange");
}

#[test]
fn frames_of_calls_are_zeroed_and_reach_their_callers() {
    let src = "
        *(u64 *)(r10 - 8) = 5
        r1 = r10
        r1 += -8
        call local f
        r0 = *(u64 *)(r10 - 8)
        exit
    f:
        r2 = *(u64 *)(r10 - 8)
        r3 = *(u64 *)(r1 + 0)
        r3 += r2
        r3 += 1
        *(u64 *)(r1 + 0) = r3
        r0 = 0
        exit
    ";
    let (want, got) = both(src, &Input::None);
    assert_eq!(want, got);
    assert_eq!(got, End::R0(6));
}

#[test]
fn steps_match_the_interpreter() {
    let src = "r0 = 0\nr1 = 100\nl:\nr0 += r1\nr1 += -1\nif r1 != 0 goto l\nexit\n";
    let prog = ir::asm::assemble(src).expect("asm");
    let want = run(&prog, &mut Runtime::new(&prog), &Input::None, BUDGET).expect("interp");
    let jp = compile_checked(&prog, false, BUDGET, &Options::default()).expect("compile");
    let got = jp.run(&mut Runtime::new(&prog), &Input::None).expect("jit");
    assert_eq!((want.r0, want.steps), (got.r0, got.steps));
}

#[test]
fn unchecked_programs_do_not_run_through_the_safe_entry() {
    let prog = ir::asm::assemble("*(u8 *)(r10 + 0) = 0\nexit\n").expect("asm");
    let jp = jit::x86_64::compile_unchecked(&prog, false, &Options::default()).expect("compile");
    assert_eq!(
        jp.run(&mut Runtime::new(&prog), &Input::None).err(),
        Some(RunError::NotChecked)
    );
}
