//! Ahead-of-time RV64 objects linked with a C harness by `riscv64-linux-gnu-gcc` and run under
//! `qemu-riscv64`: every corpus program that needs no helper and no map gives the interpreter's
//! r0 on every case packet. Code built with Zba/Zbb runs on qemu's default CPU and fails
//! (SIGILL) on `-cpu rv64,zba=false,zbb=false` exactly when it uses them; code built without
//! them passes there.

use ir::insn::Insn;
use ir::interp::{run, Input};
use ir::runtime::Runtime;
use jit::riscv64::encode::Ext;
use jit::riscv64::{aot, compile, Extensions, HelperAbi, Options};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

const GCC: &str = "riscv64-linux-gnu-gcc";
const QEMU: &str = "qemu-riscv64";

/// Reads packets as hex lines on stdin; prints the program's r0 per packet in hex.
const HARNESS: &str = r#"
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <stdlib.h>
#include "prog.h"

static uint64_t unknown_helper(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e) {
    (void)a; (void)b; (void)c; (void)d; (void)e;
    fprintf(stderr, "helper called\n");
    exit(3);
}
static const bpf_rv64_helper helpers[1] = { unknown_helper };
static uint8_t frame[256 + 4096];
static char line[2 * 4096 + 8];

int main(void) {
    struct bpf_rv64_env *env = calloc(1, sizeof(struct bpf_rv64_env) + 16);
    env->helpers = helpers;
    env->helper_count = 1;
    while (fgets(line, sizeof line, stdin)) {
        size_t n = strlen(line) / 2, i;
        memset(frame, 0, sizeof frame);
        for (i = 0; i < n && i < 4096; i++) {
            unsigned v;
            if (sscanf(line + 2 * i, "%2x", &v) != 1) break;
            frame[256 + i] = (uint8_t)v;
        }
        env->data = (uint64_t)(uintptr_t)(frame + 256);
        env->data_end = env->data + i;
        env->data_meta = env->data;
        printf("%llx\n", (unsigned long long)prog(env, 0, env));
    }
    return 0;
}
"#;

fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Link `object` with the harness into `dir/name`.
fn link(dir: &Path, name: &str, object: &[u8], header: &str) -> Result<std::path::PathBuf, String> {
    std::fs::write(dir.join("prog.h"), header).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("harness.c"), HARNESS).map_err(|e| e.to_string())?;
    let obj = dir.join(format!("{name}.o"));
    std::fs::write(&obj, object).map_err(|e| e.to_string())?;
    let exe = dir.join(name);
    let out = Command::new(GCC)
        .args(["-static", "-O1", "-o"])
        .arg(&exe)
        .arg(dir.join("harness.c"))
        .arg(&obj)
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!("{GCC}: {}", String::from_utf8_lossy(&out.stderr)));
    }
    Ok(exe)
}

/// Run `exe` under qemu (with `cpu`, if given) on `packets`: r0 per packet, or the failure.
fn qemu(exe: &Path, cpu: Option<&str>, packets: &[Vec<u8>]) -> Result<Vec<u64>, String> {
    let mut cmd = Command::new(QEMU);
    if let Some(c) = cpu {
        cmd.args(["-cpu", c]);
    }
    let mut child = cmd
        .arg(exe)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    let input: String = packets
        .iter()
        .map(|p| p.iter().map(|b| format!("{b:02x}")).collect::<String>() + "\n")
        .collect();
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(input.as_bytes())
            .map_err(|e| e.to_string())?;
    }
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!("qemu exit {:?}", out.status));
    }
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| u64::from_str_radix(l.trim(), 16).map_err(|e| e.to_string()))
        .collect()
}

#[test]
fn corpus_objects_under_qemu_agree_with_interpreter() {
    if !have(GCC) || !have(QEMU) {
        testkit::oracle::skip(
            "corpus_objects_under_qemu_agree_with_interpreter",
            format!("{GCC} or {QEMU} is not installed"),
        );
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let entries = testkit::corpus::load_all().expect("corpus");
    let mut failures = Vec::new();
    let (mut programs, mut runs, mut sigill_checked) = (0, 0, 0);
    for e in &entries {
        let Ok(prog) = ir::asm::assemble(&e.source) else {
            continue;
        };
        let needs_runtime = prog.insns.iter().any(|i| {
            matches!(
                i,
                Insn::Call(_) | Insn::CallX { .. } | Insn::LdAbs { .. } | Insn::LdInd { .. }
            ) || matches!(i, Insn::LdImm64 { src, .. } if src.is_map())
        });
        if needs_runtime || e.cases.is_empty() {
            continue;
        }
        let Ok(v) = offload::verify(
            &prog,
            &offload::Capabilities::kernel(),
            &offload::Options::default(),
        ) else {
            continue;
        };
        let packets: Vec<Vec<u8>> = e.cases.iter().map(|c| c.packet.clone()).collect();
        let want: Vec<u64> = packets
            .iter()
            .map(|p| {
                run(
                    &prog,
                    &mut Runtime::new(&prog),
                    &Input::Packet(p.clone()),
                    1_000_000,
                )
                .map(|o| o.r0)
                .unwrap_or(u64::MAX)
            })
            .collect();
        for ext in [
            Extensions::base(),
            Extensions::rv64imac(),
            Extensions::all(),
        ] {
            let opts = Options {
                ext,
                helpers: HelperAbi::Table,
            };
            let rp = match compile(&v, &opts) {
                Ok(rp) => rp,
                // Context fields other than the packet pointers have no AOT form.
                Err(_) => continue,
            };
            let object = aot::object(&rp, "prog").expect("object");
            let header = aot::header("prog", prog.maps.len(), ext);
            let name = format!("p{programs}_{ext}");
            let exe = match link(dir.path(), &name, &object, &header) {
                Ok(x) => x,
                Err(err) => {
                    failures.push(format!("{} ({ext}): {err}", e.name));
                    continue;
                }
            };
            programs += 1;
            runs += packets.len();
            match qemu(&exe, None, &packets) {
                Ok(got) if got == want => {}
                Ok(got) => failures.push(format!(
                    "{} ({ext}): qemu {got:x?}, interp {want:x?}",
                    e.name
                )),
                Err(err) => failures.push(format!("{} ({ext}): {err}", e.name)),
            }
            // Without Zba/Zbb: code that uses them must fail, code that does not must pass.
            let uses_zb = rp.placed().iter().any(|p| p.inst.ext() != Ext::Base);
            let r = qemu(&exe, Some("rv64,zba=false,zbb=false"), &packets);
            sigill_checked += 1;
            match (uses_zb, r) {
                (true, Ok(_)) => failures.push(format!(
                    "{} ({ext}): uses Zba/Zbb yet ran on a CPU without them",
                    e.name
                )),
                (false, Ok(got)) if got != want => failures.push(format!(
                    "{} ({ext}): without Zba/Zbb qemu {got:x?}, interp {want:x?}",
                    e.name
                )),
                (false, Err(err)) => failures.push(format!(
                    "{} ({ext}): base code failed without Zba/Zbb: {err}",
                    e.name
                )),
                _ => {}
            }
        }
    }
    println!(
        "{programs} objects, {runs} packets under qemu, {sigill_checked} runs without Zba/Zbb"
    );
    assert!(programs > 0, "no corpus program was compiled to an object");
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
