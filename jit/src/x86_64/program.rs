//! A compiled program: its executable mapping, the offset of every eBPF instruction, and
//! (when asked for) the list of instructions the emitter meant, for disassembly and checks.

use super::emit::Meant;
use super::{layout, lower, Trust};
use crate::exec_mem::ExecMem;
use crate::trampoline::{stop, HelperOutcome, Host, JitEnv};
use crate::{JitError, RunError};
use ir::Program;

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
}

impl Default for Options {
    fn default() -> Options {
        Options {
            cpu: CpuFeatures::host(),
            record: false,
        }
    }
}

/// A program compiled to x86-64 and mapped read-execute. Dropping it unmaps the code.
pub struct JitProgram {
    mem: ExecMem,
    /// Offset of each slot's code (a tail shares the next slot's offset).
    insn_offsets: Vec<u32>,
    insns: Vec<ir::Insn>,
    meant: Vec<Meant>,
    label_pos: Vec<u32>,
    branch_short: Vec<bool>,
}

/// Compile `prog` trusting or not trusting it, per `trust`.
pub(crate) fn compile_program(
    prog: &Program,
    trust: Trust,
    opts: &Options,
) -> Result<JitProgram, JitError> {
    let mut lowered = lower(prog, trust, opts)?;
    let emitted = layout(&mut lowered.asm)?;
    let mem = ExecMem::new(&emitted.code).map_err(|e| JitError::Memory(e.to_string()))?;
    let insn_offsets = lowered
        .insn_labels
        .iter()
        .map(|l| emitted.label_pos[l.0 as usize])
        .collect();
    Ok(JitProgram {
        mem,
        insn_offsets,
        insns: prog.insns.clone(),
        meant: std::mem::take(&mut lowered.asm.meant),
        label_pos: emitted.label_pos,
        branch_short: emitted.branch_short,
    })
}

/// Compile a program **no verifier has checked**.
///
/// For the bpf_conformance tests, whose programs no verifier accepts (they read registers they
/// never wrote, and so on). The code zeroes registers at entry, bounds bpf-to-bpf call depth and
/// stops a function that runs off its end, but it does not check memory accesses: running it
/// is only as safe as the program is. Not part of the public API.
#[doc(hidden)]
pub fn compile_unchecked(prog: &Program, opts: &Options) -> Result<JitProgram, JitError> {
    compile_program(prog, Trust::Unchecked, opts)
}

/// The conformance runner's helpers: helper 5 returns its first argument and ends the program
/// with r0 = 0 when that is 0 (ubpf's "unwind"); there are no others.
struct ConformanceHost;

impl Host for ConformanceHost {
    fn call_helper(&mut self, id: i64, args: [u64; 5]) -> HelperOutcome {
        match id {
            5 if args[0] == 0 => HelperOutcome::Unwind,
            5 => HelperOutcome::Return(args[0]),
            _ => HelperOutcome::Error(format!("unknown helper {id}")),
        }
    }
}

impl JitProgram {
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

    /// Run with `r1`, `r2` against `host`.
    pub(crate) fn run_with(&self, r1: u64, r2: u64, host: &mut dyn Host) -> Result<u64, RunError> {
        let mut env = JitEnv::new(host);
        let env_ptr = &mut env as *mut JitEnv<'_> as *mut u8;
        // SAFETY: offset 0 is the entry function, emitted with the entry ABI; `env` lives for
        // the whole call. Memory accesses of the program itself are the verifier's business
        // (or, for unverified programs, the caller's: see `compile_unchecked`).
        #[allow(unsafe_code)]
        let r0 = unsafe { self.mem.call(0, r1, r2, env_ptr) };
        match env.stop {
            stop::NONE => Ok(r0),
            stop::UNWIND => Ok(0),
            stop::FINISH => Ok(env.result),
            stop::CALL_DEPTH => Err(RunError::CallDepth),
            stop::FELL_OFF => Err(RunError::FellOff),
            stop::LD_ABS_OOB => Ok(0),
            _ => Err(RunError::Helper(
                env.error.take().unwrap_or_else(|| "helper failed".into()),
            )),
        }
    }

    /// Run as the bpf_conformance runner does: r1 points to `mem` (or is 0 when it is empty),
    /// r2 is its length, helper 5 is "unwind".
    #[doc(hidden)]
    pub fn run_conformance(&self, mem: &mut [u8]) -> Result<u64, RunError> {
        let (r1, r2) = if mem.is_empty() {
            (0, 0)
        } else {
            (mem.as_mut_ptr() as u64, mem.len() as u64)
        };
        self.run_with(r1, r2, &mut ConformanceHost)
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
}
