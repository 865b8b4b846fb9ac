//! All bpf_conformance programs under the x86-64 JIT in checked mode (how unverified programs
//! run), each also checked by decoding every emitted byte with iced-x86 and comparing with
//! what the emitter meant.

use jit::x86_64::{compile_checked, CpuFeatures, Options};

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

fn run_all(cpu: CpuFeatures, harden: bool) -> Vec<String> {
    let Some(dir) = testkit::conformance::dir() else {
        testkit::oracle::skip_data(
            "conformance",
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
        cpu,
        record: true,
        harden,
    };
    let mut failures = Vec::new();
    for p in &paths {
        let name = p
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        let outcome = (|| -> Result<(), String> {
            let (prog, case) = load(p)?;
            let jp = compile_checked(&prog, false, 1_000_000, &opts)
                .map_err(|e| format!("compile: {e}"))?;
            jp.check_decoding().map_err(|e| format!("decode: {e}"))?;
            let mut rt = ir::runtime::Runtime::new(&prog).with_conformance_helpers(true);
            let input = if case.mem.is_empty() {
                ir::interp::Input::None
            } else {
                ir::interp::Input::Mem(case.mem.clone())
            };
            let r0 = jp.run(&mut rt, &input).map_err(|e| format!("run: {e}"))?.r0;
            match case.result {
                Some(want) if want != r0 => Err(format!("r0 = {r0:#x}, expected {want:#x}")),
                _ => Ok(()),
            }
        })();
        if let Err(e) = outcome {
            failures.push(format!("{name}: {e}"));
        }
    }
    failures
}

#[test]
fn conformance_host_cpu() {
    let f = run_all(CpuFeatures::host(), false);
    assert!(f.is_empty(), "{} failures:\n{}", f.len(), f.join("\n"));
}

#[test]
fn conformance_baseline_cpu() {
    let f = run_all(CpuFeatures::baseline(), false);
    assert!(f.is_empty(), "{} failures:\n{}", f.len(), f.join("\n"));
}

#[test]
fn conformance_hardened() {
    let f = run_all(CpuFeatures::host(), true);
    assert!(f.is_empty(), "{} failures:\n{}", f.len(), f.join("\n"));
}
