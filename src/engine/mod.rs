//! The execution engines behind `run --engine`, `plugin` and `bench`, as sessions.
//!
//! # The contract
//! An engine is one value implementing [`Engine`], listed once in [`ENGINES`]; nothing else in
//! the CLI names it (`--engine` takes the names in that list, `all` runs every available one in
//! that order, the interpreter first as the reference). An engine:
//! - says whether it can run here ([`Engine::availability`]: built in, root, host ISA, ...);
//! - [`Engine::prepare`]s a program **once** — verify once, compile once, load once — into a
//!   [`Session`], or refuses the whole program (a verifier rejection is exit 1, an engine that
//!   cannot be used is exit 2);
//! - then runs input after input on that session ([`Session::run`]). Every run gives an
//!   [`EngineResult`] or a [`Refusal`]: *this* input could not be run by *this* engine (a runt
//!   frame, a packet the kernel's test run refuses, a helper the engine lacks, a fault), with the
//!   reason. A refusal is a row of output, never the end of a capture.
//! - keeps its maps per [`MapsMode`]: `Fresh` starts every run from the program's initial map
//!   contents; `Shared` keeps them across runs as on a live interface. [`Session::maps`] reads
//!   them back so `--engine all` can compare final contents (one set of maps per engine);
//! - counts what it did ([`Session::counts`]): a capture costs one verification, one
//!   compilation and one load however many packets it holds, and a test holds it to that;
//! - times runs on request ([`Session::time`], for `--repeat` and `bench`), never as part of a
//!   result;
//! - says whether its helpers are `ir::runtime`'s ([`Engine::runtime_helpers`]): the
//!   simulated clock and the seeded `bpf_get_prandom_u32`. Engines that share them must agree
//!   exactly; one that does not (the kernel) differs *by nature* on programs that read the clock
//!   or random numbers, which [`Nature`] names instead of counting as a disagreement.
//!
//! Adding an engine (the RISC-V emulator, the NFP simulator) is one file with one `impl Engine`
//! and its `Session`, and one line in [`ENGINES`].

mod interp;
mod kernel;
mod nature;
mod nfp;
mod riscv64;
mod x86_64;

pub use nature::Nature;

use crate::error::CliError;
use ir::interp::Input;
use ir::runtime::MapContents;
use ir::Program;

/// Steps one interpreter run may take before it is stopped.
pub const STEP_BUDGET: u64 = 100_000_000;

/// Every engine, in the order `--engine all` runs them (the interpreter first: the reference).
pub static ENGINES: &[&dyn Engine] = &[
    &interp::Interp,
    &x86_64::X86_64,
    &riscv64::Riscv64,
    &kernel::Kernel,
    &nfp::Nfp,
];

/// One execution engine: prepares programs into sessions.
pub trait Engine: Sync {
    /// The name `--engine` takes and output rows use.
    fn name(&self) -> &'static str;
    /// One line for `--help`.
    fn about(&self) -> &'static str;
    /// Whether the engine can run here; the error says why not (not built in, not root, ...).
    fn availability(&self) -> Result<(), String>;
    /// Whether it runs only packet programs (`--packet`/`--pcap`); `run` leaves it out of
    /// `--engine all` otherwise.
    fn packets_only(&self) -> bool {
        false
    }
    /// Whether helpers run on `ir::runtime` (simulated clock, seeded prandom): engines that do
    /// must agree with the interpreter exactly.
    fn runtime_helpers(&self) -> bool {
        true
    }
    /// Whether it runs bpf_conformance programs (`.data`, r1 = input memory); `run` leaves it
    /// out of `--engine all` for them otherwise.
    fn takes_conformance(&self) -> bool {
        true
    }
    /// Verify, compile and load `prog` once, for any number of runs.
    fn prepare(&self, prog: &Program, opts: &PrepareOptions) -> Result<Box<dyn Session>, CliError>;
}

/// A prepared program on one engine.
pub trait Session {
    /// Run the program once on `input`. With [`MapsMode::Fresh`] the run starts from the
    /// initial map contents; with `Shared` from what earlier runs left.
    fn run(&mut self, input: &Input) -> Result<EngineResult, Refusal>;
    /// Mean wall time in ns of one run over `repeat` runs of `input` (maps are not reset
    /// between these runs). Timing is never part of a result.
    fn time(&mut self, input: &Input, repeat: u32) -> Result<f64, Refusal>;
    /// The maps' current contents by name, entries sorted by key (map kinds the engine cannot
    /// read back are left out).
    fn maps(&mut self) -> Result<Vec<(String, MapContents)>, String>;
    /// What the session did so far.
    fn counts(&self) -> Counts;
}

/// How many times a session verified, compiled and loaded the program, and ran it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Verifier runs (ours).
    pub verified: u32,
    /// Compilations (JIT code, the interpreter's decoding, the kernel's BPF_PROG_LOAD).
    pub compiled: u32,
    /// Loads into the kernel (BPF_PROG_LOAD).
    pub loaded: u32,
    /// Runs of the program (timed runs included).
    pub runs: u64,
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

impl EngineResult {
    /// Engines agree when r0 (in the bits both report), action and packet agree; timing is
    /// not a result.
    pub fn agrees_with(&self, other: &EngineResult) -> bool {
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

/// Why one engine did not run one input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub kind: RefusalKind,
    /// The reason, in the engine's words.
    pub reason: String,
}

/// The kinds of [`Refusal`], which decide the exit code of a single run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefusalKind {
    /// The input cannot be presented to the program (a frame shorter than an Ethernet header,
    /// a packet the kernel's test run refuses): bad input, exit 2 for a single run.
    Input,
    /// The engine lacks something the program needs (a helper, an instruction): exit 1.
    Unsupported,
    /// The program stopped with an error (out of bounds, step budget, ...): exit 1.
    Fault,
}

