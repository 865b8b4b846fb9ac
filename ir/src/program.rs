//! A whole eBPF program as a value: instructions, subprograms, maps, relocations, metadata and an
//! optional source map.
//!
//! Inside a `Program`, an LD_IMM64 whose source is a map ([`LdImm64Src::is_map`]) holds in its
//! low 32 bits the *index* of the map in [`Program::maps`]; the relocation list records the same
//! link by map name, which is what ELF files carry. Loaders (kernel, ELF writer) translate.

use crate::insn::{Insn, LdImm64Src};
use std::fmt;

/// The kernel's `enum bpf_prog_type` values for the types this project handles by name; any
/// other value is kept as a number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum ProgType {
    SocketFilter,
    /// TC classifier (`BPF_PROG_TYPE_SCHED_CLS`), what `tc ... bpf da` loads.
    SchedCls,
    SchedAct,
    #[default]
    Xdp,
    /// Any other `bpf_prog_type`, by number.
    Other(u32),
}

impl ProgType {
    /// The kernel's numeric program type.
    pub const fn kernel_id(self) -> u32 {
        match self {
            ProgType::SocketFilter => 1,
            ProgType::SchedCls => 3,
            ProgType::SchedAct => 4,
            ProgType::Xdp => 6,
            ProgType::Other(n) => n,
        }
    }

    /// From the kernel's numeric program type.
    pub const fn from_kernel_id(n: u32) -> ProgType {
        match n {
            1 => ProgType::SocketFilter,
            3 => ProgType::SchedCls,
            4 => ProgType::SchedAct,
            6 => ProgType::Xdp,
            n => ProgType::Other(n),
        }
    }

    /// Program type from an ELF section name, as libbpf guesses it (`xdp`, `tc`, `classifier`,
    /// `socket`, `action`, with or without a `/suffix`).
    pub fn from_section(name: &str) -> Option<ProgType> {
        let head = name.split('/').next().unwrap_or(name);
        Some(match head {
            "xdp" | "xdp.frags" => ProgType::Xdp,
            "tc" | "classifier" | "tcx" => ProgType::SchedCls,
            "action" => ProgType::SchedAct,
            "socket" => ProgType::SocketFilter,
            _ => return None,
        })
    }

    /// Default ELF section name for this type.
    pub const fn default_section(self) -> &'static str {
        match self {
            ProgType::SocketFilter => "socket",
            ProgType::SchedCls => "tc",
            ProgType::SchedAct => "action",
            ProgType::Xdp => "xdp",
            ProgType::Other(_) => "prog",
        }
    }
}

impl fmt::Display for ProgType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProgType::SocketFilter => f.write_str("socket_filter"),
            ProgType::SchedCls => f.write_str("sched_cls"),
            ProgType::SchedAct => f.write_str("sched_act"),
            ProgType::Xdp => f.write_str("xdp"),
            ProgType::Other(n) => write!(f, "prog_type_{n}"),
        }
    }
}

/// The kernel's `enum bpf_map_type`; unknown values are kept as numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MapType {
    Hash,
    Array,
    ProgArray,
    PerfEventArray,
    PercpuHash,
    PercpuArray,
    LruHash,
    LruPercpuHash,
    LpmTrie,
    DevMap,
    Other(u32),
}

impl MapType {
    pub const fn kernel_id(self) -> u32 {
        match self {
            MapType::Hash => 1,
            MapType::Array => 2,
            MapType::ProgArray => 3,
            MapType::PerfEventArray => 4,
            MapType::PercpuHash => 5,
            MapType::PercpuArray => 6,
            MapType::LruHash => 9,
            MapType::LruPercpuHash => 10,
            MapType::LpmTrie => 11,
            MapType::DevMap => 14,
            MapType::Other(n) => n,
        }
    }

    pub const fn from_kernel_id(n: u32) -> MapType {
        match n {
            1 => MapType::Hash,
            2 => MapType::Array,
            3 => MapType::ProgArray,
            4 => MapType::PerfEventArray,
            5 => MapType::PercpuHash,
            6 => MapType::PercpuArray,
            9 => MapType::LruHash,
            10 => MapType::LruPercpuHash,
            11 => MapType::LpmTrie,
            14 => MapType::DevMap,
            n => MapType::Other(n),
        }
    }

