//! `bpf-offload disasm PROG [--syntax llvm|conformance] [--target x86_64|riscv64|nfp]`.

use crate::cli::{DisasmTarget, SyntaxArg};
use crate::error::{CliError, CliResult};
use crate::input;
use crate::output::print;
use std::path::Path;

pub fn run(
    prog: &Path,
    syntax: SyntaxArg,
    section: Option<&str>,
    source: bool,
    json: bool,
) -> CliResult {
    let loaded = input::load_program(prog, section)?;
    let p = &loaded.program;
    if json {
        let insns: Vec<_> = (0..p.insns.len())
            .filter(|&pc| !matches!(p.insns[pc], ir::Insn::LdImm64Tail))
            .map(|pc| {
                serde_json::json!({
                    "pc": pc,
                    "text": ir::disasm::insn_text(p, pc, syntax.to_ir()),
                    "origin": p.source_map.get(pc).map(|o| o.to_string()),
                })
            })
            .collect();
        let v = serde_json::json!({
            "section": p.section,
            "type": p.prog_type.to_string(),
            "insns": insns,
        });
        print(&format!("{v}\n"));
    } else if source {
        print(&ir::disasm::disasm_program_with_source(p, syntax.to_ir()));
    } else {
        print(&ir::disasm::disasm_program(p, syntax.to_ir()));
    }
    Ok(())
}

/// `--target x86_64|riscv64`: each eBPF instruction followed by its machine code. The program
/// is verified first (a `.data` conformance program, which no verifier accepts, is compiled in
/// checked mode on x86-64, as `run` runs it, and unverified on RV64).
pub fn run_target(
    prog: &Path,
    target: DisasmTarget,
    harden: bool,
    riscv_ext: jit::riscv64::Extensions,
    section: Option<&str>,
) -> CliResult {
    let loaded = input::load_program(prog, section)?;
    let p = &loaded.program;
    match target {
        DisasmTarget::X86_64 => {
            let opts = jit::x86_64::Options {
                record: true,
                harden,
                ..Default::default()
            };
            let compiled = if loaded.case.is_some() {
                jit::x86_64::compile_checked(p, false, crate::engine::STEP_BUDGET, &opts)
            } else {
                let v = offload::verify(p, &offload::Capabilities::kernel(), &Default::default())
                    .map_err(|r| CliError::rejected(format!("verifier: {r}")))?;
                jit::x86_64::compile(&v, &opts)
            };
            let jp = compiled.map_err(|e| CliError::rejected(format!("x86_64: {e}")))?;
            print(&jp.disassemble());
        }
        DisasmTarget::Riscv64 => {
            if harden {
                return Err(CliError::bad_input(
                    "--harden: the riscv64 backend has no constant blinding yet",
                ));
            }
            let opts = jit::riscv64::Options {
                ext: riscv_ext,
                ..Default::default()
            };
            let compiled = if loaded.case.is_some() {
                jit::riscv64::compile_unchecked(p, false, &opts)
            } else {
                let v = offload::verify(p, &offload::Capabilities::kernel(), &Default::default())
                    .map_err(|r| CliError::rejected(format!("verifier: {r}")))?;
                jit::riscv64::compile(&v, &opts)
            };
            let rp = compiled.map_err(|e| CliError::rejected(format!("riscv64: {e}")))?;
            print(&format!(
                "; {} ({} RV64 instructions, {} bytes)\n",
                riscv_ext,
                rp.inst_count(),
                rp.code().len()
            ));
            print(&rp.disassemble());
        }
        DisasmTarget::Nfp => {
            // A `.data` conformance program is tried as an XDP program (the NFP runs no other).
            let mut p = p.clone();
            if loaded.case.is_some() {
                p.prog_type = ir::ProgType::Xdp;
            }
            let (nfp, _) = crate::nfp::prepare(&p, &nfp_model::Profile::default())
                .map_err(|why| CliError::rejected(format!("nfp: {why}")))?;
            print(&nfp.listing());
        }
    }
    Ok(())
}
