//! Unverified programs never crash or hang the x86-64 engine: the 313 bpf_conformance programs,
//! mutated by a seeded generator (bit flips; new offsets, registers and immediates; stores
//! through r10; writes to r10; backward jumps and loops; wild loads and stores), each run in
//! child processes through `plugin --engine x86_64` and `run F.data --engine x86_64` (checked
//! mode), with the interpreter (`plugin --engine interp`, also a child) as the oracle.
//!
//! Every child must exit normally (no signal) within the time limit, and the JIT must end as
//! the interpreter does: the same r0, or an error of the same class (exit code and kind).
//! Two documented divergences are counted, not failed: the JIT refuses writes to r10 (the
//! interpreter lets them through), and results that depend on where memory lies (one engine
//! gives two outcomes when its buffers lie elsewhere) are not compared.
//!
//! `JITSAFE_MUTANTS` sets the number of mutants (default 500, about 40 s on two cores; the
//! issue's figure is `JITSAFE_MUTANTS=2000`), `JITSAFE_SEED` the seed.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A child taking longer than this is a hang.
const TIME_LIMIT: Duration = Duration::from_secs(60);

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_bpf-offload")
}

/// xorshift64*: a small seeded generator, so a failure names its seed and index.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// A base program: its instruction bytes and its input memory.
struct Base {
    name: String,
    code: Vec<u8>,
    mem: Vec<u8>,
    /// `-- result`, or `None` when the program must be refused (`-- error`).
    result: Option<u64>,
}

fn bases(dir: &Path) -> Vec<Base> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir.join("tests"))
        .expect("read conformance tests")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "data"))
        .collect();
    paths.sort();
    let mut out = Vec::new();
    for p in paths {
        let Ok(text) = std::fs::read_to_string(&p) else {
            continue;
        };
        let Ok(case) = ir::conformance::parse(&text) else {
            continue;
        };
        let code = match (&case.asm, &case.raw) {
            (_, Some(raw)) => raw.clone(),
            (Some(asm), None) => match ir::asm::assemble(asm).map(|p| p.to_bytes()) {
                Ok(Ok(bytes)) => bytes,
                _ => continue,
            },
            (None, None) => continue,
        };
        let name = p.file_name().unwrap_or_default().to_string_lossy().into();
        out.push(Base {
            name,
            code,
            mem: case.mem.clone(),
            result: case.result.filter(|_| case.error.is_none()),
        });
    }
    out
}

/// An instruction word: opcode, dst | src << 4, offset, immediate (little-endian).
fn word(op: u8, dst: u8, src: u8, off: i16, imm: i32) -> [u8; 8] {
    let mut w = [0u8; 8];
    w[0] = op;
    w[1] = (dst & 15) | (src & 15) << 4;
    w[2..4].copy_from_slice(&off.to_le_bytes());
    w[4..8].copy_from_slice(&imm.to_le_bytes());
    w
}

fn interesting_imm(r: &mut Rng) -> i32 {
    const V: [i32; 10] = [0, 1, -1, 8, -8, 512, -512, i32::MIN, i32::MAX, 0x1000];
    if r.below(2) == 0 {
        V[r.below(V.len())]
    } else {
        r.next() as i32
    }
}

fn interesting_off(r: &mut Rng) -> i16 {
    const V: [i16; 10] = [0, -1, -8, -512, -520, 8, 512, i16::MIN, i16::MAX, -2];
    if r.below(2) == 0 {
        V[r.below(V.len())]
    } else {
        r.next() as i16
    }
}

