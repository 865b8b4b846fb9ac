//! The Linux kernel as the oracle for the iptables, nft, flower and ethtool frontends (root,
//! `--features kernel`): every rule of their test lists, compiled, loads in the kernel
//! verifier, and BPF_PROG_TEST_RUN gives `RuleSet::eval`'s verdict on every packet.

#![cfg_attr(not(feature = "kernel"), allow(unused_imports, dead_code))]

#[path = "../frontend/tests/rules_common/mod.rs"]
mod rules_common;

use frontend::lower::Hook;
use frontend::ruleset::RuleSet;

fn packets() -> Vec<Vec<u8>> {
    let mut v = rules_common::packets_v4(101, 120);
    v.extend(rules_common::packets_v6(102, 60));
    v.extend(rules_common::odd_packets());
    v
}

/// Every rule set to run: (label, rule set).
fn rule_sets() -> Vec<(String, RuleSet)> {
    use rules_common::lists::*;
    let mut out = Vec::new();
    for m in iptables_v4() {
        let l = format!("-A INPUT {m} -j DROP");
        if let Ok(p) = frontend::iptables::parse(&l) {
            out.push((l, p.ruleset));
        }
    }
    for m in iptables_v6() {
        let l = format!("ip6tables -A INPUT {m} -j DROP");
        if let Ok(p) = frontend::iptables::parse(&l) {
            out.push((l, p.ruleset));
        }
    }
    for r in nft_netdev() {
        let l = format!("add rule netdev t input {r} drop");
        let l = match r.find(" comment ") {
            Some(c) => format!("add rule netdev t input {} drop{}", &r[..c], &r[c..]),
            None => l,
        };
        if let Ok(p) = frontend::nft::parse(&l) {
            out.push((l, p.ruleset));
        }
    }
    for f in flower_filters() {
        let l = format!("tc filter add dev eth0 ingress {f} action drop");
        if let Ok(p) = frontend::flower::parse(&l) {
            out.push((l, p.ruleset));
        }
    }
    for r in ethtool_rules() {
        let l = format!("ethtool -N eth0 {r} action -1");
        if let Ok(p) = frontend::ethtool::parse(&l) {
            out.push((l, p.ruleset));
        }
    }
    out
}

#[cfg(feature = "kernel")]
#[path = "support/kernel_rules.rs"]
#[allow(dead_code)] // `refused` is judged by frontend_kernel.rs only
mod kernel_rules;

#[cfg(feature = "kernel")]
fn check_in_kernel(rs: &RuleSet, hook: Hook, packets: &[Vec<u8>], label: &str) -> Vec<String> {
    kernel_rules::check_in_kernel(rs, hook, packets, label, 1).mismatches
}

#[test]
fn syntaxes_agree_in_the_kernel() {
    #[cfg(not(feature = "kernel"))]
    testkit::oracle::skip(
        "syntaxes_agree_in_the_kernel",
        "built without --features kernel",
    );
    #[cfg(feature = "kernel")]
    {
        if let Some(why) = bpf_offload::kernel::unavailable_reason() {
            testkit::oracle::skip("syntaxes_agree_in_the_kernel", format_args!("{why}"));
            return;
        }
        let packets = packets();
        let sets = rule_sets();
        let mut failures = Vec::new();
        for (n, (label, rs)) in sets.iter().enumerate() {
            let hook = if n % 2 == 0 { Hook::Xdp } else { Hook::Tc };
            failures.extend(check_in_kernel(rs, hook, &packets, label));
        }
        println!(
            "{} programs loaded and run in the kernel on {} packets each",
            sets.len(),
            packets.len()
        );
        assert!(sets.len() >= 600, "only {} rule sets", sets.len());
        assert!(
            failures.is_empty(),
            "{} failures:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }
}
