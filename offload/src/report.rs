//! What a rejection says: where (instruction index, disassembly, source origin), why (a stable
//! code and the kernel's words) and how to fix it (a hint).

use ir::{Origin, Program};
use std::fmt;
use std::time::Duration;

/// One reason a program is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    /// Instruction index (slot), when the reason is at an instruction.
    pub pc: Option<usize>,
    /// The instruction, disassembled.
    pub insn: Option<String>,
    /// Stable machine-readable code, e.g. `safety.packet.out_of_range`.
    pub code: &'static str,
    /// The reason, in the kernel's words where the kernel has some.
    pub message: String,
    /// How to fix it.
    pub hint: Option<String>,
    /// Where the instruction came from (asm line, C line, rule); for a map-level reason, where
    /// the map was defined.
    pub origin: Option<Origin>,
    /// The map a map-level reason is about.
    pub map: Option<String>,
    /// Error (refuses the program) or warning (reported only).
    pub severity: Severity,
}

/// How serious a reason is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Severity {
    /// The program is refused.
    #[default]
    Error,
    /// Reported, the program still passes (e.g. a helper that behaves differently).
    Warning,
}

impl Severity {
    /// `error` or `warning`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

impl Rejection {
    /// A reason at instruction `pc` (disassembly and origin are filled in by the verifier).
    pub fn at(pc: usize, code: &'static str, message: impl Into<String>) -> Rejection {
        Rejection {
            pc: Some(pc),
            insn: None,
            code,
            message: message.into(),
            hint: None,
            origin: None,
            map: None,
            severity: Severity::Error,
        }
    }

    /// A reason about the whole program.
    pub fn program(code: &'static str, message: impl Into<String>) -> Rejection {
        Rejection {
            pc: None,
            insn: None,
            code,
            message: message.into(),
            hint: None,
            origin: None,
            map: None,
            severity: Severity::Error,
        }
    }

    /// A reason about map `map` (its definition is the origin).
    pub fn map(code: &'static str, map: &ir::MapDef, message: impl Into<String>) -> Rejection {
        Rejection {
            origin: map.origin.clone(),
            map: Some(map.name.clone()),
            ..Rejection::program(code, message)
        }
    }

    /// The same with a hint.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Rejection {
        self.hint = Some(hint.into());
        self
    }

    /// Fill in the disassembly and origin of `pc` from the program.
    pub fn locate(mut self, prog: &Program) -> Rejection {
        if let Some(pc) = self.pc {
            if self.insn.is_none() {
                self.insn = insn_text(prog, pc);
            }
            if self.origin.is_none() {
                self.origin = prog.source_map.get(pc).cloned();
            }
        }
        self
    }
}

impl Rejection {
    /// Give a map-level reason without an origin its map's definition line: the program's
    /// `MapDef::origin` (the ELF reader fills it from DWARF) when it has one; otherwise search
    /// the C source the program's instruction lines name for the line with the map's name and
    /// `SEC(` (`} NAME SEC(".maps")`) or a legacy `struct bpf_map_def NAME`.
    pub fn locate_map_definition(mut self, prog: &Program) -> Rejection {
        let (Some(name), None) = (&self.map, &self.origin) else {
            return self;
        };
        if let Some(origin) = prog
            .maps
            .iter()
            .find(|m| &m.name == name)
            .and_then(|m| m.origin.clone())
        {
            self.origin = Some(origin);
            return self;
        }
        let mut files: Vec<&str> = Vec::new();
        for pc in 0..prog.insns.len() {
            if let Some(Origin::C { file, .. }) = prog.source_map.get(pc) {
                if !files.contains(&file.as_str()) {
                    files.push(file);
                }
            }
        }
        let is_name = |line: &str| {
            line.split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .any(|w| w == name)
        };
        for file in files {
            let Ok(text) = std::fs::read_to_string(file) else {
                continue;
            };
            let found = text
                .lines()
                .enumerate()
                .find(|(_, l)| is_name(l) && (l.contains("SEC(") || l.contains("bpf_map_def")));
            if let Some((i, line)) = found {
                let column = line.find(name.as_str()).map_or(0, |c| c as u32 + 1);
                self.origin = Some(Origin::C {
                    file: file.to_string(),
                    line: i as u32 + 1,
                    column,
                    text: Some(line.trim().to_string()),
                });
                break;
            }
        }
        self
    }
}

/// The instruction at `pc` as text.
pub fn insn_text(prog: &Program, pc: usize) -> Option<String> {
    (pc < prog.insns.len()).then(|| ir::disasm::kernel_log_text(prog, pc))
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.pc, &self.insn) {
            (Some(pc), Some(text)) => write!(f, "insn {pc}: {text}: ")?,
            (Some(pc), None) => write!(f, "insn {pc}: ")?,
            _ => {}
        }
        if let Some(m) = &self.map {
            write!(f, "map '{m}': ")?;
        }
        if self.severity == Severity::Warning && !self.message.starts_with("warning") {
            f.write_str("warning: ")?;
        }
        write!(f, "{} [{}]", self.message, self.code)?;
        if let Some(o) = &self.origin {
            write!(f, "\n  at {o}")?;
        }
        if let Some(h) = &self.hint {
            write!(f, "\n  hint: {h}")?;
        }
        Ok(())
    }
}

/// Counters of one verification.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Instructions processed over all paths (the kernel's `processed N insns`).
    pub processed: u64,
    /// States stored at prune points.
    pub total_states: u64,
    /// Most states stored at once.
    pub peak_states: u64,
    /// Most states stored for one instruction.
    pub max_states_per_insn: u64,
    /// Paths cut because an explored state covered them.
    pub pruned: u64,
    /// Wall time.
    pub time: Duration,
}

impl fmt::Display for Stats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "processed {} insns (limit 1000000) max_states_per_insn {} total_states {} peak_states {} mark_read 0",
            self.processed, self.max_states_per_insn, self.total_states, self.peak_states
        )
    }
}

/// Why a program was refused: every reason found, the log if asked for, and the counters.
#[derive(Clone, Debug)]
pub struct Rejections {
    /// The reasons, the fatal one (if any) first.
    pub rejections: Vec<Rejection>,
    /// The verifier log, when `Options::log` was set.
    pub log: Option<String>,
    /// Counters.
    pub stats: Stats,
}

impl fmt::Display for Rejections {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, r) in self.rejections.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{r}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Rejections {}
