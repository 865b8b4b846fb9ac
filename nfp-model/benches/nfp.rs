//! NFP backend figures (a benchmark, never a pass/fail test): NFP instructions per eBPF
//! instruction over the bench programs and the corpus, cycles per packet on the simulator,
//! simulator speed (NFP instructions per second of host time) and translation time.
//!
//! `cargo bench -p nfp_model --bench nfp`

use ir::runtime::Runtime;
use ir::Program;
use nfp_model::jit::{translate, NfpProgram};
use nfp_model::sim::Sim;
use nfp_model::Profile;
use std::time::{Duration, Instant};

/// IPv4 frame of `len` bytes to `dport` over `proto`.
fn frame(proto: u8, dport: u16, len: usize) -> Vec<u8> {
    let mut p = vec![0u8; len.max(38)];
    p[0..6].copy_from_slice(&[2, 0, 0, 0, 0, 2]);
    p[6..12].copy_from_slice(&[2, 0, 0, 0, 0, 1]);
    p[12..14].copy_from_slice(&[0x08, 0x00]);
    p[14] = 0x45;
    p[16..18].copy_from_slice(&((len - 14) as u16).to_be_bytes());
    p[22] = 64;
    p[23] = proto;
    p[26..30].copy_from_slice(&[10, 0, 0, 1]);
    p[30..34].copy_from_slice(&[10, 0, 0, 2]);
    p[34..36].copy_from_slice(&12345u16.to_be_bytes());
    p[36..38].copy_from_slice(&dport.to_be_bytes());
    p
}

fn prepare(prog: &Program, profile: &Profile) -> Result<NfpProgram, String> {
    let v = offload::verify(prog, &profile.capabilities(), &offload::Options::default())
        .map_err(|e| e.rejections[0].to_string())?;
    translate(&v, profile).map_err(|r| r.to_string())
}

fn main() {
    let profile = Profile::default();
    let t = profile.timing;
    let bench: Vec<(&str, String, Vec<u8>)> = vec![
        (
            "canonical",
            include_str!("../../examples/drop_tcp80.s").to_string(),
            frame(6, 80, 60),
        ),
        (
            "alu-loop",
            include_str!("../../testkit/bench/alu_loop.s").to_string(),
            frame(17, 53, 60),
        ),
        (
            "fnv-64",
            include_str!("../../testkit/bench/fnv64.s").to_string(),
            frame(17, 53, 82),
        ),
    ];
    println!(
        "NFP model: {} MEs x {} contexts at {} MHz; {}",
        t.mes,
        t.contexts,
        t.clock_mhz,
        nfp_model::Timing::ESTIMATES
    );
    println!(
        "{:<28} {:>5} {:>5} {:>6} {:>6} {:>8} {:>7} {:>9} {:>8} {:>10} {:>9}",
        "program",
        "eBPF",
        "NFP",
        "NFP/e",
        "body/e",
        "executed",
        "cycles",
        "ME cyc",
        "Mpps",
        "translate",
        "sim ns/pkt"
    );
    let mut programs: Vec<(String, Program, Vec<u8>)> = Vec::new();
    for (name, asm, pkt) in &bench {
        match ir::asm::assemble(asm) {
            Ok(p) => programs.push((name.to_string(), p, pkt.clone())),
            Err(e) => println!("{name}: {e}"),
        }
    }
    if let Ok(entries) = testkit::corpus::load_all() {
        for e in entries {
            if let (Ok(p), Some(c)) = (ir::asm::assemble(&e.source), e.cases.first()) {
                programs.push((format!("corpus/{}", e.name), p, c.packet.clone()));
            }
        }
    }
    let (mut nfp_total, mut body_total, mut ebpf_total) = (0, 0, 0);
    let (mut sim_insns, mut sim_time) = (0u64, Duration::ZERO);
    let mut best = (String::new(), 0u64, 0.0f64);
    // `NFP_BENCH_ONLY=NAME` keeps the programs whose name contains NAME (for profiling).
    let only = std::env::var("NFP_BENCH_ONLY").unwrap_or_default();
    for (name, prog, pkt) in programs.iter().filter(|p| p.0.contains(&only)) {
        let nfp = match prepare(prog, &profile) {
            Ok(n) => n,
            Err(why) => {
                println!("{name:<28} refused: {}", why.lines().next().unwrap_or(""));
                continue;
            }
        };
        // Translation time: verify once, translate repeatedly.
        let v = offload::verify(prog, &profile.capabilities(), &offload::Options::default())
            .expect("verified above");
        let start = Instant::now();
        let mut n = 0u32;
        while start.elapsed() < Duration::from_millis(50) {
            let _ = translate(&v, &profile);
            n += 1;
        }
        let translate_us = start.elapsed().as_secs_f64() * 1e6 / n as f64;
        let sim = Sim::for_program(&nfp, t).expect("decode");
        let mut rt = Runtime::new(prog);
        let out = match sim.run(&mut rt, pkt, 100_000_000) {
            Ok(o) => o,
            Err(e) => {
                println!("{name:<28} simulator: {e}");
                continue;
            }
        };
        // Simulator speed: repeat the packet for ~100 ms.
        let start = Instant::now();
        let mut runs = 0u64;
        while start.elapsed() < Duration::from_millis(100) {
            let _ = sim.run(&mut rt, pkt, 100_000_000);
            runs += 1;
        }
        sim_time += start.elapsed();
        sim_insns += runs * out.insns;
        let speed = (runs * out.insns) as f64 / start.elapsed().as_secs_f64() / 1e6;
        if out.insns > best.1 {
            best = (name.clone(), out.insns, speed);
        }
        nfp_total += nfp.code.len();
        body_total += nfp.body_len();
        ebpf_total += nfp.ebpf_insns;
        println!(
            "{name:<28} {:>5} {:>5} {:>6.2} {:>6.2} {:>8} {:>7} {:>9.1} {:>8.1} {:>8.1}us {:>9.0}",
            nfp.ebpf_insns,
            nfp.code.len(),
            nfp.ratio(),
            nfp.body_ratio(),
            out.insns,
            out.latency_cycles(),
            out.me_cycles(&t),
            out.mpps(&t),
            translate_us,
            start.elapsed().as_nanos() as f64 / runs as f64
        );
    }
    println!(
        "total: {nfp_total} NFP / {ebpf_total} eBPF instructions = {:.2} per eBPF instruction ({:.2} without the outro and the 8 NOPs each program has once)",
        nfp_total as f64 / ebpf_total.max(1) as f64,
        body_total as f64 / ebpf_total.max(1) as f64
    );
    println!(
        "simulator: {:.1} M NFP instructions per second over all programs (each run includes setting up its packet); the longest-running: {} ({} instructions per packet) at {:.1} M/s",
        sim_insns as f64 / sim_time.as_secs_f64().max(1e-9) / 1e6,
        best.0,
        best.1,
        best.2
    );
}
