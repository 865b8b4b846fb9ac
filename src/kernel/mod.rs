//! The Linux kernel as an engine: load a [`Program`] with its maps through libbpf
//! (`bpf_object__open_mem` of the ELF our writer produces, then `bpf_object__load`) and run it
//! with `BPF_PROG_TEST_RUN`. Needs root (or CAP_BPF + CAP_NET_ADMIN) and the `kernel` feature.

mod sys;

use ir::Program;
use std::fmt;

/// Bytes of verifier log kept for a successful load (statistics only).
const STATS_LOG_SIZE: usize = 64 * 1024;
/// Bytes of verifier log kept when a load fails and is retried with the full log.
const FULL_LOG_SIZE: usize = 16 * 1024 * 1024;
/// `BPF_LOG_LEVEL1`: every instruction the verifier walks.
const LOG_LEVEL_INSNS: u32 = 1;
/// `BPF_LOG_STATS`: verification time and processed instructions.
const LOG_LEVEL_STATS: u32 = 4;

/// What a run in the kernel returned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KernelOutcome {
    /// The program's return value (`retval` of BPF_PROG_TEST_RUN; r0 truncated to 32 bits).
    pub r0: u64,
    /// The packet after the run.
    pub packet_out: Vec<u8>,
    /// Average duration of one run, in nanoseconds, as the kernel measured it.
    pub duration_ns: u32,
}

/// The kernel verifier's statistics for an accepted program.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VerifierStats {
    /// "processed N insns".
    pub processed_insns: Option<u64>,
    /// "verification time N usec".
    pub verification_time_us: Option<u64>,
    /// The log the kernel wrote at the statistics level.
    pub log: String,
}

impl VerifierStats {
    fn from_log(log: &str) -> VerifierStats {
        let number_after = |key: &str| {
            log.lines().find_map(|l| {
                let rest = l.split(key).nth(1)?;
                rest.split_whitespace().next()?.parse().ok()
            })
        };
        VerifierStats {
            processed_insns: number_after("processed "),
            verification_time_us: number_after("verification time "),
            log: log.to_string(),
        }
    }
}

/// Why the kernel did not load or run a program.
#[derive(Clone, Debug)]
pub struct KernelError {
    /// Which step failed: "write ELF", "open", "load", "test run".
    pub step: &'static str,
    /// What went wrong (errno text, or the ELF writer's message).
    pub message: String,
    /// The verifier's log, when the load was rejected.
    pub log: String,
    /// Statistics parsed from the log, when present.
    pub stats: VerifierStats,
}

impl KernelError {
    /// Whether the kernel's verifier rejected the program (as opposed to a missing privilege,
    /// a malformed object or a failed run).
    pub fn is_rejection(&self) -> bool {
        self.step == "load" && !self.log.is_empty()
    }
}

impl fmt::Display for KernelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "kernel {} failed: {}", self.step, self.message)?;
        if !self.log.is_empty() {
            write!(f, "\n--- verifier log ---\n{}", self.log.trim_end())?;
        }
        Ok(())
    }
}

impl std::error::Error for KernelError {}

fn sys_error(e: sys::SysError, log: String) -> KernelError {
    let hint = match e.errno.raw_os_error() {
        Some(libc::EPERM) => " (needs root, or CAP_BPF and CAP_NET_ADMIN)",
        _ => "",
    };
    KernelError {
        step: e.step,
        message: format!("{}{hint}", e.errno),
        stats: VerifierStats::from_log(&log),
        log,
    }
}

/// Open and load `prog` (with its maps); on rejection, load again with the full log. Maps'
/// initial entries (which an ELF object cannot carry) are inserted after the load, before any
/// run.
fn load(prog: &Program) -> Result<(sys::LoadedObject, VerifierStats), KernelError> {
    let mut bare = prog.clone();
    for m in &mut bare.maps {
        m.initial_entries.clear();
    }
    let (obj, stats) = load_bare(&bare)?;
    for m in prog.maps.iter() {
        for (k, v) in &m.initial_entries {
            obj.update_map(&m.name, k, v)
                .map_err(|e| sys_error(e, String::new()))?;
        }
    }
    Ok((obj, stats))
}

