//! The helper table: Linux `enum bpf_func_id` (include/uapi/linux/bpf.h) ids 0..=211 with their
//! names, the ids this project calls by name ([`helper_id`]), and the prototypes
//! ([`HelperProto`], [`ALL`]) that the verifier checks calls against and the frontend emits to.
//!
//! Names are the kernel's `bpf_`-prefixed function names (`bpf_map_lookup_elem` is id 1), as the
//! verifier log and `llvm-objdump` print them. Id 0 (`unspec`) has no callable helper but keeps its
//! name so that every id in range round-trips.
//!
//! ```
//! assert_eq!(ir::helpers::name(1), Some("bpf_map_lookup_elem"));
//! assert_eq!(ir::helpers::id("bpf_map_lookup_elem"), Some(1));
//! assert_eq!(ir::helpers::id("map_lookup_elem"), Some(1));
//! ```

/// Helper names indexed by id. Generated from the kernel's `__BPF_FUNC_MAPPER` list.
pub const HELPER_NAMES: [&str; 212] = [
    "bpf_unspec",                         // 0
    "bpf_map_lookup_elem",                // 1
    "bpf_map_update_elem",                // 2
    "bpf_map_delete_elem",                // 3
    "bpf_probe_read",                     // 4
    "bpf_ktime_get_ns",                   // 5
    "bpf_trace_printk",                   // 6
    "bpf_get_prandom_u32",                // 7
    "bpf_get_smp_processor_id",           // 8
    "bpf_skb_store_bytes",                // 9
    "bpf_l3_csum_replace",                // 10
    "bpf_l4_csum_replace",                // 11
    "bpf_tail_call",                      // 12
    "bpf_clone_redirect",                 // 13
    "bpf_get_current_pid_tgid",           // 14
    "bpf_get_current_uid_gid",            // 15
    "bpf_get_current_comm",               // 16
    "bpf_get_cgroup_classid",             // 17
    "bpf_skb_vlan_push",                  // 18
    "bpf_skb_vlan_pop",                   // 19
    "bpf_skb_get_tunnel_key",             // 20
    "bpf_skb_set_tunnel_key",             // 21
    "bpf_perf_event_read",                // 22
    "bpf_redirect",                       // 23
    "bpf_get_route_realm",                // 24
    "bpf_perf_event_output",              // 25
    "bpf_skb_load_bytes",                 // 26
    "bpf_get_stackid",                    // 27
    "bpf_csum_diff",                      // 28
    "bpf_skb_get_tunnel_opt",             // 29
    "bpf_skb_set_tunnel_opt",             // 30
    "bpf_skb_change_proto",               // 31
    "bpf_skb_change_type",                // 32
    "bpf_skb_under_cgroup",               // 33
    "bpf_get_hash_recalc",                // 34
    "bpf_get_current_task",               // 35
    "bpf_probe_write_user",               // 36
    "bpf_current_task_under_cgroup",      // 37
    "bpf_skb_change_tail",                // 38
    "bpf_skb_pull_data",                  // 39
    "bpf_csum_update",                    // 40
    "bpf_set_hash_invalid",               // 41
    "bpf_get_numa_node_id",               // 42
    "bpf_skb_change_head",                // 43
    "bpf_xdp_adjust_head",                // 44
    "bpf_probe_read_str",                 // 45
    "bpf_get_socket_cookie",              // 46
    "bpf_get_socket_uid",                 // 47
    "bpf_set_hash",                       // 48
    "bpf_setsockopt",                     // 49
    "bpf_skb_adjust_room",                // 50
    "bpf_redirect_map",                   // 51
    "bpf_sk_redirect_map",                // 52
    "bpf_sock_map_update",                // 53
    "bpf_xdp_adjust_meta",                // 54
    "bpf_perf_event_read_value",          // 55
    "bpf_perf_prog_read_value",           // 56
    "bpf_getsockopt",                     // 57
    "bpf_override_return",                // 58
    "bpf_sock_ops_cb_flags_set",          // 59
    "bpf_msg_redirect_map",               // 60
    "bpf_msg_apply_bytes",                // 61
    "bpf_msg_cork_bytes",                 // 62
    "bpf_msg_pull_data",                  // 63
    "bpf_bind",                           // 64
    "bpf_xdp_adjust_tail",                // 65
    "bpf_skb_get_xfrm_state",             // 66
    "bpf_get_stack",                      // 67
    "bpf_skb_load_bytes_relative",        // 68
    "bpf_fib_lookup",                     // 69
    "bpf_sock_hash_update",               // 70
    "bpf_msg_redirect_hash",              // 71
    "bpf_sk_redirect_hash",               // 72
    "bpf_lwt_push_encap",                 // 73
    "bpf_lwt_seg6_store_bytes",           // 74
    "bpf_lwt_seg6_adjust_srh",            // 75
    "bpf_lwt_seg6_action",                // 76
    "bpf_rc_repeat",                      // 77
    "bpf_rc_keydown",                     // 78
    "bpf_skb_cgroup_id",                  // 79
    "bpf_get_current_cgroup_id",          // 80
    "bpf_get_local_storage",              // 81
    "bpf_sk_select_reuseport",            // 82
    "bpf_skb_ancestor_cgroup_id",         // 83
    "bpf_sk_lookup_tcp",                  // 84
    "bpf_sk_lookup_udp",                  // 85
    "bpf_sk_release",                     // 86
    "bpf_map_push_elem",                  // 87
    "bpf_map_pop_elem",                   // 88
    "bpf_map_peek_elem",                  // 89
    "bpf_msg_push_data",                  // 90
    "bpf_msg_pop_data",                   // 91
    "bpf_rc_pointer_rel",                 // 92
    "bpf_spin_lock",                      // 93
    "bpf_spin_unlock",                    // 94
    "bpf_sk_fullsock",                    // 95
    "bpf_tcp_sock",                       // 96
    "bpf_skb_ecn_set_ce",                 // 97
    "bpf_get_listener_sock",              // 98
    "bpf_skc_lookup_tcp",                 // 99
    "bpf_tcp_check_syncookie",            // 100
    "bpf_sysctl_get_name",                // 101
    "bpf_sysctl_get_current_value",       // 102
    "bpf_sysctl_get_new_value",           // 103
    "bpf_sysctl_set_new_value",           // 104
    "bpf_strtol",                         // 105
    "bpf_strtoul",                        // 106
    "bpf_sk_storage_get",                 // 107
    "bpf_sk_storage_delete",              // 108
    "bpf_send_signal",                    // 109
    "bpf_tcp_gen_syncookie",              // 110
    "bpf_skb_output",                     // 111
    "bpf_probe_read_user",                // 112
    "bpf_probe_read_kernel",              // 113
    "bpf_probe_read_user_str",            // 114
    "bpf_probe_read_kernel_str",          // 115
    "bpf_tcp_send_ack",                   // 116
    "bpf_send_signal_thread",             // 117
    "bpf_jiffies64",                      // 118
    "bpf_read_branch_records",            // 119
    "bpf_get_ns_current_pid_tgid",        // 120
    "bpf_xdp_output",                     // 121
    "bpf_get_netns_cookie",               // 122
    "bpf_get_current_ancestor_cgroup_id", // 123
    "bpf_sk_assign",                      // 124
    "bpf_ktime_get_boot_ns",              // 125
    "bpf_seq_printf",                     // 126
    "bpf_seq_write",                      // 127
    "bpf_sk_cgroup_id",                   // 128
    "bpf_sk_ancestor_cgroup_id",          // 129
    "bpf_ringbuf_output",                 // 130
    "bpf_ringbuf_reserve",                // 131
    "bpf_ringbuf_submit",                 // 132
    "bpf_ringbuf_discard",                // 133
    "bpf_ringbuf_query",                  // 134
    "bpf_csum_level",                     // 135
    "bpf_skc_to_tcp6_sock",               // 136
    "bpf_skc_to_tcp_sock",                // 137
    "bpf_skc_to_tcp_timewait_sock",       // 138
    "bpf_skc_to_tcp_request_sock",        // 139
    "bpf_skc_to_udp6_sock",               // 140
    "bpf_get_task_stack",                 // 141
    "bpf_load_hdr_opt",                   // 142
    "bpf_store_hdr_opt",                  // 143
    "bpf_reserve_hdr_opt",                // 144
    "bpf_inode_storage_get",              // 145
    "bpf_inode_storage_delete",           // 146
    "bpf_d_path",                         // 147
    "bpf_copy_from_user",                 // 148
    "bpf_snprintf_btf",                   // 149
    "bpf_seq_printf_btf",                 // 150
    "bpf_skb_cgroup_classid",             // 151
    "bpf_redirect_neigh",                 // 152
    "bpf_per_cpu_ptr",                    // 153
    "bpf_this_cpu_ptr",                   // 154
    "bpf_redirect_peer",                  // 155
    "bpf_task_storage_get",               // 156
    "bpf_task_storage_delete",            // 157
    "bpf_get_current_task_btf",           // 158
    "bpf_bprm_opts_set",                  // 159
    "bpf_ktime_get_coarse_ns",            // 160
    "bpf_ima_inode_hash",                 // 161
    "bpf_sock_from_file",                 // 162
    "bpf_check_mtu",                      // 163
    "bpf_for_each_map_elem",              // 164
    "bpf_snprintf",                       // 165
    "bpf_sys_bpf",                        // 166
    "bpf_btf_find_by_name_kind",          // 167
    "bpf_sys_close",                      // 168
    "bpf_timer_init",                     // 169
    "bpf_timer_set_callback",             // 170
    "bpf_timer_start",                    // 171
    "bpf_timer_cancel",                   // 172
    "bpf_get_func_ip",                    // 173
    "bpf_get_attach_cookie",              // 174
    "bpf_task_pt_regs",                   // 175
    "bpf_get_branch_snapshot",            // 176
    "bpf_trace_vprintk",                  // 177
    "bpf_skc_to_unix_sock",               // 178
    "bpf_kallsyms_lookup_name",           // 179
    "bpf_find_vma",                       // 180
    "bpf_loop",                           // 181
    "bpf_strncmp",                        // 182
    "bpf_get_func_arg",                   // 183
    "bpf_get_func_ret",                   // 184
    "bpf_get_func_arg_cnt",               // 185
    "bpf_get_retval",                     // 186
    "bpf_set_retval",                     // 187
    "bpf_xdp_get_buff_len",               // 188
    "bpf_xdp_load_bytes",                 // 189
    "bpf_xdp_store_bytes",                // 190
    "bpf_copy_from_user_task",            // 191
    "bpf_skb_set_tstamp",                 // 192
    "bpf_ima_file_hash",                  // 193
    "bpf_kptr_xchg",                      // 194
    "bpf_map_lookup_percpu_elem",         // 195
    "bpf_skc_to_mptcp_sock",              // 196
    "bpf_dynptr_from_mem",                // 197
    "bpf_ringbuf_reserve_dynptr",         // 198
    "bpf_ringbuf_submit_dynptr",          // 199
    "bpf_ringbuf_discard_dynptr",         // 200
    "bpf_dynptr_read",                    // 201
    "bpf_dynptr_write",                   // 202
    "bpf_dynptr_data",                    // 203
    "bpf_tcp_raw_gen_syncookie_ipv4",     // 204
    "bpf_tcp_raw_gen_syncookie_ipv6",     // 205
    "bpf_tcp_raw_check_syncookie_ipv4",   // 206
    "bpf_tcp_raw_check_syncookie_ipv6",   // 207
    "bpf_ktime_get_tai_ns",               // 208
    "bpf_user_ringbuf_drain",             // 209
    "bpf_cgrp_storage_get",               // 210
    "bpf_cgrp_storage_delete",            // 211
];

