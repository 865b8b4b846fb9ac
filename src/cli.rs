//! What the user typed: the clap definitions. `main` resolves them into command calls.

use crate::commands::build;
use crate::engine::MapsMode;
use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// The largest `run --repeat`: a million runs of a program at the interpreter's step budget
/// already take hours, and nothing reports progress meanwhile.
pub const MAX_REPEAT: u32 = 1_000_000;

/// Packet-filter rules to verified eBPF: assemble, verify, check offload, JIT and run.
#[derive(Parser, Debug)]
#[command(name = "bpf-offload", version, about, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// Assembly syntaxes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SyntaxArg {
    /// Kernel/LLVM syntax: `r0 = *(u32 *)(r1 + 4)`.
    Llvm,
    /// bpf_conformance syntax: `ldxw %r0, [%r1+4]`.
    Conformance,
}

impl SyntaxArg {
    pub fn to_ir(self) -> ir::asm::Syntax {
        match self {
            SyntaxArg::Llvm => ir::asm::Syntax::Llvm,
            SyntaxArg::Conformance => ir::asm::Syntax::Conformance,
        }
    }
}

/// Program types `asm --type` sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProgTypeArg {
    /// XDP (section `xdp`).
    Xdp,
    /// TC classifier, BPF_PROG_TYPE_SCHED_CLS (section `tc`).
    Tc,
    /// Socket filter (section `socket`).
    Socket,
}

impl ProgTypeArg {
    pub fn to_ir(self) -> ir::ProgType {
        match self {
            ProgTypeArg::Xdp => ir::ProgType::Xdp,
            ProgTypeArg::Tc => ir::ProgType::SchedCls,
            ProgTypeArg::Socket => ir::ProgType::SocketFilter,
        }
    }
}

/// Where a program must load: a target profile, which gives the verifier its capabilities and
/// the compiler the code it asks for (`offload::Capabilities`, with its `codegen`). A new
/// target is one more variant here and one arm in `commands::check::target_caps`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TargetArg {
    /// The host kernel's XDP and TC.
    Kernel,
    /// Offload to a Netronome NFP: checked against its firmware's capabilities and limits
    /// (`--caps` overrides them).
    Nfp,
    /// A native RV64 object (`build`): the kernel's rules, compiled ahead of time by our RV64
    /// JIT for a user-space packet processor (`--riscv-ext` picks the extensions).
    Riscv64,
    /// A native x86-64 object (`build`; not implemented yet): the kernel's rules.
    #[value(name = "x86_64")]
    X86_64,
}

/// Backends whose machine code `disasm --target` shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DisasmTarget {
    /// The x86-64 JIT (Intel syntax).
    #[value(name = "x86_64")]
    X86_64,
    /// The RV64 JIT (what `llvm-mc -M no-aliases` prints), for `--riscv-ext`.
    #[value(name = "riscv64")]
    Riscv64,
    /// The NFP translation (NFP assembler syntax, each word with its ECC).
    #[value(name = "nfp")]
    Nfp,
}

