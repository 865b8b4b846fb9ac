//! The Linux kernel as the oracle for compiled rule sets (root, `--features kernel`): every
//! program the frontend compiles for the pcap oracle expressions loads in the kernel verifier,
//! and the kernel's verdicts (BPF_PROG_TEST_RUN) equal `RuleSet::eval` on the packet corpus and
//! the real captures. Rule sets with merged HASH sets are run too (their contents are loaded by
//! the kernel engine from `MapDef::initial_entries`).

// Without the kernel engine only the SKIP lines remain.
#![cfg_attr(not(feature = "kernel"), allow(unused_imports, dead_code))]

#[path = "../frontend/tests/common/mod.rs"]
mod common;

use frontend::lower::{lower, Hook, LowerOptions};
use frontend::ruleset::{Action, RuleSet};

/// The packets: the generated corpus (frames of at least an Ethernet header, which the kernel's
/// test run needs) and the real captures.
fn packets() -> Vec<Vec<u8>> {
    let mut v: Vec<Vec<u8>> = common::corpus(11, 500)
        .into_iter()
        .filter(|p| p.len() >= 14)
        .collect();
    v.extend(common::captures().into_iter().filter(|p| p.len() >= 14));
    v
}

#[cfg(feature = "kernel")]
#[path = "support/kernel_rules.rs"]
mod kernel_rules;

#[cfg(feature = "kernel")]
fn check_in_kernel(rs: &RuleSet, hook: Hook, packets: &[Vec<u8>], label: &str) -> Vec<String> {
    let check = kernel_rules::check_in_kernel(rs, hook, packets, label, 3);
    let mut bad = check.mismatches;
    if check.refused * 10 > packets.len() {
        bad.push(format!(
            "{label} {hook:?}: the kernel refused to test-run {} of {} packets",
            check.refused,
            packets.len()
        ));
    }
    bad
}

#[cfg(feature = "kernel")]
fn kernel_ready(test: &str) -> bool {
    match bpf_offload::kernel::unavailable_reason() {
        None => true,
        Some(why) => {
            testkit::oracle::skip(test, format_args!("{why}"));
            false
        }
    }
}

