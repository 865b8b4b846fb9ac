//! Loading a PROG argument: assembly text, a bpf_conformance `.data` file, raw instruction bytes
//! or (once the ELF reader is wired) an ELF object. The kind is decided by content first
//! (ELF magic), then by extension, then by whether the bytes are text.

use crate::error::{CliError, CliResult};
use ir::conformance::{self, TestCase};
use ir::Program;
use std::io::Read;
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

/// The size limit of each kind of input (documented in the README). Reading stops one byte
/// past the limit, so `/dev/zero`, an endless pipe or a huge file is refused at once (exit 2)
/// with the limit named, never read into memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// A program: ELF object, assembly text, `.data` file or raw instructions (64 MiB; a
    /// 1,000,000-instruction program is 8 MiB raw, about 30 MiB as assembly).
    Program,
    /// Rule text (`build -f`): 16 MiB.
    Rules,
    /// A pcap or pcapng capture (`run --pcap`): 256 MiB.
    Capture,
    /// A `--caps` TOML file: 1 MiB.
    Caps,
    /// A `X.o.maps.sh` companion beside an object: 64 MiB.
    Companion,
}

impl Limit {
    /// The limit in bytes.
    pub fn bytes(self) -> u64 {
        const MIB: u64 = 1 << 20;
        match self {
            Limit::Program => 64 * MIB,
            Limit::Rules => 16 * MIB,
            Limit::Capture => 256 * MIB,
            Limit::Caps => MIB,
            Limit::Companion => 64 * MIB,
        }
    }

    /// What the limit is for, in messages.
    pub fn what(self) -> &'static str {
        match self {
            Limit::Program => "a program",
            Limit::Rules => "rule text",
            Limit::Capture => "a capture",
            Limit::Caps => "a --caps file",
            Limit::Companion => "a .maps.sh companion",
        }
    }
}

/// Read a file (or standard input for `-`), at most `limit` bytes.
pub fn read_limited(path: &Path, limit: Limit) -> CliResult<Vec<u8>> {
    let stdin = path == Path::new("-");
    let name = if stdin {
        "<stdin>".to_string()
    } else {
        path.display().to_string()
    };
    let err = |e: std::io::Error| CliError::bad_input(format!("{name}: {e}"));
    let max = limit.bytes();
    let too_big = || {
        CliError::bad_input(format!(
            "{name}: larger than the {} MiB limit for {} (is it the right file?)",
            max >> 20,
            limit.what()
        ))
    };
    let reader: Box<dyn Read> = if stdin {
        Box::new(std::io::stdin().lock())
    } else {
        let f = std::fs::File::open(path).map_err(err)?;
        let meta = f.metadata().map_err(err)?;
        if meta.is_dir() {
            return Err(CliError::bad_input(format!("{name}: is a directory")));
        }
        if meta.is_file() && meta.len() > max {
            return Err(too_big());
        }
        Box::new(f)
    };
    let mut v = Vec::new();
    reader.take(max + 1).read_to_end(&mut v).map_err(err)?;
    if v.len() as u64 > max {
        return Err(too_big());
    }
    Ok(v)
}

/// Read a program file (or standard input for `-`), within [`Limit::Program`].
pub fn read_file(path: &Path) -> CliResult<Vec<u8>> {
    read_limited(path, Limit::Program)
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
                let bytes = read_limited(&p, Limit::Program).map_err(|e| e.message)?;
                String::from_utf8(bytes).map_err(|_| format!("{}: not UTF-8 text", p.display()))
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
