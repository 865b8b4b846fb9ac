//! The per-run environment block the compiled code reaches through its environment register,
//! and the `extern "sysv64"` trampolines through which compiled code calls into Rust.
//!
//! For a helper call the code stores the helper id in [`JitEnv::helper_id`], puts the
//! environment pointer in the sixth argument register and calls [`helper_trampoline`] with the
//! eBPF arguments r1..r5 already in the SysV argument registers. The trampoline calls
//! [`Runtime::call_helper`] — the same maps and helpers as the interpreter — and returns r0, or
//! sets [`JitEnv::stop`]; the code checks `stop` after every call. `bpf_map_lookup_elem`, the
//! commonest helper, takes a leaner path: no helper id, [`lookup_trampoline`]. Context fields
//! that are not packet pointers, context stores and legacy LD_ABS/LD_IND go through
//! [`slow_trampoline`].

use crate::RunError;
use ir::insn::MemSize;
use ir::runtime::{Control, ExecEnv, Runtime};
use std::mem::offset_of;

/// Why the compiled code stopped early (the value of [`JitEnv::stop`]).
pub(crate) mod stop {
    /// Still running (or returned normally).
    pub(crate) const NONE: u64 = 0;
    /// The whole run ends now with r0 = [`super::JitEnv::result`] (conformance "unwind",
    /// LD_ABS out of bounds).
    pub(crate) const FINISH: u64 = 2;
    /// A call into Rust failed; the error is in the host.
    pub(crate) const ERROR: u64 = 3;
    /// Too many nested bpf-to-bpf calls (unverified programs only).
    pub(crate) const CALL_DEPTH: u64 = 4;
    /// Control fell off the end of a function (unverified programs only).
    pub(crate) const FELL_OFF: u64 = 5;
    /// A tail call ran the target program to its end: the calling function returns
    /// [`super::JitEnv::result`] to its caller.
    pub(crate) const TAIL_RETURN: u64 = 6;
    /// A checked program stopped on a fault known at compile time (step budget, a write to
    /// r10, a jump outside its function): [`super::JitEnv::fault`] indexes the program's faults.
    pub(crate) const FAULT: u64 = 7;
}

/// What [`slow_trampoline`] is asked to do (its first argument).
pub(crate) mod slow {
    /// `r = ctx_load(off, size)`.
    pub(crate) const CTX_LOAD: u64 = 1;
    /// `ctx_store(off, size, value)`.
    pub(crate) const CTX_STORE: u64 = 2;
    /// `r0 = ld_abs(off, size)`.
    pub(crate) const LD_ABS: u64 = 3;
    /// Checked mode: `r = load(addr, meta)` (see [`crate::checked_access`]).
    pub(crate) const CHECKED_LOAD: u64 = 4;
    /// Checked mode: `store(addr, value, meta)`.
    pub(crate) const CHECKED_STORE: u64 = 5;
    /// Checked mode: `old = atomic(addr, value, r0, meta)`.
    pub(crate) const CHECKED_ATOMIC: u64 = 6;
}

/// Runs a tail-call target: `(runtime program index, r1, host, outer env) -> r0`.
pub(crate) type TailRunner = fn(usize, u64, &mut Host<'_>, &mut JitEnv) -> Result<u64, ()>;

/// The Rust side of a run: the runtime, the execution environment and how to run tail calls.
pub(crate) struct Host<'r> {
    pub(crate) rt: &'r mut Runtime,
    /// Taken from the runtime for the run ([`Runtime::take_env`]) and handed back after it.
    pub(crate) env: Box<ExecEnv>,
    /// The first error of the run.
    pub(crate) error: Option<RunError>,
    /// Compiles and runs a tail-call target.
    pub(crate) tail: TailRunner,
    /// Per-run state of the tail runner (compiled targets and their map tables).
    pub(crate) tail_state: crate::x86_64::TailCache<'r>,
}

