//! Shared test helpers: a deterministic packet corpus that hits each header field's edges, a
//! pcap file writer, and the tcpdump oracle.
#![allow(dead_code)]

pub mod exprs;
pub mod random;

use std::path::{Path, PathBuf};
use std::process::Command;

/// xorshift64*: deterministic, no dependencies.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    pub fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len() as u64) as usize]
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

pub const MACS: [[u8; 6]; 5] = [
    [0x01, 0x02, 0x03, 0x04, 0x05, 0x06],
    [0xff; 6],
    [0x01, 0x00, 0x5e, 0x00, 0x00, 0x01],
    [0x02, 0x00, 0x00, 0x00, 0x00, 0x02],
    [0x00, 0x11, 0x22, 0x33, 0x44, 0x55],
];
pub const V4: [[u8; 4]; 10] = [
    [10, 0, 0, 1],
    [10, 1, 2, 3],
    [192, 168, 1, 1],
    [1, 2, 3, 4],
    [5, 6, 7, 8],
    [224, 0, 0, 1],
    [255, 255, 255, 255],
    [0, 0, 0, 0],
    [172, 16, 5, 4],
    [0, 0, 0, 10],
];
pub const V6: [&str; 6] = [
    "::1",
    "fe80::1",
    "2001:db8::1",
    "ff02::1",
    "2001:db8:1::5",
    "::",
];
pub const PORTS: [u16; 12] = [0, 1, 22, 53, 80, 443, 1023, 1024, 8080, 65535, 100, 5];
pub const VLANS: [u16; 6] = [0, 1, 5, 10, 20, 4095];

fn v6(s: &str) -> [u8; 16] {
    s.parse::<std::net::Ipv6Addr>()
        .map(|a| a.octets())
        .unwrap_or([0; 16])
}

fn l4(rng: &mut Rng, proto: u8) -> Vec<u8> {
    let mut h = Vec::new();
    match proto {
        6 | 17 | 132 => {
            h.extend(rng.pick(&PORTS).to_be_bytes());
            h.extend(rng.pick(&PORTS).to_be_bytes());
            if proto == 6 {
                h.extend((rng.next() as u32).to_be_bytes());
                h.extend((rng.next() as u32).to_be_bytes());
                h.push(0x50);
                h.push(rng.pick(&[0x02, 0x12, 0x10, 0x11, 0x04, 0x18, 0xff, 0x00, 0xc2]));
                h.extend([0x20, 0, 0, 0, 0, 0]);
            } else {
                h.extend([0, 8, 0, 0]);
                if proto == 132 {
                    h.extend([0; 8]);
                }
            }
        }
        1 | 58 => {
            let ty = if proto == 1 {
                rng.pick(&[0, 3, 8, 11, 5, 13])
            } else {
                rng.pick(&[128, 129, 1, 135, 136, 2])
            };
            h.extend([ty, rng.pick(&[0, 1, 3]), 0, 0, 0, 1, 0, 1]);
        }
        _ => h.extend([rng.below(256) as u8; 8]),
    }
    h
}

