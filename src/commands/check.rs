//! `bpf-offload check PROG [--target kernel] [--section S] [--log] [--json] [--unprivileged]`.

use crate::error::{CliError, CliResult};
use crate::input;
use crate::output::print;
use offload::{verify, Capabilities, Options, Rejection};
use std::path::Path;

fn target_caps(name: &str) -> CliResult<Capabilities> {
    match name {
        "kernel" => Ok(Capabilities::kernel()),
        other => Err(CliError::bad_input(format!(
            "unknown target `{other}` (expected: kernel)"
        ))),
    }
}

fn rejection_json(r: &Rejection) -> serde_json::Value {
    serde_json::json!({
        "pc": r.pc,
        "insn": r.insn,
        "code": r.code,
        "message": r.message,
        "hint": r.hint,
        "origin": r.origin.as_ref().map(|o| o.to_string()),
    })
}

pub fn run(
    prog: &Path,
    target: &str,
    section: Option<&str>,
    log: bool,
    json: bool,
    unprivileged: bool,
) -> CliResult {
    let caps = target_caps(target)?;
    let loaded = input::load_program(prog, section)?;
    let opts = Options {
        unprivileged,
        log,
        max_insns: 0,
    };
    let result = verify(&loaded.program, &caps, &opts);
    let (log_text, stats) = match &result {
        Ok(v) => (v.log().map(str::to_string), v.stats().clone()),
        Err(r) => (r.log.clone(), r.stats.clone()),
    };
    if json {
        let v = serde_json::json!({
            "target": caps.name,
            "accepted": result.is_ok(),
            "processed_insns": stats.processed,
            "total_states": stats.total_states,
            "verification_usec": stats.time.as_micros() as u64,
            "stack_depth": result.as_ref().ok().map(|v| v.stack_depth()),
            "rejections": result.as_ref().err().map(|r| r.rejections.iter().map(rejection_json).collect::<Vec<_>>()).unwrap_or_default(),
            "log": log_text,
        });
        print(&format!("{v}\n"));
    } else {
        if let Some(l) = &log_text {
            print(l);
        }
        match &result {
            Ok(v) => print(&format!(
                "accepted by target {}: {} insns processed, stack depth {}\n",
                caps.name,
                stats.processed,
                v.stack_depth()
            )),
            Err(r) => print(&format!("{r}\n")),
        }
    }
    match result {
        Ok(_) => Ok(()),
        Err(r) => Err(CliError::rejected(format!(
            "rejected by target {}: {} reason(s)",
            caps.name,
            r.rejections.len()
        ))),
    }
}
