//! Every program of the shared corpus (`testkit/corpus`) on every case packet under the RV64
//! backend in the emulator: the same r0, verdict, packet out, map contents and helper effects as
//! the interpreter, and what the case expects; compiled verified (what users get) and unchecked,
//! with and without Zba/Zbb, every instruction decoded by llvm-mc.
#![cfg(feature = "riscv-emu")]

use ir::interp::{run, Input};
use ir::runtime::Runtime;
use jit::riscv64::{compile, compile_unchecked, Extensions, Options, Rv64Program};

#[test]
fn corpus_matches_interpreter_on_rv64() {
    let entries = testkit::corpus::load_all().expect("corpus");
    assert!(!entries.is_empty());
    let mut failures = Vec::new();
    let mut cases = 0;
    for e in &entries {
        let prog = match ir::asm::assemble(&e.source) {
            Ok(p) => p,
            Err(err) => {
                failures.push(format!("{}: asm: {err}", e.name));
                continue;
            }
        };
        let verified = offload::verify(
            &prog,
            &offload::Capabilities::kernel(),
            &offload::Options::default(),
        )
        .ok();
        let mut compiled: Vec<(String, Rv64Program)> = Vec::new();
        for ext in [Extensions::rv64imac(), Extensions::all()] {
            let opts = Options {
                ext,
                ..Options::default()
            };
            if let Some(v) = &verified {
                match compile(v, &opts) {
                    Ok(p) => compiled.push((format!("verified {ext}"), p)),
                    Err(err) => failures.push(format!("{}: compile verified: {err}", e.name)),
                }
            }
            match compile_unchecked(&prog, true, &opts) {
                Ok(p) => compiled.push((format!("unchecked {ext}"), p)),
                Err(err) => failures.push(format!("{}: compile: {err}", e.name)),
            }
        }
        for (how, p) in &compiled {
            if let Err(err) = p.check_decoding() {
                failures.push(format!("{} ({how}): decode: {err}", e.name));
            }
        }
        for c in &e.cases {
            for (how, p) in &compiled {
                cases += 1;
                let input = Input::Packet(c.packet.clone());
                let mut rt_i = Runtime::new(&prog);
                let mut rt_j = Runtime::new(&prog);
                let want = run(&prog, &mut rt_i, &input, 1_000_000);
                let got = p.run(&mut rt_j, &input);
                let at = format!("{}:{} ({how})", e.name, c.line);
                match (want, got) {
                    (Ok(w), Ok(g)) => {
                        if (w.r0, &w.packet, w.action) != (g.r0, &g.packet, g.action) {
                            failures.push(format!(
                                "{at}: interp r0={:#x} action={:?}, rv64 r0={:#x} action={:?} \
                                 (packet same: {})",
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
                    (w, g) => failures.push(format!("{at}: interp {w:?}, rv64 {g:?}")),
                }
            }
        }
    }
    println!("{} programs, {cases} runs", entries.len());
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