fn load_bare(prog: &Program) -> Result<(sys::LoadedObject, VerifierStats), KernelError> {
    let elf = ir::elf::write_object(std::slice::from_ref(prog)).map_err(|e| KernelError {
        step: "write ELF",
        message: e.to_string(),
        log: String::new(),
        stats: VerifierStats::default(),
    })?;
    let open = |size, level| {
        let mut obj =
            sys::LoadedObject::open(&elf, size, level).map_err(|e| sys_error(e, String::new()))?;
        obj.set_prog_type(prog.prog_type.kernel_id());
        Ok::<_, KernelError>(obj)
    };
    let mut obj = open(STATS_LOG_SIZE, LOG_LEVEL_STATS)?;
    match obj.load() {
        Ok(()) => {
            let stats = VerifierStats::from_log(&obj.log());
            Ok((obj, stats))
        }
        Err(first) => {
            let mut full = open(FULL_LOG_SIZE, LOG_LEVEL_INSNS | LOG_LEVEL_STATS)?;
            let err = match full.load() {
                Err(e) => sys_error(e, full.log()),
                Ok(()) => sys_error(first, obj.log()),
            };
            Err(err)
        }
    }
}

/// Load `prog` with BPF_PROG_LOAD (through libbpf, maps included) and report whether the
/// kernel's verifier accepts it, with its statistics; on rejection the error carries the log.
pub fn verify_in_kernel(prog: &Program) -> Result<VerifierStats, KernelError> {
    load(prog).map(|(_, stats)| stats)
}

/// Load `prog` and run it `repeat` times on `input` with BPF_PROG_TEST_RUN.
pub fn run_in_kernel(
    prog: &Program,
    input: &[u8],
    repeat: u32,
) -> Result<KernelOutcome, KernelError> {
    KernelProgram::load(prog)?.test_run(input, repeat)
}

/// Load `prog` once and run it on every packet of `inputs` (one BPF_PROG_TEST_RUN each,
/// `repeat` times); maps keep their contents from one run to the next, as on a live interface.
/// The outer error is the load; each packet has its own result (the kernel refuses to test-run
/// some frames, e.g. TC programs on an IPv4 EtherType with less than an IPv4 header).
pub fn run_many_in_kernel(
    prog: &Program,
    inputs: &[Vec<u8>],
    repeat: u32,
) -> Result<Vec<Result<KernelOutcome, KernelError>>, KernelError> {
    let loaded = KernelProgram::load(prog)?;
    Ok(inputs
        .iter()
        .map(|input| loaded.test_run(input, repeat))
        .collect())
}

/// A map's contents as the kernel holds them: (key, value) pairs sorted by key.
pub type KernelMapContents = Vec<(Vec<u8>, Vec<u8>)>;

/// A program loaded into the kernel once (BPF_PROG_LOAD, maps created and filled), then run
/// packet after packet with BPF_PROG_TEST_RUN. Maps keep their contents between runs until
/// [`KernelProgram::reset_maps`]. Unloaded on drop.
pub struct KernelProgram {
    obj: sys::LoadedObject,
    stats: VerifierStats,
    /// The program's maps as it declared them (names, types, initial contents).
    maps: Vec<ir::MapDef>,
}

impl KernelProgram {
    /// Load `prog` with its maps; on rejection the error carries the verifier log.
    pub fn load(prog: &Program) -> Result<KernelProgram, KernelError> {
        let (obj, stats) = load(prog)?;
        Ok(KernelProgram {
            obj,
            stats,
            maps: prog.maps.clone(),
        })
    }

    /// The verifier's statistics for the load.
    pub fn stats(&self) -> &VerifierStats {
        &self.stats
    }

