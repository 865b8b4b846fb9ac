//! Whatever our verifier accepts (kernel target, privileged), the Linux kernel accepts too
//! (BPF_PROG_LOAD as root; prints SKIP without root or bpf()). Over every corpus the tests
//! have:
//! - the foundation corpus (`testkit/corpus`) and the declarative table (`tests/cases`);
//! - clang-compiled C (`offload/tests/c`, the workspace's `tests/c`), for cpu v3 and v4;
//! - the bpf_conformance programs, loaded as XDP and as socket filters (`$BPF_CONFORMANCE_DIR`,
//!   else `../shared/conformance`);
//! - random instruction-level programs (`support/random.rs`).
//!
//! The only refusals of a program we accept that are tolerated name a reason that is not about
//! safety: the kernel's complexity limits (its pruning differs from ours). Everything else is a
//! failure. Programs the kernel accepts and we refuse are counted (over-strict, or
//! `unsupported.*`: beyond what our engines run) and the figures printed.

mod cases;
#[path = "support/kernel.rs"]
mod kernel;
#[path = "support/random.rs"]
mod random;

use offload::{verify, Capabilities, Options};
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, TestRunner};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Kernel refusals that are not about safety: its exploration gave up.
const NON_SAFETY: [&str; 2] = ["BPF program is too large", "jumps is too complex"];

/// Agreement figures over one corpus.
#[derive(Default)]
struct Tally {
    programs: usize,
    ours_accept: usize,
    kernel_accept: usize,
    agree: usize,
    /// We accept, the kernel refuses for a safety reason.
    unsafe_accepts: Vec<String>,
    /// We accept, the kernel gives up for a reason in [`NON_SAFETY`].
    non_safety: Vec<String>,
    /// The kernel accepts, we refuse as beyond our engines (`unsupported.*`).
    unsupported: usize,
    /// The kernel accepts, we refuse.
    over_strict: Vec<String>,
    /// Both refuse: how many name the same instruction.
    same_insn: usize,
    both_refuse_at_insn: usize,
}

impl Tally {
    fn add(&mut self, name: &str, prog: &ir::Program) {
        let k = match kernel::load(prog, 0) {
            Ok(k) => k,
            Err(e) => panic!("{name}: kernel load setup failed: {e}"),
        };
        let ours = verify(prog, &Capabilities::kernel(), &Options::default());
        self.programs += 1;
        self.ours_accept += ours.is_ok() as usize;
        self.kernel_accept += k.accepted as usize;
        match (&ours, k.accepted) {
            (Ok(_), true) => self.agree += 1,
            (Err(r), false) => {
                self.agree += 1;
                if let (Some(pc), Some(kpc)) = (r.rejections[0].pc, k.failing_insn()) {
                    self.both_refuse_at_insn += 1;
                    self.same_insn += (pc == kpc) as usize;
                    if pc != kpc && std::env::var_os("OFFLOAD_SHOW_INSN").is_some() {
                        println!(
                            "{name}: we refuse at {pc} ({}), the kernel at {kpc} ({})\n{}",
                            r.rejections[0].message,
                            k.reason(),
                            listing(prog)
                        );
                    }
                }
            }
            (Ok(_), false) if NON_SAFETY.iter().any(|m| k.log.contains(m)) => self
                .non_safety
                .push(format!("{name}: kernel: {}", k.reason())),
            (Ok(_), false) => self.unsafe_accepts.push(format!(
                "{name}: kernel: {} (insn {:?})\n{}",
                k.reason(),
                k.failing_insn(),
                listing(prog)
            )),
            // Beyond our engines (`unsupported.*`) or the kernel target profile (`target.*`, e.g.
            // socket filters): deliberate, documented refusals.
            (Err(r), true)
                if r.rejections[0].code.starts_with("unsupported.")
                    || r.rejections[0].code.starts_with("target.") =>
            {
                self.unsupported += 1
            }
            (Err(r), true) => self.over_strict.push(format!(
                "{name}: ours: {} at insn {:?}\n{}",
                r.rejections[0].message,
                r.rejections[0].pc,
                listing(prog)
            )),
        }
    }

    fn report(&self, corpus: &str) -> String {
        format!(
            "{corpus}: {} programs, we accept {}, the kernel accepts {}; agreement {}/{} ({:.2}%); \
             we accept & kernel refuses: {} for safety, {} for complexity; kernel accepts & we refuse: \
             {} over-strict, {} beyond our engines or target profile; both refuse at the same insn {}/{}",
            self.programs,
            self.ours_accept,
            self.kernel_accept,
            self.agree,
            self.programs,
            100.0 * self.agree as f64 / self.programs.max(1) as f64,
            self.unsafe_accepts.len(),
            self.non_safety.len(),
            self.over_strict.len(),
            self.unsupported,
            self.same_insn,
            self.both_refuse_at_insn,
        )
    }

    fn check(&self, corpus: &str) {
        println!("{}", self.report(corpus));
        for o in self.over_strict.iter().take(5) {
            println!("  over-strict: {o}");
        }
        assert!(
            self.unsafe_accepts.is_empty(),
            "{corpus}: we accept {} programs the kernel refuses:\n{}",
            self.unsafe_accepts.len(),
            self.unsafe_accepts.join("\n----\n")
        );
    }
}

fn listing(prog: &ir::Program) -> String {
    ir::disasm::disasm_program(prog, ir::asm::Syntax::Llvm)
}

fn skip(test: &str) -> bool {
    match kernel::available() {
        Ok(()) => false,
        Err(why) => {
            testkit::oracle::skip(test, why);
            true
        }
    }
}

