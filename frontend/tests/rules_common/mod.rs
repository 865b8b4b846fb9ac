//! Helpers for the iptables/nft/flower/ethtool tests: packet sets, the compiled-program check
//! (lower + interpreter against `RuleSet::eval`), and the netfilter packet oracle (rules loaded
//! in a throwaway network namespace, frames injected with AF_PACKET on one end of a veth pair, per-rule counters
//! read back after every frame).
#![allow(dead_code)]

pub mod lists;

use frontend::lower::{lower, Hook, LowerOptions, Lowered};
use frontend::ruleset::{Action, Chain, RuleSet};
use ir::interp::{run, Input};
use ir::runtime::Runtime;
use std::path::PathBuf;
use std::process::Command;

/// xorshift64*: deterministic.
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
    pub fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[(self.next() % xs.len() as u64) as usize]
    }
}

const SRC4: &[&str] = &[
    "10.0.0.1",
    "10.1.2.3",
    "192.168.1.10",
    "1.2.3.4",
    "172.16.0.1",
    "10.0.0.200",
];
const DST4: &[&str] = &[
    "10.0.0.2",
    "224.0.0.5",
    "255.255.255.255",
    "8.8.8.8",
    "192.168.1.1",
    "239.1.1.1",
];
// No ::1: ipv6_rcv drops loopback sources arriving on a non-loopback device.
const SRC6: &[&str] = &["2001:db8::1", "fe80::1", "2001:db8:1::5", "2001:db8::99"];
const DST6: &[&str] = &["2001:db8::2", "ff02::1", "2001:db8:ffff::7", "fe80::2"];
const PORTS: &[u16] = &[
    22, 80, 443, 53, 123, 1024, 8080, 65535, 1, 25, 3306, 5000, 85, 90,
];
const FLAGS: &[&str] = &["S", "SA", "A", "F", "R", "PA", "FPU", "FA", "SR", "0", "RA"];
/// Destination MACs the receiving veth accepts (its own, broadcast).
const MACS: &[&str] = &["02:00:00:00:00:02", "ff:ff:ff:ff:ff:ff"];
const SMACS: &[&str] = &[
    "02:00:00:00:00:01",
    "00:11:22:33:44:55",
    "de:ad:be:ef:00:01",
];
const ICMP: &[(u8, u8)] = &[
    (8, 0),
    (0, 0),
    (3, 3),
    (3, 1),
    (11, 0),
    (5, 1),
    (13, 0),
    (3, 4),
];
const ICMP6: &[(u8, u8)] = &[
    (128, 0),
    (129, 0),
    (1, 4),
    (135, 0),
    (136, 0),
    (2, 0),
    (3, 1),
];

fn build(desc: &str) -> Vec<u8> {
    testkit::packet::build(desc).unwrap_or_else(|e| panic!("packet '{desc}': {e}"))
}

/// Valid IPv4 frames (checksums right, dst MAC that `lo` accepts), varied in every field the
/// rules test, plus a few fragments.
pub fn packets_v4(seed: u64, n: usize) -> Vec<Vec<u8>> {
    let mut rng = Rng::new(seed);
    let mut out = Vec::new();
    for i in 0..n {
        let eth = format!("eth/dst={},src={}", rng.pick(MACS), rng.pick(SMACS));
        let tos = rng.pick(&[0u8, 0x10, 0xb8, 0x28, 0x02, 0x0c, 0x48]);
        let ttl = rng.pick(&[1u8, 5, 64, 255, 6, 4]);
        let frag = match i % 11 {
            3 => "0x2000",
            7 => "0x0005",
            9 => "0x4000",
            _ => "0",
        };
        let ip = format!(
            "ipv4/src={},dst={},ttl={ttl},tos={tos},frag={frag}",
            rng.pick(SRC4),
            rng.pick(DST4)
        );
        let l4 = match rng.next() % 8 {
            0..=2 => format!(
                "tcp/sport={},dport={},flags={}",
                rng.pick(PORTS),
                rng.pick(PORTS),
                rng.pick(FLAGS)
            ),
            3 | 4 => format!("udp/sport={},dport={}", rng.pick(PORTS), rng.pick(PORTS)),
            5 => {
                let (t, c) = rng.pick(ICMP);
                format!("icmp/type={t},code={c}")
            }
            6 => format!("sctp/sport={},dport={}", rng.pick(PORTS), rng.pick(PORTS)),
            _ => format!("hex={}", "00".repeat(8)),
        };
        let (ip, l4) = if l4.starts_with("hex") {
            (format!("{ip},proto={}", rng.pick(&[47u8, 50, 51, 2])), l4)
        } else {
            (ip, l4)
        };
        let pad = rng.pick(&[0usize, 0, 10, 100, 400]);
        let pad = if pad > 0 {
            format!(" pad={pad}")
        } else {
            String::new()
        };
        out.push(build(&format!("{eth} {ip} {l4}{pad}")));
    }
    out
}

