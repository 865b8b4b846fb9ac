//! The Linux kernel as an oracle for tests and benches: `BPF_MAP_CREATE`, `BPF_PROG_LOAD` and
//! `BPF_PROG_TEST_RUN` for an [`ir::Program`]. Every crate's tests and benches load programs
//! through this one loader (feature `kernel`); it needs root and `bpf()`.
//!
//! The program's maps are created first and its map references (map indices inside a
//! `Program`) become the new map fds, as a loader's relocation does.

use ir::insn::{Insn, LdImm64Src};
use ir::Program;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

const BPF_MAP_CREATE: libc::c_long = 0;
const BPF_PROG_LOAD: libc::c_long = 5;
const BPF_PROG_TEST_RUN: libc::c_long = 10;
/// `sizeof(union bpf_attr)` we pass: large enough for every field used here; the kernel wants
/// the unused tail zero.
const ATTR_SIZE: usize = 160;

/// A `union bpf_attr`, filled field by field at the offsets of `include/uapi/linux/bpf.h`.
struct Attr([u8; ATTR_SIZE]);

impl Attr {
    fn new() -> Attr {
        Attr([0; ATTR_SIZE])
    }

    fn u32(&mut self, off: usize, v: u32) -> &mut Attr {
        self.0[off..off + 4].copy_from_slice(&v.to_le_bytes());
        self
    }

    fn u64(&mut self, off: usize, v: u64) -> &mut Attr {
        self.0[off..off + 8].copy_from_slice(&v.to_le_bytes());
        self
    }

    fn get_u32(&self, off: usize) -> u32 {
        let mut b = [0u8; 4];
        b.copy_from_slice(&self.0[off..off + 4]);
        u32::from_le_bytes(b)
    }

    /// `bpf(cmd, self)`: the returned value, or errno.
    fn call(&mut self, cmd: libc::c_long) -> Result<i64, i32> {
        // SAFETY: the attribute is a live, writable buffer of ATTR_SIZE bytes; every pointer
        // stored in it (instructions, license, log, packet buffers) outlives the call, as the
        // callers keep them alive across it.
        let r = unsafe {
            libc::syscall(
                libc::SYS_bpf,
                cmd,
                self.0.as_mut_ptr(),
                ATTR_SIZE as libc::c_uint,
            )
        };
        if r < 0 {
            Err(std::io::Error::last_os_error().raw_os_error().unwrap_or(0))
        } else {
            Ok(r as i64)
        }
    }
}

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
        // Skip the "R.. offset is outside..." style follow-ups after the reason.
        lines
            .iter()
            .rev()
            .find(|l| {
                !l.contains("offset is outside of the packet")
                    && !l.contains("value is outside of the allowed memory range")
            })
            .map(|l| l.to_string())
            .unwrap_or_default()
    }

    /// The instruction the kernel was checking when it refused: the last `N: (op) ...` line of
    /// the log (log level 1 prints each instruction it processes before its verdict).
    pub fn failing_insn(&self) -> Option<usize> {
        if self.accepted {
            return None;
        }
        // A reason that names its instruction (the loop check runs at the checkpoint, after
        // the previous instruction's line).
        let named = self.log.lines().find_map(|l| {
            l.strip_prefix("infinite loop detected at insn ")
                .and_then(|n| n.trim().parse().ok())
        });
        if named.is_some() {
            return named;
        }
        self.log
            .lines()
            .rev()
            .find_map(|l| l.split_once(": (")?.0.parse().ok())
    }
}

/// A program loaded into the kernel, with its maps; closed when dropped.
#[derive(Debug)]
pub struct Loaded {
    prog: OwnedFd,
    _maps: Vec<OwnedFd>,
}

/// Whether programs can be loaded here (root and `bpf()` available); `Err` says why not.
pub fn available() -> Result<(), String> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Err("needs root".into());
    }
    let trivial = ir::asm::assemble(".section xdp\nr0 = 2\nexit\n").map_err(|e| e.to_string())?;
    let v = verdict(&trivial, 0)?;
    if v.accepted {
        Ok(())
    } else {
        Err(format!(
            "bpf() refused a trivial program: errno {}",
            v.errno
        ))
    }
}

