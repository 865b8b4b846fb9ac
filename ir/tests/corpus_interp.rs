//! The interpreter on the testkit corpus: every XDP/TC program, every packet case, on fresh maps,
//! gives the stated r0, action and output packet.

use ir::asm::assemble;
use ir::interp::{run, Input};
use ir::runtime::Runtime;

#[test]
fn every_corpus_case_matches_on_the_interpreter() {
    let corpus = testkit::corpus::load_all().expect("corpus loads");
    assert!(corpus.len() >= 50, "corpus has {} programs", corpus.len());
    let mut failures = Vec::new();
    let mut cases = 0;
    for entry in &corpus {
        let prog = match assemble(&entry.source) {
            Ok(p) => p,
            Err(e) if e.message.contains("not implemented") => {
                testkit::oracle::skip(
                    "every_corpus_case_matches_on_the_interpreter",
                    format_args!("{}: {e}", entry.name),
                );
                continue;
            }
            Err(e) => {
                failures.push(format!("{}:{e}", entry.path.display()));
                continue;
            }
        };
        for case in &entry.cases {
            cases += 1;
            let at = format!("{}:{}", entry.path.display(), case.line);
            let mut rt = Runtime::new(&prog);
            let out = match run(&prog, &mut rt, &Input::Packet(case.packet.clone()), 1 << 20) {
                Ok(o) => o,
                Err(e) => {
                    failures.push(format!("{at}: {e}"));
                    continue;
                }
            };
            if out.r0 != case.r0 {
                failures.push(format!("{at}: r0 {:#x}, expected {:#x}", out.r0, case.r0));
            }
            if let Some(want) = &case.action {
                let got = out.action.map(|a| a.to_string()).unwrap_or_default();
                if &got != want {
                    failures.push(format!("{at}: action {got}, expected {want}"));
                }
            }
            if let Some(want) = &case.out {
                if out.packet.as_ref() != Some(want) {
                    failures.push(format!(
                        "{at}: packet out {:02x?}, expected {want:02x?}",
                        out.packet
                    ));
                }
            }
        }
    }
    println!(
        "corpus: {} programs, {cases} cases, {} failures",
        corpus.len(),
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
