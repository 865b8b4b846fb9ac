//! RV64 code density, compile speed and estimated cycles (a report, not a pass/fail test):
//!
//! - RV64 instructions and code bytes per eBPF instruction for the bench programs and the
//!   corpus, for RV64IMA, RV64IMAC and RV64IMAC+Zba+Zbb (the goal is <= 1.6 instructions with
//!   Zba/Zbb; prologue and epilogue included). The Linux RV64 JIT's figures for the same
//!   programs need an RV64 kernel and are not measured here.
//! - Compile speed in eBPF instructions per second (verified compile, layout included).
//! - Cycles per run of each bench program's straight-line code on `llvm-mca-19 -mcpu=sifive-u74`
//!   (branches taken as not taken: an estimate of the block, not of a packet's path).
//!
//! `cargo bench -p jit --bench riscv`.

mod support;

use jit::riscv64::encode::Inst;
use jit::riscv64::{compile, Extensions, Options, Rv64Program};
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Instant;

fn verified(prog: &ir::Program) -> Option<offload::Verified> {
    offload::verify(
        prog,
        &offload::Capabilities::kernel(),
        &offload::Options::default(),
    )
    .ok()
}

fn ebpf_count(prog: &ir::Program) -> usize {
    prog.insns
        .iter()
        .filter(|i| !matches!(i, ir::Insn::LdImm64Tail))
        .count()
}

const SETS: [(&str, Extensions); 3] = [
    ("rv64ima", Extensions::base()),
    ("rv64imac", Extensions::rv64imac()),
    ("+zba+zbb", Extensions::all()),
];

/// llvm-mca's total cycles for 100 iterations of `rp`'s code, if llvm-mca-19 is installed.
fn mca_cycles(rp: &Rv64Program) -> Option<f64> {
    let text: String = rp
        .placed()
        .iter()
        // Traps and calls into the runtime are not part of the modelled work.
        .filter(|p| !matches!(p.inst, Inst::Unimp | Inst::Ecall))
        .map(|p| p.inst.text(false) + "\n")
        .collect();
    let mut child = Command::new("llvm-mca-19")
        .args([
            "-mtriple=riscv64",
            "-mcpu=sifive-u74",
            "-mattr=+m,+a,+c,+zba,+zbb",
            "-iterations=100",
            "-skip-unsupported-instructions=any",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    child.stdin.take()?.write_all(text.as_bytes()).ok()?;
    let out = child.wait_with_output().ok()?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout.lines().find(|l| l.starts_with("Total Cycles:"))?;
    let total: f64 = line.split(':').nth(1)?.trim().parse().ok()?;
    Some(total / 100.0)
}

fn main() {
    let mut programs: Vec<(String, ir::Program)> = support::benches()
        .into_iter()
        .map(|b| (b.name.to_string(), b.prog))
        .collect();
    if let Ok(entries) = testkit::corpus::load_all() {
        for e in entries {
            if let Ok(p) = ir::asm::assemble(&e.source) {
                programs.push((format!("corpus/{}", e.name), p));
            }
        }
    }
    println!("RV64 code per eBPF instruction (instructions / bytes), verified compile");
    println!(
        "{:<40} {:>6}  {:>13}  {:>13}  {:>13}",
        "program", "eBPF", SETS[0].0, SETS[1].0, SETS[2].0
    );
    let mut totals = [(0usize, 0usize); 3];
    let mut total_ebpf = 0usize;
    for (name, prog) in &programs {
        let Some(v) = verified(prog) else {
            continue;
        };
        let n = ebpf_count(prog);
        let mut cells = Vec::new();
        let mut ok = true;
        for (i, (_, ext)) in SETS.iter().enumerate() {
            let opts = Options {
                ext: *ext,
                ..Options::default()
            };
            match compile(&v, &opts) {
                Ok(rp) => {
                    totals[i].0 += rp.inst_count();
                    totals[i].1 += rp.code().len();
                    cells.push(format!(
                        "{:.2} / {:.1}",
                        rp.inst_count() as f64 / n as f64,
                        rp.code().len() as f64 / n as f64
                    ));
                }
                Err(_) => ok = false,
            }
        }
        if !ok {
            continue;
        }
        total_ebpf += n;
        if !name.starts_with("corpus/") {
            println!(
                "{:<40} {:>6}  {:>13}  {:>13}  {:>13}",
                name, n, cells[0], cells[1], cells[2]
            );
        }
    }
    let all: Vec<String> = totals
        .iter()
        .map(|(i, b)| {
            format!(
                "{:.2} / {:.1}",
                *i as f64 / total_ebpf.max(1) as f64,
                *b as f64 / total_ebpf.max(1) as f64
            )
        })
        .collect();
    println!(
        "{:<40} {:>6}  {:>13}  {:>13}  {:>13}",
        "all programs (incl. corpus)", total_ebpf, all[0], all[1], all[2]
    );

    // Compile speed on the biggest bench program.
    let big = support::linear_acl(10_000);
    if let Some(v) = verified(&big) {
        let n = ebpf_count(&big);
        let opts = Options::default();
        let start = Instant::now();
        let mut reps = 0u32;
        while start.elapsed().as_secs_f64() < 2.0 {
            let _ = compile(&v, &opts);
            reps += 1;
        }
        let per = start.elapsed().as_secs_f64() / f64::from(reps);
        println!(
            "compile speed: acl_10000_linear ({n} eBPF insns): {:.2} ms per compile, {:.1} M eBPF insns/s",
            per * 1e3,
            n as f64 / per / 1e6
        );
    }

    // Estimated cycles on a SiFive U74 model.
    println!("llvm-mca-19 -mcpu=sifive-u74, cycles for the straight-line code of each program:");
    for (name, prog) in programs.iter().filter(|(n, _)| !n.starts_with("corpus/")) {
        let Some(v) = verified(prog) else {
            continue;
        };
        for (set, ext) in SETS {
            let opts = Options {
                ext,
                ..Options::default()
            };
            let Ok(rp) = compile(&v, &opts) else {
                continue;
            };
            match mca_cycles(&rp) {
                Some(c) => println!("  {name:<38} {set:<10} {c:>8.1} cycles"),
                None => {
                    println!("  llvm-mca-19 unavailable: no cycle estimates");
                    return;
                }
            }
        }
    }
}
