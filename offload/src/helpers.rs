//! Helper prototypes: what each helper takes in r1..r5 and returns in r0, as the kernel's
//! `struct bpf_func_proto` says.

use ir::MapType;

/// What a helper argument must be.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ArgKind {
    /// Any initialised value.
    Anything,
    /// A map pointer (`LD_IMM64` of a map).
    ConstMapPtr,
    /// Pointer to `key_size` readable bytes of the map in the map argument.
    MapKey,
    /// Pointer to `value_size` readable bytes of the map in the map argument.
    MapValue,
    /// The context pointer, unmodified.
    Ctx,
    /// Pointer to readable memory whose size is the next argument.
    Mem,
    /// Pointer to writable memory (may be uninitialised) whose size is the next argument.
    UninitMem,
    /// Pointer to initialised memory the helper reads and writes; size is the next argument.
    MemRw,
    /// As `Mem`, or NULL.
    MemOrNull,
    /// A known-bounded size for the previous pointer argument, not zero.
    ConstSize,
    /// As `ConstSize`, zero allowed.
    ConstSizeOrZero,
}

/// What a helper returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RetKind {
    /// A number.
    Integer,
    /// Nothing (r0 is left uninitialised).
    Void,
    /// A map value of the map argument, or NULL.
    MapValueOrNull,
}

/// One helper's prototype.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HelperProto {
    /// The helper's static id (`call 1`).
    pub id: i32,
    /// The kernel's name without `bpf_` (`map_lookup_elem`).
    pub name: &'static str,
    /// Arguments r1.. in order.
    pub args: &'static [ArgKind],
    /// Return kind.
    pub ret: RetKind,
    /// Whether calling it may move packet data (invalidates every packet pointer).
    pub changes_pkt_data: bool,
    /// Map types the map argument may have; empty = any map the kernel allows generally.
    pub map_types: &'static [MapType],
}

impl HelperProto {
    /// `bpf_map_lookup_elem#1` as the kernel's log names it.
    pub fn log_name(&self) -> String {
        format!("bpf_{}#{}", self.name, self.id)
    }
}

use ArgKind::*;

const fn proto(
    id: i32,
    name: &'static str,
    args: &'static [ArgKind],
    ret: RetKind,
    changes_pkt_data: bool,
) -> HelperProto {
    HelperProto {
        id,
        name,
        args,
        ret,
        changes_pkt_data,
        map_types: &[],
    }
}

const GENERIC_MAPS: &[MapType] = &[
    MapType::Hash,
    MapType::Array,
    MapType::PercpuHash,
    MapType::PercpuArray,
    MapType::LruHash,
    MapType::LruPercpuHash,
    MapType::LpmTrie,
];

