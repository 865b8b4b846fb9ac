//! Tail calls through a PROG_ARRAY: the JIT runs them as the interpreter does, including the
//! limit of 33 and a tail call made from inside a bpf-to-bpf callee.

use ir::interp::{run, Input};
use ir::runtime::Runtime;
use jit::x86_64::{compile_checked, Options};

fn packet() -> Input {
    Input::Packet(testkit::packet::build("eth ipv4 tcp/dport=80").expect("packet"))
}

fn both(
    src: &str,
    setup: impl Fn(&mut Runtime, &ir::Program),
) -> (u64, u64, Vec<(String, ir::runtime::MapContents)>) {
    let prog = ir::asm::assemble(src).expect("asm");
    let mut rt_i = Runtime::new(&prog);
    setup(&mut rt_i, &prog);
    let want = run(&prog, &mut rt_i, &packet(), 1_000_000).expect("interp");
    let jp = compile_checked(
        &prog,
        true,
        1_000_000,
        &Options {
            record: true,
            ..Options::default()
        },
    )
    .expect("compile");
    jp.check_decoding().expect("decode");
    let mut rt_j = Runtime::new(&prog);
    setup(&mut rt_j, &prog);
    let got = jp.run(&mut rt_j, &packet()).expect("jit");
    assert_eq!(rt_i.dump(), rt_j.dump(), "maps differ");
    (want.r0, got.r0, rt_j.dump())
}

const COUNTING_SELF_TAIL_CALL: &str = "
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

#[test]
fn self_tail_call_stops_at_33() {
    let (want, got, maps) = both(COUNTING_SELF_TAIL_CALL, |rt, _| {
        rt.map_update(0, &0u32.to_le_bytes(), &0u32.to_le_bytes(), 0)
            .expect("slot");
    });
    assert_eq!((want, got), (7, 7));
    let count = maps.iter().find(|(n, _)| n == "count").expect("count map");
    assert_eq!(
        count.1[0].1,
        34u64.to_le_bytes().to_vec(),
        "1 run + 33 tail calls"
    );
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
    let (want, got, _) = both(src, |rt, _| {
        let idx = rt.add_program(&target) as u32;
        rt.map_update(0, &1u32.to_le_bytes(), &idx.to_le_bytes(), 0)
            .expect("slot");
    });
    assert_eq!(want, 1042);
    assert_eq!(got, 1042);
}

#[test]
fn tail_call_targets_are_reused_across_runs_and_runtimes() {
    // The target is compiled on the first run and kept by the entry program: later runs, and
    // runs against another runtime holding another program at the same slot, still get the
    // interpreter's results.
    let forty_two = ir::asm::assemble("r0 = 42\nexit\n").expect("asm");
    let seven = ir::asm::assemble("r0 = 7\nexit\n").expect("asm");
    let prog = ir::asm::assemble(
        "
.map jmp type=prog_array key=4 value=4 entries=4
    r2 = map[jmp] ll
    r3 = 1
    call 12
    r0 = 5
    exit
",
    )
    .expect("asm");
    let jp = compile_checked(&prog, true, 1_000, &Options::default()).expect("compile");
    for (target, want) in [(&forty_two, 42), (&seven, 7), (&forty_two, 42)] {
        let mut rt = Runtime::new(&prog);
        let idx = rt.add_program(target) as u32;
        rt.map_update(0, &1u32.to_le_bytes(), &idx.to_le_bytes(), 0)
            .expect("slot");
        for _ in 0..3 {
            let interp = run(&prog, &mut rt, &packet(), 1_000).expect("interp").r0;
            let got = jp.run(&mut rt, &packet()).expect("jit").r0;
            assert_eq!((interp, got), (want, want));
        }
    }
}