/// Valid IPv6 frames.
pub fn packets_v6(seed: u64, n: usize) -> Vec<Vec<u8>> {
    let mut rng = Rng::new(seed);
    let mut out = Vec::new();
    for _ in 0..n {
        let eth = format!("eth/dst=33:33:00:00:00:01,src={}", rng.pick(SMACS));
        let ip = format!(
            "ipv6/src={},dst={},hlim={},tc={}",
            rng.pick(SRC6),
            rng.pick(DST6),
            rng.pick(&[1u8, 64, 255, 5]),
            rng.pick(&[0u8, 0xb8, 0x28, 0x10])
        );
        let l4 = match rng.next() % 6 {
            0..=2 => format!(
                "tcp/sport={},dport={},flags={}",
                rng.pick(PORTS),
                rng.pick(PORTS),
                rng.pick(FLAGS)
            ),
            3 | 4 => format!("udp/sport={},dport={}", rng.pick(PORTS), rng.pick(PORTS)),
            _ => {
                let (t, c) = rng.pick(ICMP6);
                format!("icmp6/type={t},code={c}")
            }
        };
        out.push(build(&format!("{eth} {ip} {l4}")));
    }
    out
}

/// Frames that are not plain IP: ARP, VLAN-tagged, truncated, short.
pub fn odd_packets() -> Vec<Vec<u8>> {
    let mut v: Vec<Vec<u8>> = [
        "eth arp",
        "eth vlan/id=5 ipv4 tcp/dport=80",
        "eth vlan/id=100,prio=3 ipv4/src=10.0.0.1 udp/dport=53",
        "eth qinq/id=7 vlan/id=8 ipv4 tcp/dport=22",
        "eth ipv4 tcp/dport=80 trunc=40",
        "eth ipv4/opts=8 tcp/dport=80",
        "eth ipv4 trunc=20",
        "eth ipv6 hbh tcp/dport=80",
        "eth/type=0x88cc hex=0102030405060708",
    ]
    .iter()
    .map(|d| build(d))
    .collect();
    v.push(vec![0u8; 14]);
    v
}

fn runtime(l: &Lowered) -> Runtime {
    // Set maps carry their contents (`MapDef::initial_entries`): the runtime loads them.
    Runtime::new(&l.program)
}

/// Compile for `hook`, verify with `offload::verify`, and run the interpreter on every packet:
/// the verdicts must be `RuleSet::eval`'s. Returns the disagreements.
pub fn lowered_disagreements(
    rs: &RuleSet,
    hook: Hook,
    packets: &[Vec<u8>],
    label: &str,
) -> Vec<String> {
    let opts = LowerOptions {
        hook,
        ..LowerOptions::default()
    };
    let l = match lower(rs, &opts) {
        Ok(l) => l,
        Err(e) => return vec![format!("{label}: lowering failed: {e}")],
    };
    let mut bad = Vec::new();
    // Every compiled program must pass our verifier (as the kernel's would be asked to).
    if let Err(e) = offload::verify(
        &l.program,
        &offload::Capabilities::kernel(),
        &offload::Options::default(),
    ) {
        bad.push(format!("{label} {hook:?}: verifier rejects: {e:?}"));
        return bad;
    }
    let mut rt = runtime(&l);
    for (i, p) in packets.iter().enumerate() {
        let want = rs.eval(p).action;
        let code = hook.code(want).map(|c| c as u64);
        match run(&l.program, &mut rt, &Input::Packet(p.clone()), 1_000_000) {
            Ok(o) if Some(o.r0) == code => {}
            Ok(o) => bad.push(format!(
                "{label} {hook:?}: packet {i}: eval {want}, program r0={} {:02x?}",
                o.r0,
                &p[..p.len().min(60)]
            )),
            Err(e) => bad.push(format!("{label}: packet {i}: run failed: {e}")),
        }
        if bad.len() > 3 {
            break;
        }
    }
    bad
}

