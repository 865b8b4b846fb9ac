//! The C output against the bytecode: for a sample of the oracle expressions (both hooks) and for
//! rule sets with hit counters and HASH sets, Debian's clang compiles the C (`-target bpf`), our
//! ELF reader reads the object back, and the interpreter running it gives the verdicts (and hit
//! counts) the directly emitted bytecode gives, on the corpus and the real captures. SKIP
//! without clang.

mod common;

use common::exprs::expressions;
use frontend::c::to_c_with;
use frontend::lower::{lower, Hook, LowerOptions};
use frontend::pcap;
use frontend::ruleset::{Action, RuleSet};
use ir::interp::{run, Input};
use ir::runtime::Runtime;
use ir::Program;
use std::path::Path;
use std::process::Command;

fn clang_available() -> bool {
    Command::new("clang")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Compile C with clang and read the object back: the program, its maps' contents copied from
/// the bytecode's maps of the same name (the loader's job, as `bpftool map update` would).
fn compile_c(src: &str, dir: &Path, name: &str, bytecode: &Program) -> Result<Program, String> {
    let c = dir.join(format!("{name}.c"));
    let o = dir.join(format!("{name}.o"));
    std::fs::write(&c, src).map_err(|e| e.to_string())?;
    let out = Command::new("clang")
        .args([
            "-O2",
            "-g",
            "-target",
            "bpf",
            "-c",
            "-Wno-unused-label",
            "-o",
        ])
        .arg(&o)
        .arg(&c)
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    let bytes = std::fs::read(&o).map_err(|e| e.to_string())?;
    let obj = ir::elf::read_object(&bytes).map_err(|e| e.to_string())?;
    let mut prog = obj
        .programs
        .into_iter()
        .next()
        .ok_or("no program in the object")?;
    for m in &mut prog.maps {
        if let Some(b) = bytecode.maps.iter().find(|b| b.name == m.name) {
            if (b.key_size, b.value_size) != (m.key_size, m.value_size) {
                return Err(format!("map {} differs: {b:?} vs {m:?}", m.name));
            }
            m.initial_entries = b.initial_entries.clone();
        }
    }
    Ok(prog)
}

/// Run both programs on every packet (one runtime each, so counters accumulate); report the
/// first disagreements of r0 and, at the end, of the maps' contents.
fn agree(c: &Program, bytecode: &Program, packets: &[Vec<u8>], label: &str) -> Vec<String> {
    let (mut rc, mut rb) = (Runtime::new(c), Runtime::new(bytecode));
    let mut bad = Vec::new();
    for (i, p) in packets.iter().enumerate() {
        let input = Input::Packet(p.clone());
        let a = run(c, &mut rc, &input, 1_000_000).map(|o| o.r0);
        let b = run(bytecode, &mut rb, &input, 1_000_000).map(|o| o.r0);
        match (a, b) {
            (Ok(a), Ok(b)) if a == b => {}
            (a, b) => bad.push(format!(
                "{label}: packet {i}: C {a:?}, bytecode {b:?}: {:02x?}",
                &p[..p.len().min(48)]
            )),
        }
        if bad.len() > 2 {
            return bad;
        }
    }
    if let Some(i) = rb.map_index("rule_hits") {
        let j = rc.map_index("rule_hits");
        if j.map(|j| rc.map_dump(j)) != Some(rb.map_dump(i)) {
            bad.push(format!("{label}: hit counters differ"));
        }
    }
    bad
}

fn packets() -> Vec<Vec<u8>> {
    common::corpus(9, 400)
        .into_iter()
        .chain(common::captures())
        .filter(|p| p.len() >= 14)
        .collect()
}

#[test]
fn clang_compiled_c_agrees_with_the_bytecode_on_pcap_filters() {
    if !clang_available() {
        testkit::oracle::skip(
            "clang_compiled_c_agrees_with_the_bytecode_on_pcap_filters",
            "clang not installed",
        );
        return;
    }
    let dir = common::scratch("c");
    let packets = packets();
    let mut failures = Vec::new();
    let mut compiled = 0;
    for (n, e) in expressions().iter().enumerate().step_by(7) {
        let Ok(rs) = pcap::compile(e, Action::Drop, Action::Pass) else {
            continue;
        };
        let hook = if n % 2 == 0 { Hook::Xdp } else { Hook::Tc };
        let opts = LowerOptions {
            hook,
            ..LowerOptions::default()
        };
        let bytecode = lower(&rs, &opts).expect("lower").program;
        match compile_c(&to_c_with(&rs, &opts), &dir, &format!("f{n}"), &bytecode) {
            Ok(c) => failures.extend(agree(&c, &bytecode, &packets, e)),
            Err(err) => failures.push(format!("{e:?}: {err}")),
        }
        compiled += 1;
    }
    let _ = std::fs::remove_dir_all(&dir);
    println!(
        "{compiled} C programs compiled and run on {} packets",
        packets.len()
    );
    assert!(compiled >= 90);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Rule sets with counters and HASH sets: a blocklist (merged into one set) with and without
/// counters, and pcap filters with `--counters`.
#[test]
fn clang_compiled_c_has_the_same_counters_and_hash_sets() {
    if !clang_available() {
        testkit::oracle::skip(
            "clang_compiled_c_has_the_same_counters_and_hash_sets",
            "clang not installed",
        );
        return;
    }
    let dir = common::scratch("c-maps");
    let packets = packets();
    let mut cases: Vec<(String, RuleSet, bool)> = vec![
        ("blocklist 500".into(), common::blocklist(500), false),
        ("blocklist 20 counted".into(), common::blocklist(20), true),
    ];
    for e in ["tcp dst port 80", "icmp or arp", "vlan and udp"] {
        let rs = pcap::compile(e, Action::Count, Action::Pass).expect("parse");
        cases.push((format!("{e} (count)"), rs, false));
    }
    let mut failures = Vec::new();
    for (i, (label, rs, counters)) in cases.iter().enumerate() {
        for hook in [Hook::Xdp, Hook::Tc] {
            let opts = LowerOptions {
                hook,
                counters: *counters,
                ..LowerOptions::default()
            };
            let bytecode = lower(rs, &opts).expect("lower").program;
            let src = to_c_with(rs, &opts);
            match compile_c(&src, &dir, &format!("m{i}{hook:?}"), &bytecode) {
                Ok(c) => {
                    let mut names: Vec<_> = c.maps.iter().map(|m| m.name.clone()).collect();
                    let mut want: Vec<_> = bytecode.maps.iter().map(|m| m.name.clone()).collect();
                    names.sort();
                    want.sort();
                    if names != want {
                        failures.push(format!("{label}: maps {names:?}, bytecode {want:?}"));
                    }
                    failures.extend(agree(&c, &bytecode, &packets, label));
                }
                Err(err) => failures.push(format!("{label}: {err}")),
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