/// One random frame.
pub fn packet(rng: &mut Rng) -> Vec<u8> {
    let mut p = Vec::new();
    p.extend(rng.pick(&MACS));
    p.extend(rng.pick(&MACS));
    let tags = rng.pick(&[0, 0, 0, 1, 1, 2]);
    for _ in 0..tags {
        p.extend(rng.pick(&[0x8100u16, 0x88a8, 0x9100]).to_be_bytes());
        let tci = (rng.below(8) as u16) << 13 | rng.pick(&VLANS);
        p.extend(tci.to_be_bytes());
    }
    let l3 = rng.pick(&[0u8, 0, 0, 1, 1, 2, 3, 4]);
    match l3 {
        0 => {
            p.extend(0x0800u16.to_be_bytes());
            let ihl = rng.pick(&[5u8, 5, 5, 6, 8]);
            let proto = rng.pick(&[6u8, 6, 17, 17, 1, 132, 2, 51, 47, 112]);
            let mut payload = l4(rng, proto);
            if proto == 51 {
                // AH: next header, length (in 4-byte units minus 2).
                let mut ah = vec![rng.pick(&[6u8, 17]), 4, 0, 0];
                ah.extend([0u8; 20]);
                ah.extend(l4(rng, ah[0]));
                payload = ah;
            }
            let total = (4 * ihl as usize + payload.len()) as u16;
            let frag: u16 = rng.pick(&[0, 0, 0, 0x4000, 0x2000, 0x2001, 0x00b9, 0x1fff]);
            p.push(0x40 | ihl);
            p.push(rng.pick(&[0, 0x10, 0xb8, 0x03]));
            p.extend(total.to_be_bytes());
            p.extend([0x12, 0x34]);
            p.extend(frag.to_be_bytes());
            p.push(rng.pick(&[1, 64, 255, 0]));
            p.push(proto);
            p.extend([0, 0]);
            p.extend(rng.pick(&V4));
            p.extend(rng.pick(&V4));
            for _ in 5..ihl {
                p.extend([1, 1, 1, 0]);
            }
            p.extend(payload);
        }
        1 => {
            p.extend(0x86ddu16.to_be_bytes());
            let final_proto = rng.pick(&[6u8, 6, 17, 58, 132, 59]);
            let chain: Vec<u8> = match rng.below(6) {
                0 | 1 => vec![],
                2 => vec![0],
                3 => vec![44],
                4 => vec![60, 43],
                _ => vec![0, 44],
            };
            let mut ext = Vec::new();
            let mut next_hdrs = chain.clone();
            next_hdrs.push(final_proto);
            for (i, h) in chain.iter().enumerate() {
                let nh = next_hdrs[i + 1];
                if *h == 44 {
                    let off: u16 = rng.pick(&[0, 0x0001, 0x0008, 0x0009]);
                    ext.extend([nh, 0]);
                    ext.extend(off.to_be_bytes());
                    ext.extend([0, 0, 0, 1]);
                } else {
                    let len = rng.below(2) as u8;
                    ext.extend([nh, len]);
                    ext.extend(vec![0u8; 6 + 8 * len as usize]);
                }
            }
            let payload = if final_proto == 59 {
                vec![]
            } else {
                l4(rng, final_proto)
            };
            let first = next_hdrs[0];
            p.extend([0x60 | rng.below(16) as u8, 0, 0, 0]);
            p.extend(((ext.len() + payload.len()) as u16).to_be_bytes());
            p.push(first);
            p.push(rng.pick(&[1, 64, 255]));
            p.extend(v6(rng.pick(&V6)));
            p.extend(v6(rng.pick(&V6)));
            p.extend(ext);
            p.extend(payload);
        }
        2 | 3 => {
            let et: u16 = if l3 == 2 { 0x0806 } else { 0x8035 };
            p.extend(et.to_be_bytes());
            p.extend([0, 1, 8, 0, 6, 4, 0, rng.pick(&[1, 2, 3, 4])]);
            p.extend(rng.pick(&MACS));
            p.extend(rng.pick(&V4));
            p.extend(rng.pick(&MACS));
            p.extend(rng.pick(&V4));
        }
        _ => {
            p.extend(
                rng.pick(&[0x88ccu16, 0x0806, 0x0800, 0x86dd, 0x8100, 100])
                    .to_be_bytes(),
            );
            for _ in 0..rng.below(50) {
                p.push(rng.below(256) as u8);
            }
        }
    }
    // Pad to the Ethernet minimum sometimes; truncate sometimes (the edge every load has).
    if rng.chance(30) {
        while p.len() < 60 {
            p.push(0);
        }
    }
    if rng.chance(12) {
        let keep = rng.below(p.len() as u64 + 1) as usize;
        p.truncate(keep.max(1));
    }
    p
}

/// The corpus: `n` frames from `seed`.
pub fn corpus(seed: u64, n: usize) -> Vec<Vec<u8>> {
    let mut rng = Rng::new(seed);
    (0..n).map(|_| packet(&mut rng)).collect()
}

/// Write a classic pcap file (Ethernet link type); packet `i` gets timestamp `i` seconds.
pub fn write_pcap(path: &Path, packets: &[Vec<u8>]) -> std::io::Result<()> {
    let mut out = Vec::new();
    out.extend(0xa1b2_c3d4u32.to_le_bytes());
    out.extend(2u16.to_le_bytes());
    out.extend(4u16.to_le_bytes());
    out.extend(0i32.to_le_bytes());
    out.extend(0u32.to_le_bytes());
    out.extend(65535u32.to_le_bytes());
    out.extend(1u32.to_le_bytes());
    for (i, p) in packets.iter().enumerate() {
        out.extend((i as u32).to_le_bytes());
        out.extend(0u32.to_le_bytes());
        out.extend((p.len() as u32).to_le_bytes());
        out.extend((p.len() as u32).to_le_bytes());
        out.extend(p);
    }
    std::fs::write(path, out)
}

/// Timestamps (= packet indexes) of the packets in a pcap file written by tcpdump.
pub fn read_pcap_indexes(path: &Path) -> Option<Vec<usize>> {
    let data = std::fs::read(path).ok()?;
    let mut i = 24;
    let mut out = Vec::new();
    while i + 16 <= data.len() {
        let ts = u32::from_le_bytes(data[i..i + 4].try_into().ok()?) as usize;
        let caplen = u32::from_le_bytes(data[i + 8..i + 12].try_into().ok()?) as usize;
        out.push(ts);
        i += 16 + caplen;
    }
    Some(out)
}

