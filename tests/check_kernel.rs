//! `bpf-offload check --target kernel`: the real binary on assembly files in a scratch folder.
//! Exit 0 accepted, 1 rejected (the kernel's words, the instruction, the source line), 2 bad input.

use std::process::{Command, Output};

fn check(src: &str, extra: &[&str]) -> Output {
    let dir = tempfile::tempdir().expect("scratch dir");
    let path = dir.path().join("prog.s");
    std::fs::write(&path, src).expect("write");
    let mut args = vec!["check".to_string(), path.display().to_string()];
    args.extend(extra.iter().map(|s| s.to_string()));
    Command::new(env!("CARGO_BIN_EXE_bpf-offload"))
        .args(&args)
        .output()
        .expect("spawn")
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

const GOOD: &str = ".section xdp\nr2 = *(u32 *)(r1 + 4)\nr1 = *(u32 *)(r1 + 0)\nr0 = 2\nr3 = r1\nr3 += 14\nif r3 > r2 goto +1\nr0 = *(u16 *)(r1 + 12)\nexit\n";
const BAD: &str = ".section xdp\nr2 = *(u32 *)(r1 + 4)\nr1 = *(u32 *)(r1 + 0)\nr0 = 2\nr3 = r1\nr3 += 13\nif r3 > r2 goto +1\nr0 = *(u16 *)(r1 + 12)\nexit\n";

#[test]
fn accepted_program_exits_0() {
    let o = check(GOOD, &["--target", "kernel"]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
}

#[test]
fn rejected_program_exits_1_with_the_kernels_words() {
    let o = check(BAD, &[]);
    assert_eq!(o.status.code(), Some(1));
    let text = out(&o);
    assert!(
        text.contains("invalid access to packet, off=12 size=2, R1(id=0,off=12,r=13)"),
        "{text}"
    );
    assert!(text.contains("r0 = *(u16 *)(r1 +12)"), "{text}");
}

#[test]
fn json_and_log() {
    let o = check(BAD, &["--json"]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value =
        serde_json::from_str(out(&o).lines().next().unwrap_or("")).expect("json");
    let text = v.to_string();
    assert!(text.contains("safety.packet.out_of_range"), "{text}");
    let o = check(GOOD, &["--log"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(out(&o).contains("0: R1=ctx() R10=fp0"), "{}", out(&o));
}

#[test]
fn unprivileged_flag() {
    let looped = ".section xdp\nr0 = 0\nl:\nr0 += 1\nif r0 < 4 goto l\nexit\n";
    assert_eq!(check(looped, &[]).status.code(), Some(0));
    let o = check(looped, &["--unprivileged"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        out(&o).contains("back-edge from insn 2 to 1"),
        "{}",
        out(&o)
    );
}

#[test]
fn bad_input_exits_2() {
    assert_eq!(check("r0 = = 1\n", &[]).status.code(), Some(2));
    assert_eq!(
        check(GOOD, &["--target", "nonesuch"]).status.code(),
        Some(2)
    );
}