    /// The libbpf/kernel name (`hash`, `array`, `lpm_trie`, ...), also used by the assembler's
    /// `.map` directive.
    pub const fn name(self) -> &'static str {
        match self {
            MapType::Hash => "hash",
            MapType::Array => "array",
            MapType::ProgArray => "prog_array",
            MapType::PerfEventArray => "perf_event_array",
            MapType::PercpuHash => "percpu_hash",
            MapType::PercpuArray => "percpu_array",
            MapType::LruHash => "lru_hash",
            MapType::LruPercpuHash => "lru_percpu_hash",
            MapType::LpmTrie => "lpm_trie",
            MapType::DevMap => "devmap",
            MapType::Other(_) => "unknown",
        }
    }

    /// Inverse of [`MapType::name`] for the named types.
    pub fn from_name(s: &str) -> Option<MapType> {
        Some(match s {
            "hash" => MapType::Hash,
            "array" => MapType::Array,
            "prog_array" => MapType::ProgArray,
            "perf_event_array" => MapType::PerfEventArray,
            "percpu_hash" => MapType::PercpuHash,
            "percpu_array" => MapType::PercpuArray,
            "lru_hash" => MapType::LruHash,
            "lru_percpu_hash" => MapType::LruPercpuHash,
            "lpm_trie" => MapType::LpmTrie,
            "devmap" => MapType::DevMap,
            _ => return None,
        })
    }
}

impl fmt::Display for MapType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MapType::Other(n) => write!(f, "map_type_{n}"),
            t => f.write_str(t.name()),
        }
    }
}

/// A map definition, as in a BTF `.maps` entry or a legacy `struct bpf_map_def`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MapDef {
    pub name: String,
    pub map_type: MapType,
    pub key_size: u32,
    pub value_size: u32,
    pub max_entries: u32,
    pub flags: u32,
    /// Initial contents of the value (global data maps `.rodata`/`.data`/`.bss`, one entry).
    pub initial_value: Option<Vec<u8>>,
    /// (key, value) pairs every engine puts in the map before the first run (a rule set's
    /// HASH sets). An ELF object cannot carry them: whoever loads one loads these after it.
    pub initial_entries: Vec<(Vec<u8>, Vec<u8>)>,
    /// Where the map was defined (asm line, C line), for reports.
    pub origin: Option<Origin>,
}

impl MapDef {
    /// A map with no flags, no initial value and no origin.
    pub fn new(
        name: impl Into<String>,
        map_type: MapType,
        key_size: u32,
        value_size: u32,
        max_entries: u32,
    ) -> MapDef {
        MapDef {
            name: name.into(),
            map_type,
            key_size,
            value_size,
            max_entries,
            flags: 0,
            initial_value: None,
            initial_entries: Vec::new(),
            origin: None,
        }
    }
}

/// A relocation: the LD_IMM64 at slot `insn` refers to map `map` (by name, as in ELF).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Reloc {
    pub insn: usize,
    pub map: String,
}

/// A function inside the program: the entry (slot 0) and every bpf-to-bpf callee.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Subprog {
    pub name: String,
    /// First slot of the function.
    pub start: usize,
}

/// Where an instruction (or map) came from.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Origin {
    /// An assembly source line (1-based).
    Asm { file: Option<String>, line: u32 },
    /// A C source line from DWARF (1-based); `text` is the line itself when the file was found.
    C {
        file: String,
        line: u32,
        column: u32,
        text: Option<String>,
    },
    /// A filter rule: its syntax (`iptables`, `pcap`, ...), index and text, with a byte span of
    /// the part that produced this instruction.
    Rule {
        syntax: String,
        index: usize,
        text: String,
        span: Option<(usize, usize)>,
    },
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Asm { file, line } => match file {
                Some(p) => write!(f, "{p}:{line}"),
                None => write!(f, "line {line}"),
            },
            Origin::C {
                file, line, column, ..
            } => {
                if *column > 0 {
                    write!(f, "{file}:{line}:{column}")
                } else {
                    write!(f, "{file}:{line}")
                }
            }
            Origin::Rule {
                syntax,
                index,
                text,
                ..
            } => write!(f, "{syntax} rule {}: {text}", index + 1),
        }
    }
}

