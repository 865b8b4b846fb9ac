//! The fuzz targets (`fuzz/src/lib.rs`) as a plain test: every target runs over its seed corpus
//! and a fixed set of mutations of each seed, so CI exercises every target in seconds without
//! a nightly toolchain or libFuzzer. The campaign itself is `scripts/fuzz-campaign`.
//!
//! Seeds: the committed text corpora in `fuzz/seeds/TARGET/` (rule texts and filters taken
//! from the tests), plus seeds made here from the program corpus (`testkit/corpus`): its
//! assembly in both syntaxes, its programs as ELF objects and as raw instructions. With
//! `BPF_OFFLOAD_FUZZ_SEEDS_OUT=DIR` the made seeds are also written to `DIR/TARGET/` (the
//! campaign script starts from them).

#[path = "../fuzz/src/lib.rs"]
mod fuzz;

use std::path::{Path, PathBuf};

/// A tiny deterministic generator (xorshift), so every run mutates the same way.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// One mutation of `seed`: flip, insert, delete, duplicate or splice bytes, as libFuzzer's
/// simplest mutators do.
fn mutate(seed: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut v = seed.to_vec();
    for _ in 0..1 + rng.below(3) {
        let at = rng.below(v.len() + 1);
        match rng.below(6) {
            0 if !v.is_empty() => {
                let i = at.min(v.len() - 1);
                v[i] ^= 1 << rng.below(8);
            }
            1 => v.insert(at, rng.next() as u8),
            2 if !v.is_empty() => {
                let end = (at + 1 + rng.below(8)).min(v.len());
                v.drain(at.min(end)..end);
            }
            3 => {
                let end = (at + 1 + rng.below(16)).min(v.len());
                let chunk = v[at.min(end)..end].to_vec();
                let to = rng.below(v.len() + 1);
                v.splice(to..to, chunk);
            }
            4 => {
                // Interesting bytes for text grammars and instruction fields.
                let b = b"()!&|^%-0123456789 \n:/[].,\xff\x00\x7f"[rng.below(27)];
                v.insert(at, b);
            }
            _ if !v.is_empty() => {
                let i = at.min(v.len() - 1);
                v[i] = rng.next() as u8;
            }
            _ => v.push(rng.next() as u8),
        }
    }
    v
}

fn committed(target: &str) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/seeds")
        .join(target);
    let Ok(rd) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = rd.map(|e| e.unwrap().path()).collect();
    files.sort();
    files.iter().map(|f| std::fs::read(f).unwrap()).collect()
}

/// Seeds made from the program corpus, per target.
fn made(target: &str) -> Vec<Vec<u8>> {
    let entries = testkit::corpus::load_all().expect("program corpus");
    let progs: Vec<ir::Program> = entries
        .iter()
        .filter_map(|e| ir::asm::assemble(&e.source).ok())
        .collect();
    match target {
        "asm_llvm" => entries
            .iter()
            .map(|e| e.source.clone().into_bytes())
            .collect(),
        "asm_conformance" => progs
            .iter()
            .map(|p| ir::disasm::disasm_program(p, ir::asm::Syntax::Conformance).into_bytes())
            .collect(),
        "elf" => progs
            .iter()
            .filter_map(|p| ir::elf::write_object(std::slice::from_ref(p)).ok())
            .collect(),
        "verifier" | "jit" | "jit_checked" => progs
            .iter()
            .filter_map(|p| {
                let mut v = vec![u8::from(!p.maps.is_empty())];
                v.extend(p.to_bytes().ok()?);
                Some(v)
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn seeds(target: &str) -> Vec<Vec<u8>> {
    let made = made(target);
    if let Some(out) = std::env::var_os("BPF_OFFLOAD_FUZZ_SEEDS_OUT") {
        let dir = PathBuf::from(out).join(target);
        std::fs::create_dir_all(&dir).unwrap();
        for (i, s) in made.iter().enumerate() {
            std::fs::write(dir.join(format!("made-{i:04}")), s).unwrap();
        }
    }
    let mut all = committed(target);
    all.extend(made);
    all
}

/// Run `f` on `input`; a panic becomes a failure naming the target and the input.
fn survive(target: &str, f: impl Fn(&[u8]), input: &[u8], failures: &mut Vec<String>) {
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(input)));
    if let Err(e) = r {
        let why = e
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        let shown: String = String::from_utf8_lossy(input).chars().take(300).collect();
        let hex: String = input.iter().take(64).map(|b| format!("{b:02x}")).collect();
        failures.push(format!("{target}: {why}\n  input: {shown:?}\n  hex: {hex}"));
    }
}

const MUTATIONS_PER_SEED: usize = 12;

#[test]
fn every_target_survives_its_seeds_and_their_mutations() {
    let mut failures = Vec::new();
    let mut runs = 0;
    for (target, f) in fuzz::TARGETS {
        let seeds = seeds(target);
        assert!(!seeds.is_empty(), "{target} has no seeds");
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ target.len() as u64);
        for s in &seeds {
            survive(target, f, s, &mut failures);
            for _ in 0..MUTATIONS_PER_SEED {
                survive(target, f, &mutate(s, &mut rng), &mut failures);
            }
            runs += 1 + MUTATIONS_PER_SEED;
        }
    }
    println!("{runs} runs over {} targets", fuzz::TARGETS.len());
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Argument lists: the commands on the scratch program, bad values, `/dev/zero` as inputs.
const CLI_SEEDS: &[&str] = &[
    "check\nok.s",
    "check\nok.s\n--target\nnfp\n--json",
    "run\nok.s\n--packet\n00112233445566778899aabbccdd0800",
    "run\nok.s\n--engine\nall\n--mem\n0102",
    "run\nok.s\n--repeat\n4294967295",
    "disasm\nok.s\n--syntax\nconformance",
    "disasm\nok.s\n--target\nx86_64",
    "asm\nok.s\n-o\nout.o",
    "asm\nok.s\n-o\n/dev/null",
    "build\n--from\npcap\ntcp port 80\n--emit\nasm",
    "build\n--from\niptables\n-A INPUT -p tcp --dport 80 -j DROP\n-o\nx.o",
    "build\n--from\nnft\nadd rule ip filter input tcp dport 80 drop\n--emit\nc",
    "check\n/dev/zero",
    "run\nok.s\n--pcap\n/dev/zero",
    "plugin\n--engine\ninterp\n00",
    "--help",
];

#[test]
fn the_cli_survives_its_seeds_and_their_mutations() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ok.s"), "r0 = 2\nexit\n").unwrap();
    let bin = Path::new(env!("CARGO_BIN_EXE_bpf-offload"));
    let mut failures = Vec::new();
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    for s in CLI_SEEDS {
        let f = |d: &[u8]| fuzz::cli_args(d, bin, dir.path());
        survive("cli", f, s.as_bytes(), &mut failures);
        for _ in 0..3 {
            survive("cli", f, &mutate(s.as_bytes(), &mut rng), &mut failures);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
