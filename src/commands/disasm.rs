//! `bpf-offload disasm PROG [--syntax llvm|conformance]`.

use crate::cli::SyntaxArg;
use crate::error::CliResult;
use crate::input;
use crate::output::print;
use std::path::Path;

pub fn run(prog: &Path, syntax: SyntaxArg, section: Option<&str>, json: bool) -> CliResult {
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
    } else {
        print(&ir::disasm::disasm_program(p, syntax.to_ir()));
    }
    Ok(())
}
