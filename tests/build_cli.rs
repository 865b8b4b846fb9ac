//! `bpf-offload build`: the real binary in a scratch folder. The ELF it writes is read back and
//! run by the interpreter on the captures, against `RuleSet::eval` of the same filter.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn build(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bpf-offload"))
        .arg("build")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("spawn bpf-offload")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn captures() -> Vec<Vec<u8>> {
    let path: PathBuf = [
        env!("CARGO_MANIFEST_DIR"),
        "frontend/tests/captures/veth.pcap",
    ]
    .iter()
    .collect();
    let data = std::fs::read(path).expect("captures");
    let mut out = Vec::new();
    let mut i = 24;
    while i + 16 <= data.len() {
        let caplen = u32::from_le_bytes(data[i + 8..i + 12].try_into().unwrap()) as usize;
        out.push(data[i + 16..i + 16 + caplen].to_vec());
        i += 16 + caplen;
    }
    out
}

#[test]
fn canonical_example_builds_a_verified_object_that_drops_what_the_filter_matches() {
    let dir = tempfile::tempdir().unwrap();
    let filter = "ip and tcp dst port 80";
    let o = build(&["--from", "pcap", filter, "-o", "drop.o"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let report = stdout(&o);
    assert!(
        report.contains("pcap rules (1 rule) -> xdp program"),
        "{report}"
    );
    assert!(report.contains("our verifier: accepted"), "{report}");
    assert!(report.contains("kernel verifier:"), "{report}");
    assert!(report.contains("wrote drop.o (elf)"), "{report}");

    let bytes = std::fs::read(dir.path().join("drop.o")).unwrap();
    let progs = ir::elf::read_object(&bytes).expect("our ELF reads back");
    let prog = &progs.programs[0];
    let rs =
        frontend::pcap::compile(filter, frontend::Action::Drop, frontend::Action::Pass).unwrap();
    let mut dropped = 0;
    for p in captures().into_iter().filter(|p| p.len() >= 14) {
        let mut rt = ir::runtime::Runtime::new(prog);
        let out = ir::interp::run(prog, &mut rt, &ir::interp::Input::Packet(p.clone()), 10_000)
            .expect("runs");
        let want = if rs.eval(&p).action == frontend::Action::Drop {
            dropped += 1;
            1 // XDP_DROP
        } else {
            2 // XDP_PASS
        };
        assert_eq!(out.r0, want, "{p:02x?}");
    }
    assert!(dropped > 0, "the captures hold TCP packets to port 80");
}

#[test]
fn bad_rules_point_at_the_token_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let o = build(
        &["--from", "pcap", "tcp dst port eighty", "-o", "x.o"],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("1:14: expected a port number after 'port', found 'eighty'"),
        "{err}"
    );
    assert!(err.contains("1 │ tcp dst port eighty"), "{err}");
    assert!(err.contains("^^^^^^"), "{err}");
    assert!(!dir.path().join("x.o").exists());

    let o = build(&["--from", "pcap", "host example.com"], dir.path());
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn elf_needs_an_output_file_and_a_missing_directory_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let o = build(&["--from", "pcap", "tcp"], dir.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("-o OUT.o"), "{}", stderr(&o));
    let o = build(
        &["--from", "pcap", "tcp", "-o", "no/such/dir/x.o"],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn json_report_lists_size_maps_and_verdict() {
    let dir = tempfile::tempdir().unwrap();
    let o = build(
        &[
            "--from",
            "pcap",
            "udp port 53",
            "--hook",
            "tc",
            "--counters",
            "--json",
            "-o",
            "f.o",
        ],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(v["hook"], "tc");
    assert!(v["instructions"].as_u64().unwrap() > 10);
    assert_eq!(v["maps"][0]["name"], "rule_hits");
    assert_eq!(v["maps"][0]["type"], "array");
    assert_eq!(v["verifier"]["ours"]["verdict"], "accepted");
    assert!(v["verifier"]["kernel"]["verdict"].is_string());
    let progs = ir::elf::read_object(&std::fs::read(dir.path().join("f.o")).unwrap()).unwrap();
    assert_eq!(progs.programs[0].prog_type, ir::ProgType::SchedCls);
}

#[test]
fn c_and_asm_go_to_stdout_with_the_report_on_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let o = build(
        &["--from", "pcap", "icmp or arp", "--emit", "c"],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("SEC(\"xdp\")"), "{}", stdout(&o));
    assert!(stderr(&o).contains("xdp program"), "{}", stderr(&o));
    let o = build(
        &[
            "--from",
            "pcap",
            "icmp",
            "--emit",
            "asm",
            "--default",
            "drop",
            "--action",
            "pass",
        ],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // The assembly reassembles into the same program.
    let text = stdout(&o);
    let prog = ir::asm::assemble(&text).expect("reassembles");
    assert!(prog.insns.len() > 5);
}

#[test]
fn verified_by_the_kernel_as_root() {
    if !cfg!(feature = "kernel") {
        testkit::oracle::skip(
            "verified_by_the_kernel_as_root",
            "built without --features kernel",
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let o = build(
        &["--from", "pcap", "vlan 10 and tcp", "-o", "v.o"],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let report = stdout(&o);
    if report.contains("needs root") {
        testkit::oracle::skip("verified_by_the_kernel_as_root", "not root");
        return;
    }
    assert!(report.contains("kernel verifier: accepted"), "{report}");
}
