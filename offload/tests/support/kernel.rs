//! The kernel as an oracle: load a `Program` with `BPF_PROG_LOAD` (maps created first) and
//! report the verdict, the log and the kernel's own verification time, through the one loader
//! in `testkit::kernel`. Root only.

#![allow(dead_code)]

use ir::Program;
pub use testkit::kernel::{available, KernelVerdict};

/// Load `prog` with log level 1 (plus `extra_log_level` bits, e.g. 4 for statistics).
pub fn load(prog: &Program, extra_log_level: u32) -> Result<KernelVerdict, String> {
    testkit::kernel::verdict(prog, 1 | extra_log_level)
}

/// Load `prog` with only the statistics log (level 4): the kernel's own timing, undisturbed.
pub fn load_stats(prog: &Program) -> Result<KernelVerdict, String> {
    testkit::kernel::verdict(prog, 4)
}
