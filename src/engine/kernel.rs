//! The Linux kernel as an engine: BPF_PROG_LOAD once (through libbpf, maps included), then one
//! BPF_PROG_TEST_RUN per packet. Root and the `kernel` feature.
//!
//! Conformance programs (`.data`, `plugin`) run as bpf_conformance's libbpf plugin runs them:
//! as XDP programs whose packet is the input memory, with a prologue that sets r1 to the
//! packet's start and r2 to its length (after the bounds check the kernel's verifier needs) and,
//! for programs without bpf-to-bpf calls, an epilogue that stores the full 64-bit r0 in a
//! one-entry array (the test run returns only 32 bits). The prologue holds the length, so such
//! a session loads once per distinct input length.

#[cfg(feature = "kernel")]
use super::{Counts, EngineResult, MapsMode, Refusal, RefusalKind};
use super::{Engine, PrepareOptions, Session};
use crate::error::CliError;
use ir::Program;

/// BPF_PROG_LOAD + BPF_PROG_TEST_RUN.
pub struct Kernel;

impl Engine for Kernel {
    fn name(&self) -> &'static str {
        "kernel"
    }

    fn about(&self) -> &'static str {
        "The Linux kernel through libbpf (root, feature `kernel`)"
    }

    #[cfg(feature = "kernel")]
    fn availability(&self) -> Result<(), String> {
        match bpf_offload::kernel::unavailable_reason() {
            None => Ok(()),
            Some(why) => Err(format!("the kernel engine {why}")),
        }
    }

    #[cfg(not(feature = "kernel"))]
    fn availability(&self) -> Result<(), String> {
        Err(
            "the kernel engine is not built in: rebuild with `--features kernel` \
             (needs libelf-dev and zlib1g-dev)"
                .to_string(),
        )
    }

    fn packets_only(&self) -> bool {
        true
    }

    fn runtime_helpers(&self) -> bool {
        false
    }

    #[cfg(feature = "kernel")]
    fn prepare(&self, prog: &Program, opts: &PrepareOptions) -> Result<Box<dyn Session>, CliError> {
        self.availability().map_err(CliError::bad_input)?;
        if opts.conformance {
            return Ok(Box::new(conformance::ConformanceSession::new(prog)));
        }
        let loaded = bpf_offload::kernel::KernelProgram::load(prog).map_err(kernel_error)?;
        Ok(Box::new(KernelSession {
            loaded,
            prog_type: prog.prog_type,
            maps: opts.maps,
            counts: Counts {
                compiled: 1,
                loaded: 1,
                ..Counts::default()
            },
            ran: false,
        }))
    }

    #[cfg(not(feature = "kernel"))]
    fn prepare(&self, _: &Program, _: &PrepareOptions) -> Result<Box<dyn Session>, CliError> {
        Err(CliError::bad_input(
            self.availability().err().unwrap_or_default(),
        ))
    }
}

/// A load failure as a CLI error: a verifier rejection (with its log) is exit 1, anything else
/// (privileges, a malformed object) exit 2.
#[cfg(feature = "kernel")]
fn kernel_error(e: bpf_offload::kernel::KernelError) -> CliError {
    let mut msg = format!("kernel: {e}");
    if e.is_rejection() {
        // `Display` already carries the log.
        CliError::rejected(msg)
    } else {
        if !e.log.is_empty() {
            msg.push_str("\nverifier log:\n");
            msg.push_str(e.log.trim_end());
        }
        CliError::bad_input(msg)
    }
}

/// A failed test run as a refusal of this packet: the kernel refuses to present some frames
/// (EINVAL: shorter than an Ethernet header, a TC packet whose EtherType promises a header that
/// is not there).
#[cfg(feature = "kernel")]
fn test_run_refusal(e: bpf_offload::kernel::KernelError) -> Refusal {
    let einval = e.message.contains("os error 22");
    let kind = if einval {
        RefusalKind::Input
    } else {
        RefusalKind::Fault
    };
    let reason = if einval {
        format!("the kernel's test run refuses this packet ({})", e.message)
    } else {
        e.to_string()
    };
    Refusal::new(kind, reason)
}

#[cfg(feature = "kernel")]
struct KernelSession {
    loaded: bpf_offload::kernel::KernelProgram,
    prog_type: ir::ProgType,
    maps: MapsMode,
    counts: Counts,
    ran: bool,
}

#[cfg(feature = "kernel")]
fn packet_of(input: &ir::interp::Input) -> Result<&[u8], Refusal> {
    match input {
        ir::interp::Input::Packet(p) => Ok(p),
        _ => Err(Refusal::new(
            RefusalKind::Unsupported,
            "the kernel engine runs packet programs: give --packet or --pcap",
        )),
    }
}

#[cfg(feature = "kernel")]
impl Session for KernelSession {
    fn run(&mut self, input: &ir::interp::Input) -> Result<EngineResult, Refusal> {
        let packet = packet_of(input)?;
        if self.maps == MapsMode::Fresh && self.ran {
            self.loaded
                .reset_maps()
                .map_err(|e| Refusal::new(RefusalKind::Fault, e.to_string()))?;
        }
        self.ran = true;
        self.counts.runs += 1;
        let out = self.loaded.test_run(packet, 1).map_err(test_run_refusal)?;
        Ok(EngineResult {
            r0: out.r0,
            action: ir::interp::Action::from_r0(self.prog_type, out.r0).map(|a| a.to_string()),
            packet_out: Some(out.packet_out),
            ns_per_run: None,
            r0_bits: 32,
        })
    }

    fn time(&mut self, input: &ir::interp::Input, repeat: u32) -> Result<f64, Refusal> {
        let packet = packet_of(input)?;
        self.ran = true;
        self.counts.runs += u64::from(repeat.max(1));
        let out = self
            .loaded
            .test_run(packet, repeat.max(1))
            .map_err(test_run_refusal)?;
        Ok(f64::from(out.duration_ns))
    }

    fn maps(&mut self) -> Result<Vec<(String, ir::runtime::MapContents)>, String> {
        self.loaded.map_dump().map_err(|e| e.to_string())
    }

    fn counts(&self) -> Counts {
        self.counts
    }
}

#[cfg(feature = "kernel")]
mod conformance;
