//! The interpreter against the bpf_conformance data: every program of `tests/` returns its
//! `-- result`; every file of `negative/` fails (assembly or decode error, a run error, or a
//! result mismatch) and never passes.
//!
//! The data is read from `$BPF_CONFORMANCE_DIR`, else `../shared/conformance` from the workspace
//! root; without it the tests print `SKIP` and pass.

use ir::asm::{assemble_as, Syntax};
use ir::conformance::{self, TestCase};
use ir::insn::decode_bytes;
use ir::interp::{run, Input};
use ir::program::{ProgType, Program};
use ir::runtime::Runtime;
use std::path::{Path, PathBuf};

const BUDGET: u64 = 1_000_000;

fn conformance_dir(test: &str) -> Option<PathBuf> {
    let dir = testkit::conformance::dir();
    if dir.is_none() {
        testkit::oracle::skip_data(test, "no conformance data (set BPF_CONFORMANCE_DIR)");
    }
    dir
}

fn data_files(dir: &Path, sub: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = std::fs::read_dir(dir.join(sub))
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "data"))
                .filter_map(|p| {
                    let name = p.file_name()?.to_string_lossy().into_owned();
                    Some((name, std::fs::read_to_string(&p).ok()?))
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

/// What happened to one file.
#[derive(Debug, PartialEq, Eq)]
enum Verdict {
    Pass,
    /// Assembly, parse or decode failed (with where).
    BadInput(String),
    /// The run stopped with an error.
    RunError(String),
    /// The program ran but returned something else (or the file expected an error).
    Mismatch {
        got: u64,
        want: Option<u64>,
    },
}

fn program_of(case: &TestCase) -> Result<Program, String> {
    if let Some(asm) = &case.asm {
        return assemble_as(asm, Syntax::Conformance).map_err(|e| {
            format!(
                "{}:{}: {}",
                case.asm_first_line + e.line - 1,
                e.col,
                e.message
            )
        });
    }
    let raw = case.raw.as_ref().ok_or("no -- asm or -- raw section")?;
    let insns = decode_bytes(raw).map_err(|e| e.to_string())?;
    Ok(Program::new(ProgType::SocketFilter, insns))
}

fn judge(text: &str) -> Verdict {
    let case = match conformance::parse(text) {
        Ok(c) => c,
        Err(e) => return Verdict::BadInput(e.to_string()),
    };
    let prog = match program_of(&case) {
        Ok(p) if p.insns.is_empty() => return Verdict::BadInput("no instructions".into()),
        Ok(p) => p,
        Err(e) => return Verdict::BadInput(e),
    };
    let mut rt = Runtime::new(&prog).with_conformance_helpers(true);
    match run(&prog, &mut rt, &Input::Mem(case.mem.clone()), BUDGET) {
        Err(e) => Verdict::RunError(e.to_string()),
        Ok(out) if case.error.is_none() && case.result == Some(out.r0) => Verdict::Pass,
        Ok(out) => Verdict::Mismatch {
            got: out.r0,
            want: case.result,
        },
    }
}

#[test]
fn every_conformance_program_returns_its_result() {
    let Some(dir) = conformance_dir("every_conformance_program_returns_its_result") else {
        return;
    };
    let files = data_files(&dir, "tests");
    assert!(files.len() >= 313, "found {} files", files.len());
    let mut failures = Vec::new();
    for (name, text) in &files {
        match judge(text) {
            Verdict::Pass => {}
            v => failures.push(format!("{name}: {v:?}")),
        }
    }
    println!(
        "conformance: {} of {} programs pass on the interpreter",
        files.len() - failures.len(),
        files.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_negative_file_fails() {
    let Some(dir) = conformance_dir("every_negative_file_fails") else {
        return;
    };
    let files = data_files(&dir, "negative");
    assert!(files.len() >= 60, "found {} files", files.len());
    let mut passed = Vec::new();
    let (mut bad_input, mut run_error, mut mismatch) = (0, 0, 0);
    for (name, text) in &files {
        match judge(text) {
            Verdict::Pass => passed.push(name.clone()),
            Verdict::BadInput(_) => bad_input += 1,
            Verdict::RunError(_) => run_error += 1,
            Verdict::Mismatch { .. } => mismatch += 1,
        }
    }
    println!(
        "negative: {bad_input} bad input, {run_error} run errors, {mismatch} mismatches, {} passed",
        passed.len()
    );
    assert!(passed.is_empty(), "negative files that passed: {passed:?}");
    // The wrong expected result is reported as a mismatch with the value actually computed
    // (`ldxdw r0, [r1+2]` over `aa bb 11 22 33 44 55 66 77 88 cc dd`).
    let text = files
        .iter()
        .find(|(n, _)| n == "incorrect_return_value_high_bits.data")
        .map(|(_, t)| t.as_str());
    if let Some(text) = text {
        assert_eq!(
            judge(text),
            Verdict::Mismatch {
                got: u64::from_le_bytes([0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88]),
                want: Some(0x8977_6655_4433_2211),
            }
        );
    }
}
