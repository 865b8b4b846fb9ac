//! The NFP backend end to end: programs the NFP profile accepts are translated to NFP words,
//! run on the simulator and compared with the reference interpreter (`ir::interp`): r0, the
//! packet out and every map's contents. Programs the profile or the translator refuse are
//! listed with their reasons.

use ir::interp::{self, Input};
use ir::runtime::Runtime;
use ir::Program;
use nfp_model::jit::translate;
use nfp_model::sim::Sim;
use nfp_model::Profile;

const BUDGET: u64 = 1_000_000;

/// What happened to one program.
enum Fate {
    Refused(String),
    Ran { nfp: usize, ebpf: usize },
}

/// Verify, translate and run `prog` on every packet; `Err` on any disagreement.
fn check(name: &str, prog: &Program, packets: &[Vec<u8>]) -> Result<Fate, String> {
    let profile = Profile::default();
    let caps = profile.capabilities();
    let v = match offload::verify(prog, &caps, &offload::Options::default()) {
        Ok(v) => v,
        Err(e) => {
            let r = &e.rejections[0];
            return Ok(Fate::Refused(format!(
                "profile: {} ({})",
                r.message, r.code
            )));
        }
    };
    let nfp = match translate(&v, &profile) {
        Ok(n) => n,
        Err(r) => {
            return Ok(Fate::Refused(format!(
                "translator at {:?}: {} ({})",
                r.pc, r.message, r.code
            )))
        }
    };
    let sim = Sim::for_program(&nfp, profile.timing).map_err(|e| format!("{name}: {e}"))?;
    for (i, pkt) in packets.iter().enumerate() {
        let mut rt_i = Runtime::new(prog);
        let mut rt_s = Runtime::new(prog);
        let want = interp::run(prog, &mut rt_i, &Input::Packet(pkt.clone()), BUDGET)
            .map_err(|e| format!("{name} packet {i}: interpreter: {e}"))?;
        let got = sim
            .run(&mut rt_s, pkt, BUDGET)
            .map_err(|e| format!("{name} packet {i}: simulator: {e}\n{}", nfp.listing()))?;
        if got.r0 != want.r0 || got.packet != want.packet || rt_s.dump() != rt_i.dump() {
            return Err(format!(
                "{name} packet {i}: simulator r0={:#x} interpreter r0={:#x}; packets equal: {}; maps equal: {}\n{}",
                got.r0,
                want.r0,
                got.packet == want.packet,
                rt_s.dump() == rt_i.dump(),
                nfp.listing()
            ));
        }
    }
    Ok(Fate::Ran {
        nfp: nfp.code.len(),
        ebpf: nfp.ebpf_insns,
    })
}

#[test]
fn corpus_programs_agree_with_the_interpreter() {
    let entries = testkit::corpus::load_all().expect("corpus");
    let (mut ran, mut refused, mut failures) = (0, Vec::new(), Vec::new());
    let (mut nfp_total, mut ebpf_total) = (0, 0);
    for e in &entries {
        let prog = match ir::asm::assemble(&e.source) {
            Ok(p) => p,
            Err(err) => {
                refused.push(format!("{}: assembler: {err}", e.name));
                continue;
            }
        };
        let packets: Vec<Vec<u8>> = e.cases.iter().map(|c| c.packet.clone()).collect();
        match check(&e.name, &prog, &packets) {
            Ok(Fate::Ran { nfp, ebpf }) => {
                ran += 1;
                nfp_total += nfp;
                ebpf_total += ebpf;
            }
            Ok(Fate::Refused(why)) => refused.push(format!("{}: {why}", e.name)),
            Err(m) => failures.push(m),
        }
    }
    println!(
        "NFP: {ran} corpus programs agree with the interpreter ({nfp_total} NFP / {ebpf_total} eBPF insns = {:.2}); {} refused:",
        nfp_total as f64 / ebpf_total.max(1) as f64,
        refused.len()
    );
    for r in &refused {
        println!("  refused {r}");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(ran > 0);
}
