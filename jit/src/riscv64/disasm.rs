//! Print what was emitted: each eBPF instruction followed by its RV64 instructions, and check
//! the bytes with an independent decoder (`llvm-mc --disassemble`, which knows Zba/Zbb).

use super::Rv64Program;
use std::fmt::Write as _;
use std::io::Write as _;
use std::process::{Command, Stdio};

impl Rv64Program {
    /// A listing: every eBPF slot (LLVM syntax) and the RV64 instructions it became, with
    /// offsets and bytes.
    pub fn disassemble(&self) -> String {
        let mut out = String::new();
        let mut last_pc = usize::MAX;
        for p in self.placed() {
            if p.pc != last_pc {
                let _ = writeln!(out, "; {:>4}: {}", p.pc, self.insn_text(p.pc));
                last_pc = p.pc;
            }
            let n = if p.compressed { 2 } else { 4 };
            let bytes = &self.code[p.offset as usize..p.offset as usize + n];
            let hex: Vec<String> = bytes.iter().map(|b| format!("{b:02x}")).collect();
            let _ = writeln!(
                out,
                "{:6x}:  {:<12} {}",
                p.offset,
                hex.join(" "),
                p.inst.text(p.compressed)
            );
        }
        out
    }

    /// Decode the code with `llvm-mc` and compare every instruction with what the emitter
    /// meant. `Err` names the first difference; `Ok(false)` means llvm-mc is not installed.
    pub fn check_decoding(&self) -> Result<bool, String> {
        let decoded = match llvm_decode(&self.code) {
            Some(d) => d?,
            None => return Ok(false),
        };
        let placed = self.placed();
        if decoded.len() != placed.len() {
            return Err(format!(
                "llvm-mc decoded {} instructions, the emitter placed {}",
                decoded.len(),
                placed.len()
            ));
        }
        for (p, got) in placed.iter().zip(&decoded) {
            let want = p.inst.text(p.compressed);
            if normalize(&want) != normalize(got) {
                return Err(format!(
                    "at {:#x} (eBPF {}: {}): meant `{want}`, llvm-mc decodes `{got}`",
                    p.offset,
                    p.pc,
                    self.insn_text(p.pc)
                ));
            }
        }
        Ok(true)
    }
}

fn normalize(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The llvm-mc binary, if installed.
fn llvm_mc() -> Option<&'static str> {
    ["llvm-mc-19", "llvm-mc"].into_iter().find(|b| {
        Command::new(b)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}

/// Decode `code` with llvm-mc (`-M no-aliases`), one line per instruction; `None` when llvm-mc
/// is not installed.
pub fn llvm_decode(code: &[u8]) -> Option<Result<Vec<String>, String>> {
    let mc = llvm_mc()?;
    let run = || -> Result<Vec<String>, String> {
        let mut child = Command::new(mc)
            .args([
                "--disassemble",
                "-triple=riscv64",
                "-mattr=+m,+a,+c,+zba,+zbb",
                "-M",
                "no-aliases",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("{mc}: {e}"))?;
        let mut input = String::with_capacity(code.len() * 5);
        for b in code {
            let _ = write!(input, "0x{b:02x} ");
        }
        if let Some(mut stdin) = child.stdin.take() {
            stdin
                .write_all(input.as_bytes())
                .map_err(|e| format!("{mc}: {e}"))?;
        }
        let out = child.wait_with_output().map_err(|e| format!("{mc}: {e}"))?;
        let stderr = String::from_utf8_lossy(&out.stderr);
        if !out.status.success() || stderr.contains("invalid instruction") {
            return Err(format!("{mc} failed: {}", stderr.trim()));
        }
        Ok(String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('.'))
            .map(|l| l.to_string())
            .collect())
    };
    Some(run())
}