/// Apply one to three mutations to `code` (whole 8-byte slots).
fn mutate(code: &[u8], r: &mut Rng) -> (Vec<u8>, Vec<&'static str>) {
    let mut c = code.to_vec();
    let mut what = Vec::new();
    for _ in 0..1 + r.below(3) {
        let slots = c.len() / 8;
        let at = r.below(slots.max(1));
        let base = at * 8;
        match r.below(11) {
            0 if !c.is_empty() => {
                let i = r.below(c.len());
                c[i] ^= 1 << r.below(8);
                what.push("bit flip");
            }
            1 if !c.is_empty() => {
                let off = interesting_off(r);
                c[base + 2..base + 4].copy_from_slice(&off.to_le_bytes());
                what.push("offset");
            }
            2 if !c.is_empty() => {
                c[base + 1] = r.next() as u8;
                what.push("registers");
            }
            3 if !c.is_empty() => {
                let imm = interesting_imm(r);
                c[base + 4..base + 8].copy_from_slice(&imm.to_le_bytes());
                what.push("immediate");
            }
            4 => {
                // stb/sth/stw/stdw [r10 + off], imm (ubpf's err-stack-oob shape).
                let op = [0x72u8, 0x6a, 0x62, 0x7a][r.below(4)];
                let w = word(op, 10, 0, interesting_off(r), interesting_imm(r));
                c.splice(base..base, w);
                what.push("store through r10");
            }
            5 => {
                // A write to r10: mov, add or a load into it.
                let w = match r.below(3) {
                    0 => word(0xb7, 10, 0, 0, interesting_imm(r)),
                    1 => word(0x07, 10, 0, 0, interesting_imm(r)),
                    _ => word(0x79, 10, 10, -8, 0),
                };
                c.splice(base..base, w);
                what.push("write r10");
            }
            6 => {
                // A backward jump: an endless loop or one that counts.
                let back = -(1 + r.below(at + 1) as i16);
                let w = match r.below(2) {
                    0 => word(0x05, 0, 0, back, 0),
                    _ => word(0x55, r.below(10) as u8, 0, back, 0),
                };
                c.splice(base..base, w);
                what.push("backward jump");
            }
            7 => {
                // A load or store through any register at any offset.
                let (dst, src) = (r.below(11) as u8, r.below(11) as u8);
                let op =
                    [0x61u8, 0x69, 0x71, 0x79, 0x63, 0x6b, 0x73, 0x7b, 0xdb, 0xc3][r.below(10)];
                let imm = if op == 0xdb || op == 0xc3 {
                    [0, 0x40, 0x50, 0xa0, 0xe1, 0xf1][r.below(6)]
                } else {
                    0
                };
                c.splice(base..base, word(op, dst, src, interesting_off(r), imm));
                what.push("wild access");
            }
            8 => {
                // A pointer made from r10 and an arbitrary amount, then used.
                c.splice(base..base, word(0x07, 1, 0, 0, interesting_imm(r)));
                c.splice(base..base, word(0xbf, 1, 10, 0, 0));
                what.push("r10-derived pointer");
            }
            9 => {
                // A bpf-to-bpf call to somewhere.
                let imm = -(r.below(at + 2) as i32);
                c.splice(base..base, word(0x85, 0, 1, 0, imm));
                what.push("local call");
            }
            _ => {
                let w = word(r.next() as u8, r.below(16) as u8, r.below(16) as u8, 0, 0);
                c.splice(base..base, w);
                what.push("random opcode");
            }
        }
    }
    (c, what)
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// How a child ended.
#[derive(Clone, Debug, PartialEq, Eq)]
enum End {
    /// Exit 0 with this output.
    Ok(String),
    /// A non-zero exit code and the class of the error message.
    Err(i32, &'static str),
    Signal(i32),
    Hang,
}

/// The class of an error message (the interpreter's error kinds, as both engines word them).
fn class(stderr: &str) -> &'static str {
    const CLASSES: [(&str, &str); 12] = [
        ("outside every live region", "out of bounds"),
        ("into read-only", "read-only"),
        ("invalid context", "context"),
        ("step budget", "budget"),
        ("call depth", "call depth"),
        ("execution reached slot", "pc out of range"),
        ("fell off", "pc out of range"),
        ("frame pointer", "r10 write"),
        ("helper", "helper"),
        ("map #", "map"),
        ("not supported", "unsupported"),
        ("decode", "decode"),
    ];
    CLASSES
        .iter()
        .find(|(needle, _)| stderr.contains(needle))
        .map(|(_, c)| *c)
        .unwrap_or("other")
}

/// Where the child's memory lies: as usual, or moved (glibc without its per-thread cache of
/// freed chunks, so buffers land in other places relative to each other).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Layout {
    Usual,
    Moved,
}

