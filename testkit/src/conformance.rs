//! Where the bpf_conformance programs are: `$BPF_CONFORMANCE_DIR`, else `../shared/conformance`
//! beside the workspace (they live outside the checkout and are never copied into it).

use std::path::PathBuf;

/// The bpf_conformance folder (the one holding `tests/` and `negative/`), or `None` when it is
/// absent; the caller then skips through [`crate::oracle::skip_data`].
pub fn dir() -> Option<PathBuf> {
    let dir = match std::env::var_os("BPF_CONFORMANCE_DIR") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance"),
    };
    dir.join("tests").is_dir().then_some(dir)
}
