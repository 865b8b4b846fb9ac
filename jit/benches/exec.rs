//! Per-packet time of the programs of issue #8 under our JIT and under the kernel's JIT
//! (BPF_PROG_TEST_RUN with `repeat`), side by side; `empty` gives each harness's overhead.
//! `versus_kernel` prints the same comparison as a table of ratios.

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

use criterion::{criterion_group, criterion_main, Criterion};
use ir::interp::Input;
use ir::runtime::Runtime;
use jit::x86_64::{compile, Options};
use std::time::Duration;

fn per_packet(c: &mut Criterion) {
    let mut g = c.benchmark_group("per_packet");
    for b in support::benches() {
        let jp = compile(&verified(&b.prog), &Options::default()).expect("compile");
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
