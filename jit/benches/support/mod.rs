//! Shared by the benches: the benchmark programs, and a minimal loader for the kernel's own JIT
//! (`bpf(2)`: BPF_MAP_CREATE, BPF_PROG_LOAD, BPF_PROG_TEST_RUN with `repeat`), so that both
//! JITs run the same programs on the same packets in the same process.
#![allow(dead_code)]

use ir::Program;

/// A benchmark program with the packet it runs on and the r0 it must return.
pub struct Bench {
    pub name: &'static str,
    pub prog: Program,
    pub packet: Vec<u8>,
    pub r0: u64,
}

fn asm(src: &str) -> Program {
    ir::asm::assemble(src).unwrap_or_else(|e| panic!("bench program: {e}"))
}

fn packet(spec: &str) -> Vec<u8> {
    testkit::packet::build(spec).unwrap_or_else(|e| panic!("bench packet: {e}"))
}

/// The canonical example's XDP program (drop IPv4 TCP to port 80), from `examples/`.
fn canonical() -> Program {
    let path = testkit::corpus::examples_dir().join("drop_tcp80.s");
    let e = testkit::corpus::load(&path).expect("canonical example");
    asm(&e.source)
}

/// A linear ACL of `rules` exact-match TCP destination ports, none of which matches port 80,
/// so every packet walks the whole chain.
pub fn linear_acl(rules: u32) -> Program {
    let mut s = String::from(
        ".section xdp\n    r2 = *(u32 *)(r1 + 4)\n    r1 = *(u32 *)(r1 + 0)\n    r3 = r1\n    r3 += 54\n    if r3 > r2 goto pass\n    r4 = *(u16 *)(r1 + 12)\n    if r4 != 0x8 goto pass\n    r4 = *(u8 *)(r1 + 23)\n    if r4 != 6 goto pass\n    r4 = *(u16 *)(r1 + 36)\n    r4 = be16 r4\n",
    );
    for i in 0..rules {
        s.push_str(&format!("    if r4 == {} goto drop\n", 1000 + i));
    }
    s.push_str("pass:\n    r0 = 2\n    exit\ndrop:\n    r0 = 1\n    exit\n");
    asm(&s)
}

/// FNV-1a (32-bit) over the first 64 bytes of the packet.
fn fnv64() -> Program {
    asm(include_str!("../../../testkit/bench/fnv64.s"))
}

/// 1,000 iterations of 8 ALU and branch instructions (`bpf-offload bench`'s alu-loop): the
/// loop-carried chain add, xor, shift, sub, multiply by 7.
fn alu_loop() -> Program {
    asm(include_str!("../../../testkit/bench/alu_loop.s"))
}

/// Per packet: look the IPv4 source up in a hash blocklist, then count the packet in an array.
fn map_heavy() -> Program {
    asm(".section xdp
.map blocked type=hash key=4 value=4 entries=1024
.map counters type=array key=4 value=8 entries=4
    r6 = r1
    r2 = *(u32 *)(r6 + 4)
    r1 = *(u32 *)(r6 + 0)
    r3 = r1
    r3 += 34
    if r3 > r2 goto pass
    r4 = *(u32 *)(r1 + 26)
    *(u32 *)(r10 - 4) = r4
    r1 = map[blocked] ll
    r2 = r10
    r2 += -4
    call bpf_map_lookup_elem
    r7 = 2
    if r0 == 0 goto count
    r7 = 1
count:
    *(u32 *)(r10 - 8) = r7
    r1 = map[counters] ll
    r2 = r10
    r2 += -8
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = 1
    lock *(u64 *)(r0 + 0) += r1
out:
    r0 = r7
    exit
pass:
    r0 = 2
    exit
")
}

/// A packet parser: Ethernet, optional VLAN, IPv4 or IPv6, returns the L4 protocol.
fn parser() -> Program {
    asm(".section xdp
    r2 = *(u32 *)(r1 + 4)
    r1 = *(u32 *)(r1 + 0)
    r0 = 0
    r3 = r1
    r3 += 14
    if r3 > r2 goto out
    r4 = *(u16 *)(r1 + 12)
    r4 = be16 r4
    if r4 != 0x8100 goto l3
    r3 = r1
    r3 += 18
    if r3 > r2 goto out
    r4 = *(u16 *)(r1 + 16)
    r4 = be16 r4
    r1 += 4
l3:
    if r4 == 0x800 goto ipv4
    if r4 == 0x86dd goto ipv6
    goto out
ipv4:
    r3 = r1
    r3 += 34
    if r3 > r2 goto out
    r5 = *(u8 *)(r1 + 14)
    r5 &= 15
    if r5 < 5 goto out
    r0 = *(u8 *)(r1 + 23)
    goto out
ipv6:
    r3 = r1
    r3 += 54
    if r3 > r2 goto out
    r0 = *(u8 *)(r1 + 20)
out:
    exit
")
}

/// Returns at once: measures each harness's per-run overhead.
fn empty() -> Program {
    asm(".section xdp\n    r0 = 2\n    exit\n")
}

/// The programs of issue #8, plus the empty one.
pub fn benches() -> Vec<Bench> {
    let tcp80 = packet("eth ipv4 tcp/dport=80");
    let long = packet("eth ipv4 tcp/dport=80 pad=64");
    vec![
        Bench {
            name: "empty",
            prog: empty(),
            packet: tcp80.clone(),
            r0: 2,
        },
        Bench {
            name: "canonical_tcp80",
            prog: canonical(),
            packet: tcp80.clone(),
            r0: 1,
        },
        Bench {
            name: "parser",
            prog: parser(),
            packet: tcp80.clone(),
            r0: 6,
        },
        Bench {
            name: "acl_1000_linear",
            prog: linear_acl(1000),
            packet: tcp80.clone(),
            r0: 2,
        },
        Bench {
            name: "fnv_64_loop",
            prog: fnv64(),
            packet: long,
            r0: 0,
        },
        Bench {
            name: "alu_loop_1000",
            prog: alu_loop(),
            packet: tcp80.clone(),
            r0: 0,
        },
        Bench {
            name: "map_heavy",
            prog: map_heavy(),
            packet: tcp80,
            r0: 2,
        },
    ]
}

// ---- the kernel ---------------------------------------------------------------------------

/// A program loaded into the kernel (the one loader, `testkit::kernel`).
#[allow(unused_imports)]
pub use testkit::kernel::Loaded as KernelProg;
