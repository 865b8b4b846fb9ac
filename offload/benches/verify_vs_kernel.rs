//! Our verification time beside the kernel's own ("verification time N usec", BPF_LOG_STATS)
//! for the same programs: the corpus, the clang-compiled C cases, and a few long generated-style
//! programs. Run with `cargo bench -p offload` (as root for the kernel column).
//!
//! Prints one line per program and the geometric mean of ours/kernel; the goal is <= 0.5x.

#[path = "../tests/support/kernel.rs"]
mod kernel;

use offload::{verify, Capabilities, Options};
use std::time::{Duration, Instant};

fn our_time(prog: &ir::Program, caps: &Capabilities) -> (Duration, bool, u64) {
    let mut best = Duration::MAX;
    let mut ok = false;
    let mut processed = 0;
    // Repeat until ~20 ms spent or 200 runs, keep the fastest (least disturbed) run.
    let start = Instant::now();
    let mut runs = 0;
    while runs < 200 && (runs < 5 || start.elapsed() < Duration::from_millis(20)) {
        let t = Instant::now();
        let r = verify(prog, caps, &Options::default());
        best = best.min(t.elapsed());
        ok = r.is_ok();
        processed = match &r {
            Ok(v) => v.stats().processed,
            Err(e) => e.stats.processed,
        };
        runs += 1;
    }
    (best, ok, processed)
}

fn kernel_time(prog: &ir::Program) -> Option<(u64, bool)> {
    // The kernel reports whole microseconds; keep the fastest of a few loads.
    let mut best: Option<(u64, bool)> = None;
    for _ in 0..5 {
        let v = kernel::load_stats(prog).ok()?;
        let us = v.verification_usec?;
        best = Some(match best {
            Some((b, _)) if b <= us => (b, v.accepted),
            _ => (us, v.accepted),
        });
    }
    best
}

fn programs() -> Vec<(String, ir::Program)> {
    let mut out = Vec::new();
    for e in testkit::corpus::load_all().unwrap_or_default() {
        if let Ok(p) = ir::asm::assemble(&e.source) {
            out.push((e.name, p));
        }
    }
    // A long parser: many packet fields, each checked and branched on.
    let mut s = String::from(".section xdp\nr2 = *(u32 *)(r1 + 4)\nr1 = *(u32 *)(r1 + 0)\nr0 = 2\nr3 = r1\nr3 += 64\nif r3 > r2 goto out\n");
    for i in 0..60 {
        s += &format!(
            "r4 = *(u8 *)(r1 + {i})\nif r4 == {} goto f{i}\nr0 += 1\nf{i}:\n",
            i * 3 % 256
        );
    }
    s += "r0 &= 3\nout:\nexit\n";
    if let Ok(p) = ir::asm::assemble(&s) {
        out.push(("synthetic_60_fields".into(), p));
    }
    // A bounded loop over the packet.
    let l = ".section xdp\nr2 = *(u32 *)(r1 + 4)\nr1 = *(u32 *)(r1 + 0)\nr0 = 0\nr5 = 0\nl:\nr3 = r1\nr3 += 1\nif r3 > r2 goto out\nr4 = *(u8 *)(r1 + 0)\nr0 += r4\nr1 += 1\nr5 += 1\nif r5 < 200 goto l\nout:\nr0 = 2\nexit\n";
    if let Ok(p) = ir::asm::assemble(l) {
        out.push(("synthetic_loop_200".into(), p));
    }
    out
}

fn main() {
    let caps = Capabilities::kernel();
    let kernel_ok = kernel::available();
    if let Err(why) = &kernel_ok {
        println!("SKIP kernel column: {why}");
    }
    println!(
        "{:<32} {:>9} {:>10} {:>10} {:>7}",
        "program", "processed", "ours_us", "kernel_us", "ratio"
    );
    let mut log_sum = 0.0;
    let mut n = 0;
    let mut verdict_mismatch = 0;
    for (name, prog) in programs() {
        let (t, ok, processed) = our_time(&prog, &caps);
        let ours_us = t.as_secs_f64() * 1e6;
        let k = if kernel_ok.is_ok() {
            kernel_time(&prog)
        } else {
            None
        };
        match k {
            Some((kus, kok)) => {
                if kok != ok {
                    verdict_mismatch += 1;
                }
                // The kernel rounds down to whole microseconds; count at least 1.
                let ratio = ours_us / (kus.max(1) as f64);
                log_sum += ratio.ln();
                n += 1;
                println!("{name:<32} {processed:>9} {ours_us:>10.1} {kus:>10} {ratio:>7.2}");
            }
            None => println!(
                "{name:<32} {processed:>9} {ours_us:>10.1} {:>10} {:>7}",
                "-", "-"
            ),
        }
    }
    if n > 0 {
        println!(
            "geometric mean ours/kernel over {n} programs: {:.2}x (verdict mismatches: {verdict_mismatch})",
            (log_sum / n as f64).exp()
        );
    }
}
