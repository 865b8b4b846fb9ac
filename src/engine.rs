//! The execution engines behind `run --engine`, with one result shape so `--engine all` can diff.
//!
//! Each engine turns (program, input) into an [`EngineResult`]. Engines that are not compiled in
//! (the kernel without the `kernel` feature) or not written yet say so as a bad-input error.

use crate::error::{CliError, CliResult};
use ir::interp::{self, Input};
use ir::runtime::Runtime;
use ir::Program;

/// Steps one interpreter run may take before it is stopped.
pub const STEP_BUDGET: u64 = 100_000_000;

/// An engine the CLI can run a program on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Engine {
    /// The reference interpreter (in process).
    Interp,
    /// The Linux kernel through libbpf (root, feature `kernel`).
    Kernel,
    /// Our x86-64 JIT (verified programs; `.data` conformance programs run checked).
    #[value(name = "x86_64")]
    X86_64,
    /// Every engine available; results are compared.
    All,
}

impl Engine {
    pub fn name(self) -> &'static str {
        match self {
            Engine::Interp => "interp",
            Engine::Kernel => "kernel",
            Engine::X86_64 => "x86_64",
            Engine::All => "all",
        }
    }

    /// The engines `--engine all` runs, in order (the interpreter first: it is the reference).
    pub fn concrete() -> Vec<Engine> {
        vec![Engine::Interp, Engine::X86_64, Engine::Kernel]
    }
}

/// What one run produced, in a form every engine can fill.
#[derive(Debug, Clone)]
pub struct EngineResult {
    pub r0: u64,
    /// `drop`, `pass`, ... for packet programs.
    pub action: Option<String>,
    /// The packet after the run, when the program has a packet.
    pub packet_out: Option<Vec<u8>>,
    /// Mean wall time of one run in ns, when `--repeat` asked for more than one.
    pub ns_per_run: Option<f64>,
    /// How many low bits of r0 the engine reports (the kernel's test run returns 32).
    pub r0_bits: u32,
}

impl PartialEq for EngineResult {
    /// Engines agree when r0 (in the bits both report), action and packet agree; timing is
    /// not a result.
    fn eq(&self, other: &EngineResult) -> bool {
        let bits = self.r0_bits.min(other.r0_bits);
        let mask = if bits >= 64 {
            u64::MAX
        } else {
            (1u64 << bits) - 1
        };
        self.r0 & mask == other.r0 & mask
            && self.action == other.action
            && self.packet_out == other.packet_out
    }
}

/// Options shared by every engine.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// bpf_conformance conventions: helper 5 is ubpf's unwind, `callx` takes a helper id.
    pub conformance: bool,
    pub seed: Option<u64>,
    pub repeat: u32,
    /// JIT engines: constant blinding.
    pub harden: bool,
}

/// Whether `engine` can run here; the error says why not (not built in, not root, ...).
pub fn availability(engine: Engine) -> Result<(), String> {
    match engine {
        Engine::Interp => Ok(()),
        Engine::X86_64 => {
            if cfg!(target_arch = "x86_64") {
                Ok(())
            } else {
                Err("the x86_64 engine runs on x86-64 hosts only".to_string())
            }
        }
        #[cfg(feature = "kernel")]
        Engine::Kernel => match bpf_offload::kernel::unavailable_reason() {
            None => Ok(()),
            Some(why) => Err(format!("the kernel engine {why}")),
        },
        #[cfg(not(feature = "kernel"))]
        Engine::Kernel => Err(
            "the kernel engine is not built in: rebuild with `--features kernel` \
             (needs libelf-dev and zlib1g-dev)"
                .to_string(),
        ),
        Engine::All => Err("`all` is not a single engine".to_string()),
    }
}

/// The engines `--engine E` stands for: E itself, or with `all` every available engine (a note
/// on stderr names each one left out and why).
pub fn resolve(engine: Engine) -> Vec<Engine> {
    if engine != Engine::All {
        return vec![engine];
    }
    let mut out = Vec::new();
    for e in Engine::concrete() {
        match availability(e) {
            Ok(()) => out.push(e),
            Err(why) => eprintln!("note: engine {} left out: {why}", e.name()),
        }
    }
    out
}

/// Run `prog` on `input` with one concrete engine.
pub fn run(
    engine: Engine,
    prog: &Program,
    input: &Input,
    opts: &RunOptions,
) -> CliResult<EngineResult> {
    match engine {
        Engine::Interp => run_interp(prog, input, opts),
        Engine::Kernel => run_kernel(prog, input, opts),
        Engine::X86_64 => run_x86_64(prog, input, opts),
        Engine::All => Err(CliError::bad_input(
            availability(engine).err().unwrap_or_default(),
        )),
    }
}

