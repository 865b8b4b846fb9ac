//! Running RV64 code in process under unicorn (feature `riscv-emu`), against the same
//! [`Runtime`] as the interpreter.
//!
//! Memory: the code and the environment block live at addresses above any host user-space
//! address (`CODE_BASE`, `ENV_BASE`). Everything a program may touch — its stack, the packet,
//! context, input memory, map values — is host memory that the emulator maps at the *same*
//! address (so helpers see the same pointers): the stack eagerly, every other region the first
//! time the code touches it, when the runtime confirms it is live ([`Runtime::find_region`]).
//! An access to anything else is an error, never a host access. Pages are 4 KiB: a live region
//! that shares a page with other host data exposes that page (the verifier has already ruled
//! such accesses out for verified programs).
//!
//! Traps: `ecall` (see [`super::trap`]) runs a helper, a context access or LD_ABS in Rust and
//! resumes; a helper asking to end the run (conformance "unwind", LD_ABS out of bounds) stops
//! the emulation; a tail call stops it, runs the target in a nested emulator, and resumes the
//! caller with the target's r0.

use super::regs::XReg;
use super::{env_layout, trap, Rv64Program, Trust};
use crate::{JitError, RunError};
use ir::insn::MemSize;
use ir::interp::{Action, Input, Outcome};
use ir::runtime::{Control, ExecEnv, Runtime};
use std::collections::HashSet;
use unicorn_engine::{Arch, HookType, MemType, Mode, Prot, RegisterRISCV, Unicorn};

/// Where the code is mapped (above any host user-space address, below 2^56).
const CODE_BASE: u64 = 0x0010_0000_0000_0000;
/// Where the environment block is mapped.
const ENV_BASE: u64 = 0x0010_0001_0000_0000;
const PAGE: u64 = 4096;
/// Bytes of native stack for one run (nine 512-byte eBPF frames plus saved registers, with
/// room to spare).
const STACK_BYTES: usize = 64 * 1024 + 2 * PAGE as usize;
/// Instructions one run may execute before it is stopped (a hang guard for unverified code).
const MAX_INSNS: usize = 50_000_000;

fn xreg(r: XReg) -> RegisterRISCV {
    // X0..X31 are consecutive in unicorn's register enum.
    const ALL: [RegisterRISCV; 32] = [
        RegisterRISCV::X0,
        RegisterRISCV::X1,
        RegisterRISCV::X2,
        RegisterRISCV::X3,
        RegisterRISCV::X4,
        RegisterRISCV::X5,
        RegisterRISCV::X6,
        RegisterRISCV::X7,
        RegisterRISCV::X8,
        RegisterRISCV::X9,
        RegisterRISCV::X10,
        RegisterRISCV::X11,
        RegisterRISCV::X12,
        RegisterRISCV::X13,
        RegisterRISCV::X14,
        RegisterRISCV::X15,
        RegisterRISCV::X16,
        RegisterRISCV::X17,
        RegisterRISCV::X18,
        RegisterRISCV::X19,
        RegisterRISCV::X20,
        RegisterRISCV::X21,
        RegisterRISCV::X22,
        RegisterRISCV::X23,
        RegisterRISCV::X24,
        RegisterRISCV::X25,
        RegisterRISCV::X26,
        RegisterRISCV::X27,
        RegisterRISCV::X28,
        RegisterRISCV::X29,
        RegisterRISCV::X30,
        RegisterRISCV::X31,
    ];
    ALL[r.num() as usize]
}

/// The Rust side of one emulated run.
struct RunState<'r> {
    rt: &'r mut Runtime,
    env: Box<ExecEnv>,
    /// Top of the run's stack (one past the highest byte).
    stack_top: u64,
    /// Host pages mapped into the emulator so far.
    mapped: HashSet<u64>,
    /// The first error of the run.
    error: Option<RunError>,
    /// The run ends now with this r0 (conformance unwind, LD_ABS out of bounds).
    finish: Option<u64>,
    /// A tail call to run: (runtime program index, r1).
    tail: Option<(usize, u64)>,
    /// Where the fall-off traps are.
    fell_off: Vec<u64>,
}

fn reg(uc: &Unicorn<'_, RunState<'_>>, r: XReg) -> u64 {
    uc.reg_read(xreg(r)).unwrap_or(0)
}

fn set(uc: &mut Unicorn<'_, RunState<'_>>, r: XReg, v: u64) {
    let _ = uc.reg_write(xreg(r), v);
}

