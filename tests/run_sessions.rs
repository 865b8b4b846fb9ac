//! `run --pcap` with engines as sessions, through the real binary: one preparation per engine
//! per capture, a row per packet with the reason wherever an engine could not run it (runts,
//! truncated IPv4/IPv6, VLAN frames), and `--maps shared --counters` hit counts that equal
//! `RuleSet::eval`'s on every engine and netfilter's counters (root, network namespace).

#[path = "../frontend/tests/rules_common/mod.rs"]
mod rules_common;

use std::path::Path;
use std::process::{Command, Output};

fn bin(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bpf-offload"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run bpf-offload")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A classic pcap file (Ethernet link type) of `packets`.
fn pcap(packets: &[Vec<u8>]) -> Vec<u8> {
    let mut f = 0xa1b2c3d4u32.to_le_bytes().to_vec();
    f.extend_from_slice(&2u16.to_le_bytes());
    f.extend_from_slice(&4u16.to_le_bytes());
    for w in [0u32, 0, 65535, 1] {
        f.extend_from_slice(&w.to_le_bytes());
    }
    for (i, p) in packets.iter().enumerate() {
        for w in [i as u32, 0, p.len() as u32, p.len() as u32] {
            f.extend_from_slice(&w.to_le_bytes());
        }
        f.extend_from_slice(p);
    }
    f
}

fn packet(desc: &str) -> Vec<u8> {
    testkit::packet::build(desc).unwrap_or_else(|e| panic!("{desc}: {e}"))
}

/// The engines `--engine all` ran, from its notes (each left out one is named there).
fn engines_run(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .filter_map(|l| l.strip_prefix("note: session "))
        .filter_map(|l| l.split(':').next())
        .map(str::to_string)
        .collect()
}

/// A capture an engine cannot run every packet of: runts, truncated IPv4 and IPv6, VLAN
/// frames, and ordinary frames between them.
fn awkward_capture() -> Vec<Vec<u8>> {
    vec![
        packet("eth ipv4 tcp/dport=80"),
        Vec::new(),
        vec![0xff; 8],
        vec![0; 13],
        packet("eth ipv4 trunc=20"),
        packet("eth ipv4 tcp/dport=80 trunc=30"),
        packet("eth ipv6 trunc=30"),
        packet("eth ipv6 tcp/dport=80 trunc=60"),
        packet("eth vlan/id=5 ipv4 tcp/dport=80"),
        packet("eth qinq/id=7 vlan/id=8 ipv6 tcp/dport=80"),
        packet("eth vlan/id=9 trunc=16"),
        packet("eth ipv6 tcp/dport=80"),
        packet("eth ipv4 udp/dport=80"),
    ]
}

#[test]
fn a_capture_of_runts_and_truncated_frames_gives_a_row_per_packet_on_every_engine() {
    let dir = tempfile::tempdir().unwrap();
    let packets = awkward_capture();
    std::fs::write(dir.path().join("p.pcap"), pcap(&packets)).unwrap();
    for hook in ["xdp", "tc"] {
        let obj = format!("drop80-{hook}.o");
        let o = bin(
            &[
                "build",
                "--from",
                "iptables",
                "--hook",
                hook,
                "-A INPUT -p tcp --dport 80 -j DROP",
                "-o",
                &obj,
            ],
            dir.path(),
        );
        assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
        for engine in ["interp", "x86_64", "kernel", "all"] {
            let o = bin(
                &[
                    "run", &obj, "--pcap", "p.pcap", "--engine", engine, "--json",
                ],
                dir.path(),
            );
            let err = text(&o.stderr);
            if engine == "kernel" && o.status.code() == Some(2) {
                println!("SKIP {hook} on the kernel engine: {}", err.trim());
                continue;
            }
            assert_eq!(o.status.code(), Some(0), "{hook} {engine}: {err}");
            let rows: Vec<serde_json::Value> = text(&o.stdout)
                .lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect();
            assert_eq!(
                rows.len(),
                packets.len(),
                "{hook} {engine}: one row per packet"
            );
            let engines = if engine == "all" {
                engines_run(&err)
            } else {
                vec![engine.to_string()]
            };
            for (i, row) in rows.iter().enumerate() {
                assert_eq!(row["index"], i + 1);
                // Every engine either ran the packet or says why not.
                for e in &engines {
                    let ran = row["engine"] == e.as_str()
                        || row["engines"]
                            .as_array()
                            .is_some_and(|a| a.iter().any(|x| x == e.as_str()));
                    let why = row["not_run"][e].as_str().unwrap_or("");
                    assert!(
                        ran == why.is_empty(),
                        "{hook} {engine} packet {}: {e} neither ran it nor said why: {row}",
                        i + 1
                    );
                }
                assert!(row.get("disagree").is_none(), "{hook} {engine}: {row}");
            }
            // Runts are refused by every engine, with the reason.
            for i in [1usize, 2, 3] {
                for e in &engines {
                    let why = rows[i]["not_run"][e].as_str().unwrap_or_default();
                    assert!(
                        why.contains("Ethernet header") || why.contains("refuses this packet"),
                        "{hook} {engine} packet {}: {e}: {why}",
                        i + 1
                    );
                }
            }
            // Where an engine ran a packet, the verdict is the rule set's.
            let rs = frontend::iptables::parse("-A INPUT -p tcp --dport 80 -j DROP")
                .unwrap()
                .ruleset;
            let mut drops = 0;
            for (i, row) in rows.iter().enumerate() {
                if row["r0"].is_null() {
                    continue;
                }
                let dropped = row["action"] == "drop" || row["action"] == "shot";
                let want = rs.eval(&packets[i]).action == frontend::ruleset::Action::Drop;
                assert_eq!(dropped, want, "{hook} {engine} packet {}: {row}", i + 1);
                drops += usize::from(dropped);
            }
            assert!(drops >= 1, "{hook} {engine}: {drops} drops");
        }
    }
}

