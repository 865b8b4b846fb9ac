//! The ELF reader on what Debian's clang produces, and the writer checked by llvm-objdump.
//! Needs clang (and llvm-objdump for one test); prints SKIP otherwise.

#[path = "c/compile.rs"]
mod compile;

use ir::elf::{read_object, write_object};
use ir::{Origin, ProgType, Program};
use std::process::Command;

fn without_debug(p: &Program) -> Program {
    let mut p = p.clone();
    p.source_map = Default::default();
    p.maps.iter_mut().for_each(|m| m.origin = None);
    p.subprogs.iter_mut().for_each(|s| s.name.clear());
    p
}

#[test]
fn every_c_program_reads_with_maps_types_and_source_lines() {
    let test = "every_c_program_reads_with_maps_types_and_source_lines";
    if !compile::have_clang(test) {
        return;
    }
    for name in compile::programs() {
        let obj = read_object(&compile::compile(&name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(obj.license, "GPL", "{name}");
        assert_eq!(obj.programs.len(), 1, "{name}");
        let p = &obj.programs[0];
        let expected = if name.starts_with("tc_") {
            ProgType::SchedCls
        } else if name.starts_with("socket") {
            ProgType::SocketFilter
        } else {
            ProgType::Xdp
        };
        assert_eq!(p.prog_type, expected, "{name}");
        assert_eq!(p.license, "GPL");
        // Every map reference is an index into the program's own maps, with a reloc by name.
        for r in &p.relocs {
            assert_eq!(
                p.map_of(r.insn).map(|m| m.name.as_str()),
                Some(r.map.as_str()),
                "{name}"
            );
        }
        // DWARF: most instructions have a line of this very file, with its text.
        let file = compile::c_dir().join(format!("{name}.c"));
        let source = std::fs::read_to_string(&file).unwrap();
        let mut with_line = 0;
        for pc in 0..p.insns.len() {
            if let Some(Origin::C {
                file: f,
                line,
                text,
                ..
            }) = p.source_map.get(pc)
            {
                if f.ends_with(&format!("{name}.c")) {
                    let want = source.lines().nth(*line as usize - 1).unwrap().trim();
                    assert_eq!(text.as_deref(), Some(want), "{name} pc {pc}");
                    with_line += 1;
                }
            }
        }
        assert!(
            with_line * 2 >= p.insns.len(),
            "{name}: only {with_line} of {} insns have a line",
            p.insns.len()
        );
    }
}

#[test]
fn maps_subprograms_and_global_data_are_linked_like_libbpf() {
    let test = "maps_subprograms_and_global_data_are_linked_like_libbpf";
    if !compile::have_clang(test) {
        return;
    }
    let obj = read_object(&compile::compile("xdp_count_proto")).unwrap();
    let names: Vec<&str> = obj.maps.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["proto_count", ".rodata", ".bss"]);
    let p = obj.program("count_proto").unwrap();
    assert_eq!(p.section, "xdp");
    let hash = p.maps.iter().find(|m| m.name == "proto_count").unwrap();
    assert_eq!(
        (
            hash.map_type,
            hash.key_size,
            hash.value_size,
            hash.max_entries
        ),
        (ir::MapType::Hash, 4, 8, 256)
    );
    let rodata = p.maps.iter().find(|m| m.name == ".rodata").unwrap();
    assert_eq!(rodata.initial_value.as_deref(), Some(&[1u8, 0, 0, 0][..]));
    assert_eq!(
        p.subprogs
            .iter()
            .map(|s| s.name.as_str())
            .collect::<Vec<_>>(),
        ["count_proto", "is_udp"]
    );
    assert_eq!(obj.program("xdp").unwrap().name, "count_proto");
}

#[test]
fn reading_what_we_wrote_gives_the_program_back() {
    let test = "reading_what_we_wrote_gives_the_program_back";
    if !compile::have_clang(test) {
        return;
    }
    for name in compile::programs() {
        let obj = read_object(&compile::compile(&name)).unwrap();
        let ours = write_object(&obj.programs).unwrap_or_else(|e| panic!("{name}: {e}"));
        let back = read_object(&ours).unwrap_or_else(|e| panic!("{name}: {e}"));
        let a: Vec<Program> = obj.programs.iter().map(without_debug).collect();
        let b: Vec<Program> = back.programs.iter().map(without_debug).collect();
        assert_eq!(a, b, "{name}");
    }
}

/// The hex words `llvm-objdump -d` prints for each instruction slot of a section.
fn objdump_words(path: &std::path::Path) -> Option<Vec<String>> {
    let out = Command::new("llvm-objdump")
        .arg("-d")
        .arg(path)
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut words = Vec::new();
    for line in text.lines() {
        let Some((idx, rest)) = line.split_once(':') else {
            continue;
        };
        if idx.trim().parse::<usize>().is_err() {
            continue;
        }
        let hex: Vec<&str> = rest
            .split_whitespace()
            .take_while(|t| t.len() == 2 && u8::from_str_radix(t, 16).is_ok())
            .collect();
        for chunk in hex.chunks(8) {
            words.push(chunk.join(" "));
        }
    }
    Some(words)
}

#[test]
fn llvm_objdump_shows_our_instructions() {
    let test = "llvm_objdump_shows_our_instructions";
    if !compile::have_clang(test) {
        return;
    }
    if Command::new("llvm-objdump")
        .arg("--version")
        .output()
        .is_err()
    {
        testkit::oracle::skip(test, "llvm-objdump not found (apt-get install llvm)");
        return;
    }
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    for name in [
        "xdp_drop_tcp80",
        "xdp_bpf2bpf",
        "xdp_global_data",
        "tc_drop_tcp80",
    ] {
        let obj = read_object(&compile::compile(name)).unwrap();
        let bytes = write_object(&obj.programs).unwrap();
        let path = dir.join(format!("{name}.ours.o"));
        std::fs::write(&path, &bytes).unwrap();
        let words = objdump_words(&path).expect("llvm-objdump output");
        // Our reading of our own file, in section order (program section, then .text).
        let back = read_object(&bytes).unwrap();
        let p = &back.programs[0];
        let expected: Vec<String> = ir::insn::encode(&p.insns)
            .iter()
            .enumerate()
            .filter_map(|(pc, raw)| {
                // Relocated fields are written as the ELF convention wants, not as Program holds them.
                if p.relocs.iter().any(|r| r.insn == pc || r.insn + 1 == pc)
                    || matches!(p.insns[pc], ir::Insn::Call(ir::insn::CallTarget::Local(_)))
                {
                    return None;
                }
                Some(
                    raw.to_bytes()
                        .iter()
                        .map(|b| format!("{b:02x}"))
                        .collect::<Vec<_>>()
                        .join(" "),
                )
            })
            .collect();
        for w in &expected {
            assert!(words.contains(w), "{name}: llvm-objdump does not show {w}");
        }
        assert_eq!(words.len(), p.insns.len(), "{name}: slot count");
    }
}

#[test]
fn mutated_clang_objects_are_errors_not_panics() {
    let test = "mutated_clang_objects_are_errors_not_panics";
    if !compile::have_clang(test) {
        return;
    }
    let bytes = compile::compile("xdp_count_proto");
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for cut in (0..bytes.len()).step_by(7) {
        if let Err(e) = read_object(&bytes[..cut]) {
            assert!(
                e.offset.is_some() || e.section.is_some(),
                "unlocated error: {e}"
            );
        }
    }
    for _ in 0..1000 {
        let mut b = bytes.clone();
        for _ in 0..(next() % 4 + 1) {
            let at = (next() as usize) % b.len();
            b[at] = next() as u8;
        }
        let _ = read_object(&b);
    }
}
