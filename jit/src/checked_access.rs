//! The Rust side of checked mode's memory accesses: a load, store or atomic the compiled code
//! could not place in the live stack or the last region it hit comes here, and is checked
//! against the run's live regions exactly as the interpreter checks it (`ir::interp`): the
//! same region lookup, the same context rules, the same error kinds. Only then is memory
//! touched, through `ir::runtime::mem`.

use crate::trampoline::{fail, slow, Host, JitEnv};
use crate::RunError;
use ir::insn::{AtomicOp, MemSize};
use ir::interp::{ExecError, ExecErrorKind};
use ir::runtime::{mem, CtxAccessError, RegionKind};

/// Everything about one checked access that is known at compile time, packed in one operand:
/// bits 0–3 the size in bytes, bit 4 sign extension (loads), bits 5–7 the atomic operation,
/// bit 8 fetch, bits 16–63 the slot.
pub(crate) fn meta(
    size: MemSize,
    signed: bool,
    atomic: Option<(AtomicOp, bool)>,
    pc: usize,
) -> u64 {
    let (op, fetch) = match atomic {
        Some((op, fetch)) => (
            match op {
                AtomicOp::Add => 0,
                AtomicOp::Or => 1,
                AtomicOp::And => 2,
                AtomicOp::Xor => 3,
                AtomicOp::Xchg => 4,
                AtomicOp::CmpXchg => 5,
            },
            fetch,
        ),
        None => (0, false),
    };
    size.bytes() as u64 | (signed as u64) << 4 | op << 5 | (fetch as u64) << 8 | (pc as u64) << 16
}

struct Meta {
    size: MemSize,
    signed: bool,
    op: AtomicOp,
    pc: usize,
}

fn unpack(m: u64) -> Meta {
    Meta {
        size: match m & 15 {
            1 => MemSize::B,
            2 => MemSize::H,
            4 => MemSize::W,
            _ => MemSize::DW,
        },
        signed: m & 16 != 0,
        op: match (m >> 5) & 7 {
            0 => AtomicOp::Add,
            1 => AtomicOp::Or,
            2 => AtomicOp::And,
            3 => AtomicOp::Xor,
            4 => AtomicOp::Xchg,
            _ => AtomicOp::CmpXchg,
        },
        pc: (m >> 16) as usize,
    }
}

/// A checked load (`a` = address, `b` = meta), store (`a` = address, `b` = value, `c` = meta)
/// or atomic (`a` = address, `b` = operand, `c` = r0, `d` = meta). Returns the loaded value or
/// the atomic's old value; on a fault records the error (with the slot) and asks the code to
/// stop.
pub(crate) fn slow_access(
    env: &mut JitEnv,
    host: &mut Host<'_>,
    kind: u64,
    a: u64,
    b: u64,
    c: u64,
    d: u64,
) -> u64 {
    let m = unpack(match kind {
        slow::CHECKED_LOAD => b,
        slow::CHECKED_STORE => c,
        _ => d,
    });
    host.env
        .set_stack(env.stack_lo, env.stack_lo.wrapping_add(env.stack_span));
    let r = match kind {
        slow::CHECKED_LOAD => load(env, host, a, m.size).map(|v| {
            if !m.signed {
                return v;
            }
            match m.size {
                MemSize::B => v as i8 as i64 as u64,
                MemSize::H => v as i16 as i64 as u64,
                MemSize::W => v as i32 as i64 as u64,
                MemSize::DW => v,
            }
        }),
        slow::CHECKED_STORE => store(env, host, a, m.size, b).map(|()| 0),
        _ => atomic(host, a, m.size, m.op, b, c),
    };
    match r {
        Ok(v) => v,
        Err(kind) => {
            let e = ExecError {
                pc: m.pc,
                prog: env.prog_index as usize,
                insn: None,
                text: None,
                kind,
            };
            fail(env, host, RunError::Exec(e))
        }
    }
}

fn out_of_bounds(host: &Host<'_>, addr: u64, size: MemSize, write: bool) -> ExecErrorKind {
    ExecErrorKind::OutOfBounds {
        addr,
        size: size.bytes(),
        write,
        near: host.rt.nearest_region(&host.env, addr),
    }
}

fn load(env: &mut JitEnv, host: &Host<'_>, addr: u64, size: MemSize) -> Result<u64, ExecErrorKind> {
    let n = size.bytes() as u64;
    match host.rt.find_region(&host.env, addr, n) {
        Some(r) if r.kind == RegionKind::Ctx => host
            .env
            .ctx_load(addr - r.start, size)
            .map_err(ExecErrorKind::Ctx),
        Some(r) => {
            if r.kind != RegionKind::Stack {
                env.hot_lo = r.start;
                env.hot_span = r.end - r.start;
            }
            // SAFETY: the whole access lies inside a live region backed by a HostBuf (the
            // runtime's regions, or the run's eBPF stack), owned by this run's `&mut Runtime`.
            Ok(unsafe { mem::load(addr, size) })
        }
        None => Err(out_of_bounds(host, addr, size, false)),
    }
}

fn store(
    env: &mut JitEnv,
    host: &mut Host<'_>,
    addr: u64,
    size: MemSize,
    value: u64,
) -> Result<(), ExecErrorKind> {
    let n = size.bytes() as u64;
    match host.rt.find_region(&host.env, addr, n) {
        Some(r) if r.kind == RegionKind::Ctx => host
            .env
            .ctx_store(addr - r.start, size, value)
            .map_err(ExecErrorKind::Ctx),
        Some(r) if !r.writable => Err(ExecErrorKind::ReadOnly {
            addr,
            size: n as u32,
            region: r.kind,
        }),
        Some(r) => {
            if r.kind != RegionKind::Stack {
                env.hot_w_lo = r.start;
                env.hot_w_span = r.end - r.start;
            }
            // SAFETY: the whole access lies inside a live writable region backed by a HostBuf,
            // owned by this run's `&mut Runtime` (or the run's eBPF stack).
            unsafe { mem::store(addr, size, value) };
            Ok(())
        }
        None => Err(out_of_bounds(host, addr, size, true)),
    }
}

fn atomic(
    host: &Host<'_>,
    addr: u64,
    size: MemSize,
    op: AtomicOp,
    value: u64,
    expected: u64,
) -> Result<u64, ExecErrorKind> {
    let n = size.bytes() as u64;
    match host.rt.find_region(&host.env, addr, n) {
        Some(r) if r.kind == RegionKind::Ctx => Err(ExecErrorKind::Ctx(CtxAccessError {
            off: addr - r.start,
            size: n as u32,
            write: true,
        })),
        Some(r) if !r.writable => Err(ExecErrorKind::ReadOnly {
            addr,
            size: n as u32,
            region: r.kind,
        }),
        // SAFETY: the range lies in a live, writable, non-context region (a HostBuf) that
        // this run owns.
        Some(_) => Ok(unsafe { mem::atomic(addr, size, op, value, expected) }),
        None => Err(out_of_bounds(host, addr, size, true)),
    }
}
