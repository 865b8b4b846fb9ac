//! Property: for random rule sets (several rules, a user chain, counters, small and hash-map
//! sets, wide fields, arithmetic) and random packets, the compiled program run by the `ir`
//! interpreter returns the verdict of `RuleSet::eval` and leaves the hit counters eval counts.

mod common;

use common::random::random_ruleset;
use common::Rng;
use frontend::lower::{lower, Hook, LowerOptions};
use frontend::ruleset::*;
use ir::codegen::CodegenProfile;
use ir::interp::{run, Input};
use ir::runtime::Runtime;
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(160))]
    #[test]
    fn compiled_rulesets_agree_with_eval(seed in any::<u64>()) {
        let mut r = Rng::new(seed);
        let packets: Vec<Vec<u8>> = (0..40)
            .map(|_| common::packet(&mut r))
            .filter(|p| p.len() >= 14)
            .collect();
        let sample = packets.first().cloned().unwrap_or_default();
        let rs = random_ruleset(&mut r, &sample);
        let hook = if r.chance(50) { Hook::Xdp } else { Hook::Tc };
        let counters = r.chance(50);
        let opts = LowerOptions { hook, counters, set_map_threshold: 8, hash_maps: true, merge_runs: true, codegen: if r.chance(30) { CodegenProfile { has_mod: false, bound_quotients: true, bound_byte_swaps: true, tc_pass_code: 0 } } else { CodegenProfile::HOST } };
        let lowered = lower(&rs, &opts).map_err(|e| TestCaseError::fail(e.to_string()))?;
        // Set maps carry their contents: the runtime loads them.
        let mut rt = Runtime::new(&lowered.program);
        let mut hits = vec![0u64; rs.rule_count()];
        for p in &packets {
            let v = rs.eval(p);
            for h in &v.hits {
                hits[*h] += 1;
            }
            let out = run(&lowered.program, &mut rt, &Input::Packet(p.clone()), 1_000_000)
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            let want = match (hook, v.action) {
                (_, Action::Tx) if hook == Hook::Tc => 7, // TC_ACT_REDIRECT from bpf_redirect
                (h, a) => h.code(a).unwrap_or(0) as u64,
            };
            if hook == Hook::Tc && v.action == Action::Tx {
                continue; // the redirect helper's return value is the runtime's business
            }
            if out.r0 != want {
                // Narrow down to the first rule condition that disagrees.
                for c in &rs.chains {
                    for rule in &c.rules {
                        let one = RuleSet::single_chain("t", vec![Rule { cond: rule.cond.clone(), action: Action::Drop, origin: RuleOrigin::default() }], Action::Pass);
                        let mut one = one;
                        one.sets = rs.sets.clone();
                        let l1 = lower(&one, &LowerOptions { hook, ..LowerOptions::default() }).map_err(|e| TestCaseError::fail(e.to_string()))?;
                        let mut rt1 = Runtime::new(&l1.program);
                        let o1 = run(&l1.program, &mut rt1, &Input::Packet(p.clone()), 1_000_000).map_err(|e| TestCaseError::fail(e.to_string()))?;
                        let w1 = hook.code(one.eval(p).action).unwrap_or(0) as u64;
                        prop_assert_eq!(o1.r0, w1, "cond {:#?}\npacket {:02x?}", rule.cond, p);
                    }
                }
            }
            prop_assert_eq!(out.r0, want, "packet {:02x?}\nruleset {:#?}", p, rs);
        }
        if !counters {
            return Ok(());
        }
        let map = lowered.counter_map.expect("counters on");
        for (i, want) in hits.iter().enumerate() {
            let key = (i as u32).to_le_bytes();
            let got = rt.map_lookup(map, &key).ok().flatten()
                .map(|v| u64::from_le_bytes(v[..8].try_into().unwrap_or([0; 8])))
                .unwrap_or(0);
            prop_assert_eq!(got, *want, "counter of rule {}", i);
        }
    }
}
