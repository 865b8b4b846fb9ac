//! The checking reference interpreter: the executable meaning of a [`Program`].
//!
//! [`run`] executes a program against a [`Runtime`] (maps, helpers) on an [`Input`]. Every load,
//! store and atomic must fall entirely inside a live region (a live stack frame, the packet, its
//! metadata, a context field, a map value, the input memory) or the run stops with an
//! [`ExecError`] naming the pc, the instruction and the address. A step budget bounds the run.
//!
//! For speed the program is decoded once ([`Prepared`]) into 16-byte operations with one kind
//! per operation × width × operand form; steps are counted per linear run of instructions; the
//! live stack and the last region hit are checked inline, every other access goes through the
//! runtime's region lookup. Run a [`Prepared`] directly to avoid decoding per run.
//!
//! Semantics follow RFC 9669 and Linux (cpu v1–v4): division by zero gives 0, modulo by zero
//! leaves the dividend (32-bit: its low half, zero-extended), shift amounts are masked, 32-bit
//! ALU results are zero-extended, `INT_MIN / -1 == INT_MIN`, `INT_MIN % -1 == 0`;
//! bpf-to-bpf calls get their own 512-byte frame (r6–r9 preserved, at most 8 frames); LD_ABS and
//! LD_IND read network byte order and end the program with r0 = 0 when out of bounds.
//!
//! ```
//! use ir::insn::{AluOp, Insn, Operand, Reg, Width};
//! use ir::interp::{run, Input};
//! use ir::program::{ProgType, Program};
//! use ir::runtime::Runtime;
//! let prog = Program::new(ProgType::Xdp, vec![
//!     Insn::Alu { width: Width::W64, op: AluOp::Mov, dst: Reg::R0, src: Operand::Imm(2) },
//!     Insn::Exit,
//! ]);
//! let mut rt = Runtime::new(&prog);
//! let out = run(&prog, &mut rt, &Input::Packet(vec![0; 64]), 1000).unwrap();
//! assert_eq!(out.r0, 2);
//! assert_eq!(out.action.unwrap().to_string(), "pass");
//! ```

mod exec;
mod prepare;
#[cfg(test)]
mod props;
#[cfg(test)]
mod tests;

use crate::insn::Insn;
use crate::program::{ProgType, Program};
use crate::runtime::{CtxAccessError, HelperError, InputError, Region, RegionKind, Runtime};
use std::fmt;

pub(crate) use exec::TailTarget;
pub use exec::{Prepared, MAX_FRAMES, STACK_SIZE};

/// What a run gets as input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    /// Nothing: `r1 = r2 = 0`.
    None,
    /// The conformance convention: `r1` points at a copy of the bytes, `r2` is their length.
    Mem(Vec<u8>),
    /// A packet; `r1` points at the context of the program's type (`xdp_md`, `__sk_buff`).
    Packet(Vec<u8>),
}

/// XDP verdicts (`enum xdp_action`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum XdpAction {
    /// `XDP_ABORTED` (0).
    Aborted,
    /// `XDP_DROP` (1).
    Drop,
    /// `XDP_PASS` (2).
    Pass,
    /// `XDP_TX` (3).
    Tx,
    /// `XDP_REDIRECT` (4).
    Redirect,
    /// Any other value (the kernel treats it as aborted, with a warning).
    Unknown(u32),
}

/// TC verdicts (`TC_ACT_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TcAction {
    /// `TC_ACT_UNSPEC` (-1).
    Unspec,
    /// `TC_ACT_OK` (0).
    Ok,
    /// `TC_ACT_RECLASSIFY` (1).
    Reclassify,
    /// `TC_ACT_SHOT` (2).
    Shot,
    /// `TC_ACT_PIPE` (3).
    Pipe,
    /// `TC_ACT_STOLEN` (4).
    Stolen,
    /// `TC_ACT_QUEUED` (5).
    Queued,
    /// `TC_ACT_REPEAT` (6).
    Repeat,
    /// `TC_ACT_REDIRECT` (7).
    Redirect,
    /// Any other value.
    Unknown(i32),
}

