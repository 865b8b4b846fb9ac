//! Programs longer than 32k slots in the Linux kernel (root, `--features kernel`): 12,000
//! port-range rules merge into one binary search of about 36,000 slots whose far jumps are
//! `gotol` (16-bit offsets do not reach); the kernel loads it and its verdicts equal
//! `RuleSet::eval` of the original rules at every interval's edges, for XDP and TC. And 5,000
//! range rules whose actions alternate (nothing merges): their shared `ip and tcp` prefix is
//! tested once, which keeps one pending branch per rule, under the kernel verifier's 8192.

// Without the kernel engine only the SKIP lines remain.
#![cfg_attr(not(feature = "kernel"), allow(unused_imports, dead_code))]

use frontend::lower::{lower, Hook, LowerOptions};
use frontend::ruleset::*;

fn test(field: Field, cmp: Cmp) -> Cond {
    Cond::test(
        Test::Field {
            field,
            mask: None,
            cmp,
        },
        Span::default(),
    )
}

/// `n` rules `tcp dst port in [4 i + 100, 4 i + 102] -> action(i)`.
fn port_ranges_with(n: usize, action: impl Fn(usize) -> Action) -> RuleSet {
    let rules = (0..n)
        .map(|i| {
            let lo = 4 * i as u128 + 100;
            Rule {
                cond: Cond::All(vec![
                    test(Field::new(Base::Frame, 12, 2), Cmp::Eq(0x0800)),
                    test(Field::new(Base::Net { tags: 0 }, 9, 1), Cmp::Eq(6)),
                    test(
                        Field::new(Base::Ipv4Payload { tags: 0 }, 2, 2),
                        Cmp::Range(lo, lo + 2),
                    ),
                ]),
                action: action(i),
                origin: RuleOrigin::default(),
            }
        })
        .collect();
    RuleSet::single_chain("long", rules, Action::Pass)
}

/// `n` rules `tcp dst port in [4 i + 100, 4 i + 102] -> drop`.
fn port_ranges(n: usize) -> RuleSet {
    port_ranges_with(n, |_| Action::Drop)
}

/// Load `rs` for `hook`, run it on a frame to each of `ports`, compare with `RuleSet::eval`.
#[cfg(feature = "kernel")]
fn agrees_in_kernel(rs: &RuleSet, hook: Hook, ports: &[u16]) -> ir::Program {
    use bpf_offload::kernel::{run_many_in_kernel, verify_in_kernel};
    let opts = LowerOptions {
        hook,
        ..LowerOptions::default()
    };
    let lowered = lower(rs, &opts).expect("compiles");
    let prog = lowered.program;
    offload::verify(
        &prog,
        &offload::Capabilities::kernel(),
        &offload::Options::default(),
    )
    .unwrap_or_else(|e| panic!("our verifier rejects it: {e:?}"));
    let stats = verify_in_kernel(&prog).unwrap_or_else(|e| panic!("{hook:?}: {e}"));
    println!(
        "{hook:?}: {} slots, kernel processed {:?} insns in {:?} us",
        prog.insns.len(),
        stats.processed_insns,
        stats.verification_time_us
    );
    let packets: Vec<Vec<u8>> = ports.iter().map(|p| tcp_to(*p)).collect();
    let outs = run_many_in_kernel(&prog, &packets, 1).expect("loads");
    for ((port, p), out) in ports.iter().zip(&packets).zip(outs) {
        let out = out.unwrap_or_else(|e| panic!("test run of port {port}: {e}"));
        let want = hook.code(rs.eval(p).action).map(|c| c as u64);
        assert_eq!(Some(out.r0), want, "{hook:?}: dst port {port}");
    }
    prog
}

/// Both edges of, and the ports around, intervals `idx` of the `4 i + 100` layout.
fn edge_ports(idx: impl Iterator<Item = usize>) -> Vec<u16> {
    let mut ports: Vec<u16> = vec![0, 1, 99, 65_535];
    for i in idx {
        let lo = 4 * i as u16 + 100;
        ports.extend([lo - 1, lo, lo + 1, lo + 2, lo + 3]);
    }
    ports
}

/// An IPv4 TCP frame to `dport`.
fn tcp_to(dport: u16) -> Vec<u8> {
    let mut p = vec![0u8; 54];
    p[12] = 0x08;
    p[14] = 0x45;
    p[16..18].copy_from_slice(&40u16.to_be_bytes());
    p[22] = 64;
    p[23] = 6;
    p[36..38].copy_from_slice(&dport.to_be_bytes());
    p
}

#[test]
fn a_program_beyond_32k_slots_loads_and_agrees() {
    #[cfg(not(feature = "kernel"))]
    testkit::oracle::skip(
        "a_program_beyond_32k_slots_loads_and_agrees",
        "built without --features kernel",
    );
    #[cfg(feature = "kernel")]
    {
        use bpf_offload::kernel::unavailable_reason;
        if let Some(why) = unavailable_reason() {
            testkit::oracle::skip(
                "a_program_beyond_32k_slots_loads_and_agrees",
                format_args!("{why}"),
            );
            return;
        }
        let n = 12_000;
        let rs = port_ranges(n);
        // Every edge of the first, middle and last few intervals, and misses around them.
        let ports = edge_ports((0..40).chain(n / 2 - 20..n / 2 + 20).chain(n - 40..n));
        for hook in [Hook::Xdp, Hook::Tc] {
            let prog = agrees_in_kernel(&rs, hook, &ports);
            let slots = prog.insns.len();
            assert!(slots > 32_768, "{slots} slots: not a long program");
            assert!(
                prog.insns
                    .iter()
                    .any(|i| matches!(i, ir::Insn::Ja { long: true, .. })),
                "no gotol in {slots} slots"
            );
        }
    }
}

#[test]
fn thousands_of_unmergeable_rules_load_and_agree() {
    #[cfg(not(feature = "kernel"))]
    testkit::oracle::skip(
        "thousands_of_unmergeable_rules_load_and_agree",
        "built without --features kernel",
    );
    #[cfg(feature = "kernel")]
    {
        if let Some(why) = bpf_offload::kernel::unavailable_reason() {
            testkit::oracle::skip(
                "thousands_of_unmergeable_rules_load_and_agree",
                format_args!("{why}"),
            );
            return;
        }
        let n = 5_000;
        let rs = port_ranges_with(n, |i| if i % 2 == 0 { Action::Drop } else { Action::Tx });
        let ports = edge_ports((0..20).chain(n / 2 - 10..n / 2 + 10).chain(n - 20..n));
        agrees_in_kernel(&rs, Hook::Xdp, &ports);
    }
}
