//! The C output compiles with Debian's clang for the BPF target (SKIP without clang), for a
//! sample of the oracle expressions on both hooks.

mod common;

use common::exprs::expressions;
use frontend::c::to_c;
use frontend::lower::Hook;
use frontend::pcap;
use frontend::ruleset::Action;
use std::process::Command;

#[test]
fn c_output_compiles_with_clang() {
    if Command::new("clang").arg("--version").output().is_err() {
        println!("SKIP c_output_compiles_with_clang: clang not installed");
        return;
    }
    let dir = common::scratch("c");
    let mut failures = Vec::new();
    let exprs = expressions();
    let mut compiled = 0;
    for (n, e) in exprs.iter().enumerate().step_by(9) {
        let Ok(rs) = pcap::compile(e, Action::Drop, Action::Pass) else {
            continue;
        };
        let hook = if n % 2 == 0 { Hook::Xdp } else { Hook::Tc };
        let src = dir.join(format!("f{n}.c"));
        std::fs::write(&src, to_c(&rs, hook)).expect("write C");
        let out = Command::new("clang")
            .args(["-O2", "-target", "bpf", "-c", "-Wno-unused-label", "-o"])
            .arg(dir.join(format!("f{n}.o")))
            .arg(&src)
            .output()
            .expect("run clang");
        compiled += 1;
        if !out.status.success() {
            failures.push(format!("{e:?}: {}", String::from_utf8_lossy(&out.stderr)));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    println!("{compiled} C programs compiled");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
