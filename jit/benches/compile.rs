//! Compile speed: our JIT (including mapping the code read-execute) beside the `rbpf` crate's
//! JIT on the same programs, and instructions per second on a big program.

mod support;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use jit::x86_64::{compile_unchecked, Options};
use std::time::Duration;

fn compile(c: &mut Criterion) {
    let mut g = c.benchmark_group("compile");
    let mut progs: Vec<(String, ir::Program)> = support::benches()
        .into_iter()
        .filter(|b| b.prog.maps.is_empty())
        .map(|b| (b.name.to_string(), b.prog))
        .collect();
    progs.push(("acl_10000_linear".into(), support::linear_acl(10_000)));
    let opts = Options::default();
    for (name, prog) in &progs {
        g.throughput(Throughput::Elements(prog.insns.len() as u64));
        g.bench_function(format!("ours/{name}"), |b| {
            b.iter(|| compile_unchecked(prog, true, &opts).expect("compile"))
        });
        let bytes = prog.to_bytes();
        match rbpf::EbpfVmRaw::new(Some(&bytes)) {
            Ok(mut vm) => {
                g.bench_function(format!("rbpf/{name}"), |b| {
                    b.iter(|| vm.jit_compile().expect("rbpf jit"))
                });
            }
            Err(e) => println!("SKIP rbpf/{name}: {e}"),
        }
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(2)).warm_up_time(Duration::from_millis(300));
    targets = compile
}
criterion_main!(benches);