/// Helper ids (Linux `include/uapi/linux/bpf.h`, `___BPF_FUNC_MAPPER`).
#[allow(missing_docs)]
pub mod helper_id {
    pub const MAP_LOOKUP_ELEM: i32 = 1;
    pub const MAP_UPDATE_ELEM: i32 = 2;
    pub const MAP_DELETE_ELEM: i32 = 3;
    pub const KTIME_GET_NS: i32 = 5;
    pub const TRACE_PRINTK: i32 = 6;
    pub const GET_PRANDOM_U32: i32 = 7;
    pub const GET_SMP_PROCESSOR_ID: i32 = 8;
    pub const TAIL_CALL: i32 = 12;
    pub const REDIRECT: i32 = 23;
    pub const PERF_EVENT_OUTPUT: i32 = 25;
    pub const SKB_LOAD_BYTES: i32 = 26;
    pub const CSUM_DIFF: i32 = 28;
    pub const XDP_ADJUST_HEAD: i32 = 44;
    pub const REDIRECT_MAP: i32 = 51;
    pub const XDP_ADJUST_META: i32 = 54;
    pub const XDP_ADJUST_TAIL: i32 = 65;
    /// The conformance suite's "unwind" helper (ubpf), same id as `ktime_get_ns`.
    pub const CONFORMANCE_UNWIND: i32 = 5;
}

