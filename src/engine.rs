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
    /// Every engine available; results are compared.
    All,
}

impl Engine {
    pub fn name(self) -> &'static str {
        match self {
            Engine::Interp => "interp",
            Engine::Kernel => "kernel",
            Engine::All => "all",
        }
    }

    /// The engines `--engine all` runs, in order (the interpreter first: it is the reference).
    pub fn concrete() -> Vec<Engine> {
        vec![Engine::Interp, Engine::Kernel]
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
}

impl PartialEq for EngineResult {
    /// Engines agree when r0, action and packet agree; timing is not a result.
    fn eq(&self, other: &EngineResult) -> bool {
        self.r0 == other.r0 && self.action == other.action && self.packet_out == other.packet_out
    }
}

/// Options shared by every engine.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// bpf_conformance conventions: helper 5 is ubpf's unwind, `callx` takes a helper id.
    pub conformance: bool,
    pub seed: Option<u64>,
    pub repeat: u32,
}

/// Whether `engine` can run here; the error says why not (not built in, not root, ...).
pub fn availability(engine: Engine) -> Result<(), String> {
    match engine {
        Engine::Interp => Ok(()),
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
        Engine::Kernel | Engine::All => Err(CliError::bad_input(
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
    })
}