fn run_child(args: &[&str], stdin: Option<&str>) -> End {
    run_child_in(args, stdin, Layout::Usual)
}

fn run_child_in(args: &[&str], stdin: Option<&str>, layout: Layout) -> End {
    use std::os::unix::process::ExitStatusExt;
    let mut cmd = Command::new(bin());
    if layout == Layout::Moved {
        cmd.env("GLIBC_TUNABLES", "glibc.malloc.tcache_count=0");
    }
    let mut child = cmd
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn bpf-offload");
    if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
        let _ = pipe.write_all(text.as_bytes());
    }
    let start = Instant::now();
    loop {
        match child.try_wait().expect("wait") {
            Some(status) => {
                let out = child.wait_with_output().expect("output");
                if let Some(sig) = status.signal() {
                    return End::Signal(sig);
                }
                let stdout = String::from_utf8_lossy(&out.stdout).trim().to_string();
                let stderr = String::from_utf8_lossy(&out.stderr).to_string();
                return match status.code() {
                    Some(0) => End::Ok(stdout),
                    Some(c) => End::Err(c, class(&stderr)),
                    None => End::Signal(-1),
                };
            }
            None if start.elapsed() > TIME_LIMIT => {
                let _ = child.kill();
                let _ = child.wait();
                return End::Hang;
            }
            None => std::thread::sleep(Duration::from_millis(2)),
        }
    }
}

fn plugin(engine: &str, code: &[u8], mem: &[u8]) -> End {
    plugin_in(engine, code, mem, Layout::Usual)
}

fn plugin_in(engine: &str, code: &[u8], mem: &[u8], layout: Layout) -> End {
    let mem_hex = hex(mem);
    let mut args = vec!["plugin", "--engine", engine];
    if !mem.is_empty() {
        args.push(&mem_hex);
    }
    run_child_in(&args, Some(&hex(code)), layout)
}

/// The mutant as a `.data` file expecting what the interpreter gave.
fn data_file(code: &[u8], mem: &[u8], want: &End) -> String {
    let mut s = String::from("-- raw\n");
    for w in code.chunks(8) {
        let line: Vec<String> = w.iter().map(|b| format!("{b:02x}")).collect();
        s.push_str(&line.join(" "));
        s.push('\n');
    }
    if !mem.is_empty() {
        s.push_str("-- mem\n");
        let line: Vec<String> = mem.iter().map(|b| format!("{b:02x}")).collect();
        s.push_str(&line.join(" "));
        s.push('\n');
    }
    match want {
        End::Ok(r0) => s.push_str(&format!("-- result\n0x{r0}\n")),
        _ => s.push_str("-- error\nthe interpreter stops\n"),
    }
    s
}

#[derive(Default)]
struct Tally {
    runs: usize,
    signals: Vec<String>,
    hangs: Vec<String>,
    mismatches: Vec<String>,
    r10_writes: usize,
    address_dependent: usize,
    both_ok: usize,
    both_err: usize,
}

