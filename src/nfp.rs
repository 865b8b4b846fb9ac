//! The NFP backend in the CLI: the translation and the report `build --target nfp` prints, the
//! NFP code file written beside the object, and the simulator behind the `nfp` engine.
//!
//! Where the NFP code goes: a file beside the object, `OUT.nfp` (for `-o drop.o`,
//! `drop.o.nfp`). The object stays exactly what `ip link set dev D xdpoffload obj drop.o`
//! loads (the driver translates it again on the card); the `.nfp` file holds our translation,
//! one instruction per line: the 64-bit word with its ECC in hex, then `# ` and the assembler
//! text. `nfp_model::encode::decode` reads each word back.

use crate::error::{CliError, CliResult};
use ir::Program;
use nfp_model::jit::{translate, NfpProgram};
use nfp_model::sim::{Sim, SimOutcome};
use nfp_model::{Profile, Timing};
use serde_json::json;
use std::fmt::Write;
use std::path::{Path, PathBuf};

/// The NFP profile with the `--caps` overrides.
pub fn profile(caps: Option<&Path>) -> CliResult<Profile> {
    match caps {
        None => Ok(Profile::default()),
        Some(p) => {
            let bytes = crate::input::read_file(p)?;
            let text = std::str::from_utf8(&bytes)
                .map_err(|_| CliError::bad_input(format!("{}: not UTF-8 text", p.display())))?;
            Profile::from_toml(text)
                .map_err(|e| CliError::bad_input(format!("{}:{e}", p.display())))
        }
    }
}

/// Verify under `profile`, translate, decode into the simulator; or the driver's reason.
pub fn prepare(prog: &Program, profile: &Profile) -> Result<(NfpProgram, Sim), String> {
    let v = offload::verify(prog, &profile.capabilities(), &offload::Options::default()).map_err(
        |r| match r.rejections.first() {
            Some(first) => first.to_string(),
            None => "rejected".to_string(),
        },
    )?;
    let nfp = translate(&v, profile).map_err(|r| r.to_string())?;
    let sim = Sim::for_program(&nfp, profile.timing).map_err(|e| e.to_string())?;
    Ok((nfp, sim))
}

/// What `build --target nfp` reports about the translation.
pub struct Report {
    /// The translation.
    pub nfp: NfpProgram,
    /// The sample packet's run (None when the program faulted on it).
    pub sample: Result<SimOutcome, String>,
    /// What the sample packet is.
    pub sample_what: &'static str,
    /// The machine.
    pub timing: Timing,
    /// The code store.
    pub code_store: u32,
}

/// Translate a program the NFP profile accepted and run it on a sample packet (an IPv4 TCP
/// frame to port 80, 60 bytes).
pub fn report(prog: &Program, profile: &Profile) -> CliResult<Report> {
    let (nfp, sim) = prepare(prog, profile)
        .map_err(|why| CliError::rejected(format!("NFP translation: {why}")))?;
    let pkt = crate::commands::bench::frame(6, 80, 60);
    let mut rt = ir::runtime::Runtime::new(prog);
    let sample = sim
        .run(&mut rt, &pkt, crate::engine::STEP_BUDGET)
        .map_err(|e| e.to_string());
    Ok(Report {
        nfp,
        sample,
        sample_what: "IPv4 TCP to port 80, 60 bytes",
        timing: profile.timing,
        code_store: profile.limits.code_store,
    })
}

/// `OUT.nfp` beside `OUT`.
pub fn code_path(out: &Path) -> PathBuf {
    let mut s = out.as_os_str().to_owned();
    s.push(".nfp");
    PathBuf::from(s)
}

impl Report {
    /// The `.nfp` file: one word and its text per line.
    pub fn code_file(&self) -> String {
        let mut s = String::from("# NFP code (64-bit words with ECC) translated by bpf-offload\n");
        for (w, i) in self.nfp.words.iter().zip(&self.nfp.code) {
            let _ = writeln!(s, "0x{w:016x}  # {}", nfp_model::disasm::text(i));
        }
        s
    }

    /// Report lines.
    pub fn text(&self) -> String {
        let t = &self.timing;
        let mut s = format!(
            "NFP: {} instructions for {} eBPF instructions ({:.2} per eBPF instruction), code store {} of {}\n",
            self.nfp.code.len(),
            self.nfp.ebpf_insns,
            self.nfp.ratio(),
            self.nfp.code.len(),
            self.code_store
        );
        match &self.sample {
            Ok(o) => {
                let _ = writeln!(
                    s,
                    "NFP simulator, sample packet ({}): {} ({}), {} instructions, {} cycles ({} busy + {} waiting on memory)",
                    self.sample_what,
                    o.code_name(),
                    o.action.map(|a| a.to_string()).unwrap_or_default(),
                    o.insns,
                    o.latency_cycles(),
                    o.busy_cycles,
                    o.stall_cycles
                );
                let _ = writeln!(
                    s,
                    "NFP estimate: {:.1} Mpps on {} MEs x {} contexts at {} MHz ({:.1} ME cycles per packet); {}",
                    o.mpps(t),
                    t.mes,
                    t.contexts,
                    t.clock_mhz,
                    o.me_cycles(t),
                    Timing::ESTIMATES
                );
            }
            Err(e) => {
                let _ = writeln!(s, "NFP simulator, sample packet: {e}");
            }
        }
        s
    }

    /// The report as JSON.
    pub fn json(&self) -> serde_json::Value {
        let t = &self.timing;
        let sample = match &self.sample {
            Ok(o) => json!({
                "packet": self.sample_what,
                "verdict_code": o.code,
                "verdict": o.code_name(),
                "r0": o.r0,
                "instructions": o.insns,
                "cycles": o.latency_cycles(),
                "busy_cycles": o.busy_cycles,
                "stall_cycles": o.stall_cycles,
                "me_cycles_per_packet": o.me_cycles(t),
                "mpps_estimate": o.mpps(t),
            }),
            Err(e) => json!({ "error": e }),
        };
        json!({
            "instructions": self.nfp.code.len(),
            "ebpf_instructions": self.nfp.ebpf_insns,
            "per_ebpf_instruction": self.nfp.ratio(),
            "code_store": self.code_store,
            "sample": sample,
            "assumptions": {
                "clock_mhz": t.clock_mhz,
                "mes": t.mes,
                "contexts": t.contexts,
                "estimates": Timing::ESTIMATES,
            },
        })
    }
}
