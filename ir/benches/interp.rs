//! Interpreter speed: ns per executed instruction on an ALU loop and on a packet-parsing
//! program, side by side with the `rbpf` crate's interpreter on the same bytes.
//!
//! `cargo bench -p ir --bench interp` prints a summary table first (ns/insn for both engines and
//! the ratio rbpf/ours), then criterion's own measurements (throughput in instructions/s).
//! Both engines run the program with r1 pointing at the input bytes (the conformance
//! convention), so the comparison is like for like; both check every memory access.

use criterion::{black_box, criterion_group, Criterion, Throughput};
use ir::asm::{assemble_as, Syntax};
use ir::interp::{Input, Prepared};
use ir::program::{ProgType, Program};
use ir::runtime::Runtime;
use std::time::Instant;

/// 8 instructions per iteration, 1000 iterations.
const ALU_LOOP: &str = "
mov %r0, 0
mov %r1, 1000
loop:
add %r0, %r1
xor %r0, 0x5a5a
lsh %r0, 3
rsh %r0, 1
mov32 %r2, %r0
add %r0, %r2
sub %r1, 1
jne %r1, 0, loop
exit
";

/// Ethernet / IPv4 / TCP parse of a 64-byte frame: returns 1 for TCP to port 80, else 2.
/// Data end is r1 + 64 (rbpf passes no length register).
const PARSE: &str = "
mov %r2, %r1
add %r2, 64
mov %r3, %r1
add %r3, 14
jgt %r3, %r2, pass
ldxh %r4, [%r1+12]
jne %r4, 0x0008, pass
mov %r5, %r3
add %r5, 20
jgt %r5, %r2, pass
ldxb %r4, [%r3+0]
and %r4, 0xf
lsh %r4, 2
jlt %r4, 20, pass
ldxb %r6, [%r3+9]
jne %r6, 6, pass
add %r3, %r4
mov %r5, %r3
add %r5, 20
jgt %r5, %r2, pass
ldxh %r4, [%r3+2]
be16 %r4
jne %r4, 80, pass
ldxb %r4, [%r3+13]
and %r4, 0x12
jeq %r4, 0x12, pass
mov %r0, 1
exit
pass:
mov %r0, 2
exit
";

/// The same parse as an XDP program: packet bounds from `xdp_md` (ours only: rbpf has no
/// 32-bit context pointer fields).
fn xdp_parse() -> String {
    PARSE.replacen(
        "mov %r2, %r1\nadd %r2, 64\n",
        "ldxw %r2, [%r1+4]\nldxw %r1, [%r1+0]\n",
        1,
    )
}

fn packet() -> Vec<u8> {
    let mut p = vec![0u8; 64];
    p[12] = 0x08; // IPv4
    p[14] = 0x45; // IHL 5
    p[23] = 6; // TCP
    p[36] = 0;
    p[37] = 80; // dport 80
    p[47] = 0x02; // SYN
    p
}

fn program(src: &str) -> Program {
    let mut p = assemble_as(src, Syntax::Conformance).expect("benchmark program assembles");
    p.prog_type = ProgType::SocketFilter;
    p
}

struct Case {
    name: &'static str,
    prog: Program,
    input: Vec<u8>,
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "alu_loop",
            prog: program(ALU_LOOP),
            input: vec![0u8; 8],
        },
        Case {
            name: "packet_parse",
            prog: program(PARSE),
            input: packet(),
        },
    ]
}

/// ns per run: the best of 7 trials of `iters` runs each (the minimum is the estimate least
/// disturbed by other load on a shared machine).
fn time<F: FnMut() -> u64>(iters: u32, mut f: F) -> f64 {
    for _ in 0..iters / 10 + 1 {
        black_box(f());
    }
    (0..7)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..iters {
                black_box(f());
            }
            t.elapsed().as_nanos() as f64 / iters as f64
        })
        .fold(f64::INFINITY, f64::min)
}

fn xdp_program() -> Program {
    let mut p = program(&xdp_parse());
    p.prog_type = ProgType::Xdp;
    p
}

