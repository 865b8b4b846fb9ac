//! The bodies of the fuzz targets: one function per target, each taking the fuzzer's bytes and
//! panicking only when a property is broken (a parser, the verifier, a JIT or the CLI
//! misbehaving), never because the input is bad.
//!
//! This file depends on nothing but the workspace crates, so the same bodies run two ways:
//! under libFuzzer (`fuzz_targets/*.rs`, `cargo +nightly fuzz run TARGET`), and as a plain test
//! over the seed corpora (`tests/fuzz_smoke.rs` in the workspace includes this file), which is
//! what CI runs.
//!
//! | target | property |
//! |---|---|
//! | `pcap`, `iptables`, `nft`, `flower`, `ethtool` | parsing never panics; a rule set that parses and lowers is accepted by our verifier, and the interpreter gives `RuleSet::eval`'s verdict on sample packets |
//! | `asm_llvm`, `asm_conformance` | assembling never panics; what assembles encodes and decodes back to the same instructions |
//! | `elf` | reading any bytes as an ELF object never panics |
//! | `verifier` | verifying any instructions never panics; an accepted program never violates memory in the checking interpreter |
//! | `jit` | an accepted program, JIT-compiled for x86-64, gives the interpreter's packet and maps, and its r0 and verdict unless r0 may be a pointer (a program only privileged loaders may load) |
//! | `jit_checked` | any program (unverified), JIT-compiled in checked mode, ends as the interpreter ends it (small r0, or the kind of error) and never faults |
//! | `cli` (`cli_args`) | any argument list exits 0, 1 or 2 in bounded time, never by a signal |

#![allow(clippy::missing_panics_doc)]

use frontend::lower::{lower, Hook, LowerOptions};
use frontend::ruleset::RuleSet;
use ir::interp::{run, ExecErrorKind, Input};
use ir::runtime::Runtime;
use ir::{ProgType, Program};

/// Inputs longer than this are ignored: long inputs only slow the search down.
pub const MAX_INPUT: usize = 16 * 1024;

/// The interpreter's step budget for every run here.
const BUDGET: u64 = 200_000;

fn text(data: &[u8]) -> Option<&str> {
    if data.len() > MAX_INPUT {
        return None;
    }
    std::str::from_utf8(data).ok()
}

/// Sample packets: an IPv4/TCP frame to port 80, IPv4/UDP, IPv6/TCP, ARP, a runt, and one
/// derived from `seed` bytes (so the fuzzer can steer it).
fn packets(seed: &[u8]) -> Vec<Vec<u8>> {
    let eth = |ty: [u8; 2]| {
        let mut p = vec![2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2];
        p.extend_from_slice(&ty);
        p
    };
    let mut tcp4 = eth([0x08, 0x00]);
    tcp4.extend_from_slice(&[
        0x45, 0, 0, 40, 0, 1, 0x40, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
    ]);
    tcp4.extend_from_slice(&[
        0x9c, 0x40, 0, 80, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0x20, 0, 0, 0, 0, 0,
    ]);
    let mut udp4 = eth([0x08, 0x00]);
    udp4.extend_from_slice(&[
        0x45, 0, 0, 28, 0, 1, 0, 0, 64, 17, 0, 0, 192, 168, 1, 1, 10, 0, 0, 2,
    ]);
    udp4.extend_from_slice(&[0, 53, 0, 53, 0, 8, 0, 0]);
    let mut tcp6 = eth([0x86, 0xdd]);
    tcp6.extend_from_slice(&[0x60, 0, 0, 0, 0, 20, 6, 64]);
    tcp6.extend((0..32).map(|i| i as u8));
    tcp6.extend_from_slice(&[
        0x04, 0xd2, 0x01, 0xbb, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x10, 0x20, 0, 0, 0, 0, 0,
    ]);
    let mut arp = eth([0x08, 0x06]);
    arp.extend_from_slice(&[0, 1, 8, 0, 6, 4, 0, 1]);
    arp.extend(std::iter::repeat_n(0, 20));
    let runt = vec![0xff; 14];
    let mut steered = tcp4.clone();
    for (i, b) in seed.iter().take(steered.len()).enumerate() {
        steered[i] ^= b;
    }
    vec![tcp4, udp4, tcp6, arp, runt, steered]
}

