//! One module per subcommand; each exposes `run(...) -> CliResult`.

pub mod asm;
pub mod bench;
pub mod build;
pub mod check;
pub mod disasm;
pub mod plugin;
pub mod run;
