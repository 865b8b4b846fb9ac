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
        println!("SKIP generated_programs_agree_with_the_kernel: {why}");
        return;
    }
    let caps = Capabilities::kernel();
    let progs = programs(3000);
    let (mut agree, mut accepted, mut unsafe_accepts, mut over_strict) =
        (0usize, 0usize, Vec::new(), Vec::new());
    for (text, prog) in &progs {
        let k = kernel::load(prog, 0).expect("kernel load");
        let ours = verify(prog, &caps, &Options::default());
        if ours.is_ok() {
            accepted += 1;
        }
        match (k.accepted, &ours) {
            (true, Ok(_)) | (false, Err(_)) => agree += 1,
            (false, Ok(_)) => unsafe_accepts.push(format!("kernel: {}\n{text}", k.reason())),
            (true, Err(r)) => {
                over_strict.push(format!("ours: {}\n{text}", r.rejections[0].message))
            }
        }
    }
    let pct = agree as f64 * 100.0 / progs.len() as f64;
    println!(
        "generated: {} programs, {} accepted by us, agreement {:.2}% ({} we accept/kernel rejects, {} we reject/kernel accepts)",
        progs.len(),
        accepted,
        pct,
        unsafe_accepts.len(),
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