impl Refusal {
    pub fn new(kind: RefusalKind, reason: impl Into<String>) -> Refusal {
        Refusal {
            kind,
            reason: reason.into(),
        }
    }

    /// As a CLI error for a single run on `engine`.
    pub fn into_error(self, engine: &str) -> CliError {
        let msg = format!("{engine}: {}", self.reason);
        match self.kind {
            RefusalKind::Input => CliError::bad_input(msg),
            RefusalKind::Unsupported | RefusalKind::Fault => CliError::rejected(msg),
        }
    }
}

/// What `prepare` gets besides the program.
#[derive(Debug, Clone, Default)]
pub struct PrepareOptions {
    /// bpf_conformance conventions: helper 5 is ubpf's unwind, `callx` takes a helper id, r1/r2
    /// are the input memory; the program runs unverified (no verifier accepts these programs).
    pub conformance: bool,
    /// Seed of `bpf_get_prandom_u32` for engines that take one (the same on each).
    pub seed: Option<u64>,
    /// JIT engines: constant blinding.
    pub harden: bool,
    /// Maps per run or per capture.
    pub maps: MapsMode,
    /// The RV64 engine: the extensions the code may use (`--riscv-ext`).
    pub riscv_ext: jit::riscv64::Extensions,
}

/// Whether maps start over for every run or carry over.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum MapsMode {
    /// Every packet sees the initial map contents (deterministic, one packet at a time).
    Fresh,
    /// Maps carry over from packet to packet, as on a live interface (the default: counters
    /// add up over a capture).
    #[default]
    Shared,
}

/// The engine called `name`, if any.
pub fn by_name(name: &str) -> Option<&'static dyn Engine> {
    ENGINES.iter().copied().find(|e| e.name() == name)
}

/// clap's parser for `--engine`: every engine's name, and `all`.
pub fn value_parser() -> clap::builder::PossibleValuesParser {
    let mut values: Vec<clap::builder::PossibleValue> = ENGINES
        .iter()
        .map(|e| clap::builder::PossibleValue::new(e.name()).help(e.about()))
        .collect();
    values.push(
        clap::builder::PossibleValue::new("all")
            .help("Every engine available here; their results are compared"),
    );
    clap::builder::PossibleValuesParser::new(values)
}

/// The engines `--engine NAME` stands for: one engine (an error when it cannot run here), or
/// with `all` every available engine (a note on stderr names each one left out and why).
pub fn resolve(name: &str) -> Result<Vec<&'static dyn Engine>, CliError> {
    if name == "all" {
        let mut out = Vec::new();
        for e in ENGINES {
            match e.availability() {
                Ok(()) => out.push(*e),
                Err(why) => eprintln!("note: engine {} left out: {why}", e.name()),
            }
        }
        return Ok(out);
    }
    let e = by_name(name).ok_or_else(|| {
        CliError::bad_input(format!("unknown engine `{name}` (see --help for the list)"))
    })?;
    e.availability()
        .map_err(|why| CliError::bad_input(format!("engine {name}: {why}")))?;
    Ok(vec![e])
}

/// A fresh `ir::runtime` for `prog` with the session's helper conventions and seed.
pub(crate) fn runtime_for(prog: &Program, opts: &PrepareOptions) -> ir::runtime::Runtime {
    let mut rt = ir::runtime::Runtime::new(prog).with_conformance_helpers(opts.conformance);
    if let Some(seed) = opts.seed {
        rt = rt.with_seed(seed);
    }
    rt
}

/// The initial map contents of a program on `ir::runtime`, to put back before each run with
/// [`MapsMode::Fresh`] without building a new runtime (which copies the program and allocates
/// every map again): only entries that changed are written back.
pub(crate) struct FreshMaps {
    initial: Vec<(String, MapContents)>,
}

impl FreshMaps {
    /// What a new runtime for the program holds.
    pub(crate) fn of(rt: &ir::runtime::Runtime) -> FreshMaps {
        FreshMaps { initial: rt.dump() }
    }

    /// Put `rt`'s maps back to the initial contents; a map kind this cannot restore in place
    /// makes a new runtime instead.
    pub(crate) fn restore(
        &self,
        rt: &mut ir::runtime::Runtime,
        prog: &Program,
        opts: &PrepareOptions,
    ) {
        let now = rt.dump();
        for (i, ((_, want), (_, have))) in self.initial.iter().zip(&now).enumerate() {
            if want == have {
                continue;
            }
            let kind = rt.map_def(i).map(|d| d.map_type);
            let restored = match kind {
                Some(ir::MapType::Array) => want
                    .iter()
                    .zip(have)
                    .filter(|(w, h)| w != h)
                    .all(|((k, v), _)| rt.map_update(i, k, v, ir::runtime::BPF_ANY).is_ok()),
                Some(ir::MapType::Hash) => {
                    let stale: Vec<&Vec<u8>> = have
                        .iter()
                        .filter(|(k, _)| !want.iter().any(|(wk, _)| wk == k))
                        .map(|(k, _)| k)
                        .collect();
                    stale.iter().all(|k| rt.map_delete(i, k).is_ok())
                        && want
                            .iter()
                            .filter(|e| !have.contains(e))
                            .all(|(k, v)| rt.map_update(i, k, v, ir::runtime::BPF_ANY).is_ok())
                }
                _ => false,
            };
            if !restored {
                *rt = runtime_for(prog, opts);
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests;
