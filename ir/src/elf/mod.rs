//! BPF ELF relocatable objects in and out: what `clang -target bpf` produces and what libbpf,
//! bpftool and iproute2 load.
//!
//! [`read_object`] turns an object into [`Program`]s the way libbpf does: every function of every
//! program section is an entry program, subprograms called from `.text` are appended to each
//! program that calls them, map references (BTF `.maps`, legacy `maps`, and the global data
//! sections `.rodata`/`.data`/`.bss` as one-entry ARRAY maps) become LD_IMM64 map indices, and
//! `.debug_line` gives each instruction its C source line (`.BTF.ext` line info when there is
//! no DWARF line table, e.g. after `llvm-objcopy --strip-debug`), and `.debug_info` gives each
//! map its definition line ([`MapDef::origin`]: the map's variable, or for a global data
//! section its first variable). [`write_object`] is the inverse.
//!
//! ```
//! use ir::{elf, insn::{Insn, Reg, Operand, AluOp, Width}, Program, ProgType};
//! let prog = Program::new(ProgType::Xdp, vec![
//!     Insn::Alu { width: Width::W64, op: AluOp::Mov, dst: Reg::R0, src: Operand::Imm(2) },
//!     Insn::Exit,
//! ]);
//! let bytes = elf::write_object(std::slice::from_ref(&prog)).unwrap();
//! let obj = elf::read_object(&bytes).unwrap();
//! assert_eq!(obj.program("xdp").unwrap().insns, prog.insns);
//! ```

mod btf;
mod btf_ext;
mod dwarf;
mod read;
mod write;

use crate::program::{MapDef, Program};
use std::fmt;

pub use read::read_object;
pub use write::write_object;

/// Machine number of BPF in `e_machine`.
pub const EM_BPF: u16 = 247;

/// A BPF object file: its programs, maps and license.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Object {
    /// Every entry program, in section order then symbol order.
    pub programs: Vec<Program>,
    /// Every map the file defines (BTF `.maps`, legacy `maps`, global data sections).
    pub maps: Vec<MapDef>,
    /// The `license` section's string ("" when absent).
    pub license: String,
}

impl Object {
    /// The program whose name (ELF symbol) or section name is `section_or_name`; names win.
    pub fn program(&self, section_or_name: &str) -> Option<&Program> {
        self.programs
            .iter()
            .find(|p| p.name == section_or_name)
            .or_else(|| self.programs.iter().find(|p| p.section == section_or_name))
    }
}

/// Why an ELF object could not be read or written, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ElfError {
    /// The section involved, when one is.
    pub section: Option<String>,
    /// Byte offset (in the file for headers, in the section otherwise).
    pub offset: Option<u64>,
    /// What was wrong.
    pub message: String,
}

impl ElfError {
    /// An error about the file as a whole, at a file offset.
    pub(crate) fn file(offset: u64, message: impl Into<String>) -> ElfError {
        ElfError {
            section: None,
            offset: Some(offset),
            message: message.into(),
        }
    }

    /// An error at `offset` inside `section`.
    pub(crate) fn at(
        section: impl Into<String>,
        offset: u64,
        message: impl Into<String>,
    ) -> ElfError {
        ElfError {
            section: Some(section.into()),
            offset: Some(offset),
            message: message.into(),
        }
    }

    /// An error with no location (writer input problems).
    pub(crate) fn msg(message: impl Into<String>) -> ElfError {
        ElfError {
            section: None,
            offset: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for ElfError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.section, self.offset) {
            (Some(s), Some(o)) => write!(f, "section '{s}', offset {o:#x}: {}", self.message),
            (Some(s), None) => write!(f, "section '{s}': {}", self.message),
            (None, Some(o)) => write!(f, "file offset {o:#x}: {}", self.message),
            (None, None) => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for ElfError {}

#[cfg(test)]
mod tests;