#[test]
fn corpus_and_table_programs_we_accept_load_in_the_kernel() {
    if skip("corpus_and_table_programs_we_accept_load_in_the_kernel") {
        return;
    }
    let mut corpus = Tally::default();
    for e in testkit::corpus::load_all().expect("corpus") {
        let prog = ir::asm::assemble(&e.source).expect("corpus assembles");
        corpus.add(&e.name, &prog);
    }
    corpus.check("testkit corpus");
    let mut table = Tally::default();
    for c in cases::all() {
        let prog = ir::asm::assemble(&c.asm).expect("table rows assemble");
        table.add(&c.name, &prog);
    }
    table.check("verifier table");
}

/// `clang` (preferring clang-19, which knows cpu v4); `None` when absent.
fn clang() -> Option<&'static str> {
    ["clang-19", "clang"].into_iter().find(|c| {
        Command::new(c)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

fn c_sources() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    for dir in [root.join("tests/c"), root.join("../tests/c")] {
        if let Ok(rd) = std::fs::read_dir(&dir) {
            out.extend(
                rd.flatten()
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|x| x == "c")),
            );
        }
    }
    out.sort();
    out
}

#[test]
fn c_programs_we_accept_load_in_the_kernel() {
    let test = "c_programs_we_accept_load_in_the_kernel";
    if skip(test) {
        return;
    }
    let Some(clang) = clang() else {
        testkit::oracle::skip(test, "clang not installed");
        return;
    };
    let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("kernel_differential_c");
    std::fs::create_dir_all(&tmp).expect("temp dir");
    let mut tally = Tally::default();
    let cpus: &[&str] = if clang == "clang-19" {
        &["v3", "v4"]
    } else {
        &["v3"]
    };
    let sources = c_sources();
    assert!(sources.len() >= 30, "only {} C sources", sources.len());
    for src in &sources {
        for cpu in cpus {
            let stem = src.file_stem().unwrap_or_default().to_string_lossy();
            let out = tmp.join(format!("{stem}-{cpu}.o"));
            let include = src.parent().unwrap_or(Path::new("."));
            let status = Command::new(clang)
                .args(["-O2", "-g", "-target", "bpf", &format!("-mcpu={cpu}"), "-c"])
                .arg("-I")
                .arg(include)
                .arg(src)
                .arg("-o")
                .arg(&out)
                .output()
                .expect("run clang");
            assert!(
                status.status.success(),
                "{}: {}",
                src.display(),
                String::from_utf8_lossy(&status.stderr)
            );
            let bytes = std::fs::read(&out).expect("read object");
            let obj = ir::elf::read_object(&bytes).expect("read object");
            for (i, prog) in obj.programs.iter().enumerate() {
                tally.add(&format!("{stem} (cpu {cpu}, program {i})"), prog);
            }
        }
    }
    tally.check("clang-compiled C");
}

#[test]
fn conformance_programs_we_accept_load_in_the_kernel() {
    let test = "conformance_programs_we_accept_load_in_the_kernel";
    if skip(test) {
        return;
    }
    let Some(dir) = testkit::conformance::dir() else {
        testkit::oracle::skip_data(test, "conformance data not found");
        return;
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("tests"))
        .expect("conformance tests")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "data"))
        .collect();
    files.sort();
    let mut tally = Tally::default();
    let mut unassembled = 0;
    for f in &files {
        let text = std::fs::read_to_string(f).expect("read .data");
        let Ok(case) = ir::conformance::parse(&text) else {
            unassembled += 1;
            continue;
        };
        let Some(Ok(prog)) = case.asm.as_deref().map(ir::asm::assemble) else {
            unassembled += 1;
            continue;
        };
        let name = f.file_name().unwrap_or_default().to_string_lossy();
        for ty in [ir::ProgType::Xdp, ir::ProgType::SocketFilter] {
            let mut p = prog.clone();
            p.prog_type = ty;
            tally.add(&format!("{name} as {ty}"), &p);
        }
    }
    println!(
        "conformance: {} files, {unassembled} without an assembled program",
        files.len()
    );
    tally.check("conformance programs");
}

#[test]
fn random_programs_we_accept_load_in_the_kernel() {
    if skip("random_programs_we_accept_load_in_the_kernel") {
        return;
    }
    let n: usize = std::env::var("OFFLOAD_RANDOM_PROGRAMS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    // A fixed seed keeps CI reproducible; OFFLOAD_RANDOM_SEED picks another sequence.
    let seed: u64 = std::env::var("OFFLOAD_RANDOM_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut seed_bytes = [0u8; 32];
    seed_bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        proptest::test_runner::TestRng::from_seed(
            proptest::test_runner::RngAlgorithm::ChaCha,
            &seed_bytes,
        ),
    );
    let strat = random::program();
    let mut tally = Tally::default();
    let mut made = 0;
    let show_reasons = std::env::var_os("OFFLOAD_SHOW_REASONS").is_some();
    let mut reasons = std::collections::BTreeMap::new();
    while made < n {
        let Ok(tree) = strat.new_tree(&mut runner) else {
            continue;
        };
        let text = random::render(&tree.current());
        let prog = match ir::asm::assemble(&text) {
            Ok(p) => p,
            Err(e) => panic!("random program does not assemble: {e}\n{text}"),
        };
        made += 1;
        if show_reasons {
            if let Err(r) = verify(&prog, &Capabilities::kernel(), &Options::default()) {
                *reasons.entry(r.rejections[0].code).or_insert(0usize) += 1;
            }
        }
        tally.add(&format!("random #{made}"), &prog);
    }
    if show_reasons {
        let mut v: Vec<_> = reasons.into_iter().collect();
        v.sort_by_key(|x| std::cmp::Reverse(x.1));
        println!("our reasons: {v:?}");
    }
    tally.check("random programs");
}