/// The rule set with every rule's action replaced by "count": `eval(p).hits` is then the
/// list of rules whose condition holds on `p` (what netfilter's counters say when the rules
/// have no target).
pub fn counting(rs: &RuleSet) -> RuleSet {
    let mut out = rs.clone();
    out.chains = vec![Chain {
        name: "count".into(),
        rules: rs
            .chains
            .iter()
            .flat_map(|c| c.rules.iter().cloned())
            .map(|mut r| {
                r.action = Action::Count;
                r
            })
            .collect(),
    }];
    out.default = Action::Pass;
    out
}

/// Whether we can run the netfilter oracle; prints the SKIP line when not.
pub fn oracle_available(test: &str, tools: &[&str]) -> bool {
    if !is_root() {
        testkit::oracle::skip(test, "needs root for a network namespace");
        return false;
    }
    for t in tools.iter().chain(["unshare", "python3", "ip"].iter()) {
        if !have(t) {
            testkit::oracle::skip(test, format_args!("'{t}' is not installed"));
            return false;
        }
    }
    let ok = Command::new("unshare")
        .args(["-n", "true"])
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !ok {
        testkit::oracle::skip(test, "cannot create a network namespace");
    }
    ok
}

pub fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

pub fn have(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool} >/dev/null 2>&1")])
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

fn scratch() -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "bpf-offload-syntaxes-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    ));
    std::fs::create_dir_all(&d).expect("scratch dir");
    d
}

const ORACLE_PY: &str = r#"
import socket, subprocess, sys, re, time
kind, rules, pkts = sys.argv[1], sys.argv[2], sys.argv[3]
# A veth pair: frames sent on v0 arrive on v1, an Ethernet device (xt_mac needs one).
# v0 gets no IPv6 so that it sends nothing of its own (router solicitations, MLD) to v1.
for cmd in (["ip", "link", "add", "v0", "type", "veth", "peer", "name", "v1"],
            ["sysctl", "-qw", "net.ipv6.conf.v0.disable_ipv6=1"],
            ["ip", "link", "set", "v1", "address", "02:00:00:00:00:02"],
            ["ip", "link", "set", "v0", "up"], ["ip", "link", "set", "v1", "up"],
            ["ip", "link", "set", "lo", "up"]):
    subprocess.run(cmd, check=True)
subprocess.run(["sysctl", "-qw", "net.ipv6.conf.v1.disable_ipv6=0"], check=False)
# Carrier comes up asynchronously: frames sent before both ends are up are lost, and on a busy
# machine that can be the whole run. Wait (up to 5 s) until both ends report "up".
# (`unshare -n` keeps the host's /sys, so ask `ip`, which speaks netlink in this namespace.)
def is_up(dev):
    out = subprocess.run(["ip", "-o", "link", "show", "dev", dev], capture_output=True, text=True).stdout
    return " state UP " in out
for _ in range(500):
    if is_up("v0") and is_up("v1"):
        break
    time.sleep(0.01)
if kind in ("iptables", "ip6tables"):
    subprocess.run([kind + "-restore", rules], check=True)
    def counters():
        out = subprocess.run([kind + "-save", "-c", "-t", "raw"], check=True, capture_output=True, text=True).stdout
        return [int(m.group(1)) for m in re.finditer(r"^\[(\d+):\d+\] -A ", out, re.M)]
