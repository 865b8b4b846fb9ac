//! The session contract on every engine available here: one preparation per program however
//! many inputs, maps fresh or shared, refusals as values, differences by nature named. The
//! interpreter is the oracle each engine's results are compared with.

use super::*;

/// An XDP program adding 1 to `counters[1]` and returning the new value (an ARRAY map).
const COUNTER: &str = "\
.section xdp
.map counters type=array key=4 value=8 entries=4
    r1 = 1
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map[counters] ll
    call bpf_map_lookup_elem
    if r0 == 0 goto miss
    r1 = *(u64 *)(r0 + 0)
    r1 += 1
    *(u64 *)(r0 + 0) = r1
    r0 = r1
    exit
miss:
    r0 = 0
    exit
";

/// An Ethernet + IPv4 + TCP frame of 60 bytes.
fn frame() -> Vec<u8> {
    let mut p = vec![0u8; 60];
    p[12] = 0x08;
    p[14] = 0x45;
    p[16..18].copy_from_slice(&46u16.to_be_bytes());
    p[22] = 64;
    p[23] = 6;
    p
}

/// The engines that can run here, with a SKIP line for each one that cannot.
fn available(test: &str) -> Vec<&'static dyn Engine> {
    ENGINES
        .iter()
        .copied()
        .filter(|e| match e.availability() {
            Ok(()) => true,
            Err(why) => {
                testkit::oracle::skip(&format!("{test} on {}", e.name()), why);
                false
            }
        })
        .collect()
}

/// Why `e` refuses `prog` as a whole (a target that cannot run it, such as the NFP for a
/// program writing a map value), printed as a SKIP line for that engine.
fn refuses_program(test: &str, e: &dyn Engine, prog: &Program, input: &Input) -> bool {
    match e
        .prepare(prog, &PrepareOptions::default())
        .map(|mut s| s.run(input))
    {
        Ok(Err(r)) if r.kind == RefusalKind::Unsupported => {
            println!(
                "SKIP {test} on {}: {}",
                e.name(),
                r.reason.lines().next().unwrap_or("")
            );
            true
        }
        _ => false,
    }
}

fn assemble(text: &str) -> Program {
    ir::asm::assemble(text).expect("assembles")
}

#[test]
fn a_capture_costs_one_preparation_per_engine() {
    let prog = assemble(COUNTER);
    let input = Input::Packet(frame());
    for e in available("a_capture_costs_one_preparation_per_engine") {
        if refuses_program(
            "a_capture_costs_one_preparation_per_engine",
            e,
            &prog,
            &input,
        ) {
            continue;
        }
        let mut s = e.prepare(&prog, &PrepareOptions::default()).unwrap();
        for _ in 0..50 {
            s.run(&input).unwrap();
        }
        let c = s.counts();
        assert_eq!(c.runs, 50, "{}", e.name());
        assert_eq!(c.compiled, 1, "{}: compiled {} times", e.name(), c.compiled);
        assert!(
            c.verified <= 1,
            "{}: verified {} times",
            e.name(),
            c.verified
        );
        assert!(c.loaded <= 1, "{}: loaded {} times", e.name(), c.loaded);
    }
}

#[test]
fn shared_maps_carry_over_and_fresh_maps_start_over() {
    let prog = assemble(COUNTER);
    let input = Input::Packet(frame());
    for e in available("shared_maps_carry_over_and_fresh_maps_start_over") {
        if refuses_program(
            "shared_maps_carry_over_and_fresh_maps_start_over",
            e,
            &prog,
            &input,
        ) {
            continue;
        }
        for (maps, want) in [
            (MapsMode::Shared, [1u64, 2, 3, 4]),
            (MapsMode::Fresh, [1, 1, 1, 1]),
        ] {
            let opts = PrepareOptions {
                maps,
                ..PrepareOptions::default()
            };
            let mut s = e.prepare(&prog, &opts).unwrap();
            let got: Vec<u64> = (0..4).map(|_| s.run(&input).unwrap().r0).collect();
            assert_eq!(got, want, "{} {maps:?}", e.name());
            let dump = s.maps().unwrap();
            let (_, counters) = dump.iter().find(|(n, _)| n == "counters").unwrap();
            let (_, v) = counters
                .iter()
                .find(|(k, _)| k.as_slice() == 1u32.to_le_bytes())
                .unwrap();
            assert_eq!(v.as_slice(), want[3].to_le_bytes(), "{} {maps:?}", e.name());
        }
    }
}

