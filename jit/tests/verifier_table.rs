//! Every program the verifier's declarative table accepts (`offload/tests/cases`), compiled from
//! its `Verified` and run on a few packets: the JIT gives the interpreter's r0, verdict, packet
//! and map contents. (Rows the verifier rejects never reach a backend.)

#[path = "../../offload/tests/cases/mod.rs"]
mod cases;

use ir::interp::{run, Input};
use ir::runtime::Runtime;
use jit::x86_64::{compile, Options};

/// Rows whose result is not comparable between engines, and why.
const NOT_COMPARABLE: [(&str, &str); 2] = [
    // r0 is a host address (the stack or a map value), different in every engine.
    ("ret_pointer_privileged", "returns a pointer"),
    // Reads the map object itself: the interpreter's checking loads refuse it, native code
    // (like the kernel's) just reads it.
    ("map_ptr_read_privileged", "reads through a map pointer"),
];

#[test]
fn accepted_rows_match_the_interpreter() {
    let packets: Vec<Vec<u8>> = [
        "eth ipv4 tcp/dport=80",
        "eth ipv6 udp pad=40",
        "eth arp",
        "eth ipv4 tcp trunc=20",
    ]
    .iter()
    .map(|p| testkit::packet::build(p).expect("packet"))
    .collect();
    let opts = Options {
        record: true,
        ..Options::default()
    };
    let (mut rows, mut runs, mut failures) = (0, 0, Vec::new());
    for c in cases::all() {
        let Ok(prog) = ir::asm::assemble(&c.asm) else {
            continue;
        };
        let Ok(v) = offload::verify(
            &prog,
            &offload::Capabilities::kernel(),
            &offload::Options::default(),
        ) else {
            continue;
        };
        rows += 1;
        if NOT_COMPARABLE.iter().any(|(n, _)| *n == c.name) {
            continue;
        }
        let jp = match compile(&v, &opts) {
            Ok(jp) => jp,
            Err(e) => {
                failures.push(format!("{}: compile: {e}", c.name));
                continue;
            }
        };
        if let Err(e) = jp.check_decoding() {
            failures.push(format!("{}: decode: {e}", c.name));
        }
        for p in &packets {
            let input = Input::Packet(p.clone());
            let (mut rt_i, mut rt_j) = (Runtime::new(&prog), Runtime::new(&prog));
            let want = run(&prog, &mut rt_i, &input, 1_000_000);
            let got = jp.run(&mut rt_j, &input);
            runs += 1;
            match (want, got) {
                (Ok(w), Ok(g)) => {
                    if (w.r0, &w.packet, w.action) != (g.r0, &g.packet, g.action)
                        || rt_i.dump() != rt_j.dump()
                    {
                        failures.push(format!(
                            "{}: interp r0={:#x}, jit r0={:#x}",
                            c.name, w.r0, g.r0
                        ));
                    }
                }
                // A verified program can still fail at run time in both (e.g. a helper refusing).
                (Err(_), Err(_)) => {}
                (w, g) => failures.push(format!("{}: interp {w:?}, jit {g:?}", c.name)),
            }
        }
    }
    println!("{rows} accepted rows, {runs} runs");
    assert!(rows > 50, "only {rows} accepted rows");
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
