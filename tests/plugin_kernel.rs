//! The kernel as an oracle for the bpf_conformance suite: every program of
//! `../shared/conformance/tests` goes through `plugin --engine kernel` exactly as the upstream
//! runner drives a plugin (program hex on stdin, memory hex as the argument). The kernel loads
//! it as bpf_conformance's libbpf plugin does (an XDP program whose packet is the memory, r1/r2
//! set by a prologue). Every program the kernel's verifier accepts must print the expected
//! result; every one it refuses must say why, and the reasons must be the known ones. Root and
//! the `kernel` feature.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Why the kernel may refuse a conformance program (the reasons the suite's programs meet).
const KNOWN_REFUSALS: &[&str] = &[
    // A shift by an immediate outside [0, width): the kernel refuses it at load, the suite
    // expects the amount masked.
    "invalid shift",
    // `callx` (BPF_CALL | BPF_X): the kernel has no such instruction.
    "unknown opcode 8d",
    // Helper 5 is ubpf's unwind in the suite, bpf_ktime_get_ns in the kernel: not submitted.
    "helper 5 is ubpf's unwind",
];

#[test]
fn the_kernel_gives_every_conformance_program_it_accepts_the_expected_result() {
    let test = "the_kernel_gives_every_conformance_program_it_accepts_the_expected_result";
    let Some(dir) = testkit::conformance::dir() else {
        testkit::oracle::skip_data(test, "no ../shared/conformance");
        return;
    };
    let probe = Command::new(env!("CARGO_BIN_EXE_bpf-offload"))
        .args(["plugin", "--engine", "kernel"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let why = String::from_utf8_lossy(&probe.stderr);
    if why.contains("not built in") || why.contains("needs root") {
        testkit::oracle::skip(test, why.trim());
        return;
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("tests"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "data"))
        .collect();
    files.sort();
    let mut accepted = 0;
    let mut refused: Vec<(String, String)> = Vec::new();
    let mut wrong = Vec::new();
    for f in &files {
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        let case = ir::conformance::parse(&std::fs::read_to_string(f).unwrap()).unwrap();
        let insns = match (&case.asm, &case.raw) {
            (Some(asm), _) => ir::asm::assemble(asm).unwrap().insns,
            (None, Some(raw)) => ir::insn::decode_bytes(raw).unwrap(),
            _ => continue,
        };
        let program = hex(&ir::insn::encode_bytes(&insns));
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_bpf-offload"));
        cmd.args(["plugin", "--engine", "kernel"]);
        if !case.mem.is_empty() {
            cmd.arg(hex(&case.mem));
        }
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(program.as_bytes())
            .unwrap();
        let o = child.wait_with_output().unwrap();
        let out = String::from_utf8_lossy(&o.stdout).trim().to_string();
        let err = String::from_utf8_lossy(&o.stderr).trim().to_string();
        if o.status.success() {
            accepted += 1;
            let got = u64::from_str_radix(&out, 16).unwrap_or_else(|_| panic!("{name}: {out}"));
            let want = case.result.unwrap_or_else(|| panic!("{name}: no result"));
            if got != want {
                wrong.push(format!("{name}: kernel {got:#x}, expected {want:#x}"));
            }
        } else {
            assert!(out.is_empty(), "{name}: printed {out} and failed");
            refused.push((name, err));
        }
    }
    let unknown: Vec<String> = refused
        .iter()
        .filter(|(_, why)| !KNOWN_REFUSALS.iter().any(|k| why.contains(k)))
        .map(|(n, why)| format!("{n}: {why}"))
        .collect();
    println!(
        "conformance in the kernel: {} programs, {accepted} run with the expected result, {} refused:",
        files.len(),
        refused.len()
    );
    for (n, why) in &refused {
        println!("  {n}: {why}");
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert!(
        unknown.is_empty(),
        "refused for an unexpected reason:\n{}",
        unknown.join("\n")
    );
    assert!(
        accepted >= 290,
        "only {accepted} programs ran in the kernel"
    );
}
