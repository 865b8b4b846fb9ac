//! bpf-offload's pipeline library: what the CLI ties together, usable from tests.
//!
//! With the `kernel` feature, [`kernel`] runs programs in the Linux kernel through libbpf.
#![deny(missing_docs)]

#[cfg(feature = "kernel")]
pub mod kernel;
