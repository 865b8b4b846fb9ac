//! ELF objects as PROG: pick the program by section or name.

use crate::error::{CliError, CliResult};
use ir::Program;

/// Read `bytes` as a BPF ELF object and return the program in `section` (or the only one).
pub fn load_elf(name: &str, bytes: &[u8], section: Option<&str>) -> CliResult<Program> {
    let obj =
        ir::elf::read_object(bytes).map_err(|e| CliError::bad_input(format!("{name}: {e}")))?;
    let names = || {
        obj.programs
            .iter()
            .map(|p| format!("{} (section {})", p.name, p.section))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match section {
        Some(s) => obj.program(s).cloned().ok_or_else(|| {
            CliError::bad_input(format!(
                "{name}: no program or section named `{s}`; the object has: {}",
                names()
            ))
        }),
        None => match obj.programs.as_slice() {
            [one] => Ok(one.clone()),
            [] => Err(CliError::bad_input(format!(
                "{name}: the object has no program"
            ))),
            _ => Err(CliError::bad_input(format!(
                "{name}: the object has several programs; pick one with --section: {}",
                names()
            ))),
        },
    }
}
