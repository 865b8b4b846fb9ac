//! Compiled programs against the reference evaluator: every pcap expression of the oracle list,
//! lowered for XDP and TC, run by the `ir` interpreter on the packet corpus, must give the
//! verdict `RuleSet::eval` gives.

mod common;

use common::exprs::expressions;
use frontend::lower::{lower, Hook, LowerOptions};
use frontend::pcap;
use frontend::ruleset::{Action, RuleSet};
use ir::interp::{run, Input};
use ir::runtime::Runtime;

/// Run a lowered rule set on one packet; the verdict's return code.
fn run_once(
    lowered: &frontend::lower::Lowered,
    rt: &mut Runtime,
    pkt: &[u8],
) -> Result<u64, String> {
    run(&lowered.program, rt, &Input::Packet(pkt.to_vec()), 100_000)
        .map(|o| o.r0)
        .map_err(|e| e.to_string())
}

fn fresh_runtime(lowered: &frontend::lower::Lowered) -> Runtime {
    // Set maps carry their contents (`MapDef::initial_entries`): the runtime loads them.
    Runtime::new(&lowered.program)
}

fn check(rs: &RuleSet, hook: Hook, packets: &[Vec<u8>], label: &str) -> Vec<String> {
    let opts = LowerOptions {
        hook,
        ..LowerOptions::default()
    };
    let lowered = match lower(rs, &opts) {
        Ok(l) => l,
        Err(e) => return vec![format!("{label}: lowering failed: {e}")],
    };
    let mut rt = fresh_runtime(&lowered);
    let mut bad = Vec::new();
    for (i, p) in packets.iter().enumerate() {
        let want = rs.eval(p).action;
        let code = hook.code(want).map(|c| c as u64);
        match run_once(&lowered, &mut rt, p) {
            Ok(r0) if Some(r0) == code => {}
            Ok(r0) => bad.push(format!(
                "{label} {hook:?}: packet {i} ({} bytes): eval {want} ({code:?}), program r0={r0}: {:02x?}",
                p.len(),
                &p[..p.len().min(64)]
            )),
            Err(e) => bad.push(format!("{label} {hook:?}: packet {i}: run failed: {e}")),
        }
        if bad.len() > 2 {
            break;
        }
    }
    bad
}

#[test]
fn compiled_pcap_filters_agree_with_eval() {
    // The kernel (and the interpreter) refuse test runs on frames shorter than an Ethernet header.
    let packets: Vec<Vec<u8>> = common::corpus(7, 700)
        .into_iter()
        .chain(common::captures())
        .filter(|p| p.len() >= 14)
        .collect();
    let mut failures = Vec::new();
    let exprs = expressions();
    for (n, e) in exprs.iter().enumerate() {
        let Ok(rs) = pcap::compile(e, Action::Drop, Action::Pass) else {
            continue;
        };
        failures.extend(check(&rs, Hook::Xdp, &packets, e));
        if n % 4 == 0 {
            failures.extend(check(&rs, Hook::Tc, &packets, e));
        }
    }
    println!("{} expressions x {} packets", exprs.len(), packets.len());
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn canonical_example_size() {
    let rs = pcap::compile("ip and tcp dst port 80", Action::Drop, Action::Pass).expect("parse");
    let l = lower(&rs, &LowerOptions::default()).expect("lower");
    println!(
        "canonical example: {} slots, {} maps",
        l.program.insns.len(),
        l.program.maps.len()
    );
    // 70 slots before jump threading/inversion and dominating-test elimination, 32 after.
    assert!(
        l.program.insns.len() <= 32,
        "{} slots",
        l.program.insns.len()
    );
    assert!(!l.program.source_map.is_empty());
}

#[test]
fn blocklists_become_one_hash_lookup_and_agree_with_eval() {
    let packets: Vec<Vec<u8>> = common::corpus(8, 400)
        .into_iter()
        .chain(common::captures())
        .filter(|p| p.len() >= 14)
        .collect();
    let mut sizes = Vec::new();
    for n in [3usize, 100, 10_000] {
        let rs = common::blocklist(n);
        for hook in [Hook::Xdp, Hook::Tc] {
            let bad = check(&rs, hook, &packets, &format!("blocklist {n}"));
            assert!(bad.is_empty(), "{}", bad.join("\n"));
        }
        let l = lower(&rs, &LowerOptions::default()).expect("lower");
        let hash: Vec<_> = l
            .program
            .maps
            .iter()
            .filter(|m| m.map_type == ir::MapType::Hash)
            .collect();
        if n > 8 {
            assert_eq!(hash.len(), 1, "{n} rules");
            assert_eq!(hash[0].initial_entries.len(), n);
        }
        sizes.push((n, l.program.insns.len()));
    }
    println!("blocklist program sizes (rules, slots): {sizes:?}");
    // Past the set threshold the program does not grow with the list.
    assert_eq!(sizes[1].1, sizes[2].1);
}

/// The documented pcap-filter forms (`tests/doc_corpus/pcap.txt`), lowered, agree with
/// `RuleSet::eval` on the corpus plus MPLS, PPPoE and 802.3/LLC frames.
#[test]
fn documented_pcap_forms_agree_with_eval() {
    let mut packets: Vec<Vec<u8>> = common::corpus(17, 300)
        .into_iter()
        .filter(|p| p.len() >= 14)
        .collect();
    for d in [
        "eth/type=0x8847 hex=00005140450000280001000040060000c0a800010a000001",
        "eth/type=0x8847 hex=00005040000071404500002800010000401100000a0000010a000002",
        "eth/type=0x8864 hex=1100000500220021450000280001000040060000c0a800010a000001",
        "eth/type=0x8864 hex=11000005002200576000000000000640",
        "eth/type=0x0030 hex=fefe0381000000000000",
        "eth/type=0x0030 hex=42420300000000",
        "eth/type=0x0030 hex=ffff000000000000",
        "eth/type=0x0030 hex=aaaa0300000008000000",
    ] {
        packets.push(testkit::packet::build(d).expect("packet"));
    }
    let mut failures = Vec::new();
    for line in include_str!("doc_corpus/pcap.txt").lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') || line.starts_with("refused: ") {
            continue;
        }
        let Ok(rs) = pcap::compile(line, Action::Drop, Action::Pass) else {
            continue;
        };
        failures.extend(check(&rs, Hook::Xdp, &packets, line));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
