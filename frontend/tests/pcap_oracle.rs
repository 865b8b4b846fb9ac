//! pcap-filter semantics against libpcap: for every expression and every packet of the corpus,
//! `RuleSet::eval` of our parse must agree with `tcpdump -r FILE EXPR` (Debian's tcpdump).

mod common;

use common::exprs::{expressions, REFUSED, REFUSED_BY_DESIGN};

use frontend::pcap;
use frontend::ruleset::Action;

#[test]
fn pcap_filters_agree_with_libpcap() {
    if !common::tcpdump_available() {
        testkit::oracle::skip("pcap_filters_agree_with_libpcap", "tcpdump not installed");
        return;
    }
    let dir = common::scratch("oracle");
    let captured = common::captures();
    assert!(captured.len() >= 40, "the real captures are missing");
    let mut packets = common::corpus(6, 2500);
    packets.extend(captured);
    let input = dir.join("corpus.pcap");
    common::write_pcap(&input, &packets).expect("write corpus");
    let exprs = expressions();
    assert!(exprs.len() >= 300, "only {} expressions", exprs.len());
    let mut failures = Vec::new();
    let mut compared = 0usize;
    for (n, e) in exprs.iter().enumerate() {
        let out = dir.join(format!("out{n}.pcap"));
        let oracle = common::tcpdump_matches(&input, e, &out);
        let ours = pcap::compile(e, Action::Drop, Action::Pass);
        match (oracle, ours) {
            (Ok(expected), Ok(rs)) => {
                let mut bad = 0;
                for (i, p) in packets.iter().enumerate() {
                    let got = rs.eval(p).action == Action::Drop;
                    if got != expected[i] {
                        if bad < 3 {
                            failures.push(format!(
                                "{e:?}: packet {i} ({} bytes) libpcap={} ours={got}: {:02x?}",
                                p.len(),
                                expected[i],
                                &p[..p.len().min(64)]
                            ));
                        }
                        bad += 1;
                    }
                    compared += 1;
                }
                if bad > 3 {
                    failures.push(format!("{e:?}: {bad} mismatches in all"));
                }
            }
            (Err(msg), Ok(_)) => {
                failures.push(format!("{e:?}: libpcap refuses ({msg}), we accept"))
            }
            (Ok(_), Err(err)) => failures.push(format!(
                "{e:?}: libpcap accepts, we refuse: {}",
                err.headline(e)
            )),
            (Err(_), Err(_)) => {}
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    println!(
        "{} expressions x {} packets: {compared} verdicts compared",
        exprs.len(),
        packets.len()
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn refused_filters_are_refused_by_both() {
    let have_tcpdump = common::tcpdump_available();
    let dir = common::scratch("refused");
    let input = dir.join("empty.pcap");
    common::write_pcap(&input, &[]).expect("write");
    for e in REFUSED {
        let ours = pcap::compile(e, Action::Drop, Action::Pass);
        assert!(ours.is_err(), "{e:?} should be refused");
        if have_tcpdump {
            let theirs = common::tcpdump_matches(&input, e, &dir.join("o.pcap"));
            assert!(theirs.is_err(), "libpcap accepts {e:?}");
        }
    }
    for e in REFUSED_BY_DESIGN {
        assert!(
            pcap::compile(e, Action::Drop, Action::Pass).is_err(),
            "{e:?}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// libpcap checks each load's own bounds: every cut of an IPv6 and an IPv4 packet gets
/// libpcap's verdict (optimizer off, like every test here: tcpdump's default optimizer drops
/// the loads of address words a prefix mask ignores, so there `ip6 dst net 2001:db8::/32`
/// also holds on a packet cut inside the destination address).
#[test]
fn truncated_packets_get_libpcap_verdicts() {
    if !common::tcpdump_available() {
        testkit::oracle::skip(
            "truncated_packets_get_libpcap_verdicts",
            "tcpdump not installed",
        );
        return;
    }
    let dir = common::scratch("trunc");
    let mut packets = Vec::new();
    for d in [
        "eth ipv6/src=2001:db8::1,dst=2001:db8:1::2 tcp/dport=80",
        "eth ipv6/src=fe80::1,dst=2001:db8::2 udp/dport=53",
        "eth ipv4/src=10.0.0.1,dst=192.168.1.1 tcp/dport=80",
    ] {
        let full = testkit::packet::build(d).expect("packet");
        for n in 12..=full.len() {
            packets.push(full[..n].to_vec());
        }
    }
    let input = dir.join("cuts.pcap");
    common::write_pcap(&input, &packets).expect("write");
    let mut failures = Vec::new();
    for (n, e) in [
        "ip6 net 2001:db8::/32",
        "ip6 src net 2001:db8::/32",
        "ip6 dst net 2001:db8::/32",
        "ip6 dst net 2001:db8:1::/48",
        "ip6 dst net 2001:db8:1::/64",
        "ip6 host 2001:db8::1",
        "net 2001::/16",
        "not ip6 net ::/16",
        "ip6 net ::/0",
        "net 10.0.0.0/8",
        "dst net 192.168.0.0/16",
        "tcp dst port 80",
    ]
    .iter()
    .enumerate()
    {
        let expected = common::tcpdump_matches(&input, e, &dir.join(format!("o{n}.pcap")))
            .unwrap_or_else(|m| panic!("{e}: {m}"));
        let rs = pcap::compile(e, Action::Drop, Action::Pass).expect(e);
        for (i, p) in packets.iter().enumerate() {
            let got = rs.eval(p).action == Action::Drop;
            if got != expected[i] {
                failures.push(format!(
                    "{e:?}: {} bytes: libpcap={} ours={got}",
                    p.len(),
                    expected[i]
                ));
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The link-layer keywords libpcap compiles for Ethernet (pppoed, decnet, lat, sca, moprc,
/// mopdl, llc [i|s|u], iso, stp, netbeui, clnp, esis, isis), plain, negated and after `vlan`,
/// on 802.3/LLC and Ethernet II frames (tagged, untagged, cut short), against tcpdump.
#[test]
fn link_layer_keywords_agree_with_libpcap() {
    if !common::tcpdump_available() {
        testkit::oracle::skip(
            "link_layer_keywords_agree_with_libpcap",
            "tcpdump not installed",
        );
        return;
    }
    let dir = common::scratch("llc");
    let mac = "0200000000020200000000 01".replace(' ', "");
    let mut frames: Vec<Vec<u8>> = Vec::new();
    let hex = |s: &str| -> Vec<u8> {
        (0..s.len() / 2)
            .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).expect("hex"))
            .collect()
    };
    for body in [
        // 802.3 length, then DSAP SSAP control (and an ISO NLPID).
        "0030fefe0381000000000000",
        "0030fefe0382000000000000",
        "0030fefe0383000000000000",
        "0030424203000000000000",
        "0030f0f003000000000000",
        "0030ffff0000000000000000",
        "0030aaaa03000000080000",
        "0030060600000000000000",
        "0030060601000000000000",
        "0030e0e00300000000",
        "05dc424203000000",
        "05dd424203000000",
        // Ethernet II.
        "8863110900000000",
        "6003000000000000",
        "6004000000000000",
        "6007000000000000",
        "6002000000000000",
        "6001000000000000",
        "0800450000140000",
    ] {
        let untagged = hex(&format!("{mac}{body}"));
        let tagged = hex(&format!("{mac}81000005{body}"));
        for f in [untagged, tagged] {
            for cut in [f.len(), 15, 16, 17, 18, 20] {
                frames.push(f[..cut.min(f.len())].to_vec());
            }
        }
    }
    let input = dir.join("llc.pcap");
    common::write_pcap(&input, &frames).expect("write");
    let mut failures = Vec::new();
    let mut n = 0;
    for p in [
        "pppoed", "decnet", "lat", "sca", "moprc", "mopdl", "llc", "llc i", "llc s", "llc u",
        "iso", "stp", "netbeui", "clnp", "esis", "isis",
    ] {
        for e in [p.to_string(), format!("not {p}"), format!("vlan and {p}")] {
            n += 1;
            let expected = common::tcpdump_matches(&input, &e, &dir.join(format!("o{n}.pcap")))
                .unwrap_or_else(|m| panic!("{e}: {m}"));
            let rs = pcap::compile(&e, Action::Drop, Action::Pass).expect(&e);
            for (i, f) in frames.iter().enumerate() {
                let got = rs.eval(f).action == Action::Drop;
                if got != expected[i] {
                    failures.push(format!(
                        "{e:?}: {:02x?}: libpcap={} ours={got}",
                        f, expected[i]
                    ));
                }
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The documented-forms corpus (`tests/doc_corpus/pcap.txt`, written from pcap-filter(7)):
/// acceptance agrees with libpcap's for every line, and accepted lines give libpcap's verdict
/// on every packet of the corpus. Prints the share of documented forms that build.
#[test]
fn documented_forms_agree_with_libpcap() {
    if !common::tcpdump_available() {
        testkit::oracle::skip(
            "documented_forms_agree_with_libpcap",
            "tcpdump not installed",
        );
        return;
    }
    let dir = common::scratch("doc");
    let packets = common::corpus(9, 600);
    let input = dir.join("corpus.pcap");
    common::write_pcap(&input, &packets).expect("write corpus");
    let (mut documented, mut built) = (0, 0);
    let mut refused = Vec::new();
    let mut failures = Vec::new();
    let lines = include_str!("doc_corpus/pcap.txt")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'));
    for (n, line) in lines.enumerate() {
        let (e, refuse) = match line.strip_prefix("refused: ") {
            Some(e) => (e, true),
            None => (line, false),
        };
        let theirs = common::tcpdump_matches(&input, e, &dir.join(format!("o{n}.pcap")));
        let ours = pcap::compile(e, Action::Drop, Action::Pass);
        if theirs.is_ok() {
            documented += 1;
        }
        match (theirs, ours, refuse) {
            (Ok(expected), Ok(rs), false) => {
                built += 1;
                let bad = packets
                    .iter()
                    .enumerate()
                    .filter(|(i, p)| (rs.eval(p).action == Action::Drop) != expected[*i])
                    .count();
                if bad > 0 {
                    failures.push(format!("{e:?}: {bad} verdicts differ from libpcap's"));
                }
            }
            (Err(_), Err(_), false) => {}
            (Ok(_), Err(err), true) => refused.push(format!("{e}: {}", err.headline(e))),
            (theirs, ours, _) => failures.push(format!(
                "{e:?}: libpcap {}, ours {}{}",
                if theirs.is_ok() { "accepts" } else { "refuses" },
                if ours.is_ok() { "accepts" } else { "refuses" },
                if refuse {
                    " (marked as refused here)"
                } else {
                    ""
                }
            )),
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    println!(
        "pcap: {built} of {documented} documented forms libpcap accepts build ({}%); refused here:",
        100 * built / documented.max(1)
    );
    for r in &refused {
        println!("  {r}");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `pppoes [ID]` and what follows it (tests on the PPP payload, the PPP protocol standing for
/// the EtherType), against tcpdump, on PPPoE session frames carrying IPv4 and IPv6, other
/// frames, and cuts.
#[test]
fn pppoe_sessions_agree_with_libpcap() {
    if !common::tcpdump_available() {
        testkit::oracle::skip("pppoe_sessions_agree_with_libpcap", "tcpdump not installed");
        return;
    }
    let dir = common::scratch("pppoe");
    let mut frames: Vec<Vec<u8>> = Vec::new();
    for (d, ppp) in [
        ("eth ipv4/src=10.0.0.1 tcp/dport=80", 0x0021u16),
        ("eth ipv4/src=10.0.0.9 udp/dport=53", 0x0021),
        ("eth ipv6 tcp/dport=80", 0x0057),
        ("eth ipv6 icmp6", 0x0057),
        ("eth ipv4 tcp/dport=22", 0x0057),
    ] {
        let inner = testkit::packet::build(d).expect("packet");
        for sid in [5u16, 0x1234] {
            let mut f = inner[..12].to_vec();
            f.extend(0x8864u16.to_be_bytes());
            f.extend([0x11, 0x00]);
            f.extend(sid.to_be_bytes());
            f.extend(((inner.len() - 14 + 2) as u16).to_be_bytes());
            f.extend(ppp.to_be_bytes());
            f.extend(&inner[14..]);
            for cut in [f.len(), 16, 18, 21, 22, 30, 40] {
                frames.push(f[..cut.min(f.len())].to_vec());
            }
        }
        frames.push(inner);
    }
    frames.push(testkit::packet::build("eth/type=0x8863 hex=1109000000000000").expect("padi"));
    let input = dir.join("pppoe.pcap");
    common::write_pcap(&input, &frames).expect("write");
    let mut failures = Vec::new();
    for (n, e) in [
        "pppoes",
        "pppoes 5",
        "pppoes 0x1234",
        "not pppoes",
        "pppoes and ip",
        "pppoes and ip6",
        "pppoes 5 and tcp port 80",
        "pppoes and udp",
        "pppoes and host 10.0.0.1",
        "pppoes and not tcp",
        "pppoed or pppoes",
        "pppoes and ip[9] = 6",
        "tcp or (pppoes and tcp)",
    ]
    .iter()
    .enumerate()
    {
        let expected = common::tcpdump_matches(&input, e, &dir.join(format!("o{n}.pcap")))
            .unwrap_or_else(|m| panic!("{e}: {m}"));
        let rs = pcap::compile(e, Action::Drop, Action::Pass).expect(e);
        for (i, f) in frames.iter().enumerate() {
            let got = rs.eval(f).action == Action::Drop;
            if got != expected[i] {
                failures.push(format!(
                    "{e:?}: {:02x?}: libpcap={} ours={got}",
                    &f[..f.len().min(40)],
                    expected[i]
                ));
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `mpls [LABEL]` (nested, too) and IPv4/IPv6 tests after it, against tcpdump, on labelled
/// frames of one and two labels, other frames, and cuts.
#[test]
fn mpls_labels_agree_with_libpcap() {
    if !common::tcpdump_available() {
        testkit::oracle::skip("mpls_labels_agree_with_libpcap", "tcpdump not installed");
        return;
    }
    let dir = common::scratch("mpls");
    let mut frames: Vec<Vec<u8>> = Vec::new();
    let label =
        |l: u32, bos: bool| -> [u8; 4] { ((l << 12) | (u32::from(bos) << 8) | 64).to_be_bytes() };
    for d in [
        "eth ipv4/src=10.0.0.1 tcp/dport=80",
        "eth ipv6 udp/dport=53",
        "eth arp",
    ] {
        let inner = testkit::packet::build(d).expect("packet");
        for labels in [
            vec![(5u32, true)],
            vec![(5, false), (7, true)],
            vec![(7, true)],
            vec![(5, false), (9, false), (7, true)],
        ] {
            let mut f = inner[..12].to_vec();
            f.extend(0x8847u16.to_be_bytes());
            for (l, bos) in &labels {
                f.extend(label(*l, *bos));
            }
            f.extend(&inner[14..]);
            for cut in [f.len(), 16, 17, 18, 22, 30] {
                frames.push(f[..cut.min(f.len())].to_vec());
            }
        }
        frames.push(inner);
    }
    let input = dir.join("mpls.pcap");
    common::write_pcap(&input, &frames).expect("write");
    let mut failures = Vec::new();
    for (n, e) in [
        "mpls",
        "mpls 5",
        "mpls 7",
        "not mpls",
        "mpls and ip",
        "mpls and ip6",
        "mpls 5 and tcp port 80",
        "mpls and mpls 7",
        "mpls 5 and mpls 7 and ip",
        "mpls and mpls and mpls and ip",
        "mpls and host 10.0.0.1",
        "mpls and udp",
    ]
    .iter()
    .enumerate()
    {
        let expected = common::tcpdump_matches(&input, e, &dir.join(format!("o{n}.pcap")))
            .unwrap_or_else(|m| panic!("{e}: {m}"));
        let rs = pcap::compile(e, Action::Drop, Action::Pass).expect(e);
        for (i, f) in frames.iter().enumerate() {
            let got = rs.eval(f).action == Action::Drop;
            if got != expected[i] {
                failures.push(format!(
                    "{e:?}: {:02x?}: libpcap={} ours={got}",
                    &f[..f.len().min(40)],
                    expected[i]
                ));
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