/// Instruction slot -> origin. Sparse: slots without an entry inherit nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SourceMap {
    entries: Vec<Option<Origin>>,
}

impl SourceMap {
    /// Record the origin of slot `pc`.
    pub fn set(&mut self, pc: usize, origin: Origin) {
        if self.entries.len() <= pc {
            self.entries.resize(pc + 1, None);
        }
        self.entries[pc] = Some(origin);
    }

    /// The origin of slot `pc`, if known.
    pub fn get(&self, pc: usize) -> Option<&Origin> {
        self.entries.get(pc).and_then(|o| o.as_ref())
    }

    /// Whether no slot has an origin.
    pub fn is_empty(&self) -> bool {
        self.entries.iter().all(|o| o.is_none())
    }
}

/// An eBPF program with everything needed to run, verify, compile or write it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Program {
    /// Name (ELF symbol of the entry function).
    pub name: String,
    /// One entry per 8-byte slot; see the crate docs for LD_IMM64.
    pub insns: Vec<Insn>,
    /// Functions, sorted by `start`; the first starts at 0. Empty means one function.
    pub subprogs: Vec<Subprog>,
    pub maps: Vec<MapDef>,
    pub relocs: Vec<Reloc>,
    pub prog_type: ProgType,
    /// ELF section name (`xdp`, `tc`, `SEC("...")`).
    pub section: String,
    pub license: String,
    pub source_map: SourceMap,
}

impl Program {
    /// A program of `prog_type` with the given instructions, GPL license and default section.
    pub fn new(prog_type: ProgType, insns: Vec<Insn>) -> Program {
        Program {
            name: prog_type.default_section().to_string(),
            insns,
            subprogs: Vec::new(),
            maps: Vec::new(),
            relocs: Vec::new(),
            prog_type,
            section: prog_type.default_section().to_string(),
            license: "GPL".to_string(),
            source_map: SourceMap::default(),
        }
    }

    /// Index of a map by name.
    pub fn map_index(&self, name: &str) -> Option<usize> {
        self.maps.iter().position(|m| m.name == name)
    }

    /// The map an LD_IMM64 at `pc` refers to, if it refers to one.
    pub fn map_of(&self, pc: usize) -> Option<&MapDef> {
        match self.insns.get(pc)? {
            Insn::LdImm64 { src, imm, .. } if src.is_map() => self.maps.get(*imm as u32 as usize),
            _ => None,
        }
    }

    /// Function starts (always includes 0), sorted: from `subprogs` plus every local call and
    /// `LdImm64Src::Func` target.
    pub fn function_starts(&self) -> Vec<usize> {
        let mut starts = vec![0usize];
        starts.extend(self.subprogs.iter().map(|s| s.start));
        for (pc, insn) in self.insns.iter().enumerate() {
            let is_call = matches!(insn, Insn::Call(crate::insn::CallTarget::Local(_)))
                || matches!(
                    insn,
                    Insn::LdImm64 {
                        src: LdImm64Src::Func,
                        ..
                    }
                );
            if is_call {
                if let Some(t) = insn.jump_target(pc) {
                    if t >= 0 && (t as usize) < self.insns.len() {
                        starts.push(t as usize);
                    }
                }
            }
        }
        starts.sort_unstable();
        starts.dedup();
        starts
    }

    /// The program as raw bytes (8 per slot); an instruction the wire cannot hold (a short
    /// `ja` beyond 16 bits) is an error naming it, never a truncation.
    pub fn to_bytes(&self) -> Result<Vec<u8>, crate::insn::EncodeError> {
        crate::insn::try_encode_bytes(&self.insns)
    }
}