fn fail(uc: &mut Unicorn<'_, RunState<'_>>, e: RunError) {
    uc.get_data_mut().error.get_or_insert(e);
    let _ = uc.emu_stop();
}

fn size_of(n: u64) -> MemSize {
    match n {
        1 => MemSize::B,
        2 => MemSize::H,
        4 => MemSize::W,
        _ => MemSize::DW,
    }
}

/// Write the packet pointers into the environment block.
fn refresh_packet(uc: &mut Unicorn<'_, RunState<'_>>) {
    if let Some((meta, data, end)) = uc.get_data().env.packet_bounds() {
        let mut b = [0u8; 24];
        b[..8].copy_from_slice(&data.to_le_bytes());
        b[8..16].copy_from_slice(&end.to_le_bytes());
        b[16..].copy_from_slice(&meta.to_le_bytes());
        let _ = uc.mem_write(ENV_BASE + env_layout::PKT_DATA as u64, &b);
    }
}

/// The `ecall` handler.
fn on_ecall(uc: &mut Unicorn<'_, RunState<'_>>) {
    use super::regs::{rv, SP, T0, T1, T2, T3};
    use ir::Reg;
    let kind = reg(uc, T0);
    set(uc, T0, 0);
    match kind {
        trap::HELPER => {
            let id = reg(uc, T1) as i64;
            let Ok(id) = i32::try_from(id) else {
                return fail(
                    uc,
                    RunError::Helper {
                        id: -1,
                        error: ir::runtime::HelperError::Unknown(-1),
                    },
                );
            };
            let args = [Reg::R1, Reg::R2, Reg::R3, Reg::R4, Reg::R5].map(|r| reg(uc, rv(r)));
            let sp = reg(uc, SP);
            let st = uc.get_data_mut();
            let top = st.stack_top;
            st.env.set_stack(sp, top);
            let r = st.rt.call_helper(id, args, &mut st.env);
            let control = st.env.control.take();
            refresh_packet(uc);
            let v = match r {
                Ok(v) => v,
                Err(error) => return fail(uc, RunError::Helper { id, error }),
            };
            match control {
                None => set(uc, rv(Reg::R0), v),
                Some(Control::Exit(r0)) => {
                    uc.get_data_mut().finish = Some(r0);
                    let _ = uc.emu_stop();
                }
                Some(Control::TailCall { prog, ctx }) => {
                    uc.get_data_mut().tail = Some((prog, ctx));
                    let _ = uc.emu_stop();
                }
            }
        }
        trap::CTX_LOAD => {
            let (field, size) = (reg(uc, T1), size_of(reg(uc, T2)));
            match uc.get_data().env.ctx_load(field, size) {
                Ok(v) => set(uc, T1, v),
                Err(e) => fail(uc, RunError::Ctx(e)),
            }
        }
        trap::CTX_STORE => {
            let (field, size, value) = (reg(uc, T1), size_of(reg(uc, T2)), reg(uc, T3));
            if let Err(e) = uc.get_data_mut().env.ctx_store(field, size, value) {
                fail(uc, RunError::Ctx(e))
            }
        }
        trap::LD_ABS => {
            let (off, size) = (reg(uc, T1) as i32, size_of(reg(uc, T2)));
            match uc.get_data().env.ld_abs(off, size) {
                Ok(Some(v)) => set(uc, rv(Reg::R0), v),
                Ok(None) => {
                    uc.get_data_mut().finish = Some(0);
                    let _ = uc.emu_stop();
                }
                Err(e) => fail(uc, RunError::Unsupported(e)),
            }
        }
        trap::CALL_DEPTH => fail(uc, RunError::CallDepth),
        other => fail(uc, RunError::Internal(format!("unknown trap kind {other}"))),
    }
}

/// Execute the Zba/Zbb instruction at `pc` in software (unicorn predates them); false if it
/// is not one. The emulation resumes after it (unicorn has already stepped the PC past it).
fn emulate_zb(uc: &mut Unicorn<'_, RunState<'_>>, pc: u64) -> bool {
    let mut w = [0u8; 4];
    if uc.mem_read(pc, &mut w).is_err() {
        return false;
    }
    let read = |n: u32| {
        XReg::new(n as u8)
            .map(|r| uc.reg_read(xreg(r)).unwrap_or(0))
            .unwrap_or(0)
    };
    let Some((rd, v)) = super::zb_emu::execute(u32::from_le_bytes(w), read) else {
        return false;
    };
    if let Some(r) = XReg::new(rd as u8).filter(|r| r.num() != 0) {
        set(uc, r, v);
    }
    true
}

