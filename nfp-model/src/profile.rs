//! The NFP's capability profile: firmware capabilities and limits, with `--caps FILE.toml`
//! overrides.
//!
//! Defaults follow the Linux NFP driver (`drivers/net/ethernet/netronome/nfp/bpf/`) and
//! Netronome's nic-firmware as summarised in `shared/reference/nfp-offload.md`. A TOML file
//! overrides any subset; unknown keys are errors (a typo must not silently pass):
//!
//! ```toml
//! # What the firmware advertises (all true by default).
//! [firmware]
//! adjust_head = true          # bpf_xdp_adjust_head
//! adjust_head_no_meta = true  # adjust_head without shifting metadata (the driver needs it)
//! adjust_tail = true          # bpf_xdp_adjust_tail
//! random = true               # bpf_get_prandom_u32
//! queue_select = true         # XDP stores to ctx->rx_queue_index
//! event_output = true         # bpf_perf_event_output
//! map_lookup = true           # bpf_map_lookup_elem
//! map_update = true           # bpf_map_update_elem
//! map_delete = true           # bpf_map_delete_elem
//!
//! # Limits (defaults shown).
//! [limits]
//! stack = 512                 # FW stack bytes per thread (NFP_NET_CFG_BPF_STACK_SZ * 64)
//! maps = 128                  # offloaded maps per device
//! map_elements = 2048000      # entries over all offloaded maps
//! key_size = 56               # bytes
//! value_size = 56             # bytes
//! element_size = 64           # roundup8(key) + roundup8(value)
//! code_store = 2560           # NFP instructions
//! packet_split = 1888         # CTM packet split boundary: NFP_NET_CFG_BPF_INL_MTU * 64 - 32
//! mtu = 1500                  # the netdev's MTU at attach time
//!
//! # The simulator's machine (see `Timing`; figures marked "estimate" have no public source).
//! [timing]
//! clock_mhz = 800             # NFP-4000 (Agilio CX)
//! mes = 60                    # micro-engines running the program
//! contexts = 4                # threads per ME (the BPF firmware's 4-context mode)
//! branch_taken = 2            # estimate: cycles lost by a taken branch without defer slots
//! ctm_read = 50               # estimate: CTM (packet) read latency, cycles
//! ctm_write = 50              # estimate
//! emem_read = 150             # estimate: EMEM (map value) read latency
//! emem_atomic = 150           # estimate
//! helper = 100                # estimate: a firmware map helper (hash + EMEM accesses)
//! ctx_swap = 1                # estimate: cycles a context swap costs the ME
//! ```
//!
//! ```
//! let p = nfp_model::Profile::from_toml("[firmware]\nadjust_tail = false\n[limits]\nstack = 256\n").unwrap();
//! assert!(!p.firmware.adjust_tail && p.firmware.adjust_head);
//! assert_eq!(p.limits.stack, 256);
//! assert!(nfp_model::Profile::from_toml("[firmware]\nadjust_tial = false\n").is_err());
//! ```

use crate::rules::NfpRules;
use offload::target::{CtxLayout, Limits as VerifierLimits};
use offload::Capabilities;
use serde::Deserialize;
use std::fmt;
use std::sync::Arc;

/// What the firmware advertises (the driver reads these from the firmware's BPF capability TLVs).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Firmware {
    /// `bpf_xdp_adjust_head` (NFP_BPF_CAP_TYPE_ADJUST_HEAD).
    pub adjust_head: bool,
    /// adjust_head without shifting metadata (NFP_BPF_ADJUST_HEAD_NO_META), which the driver needs.
    pub adjust_head_no_meta: bool,
    /// `bpf_xdp_adjust_tail`.
    pub adjust_tail: bool,
    /// `bpf_get_prandom_u32` (pseudo-random numbers).
    pub random: bool,
    /// Stores to `xdp_md.rx_queue_index` (queue selection).
    pub queue_select: bool,
    /// `bpf_perf_event_output`.
    pub event_output: bool,
    /// `bpf_map_lookup_elem`.
    pub map_lookup: bool,
    /// `bpf_map_update_elem`.
    pub map_update: bool,
    /// `bpf_map_delete_elem`.
    pub map_delete: bool,
}

impl Default for Firmware {
    fn default() -> Self {
        Firmware {
            adjust_head: true,
            adjust_head_no_meta: true,
            adjust_tail: true,
            random: true,
            queue_select: true,
            event_output: true,
            map_lookup: true,
            map_update: true,
            map_delete: true,
        }
    }
}

/// The NFP's limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Stack bytes the firmware gives each thread.
    pub stack: u32,
    /// Offloaded maps per device.
    pub maps: u32,
    /// Entries over all offloaded maps.
    pub map_elements: u64,
    /// Largest key size.
    pub key_size: u32,
    /// Largest value size.
    pub value_size: u32,
    /// Largest `roundup8(key) + roundup8(value)`.
    pub element_size: u32,
    /// NFP instruction store.
    pub code_store: u32,
    /// The packet split boundary: bytes of packet head in CTM.
    pub packet_split: u32,
    /// The device's MTU; packet accesses are checked against the split boundary only when the
    /// MTU exceeds it (`min(max packet offset, MTU) > boundary`).
    pub mtu: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            stack: 512,
            maps: 128,
            map_elements: 2_048_000,
            key_size: 56,
            value_size: 56,
            element_size: 64,
            code_store: 2560,
            packet_split: 30 * 64 - 32,
            mtu: 1500,
        }
    }
}