/// The verdict of a packet program.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// An XDP program's verdict.
    Xdp(XdpAction),
    /// A TC program's verdict.
    Tc(TcAction),
}

impl Action {
    /// The verdict `r0` means for a program of type `prog_type` (`None` for types without one).
    pub fn from_r0(prog_type: ProgType, r0: u64) -> Option<Action> {
        match prog_type {
            ProgType::Xdp => Some(Action::Xdp(match r0 as u32 {
                0 => XdpAction::Aborted,
                1 => XdpAction::Drop,
                2 => XdpAction::Pass,
                3 => XdpAction::Tx,
                4 => XdpAction::Redirect,
                n => XdpAction::Unknown(n),
            })),
            ProgType::SchedCls | ProgType::SchedAct => Some(Action::Tc(match r0 as u32 as i32 {
                -1 => TcAction::Unspec,
                0 => TcAction::Ok,
                1 => TcAction::Reclassify,
                2 => TcAction::Shot,
                3 => TcAction::Pipe,
                4 => TcAction::Stolen,
                5 => TcAction::Queued,
                6 => TcAction::Repeat,
                7 => TcAction::Redirect,
                n => TcAction::Unknown(n),
            })),
            _ => None,
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::Xdp(a) => match a {
                XdpAction::Aborted => f.write_str("aborted"),
                XdpAction::Drop => f.write_str("drop"),
                XdpAction::Pass => f.write_str("pass"),
                XdpAction::Tx => f.write_str("tx"),
                XdpAction::Redirect => f.write_str("redirect"),
                XdpAction::Unknown(n) => write!(f, "xdp_action_{n}"),
            },
            Action::Tc(a) => match a {
                TcAction::Unspec => f.write_str("unspec"),
                TcAction::Ok => f.write_str("ok"),
                TcAction::Reclassify => f.write_str("reclassify"),
                TcAction::Shot => f.write_str("shot"),
                TcAction::Pipe => f.write_str("pipe"),
                TcAction::Stolen => f.write_str("stolen"),
                TcAction::Queued => f.write_str("queued"),
                TcAction::Repeat => f.write_str("repeat"),
                TcAction::Redirect => f.write_str("redirect"),
                TcAction::Unknown(n) => write!(f, "tc_act_{n}"),
            },
        }
    }
}

/// The result of a completed run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// The program's return value.
    pub r0: u64,
    /// For packet input: the packet `[data, data_end)` after the run (with adjustments).
    pub packet: Option<Vec<u8>>,
    /// For XDP and TC programs on a packet: the verdict `r0` means.
    pub action: Option<Action>,
    /// Instructions executed (an LD_IMM64 counts once).
    pub steps: u64,
}

/// Why a run stopped without a result.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExecErrorKind {
    /// A load, store or atomic not entirely inside a live region.
    OutOfBounds {
        /// First byte accessed.
        addr: u64,
        /// Bytes accessed.
        size: u32,
        /// Store or atomic.
        write: bool,
        /// The live region nearest to `addr`, to say how far off the access is.
        near: Option<Region>,
    },
    /// A store into a read-only region.
    ReadOnly {
        /// First byte accessed.
        addr: u64,
        /// Bytes accessed.
        size: u32,
        /// The region.
        region: RegionKind,
    },
    /// A context access the kernel would not allow.
    Ctx(CtxAccessError),
    /// More than `budget` instructions ran. The budget is checked at every taken jump, call
    /// and exit (straight-line code is not counted one by one), so the error names the first
    /// such point after the budget ran out; a completed run never executed more than `budget`.
    BudgetExceeded {
        /// The budget.
        budget: u64,
    },
    /// A bpf-to-bpf call deeper than [`MAX_FRAMES`] frames.
    CallDepth,
    /// Execution reached a slot outside the program (fell off the end or jumped outside).
    PcOutOfRange {
        /// The slot.
        target: i64,
    },
    /// An instruction the interpreter cannot execute.
    Unsupported(&'static str),
    /// A helper call that cannot be carried out.
    Helper {
        /// The helper id.
        id: i32,
        /// Why.
        error: HelperError,
    },
    /// An LD_IMM64 map reference the runtime cannot resolve.
    BadMapRef {
        /// The index in the program's maps.
        index: u32,
        /// Why.
        why: String,
    },
    /// The input could not be presented to the program.
    Input(InputError),
}

