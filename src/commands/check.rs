//! `bpf-offload check PROG [--target kernel|nfp] [--caps FILE.toml] [--section S] [--log]
//! [--json] [--unprivileged]`: verify for a target and explain every reason, grouped by source
//! line with the line shown. Exit 0 accepted (warnings allowed), 1 rejected, 2 bad input.

use crate::cli::TargetArg;
use crate::error::{CliError, CliResult};
use crate::input;
use crate::output::print;
use ir::Origin;
use offload::{verify, Capabilities, Options, Rejection, Severity};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

/// What `check` was asked.
pub struct CheckArgs<'a> {
    pub prog: &'a Path,
    pub target: TargetArg,
    pub caps: Option<&'a Path>,
    pub section: Option<&'a str>,
    pub log: bool,
    pub json: bool,
    pub unprivileged: bool,
}

/// The capabilities of `target`, with the `--caps` overrides: the one place that maps a target
/// to its profile.
pub fn target_caps(target: TargetArg, caps: Option<&Path>) -> CliResult<Capabilities> {
    match target {
        TargetArg::Kernel => {
            if let Some(p) = caps {
                return Err(CliError::bad_input(format!(
                    "{}: --caps overrides firmware capabilities, which only --target nfp has",
                    p.display()
                )));
            }
            Ok(Capabilities::kernel())
        }
        TargetArg::Nfp => {
            let profile = match caps {
                None => nfp_model::Profile::default(),
                Some(p) => {
                    let bytes = input::read_file(p)?;
                    let text = std::str::from_utf8(&bytes).map_err(|_| {
                        CliError::bad_input(format!("{}: not UTF-8 text", p.display()))
                    })?;
                    nfp_model::Profile::from_toml(text)
                        .map_err(|e| CliError::bad_input(format!("{}:{e}", p.display())))?
                }
            };
            Ok(profile.capabilities())
        }
    }
}

pub fn run(a: CheckArgs<'_>) -> CliResult {
    let caps = target_caps(a.target, a.caps)?;
    let loaded = input::load_program(a.prog, a.section)?;
    let p = &loaded.program;
    let opts = Options {
        unprivileged: a.unprivileged,
        log: a.log,
        max_insns: 0,
    };
    let result = verify(p, &caps, &opts);
    let (log_text, stats, reasons) = match &result {
        Ok(v) => (
            v.log().map(str::to_string),
            v.stats().clone(),
            v.warnings().to_vec(),
        ),
        Err(r) => (r.log.clone(), r.stats.clone(), r.rejections.clone()),
    };
    let reasons: Vec<Rejection> = reasons
        .into_iter()
        .map(|r| r.locate_map_definition(p))
        .collect();
    let errors = reasons
        .iter()
        .filter(|r| r.severity == Severity::Error)
        .count();
    let name = a.prog.display().to_string();
    if a.json {
        let v = serde_json::json!({
            "program": name,
            "section": p.section,
            "type": p.prog_type.to_string(),
            "target": caps.name,
            "accepted": result.is_ok(),
            "errors": errors,
            "warnings": reasons.len() - errors,
            "processed_insns": stats.processed,
            "total_states": stats.total_states,
            "verification_usec": stats.time.as_micros() as u64,
            "stack_depth": result.as_ref().ok().map(|v| v.stack_depth()),
            "rejections": reasons.iter().map(reason_json).collect::<Vec<_>>(),
            "log": log_text,
        });
        print(&format!("{v}\n"));
    } else {
        if let Some(l) = &log_text {
            print(l);
        }
        let mut text = render(&name, &caps.name, &reasons);
        if let Ok(v) = &result {
            let _ = writeln!(
                text,
                "{} insns processed, stack depth {}",
                stats.processed,
                v.stack_depth()
            );
        }
        print(&text);
    }
    match result {
        Ok(_) => Ok(()),
        Err(_) => Err(CliError::rejected(format!(
            "rejected by target {}: {errors} reason(s)",
            caps.name
        ))),
    }
}

fn origin_json(o: &Origin) -> serde_json::Value {
    match o {
        Origin::Asm { file, line } => {
            serde_json::json!({"kind": "asm", "file": file, "line": line})
        }
        Origin::C {
            file,
            line,
            column,
            text,
        } => {
            serde_json::json!({"kind": "c", "file": file, "line": line, "column": column, "text": text})
        }
        Origin::Rule {
            syntax,
            index,
            text,
            span,
        } => {
            serde_json::json!({"kind": "rule", "syntax": syntax, "index": index, "text": text, "span": span})
        }
    }
}

fn reason_json(r: &Rejection) -> serde_json::Value {
    serde_json::json!({
        "severity": r.severity.as_str(),
        "code": r.code,
        "message": r.message,
        "hint": r.hint,
        "pc": r.pc,
        "insn": r.insn,
        "map": r.map,
        "origin": r.origin.as_ref().map(origin_json),
    })
}

/// Human report: reasons grouped by source line (program-wide ones first), each group under
/// its location with the source line shown.
fn render(name: &str, target: &str, reasons: &[Rejection]) -> String {
    let mut s = String::new();
    let errors = reasons
        .iter()
        .filter(|r| r.severity == Severity::Error)
        .count();
    let warnings = reasons.len() - errors;
    if errors == 0 {
        let _ = writeln!(s, "{name}: accepted for target {target}");
    } else {
        let _ = writeln!(
            s,
            "{name}: rejected for target {target}: {errors} error{}",
            if errors == 1 { "" } else { "s" }
        );
    }
    if warnings > 0 {
        let _ = writeln!(
            s,
            "{warnings} warning{}",
            if warnings == 1 { "" } else { "s" }
        );
    }
    // Group key: (rank, file, line) — program-wide first, then by source position, then
    // instructions without a source line by pc.
    let mut groups: BTreeMap<(u8, String, u64), Vec<&Rejection>> = BTreeMap::new();
    for r in reasons {
        let key = match (&r.origin, r.pc) {
            (Some(Origin::C { file, line, .. }), _) => (1, file.clone(), *line as u64),
            (Some(Origin::Asm { file, line }), _) => {
                (1, file.clone().unwrap_or_default(), *line as u64)
            }
            (Some(Origin::Rule { index, .. }), _) => (1, String::from("rule"), *index as u64),
            (None, Some(pc)) => (2, String::new(), pc as u64),
            (None, None) => (0, String::new(), 0),
        };
        groups.entry(key).or_default().push(r);
    }
    for ((rank, _, _), rs) in &groups {
        s.push('\n');
        let first = rs[0];
        match (&first.origin, rank) {
            (Some(o), _) => {
                let _ = writeln!(s, "{o}");
                if let Origin::C {
                    line,
                    text: Some(t),
                    ..
                } = o
                {
                    let _ = writeln!(s, "{line:>6} | {t}");
                }
            }
            (None, 2) => {
                let _ = writeln!(s, "insn {}", first.pc.unwrap_or(0));
            }
            _ => {
                let _ = writeln!(s, "program");
            }
        }
        for r in rs {
            let _ = write!(s, "  {}[{}]: ", r.severity.as_str(), r.code);
            if let Some(m) = &r.map {
                let _ = write!(s, "map '{m}': ");
            }
            let _ = writeln!(s, "{}", r.message);
            if let (Some(pc), Some(text)) = (r.pc, &r.insn) {
                let _ = writeln!(s, "    insn {pc}: {text}");
            }
            if let Some(h) = &r.hint {
                let _ = writeln!(s, "    hint: {h}");
            }
        }
    }
    s
}
