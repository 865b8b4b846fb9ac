//! The register map: which x86-64 register holds each eBPF register, and the scratch registers
//! the emitter may clobber.
//!
//! The choices follow the System V AMD64 ABI so that a helper call needs no register moves:
//! eBPF passes helper arguments in r1..r5 and gets the result in r0, eBPF r6..r9 survive calls,
//! and r10 is the frame pointer. All of that lines up with SysV argument, return and
//! callee-saved registers.

use iced_x86::Register;
use ir::Reg;

/// x86-64 register of each eBPF register, indexed by eBPF register number.
pub(crate) const BPF_TO_X86: [Register; Reg::COUNT] = [
    // r0: return value of helpers and of the program. RAX is where SysV returns, so a helper
    // result needs no move (and `cmpxchg` wants its comparand here, as eBPF's r0 is).
    Register::RAX,
    // r1..r5: helper arguments 1..5, in SysV argument order (RDI, RSI, RDX, RCX, R8), so a
    // helper call passes them where they already are. All five are caller-saved in both ABIs.
    Register::RDI,
    Register::RSI,
    Register::RDX,
    Register::RCX,
    Register::R8,
    // r6..r9: callee-saved in eBPF, so callee-saved in SysV: RBX, R13, R14, R15. R12 is skipped
    // because as a memory base it needs a SIB byte (one byte more per load/store, as RSP does).
    Register::RBX,
    Register::R13,
    Register::R14,
    Register::R15,
    // r10: the read-only frame pointer; RBP is the native frame pointer of the same frame, and
    // callee-saved. The eBPF stack is [RBP - stack_size, RBP).
    Register::RBP,
];

/// Holds the pointer to the per-run [`crate::trampoline::JitEnv`] for the whole run. Callee-saved
/// so helper calls keep it; only helper calls, stops and call-depth checks use it, so its SIB
/// byte is paid rarely.
pub(crate) const ENV: Register = Register::R12;

/// First scratch register: division operand, atomic-op temporary, shift-count save. Caller-saved
/// and no eBPF register lives there.
pub(crate) const TMP: Register = Register::R11;

/// Second scratch register: saves r0 (RAX) around `div` and the `cmpxchg` loops.
pub(crate) const TMP2: Register = Register::R10;

/// Third scratch register: saves r3 (RDX) around `div`; also the sixth SysV argument, through
/// which helper calls pass the environment pointer to the trampoline.
pub(crate) const TMP3: Register = Register::R9;

/// The x86 register holding eBPF register `r`.
pub(crate) fn x86(r: Reg) -> Register {
    BPF_TO_X86[r.idx()]
}

/// eBPF registers that live in callee-saved x86 registers (r6..r9), with those registers; a
/// function pushes the ones it mentions.
pub(crate) const CALLEE_SAVED: [(Reg, Register); 4] = [
    (Reg::R6, Register::RBX),
    (Reg::R7, Register::R13),
    (Reg::R8, Register::R14),
    (Reg::R9, Register::R15),
];

/// The 32-bit view of a 64-bit general register.
pub(crate) fn r32(r: Register) -> Register {
    match r {
        Register::RAX => Register::EAX,
        Register::RCX => Register::ECX,
        Register::RDX => Register::EDX,
        Register::RBX => Register::EBX,
        Register::RSP => Register::ESP,
        Register::RBP => Register::EBP,
        Register::RSI => Register::ESI,
        Register::RDI => Register::EDI,
        Register::R8 => Register::R8D,
        Register::R9 => Register::R9D,
        Register::R10 => Register::R10D,
        Register::R11 => Register::R11D,
        Register::R12 => Register::R12D,
        Register::R13 => Register::R13D,
        Register::R14 => Register::R14D,
        Register::R15 => Register::R15D,
        other => other,
    }
}

/// The 16-bit view of a 64-bit general register.
pub(crate) fn r16(r: Register) -> Register {
    match r {
        Register::RAX => Register::AX,
        Register::RCX => Register::CX,
        Register::RDX => Register::DX,
        Register::RBX => Register::BX,
        Register::RSP => Register::SP,
        Register::RBP => Register::BP,
        Register::RSI => Register::SI,
        Register::RDI => Register::DI,
        Register::R8 => Register::R8W,
        Register::R9 => Register::R9W,
        Register::R10 => Register::R10W,
        Register::R11 => Register::R11W,
        Register::R12 => Register::R12W,
        Register::R13 => Register::R13W,
        Register::R14 => Register::R14W,
        Register::R15 => Register::R15W,
        other => other,
    }
}

/// The low 8-bit view of a 64-bit general register (SPL/BPL/SIL/DIL need a REX prefix, which
/// the encoder adds).
pub(crate) fn r8(r: Register) -> Register {
    match r {
        Register::RAX => Register::AL,
        Register::RCX => Register::CL,
        Register::RDX => Register::DL,
        Register::RBX => Register::BL,
        Register::RSP => Register::SPL,
        Register::RBP => Register::BPL,
        Register::RSI => Register::SIL,
        Register::RDI => Register::DIL,
        Register::R8 => Register::R8L,
        Register::R9 => Register::R9L,
        Register::R10 => Register::R10L,
        Register::R11 => Register::R11L,
        Register::R12 => Register::R12L,
        Register::R13 => Register::R13L,
        Register::R14 => Register::R14L,
        Register::R15 => Register::R15L,
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_is_injective_and_avoids_scratch() {
        for (i, a) in BPF_TO_X86.iter().enumerate() {
            for b in &BPF_TO_X86[i + 1..] {
                assert_ne!(a, b);
            }
            assert!(![ENV, TMP, TMP2, TMP3, Register::RSP].contains(a));
        }
        for r in BPF_TO_X86 {
            assert_eq!(r32(r).full_register(), r);
            assert_eq!(r16(r).full_register(), r);
            assert_eq!(r8(r).full_register(), r);
        }
    }
}
