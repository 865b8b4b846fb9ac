//! Tail calls through a PROG_ARRAY on RV64 under the emulator, as the interpreter runs them:
//! the limit of 33 and a tail call from inside a bpf-to-bpf callee; verified and unchecked.
#![cfg(feature = "riscv-emu")]

use ir::interp::{run, Input};
use ir::runtime::Runtime;
use jit::riscv64::{compile, compile_unchecked, Extensions, Options};

fn packet() -> Input {
    Input::Packet(testkit::packet::build("eth ipv4 tcp/dport=80").expect("packet"))
}

/// (interpreter r0, RV64 r0 per way of compiling, RV64 maps of the last way).
fn both(src: &str, setup: impl Fn(&mut Runtime)) -> (u64, Vec<u64>) {
    let prog = ir::asm::assemble(src).expect("asm");
    let mut rt_i = Runtime::new(&prog);
    setup(&mut rt_i);
    let want = run(&prog, &mut rt_i, &packet(), 1_000_000).expect("interp");
    let opts = Options {
        ext: Extensions::all(),
        ..Options::default()
    };
    let v = offload::verify(&prog, &offload::Capabilities::kernel(), &Default::default())
        .expect("verify");
    let mut got = Vec::new();
    for rp in [
        compile(&v, &opts).expect("compile verified"),
        compile_unchecked(&prog, true, &opts).expect("compile unchecked"),
    ] {
        let mut rt_j = Runtime::new(&prog);
        setup(&mut rt_j);
        let out = rp.run(&mut rt_j, &packet()).expect("rv64");
        assert_eq!(rt_i.dump(), rt_j.dump(), "maps differ");
        got.push(out.r0);
    }
    (want.r0, got)
}

#[test]
fn self_tail_call_stops_at_33() {
    let src = "
.map jmp type=prog_array key=4 value=4 entries=4
.map count type=array key=4 value=8 entries=1
    r6 = r1
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map[count] ll
    call 1
    if r0 == 0 goto out
    r1 = 1
    lock *(u64 *)(r0 + 0) += r1
    r1 = r6
    r2 = map[jmp] ll
    r3 = 0
    call 12
out:
    r0 = 7
    exit
";
    let (want, got) = both(src, |rt| {
        rt.map_update(0, &0u32.to_le_bytes(), &0u32.to_le_bytes(), 0)
            .expect("slot");
    });
    assert_eq!(want, 7);
    assert_eq!(got, vec![7, 7]);
}

#[test]
fn tail_call_into_other_program_and_from_callee() {
    let target = ir::asm::assemble("r0 = 42\nexit\n").expect("asm");
    let src = "
.map jmp type=prog_array key=4 value=4 entries=4
    r6 = 1000
    call sub
    r0 += r6
    exit
sub:
    r2 = map[jmp] ll
    r3 = 1
    call 12
    r0 = 5
    exit
";
    let (want, got) = both(src, |rt| {
        let idx = rt.add_program(&target) as u32;
        rt.map_update(0, &1u32.to_le_bytes(), &idx.to_le_bytes(), 0)
            .expect("slot");
    });
    assert_eq!(want, 1042);
    assert_eq!(got, vec![1042, 1042]);
}
