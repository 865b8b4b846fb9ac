//! Shared helpers of the `asm_*` integration tests: finding the conformance data.
#![allow(dead_code)]

use std::path::PathBuf;

/// The bpf_conformance folder: `$BPF_CONFORMANCE_DIR`, else `../shared/conformance` from the
/// workspace root. `None` (after printing a SKIP line for `test`) when absent.
pub fn conformance_dir(test: &str) -> Option<PathBuf> {
    let dir = match std::env::var_os("BPF_CONFORMANCE_DIR") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance"),
    };
    if dir.join("tests").is_dir() {
        Some(dir)
    } else {
        println!(
            "SKIP {test}: conformance data not found at {}",
            dir.display()
        );
        None
    }
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