#[test]
fn compiled_pcap_filters_agree_in_the_kernel() {
    #[cfg(not(feature = "kernel"))]
    testkit::oracle::skip(
        "compiled_pcap_filters_agree_in_the_kernel",
        "built without --features kernel",
    );
    #[cfg(feature = "kernel")]
    {
        if !kernel_ready("compiled_pcap_filters_agree_in_the_kernel") {
            return;
        }
        let packets = packets();
        let exprs = common::exprs::expressions();
        let mut failures = Vec::new();
        let mut programs = 0;
        for (n, e) in exprs.iter().enumerate() {
            let Ok(rs) = frontend::pcap::compile(e, Action::Drop, Action::Pass) else {
                continue;
            };
            let hook = if n % 3 == 0 { Hook::Tc } else { Hook::Xdp };
            failures.extend(check_in_kernel(&rs, hook, &packets, e));
            programs += 1;
        }
        println!(
            "{programs} programs loaded and run in the kernel on {} packets each",
            packets.len()
        );
        assert!(programs >= 300, "only {programs} programs");
        assert!(
            failures.is_empty(),
            "{} failures:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }
}

#[test]
fn merged_blocklists_agree_in_the_kernel() {
    #[cfg(not(feature = "kernel"))]
    testkit::oracle::skip(
        "merged_blocklists_agree_in_the_kernel",
        "built without --features kernel",
    );
    #[cfg(feature = "kernel")]
    {
        if !kernel_ready("merged_blocklists_agree_in_the_kernel") {
            return;
        }
        let packets = packets();
        let mut failures = Vec::new();
        for n in [3usize, 100, 2000] {
            let rs = common::blocklist(n);
            for hook in [Hook::Xdp, Hook::Tc] {
                failures.extend(check_in_kernel(&rs, hook, &packets, &format!("{n} rules")));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
}

#[test]
fn random_rule_sets_load_and_agree_in_the_kernel() {
    #[cfg(not(feature = "kernel"))]
    testkit::oracle::skip(
        "random_rule_sets_load_and_agree_in_the_kernel",
        "built without --features kernel",
    );
    #[cfg(feature = "kernel")]
    {
        if !kernel_ready("random_rule_sets_load_and_agree_in_the_kernel") {
            return;
        }
        let packets = packets();
        let mut failures = Vec::new();
        for seed in 0..150u64 {
            let mut r = common::Rng::new(seed);
            let sample = common::packet(&mut r);
            let rs = common::random::random_ruleset(&mut r, &sample);
            // XDP: every action has a plain return code there (TC's tx is a helper call).
            failures.extend(check_in_kernel(
                &rs,
                Hook::Xdp,
                &packets,
                &format!("seed {seed}"),
            ));
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
}

/// clang's object for the C output, read back, with the bytecode's map contents (what the
/// companion `bpftool map update` script does on a real system).
#[cfg(feature = "kernel")]
fn clang_object(
    src: &str,
    dir: &std::path::Path,
    name: &str,
    bytecode: &ir::Program,
) -> Result<ir::Program, String> {
    let c = dir.join(format!("{name}.c"));
    let o = dir.join(format!("{name}.o"));
    std::fs::write(&c, src).map_err(|e| e.to_string())?;
    let out = std::process::Command::new("clang")
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
    let mut prog = obj.programs.into_iter().next().ok_or("no program")?;
    for m in &mut prog.maps {
        if let Some(b) = bytecode.maps.iter().find(|b| b.name == m.name) {
            m.initial_entries = b.initial_entries.clone();
        }
    }
    Ok(prog)
}

#[test]
fn clang_compiled_c_agrees_with_the_bytecode_in_the_kernel() {
    #[cfg(not(feature = "kernel"))]
    testkit::oracle::skip(
        "clang_compiled_c_agrees_with_the_bytecode_in_the_kernel",
        "built without --features kernel",
    );
    #[cfg(feature = "kernel")]
    {
        use bpf_offload::kernel::run_many_in_kernel;
        let test = "clang_compiled_c_agrees_with_the_bytecode_in_the_kernel";
        if !kernel_ready(test) {
            return;
        }
        if std::process::Command::new("clang")
            .arg("--version")
            .output()
            .is_err()
        {
            testkit::oracle::skip(test, "clang not installed");
            return;
        }
        let dir = common::scratch("kernel-c");
        let packets = packets();
        let mut cases: Vec<(String, RuleSet)> = common::exprs::expressions()
            .iter()
            .step_by(4)
            .filter_map(|e| {
                let rs = frontend::pcap::compile(e, Action::Drop, Action::Pass).ok()?;
                Some((e.clone(), rs))
            })
            .collect();
        cases.push(("blocklist 500".into(), common::blocklist(500)));
        let mut failures = Vec::new();
        for (i, (label, rs)) in cases.iter().enumerate() {
            let hook = if i % 2 == 0 { Hook::Xdp } else { Hook::Tc };
            let opts = LowerOptions {
                hook,
                ..LowerOptions::default()
            };
            let bytecode = match lower(rs, &opts) {
                Ok(l) => l.program,
                Err(e) => {
                    failures.push(format!("{label}: {e}"));
                    continue;
                }
            };
            let c = match clang_object(
                &frontend::c::to_c_with(rs, &opts),
                &dir,
                &format!("k{i}"),
                &bytecode,
            ) {
                Ok(c) => c,
                Err(e) => {
                    failures.push(format!("{label}: {e}"));
                    continue;
                }
            };
            let (a, b) = match (
                run_many_in_kernel(&c, &packets, 1),
                run_many_in_kernel(&bytecode, &packets, 1),
            ) {
                (Ok(a), Ok(b)) => (a, b),
                (a, b) => {
                    failures.push(format!(
                        "{label}: load failed: C {:?} / bytecode {:?}",
                        a.err(),
                        b.err()
                    ));
                    continue;
                }
            };
            for (k, (x, y)) in a.iter().zip(&b).enumerate() {
                if let (Ok(x), Ok(y)) = (x, y) {
                    if x.r0 != y.r0 {
                        failures.push(format!(
                            "{label} {hook:?}: packet {k}: C r0={} bytecode r0={}",
                            x.r0, y.r0
                        ));
                        break;
                    }
                }
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
        println!(
            "{} C objects and their bytecode run in the kernel",
            cases.len()
        );
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
}
