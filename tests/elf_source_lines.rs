//! Source lines without DWARF (`.BTF.ext` line info) and map definition lines (DWARF
//! variables), on what Debian's clang produces. Needs clang and llvm-objcopy; prints SKIP
//! otherwise.

#[path = "c/compile.rs"]
mod compile;

use ir::elf::read_object;
use ir::{Origin, Program};
use std::path::PathBuf;
use std::process::Command;

/// `llvm-objcopy --strip-debug` of `obj`: keeps `.BTF` and `.BTF.ext`, drops every `.debug_*`.
fn strip_debug(test: &str, name: &str, obj: &[u8]) -> Option<Vec<u8>> {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("stripped");
    std::fs::create_dir_all(&dir).ok()?;
    let (src, dst) = (
        dir.join(format!("{name}.o")),
        dir.join(format!("{name}.stripped.o")),
    );
    std::fs::write(&src, obj).ok()?;
    for tool in ["llvm-objcopy", "llvm-objcopy-19"] {
        if let Ok(s) = Command::new(tool)
            .arg("--strip-debug")
            .arg(&src)
            .arg(&dst)
            .status()
        {
            if s.success() {
                return std::fs::read(&dst).ok();
            }
        }
    }
    println!("SKIP {test}: llvm-objcopy not found (apt-get install llvm)");
    None
}

fn line_of(p: &Program, pc: usize) -> Option<(String, u32, Option<String>)> {
    match p.source_map.get(pc) {
        Some(Origin::C {
            file, line, text, ..
        }) => Some((file.clone(), *line, text.clone())),
        _ => None,
    }
}

/// The function starts of `p` (slot 0 and every subprogram) with their names.
fn function_starts(p: &Program) -> Vec<(usize, String)> {
    let mut v = vec![(0, p.name.clone())];
    v.extend(p.subprogs.iter().map(|s| (s.start, s.name.clone())));
    v
}

#[test]
fn stripped_objects_take_their_lines_from_btf_ext_and_agree_with_dwarf() {
    let test = "stripped_objects_take_their_lines_from_btf_ext_and_agree_with_dwarf";
    if !compile::have_clang(test) {
        return;
    }
    for name in compile::programs() {
        let full = compile::compile(&name);
        let Some(stripped) = strip_debug(test, &name, &full) else {
            return;
        };
        let dwarf = read_object(&full).unwrap_or_else(|e| panic!("{name}: {e}"));
        let btf = read_object(&stripped).unwrap_or_else(|e| panic!("{name} stripped: {e}"));
        assert_eq!(dwarf.maps, btf.maps, "{name}");
        let (pd, pb) = (&dwarf.programs[0], &btf.programs[0]);
        assert_eq!(pd.insns, pb.insns, "{name}");
        let source = std::fs::read_to_string(compile::c_dir().join(format!("{name}.c"))).unwrap();
        let starts = function_starts(pb);
        // clang gives a function's first instructions its declaration line in BTF, where
        // DWARF has the prologue's `{`.
        let declares = |text: &str| starts.iter().any(|(_, f)| text.contains(&format!("{f}(")));
        for pc in 0..pb.insns.len() {
            // BTF line info covers every instruction (a record lasts until the next one).
            let (file, line, text) =
                line_of(pb, pc).unwrap_or_else(|| panic!("{name} pc {pc}: no line from BTF"));
            assert!(
                file.ends_with(&format!("{name}.c")),
                "{name} pc {pc}: {file}"
            );
            // The text is the line of the file.
            let want = source.lines().nth(line as usize - 1).unwrap().trim();
            assert_eq!(text.as_deref(), Some(want), "{name} pc {pc}");
            if let Some((dfile, dline, _)) = line_of(pd, pc).filter(|_| !declares(want)) {
                // Elsewhere, where DWARF has a line, it is the same.
                assert_eq!((dfile, dline), (file, line), "{name} pc {pc}");
            }
        }
    }
}
