//! `bpf-offload bench [--engine E|all] [--seconds S] [--json]`: engines side by side on built-in
//! programs, in one process run so the ratios compare like with like on a noisy machine.
//!
//! Each engine's per-run overhead (its harness loop, context set-up) is measured with a program
//! that only returns, and reported beside the raw figures, so "net" numbers compare the code.
//! Ratios are against the kernel when it is available (root, feature `kernel`), else against the
//! interpreter.

use crate::engine::{self, Engine, PrepareOptions};
use crate::error::{CliError, CliResult};
use crate::output::print;
use ir::interp::Input;
use ir::runtime::Runtime;
use ir::Program;
use std::time::{Duration, Instant};

/// A built-in benchmark program.
struct BenchProgram {
    name: &'static str,
    what: &'static str,
    asm: &'static str,
    /// (IP protocol, destination port, frame length) of the packet it runs on.
    packet: (u8, u16, usize),
}

const EMPTY: &str = ".section xdp\n    r0 = 2\n    exit\n";

const ALU_LOOP: &str = include_str!("../../testkit/bench/alu_loop.s");

const FNV64: &str = include_str!("../../testkit/bench/fnv64.s");

const PROGRAMS: &[BenchProgram] = &[
    BenchProgram {
        name: "canonical",
        what: "drop IPv4 TCP dport 80 (hand-written parser)",
        asm: include_str!("../../examples/drop_tcp80.s"),
        packet: (6, 80, 60),
    },
    BenchProgram {
        name: "alu-loop",
        what: "1,000 iterations of 8 ALU/branch instructions",
        asm: ALU_LOOP,
        packet: (17, 53, 60),
    },
    BenchProgram {
        name: "fnv-64",
        what: "FNV-1a over 64 packet bytes",
        asm: FNV64,
        packet: (17, 53, 82),
    },
];

/// One measurement: mean ns per run.
struct Measure {
    ns_per_run: f64,
}

