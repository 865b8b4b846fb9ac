//! Compile speed: our JIT (including mapping the code read-execute) beside the `rbpf` crate's
//! JIT on the same programs, and instructions per second on a big program.

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

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use jit::x86_64::{compile, Options};
use std::time::Duration;

fn compile_speed(c: &mut Criterion) {
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
        let v = verified(prog);
        g.bench_function(format!("ours/{name}"), |b| {
            b.iter(|| compile(&v, &opts).expect("compile"))
        });
        let bytes: &'static [u8] =
            Box::leak(prog.to_bytes().expect("encodable").into_boxed_slice());
        // rbpf's JIT panics on programs bigger than its fixed code buffer.
        let fits = std::panic::catch_unwind(|| {
            let mut vm = rbpf::EbpfVmRaw::new(Some(bytes)).ok()?;
            vm.jit_compile().ok()
        })
        .ok()
        .flatten()
        .is_some();
        if !fits {
            println!("SKIP rbpf/{name}: rbpf cannot JIT it");
            continue;
        }
        match rbpf::EbpfVmRaw::new(Some(bytes)) {
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
    targets = compile_speed
}
criterion_main!(benches);
