//! Soundness: every accepted table row and corpus program runs in the checking interpreter on
//! random packets without a memory violation.

mod cases;
#[path = "support/sound.rs"]
mod sound;

use offload::{verify, Capabilities, Options};

#[test]
fn accepted_table_rows_and_corpus_programs_are_memory_safe() {
    let caps = Capabilities::kernel();
    let mut progs: Vec<(String, ir::Program)> = cases::all()
        .into_iter()
        .filter_map(|c| ir::asm::assemble(&c.asm).ok().map(|p| (c.name, p)))
        .collect();
    for e in testkit::corpus::load_all().expect("corpus") {
        progs.push((
            e.name.clone(),
            ir::asm::assemble(&e.source).expect("corpus assembles"),
        ));
    }
    let mut checked = 0;
    for (i, (name, prog)) in progs.iter().enumerate() {
        if verify(prog, &caps, &Options::default()).is_ok() {
            if let Err(e) = sound::run_on_random_packets(prog, 16, i as u64 + 1) {
                panic!("{name}: accepted but {e}");
            }
            checked += 1;
        }
    }
    println!("{checked} accepted programs ran memory-safe");
    assert!(checked > 300);
}
