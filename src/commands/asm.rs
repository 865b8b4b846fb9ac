//! `bpf-offload asm FILE.s [-o OUT] [--syntax llvm|conformance]`: raw instruction bytes, or an
//! ELF object (EM_BPF, one section per program, maps as BTF `.maps`) when OUT ends in `.o`.

use crate::cli::{ProgTypeArg, SyntaxArg};
use crate::error::{CliError, CliResult};
use crate::input;
use crate::output::{self, print};
use ir::insn::encode;
use std::path::Path;

pub fn run(
    file: &Path,
    out: Option<&Path>,
    syntax: Option<SyntaxArg>,
    prog_type: Option<ProgTypeArg>,
    json: bool,
) -> CliResult {
    let bytes = input::read_file(file)?;
    let name = file.display().to_string();
    let text = std::str::from_utf8(&bytes)
        .map_err(|e| CliError::bad_input(format!("{name}: not UTF-8 text: {e}")))?;
    let mut prog = match syntax {
        Some(s) => ir::asm::assemble_as(text, s.to_ir()).map_err(|e| {
            CliError::bad_input(format!("{name}:{}:{}: {}", e.line, e.col, e.message))
        })?,
        None => input::assemble(&name, text, 0)?,
    };
    if let Some(t) = prog_type {
        // `--type` decides where the file does not: a `.section` in the file wins.
        let t = t.to_ir();
        if !text.lines().any(|l| l.trim_start().starts_with(".section")) {
            prog.prog_type = t;
            prog.section = t.default_section().to_string();
            prog.name = t.default_section().to_string();
        } else if prog.prog_type != t {
            return Err(CliError::bad_input(format!(
                "{name}: --type {} conflicts with the file's `.section {}`",
                t, prog.section
            )));
        }
    }
    let raw = prog
        .to_bytes()
        .map_err(|e| CliError::bad_input(format!("{name}: {e}")))?;
    if let Some(path) = out {
        output::write_atomic(path, &output_bytes(path, &prog, &raw)?)?;
    }
    if json {
        let v = serde_json::json!({
            "instructions": prog.insns.len(),
            "bytes": raw.len(),
            "maps": prog.maps.iter().map(|m| m.name.clone()).collect::<Vec<_>>(),
            "output": out.map(|p| p.display().to_string()),
        });
        print(&format!("{v}\n"));
    } else if out.is_none() {
        let mut s = String::new();
        for r in encode(&prog.insns) {
            s.push_str(&output::hex(&r.to_bytes()));
            s.push('\n');
        }
        print(&s);
    }
    Ok(())
}

/// What `-o PATH` gets: an ELF relocatable object for `.o` files, the raw instruction bytes
/// otherwise.
fn output_bytes(path: &Path, prog: &ir::Program, raw: &[u8]) -> CliResult<Vec<u8>> {
    if path.extension().is_some_and(|e| e == "o") {
        ir::elf::write_object(std::slice::from_ref(prog))
            .map_err(|e| CliError::bad_input(format!("{}: {e}", path.display())))
    } else {
        Ok(raw.to_vec())
    }
}