/// The highest helper id this table knows (`__BPF_FUNC_MAX_ID - 1` in Linux 6.18).
pub const MAX_HELPER_ID: i32 = HELPER_NAMES.len() as i32 - 1;

/// The kernel name of helper `id` (`bpf_map_lookup_elem` for 1), if the id is known.
pub fn name(id: i32) -> Option<&'static str> {
    usize::try_from(id)
        .ok()
        .and_then(|i| HELPER_NAMES.get(i))
        .copied()
}

/// The id of a helper by its name, with or without the `bpf_` prefix.
pub fn id(name: &str) -> Option<i32> {
    let full_match = HELPER_NAMES.iter().position(|n| *n == name);
    let found = full_match.or_else(|| {
        HELPER_NAMES
            .iter()
            .position(|n| n.strip_prefix("bpf_") == Some(name))
    });
    found.and_then(|i| i32::try_from(i).ok())
}

// Prototypes: what each helper takes in r1..r5 and returns in r0, as the kernel's
// `struct bpf_func_proto` says. The verifier checks calls against these; the name a
// prototype prints is the one in `HELPER_NAMES`.

use crate::program::MapType;

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
    /// The kernel's name with `bpf_` (`bpf_map_lookup_elem`), from [`HELPER_NAMES`].
    pub fn name(&self) -> &'static str {
        name(self.id).unwrap_or("bpf_unknown")
    }

    /// `bpf_map_lookup_elem#1` as the kernel's log names it.
    pub fn log_name(&self) -> String {
        format!("{}#{}", self.name(), self.id)
    }
}

