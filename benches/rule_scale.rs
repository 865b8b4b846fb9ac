//! Rule sets of 10, 1,000 and 10,000 rules in the Linux kernel (root, `--features kernel`):
//! compile time (`RuleSet` -> program), our verifier's time, the kernel verifier's time (load
//! and map contents included) to accept it, and the
//! per-packet cost measured by BPF_PROG_TEST_RUN with `repeat` (the kernel's own average).
//! Exact-match blocklists merge into one HASH set, and runs of port ranges into one binary
//! search over disjoint intervals, so both costs should stay nearly flat (goal: at most 2x from
//! 10 to 10,000 rules). Prints a table; run with `cargo bench --features kernel --bench
//! rule_scale`.

use bpf_offload::kernel::{run_many_in_kernel, unavailable_reason, verify_in_kernel};
use frontend::lower::{lower, LowerOptions};
use frontend::ruleset::*;
use std::time::Instant;

const REPEAT: u32 = 200_000;

fn eq(field: Field, k: u128) -> Cond {
    Cond::test(
        Test::Field {
            field,
            mask: None,
            cmp: Cmp::Eq(k),
        },
        Span::default(),
    )
}

fn rule(cond: Cond) -> Rule {
    Rule {
        cond,
        action: Action::Drop,
        origin: RuleOrigin::default(),
    }
}

/// `n` rules `ip src 10.200.x.y -> drop`.
fn blocklist(n: usize) -> RuleSet {
    let rules = (0..n)
        .map(|i| {
            rule(Cond::All(vec![
                eq(Field::new(Base::Frame, 12, 2), 0x0800),
                eq(
                    Field::new(Base::Net { tags: 0 }, 12, 4),
                    0x0ac8_0000 + i as u128,
                ),
            ]))
        })
        .collect();
    RuleSet::single_chain("bench", rules, Action::Pass)
}

/// `n` rules `tcp dst port in [6 i + 100, 6 i + 103] -> drop` (all within 16 bits up to
/// n = 10,900).
fn port_ranges(n: usize) -> RuleSet {
    let rules = (0..n)
        .map(|i| {
            rule(Cond::All(vec![
                eq(Field::new(Base::Frame, 12, 2), 0x0800),
                eq(Field::new(Base::Net { tags: 0 }, 9, 1), 6),
                Cond::test(
                    Test::Field {
                        field: Field::new(Base::Ipv4Payload { tags: 0 }, 2, 2),
                        mask: None,
                        cmp: Cmp::Range(6 * i as u128 + 100, 6 * i as u128 + 103),
                    },
                    Span::default(),
                ),
            ]))
        })
        .collect();
    RuleSet::single_chain("bench", rules, Action::Pass)
}

/// The same ranges with alternating actions (drop, pass, ...): nothing merges, so the cost
/// grows linearly (shown for contrast); the shared `ip and tcp` test is done once.
fn mixed_ranges(n: usize) -> RuleSet {
    let mut rs = port_ranges(n);
    for (i, r) in rs.chains[0].rules.iter_mut().enumerate() {
        if i % 2 == 1 {
            r.action = Action::Pass;
        }
    }
    rs.default = Action::Drop;
    rs
}

/// An IPv4 TCP SYN from `src` to port `dport`.
fn packet(src: [u8; 4], dport: u16) -> Vec<u8> {
    let mut p = vec![0u8; 54];
    p[12] = 0x08;
    p[14] = 0x45;
    p[16..18].copy_from_slice(&40u16.to_be_bytes());
    p[22] = 64;
    p[23] = 6;
    p[26..30].copy_from_slice(&src);
    p[30..34].copy_from_slice(&[10, 9, 0, 2]);
    p[34..36].copy_from_slice(&40000u16.to_be_bytes());
    p[36..38].copy_from_slice(&dport.to_be_bytes());
    p[46] = 0x50;
    p[47] = 0x02;
    p
}

fn main() {
    if let Some(why) = unavailable_reason() {
        println!("SKIP rule_scale: {why}");
        return;
    }
    println!(
        "{:<12} {:>6} {:>7} {:>5} {:>11} {:>11} {:>11} {:>9} {:>9}",
        "rules", "n", "slots", "maps", "compile", "our verify", "kernel", "hit ns", "miss ns"
    );
    for (kind, make) in [
        ("blocklist", blocklist as fn(usize) -> RuleSet),
        ("port_ranges", port_ranges),
        ("mixed_ranges", mixed_ranges),
    ] {
        for n in [10usize, 1_000, 10_000] {
            let rs = make(n);
            let t = Instant::now();
            let lowered = match lower(&rs, &LowerOptions::default()) {
                Ok(l) => l,
                Err(e) => {
                    println!("{kind:<12} {n:>6} lowering failed: {e}");
                    continue;
                }
            };
            let compile = t.elapsed();
            let t = Instant::now();
            let ours = offload::verify(
                &lowered.program,
                &offload::Capabilities::kernel(),
                &offload::Options::default(),
            );
            let ours_time = t.elapsed();
            if let Err(e) = ours {
                println!("{kind:<12} {n:>6} our verifier rejects it: {e}");
                continue;
            }
            let t = Instant::now();
            let verified = verify_in_kernel(&lowered.program);
            let verify = t.elapsed();
            if let Err(e) = verified {
                println!("{kind:<12} {n:>6} the kernel rejects it: {}", e.message);
                continue;
            }
            // A packet the last rule matches, and one no rule matches.
            let hit = match kind {
                "blocklist" => packet((0x0ac8_0000u32 + n as u32 - 1).to_be_bytes(), 80),
                _ => packet([1, 2, 3, 4], (6 * (n - 1) + 101) as u16),
            };
            let miss = packet([1, 2, 3, 4], 1);
            let outs = run_many_in_kernel(&lowered.program, &[hit, miss], REPEAT);
            let ns = |i: usize| -> String {
                match &outs {
                    Ok(o) => match o.get(i) {
                        Some(Ok(r)) => format!("{}", r.duration_ns),
                        _ => "-".into(),
                    },
                    Err(_) => "-".into(),
                }
            };
            println!(
                "{kind:<12} {n:>6} {:>7} {:>5} {:>9.2}ms {:>9.2}ms {:>9.2}ms {:>9} {:>9}",
                lowered.program.insns.len(),
                lowered.program.maps.len(),
                compile.as_secs_f64() * 1e3,
                ours_time.as_secs_f64() * 1e3,
                verify.as_secs_f64() * 1e3,
                ns(0),
                ns(1)
            );
        }
    }
}
