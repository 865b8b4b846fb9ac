//! ethtool n-tuple: 150+ rules across every flow type and field, with ethtool's inverted masks.
//! Each parses; the compiled program agrees with `RuleSet::eval`; ethtool's own parser accepts
//! every one and rejects what we reject as bad syntax (on a device without n-tuple support it
//! still parses the line first: a parse error says "bad command line argument(s)"); where
//! iptables or nft say the same, the canonical RuleSets are equal.

mod rules_common;

use frontend::lower::Hook;
use frontend::ruleset::Action;
use frontend::syntax::canon::canonical;
use frontend::{ethtool, iptables, nft};
use rules_common::lists::*;
use rules_common::*;

fn line(r: &str, i: usize) -> String {
    let action = if i % 3 == 2 {
        "0".to_string()
    } else {
        "-1".to_string()
    };
    format!("ethtool -N eth0 {r} action {action}")
}

#[test]
fn every_rule_parses_and_the_program_agrees() {
    let rs = ethtool_rules();
    assert!(rs.len() >= 150, "{} rules", rs.len());
    let mut packets = packets_v4(51, 120);
    packets.extend(packets_v6(52, 60));
    packets.extend(odd_packets());
    let mut failures = Vec::new();
    for (i, r) in rs.iter().enumerate() {
        let l = line(r, i);
        match ethtool::parse(&l) {
            Ok(p) => failures.extend(lowered_disagreements(&p.ruleset, Hook::Xdp, &packets, &l)),
            Err(e) => failures.push(e.render("<rule>", &l)),
        }
    }
    let all: Vec<String> = rs
        .iter()
        .enumerate()
        .map(|(i, r)| line(r, i))
        .filter(|l| !l.contains(" loc "))
        .collect();
    match ethtool::parse(&all.join("\n")) {
        Ok(p) => failures.extend(lowered_disagreements(
            &p.ruleset,
            Hook::Xdp,
            &packets,
            "all",
        )),
        Err(e) => failures.push(e.render("all", &all.join("\n"))),
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn masks_mean_ignore() {
    let p =
        ethtool::parse("ethtool -N eth0 flow-type tcp4 src-ip 10.0.0.0 m 0.255.255.255 action -1")
            .unwrap();
    let pk = |d: &str| testkit::packet::build(d).unwrap();
    assert_eq!(
        p.ruleset.eval(&pk("eth ipv4/src=10.9.8.7 tcp")).action,
        Action::Drop
    );
    assert_eq!(
        p.ruleset.eval(&pk("eth ipv4/src=11.9.8.7 tcp")).action,
        Action::Pass
    );
    // The same filter in flower spells the mask the other way round.
    let f = frontend::flower::parse("tc filter add dev eth0 ingress protocol ip flower ip_proto tcp src_ip 10.0.0.0/8 action drop").unwrap();
    assert_eq!(canonical(&p.ruleset), canonical(&f.ruleset));
}

#[test]
fn locations_queues_and_delete() {
    let text = "ethtool -N eth0 flow-type tcp4 dst-port 80 action 2 loc 10\n\
                ethtool -N eth0 flow-type tcp4 action -1 loc 5\n\
                ethtool -N eth0 flow-type udp4 dst-port 53 action -1 loc 7\n\
                ethtool -N eth0 delete 7\n";
    let p = ethtool::parse(text).unwrap();
    let rules = &p.ruleset.chains[0].rules;
    assert_eq!(rules.len(), 2);
    assert_eq!(rules[0].action, Action::Drop, "loc 5 first");
    assert_eq!(p.queues, vec![(1, 2)]);
    assert!(p.notes.iter().any(|n| n.contains("queue")));
    let e = ethtool::parse("ethtool -N eth0 flow-type tcp4 dst-port 80 action -2").unwrap_err();
    assert!(e.note.unwrap().contains("wak"));
    let e = ethtool::parse("ethtool -N eth0 flow-type tcp4 dst-port 80 context 1").unwrap_err();
    assert!(e.message.contains("context"));
}

#[test]
fn same_as_iptables_and_nft() {
    let pairs = [
        ("flow-type tcp4 dst-port 80", "-p tcp --dport 80"),
        (
            "flow-type udp4 src-ip 10.0.0.0 m 0.255.255.255",
            "-p udp -s 10.0.0.0/8",
        ),
        ("flow-type ip4 l4proto 47", "-p 47"),
        ("flow-type ip4 tos 0x10", "-m tos --tos 0x10/0xff"),
        (
            "flow-type tcp4 src-ip 1.2.3.4 dst-port 22",
            "-s 1.2.3.4 -p tcp --dport 22",
        ),
        ("flow-type sctp4 src-port 53", "-p sctp --sport 53"),
    ];
    let mut bad = Vec::new();
    for (e, i) in pairs {
        let a = canonical(
            &ethtool::parse(&format!("ethtool -N eth0 {e} action -1"))
                .expect(e)
                .ruleset,
        );
        let b = canonical(
            &iptables::parse(&format!("-A INPUT {i} -j DROP"))
                .expect(i)
                .ruleset,
        );
        if a != b {
            bad.push(format!(
                "{e} vs {i}:\n {:?}\n {:?}",
                a.chains[0].rules, b.chains[0].rules
            ));
        }
    }
    let a = canonical(
        &ethtool::parse("ethtool -N eth0 flow-type tcp6 dst-port 22 action -1")
            .unwrap()
            .ruleset,
    );
    let b = canonical(
        &iptables::parse("ip6tables -A INPUT -p tcp --dport 22 -j DROP")
            .unwrap()
            .ruleset,
    );
    if a != b {
        bad.push("tcp6".into());
    }
    for (e, n) in [
        (
            "flow-type ether src 00:11:22:33:44:55",
            "ether saddr 00:11:22:33:44:55",
        ),
        ("flow-type ether proto 0x0806", "ether type arp"),
        ("flow-type esp4 spi 5", "ip protocol esp @th,0,32 5"),
    ] {
        let a = canonical(
            &ethtool::parse(&format!("ethtool -N eth0 {e} action -1"))
                .expect(e)
                .ruleset,
        );
        let b = canonical(&nft::parse(&format!("table netdev t {{ chain c {{ type filter hook ingress device eth0 priority 0; {n} drop; }} }}")).expect(n).ruleset);
        if a != b {
            bad.push(format!(
                "{e} vs nft {n}:\n {:?}\n {:?}",
                a.chains[0].rules, b.chains[0].rules
            ));
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn ethtool_parser_accepts_what_we_accept() {
    if !oracle_available("ethtool_parser_accepts_what_we_accept", &["ethtool"]) {
        return;
    }
    let rs = ethtool_rules();
    let bad = [
        "flow-type tcp4 dst-prt 80",
        "flow-type tcp4 dst-port 70000",
        "flow-type tcp4 l4proto 6",
        "flow-type ether src-ip 1.2.3.4",
        "flow-type tcp5 dst-port 80",
        "flow-type tcp4 src-ip 1.2.3",
        "flow-type udp4 tclass 0x10",
        "flow-type ip6 tos 0x10",
        "flow-type tcp4 src-ip 2001:db8::1",
        "flow-type ether src 00:11:22:33:44",
        "flow-type tcp4 dst-port 80 m",
    ];
    let mut script = String::from("ip link set lo up\n");
    for r in rs
        .iter()
        .chain(bad.iter().map(|s| s.to_string()).collect::<Vec<_>>().iter())
    {
        script.push_str(&format!(
            "if ethtool -N lo {r} action -1 2>&1 | grep -q 'bad command line'; then echo parse=bad; else echo parse=ok; fi\n"
        ));
    }
    let (_, out) = in_netns(&script);
    let verdicts: Vec<bool> = out
        .lines()
        .filter_map(|l| l.strip_prefix("parse="))
        .map(|v| v == "ok")
        .collect();
    assert_eq!(verdicts.len(), rs.len() + bad.len(), "{out}");
    let mut problems = Vec::new();
    for (i, r) in rs.iter().enumerate() {
        if !verdicts[i] {
            problems.push(format!("ethtool refused: {r}"));
        }
    }
    for (j, r) in bad.iter().enumerate() {
        let ours = ethtool::parse(&format!("ethtool -N eth0 {r} action -1"));
        if verdicts[rs.len() + j] || ours.is_ok() {
            problems.push(format!(
                "{r}: ethtool parse ok={} ours ok={}",
                verdicts[rs.len() + j],
                ours.is_ok()
            ));
        }
    }
    println!(
        "{} rules accepted by ethtool's parser, {} refused by both",
        rs.len(),
        bad.len()
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn diagnostics() {
    let l = "ethtool -N eth0 flow-type tcp4 dst-prt 80 action -1";
    let e = ethtool::parse(l).unwrap_err();
    assert_eq!(
        e.headline(l),
        "1:32: Add rule, unrecognized option[dst-prt]"
    );
    assert!(e.note.unwrap().contains("did you mean 'dst-port'?"));
}