fn check_one(i: usize, base: &Base, code: &[u8], what: &[&str], dir: &Path, t: &mut Tally) {
    let at = format!("mutant {i} of {} ({})", base.name, what.join(", "));
    let want = plugin("interp", code, &base.mem);
    let got = plugin("x86_64", code, &base.mem);
    let file = dir.join(format!("m{i}.data"));
    std::fs::write(&file, data_file(code, &base.mem, &want)).expect("write .data");
    let file_s = file.to_string_lossy().to_string();
    let via_run = run_child(&["run", &file_s, "--engine", "x86_64"], None);
    let _ = std::fs::remove_file(&file);
    t.runs += 3;
    for (who, e) in [
        ("interp plugin", &want),
        ("x86_64 plugin", &got),
        ("x86_64 run", &via_run),
    ] {
        match e {
            End::Signal(s) => t
                .signals
                .push(format!("{at}: {who} killed by signal {s}: {}", hex(code))),
            End::Hang => t.hangs.push(format!("{at}: {who} hung: {}", hex(code))),
            _ => {}
        }
    }
    let same = match (&want, &got) {
        (End::Ok(a), End::Ok(b)) => a == b,
        (End::Err(a, ka), End::Err(b, kb)) => a == b && ka == kb,
        _ => false,
    };
    // `run` of the .data file passes exactly when the JIT agrees with the interpreter's
    // result, and fails (exit 1) when the interpreter stopped.
    let run_agrees = matches!(
        (&want, &via_run),
        (End::Ok(_), End::Ok(_)) | (End::Err(..), End::Err(..))
    );
    if same && run_agrees {
        match want {
            End::Ok(_) => t.both_ok += 1,
            _ => t.both_err += 1,
        }
        return;
    }
    if got == End::Err(1, "r10 write") {
        t.r10_writes += 1;
        return;
    }
    // A result that depends on where memory lies (a pointer in r0 or compared with a
    // constant, a wild offset that lands in another live buffer in one engine's address space
    // and in nothing in the other's) is no disagreement: it shows as one engine giving two
    // outcomes, between its plugin and run processes or when its buffers are moved.
    let run_consistent = same == run_agrees;
    let moved_i = plugin_in("interp", code, &base.mem, Layout::Moved);
    let moved_j = plugin_in("x86_64", code, &base.mem, Layout::Moved);
    if !run_consistent || moved_i != want || moved_j != got {
        t.address_dependent += 1;
        return;
    }
    t.mismatches.push(format!(
        "{at}: interp {want:?}, x86_64 plugin {got:?}, x86_64 run {via_run:?}: {}",
        hex(code)
    ));
}

