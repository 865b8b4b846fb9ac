//! Compiling and reading the annotated row programs of `tests/c/`.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Directory of the C sources.
pub fn c_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/c")
}

/// Every C program (name without `.c`), sorted.
pub fn row_programs() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(c_dir())
        .map(|d| {
            d.filter_map(|e| e.ok())
                .filter_map(|e| e.file_name().into_string().ok())
                .filter_map(|n| n.strip_suffix(".c").map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// The clang to use (`clang-19`, else `clang`), or None after printing the SKIP line.
pub fn have_clang(test: &str) -> Option<String> {
    for c in ["clang-19", "clang"] {
        if Command::new(c)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
        {
            return Some(c.to_string());
        }
    }
    testkit::oracle::skip(test, "clang not found (apt-get install clang)");
    None
}

/// Compile `tests/c/NAME.c` and read its (only) program with DWARF lines.
pub fn compile(clang: &str, name: &str) -> Result<ir::Program, String> {
    let out_dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("nfp-rows");
    std::fs::create_dir_all(&out_dir).map_err(|e| e.to_string())?;
    let out = out_dir.join(format!("{name}.o"));
    let src = c_dir().join(format!("{name}.c"));
    let o = Command::new(clang)
        .args(["-target", "bpf", "-mcpu=v3", "-O2", "-g", "-Wall", "-c"])
        .arg(&src)
        .arg("-o")
        .arg(&out)
        .output()
        .map_err(|e| format!("run {clang}: {e}"))?;
    if !o.status.success() {
        return Err(format!(
            "{clang} failed: {}",
            String::from_utf8_lossy(&o.stderr)
        ));
    }
    let bytes = std::fs::read(&out).map_err(|e| e.to_string())?;
    let obj = ir::elf::read_object(&bytes).map_err(|e| e.to_string())?;
    obj.programs
        .into_iter()
        .next()
        .ok_or_else(|| "no program".to_string())
}

/// What a row program states about itself.
#[derive(Debug, Default)]
pub struct Annotations {
    /// `--caps` TOML.
    pub caps: String,
    /// (code, message) expected.
    pub expect: Vec<(String, String)>,
    /// code -> 1-based line of its `// HERE` marker.
    pub here: BTreeMap<String, u32>,
    /// The kernel's verdict: Some(true) accept.
    pub kernel_accepts: Option<bool>,
}

impl Annotations {
    /// Read the annotations of `tests/c/NAME.c`.
    pub fn read(name: &str) -> Annotations {
        let text = std::fs::read_to_string(c_dir().join(format!("{name}.c"))).unwrap_or_default();
        let mut a = Annotations::default();
        for (i, line) in text.lines().enumerate() {
            let t = line.trim();
            if let Some(rest) = t.strip_prefix("// CAPS ") {
                a.caps.push_str(rest);
                a.caps.push('\n');
            } else if let Some(rest) = t.strip_prefix("// EXPECT ") {
                if let Some((code, msg)) = rest.split_once(" | ") {
                    a.expect
                        .push((code.trim().to_string(), msg.trim().to_string()));
                }
            } else if let Some(rest) = t.strip_prefix("// KERNEL ") {
                a.kernel_accepts = Some(rest.trim() == "accept");
            } else if let Some((_, code)) = line.split_once("// HERE ") {
                a.here.insert(code.trim().to_string(), i as u32 + 1);
            }
        }
        a
    }

    /// The NFP profile with the CAPS overrides.
    pub fn profile(&self) -> nfp_model::Profile {
        nfp_model::Profile::from_toml(&self.caps).expect("CAPS lines are valid TOML")
    }
}
