//! Every program the frontend compiles passes our verifier (`offload`, host-kernel profile):
//! all pcap oracle expressions on both hooks, with and without hit counters; blocklists of up
//! to 10,000 rules; and (proptest) random rule sets. The kernel's verifier is checked on the
//! same programs by `frontend_kernel.rs` (root).

#[path = "../frontend/tests/common/mod.rs"]
mod common;

use frontend::lower::{lower, Hook, LowerOptions};
use frontend::ruleset::{Action, RuleSet};
use proptest::prelude::*;

fn ours(rs: &RuleSet, opts: &LowerOptions) -> Result<(), String> {
    let l = lower(rs, opts).map_err(|e| format!("lowering: {e}"))?;
    offload::verify(
        &l.program,
        &offload::Capabilities::kernel(),
        &offload::Options::default(),
    )
    .map(|_| ())
    .map_err(|e| e.to_string())
}

#[test]
fn every_compiled_pcap_filter_passes_our_verifier() {
    let mut failures = Vec::new();
    let mut n = 0;
    for (i, e) in common::exprs::expressions().iter().enumerate() {
        let Ok(rs) = frontend::pcap::compile(e, Action::Drop, Action::Pass) else {
            continue;
        };
        for hook in [Hook::Xdp, Hook::Tc] {
            let opts = LowerOptions {
                hook,
                counters: i % 2 == 0,
                ..LowerOptions::default()
            };
            if let Err(m) = ours(&rs, &opts) {
                failures.push(format!("{e:?} {hook:?}: {m}"));
            }
            n += 1;
        }
    }
    println!("{n} programs verified");
    assert!(n >= 600);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn blocklists_pass_our_verifier() {
    for n in [1usize, 9, 10_000] {
        for hook in [Hook::Xdp, Hook::Tc] {
            let opts = LowerOptions {
                hook,
                ..LowerOptions::default()
            };
            ours(&common::blocklist(n), &opts).unwrap();
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn random_rule_sets_pass_our_verifier(seed in any::<u64>()) {
        let mut r = common::Rng::new(seed);
        let sample = common::packet(&mut r);
        let rs = common::random::random_ruleset(&mut r, &sample);
        let opts = LowerOptions {
            hook: if r.chance(50) { Hook::Xdp } else { Hook::Tc },
            counters: r.chance(50),
            ..LowerOptions::default()
        };
        prop_assert!(ours(&rs, &opts).is_ok(), "{:?}\n{:#?}", ours(&rs, &opts), rs);
    }
}
