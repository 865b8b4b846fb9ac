//! The verifier log in the kernel's `log_level 2` shape: the state before each instruction, the
//! instruction, where branches resume and where paths are pruned.

use crate::report::Stats;
use crate::state::State;
use ir::Program;
use std::fmt::Write;

/// An optional log being written.
#[derive(Default)]
pub struct Log {
    text: Option<String>,
}

impl Log {
    /// A log that records (`on`) or ignores everything.
    pub fn new(on: bool) -> Log {
        Log {
            text: on.then(String::new),
        }
    }

    /// Whether anything is recorded.
    pub fn enabled(&self) -> bool {
        self.text.is_some()
    }

    /// `pc: R1=ctx() R10=fp0` then `pc: (b7) r0 = 2`.
    pub fn insn(&mut self, prog: &Program, pc: usize, st: &State) {
        if let Some(t) = self.text.as_mut() {
            let depth = st.frames.len() - 1;
            let _ = write!(t, "{pc}: ");
            if depth > 0 {
                let _ = write!(t, "frame{depth}: ");
            }
            let _ = writeln!(t, "{}", st.cur());
            if prog.insns.get(pc).is_some() {
                // The kernel's form already starts with the opcode: `(b7) r0 = 2`.
                let text = crate::report::insn_text(prog, pc).unwrap_or_default();
                let _ = writeln!(t, "{pc}: {text}");
            }
        }
    }

    /// `from 3 to 7: ...` when a pending branch is resumed.
    pub fn resume(&mut self, from: usize, to: usize, st: &State) {
        if let Some(t) = self.text.as_mut() {
            let _ = writeln!(t, "from {from} to {to}: {}", st.cur());
        }
    }

    /// `7: safe` when a path is pruned.
    pub fn pruned(&mut self, pc: usize) {
        if let Some(t) = self.text.as_mut() {
            let _ = writeln!(t, "{pc}: safe");
        }
    }

    /// A line of its own (an error message).
    pub fn line(&mut self, s: &str) {
        if let Some(t) = self.text.as_mut() {
            let _ = writeln!(t, "{s}");
        }
    }

    /// The final statistics line; returns the text.
    pub fn finish(mut self, stats: &Stats) -> Option<String> {
        if let Some(t) = self.text.as_mut() {
            let _ = writeln!(t, "{stats}");
        }
        self.text
    }
}
