//! A compiled program: its executable mapping, the offset of every eBPF instruction, and
//! (when asked for) the list of instructions the emitter meant, for disassembly and checks;
//! and running it against the shared runtime, as the interpreter does.

use super::checked::STACK_BYTES;
use super::emit::Meant;
use super::{layout, lower, Trust};
use crate::exec_mem::ExecMem;
use crate::trampoline::{stop, Host, JitEnv};
use crate::{JitError, RunError};
use ir::insn::{Insn, LdImm64Src};
use ir::interp::STACK_SIZE;
use ir::interp::{Action, Input, Outcome};
use ir::interp::{ExecError, ExecErrorKind};
use ir::runtime::mem::HostBuf;
use ir::runtime::{ExecEnv, Runtime};
use ir::Program;
use std::rc::Rc;
use std::sync::{Arc, Mutex};

/// CPU features the emitted code may use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CpuFeatures {
    /// BMI2 `shlx`/`shrx`/`sarx` for shifts by a register.
    pub bmi2: bool,
    /// `movbe` for a load followed by a byte swap.
    pub movbe: bool,
}

impl CpuFeatures {
    /// What this machine supports.
    pub fn host() -> CpuFeatures {
        CpuFeatures {
            bmi2: std::arch::is_x86_feature_detected!("bmi2"),
            movbe: std::arch::is_x86_feature_detected!("movbe"),
        }
    }

    /// Baseline x86-64 only.
    pub const fn baseline() -> CpuFeatures {
        CpuFeatures {
            bmi2: false,
            movbe: false,
        }
    }
}

/// Compilation options.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    /// Instructions the code may use.
    pub cpu: CpuFeatures,
    /// Keep the list of emitted instructions (for [`JitProgram::disassemble`] and checks).
    pub record: bool,
    /// Constant blinding (`--harden`): no immediate the program chose appears in the code;
    /// each is emitted xored with a random per-compile key and unblinded in a register.
    pub harden: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            cpu: CpuFeatures::host(),
            record: false,
            harden: false,
        }
    }
}

/// A program compiled to x86-64 and mapped read-execute. Dropping it unmaps the code.
pub struct JitProgram {
    mem: ExecMem,
    trust: Trust,
    context: bool,
    opts: Options,
    prog_type: ir::ProgType,
    /// `(index, wants the direct value)` of every map the program's LD_IMM64s name.
    map_refs: Vec<(usize, bool)>,
    /// Program maps whose lookups were compiled inline, with the definition assumed.
    inlined_arrays: Vec<(usize, ir::MapDef)>,
    /// Offset of each slot's code (a tail shares the next slot's offset).
    insn_offsets: Vec<u32>,
    insns: Vec<ir::Insn>,
    /// Each slot's eBPF text (LLVM syntax), when `record` was on.
    texts: Vec<String>,
    meant: Vec<Meant>,
    label_pos: Vec<u32>,
    branch_short: Vec<bool>,
    /// Tail-call targets compiled by earlier runs, by the runtime's registration of the
    /// program (the `Arc` is kept, so an address is never reused for another program): a
    /// run reuses them instead of verifying and compiling again.
    tail_targets: Mutex<Vec<(Arc<Program>, Arc<JitProgram>)>>,
    /// Checked mode: the faults the code can stop with, by index, with their slots.
    faults: Vec<(usize, ExecErrorKind)>,
    /// Checked mode: the step budget of a run.
    budget: u64,
    /// Checked mode: the program, to name a failing instruction as the interpreter does.
    source: Option<Arc<Program>>,
}

/// Most tail-call targets a program keeps compiled between runs.
const MAX_TAIL_TARGETS: usize = 64;

