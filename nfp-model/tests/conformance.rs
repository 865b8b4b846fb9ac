//! Every bpf_conformance program the NFP profile accepts (as an XDP program: the NFP runs
//! only XDP and TC classifiers) gives its expected result on the simulator; every one the
//! profile or the translator refuses is listed with the reason.

use ir::runtime::Runtime;
use nfp_model::jit::translate;
use nfp_model::sim::Sim;
use nfp_model::Profile;

#[test]
fn conformance_programs_the_nfp_accepts_give_their_result() {
    let Some(dir) = testkit::conformance::dir() else {
        testkit::oracle::skip_data(
            "conformance_programs_the_nfp_accepts_give_their_result",
            "no conformance directory (set BPF_CONFORMANCE_DIR)",
        );
        return;
    };
    let mut paths: Vec<_> = std::fs::read_dir(dir.join("tests"))
        .expect("read tests dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "data"))
        .collect();
    paths.sort();
    let profile = Profile::default();
    let caps = profile.capabilities();
    let (mut passed, mut refused, mut failures) = (0, Vec::new(), Vec::new());
    for p in &paths {
        let name = p
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        let text = std::fs::read_to_string(p).expect("read");
        let Ok(case) = ir::conformance::parse(&text) else {
            refused.push(format!("{name}: does not parse"));
            continue;
        };
        let (Some(want), None) = (case.result, &case.error) else {
            continue;
        };
        if !case.mem.is_empty() {
            refused.push(format!(
                "{name}: reads its `-- mem` input through r1, which an NFP (XDP) program does not get"
            ));
            continue;
        }
        let prog = match (&case.asm, &case.raw) {
            (_, Some(raw)) => ir::insn::decode_bytes(raw)
                .map(|i| ir::Program::new(ir::ProgType::Xdp, i))
                .map_err(|e| e.to_string()),
            (Some(asm), None) => ir::asm::assemble(asm).map_err(|e| e.to_string()),
            _ => Err("no program".into()),
        };
        let mut prog = match prog {
            Ok(p) => p,
            Err(e) => {
                refused.push(format!("{name}: {e}"));
                continue;
            }
        };
        prog.prog_type = ir::ProgType::Xdp;
        let v = match offload::verify(&prog, &caps, &offload::Options::default()) {
            Ok(v) => v,
            Err(e) => {
                let r = &e.rejections[0];
                refused.push(format!("{name}: profile: {} ({})", r.message, r.code));
                continue;
            }
        };
        let nfp = match translate(&v, &profile) {
            Ok(n) => n,
            Err(r) => {
                refused.push(format!("{name}: translator: {} ({})", r.message, r.code));
                continue;
            }
        };
        let sim = Sim::for_program(&nfp, profile.timing).expect("decode");
        let mut rt = Runtime::new(&prog).with_conformance_helpers(true);
        match sim.run(&mut rt, &[0u8; 64], 10_000_000) {
            Ok(out) if out.r0 == want => passed += 1,
            Ok(out) => failures.push(format!(
                "{name}: r0 {:#x}, expected {want:#x}\n{}",
                out.r0,
                nfp.listing()
            )),
            Err(e) => failures.push(format!("{name}: {e}\n{}", nfp.listing())),
        }
    }
    println!(
        "NFP: {passed} conformance programs give their result on the simulator; {} refused:",
        refused.len()
    );
    for r in &refused {
        println!("  refused {r}");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(passed > 0);
}