/// Map the host pages of the live region holding `[addr, addr + size)`, if there is one.
fn map_live(uc: &mut Unicorn<'_, RunState<'_>>, addr: u64, size: usize) -> bool {
    let st = uc.get_data();
    let Some(region) = st.rt.find_region(&st.env, addr, size as u64) else {
        return false;
    };
    if region.kind == ir::runtime::RegionKind::Ctx {
        // The context is reached field by field (see `ctx_access`), never as memory.
        return false;
    }
    let first = region.start & !(PAGE - 1);
    let mut page = first;
    while page < region.end {
        if !uc.get_data().mapped.contains(&page) {
            // SAFETY: the page holds (part of) a live runtime region, a `HostBuf` that stays
            // allocated until the run ends (deleted map values included, see
            // `Runtime::end_run`); this emulator, which alone uses the mapping, is dropped
            // before the run returns.
            #[allow(unsafe_code)]
            let r = unsafe { uc.mem_map_ptr(page, PAGE, Prot::READ | Prot::WRITE, page as *mut _) };
            if r.is_err() {
                return false;
            }
            uc.get_data_mut().mapped.insert(page);
        }
        page += PAGE;
    }
    true
}

impl Rv64Program {
    /// Run under the emulator on `input` against `rt`, exactly as [`ir::interp::run`] does:
    /// the same context and packet presentation, maps, helpers and tail calls.
    /// `Outcome::steps` is 0.
    pub fn run(&self, rt: &mut Runtime, input: &Input) -> Result<Outcome, RunError> {
        rt.begin_run();
        let r = self.run_inner(rt, input);
        rt.end_run();
        r
    }

    fn run_inner(&self, rt: &mut Runtime, input: &Input) -> Result<Outcome, RunError> {
        let mut env = rt.take_env(self.prog_type);
        let (r1, r2) = match input {
            Input::None => (0, 0),
            Input::Mem(bytes) => env.reload_mem(self.prog_type, bytes),
            Input::Packet(bytes) => {
                match env.reload_packet(self.prog_type, bytes, &rt.ctx_config) {
                    Ok(ctx) => (ctx, 0),
                    Err(e) => {
                        rt.recycle_env(env);
                        return Err(RunError::Input(e));
                    }
                }
            }
        };
        let table = match map_table(rt, None, self) {
            Ok(t) => t,
            Err(e) => {
                rt.recycle_env(env);
                return Err(e);
            }
        };
        let stack = ir::runtime::mem::HostBuf::zeroed(STACK_BYTES);
        let (r, env) = run_emulated(self, rt, env, &stack, &table, r1, r2);
        let outcome = r.map(|r0| {
            let (packet, action) = match input {
                Input::Packet(_) => (env.packet_data(), Action::from_r0(self.prog_type, r0)),
                _ => (None, None),
            };
            Outcome {
                r0,
                packet,
                action,
                steps: 0,
            }
        });
        rt.recycle_env(env);
        outcome
    }
}

/// Per program map `[handle, direct value address]`; `map_ids`: the runtime map of each
/// program map (`None`: the identity, as for the entry program).
fn map_table(
    rt: &Runtime,
    map_ids: Option<&[usize]>,
    p: &Rv64Program,
) -> Result<Vec<[u64; 2]>, RunError> {
    let count = map_ids.map_or(rt.map_count(), |ids| ids.len());
    let runtime_map = |i: usize| match map_ids {
        None => Some(i),
        Some(ids) => ids.get(i).copied(),
    };
    let table: Vec<[u64; 2]> = (0..count)
        .filter_map(runtime_map)
        .map(|m| {
            [
                rt.map_handle(m).unwrap_or(0),
                rt.map_direct_value_addr(m).unwrap_or(0),
            ]
        })
        .collect();
    for &(i, value) in &p.map_refs {
        let entry = table.get(i).ok_or_else(|| RunError::BadMapRef {
            index: i,
            why: "no such map".into(),
        })?;
        if value && entry[1] == 0 {
            return Err(RunError::BadMapRef {
                index: i,
                why: "not an array map with a direct value".into(),
            });
        }
        if !value && entry[0] == 0 {
            return Err(RunError::BadMapRef {
                index: i,
                why: "the runtime has no handle for it".into(),
            });
        }
    }
    Ok(table)
}

fn emu_err(e: unicorn_engine::uc_error) -> RunError {
    RunError::Internal(format!("unicorn: {e:?}"))
}