/// Compile `prog` trusting or not trusting it, per `trust` (`budget`: checked mode's steps).
pub(crate) fn compile_program(
    prog: &Program,
    trust: Trust,
    context: bool,
    facts: Option<&offload::Verified>,
    opts: &Options,
    budget: u64,
) -> Result<JitProgram, JitError> {
    let mut lowered = lower(prog, trust, context, facts, opts)?;
    let emitted = layout(&mut lowered.asm)?;
    let mem = ExecMem::new(&emitted.code).map_err(|e| JitError::Memory(e.to_string()))?;
    let insn_offsets = lowered
        .insn_labels
        .iter()
        .map(|l| emitted.label_pos[l.0 as usize])
        .collect();
    let mut map_refs: Vec<(usize, bool)> = prog
        .insns
        .iter()
        .filter_map(|i| match *i {
            Insn::LdImm64 { src, imm, .. } if src.is_map() => Some((
                (imm & 0xffff_ffff) as usize,
                matches!(src, LdImm64Src::MapValue | LdImm64Src::MapIdxValue),
            )),
            _ => None,
        })
        .collect();
    map_refs.sort_unstable();
    map_refs.dedup();
    Ok(JitProgram {
        mem,
        trust,
        context,
        opts: opts.clone(),
        prog_type: prog.prog_type,
        map_refs,
        inlined_arrays: lowered
            .inlined_arrays
            .iter()
            .filter_map(|&i| Some((i, prog.maps.get(i)?.clone())))
            .collect(),
        insn_offsets,
        insns: prog.insns.clone(),
        texts: if opts.record {
            (0..prog.insns.len())
                .map(|pc| ir::disasm::insn_text(prog, pc, ir::asm::Syntax::Llvm))
                .collect()
        } else {
            Vec::new()
        },
        meant: std::mem::take(&mut lowered.asm.meant),
        label_pos: emitted.label_pos,
        branch_short: emitted.branch_short,
        tail_targets: Mutex::new(Vec::new()),
        faults: std::mem::take(&mut lowered.faults),
        budget,
        source: (trust == Trust::Checked).then(|| Arc::new(prog.clone())),
    })
}

/// Compile a program **no verifier has checked** in checked mode: it runs as the interpreter
/// runs it, and nothing it does can reach memory outside the run's live regions.
///
/// For the bpf_conformance tests and any other unverified input (`.data` files, the plugin).
/// Every load and store is checked against the live regions the interpreter uses (the eBPF
/// stack — a buffer of its own, not the native stack —, packet, context, map values, input
/// memory), with the interpreter's context rules; atomics and helper pointer arguments too.
/// Every basic block takes its instruction count from a budget of `budget` steps; r10 is
/// read-only; bpf-to-bpf calls are at most [`ir::interp::MAX_FRAMES`] frames deep; a jump
/// outside its function or an instruction this backend cannot compile stops the run when
/// control reaches it. A run that breaks any rule ends with [`RunError::Exec`], naming the
/// slot and the reason as [`ir::interp::run`] does; it never faults.
///
/// `r1_is_context`: r1 is the program context of its type (packet input); otherwise r1 is plain
/// memory (the conformance convention). In checked mode context accesses are checked and
/// carried out at run time either way.
pub fn compile_checked(
    prog: &Program,
    r1_is_context: bool,
    budget: u64,
    opts: &Options,
) -> Result<JitProgram, JitError> {
    compile_program(prog, Trust::Checked, r1_is_context, None, opts, budget)
}

/// Compile a program **no verifier has checked**, without run-time checks.
///
/// The code zeroes registers at entry, bounds bpf-to-bpf call depth and stops a function that
/// runs off its end, but it does not check memory accesses, does not bound loops and keeps the
/// eBPF stack on the native stack (a write through r10 can reach the return address). For
/// tests of the code the verified path emits, on programs that are safe by construction.
/// Compiling is harmless; running is not: the result runs only through the `unsafe`
/// [`JitProgram::run_unchecked`], whose contract says what the caller must guarantee, and
/// [`JitProgram::run`] refuses it. Unverified input should use [`compile_checked`].
pub fn compile_unchecked(
    prog: &Program,
    r1_is_context: bool,
    opts: &Options,
) -> Result<JitProgram, JitError> {
    compile_program(prog, Trust::Unchecked, r1_is_context, None, opts, 0)
}

/// Compile a program the verifier accepted, using what it proved: context accesses rewritten
/// where it saw the context, frames sized to its stack depths, constant divisors without
/// run-time checks, no zeroing and no call-depth or fall-off checks.
pub fn compile(v: &offload::Verified, opts: &Options) -> Result<JitProgram, JitError> {
    compile_program(v.program(), Trust::Verified, true, Some(v), opts, 0)
}