/// A rule set that parsed: lower it (XDP), verify it, and compare the interpreter's verdicts
/// with the rule set's own evaluation.
fn check_ruleset(rs: &RuleSet, seed: &[u8]) {
    let opts = LowerOptions::default();
    let Ok(lowered) = lower(rs, &opts) else {
        return; // a lowering error is a value (too many rules, unsupported match)
    };
    let caps = offload::Capabilities::kernel();
    if let Err(r) = offload::verify(&lowered.program, &caps, &offload::Options::default()) {
        panic!("a lowered rule set is refused by our verifier: {r}");
    }
    let mut rt = Runtime::new(&lowered.program);
    for p in packets(seed) {
        let want = rs.eval(&p).action;
        let Some(code) = Hook::Xdp.code(want) else {
            continue;
        };
        match run(
            &lowered.program,
            &mut rt,
            &Input::Packet(p.clone()),
            1_000_000,
        ) {
            Ok(o) => assert_eq!(
                o.r0, code as u64,
                "the program says {:#x}, RuleSet::eval says {want:?} on {p:02x?}",
                o.r0
            ),
            Err(e) => panic!("the lowered program fails on {p:02x?}: {e}"),
        }
    }
}

/// pcap-filter text.
pub fn pcap(data: &[u8]) {
    let Some(t) = text(data) else { return };
    use frontend::ruleset::Action;
    match frontend::pcap::compile(t, Action::Drop, Action::Pass) {
        Ok(rs) => check_ruleset(&rs, data),
        Err(e) => drop(frontend::diag::render_pcap(&e, "filter", t)),
    }
}

/// iptables command lines or an iptables-save file.
pub fn iptables(data: &[u8]) {
    let Some(t) = text(data) else { return };
    match frontend::iptables::parse(t) {
        Ok(p) => check_ruleset(&p.ruleset, data),
        Err(e) => drop(e.render("rules", t)),
    }
}

/// nft commands or an `nft -f` file.
pub fn nft(data: &[u8]) {
    let Some(t) = text(data) else { return };
    match frontend::nft::parse(t) {
        Ok(p) => check_ruleset(&p.ruleset, data),
        Err(e) => drop(e.render("rules", t)),
    }
}

/// `tc filter add ... flower ...` lines.
pub fn flower(data: &[u8]) {
    let Some(t) = text(data) else { return };
    match frontend::flower::parse(t) {
        Ok(p) => check_ruleset(&p.ruleset, data),
        Err(e) => drop(e.render("rules", t)),
    }
}

/// `ethtool -N|-U` lines.
pub fn ethtool(data: &[u8]) {
    let Some(t) = text(data) else { return };
    match frontend::ethtool::parse(t) {
        Ok(p) => check_ruleset(&p.ruleset, data),
        Err(e) => drop(e.render("rules", t)),
    }
}

fn assemble_round_trip(data: &[u8], syntax: ir::asm::Syntax) {
    let Some(t) = text(data) else { return };
    let Ok(prog) = ir::asm::assemble_as(t, syntax) else {
        return;
    };
    let Ok(bytes) = prog.to_bytes() else {
        return; // a jump the wire cannot encode is refused as a value
    };
    let back = ir::insn::decode_bytes(&bytes)
        .unwrap_or_else(|e| panic!("assembled code does not decode: {e}"));
    assert_eq!(back, prog.insns, "encode/decode changed the program");
    let _ = ir::disasm::disasm_program(&prog, syntax);
}

/// Assembly in kernel/LLVM syntax.
pub fn asm_llvm(data: &[u8]) {
    assemble_round_trip(data, ir::asm::Syntax::Llvm);
}

/// Assembly in the bpf_conformance syntax.
pub fn asm_conformance(data: &[u8]) {
    assemble_round_trip(data, ir::asm::Syntax::Conformance);
}

/// Any bytes as an ELF object (with BTF and DWARF sections where they parse).
pub fn elf(data: &[u8]) {
    if data.len() > 4 * MAX_INPUT {
        return;
    }
    if let Ok(obj) = ir::elf::read_object(data) {
        for p in &obj.programs {
            let _ = ir::disasm::disasm_program(p, ir::asm::Syntax::Llvm);
        }
    }
}

