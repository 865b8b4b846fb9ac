//! Every corpus program (all of them load in the kernel) is accepted.

use offload::{verify, Capabilities, Options};

#[test]
fn corpus_programs_are_accepted() {
    let entries = testkit::corpus::load_all().expect("corpus");
    let caps = Capabilities::kernel();
    let mut failures = Vec::new();
    for e in &entries {
        let prog = match ir::asm::assemble(&e.source) {
            Ok(p) => p,
            Err(err) => {
                failures.push(format!("{}: asm: {err}", e.name));
                continue;
            }
        };
        if let Err(r) = verify(&prog, &caps, &Options::default()) {
            failures.push(format!("{}: {}", e.name, r));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} rejected:\n{}",
        failures.len(),
        entries.len(),
        failures.join("\n")
    );
}
