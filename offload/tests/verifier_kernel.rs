//! Differential against the kernel verifier (root only; prints SKIP otherwise): every table row
//! and every corpus program gets the same verdict from the kernel and from us, and for rejected
//! rows the kernel's log contains the row's expected message and its last instruction is the
//! one our reason names.

mod cases;
#[path = "support/kernel.rs"]
mod kernel;

use cases::Expect;
use offload::{verify, Capabilities, Options};

fn skip_reason() -> Option<String> {
    kernel::available().err()
}

#[test]
fn table_rows_agree_with_the_kernel() {
    if let Some(why) = skip_reason() {
        testkit::oracle::skip("table_rows_agree_with_the_kernel", format_args!("{why}"));
        return;
    }
    let caps = Capabilities::kernel();
    let mut failures = Vec::new();
    let (mut insn_compared, mut insn_agree) = (0usize, 0usize);
    let all = cases::all();
    for c in &all {
        let Ok(prog) = ir::asm::assemble(&c.asm) else {
            failures.push(format!("{}: does not assemble", c.name));
            continue;
        };
        let k = match kernel::load(&prog, 0) {
            Ok(k) => k,
            Err(e) => {
                failures.push(format!("{}: kernel load setup failed: {e}", c.name));
                continue;
            }
        };
        let ours = verify(&prog, &caps, &Options::default());
        // Deliberate, documented divergences: we refuse what our engines cannot run.
        let unsupported = ours
            .as_ref()
            .err()
            .is_some_and(|r| r.rejections[0].code.starts_with("unsupported."));
        if k.accepted && unsupported {
            continue;
        }
        if k.accepted != ours.is_ok() {
            failures.push(format!(
                "{}: kernel {} ({}), we {}",
                c.name,
                if k.accepted { "accepts" } else { "rejects" },
                k.reason(),
                match &ours {
                    Ok(_) => "accept".to_string(),
                    Err(r) => format!("reject: {}", r.rejections[0].message),
                }
            ));
            continue;
        }
        match &c.expect {
            Expect::Accept if !k.accepted => failures.push(format!(
                "{}: row says accept, kernel: {}",
                c.name,
                k.reason()
            )),
            Expect::Reject(m) if k.accepted => {
                failures.push(format!("{}: row says reject ({m}), kernel accepts", c.name))
            }
            Expect::Reject(m) if !k.log.contains(m.as_str()) => failures.push(format!(
                "{}: kernel's words differ: expected `{m}`, kernel: `{}`",
                c.name,
                k.reason()
            )),
            Expect::Reject(_) if c.pc.is_some() && k.failing_insn() != c.pc => {
                failures.push(format!(
                    "{}: row says insn {:?}, kernel refused at insn {:?}",
                    c.name,
                    c.pc,
                    k.failing_insn()
                ))
            }
            _ => {}
        }
        // A reason at an instruction is at the kernel's instruction (program-wide reasons such
        // as the complexity limit name none).
        if let (Err(r), Some(kpc)) = (&ours, k.failing_insn()) {
            if let Some(pc) = r.rejections[0].pc {
                insn_compared += 1;
                if pc == kpc {
                    insn_agree += 1;
                } else {
                    failures.push(format!(
                        "{}: we refuse at insn {pc}, the kernel at insn {kpc}",
                        c.name
                    ));
                }
            }
        }
    }
    println!(
        "table: {} rows; the kernel and we refuse at the same instruction in {insn_agree} of {insn_compared} rejections",
        all.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {} rows disagree:\n{}",
        failures.len(),
        all.len(),
        failures.join("\n")
    );
}

#[test]
fn corpus_agrees_with_the_kernel() {
    if let Some(why) = skip_reason() {
        testkit::oracle::skip("corpus_agrees_with_the_kernel", format_args!("{why}"));
        return;
    }
    let caps = Capabilities::kernel();
    let mut failures = Vec::new();
    for e in testkit::corpus::load_all().expect("corpus") {
        let prog = ir::asm::assemble(&e.source).expect("corpus assembles");
        let k = kernel::load(&prog, 0).expect("kernel load");
        let ours = verify(&prog, &caps, &Options::default());
        if k.accepted != ours.is_ok() {
            failures.push(format!(
                "{}: kernel accepted={} ({}), ours={:?}",
                e.name,
                k.accepted,
                k.reason(),
                ours.err().map(|r| r.to_string())
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
