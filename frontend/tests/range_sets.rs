//! Runs of rules that differ only in one port (or other field) range merge into one union of
//! intervals, compiled as a binary search: the program run by the `ir` interpreter returns the
//! verdict of `RuleSet::eval` (of the original, unmerged rules) on random packets and on
//! packets at every interval's edges, and the work per packet grows with log n, not n.

mod common;

use common::Rng;
use frontend::lower::{lower, Hook, LowerOptions};
use frontend::ruleset::*;
use ir::interp::{run, Input};
use ir::runtime::Runtime;
use proptest::prelude::*;

fn test(field: Field, mask: Option<u128>, cmp: Cmp) -> Cond {
    Cond::test(Test::Field { field, mask, cmp }, Span::default())
}

/// `ip and tcp and dst port in [lo, hi]` (IPv4 over Ethernet, no tags).
fn dport_rule(cmp: Cmp, mask: Option<u128>, action: Action) -> Rule {
    Rule {
        cond: Cond::All(vec![
            test(Field::new(Base::Frame, 12, 2), None, Cmp::Eq(0x0800)),
            test(Field::new(Base::Net { tags: 0 }, 9, 1), None, Cmp::Eq(6)),
            test(Field::new(Base::Ipv4Payload { tags: 0 }, 2, 2), mask, cmp),
        ]),
        action,
        origin: RuleOrigin::default(),
    }
}

/// An IPv4 TCP frame to `dport` (IHL 5, or 6 with one option word).
fn tcp_to(dport: u16, ihl: u8) -> Vec<u8> {
    let mut p = vec![0u8; 14 + 4 * ihl as usize + 20];
    p[12] = 0x08;
    p[14] = 0x40 | ihl;
    p[23] = 6;
    let l4 = 14 + 4 * ihl as usize;
    p[l4 + 2..l4 + 4].copy_from_slice(&dport.to_be_bytes());
    p
}

/// `n` rules `tcp dst port in [step i + 100, step i + 100 + width] -> drop` (the kernel
/// benchmark's shape).
fn port_ranges(n: usize, step: u128, width: u128) -> RuleSet {
    let rules = (0..n)
        .map(|i| {
            let lo = step * i as u128 + 100;
            dport_rule(Cmp::Range(lo, lo + width), None, Action::Drop)
        })
        .collect();
    RuleSet::single_chain("t", rules, Action::Pass)
}

fn verdict(rs: &RuleSet, hook: Hook, p: &[u8]) -> u64 {
    hook.code(rs.eval(p).action).unwrap_or(0) as u64
}

/// Run the compiled `rs` on every packet; the steps of each run.
fn agree(rs: &RuleSet, hook: Hook, packets: &[Vec<u8>]) -> Result<Vec<u64>, TestCaseError> {
    let opts = LowerOptions {
        hook,
        ..LowerOptions::default()
    };
    let lowered = lower(rs, &opts).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let mut rt = Runtime::new(&lowered.program);
    let mut steps = Vec::new();
    for p in packets {
        let out = run(
            &lowered.program,
            &mut rt,
            &Input::Packet(p.clone()),
            10_000_000,
        )
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(out.r0, verdict(rs, hook, p), "packet {:02x?}", p);
        steps.push(out.steps);
    }
    Ok(steps)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn merged_range_runs_agree_with_eval(seed in any::<u64>()) {
        let mut r = Rng::new(seed);
        let hook = if r.chance(50) { Hook::Xdp } else { Hook::Tc };
        // (TC's tx is a redirect, whose return value is the runtime's business.)
        let actions: &[Action] = match hook {
            Hook::Xdp => &[Action::Drop, Action::Pass, Action::Tx],
            Hook::Tc => &[Action::Drop, Action::Pass],
        };
        // Runs of range (and some exact) rules, actions changing between runs, sometimes a mask.
        let mask = if r.chance(20) { Some(r.below(0x1_0000) as u128) } else { None };
        let mut rules = Vec::new();
        let mut edges = Vec::new();
        for _ in 0..1 + r.below(4) {
            let action = r.pick(actions);
            for _ in 0..r.below(40) {
                let lo = r.below(0x1_0000) as u128;
                let hi = if r.chance(15) { lo } else { lo + r.below(300) as u128 };
                let cmp = if lo == hi && r.chance(50) { Cmp::Eq(lo) } else { Cmp::Range(lo, hi) };
                edges.extend([lo.wrapping_sub(1), lo, hi, hi + 1]);
                rules.push(dport_rule(cmp, mask, action));
            }
        }
        let rs = RuleSet::single_chain("t", rules, Action::Pass);
        let mut packets: Vec<Vec<u8>> = edges
            .iter()
            .filter(|v| **v <= 0xffff)
            .map(|v| tcp_to(*v as u16, if r.chance(20) { 6 } else { 5 }))
            .collect();
        packets.extend((0..40).map(|_| tcp_to(r.below(0x1_0000) as u16, 5)));
        packets.extend((0..20).map(|_| common::packet(&mut r)).filter(|p| p.len() >= 14));
        // Truncated frames abort every rule alike.
        packets.push(tcp_to(0, 5)[..36].to_vec());
        agree(&rs, hook, &packets)?;
    }
}

#[test]
fn per_packet_work_grows_with_log_n() {
    let mut steps = Vec::new();
    for n in [10usize, 1_000, 10_000] {
        let rs = port_ranges(n, 6, 3);
        // Hit the last range (worst case of the old linear chain), a miss above everything.
        let last = 6 * (n as u16 - 1) + 100;
        let packets = vec![tcp_to(last + 1, 5), tcp_to(last + 10, 5), tcp_to(99, 5)];
        let s = agree(&rs, Hook::Xdp, &packets).unwrap_or_else(|e| panic!("n={n}: {e}"));
        steps.push((n, s.into_iter().max().unwrap_or(0)));
    }
    println!("worst-case interpreter steps per packet: {steps:?}");
    let (_, small) = steps[0];
    let (_, large) = steps[2];
    // log2(10,000) - log2(10) is about 10 more compares.
    assert!(
        large <= small + 20,
        "steps grow too fast from 10 to 10,000 range rules: {steps:?}"
    );
}

#[test]
fn merged_ranges_make_a_small_program() {
    let lowered = lower(&port_ranges(12_000, 4, 2), &LowerOptions::default()).expect("compiles");
    let slots = lowered.program.insns.len();
    // About three slots per interval (one inner compare, one leaf compare, one jump).
    assert!(slots < 40_000, "{slots} slots for 12,000 ranges");
    assert!(
        slots > 32_768,
        "the test of long jumps needs more than 32k slots: {slots}"
    );
    let long = lowered
        .program
        .insns
        .iter()
        .filter(|i| matches!(i, ir::Insn::Ja { long: true, .. }))
        .count();
    assert!(long > 0, "no gotol in a {slots}-slot program");
}