    /// One BPF_PROG_TEST_RUN of the program on `packet`, `repeat` times (the result is the
    /// last run's; the duration the mean).
    pub fn test_run(&self, packet: &[u8], repeat: u32) -> Result<KernelOutcome, KernelError> {
        let (retval, packet_out, duration_ns) = self
            .obj
            .test_run(packet, repeat)
            .map_err(|e| sys_error(e, String::new()))?;
        Ok(KernelOutcome {
            r0: retval as u64,
            packet_out,
            duration_ns,
        })
    }

    /// Every map of the program that holds plain keys and values (hash and array kinds, per-CPU
    /// ones with every CPU's value in turn), by the program's name for it, entries sorted by key.
    pub fn map_dump(&self) -> Result<Vec<(String, KernelMapContents)>, KernelError> {
        let mut out = Vec::new();
        for m in &self.maps {
            if !dumpable(m.map_type) {
                continue;
            }
            let name = m.name.as_str();
            let keys = self
                .obj
                .map_keys(name)
                .map_err(|e| sys_error(e, String::new()))?;
            let mut entries = Vec::with_capacity(keys.len());
            for k in keys {
                if let Some(v) = self
                    .obj
                    .map_lookup(name, &k)
                    .map_err(|e| sys_error(e, String::new()))?
                {
                    entries.push((k, v));
                }
            }
            entries.sort();
            out.push((m.name.clone(), entries));
        }
        Ok(out)
    }

    /// The value under `key` in the program's map `name`, as [`KernelProgram::map_dump`] shows it.
    pub fn map_lookup(&self, name: &str, key: &[u8]) -> Result<Option<Vec<u8>>, KernelError> {
        self.obj
            .map_lookup(name, key)
            .map_err(|e| sys_error(e, String::new()))
    }

    /// Put every plain map back to the program's initial contents: arrays to their initial
    /// value (or zeros) and initial entries, in one batch update each; hash maps emptied, then
    /// given their initial entries.
    pub fn reset_maps(&self) -> Result<(), KernelError> {
        let err = |e| sys_error(e, String::new());
        for m in &self.maps {
            let name = m.name.as_str();
            let vs = m.value_size as usize;
            match m.map_type {
                ir::MapType::Array => {
                    let n = m.max_entries as usize;
                    let mut values = vec![0u8; n * vs];
                    if let Some(init) = &m.initial_value {
                        let len = init.len().min(vs).min(values.len());
                        values[..len].copy_from_slice(&init[..len]);
                    }
                    for (k, v) in &m.initial_entries {
                        let Some(idx) = k
                            .get(..4)
                            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
                        else {
                            continue;
                        };
                        if idx < n && v.len() == vs {
                            values[idx * vs..(idx + 1) * vs].copy_from_slice(v);
                        }
                    }
                    let keys: Vec<u8> = (0..n as u32).flat_map(|i| i.to_le_bytes()).collect();
                    if n > 0 {
                        self.obj
                            .map_update_batch(name, &keys, &values, n as u32)
                            .map_err(err)?;
                    }
                }
                ir::MapType::Hash | ir::MapType::LruHash => {
                    for k in self.obj.map_keys(name).map_err(err)? {
                        self.obj.map_delete(name, &k).map_err(err)?;
                    }
                    for (k, v) in &m.initial_entries {
                        self.obj.update_map(name, k, v).map_err(err)?;
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }
}

/// Map kinds whose contents [`KernelProgram::map_dump`] reads.
fn dumpable(t: ir::MapType) -> bool {
    matches!(
        t,
        ir::MapType::Hash
            | ir::MapType::Array
            | ir::MapType::LruHash
            | ir::MapType::PercpuHash
            | ir::MapType::PercpuArray
            | ir::MapType::LruPercpuHash
    )
}

/// Why the kernel engine cannot be used right now, or `None` when it can (root and bpf()).
pub fn unavailable_reason() -> Option<String> {
    if !sys::is_root() {
        return Some("needs root for bpf()".into());
    }
    None
}
