//! Shared helpers of the `asm_*` integration tests: finding the conformance data.
#![allow(dead_code)]

use std::path::PathBuf;

/// The bpf_conformance folder: `$BPF_CONFORMANCE_DIR`, else `../shared/conformance` from the
/// workspace root. `None` (after printing a SKIP line for `test`) when absent.
pub fn conformance_dir(test: &str) -> Option<PathBuf> {
    let dir = testkit::conformance::dir();
    if dir.is_none() {
        testkit::oracle::skip_data(test, "no conformance data (set BPF_CONFORMANCE_DIR)");
    }
    dir
}

/// Every `.data` file of `sub` (`tests` or `negative`), sorted, with its text.
pub fn data_files(dir: &std::path::Path, sub: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let Ok(rd) = std::fs::read_dir(dir.join(sub)) else {
        return out;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.extension().is_some_and(|x| x == "data") {
            let name = p.file_name().map(|n| n.to_string_lossy().into_owned());
            if let (Some(name), Ok(text)) = (name, std::fs::read_to_string(&p)) {
                out.push((name, text));
            }
        }
    }
    out.sort();
    out
}

/// The first of `names` that runs and reports LLVM major version >= 17 (hex immediates and
/// cpu v4 in the BPF printer); `None` after printing a SKIP line for `test`.
pub fn llvm_tool(test: &str, base: &str) -> Option<String> {
    let candidates = [
        format!("{base}-19"),
        format!("{base}-18"),
        format!("{base}-17"),
        base.to_string(),
    ];
    for c in &candidates {
        let Ok(out) = std::process::Command::new(c).arg("--version").output() else {
            continue;
        };
        let text = String::from_utf8_lossy(&out.stdout);
        let major = text
            .split("version ")
            .nth(1)
            .and_then(|v| v.split('.').next())
            .and_then(|v| v.trim().parse::<u32>().ok());
        if out.status.success() && major.is_some_and(|m| m >= 17) {
            return Some(c.clone());
        }
    }
    testkit::oracle::skip(
        test,
        format_args!("no {base} of LLVM 17 or later (apt-get install clang-19 llvm-19)"),
    );
    None
}

/// A fresh scratch directory for one test.
pub fn scratch(test: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("bpf-offload-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    let _ = std::fs::create_dir_all(&d);
    d
}

/// Run a command; its stdout, or a panic with its stderr.
pub fn run(cmd: &mut std::process::Command) -> Vec<u8> {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}
