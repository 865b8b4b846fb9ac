//! Every program of the shared corpus (`testkit/corpus`) on every case packet: the JIT gives the
//! same r0, verdict, packet out and map contents as the interpreter, and what the case expects.

use ir::interp::{run, Input};
use ir::runtime::Runtime;
use jit::x86_64::{compile, compile_checked, JitProgram, Options};

#[test]
fn corpus_matches_interpreter() {
    let entries = testkit::corpus::load_all().expect("corpus");
    assert!(!entries.is_empty());
    let opts = Options {
        record: true,
        ..Options::default()
    };
    let mut failures = Vec::new();
    let mut cases = 0;
    let mut not_verified = 0;
    for e in &entries {
        let prog = match ir::asm::assemble(&e.source) {
            Ok(p) => p,
            Err(err) => {
                failures.push(format!("{}: asm: {err}", e.name));
                continue;
            }
        };
        // Both ways in: verified (what users get) and unchecked (with our own context analysis).
        let mut jits: Vec<(&str, JitProgram)> = Vec::new();
        match offload::verify(
            &prog,
            &offload::Capabilities::kernel(),
            &offload::Options::default(),
        ) {
            Ok(v) => match compile(&v, &opts) {
                Ok(jp) => jits.push(("verified", jp)),
                Err(err) => failures.push(format!("{}: compile verified: {err}", e.name)),
            },
            Err(r) => {
                not_verified += 1;
                println!(
                    "note: {} not verified: {}",
                    e.name,
                    r.to_string().lines().next().unwrap_or("")
                );
            }
        }
        match compile_checked(&prog, true, 1_000_000, &opts) {
            Ok(jp) => jits.push(("checked", jp)),
            Err(err) => failures.push(format!("{}: compile: {err}", e.name)),
        }
        for (how, jp) in &jits {
            if let Err(err) = jp.check_decoding() {
                failures.push(format!("{} ({how}): decode: {err}", e.name));
            }
        }
        for c in &e.cases {
            for (how, jp) in &jits {
                cases += 1;
                let input = Input::Packet(c.packet.clone());
                let mut rt_i = Runtime::new(&prog);
                let mut rt_j = Runtime::new(&prog);
                let want = run(&prog, &mut rt_i, &input, 1_000_000);
                let got = jp.run(&mut rt_j, &input);
                let at = format!("{}:{} ({how})", e.name, c.line);
                match (want, got) {
                    (Ok(w), Ok(g)) => {
                        if (w.r0, &w.packet, w.action) != (g.r0, &g.packet, g.action) {
                            failures.push(format!(
                            "{at}: interp r0={:#x} action={:?}, jit r0={:#x} action={:?} (packet same: {})",
                            w.r0,
                            w.action,
                            g.r0,
                            g.action,
                            w.packet == g.packet
                        ));
                        } else if g.r0 != c.r0 {
                            failures.push(format!("{at}: r0={:#x}, case wants {:#x}", g.r0, c.r0));
                        }
                        if rt_i.dump() != rt_j.dump() {
                            failures.push(format!("{at}: map contents differ"));
                        }
                        if rt_i.trace != rt_j.trace
                            || rt_i.perf_records != rt_j.perf_records
                            || rt_i.redirect != rt_j.redirect
                        {
                            failures.push(format!("{at}: helper side effects differ"));
                        }
                    }
                    (w, g) => failures.push(format!("{at}: interp {w:?}, jit {g:?}")),
                }
            }
        }
    }
    println!(
        "{} programs ({not_verified} not verified), {cases} cases",
        entries.len()
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
