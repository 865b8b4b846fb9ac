//! `bpf-offload run PROG [--engine E] [--mem HEX | --packet HEX | --pcap FILE] [--maps M]
//! [--counters] [--json]`.
//!
//! Each engine prepares the program once (see [`crate::engine`]) and runs every input on that
//! session. With a `.data` file the expected `-- result` is checked (exit 1 on a mismatch);
//! with `--engine all` every available engine runs and any disagreement exits 1. When
//! `PROG.maps.sh` (written by `build -o PROG`) is beside the program, its map entries are
//! loaded first, for every engine.
//!
//! A capture (`--pcap`) prints one row per packet as it goes. A packet an engine cannot run
//! (a runt, a frame the kernel's test run refuses, a helper the engine lacks) is named in its
//! row with the reason and the capture goes on; the exit status says whether the engines agreed
//! on every packet each of them could run, and (with more than one engine) on the final map
//! contents. Results that differ by nature (the clock, random numbers, uninitialised stack)
//! are named in the row, not counted.

use crate::engine::{
    self, Engine, EngineResult, MapsMode, Nature, PrepareOptions, Refusal, Session,
};
use crate::error::{CliError, CliResult};
use crate::input;
use crate::output::{hex, parse_hex, print};
use ir::interp::Input;
use ir::MapType;
use std::path::PathBuf;

/// The resolved arguments of `run`.
pub struct RunArgs {
    pub prog: PathBuf,
    pub engine: String,
    pub mem: Option<String>,
    pub packet: Option<String>,
    pub pcap: Option<PathBuf>,
    pub repeat: u32,
    pub seed: Option<u64>,
    pub harden: bool,
    pub riscv_ext: jit::riscv64::Extensions,
    pub section: Option<String>,
    pub maps: MapsMode,
    pub counters: bool,
    pub json: bool,
}

/// The name of the hit-counter map `build --counters` adds.
const COUNTER_MAP: &str = "rule_hits";

/// One engine's session over the run.
struct Prepared {
    engine: &'static dyn Engine,
    session: Box<dyn Session>,
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
    if args.counters {
        if args.maps == MapsMode::Fresh {
            return Err(CliError::bad_input(
                "--counters adds up hits over a capture: use it with --maps shared",
            ));
        }
        if !prog.maps.iter().any(|m| m.name == COUNTER_MAP) {
            return Err(CliError::bad_input(format!(
                "{name}: no `{COUNTER_MAP}` map: build the program with `build --counters`"
            )));
        }
    }
    let conformance = loaded.case.is_some();
    let opts = PrepareOptions {
        conformance,
        seed: args.seed,
        harden: args.harden,
        maps: args.maps,
        riscv_ext: args.riscv_ext,
    };
    let mut engines = engine::resolve(&args.engine)?;
    let has_packet = args.packet.is_some() || args.pcap.is_some();
    if args.engine == "all" && !has_packet && !conformance && engines.len() > 1 {
        engines.retain(|e| {
            if e.packets_only() {
                eprintln!(
                    "note: engine {} left out: it runs packet programs (give --packet or --pcap)",
                    e.name()
                );
            }
            !e.packets_only()
        });
    }
    if args.engine == "all" && conformance {
        engines.retain(|e| e.takes_conformance());
    }
    let mut sessions = Vec::new();
    for e in engines {
        sessions.push(Prepared {
            engine: e,
            session: e.prepare(prog, &opts)?,
        });
    }

