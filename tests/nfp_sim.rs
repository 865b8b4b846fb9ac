//! The NFP backend against the rules' own meaning: every pcap expression that builds for the
//! NFP and the canonical example from all five syntaxes, compiled for the NFP
//! (the NFP profile's code-generation options), verified under the NFP profile, translated to NFP words and run on
//! the simulator, give on a packet corpus what `RuleSet::eval` gives. Programs the translator
//! cannot take are listed with the reason (none are expected here).

#[path = "../frontend/tests/common/mod.rs"]
mod common;

use frontend::lower::{lower, Hook, LowerOptions};
use frontend::ruleset::{Action, RuleSet};
use ir::runtime::Runtime;
use nfp_model::jit::translate;
use nfp_model::sim::Sim;
use nfp_model::Profile;

fn opts() -> LowerOptions {
    LowerOptions {
        hook: Hook::Xdp,
        codegen: Profile::default().capabilities().codegen,
        ..LowerOptions::default()
    }
}

/// `Ok(true)`: ran and agreed; `Ok(false)`: the NFP profile refuses it; `Err`: a translation
/// gap or a disagreement.
fn check(name: &str, rs: &RuleSet, packets: &[Vec<u8>]) -> Result<bool, String> {
    let profile = Profile::default();
    let lowered = lower(rs, &opts()).map_err(|e| format!("{name}: lowering: {e}"))?;
    let prog = &lowered.program;
    let Ok(v) = offload::verify(prog, &profile.capabilities(), &offload::Options::default()) else {
        return Ok(false);
    };
    let nfp = translate(&v, &profile).map_err(|r| format!("{name}: translator: {r}"))?;
    let sim = Sim::for_program(&nfp, profile.timing).map_err(|e| format!("{name}: {e}"))?;
    let mut rt = Runtime::new(prog);
    for p in packets {
        let want = Hook::Xdp.code(rs.eval(p).action).map(|c| c as u64);
        let got = sim.run(&mut rt, p, 1 << 24).map(|o| o.r0).ok();
        if got != want {
            return Err(format!(
                "{name}: eval {want:?}, NFP simulator {got:?} on {p:02x?}\n{}",
                nfp.listing()
            ));
        }
    }
    Ok(true)
}

fn packets() -> Vec<Vec<u8>> {
    common::corpus(7, 200)
        .into_iter()
        .filter(|p| p.len() >= 14)
        .collect()
}

#[test]
fn pcap_expressions_built_for_the_nfp_agree_with_eval_on_the_simulator() {
    let packets = packets();
    let (mut ran, mut refused, mut failures) = (0, 0, Vec::new());
    for e in common::exprs::expressions() {
        let Ok(rs) = frontend::pcap::compile(&e, Action::Drop, Action::Pass) else {
            continue;
        };
        match check(&e, &rs, &packets) {
            Ok(true) => ran += 1,
            Ok(false) => refused += 1,
            Err(m) => failures.push(m),
        }
    }
    println!(
        "NFP simulator: {ran} pcap expressions agree with eval; {refused} refused by the profile"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(ran > 0);
}

#[test]
fn the_canonical_example_in_all_five_syntaxes_agrees_with_eval_on_the_simulator() {
    let packets = packets();
    let sets: Vec<(&str, RuleSet)> = vec![
        (
            "iptables",
            frontend::iptables::parse("-A INPUT -i eth0 -p tcp --dport 80 -j DROP")
                .expect("iptables")
                .ruleset,
        ),
        (
            "nft",
            frontend::nft::parse("add rule ip filter input iif eth0 tcp dport 80 drop")
                .expect("nft")
                .ruleset,
        ),
        (
            "tcpdump",
            frontend::pcap::compile("ip and tcp dst port 80", Action::Drop, Action::Pass)
                .expect("pcap"),
        ),
        (
            "tc flower",
            frontend::flower::parse(
                "tc filter add dev eth0 ingress protocol ip flower ip_proto tcp dst_port 80 action drop",
            )
            .expect("flower")
            .ruleset,
        ),
        (
            "ethtool",
            frontend::ethtool::parse("ethtool -U eth0 flow-type tcp4 dst-port 80 action -1")
                .expect("ethtool")
                .ruleset,
        ),
    ];
    for (name, rs) in &sets {
        assert_eq!(check(name, rs, &packets), Ok(true), "{name}");
    }
}
