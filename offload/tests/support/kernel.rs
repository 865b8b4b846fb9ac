//! The kernel as an oracle: load a `Program` with `BPF_PROG_LOAD` (maps created first) and
//! report the verdict, the log and the kernel's own verification time. Root only.

#![allow(dead_code)]

use ir::insn::{Insn, LdImm64Src};
use ir::Program;

const BPF_MAP_CREATE: libc::c_long = 0;
const BPF_PROG_LOAD: libc::c_long = 5;

/// The kernel's verdict on one program.
#[derive(Debug, Clone)]
pub struct KernelVerdict {
    /// Whether the program loaded.
    pub accepted: bool,
    /// errno when it did not.
    pub errno: i32,
    /// The verifier log.
    pub log: String,
    /// `verification time N usec`, when the log has it.
    pub verification_usec: Option<u64>,
}

impl KernelVerdict {
    /// The last meaningful line of the log before the statistics (the kernel's reason).
    pub fn reason(&self) -> String {
        let lines: Vec<&str> = self
            .log
            .lines()
            .filter(|l| {
                !l.starts_with("processed ")
                    && !l.starts_with("verification time")
                    && !l.starts_with("stack depth")
                    && !l.is_empty()
            })
            .collect();
        // The reason is the line before "R.. offset is outside..." style follow-ups, if any.
        let mut i = lines.len();
        while i > 0 {
            i -= 1;
            let l = lines[i];
            if l.contains("offset is outside of the packet")
                || l.contains("value is outside of the allowed memory range")
            {
                continue;
            }
            return l.to_string();
        }
        String::new()
    }

    /// The instruction the kernel was checking when it refused: the last `N: (op) ...` line of
    /// the log (log level 1 prints each instruction it processes before its verdict).
    pub fn failing_insn(&self) -> Option<usize> {
        if self.accepted {
            return None;
        }
        self.log.lines().rev().find_map(|l| {
            let (n, rest) = l.split_once(": (")?;
            let _ = rest;
            n.parse().ok()
        })
    }
}

/// Whether we can load programs (root and bpf() available).
pub fn available() -> Result<(), String> {
    if unsafe { libc::geteuid() } != 0 {
        return Err("needs root".into());
    }
    let v = load(
        &Program::new(
            ir::ProgType::Xdp,
            vec![
                Insn::Alu {
                    width: ir::insn::Width::W64,
                    op: ir::insn::AluOp::Mov,
                    dst: ir::Reg::R0,
                    src: ir::insn::Operand::Imm(2),
                },
                Insn::Exit,
            ],
        ),
        0,
    )?;
    if v.accepted {
        Ok(())
    } else {
        Err(format!(
            "bpf() refused a trivial program: errno {}",
            v.errno
        ))
    }
}

fn sys_bpf(cmd: libc::c_long, attr: &mut [u8]) -> i64 {
    unsafe { libc::syscall(libc::SYS_bpf, cmd, attr.as_mut_ptr(), attr.len()) as i64 }
}

fn errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

struct Fd(i32);
impl Drop for Fd {
    fn drop(&mut self) {
        unsafe {
            libc::close(self.0);
        }
    }
}

/// Load `prog` with log level 1 (plus `extra_log_level` bits, e.g. 4 for statistics).
pub fn load(prog: &Program, extra_log_level: u32) -> Result<KernelVerdict, String> {
    load_with_level(prog, 1 | extra_log_level)
}

/// Load `prog` with only the statistics log (level 4): the kernel's own timing, undisturbed.
pub fn load_stats(prog: &Program) -> Result<KernelVerdict, String> {
    load_with_level(prog, 4)
}

fn load_with_level(prog: &Program, log_level: u32) -> Result<KernelVerdict, String> {
    let mut fds = Vec::new();
    for m in &prog.maps {
        let mut attr = [0u8; 128];
        attr[0..4].copy_from_slice(&m.map_type.kernel_id().to_le_bytes());
        attr[4..8].copy_from_slice(&m.key_size.to_le_bytes());
        attr[8..12].copy_from_slice(&m.value_size.to_le_bytes());
        attr[12..16].copy_from_slice(&m.max_entries.to_le_bytes());
        attr[16..20].copy_from_slice(&m.flags.to_le_bytes());
        let fd = sys_bpf(BPF_MAP_CREATE, &mut attr);
        if fd < 0 {
            return Err(format!("map {} create failed: errno {}", m.name, errno()));
        }
        fds.push(Fd(fd as i32));
    }
    let mut insns = prog.insns.clone();
    for insn in insns.iter_mut() {
        if let Insn::LdImm64 { src, imm, .. } = insn {
            if src.is_map() {
                let idx = *imm as u32 as usize;
                let fd = fds.get(idx).map(|f| f.0).unwrap_or(-1) as u32 as u64;
                let new_src = match *src {
                    LdImm64Src::MapIdx => LdImm64Src::MapFd,
                    LdImm64Src::MapIdxValue => LdImm64Src::MapValue,
                    s => s,
                };
                *src = new_src;
                *imm = (*imm & 0xffff_ffff_0000_0000) | fd;
            }
        }
    }
    let bytes = ir::insn::encode_bytes(&insns);
    let license = b"GPL\0";
    let mut log = vec![0u8; 1 << 20];
    let mut attr = [0u8; 128];
    attr[0..4].copy_from_slice(&prog.prog_type.kernel_id().to_le_bytes());
    attr[4..8].copy_from_slice(&((bytes.len() / 8) as u32).to_le_bytes());
    attr[8..16].copy_from_slice(&(bytes.as_ptr() as u64).to_le_bytes());
    attr[16..24].copy_from_slice(&(license.as_ptr() as u64).to_le_bytes());
    attr[24..28].copy_from_slice(&log_level.to_le_bytes());
    attr[28..32].copy_from_slice(&(log.len() as u32).to_le_bytes());
    attr[32..40].copy_from_slice(&(log.as_mut_ptr() as u64).to_le_bytes());
    let fd = sys_bpf(BPF_PROG_LOAD, &mut attr);
    let err = if fd < 0 { errno() } else { 0 };
    if fd >= 0 {
        drop(Fd(fd as i32));
    }
    let end = log.iter().position(|b| *b == 0).unwrap_or(log.len());
    let text = String::from_utf8_lossy(&log[..end]).into_owned();
    let verification_usec = text
        .lines()
        .find_map(|l| l.strip_prefix("verification time "))
        .and_then(|r| r.split_whitespace().next())
        .and_then(|n| n.parse().ok());
    drop(fds);
    Ok(KernelVerdict {
        accepted: fd >= 0,
        errno: err,
        log: text,
        verification_usec,
    })
}