/// `--riscv-ext`: RV64 extensions beyond RV64IMA the code may use: `c`, `zba`, `zbb` (comma
/// separated), `all` or `none`.
pub fn parse_riscv_ext(s: &str) -> Result<jit::riscv64::Extensions, String> {
    jit::riscv64::Extensions::parse(s)
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Assemble a program (either syntax, detected) into raw instruction bytes.
    Asm {
        /// Assembly file (`-` for standard input).
        file: PathBuf,
        /// Output file; without it the instructions are printed as hex words, one per line.
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Force a syntax instead of detecting it.
        #[arg(long)]
        syntax: Option<SyntaxArg>,
        /// Program type (and default section) when the file names no `.section`.
        #[arg(long = "type", value_enum)]
        prog_type: Option<ProgTypeArg>,
        /// Print a JSON summary instead of hex words.
        #[arg(long)]
        json: bool,
    },
    /// Disassemble a program (.s, .data, raw bytes); with `--target x86_64`, each eBPF
    /// instruction followed by the x86 code our JIT emits for it.
    Disasm {
        prog: PathBuf,
        #[arg(long, default_value = "llvm")]
        syntax: SyntaxArg,
        /// Show the machine code of a backend instead of eBPF alone.
        #[arg(long, value_enum)]
        target: Option<DisasmTarget>,
        /// With `--target`: blind the program's constants, as `run --harden` does.
        #[arg(long, requires = "target")]
        harden: bool,
        /// With `--target riscv64`: the extensions the code may use (`c,zba,zbb`, `all`, `none`).
        #[arg(long, default_value = "c", value_parser = parse_riscv_ext)]
        riscv_ext: jit::riscv64::Extensions,
        /// Program section in an ELF object.
        #[arg(long)]
        section: Option<String>,
        /// Interleave the C source lines (from DWARF) as comments.
        #[arg(long, short = 'S')]
        source: bool,
        #[arg(long)]
        json: bool,
    },
    /// Verify a program: exit 0 accepted, 1 rejected (every reason printed), 2 bad input.
    Check {
        prog: PathBuf,
        /// Target profile.
        #[arg(long, value_enum, default_value = "kernel")]
        target: TargetArg,
        /// TOML overrides of the target's firmware capabilities and limits (nfp only; schema in
        /// nfp-model/src/profile.rs).
        #[arg(long)]
        caps: Option<PathBuf>,
        /// Program section in an ELF object.
        #[arg(long)]
        section: Option<String>,
        /// Print the verifier log (the kernel's log_level 2 shape).
        #[arg(long)]
        log: bool,
        /// Structured output.
        #[arg(long)]
        json: bool,
        /// Judge as for an unprivileged loader.
        #[arg(long)]
        unprivileged: bool,
    },
    /// Run a program on one engine or all of them: each engine prepares it once, then runs
    /// every input.
    Run {
        prog: PathBuf,
        #[arg(long, default_value = "interp", value_parser = crate::engine::value_parser())]
        engine: String,
        /// Memory for r1/r2 (conformance style), hex bytes.
        #[arg(long, conflicts_with_all = ["packet", "pcap"])]
        mem: Option<String>,
        /// One packet, hex bytes (starting at the Ethernet header).
        #[arg(long, conflicts_with = "pcap")]
        packet: Option<String>,
        /// A pcap or pcapng file: one result line per packet.
        #[arg(long)]
        pcap: Option<PathBuf>,
        /// Run each input N times (engines that time runs report the mean); 1 to 1,000,000.
        #[arg(long, default_value_t = 1,
              value_parser = clap::value_parser!(u32).range(1..=i64::from(MAX_REPEAT)))]
        repeat: u32,
        /// Seed for bpf_get_prandom_u32 (the same on every engine that takes one).
        #[arg(long)]
        seed: Option<u64>,
        /// Maps over a capture: `shared` keeps them from packet to packet as on a live
        /// interface (counters add up); `fresh` gives every packet the initial contents.
        #[arg(long, value_enum, default_value = "shared")]
        maps: MapsMode,
        /// After the run, print the per-rule hit counts of the `rule_hits` map (a program
        /// built with `build --counters`; needs `--maps shared`).
        #[arg(long)]
        counters: bool,
        /// JIT engines: blind the program's constants (no immediate it chose appears in the code).
        #[arg(long)]
        harden: bool,
        /// The riscv64 engine: RV64 extensions the code may use beyond RV64IMA (`c`, `zba`,
        /// `zbb`, comma separated; `all`; `none`).
        #[arg(long, default_value = "c", value_parser = parse_riscv_ext)]
        riscv_ext: jit::riscv64::Extensions,
        #[arg(long)]
        section: Option<String>,
        /// One JSON object per result.
        #[arg(long)]
        json: bool,
    },
    /// The bpf_conformance plugin contract: program hex on stdin, memory hex as argument,
    /// prints r0 in hex.
    Plugin {
        #[arg(long, default_value = "interp", value_parser = crate::engine::value_parser())]
        engine: String,
        /// Memory, hex bytes.
        mem: Option<String>,
    },
    /// Compile rules to a verified eBPF program (ELF object, C or assembly).
    Build {
        /// The rule language.
        #[arg(long = "from", value_enum)]
        from: build::Syntax,
        /// The rules (pcap: one filter expression; other syntaxes: one rule per argument). A
        /// quoted rule that starts with '-' ('-A INPUT ...') is taken as a rule.
        rules: Vec<String>,
        /// One more rule, which may start with '-'.
        #[arg(long = "rule", allow_hyphen_values = true)]
        rule: Vec<String>,
        /// Read the rules from FILE (`-` for standard input).
        #[arg(short = 'f', long = "file")]
        file: Option<PathBuf>,
        /// What packets the rules match get (pcap).
        #[arg(long, value_enum, default_value = "drop")]
        action: build::ActionArg,
        /// What every other packet gets.
        #[arg(long, value_enum, default_value = "pass")]
        default: build::DefaultArg,
        /// Where the program attaches.
        #[arg(long, value_enum, default_value = "xdp")]
        hook: build::HookArg,
        /// What to write.
        #[arg(long, value_enum, default_value = "elf")]
        emit: build::Emit,
        /// Output file (needed for elf; C and asm go to stdout without it).
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// The report as JSON.
        #[arg(long)]
        json: bool,
        /// Count every rule's matches in the `rule_hits` ARRAY map.
        #[arg(long)]
        counters: bool,
        /// Where the program must load: `kernel` (host XDP/TC) or `nfp` (offload to a
        /// Netronome NIC: code generated for it and checked against its firmware's limits);
        /// `riscv64` writes a native RV64 ELF object (and OUT.h, its C ABI) to link into a
        /// user-space packet processor.
        #[arg(long, value_enum, default_value = "kernel")]
        target: TargetArg,
        /// With `--target riscv64`: extensions the code may use (`c,zba,zbb`, `all`, `none`).
        #[arg(long, default_value = "c", value_parser = parse_riscv_ext)]
        riscv_ext: jit::riscv64::Extensions,
        /// TOML overrides of the NFP firmware's capabilities and limits (as `check --caps`).
        #[arg(long)]
        caps: Option<PathBuf>,
    },
    /// Measure engines side by side on built-in programs.
    Bench {
        #[arg(long, default_value = "interp", value_parser = crate::engine::value_parser())]
        engine: String,
        /// Target seconds of measurement per program and engine.
        #[arg(long, default_value_t = 0.5)]
        seconds: f64,
        #[arg(long)]
        json: bool,
    },
}
