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
    testkit::oracle::skip(test, "llvm-objcopy not found (apt-get install llvm)");
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
        // The same maps, without definition lines (those come from DWARF only).
        let no_origin = |o: &ir::elf::Object| {
            let mut maps = o.maps.clone();
            maps.iter_mut().for_each(|m| m.origin = None);
            maps
        };
        assert_eq!(no_origin(&dwarf), btf.maps, "{name}");
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

/// `tests/c_maps/NAME.c` compiled with `clang -g` into `dir` (from a copy of the source there,
/// so the test can delete it); the object's path and the source text.
fn compile_copy(name: &str, dir: &std::path::Path) -> (PathBuf, String) {
    let text = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("tests/c_maps/{name}.c")),
    )
    .unwrap();
    let src = dir.join(format!("{name}.c"));
    std::fs::write(&src, &text).unwrap();
    let obj = dir.join(format!("{name}.o"));
    let ok = Command::new("clang")
        .args(["-target", "bpf", "-O2", "-g", "-c"])
        .arg(&src)
        .arg("-o")
        .arg(&obj)
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "clang failed on {}", src.display());
    (obj, text)
}

/// `(map name, 1-based line)` of each `// MAP name` marker.
fn map_markers(text: &str) -> Vec<(String, u32)> {
    text.lines()
        .enumerate()
        .filter_map(|(i, l)| {
            let name = l.split("// MAP ").nth(1)?.trim().to_string();
            Some((name, i as u32 + 1))
        })
        .collect()
}

#[test]
fn btf_legacy_and_global_data_maps_get_their_definition_line_from_dwarf() {
    let test = "btf_legacy_and_global_data_maps_get_their_definition_line_from_dwarf";
    if !compile::have_clang(test) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (obj, text) = compile_copy("map_lines", dir.path());
    let bytes = std::fs::read(&obj).unwrap();
    let read = read_object(&bytes).unwrap();
    let markers = map_markers(&text);
    assert_eq!(markers.len(), 4);
    for (name, want) in &markers {
        let map = read.maps.iter().find(|m| &m.name == name).unwrap();
        let Some(Origin::C {
            file,
            line,
            column,
            text: Some(t),
        }) = &map.origin
        else {
            panic!("{name}: origin {:?}", map.origin);
        };
        assert!(file.ends_with("map_lines.c"), "{name}: {file}");
        assert_eq!(line, want, "{name}");
        let src_line = text.lines().nth(*want as usize - 1).unwrap();
        assert_eq!(t, src_line.trim(), "{name}");
        // The column is where the variable's name starts (the first variable for data).
        let var = if name.starts_with('.') {
            let decl = src_line.split("//").next().unwrap();
            decl.split(['=', ';'])
                .next()
                .unwrap()
                .split_whitespace()
                .last()
                .unwrap()
        } else {
            name.as_str()
        };
        assert_eq!(
            src_line.find(var).map(|c| c as u32 + 1),
            Some(*column),
            "{name}"
        );
        // Programs carry the same definitions.
        if let Some(m) = read.programs[0].maps.iter().find(|m| &m.name == name) {
            assert_eq!(m.origin, map.origin, "{name}");
        }
    }
    // DWARF needs no source file: the line stays, the text goes.
    std::fs::remove_file(dir.path().join("map_lines.c")).unwrap();
    let read = read_object(&bytes).unwrap();
    let m = read.maps.iter().find(|m| m.name == "btf_routes").unwrap();
    assert!(
        matches!(&m.origin, Some(Origin::C { line, text: None, .. }) if *line == markers[0].1),
        "{:?}",
        m.origin
    );
    // Without DWARF there is no definition line.
    if let Some(stripped) = strip_debug(test, "map_lines", &bytes) {
        let read = read_object(&stripped).unwrap();
        assert!(read.maps.iter().all(|m| m.origin.is_none()));
    }
}

#[test]
fn nfp_map_reasons_name_the_definition_line_of_btf_and_legacy_maps() {
    let test = "nfp_map_reasons_name_the_definition_line_of_btf_and_legacy_maps";
    if !compile::have_clang(test) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (obj, text) = compile_copy("map_lines", dir.path());
    let markers = map_markers(&text);
    let line_of_map = |name: &str| markers.iter().find(|(n, _)| n == name).unwrap().1;
    let out = Command::new(env!("CARGO_BIN_EXE_bpf-offload"))
        .args(["check", obj.to_str().unwrap(), "--target", "nfp", "--json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let reasons = v["rejections"].as_array().unwrap();
    let mut seen = Vec::new();
    for r in reasons.iter().filter(|r| r["map"].is_string()) {
        let map = r["map"].as_str().unwrap();
        assert_eq!(r["origin"]["kind"], "c", "{r}");
        assert_eq!(r["origin"]["line"], line_of_map(map), "{r}");
        seen.push((map.to_string(), r["code"].as_str().unwrap().to_string()));
    }
    for want in [
        ("btf_routes", "nfp.map.type"),
        ("legacy_routes", "nfp.map.type"),
        (".rodata", "nfp.map.flags"),
    ] {
        assert!(
            seen.iter().any(|(m, c)| m == want.0 && c == want.1),
            "no {want:?} in {seen:?}"
        );
    }
    // The human report groups them under that line, with the line shown.
    let out = Command::new(env!("CARGO_BIN_EXE_bpf-offload"))
        .args(["check", obj.to_str().unwrap(), "--target", "nfp"])
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    let line = line_of_map("legacy_routes");
    let group = report
        .split("\n\n")
        .find(|g| g.contains(&format!("map_lines.c:{line}:")))
        .unwrap_or_else(|| panic!("{report}"));
    assert!(
        group.contains("legacy_routes = { 11, 8, 4, 64, 1 };"),
        "{group}"
    );
    assert!(
        group.contains("error[nfp.map.type]: map 'legacy_routes': map type not supported"),
        "{group}"
    );
}
