//! `bpf-offload run PROG [--engine E] [--mem HEX | --packet HEX | --pcap FILE] [--json]`.
//!
//! With a `.data` file the expected `-- result` is checked (exit 1 on a mismatch); with
//! `--engine all` every available engine runs and any disagreement exits 1. When
//! `PROG.maps.sh` (written by `build -o PROG`) is beside the program, its map entries are
//! loaded first, for every engine.

use crate::engine::{self, Engine, EngineResult, RunOptions};
use crate::error::{CliError, CliResult};
use crate::input;
use crate::output::{hex, parse_hex, print};
use ir::interp::Input;
use std::path::{Path, PathBuf};

/// The resolved arguments of `run`.
pub struct RunArgs {
    pub prog: PathBuf,
    pub engine: Engine,
    pub mem: Option<String>,
    pub packet: Option<String>,
    pub pcap: Option<PathBuf>,
    pub repeat: u32,
    pub seed: Option<u64>,
    pub harden: bool,
    pub section: Option<String>,
    pub json: bool,
}

pub fn run(args: RunArgs) -> CliResult {
    let name = args.prog.display().to_string();
    let mut loaded = input::load_program(&args.prog, args.section.as_deref())?;
    // HASH set contents `build -o PROG` wrote beside the object (ELF cannot carry them).
    if let Some((path, n)) = crate::maps_sh::load_companion(&args.prog, &mut loaded.program)? {
        eprintln!("note: {n} map entries from {}", path.display());
    }
    let prog = &loaded.program;
    if prog.insns.is_empty() {
        return Err(CliError::bad_input(format!(
            "{name}: the program has no instructions"
        )));
    }
    let opts = RunOptions {
        conformance: loaded.case.is_some(),
        seed: args.seed,
        repeat: args.repeat.max(1),
        harden: args.harden,
    };
    let mut engines = engine::resolve(args.engine);
    let has_packet = args.packet.is_some() || args.pcap.is_some();
    if args.engine == Engine::All && !has_packet && engines.len() > 1 {
        engines.retain(|&e| e != Engine::Kernel);
        eprintln!(
            "note: engine kernel left out: it runs packet programs (give --packet or --pcap)"
        );
    }

    if let Some(pcap) = &args.pcap {
        return run_pcap(prog, pcap, &engines, &opts, args.json);
    }
    let input = if let Some(p) = &args.packet {
        Input::Packet(parse_hex("--packet", p)?)
    } else if let Some(m) = &args.mem {
        Input::Mem(parse_hex("--mem", m)?)
    } else if let Some(case) = &loaded.case {
        if case.mem.is_empty() {
            Input::None
        } else {
            Input::Mem(case.mem.clone())
        }
    } else {
        Input::None
    };
    let results = run_engines(prog, &input, &engines, &opts)?;
    let first = &results[0].1;
    report_one(&results, &input, args.json);
    check_agreement(&results, None)?;

    if let Some(case) = &loaded.case {
        if case.error.is_some() {
            return Err(CliError::rejected(format!(
                "{name}: expected the program to be rejected (`-- error`), but it ran and returned {:#x}",
                first.r0
            )));
        }
        match case.result {
            Some(want) if want != first.r0 => {
                return Err(CliError::rejected(format!(
                    "{name}: mismatch: `-- result` expects {want:#x}, the program returned {:#x}",
                    first.r0
                )));
            }
            None => {
                return Err(CliError::bad_input(format!(
                    "{name}: no `-- result` section to check against"
                )));
            }
            _ => {}
        }
    }
    Ok(())
}

/// Run every engine in `engines` on one input.
fn run_engines(
    prog: &ir::Program,
    input: &Input,
    engines: &[Engine],
    opts: &RunOptions,
) -> CliResult<Vec<(Engine, EngineResult)>> {
    engines
        .iter()
        .map(|&e| engine::run(e, prog, input, opts).map(|r| (e, r)))
        .collect()
}

fn check_agreement(results: &[(Engine, EngineResult)], index: Option<usize>) -> CliResult {
    let (e0, r0) = &results[0];
    for (e, r) in &results[1..] {
        if r != r0 {
            let at = index.map(|i| format!("packet {i}: ")).unwrap_or_default();
            return Err(CliError::rejected(format!(
                "{at}engines disagree: {} gives {}, {} gives {}",
                e0.name(),
                describe(r0),
                e.name(),
                describe(r)
            )));
        }
    }
    Ok(())
}

