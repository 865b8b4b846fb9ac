//! The riscv64 engine through the binary: `run --engine riscv64` (alone and in `all`, where
//! every engine must agree), `--riscv-ext`, `disasm --target riscv64`; without the `riscv`
//! feature, the engine says how to enable it.

use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_bpf-offload"))
}

fn write_prog(dir: &tempfile::TempDir) -> std::path::PathBuf {
    // Drop IPv4 TCP to port 80, pass the rest.
    let path = dir.path().join("port80.s");
    std::fs::write(
        &path,
        ".section xdp\n\
         r2 = *(u32 *)(r1 + 4)\n\
         r1 = *(u32 *)(r1 + 0)\n\
         r3 = r1\n\
         r3 += 38\n\
         if r3 > r2 goto pass\n\
         r4 = *(u16 *)(r1 + 12)\n\
         if r4 != 0x8 goto pass\n\
         r4 = *(u8 *)(r1 + 23)\n\
         if r4 != 6 goto pass\n\
         r4 = *(u16 *)(r1 + 36)\n\
         r4 = be16 r4\n\
         if r4 != 80 goto pass\n\
         r0 = 1\n\
         exit\n\
         pass:\n\
         r0 = 2\n\
         exit\n",
    )
    .expect("write program");
    path
}

/// An IPv4 TCP frame to `dport`.
fn frame(dport: u16) -> String {
    let mut f = [0u8; 60];
    f[12] = 0x08;
    f[14] = 0x45;
    f[23] = 6;
    f[36..38].copy_from_slice(&dport.to_be_bytes());
    f.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(feature = "riscv")]
#[test]
fn run_riscv64_agrees_with_every_engine() {
    let dir = tempfile::tempdir().expect("tempdir");
    let prog = write_prog(&dir);
    for (port, action) in [(80u16, "drop"), (443, "pass")] {
        for ext in ["none", "c", "c,zba,zbb"] {
            let out = bin()
                .arg("run")
                .arg(&prog)
                .args(["--engine", "riscv64", "--riscv-ext", ext, "--packet"])
                .arg(frame(port))
                .output()
                .expect("run");
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(
                out.status.success(),
                "{ext}: {text}{}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(
                text.contains(&format!("action: {action}")),
                "{ext} port {port}: {text}"
            );
        }
        let out = bin()
            .arg("run")
            .arg(&prog)
            .args(["--engine", "all", "--packet"])
            .arg(frame(port))
            .output()
            .expect("run all");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "all: {text}");
        assert!(
            text.contains("riscv64"),
            "riscv64 missing from --engine all: {text}"
        );
    }
    let out = bin()
        .arg("disasm")
        .arg(&prog)
        .args(["--target", "riscv64", "--riscv-ext", "all"])
        .output()
        .expect("disasm");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("rev8"),
        "be16 with Zbb is rev8 + srli: {text}"
    );
}

#[cfg(not(feature = "riscv"))]
#[test]
fn riscv64_engine_says_how_to_enable_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let prog = write_prog(&dir);
    let out = bin()
        .arg("run")
        .arg(&prog)
        .args(["--engine", "riscv64", "--packet"])
        .arg(frame(80))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--features riscv"), "{err}");
}

#[test]
fn disasm_riscv64_needs_no_emulator() {
    let dir = tempfile::tempdir().expect("tempdir");
    let prog = write_prog(&dir);
    let out = bin()
        .arg("disasm")
        .arg(&prog)
        .args(["--target", "riscv64"])
        .output()
        .expect("disasm");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("rv64imac"), "{text}");
}

#[test]
fn build_target_riscv64_writes_object_and_header() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("drop80.o");
    let run = bin()
        .args([
            "build",
            "--from",
            "iptables",
            "-A INPUT -p tcp --dport 80 -j DROP",
        ])
        .args(["--target", "riscv64", "--riscv-ext", "c,zbb", "-o"])
        .arg(&out)
        .output()
        .expect("build");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let elf = std::fs::read(&out).expect("object");
    assert_eq!(&elf[..4], b"\x7fELF");
    assert_eq!(u16::from_le_bytes([elf[18], elf[19]]), 243, "EM_RISCV");
    let header = std::fs::read_to_string(dir.path().join("drop80.h")).expect("header");
    assert!(header.contains("uint64_t drop80(void *ctx, uint64_t r2, struct bpf_rv64_env *env);"));
    let x86 = bin()
        .args([
            "build",
            "--from",
            "iptables",
            "-A INPUT -p tcp --dport 80 -j DROP",
        ])
        .args(["--target", "x86_64", "-o"])
        .arg(dir.path().join("x.o"))
        .output()
        .expect("build");
    assert_eq!(x86.status.code(), Some(2));
}
