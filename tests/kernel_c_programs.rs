//! Every clang-compiled program of `tests/c/` gives, in the Linux kernel (BPF_PROG_TEST_RUN,
//! loaded through our ELF writer and libbpf), the result its `// TEST` lines state, and the
//! reference interpreter gives the kernel's r0 and packet out on every case.
//! Needs the `kernel` feature, root and clang; prints SKIP otherwise.
#![cfg(feature = "kernel")]

#[path = "c/compile.rs"]
mod compile;

use bpf_offload::kernel;

#[test]
fn c_programs_give_their_stated_results_in_the_kernel() {
    let test = "c_programs_give_their_stated_results_in_the_kernel";
    if let Some(why) = kernel::unavailable_reason() {
        testkit::oracle::skip(test, format_args!("{why}"));
        return;
    }
    if !compile::have_clang(test) {
        return;
    }
    let names = compile::programs();
    assert!(
        names.len() >= 20,
        "expected at least 20 C programs, found {}",
        names.len()
    );
    let mut failures = Vec::new();
    let mut runs = 0;
    for name in &names {
        let obj = ir::elf::read_object(&compile::compile(name)).expect("read object");
        let prog = &obj.programs[0];
        for (packet, expect) in compile::cases(name) {
            let input = compile::packet(&packet);
            match kernel::run_in_kernel(prog, &input, 1) {
                Ok(out) => {
                    runs += 1;
                    println!(
                        "{name} {packet}: r0 {} out {} bytes",
                        out.r0,
                        out.packet_out.len()
                    );
                    if let Some(e) = expect {
                        if out.r0 != e {
                            failures.push(format!("{name} {packet}: r0 {} expected {e}", out.r0));
                        }
                    }
                    let mut rt = ir::runtime::Runtime::new(prog);
                    let input = ir::interp::Input::Packet(input.clone());
                    match ir::interp::run(prog, &mut rt, &input, 1 << 24) {
                        Ok(i) => {
                            if i.r0 as u32 as u64 != out.r0 {
                                failures.push(format!(
                                    "{name} {packet}: interpreter r0 {:#x}, kernel {:#x}",
                                    i.r0, out.r0
                                ));
                            }
                            if prog.prog_type != ir::ProgType::SocketFilter
                                && i.packet.as_ref() != Some(&out.packet_out)
                            {
                                failures.push(format!(
                                    "{name} {packet}: interpreter and kernel packets differ"
                                ));
                            }
                        }
                        Err(e) => failures.push(format!("{name} {packet}: interpreter: {e}")),
                    }
                }
                Err(e) => failures.push(format!("{name} {packet}: {e}")),
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(runs >= 40, "only {runs} kernel runs");
}

#[test]
fn verify_in_kernel_reports_statistics_and_rejections_with_the_log() {
    let test = "verify_in_kernel_reports_statistics_and_rejections_with_the_log";
    if let Some(why) = kernel::unavailable_reason() {
        testkit::oracle::skip(test, format_args!("{why}"));
        return;
    }
    use ir::insn::{AluOp, Insn, Operand, Reg, Width};
    let ok = ir::Program::new(
        ir::ProgType::Xdp,
        vec![
            Insn::Alu {
                width: Width::W64,
                op: AluOp::Mov,
                dst: Reg::R0,
                src: Operand::Imm(2),
            },
            Insn::Exit,
        ],
    );
    let stats = kernel::verify_in_kernel(&ok).expect("accepted");
    assert_eq!(stats.processed_insns, Some(2), "{}", stats.log);
    assert!(stats.verification_time_us.is_some(), "{}", stats.log);
    // Reading r2 before writing it is rejected; the error carries the verifier's words.
    let bad = ir::Program::new(
        ir::ProgType::Xdp,
        vec![
            Insn::Alu {
                width: Width::W64,
                op: AluOp::Mov,
                dst: Reg::R0,
                src: Operand::Reg(Reg::R2),
            },
            Insn::Exit,
        ],
    );
    let err = kernel::verify_in_kernel(&bad).expect_err("rejected");
    assert!(err.is_rejection(), "{err}");
    assert!(err.log.contains("R2 !read_ok"), "{err}");
}
