//! The eBPF program as a value, and its executable meaning.
//!
//! This crate owns everything every other part of bpf-offload is checked against:
//! - [`insn`]: the typed instruction set (RFC 9669, Linux cpu v1–v4) with lossless encode/decode;
//! - [`program`]: a whole program (functions, maps, relocations, metadata, source map);
//! - [`asm`] / [`disasm`]: the two text forms (`%rN` conformance syntax and kernel/LLVM syntax);
//! - [`conformance`]: the bpf_conformance `.data` test format;
//! - [`interp`] and [`runtime`]: the checking reference interpreter and the map/helper runtime
//!   that the JITs and the NFP simulator share.
//!
//! Each fact about the eBPF machine has one home here, which every other crate uses:
//!
//! | fact | home |
//! |---|---|
//! | ALU results (32/64-bit, signed/unsigned div/mod, shifts), NEG, MOVSX, byte swaps, jump conditions | [`arith`] |
//! | registers each instruction reads and writes (liveness, callee-saved use) | [`Insn::uses`] / [`Insn::defs`] in [`regset`] |
//! | context layouts per program type (`xdp_md`, `__sk_buff`: offsets, sizes, access kinds) | [`ctx`] |
//! | the context and packet as `BPF_PROG_TEST_RUN` fills them | [`runtime::ExecEnv`] |
//! | helper ids, names and prototypes | [`helpers`] |
//! | legacy `LD_ABS`/`LD_IND` semantics | [`runtime::ExecEnv::ld_abs`] |
//! | what a target asks of generated code (neutral options for compilers) | [`codegen`] |
//! | encodings, and which offsets the wire can hold | [`wire`] ([`insn::encode`]) |
//! | labels, fixups and jump relaxation for code emission | [`asm::builder`] |
//!
//! ```
//! use ir::insn::{decode_bytes, Insn};
//! // mov64 r0, 7 ; exit
//! let bytes = [0xb7, 0, 0, 0, 7, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0];
//! let insns = decode_bytes(&bytes).unwrap();
//! assert_eq!(insns[1], Insn::Exit);
//! ```
#![deny(missing_docs)]

pub mod arith;
pub mod asm;
pub mod codegen;
pub mod conformance;
pub mod ctx;
pub mod disasm;
pub mod elf;
pub mod helpers;
#[allow(missing_docs)]
pub mod insn;
pub mod interp;
#[allow(missing_docs)]
pub mod layout;
#[allow(missing_docs)]
pub mod opcode;
#[allow(missing_docs)]
pub mod program;
pub mod regset;
pub mod runtime;
#[allow(missing_docs)]
pub mod wire;

pub use insn::{Insn, Reg};
pub use program::{MapDef, MapType, Origin, ProgType, Program};