/// Instructions from raw bytes (at most 256), as an XDP program with one small ARRAY map
/// when the bytes ask for one (first byte odd).
fn program(data: &[u8]) -> Option<Program> {
    let (&first, rest) = data.split_first()?;
    let n = rest.len() / 8 * 8;
    if n == 0 || n > 256 * 8 {
        return None;
    }
    let insns = ir::insn::decode_bytes(&rest[..n]).ok()?;
    let mut p = Program::new(ProgType::Xdp, insns);
    if first & 1 == 1 {
        p.maps
            .push(ir::MapDef::new("m", ir::MapType::Array, 4, 8, 4));
    }
    Some(p)
}

/// Whether `prog` calls a helper whose result differs from run to run by nature: the clocks
/// (`bpf_ktime_get_ns` 5, `bpf_jiffies64` 118, `bpf_ktime_get_boot_ns` 125,
/// `bpf_ktime_get_coarse_ns` 160, `bpf_ktime_get_tai_ns` 208) and the CPU number (8). Its r0
/// is not compared across engines.
fn reads_the_clock(prog: &Program) -> bool {
    use ir::insn::{CallTarget, Insn};
    prog.insns.iter().any(|i| {
        matches!(
            i,
            Insn::Call(CallTarget::Helper(5 | 8 | 118 | 125 | 160 | 208))
        )
    })
}

/// The verifier on any instructions; what it accepts is run on the sample packets.
pub fn verifier(data: &[u8]) {
    let Some(prog) = program(data) else { return };
    let caps = offload::Capabilities::kernel();
    if offload::verify(&prog, &caps, &offload::Options::default()).is_err() {
        return;
    }
    for p in packets(data) {
        let mut rt = Runtime::new(&prog);
        if let Err(e) = run(&prog, &mut rt, &Input::Packet(p.clone()), BUDGET) {
            match e.kind {
                ExecErrorKind::OutOfBounds { .. }
                | ExecErrorKind::ReadOnly { .. }
                | ExecErrorKind::Ctx(_)
                | ExecErrorKind::PcOutOfRange { .. }
                | ExecErrorKind::CallDepth => {
                    panic!("accepted by the verifier, but on {p:02x?}: {e}")
                }
                _ => {}
            }
        }
    }
}

/// Verify, JIT-compile for x86-64 and run: same r0, packet, verdict and maps as the
/// interpreter.
pub fn jit(data: &[u8]) {
    if !cfg!(target_arch = "x86_64") {
        return;
    }
    let Some(prog) = program(data) else { return };
    let caps = offload::Capabilities::kernel();
    let Ok(v) = offload::verify(&prog, &caps, &offload::Options::default()) else {
        return;
    };
    // A privileged program may return a pointer (`r0 = ctx->data`), whose value differs
    // between engines by nature; r0 is compared when the unprivileged rules (no pointer
    // leaks) accept the program too.
    let unprivileged = offload::Options {
        unprivileged: true,
        ..offload::Options::default()
    };
    let scalar_r0 = !reads_the_clock(&prog) && offload::verify(&prog, &caps, &unprivileged).is_ok();
    let jp = match jit::x86_64::compile(&v, &jit::x86_64::Options::default()) {
        Ok(jp) => jp,
        Err(_) => return, // a backend may refuse (a value, with a reason)
    };
    for p in packets(data) {
        let input = Input::Packet(p.clone());
        let mut rt_i = Runtime::new(&prog);
        let want = run(&prog, &mut rt_i, &input, BUDGET);
        let Ok(want) = want else {
            continue; // out of budget, a helper the runtime refuses: nothing to compare
        };
        let mut rt_j = Runtime::new(&prog);
        let got = jp
            .run(&mut rt_j, &input)
            .unwrap_or_else(|e| panic!("the interpreter ran it, the JIT fails on {p:02x?}: {e}"));
        assert_eq!(want.packet, got.packet, "packets differ after {p:02x?}");
        if scalar_r0 {
            assert_eq!(
                (want.r0, want.action),
                (got.r0, got.action),
                "JIT and interpreter differ on {p:02x?}"
            );
        }
        assert!(
            rt_i.dump() == rt_j.dump(),
            "map contents differ on {p:02x?}"
        );
    }
}