/// The environment block. `#[repr(C)]`: the compiled code reads and writes the fields named in
/// [`offsets`] at fixed offsets from its environment register.
#[repr(C)]
pub(crate) struct JitEnv {
    /// Non-zero once the code must stop; one of [`stop`].
    pub(crate) stop: u64,
    /// RSP of the entry frame after its prologue, for unwinding.
    pub(crate) saved_rsp: u64,
    /// Helper id of the call in progress.
    pub(crate) helper_id: u64,
    /// Current bpf-to-bpf call depth (unverified programs only).
    pub(crate) depth: u64,
    /// Address of [`helper_trampoline`].
    pub(crate) helper: u64,
    /// Address of [`slow_trampoline`].
    pub(crate) slow: u64,
    /// Address of [`lookup_trampoline`].
    pub(crate) lookup: u64,
    /// r0 for [`stop::FINISH`] and [`stop::TAIL_RETURN`].
    pub(crate) result: u64,
    /// Packet `data` pointer (what a context load of `data` yields).
    pub(crate) pkt_data: u64,
    /// Packet `data_end` pointer.
    pub(crate) pkt_end: u64,
    /// Packet `data_meta` pointer.
    pub(crate) pkt_meta: u64,
    /// Base of the per-map table: `[handle, direct value address]` per program map.
    pub(crate) map_table: u64,
    /// Highest address of the native stack the eBPF frames live in (for helper pointer checks).
    pub(crate) stack_top: u64,
    /// The Rust side; read only by the trampolines.
    pub(crate) host: *mut Host<'static>,
    /// Checked mode: steps left (each basic block subtracts its instruction count on entry).
    pub(crate) budget: u64,
    /// Checked mode: the live eBPF stack `[stack_lo, stack_lo + stack_span)` (the current frame
    /// and its callers'); zero span in the other modes.
    pub(crate) stack_lo: u64,
    /// See `stack_lo`.
    pub(crate) stack_span: u64,
    /// Checked mode: the region the last checked load hit, `[hot_lo, hot_lo + hot_span)`.
    pub(crate) hot_lo: u64,
    /// See `hot_lo`; zero after every helper call (helpers may move or free regions).
    pub(crate) hot_span: u64,
    /// Checked mode: the writable region the last checked store hit.
    pub(crate) hot_w_lo: u64,
    /// See `hot_w_lo`.
    pub(crate) hot_w_span: u64,
    /// Checked mode: index of the compile-time fault a [`stop::FAULT`] stop names.
    pub(crate) fault: u64,
    /// Runtime program index of the running program (0 = entry), for error reports.
    pub(crate) prog_index: u64,
}

/// Byte offsets of the fields the compiled code touches.
pub(crate) mod offsets {
    use super::*;
    pub(crate) const STOP: i32 = offset_of!(JitEnv, stop) as i32;
    pub(crate) const SAVED_RSP: i32 = offset_of!(JitEnv, saved_rsp) as i32;
    pub(crate) const HELPER_ID: i32 = offset_of!(JitEnv, helper_id) as i32;
    pub(crate) const DEPTH: i32 = offset_of!(JitEnv, depth) as i32;
    pub(crate) const HELPER: i32 = offset_of!(JitEnv, helper) as i32;
    pub(crate) const SLOW: i32 = offset_of!(JitEnv, slow) as i32;
    pub(crate) const LOOKUP: i32 = offset_of!(JitEnv, lookup) as i32;
    pub(crate) const RESULT: i32 = offset_of!(JitEnv, result) as i32;
    pub(crate) const PKT_DATA: i32 = offset_of!(JitEnv, pkt_data) as i32;
    pub(crate) const PKT_END: i32 = offset_of!(JitEnv, pkt_end) as i32;
    pub(crate) const PKT_META: i32 = offset_of!(JitEnv, pkt_meta) as i32;
    pub(crate) const MAP_TABLE: i32 = offset_of!(JitEnv, map_table) as i32;
    pub(crate) const BUDGET: i32 = offset_of!(JitEnv, budget) as i32;
    pub(crate) const STACK_LO: i32 = offset_of!(JitEnv, stack_lo) as i32;
    pub(crate) const STACK_SPAN: i32 = offset_of!(JitEnv, stack_span) as i32;
    pub(crate) const HOT_LO: i32 = offset_of!(JitEnv, hot_lo) as i32;
    pub(crate) const HOT_SPAN: i32 = offset_of!(JitEnv, hot_span) as i32;
    pub(crate) const HOT_W_LO: i32 = offset_of!(JitEnv, hot_w_lo) as i32;
    pub(crate) const HOT_W_SPAN: i32 = offset_of!(JitEnv, hot_w_span) as i32;
    pub(crate) const FAULT: i32 = offset_of!(JitEnv, fault) as i32;
}

