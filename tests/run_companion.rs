//! `run X.o` picks up the `X.o.maps.sh` that `build -o X.o` wrote (the HASH set contents an ELF
//! object cannot carry): a 100-address iptables blocklist built by the real binary gives, on
//! every engine, the verdicts of the rule set's reference evaluator; without the companion the
//! set is empty; a companion with anything but the builder's lines is refused.

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

/// An Ethernet + IPv4 frame from `src` with protocol `proto` and 8 bytes of L4 header.
fn ipv4(src: [u8; 4], proto: u8) -> Vec<u8> {
    let mut p = vec![2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00];
    p.extend_from_slice(&[0x45, 0, 0, 28, 0, 1, 0x40, 0, 64, proto, 0, 0]);
    p.extend_from_slice(&src);
    p.extend_from_slice(&[10, 9, 9, 9]);
    p.extend_from_slice(&[0x9c, 0x40, 0, 80, 0, 8, 0, 0]);
    p
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

/// The r0 of each packet `run --pcap --json` printed, after checking the engines agreed.
fn verdicts(o: &Output) -> Vec<u64> {
    text(&o.stdout)
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            let r0 = v["r0"].as_str().unwrap().trim_start_matches("0x");
            u64::from_str_radix(r0, 16).unwrap()
        })
        .collect()
}

#[test]
fn a_built_blocklist_runs_with_its_set_on_every_engine() {
    let dir = tempfile::tempdir().unwrap();
    let listed: Vec<[u8; 4]> = (0..100u8).map(|i| [10, 1, i, 7]).collect();
    let rules: String = listed
        .iter()
        .map(|a| format!("-A INPUT -s {}.{}.{}.{} -j DROP\n", a[0], a[1], a[2], a[3]))
        .collect();
    std::fs::write(dir.path().join("blocklist.rules"), &rules).unwrap();
    let o = bin(
        &[
            "build",
            "--from",
            "iptables",
            "-f",
            "blocklist.rules",
            "-o",
            "bl.o",
        ],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(dir.path().join("bl.o.maps.sh").exists());

    // Every listed address (TCP, UDP, ICMP in turn), near misses, and a non-IP frame.
    let mut packets = Vec::new();
    for (i, a) in listed.iter().enumerate() {
        let proto = [6, 17, 1][i % 3];
        packets.push(ipv4(*a, proto));
        packets.push(ipv4([a[0], a[1], a[2], 8], proto));
        packets.push(ipv4([a[0], 2, a[2], a[3]], proto));
    }
    let mut arp = vec![0xff; 6];
    arp.extend_from_slice(&[2, 0, 0, 0, 0, 1, 0x08, 0x06]);
    arp.extend_from_slice(&[0, 1, 8, 0, 6, 4, 0, 1]);
    arp.extend(std::iter::repeat_n(0, 20));
    packets.push(arp);
    std::fs::write(dir.path().join("p.pcap"), pcap(&packets)).unwrap();

    // The oracle: the rule set's reference evaluator (XDP_DROP 1, XDP_PASS 2).
    let rs = frontend::iptables::parse(&rules).unwrap().ruleset;
    let want: Vec<u64> = packets
        .iter()
        .map(|p| match rs.eval(p).action {
            frontend::Action::Drop => 1,
            frontend::Action::Pass => 2,
            other => panic!("unexpected action {other:?}"),
        })
        .collect();
    assert_eq!(want.iter().filter(|&&v| v == 1).count(), 100);

    let run = |dir: &Path| {
        bin(
            &[
                "run", "bl.o", "--pcap", "p.pcap", "--engine", "all", "--json",
            ],
            dir,
        )
    };
    let o = run(dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("note: 100 map entries from bl.o.maps.sh"),
        "{}",
        text(&o.stderr)
    );
    assert_eq!(verdicts(&o), want);

    // Without the companion the set is empty: every packet passes.
    std::fs::rename(
        dir.path().join("bl.o.maps.sh"),
        dir.path().join("saved.maps.sh"),
    )
    .unwrap();
    let o = run(dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(verdicts(&o).iter().all(|&v| v == 2));

    // A companion is data: any other line is refused with its place (exit 2), nothing runs.
    let mut script = std::fs::read_to_string(dir.path().join("saved.maps.sh")).unwrap();
    let lines = script.lines().count();
    script.push_str("touch pwned\n");
    std::fs::write(dir.path().join("bl.o.maps.sh"), script).unwrap();
    let o = run(dir.path());
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(
        err.contains(&format!(
            "bl.o.maps.sh:{}: expected `bpftool map update",
            lines + 1
        )),
        "{err}"
    );
    assert!(!dir.path().join("pwned").exists());
}
