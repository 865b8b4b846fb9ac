//! `bpf-offload plugin --engine E [MEMHEX]`: the bpf_conformance plugin contract.
//!
//! The upstream runner writes the program as hex on standard input and the memory as the first
//! argument; the plugin prints r0 in hex and exits 0, or prints an error and exits non-zero.
//! On the kernel engine the program runs as bpf_conformance's libbpf plugin runs it (an XDP
//! program whose packet is the memory; see `engine::kernel`).

use crate::engine::{self, PrepareOptions};
use crate::error::{CliError, CliResult};
use crate::input;
use crate::output::{parse_hex, print};
use ir::interp::Input;

pub fn run(engine: &str, mem: Option<&str>) -> CliResult {
    if engine == "all" {
        return Err(CliError::bad_input("plugin: pick one engine, not `all`"));
    }
    let engines = engine::resolve(engine)?;
    let bytes = input::read_limited(std::path::Path::new("-"), input::Limit::Program)?;
    let text = String::from_utf8_lossy(&bytes);
    let prog_bytes = parse_hex("program on stdin", &text)?;
    let prog = input::decode_raw("<stdin>", &prog_bytes)?;
    let mem = match mem {
        Some(m) => parse_hex("memory argument", m)?,
        None => Vec::new(),
    };
    let opts = PrepareOptions {
        conformance: true,
        ..PrepareOptions::default()
    };
    let input = if mem.is_empty() {
        Input::None
    } else {
        Input::Mem(mem)
    };
    let e = engines[0];
    let mut session = e.prepare(&prog, &opts)?;
    let r = session
        .run(&input)
        .map_err(|refusal| refusal.into_error(e.name()))?;
    print(&format!("{:x}\n", r.r0));
    Ok(())
}
