//! Shared by the kernel tests of compiled rule sets (`frontend_kernel.rs`,
//! `frontend_syntaxes_kernel.rs`): lower a `RuleSet`, load it in the kernel verifier, test-run
//! it on packets and compare every verdict with `RuleSet::eval`.

use frontend::lower::{lower, Hook, LowerOptions};
use frontend::ruleset::RuleSet;

/// What one rule set gave in the kernel: mismatches with the evaluator (at most
/// `max_reports`, each naming the packet), and how many packets the kernel refused to test-run.
pub struct KernelCheck {
    pub mismatches: Vec<String>,
    pub refused: usize,
}

/// Lower `rs` for `hook`, load it in the kernel and run it on `packets`.
pub fn check_in_kernel(
    rs: &RuleSet,
    hook: Hook,
    packets: &[Vec<u8>],
    label: &str,
    max_reports: usize,
) -> KernelCheck {
    use bpf_offload::kernel::{run_many_in_kernel, verify_in_kernel};
    let fail = |m: String| KernelCheck {
        mismatches: vec![m],
        refused: 0,
    };
    let opts = LowerOptions {
        hook,
        ..LowerOptions::default()
    };
    let lowered = match lower(rs, &opts) {
        Ok(l) => l,
        Err(e) => return fail(format!("{label}: lowering failed: {e}")),
    };
    if let Err(e) = verify_in_kernel(&lowered.program) {
        return fail(format!("{label} {hook:?}: the kernel rejects it: {e}"));
    }
    let outs = match run_many_in_kernel(&lowered.program, packets, 1) {
        Ok(o) => o,
        Err(e) => return fail(format!("{label} {hook:?}: load failed: {e}")),
    };
    let mut mismatches = Vec::new();
    for (i, (p, out)) in packets.iter().zip(&outs).enumerate() {
        // A frame the kernel refuses to test-run is counted in `refused`, not compared.
        let Ok(out) = out else {
            continue;
        };
        let want = rs.eval(p).action;
        let code = hook.code(want).map(|c| c as u64);
        if Some(out.r0) != code {
            mismatches.push(format!(
                "{label} {hook:?}: packet {i}: eval {want} ({code:?}), kernel r0={}: {:02x?}",
                out.r0,
                &p[..p.len().min(64)]
            ));
            if mismatches.len() >= max_reports {
                break;
            }
        }
    }
    KernelCheck {
        mismatches,
        refused: outs.iter().filter(|o| o.is_err()).count(),
    }
}
