//! Every program of the foundation's XDP/TC corpus (`testkit/corpus`), assembled by `ir::asm`,
//! written by our ELF writer and loaded through libbpf, gives in the kernel the r0 and packet
//! its cases state. Needs the `kernel` feature and root; prints SKIP otherwise.
#![cfg(feature = "kernel")]

use bpf_offload::kernel;

#[test]
fn corpus_programs_give_their_stated_results_in_the_kernel() {
    let test = "corpus_programs_give_their_stated_results_in_the_kernel";
    if let Some(why) = kernel::unavailable_reason() {
        testkit::oracle::skip(test, format_args!("{why}"));
        return;
    }
    let corpus = testkit::corpus::load_all().expect("load corpus");
    let mut failures = Vec::new();
    let mut runs = 0;
    let mut unassembled = 0;
    for entry in &corpus {
        let prog = match ir::asm::assemble(&entry.source) {
            Ok(p) => p,
            Err(e) if e.to_string().contains("not implemented") => {
                unassembled += 1;
                continue;
            }
            Err(e) => {
                failures.push(format!("{}: assemble: {e}", entry.name));
                continue;
            }
        };
        for case in &entry.cases {
            match kernel::run_in_kernel(&prog, &case.packet, 1) {
                Ok(out) => {
                    runs += 1;
                    if out.r0 != case.r0 {
                        failures.push(format!(
                            "{}:{}: r0 {} expected {}",
                            entry.name, case.line, out.r0, case.r0
                        ));
                    }
                    if let Some(want) = &case.out {
                        if &out.packet_out != want {
                            failures
                                .push(format!("{}:{}: packet out differs", entry.name, case.line));
                        }
                    }
                }
                Err(e) => failures.push(format!("{}:{}: {e}", entry.name, case.line)),
            }
        }
    }
    if unassembled == corpus.len() {
        testkit::oracle::skip(test, "the assembler does not handle the corpus syntax yet");
        return;
    }
    println!(
        "{runs} kernel runs over {} corpus programs ({unassembled} not assembled)",
        corpus.len()
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
