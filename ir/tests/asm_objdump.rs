//! The LLVM-syntax disassembler against `llvm-objdump -d`: the C programs in `tests/c`, compiled
//! with `clang -O2 -target bpf` for cpu v3 and v4, must print the same text for every
//! instruction (only whitespace and objdump's `<label+off>` comments are normalised). Where the
//! default objdump CPU does not know an instruction (`<unknown>`), and for 32-bit fetching
//! atomics, which it mis-prints as `lock ... +=`, the `--mcpu=v4` text is the oracle. Files named `v4*.c` compile for v4 only. SKIP without clang/LLVM 17+.

mod asm_support;

use asm_support::run;
use ir::asm::Syntax;
use ir::disasm::insn_text;
use ir::{ProgType, Program};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// Section -> slot -> instruction text, from `llvm-objdump -d` output.
fn parse_objdump(text: &str) -> BTreeMap<String, BTreeMap<usize, String>> {
    let mut out: BTreeMap<String, BTreeMap<usize, String>> = BTreeMap::new();
    let mut section = String::new();
    for line in text.lines() {
        if let Some(s) = line.strip_prefix("Disassembly of section ") {
            section = s.trim_end_matches(':').to_string();
            continue;
        }
        let mut cols = line.split('\t');
        let (Some(addr), Some(_bytes), Some(insn)) = (cols.next(), cols.next(), cols.next()) else {
            continue;
        };
        let Ok(slot) = addr.trim().trim_end_matches(':').parse::<usize>() else {
            continue;
        };
        out.entry(section.clone())
            .or_default()
            .insert(slot, normalise(insn));
    }
    out
}

/// Collapse white space and drop a trailing `<symbol+off>` comment.
fn normalise(s: &str) -> String {
    let s = s.trim();
    let s = match s.rfind(" <") {
        Some(i) if s.ends_with('>') => &s[..i],
        _ => s,
    };
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn disasm_matches_llvm_objdump_on_clang_output() {
    let test = "disasm_matches_llvm_objdump_on_clang_output";
    let (Some(clang), Some(objdump), Some(objcopy)) = (
        asm_support::llvm_tool(test, "clang"),
        asm_support::llvm_tool(test, "llvm-objdump"),
        asm_support::llvm_tool(test, "llvm-objcopy"),
    ) else {
        return;
    };
    let src_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/c");
    let dir = asm_support::scratch("objdump");
    let mut sources: Vec<_> = std::fs::read_dir(&src_dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "c"))
        .collect();
    sources.sort();
    assert!(sources.len() >= 10, "{} C programs", sources.len());
    let mut compared = 0;
    let mut mismatches = Vec::new();
    for src in &sources {
        let stem = src.file_stem().unwrap().to_string_lossy().into_owned();
        // `v4*.c` use cpu v4 instructions (signed division) that v3 cannot compile.
        let cpus: &[&str] = if stem.starts_with("v4") {
            &["v4"]
        } else {
            &["v3", "v4"]
        };
        for &cpu in cpus {
            let obj = dir.join(format!("{stem}-{cpu}.o"));
            run(Command::new(&clang)
                .args([
                    "-O2",
                    "-g0",
                    "-target",
                    "bpf",
                    &format!("-mcpu={cpu}"),
                    "-c",
                ])
                .arg(src)
                .arg("-o")
                .arg(&obj));
            let plain = String::from_utf8(run(Command::new(&objdump).arg("-d").arg(&obj))).unwrap();
            let v4 = String::from_utf8(run(Command::new(&objdump)
                .args(["-d", "--mcpu=v4"])
                .arg(&obj)))
            .unwrap();
            let plain = parse_objdump(&plain);
            let v4 = parse_objdump(&v4);
            for (section, lines) in &plain {
                let bin = dir.join(format!("{stem}-{cpu}-{}.bin", section.replace('/', "_")));
                run(Command::new(&objcopy)
                    .args(["-O", "binary", &format!("--only-section={section}")])
                    .arg(&obj)
                    .arg(&bin));
                let bytes = std::fs::read(&bin).unwrap();
                let insns = ir::insn::decode_bytes(&bytes)
                    .unwrap_or_else(|e| panic!("{stem} ({cpu}) {section}: {e}"));
                let prog = Program::new(ProgType::Xdp, insns);
                for (&slot, text) in lines {
                    // The default objdump CPU ignores the fetch bit of 32-bit atomics
                    // (code 0xc3) and prints them as `lock ... +=`; v4 decodes them right.
                    let fetch32 = bytes.get(slot * 8) == Some(&0xc3)
                        && bytes.get(slot * 8 + 4).is_some_and(|imm| imm & 1 == 1);
                    let want = if text == "<unknown>" || fetch32 {
                        v4.get(section)
                            .and_then(|l| l.get(&slot))
                            .cloned()
                            .unwrap_or_default()
                    } else {
                        text.clone()
                    };
                    let ours = insn_text(&prog, slot, Syntax::Llvm);
                    if ours != want {
                        mismatches.push(format!(
                            "{stem} ({cpu}) {section}:{slot}: ours `{ours}`, llvm-objdump `{want}`"
                        ));
                    }
                    compared += 1;
                }
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        mismatches.is_empty(),
        "{} of {compared} differ:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
    assert!(compared > 300, "only {compared} instructions compared");
    println!("{compared} instructions match llvm-objdump");
}
