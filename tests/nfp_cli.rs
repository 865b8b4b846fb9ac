//! The NFP backend through the binary: `build --target nfp` writes the NFP code beside the
//! object (every word decodes, with its ECC) and reports it; `run --engine nfp` and
//! `--engine all` agree with the interpreter on the canonical capture; a program the NFP
//! refuses is a row with the driver's reason; `disasm --target nfp` shows NFP assembler.

use std::path::Path;
use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bpf-offload"))
        .args(args)
        .output()
        .expect("spawn bpf-offload")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn build_for_the_nfp_writes_decodable_nfp_code_and_a_report() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("drop.o");
    let o = run(&[
        "build",
        "--from",
        "iptables",
        "-A INPUT -i eth0 -p tcp --dport 80 -j DROP",
        "--target",
        "nfp",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let text = stdout(&o);
    assert!(
        text.contains("NFP: ") && text.contains("code store"),
        "{text}"
    );
    assert!(
        text.contains("Mpps") && text.contains("estimates"),
        "{text}"
    );
    let code = std::fs::read_to_string(dir.path().join("drop.o.nfp")).unwrap();
    let mut words = 0;
    for line in code.lines().filter(|l| l.starts_with("0x")) {
        let hex = line.split_whitespace().next().unwrap();
        let w = u64::from_str_radix(hex.trim_start_matches("0x"), 16).unwrap();
        let insn = nfp_model::encode::decode(w).unwrap_or_else(|e| panic!("{line}: {e}"));
        assert!(line.ends_with(&nfp_model::disasm::text(&insn)), "{line}");
        words += 1;
    }
    assert!(words > 8, "{code}");
    let o = run(&[
        "build",
        "--from",
        "iptables",
        "-A INPUT -i eth0 -p tcp --dport 80 -j DROP",
        "--target",
        "nfp",
        "-o",
        out.to_str().unwrap(),
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v["nfp"]["instructions"].as_u64().unwrap() > 8, "{v}");
    assert!(v["nfp"]["sample"]["cycles"].as_u64().is_some(), "{v}");
}

#[test]
fn the_nfp_engine_agrees_on_the_canonical_capture() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let prog = root.join("examples/drop_tcp80.s");
    let pcap = root.join("examples/canonical.pcap");
    let want = "1 drop 0x1\n2 pass 0x2\n3 pass 0x2\n4 pass 0x2\n5 drop 0x1\n6 pass 0x2\n7 pass 0x2\n8 pass 0x2\n9 pass 0x2\n";
    for engine in ["nfp", "all"] {
        let o = run(&[
            "run",
            prog.to_str().unwrap(),
            "--pcap",
            pcap.to_str().unwrap(),
            "--engine",
            engine,
        ]);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{engine}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert_eq!(stdout(&o), want, "{engine}");
    }
}

#[test]
fn a_program_the_nfp_refuses_is_a_row_with_the_drivers_reason() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("mod.s");
    std::fs::write(&p, ".section xdp\n r0 = 7\n r0 %= 3\n exit\n").unwrap();
    let o = run(&[
        "run",
        p.to_str().unwrap(),
        "--packet",
        "000000000000000000000000080045000014",
        "--engine",
        "all",
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(
        err.contains("nfp not run: refused:") && err.contains("not supported"),
        "{err}"
    );
    let o = run(&[
        "run",
        p.to_str().unwrap(),
        "--packet",
        "000000000000000000000000080045000014",
        "--engine",
        "nfp",
    ]);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn disasm_for_the_nfp_shows_each_instruction_and_its_nfp_code() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let o = run(&[
        "disasm",
        root.join("examples/drop_tcp80.s").to_str().unwrap(),
        "--target",
        "nfp",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let text = stdout(&o);
    assert!(
        text.contains("alu[gprAB_") && text.contains("outro:"),
        "{text}"
    );
    assert!(text.contains("mem[read"), "{text}");
}