    let sessions_len = sessions.len();
    if let Some(pcap) = &args.pcap {
        let packets = crate::pcap::read_packets(pcap)?;
        let result = run_capture(prog, &mut sessions, packets, conformance, args.json);
        report_counts(&sessions);
        result?;
        if args.counters {
            report_counters(&mut sessions, args.json)?;
        }
        return Ok(());
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
    // One engine: a refusal is the answer (exit 2 for input it cannot take, else 1). Several:
    // an engine that cannot run the input is named and the others are compared.
    let mut results = Vec::new();
    let mut first_refusal = None;
    for s in &mut sessions {
        let timed = s.session.run(&input).and_then(|mut r| {
            if args.repeat > 1 {
                r.ns_per_run = Some(s.session.time(&input, args.repeat)?);
            }
            Ok(r)
        });
        match timed {
            Ok(r) => results.push((s.engine, r)),
            Err(refusal) => {
                if sessions_len > 1 {
                    eprintln!("note: {} not run: {}", s.engine.name(), refusal.reason);
                }
                first_refusal.get_or_insert((s.engine, refusal));
            }
        }
    }
    if results.is_empty() || (sessions_len == 1 && first_refusal.is_some()) {
        if let Some((e, refusal)) = first_refusal {
            return Err(refusal.into_error(e.name()));
        }
    }
    let first = results[0].1.clone();
    report_one(&results, &input, args.json);
    check_agreement(prog, &results, conformance)?;
    if sessions.len() > 1 {
        compare_maps(prog, &mut sessions, conformance)?;
    }
    if args.counters {
        report_counters(&mut sessions, args.json)?;
    }

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

/// Single run: every engine must agree with the first, except where the program makes them
/// differ by nature (then a note says why).
fn check_agreement(
    prog: &ir::Program,
    results: &[(&'static dyn Engine, EngineResult)],
    conformance: bool,
) -> CliResult {
    let (e0, r0) = &results[0];
    let mut nature: Option<Nature> = None;
    for (e, r) in &results[1..] {
        if r.agrees_with(r0) {
            continue;
        }
        let n = nature.get_or_insert_with(|| Nature::of(prog, conformance));
        if let Some(why) = n.between(*e0, *e) {
            eprintln!(
                "note: {} gives {}, {} gives {}: they differ by nature: {why}",
                e0.name(),
                describe(r0),
                e.name(),
                describe(r)
            );
            continue;
        }
        return Err(CliError::rejected(format!(
            "engines disagree: {} gives {}, {} gives {}",
            e0.name(),
            describe(r0),
            e.name(),
            describe(r)
        )));
    }
    Ok(())
}

fn describe(r: &EngineResult) -> String {
    describe_vs(r, None)
}

/// r0, action and the packet after the run (left out when it is `input` unchanged).
fn describe_vs(r: &EngineResult, input: Option<&[u8]>) -> String {
    let mut s = format!("r0={:#x}", r.r0);
    if let Some(a) = &r.action {
        s.push_str(&format!(" action={a}"));
    }
    if let Some(p) = r
        .packet_out
        .as_ref()
        .filter(|p| Some(p.as_slice()) != input)
    {
        if p.len() > 64 {
            s.push_str(&format!(" packet={}... ({} bytes)", hex(&p[..64]), p.len()));
        } else {
            s.push_str(&format!(" packet={}", hex(p)));
        }
    }
    s
}

fn report_one(results: &[(&'static dyn Engine, EngineResult)], input: &Input, json: bool) {
    let in_packet = match input {
        Input::Packet(p) => Some(p.as_slice()),
        _ => None,
    };
    if json {
        let mut s = String::new();
        for (e, r) in results {
            let mut v = result_json(r, in_packet);
            v["engine"] = e.name().into();
            s.push_str(&v.to_string());
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

/// r0, action, timing and (when changed) the packet of one result.
fn result_json(r: &EngineResult, in_packet: Option<&[u8]>) -> serde_json::Value {
    let mut v = serde_json::json!({ "r0": format!("{:#x}", r.r0) });
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

/// What the engines did with one packet.
struct Row {
    /// The engine whose result the row shows, and that result (`None`: no engine ran it).
    shown: Option<(&'static dyn Engine, EngineResult)>,
    /// Engines that gave the shown result too.
    agree: Vec<&'static dyn Engine>,
    /// Engines that could not run it, with the reason.
    not_run: Vec<(&'static dyn Engine, Refusal)>,
    /// Engines that gave another result, by nature (with why).
    by_nature: Vec<(&'static dyn Engine, EngineResult, String)>,
    /// Engines that gave another result.
    disagree: Vec<(&'static dyn Engine, EngineResult)>,
}

/// Run every packet on every session, printing a row per packet as it is done.
fn run_capture(
    prog: &ir::Program,
    sessions: &mut [Prepared],
    packets: Vec<Vec<u8>>,
    conformance: bool,
    json: bool,
) -> CliResult {
    let mut nature: Option<Nature> = None;
    let mut disagreements = 0usize;
    let mut first_disagreement = None;
    let mut not_run = vec![0usize; sessions.len()];
    let mut named = 0usize;
    for (i, pkt) in packets.into_iter().enumerate() {
        let index = i + 1;
        let input = Input::Packet(pkt);
        let mut row = Row {
            shown: None,
            agree: Vec::new(),
            not_run: Vec::new(),
            by_nature: Vec::new(),
            disagree: Vec::new(),
        };
        for (k, s) in sessions.iter_mut().enumerate() {
            match s.session.run(&input) {
                Err(refusal) => {
                    not_run[k] += 1;
                    row.not_run.push((s.engine, refusal));
                }
                Ok(r) => match &row.shown {
                    None => row.shown = Some((s.engine, r)),
                    Some((e0, r0)) if !r.agrees_with(r0) => {
                        let n = nature.get_or_insert_with(|| Nature::of(prog, conformance));
                        match n.between(*e0, s.engine) {
                            Some(why) => row.by_nature.push((s.engine, r, why)),
                            None => row.disagree.push((s.engine, r)),
                        }
                    }
                    Some(_) => row.agree.push(s.engine),
                },
            }
        }
        let Input::Packet(pkt) = &input else {
            continue;
        };
        if !row.by_nature.is_empty() {
            named += 1;
        }
        if !row.disagree.is_empty() {
            disagreements += 1;
            if first_disagreement.is_none() {
                if let (Some((e0, r0)), Some((e, r))) = (&row.shown, row.disagree.first()) {
                    first_disagreement = Some(format!(
                        "packet {index}: {} gives {}, {} gives {}",
                        e0.name(),
                        describe(r0),
                        e.name(),
                        describe(r)
                    ));
                }
            }
        }
        let line = if json {
            row_json(&row, index, pkt, sessions.len()).to_string()
        } else {
            row_text(&row, index, pkt)
        };
        print(&format!("{line}\n"));
    }
    for (k, s) in sessions.iter().enumerate() {
        if not_run[k] > 0 {
            eprintln!(
                "note: {} could not run {} packet(s) (reasons in their rows)",
                s.engine.name(),
                not_run[k]
            );
        }
    }
    if named > 0 {
        eprintln!(
            "note: {named} packet(s) gave results that differ by nature (named in their rows)"
        );
    }
    if sessions.len() > 1 {
        compare_maps(prog, sessions, conformance)?;
    }
    match first_disagreement {
        Some(first) => Err(CliError::rejected(format!(
            "engines disagree on {disagreements} packet(s); the first: {first}"
        ))),
        None => Ok(()),
    }
}

fn row_text(row: &Row, index: usize, pkt: &[u8]) -> String {
    let mut s = match &row.shown {
        Some((_, r)) => format!("{index} {} {:#x}", r.action.as_deref().unwrap_or("-"), r.r0),
        None => format!("{index} - -"),
    };
    for (e, r) in &row.disagree {
        s.push_str(&format!(
            " [DISAGREE {}: {}]",
            e.name(),
            describe_vs(r, Some(pkt))
        ));
    }
    for (e, r, why) in &row.by_nature {
        s.push_str(&format!(
            " [{} differs by nature: {}: {why}]",
            e.name(),
            describe_vs(r, Some(pkt))
        ));
    }
    for (e, refusal) in &row.not_run {
        s.push_str(&format!(" [{} not run: {}]", e.name(), refusal.reason));
    }
    s
}

fn row_json(row: &Row, index: usize, pkt: &[u8], engines: usize) -> serde_json::Value {
    let mut v = match &row.shown {
        Some((e, r)) => {
            let mut v = result_json(r, Some(pkt));
            if engines == 1 {
                v["engine"] = e.name().into();
            }
            v
        }
        None => serde_json::json!({ "r0": null }),
    };
    v["index"] = index.into();
    if engines > 1 {
        let mut ran: Vec<&str> = row.shown.iter().map(|(e, _)| e.name()).collect();
        let others = row
            .agree
            .iter()
            .copied()
            .chain(row.disagree.iter().map(|(e, _)| *e))
            .chain(row.by_nature.iter().map(|(e, _, _)| *e));
        ran.extend(others.map(|e| e.name()));
        v["engines"] = ran.into();
    }
    if !row.not_run.is_empty() {
        v["not_run"] = row
            .not_run
            .iter()
            .map(|(e, r)| {
                (
                    e.name().to_string(),
                    serde_json::Value::from(r.reason.clone()),
                )
            })
            .collect::<serde_json::Map<_, _>>()
            .into();
    }
    if !row.disagree.is_empty() {
        v["disagree"] = row
            .disagree
            .iter()
            .map(|(e, r)| (e.name().to_string(), result_json(r, Some(pkt))))
            .collect::<serde_json::Map<_, _>>()
            .into();
    }
    if !row.by_nature.is_empty() {
        v["differs_by_nature"] = row
            .by_nature
            .iter()
            .map(|(e, r, why)| {
                let mut o = result_json(r, Some(pkt));
                o["why"] = why.clone().into();
                (e.name().to_string(), o)
            })
            .collect::<serde_json::Map<_, _>>()
            .into();
    }
    v
}

/// Each session's work, on stderr: a capture costs one verification, compilation and load.
fn report_counts(sessions: &[Prepared]) {
    for s in sessions {
        let c = s.session.counts();
        eprintln!(
            "note: session {}: verified {}, compiled {}, loaded {}, runs {}",
            s.engine.name(),
            c.verified,
            c.compiled,
            c.loaded,
            c.runs
        );
    }
}

/// With more than one engine: every map both engines can read back must hold the same
/// contents at the end (one set of maps per engine).
fn compare_maps(prog: &ir::Program, sessions: &mut [Prepared], conformance: bool) -> CliResult {
    let mut nature: Option<Nature> = None;
    let Some((first, rest)) = sessions.split_first_mut() else {
        return Ok(());
    };
    let reference = match first.session.maps() {
        Ok(m) => m,
        Err(why) => {
            eprintln!("note: maps of {} not compared: {why}", first.engine.name());
            return Ok(());
        }
    };
    for s in rest {
        let theirs = match s.session.maps() {
            Ok(m) => m,
            Err(why) => {
                eprintln!("note: maps of {} not compared: {why}", s.engine.name());
                continue;
            }
        };
        for (name, contents) in &theirs {
            let comparable = prog
                .maps
                .iter()
                .any(|m| &m.name == name && matches!(m.map_type, MapType::Hash | MapType::Array));
            let Some((_, want)) = reference.iter().find(|(n, _)| n == name) else {
                continue;
            };
            if !comparable {
                continue;
            }
            let (mut want, mut contents) = (want.clone(), contents.clone());
            want.sort();
            contents.sort();
            if want != contents {
                let diff = want
                    .iter()
                    .zip(contents.iter())
                    .find(|(a, b)| a != b)
                    .map(|((k, a), (_, b))| format!("key {}: {} vs {}", hex(k), hex(a), hex(b)))
                    .unwrap_or_else(|| format!("{} vs {} entries", want.len(), contents.len()));
                let n = nature.get_or_insert_with(|| Nature::of(prog, conformance));
                if let Some(why) = n.between(first.engine, s.engine) {
                    eprintln!(
                        "note: the final contents of map `{name}` differ between {} and {} by nature ({diff}): {why}",
                        first.engine.name(),
                        s.engine.name()
                    );
                    continue;
                }
                return Err(CliError::rejected(format!(
                    "engines disagree on the final contents of map `{name}`: {} and {} differ ({diff})",
                    first.engine.name(),
                    s.engine.name()
                )));
            }
        }
    }
    Ok(())
}

/// `--counters`: the per-rule hit counts the `rule_hits` map holds now (rule numbers are
/// 1-based, as `build` reports them).
fn report_counters(sessions: &mut [Prepared], json: bool) -> CliResult {
    let Some(s) = sessions.first_mut() else {
        return Ok(());
    };
    let maps = s
        .session
        .maps()
        .map_err(|why| CliError::bad_input(format!("{}: maps: {why}", s.engine.name())))?;
    let Some((_, entries)) = maps.iter().find(|(n, _)| n == COUNTER_MAP) else {
        return Err(CliError::bad_input(format!(
            "{}: the `{COUNTER_MAP}` map cannot be read back",
            s.engine.name()
        )));
    };
    let mut counts = vec![0u64; entries.len()];
    for (k, v) in entries {
        let mut kb = [0u8; 4];
        let mut vb = [0u8; 8];
        kb[..k.len().min(4)].copy_from_slice(&k[..k.len().min(4)]);
        vb[..v.len().min(8)].copy_from_slice(&v[..v.len().min(8)]);
        if let Some(slot) = counts.get_mut(u32::from_le_bytes(kb) as usize) {
            *slot = u64::from_le_bytes(vb);
        }
    }
    if json {
        print(&format!(
            "{}\n",
            serde_json::json!({ "engine": s.engine.name(), "counters": counts })
        ));
    } else {
        let mut text = String::new();
        for (i, n) in counts.iter().enumerate() {
            text.push_str(&format!("rule {}: {n} hits\n", i + 1));
        }
        print(&text);
    }
    Ok(())
}