/// The machine the simulator counts cycles on. Memory latencies and command costs are not
/// published (neither the driver nor the firmware sources state them): those defaults are
/// estimates, and say so wherever they are printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Timing {
    /// ME clock, MHz (800 on the NFP-4000).
    pub clock_mhz: u32,
    /// Micro-engines running the program.
    pub mes: u32,
    /// Contexts (threads) per ME.
    pub contexts: u32,
    /// Cycles a taken branch loses, less its defer slots (estimate).
    pub branch_taken: u32,
    /// CTM read latency in cycles (estimate).
    pub ctm_read: u32,
    /// CTM write latency in cycles (estimate).
    pub ctm_write: u32,
    /// EMEM read latency in cycles (estimate).
    pub emem_read: u32,
    /// EMEM atomic add latency in cycles (estimate).
    pub emem_atomic: u32,
    /// Cycles of a firmware helper (estimate).
    pub helper: u32,
    /// Cycles a context swap costs the ME (estimate).
    pub ctx_swap: u32,
}

impl Default for Timing {
    fn default() -> Self {
        Timing {
            clock_mhz: 800,
            mes: 60,
            contexts: 4,
            branch_taken: 2,
            ctm_read: 50,
            ctm_write: 50,
            emem_read: 150,
            emem_atomic: 150,
            helper: 100,
            ctx_swap: 1,
        }
    }
}

impl Timing {
    /// Which parameters are estimates, for printing beside results.
    pub const ESTIMATES: &'static str = "branch_taken, ctm_read, ctm_write, emem_read, emem_atomic, helper and ctx_swap are estimates (no public figures); clock_mhz, mes and contexts follow the NFP-4000";
}

/// A firmware profile: capabilities and limits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Profile {
    /// Firmware capabilities.
    pub firmware: Firmware,
    /// Limits.
    pub limits: Limits,
    /// The simulator's machine.
    pub timing: Timing,
}

/// A `--caps` file that could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CapsError {
    /// 1-based line of the problem, when known.
    pub line: Option<usize>,
    /// 1-based column, when known.
    pub column: Option<usize>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for CapsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (Some(l), Some(c)) => write!(f, "{l}:{c}: {}", self.message),
            (Some(l), None) => write!(f, "{l}: {}", self.message),
            _ => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for CapsError {}

impl Profile {
    /// The default profile with the overrides of a TOML document (schema in the module docs).
    pub fn from_toml(text: &str) -> Result<Profile, CapsError> {
        toml::from_str::<Profile>(text).map_err(|e| {
            let (line, column) = match e.span() {
                Some(span) => {
                    let before = text.get(..span.start).unwrap_or("");
                    let line = before.matches('\n').count() + 1;
                    let col = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
                    (Some(line), Some(col))
                }
                None => (None, None),
            };
            CapsError {
                line,
                column,
                message: e.message().to_string(),
            }
        })
    }

    /// The [`Capabilities`] of the NFP with this firmware: the kernel's safety rules (an
    /// offloaded program is verified by the host kernel first) for XDP and TC classifiers only,
    /// `xdp_md.rx_queue_index` writable (the kernel allows it for offloaded programs), plus
    /// [`NfpRules`].
    pub fn capabilities(&self) -> Capabilities {
        let kernel = Capabilities::kernel();
        let keep = |t: ir::ProgType| t == ir::ProgType::Xdp || t == ir::ProgType::SchedCls;
        let prog_types = kernel
            .prog_types
            .iter()
            .filter(|(t, _)| keep(*t))
            .map(|(t, layout)| {
                let mut layout: CtxLayout = layout.clone();
                if *t == ir::ProgType::Xdp {
                    for f in &mut layout.fields {
                        if f.name == "rx_queue_index" {
                            f.write = true;
                        }
                    }
                }
                (*t, layout)
            })
            .collect();
        let helpers = kernel
            .helpers
            .iter()
            .filter(|(t, _)| keep(*t))
            .cloned()
            .collect();
        Capabilities {
            name: "nfp".to_string(),
            prog_types,
            helpers,
            map_types: kernel.map_types.clone(),
            limits: VerifierLimits {
                // The kernel verifies the program first: its limits hold as they are.
                ..kernel.limits
            },
            rules: Some(Arc::new(NfpRules { profile: *self })),
            // No MOD; the NFP verifier wants u32-provable DIV/MUL operands (so quotients and
            // byte-swapped loads are re-bounded); it refuses TC_ACT_OK.
            codegen: ir::codegen::CodegenProfile {
                has_mod: false,
                bound_quotients: true,
                bound_byte_swaps: true,
                tc_pass_code: -1,
            },
        }
    }
}