fn summary() {
    println!("engine comparison (ns per executed instruction, lower is better; best of 7 trials)");
    println!(
        "{:<14} {:>7} {:>12} {:>12} {:>12} {:>12} {:>8}",
        "program", "insns", "ours ns/run", "ours ns/ins", "rbpf ns/run", "rbpf ns/ins", "ratio"
    );
    for c in cases() {
        let prepared = Prepared::new(&c.prog);
        let mut rt = Runtime::new(&c.prog);
        let input = Input::Mem(c.input.clone());
        let out = prepared
            .run(&mut rt, &input, 1 << 30)
            .expect("benchmark program runs");
        let bytes = c.prog.to_bytes().expect("encodable");
        let vm = rbpf::EbpfVmRaw::new(Some(&bytes)).expect("rbpf accepts the program");
        let mut mem = c.input.clone();
        let theirs = vm.execute_program(&mut mem).expect("rbpf runs the program");
        assert_eq!(
            theirs, out.r0,
            "{}: rbpf and the interpreter disagree",
            c.name
        );
        let iters = (1_000_000 / out.steps).clamp(50, 50_000) as u32;
        let ours = time(iters, || {
            prepared
                .run(&mut rt, &input, 1 << 30)
                .map(|o| o.r0)
                .unwrap_or(0)
        });
        let rbpf_ns = time(iters, || {
            let mut m = c.input.clone();
            vm.execute_program(&mut m).unwrap_or(0)
        });
        let steps = out.steps as f64;
        println!(
            "{:<14} {:>7} {:>12.1} {:>12.3} {:>12.1} {:>12.3} {:>7.2}x",
            c.name,
            out.steps,
            ours,
            ours / steps,
            rbpf_ns,
            rbpf_ns / steps,
            rbpf_ns / ours
        );
    }
    let prog = xdp_program();
    let prepared = Prepared::new(&prog);
    let mut rt = Runtime::new(&prog);
    let input = Input::Packet(packet());
    let out = prepared
        .run(&mut rt, &input, 1 << 30)
        .expect("xdp program runs");
    assert_eq!(out.r0, 1);
    let ours = time(50_000, || {
        prepared
            .run(&mut rt, &input, 1 << 30)
            .map(|o| o.r0)
            .unwrap_or(0)
    });
    println!(
        "{:<14} {:>7} {:>12.1} {:>12.3} {:>12} {:>12} {:>8}",
        "xdp_parse",
        out.steps,
        ours,
        ours / out.steps as f64,
        "n/a",
        "n/a",
        "n/a"
    );
    println!("(ratio = rbpf time / our time; above 1 means the interpreter is faster)");
    println!();
    per_run_overhead();
}

/// The fixed cost of a run, whatever the program does: an XDP program that only returns, on a
/// 60-byte packet (set-up of the context and packet buffer, the stack, the output packet) and
/// on no input at all.
fn per_run_overhead() {
    let mut prog = program("mov %r0, 2\nexit\n");
    prog.prog_type = ProgType::Xdp;
    let prepared = Prepared::new(&prog);
    let mut rt = Runtime::new(&prog);
    let mut frame = vec![0u8; 60];
    frame[12] = 0x08;
    println!("per-run overhead of an empty XDP program (ns per run, best of 7 trials)");
    for (what, input) in [
        ("60-byte packet", Input::Packet(frame)),
        ("no input", Input::None),
    ] {
        let ns = time(200_000, || {
            prepared
                .run(&mut rt, &input, 1 << 30)
                .map(|o| o.r0)
                .unwrap_or(0)
        });
        println!("  {what:<16} {ns:>8.1}");
    }
}

fn bench(cr: &mut Criterion) {
    for c in cases() {
        let prepared = Prepared::new(&c.prog);
        let mut rt = Runtime::new(&c.prog);
        let input = Input::Mem(c.input.clone());
        let steps = prepared
            .run(&mut rt, &input, 1 << 30)
            .expect("benchmark program runs")
            .steps;
        let bytes = c.prog.to_bytes().expect("encodable");
        let vm = rbpf::EbpfVmRaw::new(Some(&bytes)).expect("rbpf accepts the program");
        let mut g = cr.benchmark_group(c.name);
        g.throughput(Throughput::Elements(steps));
        g.bench_function("ir_interp", |b| {
            b.iter(|| prepared.run(&mut rt, &input, 1 << 30).map(|o| o.r0))
        });
        g.bench_function("rbpf", |b| {
            b.iter(|| {
                let mut m = c.input.clone();
                vm.execute_program(&mut m).map_err(|e| e.to_string())
            })
        });
        g.finish();
    }
}

fn bench_xdp(cr: &mut Criterion) {
    let prog = xdp_program();
    let prepared = Prepared::new(&prog);
    let mut rt = Runtime::new(&prog);
    let input = Input::Packet(packet());
    let steps = prepared
        .run(&mut rt, &input, 1 << 30)
        .expect("xdp program runs")
        .steps;
    let mut g = cr.benchmark_group("xdp_parse");
    g.throughput(Throughput::Elements(steps));
    g.bench_function("ir_interp", |b| {
        b.iter(|| prepared.run(&mut rt, &input, 1 << 30).map(|o| o.r0))
    });
    g.finish();
}

criterion_group!(benches, bench, bench_xdp);

fn main() {
    summary();
    benches();
    Criterion::default().configure_from_args().final_summary();
}