#[test]
fn a_runt_frame_is_a_refusal_of_that_input_on_every_engine() {
    let prog = assemble(include_str!("../../examples/drop_tcp80.s"));
    for e in available("a_runt_frame_is_a_refusal_of_that_input_on_every_engine") {
        let mut s = e.prepare(&prog, &PrepareOptions::default()).unwrap();
        for len in [0usize, 1, 8, 13] {
            let r = s.run(&Input::Packet(vec![0; len])).unwrap_err();
            assert_eq!(
                r.kind,
                RefusalKind::Input,
                "{} {len}: {}",
                e.name(),
                r.reason
            );
            assert_eq!(r.clone().into_error(e.name()).exit_code(), 2);
        }
        // The session goes on after a refusal.
        let ok = s.run(&Input::Packet(frame())).unwrap();
        assert_eq!(ok.action.as_deref(), Some("pass"), "{}", e.name());
    }
}

#[test]
fn clock_and_random_numbers_differ_by_nature_only_across_runtimes() {
    let prog = assemble(
        ".section xdp\n call bpf_ktime_get_ns\n r6 = r0\n call bpf_get_prandom_u32\n r0 += r6\n exit\n",
    );
    let n = Nature::of(&prog, false);
    assert_eq!(n.clock, vec![0]);
    assert_eq!(n.random, vec![2]);
    let interp = by_name("interp").unwrap();
    let x86 = by_name("x86_64").unwrap();
    let kernel = by_name("kernel").unwrap();
    assert_eq!(n.between(interp, x86), None);
    let why = n.between(interp, kernel).unwrap();
    assert!(why.contains("bpf_ktime_get_ns at pc 0"), "{why}");
    assert!(why.contains("bpf_get_prandom_u32 at pc 2"), "{why}");
    // Engines on ir::runtime agree exactly, seed included.
    let opts = PrepareOptions {
        seed: Some(7),
        ..PrepareOptions::default()
    };
    let input = Input::Packet(frame());
    let mut results = Vec::new();
    for e in available("clock_and_random_numbers_differ_by_nature_only_across_runtimes") {
        let test = "clock_and_random_numbers_differ_by_nature_only_across_runtimes";
        if e.runtime_helpers() && !refuses_program(test, e, &prog, &input) {
            let mut s = e.prepare(&prog, &opts).unwrap();
            results.push((e.name(), s.run(&input).unwrap().r0));
        }
    }
    assert!(results.windows(2).all(|w| w[0].1 == w[1].1), "{results:?}");
}

#[test]
fn uninitialised_stack_reads_are_named_with_their_pc() {
    let prog = assemble(".section xdp\n r0 = *(u64 *)(r10 - 8)\n exit\n");
    let n = Nature::of(&prog, false);
    assert_eq!(n.uninit_stack, vec![0]);
    let interp = by_name("interp").unwrap();
    let x86 = by_name("x86_64").unwrap();
    assert!(n.between(interp, x86).unwrap().contains("pc 0"));
}

#[test]
fn every_engine_is_listed_once_with_a_name_clap_accepts() {
    let mut names: Vec<&str> = ENGINES.iter().map(|e| e.name()).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), ENGINES.len());
    assert!(!names.contains(&"all"));
    assert_eq!(ENGINES[0].name(), "interp", "the reference comes first");
}
