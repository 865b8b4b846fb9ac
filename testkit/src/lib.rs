//! Test fixtures shared by every crate's tests: a one-line packet builder ([`packet`]), the
//! corpus of XDP/TC programs with their packets and expected results ([`corpus`]), where the bpf_conformance data is
//! ([`conformance::dir`]), the one way a test skips for a missing oracle ([`oracle::skip`]: fails instead under
//! `BPF_OFFLOAD_REQUIRE_ORACLES=1`, as CI sets it) and, with feature `kernel`, the one loader
//! that puts a program into the Linux kernel (`kernel`).
//!
//! ```
//! let p = testkit::packet::build("eth ipv4/src=10.0.0.1 tcp/dport=80").unwrap();
//! assert_eq!(&p[12..14], &[0x08, 0x00]);
//! assert_eq!(&p[36..38], &[0, 80]);
//! ```
#![deny(missing_docs)]

pub mod conformance;
pub mod corpus;
#[cfg(feature = "kernel")]
pub mod kernel;
pub mod oracle;
pub mod packet;
