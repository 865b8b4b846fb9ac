//! The runtime every engine shares: map storage, helpers and the execution environment.
//!
//! An engine (the [`crate::interp`] interpreter, a native JIT through an `extern "C"`
//! trampoline, the NFP simulator) calls helpers through one narrow interface,
//! [`Runtime::call_helper`], with plain `u64` arguments holding host addresses and an
//! [`ExecEnv`] describing the live memory of the run. A helper that needs the engine to change
//! control flow (`bpf_tail_call`, the conformance "unwind" helper) sets [`ExecEnv::control`].
//!
//! ```
//! use ir::program::{MapDef, MapType, ProgType, Program};
//! use ir::runtime::Runtime;
//! let mut prog = Program::new(ProgType::Xdp, vec![]);
//! prog.maps.push(MapDef::new("counts", MapType::Hash, 4, 8, 16));
//! let mut rt = Runtime::new(&prog);
//! rt.map_update(0, &1u32.to_le_bytes(), &7u64.to_le_bytes(), 0).unwrap();
//! assert_eq!(rt.map_lookup(0, &1u32.to_le_bytes()).unwrap(), Some(7u64.to_le_bytes().to_vec()));
//! ```

mod env;
mod helpers;
mod maps;
pub mod mem;

pub use env::{
    Control, CtxAccessError, CtxConfig, ExecEnv, InputError, ETH_HLEN, SKB_SHARED_INFO_SIZE,
    SKF_LL_OFF, SKF_NET_OFF, XDP_FRAME_BYTES, XDP_FRAME_SIZE, XDP_HEADROOM, XDP_MAX_META,
};
pub use helpers::{helper_name, HelperError};
pub use maps::{errno, MapError, BPF_ANY, BPF_EXIST, BPF_NOEXIST};
pub use mem::{Region, RegionKind};

use crate::program::Program;
use maps::MapSet;
use std::sync::Arc;

/// The context field offsets, re-exported from their home, [`crate::ctx`].
pub use crate::ctx::{sk_buff, xdp_md};
pub use crate::helpers::helper_id;

/// `MAX_TAIL_CALL_CNT`: tail calls allowed in one run.
pub const MAX_TAIL_CALLS: u32 = 33;

/// A map's contents: (key, value) pairs sorted by key.
pub type MapContents = Vec<(Vec<u8>, Vec<u8>)>;

/// One `bpf_perf_event_output` record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PerfRecord {
    /// Runtime map index of the PERF_EVENT_ARRAY.
    pub map: usize,
    /// CPU (index) the record went to.
    pub cpu: u32,
    /// The data, followed by the requested packet bytes (`BPF_F_CTXLEN_MASK`).
    pub data: Vec<u8>,
}

/// The last `bpf_redirect` / `bpf_redirect_map` of a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Redirect {
    /// Target ifindex (`bpf_redirect`) or map key (`bpf_redirect_map`).
    pub target: u32,
    /// The helper's flags argument.
    pub flags: u64,
    /// Runtime map index for `bpf_redirect_map`.
    pub map: Option<usize>,
}

/// A program registered for tail calls, with its map indices resolved to runtime maps.
#[derive(Clone, Debug)]
pub struct RegisteredProgram {
    /// The program.
    pub program: Arc<Program>,
    /// `map_ids[i]` is the runtime map for the program's `maps[i]`.
    pub map_ids: Vec<usize>,
}

