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
        testkit::oracle::skip(test, "needs root");
        return true;
    }
    for t in tools {
        if Command::new(t).arg("-V").output().is_err()
            && Command::new(t).arg("--version").output().is_err()
        {
            testkit::oracle::skip(test, format_args!("{t} not found"));
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

/// Two network namespaces joined by a veth pair, removed on drop.
struct Netns {
    names: [String; 2],
}

impl Drop for Netns {
    fn drop(&mut self) {
        for n in &self.names {
            let _ = run("ip", &["netns", "del", n]);
        }
    }
}

#[test]
fn ip_link_attaches_our_xdp_object_and_it_drops_what_it_says() {
    let test = "ip_link_attaches_our_xdp_object_and_it_drops_what_it_says";
    if missing(test, &["ip", "ping"]) {
        return;
    }
    let id = std::process::id();
    let ns = Netns {
        names: [format!("bpfoffa{id}"), format!("bpfoffb{id}")],
    };
    let (a, b) = (ns.names[0].as_str(), ns.names[1].as_str());
    let setup = || -> Result<(), String> {
        run("ip", &["netns", "add", a])?;
        run("ip", &["netns", "add", b])?;
        run(
            "ip",
            &[
                "-n", a, "link", "add", "va", "type", "veth", "peer", "name", "vb", "netns", b,
            ],
        )?;
        run("ip", &["-n", a, "addr", "add", "10.77.0.1/24", "dev", "va"])?;
        run("ip", &["-n", b, "addr", "add", "10.77.0.2/24", "dev", "vb"])?;
        run("ip", &["-n", a, "link", "set", "va", "up"])?;
        run("ip", &["-n", b, "link", "set", "vb", "up"])?;
        Ok(())
    };
    if let Err(e) = setup() {
        testkit::oracle::skip(
            test,
            format_args!("cannot build a veth pair between network namespaces: {e}"),
        );
        return;
    }
    // Echo requests from namespace a to b's address cross the veth pair into vb.
    let ping = || {
        Command::new("ip")
            .args([
                "netns",
                "exec",
                a,
                "ping",
                "-c",
                "3",
                "-i",
                "0.2",
                "-W",
                "1",
                "10.77.0.2",
            ])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    };
    let attach = |name: &str| {
        let obj = our_object(name);
        run(
            "ip",
            &[
                "-n",
                b,
                "link",
                "set",
                "dev",
                "vb",
                "xdp",
                "obj",
                obj.to_str().unwrap(),
                "sec",
                "xdp",
            ],
        )
        .unwrap_or_else(|e| panic!("attach {name}: {e}"));
    };
    let detach = || run("ip", &["-n", b, "link", "set", "dev", "vb", "xdp", "off"]).unwrap();

    attach("xdp_pass");
    let passed = ping();
    detach();
    // Drop-IPv4 on vb: ARP still resolves, the ICMP echo requests are dropped.
    attach("xdp_drop_ipv4");
    let dropped = !ping();
    detach();
    assert!(passed, "ping failed with the pass-all program attached");
    assert!(dropped, "ping got through a program that drops IPv4");
}