/// A run that stopped: where, on which instruction, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExecError {
    /// Slot of the failing instruction.
    pub pc: usize,
    /// Runtime program index (0 = the program passed to [`run`]; others after tail calls).
    pub prog: usize,
    /// The failing instruction, when pc is inside the program.
    pub insn: Option<Insn>,
    /// The failing instruction in LLVM syntax (as `llvm-objdump` prints it).
    pub text: Option<String>,
    /// What went wrong.
    pub kind: ExecErrorKind,
}

impl fmt::Display for ExecErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExecErrorKind::OutOfBounds {
                addr,
                size,
                write,
                near,
            } => {
                write!(
                    f,
                    "{} of {size} bytes at {addr:#x} is outside every live region",
                    if *write { "store" } else { "load" }
                )?;
                match near {
                    Some(r) if *addr < r.start => write!(
                        f,
                        " ({} bytes before the {} [{:#x}, {:#x}))",
                        r.start - addr,
                        r.kind,
                        r.start,
                        r.end
                    ),
                    Some(r) if *addr >= r.end => write!(
                        f,
                        " ({} bytes past the end of the {} [{:#x}, {:#x}))",
                        addr - r.end,
                        r.kind,
                        r.start,
                        r.end
                    ),
                    Some(r) => write!(
                        f,
                        " (it runs {} bytes past the end of the {} [{:#x}, {:#x}))",
                        addr.saturating_add(*size as u64).saturating_sub(r.end),
                        r.kind,
                        r.start,
                        r.end
                    ),
                    None => Ok(()),
                }
            }
            ExecErrorKind::ReadOnly { addr, size, region } => {
                write!(
                    f,
                    "store of {size} bytes at {addr:#x} into read-only {region}"
                )
            }
            ExecErrorKind::Ctx(e) => e.fmt(f),
            ExecErrorKind::BudgetExceeded { budget } => {
                write!(f, "step budget of {budget} instructions exceeded")
            }
            ExecErrorKind::CallDepth => {
                write!(f, "call depth exceeds {MAX_FRAMES} frames")
            }
            ExecErrorKind::PcOutOfRange { target } => {
                write!(f, "execution reached slot {target}, outside the program")
            }
            ExecErrorKind::Unsupported(why) => f.write_str(why),
            ExecErrorKind::Helper { id, error } => match crate::runtime::helper_name(*id) {
                Some(name) => write!(f, "helper {id} ({name}): {error}"),
                None => write!(f, "helper {id}: {error}"),
            },
            ExecErrorKind::BadMapRef { index, why } => write!(f, "map #{index}: {why}"),
            ExecErrorKind::Input(e) => write!(f, "bad input: {e}"),
        }
    }
}

impl fmt::Display for ExecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.prog != 0 {
            write!(f, "program {} ", self.prog)?;
        }
        write!(f, "pc {}", self.pc)?;
        if let Some(text) = &self.text {
            write!(f, " `{text}`")?;
        }
        write!(f, ": {}", self.kind)
    }
}

impl std::error::Error for ExecError {}

/// Run `prog` on `input` with at most `budget` executed instructions. The program's map `i` is
/// the runtime's map `i` (the runtime was made from this program by [`Runtime::new`]).
pub fn run(
    prog: &Program,
    rt: &mut Runtime,
    input: &Input,
    budget: u64,
) -> Result<Outcome, ExecError> {
    Prepared::new(prog).run(rt, input, budget)
}