fn run_interp(prog: &Program, input: &Input, opts: &RunOptions) -> CliResult<EngineResult> {
    let mut rt = Runtime::new(prog).with_conformance_helpers(opts.conformance);
    if let Some(seed) = opts.seed {
        rt = rt.with_seed(seed);
    }
    let out = interp::run(prog, &mut rt, input, STEP_BUDGET)
        .map_err(|e| CliError::rejected(format!("interp: {e}")))?;
    let mut ns_per_run = None;
    if opts.repeat > 1 {
        let start = std::time::Instant::now();
        for _ in 1..opts.repeat {
            let mut rt = Runtime::new(prog).with_conformance_helpers(opts.conformance);
            let _ = interp::run(prog, &mut rt, input, STEP_BUDGET);
        }
        ns_per_run = Some(start.elapsed().as_nanos() as f64 / f64::from(opts.repeat - 1));
    }
    Ok(EngineResult {
        r0: out.r0,
        action: out.action.map(|a| a.to_string()),
        packet_out: out.packet,
        ns_per_run,
        r0_bits: 64,
    })
}

/// The x86-64 JIT: verify for the kernel target, compile with what the verifier proved, run
/// against the same runtime as the interpreter. Conformance programs (`.data`), which no
/// verifier accepts, run unverified in the JIT's checked mode (every access checked, the same
/// step budget as the interpreter) with r1 as plain memory, as the interpreter runs them.
fn run_x86_64(prog: &Program, input: &Input, opts: &RunOptions) -> CliResult<EngineResult> {
    availability(Engine::X86_64).map_err(CliError::bad_input)?;
    let jit_opts = jit::x86_64::Options {
        harden: opts.harden,
        ..Default::default()
    };
    let compiled = if opts.conformance {
        jit::x86_64::compile_checked(prog, false, STEP_BUDGET, &jit_opts)
    } else {
        let verified = offload::verify(prog, &offload::Capabilities::kernel(), &Default::default())
            .map_err(|r| CliError::rejected(format!("x86_64: verifier: {r}")))?;
        jit::x86_64::compile(&verified, &jit_opts)
    };
    let jp = compiled.map_err(|e| CliError::rejected(format!("x86_64: {e}")))?;
    let runtime = || {
        let mut rt = Runtime::new(prog).with_conformance_helpers(opts.conformance);
        if let Some(seed) = opts.seed {
            rt = rt.with_seed(seed);
        }
        rt
    };
    let mut rt = runtime();
    let out = jp
        .run(&mut rt, input)
        .map_err(|e| CliError::rejected(format!("x86_64: {e}")))?;
    let mut ns_per_run = None;
    if opts.repeat > 1 {
        let mut rt = runtime();
        let (_, took) = jp
            .run_repeat(&mut rt, input, u64::from(opts.repeat))
            .map_err(|e| CliError::rejected(format!("x86_64: {e}")))?;
        ns_per_run = Some(took.as_nanos() as f64 / f64::from(opts.repeat));
    }
    Ok(EngineResult {
        r0: out.r0,
        action: out.action.map(|a| a.to_string()),
        packet_out: out.packet,
        ns_per_run,
        r0_bits: 64,
    })
}

/// The kernel engine: BPF_PROG_LOAD + BPF_PROG_TEST_RUN through libbpf. It runs packet
/// programs only (its context is built by the kernel from the packet).
fn run_kernel(prog: &Program, input: &Input, opts: &RunOptions) -> CliResult<EngineResult> {
    availability(Engine::Kernel).map_err(CliError::bad_input)?;
    let Input::Packet(packet) = input else {
        return Err(CliError::bad_input(
            "the kernel engine runs packet programs: give --packet or --pcap",
        ));
    };
    kernel_test_run(prog, packet, opts)
}

#[cfg(feature = "kernel")]
fn kernel_test_run(prog: &Program, packet: &[u8], opts: &RunOptions) -> CliResult<EngineResult> {
    // The result comes from one run: with `repeat`, the kernel runs the program again on the
    // packet the previous run left (a growing adjust_tail grows each time). Timing is a second,
    // separate test run.
    let kernel_err = |e: bpf_offload::kernel::KernelError| {
        let mut msg = format!("kernel: {e}");
        if !e.log.is_empty() {
            msg.push_str("\nverifier log:\n");
            msg.push_str(e.log.trim_end());
        }
        if e.is_rejection() {
            CliError::rejected(msg)
        } else {
            CliError::bad_input(msg)
        }
    };
    let out = bpf_offload::kernel::run_in_kernel(prog, packet, 1).map_err(kernel_err)?;
    let mut ns_per_run = None;
    if opts.repeat > 1 {
        let timed =
            bpf_offload::kernel::run_in_kernel(prog, packet, opts.repeat).map_err(kernel_err)?;
        ns_per_run = Some(f64::from(timed.duration_ns));
    }
    Ok(EngineResult {
        r0: out.r0,
        action: ir::interp::Action::from_r0(prog.prog_type, out.r0).map(|a| a.to_string()),
        packet_out: Some(out.packet_out),
        ns_per_run,
        r0_bits: 32,
    })
}

#[cfg(not(feature = "kernel"))]
fn kernel_test_run(_: &Program, _: &[u8], _: &RunOptions) -> CliResult<EngineResult> {
    Err(CliError::bad_input(
        availability(Engine::Kernel).err().unwrap_or_default(),
    ))
}
