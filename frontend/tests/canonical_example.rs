//! The canonical example of DESIGN.md: one filter (drop IPv4 TCP to port 80 arriving on eth0)
//! in the five syntaxes gives one canonical RuleSet, and the interface is the attach point.

use frontend::lower::{lower, Hook, LowerOptions};
use frontend::ruleset::{Action, RuleSet};
use frontend::syntax::canon::canonical;
use frontend::syntax::Direction;
use frontend::{ethtool, flower, iptables, nft, pcap};
use ir::interp::{run, Input};
use ir::runtime::Runtime;

fn pcap_rs() -> RuleSet {
    pcap::compile("ip and tcp dst port 80", Action::Drop, Action::Pass).expect("pcap")
}

#[test]
fn iptables_equals_pcap() {
    let p = iptables::parse("iptables -A INPUT -i eth0 -p tcp --dport 80 -j DROP").expect("parse");
    assert_eq!(p.attach.as_ref().map(|a| a.dev.as_str()), Some("eth0"));
    assert_eq!(
        canonical(&p.ruleset),
        canonical(&pcap_rs()),
        "{:#?}",
        p.ruleset
    );
}

#[test]
fn nft_equals_pcap() {
    let p = nft::parse("nft add rule ip filter input iif eth0 tcp dport 80 drop").expect("parse");
    assert_eq!(p.attach.as_ref().map(|a| a.dev.as_str()), Some("eth0"));
    assert_eq!(
        canonical(&p.ruleset),
        canonical(&pcap_rs()),
        "{:#?}",
        p.ruleset
    );
}

#[test]
fn flower_equals_pcap() {
    let p = flower::parse(
        "tc filter add dev eth0 ingress protocol ip flower ip_proto tcp dst_port 80 action drop",
    )
    .expect("parse");
    assert_eq!(p.attach.as_ref().map(|a| a.dev.as_str()), Some("eth0"));
    assert_eq!(
        canonical(&p.ruleset),
        canonical(&pcap_rs()),
        "{:#?}",
        p.ruleset
    );
}

#[test]
fn ethtool_equals_pcap() {
    let p = ethtool::parse("ethtool -U eth0 flow-type tcp4 dst-port 80 action -1").expect("parse");
    assert_eq!(p.attach.as_ref().map(|a| a.dev.as_str()), Some("eth0"));
    assert_eq!(
        canonical(&p.ruleset),
        canonical(&pcap_rs()),
        "{:#?}",
        p.ruleset
    );
}

/// All five, side by side: one canonical RuleSet, one attach point, and the same verdicts from
/// the evaluator and from the compiled program (XDP and TC) on the same packets.
#[test]
fn all_five_agree() {
    let sets = [
        iptables::parse("iptables -A INPUT -i eth0 -p tcp --dport 80 -j DROP").unwrap(),
        nft::parse("nft add rule ip filter input iif eth0 tcp dport 80 drop").unwrap(),
        flower::parse("tc filter add dev eth0 ingress protocol ip flower ip_proto tcp dst_port 80 action drop").unwrap(),
        ethtool::parse("ethtool -U eth0 flow-type tcp4 dst-port 80 action -1").unwrap(),
    ];
    let reference = canonical(&pcap_rs());
    for p in &sets {
        assert_eq!(canonical(&p.ruleset), reference, "{}", p.ruleset.syntax);
        let a = p.attach.as_ref().expect("attach");
        assert_eq!((a.dev.as_str(), a.direction), ("eth0", Direction::Ingress));
    }
    let packets: Vec<Vec<u8>> = [
        "eth ipv4 tcp/dport=80",
        "eth ipv4 tcp/dport=81",
        "eth ipv4/frag=0x0005 tcp/dport=80",
        "eth ipv4/frag=0x2000 tcp/dport=80",
        "eth ipv4/opts=12 tcp/dport=80",
        "eth ipv4 udp/dport=80",
        "eth ipv6 tcp/dport=80",
        "eth vlan/id=5 ipv4 tcp/dport=80",
        "eth arp",
        "eth ipv4 tcp/dport=80 trunc=36",
    ]
    .iter()
    .map(|d| testkit::packet::build(d).unwrap())
    .collect();
    let want: Vec<Action> = packets.iter().map(|p| pcap_rs().eval(p).action).collect();
    assert_eq!(want[0], Action::Drop);
    assert_eq!(want[1], Action::Pass);
    for p in &sets {
        for hook in [Hook::Xdp, Hook::Tc] {
            let l = lower(
                &p.ruleset,
                &LowerOptions {
                    hook,
                    ..LowerOptions::default()
                },
            )
            .unwrap();
            let mut rt = Runtime::new(&l.program);
            for (i, pk) in packets.iter().enumerate() {
                assert_eq!(
                    p.ruleset.eval(pk).action,
                    want[i],
                    "{} eval packet {i}",
                    p.ruleset.syntax
                );
                let r0 = run(&l.program, &mut rt, &Input::Packet(pk.clone()), 100_000)
                    .unwrap()
                    .r0;
                assert_eq!(
                    Some(r0),
                    hook.code(want[i]).map(|c| c as u64),
                    "{} {hook:?} packet {i}",
                    p.ruleset.syntax
                );
            }
        }
    }
}

/// The two spellings the real tools refuse get a helpful error here too.
#[test]
fn the_two_classic_mistakes() {
    let line = "iptables -A INPUT -i eth0 -p tcp --dport 80 -j drop";
    let e = iptables::parse(line).unwrap_err();
    let text = e.render("<rule>", line);
    assert!(
        text.contains("case-sensitive") && text.contains("'DROP'"),
        "{text}"
    );
    let line = "tc filter add dev eth0 ingress flower ip_proto tcp dst_port 80 action drop";
    let e = flower::parse(line).unwrap_err();
    assert_eq!(e.message, "Illegal \"eth_type\" for ip proto");
    assert!(e.render("<rule>", line).contains("protocol ip"));
}
