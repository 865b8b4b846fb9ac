//! `build --target nfp` over the canonical pcap oracle expressions: every compiled program is
//! checked as `check --target nfp` checks it (the `nfp_model` profile's capabilities and
//! `offload::verify`), with the code the compiler emits for the NFP
//! (the NFP profile's [`ir::codegen::CodegenProfile`]), and run by the interpreter on a packet corpus against
//! `RuleSet::eval`. The only reasons left must be genuine limits of the NFP, listed in
//! [`GENUINE_NFP_LIMITS`]; nothing our code generation could avoid (such as an unbounded
//! dividend after a byte swap) may remain.

#[path = "../frontend/tests/common/mod.rs"]
mod common;

use frontend::lower::{lower, Hook, LowerOptions};
use frontend::ruleset::Action;
use ir::codegen::CodegenProfile;
use ir::interp::{run, Input};
use ir::runtime::Runtime;
use std::collections::BTreeMap;

/// Reasons no code generation can avoid (from `../shared/reference/nfp-offload.md`): the
/// code, and the pcap operator every expression refused for it must use.
const GENUINE_NFP_LIMITS: &[(&str, &str)] = &[
    // BPF_MOD is not in the NFP's instruction set ("instruction %#02x not supported"); a
    // remainder by a constant is compiled as `x - x / k * k`, by a packet value it cannot be.
    ("nfp.insn.unsupported", "% ip["),
    // The NFP divides by reciprocal multiplication: the divisor must be a known constant
    // ("divisor is not constant"), so no division by a packet value.
    ("nfp.alu.div_not_const", "/ ip["),
];

/// Arithmetic on 2- and 4-byte loads (byte-swapped values), beside the canonical set.
const SWAPPED_ARITHMETIC: &[&str] = &[
    "ip[2:2] / 3 > 100",
    "ip[2:2] * 3 > 100",
    "ip[2:2] * ip[6:2] > 100",
    "tcp[4:4] / 7 = 1",
    "udp[4:2] / 2 > 10 and ip[2:2] * 2 < 3000",
    "ip[ip[0] & 0xf:2] / 5 = 3",
    "ip[2:2] % 7 = 3",
    "tcp[4:4] % 1000 > 10",
    "ip[8] % 3 * 2 = 0",
];

fn nfp_caps() -> offload::Capabilities {
    nfp_model::Profile::default().capabilities()
}

/// The error codes our verifier gives `expr` compiled for `target`, under the NFP profile.
fn nfp_reasons(expr: &str, codegen: CodegenProfile) -> Vec<&'static str> {
    let rs = frontend::pcap::compile(expr, Action::Drop, Action::Pass).expect("parses");
    let opts = LowerOptions {
        codegen,
        ..LowerOptions::default()
    };
    let lowered = lower(&rs, &opts).expect("compiles");
    match offload::verify(&lowered.program, &nfp_caps(), &offload::Options::default()) {
        Ok(_) => Vec::new(),
        Err(rej) => rej
            .rejections
            .iter()
            .filter(|r| r.severity == offload::Severity::Error)
            .map(|r| r.code)
            .collect(),
    }
}

#[test]
fn arithmetic_on_swapped_values_is_bounded_for_the_nfp() {
    for e in SWAPPED_ARITHMETIC {
        assert_eq!(
            nfp_reasons(e, nfp_caps().codegen),
            Vec::<&str>::new(),
            "{e}"
        );
    }
    // The host's code needs no extra bounds for these any more: a 16- or 32-bit byte swap
    // zero-extends, and the verifier knows it as the kernel's does (Linux 6.18 prunes
    // `if be16(x) > 0xffff` as never taken), so the NFP's u32 range checks pass on it too.
    // The host's code may still use what the NFP lacks (MOD): only ranges are asserted.
    for e in SWAPPED_ARITHMETIC {
        let host = nfp_reasons(e, CodegenProfile::HOST);
        assert!(
            !host.iter().any(|r| r.ends_with("_range")),
            "host code for {e}: {host:?}"
        );
    }
}

#[test]
fn nfp_builds_of_the_pcap_expressions_fail_only_for_genuine_nfp_limits() {
    let caps = nfp_caps();
    let opts = LowerOptions {
        hook: Hook::Xdp,
        codegen: caps.codegen,
        ..LowerOptions::default()
    };
    let mut accepted = 0;
    let mut refused: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
    let mut avoidable = Vec::new();
    let mut wrong = Vec::new();
    let packets: Vec<Vec<u8>> = common::corpus(7, 200)
        .into_iter()
        .filter(|p| p.len() >= 14)
        .collect();
    let exprs = common::exprs::expressions()
        .into_iter()
        .chain(SWAPPED_ARITHMETIC.iter().map(|e| e.to_string()));
    for e in exprs {
        let Ok(rs) = frontend::pcap::compile(&e, Action::Drop, Action::Pass) else {
            continue;
        };
        let lowered = match lower(&rs, &opts) {
            Ok(l) => l,
            Err(err) => {
                avoidable.push(format!("{e}: lowering failed: {err}"));
                continue;
            }
        };
        match offload::verify(&lowered.program, &caps, &offload::Options::default()) {
            Ok(_) => {
                accepted += 1;
                // The NFP's code means what the rules mean.
                let mut rt = Runtime::new(&lowered.program);
                for p in &packets {
                    let want = Hook::Xdp.code(rs.eval(p).action).map(|c| c as u64);
                    let got = run(
                        &lowered.program,
                        &mut rt,
                        &Input::Packet(p.clone()),
                        1 << 20,
                    )
                    .map(|o| o.r0)
                    .ok();
                    if got != want {
                        wrong.push(format!(
                            "{e}: eval {want:?}, interpreter {got:?} on {p:02x?}"
                        ));
                        break;
                    }
                }
            }
            Err(rej) => {
                for r in &rej.rejections {
                    if r.severity != offload::Severity::Error {
                        continue;
                    }
                    if GENUINE_NFP_LIMITS.iter().any(|(c, _)| *c == r.code) {
                        refused.entry(r.code).or_default().push(e.clone());
                    } else {
                        avoidable.push(format!("{e}: [{}] {}", r.code, r.message));
                    }
                }
            }
        }
    }
    println!("accepted for the NFP: {accepted}");
    for (code, exprs) in &refused {
        println!("refused, {code}: {} expressions: {exprs:?}", exprs.len());
        let op = GENUINE_NFP_LIMITS
            .iter()
            .find(|(c, _)| c == code)
            .map_or("", |(_, op)| *op);
        for e in exprs {
            assert!(e.contains(op), "{e}: refused for {code} without using {op}");
        }
    }
    assert!(accepted > 0);
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert!(
        avoidable.is_empty(),
        "{} reasons are not genuine NFP limits:\n{}",
        avoidable.len(),
        avoidable.join("\n")
    );
}