fn describe(r: &EngineResult) -> String {
    let mut s = format!("r0={:#x}", r.r0);
    if let Some(a) = &r.action {
        s.push_str(&format!(" action={a}"));
    }
    if let Some(p) = &r.packet_out {
        if p.len() > 64 {
            s.push_str(&format!(" packet={}... ({} bytes)", hex(&p[..64]), p.len()));
        } else {
            s.push_str(&format!(" packet={}", hex(p)));
        }
    }
    s
}

fn report_one(results: &[(Engine, EngineResult)], input: &Input, json: bool) {
    let in_packet = match input {
        Input::Packet(p) => Some(p.as_slice()),
        _ => None,
    };
    if json {
        let mut s = String::new();
        for (e, r) in results {
            s.push_str(&json_result(e, r, None, in_packet).to_string());
            s.push('\n');
        }
        print(&s);
        return;
    }
    if results.len() > 1 {
        let mut s = String::from("engine   r0                  action    ns/run    packet_out\n");
        for (e, r) in results {
            s.push_str(&format!(
                "{:<8} {:<19} {:<9} {:<9} {}\n",
                e.name(),
                format!("{:#x}", r.r0),
                r.action.as_deref().unwrap_or("-"),
                r.ns_per_run
                    .map(|n| format!("{n:.1}"))
                    .unwrap_or_else(|| "-".into()),
                r.packet_out
                    .as_deref()
                    .map(|p| if Some(p) == in_packet {
                        "(unchanged)".to_string()
                    } else {
                        hex(p)
                    })
                    .unwrap_or_else(|| "-".into())
            ));
        }
        print(&s);
        return;
    }
    let r = &results[0].1;
    if let Some(ns) = r.ns_per_run {
        eprintln!("time: {ns:.1} ns per run ({})", results[0].0.name());
    }
    match (&r.action, in_packet) {
        (Some(a), Some(inp)) => {
            let mut s = format!("r0: {:#x}\naction: {a}\n", r.r0);
            if let Some(p) = &r.packet_out {
                if p.as_slice() != inp {
                    s.push_str(&format!("packet_out: {}\n", hex(p)));
                }
            }
            print(&s);
        }
        _ => print(&format!("{:#x}\n", r.r0)),
    }
}

fn json_result(
    e: &Engine,
    r: &EngineResult,
    index: Option<usize>,
    in_packet: Option<&[u8]>,
) -> serde_json::Value {
    let mut v = serde_json::json!({
        "engine": e.name(),
        "r0": format!("{:#x}", r.r0),
    });
    if let Some(i) = index {
        v["index"] = i.into();
    }
    if let Some(ns) = r.ns_per_run {
        v["ns_per_run"] = ns.into();
    }
    if let Some(a) = &r.action {
        v["action"] = a.clone().into();
    }
    if let Some(p) = &r.packet_out {
        if Some(p.as_slice()) != in_packet {
            v["packet_out"] = hex(p).into();
        }
    }
    v
}

fn run_pcap(
    prog: &ir::Program,
    path: &Path,
    engines: &[Engine],
    opts: &RunOptions,
    json: bool,
) -> CliResult {
    let packets = crate::pcap::read_packets(path)?;
    let mut out = String::new();
    let mut mismatch = None;
    for (i, pkt) in packets.into_iter().enumerate() {
        let index = i + 1;
        let input = Input::Packet(pkt.clone());
        let results = run_engines(prog, &input, engines, opts)?;
        if let Err(e) = check_agreement(&results, Some(index)) {
            mismatch.get_or_insert(e);
        }
        let r = &results[0].1;
        if json {
            let mut v = json_result(&results[0].0, r, Some(index), Some(&pkt));
            if results.len() > 1 {
                v.as_object_mut().map(|o| o.remove("engine"));
                v["engines"] = results
                    .iter()
                    .map(|(e, _)| e.name())
                    .collect::<Vec<_>>()
                    .into();
            }
            out.push_str(&v.to_string());
            out.push('\n');
        } else {
            out.push_str(&format!(
                "{index} {} {:#x}\n",
                r.action.as_deref().unwrap_or("-"),
                r.r0
            ));
        }
    }
    print(&out);
    match mismatch {
        Some(e) => Err(e),
        None => Ok(()),
    }
}
