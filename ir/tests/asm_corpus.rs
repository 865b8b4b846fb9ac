//! The project's own program corpus (`testkit/corpus/*.s`, LLVM syntax with directives) assembles
//! and round-trips through both syntaxes with its maps and metadata.

use ir::asm::{assemble, assemble_as, Syntax};
use ir::disasm::disasm_program;
use std::path::Path;

#[test]
fn corpus_programs_assemble_and_round_trip() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../testkit/corpus");
    let Ok(rd) = std::fs::read_dir(&dir) else {
        testkit::oracle::skip(
            "corpus_programs_assemble_and_round_trip",
            format_args!("no {}", dir.display()),
        );
        return;
    };
    let mut files: Vec<_> = rd
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "s"))
        .collect();
    files.sort();
    let mut failures = Vec::new();
    for f in &files {
        let name = f
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let Ok(src) = std::fs::read_to_string(f) else {
            continue;
        };
        let p = match assemble(&src) {
            Ok(p) => p,
            Err(e) => {
                failures.push(format!("{name}:{e}"));
                continue;
            }
        };
        for syntax in [Syntax::Llvm, Syntax::Conformance] {
            let text = disasm_program(&p, syntax);
            match assemble_as(&text, syntax) {
                Ok(q) => {
                    // Map origins are the lines of `.map`, which move; the rest must not.
                    let strip = |m: &[ir::MapDef]| {
                        m.iter()
                            .map(|m| ir::MapDef {
                                origin: None,
                                ..m.clone()
                            })
                            .collect::<Vec<_>>()
                    };
                    let (pm, qm) = (strip(&p.maps), strip(&q.maps));
                    if (
                        &q.insns,
                        &qm,
                        &q.relocs,
                        &q.prog_type,
                        &q.section,
                        &q.license,
                    ) != (
                        &p.insns,
                        &pm,
                        &p.relocs,
                        &p.prog_type,
                        &p.section,
                        &p.license,
                    ) {
                        failures.push(format!("{name} ({syntax:?}): round trip differs\n{text}"));
                    }
                }
                Err(e) => failures.push(format!("{name} ({syntax:?}): {e}\n{text}")),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    println!("{} corpus programs round-trip", files.len());
}