/// Per-map `[handle, direct value address]` for a program whose map `i` is runtime map
/// `map_ids[i]` (`None`: runtime map `i`, as for the entry program); fails on a referenced
/// map the runtime cannot resolve.
fn map_table(
    rt: &Runtime,
    map_ids: Option<&[usize]>,
    jp: &JitProgram,
) -> Result<Vec<[u64; 2]>, RunError> {
    let refs = &jp.map_refs;
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
    for &(i, value) in refs {
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
    // Inlined lookups assumed an array of this shape: the runtime's map must be one.
    for (i, def) in &jp.inlined_arrays {
        let rt_def = runtime_map(*i).and_then(|m| rt.map_def(m));
        let same = rt_def.is_some_and(|d| {
            d.map_type == def.map_type
                && d.value_size == def.value_size
                && d.max_entries == def.max_entries
        });
        if !same || table.get(*i).is_none_or(|e| e[1] == 0) {
            return Err(RunError::BadMapRef {
                index: *i,
                why: "the runtime's map is not the array the code was compiled for".into(),
            });
        }
    }
    Ok(table)
}

/// CPU time this thread has used (`CLOCK_THREAD_CPUTIME_ID`); zero if the clock is unavailable.
fn thread_cpu_time() -> std::time::Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; the result is checked.
    #[allow(unsafe_code)]
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return std::time::Duration::ZERO;
    }
    std::time::Duration::new(
        ts.tv_sec.max(0) as u64,
        ts.tv_nsec.clamp(0, 999_999_999) as u32,
    )
}

/// A compiled tail-call target and its map table.
type TailEntry = (Arc<JitProgram>, Vec<[u64; 2]>);

/// Tail-call targets of one run, by runtime program index.
pub(crate) struct TailCache<'r> {
    entries: Vec<Option<Rc<TailEntry>>>,
    /// The entry program: how to compile targets (as it was) and where compiled ones are kept
    /// between runs.
    entry: &'r JitProgram,
}

/// How a native entry ended.
struct Exit {
    r0: u64,
    stop: u64,
    result: u64,
    /// Checked mode: steps left.
    budget: u64,
    /// Checked mode: the fault a [`stop::FAULT`] names.
    fault: u64,
}

/// The state a checked entry starts with.
#[derive(Clone, Copy)]
struct CheckedRun {
    budget: u64,
    stack_lo: u64,
    stack_span: u64,
    prog_index: u64,
}

/// Enter `jp` with r1, r2; `host` and the map table must outlive the call; a checked program
/// gets its budget and live eBPF stack from `checked`.
fn enter(
    jp: &JitProgram,
    r1: u64,
    r2: u64,
    host: *mut Host<'static>,
    table: &[[u64; 2]],
    stack_top: u64,
    checked: Option<CheckedRun>,
) -> Exit {
    let mut env = JitEnv::new(host, table.as_ptr() as u64, stack_top);
    if let Some(c) = checked {
        env.budget = c.budget;
        env.stack_lo = c.stack_lo;
        env.stack_span = c.stack_span;
        env.prog_index = c.prog_index;
    }
    let env_ptr = &mut env as *mut JitEnv as *mut u8;
    // SAFETY: offset 0 is the entry function, emitted with the entry ABI; `env`, the host and
    // the table live for the whole call. Memory accesses of the program itself are the
    // verifier's business (`compile`), checked at run time against live regions kept in
    // `env` (`compile_checked`: its eBPF stack is the caller's buffer in `checked`), or the
    // business of the caller of the `unsafe` `run_unchecked`.
    #[allow(unsafe_code)]
    let r0 = unsafe { jp.mem.call(0, r1, r2, env_ptr) };
    Exit {
        r0,
        stop: env.stop,
        result: env.result,
        budget: env.budget,
        fault: env.fault,
    }
}

