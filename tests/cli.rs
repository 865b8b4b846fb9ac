//! End-to-end tests of the CLI: the real binary, in a scratch folder, checked against the
//! bpf_conformance data and hand-picked error cases.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_bpf-offload"))
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("spawn bpf-offload")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn data_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "data"))
        .collect();
    v.sort();
    v
}

#[test]
fn every_conformance_program_passes_through_the_cli() {
    let Some(dir) = testkit::conformance::dir() else {
        testkit::oracle::skip_data(
            "every_conformance_program_passes_through_the_cli",
            "no ../shared/conformance",
        );
        return;
    };
    let files = data_files(&dir.join("tests"));
    assert_eq!(files.len(), 313);
    let mut failures = Vec::new();
    for f in &files {
        let o = run(&["run", f.to_str().unwrap()]);
        if o.status.code() != Some(0) {
            failures.push(format!("{}: {}", f.display(), stderr(&o).trim()));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_negative_conformance_case_fails_cleanly() {
    let Some(dir) = testkit::conformance::dir() else {
        testkit::oracle::skip_data(
            "every_negative_conformance_case_fails_cleanly",
            "no ../shared/conformance",
        );
        return;
    };
    let files = data_files(&dir.join("negative"));
    assert!(files.len() >= 60);
    for f in &files {
        let o = run(&["run", f.to_str().unwrap()]);
        let code = o.status.code();
        let err = stderr(&o);
        assert!(
            matches!(code, Some(1) | Some(2)),
            "{}: exit {code:?}, stdout {}, stderr {err}",
            f.display(),
            stdout(&o)
        );
        assert!(!err.contains("panicked"), "{}: {err}", f.display());
        assert!(err.starts_with("error: "), "{}: {err}", f.display());
        let text = std::fs::read_to_string(f).unwrap();
        let has_result = text.contains("-- result");
        let has_error = text.contains("-- error");
        if code == Some(2) && text.contains("-- asm") && !err.contains("no `-- asm`") {
            // Assembly errors point at file:line:col of the .data file.
            let want = format!("{}:", f.display());
            assert!(err.contains(&want), "{}: {err}", f.display());
            let loc = err.split(&want).nth(1).unwrap_or("");
            let mut parts = loc.split(':');
            let line: u32 = parts.next().unwrap_or("").parse().unwrap_or(0);
            let col: u32 = parts.next().unwrap_or("").trim().parse().unwrap_or(0);
            assert!(line > 0 && col > 0, "{}: no line:col in {err}", f.display());
            let src_line = text.lines().nth(line as usize - 1).unwrap_or("");
            assert!(
                !src_line.trim().is_empty(),
                "{}: line {line} is blank",
                f.display()
            );
        }
        if code == Some(1) && has_result && !has_error {
            assert!(err.contains("mismatch"), "{}: {err}", f.display());
        }
    }
}

#[test]
fn asm_errors_point_at_the_token() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bad.s");
    std::fs::write(&p, "mov32 %r0, 0\nadd32 %r11, 1\nexit\n").unwrap();
    let o = run(&["run", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("bad.s:2:"), "{err}");
}

#[test]
fn canonical_example_over_a_capture() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let o = run(&[
        "run",
        root.join("examples/drop_tcp80.s").to_str().unwrap(),
        "--pcap",
        root.join("examples/canonical.pcap").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let want = "1 drop 0x1\n2 pass 0x2\n3 pass 0x2\n4 pass 0x2\n5 drop 0x1\n6 pass 0x2\n7 pass 0x2\n8 pass 0x2\n9 pass 0x2\n";
    assert_eq!(stdout(&o), want);
    let o = run(&[
        "run",
        root.join("examples/drop_tcp80.s").to_str().unwrap(),
        "--pcap",
        root.join("examples/canonical.pcap").to_str().unwrap(),
        "--json",
    ]);
    let first = stdout(&o).lines().next().unwrap().to_string();
    let v: serde_json::Value = serde_json::from_str(&first).unwrap();
    assert_eq!(v["index"], 1);
    assert_eq!(v["action"], "drop");
    assert_eq!(v["r0"], "0x1");
}

#[test]
fn plugin_contract() {
    use std::io::Write;
    // mov32 r0, 0 ; ldxb r0, [r1+1] ; exit  (hex of the slots)
    let prog = "b400000000000000 7110010000000000 9500000000000000";
    let mut child = bin()
        .args(["plugin", "--engine", "interp", "aabb"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(prog.as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o).trim(), "bb");
}

#[test]
fn bad_usage_exits_2() {
    assert_eq!(run(&["run"]).status.code(), Some(2));
    assert_eq!(run(&["frobnicate"]).status.code(), Some(2));
    let o = run(&["run", "/no/such/file.s"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("/no/such/file.s"));
    let o = run(&["run", "-", "--packet", "zz"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn asm_output_is_atomic() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("p.s");
    std::fs::write(&src, "mov %r0, 1\nexit\n").unwrap();
    let out = dir.path().join("p.bin");
    let o = run(&["asm", src.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(std::fs::read(&out).unwrap().len(), 16);
    let o = run(&["run", out.to_str().unwrap()]);
    assert_eq!(stdout(&o), "0x1\n");
    // A failing assembly leaves no output file.
    std::fs::write(&src, "mov %r0, 1\nbogus\n").unwrap();
    let out2 = dir.path().join("q.bin");
    let o = run(&["asm", src.to_str().unwrap(), "-o", out2.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!out2.exists());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
}

#[test]
fn asm_type_sets_the_section_unless_the_file_names_one() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("p.s");
    std::fs::write(&src, "r0 = 0\nexit\n").unwrap();
    let out = dir.path().join("p.o");
    let o = run(&[
        "asm",
        src.to_str().unwrap(),
        "--type",
        "tc",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let obj = ir::elf::read_object(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(obj.programs[0].prog_type, ir::ProgType::SchedCls);
    assert_eq!(obj.programs[0].section, "tc");
    std::fs::write(&src, ".section xdp\nr0 = 0\nexit\n").unwrap();
    let o = run(&[
        "asm",
        src.to_str().unwrap(),
        "--type",
        "tc",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("conflicts"), "{}", stderr(&o));
}

#[test]
fn disasm_interleaves_c_source_lines() {
    let Ok(o) = Command::new("clang").arg("--version").output() else {
        testkit::oracle::skip("disasm_interleaves_c_source_lines", "no clang");
        return;
    };
    assert!(o.status.success());
    let dir = tempfile::tempdir().unwrap();
    let c = dir.path().join("p.c");
    std::fs::write(
        &c,
        "__attribute__((section(\"xdp\"), used)) int prog(void *ctx) {\n    return 2;\n}\n\
         char LICENSE[] __attribute__((section(\"license\"), used)) = \"GPL\";\n",
    )
    .unwrap();
    let obj = dir.path().join("p.o");
    let o = Command::new("clang")
        .args(["-O2", "-g", "-target", "bpf", "-c"])
        .arg(&c)
        .arg("-o")
        .arg(&obj)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let o = run(&["disasm", "-S", obj.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("p.c:2: return 2;"), "{text}");
    assert!(text.contains("r0 = 0x2"), "{text}");
}

#[test]
fn every_engine_agrees_on_the_canonical_capture() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let prog = root.join("examples/drop_tcp80.s");
    let pcap = root.join("examples/canonical.pcap");
    let want = "1 drop 0x1\n2 pass 0x2\n3 pass 0x2\n4 pass 0x2\n5 drop 0x1\n6 pass 0x2\n7 pass 0x2\n8 pass 0x2\n9 pass 0x2\n";
    for engine in ["interp", "x86_64", "all"] {
        if engine == "x86_64" && !cfg!(target_arch = "x86_64") {
            continue;
        }
        let o = run(&[
            "run",
            prog.to_str().unwrap(),
            "--pcap",
            pcap.to_str().unwrap(),
            "--engine",
            engine,
        ]);
        assert_eq!(o.status.code(), Some(0), "{engine}: {}", stderr(&o));
        assert_eq!(stdout(&o), want, "{engine}");
    }
}

#[test]
fn conformance_programs_on_the_jit_through_the_cli() {
    let Some(dir) = testkit::conformance::dir() else {
        testkit::oracle::skip_data(
            "conformance_programs_on_the_jit_through_the_cli",
            "no ../shared/conformance",
        );
        return;
    };
    if !cfg!(target_arch = "x86_64") {
        testkit::oracle::skip(
            "conformance_programs_on_the_jit_through_the_cli",
            "not an x86-64 host",
        );
        return;
    }
    let mut failures = Vec::new();
    for f in data_files(&dir.join("tests")) {
        let o = run(&["run", f.to_str().unwrap(), "--engine", "x86_64"]);
        if o.status.code() != Some(0) {
            failures.push(format!("{}: {}", f.display(), stderr(&o).trim()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn engines_disagreeing_exit_1() {
    // A program whose result depends on the engine: it returns the low bits of a stack address,
    // which differ between the interpreter and the JIT.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("addr.data");
    std::fs::write(
        &p,
        "-- asm\nmov %r0, %r10\nand %r0, 0xfff8\nexit\n-- result\n0x0\n",
    )
    .unwrap();
    let o = run(&["run", p.to_str().unwrap(), "--engine", "all"]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(stderr(&o).contains("engines disagree"), "{}", stderr(&o));
}

#[test]
fn build_for_the_nfp_makes_offloadable_code() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("drop.o");
    let out = out.to_str().unwrap();
    // The operator's command from DESIGN.md.
    let o = run(&[
        "build",
        "--from",
        "iptables",
        "-A INPUT -i eth0 -p tcp --dport 80 -j DROP",
        "--target",
        "nfp",
        "-o",
        out,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("accepted for target nfp"),
        "{}",
        stdout(&o)
    );
    let o = run(&["check", out, "--target", "nfp"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    // A TC filter with hit counters: built for the host it returns TC_ACT_OK on pass, which
    // the NFP refuses; built for the NFP it returns TC_ACT_UNSPEC and stores the counter key
    // from a register, and is offloadable.
    let tc = dir.path().join("tc.o");
    let tc = tc.to_str().unwrap();
    for (target, offloadable) in [("kernel", false), ("nfp", true)] {
        let o = run(&[
            "build",
            "--from",
            "pcap",
            "tcp port 22",
            "--hook",
            "tc",
            "--counters",
            "--target",
            target,
            "-o",
            tc,
        ]);
        assert_eq!(o.status.code(), Some(0), "{target}: {}", stderr(&o));
        let o = run(&["check", tc, "--target", "nfp", "--json"]);
        assert_eq!(
            o.status.code(),
            Some(if offloadable { 0 } else { 1 }),
            "{target}: {}",
            stdout(&o)
        );
        if !offloadable {
            assert!(stdout(&o).contains("nfp.exit.value"), "{}", stdout(&o));
        }
    }
}
