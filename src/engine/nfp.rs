//! The NFP model as an engine: verify once under the NFP profile, translate once to NFP
//! instruction words, decode them once into the simulator, then run packet after packet on the
//! same runtime (maps and helpers) as the interpreter.
//!
//! A program the NFP refuses (the profile's driver checks, the code store, a translation the
//! model lacks) still gets a session: every run is then a refusal carrying the driver's reason,
//! so `--engine all` shows it as a row rather than ending the capture.

use super::{
    runtime_for, Counts, Engine, EngineResult, MapsMode, PrepareOptions, Refusal, RefusalKind,
    Session,
};
use crate::error::CliError;
use ir::interp::Input;
use ir::runtime::{MapContents, Runtime};
use ir::Program;
use nfp_model::sim::Sim;
use std::time::Instant;

/// NFP instructions one packet may execute before the run is stopped.
pub const NFP_BUDGET: u64 = 100_000_000;

/// `nfp_model`: translation + simulator, in process.
pub struct Nfp;

impl Engine for Nfp {
    fn name(&self) -> &'static str {
        "nfp"
    }

    fn about(&self) -> &'static str {
        "The NFP model: our eBPF-to-NFP translation run on the cycle-counting simulator"
    }

    fn availability(&self) -> Result<(), String> {
        Ok(())
    }

    fn packets_only(&self) -> bool {
        true
    }

    fn takes_conformance(&self) -> bool {
        false
    }

    fn prepare(&self, prog: &Program, opts: &PrepareOptions) -> Result<Box<dyn Session>, CliError> {
        let mut counts = Counts::default();
        let state = if opts.conformance {
            Err("conformance programs read memory through r1; the NFP runs XDP and TC programs on packets".to_string())
        } else {
            counts.verified += 1;
            match crate::nfp::prepare(prog, &nfp_model::Profile::default()) {
                Ok((_, sim)) => {
                    counts.compiled += 1;
                    Ok(sim)
                }
                Err(why) => Err(why),
            }
        };
        Ok(Box::new(NfpSession {
            state,
            program: prog.clone(),
            rt: runtime_for(prog, opts),
            opts: opts.clone(),
            counts,
            ran: false,
        }))
    }
}

struct NfpSession {
    /// The simulator, or why the NFP refuses the program.
    state: Result<Sim, String>,
    program: Program,
    rt: Runtime,
    opts: PrepareOptions,
    counts: Counts,
    ran: bool,
}

impl NfpSession {
    fn once(&mut self, input: &Input) -> Result<nfp_model::sim::SimOutcome, Refusal> {
        // Input the NFP could not be given at all is named before the program's own refusal.
        if let Input::Packet(p) = input {
            if p.len() < ir::runtime::ETH_HLEN {
                return Err(Refusal::new(
                    RefusalKind::Input,
                    format!(
                        "packet of {} bytes is shorter than an Ethernet header ({})",
                        p.len(),
                        ir::runtime::ETH_HLEN
                    ),
                ));
            }
        }
        let sim = self
            .state
            .as_ref()
            .map_err(|why| Refusal::new(RefusalKind::Unsupported, format!("refused: {why}")))?;
        let Input::Packet(p) = input else {
            return Err(Refusal::new(
                RefusalKind::Unsupported,
                "the NFP runs packet programs: give --packet or --pcap",
            ));
        };
        self.counts.runs += 1;
        sim.run(&mut self.rt, p, NFP_BUDGET).map_err(|e| {
            let kind = if e.message.starts_with("bad input") {
                RefusalKind::Input
            } else {
                RefusalKind::Fault
            };
            Refusal::new(kind, e.to_string())
        })
    }
}

impl Session for NfpSession {
    fn run(&mut self, input: &Input) -> Result<EngineResult, Refusal> {
        if self.opts.maps == MapsMode::Fresh && self.ran {
            self.rt = runtime_for(&self.program, &self.opts);
        }
        self.ran = true;
        let out = self.once(input)?;
        Ok(EngineResult {
            r0: out.r0,
            action: out.action.map(|a| a.to_string()),
            packet_out: out.packet,
            ns_per_run: None,
            r0_bits: 64,
        })
    }

    fn time(&mut self, input: &Input, repeat: u32) -> Result<f64, Refusal> {
        let repeat = repeat.max(1);
        self.ran = true;
        let start = Instant::now();
        for _ in 0..repeat {
            self.once(input)?;
        }
        Ok(start.elapsed().as_nanos() as f64 / f64::from(repeat))
    }

    fn maps(&mut self) -> Result<Vec<(String, MapContents)>, String> {
        match &self.state {
            Ok(_) => Ok(self.rt.dump()),
            Err(_) => Err("the NFP refused the program".to_string()),
        }
    }

    fn counts(&self) -> Counts {
        self.counts
    }
}
