//! Shared by the `elf_*` and `kernel_*` tests: compile the C programs of `tests/c/` with clang,
//! read their `// TEST <packet> <r0>` lines, and build the named test packets.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// Directory of the C sources.
pub fn c_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/c")
}

/// Every C program of `tests/c/`, sorted by name (without `.c`).
pub fn programs() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(c_dir())
        .map(|d| {
            d.filter_map(|e| e.ok())
                .filter_map(|e| e.file_name().into_string().ok())
                .filter_map(|n| n.strip_suffix(".c").map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// Whether clang with the BPF target is installed; prints the SKIP line when not.
pub fn have_clang(test: &str) -> bool {
    let ok = Command::new("clang")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        testkit::oracle::skip(test, "clang not found (apt-get install clang)");
    }
    ok
}

/// Compile `tests/c/NAME.c` with `clang -target bpf -O2 -g`; the object's bytes.
pub fn compile(name: &str) -> Vec<u8> {
    let out_dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("c");
    std::fs::create_dir_all(&out_dir).expect("create output dir");
    let out = out_dir.join(format!("{name}.o"));
    let src = c_dir().join(format!("{name}.c"));
    let status = Command::new("clang")
        .args(["-target", "bpf", "-O2", "-g", "-Wall", "-Werror", "-c"])
        .arg(&src)
        .arg("-o")
        .arg(&out)
        .status()
        .expect("run clang");
    assert!(status.success(), "clang failed on {}", src.display());
    std::fs::read(&out).expect("read object")
}

/// `(packet name, expected r0)` of each `// TEST` line; `None` when the line says `?` (the
/// result is only compared between engines).
pub fn cases(name: &str) -> Vec<(String, Option<u64>)> {
    let text = std::fs::read_to_string(c_dir().join(format!("{name}.c"))).unwrap_or_default();
    text.lines()
        .filter_map(|l| l.trim().strip_prefix("// TEST "))
        .filter_map(|rest| {
            let mut it = rest.split_whitespace();
            let packet = it.next()?.to_string();
            let expect = it.next()?.parse().ok();
            Some((packet, expect))
        })
        .collect()
}

fn eth(proto: u16) -> Vec<u8> {
    let mut p = vec![0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0x02];
    p.extend_from_slice(&proto.to_be_bytes());
    p
}

fn ipv4(proto: u8, payload_len: usize, options: usize) -> Vec<u8> {
    let ihl = 5 + options / 4;
    let total = (ihl * 4 + payload_len) as u16;
    let mut h = vec![0x40 | ihl as u8, 0];
    h.extend_from_slice(&total.to_be_bytes());
    h.extend_from_slice(&[0x12, 0x34, 0x40, 0x00, 64, proto, 0, 0]);
    h.extend_from_slice(&[10, 0, 0, 1, 10, 0, 0, 2]);
    h.extend(std::iter::repeat_n(1u8, options)); // NOP options
    let mut sum: u32 = h
        .chunks(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]) as u32)
        .sum();
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    let check = !(sum as u16);
    h[10..12].copy_from_slice(&check.to_be_bytes());
    h
}

fn tcp(dport: u16) -> Vec<u8> {
    let mut t = Vec::new();
    t.extend_from_slice(&40000u16.to_be_bytes());
    t.extend_from_slice(&dport.to_be_bytes());
    t.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0]);
    t
}

fn udp(dport: u16, payload: usize) -> Vec<u8> {
    let mut u = Vec::new();
    u.extend_from_slice(&5353u16.to_be_bytes());
    u.extend_from_slice(&dport.to_be_bytes());
    u.extend_from_slice(&((8 + payload) as u16).to_be_bytes());
    u.extend_from_slice(&[0, 0]);
    u
}

/// A named test packet (Ethernet frame).
pub fn packet(name: &str) -> Vec<u8> {
    let payload: Vec<u8> = (0..16u8).collect();
    match name {
        "tcp80" | "tcp22" => {
            let port = if name == "tcp80" { 80 } else { 22 };
            let mut p = eth(0x0800);
            p.extend(ipv4(6, 20 + payload.len(), 0));
            p.extend(tcp(port));
            p.extend(&payload);
            p
        }
        "tcp80_opts" => {
            let mut p = eth(0x0800);
            p.extend(ipv4(6, 20 + payload.len(), 8));
            p.extend(tcp(80));
            p.extend(&payload);
            p
        }
        "udp53" => {
            let mut p = eth(0x0800);
            p.extend(ipv4(17, 8 + payload.len(), 0));
            p.extend(udp(53, payload.len()));
            p.extend(&payload);
            p
        }
        "vlan_udp" => {
            let mut p = eth(0x8100);
            p.extend_from_slice(&[0x00, 0x2a, 0x08, 0x00]);
            p.extend(ipv4(17, 8 + payload.len(), 0));
            p.extend(udp(53, payload.len()));
            p.extend(&payload);
            p
        }
        "icmp" => {
            let mut p = eth(0x0800);
            p.extend(ipv4(1, 8, 0));
            p.extend_from_slice(&[8, 0, 0xf7, 0xff, 0, 0, 0, 0]);
            p
        }
        "ipv6tcp" => {
            let mut p = eth(0x86dd);
            p.extend_from_slice(&[0x60, 0, 0, 0]);
            p.extend_from_slice(&((20 + payload.len()) as u16).to_be_bytes());
            p.extend_from_slice(&[6, 64]);
            p.extend(std::iter::repeat_n(0xfdu8, 32));
            p.extend(tcp(80));
            p.extend(&payload);
            p
        }
        "arp" => {
            let mut p = eth(0x0806);
            p.extend_from_slice(&[0, 1, 8, 0, 6, 4, 0, 1]);
            p.extend_from_slice(&[0x02, 0, 0, 0, 0, 0x02, 10, 0, 0, 1]);
            p.extend_from_slice(&[0, 0, 0, 0, 0, 0, 10, 0, 0, 2]);
            p
        }
        "runt" => eth(0x0800),
        other => panic!("unknown test packet '{other}'"),
    }
}
