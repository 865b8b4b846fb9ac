//! Compile time of rule sets: blocklists of 10, 1,000 and 10,000 exact-address rules (merged
//! into one HASH set) and of 1,000 distinct port-range rules (nothing to merge), from `RuleSet`
//! to `ir::Program`. Goal: under 1 s for 10,000 rules (verification is measured by the root
//! crate's `rule_scale` bench, in the kernel).
//!
//! `pcap_chain`: one pcap filter of N `tcp port P` terms joined by `and`/`or`, parsed, lowered
//! and checked by our verifier, for N = 1,000 and 5,000. Goal: 5,000 terms in under 1 s, time
//! and memory linear in N (the instructions once shared the rule text by copy: 2,000 terms
//! took 5.4 GB).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use frontend::lower::{lower, LowerOptions};
use frontend::ruleset::*;

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

/// `n` rules `ip src 10.200.x.y -> drop`.
fn blocklist(n: usize) -> RuleSet {
    let rules = (0..n)
        .map(|i| Rule {
            cond: Cond::All(vec![
                eq(Field::new(Base::Frame, 12, 2), 0x0800),
                eq(
                    Field::new(Base::Net { tags: 0 }, 12, 4),
                    0x0ac8_0000 + i as u128,
                ),
            ]),
            action: Action::Drop,
            origin: RuleOrigin::default(),
        })
        .collect();
    RuleSet::single_chain("bench", rules, Action::Pass)
}

/// `n` rules `tcp dst port in [10 i, 10 i + 5] -> drop` (ranges do not merge).
fn port_ranges(n: usize) -> RuleSet {
    let rules = (0..n)
        .map(|i| Rule {
            cond: Cond::All(vec![
                eq(Field::new(Base::Frame, 12, 2), 0x0800),
                eq(Field::new(Base::Net { tags: 0 }, 9, 1), 6),
                Cond::test(
                    Test::Field {
                        field: Field::new(Base::Ipv4Payload { tags: 0 }, 2, 2),
                        mask: None,
                        cmp: Cmp::Range(10 * i as u128, 10 * i as u128 + 5),
                    },
                    Span::default(),
                ),
            ]),
            action: Action::Drop,
            origin: RuleOrigin::default(),
        })
        .collect();
    RuleSet::single_chain("bench", rules, Action::Pass)
}

fn compile(c: &mut Criterion) {
    let mut g = c.benchmark_group("lower");
    g.sample_size(10);
    for n in [10usize, 1_000, 10_000] {
        let rs = blocklist(n);
        g.bench_with_input(BenchmarkId::new("blocklist", n), &rs, |b, rs| {
            b.iter(|| lower(rs, &LowerOptions::default()).map(|l| l.program.insns.len()))
        });
    }
    let rs = port_ranges(1_000);
    g.bench_with_input(BenchmarkId::new("port_ranges", 1_000), &rs, |b, rs| {
        b.iter(|| lower(rs, &LowerOptions::default()).map(|l| l.program.insns.len()))
    });
    g.finish();
}

/// `tcp port 1 and tcp port 2 or tcp port 3 ...`: `n` terms, alternating `and` and `or`.
fn pcap_chain(n: usize) -> String {
    let mut s = String::new();
    for i in 0..n {
        if i > 0 {
            s.push_str(if i % 2 == 1 { " and " } else { " or " });
        }
        s.push_str(&format!("tcp port {}", i + 1));
    }
    s
}

fn pcap(c: &mut Criterion) {
    let mut g = c.benchmark_group("pcap_chain");
    g.sample_size(10);
    for n in [1_000usize, 5_000] {
        let text = pcap_chain(n);
        g.bench_with_input(
            BenchmarkId::new("parse_lower_verify", n),
            &text,
            |b, text| {
                b.iter(|| {
                    let rs = frontend::pcap::compile(text, Action::Drop, Action::Pass).unwrap();
                    let l = lower(&rs, &LowerOptions::default()).unwrap();
                    let caps = offload::Capabilities::kernel();
                    offload::verify(&l.program, &caps, &offload::Options::default())
                        .map(|v| v.stats().processed)
                        .unwrap()
                })
            },
        );
    }
    g.finish();
}

criterion_group!(benches, compile, pcap);
criterion_main!(benches);
