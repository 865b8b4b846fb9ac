//! One program per row of `shared/reference/nfp-offload.md`: each C program in `tests/c/`
//! states what the NFP must say about it, and where.
//!
//! Annotations in the C source:
//! - `// CAPS <toml line>`: `--caps` overrides (lines joined);
//! - `// EXPECT <code> | <message>`: an error or warning the NFP profile must report, with the
//!   driver's message and values; without any EXPECT of error severity the program must pass;
//! - `// HERE <code>` at the end of the source line the reason must point at (the instruction's
//!   DWARF line, or the map's definition line for map-level reasons);
//! - `// KERNEL accept|reject`: the host kernel's verdict (checked by `kernel_diff.rs`).
//!
//! Compiled at test time with clang (`-target bpf -O2 -g -mcpu=v3`); SKIP without clang.

mod support;

use support::{compile, have_clang, row_programs, Annotations};

#[test]
fn every_row_program_gets_its_reasons() {
    let test = "every_row_program_gets_its_reasons";
    let Some(clang) = have_clang(test) else {
        return;
    };
    let names = row_programs();
    assert!(names.len() >= 10, "only {} row programs", names.len());
    let mut failures = Vec::new();
    for name in &names {
        let ann = Annotations::read(name);
        let prog = match compile(&clang, name) {
            Ok(p) => p,
            Err(e) => {
                failures.push(format!("{name}: {e}"));
                continue;
            }
        };
        let caps = ann.profile().capabilities();
        let (reasons, accepted) = match offload::verify(&prog, &caps, &offload::Options::default())
        {
            Ok(v) => (v.warnings().to_vec(), true),
            Err(r) => (r.rejections, false),
        };
        let reasons: Vec<offload::Rejection> = reasons
            .into_iter()
            .map(|r| r.locate_map_definition(&prog))
            .collect();
        let expects_error = ann.expect.iter().any(|(code, _)| {
            !reasons
                .iter()
                .any(|r| r.code == code && r.severity == offload::Severity::Warning)
        });
        if accepted == expects_error {
            failures.push(format!(
                "{name}: expected {}, got {}: {reasons:#?}",
                if expects_error {
                    "rejection"
                } else {
                    "acceptance"
                },
                if accepted { "acceptance" } else { "rejection" },
            ));
            continue;
        }
        for (code, message) in &ann.expect {
            let Some(r) = reasons
                .iter()
                .find(|r| r.code == code && r.message == *message)
            else {
                failures.push(format!(
                    "{name}: no `{code}` reason saying `{message}`; got {:?}",
                    reasons
                        .iter()
                        .map(|r| (r.code, &r.message))
                        .collect::<Vec<_>>()
                ));
                continue;
            };
            if let Some(&line) = ann.here.get(code.as_str()) {
                let got = match &r.origin {
                    Some(ir::Origin::C { line, .. }) => Some(*line),
                    _ => None,
                };
                let map_level = r.map.is_some();
                if got != Some(line) {
                    failures.push(format!("{name}: `{code}` at line {got:?}, expected {line}"));
                }
                if !map_level {
                    match r.pc {
                        Some(pc) => {
                            let text = r.insn.clone().unwrap_or_default();
                            if text.is_empty() {
                                failures.push(format!("{name}: `{code}` at insn {pc} has no text"));
                            }
                            let pc_line = match prog.source_map.get(pc) {
                                Some(ir::Origin::C { line, .. }) => Some(*line),
                                _ => None,
                            };
                            if pc_line != Some(line) {
                                failures.push(format!(
                                    "{name}: `{code}` insn {pc} is on line {pc_line:?}, expected {line}"
                                ));
                            }
                        }
                        None => failures.push(format!("{name}: `{code}` has no instruction")),
                    }
                }
            }
        }
        // No reason outside the expected ones (besides warnings the file lists).
        for r in &reasons {
            if !ann.expect.iter().any(|(c, _)| c == r.code) {
                failures.push(format!("{name}: unexpected reason {r}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