pub fn run(engine: &str, seconds: f64, json: bool) -> CliResult {
    if !(seconds > 0.0 && seconds <= 60.0) {
        return Err(CliError::bad_input("--seconds must be in (0, 60]"));
    }
    let budget = Duration::from_secs_f64(seconds);
    let engines = engine::resolve(engine)?;
    let empty = assemble("empty", EMPTY)?;
    let empty_packet = frame(17, 53, 60);
    let mut overhead = Vec::new();
    for &e in &engines {
        overhead.push(measure(e, &empty, &empty_packet, budget)?.ns_per_run);
    }
    let reference = engines
        .iter()
        .position(|e| e.name() == "kernel")
        .unwrap_or(0);
    let mut rows = Vec::new();
    let mut not_run = Vec::new();
    for bp in PROGRAMS {
        let prog = assemble(bp.name, bp.asm)?;
        let (proto, dport, len) = bp.packet;
        let pkt = frame(proto, dport, len);
        let steps = interp_steps(&prog, &pkt)?;
        let mut per_engine = Vec::new();
        for (i, &e) in engines.iter().enumerate() {
            let m = match measure(e, &prog, &pkt, budget) {
                Ok(m) => m,
                // An engine that refuses the program (the NFP's driver checks) is a note,
                // not the end of the benchmark.
                Err(err) if err.exit_code() == 1 && i != reference => {
                    not_run.push(format!("{} on {}: {}", bp.name, e.name(), err.message));
                    continue;
                }
                Err(err) => return Err(err),
            };
            let net = (m.ns_per_run - overhead[i]).max(0.0);
            per_engine.push((e, m.ns_per_run, net));
        }
        rows.push((bp, steps, per_engine));
    }
    let nfp = if engines.iter().any(|e| e.name() == "nfp") {
        nfp_table()?
    } else {
        String::new()
    };

    if json {
        let mut out = String::new();
        for (bp, steps, per_engine) in &rows {
            let (_, ref_raw, ref_net) = per_engine[reference];
            for (i, (e, raw, net)) in per_engine.iter().enumerate() {
                let v = serde_json::json!({
                    "program": bp.name,
                    "engine": e.name(),
                    "insns_executed": steps,
                    "ns_per_run": raw,
                    "ns_per_run_net": net,
                    "ns_per_insn": raw / *steps as f64,
                    "overhead_ns": overhead[i],
                    "ratio_raw": raw / ref_raw,
                    "ratio_net": if ref_net > 0.0 { net / ref_net } else { f64::NAN },
                    "reference": engines[reference].name(),
                });
                out.push_str(&v.to_string());
                out.push('\n');
            }
        }
        print(&out);
        return Ok(());
    }
    let mut s = String::new();
    s.push_str(&format!(
        "reference: {}   overhead (empty program) per run: {}\n\n",
        engines[reference].name(),
        engines
            .iter()
            .zip(&overhead)
            .map(|(e, o)| format!("{} {o:.1} ns", e.name()))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    s.push_str(
        "program    insns  engine     ns/run   net ns/run  ns/insn   ratio(raw)  ratio(net)\n",
    );
    for (bp, steps, per_engine) in &rows {
        let (_, ref_raw, ref_net) = per_engine[reference];
        for (e, raw, net) in per_engine {
            s.push_str(&format!(
                "{:<10} {:>5}  {:<8} {:>9.1} {:>11.1} {:>8.2} {:>11.2} {:>11}\n",
                bp.name,
                steps,
                e.name(),
                raw,
                net,
                raw / *steps as f64,
                raw / ref_raw,
                if ref_net > 0.0 {
                    format!("{:.2}", net / ref_net)
                } else {
                    "-".into()
                },
            ));
        }
    }
    s.push('\n');
    for bp in PROGRAMS {
        s.push_str(&format!("{:<10} {}\n", bp.name, bp.what));
    }
    for n in &not_run {
        s.push_str(&format!("not run: {n}\n"));
    }
    s.push_str(&nfp);
    print(&s);
    Ok(())
}

/// The NFP's own figures per program: NFP instructions per eBPF instruction, instructions and
/// cycles one packet takes on the simulator, and the packet rate they imply.
fn nfp_table() -> CliResult<String> {
    let profile = nfp_model::Profile::default();
    let t = profile.timing;
    let mut s = format!(
        "\nNFP model ({} MEs x {} contexts at {} MHz; {})\nprogram    eBPF   NFP  NFP/eBPF  executed  cycles  ME cycles  est. Mpps\n",
        t.mes,
        t.contexts,
        t.clock_mhz,
        nfp_model::Timing::ESTIMATES
    );
    for bp in PROGRAMS {
        let prog = assemble(bp.name, bp.asm)?;
        let (proto, dport, len) = bp.packet;
        match crate::nfp::prepare(&prog, &profile) {
            Ok((nfp, sim)) => {
                let mut rt = Runtime::new(&prog);
                match sim.run(&mut rt, &frame(proto, dport, len), 100_000_000) {
                    Ok(o) => s.push_str(&format!(
                        "{:<10} {:>4} {:>5} {:>9.2} {:>9} {:>7} {:>10.1} {:>10.1}\n",
                        bp.name,
                        nfp.ebpf_insns,
                        nfp.code.len(),
                        nfp.ratio(),
                        o.insns,
                        o.latency_cycles(),
                        o.me_cycles(&t),
                        o.mpps(&t)
                    )),
                    Err(e) => s.push_str(&format!("{:<10} simulator: {e}\n", bp.name)),
                }
            }
            Err(why) => s.push_str(&format!("{:<10} refused: {why}\n", bp.name)),
        }
    }
    Ok(s)
}

fn assemble(name: &str, text: &str) -> CliResult<Program> {
    ir::asm::assemble(text)
        .map_err(|e| CliError::bad_input(format!("built-in program {name}: {e}")))
}

/// The instructions one run executes (from the interpreter), for ns/insn.
fn interp_steps(prog: &Program, pkt: &[u8]) -> CliResult<u64> {
    let mut rt = Runtime::new(prog);
    let out = ir::interp::run(prog, &mut rt, &Input::Packet(pkt.to_vec()), 10_000_000)
        .map_err(|e| CliError::rejected(format!("interp: {e}")))?;
    Ok(out.steps.max(1))
}

/// Mean ns per run of `prog` on `engine`, measured for about `budget`: the engine's session
/// times batches of runs on one input (as `BPF_PROG_TEST_RUN` with `repeat` does); the best
/// batch counts, since a batch the scheduler took the CPU away from during says nothing about
/// the engine.
fn measure(
    engine: &dyn Engine,
    prog: &Program,
    pkt: &[u8],
    budget: Duration,
) -> CliResult<Measure> {
    let mut session = engine.prepare(prog, &PrepareOptions::default())?;
    let input = Input::Packet(pkt.to_vec());
    let time = |session: &mut Box<dyn engine::Session>, repeat: u32| {
        session
            .time(&input, repeat)
            .map_err(|r| r.into_error(engine.name()))
    };
    let per = time(&mut session, 1000)?.max(0.1);
    let batches = 10u32;
    let per_batch = (budget.as_nanos() as f64 / per / f64::from(batches)).clamp(100.0, 1e9) as u32;
    let start = Instant::now();
    let mut best = f64::INFINITY;
    for _ in 0..batches {
        best = best.min(time(&mut session, per_batch)?);
        if start.elapsed() > budget * 2 {
            break;
        }
    }
    Ok(Measure { ns_per_run: best })
}

/// A frame of `len` bytes: Ethernet, IPv4 (no options) with protocol `proto`, then source port
/// 12345 and destination port `dport`, zero padding.
pub(crate) fn frame(proto: u8, dport: u16, len: usize) -> Vec<u8> {
    let mut p = vec![0u8; len.max(38)];
    p[0..6].copy_from_slice(&[2, 0, 0, 0, 0, 2]);
    p[6..12].copy_from_slice(&[2, 0, 0, 0, 0, 1]);
    p[12..14].copy_from_slice(&[0x08, 0x00]);
    p[14] = 0x45;
    let total = (len - 14) as u16;
    p[16..18].copy_from_slice(&total.to_be_bytes());
    p[22] = 64;
    p[23] = proto;
    p[26..30].copy_from_slice(&[10, 0, 0, 1]);
    p[30..34].copy_from_slice(&[10, 0, 0, 2]);
    p[34..36].copy_from_slice(&12345u16.to_be_bytes());
    p[36..38].copy_from_slice(&dport.to_be_bytes());
    p
}