#[test]
fn mutated_conformance_programs_never_crash_the_x86_64_engine() {
    let Some(dir) = testkit::conformance::dir() else {
        testkit::oracle::skip_data(
            "mutated_conformance_programs_never_crash_the_x86_64_engine",
            "no conformance directory (set BPF_CONFORMANCE_DIR)",
        );
        return;
    };
    if !cfg!(target_arch = "x86_64") {
        testkit::oracle::skip_data(
            "mutated_conformance_programs_never_crash_the_x86_64_engine",
            "not an x86-64 host",
        );
        return;
    }
    let bases = bases(&dir);
    assert!(
        bases.len() >= 300,
        "only {} conformance programs",
        bases.len()
    );
    let count: usize = std::env::var("JITSAFE_MUTANTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(500);
    let seed: u64 = std::env::var("JITSAFE_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x6a69_7473_6166_6521);
    let scratch = tempfile::tempdir().expect("scratch dir");
    let mut rng = Rng(seed | 1);
    let mutants: Vec<(usize, usize, Vec<u8>, Vec<&'static str>)> = (0..count)
        .map(|i| {
            let b = rng.below(bases.len());
            let (code, what) = mutate(&bases[b].code, &mut rng);
            (i, b, code, what)
        })
        .collect();
    let workers = 2;
    let tallies: Vec<Tally> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|w| {
                let (mutants, bases, dir) = (&mutants, &bases, scratch.path());
                s.spawn(move || {
                    let mut t = Tally::default();
                    for (i, b, code, what) in mutants.iter().skip(w).step_by(workers) {
                        check_one(*i, &bases[*b], code, what, dir, &mut t);
                    }
                    t
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("worker"))
            .collect()
    });
    let mut t = Tally::default();
    for x in tallies {
        t.runs += x.runs;
        t.signals.extend(x.signals);
        t.hangs.extend(x.hangs);
        t.mismatches.extend(x.mismatches);
        t.r10_writes += x.r10_writes;
        t.address_dependent += x.address_dependent;
        t.both_ok += x.both_ok;
        t.both_err += x.both_err;
    }
    println!(
        "{count} mutants (seed {seed:#x}), {} child runs: {} signals, {} hangs, {} agree on r0, \
         {} stop with the same error class, {} r10 writes refused, {} address-dependent, \
         {} mismatches",
        t.runs,
        t.signals.len(),
        t.hangs.len(),
        t.both_ok,
        t.both_err,
        t.r10_writes,
        t.address_dependent,
        t.mismatches.len()
    );
    for m in t.mismatches.iter().take(20) {
        println!("mismatch: {m}");
    }
    assert!(t.signals.is_empty(), "signals:\n{}", t.signals.join("\n"));
    assert!(t.hangs.is_empty(), "hangs:\n{}", t.hangs.join("\n"));
    assert!(t.mismatches.is_empty(), "{} mismatches", t.mismatches.len());
}

#[test]
fn ubpf_error_programs_stop_cleanly() {
    if !cfg!(target_arch = "x86_64") {
        testkit::oracle::skip_data("ubpf_error_programs_stop_cleanly", "not an x86-64 host");
        return;
    }
    // ubpf's err-stack-oob (`stb [r10+0], 0`), an endless loop (err-infinite-loop), a write
    // to r10 then a store through it, and a recursion without end.
    let cases: [(&str, Vec<u8>, &str); 4] = [
        (
            "err-stack-oob",
            [word(0x72, 10, 0, 0, 0), word(0x95, 0, 0, 0, 0)].concat(),
            "out of bounds",
        ),
        (
            "err-infinite-loop",
            [word(0x05, 0, 0, -1, 0), word(0x95, 0, 0, 0, 0)].concat(),
            "budget",
        ),
        (
            "r10 write",
            [
                word(0xb7, 10, 0, 0, 0),
                word(0x7a, 10, 0, -8, 1),
                word(0x95, 0, 0, 0, 0),
            ]
            .concat(),
            "r10 write",
        ),
        (
            "endless recursion",
            [word(0x85, 0, 1, 0, -1), word(0x95, 0, 0, 0, 0)].concat(),
            "call depth",
        ),
    ];
    for (name, code, want) in cases {
        let got = plugin("x86_64", &code, &[]);
        assert_eq!(got, End::Err(1, want), "{name} through the plugin");
        let mut data = data_file(&code, &[], &End::Err(1, want));
        data.push('\n');
        let dir = tempfile::tempdir().expect("scratch dir");
        let file = dir.path().join("case.data");
        std::fs::write(&file, data).expect("write");
        let got = run_child(
            &["run", &file.to_string_lossy(), "--engine", "x86_64"],
            None,
        );
        assert_eq!(got, End::Err(1, want), "{name} through run");
    }
}

/// The bpf_conformance runner's view: each of the 313 programs through `plugin` on the
/// interpreter and on the x86-64 engine gives the `-- result` (or fails for `-- error`).
#[test]
fn conformance_programs_pass_through_the_plugin() {
    let Some(dir) = testkit::conformance::dir() else {
        testkit::oracle::skip_data(
            "conformance_programs_pass_through_the_plugin",
            "no conformance directory (set BPF_CONFORMANCE_DIR)",
        );
        return;
    };
    if !cfg!(target_arch = "x86_64") {
        testkit::oracle::skip_data(
            "conformance_programs_pass_through_the_plugin",
            "not an x86-64 host",
        );
        return;
    }
    let bases = bases(&dir);
    assert_eq!(bases.len(), 313, "expected the 313 conformance programs");
    let mut failures = Vec::new();
    for engine in ["interp", "x86_64"] {
        let mut passed = 0;
        for b in &bases {
            let got = plugin(engine, &b.code, &b.mem);
            let ok = match (b.result, &got) {
                (Some(want), End::Ok(out)) => u64::from_str_radix(out, 16).ok() == Some(want),
                (None, End::Err(..)) => true,
                _ => false,
            };
            if ok {
                passed += 1;
            } else {
                failures.push(format!(
                    "{engine}: {}: {got:?}, expected {:?}",
                    b.name, b.result
                ));
            }
        }
        println!(
            "plugin --engine {engine}: {passed}/{} conformance programs pass",
            bases.len()
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