/// Every prototype this crate knows (the kernel's XDP and TC sets, common part).
pub const ALL: &[HelperProto] = &[
    HelperProto {
        map_types: GENERIC_MAPS_AND_DEVMAP,
        ..proto(
            1,
            "map_lookup_elem",
            &[ConstMapPtr, MapKey],
            RetKind::MapValueOrNull,
            false,
        )
    },
    HelperProto {
        map_types: GENERIC_MAPS,
        ..proto(
            2,
            "map_update_elem",
            &[ConstMapPtr, MapKey, MapValue, Anything],
            RetKind::Integer,
            false,
        )
    },
    HelperProto {
        map_types: GENERIC_MAPS,
        ..proto(
            3,
            "map_delete_elem",
            &[ConstMapPtr, MapKey],
            RetKind::Integer,
            false,
        )
    },
    proto(5, "ktime_get_ns", &[], RetKind::Integer, false),
    proto(
        6,
        "trace_printk",
        &[Mem, ConstSize],
        RetKind::Integer,
        false,
    ),
    proto(7, "get_prandom_u32", &[], RetKind::Integer, false),
    proto(8, "get_smp_processor_id", &[], RetKind::Integer, false),
    proto(
        9,
        "skb_store_bytes",
        &[Ctx, Anything, Mem, ConstSize, Anything],
        RetKind::Integer,
        true,
    ),
    proto(
        10,
        "l3_csum_replace",
        &[Ctx, Anything, Anything, Anything, Anything],
        RetKind::Integer,
        true,
    ),
    proto(
        11,
        "l4_csum_replace",
        &[Ctx, Anything, Anything, Anything, Anything],
        RetKind::Integer,
        true,
    ),
    HelperProto {
        map_types: &[MapType::ProgArray],
        ..proto(
            12,
            "tail_call",
            &[Ctx, ConstMapPtr, Anything],
            RetKind::Void,
            false,
        )
    },
    proto(
        13,
        "clone_redirect",
        &[Ctx, Anything, Anything],
        RetKind::Integer,
        true,
    ),
    proto(
        23,
        "redirect",
        &[Anything, Anything],
        RetKind::Integer,
        false,
    ),
    HelperProto {
        map_types: &[MapType::PerfEventArray],
        ..proto(
            25,
            "perf_event_output",
            &[Ctx, ConstMapPtr, Anything, Mem, ConstSizeOrZero],
            RetKind::Integer,
            false,
        )
    },
    proto(
        26,
        "skb_load_bytes",
        &[Ctx, Anything, UninitMem, ConstSize],
        RetKind::Integer,
        false,
    ),
    proto(34, "get_hash_recalc", &[Ctx], RetKind::Integer, false),
    proto(
        18,
        "skb_vlan_push",
        &[Ctx, Anything, Anything],
        RetKind::Integer,
        true,
    ),
    proto(19, "skb_vlan_pop", &[Ctx], RetKind::Integer, true),
    proto(
        28,
        "csum_diff",
        &[
            MemOrNull,
            ConstSizeOrZero,
            MemOrNull,
            ConstSizeOrZero,
            Anything,
        ],
        RetKind::Integer,
        false,
    ),
    proto(
        38,
        "skb_change_tail",
        &[Ctx, Anything, Anything],
        RetKind::Integer,
        true,
    ),
    proto(
        39,
        "skb_pull_data",
        &[Ctx, Anything],
        RetKind::Integer,
        true,
    ),
    proto(42, "get_numa_node_id", &[], RetKind::Integer, false),
    proto(
        50,
        "skb_adjust_room",
        &[Ctx, Anything, Anything, Anything],
        RetKind::Integer,
        true,
    ),
    proto(
        69,
        "fib_lookup",
        &[Ctx, MemRw, ConstSize, Anything],
        RetKind::Integer,
        false,
    ),
    proto(125, "ktime_get_boot_ns", &[], RetKind::Integer, false),
    proto(
        44,
        "xdp_adjust_head",
        &[Ctx, Anything],
        RetKind::Integer,
        true,
    ),
    HelperProto {
        map_types: &[MapType::DevMap],
        ..proto(
            51,
            "redirect_map",
            &[ConstMapPtr, Anything, Anything],
            RetKind::Integer,
            false,
        )
    },
    proto(
        54,
        "xdp_adjust_meta",
        &[Ctx, Anything],
        RetKind::Integer,
        true,
    ),
    proto(
        65,
        "xdp_adjust_tail",
        &[Ctx, Anything],
        RetKind::Integer,
        true,
    ),
];

const GENERIC_MAPS_AND_DEVMAP: &[MapType] = &[
    MapType::Hash,
    MapType::Array,
    MapType::PercpuHash,
    MapType::PercpuArray,
    MapType::LruHash,
    MapType::LruPercpuHash,
    MapType::LpmTrie,
    MapType::DevMap,
];

/// The prototype of helper `id`, if this crate knows it.
pub fn by_id(id: i32) -> Option<&'static HelperProto> {
    ALL.iter().find(|p| p.id == id)
}

/// Helper ids the kernel offers to XDP programs (of those in [`ALL`]).
pub const XDP_IDS: &[i32] = &[
    1, 2, 3, 5, 6, 7, 8, 12, 23, 25, 28, 42, 44, 51, 54, 65, 69, 125,
];
/// Helper ids the kernel offers to TC classifier/action programs (of those in [`ALL`]).
pub const TC_IDS: &[i32] = &[
    1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13, 18, 19, 23, 25, 26, 28, 34, 38, 39, 42, 50, 69, 125,
];

/// Largest helper id the kernel defines (`__BPF_FUNC_MAX_ID - 1` in Linux 6.18).
pub const KERNEL_MAX_ID: i32 = 211;
