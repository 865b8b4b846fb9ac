//! Loading a PROG argument: assembly text, a bpf_conformance `.data` file, raw instruction bytes
//! or (once the ELF reader is wired) an ELF object. The kind is decided by content first
//! (ELF magic), then by extension, then by whether the bytes are text.

use crate::error::{CliError, CliResult};
use ir::conformance::{self, TestCase};
use ir::Program;
use std::path::Path;

/// What a PROG argument turned out to be.
pub struct Loaded {
    pub program: Program,
    /// The parsed `.data` file, when PROG was one (its `-- mem`, `-- result`, `-- error`).
    pub case: Option<TestCase>,
}

/// The kind of a program file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Elf,
    Conformance,
    Asm,
    Raw,
}

/// Decide the kind of `path` with contents `bytes`.
pub fn kind_of(path: &Path, bytes: &[u8]) -> Kind {
    if bytes.starts_with(b"\x7fELF") {
        return Kind::Elf;
    }
    match path.extension().and_then(|e| e.to_str()) {
        Some("data") => return Kind::Conformance,
        Some("s") | Some("S") | Some("asm") => return Kind::Asm,
        Some("bin") | Some("raw") => return Kind::Raw,
        _ => {}
    }
    match std::str::from_utf8(bytes) {
        Ok(t) if !t.contains('\0') && !bytes.is_empty() => Kind::Asm,
        _ => Kind::Raw,
    }
}

/// Read a file (or standard input for `-`).
pub fn read_file(path: &Path) -> CliResult<Vec<u8>> {
    if path == Path::new("-") {
        let mut v = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut v)
            .map_err(|e| CliError::bad_input(format!("<stdin>: {e}")))?;
        return Ok(v);
    }
    std::fs::read(path).map_err(|e| CliError::bad_input(format!("{}: {e}", path.display())))
}

/// Load PROG. `section` picks a program in an ELF object.
pub fn load_program(path: &Path, section: Option<&str>) -> CliResult<Loaded> {
    let bytes = read_file(path)?;
    let name = path.display().to_string();
    match kind_of(path, &bytes) {
        Kind::Elf => {
            let program = crate::elf_input::load_elf(&name, &bytes, section)?;
            Ok(Loaded {
                program,
                case: None,
            })
        }
        Kind::Conformance => {
            let text = utf8(&name, &bytes)?;
            // ubpf's `-- asm @ FILE` / `-- mem @ FILE`: FILE is relative to the .data file.
            let dir = path.parent().unwrap_or(Path::new(".")).to_path_buf();
            let case = conformance::parse_linked(text, &mut |linked| {
                let p = dir.join(linked);
                std::fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display()))
            })
            .map_err(|e| {
                CliError::bad_input(format!("{name}:{}:{}: {}", e.line, e.col, e.message))
            })?;
            let program = if let Some(asm) = &case.asm {
                match &case.asm_file {
                    Some(f) => assemble(
                        &dir.join(f).display().to_string(),
                        asm,
                        case.asm_first_line.saturating_sub(1),
                    )?,
                    None => assemble(&name, asm, case.asm_first_line.saturating_sub(1))?,
                }
            } else if let Some(raw) = &case.raw {
                decode_raw(&name, raw)?
            } else {
                // No program at all (an empty test file): nothing can run.
                return Err(CliError::bad_input(format!(
                    "{name}: no `-- asm` or `-- raw` section: there is no program to run"
                )));
            };
            Ok(Loaded {
                program,
                case: Some(case),
            })
        }
        Kind::Asm => {
            let text = utf8(&name, &bytes)?;
            Ok(Loaded {
                program: assemble(&name, text, 0)?,
                case: None,
            })
        }
        Kind::Raw => Ok(Loaded {
            program: decode_raw(&name, &bytes)?,
            case: None,
        }),
    }
}

fn utf8<'a>(name: &str, bytes: &'a [u8]) -> CliResult<&'a str> {
    std::str::from_utf8(bytes).map_err(|e| {
        CliError::bad_input(format!(
            "{name}: not UTF-8 text (byte {}); raw programs need a .bin extension",
            e.valid_up_to()
        ))
    })
}

/// Assemble `text`; `line_offset` is added to error lines (a `.data` file's asm section).
pub fn assemble(name: &str, text: &str, line_offset: u32) -> CliResult<Program> {
    ir::asm::assemble(text).map_err(|e| {
        CliError::bad_input(format!(
            "{name}:{}:{}: {}",
            e.line + line_offset,
            e.col,
            e.message
        ))
    })
}

/// Decode raw instruction bytes into a program of unknown type (treated as XDP).
pub fn decode_raw(name: &str, bytes: &[u8]) -> CliResult<Program> {
    let insns =
        ir::insn::decode_bytes(bytes).map_err(|e| CliError::bad_input(format!("{name}: {e}")))?;
    Ok(Program::new(ir::ProgType::Xdp, insns))
}
