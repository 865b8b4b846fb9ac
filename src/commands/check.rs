//! `bpf-offload check PROG --target kernel|nfp [--caps FILE.toml] [--section S] [--json]`:
//! verify for a target and explain every reason, grouped by source line with the line shown.

use crate::cli::TargetArg;
use crate::error::{CliError, CliResult};
use crate::input;
use crate::output::print;
use ir::Origin;
use offload::{Capabilities, Options, Rejection, Severity};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

/// The capabilities of `target`, with the `--caps` overrides.
pub fn capabilities(target: TargetArg, caps: Option<&Path>) -> CliResult<Capabilities> {
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

pub fn run(
    prog: &Path,
    target: TargetArg,
    caps: Option<&Path>,
    section: Option<&str>,
    json: bool,
) -> CliResult {
    let caps = capabilities(target, caps)?;
    let loaded = input::load_program(prog, section)?;
    let p = &loaded.program;
    let (reasons, stats) = match offload::verify(p, &caps, &Options::default()) {
        Ok(v) => (v.warnings().to_vec(), v.stats().clone()),
        Err(r) => (r.rejections, r.stats),
    };
    let reasons: Vec<Rejection> = reasons
        .into_iter()
        .map(|r| r.locate_map_definition(p))
        .collect();
    let errors = reasons
        .iter()
        .filter(|r| r.severity == Severity::Error)
        .count();
    let name = prog.display().to_string();
    if json {
        let v = serde_json::json!({
            "program": name,
            "section": p.section,
            "type": p.prog_type.to_string(),
            "target": caps.name,
            "verdict": if errors == 0 { "accepted" } else { "rejected" },
            "errors": errors,
            "warnings": reasons.len() - errors,
            "processed": stats.processed,
            "reasons": reasons.iter().map(reason_json).collect::<Vec<_>>(),
        });
        print(&format!("{v}\n"));
    } else {
        print(&render(&name, &caps.name, &reasons));
    }
    if errors == 0 {
        Ok(())
    } else {
        Err(CliError::rejected(format!(
            "{name}: rejected for target {} ({errors} error{})",
            caps.name,
            if errors == 1 { "" } else { "s" }
        )))
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