/// Run `p` with r1, r2 on a fresh emulator; the stack is `stack` (or, for a tail call, the part
/// of it below `stack_top`). Returns r0 and hands the environment back.
fn run_emulated(
    p: &Rv64Program,
    rt: &mut Runtime,
    env: Box<ExecEnv>,
    stack: &ir::runtime::mem::HostBuf,
    table: &[[u64; 2]],
    r1: u64,
    r2: u64,
) -> (Result<u64, RunError>, Box<ExecEnv>) {
    let lo = (stack.addr() + PAGE - 1) & !(PAGE - 1);
    let hi = (stack.addr() + stack.len() as u64) & !(PAGE - 1);
    let (r, env) = run_at(p, rt, env, lo, hi, table, r1, r2);
    let r0 = r.map(|end| match end {
        TailEnd::Return(r0) | TailEnd::Finish(r0) => r0,
    });
    (r0, env)
}

#[allow(clippy::too_many_arguments)]
fn run_at(
    p: &Rv64Program,
    rt: &mut Runtime,
    env: Box<ExecEnv>,
    stack_lo: u64,
    stack_hi: u64,
    table: &[[u64; 2]],
    r1: u64,
    r2: u64,
) -> (Result<TailEnd, RunError>, Box<ExecEnv>) {
    let state = RunState {
        rt,
        env,
        stack_top: stack_hi,
        mapped: HashSet::new(),
        error: None,
        finish: None,
        tail: None,
        fell_off: p.fell_off.iter().map(|o| CODE_BASE + *o as u64).collect(),
    };
    let mut uc = match Unicorn::new_with_data(Arch::RISCV, Mode::RISCV64, state) {
        Ok(uc) => uc,
        Err(e) => {
            // The state (and its environment) went into the failed constructor; nothing to
            // hand back but a fresh environment.
            return (Err(emu_err(e)), Box::new(ExecEnv::empty(p.prog_type)));
        }
    };
    let r = drive(p, &mut uc, stack_lo, stack_hi, table, r1, r2);
    let st = uc.get_data_mut();
    let env = std::mem::replace(&mut st.env, Box::new(ExecEnv::empty(p.prog_type)));
    drop(uc);
    (r, env)
}

