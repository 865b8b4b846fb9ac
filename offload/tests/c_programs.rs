//! clang-compiled C (with DWARF): each file states `// expect: accept` or
//! `// expect: reject <message>`; rejections must name the C source line. With root, the kernel
//! gives the same verdict. SKIP without clang.

#[path = "support/kernel.rs"]
mod kernel;

use offload::{verify, Capabilities, Options};
use std::path::{Path, PathBuf};
use std::process::Command;

fn compile(src: &Path, include: &Path, out_dir: &Path) -> Result<Vec<u8>, String> {
    let out = out_dir
        .join(src.file_stem().unwrap_or_default())
        .with_extension("o");
    let status = Command::new("clang")
        .args(["-O2", "-g", "-target", "bpf", "-mcpu=v3", "-c"])
        .arg("-I")
        .arg(include)
        .arg(src)
        .arg("-o")
        .arg(&out)
        .output()
        .map_err(|e| format!("clang: {e}"))?;
    if !status.status.success() {
        return Err(String::from_utf8_lossy(&status.stderr).into_owned());
    }
    std::fs::read(&out).map_err(|e| e.to_string())
}

#[test]
fn c_programs_get_their_stated_verdict() {
    if Command::new("clang").arg("--version").output().is_err() {
        testkit::oracle::skip("c_programs_get_their_stated_verdict", "clang not installed");
        return;
    }
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/c");
    let tmp = std::env::temp_dir().join(format!("offload-c-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).expect("temp dir");
    let kernel_ok = kernel::available().is_ok();
    if !kernel_ok {
        testkit::oracle::skip(
            "c_programs kernel differential",
            format_args!("{}", kernel::available().err().unwrap_or_default()),
        );
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/c")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "c"))
        .collect();
    files.sort();
    let mut failures = Vec::new();
    for f in &files {
        let src = std::fs::read_to_string(f).expect("read");
        let expect = src
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("// expect: "))
            .unwrap_or("")
            .to_string();
        let bytes = match compile(f, &dir, &tmp) {
            Ok(b) => b,
            Err(e) => {
                failures.push(format!("{}: {e}", f.display()));
                continue;
            }
        };
        let obj = ir::elf::read_object(&bytes).expect("our ELF reader reads clang objects");
        let prog = &obj.programs[0];
        let ours = verify(prog, &Capabilities::kernel(), &Options::default());
        let name = f.file_name().unwrap_or_default().to_string_lossy();
        match (expect.strip_prefix("reject "), &ours) {
            (None, Ok(_)) => {}
            (None, Err(r)) => failures.push(format!("{name}: expected accept, got {r}")),
            (Some(m), Ok(_)) => failures.push(format!("{name}: expected reject ({m}), got accept")),
            (Some(m), Err(r)) => {
                let first = &r.rejections[0];
                if !first.message.contains(m) {
                    failures.push(format!("{name}: expected `{m}`, got `{}`", first.message));
                }
                match &first.origin {
                    Some(ir::Origin::C { file, line, .. })
                        if file.ends_with(name.as_ref()) && *line > 1 => {}
                    o => failures.push(format!("{name}: rejection without its C line: {o:?}")),
                }
            }
        }
        if kernel_ok {
            let k = kernel::load(prog, 0).expect("kernel load");
            if k.accepted != ours.is_ok() {
                failures.push(format!(
                    "{name}: kernel accepted={} ({})",
                    k.accepted,
                    k.reason()
                ));
            }
        }
    }
    let _ = std::fs::remove_dir_all(&tmp);
    assert!(files.len() >= 10);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
