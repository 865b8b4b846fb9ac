//! ELF objects as PROG: pick the program by section or name.

use crate::error::{CliError, CliResult};
use ir::Program;

/// Read `bytes` as a BPF ELF object and return the program in `section` (or the only one).
pub fn load_elf(name: &str, _bytes: &[u8], _section: Option<&str>) -> CliResult<Program> {
    Err(CliError::bad_input(format!(
        "{name}: ELF objects are not supported yet"
    )))
}
