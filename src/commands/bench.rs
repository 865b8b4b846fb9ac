//! `bpf-offload bench`: engines side by side on built-in programs.

use crate::engine::Engine;
use crate::error::CliResult;

pub fn run(_engine: Engine, _seconds: f64, _json: bool) -> CliResult {
    Err(crate::error::CliError::bad_input(
        "bench: not yet available",
    ))
}
