//! Results that differ between engines by nature, so that a capture names them instead of
//! counting them as disagreements: the clock (`bpf_ktime_get_ns` is real in the kernel,
//! simulated in `ir::runtime`), random numbers (`bpf_get_prandom_u32` is seeded in
//! `ir::runtime`, not in the kernel), and reads of uninitialised stack, which a privileged
//! program may make and whose value no two engines share.

use super::Engine;
use ir::insn::{CallTarget, Insn};
use ir::runtime::helper_id;
use ir::Program;

/// What in a program makes engines differ by nature.
#[derive(Debug, Clone, Default)]
pub struct Nature {
    /// Slots calling `bpf_ktime_get_ns`.
    pub clock: Vec<usize>,
    /// Slots calling `bpf_get_prandom_u32`.
    pub random: Vec<usize>,
    /// Slots reading stack bytes no path has written (our verifier, judging as for an
    /// unprivileged loader, which must refuse them).
    pub uninit_stack: Vec<usize>,
}

impl Nature {
    /// Look for each cause in `prog` (conformance programs use helper 5 as ubpf's unwind, not
    /// the clock).
    pub fn of(prog: &Program, conformance: bool) -> Nature {
        let calls = |id: i32| -> Vec<usize> {
            prog.insns
                .iter()
                .enumerate()
                .filter(|(_, i)| matches!(i, Insn::Call(CallTarget::Helper(h)) if *h == id))
                .map(|(pc, _)| pc)
                .collect()
        };
        let mut n = Nature {
            clock: if conformance {
                Vec::new()
            } else {
                calls(helper_id::KTIME_GET_NS)
            },
            random: calls(helper_id::GET_PRANDOM_U32),
            uninit_stack: Vec::new(),
        };
        if !conformance {
            let opts = offload::Options {
                unprivileged: true,
                ..Default::default()
            };
            if let Err(rej) = offload::verify(prog, &offload::Capabilities::kernel(), &opts) {
                n.uninit_stack = rej
                    .rejections
                    .iter()
                    .filter(|r| r.code == "unprivileged.stack.uninit_read")
                    .filter_map(|r| r.pc)
                    .collect();
            }
        }
        n
    }

    /// Why results of engines `a` and `b` may differ on this program, if they may.
    pub fn between(&self, a: &dyn Engine, b: &dyn Engine) -> Option<String> {
        let mut why = Vec::new();
        if a.runtime_helpers() != b.runtime_helpers() {
            if let Some(pc) = self.clock.first() {
                why.push(format!(
                    "bpf_ktime_get_ns at pc {pc} (the kernel's clock is real, ir::runtime's simulated)"
                ));
            }
            if let Some(pc) = self.random.first() {
                why.push(format!(
                    "bpf_get_prandom_u32 at pc {pc} (the kernel's generator takes no seed)"
                ));
            }
        }
        if let Some(pc) = self.uninit_stack.first() {
            why.push(format!("a read of uninitialised stack at pc {pc}"));
        }
        (!why.is_empty()).then(|| why.join("; "))
    }
}
