//! Shared by the benches: the benchmark programs, and a minimal loader for the kernel's own JIT
//! (`bpf(2)`: BPF_MAP_CREATE, BPF_PROG_LOAD, BPF_PROG_TEST_RUN with `repeat`), so that both
//! JITs run the same programs on the same packets in the same process.
#![allow(dead_code)]

use ir::insn::{Insn, LdImm64Src};
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

const BPF_MAP_CREATE: i64 = 0;
const BPF_PROG_LOAD: i64 = 5;
const BPF_PROG_TEST_RUN: i64 = 10;

fn bpf(cmd: i64, attr: &mut [u8; 160]) -> Result<i64, String> {
    // SAFETY: `attr` is a zero-padded `union bpf_attr` image larger than every command reads.
    let r = unsafe { libc::syscall(libc::SYS_bpf, cmd, attr.as_mut_ptr(), attr.len() as u32) };
    if r < 0 {
        Err(std::io::Error::last_os_error().to_string())
    } else {
        Ok(r)
    }
}

fn put32(a: &mut [u8; 160], off: usize, v: u32) {
    a[off..off + 4].copy_from_slice(&v.to_le_bytes());
}

fn put64(a: &mut [u8; 160], off: usize, v: u64) {
    a[off..off + 8].copy_from_slice(&v.to_le_bytes());
}

/// A program loaded into the kernel (and JITed by it), with its maps.
pub struct KernelProg {
    fd: i32,
    maps: Vec<i32>,
}

impl Drop for KernelProg {
    fn drop(&mut self) {
        // SAFETY: closing descriptors this value owns.
        unsafe {
            libc::close(self.fd);
            for m in &self.maps {
                libc::close(*m);
            }
        }
    }
}

impl KernelProg {
    /// Create the maps, patch their fds into the LD_IMM64s and load the program.
    pub fn load(prog: &Program) -> Result<KernelProg, String> {
        let mut maps = Vec::new();
        for m in &prog.maps {
            let mut a = [0u8; 160];
            put32(&mut a, 0, m.map_type.kernel_id());
            put32(&mut a, 4, m.key_size);
            put32(&mut a, 8, m.value_size);
            put32(&mut a, 12, m.max_entries);
            put32(&mut a, 16, m.flags);
            maps.push(
                bpf(BPF_MAP_CREATE, &mut a).map_err(|e| format!("map {}: {e}", m.name))? as i32,
            );
        }
        let mut kp = KernelProg { fd: -1, maps };
        let mut bytes = prog.to_bytes().expect("encodable");
        for (pc, insn) in prog.insns.iter().enumerate() {
            if let Insn::LdImm64 { src, imm, .. } = insn {
                if src.is_map() {
                    let fd = *kp
                        .maps
                        .get((*imm & 0xffff_ffff) as usize)
                        .ok_or("bad map index")?;
                    let pseudo = match src {
                        LdImm64Src::MapValue | LdImm64Src::MapIdxValue => 2u8,
                        _ => 1u8,
                    };
                    let o = pc * 8;
                    bytes[o + 1] = (bytes[o + 1] & 0x0f) | (pseudo << 4);
                    bytes[o + 4..o + 8].copy_from_slice(&fd.to_le_bytes());
                }
            }
        }
        let license = b"GPL\0";
        let mut log = vec![0u8; 1 << 20];
        let mut a = [0u8; 160];
        put32(&mut a, 0, prog.prog_type.kernel_id());
        put32(&mut a, 4, (bytes.len() / 8) as u32);
        put64(&mut a, 8, bytes.as_ptr() as u64);
        put64(&mut a, 16, license.as_ptr() as u64);
        // First without a log (a big program's log overflows any buffer), then with one.
        let first = bpf(BPF_PROG_LOAD, &mut a);
        let result = match first {
            Ok(fd) => Ok(fd),
            Err(_) => {
                put32(&mut a, 24, 1);
                put32(&mut a, 28, log.len() as u32);
                put64(&mut a, 32, log.as_mut_ptr() as u64);
                bpf(BPF_PROG_LOAD, &mut a)
            }
        };
        match result {
            Ok(fd) => {
                kp.fd = fd as i32;
                Ok(kp)
            }
            Err(e) => {
                let end = log.iter().position(|b| *b == 0).unwrap_or(log.len());
                Err(format!("{e}\n{}", String::from_utf8_lossy(&log[..end])))
            }
        }
    }

    /// BPF_PROG_TEST_RUN: run `repeat` times on `packet`; (r0, average ns per run).
    pub fn test_run(&self, packet: &[u8], repeat: u32) -> Result<(u32, u32), String> {
        let mut out = vec![0u8; packet.len() + 256];
        let mut a = [0u8; 160];
        put32(&mut a, 0, self.fd as u32);
        put32(&mut a, 8, packet.len() as u32);
        put32(&mut a, 12, out.len() as u32);
        put64(&mut a, 16, packet.as_ptr() as u64);
        put64(&mut a, 24, out.as_mut_ptr() as u64);
        put32(&mut a, 32, repeat);
        bpf(BPF_PROG_TEST_RUN, &mut a)?;
        let retval = u32::from_le_bytes([a[4], a[5], a[6], a[7]]);
        let duration = u32::from_le_bytes([a[36], a[37], a[38], a[39]]);
        Ok((retval, duration))
    }
}
