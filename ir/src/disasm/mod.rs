//! The disassembler: a [`Program`] (or one slot of it) as text, in the two assembler syntaxes
//! and in the kernel verifier log form.
//!
//! - [`disasm_program`] prints a whole program that [`crate::asm::assemble_as`] reads back to the
//!   same instructions, maps and metadata: directives for non-default metadata, one label per
//!   jump target (`L<slot>`) and per function (its subprogram name), LD_IMM64 map loads by map name.
//! - [`insn_text`] prints one slot without labels (offsets as `+N`), in the LLVM syntax exactly as
//!   `llvm-objdump -d` prints it (local calls as `call OFF`, like objdump on an object file).
//! - [`kernel_log_text`] prints one slot as the kernel's `print_bpf_insn` does in verifier logs,
//!   e.g. `(61) r2 = *(u32 *)(r1 +4)`, `(85) call bpf_map_lookup_elem#1`, `(18) r1 = map[id:0]`
//!   (the "id" of a map is its index in [`Program::maps`]).
//!
//! ```
//! use ir::asm::{assemble, Syntax};
//! let p = assemble("ldxw %r0, [%r1+4]\nexit").unwrap();
//! assert_eq!(ir::disasm::insn_text(&p, 0, Syntax::Llvm), "r0 = *(u32 *)(r1 + 0x4)");
//! assert_eq!(ir::disasm::kernel_log_text(&p, 0), "(61) r0 = *(u32 *)(r1 +4)");
//! ```

mod conformance;
mod kernel;
mod llvm;

use crate::asm::Syntax;
use crate::insn::Insn;
use crate::program::Program;
use std::collections::{HashMap, HashSet};
use std::fmt::Write;

pub use kernel::kernel_log_text;

/// Names of jump targets and functions, by slot.
#[derive(Default)]
pub(crate) struct Labels {
    by_slot: HashMap<usize, String>,
}

impl Labels {
    /// One label per function start and per in-range jump target of `prog`.
    fn of(prog: &Program) -> Labels {
        let mut by_slot = HashMap::new();
        let mut used = HashSet::new();
        let valid = |s: &str| {
            let mut chars = s.chars();
            chars
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
                && !looks_generated(s)
                && crate::helpers::id(s).is_none()
        };
        let is_target = |t: usize| t < prog.insns.len() && prog.insns[t] != Insn::LdImm64Tail;
        for start in prog.function_starts() {
            if !is_target(start) || (start == 0 && !has_callers(prog)) {
                continue;
            }
            let named = prog
                .subprogs
                .iter()
                .find(|s| s.start == start)
                .map(|s| s.name.clone())
                .filter(|n| valid(n) && !used.contains(n));
            let name = named.unwrap_or_else(|| format!("func_{start}"));
            used.insert(name.clone());
            by_slot.insert(start, name);
        }
        for (pc, insn) in prog.insns.iter().enumerate() {
            if let Some(t) = insn.jump_target(pc) {
                if t >= 0 && is_target(t as usize) {
                    by_slot.entry(t as usize).or_insert_with(|| format!("L{t}"));
                }
            }
        }
        Labels { by_slot }
    }

    /// The label of the target of the jump/call at `pc` with offset `off`, if it has one.
    pub(crate) fn target(&self, pc: usize, off: i64) -> Option<&str> {
        let t = pc as i64 + 1 + off;
        usize::try_from(t)
            .ok()
            .and_then(|t| self.by_slot.get(&t))
            .map(|s| s.as_str())
    }
}

fn has_callers(prog: &Program) -> bool {
    prog.function_starts().len() > 1
}

/// Names the disassembler generates itself (`L12`, `func_3`), which a subprogram may not reuse.
fn looks_generated(s: &str) -> bool {
    let digits = |r: &str| !r.is_empty() && r.bytes().all(|b| b.is_ascii_digit());
    s.strip_prefix('L').is_some_and(digits) || s.strip_prefix("func_").is_some_and(digits)
}

/// One slot in `syntax`, without a pc prefix and without labels (offsets print as `+N`).
pub fn insn_text(prog: &Program, pc: usize, syntax: Syntax) -> String {
    text_with(prog, pc, syntax, None)
}

fn text_with(prog: &Program, pc: usize, syntax: Syntax, labels: Option<&Labels>) -> String {
    let Some(insn) = prog.insns.get(pc) else {
        return format!("<slot {pc} out of range>");
    };
    match syntax {
        Syntax::Conformance => conformance::text(prog, pc, insn, labels),
        Syntax::Llvm => llvm::text(prog, pc, insn, labels),
    }
}

/// A whole program in `syntax`, which the assembler reads back to the same program.
pub fn disasm_program(prog: &Program, syntax: Syntax) -> String {
    disasm(prog, syntax, false)
}

/// [`disasm_program`] with the C source interleaved: before the first instruction of each C line
/// (from [`Program::source_map`], filled from DWARF), a comment `# file:line: text`. The output
/// still assembles.
pub fn disasm_program_with_source(prog: &Program, syntax: Syntax) -> String {
    disasm(prog, syntax, true)
}

fn disasm(prog: &Program, syntax: Syntax, with_source: bool) -> String {
    let mut out = String::new();
    let ty = prog.prog_type;
    if prog.section != ty.default_section() || ty != crate::program::ProgType::default() {
        let _ = writeln!(out, ".section {}", prog.section);
    }
    if prog.license != "GPL" {
        let _ = writeln!(out, ".license {:?}", prog.license);
    }
    if prog.name != prog.section && prog.name != ty.default_section() && !prog.name.is_empty() {
        let _ = writeln!(out, ".globl {}", prog.name);
    }
    for m in &prog.maps {
        let ty = match m.map_type {
            crate::program::MapType::Other(n) => n.to_string(),
            t => t.name().to_string(),
        };
        let _ = write!(
            out,
            ".map {} type={ty} key={} value={} entries={}",
            m.name, m.key_size, m.value_size, m.max_entries
        );
        if m.flags != 0 {
            let _ = write!(out, " flags={}", m.flags);
        }
        out.push('\n');
    }
    let labels = Labels::of(prog);
    let mut last_line: Option<(&str, u32)> = None;
    for (pc, insn) in prog.insns.iter().enumerate() {
        if *insn == Insn::LdImm64Tail {
            continue;
        }
        if let Some(l) = labels.by_slot.get(&pc) {
            let _ = writeln!(out, "{l}:");
        }
        if with_source {
            if let Some(crate::program::Origin::C {
                file, line, text, ..
            }) = prog.source_map.get(pc)
            {
                let here = (file.as_str(), *line);
                if last_line != Some(here) {
                    last_line = Some(here);
                    let t = text.as_deref().map(str::trim).unwrap_or("");
                    let _ = writeln!(out, "    # {file}:{line}: {t}");
                }
            }
        }
        let _ = writeln!(out, "    {}", text_with(prog, pc, syntax, Some(&labels)));
    }
    out
}

/// A jump or call offset as `+N`/`-N`, or its label when there is one.
pub(crate) fn target_text(labels: Option<&Labels>, pc: usize, off: i64) -> String {
    match labels.and_then(|l| l.target(pc, off)) {
        Some(name) => name.to_string(),
        None => format!("{off:+}"),
    }
}

/// The map name an LD_IMM64 at `pc` refers to, or its index as a number.
pub(crate) fn map_ref(prog: &Program, imm: u64) -> String {
    let idx = imm as u32;
    match prog.maps.get(idx as usize) {
        Some(m) if is_ident(&m.name) => m.name.clone(),
        _ => idx.to_string(),
    }
}

fn is_ident(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '.')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
}