#[test]
fn a_capture_prepares_each_engine_once() {
    let dir = tempfile::tempdir().unwrap();
    let packets: Vec<Vec<u8>> = (0..300)
        .map(|i| packet(&format!("eth ipv4 tcp/dport={}", 70 + i % 20)))
        .collect();
    std::fs::write(dir.path().join("p.pcap"), pcap(&packets)).unwrap();
    let rules: String = (0..50)
        .map(|i| format!("-A INPUT -p tcp --dport {} -j DROP\n", 60 + 2 * i))
        .collect();
    std::fs::write(dir.path().join("r.rules"), rules).unwrap();
    let o = bin(
        &["build", "--from", "iptables", "-f", "r.rules", "-o", "r.o"],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let o = bin(
        &["run", "r.o", "--pcap", "p.pcap", "--engine", "all"],
        dir.path(),
    );
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert_eq!(text(&o.stdout).lines().count(), packets.len());
    let sessions: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("note: session "))
        .collect();
    assert!(sessions.len() >= 2, "{err}");
    for s in sessions {
        // "note: session E: verified V, compiled C, loaded L, runs R"
        let n = |key: &str| -> u64 {
            let rest = s.split(key).nth(1).unwrap_or_else(|| panic!("{s}"));
            rest.trim_start()
                .split(|c: char| !c.is_ascii_digit())
                .next()
                .and_then(|d| d.parse().ok())
                .unwrap_or_else(|| panic!("{s}"))
        };
        assert_eq!(n("compiled"), 1, "{s}");
        assert!(n("verified") <= 1, "{s}");
        assert!(n("loaded") <= 1, "{s}");
        assert_eq!(n("runs"), packets.len() as u64, "{s}");
    }
}

/// A rule set of counting rules and verdicts, in the raw table so netfilter sees every frame.
const COUNTING_RULES: &str = "*raw
:PREROUTING ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A PREROUTING -p tcp --dport 80
-A PREROUTING -s 10.0.0.0/8
-A PREROUTING -p udp --dport 53
-A PREROUTING -p tcp --dport 22 -j DROP
-A PREROUTING -m ttl --ttl-lt 5
-A PREROUTING -d 224.0.0.0/4 -j ACCEPT
-A PREROUTING -p icmp
-A PREROUTING -p udp -j DROP
-A PREROUTING -p tcp --dport 1024:65535
COMMIT
";

/// IPv4 frames without later fragments (whose port tests netfilter's nft backend reads
/// differently, see frontend/tests/iptables_rules.rs).
fn counting_packets() -> Vec<Vec<u8>> {
    rules_common::packets_v4(17, 200)
        .into_iter()
        .filter(|p| p.len() < 34 || u16::from_be_bytes([p[20], p[21]]) & 0x1fff == 0)
        .collect()
}

/// Per-rule hits over `packets` by the reference evaluator.
fn eval_counts(packets: &[Vec<u8>]) -> Vec<u64> {
    let rs = frontend::iptables::parse(COUNTING_RULES)
        .expect("rules parse")
        .ruleset;
    let n: usize = rs.chains.iter().map(|c| c.rules.len()).sum();
    let mut counts = vec![0u64; n];
    for p in packets {
        for h in rs.eval(p).hits {
            counts[h] += 1;
        }
    }
    counts
}

