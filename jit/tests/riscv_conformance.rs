//! All bpf_conformance programs compiled for RV64 and run under unicorn (feature `riscv-emu`),
//! for the base ISA and each extension; every emitted instruction is also decoded by llvm-mc
//! and compared with what the emitter meant. (unicorn predates Zba/Zbb: the emulator executes
//! those in its illegal-instruction trap, see `riscv64::zb_emu`.)
#![cfg(feature = "riscv-emu")]

use jit::riscv64::{compile_unchecked, Extensions, Options};

fn load(path: &std::path::Path) -> Result<(ir::Program, ir::conformance::TestCase), String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let case = ir::conformance::parse(&text).map_err(|e| e.to_string())?;
    let prog = match (&case.asm, &case.raw) {
        (_, Some(raw)) => ir::Program::new(
            ir::ProgType::Xdp,
            ir::insn::decode_bytes(raw).map_err(|e| e.to_string())?,
        ),
        (Some(asm), None) => ir::asm::assemble(asm).map_err(|e| e.to_string())?,
        (None, None) => return Err("no program".into()),
    };
    Ok((prog, case))
}

/// `decode`: also decode every instruction with llvm-mc (done for the base set and the full
/// set, which between them emit every form; the single-extension sets only run).
fn run_all(ext: Extensions, decode: bool) -> Vec<String> {
    let Some(dir) = testkit::conformance::dir() else {
        testkit::oracle::skip_data(
            "riscv conformance",
            "no conformance directory (set BPF_CONFORMANCE_DIR)",
        );
        return Vec::new();
    };
    let mut paths: Vec<_> = std::fs::read_dir(dir.join("tests"))
        .expect("read tests dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "data"))
        .collect();
    paths.sort();
    assert_eq!(paths.len(), 313, "expected the 313 conformance programs");
    let opts = Options {
        ext,
        ..Options::default()
    };
    let mut failures = Vec::new();
    let mut decoded = 0;
    for p in &paths {
        let name = p
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        let outcome = (|| -> Result<(), String> {
            let (prog, case) = load(p)?;
            let rp = compile_unchecked(&prog, false, &opts).map_err(|e| format!("compile: {e}"))?;
            if decode && rp.check_decoding().map_err(|e| format!("decode: {e}"))? {
                decoded += 1;
            }
            let mut rt = ir::runtime::Runtime::new(&prog).with_conformance_helpers(true);
            let input = if case.mem.is_empty() {
                ir::interp::Input::None
            } else {
                ir::interp::Input::Mem(case.mem.clone())
            };
            let r0 = rp.run(&mut rt, &input).map_err(|e| format!("run: {e}"))?.r0;
            match case.result {
                Some(want) if want != r0 => Err(format!("r0 = {r0:#x}, expected {want:#x}")),
                _ => Ok(()),
            }
        })();
        if let Err(e) = outcome {
            failures.push(format!("{name}: {e}"));
        }
    }
    if decode && decoded == 0 {
        testkit::oracle::skip("riscv conformance decoding", "llvm-mc is not installed");
    }
    println!(
        "riscv conformance {ext}: {} of {} programs agree, {decoded} decoded by llvm-mc",
        paths.len() - failures.len(),
        paths.len()
    );
    failures
}

#[test]
fn conformance_rv64imac() {
    let f = run_all(Extensions::rv64imac(), false);
    assert!(f.is_empty(), "{} failures:\n{}", f.len(), f.join("\n"));
}

#[test]
fn conformance_rv64ima() {
    let f = run_all(Extensions::base(), true);
    assert!(f.is_empty(), "{} failures:\n{}", f.len(), f.join("\n"));
}

#[test]
fn conformance_rv64imac_zba() {
    let ext = Extensions {
        zba: true,
        ..Extensions::rv64imac()
    };
    let f = run_all(ext, false);
    assert!(f.is_empty(), "{} failures:\n{}", f.len(), f.join("\n"));
}

#[test]
fn conformance_rv64imac_zbb() {
    let ext = Extensions {
        zbb: true,
        ..Extensions::rv64imac()
    };
    let f = run_all(ext, false);
    assert!(f.is_empty(), "{} failures:\n{}", f.len(), f.join("\n"));
}

#[test]
fn conformance_rv64imac_zba_zbb() {
    let f = run_all(Extensions::all(), true);
    assert!(f.is_empty(), "{} failures:\n{}", f.len(), f.join("\n"));
}