/// Whether Debian's tcpdump is installed.
pub fn tcpdump_available() -> bool {
    Command::new("tcpdump")
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

/// A scratch directory for this test process.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("frontend-{name}-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    dir
}

/// libpcap's verdicts, optimizer off (`-O`): which packet indexes of `input` match `expr` (`Err` with tcpdump's
/// message when it refuses the filter).
pub fn tcpdump_matches(input: &Path, expr: &str, out: &Path) -> Result<Vec<bool>, String> {
    let o = Command::new("tcpdump")
        .args(["-nn", "-O", "-r"])
        .arg(input)
        .arg("-w")
        .arg(out)
        .arg("--")
        .arg(expr)
        .output()
        .map_err(|e| e.to_string())?;
    if !o.status.success() {
        return Err(String::from_utf8_lossy(&o.stderr).trim().to_string());
    }
    let idx = read_pcap_indexes(out).ok_or("unreadable tcpdump output")?;
    let n = read_pcap_indexes(input).map(|v| v.len()).unwrap_or(0);
    let mut m = vec![false; n];
    for i in idx {
        if let Some(x) = m.get_mut(i) {
            *x = true;
        }
    }
    Ok(m)
}

/// The real captures under `frontend/tests/captures/` (made by `make.sh` there with tcpdump on
/// a veth pair between two network namespaces): every frame, in file order.
pub fn captures() -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for dir in captures_dirs() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut files: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "pcap"))
            .collect();
        files.sort();
        for f in files {
            out.extend(read_pcap_frames(&f).unwrap_or_default());
        }
        break;
    }
    out
}

/// Where the captures are, from the frontend crate or from the workspace root.
pub fn captures_dirs() -> Vec<PathBuf> {
    let base = Path::new(env!("CARGO_MANIFEST_DIR"));
    [
        base.join("tests/captures"),
        base.join("frontend/tests/captures"),
    ]
    .into_iter()
    .filter(|d| d.join("veth.pcap").is_file())
    .collect()
}

/// The frames of a classic pcap file (either byte order, micro- or nanosecond stamps).
pub fn read_pcap_frames(path: &Path) -> Option<Vec<Vec<u8>>> {
    let data = std::fs::read(path).ok()?;
    let magic = data.get(..4)?;
    let le = match magic {
        [0xd4, 0xc3, 0xb2, 0xa1] | [0x4d, 0x3c, 0xb2, 0xa1] => true,
        [0xa1, 0xb2, 0xc3, 0xd4] | [0xa1, 0xb2, 0x3c, 0x4d] => false,
        _ => return None,
    };
    let u32_at = |i: usize| -> Option<u32> {
        let b: [u8; 4] = data.get(i..i + 4)?.try_into().ok()?;
        Some(if le {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        })
    };
    let mut i = 24;
    let mut out = Vec::new();
    while i + 16 <= data.len() {
        let caplen = u32_at(i + 8)? as usize;
        out.push(data.get(i + 16..i + 16 + caplen)?.to_vec());
        i += 16 + caplen;
    }
    Some(out)
}

/// A blocklist of `n` rules `ip src A_i -> drop` (the first ten addresses are the corpus's, so
/// packets hit), then `tcp dst port 22 -> pass`, default pass: merged into one HASH set.
pub fn blocklist(n: usize) -> frontend::RuleSet {
    use frontend::ruleset::*;
    let eq = |field, k: u128| {
        Cond::test(
            Test::Field {
                field,
                mask: None,
                cmp: Cmp::Eq(k),
            },
            Span::default(),
        )
    };
    let ethertype = Field::new(Base::Frame, 12, 2);
    let mut rules: Vec<Rule> = (0..n)
        .map(|i| {
            let a = if i < V4.len() {
                u32::from_be_bytes(V4[i])
            } else {
                0x0ac8_0000 + i as u32
            };
            Rule {
                cond: Cond::All(vec![
                    eq(ethertype, 0x0800),
                    eq(Field::new(Base::Net { tags: 0 }, 12, 4), a as u128),
                ]),
                action: Action::Drop,
                origin: RuleOrigin::default(),
            }
        })
        .collect();
    rules.push(Rule {
        cond: Cond::All(vec![
            eq(ethertype, 0x0800),
            eq(Field::new(Base::Net { tags: 0 }, 9, 1), 6),
            eq(Field::new(Base::Ipv4Payload { tags: 0 }, 2, 2), 22),
        ]),
        action: Action::Pass,
        origin: RuleOrigin::default(),
    });
    RuleSet::single_chain("blocklist", rules, Action::Pass)
}