use self::ArgKind::*;

const fn proto(
    id: i32,
    args: &'static [ArgKind],
    ret: RetKind,
    changes_pkt_data: bool,
) -> HelperProto {
    HelperProto {
        id,
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
        ..proto(1, &[ConstMapPtr, MapKey], RetKind::MapValueOrNull, false)
    },
    HelperProto {
        map_types: GENERIC_MAPS,
        ..proto(
            2,
            &[ConstMapPtr, MapKey, MapValue, Anything],
            RetKind::Integer,
            false,
        )
    },
    HelperProto {
        map_types: GENERIC_MAPS,
        ..proto(3, &[ConstMapPtr, MapKey], RetKind::Integer, false)
    },
    proto(5, &[], RetKind::Integer, false),
    proto(6, &[Mem, ConstSize], RetKind::Integer, false),
    proto(7, &[], RetKind::Integer, false),
    proto(8, &[], RetKind::Integer, false),
    proto(
        9,
        &[Ctx, Anything, Mem, ConstSize, Anything],
        RetKind::Integer,
        true,
    ),
    proto(
        10,
        &[Ctx, Anything, Anything, Anything, Anything],
        RetKind::Integer,
        true,
    ),
    proto(
        11,
        &[Ctx, Anything, Anything, Anything, Anything],
        RetKind::Integer,
        true,
    ),
    HelperProto {
        map_types: &[MapType::ProgArray],
        ..proto(12, &[Ctx, ConstMapPtr, Anything], RetKind::Void, false)
    },
    proto(13, &[Ctx, Anything, Anything], RetKind::Integer, true),
    proto(23, &[Anything, Anything], RetKind::Integer, false),
    HelperProto {
        map_types: &[MapType::PerfEventArray],
        ..proto(
            25,
            &[Ctx, ConstMapPtr, Anything, Mem, ConstSizeOrZero],
            RetKind::Integer,
            false,
        )
    },
    proto(
        26,
        &[Ctx, Anything, UninitMem, ConstSize],
        RetKind::Integer,
        false,
    ),
    proto(34, &[Ctx], RetKind::Integer, false),
    proto(18, &[Ctx, Anything, Anything], RetKind::Integer, true),
    proto(19, &[Ctx], RetKind::Integer, true),
    proto(
        28,
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
    proto(38, &[Ctx, Anything, Anything], RetKind::Integer, true),
    proto(39, &[Ctx, Anything], RetKind::Integer, true),
    proto(42, &[], RetKind::Integer, false),
    proto(
        50,
        &[Ctx, Anything, Anything, Anything],
        RetKind::Integer,
        true,
    ),
    proto(
        69,
        &[Ctx, MemRw, ConstSize, Anything],
        RetKind::Integer,
        false,
    ),
    proto(125, &[], RetKind::Integer, false),
    proto(44, &[Ctx, Anything], RetKind::Integer, true),
    HelperProto {
        map_types: &[MapType::DevMap],
        ..proto(
            51,
            &[ConstMapPtr, Anything, Anything],
            RetKind::Integer,
            false,
        )
    },
    proto(54, &[Ctx, Anything], RetKind::Integer, true),
    proto(65, &[Ctx, Anything], RetKind::Integer, true),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_ids() {
        assert_eq!(name(0), Some("bpf_unspec"));
        assert_eq!(name(2), Some("bpf_map_update_elem"));
        assert_eq!(name(5), Some("bpf_ktime_get_ns"));
        assert_eq!(name(6), Some("bpf_trace_printk"));
        assert_eq!(name(12), Some("bpf_tail_call"));
        assert_eq!(name(25), Some("bpf_perf_event_output"));
        assert_eq!(name(44), Some("bpf_xdp_adjust_head"));
        assert_eq!(name(65), Some("bpf_xdp_adjust_tail"));
        assert_eq!(name(209), Some("bpf_user_ringbuf_drain"));
        assert_eq!(name(211), Some("bpf_cgrp_storage_delete"));
        assert_eq!(name(212), None);
        assert_eq!(name(-1), None);
        for i in 0..=MAX_HELPER_ID {
            assert_eq!(id(name(i).unwrap()), Some(i));
        }
        assert_eq!(id("tail_call"), Some(12));
        assert_eq!(id("nope"), None);
        for p in ALL {
            assert!(p.id > 0 && p.id <= MAX_HELPER_ID);
        }
        for ids in [XDP_IDS, TC_IDS] {
            assert!(ids.iter().all(|i| by_id(*i).is_some()));
        }
        assert_eq!(by_id(1).unwrap().log_name(), "bpf_map_lookup_elem#1");
    }
}
