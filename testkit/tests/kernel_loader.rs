//! The one kernel loader (`testkit::kernel`) against the reference interpreter: the canonical
//! example loads, and `BPF_PROG_TEST_RUN` returns what `ir::interp` returns on its packets.
#![cfg(feature = "kernel")]

use ir::interp::{run, Input};
use ir::runtime::Runtime;
use testkit::kernel::{available, Loaded};

#[test]
fn loaded_programs_run_in_the_kernel_as_in_the_interpreter() {
    if let Err(why) = available() {
        testkit::oracle::skip(
            "loaded_programs_run_in_the_kernel_as_in_the_interpreter",
            why,
        );
        return;
    }
    let e = testkit::corpus::load(&testkit::corpus::examples_dir().join("drop_tcp80.s"))
        .expect("canonical example");
    let prog = ir::asm::assemble(&e.source).expect("assembles");
    let loaded = Loaded::load(&prog).expect("the kernel loads it");
    for spec in [
        "eth ipv4 tcp/dport=80",
        "eth ipv4 tcp/dport=81",
        "eth ipv6 udp",
    ] {
        let packet = testkit::packet::build(spec).expect("packet");
        let mut rt = Runtime::new(&prog);
        let ours = run(&prog, &mut rt, &Input::Packet(packet.clone()), 1 << 20).expect("runs");
        let (kernel, _) = loaded.test_run(&packet, 1).expect("test run");
        assert_eq!(kernel as u64, ours.r0, "{spec}");
    }
    // A program the kernel refuses is an error carrying its log.
    let bad = ir::asm::assemble(".section xdp\nexit\n").expect("assembles");
    let err = Loaded::load(&bad).unwrap_err();
    assert!(err.contains("R0"), "{err}");
}
