//! Per-packet time of the programs of issue #8 under our JIT and under the kernel's JIT
//! (BPF_PROG_TEST_RUN with `repeat`), side by side; `empty` gives each harness's overhead.
//! `versus_kernel` prints the same comparison as a table of ratios.

mod support;

/// Every bench program is one the kernel's verifier accepts (the kernel runs each of them).
fn compile(prog: &ir::Program, opts: &Options) -> Result<jit::x86_64::JitProgram, jit::JitError> {
    // SAFETY: see above; the `versus_kernel` bench loads each one into the kernel.
    unsafe { compile_assume_verified(prog, opts) }
}

use criterion::{criterion_group, criterion_main, Criterion};
use ir::interp::Input;
use ir::runtime::Runtime;
use jit::x86_64::{compile_assume_verified, Options};
use std::time::Duration;

fn per_packet(c: &mut Criterion) {
    let mut g = c.benchmark_group("per_packet");
    for b in support::benches() {
        let jp = compile(&b.prog, &Options::default()).expect("compile");
        let mut rt = Runtime::new(&b.prog);
        let input = Input::Packet(b.packet.clone());
        g.bench_function(format!("jit/{}", b.name), |bch| {
            bch.iter_custom(|iters| jp.run_repeat(&mut rt, &input, iters).expect("run").1)
        });
        match support::KernelProg::load(&b.prog) {
            Ok(kp) => {
                g.bench_function(format!("kernel/{}", b.name), |bch| {
                    bch.iter_custom(|iters| {
                        let n = iters.clamp(1, u32::MAX as u64) as u32;
                        let (_, ns) = kp.test_run(&b.packet, n).expect("test run");
                        Duration::from_nanos(ns as u64 * iters)
                    })
                });
            }
            Err(e) => println!("SKIP kernel/{}: {}", b.name, e.lines().next().unwrap_or("")),
        }
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(2)).warm_up_time(Duration::from_millis(300));
    targets = per_packet
}
criterion_main!(benches);