/// What a run ended with, without addresses: r0 when it is small (a larger value may be an
/// address, which differs between engines by nature), or the kind of error.
fn end_of(r: Result<u64, &ir::interp::ExecErrorKind>) -> String {
    match r {
        Ok(r0) if r0 < 1 << 32 => format!("r0={r0:#x}"),
        Ok(_) => "r0=(large)".to_string(),
        Err(k) => {
            let s = format!("{k:?}");
            s.split([' ', '(', '{'])
                .next()
                .unwrap_or_default()
                .to_string()
        }
    }
}

/// An unverified program (any instructions) through the JIT's checked mode and the
/// interpreter, on input memory (the conformance convention): the same end, r0 or kind of
/// error, and never a fault (a signal ends the fuzzer, which reports it).
pub fn jit_checked(data: &[u8]) {
    if !cfg!(target_arch = "x86_64") {
        return;
    }
    let Some(prog) = program(data) else { return };
    let opts = jit::x86_64::Options::default();
    let Ok(jp) = jit::x86_64::compile_checked(&prog, false, BUDGET, &opts) else {
        return;
    };
    let mem: Vec<u8> = data.iter().rev().take(64).copied().collect();
    let input = Input::Mem(mem.clone());
    let mut rt = Runtime::new(&prog).with_conformance_helpers(true);
    let want = run(&prog, &mut rt, &input, BUDGET);
    let want = end_of(want.as_ref().map(|o| o.r0).map_err(|e| &e.kind));
    let mut rt = Runtime::new(&prog).with_conformance_helpers(true);
    let got = match jp.run(&mut rt, &input) {
        Ok(o) => end_of(Ok(o.r0)),
        Err(jit::RunError::Exec(e)) => end_of(Err(&e.kind)),
        // Other errors name the same kinds as the interpreter's (Helper, Ctx, CallDepth).
        Err(e) => {
            let s = format!("{e:?}");
            s.split([' ', '(', '{'])
                .next()
                .unwrap_or_default()
                .to_string()
        }
    };
    if reads_the_clock(&prog) && want.starts_with("r0=") && got.starts_with("r0=") {
        return; // both ran; what they return may differ by nature
    }
    assert_eq!(
        want, got,
        "interpreter and checked JIT end differently on mem {mem:02x?}"
    );
}

/// The bytes as a command line for the `bpf-offload` binary at `bin`: arguments separated by
/// NUL or newline bytes, run in `dir` with standard input closed and a time limit. Any
/// argument naming a path outside `dir` (a `/` anywhere, or `..`) is replaced, except the
/// read-only `/dev/zero` and `/dev/null`: the CLI runs as root here and writes where `-o` says.
pub fn cli_args(data: &[u8], bin: &std::path::Path, dir: &std::path::Path) {
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};
    if data.len() > 4096 {
        return;
    }
    let args: Vec<String> = data
        .split(|b| *b == 0 || *b == b'\n')
        .take(24)
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .map(|a| {
            if (a.contains('/') || a.contains("..")) && a != "/dev/zero" && a != "/dev/null" {
                "x".to_string()
            } else {
                a
            }
        })
        .collect();
    if args.first().is_some_and(|a| a == "bench") {
        return; // measures for as long as it is told to
    }
    let mut child = Command::new(bin)
        .args(&args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start bpf-offload");
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        if start.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("bpf-offload {args:?} still runs after 20 s");
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    use std::os::unix::process::ExitStatusExt;
    assert!(
        status.signal().is_none(),
        "bpf-offload {args:?} died by signal {:?}",
        status.signal()
    );
    assert!(
        matches!(status.code(), Some(0..=2)),
        "bpf-offload {args:?} exited {:?}",
        status.code()
    );
}

/// A target's body.
pub type Target = fn(&[u8]);

/// Every target by name (the names of `fuzz_targets/*.rs` and of `seeds/*/`), except `cli`,
/// which needs the binary.
pub const TARGETS: &[(&str, Target)] = &[
    ("pcap", pcap),
    ("iptables", iptables),
    ("nft", nft),
    ("flower", flower),
    ("ethtool", ethtool),
    ("asm_llvm", asm_llvm),
    ("asm_conformance", asm_conformance),
    ("elf", elf),
    ("verifier", verifier),
    ("jit", jit),
    ("jit_checked", jit_checked),
];
