//! Fuzz target `cli`: argument lists for the `bpf-offload` binary (`BPF_OFFLOAD_BIN`, else
//! `../target/release/bpf-offload`), run in a scratch folder holding a small program; see
//! `bpf_offload_fuzz::cli_args`.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

fn setup() -> &'static (PathBuf, PathBuf) {
    static S: OnceLock<(PathBuf, PathBuf)> = OnceLock::new();
    S.get_or_init(|| {
        let bin = std::env::var_os("BPF_OFFLOAD_BIN")
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                PathBuf::from(concat!(
                    env!("CARGO_MANIFEST_DIR"),
                    "/../target/release/bpf-offload"
                ))
            });
        let dir = std::env::temp_dir().join(format!("bpf-offload-fuzz-cli-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("scratch folder");
        std::fs::write(dir.join("ok.s"), "r0 = 2\nexit\n").expect("scratch program");
        (bin, dir)
    })
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let (bin, dir) = setup();
    bpf_offload_fuzz::cli_args(data, bin, dir);
});