/// The tail runner: compile (once per run) and run runtime program `prog` with r1 = `ctx`.
fn run_tail(prog: usize, ctx: u64, host: &mut Host<'_>, outer: &mut JitEnv) -> Result<u64, ()> {
    let cached = host.tail_state.entries.get(prog).cloned().flatten();
    let entry = match cached {
        Some(e) => e,
        None => {
            let Some(reg) = host.rt.program(prog) else {
                host.error.get_or_insert(RunError::Unsupported(
                    "tail call into a program the runtime does not hold",
                ));
                return Err(());
            };
            let (program, map_ids) = (reg.program.clone(), reg.map_ids.clone());
            let outer_jp = host.tail_state.entry;
            let jp = match outer_jp.tail_target(&program) {
                Some(jp) => jp,
                None => match outer_jp.compile_tail_target(prog, &program) {
                    Ok(jp) => jp,
                    Err(e) => {
                        host.error.get_or_insert(e);
                        return Err(());
                    }
                },
            };
            let table = match map_table(host.rt, Some(&map_ids), &jp) {
                Ok(t) => t,
                Err(e) => {
                    host.error.get_or_insert(e);
                    return Err(());
                }
            };
            let e = Rc::new((jp, table));
            if host.tail_state.entries.len() <= prog {
                host.tail_state.entries.resize(prog + 1, None);
            }
            host.tail_state.entries[prog] = Some(e.clone());
            e
        }
    };
    // A checked target continues in the caller's frame with the caller's budget, as the
    // interpreter's tail call does.
    let checked = (entry.0.trust == Trust::Checked).then_some(CheckedRun {
        budget: outer.budget,
        stack_lo: outer.stack_lo,
        stack_span: outer.stack_span,
        prog_index: prog as u64,
    });
    let exit = enter(
        &entry.0,
        ctx,
        0,
        outer.host,
        &entry.1,
        outer.stack_top,
        checked,
    );
    if checked.is_some() {
        outer.budget = exit.budget;
    }
    // Re-borrow the host through the block: the nested run used it.
    // SAFETY: as in the trampolines: the run's `Host` is live and nothing else uses it now.
    #[allow(unsafe_code)]
    let host = unsafe { &mut *outer.host };
    if let Some(RunError::Exec(e)) = &mut host.error {
        entry.0.name_insn(e, prog);
    }
    match exit.stop {
        stop::NONE => Ok(exit.r0),
        stop::FINISH => {
            outer.result = exit.result;
            outer.stop = stop::FINISH;
            Ok(0)
        }
        stop::CALL_DEPTH => {
            host.error.get_or_insert(RunError::CallDepth);
            Err(())
        }
        stop::FELL_OFF => {
            host.error.get_or_insert(RunError::FellOff);
            Err(())
        }
        stop::FAULT => {
            let e = entry.0.fault_error(exit.fault, prog);
            host.error.get_or_insert(RunError::Exec(e));
            Err(())
        }
        _ => Err(()),
    }
}

impl JitProgram {
    /// A tail-call target an earlier run compiled, if `program` is one.
    fn tail_target(&self, program: &Arc<Program>) -> Option<Arc<JitProgram>> {
        let cache = self.tail_targets.lock().unwrap_or_else(|e| e.into_inner());
        cache
            .iter()
            .find(|(p, _)| Arc::ptr_eq(p, program))
            .map(|(_, jp)| jp.clone())
    }

    /// Compile the tail-call target `program` (runtime program `index`) as this program was
    /// compiled, and keep it for later runs.
    fn compile_tail_target(
        &self,
        index: usize,
        program: &Arc<Program>,
    ) -> Result<Arc<JitProgram>, RunError> {
        let compiled = match self.trust {
            // A verified program tail-calls only programs that verify too.
            Trust::Verified => {
                match offload::verify(
                    program,
                    &offload::Capabilities::kernel(),
                    &Default::default(),
                ) {
                    Ok(v) => compile(&v, &self.opts),
                    Err(r) => Err(JitError::NotVerified(r.to_string())),
                }
            }
            Trust::Unchecked | Trust::Checked => compile_program(
                program,
                self.trust,
                self.context,
                None,
                &self.opts,
                self.budget,
            ),
        };
        let jp = Arc::new(compiled.map_err(|error| RunError::TailCall { prog: index, error })?);
        let mut cache = self.tail_targets.lock().unwrap_or_else(|e| e.into_inner());
        if cache.len() >= MAX_TAIL_TARGETS {
            cache.remove(0);
        }
        cache.push((program.clone(), jp.clone()));
        Ok(jp)
    }

    /// The emitted code.
    pub fn code(&self) -> &[u8] {
        self.mem.code()
    }

    /// Address the code is mapped at.
    pub fn base_address(&self) -> u64 {
        self.mem.base()
    }

    /// Offset of the code of eBPF slot `pc`.
    pub fn insn_offset(&self, pc: usize) -> Option<u32> {
        self.insn_offsets.get(pc).copied()
    }

    /// Run on `input` against `rt`, exactly as [`ir::interp::run`] does: the same context and
    /// packet presentation, the same maps and helpers, the same tail calls. `Outcome::steps` is
    /// the steps counted in checked mode, else 0 (verified code does not count instructions).
    ///
    /// Safe for programs from [`compile`] (the verifier proved every access) and
    /// [`compile_checked`] (every access is checked); a program from [`compile_unchecked`] is
    /// refused with [`RunError::NotChecked`].
    pub fn run(&self, rt: &mut Runtime, input: &Input) -> Result<Outcome, RunError> {
        if self.trust == Trust::Unchecked {
            return Err(RunError::NotChecked);
        }
        rt.begin_run();
        let r = self.run_inner(rt, input);
        rt.end_run();
        r
    }