impl JitEnv {
    /// A fresh block for one run (or one tail-called program) against `host`.
    pub(crate) fn new(host: *mut Host<'static>, map_table: u64, stack_top: u64) -> JitEnv {
        let mut e = JitEnv {
            stop: stop::NONE,
            saved_rsp: 0,
            helper_id: 0,
            depth: 0,
            helper: helper_trampoline as *const () as u64,
            slow: slow_trampoline as *const () as u64,
            lookup: lookup_trampoline as *const () as u64,
            result: 0,
            pkt_data: 0,
            pkt_end: 0,
            pkt_meta: 0,
            map_table,
            stack_top,
            host,
            budget: 0,
            stack_lo: 0,
            stack_span: 0,
            hot_lo: 0,
            hot_span: 0,
            hot_w_lo: 0,
            hot_w_span: 0,
            fault: 0,
            prog_index: 0,
        };
        // SAFETY: `host` points to the live `Host` of this run (see `JitProgram::run`).
        #[allow(unsafe_code)]
        e.refresh_packet(unsafe { &*host });
        e
    }

    /// The live stack helpers may be handed pointers into: the eBPF stack in checked mode,
    /// else the native stack below the run's entry.
    pub(crate) fn helper_stack(&self, sp: u64) -> (u64, u64) {
        if self.stack_span != 0 {
            (self.stack_lo, self.stack_lo.wrapping_add(self.stack_span))
        } else {
            (sp, self.stack_top)
        }
    }

    /// Copy the packet pointers from the execution environment (helpers may move them).
    pub(crate) fn refresh_packet(&mut self, host: &Host<'_>) {
        if let Some((meta, data, end)) = host.env.packet_bounds() {
            self.pkt_meta = meta;
            self.pkt_data = data;
            self.pkt_end = end;
        }
    }
}

pub(crate) fn fail(env: &mut JitEnv, host: &mut Host<'_>, e: RunError) -> u64 {
    host.error.get_or_insert(e);
    env.stop = stop::ERROR;
    0
}

/// Called by compiled code for every helper call: r1..r5 in the SysV argument registers, the
/// environment block sixth. Never unwinds into compiled code: a panic becomes a run error.
pub(crate) extern "sysv64" fn helper_trampoline(
    a1: u64,
    a2: u64,
    a3: u64,
    a4: u64,
    a5: u64,
    env: *mut JitEnv,
) -> u64 {
    // SAFETY: compiled code passes the pointer `JitProgram::run` gave it; the block is live and
    // not otherwise touched while the code is suspended in this call.
    #[allow(unsafe_code)]
    let env = unsafe { &mut *env };
    // SAFETY: `host` points to the run's `Host`, which outlives the run; only trampolines use it.
    #[allow(unsafe_code)]
    let host = unsafe { &mut *env.host };
    let here = 0u8;
    let sp = &here as *const u8 as u64;
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        helper(env, host, sp, [a1, a2, a3, a4, a5])
    }))
    .unwrap_or_else(|_| {
        host.error
            .get_or_insert(RunError::Internal("a helper panicked".into()));
        env.stop = stop::ERROR;
        0
    })
}

