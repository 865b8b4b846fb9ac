//! Targets: what a program may use where it will run — program types, context layout, helpers,
//! map types and limits — plus the hooks an offload target uses to add its own assertions.
//!
//! The verifier never names a backend. A target hands a [`Capabilities`] in; an offload profile
//! (the NFP one, for instance) starts from [`Capabilities::kernel`], narrows the data, and plugs a
//! [`TargetRules`] that adds [`TargetAssertion`]s per instruction. Those are evaluated on every
//! explored path with what the verifier knows there; when one fails the violation is recorded
//! and exploration goes on, so every reason is reported, not just the first.

use crate::assertions::TargetAssertion;
use crate::helpers::{self, HelperProto};
use crate::report::Rejection;
use ir::{Insn, MapType, ProgType, Program};
use std::fmt;
use std::sync::Arc;

pub use ir::codegen::CodegenProfile;
pub use ir::ctx::{CtxField, CtxLayout, CtxLoad};

/// Limits of a target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Stack bytes per program (all frames combined).
    pub max_stack: u32,
    /// Call frames.
    pub max_frames: u32,
    /// Instruction-processing budget of the exploration.
    pub max_processed: u64,
    /// Program length (slots) for privileged loaders.
    pub max_insns: usize,
    /// Program length (slots) for unprivileged loaders.
    pub max_insns_unprivileged: usize,
}

/// Extra rules an offload target adds to the kernel's (implemented by e.g. the NFP profile).
pub trait TargetRules: Send + Sync {
    /// Assertions that must hold before instruction `pc` (pushed onto `out`).
    fn extra_assertions(
        &self,
        prog: &Program,
        pc: usize,
        insn: &Insn,
        out: &mut Vec<TargetAssertion>,
    );
    /// Reasons that do not depend on a path (map types and sizes, program size, ...).
    fn program_violations(&self, _prog: &Program) -> Vec<Rejection> {
        Vec::new()
    }
    /// Reasons found from the facts of a finished exploration (e.g. a memory instruction that
    /// sees two pointer kinds on different paths).
    fn facts_violations(&self, _prog: &Program, _facts: &[crate::InsnFacts]) -> Vec<Rejection> {
        Vec::new()
    }
    /// Reasons found from everything exploration learnt: facts, stack depth per function and
    /// what the target's [`crate::target_eval::Probe`]s recorded (e.g. one map value word used
    /// both by plain reads and by atomic adds, or a call chain whose frames overflow the stack).
    fn finish(&self, _prog: &Program, _summary: &Summary<'_>) -> Vec<Rejection> {
        Vec::new()
    }
}

/// What a finished exploration knows, for [`TargetRules::finish`].
#[derive(Clone, Copy, Debug)]
pub struct Summary<'a> {
    /// Per slot.
    pub facts: &'a [crate::InsnFacts],
    /// Deepest stack use (bytes, as the kernel's `stack_depth`) of each function, by start slot.
    pub depth_per_function: &'a [(usize, u32)],
    /// Per slot: what the probes saw, each distinct observation once.
    pub observations: &'a [crate::target_eval::Observations],
}

/// Everything the verifier needs to know about where the program will run.
#[derive(Clone)]
pub struct Capabilities {
    /// Profile name (`kernel`, `nfp`).
    pub name: String,
    /// Program types accepted, with their context layout.
    pub prog_types: Vec<(ProgType, CtxLayout)>,
    /// Helpers available, per program type.
    pub helpers: Vec<(ProgType, Vec<HelperProto>)>,
    /// Map types accepted.
    pub map_types: Vec<MapType>,
    /// Limits.
    pub limits: Limits,
    /// Extra target rules (none for the kernel).
    pub rules: Option<Arc<dyn TargetRules>>,
    /// What code generated for this target must look like (handed to the frontend's `lower`).
    pub codegen: CodegenProfile,
}

impl fmt::Debug for Capabilities {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Capabilities")
            .field("name", &self.name)
            .field(
                "prog_types",
                &self.prog_types.iter().map(|p| p.0).collect::<Vec<_>>(),
            )
            .field("map_types", &self.map_types)
            .field("limits", &self.limits)
            .field("rules", &self.rules.is_some())
            .field("codegen", &self.codegen)
            .finish()
    }
}

impl Capabilities {
    /// The host kernel's XDP and TC (SCHED_CLS, SCHED_ACT) profile.
    pub fn kernel() -> Capabilities {
        let pick = |ids: &[i32]| {
            ids.iter()
                .filter_map(|id| helpers::by_id(*id).copied())
                .collect::<Vec<_>>()
        };
        Capabilities {
            name: "kernel".to_string(),
            prog_types: vec![
                (ProgType::Xdp, CtxLayout::xdp_md()),
                (ProgType::SchedCls, CtxLayout::sk_buff()),
                (ProgType::SchedAct, CtxLayout::sk_buff()),
            ],
            helpers: vec![
                (ProgType::Xdp, pick(helpers::XDP_IDS)),
                (ProgType::SchedCls, pick(helpers::TC_IDS)),
                (ProgType::SchedAct, pick(helpers::TC_IDS)),
            ],
            map_types: vec![
                MapType::Hash,
                MapType::Array,
                MapType::ProgArray,
                MapType::PerfEventArray,
                MapType::PercpuHash,
                MapType::PercpuArray,
                MapType::LruHash,
                MapType::LruPercpuHash,
                MapType::LpmTrie,
                MapType::DevMap,
            ],
            limits: Limits {
                max_stack: 512,
                max_frames: 8,
                max_processed: 1_000_000,
                max_insns: 1_000_000,
                max_insns_unprivileged: 4096,
            },
            rules: None,
            codegen: CodegenProfile::HOST,
        }
    }

    /// The context layout of `prog_type`, if the target runs that type.
    pub fn ctx(&self, prog_type: ProgType) -> Option<&CtxLayout> {
        self.prog_types
            .iter()
            .find(|(t, _)| *t == prog_type)
            .map(|(_, l)| l)
    }

    /// The prototype of helper `id` for `prog_type`, if available there.
    pub fn helper(&self, prog_type: ProgType, id: i32) -> Option<&HelperProto> {
        self.helpers
            .iter()
            .find(|(t, _)| *t == prog_type)
            .and_then(|(_, hs)| hs.iter().find(|h| h.id == id))
    }
}
