//! The canonical example of DESIGN.md: one filter (drop IPv4 TCP to port 80 arriving on eth0)
//! in the five syntaxes gives one canonical RuleSet, and the interface is the attach point.

use frontend::ruleset::{Action, RuleSet};
use frontend::syntax::canon::canonical;
use frontend::{iptables, nft, pcap};

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
