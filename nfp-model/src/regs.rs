//! The register map of the NFP backend: where each eBPF register lives, the scratch registers
//! the translator may clobber, the local-memory layout and the firmware entry points — the
//! driver's conventions (`drivers/net/ethernet/netronome/nfp/bpf/jit.c`), with the reason for
//! each choice.

use ir::Reg;

/// GPR holding the low 32 bits of eBPF register `r` (r0..r9): `2n`.
///
/// The NFP has 32-bit GPRs; an eBPF register is a pair. Every write goes to both banks
/// (`WR_AB`), so either half can be an A or a B operand of the next ALU instruction (an `alu`
/// reads its A operand from bank A and its B operand from bank B, never both from one bank).
pub const fn lo(r: Reg) -> u8 {
    2 * r.num()
}

/// GPR holding the high 32 bits of eBPF register `r` (r0..r9): `2n + 1`.
pub const fn hi(r: Reg) -> u8 {
    2 * r.num() + 1
}

/// First scratch GPR (A20/B20). The driver keeps 20–21 for its own temporaries; r0–r9 use
/// 0–19.
pub const TMP0: u8 = 20;
/// Second scratch GPR (A21/B21); also where addresses are formed for memory commands.
pub const TMP1: u8 = 21;
/// The current frame's top: the LM byte address eBPF `r10` stands for (both banks). r10 itself
/// is never stored: the verifier proves every stack access has a constant offset from it.
///
/// The model's firmware ABI: the firmware enters the program with GPR 22 = [`STACK_TOP`],
/// LM pointer 0 at `STACK_TOP - LM0_WINDOW` (the stack window) and LM pointer 1 at
/// [`PKT_VEC`] (the packet vector), as the driver expects the packet vector and stack base
/// from the firmware; the program has no prologue.
pub const FRAME: u8 = 22;

/// The save-area pointer of bpf-to-bpf calls (both banks): LM byte address of the next free
/// save record; the firmware enters with [`SAVE_BASE`].
pub const SAVE: u8 = 23;
/// First LM byte of the call save area (records of [`SAVE_RECORD`] bytes, up to `STACK_TOP -
/// STACK_BYTES`).
pub const SAVE_BASE: u32 = 64;
/// Bytes of one save record: r6–r9 (8 words), the return address, the caller's frame.
pub const SAVE_RECORD: u32 = 40;

/// LM byte address of the packet vector (LM pointer 1): word 0 packet length, word 2 the
/// packet's CTM address (words 1 and 3 zero).
pub const PKT_VEC: u32 = 0;
/// LM byte address one past the main function's frame: `r10` of the entry function.
pub const STACK_TOP: u32 = 1024;
/// Bytes of stack the firmware gives a thread (LM bytes `STACK_TOP - 512 .. STACK_TOP`).
pub const STACK_BYTES: u32 = 512;
/// Bytes LM pointer 0 covers directly below `r10`: word offsets 0..=15 of an unrestricted LM
/// operand (the driver's "bottom 64 bytes"). Deeper slots go through LM pointer 3.
pub const LM0_WINDOW: i32 = 64;
/// Local memory of one micro-engine, bytes (1,024 words).
pub const LM_BYTES: u32 = 4096;

/// Firmware entry points: the helpers' code lives in the firmware, outside the program's
/// code store, at these addresses (the model's choice; the driver reads them from the
/// firmware's capability TLVs).
pub mod fw {
    /// Helper `id` is entered at `HELPER_BASE + id`; it returns to the address in B0.
    pub const HELPER_BASE: u16 = 0x3f00;
    /// Highest helper id with an entry.
    pub const HELPER_MAX: u16 = 0x7f;
    /// The firmware's exit: the verdict code is in A20 (XDP) and r0 in GPRs 0/1.
    pub const EXIT: u16 = 0x3ff0;
}

/// The CTM address at which the packet buffer's first byte sits (the packet head is in the
/// cluster target memory; pointers into it are 32-bit CTM addresses, high word zero).
pub const CTM_BASE: u32 = 0x0010_0000;

/// XDP verdict codes of the driver's action table, indexed by `XDP_*` (aborted, drop, pass,
/// tx), packed as the driver packs them.
pub const XDP_ACTIONS: u32 = 0x4411_2282;
/// The code the abort path leaves (`R0 > 3`, XDP_REDIRECT included).
pub const XDP_ABORT_CODE: u8 = 0x82;