    /// [`JitProgram::run`] for a program from [`compile_unchecked`] too.
    ///
    /// # Safety
    /// For a program from [`compile_unchecked`], the caller guarantees that on `input` and the
    /// maps of `rt` every load, store and atomic the program executes lies inside a live region
    /// (the current frame's 512-byte stack, the packet, the context fields the kernel allows,
    /// a map value, the input memory), that it never writes r10 and that it terminates: the
    /// code checks none of it, and a violation is undefined behaviour (typically a crash of the
    /// process). For programs from [`compile`] and [`compile_checked`] this is `run`.
    #[allow(unsafe_code)]
    pub unsafe fn run_unchecked(
        &self,
        rt: &mut Runtime,
        input: &Input,
    ) -> Result<Outcome, RunError> {
        rt.begin_run();
        let r = self.run_inner(rt, input);
        rt.end_run();
        r
    }

    /// The error fault `index` of this program (runtime program `prog`) stands for, as the
    /// interpreter would report it.
    fn fault_error(&self, index: u64, prog: usize) -> ExecError {
        let (pc, kind) = usize::try_from(index)
            .ok()
            .and_then(|i| self.faults.get(i).cloned())
            .unwrap_or((0, ExecErrorKind::Unsupported("an unknown fault")));
        let kind = match kind {
            ExecErrorKind::BudgetExceeded { .. } => ExecErrorKind::BudgetExceeded {
                budget: self.budget,
            },
            k => k,
        };
        let mut e = ExecError {
            pc,
            prog,
            insn: None,
            text: None,
            kind,
        };
        self.name_insn(&mut e, prog);
        e
    }

    /// Fill in the instruction of an error the runtime reported for this program (runtime
    /// program `prog`) without it.
    fn name_insn(&self, e: &mut ExecError, prog: usize) {
        if e.prog != prog || e.insn.is_some() {
            return;
        }
        e.insn = self.insns.get(e.pc).copied();
        if let (Some(p), Some(_)) = (&self.source, e.insn) {
            e.text = Some(ir::disasm::insn_text(p, e.pc, ir::asm::Syntax::Llvm));
        }
    }

    /// Benchmark support, as `BPF_PROG_TEST_RUN` with `repeat`: set the input up once, run the
    /// code `repeat` times on it, and return the last r0 and the time of the loop alone.
    ///
    /// The time is the thread's CPU time, not wall-clock time: `BPF_PROG_TEST_RUN` stops its
    /// timer whenever the loop yields the CPU (`bpf_test_timer_continue`), so on a loaded
    /// machine a wall-clock figure would charge our JIT for other processes' time and the
    /// kernel's would not.
    #[doc(hidden)]
    pub fn run_repeat(
        &self,
        rt: &mut Runtime,
        input: &Input,
        repeat: u64,
    ) -> Result<(u64, std::time::Duration), RunError> {
        match self.trust {
            Trust::Verified => {}
            Trust::Unchecked => return Err(RunError::NotChecked),
            Trust::Checked => {
                // Each checked run sets up its own stack and budget: time whole runs.
                let start = thread_cpu_time();
                let mut r0 = 0;
                for _ in 0..repeat {
                    r0 = self.run(rt, input)?.r0;
                }
                return Ok((r0, thread_cpu_time().saturating_sub(start)));
            }
        }
        let (env, r1, r2) = self.setup(rt, input)?;
        let table = match map_table(rt, None, self) {
            Ok(t) => t,
            Err(e) => {
                rt.recycle_env(env);
                return Err(e);
            }
        };
        let mut host = Host {
            rt,
            env,
            error: None,
            tail: run_tail,
            tail_state: TailCache {
                entries: Vec::new(),
                entry: self,
            },
        };
        let marker = 0u8;
        let stack_top = &marker as *const u8 as u64;
        let hostp = std::ptr::addr_of_mut!(host).cast::<Host<'static>>();
        let mut env = JitEnv::new(hostp, table.as_ptr() as u64, stack_top);
        let env_ptr = &mut env as *mut JitEnv as *mut u8;
        let mut r0 = 0;
        let start = thread_cpu_time();
        for _ in 0..repeat {
            // SAFETY: as in `enter`: the entry ABI at offset 0, and a live block, host and table.
            #[allow(unsafe_code)]
            {
                r0 = unsafe { self.mem.call(0, r1, r2, env_ptr) };
            }
            // SAFETY: the block is ours again between calls.
            #[allow(unsafe_code)]
            let stopped = unsafe {
                std::ptr::replace(
                    std::ptr::addr_of_mut!((*env_ptr.cast::<JitEnv>()).stop),
                    stop::NONE,
                )
            };
            if stopped != stop::NONE {
                return Err(RunError::Internal(format!(
                    "benchmark run stopped with {stopped}"
                )));
            }
        }
        let took = thread_cpu_time().saturating_sub(start);
        let _ = env_ptr;
        let Host { rt, env, .. } = host;
        rt.recycle_env(env);
        rt.end_run();
        Ok((r0, took))
    }

