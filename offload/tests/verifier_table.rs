//! The declarative table: each row's verdict and message, from our verifier.

mod cases;

use cases::Expect;
use offload::{verify, Capabilities, Options};

#[test]
fn table_has_at_least_300_rows_with_unique_names() {
    let all = cases::all();
    assert!(all.len() >= 300, "only {} rows", all.len());
    let mut names: Vec<&str> = all.iter().map(|c| c.name.as_str()).collect();
    names.sort();
    let before = names.len();

    let dups: Vec<_> = names
        .windows(2)
        .filter(|w| w[0] == w[1])
        .map(|w| w[0])
        .collect();
    assert!(dups.is_empty(), "duplicate row names: {dups:?}");
    let _ = before;
}

#[test]
fn table_verdicts_and_messages() {
    let caps = Capabilities::kernel();
    let mut failures = Vec::new();
    let all = cases::all();
    for c in &all {
        let prog = match ir::asm::assemble(&c.asm) {
            Ok(p) => p,
            Err(e) => {
                failures.push(format!("{}: asm error {e}", c.name));
                continue;
            }
        };
        let got = verify(&prog, &caps, &Options::default());
        match (&c.expect, got) {
            (Expect::Accept, Ok(_)) => {}
            (Expect::Accept, Err(r)) => {
                failures.push(format!("{}: expected accept, got: {r}", c.name))
            }
            (Expect::Reject(m), Ok(_)) => {
                failures.push(format!("{}: expected reject ({m}), got accept", c.name))
            }
            (Expect::Reject(m), Err(r)) => {
                let first = &r.rejections[0];
                if !first.message.contains(m.as_str()) {
                    failures.push(format!(
                        "{}: expected `{m}`, got `{}`",
                        c.name, first.message
                    ));
                }
                if c.pc.is_some() && first.pc != c.pc {
                    failures.push(format!(
                        "{}: expected the reason at insn {:?}, got insn {:?}",
                        c.name, c.pc, first.pc
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} rows failed:\n{}",
        failures.len(),
        all.len(),
        failures.join("\n")
    );
}