/// Load `prog` with the verifier log at `log_level` (0: no log; 1: the reasons; 4: statistics
/// only, the kernel's own timing undisturbed). `Ok((Some(loaded), verdict))` when it loaded,
/// `Ok((None, verdict))` when the kernel refused it; `Err` when it could not be tried (a map the
/// kernel would not create, an instruction the wire cannot hold).
pub fn load(prog: &Program, log_level: u32) -> Result<(Option<Loaded>, KernelVerdict), String> {
    let mut maps = Vec::new();
    for m in &prog.maps {
        let mut a = Attr::new();
        a.u32(0, m.map_type.kernel_id())
            .u32(4, m.key_size)
            .u32(8, m.value_size)
            .u32(12, m.max_entries)
            .u32(16, m.flags);
        let fd = a
            .call(BPF_MAP_CREATE)
            .map_err(|e| format!("map {} create failed: errno {e}", m.name))?;
        // SAFETY: BPF_MAP_CREATE returned a new fd that nothing else owns.
        maps.push(unsafe { OwnedFd::from_raw_fd(fd as i32) });
    }
    let mut insns = prog.insns.clone();
    for insn in insns.iter_mut() {
        if let Insn::LdImm64 { src, imm, .. } = insn {
            if src.is_map() {
                let fd = maps.get(*imm as u32 as usize).map_or(-1, |f| f.as_raw_fd());
                *src = match *src {
                    LdImm64Src::MapIdx => LdImm64Src::MapFd,
                    LdImm64Src::MapIdxValue => LdImm64Src::MapValue,
                    s => s,
                };
                *imm = (*imm & 0xffff_ffff_0000_0000) | fd as u32 as u64;
            }
        }
    }
    let bytes = ir::insn::try_encode_bytes(&insns).map_err(|e| e.to_string())?;
    let license = b"GPL\0";
    let mut log = vec![0u8; if log_level == 0 { 0 } else { 1 << 20 }];
    let mut a = Attr::new();
    a.u32(0, prog.prog_type.kernel_id())
        .u32(4, (bytes.len() / 8) as u32)
        .u64(8, bytes.as_ptr() as u64)
        .u64(16, license.as_ptr() as u64);
    if log_level != 0 {
        a.u32(24, log_level)
            .u32(28, log.len() as u32)
            .u64(32, log.as_mut_ptr() as u64);
    }
    let result = a.call(BPF_PROG_LOAD);
    let end = log.iter().position(|b| *b == 0).unwrap_or(log.len());
    let text = String::from_utf8_lossy(&log[..end]).into_owned();
    let verification_usec = text
        .lines()
        .find_map(|l| l.strip_prefix("verification time "))
        .and_then(|r| r.split_whitespace().next())
        .and_then(|n| n.parse().ok());
    let verdict = KernelVerdict {
        accepted: result.is_ok(),
        errno: result.err().unwrap_or(0),
        log: text,
        verification_usec,
    };
    let loaded = result.ok().map(|fd| Loaded {
        // SAFETY: BPF_PROG_LOAD returned a new fd that nothing else owns.
        prog: unsafe { OwnedFd::from_raw_fd(fd as i32) },
        _maps: maps,
    });
    Ok((loaded, verdict))
}

/// The kernel's verdict on `prog` (loaded and closed again), with the log at `log_level`.
pub fn verdict(prog: &Program, log_level: u32) -> Result<KernelVerdict, String> {
    load(prog, log_level).map(|(_, v)| v)
}

impl Loaded {
    /// Load `prog`; when the kernel refuses it, the error carries errno and the verifier log.
    pub fn load(prog: &Program) -> Result<Loaded, String> {
        match load(prog, 0)? {
            (Some(l), _) => Ok(l),
            (None, _) => {
                let (_, v) = load(prog, 1)?;
                Err(format!("errno {}\n{}", v.errno, v.log))
            }
        }
    }

    /// `BPF_PROG_TEST_RUN` on `packet`, `repeat` times: `(retval, duration in ns per run)`.
    pub fn test_run(&self, packet: &[u8], repeat: u32) -> Result<(u32, u32), String> {
        let mut out = vec![0u8; packet.len() + 256];
        let mut a = Attr::new();
        a.u32(0, self.prog.as_raw_fd() as u32)
            .u32(8, packet.len() as u32)
            .u32(12, out.len() as u32)
            .u64(16, packet.as_ptr() as u64)
            .u64(24, out.as_mut_ptr() as u64)
            .u32(32, repeat);
        a.call(BPF_PROG_TEST_RUN).map_err(|e| {
            format!(
                "BPF_PROG_TEST_RUN: {}",
                std::io::Error::from_raw_os_error(e)
            )
        })?;
        Ok((a.get_u32(4), a.get_u32(36)))
    }
}
