//! The table of issue #8: ns per packet of our JIT beside the kernel's JIT on the same programs
//! in the same run, raw and net of each harness's empty-program overhead, as ratios; and
//! compile time beside the `rbpf` crate's JIT. Best of several trials (the machine is shared).
//! Run: `cargo bench -p jit --bench versus_kernel`.

mod support;

/// Verify for the kernel target, then compile with what the verifier proved.
fn verified(prog: &ir::Program) -> offload::Verified {
    offload::verify(
        prog,
        &offload::Capabilities::kernel(),
        &offload::Options::default(),
    )
    .unwrap_or_else(|r| panic!("bench program rejected: {r}"))
}

use ir::interp::{run, Input};
use ir::runtime::Runtime;
use jit::x86_64::{compile, Options};
use std::time::Instant;

/// Many short trials, best taken: the machine is shared, and a short trial is more likely to
/// run undisturbed.
const TRIALS: usize = 41;

fn best<F: FnMut() -> f64>(mut f: F) -> f64 {
    (0..TRIALS).map(|_| f()).fold(f64::INFINITY, f64::min)
}

fn main() {
    if std::env::var_os("JIT_BENCH_THREAD").is_some() {
        std::thread::spawn(real_main).join().ok();
        return;
    }
    real_main();
}

fn real_main() {
    let benches = support::benches();
    println!("per-packet ns (best of {TRIALS} alternating trials)");
    println!(
        "{:<18} {:>9} {:>9} {:>8} {:>9} {:>9} {:>8}",
        "program", "ours", "kernel", "ratio", "ours net", "kern net", "ratio"
    );
    let mut rows = Vec::new();
    let only = std::env::var("JIT_BENCH_ONLY").ok();
    for b in &benches {
        if only
            .as_deref()
            .is_some_and(|o| !b.name.contains(o) && b.name != "empty")
        {
            continue;
        }
        let input = Input::Packet(b.packet.clone());
        let want = run(&b.prog, &mut Runtime::new(&b.prog), &input, 10_000_000)
            .expect("interp")
            .r0;
        let jp = compile(&verified(&b.prog), &Options::default()).expect("compile");
        let mut rt = Runtime::new(&b.prog);
        if std::env::var_os("JIT_BENCH_DEBUG").is_some() {
            let sum: u64 = jp.code().iter().map(|b| *b as u64).sum();
            eprintln!(
                "{}: code at {:#x}, {} bytes, sum {sum}",
                b.name,
                jp.base_address(),
                jp.code().len()
            );
        }
        let repeat: u64 = if b.name.starts_with("acl") || b.name.starts_with("alu") {
            20_000
        } else {
            500_000
        };
        // Trials alternate between the two JITs so that both see the same machine load.
        let kp = match support::KernelProg::load(&b.prog) {
            Ok(kp) => Some(kp),
            Err(e) => {
                println!("SKIP kernel/{}: {}", b.name, e.lines().next().unwrap_or(""));
                None
            }
        };
        let (mut ours, mut kernel) = (f64::INFINITY, None::<f64>);
        for _ in 0..TRIALS {
            let (r0, t) = jp.run_repeat(&mut rt, &input, repeat).expect("run");
            assert_eq!(r0, want, "{}: jit r0", b.name);
            ours = ours.min(t.as_nanos() as f64 / repeat as f64);
            if let Some(kp) = &kp {
                let (r0, ns) = kp.test_run(&b.packet, repeat as u32).expect("test run");
                assert_eq!(r0 as u64, want & 0xffff_ffff, "{}: kernel r0", b.name);
                kernel = Some(kernel.map_or(ns as f64, |k| k.min(ns as f64)));
            }
        }
        rows.push((b.name, ours, kernel));
    }
    let (o0, k0) = rows
        .iter()
        .find(|r| r.0 == "empty")
        .map(|r| (r.1, r.2.unwrap_or(0.0)))
        .unwrap_or((0.0, 0.0));
    for (name, ours, kernel) in &rows {
        match kernel {
            Some(k) => {
                let (on, kn) = (ours - o0, k - k0);
                let net = if *name == "empty" {
                    "-".to_string()
                } else {
                    format!("{:.2}x", on / kn.max(0.1))
                };
                println!(
                    "{name:<18} {ours:>9.1} {k:>9.1} {:>7.2}x {on:>9.1} {kn:>9.1} {net:>8}",
                    ours / k
                );
            }
            None => println!("{name:<18} {ours:>9.1} {:>9}", "-"),
        }
    }
    println!();
    println!("compile time, us (best of {TRIALS}; ours includes making the code executable, not verification)");
    println!(
        "{:<18} {:>7} {:>9} {:>9} {:>8} {:>12}",
        "program", "insns", "ours", "rbpf", "ratio", "ours insn/s"
    );
    let mut progs: Vec<(String, ir::Program)> = benches
        .iter()
        .filter(|b| b.prog.maps.is_empty())
        .map(|b| (b.name.to_string(), b.prog.clone()))
        .collect();
    progs.push(("acl_10000_linear".into(), support::linear_acl(10_000)));
    let opts = Options::default();
    for (name, prog) in &progs {
        let n = if prog.insns.len() > 5000 { 3 } else { 30 };
        let v = verified(prog);
        let ours = best(|| {
            let t = Instant::now();
            for _ in 0..n {
                std::hint::black_box(compile(&v, &opts).expect("compile"));
            }
            t.elapsed().as_secs_f64() * 1e6 / n as f64
        });
        let bytes = prog.to_bytes().expect("encodable");
        // rbpf's JIT panics on programs bigger than its fixed code buffer: no figure then.
        let rbpf = std::panic::catch_unwind(|| {
            rbpf::EbpfVmRaw::new(Some(&bytes)).ok().map(|mut vm| {
                best(|| {
                    let t = Instant::now();
                    for _ in 0..n {
                        vm.jit_compile().expect("rbpf jit");
                    }
                    t.elapsed().as_secs_f64() * 1e6 / n as f64
                })
            })
        })
        .ok()
        .flatten();
        let rate = prog.insns.len() as f64 / (ours * 1e-6);
        match rbpf {
            Some(r) => println!(
                "{name:<18} {:>7} {ours:>9.1} {r:>9.1} {:>7.2}x {rate:>12.3e}",
                prog.insns.len(),
                ours / r
            ),
            None => println!(
                "{name:<18} {:>7} {ours:>9.1} {:>9} {:>8} {rate:>12.3e}",
                prog.insns.len(),
                "-",
                "-"
            ),
        }
    }
}
