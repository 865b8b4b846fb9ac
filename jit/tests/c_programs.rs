//! The clang-compiled C programs of the kernel corpus (`tests/c/*.c`, each with `// TEST`
//! packets): read from their ELF objects, verified, compiled, and run under the JIT and the
//! interpreter, which must agree (and give the stated r0). Needs clang with the BPF target.

#[path = "../../tests/c/compile.rs"]
mod shared;

use ir::interp::{run, Input};
use ir::runtime::Runtime;
use jit::x86_64::{compile, Options};
use std::path::PathBuf;
use std::process::Command;

fn c_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/c")
}

#[test]
fn c_programs_match_the_interpreter() {
    let test = "c_programs_match_the_interpreter";
    let has_clang = Command::new("clang")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_clang {
        testkit::oracle::skip(test, "clang not found (apt-get install clang)");
        return;
    }
    let mut names: Vec<String> = std::fs::read_dir(c_dir())
        .map(|d| {
            d.filter_map(|e| {
                e.ok()?
                    .file_name()
                    .into_string()
                    .ok()?
                    .strip_suffix(".c")
                    .map(str::to_string)
            })
            .collect()
        })
        .unwrap_or_default();
    names.sort();
    if names.is_empty() {
        testkit::oracle::skip(test, format_args!("no C programs in {}", c_dir().display()));
        return;
    }
    let out_dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("jit-c");
    std::fs::create_dir_all(&out_dir).expect("tmp dir");
    let (mut runs, mut failures) = (0, Vec::new());
    for name in &names {
        let obj_path = out_dir.join(format!("{name}.o"));
        let ok = Command::new("clang")
            .args(["-target", "bpf", "-O2", "-g", "-Wall", "-Werror", "-c"])
            .arg(c_dir().join(format!("{name}.c")))
            .arg("-o")
            .arg(&obj_path)
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "clang failed on {name}.c");
        let obj =
            ir::elf::read_object(&std::fs::read(&obj_path).expect("object")).expect("read object");
        let prog = &obj.programs[0];
        let v = match offload::verify(
            prog,
            &offload::Capabilities::kernel(),
            &offload::Options::default(),
        ) {
            Ok(v) => v,
            // Not the JIT's business (e.g. a program type the verifier does not cover yet).
            Err(r) => {
                println!(
                    "note: {name} not verified: {}",
                    r.to_string().lines().next().unwrap_or("")
                );
                continue;
            }
        };
        let jp = match compile(
            &v,
            &Options {
                record: true,
                ..Options::default()
            },
        ) {
            Ok(jp) => jp,
            Err(e) => {
                failures.push(format!("{name}: compile: {e}"));
                continue;
            }
        };
        if let Err(e) = jp.check_decoding() {
            failures.push(format!("{name}: decode: {e}"));
        }
        let text = std::fs::read_to_string(c_dir().join(format!("{name}.c"))).unwrap_or_default();
        for line in text
            .lines()
            .filter_map(|l| l.trim().strip_prefix("// TEST "))
        {
            let mut it = line.split_whitespace();
            let (Some(packet), Some(expect)) = (it.next(), it.next()) else {
                continue;
            };
            let input = Input::Packet(shared::packet(packet));
            let (mut rt_i, mut rt_j) = (Runtime::new(prog), Runtime::new(prog));
            let want = run(prog, &mut rt_i, &input, 10_000_000);
            let got = jp.run(&mut rt_j, &input);
            runs += 1;
            match (want, got) {
                (Ok(w), Ok(g)) => {
                    if (w.r0, &w.packet, w.action) != (g.r0, &g.packet, g.action)
                        || rt_i.dump() != rt_j.dump()
                    {
                        failures.push(format!(
                            "{name} {packet}: interp r0={}, jit r0={}",
                            w.r0, g.r0
                        ));
                    } else if let Ok(e) = expect.parse::<u64>() {
                        if g.r0 != e {
                            failures.push(format!("{name} {packet}: r0={} expected {e}", g.r0));
                        }
                    }
                }
                // Both refuse the run (e.g. a helper the runtime lacks): they agree.
                (Err(w), Err(g)) => println!("note: {name} {packet}: both fail: {w} / {g}"),
                (w, g) => failures.push(format!("{name} {packet}: interp {w:?}, jit {g:?}")),
            }
        }
    }
    println!("{} C programs, {runs} runs", names.len());
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