    /// The run's environment (reusing the runtime's buffers) and the entry's r1, r2.
    fn setup(&self, rt: &mut Runtime, input: &Input) -> Result<(Box<ExecEnv>, u64, u64), RunError> {
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
        Ok((env, r1, r2))
    }

    fn run_inner(&self, rt: &mut Runtime, input: &Input) -> Result<Outcome, RunError> {
        let (env, r1, r2) = self.setup(rt, input)?;
        let table = match map_table(rt, None, self) {
            Ok(t) => t,
            Err(e) => {
                rt.recycle_env(env);
                return Err(e);
            }
        };
        let mut host = Host {
            rt,
            env,
            error: None,
            tail: run_tail,
            tail_state: TailCache {
                entries: Vec::new(),
                entry: self,
            },
        };
        // Everything below this local on the native stack belongs to the run.
        let marker = 0u8;
        let stack_top = &marker as *const u8 as u64;
        let hostp = std::ptr::addr_of_mut!(host).cast::<Host<'static>>();
        // Checked mode: the eBPF stack is a buffer of the run's, frame 0 at its top (zeroed).
        let ebpf_stack = (self.trust == Trust::Checked).then(|| HostBuf::zeroed(STACK_BYTES));
        let checked = ebpf_stack.as_ref().map(|b| CheckedRun {
            budget: self.budget,
            stack_lo: b.addr() + (STACK_BYTES - STACK_SIZE) as u64,
            stack_span: STACK_SIZE as u64,
            prog_index: 0,
        });
        let exit = enter(self, r1, r2, hostp, &table, stack_top, checked);
        drop(ebpf_stack);
        let Host {
            rt, env, mut error, ..
        } = host;
        if let Some(RunError::Exec(e)) = &mut error {
            self.name_insn(e, 0);
        }
        let r0 = match exit.stop {
            stop::NONE => Ok(exit.r0),
            stop::FINISH => Ok(exit.result),
            stop::CALL_DEPTH => Err(RunError::CallDepth),
            stop::FELL_OFF => Err(RunError::FellOff),
            stop::FAULT => Err(RunError::Exec(self.fault_error(exit.fault, 0))),
            _ => Err(error
                .take()
                .unwrap_or_else(|| RunError::Internal(format!("stopped with {}", exit.stop)))),
        };
        let steps = match checked {
            Some(c) => c.budget.saturating_sub(exit.budget),
            None => 0,
        };
        let outcome = r0.map(|r0| {
            let (packet, action) = match input {
                Input::Packet(_) => (env.packet_data(), Action::from_r0(self.prog_type, r0)),
                _ => (None, None),
            };
            Outcome {
                r0,
                packet,
                action,
                steps,
            }
        });
        rt.recycle_env(env);
        outcome
    }

    pub(crate) fn meant(&self) -> &[Meant] {
        &self.meant
    }

    pub(crate) fn label_pos(&self) -> &[u32] {
        &self.label_pos
    }

    pub(crate) fn branch_short(&self) -> &[bool] {
        &self.branch_short
    }

    pub(crate) fn insns(&self) -> &[ir::Insn] {
        &self.insns
    }

    /// The eBPF text of slot `pc` (LLVM syntax when recorded, else the typed instruction).
    pub(crate) fn insn_text(&self, pc: usize) -> String {
        match self.texts.get(pc) {
            Some(t) => t.clone(),
            None => self
                .insns
                .get(pc)
                .map(|i| format!("{i:?}"))
                .unwrap_or_default(),
        }
    }
}
