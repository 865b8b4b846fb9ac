//! Fuzz target `asm_llvm`: see the table in `src/lib.rs` for its property.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| bpf_offload_fuzz::asm_llvm(data));
