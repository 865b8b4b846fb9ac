//! `bpf-offload check --target nfp`: the real binary on the canonical example (hand-written and
//! built from pcap-filter), a clang-compiled rejection (grouped by C line, JSON), `--caps`
//! overrides and bad `--caps` files (exit 2).

use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_bpf-offload"))
}

fn run(args: &[&str]) -> (i32, String) {
    let o = bin().args(args).output().expect("run bpf-offload");
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
    )
}

fn root() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn canonical_example_passes_for_the_nfp() {
    let s = root().join("examples/drop_tcp80.s");
    let (code, out) = run(&["check", s.to_str().unwrap(), "--target", "nfp"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("accepted for target nfp"), "{out}");
    let dir = tempfile::tempdir().unwrap();
    let obj = dir.path().join("drop.o");
    let (code, out) = run(&[
        "build",
        "--from",
        "pcap",
        "ip and tcp dst port 80",
        "-o",
        obj.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{out}");
    let (code, out) = run(&["check", obj.to_str().unwrap(), "--target", "nfp"]);
    assert_eq!(code, 0, "{out}");
}

fn compile(name: &str, dir: &std::path::Path) -> Option<std::path::PathBuf> {
    let src = root().join(format!("nfp-model/tests/c/{name}.c"));
    let out = dir.join(format!("{name}.o"));
    for clang in ["clang-19", "clang"] {
        if let Ok(s) = Command::new(clang)
            .args(["-target", "bpf", "-mcpu=v3", "-O2", "-g", "-c"])
            .arg(&src)
            .arg("-o")
            .arg(&out)
            .status()
        {
            if s.success() {
                return Some(out);
            }
        }
    }
    None
}

#[test]
fn rejection_report_groups_by_c_line_and_json_matches() {
    let dir = tempfile::tempdir().unwrap();
    let Some(obj) = compile("alu_div", dir.path()) else {
        testkit::oracle::skip(
            "rejection_report_groups_by_c_line_and_json_matches",
            "clang not found",
        );
        return;
    };
    let o = obj.to_str().unwrap();
    let (code, out) = run(&["check", o, "--target", "nfp"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("alu_div.c:"), "{out}");
    assert!(
        out.contains("| return a / b; // HERE nfp.alu.div_not_const"),
        "{out}"
    );
    assert!(
        out.contains("error[nfp.alu.div_not_const]: divisor is not constant"),
        "{out}"
    );
    assert!(out.contains("hint: divide by a constant"), "{out}");
    let (code, out) = run(&["check", o, "--target", "nfp", "--json"]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let r = &v["rejections"][0];
    assert_eq!(r["code"], "nfp.alu.div_not_const");
    assert_eq!(r["message"], "divisor is not constant");
    assert_eq!(r["severity"], "error");
    assert!(r["pc"].is_u64() && r["insn"].is_string());
    assert_eq!(r["origin"]["kind"], "c");
    // The kernel accepts the same program.
    let (code, out) = run(&["check", o, "--target", "kernel"]);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn caps_override_firmware_and_bad_caps_are_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let Some(obj) = compile("helper_adjust_tail", dir.path()) else {
        testkit::oracle::skip(
            "caps_override_firmware_and_bad_caps_are_bad_input",
            "clang not found",
        );
        return;
    };
    let o = obj.to_str().unwrap();
    assert_eq!(run(&["check", o, "--target", "nfp"]).0, 0);
    let caps = dir.path().join("caps.toml");
    std::fs::write(&caps, "[firmware]\nadjust_tail = false\n").unwrap();
    let (code, out) = run(&[
        "check",
        o,
        "--target",
        "nfp",
        "--caps",
        caps.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("adjust_tail not supported by FW"), "{out}");
    std::fs::write(&caps, "[firmware]\nadjust_tial = false\n").unwrap();
    assert_eq!(
        run(&[
            "check",
            o,
            "--target",
            "nfp",
            "--caps",
            caps.to_str().unwrap()
        ])
        .0,
        2
    );
    assert_eq!(
        run(&[
            "check",
            o,
            "--target",
            "kernel",
            "--caps",
            caps.to_str().unwrap()
        ])
        .0,
        2
    );
}
