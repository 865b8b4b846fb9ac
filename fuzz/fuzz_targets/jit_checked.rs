//! Fuzz target `jit_checked`: see the table in `src/lib.rs` for its property.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| bpf_offload_fuzz::jit_checked(data));