#[allow(clippy::too_many_arguments)]
fn drive(
    p: &Rv64Program,
    uc: &mut Unicorn<'_, RunState<'_>>,
    stack_lo: u64,
    stack_hi: u64,
    table: &[[u64; 2]],
    r1: u64,
    r2: u64,
) -> Result<TailEnd, RunError> {
    use super::regs::{rv, RA, SP, T0, T1};
    use ir::Reg;
    // Code, then one trapping page after it.
    let code_len = (p.code.len() as u64 + PAGE) & !(PAGE - 1);
    uc.mem_map(CODE_BASE, code_len, Prot::READ | Prot::EXEC)
        .map_err(emu_err)?;
    uc.mem_write(CODE_BASE, &p.code).map_err(emu_err)?;
    // The environment block.
    let env_len = (env_layout::MAPS as u64 + 16 * table.len() as u64 + PAGE) & !(PAGE - 1);
    uc.mem_map(ENV_BASE, env_len, Prot::READ | Prot::WRITE)
        .map_err(emu_err)?;
    let mut block = vec![0u8; env_layout::MAPS as usize];
    for e in table {
        block.extend_from_slice(&e[0].to_le_bytes());
        block.extend_from_slice(&e[1].to_le_bytes());
    }
    uc.mem_write(ENV_BASE, &block).map_err(emu_err)?;
    refresh_packet(uc);
    // The stack: host pages wholly inside the run's stack buffer.
    // SAFETY: `[stack_lo, stack_hi)` lies inside the caller's live stack `HostBuf`, which
    // outlives this emulator.
    #[allow(unsafe_code)]
    unsafe {
        uc.mem_map_ptr(
            stack_lo,
            stack_hi - stack_lo,
            Prot::READ | Prot::WRITE,
            stack_lo as *mut _,
        )
    }
    .map_err(emu_err)?;
    uc.add_intr_hook(|uc, intno| match intno {
        8 | 9 | 11 => on_ecall(uc),
        2 => {
            // unicorn reports every RV64 exception with the PC 4 bytes past the instruction
            // (meant for `ecall`); the trapping instructions here are all 4 bytes long.
            let pc = uc.pc_read().unwrap_or(0).wrapping_sub(4);
            if emulate_zb(uc, pc) {
                return;
            }
            let e = if uc.get_data().fell_off.contains(&pc) {
                RunError::FellOff
            } else {
                RunError::Internal(format!(
                    "illegal instruction at {:#x}",
                    pc.wrapping_sub(CODE_BASE)
                ))
            };
            fail(uc, e)
        }
        n => {
            let pc = uc.pc_read().unwrap_or(0).wrapping_sub(4);
            fail(
                uc,
                RunError::Internal(format!(
                    "RV64 exception {n} at {:#x}",
                    pc.wrapping_sub(CODE_BASE)
                )),
            )
        }
    })
    .map_err(emu_err)?;
    uc.add_mem_hook(HookType::MEM_UNMAPPED, 1, 0, |uc, kind, addr, size, _| {
        let fetch = matches!(kind, MemType::FETCH_UNMAPPED);
        if !fetch && map_live(uc, addr, size) {
            return true;
        }
        let write = matches!(kind, MemType::WRITE_UNMAPPED);
        let what = if write { "store to" } else { "load from" };
        uc.get_data_mut()
            .error
            .get_or_insert(RunError::Internal(format!(
                "{what} {addr:#x} ({size} bytes): no live region there"
            )));
        false
    })
    .map_err(emu_err)?;
    set(uc, rv(Reg::R1), r1);
    set(uc, rv(Reg::R2), r2);
    set(uc, super::regs::XReg::new(12).unwrap_or(T0), ENV_BASE);
    set(uc, SP, stack_hi);
    let end = CODE_BASE + p.end as u64;
    set(uc, RA, end);
    let mut pc = CODE_BASE;
    loop {
        let r = uc.emu_start(pc, end, 0, MAX_INSNS);
        let st = uc.get_data_mut();
        if let Some(e) = st.error.take() {
            return Err(e);
        }
        if let Err(e) = r {
            return Err(emu_err(e));
        }
        if let Some(r0) = st.finish {
            return Ok(TailEnd::Finish(r0));
        }
        let Some((prog, ctx)) = st.tail.take() else {
            break;
        };
        // Run the tail-call target below the current frame, then resume the caller.
        let here = reg(uc, SP) & !15;
        match run_tail(p, uc, prog, ctx, stack_lo, here)? {
            TailEnd::Finish(r0) => return Ok(TailEnd::Finish(r0)),
            TailEnd::Return(r0) => {
                set(uc, T0, 1);
                set(uc, T1, r0);
                pc = uc.pc_read().map_err(emu_err)?;
            }
        }
    }
    let pc_now = uc.pc_read().map_err(emu_err)?;
    if pc_now != end {
        return Err(RunError::Internal(format!(
            "stopped at {:#x} before the end (instruction limit?)",
            pc_now.wrapping_sub(CODE_BASE)
        )));
    }
    Ok(TailEnd::Return(reg(uc, rv(Reg::R0))))
}

enum TailEnd {
    /// The target returned r0: the calling function returns it.
    Return(u64),
    /// The whole run ends with r0.
    Finish(u64),
}

/// Compile (as `p` was compiled) and run runtime program `prog` with r1 = `ctx`, on the stack
/// below `sp`.
fn run_tail(
    p: &Rv64Program,
    uc: &mut Unicorn<'_, RunState<'_>>,
    prog: usize,
    ctx: u64,
    stack_lo: u64,
    sp: u64,
) -> Result<TailEnd, RunError> {
    let st = uc.get_data_mut();
    let Some(reg) = st.rt.program(prog) else {
        return Err(RunError::Unsupported(
            "tail call into a program the runtime does not hold",
        ));
    };
    let (program, map_ids) = (reg.program.clone(), reg.map_ids.clone());
    let compiled = match p.trust {
        Trust::Verified => match offload::verify(
            &program,
            &offload::Capabilities::kernel(),
            &Default::default(),
        ) {
            Ok(v) => super::compile(&v, &p.opts),
            Err(r) => Err(JitError::NotVerified(r.to_string())),
        },
        Trust::Unchecked => super::compile_unchecked(&program, p.context, &p.opts),
    };
    let target = compiled.map_err(|error| RunError::TailCall { prog, error })?;
    let table = map_table(st.rt, Some(&map_ids), &target)?;
    let env = std::mem::replace(&mut st.env, Box::new(ExecEnv::empty(p.prog_type)));
    let below = sp & !(PAGE - 1);
    let (r, env) = run_at(&target, st.rt, env, stack_lo, below, &table, ctx, 0);
    st.env = env;
    r
}
