//! The NFP row programs (`tests/c/`, compiled with clang) that the profile accepts, translated
//! and run on the simulator, agree with the interpreter on a few packets (r0, packet out,
//! maps); the ones the translator cannot take are listed with the reason. SKIP without clang.

mod support;

use ir::interp::{self, Input};
use ir::runtime::Runtime;
use support::{compile, have_clang, row_programs, Annotations};

fn packets() -> Vec<Vec<u8>> {
    let mut tcp = vec![0u8; 64];
    tcp[12..14].copy_from_slice(&[0x08, 0x00]);
    tcp[14] = 0x45;
    tcp[23] = 6;
    tcp[36..38].copy_from_slice(&80u16.to_be_bytes());
    let mut big = tcp.clone();
    big.resize(300, 0x5a);
    vec![tcp, vec![0u8; 14], big]
}

#[test]
fn accepted_row_programs_agree_with_the_interpreter_on_the_simulator() {
    let test = "accepted_row_programs_agree_with_the_interpreter_on_the_simulator";
    let Some(clang) = have_clang(test) else {
        return;
    };
    let (mut ran, mut gaps, mut failures) = (0, Vec::new(), Vec::new());
    for name in row_programs() {
        let profile = Annotations::read(&name).profile();
        let Ok(prog) = compile(&clang, &name) else {
            continue;
        };
        let Ok(v) = offload::verify(&prog, &profile.capabilities(), &offload::Options::default())
        else {
            continue;
        };
        let nfp = match nfp_model::jit::translate(&v, &profile) {
            Ok(n) => n,
            Err(r) => {
                gaps.push(format!("{name}: {} ({})", r.message, r.code));
                continue;
            }
        };
        let sim = nfp_model::sim::Sim::for_program(&nfp, profile.timing).expect("decode");
        for pkt in packets() {
            let mut rt_i = Runtime::new(&prog);
            let mut rt_s = Runtime::new(&prog);
            let want = interp::run(&prog, &mut rt_i, &Input::Packet(pkt.clone()), 1 << 20);
            let got = sim.run(&mut rt_s, &pkt, 1 << 24);
            match (want, got) {
                (Ok(w), Ok(g))
                    if w.r0 == g.r0 && w.packet == g.packet && rt_i.dump() == rt_s.dump() => {}
                (w, g) => failures.push(format!(
                    "{name}: interpreter {:?} simulator {:?}\n{}",
                    w.map(|o| o.r0),
                    g.map(|o| o.r0),
                    nfp.listing()
                )),
            }
        }
        ran += 1;
    }
    println!(
        "NFP simulator: {ran} accepted row programs agree with the interpreter; translator gaps:"
    );
    for g in &gaps {
        println!("  {g}");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
