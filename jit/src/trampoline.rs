//! The per-run environment block the compiled code reaches through its environment register,
//! and the `extern "sysv64"` trampoline through which compiled code calls helpers in Rust.
//!
//! Compiled code stores the helper id in [`JitEnv::helper_id`], puts the environment pointer
//! in the sixth argument register and calls [`helper_trampoline`] with the eBPF arguments
//! r1..r5 already in the SysV argument registers. The trampoline asks the [`Host`] (the same
//! map and helper runtime the interpreter uses) and returns r0, or sets [`JitEnv::stop`]; the
//! code checks `stop` after every call and unwinds to the entry frame when it is set.

use std::mem::offset_of;

/// What a helper call came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum HelperOutcome {
    /// The helper returned this r0; the program goes on.
    Return(u64),
    /// The program ends now with r0 = 0 (the conformance "unwind" helper).
    Unwind,
    /// The program ends now with this r0 (e.g. a successful tail call was handled by the host
    /// and produced the final result).
    Finish(u64),
    /// The run fails with this message.
    Error(String),
}

/// The runtime side of helper calls, as the compiled code sees it.
pub(crate) trait Host {
    /// Call helper `id` with r1..r5.
    fn call_helper(&mut self, id: i64, args: [u64; 5]) -> HelperOutcome;
}

/// Why the compiled code stopped early (the value of [`JitEnv::stop`]).
pub(crate) mod stop {
    /// Still running (or returned normally).
    pub(crate) const NONE: u64 = 0;
    /// A helper asked to end the run with r0 = 0.
    pub(crate) const UNWIND: u64 = 1;
    /// A helper asked to end the run with the value in `JitEnv::result`.
    pub(crate) const FINISH: u64 = 2;
    /// A helper failed; the message is in the host state.
    pub(crate) const HELPER_ERROR: u64 = 3;
    /// Too many nested bpf-to-bpf calls (unverified programs only).
    pub(crate) const CALL_DEPTH: u64 = 4;
    /// Control fell off the end of a function (unverified programs only).
    pub(crate) const FELL_OFF: u64 = 5;
    /// A legacy packet load was out of bounds: the run ends with r0 = 0.
    pub(crate) const LD_ABS_OOB: u64 = 6;
}

/// The environment block. `#[repr(C)]`: the compiled code reads and writes the fields named in
/// [`offsets`] at fixed offsets from its environment register.
#[repr(C)]
pub(crate) struct JitEnv<'h> {
    /// Non-zero once the code must unwind to the entry frame; one of [`stop`].
    pub(crate) stop: u64,
    /// RSP of the entry frame after its prologue, for unwinding.
    pub(crate) saved_rsp: u64,
    /// Helper id of the call in progress.
    pub(crate) helper_id: u64,
    /// Current bpf-to-bpf call depth (unverified programs only).
    pub(crate) depth: u64,
    /// Address of [`helper_trampoline`].
    pub(crate) trampoline: u64,
    /// Result for [`stop::FINISH`].
    pub(crate) result: u64,
    /// Packet data start, for legacy LD_ABS/LD_IND.
    pub(crate) pkt_data: u64,
    /// Packet length in bytes, for legacy LD_ABS/LD_IND.
    pub(crate) pkt_len: u64,
    /// Base of the table of per-map values that LD_IMM64 map references load.
    pub(crate) map_table: u64,
    /// The runtime; read only by the trampoline.
    pub(crate) host: *mut (dyn Host + 'h),
    /// The first helper error, if any.
    pub(crate) error: Option<String>,
}

/// Byte offsets of the fields the compiled code touches.
pub(crate) mod offsets {
    use super::*;
    pub(crate) const STOP: i32 = offset_of!(JitEnv<'static>, stop) as i32;
    pub(crate) const SAVED_RSP: i32 = offset_of!(JitEnv<'static>, saved_rsp) as i32;
    pub(crate) const HELPER_ID: i32 = offset_of!(JitEnv<'static>, helper_id) as i32;
    pub(crate) const DEPTH: i32 = offset_of!(JitEnv<'static>, depth) as i32;
    pub(crate) const TRAMPOLINE: i32 = offset_of!(JitEnv<'static>, trampoline) as i32;
    pub(crate) const PKT_DATA: i32 = offset_of!(JitEnv<'static>, pkt_data) as i32;
    pub(crate) const PKT_LEN: i32 = offset_of!(JitEnv<'static>, pkt_len) as i32;
    pub(crate) const MAP_TABLE: i32 = offset_of!(JitEnv<'static>, map_table) as i32;
}

impl<'h> JitEnv<'h> {
    /// A fresh block for one run against `host`.
    pub(crate) fn new(host: &'h mut dyn Host) -> JitEnv<'h> {
        JitEnv {
            stop: stop::NONE,
            saved_rsp: 0,
            helper_id: 0,
            depth: 0,
            trampoline: helper_trampoline as *const () as u64,
            result: 0,
            pkt_data: 0,
            pkt_len: 0,
            map_table: 0,
            host: host as *mut (dyn Host + 'h),
            error: None,
        }
    }
}

/// Called by compiled code for every helper call: r1..r5 in the SysV argument registers, the
/// environment block sixth. Never unwinds into compiled code: a panic in the host becomes a
/// helper error.
pub(crate) extern "sysv64" fn helper_trampoline(
    a1: u64,
    a2: u64,
    a3: u64,
    a4: u64,
    a5: u64,
    env: *mut JitEnv<'_>,
) -> u64 {
    // SAFETY: compiled code passes the pointer it was given by `JitProgram::run`, which points
    // to a live `JitEnv` borrowed mutably for the whole run; nothing else touches it while the
    // trampoline runs (the compiled code is suspended in the call).
    let env = unsafe { &mut *env };
    // SAFETY: `host` was made from a `&mut dyn Host` that outlives the run (see `JitEnv::new`).
    let host = unsafe { &mut *env.host };
    let id = env.helper_id as i64;
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        host.call_helper(id, [a1, a2, a3, a4, a5])
    }))
    .unwrap_or_else(|_| HelperOutcome::Error(format!("helper {id} panicked")));
    match outcome {
        HelperOutcome::Return(v) => v,
        HelperOutcome::Unwind => {
            env.stop = stop::UNWIND;
            0
        }
        HelperOutcome::Finish(v) => {
            env.result = v;
            env.stop = stop::FINISH;
            0
        }
        HelperOutcome::Error(e) => {
            env.error.get_or_insert(e);
            env.stop = stop::HELPER_ERROR;
            0
        }
    }
}