else:
    subprocess.run(["nft", "-f", rules], check=True)
    def counters():
        out = subprocess.run(["nft", "list", "ruleset"], check=True, capture_output=True, text=True).stdout
        return [int(m.group(1)) for m in re.finditer(r"counter packets (\d+) bytes", out)]
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("v0", 0))
before = counters()
for line in open(pkts):
    line = line.strip()
    if not line:
        continue
    s.send(bytes.fromhex(line))
    after = counters()
    # Delivery to v1 and netfilter run in softirq context, possibly a little later: give a
    # frame that moved no counter a few more looks before taking "no hit" as the answer.
    for _ in range(3):
        if after != before:
            break
        time.sleep(0.003)
        after = counters()
    print(" ".join(str(i) for i, (a, b) in enumerate(zip(before, after)) if a != b))
    before = after
"#;

/// Load `rules` (an `iptables-restore` / `nft -f` file) in a fresh network namespace, inject
/// each packet on veth `v0` (it arrives on `v1`) and return, per packet, the indexes of the counters that moved.
pub fn netfilter_hits(
    kind: &str,
    rules: &str,
    packets: &[Vec<u8>],
) -> Result<Vec<Vec<usize>>, String> {
    let dir = scratch();
    let script = dir.join("oracle.py");
    let rfile = dir.join("rules");
    let pfile = dir.join("packets");
    std::fs::write(&script, ORACLE_PY).map_err(|e| e.to_string())?;
    std::fs::write(&rfile, rules).map_err(|e| e.to_string())?;
    let hex: Vec<String> = packets
        .iter()
        .map(|p| p.iter().map(|b| format!("{b:02x}")).collect())
        .collect();
    std::fs::write(&pfile, hex.join("\n")).map_err(|e| e.to_string())?;
    let out = Command::new("unshare")
        .arg("-n")
        .arg("python3")
        .arg(&script)
        .arg(kind)
        .arg(&rfile)
        .arg(&pfile)
        .output()
        .map_err(|e| e.to_string())?;
    let _ = std::fs::remove_dir_all(&dir);
    if !out.status.success() {
        return Err(format!(
            "oracle failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    Ok(text
        .lines()
        .map(|l| {
            l.split_whitespace()
                .filter_map(|w| w.parse().ok())
                .collect()
        })
        .collect())
}

/// Run a tool on `input` as a file inside a fresh network namespace: (exit code, stderr).
pub fn in_netns(script: &str) -> (i32, String) {
    let out = Command::new("unshare")
        .args(["-n", "sh", "-c", script])
        .output();
    match out {
        Ok(o) => (
            o.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&o.stdout).to_string() + &String::from_utf8_lossy(&o.stderr),
        ),
        Err(e) => (-1, e.to_string()),
    }
}

/// Write `text` to a scratch file; returns its path (the directory is left for the OS).
pub fn scratch_file(name: &str, text: &str) -> PathBuf {
    let p = scratch().join(name);
    std::fs::write(&p, text).expect("scratch file");
    p
}

/// For each rule of `rs` (global index), the number of the source rule it came from: rules
/// one source line expands to (a goto's jump and return, a vmap's verdict groups) share the
/// source's origin and sit next to each other. `skip` leading rules of the entry chain that
/// have no source counter (the policy's "not IP: pass" rule) map to `None`.
pub fn source_rule_numbers(rs: &RuleSet, skip: usize) -> Vec<Option<usize>> {
    let mut out = Vec::new();
    let mut n: Option<usize> = None;
    let mut prev: Option<(usize, &str, usize)> = None;
    for (ci, c) in rs.chains.iter().enumerate() {
        for (ri, r) in c.rules.iter().enumerate() {
            if ci == 0 && ri < skip {
                out.push(None);
                continue;
            }
            let key = (ci, r.origin.text.as_str(), r.origin.span.start);
            if prev != Some(key) {
                n = Some(n.map_or(0, |x| x + 1));
                prev = Some(key);
            }
            out.push(n);
        }
    }
    out
}

/// The source rules whose conditions held on `p`, by the evaluator (sorted, deduplicated).
pub fn source_hits(rs: &RuleSet, numbers: &[Option<usize>], p: &[u8]) -> Vec<usize> {
    let mut v: Vec<usize> = rs
        .eval(p)
        .hits
        .iter()
        .filter_map(|g| numbers.get(*g).copied().flatten())
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}