/// `run --counters --json` on `engine`: the counters of its last line.
fn engine_counts(dir: &Path, engine: &str) -> Option<Vec<u64>> {
    let o = bin(
        &[
            "run",
            "c.o",
            "--pcap",
            "p.pcap",
            "--engine",
            engine,
            "--maps",
            "shared",
            "--counters",
            "--json",
        ],
        dir,
    );
    let err = text(&o.stderr);
    if o.status.code() == Some(2) && engine == "kernel" {
        println!("SKIP counters on the kernel engine: {}", err.trim());
        return None;
    }
    assert_eq!(o.status.code(), Some(0), "{engine}: {err}");
    let out = text(&o.stdout);
    let last: serde_json::Value = serde_json::from_str(out.lines().last().unwrap()).unwrap();
    Some(
        last["counters"]
            .as_array()
            .unwrap_or_else(|| panic!("{engine}: {last}"))
            .iter()
            .map(|v| v.as_u64().unwrap())
            .collect(),
    )
}

fn build_counting(dir: &Path, packets: &[Vec<u8>]) {
    std::fs::write(dir.join("c.rules"), COUNTING_RULES).unwrap();
    std::fs::write(dir.join("p.pcap"), pcap(packets)).unwrap();
    let o = bin(
        &[
            "build",
            "--from",
            "iptables",
            "-f",
            "c.rules",
            "--counters",
            "-o",
            "c.o",
        ],
        dir,
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
}

#[test]
fn shared_counters_after_a_capture_are_the_rule_sets_on_every_engine() {
    let dir = tempfile::tempdir().unwrap();
    let packets = counting_packets();
    build_counting(dir.path(), &packets);
    let want = eval_counts(&packets);
    assert!(want.iter().filter(|&&n| n > 0).count() >= 5, "{want:?}");
    for engine in ["interp", "x86_64", "kernel", "all"] {
        let Some(got) = engine_counts(dir.path(), engine) else {
            continue;
        };
        assert_eq!(&got[..want.len()], &want[..], "{engine}");
    }
    // Fresh maps cannot add up: --counters says so.
    let o = bin(
        &[
            "run",
            "c.o",
            "--pcap",
            "p.pcap",
            "--maps",
            "fresh",
            "--counters",
        ],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
}

#[test]
fn shared_counters_equal_netfilters() {
    let test = "shared_counters_equal_netfilters";
    if !rules_common::oracle_available(test, &["iptables-restore", "iptables-save"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let packets = counting_packets();
    build_counting(dir.path(), &packets);
    let per_packet = rules_common::netfilter_hits("iptables", COUNTING_RULES, &packets)
        .expect("netfilter oracle");
    let want_len = eval_counts(&packets).len();
    let mut netfilter = vec![0u64; want_len];
    for hits in per_packet {
        for h in hits {
            netfilter[h] += 1;
        }
    }
    for engine in ["interp", "x86_64", "kernel"] {
        let Some(got) = engine_counts(dir.path(), engine) else {
            continue;
        };
        assert_eq!(&got[..want_len], &netfilter[..], "{engine} vs netfilter");
    }
}

#[test]
fn a_ubpf_data_file_reads_its_linked_asm_and_mem() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join("lib")).unwrap();
    std::fs::write(
        d.join("lib/prog.asm"),
        "ldxb %r0, [%r1+1]\nadd %r0, %r2\nexit\n",
    )
    .unwrap();
    std::fs::write(d.join("lib/mem.hex"), "00 11\n22\n").unwrap();
    std::fs::write(
        d.join("t.data"),
        "-- asm @ lib/prog.asm\n-- mem @ lib/mem.hex\n-- result\n0x14\n",
    )
    .unwrap();
    for engine in ["interp", "x86_64"] {
        let o = bin(&["run", "t.data", "--engine", engine], d);
        assert_eq!(o.status.code(), Some(0), "{engine}: {}", text(&o.stderr));
        assert_eq!(text(&o.stdout).trim(), "0x14");
    }
    // Errors point into the linked file; a missing link is bad input at its header.
    std::fs::write(d.join("lib/bad.asm"), "exit\nfrob %r0\n").unwrap();
    std::fs::write(d.join("b.data"), "-- asm @ lib/bad.asm\n-- result\n0\n").unwrap();
    let o = bin(&["run", "b.data"], d);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("bad.asm:2:"),
        "{}",
        text(&o.stderr)
    );
    std::fs::write(d.join("c.data"), "-- result\n0\n-- asm @ gone.asm\n").unwrap();
    let o = bin(&["run", "c.data"], d);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("c.data:3:"), "{}", text(&o.stderr));
}
