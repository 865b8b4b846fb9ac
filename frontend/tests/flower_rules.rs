//! tc flower: 150+ filters across every supported key. Each parses; the compiled program
//! agrees with `RuleSet::eval` (XDP and TC); iproute2's `tc` parser accepts every one and
//! rejects what we reject as bad syntax; where iptables or nft say the same, the canonical
//! RuleSets are equal.

mod rules_common;

use frontend::lower::Hook;
use frontend::syntax::canon::canonical;
use frontend::{flower, iptables, nft};
use rules_common::lists::*;
use rules_common::*;

fn line(f: &str, i: usize) -> String {
    let action = ["drop", "pass", "ok", "continue"][i % 4];
    format!(
        "tc filter add dev eth0 ingress prio {} {f} action {action}",
        i + 1
    )
}

#[test]
fn every_filter_parses_and_the_program_agrees() {
    let fs = flower_filters();
    assert!(fs.len() >= 150, "{} filters", fs.len());
    let mut packets = packets_v4(41, 120);
    packets.extend(packets_v6(42, 50));
    packets.extend(odd_packets());
    for d in [
        "eth vlan/id=5 ipv4 tcp/dport=80",
        "eth qinq/id=7 vlan/id=8 ipv4 tcp/dport=22",
        "eth vlan/id=8 ipv6 udp",
        "eth arp/op=2",
        "eth/src=00:11:22:33:44:55 arp/tpa=10.0.0.2",
    ] {
        packets.push(testkit::packet::build(d).unwrap());
    }
    let mut failures = Vec::new();
    for (i, f) in fs.iter().enumerate() {
        let l = line(f, i);
        match flower::parse(&l) {
            Ok(p) => {
                failures.extend(lowered_disagreements(&p.ruleset, Hook::Xdp, &packets, &l));
                if i % 3 == 0 {
                    failures.extend(lowered_disagreements(&p.ruleset, Hook::Tc, &packets, &l));
                }
            }
            Err(e) => failures.push(e.render("<filter>", &l)),
        }
    }
    // All of them as one filter list (ordered by prio), and chains with goto.
    let all: Vec<String> = fs.iter().enumerate().map(|(i, f)| line(f, i)).collect();
    match flower::parse(&all.join("\n")) {
        Ok(p) => failures.extend(lowered_disagreements(
            &p.ruleset,
            Hook::Xdp,
            &packets,
            "all",
        )),
        Err(e) => failures.push(e.render("all", &all.join("\n"))),
    }
    let chained = "tc filter add dev eth0 ingress prio 1 protocol ip flower ip_proto tcp action goto chain 1\n\
                   tc filter add dev eth0 ingress prio 2 protocol ip flower action drop\n\
                   tc filter add dev eth0 ingress chain 1 prio 1 protocol ip flower ip_proto tcp dst_port 22 action pass\n\
                   tc filter add dev eth0 ingress chain 1 prio 2 protocol ip flower ip_proto tcp dst_port 23 action drop\n";
    let p = flower::parse(chained).expect("chains");
    let pk = |d: &str| testkit::packet::build(d).unwrap();
    use frontend::ruleset::Action;
    assert_eq!(
        p.ruleset.eval(&pk("eth ipv4 tcp/dport=22")).action,
        Action::Pass
    );
    assert_eq!(
        p.ruleset.eval(&pk("eth ipv4 tcp/dport=23")).action,
        Action::Drop
    );
    // goto does not come back to chain 0's "drop": unmatched in chain 1 passes.
    assert_eq!(
        p.ruleset.eval(&pk("eth ipv4 tcp/dport=24")).action,
        Action::Pass
    );
    assert_eq!(p.ruleset.eval(&pk("eth ipv4 udp")).action, Action::Drop);
    failures.extend(lowered_disagreements(
        &p.ruleset,
        Hook::Tc,
        &packets,
        "chains",
    ));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn same_as_iptables_and_nft() {
    let pairs_ipt = [
        (
            "protocol ip flower ip_proto tcp dst_port 80",
            "-p tcp --dport 80",
        ),
        ("protocol ip flower src_ip 10.0.0.0/8", "-s 10.0.0.0/8"),
        (
            "protocol ip flower ip_proto udp src_port 53",
            "-p udp --sport 53",
        ),
        (
            "protocol ip flower ip_proto tcp dst_port 80-90",
            "-p tcp --dport 80:90",
        ),
        ("protocol ip flower ip_ttl 64", "-m ttl --ttl-eq 64"),
        (
            "protocol ip flower ip_proto icmp type 8",
            "-p icmp --icmp-type 8",
        ),
        (
            "protocol ip flower ip_proto icmp type 3 code 3",
            "-p icmp --icmp-type 3/3",
        ),
        ("protocol ip flower ip_tos 0xb8/0xfc", "-m dscp --dscp 46"),
        ("protocol ip flower ip_tos 0x10", "-m tos --tos 0x10/0xff"),
        (
            "protocol ip flower dst_ip 224.0.0.0/4",
            "-m addrtype --dst-type MULTICAST",
        ),
        (
            "protocol ip flower src_ip 10.0.0.1 dst_ip 10.0.0.2 ip_proto udp dst_port 53",
            "-s 10.0.0.1 -d 10.0.0.2 -p udp --dport 53",
        ),
        ("protocol ip flower ip_proto 2f", "-p 47"),
        (
            "protocol ip flower src_mac 00:11:22:33:44:55",
            "-m mac --mac-source 00:11:22:33:44:55",
        ),
    ];
    let mut bad = Vec::new();
    for (f, i) in pairs_ipt {
        let a = canonical(
            &flower::parse(&format!("tc filter add dev eth0 ingress {f} action drop"))
                .expect(f)
                .ruleset,
        );
        let b = canonical(
            &iptables::parse(&format!("-A INPUT {i} -j DROP"))
                .expect(i)
                .ruleset,
        );
        if a != b {
            bad.push(format!(
                "{f} vs {i}:\n {:?}\n {:?}",
                a.chains[0].rules, b.chains[0].rules
            ));
        }
    }
    let a = canonical(&flower::parse("tc filter add dev eth0 ingress protocol ipv6 flower ip_proto tcp dst_port 443 action drop").unwrap().ruleset);
    let b = canonical(
        &iptables::parse("ip6tables -A INPUT -p tcp --dport 443 -j DROP")
            .unwrap()
            .ruleset,
    );
    if a != b {
        bad.push("ipv6 tcp 443".into());
    }
    let pairs_nft = [
        (
            "protocol all flower src_mac 00:11:22:33:44:55",
            "ether saddr 00:11:22:33:44:55",
        ),
        ("protocol 802.1q flower vlan_id 5", "vlan id 5"),
        ("protocol arp flower arp_op request", "arp operation 1"),
        (
            "protocol ip flower ip_proto tcp dst_port 22",
            "meta protocol ip meta l4proto tcp tcp dport 22",
        ),
        (
            "protocol ipv6 flower src_ip 2001:db8::/32",
            "ip6 saddr 2001:db8::/32",
        ),
    ];
    for (f, n) in pairs_nft {
        let a = canonical(
            &flower::parse(&format!("tc filter add dev eth0 ingress {f} action drop"))
                .expect(f)
                .ruleset,
        );
        let b = canonical(&nft::parse(&format!("table netdev t {{ chain c {{ type filter hook ingress device eth0 priority 0; {n} drop; }} }}")).expect(n).ruleset);
        if a != b {
            bad.push(format!(
                "{f} vs nft {n}:\n {:?}\n {:?}",
                a.chains[0].rules, b.chains[0].rules
            ));
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

/// iproute2's tc parses every filter we accept, and refuses what we refuse as bad syntax.
/// Without cls_flower in the kernel, tc still parses the line first: a parse error exits 1
/// (or 255 for an incomplete line), a kernel refusal exits 2.
#[test]
fn tc_parser_accepts_what_we_accept() {
    if !oracle_available("tc_parser_accepts_what_we_accept", &["tc"]) {
        return;
    }
    let fs = flower_filters();
    let mut script = String::from("ip link set lo up; tc qdisc add dev lo clsact\n");
    let cmd = |f: &str| {
        format!("tc filter add dev lo ingress {f} action drop >/dev/null 2>&1; echo rc=$?\n")
    };
    for f in &fs {
        script.push_str(&cmd(&f.replace("indev eth0", "indev lo")));
    }
    let bad = [
        "flower ip_proto tcp",
        "protocol ip flower dst_port 80",
        "protocol ip flower ip_proto 100",
        "protocol ip flower ip_proto tcp dst_prt 80",
        "protocol ip flower ip_ttl 300",
        "protocol ip flower src_ip 2001:db8::1",
        "protocol 802.1q flower vlan_id 4096",
        "protocol ip flower vlan_id 5",
        "protocol ip flower ip_proto icmp type 0x8",
        "protocol ip flower ip_proto tcp dst_port 90-80",
        "protocol ip flower ip_proto tcp tcp_flags 1000",
        "protocol ip flower ip_flags fragment",
        "protocol ipv6 flower src_ip 10.0.0.1",
        "protocol ip flower ip_proto icmp type 300",
        "protocol arp flower ip_proto tcp",
        "protocol ip flower arp_op request",
    ];
    for f in bad {
        script.push_str(&cmd(f));
    }
    let (rc, out) = in_netns(&script);
    assert_eq!(rc, 0, "{out}");
    let rcs: Vec<i32> = out
        .lines()
        .filter_map(|l| l.strip_prefix("rc="))
        .filter_map(|v| v.parse().ok())
        .collect();
    assert_eq!(rcs.len(), fs.len() + bad.len(), "{out}");
    let mut problems = Vec::new();
    for (i, f) in fs.iter().enumerate() {
        if rcs[i] != 0 && rcs[i] != 2 {
            problems.push(format!("tc refused: {f} (rc {})", rcs[i]));
        }
    }
    for (j, f) in bad.iter().enumerate() {
        let tc_parse_error = matches!(rcs[fs.len() + j], 1 | 255);
        let ours = flower::parse(&format!("tc filter add dev eth0 ingress {f} action drop"));
        if !tc_parse_error || ours.is_ok() {
            problems.push(format!(
                "{f}: tc rc {} ours ok={}",
                rcs[fs.len() + j],
                ours.is_ok()
            ));
        }
    }
    println!(
        "{} filters accepted by tc's parser, {} refused by both",
        fs.len(),
        bad.len()
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn refusals_and_diagnostics() {
    // Stricter than tc: tc takes tcp_flags whatever the ip_proto (the key is then 0 for
    // non-TCP packets); we ask for 'ip_proto tcp'.
    let l =
        "tc filter add dev eth0 ingress protocol ip flower ip_proto udp tcp_flags 0x2 action drop";
    assert!(flower::parse(l)
        .unwrap_err()
        .note
        .unwrap()
        .contains("ip_proto tcp"));
    for (f, why) in [
        ("protocol ip flower enc_key_id 5", "tunnel metadata"),
        ("protocol ip flower ct_state +trk", "connection-tracking"),
        ("protocol ip flower mpls_label 5", "label stacks"),
    ] {
        let l = format!("tc filter add dev eth0 ingress {f} action drop");
        let e = flower::parse(&l).expect_err(f);
        assert!(e.render("<f>", &l).contains(why), "{f}");
    }
    let l = "tc filter add dev eth0 ingress protocol ip flower ip_proto tcp dst_prt 80 action drop";
    let e = flower::parse(l).unwrap_err();
    assert_eq!(e.headline(l), "1:64: What is \"dst_prt\"?");
    assert_eq!(e.note.as_deref(), Some("did you mean 'dst_port'?"));
    let l = "tc filter add dev eth0 ingress protocol ip flower ip_proto tcp action mirred egress redirect dev eth1";
    assert!(flower::parse(l).is_err());
    let two = "tc filter add dev eth0 ingress protocol ip flower action drop\ntc filter add dev eth1 ingress protocol ip flower action drop";
    let e = flower::parse(two).unwrap_err();
    assert!(e.headline(two).starts_with("2:19:"), "{}", e.headline(two));
    let p = flower::parse(
        "tc filter add dev eth0 ingress protocol ip flower skip_hw ip_proto tcp action drop",
    )
    .unwrap();
    assert!(p.notes.iter().any(|n| n.contains("skip_hw")));
}