/// Maps, helper state and collected output, shared by every engine.
#[derive(Debug)]
pub struct Runtime {
    maps: MapSet,
    programs: Vec<RegisteredProgram>,
    rng: u64,
    ktime_ns: u64,
    /// Nanoseconds `bpf_ktime_get_ns` advances per call.
    pub ktime_step: u64,
    /// Lines printed by `bpf_trace_printk`, in order.
    pub trace: Vec<String>,
    /// Records written by `bpf_perf_event_output`, in order.
    pub perf_records: Vec<PerfRecord>,
    /// The redirect recorded by the last run, if any.
    pub redirect: Option<Redirect>,
    conformance: bool,
    /// Context values that do not come from the packet.
    pub ctx_config: CtxConfig,
    /// The interpreter's stack buffer, kept between runs to save an allocation.
    pub(crate) spare_stack: Option<mem::HostBuf>,
    /// The interpreter's execution environment (packet, context and input buffers), kept
    /// between runs.
    pub(crate) spare_env: Option<Box<ExecEnv>>,
    /// Registered programs decoded by the interpreter for tail calls, by program index
    /// (registered programs never change, so a decoding stays valid).
    pub(crate) prepared: Vec<Option<Arc<crate::interp::TailTarget>>>,
}

impl Runtime {
    /// A runtime with storage for `prog.maps` (arrays filled from `initial_value`, then every
    /// map's `initial_entries` inserted); `prog` is
    /// registered as program 0 and its map `i` is runtime map `i`.
    pub fn new(prog: &Program) -> Runtime {
        let mut maps = MapSet::default();
        let map_ids = prog.maps.iter().map(|d| maps.create(d)).collect();
        Runtime {
            maps,
            programs: vec![RegisteredProgram {
                program: Arc::new(prog.clone()),
                map_ids,
            }],
            rng: 0x853c_49e6_748f_ea9b,
            ktime_ns: 1_000_000_000,
            ktime_step: 1_000,
            trace: Vec::new(),
            perf_records: Vec::new(),
            redirect: None,
            conformance: false,
            ctx_config: CtxConfig::default(),
            spare_stack: None,
            spare_env: None,
            prepared: Vec::new(),
        }
    }

    /// Seed `bpf_get_prandom_u32`: the same seed gives the same sequence on every engine.
    pub fn with_seed(mut self, seed: u64) -> Runtime {
        self.rng = seed;
        self
    }

    /// Use the bpf_conformance helper set: id 5 is ubpf's "unwind" (returns its argument; a 0
    /// argument ends the program with r0 = 0) instead of `bpf_ktime_get_ns`.
    pub fn with_conformance_helpers(mut self, on: bool) -> Runtime {
        self.conformance = on;
        self
    }

    /// Whether the conformance helper set is on.
    pub fn conformance_helpers(&self) -> bool {
        self.conformance
    }

    /// Set the value the next `bpf_ktime_get_ns` returns.
    pub fn set_ktime(&mut self, ns: u64) {
        self.ktime_ns = ns;
    }

    /// Register `prog` for tail calls; its maps are matched by name with the runtime's maps (a
    /// map of a new name is created). Returns the index to store in a PROG_ARRAY slot.
    pub fn add_program(&mut self, prog: &Program) -> usize {
        let map_ids = prog
            .maps
            .iter()
            .map(|d| match self.map_index(&d.name) {
                Some(i) => i,
                None => self.maps.create(d),
            })
            .collect();
        self.programs.push(RegisteredProgram {
            program: Arc::new(prog.clone()),
            map_ids,
        });
        self.programs.len() - 1
    }

    /// A registered program by index.
    pub fn program(&self, i: usize) -> Option<&RegisteredProgram> {
        self.programs.get(i)
    }

    /// Number of maps.
    pub fn map_count(&self) -> usize {
        self.maps.maps.len()
    }

    /// Runtime map index of the map called `name`.
    pub fn map_index(&self, name: &str) -> Option<usize> {
        self.maps.maps.iter().position(|m| m.def.name == name)
    }

    /// The definition of map `i`.
    pub fn map_def(&self, i: usize) -> Option<&crate::program::MapDef> {
        self.maps.maps.get(i).map(|m| &m.def)
    }

    /// Why map `i` cannot be used (unsupported type, too big), if it cannot.
    pub fn map_unsupported(&self, i: usize) -> Option<&str> {
        self.maps.unsupported(i)
    }

