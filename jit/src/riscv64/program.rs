//! A compiled RV64 program: its code, where each eBPF instruction starts, and what the emitter
//! meant (for the listing and the decoder round-trip).

use super::{layout, lower, Placed, Trust};
use crate::JitError;
use ir::insn::{Insn, LdImm64Src};
use ir::Program;

/// The RV64 extensions the code may use beyond RV64IMA.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Extensions {
    /// Compressed instructions (C).
    pub c: bool,
    /// Address generation (Zba): `add.uw` zero-extends in one instruction.
    pub zba: bool,
    /// Basic bit manipulation (Zbb): `rev8`, `sext.b/h`, `zext.h`.
    pub zbb: bool,
}

impl Extensions {
    /// RV64IMAC: the default target.
    pub const fn rv64imac() -> Extensions {
        Extensions {
            c: true,
            zba: false,
            zbb: false,
        }
    }

    /// RV64IMA only.
    pub const fn base() -> Extensions {
        Extensions {
            c: false,
            zba: false,
            zbb: false,
        }
    }

    /// RV64IMAC + Zba + Zbb (RVA22-like).
    pub const fn all() -> Extensions {
        Extensions {
            c: true,
            zba: true,
            zbb: true,
        }
    }

    /// Parse a list like `c,zba,zbb` (or `none`, `all`); unknown names are an error naming them.
    pub fn parse(s: &str) -> Result<Extensions, String> {
        let mut e = Extensions::base();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match part.to_ascii_lowercase().as_str() {
                "none" | "base" => {}
                "all" => e = Extensions::all(),
                "c" => e.c = true,
                "zba" => e.zba = true,
                "zbb" => e.zbb = true,
                other => {
                    return Err(format!(
                        "unknown RISC-V extension '{other}' (known: c, zba, zbb, all, none)"
                    ))
                }
            }
        }
        Ok(e)
    }
}

impl Default for Extensions {
    fn default() -> Extensions {
        Extensions::rv64imac()
    }
}

impl std::fmt::Display for Extensions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("rv64ima")?;
        if self.c {
            f.write_str("c")?;
        }
        if self.zba {
            f.write_str("_zba")?;
        }
        if self.zbb {
            f.write_str("_zbb")?;
        }
        Ok(())
    }
}

/// How compiled code reaches helpers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HelperAbi {
    /// `ecall` with `t0` = [`super::trap`] kind and `t1` = helper id: the emulator runs the
    /// helper in the shared runtime and resumes.
    Ecall,
    /// An indirect call through the environment block's helper table (ahead-of-time objects,
    /// linked with C helpers). Context fields other than the packet pointers and LD_ABS are not
    /// available.
    Table,
}

/// Compilation options.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Options {
    /// Extensions the code may use.
    pub ext: Extensions,
    /// How helpers are called.
    pub helpers: HelperAbi,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            ext: Extensions::default(),
            helpers: HelperAbi::Ecall,
        }
    }
}

/// A program compiled to RV64 code.
#[derive(Clone, Debug)]
pub struct Rv64Program {
    pub(crate) code: Vec<u8>,
    pub(crate) trust: Trust,
    pub(crate) context: bool,
    pub(crate) opts: Options,
    pub(crate) prog_type: ir::ProgType,
    /// `(index, wants the direct value)` of every map the program's LD_IMM64s name.
    pub(crate) map_refs: Vec<(usize, bool)>,
    insn_offsets: Vec<u32>,
    placed: Vec<Placed>,
    texts: Vec<String>,
    /// Offsets of the traps that mean "fell off the end of a function".
    pub(crate) fell_off: Vec<u32>,
    /// Offset of the instruction the entry function returns to.
    pub(crate) end: u32,
    passes: usize,
}

pub(crate) fn compile_program(
    prog: &Program,
    trust: Trust,
    context: bool,
    facts: Option<&offload::Verified>,
    opts: &Options,
) -> Result<Rv64Program, JitError> {
    let n = prog.insns.len();
    let ctx = match facts {
        _ if !(context && crate::x86_64::plan::has_context(prog)) => vec![None; n],
        Some(v) => crate::x86_64::plan::ctx_from_facts(prog, v)?,
        None => crate::ctx_access::analyse(prog)?,
    };
    let lowered = lower(prog, trust, ctx, facts, opts)?;
    let emitted = layout(&lowered.asm)?;
    let at = |l: super::Label| emitted.label_pos[l.0 as usize];
    let mut map_refs: Vec<(usize, bool)> = prog
        .insns
        .iter()
        .filter_map(|i| match *i {
            Insn::LdImm64 { src, imm, .. } if src.is_map() => Some((
                (imm & 0xffff_ffff) as usize,
                matches!(src, LdImm64Src::MapValue | LdImm64Src::MapIdxValue),
            )),
            _ => None,
        })
        .collect();
    map_refs.sort_unstable();
    map_refs.dedup();
    Ok(Rv64Program {
        insn_offsets: lowered.insn_labels.iter().map(|l| at(*l)).collect(),
        fell_off: lowered.fell_off.iter().map(|l| at(*l)).collect(),
        end: at(lowered.end),
        code: emitted.code,
        trust,
        context,
        opts: *opts,
        prog_type: prog.prog_type,
        map_refs,
        placed: emitted.placed,
        texts: (0..n)
            .map(|pc| ir::disasm::insn_text(prog, pc, ir::asm::Syntax::Llvm))
            .collect(),
        passes: emitted.passes,
    })
}

/// Compile a program the verifier accepted, using what it proved (context accesses, frame
/// sizes).
pub fn compile(v: &offload::Verified, opts: &Options) -> Result<Rv64Program, JitError> {
    compile_program(v.program(), Trust::Verified, true, Some(v), opts)
}

/// Compile a program **no verifier has checked** (conformance tests, differential tests): the
/// code zeroes registers and stack at entry, bounds the call depth and traps when a function
/// runs off its end. Memory accesses are checked by the emulator's mapping (only the run's live
/// regions are mapped), not by the code. `r1_is_context`: r1 is the program context (packet
/// input) whose accesses are rewritten; otherwise plain memory (the conformance convention).
#[doc(hidden)]
pub fn compile_unchecked(
    prog: &Program,
    r1_is_context: bool,
    opts: &Options,
) -> Result<Rv64Program, JitError> {
    compile_program(prog, Trust::Unchecked, r1_is_context, None, opts)
}

impl Rv64Program {
    /// The code bytes (little-endian instruction parcels).
    pub fn code(&self) -> &[u8] {
        &self.code
    }

    /// The options it was compiled with.
    pub fn options(&self) -> &Options {
        &self.opts
    }

    /// Offset of the code of eBPF slot `pc`.
    pub fn insn_offset(&self, pc: usize) -> Option<u32> {
        self.insn_offsets.get(pc).copied()
    }

    /// Every emitted instruction, in order, as the emitter meant it.
    pub fn placed(&self) -> &[Placed] {
        &self.placed
    }

    /// Number of RV64 instructions emitted.
    pub fn inst_count(&self) -> usize {
        self.placed.len()
    }

    /// Layout passes until the branch sizes settled.
    pub fn layout_passes(&self) -> usize {
        self.passes
    }

    /// The eBPF text of slot `pc` (LLVM syntax).
    pub fn insn_text(&self, pc: usize) -> &str {
        self.texts.get(pc).map(String::as_str).unwrap_or("")
    }
}
