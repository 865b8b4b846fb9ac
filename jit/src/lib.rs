//! Backends from verified eBPF to machine code.
//!
//! [`x86_64`] compiles a program to native x86-64 code through iced-x86's encoder, maps it
//! read-execute (never writable and executable at once, see `exec_mem`) and runs it against the
//! same map and helper runtime as the reference interpreter, through an `extern "sysv64"`
//! trampoline.
//!
//! Unverified programs (conformance `.data` files, the bpf_conformance plugin) compile in
//! checked mode ([`x86_64::compile_checked`]): every memory access is checked against the
//! interpreter's live regions, steps are budgeted and r10 is read-only, so a run ends as the
//! interpreter's does — a result or an error naming the slot — and never with a signal.
//! Only [`x86_64::JitProgram::run_unchecked`], which is `unsafe`, runs unchecked code.
//!
//! ```
//! use ir::interp::Input;
//! use ir::runtime::Runtime;
//! // Drop IPv4 TCP to port 80 would do; here: pass every packet.
//! let prog = ir::asm::assemble(".section xdp\n r0 = 2\n exit\n").unwrap();
//! let verified =
//!     offload::verify(&prog, &offload::Capabilities::kernel(), &Default::default()).unwrap();
//! let jitted = jit::x86_64::compile(&verified, &jit::x86_64::Options::default()).unwrap();
//! let packet = Input::Packet(vec![0; 64]);
//! let out = jitted.run(&mut Runtime::new(&prog), &packet).unwrap();
//! assert_eq!(out.r0, 2);
//! assert_eq!(out.action.unwrap().to_string(), "pass");
//! ```
#![deny(missing_docs)]
#![deny(unsafe_code)]

#[allow(unsafe_code)]
mod checked_access;
mod ctx_access;
#[allow(unsafe_code)]
mod exec_mem;
pub mod riscv64;
#[allow(unsafe_code)]
mod trampoline;
pub mod x86_64;

use std::fmt;

/// Why a program could not be compiled.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum JitError {
    /// The program has no instructions.
    Empty,
    /// An instruction this backend does not compile.
    Unsupported {
        /// Slot of the instruction.
        pc: usize,
        /// What is not supported.
        what: &'static str,
    },
    /// A jump whose target is outside its function or inside an LD_IMM64.
    BadJump {
        /// Slot of the jump.
        pc: usize,
        /// Slot it jumps to.
        target: i64,
    },
    /// A bpf-to-bpf call whose target is not a function start.
    BadCall {
        /// Slot of the call.
        pc: usize,
        /// Slot it calls.
        target: i64,
    },
    /// iced-x86 refused an instruction (a bug in the emitter).
    Encode {
        /// Slot being compiled.
        pc: usize,
        /// iced-x86's message.
        message: String,
    },
    /// Branch sizes did not settle, or the final emission did not reproduce the layout (a bug).
    Layout(String),
    /// The executable mapping failed.
    Memory(String),
    /// A program the verifier rejected (a tail-call target).
    NotVerified(String),
}

impl fmt::Display for JitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JitError::Empty => f.write_str("the program has no instructions"),
            JitError::Unsupported { pc, what } => {
                write!(f, "insn {pc}: {what} is not supported by this backend")
            }
            JitError::BadJump { pc, target } => write!(
                f,
                "insn {pc}: jump to {target}, outside its function or into the middle of an LD_IMM64"
            ),
            JitError::BadCall { pc, target } => {
                write!(f, "insn {pc}: call to {target}, which is not a function start")
            }
            JitError::Encode { pc, message } => {
                write!(f, "insn {pc}: x86 encoder refused an instruction: {message}")
            }
            JitError::Layout(m) => write!(f, "code layout: {m}"),
            JitError::Memory(m) => write!(f, "executable memory: {m}"),
            JitError::NotVerified(m) => write!(f, "not verified: {m}"),
        }
    }
}

impl std::error::Error for JitError {}

/// Why a compiled program's run failed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RunError {
    /// A helper call that cannot be carried out (unknown helper, bad pointer, wrong map).
    Helper {
        /// The helper id.
        id: i32,
        /// Why, as the runtime says.
        error: ir::runtime::HelperError,
    },
    /// A context access the kernel would not allow.
    Ctx(ir::runtime::CtxAccessError),
    /// Too many nested bpf-to-bpf calls.
    CallDepth,
    /// Control reached the end of a function without `exit`.
    FellOff,
    /// The input could not be presented to the program.
    Input(ir::runtime::InputError),
    /// An LD_IMM64 map reference the runtime cannot resolve.
    BadMapRef {
        /// Index in the program's maps.
        index: usize,
        /// Why.
        why: String,
    },
    /// Something the run cannot do (e.g. LD_ABS without an skb).
    Unsupported(&'static str),
    /// A tail-call target could not be compiled.
    TailCall {
        /// Runtime program index.
        prog: usize,
        /// The compile error.
        error: JitError,
    },
    /// A program compiled in checked mode stopped as the interpreter would: an access outside
    /// every live region, a context access the kernel would not allow, the step budget, a
    /// write to r10, a jump outside the program. Names the slot as the interpreter does.
    Exec(ir::interp::ExecError),
    /// The program was compiled with [`x86_64::compile_unchecked`]: only
    /// [`x86_64::JitProgram::run_unchecked`] runs it.
    NotChecked,
    /// A bug in the JIT or the runtime (a panic caught at the trampoline).
    Internal(String),
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunError::Helper { id, error } => match ir::runtime::helper_name(*id) {
                Some(name) => write!(f, "helper {id} ({name}): {error}"),
                None => write!(f, "helper {id}: {error}"),
            },
            RunError::Ctx(e) => e.fmt(f),
            RunError::CallDepth => f.write_str("too many nested bpf-to-bpf calls"),
            RunError::FellOff => f.write_str("control fell off the end of a function"),
            RunError::Input(e) => write!(f, "bad input: {e}"),
            RunError::BadMapRef { index, why } => write!(f, "map #{index}: {why}"),
            RunError::Unsupported(m) => f.write_str(m),
            RunError::TailCall { prog, error } => {
                write!(f, "tail call into program {prog}: {error}")
            }
            RunError::Exec(e) => e.fmt(f),
            RunError::NotChecked => f.write_str(
                "the program was compiled unchecked: `run` refuses it (see `run_unchecked`)",
            ),
            RunError::Internal(m) => write!(f, "internal error: {m}"),
        }
    }
}

impl std::error::Error for RunError {}