    /// The handle a program gets from `LD_IMM64 map_fd` for map `i` (a host address).
    pub fn map_handle(&self, i: usize) -> Option<u64> {
        self.maps.handle(i)
    }

    /// The map behind a handle.
    pub fn map_from_handle(&self, handle: u64) -> Option<usize> {
        self.maps.by_handle(handle)
    }

    /// Address of element 0's value of an ARRAY map (`LD_IMM64 map_value` global data).
    pub fn map_direct_value_addr(&self, i: usize) -> Option<u64> {
        self.maps.direct_value_addr(i)
    }

    /// User-space lookup: a copy of the value, `None` when absent.
    pub fn map_lookup(&mut self, map: usize, key: &[u8]) -> Result<Option<Vec<u8>>, MapError> {
        self.maps.lookup(map, key)
    }

    /// User-space update with `BPF_ANY`/`BPF_NOEXIST`/`BPF_EXIST`. For PROG_ARRAY the value is
    /// a `u32` index from [`Runtime::add_program`].
    pub fn map_update(
        &mut self,
        map: usize,
        key: &[u8],
        value: &[u8],
        flags: u64,
    ) -> Result<(), MapError> {
        self.maps.update(map, key, value, flags)
    }

    /// User-space delete.
    pub fn map_delete(&mut self, map: usize, key: &[u8]) -> Result<(), MapError> {
        self.maps.delete(map, key)
    }

    /// Every (key, value) of map `i`, sorted by key (arrays: every index).
    pub fn map_dump(&self, map: usize) -> MapContents {
        self.maps.dump(map)
    }

    /// Every map's name and contents, for diffing engines.
    pub fn dump(&self) -> Vec<(String, MapContents)> {
        (0..self.map_count())
            .map(|i| (self.maps.maps[i].def.name.clone(), self.maps.dump(i)))
            .collect()
    }

    /// The live region containing `[addr, addr + len)`: the env's (stack, packet, ctx, input)
    /// or a map value.
    #[inline]
    pub fn find_region(&self, env: &ExecEnv, addr: u64, len: u64) -> Option<Region> {
        env.find(addr, len).or_else(|| self.maps.find(addr, len))
    }

    /// The live region closest to `addr` (for error messages): stack, packet, context, input
    /// memory or a map value.
    pub fn nearest_region(&self, env: &ExecEnv, addr: u64) -> Option<Region> {
        let distance = |r: &Region| {
            if addr < r.start {
                r.start - addr
            } else {
                addr.saturating_sub(r.end.saturating_sub(1))
            }
        };
        env.all_regions()
            .chain(self.maps.neighbours(addr).into_iter().flatten())
            .filter(|r| r.end > r.start)
            .min_by_key(distance)
    }

    /// An empty execution environment for a run of a `prog_type` program, reusing the packet,
    /// context and input buffers of the one last handed back with [`Runtime::recycle_env`]:
    /// engines take one per run and hand it back, so that a run allocates nothing to set up.
    pub fn take_env(&mut self, prog_type: crate::program::ProgType) -> Box<ExecEnv> {
        match self.spare_env.take() {
            Some(mut env) => {
                env.clear(prog_type);
                env
            }
            None => Box::new(ExecEnv::empty(prog_type)),
        }
    }

    /// Hand an environment back for the next [`Runtime::take_env`].
    pub fn recycle_env(&mut self, env: Box<ExecEnv>) {
        self.spare_env = Some(env);
    }

    /// Start of a run: forget the previous run's redirect.
    pub fn begin_run(&mut self) {
        self.redirect = None;
    }

    /// End of a run: values deleted during it stop being addressable.
    pub fn end_run(&mut self) {
        self.maps.end_run();
    }

    fn next_prandom(&mut self) -> u32 {
        // splitmix64
        self.rng = self.rng.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.rng;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        (z ^ (z >> 31)) as u32
    }
}

#[cfg(test)]
mod tests;
