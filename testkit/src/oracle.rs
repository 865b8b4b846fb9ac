//! Skipping a test whose oracle is missing — or failing it where oracles are required.
//!
//! A test that needs root, the kernel's `bpf()`, an installed tool (clang, tcpdump, nft, ...) or
//! the shared conformance data calls [`skip`] when that oracle is absent. Normally that prints
//! one line, `SKIP <test>: <reason>`, and the test passes. With the environment variable
//! [`REQUIRE_ORACLES`] set to anything but empty or `0` (scripts/test-all sets it: CI runs as
//! root with every oracle installed), [`skip`] panics instead, so CI cannot pass quietly
//! without the oracles it is meant to compare against.
//!
//! ```no_run
//! fn pcap_filters_agree_with_libpcap() {
//!     if !std::path::Path::new("/usr/bin/tcpdump").exists() {
//!         testkit::oracle::skip("pcap_filters_agree_with_libpcap", "tcpdump is not installed");
//!         return;
//!     }
//!     // ... compare with tcpdump ...
//! }
//! ```

/// The environment variable under which a missing oracle fails the test instead of skipping it.
pub const REQUIRE_ORACLES: &str = "BPF_OFFLOAD_REQUIRE_ORACLES";

/// Whether [`REQUIRE_ORACLES`] is set (to anything but empty or `0`).
pub fn required() -> bool {
    std::env::var_os(REQUIRE_ORACLES).is_some_and(|v| !v.is_empty() && v != "0")
}

/// The oracle `test` needs is missing because of `reason`: print `SKIP <test>: <reason>`, or,
/// when [`required`], panic with the same words. The caller returns right after.
#[track_caller]
pub fn skip(test: &str, reason: impl std::fmt::Display) {
    if required() {
        panic!("{test}: its oracle is missing ({reason}), and {REQUIRE_ORACLES} says it must run");
    }
    println!("SKIP {test}: {reason}");
}

/// Test data that lives outside the checkout (the bpf_conformance programs in
/// `../shared/conformance`, or `$BPF_CONFORMANCE_DIR`) is missing: print `SKIP <test>: <reason>`
/// even when [`required`]. Such data is not an oracle the test command can install, and a
/// checkout without it must still be testable; scripts/test-all says loudly when it is absent.
pub fn skip_data(test: &str, reason: impl std::fmt::Display) {
    println!("SKIP {test}: {reason}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skip_prints_or_panics_as_the_environment_says() {
        // The variable is process-wide: this one test reads both states through `required`.
        let panicked = std::panic::catch_unwind(|| skip("t", "absent")).is_err();
        assert_eq!(panicked, required());
    }
}
