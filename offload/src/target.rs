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

/// How one context field may be accessed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CtxField {
    /// Byte offset in the context structure.
    pub off: u32,
    /// Field size in bytes.
    pub size: u32,
    /// Kernel field name (`data`, `data_end`, `mark`, ...), for messages.
    pub name: &'static str,
    /// What a full-size load yields.
    pub load: CtxLoad,
    /// Whether narrower (1/2-byte) aligned loads are allowed.
    pub narrow_read: bool,
    /// Whether stores are allowed (full size only).
    pub write: bool,
}

/// The kind of value a context load gives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CtxLoad {
    /// A number.
    Scalar,
    /// Packet start.
    Packet,
    /// Packet end.
    PacketEnd,
    /// Packet metadata start.
    PacketMeta,
    /// Not readable.
    None,
}

/// A program type's context layout.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CtxLayout {
    /// Size of the structure.
    pub size: u32,
    /// The accessible fields; offsets not covered are inaccessible.
    pub fields: Vec<CtxField>,
}

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
            .finish()
    }
}

fn field(
    off: u32,
    size: u32,
    name: &'static str,
    load: CtxLoad,
    narrow_read: bool,
    write: bool,
) -> CtxField {
    CtxField {
        off,
        size,
        name,
        load,
        narrow_read,
        write,
    }
}

/// `struct xdp_md`.
pub fn xdp_ctx() -> CtxLayout {
    use CtxLoad::*;
    CtxLayout {
        size: 24,
        fields: vec![
            field(0, 4, "data", Packet, false, false),
            field(4, 4, "data_end", PacketEnd, false, false),
            field(8, 4, "data_meta", PacketMeta, false, false),
            field(12, 4, "ingress_ifindex", Scalar, false, false),
            field(16, 4, "rx_queue_index", Scalar, false, false),
            field(20, 4, "egress_ifindex", None, false, false),
        ],
    }
}

/// `struct __sk_buff` as a TC classifier/action sees it.
pub fn skb_ctx() -> CtxLayout {
    use CtxLoad::*;
    let mut fields = vec![
        field(0, 4, "len", Scalar, true, false),
        field(4, 4, "pkt_type", Scalar, true, false),
        field(8, 4, "mark", Scalar, true, true),
        field(12, 4, "queue_mapping", Scalar, true, true),
        field(16, 4, "protocol", Scalar, true, false),
        field(20, 4, "vlan_present", Scalar, true, false),
        field(24, 4, "vlan_tci", Scalar, true, false),
        field(28, 4, "vlan_proto", Scalar, true, false),
        field(32, 4, "priority", Scalar, true, true),
        field(36, 4, "ingress_ifindex", Scalar, true, false),
        field(40, 4, "ifindex", Scalar, true, false),
        field(44, 4, "tc_index", Scalar, true, true),
    ];
    for i in 0..5 {
        fields.push(field(48 + 4 * i, 4, "cb", Scalar, true, true));
    }
    fields.extend([
        field(68, 4, "hash", Scalar, true, false),
        field(72, 4, "tc_classid", Scalar, true, true),
        field(76, 4, "data", Packet, false, false),
        field(80, 4, "data_end", PacketEnd, false, false),
        field(84, 4, "napi_id", Scalar, true, false),
        field(140, 4, "data_meta", PacketMeta, false, false),
        field(152, 8, "tstamp", Scalar, false, true),
        field(160, 4, "wire_len", Scalar, true, false),
        field(164, 4, "gso_segs", Scalar, true, false),
        field(176, 4, "gso_size", Scalar, true, false),
        field(184, 8, "hwtstamp", Scalar, false, false),
    ]);
    CtxLayout { size: 192, fields }
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
                (ProgType::Xdp, xdp_ctx()),
                (ProgType::SchedCls, skb_ctx()),
                (ProgType::SchedAct, skb_ctx()),
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
