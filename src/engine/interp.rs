//! The reference interpreter as an engine: the program is decoded once ([`Prepared`]) and run
//! against an `ir::runtime` that lives as long as the session (or is made anew per run with
//! fresh maps).

use super::{
    runtime_for, Counts, Engine, EngineResult, FreshMaps, MapsMode, PrepareOptions, Refusal,
    RefusalKind, Session, STEP_BUDGET,
};
use crate::error::CliError;
use ir::interp::{ExecError, ExecErrorKind, Input, Prepared};
use ir::runtime::{HelperError, MapContents, Runtime};
use ir::Program;

/// `ir::interp`, in process.
pub struct Interp;

impl Engine for Interp {
    fn name(&self) -> &'static str {
        "interp"
    }

    fn about(&self) -> &'static str {
        "The reference interpreter (in process)"
    }

    fn availability(&self) -> Result<(), String> {
        Ok(())
    }

    fn prepare(&self, prog: &Program, opts: &PrepareOptions) -> Result<Box<dyn Session>, CliError> {
        let rt = runtime_for(prog, opts);
        let fresh = (opts.maps == MapsMode::Fresh).then(|| FreshMaps::of(&rt));
        Ok(Box::new(InterpSession {
            prepared: Prepared::new(prog),
            program: prog.clone(),
            rt,
            fresh,
            opts: opts.clone(),
            counts: Counts {
                compiled: 1,
                ..Counts::default()
            },
            ran: false,
        }))
    }
}

struct InterpSession {
    prepared: Prepared,
    program: Program,
    rt: Runtime,
    /// The initial map contents, with fresh maps.
    fresh: Option<FreshMaps>,
    opts: PrepareOptions,
    counts: Counts,
    /// Whether a run has used `rt` (fresh maps then need a new runtime).
    ran: bool,
}

impl Session for InterpSession {
    fn run(&mut self, input: &Input) -> Result<EngineResult, Refusal> {
        if let (Some(fresh), true) = (&self.fresh, self.ran) {
            fresh.restore(&mut self.rt, &self.program, &self.opts);
        }
        self.ran = true;
        self.counts.runs += 1;
        let out = self
            .prepared
            .run(&mut self.rt, input, STEP_BUDGET)
            .map_err(refusal)?;
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
        let start = std::time::Instant::now();
        for _ in 0..repeat {
            self.prepared
                .run(&mut self.rt, input, STEP_BUDGET)
                .map_err(refusal)?;
        }
        self.counts.runs += u64::from(repeat);
        self.ran = true;
        Ok(start.elapsed().as_nanos() as f64 / f64::from(repeat))
    }

    fn maps(&mut self) -> Result<Vec<(String, MapContents)>, String> {
        Ok(self.rt.dump())
    }

    fn counts(&self) -> Counts {
        self.counts
    }
}

/// An interpreter error as a refusal of this input.
fn refusal(e: ExecError) -> Refusal {
    let kind = match &e.kind {
        ExecErrorKind::Input(_) => RefusalKind::Input,
        ExecErrorKind::Unsupported(_)
        | ExecErrorKind::Helper {
            error: HelperError::Unknown(_),
            ..
        } => RefusalKind::Unsupported,
        _ => RefusalKind::Fault,
    };
    Refusal::new(kind, e.to_string())
}
