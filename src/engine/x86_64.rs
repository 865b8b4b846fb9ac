//! Our x86-64 JIT as an engine: verify once for the kernel target, compile once with what the
//! verifier proved, then run the native code packet after packet against the same runtime as
//! the interpreter. Conformance programs (`.data`), which no verifier accepts, are compiled in
//! the JIT's checked mode (every access checked against the live regions, the interpreter's
//! step budget, r10 read-only) with r1 as plain memory, as the interpreter runs them.

use super::{
    runtime_for, Counts, Engine, EngineResult, MapsMode, PrepareOptions, Refusal, RefusalKind,
    Session, STEP_BUDGET,
};
use crate::error::CliError;
use ir::interp::Input;
use ir::runtime::{HelperError, MapContents, Runtime};
use ir::Program;
use jit::RunError;

/// `jit::x86_64`, native code in process.
pub struct X86_64;

impl Engine for X86_64 {
    fn name(&self) -> &'static str {
        "x86_64"
    }

    fn about(&self) -> &'static str {
        "Our x86-64 JIT (verified programs; `.data` conformance programs run checked)"
    }

    fn availability(&self) -> Result<(), String> {
        if cfg!(target_arch = "x86_64") {
            Ok(())
        } else {
            Err("the x86_64 engine runs on x86-64 hosts only".to_string())
        }
    }

    fn prepare(&self, prog: &Program, opts: &PrepareOptions) -> Result<Box<dyn Session>, CliError> {
        self.availability().map_err(CliError::bad_input)?;
        let jit_opts = jit::x86_64::Options {
            harden: opts.harden,
            ..Default::default()
        };
        let mut counts = Counts::default();
        let compiled = if opts.conformance {
            jit::x86_64::compile_checked(prog, false, STEP_BUDGET, &jit_opts)
        } else {
            counts.verified += 1;
            let verified =
                offload::verify(prog, &offload::Capabilities::kernel(), &Default::default())
                    .map_err(|r| CliError::rejected(format!("x86_64: verifier: {r}")))?;
            jit::x86_64::compile(&verified, &jit_opts)
        };
        counts.compiled += 1;
        let code = compiled.map_err(|e| CliError::rejected(format!("x86_64: {e}")))?;
        Ok(Box::new(X86Session {
            code,
            program: prog.clone(),
            rt: runtime_for(prog, opts),
            opts: opts.clone(),
            counts,
            ran: false,
        }))
    }
}

struct X86Session {
    code: jit::x86_64::JitProgram,
    program: Program,
    rt: Runtime,
    opts: PrepareOptions,
    counts: Counts,
    ran: bool,
}

impl Session for X86Session {
    fn run(&mut self, input: &Input) -> Result<EngineResult, Refusal> {
        if self.opts.maps == MapsMode::Fresh && self.ran {
            self.rt = runtime_for(&self.program, &self.opts);
        }
        self.ran = true;
        self.counts.runs += 1;
        let out = self.code.run(&mut self.rt, input).map_err(refusal)?;
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
        self.counts.runs += u64::from(repeat);
        let (_, took) = self
            .code
            .run_repeat(&mut self.rt, input, u64::from(repeat))
            .map_err(refusal)?;
        Ok(took.as_nanos() as f64 / f64::from(repeat))
    }

    fn maps(&mut self) -> Result<Vec<(String, MapContents)>, String> {
        Ok(self.rt.dump())
    }

    fn counts(&self) -> Counts {
        self.counts
    }
}

/// A JIT run error as a refusal of this input.
fn refusal(e: RunError) -> Refusal {
    let kind = match &e {
        RunError::Input(_) => RefusalKind::Input,
        RunError::Exec(e) => match &e.kind {
            ir::interp::ExecErrorKind::Input(_) => RefusalKind::Input,
            ir::interp::ExecErrorKind::Unsupported(_)
            | ir::interp::ExecErrorKind::Helper {
                error: HelperError::Unknown(_),
                ..
            } => RefusalKind::Unsupported,
            _ => RefusalKind::Fault,
        },
        RunError::Unsupported(_)
        | RunError::NotChecked
        | RunError::Helper {
            error: HelperError::Unknown(_),
            ..
        } => RefusalKind::Unsupported,
        _ => RefusalKind::Fault,
    };
    Refusal::new(kind, e.to_string())
}
