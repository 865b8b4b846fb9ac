//! Our ELF output in the real ecosystem: `bpftool prog load` loads it (libbpf, maps included)
//! and `ip link set dev VETH xdp obj OUT.o sec xdp` attaches it in a throwaway network
//! namespace, where a packet sent through the veth pair is dropped or passed as the program
//! says. Needs root, bpftool, iproute2 and clang; prints SKIP otherwise.

#[path = "c/compile.rs"]
mod compile;

use std::path::{Path, PathBuf};
use std::process::Command;

fn run(cmd: &str, args: &[&str]) -> Result<String, String> {
    let out = Command::new(cmd)
        .args(args)
        .output()
        .map_err(|e| format!("{cmd}: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!(
            "{cmd} {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

fn missing(test: &str, tools: &[&str]) -> bool {
    // Effective uid from /proc/self/status ("Uid: real effective saved fs").
    let root = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .map(|l| l.split_whitespace().nth(2) == Some("0"))
        })
        .unwrap_or(false);
    if !root {
        println!("SKIP {test}: needs root");
        return true;
    }
    for t in tools {
        if Command::new(t).arg("-V").output().is_err()
            && Command::new(t).arg("--version").output().is_err()
        {
            println!("SKIP {test}: {t} not found");
            return true;
        }
    }
    !compile::have_clang(test)
}

/// Our rewrite of a clang-compiled program, written to a file.
fn our_object(name: &str) -> PathBuf {
    let obj = ir::elf::read_object(&compile::compile(name)).expect("read");
    let bytes = ir::elf::write_object(&obj.programs).expect("write");
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}.ours.o"));
    std::fs::write(&path, bytes).expect("write object");
    path
}

#[test]
fn bpftool_loads_our_objects_with_their_maps() {
    let test = "bpftool_loads_our_objects_with_their_maps";
    if missing(test, &["bpftool"]) {
        return;
    }
    if !Path::new("/sys/fs/bpf").exists() || run("mountpoint", &["-q", "/sys/fs/bpf"]).is_err() {
        let _ = run("mount", &["-t", "bpf", "bpf", "/sys/fs/bpf"]);
    }
    for name in [
        "xdp_count_proto",
        "xdp_global_data",
        "xdp_bpf2bpf",
        "tc_drop_tcp80",
    ] {
        let path = our_object(name);
        let pin = format!("/sys/fs/bpf/bpf_offload_test_{}_{name}", std::process::id());
        let loaded = run("bpftool", &["prog", "load", path.to_str().unwrap(), &pin]);
        let shown = loaded
            .as_ref()
            .ok()
            .map(|_| run("bpftool", &["prog", "show", "pinned", &pin]));
        let _ = std::fs::remove_file(&pin);
        loaded.unwrap_or_else(|e| panic!("{name}: {e}"));
        let shown = shown.unwrap().unwrap();
        if name == "xdp_count_proto" {
            // proto_count, .rodata and .bss were created and bound.
            let ids = shown.split("map_ids").nth(1).unwrap_or("").trim();
            assert_eq!(ids.split(',').count(), 3, "{shown}");
        }
    }
}

/// A network namespace and veth pair, removed on drop.
struct Netns {
    name: String,
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = run("ip", &["netns", "del", &self.name]);
    }
}

/// Count of packets received on `dev` inside `ns` (from /sys via `ip -s`).
fn rx_packets(ns: &str, dev: &str) -> u64 {
    let out = run("ip", &["-n", ns, "-s", "-j", "link", "show", dev]).unwrap_or_default();
    out.split("\"rx\":{")
        .nth(1)
        .and_then(|s| s.split("\"packets\":").nth(1))
        .and_then(|s| s.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

#[test]
fn ip_link_attaches_our_xdp_object_and_it_drops_what_it_says() {
    let test = "ip_link_attaches_our_xdp_object_and_it_drops_what_it_says";
    if missing(test, &["ip", "ping"]) {
        return;
    }
    let ns = Netns {
        name: format!("bpfoff{}", std::process::id()),
    };
    let n = ns.name.as_str();
    let setup = || -> Result<(), String> {
        run("ip", &["netns", "add", n])?;
        run(
            "ip",
            &[
                "-n", n, "link", "add", "va", "type", "veth", "peer", "name", "vb",
            ],
        )?;
        run("ip", &["-n", n, "addr", "add", "10.77.0.1/24", "dev", "va"])?;
        run("ip", &["-n", n, "addr", "add", "10.77.0.2/24", "dev", "vb"])?;
        run("ip", &["-n", n, "link", "set", "va", "up"])?;
        run("ip", &["-n", n, "link", "set", "vb", "up"])?;
        run("ip", &["-n", n, "link", "set", "lo", "up"])?;
        Ok(())
    };
    if let Err(e) = setup() {
        println!("SKIP {test}: cannot build a veth pair in a network namespace: {e}");
        return;
    }
    // Ping across the pair through distinct interfaces (ping from va's address to vb's).
    let ping = || {
        Command::new("ip")
            .args([
                "netns",
                "exec",
                n,
                "ping",
                "-c",
                "2",
                "-i",
                "0.2",
                "-W",
                "1",
                "-I",
                "va",
                "10.77.0.2",
            ])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    };
    // Pass-all: traffic flows.
    let pass = our_object("xdp_pass");
    run(
        "ip",
        &[
            "-n",
            n,
            "link",
            "set",
            "dev",
            "vb",
            "xdp",
            "obj",
            pass.to_str().unwrap(),
            "sec",
            "xdp",
        ],
    )
    .unwrap();
    let before = rx_packets(n, "vb");
    let passed = ping();
    assert!(passed, "ping failed with the pass-all program attached");
    let after_pass = rx_packets(n, "vb");
    run("ip", &["-n", n, "link", "set", "dev", "vb", "xdp", "off"]).unwrap();
    // Drop-IPv4 on vb: ARP still resolves, the ICMP echo requests are dropped.
    let drop = our_object("xdp_drop_ipv4");
    run(
        "ip",
        &[
            "-n",
            n,
            "link",
            "set",
            "dev",
            "vb",
            "xdp",
            "obj",
            drop.to_str().unwrap(),
            "sec",
            "xdp",
        ],
    )
    .unwrap();
    let dropped_ping = ping();
    run("ip", &["-n", n, "link", "set", "dev", "vb", "xdp", "off"]).unwrap();
    assert!(
        after_pass > before,
        "no packet reached vb with the pass program"
    );
    assert!(!dropped_ping, "ping got through a program that drops IPv4");
}