fn helper(env: &mut JitEnv, host: &mut Host<'_>, sp: u64, args: [u64; 5]) -> u64 {
    let id = env.helper_id as i64;
    let Ok(id) = i32::try_from(id) else {
        return fail(
            env,
            host,
            RunError::Helper {
                id: -1,
                error: ir::runtime::HelperError::Unknown(-1),
            },
        );
    };
    let (lo, hi) = env.helper_stack(sp);
    host.env.set_stack(lo, hi);
    let r = host.rt.call_helper(id, args, &mut host.env);
    env.refresh_packet(host);
    let v = match r {
        Ok(v) => v,
        Err(error) => return fail(env, host, RunError::Helper { id, error }),
    };
    match host.env.control.take() {
        None => v,
        Some(Control::Exit(r0)) => {
            env.result = r0;
            env.stop = stop::FINISH;
            0
        }
        Some(Control::TailCall { prog, ctx }) => {
            let run = host.tail;
            match run(prog, ctx, host, env) {
                Ok(r0) => {
                    if env.stop == stop::NONE {
                        env.result = r0;
                        env.stop = stop::TAIL_RETURN;
                    }
                    0
                }
                Err(()) => {
                    env.stop = stop::ERROR;
                    0
                }
            }
        }
    }
}

/// Called by compiled code for `bpf_map_lookup_elem` (helper 1): the map handle and key pointer
/// in the first two SysV argument registers, the environment block sixth. The lean path of the
/// commonest helper: no helper id to store and dispatch on, and nothing to re-read afterwards
/// (a lookup neither moves the packet nor transfers control); the same runtime code as
/// [`Runtime::call_helper`] does the lookup.
pub(crate) extern "sysv64" fn lookup_trampoline(
    map: u64,
    key: u64,
    _a3: u64,
    _a4: u64,
    _a5: u64,
    env: *mut JitEnv,
) -> u64 {
    // SAFETY: as in `helper_trampoline`.
    #[allow(unsafe_code)]
    let env = unsafe { &mut *env };
    // SAFETY: as in `helper_trampoline`.
    #[allow(unsafe_code)]
    let host = unsafe { &mut *env.host };
    let here = 0u8;
    let sp = &here as *const u8 as u64;
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let (lo, hi) = env.helper_stack(sp);
        host.env.set_stack(lo, hi);
        match host.rt.map_lookup_helper(map, key, &host.env) {
            Ok(v) => v,
            Err(error) => fail(
                env,
                host,
                RunError::Helper {
                    id: ir::runtime::helper_id::MAP_LOOKUP_ELEM,
                    error,
                },
            ),
        }
    }))
    .unwrap_or_else(|_| {
        host.error
            .get_or_insert(RunError::Internal("a helper panicked".into()));
        env.stop = stop::ERROR;
        0
    })
}

/// Slow paths: `kind` is one of [`slow`]; `a`, `b`, `c`, `d` its operands.
pub(crate) extern "sysv64" fn slow_trampoline(
    kind: u64,
    a: u64,
    b: u64,
    c: u64,
    d: u64,
    env: *mut JitEnv,
) -> u64 {
    // SAFETY: as in `helper_trampoline`.
    #[allow(unsafe_code)]
    let env = unsafe { &mut *env };
    // SAFETY: as in `helper_trampoline`.
    #[allow(unsafe_code)]
    let host = unsafe { &mut *env.host };
    if matches!(
        kind,
        slow::CHECKED_LOAD | slow::CHECKED_STORE | slow::CHECKED_ATOMIC
    ) {
        return crate::checked_access::slow_access(env, host, kind, a, b, c, d);
    }
    let size = match b {
        1 => MemSize::B,
        2 => MemSize::H,
        4 => MemSize::W,
        _ => MemSize::DW,
    };
    match kind {
        slow::CTX_LOAD => match host.env.ctx_load(a, size) {
            Ok(v) => v,
            Err(e) => fail(env, host, RunError::Ctx(e)),
        },
        slow::CTX_STORE => match host.env.ctx_store(a, size, c) {
            Ok(()) => 0,
            Err(e) => fail(env, host, RunError::Ctx(e)),
        },
        slow::LD_ABS => match host.env.ld_abs(a as i64 as i32, size) {
            Ok(Some(v)) => v,
            Ok(None) => {
                env.result = 0;
                env.stop = stop::FINISH;
                0
            }
            Err(e) => fail(env, host, RunError::Unsupported(e)),
        },
        _ => fail(env, host, RunError::Internal(format!("slow path {kind}"))),
    }
}
