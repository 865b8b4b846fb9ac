//! The Netronome NFP as a target: what its eBPF offload accepts, as a capability profile the
//! verifier ([`offload`]) checks programs against.
//!
//! [`profile::Profile`] holds the firmware's capabilities and limits (defaults from the Linux NFP
//! driver and Netronome's nic-firmware, overridable with a TOML file); [`Profile::capabilities`]
//! turns it into the [`offload::Capabilities`] whose [`rules::NfpRules`] add the driver's checks
//! as assertions evaluated on every explored path. Every reason is reported with the driver's
//! words, a stable `nfp.*` code and a hint.
//!
//! ```
//! use ir::insn::{AluOp, Insn, Operand, Width};
//! use ir::{ProgType, Program, Reg};
//! use nfp_model::Profile;
//!
//! // r0 %= 3 (MOD has no NFP translation); r0 = 2; exit
//! let prog = Program::new(ProgType::Xdp, vec![
//!     Insn::Alu { width: Width::W64, op: AluOp::Mov, dst: Reg::R0, src: Operand::Imm(7) },
//!     Insn::Alu { width: Width::W64, op: AluOp::Mod, dst: Reg::R0, src: Operand::Imm(3) },
//!     Insn::Exit,
//! ]);
//! let caps = Profile::default().capabilities();
//! let err = offload::verify(&prog, &caps, &offload::Options::default()).unwrap_err();
//! assert_eq!(err.rejections[0].code, "nfp.insn.unsupported");
//! assert_eq!(err.rejections[0].message, "instruction 0x97 not supported");
//! assert_eq!(err.rejections[0].pc, Some(1));
//! ```
#![deny(missing_docs)]

pub mod disasm;
pub mod encode;
#[cfg(test)]
mod encode_tests;
pub mod finish;
pub mod isa;
pub mod jit;
pub mod maps;
pub mod profile;
pub mod regs;
pub mod rules;
pub mod sim;

pub use profile::{CapsError, Firmware, Limits, Profile, Timing};
