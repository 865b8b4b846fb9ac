//! The register map: which RV64 register holds each eBPF register, and the scratch registers
//! the emitter may clobber.
//!
//! The map is the Linux RV64 JIT's (`arch/riscv/net/bpf_jit_comp64.c`): eBPF r1..r5 are the C
//! argument registers a0..a4, so a helper call passes them where they already are; r0..r6 all
//! sit in x8..x15, the registers the compressed (C) instructions can name.

use ir::Reg;
use std::fmt;

/// An integer register `x0`..`x31`; a value outside that range cannot exist.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct XReg(u8);

impl XReg {
    /// Register `x{n}`, if `n < 32`.
    pub const fn new(n: u8) -> Option<XReg> {
        if n < 32 {
            Some(XReg(n))
        } else {
            None
        }
    }

    /// The register number (0..32).
    pub const fn num(self) -> u32 {
        self.0 as u32
    }

    /// The 3-bit field of a compressed instruction's `rd'`/`rs1'`/`rs2'`, for `x8..x15`.
    pub const fn c3(self) -> Option<u32> {
        if self.0 >= 8 && self.0 < 16 {
            Some(self.0 as u32 - 8)
        } else {
            None
        }
    }

    /// The ABI name (`a0`, `s1`, ...), as assemblers and disassemblers print it.
    pub fn name(self) -> &'static str {
        NAMES[self.0 as usize]
    }
}

const NAMES: [&str; 32] = [
    "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1", "a2", "a3", "a4",
    "a5", "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "t3", "t4",
    "t5", "t6",
];

impl fmt::Display for XReg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// `x0`, always zero.
pub const ZERO: XReg = XReg(0);
/// `x1`, the return address of `jal`/`jalr` calls.
pub const RA: XReg = XReg(1);
/// `x2`, the native stack pointer; eBPF frames live on it.
pub const SP: XReg = XReg(2);
/// `t0`: first scratch (immediate operands, addresses); the kernel JIT's `AX`. In emulation also
/// the trap code of an `ecall` (helper id or slow-path kind).
pub const T0: XReg = XReg(5);
/// `t1`: second scratch (division masks, atomic addresses, slow-path results).
pub const T1: XReg = XReg(6);
/// `t2`: third scratch (compare operands, atomic temporaries).
pub const T2: XReg = XReg(7);
/// `t3`: fourth scratch (`lr`/`sc` loops, byte swaps).
pub const T3: XReg = XReg(28);
/// `t4`: fifth scratch (`sc` status, byte swaps).
pub const T4: XReg = XReg(29);
/// `a6`: holds the eBPF call depth in unverified code.
pub const DEPTH: XReg = XReg(16);
/// `s6`: the pointer to the run's environment block for the whole run (callee-saved, so helper
/// calls and bpf-to-bpf calls keep it; set once by the entry function).
pub const ENV: XReg = XReg(22);

/// RV64 register of each eBPF register, indexed by eBPF register number.
pub(crate) const BPF_TO_RV: [XReg; Reg::COUNT] = [
    // r0: a5. Not a0 (where C returns) because a0 must hold r1 for the next helper call; the
    // epilogue moves r0 to a0.
    XReg(15),
    // r1..r5: a0..a4, the first five C argument registers.
    XReg(10),
    XReg(11),
    XReg(12),
    XReg(13),
    XReg(14),
    // r6..r9: callee-saved in eBPF and in the C ABI: s1..s4 (s1 is x9, compressible).
    XReg(9),
    XReg(18),
    XReg(19),
    XReg(20),
    // r10: the read-only frame pointer, s5; the eBPF stack is [s5 - stack_size, s5).
    XReg(21),
];

/// The RV64 register holding eBPF register `r`.
pub(crate) fn rv(r: Reg) -> XReg {
    BPF_TO_RV[r.idx()]
}

/// eBPF registers that live in callee-saved RV64 registers (r6..r9), with those registers; a
/// function saves the ones it mentions.
pub(crate) const CALLEE_SAVED: [(Reg, XReg); 4] = [
    (Reg::R6, XReg(9)),
    (Reg::R7, XReg(18)),
    (Reg::R8, XReg(19)),
    (Reg::R9, XReg(20)),
];

/// The frame pointer (eBPF r10).
pub(crate) const FP: XReg = XReg(21);
