//! Our RV64 JIT as an engine: verify once for the kernel target, compile once for the chosen
//! extensions (`--riscv-ext`, default RV64IMAC), then run the code under the unicorn emulator
//! packet after packet against the same runtime as the interpreter (helpers trap back into
//! Rust). Built with the `riscv` feature (unicorn needs cmake); without it the engine says how
//! to enable it. Conformance programs (`.data`) are compiled unverified, as on x86_64.

use super::{Engine, PrepareOptions, Session};
use crate::error::CliError;
use ir::Program;

/// `jit::riscv64` under unicorn.
pub struct Riscv64;

impl Engine for Riscv64 {
    fn name(&self) -> &'static str {
        "riscv64"
    }

    fn about(&self) -> &'static str {
        "Our RV64 JIT under the unicorn emulator (build with --features riscv)"
    }

    fn availability(&self) -> Result<(), String> {
        if cfg!(feature = "riscv") {
            Ok(())
        } else {
            Err(
                "not built in: rebuild with `cargo build --release --features riscv` \
                 (unicorn needs cmake and libclang)"
                    .to_string(),
            )
        }
    }

    #[cfg(not(feature = "riscv"))]
    fn prepare(&self, _: &Program, opts: &PrepareOptions) -> Result<Box<dyn Session>, CliError> {
        let _ = opts.riscv_ext;
        Err(CliError::bad_input(format!(
            "engine riscv64: {}",
            self.availability().err().unwrap_or_default()
        )))
    }

    #[cfg(feature = "riscv")]
    fn prepare(&self, prog: &Program, opts: &PrepareOptions) -> Result<Box<dyn Session>, CliError> {
        emulated::prepare(prog, opts)
    }
}

#[cfg(feature = "riscv")]
mod emulated {
    use super::super::{
        runtime_for, Counts, EngineResult, MapsMode, PrepareOptions, Refusal, RefusalKind, Session,
    };
    use crate::error::CliError;
    use ir::interp::Input;
    use ir::runtime::{HelperError, MapContents, Runtime};
    use ir::Program;
    use jit::RunError;

    pub(super) fn prepare(
        prog: &Program,
        opts: &PrepareOptions,
    ) -> Result<Box<dyn Session>, CliError> {
        let rv_opts = jit::riscv64::Options {
            ext: opts.riscv_ext,
            ..Default::default()
        };
        let mut counts = Counts::default();
        let compiled = if opts.conformance {
            jit::riscv64::compile_unchecked(prog, false, &rv_opts)
        } else {
            counts.verified += 1;
            let verified =
                offload::verify(prog, &offload::Capabilities::kernel(), &Default::default())
                    .map_err(|r| CliError::rejected(format!("riscv64: verifier: {r}")))?;
            jit::riscv64::compile(&verified, &rv_opts)
        };
        counts.compiled += 1;
        let code = compiled.map_err(|e| CliError::rejected(format!("riscv64: {e}")))?;
        Ok(Box::new(RvSession {
            code,
            program: prog.clone(),
            rt: runtime_for(prog, opts),
            opts: opts.clone(),
            counts,
            ran: false,
        }))
    }

    struct RvSession {
        code: jit::riscv64::Rv64Program,
        program: Program,
        rt: Runtime,
        opts: PrepareOptions,
        counts: Counts,
        ran: bool,
    }

    impl Session for RvSession {
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
            let start = std::time::Instant::now();
            for _ in 0..repeat {
                self.code.run(&mut self.rt, input).map_err(refusal)?;
            }
            Ok(start.elapsed().as_nanos() as f64 / f64::from(repeat))
        }

        fn maps(&mut self) -> Result<Vec<(String, MapContents)>, String> {
            Ok(self.rt.dump())
        }

        fn counts(&self) -> Counts {
            self.counts
        }
    }

    /// An emulator run error as a refusal of this input.
    fn refusal(e: RunError) -> Refusal {
        let kind = match &e {
            RunError::Input(_) => RefusalKind::Input,
            RunError::Unsupported(_)
            | RunError::Helper {
                error: HelperError::Unknown(_),
                ..
            } => RefusalKind::Unsupported,
            _ => RefusalKind::Fault,
        };
        Refusal::new(kind, e.to_string())
    }
}
