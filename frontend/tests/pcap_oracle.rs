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
