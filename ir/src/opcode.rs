//! Raw wire-format constants of the eBPF ISA (RFC 9669 and Linux `include/uapi/linux/bpf.h`).
//!
//! An instruction's `code` byte is `class | (op or size|mode) | source`. These constants are the
//! only place the bit layout is spelled out; `insn.rs` turns them into typed values.

/// Instruction classes (low 3 bits of `code`).
pub mod class {
    pub const LD: u8 = 0x00;
    pub const LDX: u8 = 0x01;
    pub const ST: u8 = 0x02;
    pub const STX: u8 = 0x03;
    pub const ALU: u8 = 0x04;
    pub const JMP: u8 = 0x05;
    pub const JMP32: u8 = 0x06;
    pub const ALU64: u8 = 0x07;
    /// Mask selecting the class bits.
    pub const MASK: u8 = 0x07;
}

/// Operand source bit for ALU and JMP classes.
pub mod source {
    /// Immediate operand (`imm`).
    pub const K: u8 = 0x00;
    /// Register operand (`src_reg`). For END: convert to big-endian.
    pub const X: u8 = 0x08;
    pub const MASK: u8 = 0x08;
}

/// ALU operation (high 4 bits of `code`).
pub mod alu {
    pub const ADD: u8 = 0x00;
    pub const SUB: u8 = 0x10;
    pub const MUL: u8 = 0x20;
    pub const DIV: u8 = 0x30;
    pub const OR: u8 = 0x40;
    pub const AND: u8 = 0x50;
    pub const LSH: u8 = 0x60;
    pub const RSH: u8 = 0x70;
    pub const NEG: u8 = 0x80;
    pub const MOD: u8 = 0x90;
    pub const XOR: u8 = 0xa0;
    pub const MOV: u8 = 0xb0;
    pub const ARSH: u8 = 0xc0;
    pub const END: u8 = 0xd0;
    pub const MASK: u8 = 0xf0;
}

/// Jump operation (high 4 bits of `code`).
pub mod jmp {
    pub const JA: u8 = 0x00;
    pub const JEQ: u8 = 0x10;
    pub const JGT: u8 = 0x20;
    pub const JGE: u8 = 0x30;
    pub const JSET: u8 = 0x40;
    pub const JNE: u8 = 0x50;
    pub const JSGT: u8 = 0x60;
    pub const JSGE: u8 = 0x70;
    pub const CALL: u8 = 0x80;
    pub const EXIT: u8 = 0x90;
    pub const JLT: u8 = 0xa0;
    pub const JLE: u8 = 0xb0;
    pub const JSLT: u8 = 0xc0;
    pub const JSLE: u8 = 0xd0;
    pub const MASK: u8 = 0xf0;
}

/// Access size for load/store classes (bits 3-4).
pub mod size {
    pub const W: u8 = 0x00;
    pub const H: u8 = 0x08;
    pub const B: u8 = 0x10;
    pub const DW: u8 = 0x18;
    pub const MASK: u8 = 0x18;
}

/// Addressing mode for load/store classes (bits 5-7).
pub mod mode {
    pub const IMM: u8 = 0x00;
    pub const ABS: u8 = 0x20;
    pub const IND: u8 = 0x40;
    pub const MEM: u8 = 0x60;
    pub const MEMSX: u8 = 0x80;
    pub const ATOMIC: u8 = 0xc0;
    pub const MASK: u8 = 0xe0;
}

/// `imm` values of atomic instructions.
pub mod atomic {
    pub const ADD: i32 = 0x00;
    pub const OR: i32 = 0x40;
    pub const AND: i32 = 0x50;
    pub const XOR: i32 = 0xa0;
    pub const FETCH: i32 = 0x01;
    pub const XCHG: i32 = 0xe0 | FETCH;
    pub const CMPXCHG: i32 = 0xf0 | FETCH;
}

/// `src_reg` values of `BPF_LD | BPF_IMM | BPF_DW` (pseudo sources).
pub mod pseudo {
    pub const MAP_FD: u8 = 1;
    pub const MAP_VALUE: u8 = 2;
    pub const BTF_ID: u8 = 3;
    pub const FUNC: u8 = 4;
    pub const MAP_IDX: u8 = 5;
    pub const MAP_IDX_VALUE: u8 = 6;
    /// `src_reg` of CALL: bpf-to-bpf call, `imm` is the pc-relative target.
    pub const CALL: u8 = 1;
    /// `src_reg` of CALL: kfunc call, `imm` is a BTF id.
    pub const KFUNC_CALL: u8 = 2;
}

/// Whole `code` bytes used often enough to name.
pub const LD_IMM64: u8 = class::LD | mode::IMM | size::DW;
pub const EXIT: u8 = class::JMP | jmp::EXIT;
pub const CALL: u8 = class::JMP | jmp::CALL;
pub const CALLX: u8 = class::JMP | jmp::CALL | source::X;
