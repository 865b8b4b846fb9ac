//! Generated XDP programs (see `support/gen.rs`):
//! - our verdict against the kernel's (root only, SKIP otherwise): >= 99% agreement and never an
//!   accept where the kernel rejects;
//! - soundness: every program we accept runs in the checking interpreter on random packets
//!   without a memory violation.

#[path = "support/gen.rs"]
mod gen;
#[path = "support/kernel.rs"]
mod kernel;
#[path = "support/sound.rs"]
mod sound;

use offload::{verify, Capabilities, Options};
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;

fn programs(n: usize) -> Vec<(String, ir::Program)> {
    let mut runner = TestRunner::deterministic();
    let strat = gen::program();
    let mut out = Vec::new();
    while out.len() < n {
        let Ok(tree) = strat.new_tree(&mut runner) else {
            continue;
        };
        let text = gen::render(&tree.current());
        match ir::asm::assemble(&text) {
            Ok(p) => out.push((text, p)),
            Err(e) => panic!("generated program does not assemble: {e}\n{text}"),
        }
    }
    out
}

#[test]
fn generated_programs_agree_with_the_kernel() {
    if let Err(why) = kernel::available() {
        testkit::oracle::skip(
            "generated_programs_agree_with_the_kernel",
            format_args!("{why}"),
        );
        return;
    }
    let caps = Capabilities::kernel();
    let progs = programs(3000);
    let (mut agree, mut accepted, mut unsafe_accepts, mut over_strict) =
        (0usize, 0usize, Vec::new(), Vec::new());
    let mut complexity: Vec<String> = Vec::new();
    let (mut t_kernel, mut t_ours) = (std::time::Duration::ZERO, std::time::Duration::ZERO);
    let (mut total_processed, mut max_processed) = (0u64, 0u64);
    let mut max_text = String::new();
    for (text, prog) in &progs {
        let t = std::time::Instant::now();
        let k = kernel::load(prog, 0).expect("kernel load");
        t_kernel += t.elapsed();
        let t = std::time::Instant::now();
        let ours = verify(prog, &caps, &Options::default());
        t_ours += t.elapsed();
        let processed = match &ours {
            Ok(v) => v.stats().processed,
            Err(r) => r.stats.processed,
        };
        total_processed += processed;
        if processed > max_processed {
            max_processed = processed;
            max_text = format!(
                "{}\n{text}",
                k.log
                    .lines()
                    .rev()
                    .find(|l| l.starts_with("processed"))
                    .unwrap_or("")
            );
        }
        if ours.is_ok() {
            accepted += 1;
        }
        match (k.accepted, &ours) {
            (true, Ok(_)) | (false, Err(_)) => agree += 1,
            // The kernel gave up on complexity (its pruning heuristics differ): not a safety reason.
            (false, Ok(_)) if k.log.contains("BPF program is too large") => {
                complexity.push(format!("kernel: {}\n{text}", k.reason()))
            }
            (false, Ok(_)) => unsafe_accepts.push(format!("kernel: {}\n{text}", k.reason())),
            (true, Err(r)) => {
                over_strict.push(format!("ours: {}\n{text}", r.rejections[0].message))
            }
        }
    }
    let pct = agree as f64 * 100.0 / progs.len() as f64;
    if std::env::var_os("OFFLOAD_SHOW_MAX").is_some() {
        println!("largest exploration: kernel {max_text}");
    }
    println!("time: kernel loads {t_kernel:?}, our verifier {t_ours:?}; processed insns: {total_processed} total, {max_processed} max");
    println!(
        "generated: {} programs, {} accepted by us, agreement {:.2}% ({} we accept/kernel rejects for safety, {} we accept/kernel gives up on complexity, {} we reject/kernel accepts)",
        progs.len(),
        accepted,
        pct,
        unsafe_accepts.len(),
        complexity.len(),
        over_strict.len()
    );
    for o in over_strict.iter().take(3) {
        println!("--- over-strict example\n{o}");
    }
    assert!(
        unsafe_accepts.is_empty(),
        "we accept what the kernel rejects:\n{}",
        unsafe_accepts.join("\n----\n")
    );
    assert!(pct >= 99.0, "agreement {pct:.2}% < 99%");
}

#[test]
fn generated_programs_we_accept_run_without_memory_violations() {
    let caps = Capabilities::kernel();
    let mut checked = 0;
    for (text, prog) in programs(1500) {
        if verify(&prog, &caps, &Options::default()).is_ok() {
            if let Err(e) = sound::run_on_random_packets(&prog, 12, text.len() as u64) {
                panic!("accepted program violates memory safety: {e}\n{text}");
            }
            checked += 1;
        }
    }
    assert!(checked > 100, "only {checked} accepted programs");
}
