//! The RV64 backend: eBPF to RV64IMAC (+ Zba/Zbb when the target has them).
//!
//! `lower` is the one loop: one exhaustive `match` over [`ir::Insn`], each eBPF instruction
//! lowered to [`encode::Inst`]s in an `emit::Asm`, branches kept symbolic. `layout` then
//! settles every branch on its shortest form that reaches (B-type, the inverted B-type over
//! `jal`, the inverted B-type over `auipc`+`jalr`; `c.j`/`jal`/`auipc`+`jalr` for jumps),
//! starting from the shortest and growing (forms only grow, so the passes are bounded), and the
//! final emission must reproduce every offset the layout computed.
//!
//! The code follows the C calling convention (see [`regs`]): the entry is
//! `fn(r1 = a0, r2 = a1, env = a2) -> a0`. Helper calls are an `ecall` with the helper id in a
//! register, caught by the emulator and run in the shared [`ir::runtime::Runtime`] (see
//! [`HelperAbi`]); or, for ahead-of-time objects, an indirect call through the helper table of
//! the environment block.

pub mod aot;
pub mod disasm;
pub mod emit;
#[cfg(test)]
mod emit_tests;
#[cfg(feature = "riscv-emu")]
#[allow(unsafe_code)]
mod emu;
pub mod encode;
pub mod imms;
mod layout;
mod program;
pub mod regs;
#[cfg(any(test, feature = "riscv-emu"))]
mod zb_emu;

pub(crate) use layout::layout;
pub use layout::Placed;
pub use program::{compile, compile_unchecked, Extensions, HelperAbi, Options, Rv64Program};

use crate::JitError;
use emit::{Asm, Label};
use encode::{AmoOp, BCond, IOp, Inst, ROp, ShOp, ShWOp, Size, UOp};
use imms::{Imm12, Shamt5};
use ir::insn::{
    AluOp, AtomicOp, CallTarget, Endian, Insn, JmpCond, LdImm64Src, MemSize, Operand, Width,
};
use ir::{ProgType, Program, Reg};
use regs::{rv, XReg, CALLEE_SAVED, DEPTH, ENV, FP, RA, SP, T0, T1, T2, T3, T4, ZERO};

/// Bytes of eBPF stack per function when the verifier says nothing smaller.
const DEFAULT_STACK: i64 = 512;

/// Byte offsets in the environment block the code reaches through [`regs::ENV`]
/// (`struct bpf_rv64_env` of the ahead-of-time header).
pub mod env_layout {
    /// Packet `data` pointer.
    pub const PKT_DATA: i64 = 0;
    /// Packet `data_end` pointer.
    pub const PKT_END: i64 = 8;
    /// Packet `data_meta` pointer.
    pub const PKT_META: i64 = 16;
    /// Address of the helper table (`u64 (*helpers[])(u64, u64, u64, u64, u64)`, by id), for
    /// [`super::HelperAbi::Table`].
    pub const HELPERS: i64 = 24;
    /// Number of entries in the helper table.
    pub const HELPER_COUNT: i64 = 32;
    /// Current bpf-to-bpf call depth (unverified code only).
    pub const DEPTH: i64 = 40;
    /// Reserved.
    pub const RESERVED: i64 = 48;
    /// Start of the map table: per program map, `[handle, direct value address]`.
    pub const MAPS: i64 = 64;
}

/// What an `ecall` asks the emulator for (the value of `t0` at the `ecall`).
pub mod trap {
    /// Helper `t1` with r1..r5 in a0..a4; r0 (a5) gets the result.
    pub const HELPER: u64 = 1;
    /// `t1 = ctx_load(field t1, size t2)`.
    pub const CTX_LOAD: u64 = 2;
    /// `ctx_store(field t1, size t2, value t3)`.
    pub const CTX_STORE: u64 = 3;
    /// `r0 = ld_abs(offset t1 as i32, size t2)`.
    pub const LD_ABS: u64 = 4;
    /// Too many nested bpf-to-bpf calls (unverified code).
    pub const CALL_DEPTH: u64 = 5;
}

/// Most nested bpf-to-bpf calls unverified code may make (the kernel's `MAX_CALL_FRAMES` - 1).
const MAX_CALL_DEPTH: i64 = 7;

/// What the compiler may rely on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Trust {
    /// The verifier accepted the program.
    Verified,
    /// Unverified (conformance tests): registers and stack start zeroed, call depth checked,
    /// falling off a function traps.
    Unchecked,
}

/// How a function's frame is laid out: `[sp, sp + stack)` is the eBPF stack (FP = sp + stack),
/// the saved registers follow.
struct Frame {
    stack: i64,
    saved: Vec<XReg>,
    total: i64,
    entry: bool,
    sets_fp: bool,
}

struct Func {
    start: usize,
    end: usize,
    entry: Label,
    epilogue: Label,
    /// Where a finished tail call returns from (present when the function may tail-call).
    tail_stub: Option<Label>,
    frame: Frame,
}

/// The lowered program before layout.
pub(crate) struct Lowered {
    pub(crate) asm: Asm,
    pub(crate) insn_labels: Vec<Label>,
    /// Labels of the traps that mean "fell off the end of a function".
    pub(crate) fell_off: Vec<Label>,
    /// Label of the final instruction the entry function returns to.
    pub(crate) end: Label,
}

/// Which packet pointer a context load at `field` yields, as an environment-block offset
/// (from the context layout in `ir::ctx`).
fn packet_pointer_field(t: ProgType, field: i64) -> Option<i64> {
    use ir::ctx::{CtxLayout, CtxLoad};
    match CtxLayout::packet_pointer(t, field)? {
        CtxLoad::Packet => Some(env_layout::PKT_DATA),
        CtxLoad::PacketEnd => Some(env_layout::PKT_END),
        CtxLoad::PacketMeta => Some(env_layout::PKT_META),
        _ => None,
    }
}

/// Lower `prog` to symbolic RV64 code.
pub(crate) fn lower(
    prog: &Program,
    trust: Trust,
    ctx: Vec<Option<i64>>,
    facts: Option<&offload::Verified>,
    opts: &Options,
) -> Result<Lowered, JitError> {
    let n = prog.insns.len();
    if n == 0 {
        return Err(JitError::Empty);
    }
    let mut a = Asm::new(opts.ext.c, n * 4 + 64);
    let insn_labels: Vec<Label> = (0..n).map(|_| a.label()).collect();
    let starts = prog.function_starts();
    let mut funcs = Vec::with_capacity(starts.len());
    for (i, &start) in starts.iter().enumerate() {
        let end = starts.get(i + 1).copied().unwrap_or(n);
        let entry = i == 0;
        let body = &prog.insns[start..end];
        let used = body
            .iter()
            .fold(ir::regset::RegSet::EMPTY, |s, i| s.union(i.mentions()));
        let calls = body.iter().any(|i| match i {
            Insn::Call(CallTarget::Local(_)) => true,
            Insn::Call(_) | Insn::CallX { .. } => opts.helpers == HelperAbi::Table,
            Insn::LdAbs { .. } | Insn::LdInd { .. } => opts.helpers == HelperAbi::Table,
            _ => false,
        });
        let mut saved = Vec::new();
        if calls {
            saved.push(RA);
        }
        for (r, x) in CALLEE_SAVED {
            if used.contains(r) || (trust == Trust::Unchecked && entry) {
                saved.push(x);
            }
        }
        let sets_fp = used.contains(Reg::R10) || trust == Trust::Unchecked;
        if sets_fp {
            saved.push(FP);
        }
        if entry {
            saved.push(ENV);
        }
        let stack = facts
            .and_then(|v| {
                v.stack_depth_per_function()
                    .iter()
                    .find(|(s, _)| *s == start)
                    .map(|(_, d)| (*d as i64 + 15) & !15)
            })
            .unwrap_or(DEFAULT_STACK);
        let total = (stack + 8 * saved.len() as i64 + 15) & !15;
        let may_tail_call = body.iter().any(|i| {
            matches!(
                i,
                Insn::CallX { .. }
                    | Insn::Call(CallTarget::Helper(ir::runtime::helper_id::TAIL_CALL))
            )
        });
        funcs.push(Func {
            start,
            end,
            entry: a.label(),
            epilogue: a.label(),
            tail_stub: may_tail_call.then(|| a.label()),
            frame: Frame {
                stack,
                saved,
                total,
                entry,
                sets_fp,
            },
        });
    }
    let end = a.label();
    let depth_error = a.label();
    let mut lw = Lowering {
        prog,
        opts,
        trust,
        ctx,
        a,
        insn_labels,
        fell_off: Vec::new(),
        depth_error,
        func_entries: funcs.iter().map(|f| (f.start, f.entry)).collect(),
    };
    for f in &funcs {
        lw.function(f)?;
    }
    let a = &mut lw.a;
    a.pc = n - 1;
    if trust == Trust::Unchecked {
        a.bind(depth_error);
        a.li(T0, trap::CALL_DEPTH as i64);
        a.push(Inst::Ecall);
        a.push(Inst::Unimp);
    } else {
        a.bind(depth_error);
    }
    // The entry function returns here; the emulator stops on reaching it.
    a.bind(end);
    a.push(Inst::Unimp);
    Ok(Lowered {
        asm: lw.a,
        insn_labels: lw.insn_labels,
        fell_off: lw.fell_off,
        end,
    })
}

struct Lowering<'p> {
    prog: &'p Program,
    opts: &'p Options,
    trust: Trust,
    ctx: Vec<Option<i64>>,
    a: Asm,
    insn_labels: Vec<Label>,
    fell_off: Vec<Label>,
    depth_error: Label,
    func_entries: Vec<(usize, Label)>,
}

impl Lowering<'_> {
    fn target(&self, pc: usize, off: i64, f: &Func) -> Result<Label, JitError> {
        let t = pc as i64 + 1 + off;
        let ok = t >= f.start as i64
            && t < f.end as i64
            && !matches!(self.prog.insns.get(t as usize), Some(Insn::LdImm64Tail));
        if ok {
            Ok(self.insn_labels[t as usize])
        } else {
            Err(JitError::BadJump { pc, target: t })
        }
    }

    fn zba(&self) -> bool {
        self.opts.ext.zba
    }

    fn zbb(&self) -> bool {
        self.opts.ext.zbb
    }

    fn prologue(&mut self, fr: &Frame) -> Result<(), JitError> {
        let a = &mut self.a;
        a.add_imm(SP, SP, -fr.total);
        for (i, r) in fr.saved.iter().enumerate() {
            a.store(Size::D, *r, SP, fr.stack + 8 * i as i64);
        }
        if fr.entry {
            a.mv(ENV, regs::XReg::new(12).unwrap_or(ZERO));
        }
        if self.trust == Trust::Unchecked {
            if fr.entry {
                for r in [0u8, 3, 4, 5, 6, 7, 8, 9] {
                    if let Some(r) = Reg::new(r) {
                        a.mv(rv(r), ZERO);
                    }
                }
                a.store(Size::D, ZERO, ENV, env_layout::DEPTH);
            } else {
                // Count the depth; too deep ends the run with an error.
                a.load(Size::D, false, DEPTH, ENV, env_layout::DEPTH);
                a.add_imm(DEPTH, DEPTH, 1);
                a.store(Size::D, DEPTH, ENV, env_layout::DEPTH);
                a.li(T1, MAX_CALL_DEPTH + 1);
                a.branch(BCond::Geu, DEPTH, T1, self.depth_error);
            }
            let mut off = 0;
            while off < fr.stack {
                a.store(Size::D, ZERO, SP, off);
                off += 8;
            }
        }
        if fr.sets_fp {
            a.add_imm(FP, SP, fr.stack);
        }
        Ok(())
    }

    fn epilogue(&mut self, fr: &Frame) {
        let a = &mut self.a;
        if self.trust == Trust::Unchecked && !fr.entry {
            a.load(Size::D, false, DEPTH, ENV, env_layout::DEPTH);
            a.add_imm(DEPTH, DEPTH, -1);
            a.store(Size::D, DEPTH, ENV, env_layout::DEPTH);
        }
        if fr.entry {
            a.mv(rv(Reg::R1), rv(Reg::R0));
        }
        for (i, r) in fr.saved.iter().enumerate() {
            a.load(Size::D, false, *r, SP, fr.stack + 8 * i as i64);
        }
        a.add_imm(SP, SP, fr.total);
        a.push(Inst::Jalr {
            rd: ZERO,
            rs1: RA,
            off: Imm12::ZERO,
        });
    }

    fn function(&mut self, f: &Func) -> Result<(), JitError> {
        self.a.pc = f.start;
        self.a.bind(f.entry);
        self.prologue(&f.frame)?;
        let mut pc = f.start;
        while pc < f.end {
            self.a.pc = pc;
            self.a.bind(self.insn_labels[pc]);
            let insn = self.prog.insns[pc];
            let last = pc + insn.slots() >= f.end;
            self.insn(pc, insn, f, last)?;
            if let Insn::LdImm64 { .. } = insn {
                if let Some(l) = self.insn_labels.get(pc + 1) {
                    self.a.bind(*l);
                }
            }
            pc += insn.slots();
        }
        let falls_through = !matches!(
            self.prog.insns.get(f.end - 1),
            Some(Insn::Exit) | Some(Insn::Ja { .. })
        );
        if falls_through {
            let l = self.a.label();
            self.a.bind(l);
            self.a.push(Inst::Unimp);
            self.fell_off.push(l);
        }
        self.a.bind(f.epilogue);
        self.epilogue(&f.frame);
        if let Some(stub) = f.tail_stub {
            // A finished tail call: its r0 is in t1; this function returns it.
            self.a.bind(stub);
            self.a.mv(rv(Reg::R0), T1);
            self.a.jump(f.epilogue);
        }
        Ok(())
    }

    /// The one match: lower the instruction at `pc`.
    fn insn(&mut self, pc: usize, insn: Insn, f: &Func, last: bool) -> Result<(), JitError> {
        let jump_to = match insn {
            Insn::Ja { off, .. } => Some(self.target(pc, off as i64, f)?),
            Insn::Jmp { off, .. } => Some(self.target(pc, off as i64, f)?),
            _ => None,
        };
        let (zba, zbb) = (self.zba(), self.zbb());
        match insn {
            Insn::Alu {
                width,
                op,
                dst,
                src,
            } => self.alu(width, op, dst, src)?,
            Insn::MovSx {
                width,
                bits,
                dst,
                src,
            } => {
                let (d, s) = (rv(dst), rv(src));
                let a = &mut self.a;
                match bits {
                    8 if zbb => a.unary(UOp::SextB, d, s),
                    16 if zbb => a.unary(UOp::SextH, d, s),
                    8 | 16 => {
                        a.sh(ShOp::Slli, d, s, 64 - bits as u32);
                        a.sh(ShOp::Srai, d, d, 64 - bits as u32);
                    }
                    32 => a.sext32(d, s),
                    _ => {
                        return Err(JitError::Unsupported {
                            pc,
                            what: "sign extension of this width",
                        })
                    }
                }
                if width == Width::W32 {
                    a.zext32(d, d, zba);
                }
            }
            Insn::Neg { width, dst } => {
                let d = rv(dst);
                match width {
                    Width::W64 => self.a.r(ROp::Sub, d, ZERO, d),
                    Width::W32 => {
                        self.a.r(ROp::Subw, d, ZERO, d);
                        self.a.zext32(d, d, zba);
                    }
                }
            }
            Insn::End { kind, bits, dst } => {
                let d = rv(dst);
                let a = &mut self.a;
                match (kind, bits) {
                    (Endian::ToLe, 16) if zbb => a.unary(UOp::ZextH, d, d),
                    (Endian::ToLe, 16) => {
                        a.sh(ShOp::Slli, d, d, 48);
                        a.sh(ShOp::Srli, d, d, 48);
                    }
                    (Endian::ToLe, 32) => a.zext32(d, d, zba),
                    (Endian::ToLe, 64) => {}
                    (Endian::ToBe | Endian::Swap, 16 | 32 | 64) if zbb => {
                        a.unary(UOp::Rev8, d, d);
                        if bits < 64 {
                            a.sh(ShOp::Srli, d, d, 64 - bits as u32);
                        }
                    }
                    (Endian::ToBe | Endian::Swap, 16 | 32 | 64) => {
                        bswap(a, d, bits as u32 / 8)?;
                    }
                    _ => {
                        return Err(JitError::Unsupported {
                            pc,
                            what: "byte swap of this width",
                        })
                    }
                }
            }
            Insn::Ja { off, .. } => {
                if let (Some(t), true) = (jump_to, off != 0) {
                    self.a.jump(t);
                }
            }
            Insn::Jmp {
                width,
                cond,
                dst,
                src,
                off,
            } => {
                if let (Some(t), true) = (jump_to, off != 0) {
                    self.cond_jump(width, cond, dst, src, t)?;
                }
            }
            Insn::Load {
                size,
                signed,
                dst,
                src,
                off,
            } => match self.ctx[pc] {
                None => self
                    .a
                    .load(mem_size(size), signed, rv(dst), rv(src), off as i64),
                Some(field) => {
                    let d = rv(dst);
                    match (
                        packet_pointer_field(self.prog.prog_type, field),
                        size,
                        signed,
                    ) {
                        (Some(env_off), MemSize::W, false) => {
                            self.a.load(Size::D, false, d, ENV, env_off)
                        }
                        _ => {
                            if self.opts.helpers == HelperAbi::Table {
                                return Err(JitError::Unsupported {
                                    pc,
                                    what: "a context field other than the packet pointers in an \
                                           ahead-of-time object",
                                });
                            }
                            let a = &mut self.a;
                            a.li(T1, field);
                            a.li(T2, size.bytes() as i64);
                            a.li(T0, trap::CTX_LOAD as i64);
                            a.push(Inst::Ecall);
                            a.mv(d, T1);
                            if signed {
                                let sh = 64 - 8 * size.bytes();
                                a.sh(ShOp::Slli, d, d, sh);
                                a.sh(ShOp::Srai, d, d, sh);
                            }
                        }
                    }
                }
            },
            Insn::Store {
                size,
                dst,
                off,
                src,
            } => match self.ctx[pc] {
                None => {
                    let s = match src {
                        Operand::Reg(s) => rv(s),
                        Operand::Imm(0) => ZERO,
                        Operand::Imm(i) => {
                            self.a.li(T1, i as i64);
                            T1
                        }
                    };
                    self.a.store(mem_size(size), s, rv(dst), off as i64);
                }
                Some(field) => {
                    if self.opts.helpers == HelperAbi::Table {
                        return Err(JitError::Unsupported {
                            pc,
                            what: "a context store in an ahead-of-time object",
                        });
                    }
                    let a = &mut self.a;
                    match src {
                        Operand::Reg(s) => a.mv(T3, rv(s)),
                        Operand::Imm(i) => a.li(T3, i as i64),
                    }
                    a.li(T1, field);
                    a.li(T2, size.bytes() as i64);
                    a.li(T0, trap::CTX_STORE as i64);
                    a.push(Inst::Ecall);
                }
            },
            Insn::Atomic {
                size,
                op,
                fetch,
                dst,
                src,
                off,
            } => {
                let word = match size {
                    MemSize::W => true,
                    MemSize::DW => false,
                    _ => {
                        return Err(JitError::Unsupported {
                            pc,
                            what: "atomic operation on 8 or 16 bits",
                        })
                    }
                };
                self.atomic(word, op, fetch, dst, src, off as i64);
            }
            Insn::LdImm64 { dst, src, imm } => {
                let d = rv(dst);
                let a = &mut self.a;
                match src {
                    LdImm64Src::Imm => a.li(d, imm as i64),
                    LdImm64Src::MapFd
                    | LdImm64Src::MapIdx
                    | LdImm64Src::MapValue
                    | LdImm64Src::MapIdxValue => {
                        let index = (imm & 0xffff_ffff) as i64;
                        let value = matches!(src, LdImm64Src::MapValue | LdImm64Src::MapIdxValue);
                        let at = env_layout::MAPS + 16 * index + if value { 8 } else { 0 };
                        a.load(Size::D, false, d, ENV, at);
                        let off = (imm >> 32) as i64;
                        if value && off != 0 {
                            if d == T0 {
                                return Err(JitError::Unsupported {
                                    pc,
                                    what: "map value offset",
                                });
                            }
                            a.add_imm(d, d, off);
                        }
                    }
                    LdImm64Src::Func => {
                        let t = pc as i64 + 1 + imm as u32 as i32 as i64;
                        a.li(d, t as u32 as i64)
                    }
                    LdImm64Src::BtfId => {
                        return Err(JitError::Unsupported {
                            pc,
                            what: "LD_IMM64 of a BTF object",
                        })
                    }
                }
            }
            Insn::LdImm64Tail => {}
            Insn::LdAbs { size, imm } => self.ld_abs(pc, None, imm, size)?,
            Insn::LdInd { size, src, imm } => self.ld_abs(pc, Some(src), imm, size)?,
            Insn::Call(CallTarget::Helper(id)) => {
                self.a.li(T1, id as i64);
                self.helper_call(f, id == ir::runtime::helper_id::TAIL_CALL)?;
            }
            Insn::CallX { reg } => {
                self.a.mv(T1, rv(reg));
                self.helper_call(f, true)?;
            }
            Insn::Call(CallTarget::Local(off)) => {
                let t = pc as i64 + 1 + off as i64;
                let entry = self
                    .func_entries
                    .iter()
                    .find(|(s, _)| *s as i64 == t)
                    .map(|(_, l)| *l)
                    .ok_or(JitError::BadCall { pc, target: t })?;
                self.a.call(entry);
            }
            Insn::Call(CallTarget::Kfunc { .. }) => {
                return Err(JitError::Unsupported {
                    pc,
                    what: "kfunc call",
                })
            }
            Insn::Exit => {
                if !last {
                    self.a.jump(f.epilogue);
                }
            }
        }
        Ok(())
    }

    /// A helper call with its id in `t1` and r1..r5 in a0..a4; r0 gets the result.
    fn helper_call(&mut self, f: &Func, may_tail: bool) -> Result<(), JitError> {
        let a = &mut self.a;
        match self.opts.helpers {
            HelperAbi::Ecall => {
                a.li(T0, trap::HELPER as i64);
                a.push(Inst::Ecall);
                // The emulator leaves t0 non-zero when a tail call finished: return its r0.
                if let (true, Some(stub)) = (may_tail, f.tail_stub) {
                    a.branch(BCond::Ne, T0, ZERO, stub);
                }
            }
            HelperAbi::Table => {
                // t0 = helpers[id] when id < count, else the table's entry 0 (the caller's
                // "unknown helper" function).
                let ok = a.label();
                a.load(Size::D, false, T2, ENV, env_layout::HELPER_COUNT);
                a.branch(BCond::Ltu, T1, T2, ok);
                a.mv(T1, ZERO);
                a.bind(ok);
                a.load(Size::D, false, T0, ENV, env_layout::HELPERS);
                a.sh(ShOp::Slli, T1, T1, 3);
                a.r(ROp::Add, T0, T0, T1);
                a.load(Size::D, false, T0, T0, 0);
                a.push(Inst::Jalr {
                    rd: RA,
                    rs1: T0,
                    off: Imm12::ZERO,
                });
                a.mv(rv(Reg::R0), rv(Reg::R1));
            }
        }
        Ok(())
    }

    fn ld_abs(
        &mut self,
        pc: usize,
        src: Option<Reg>,
        imm: i32,
        size: MemSize,
    ) -> Result<(), JitError> {
        if self.opts.helpers == HelperAbi::Table {
            return Err(JitError::Unsupported {
                pc,
                what: "LD_ABS/LD_IND in an ahead-of-time object",
            });
        }
        let a = &mut self.a;
        match src {
            None => a.li(T1, imm as i64),
            Some(s) => a.add_imm(T1, rv(s), imm as i64),
        }
        a.li(T2, size.bytes() as i64);
        a.li(T0, trap::LD_ABS as i64);
        a.push(Inst::Ecall);
        Ok(())
    }

    fn cond_jump(
        &mut self,
        w: Width,
        cond: JmpCond,
        dst: Reg,
        src: Operand,
        t: Label,
    ) -> Result<(), JitError> {
        let a = &mut self.a;
        let mut x = rv(dst);
        // 32-bit compares: sign-extending both operands keeps equality, signed order and (since
        // the map is monotonic on unsigned values too) unsigned order of the low halves.
        let mut y = match src {
            Operand::Reg(s) => rv(s),
            Operand::Imm(0) => ZERO,
            Operand::Imm(i) if cond == JmpCond::Set => {
                if let Some(imm) = Imm12::new(i as i64) {
                    a.push(Inst::I {
                        op: IOp::Andi,
                        rd: T2,
                        rs1: x,
                        imm,
                    });
                    if w == Width::W32 {
                        a.sext32(T2, T2);
                    }
                    a.branch(BCond::Ne, T2, ZERO, t);
                    return Ok(());
                }
                a.li(T1, i as i64);
                T1
            }
            Operand::Imm(i) => {
                a.li(T1, i as i64);
                T1
            }
        };
        if cond == JmpCond::Set {
            a.r(ROp::And, T2, x, y);
            if w == Width::W32 {
                a.sext32(T2, T2);
            }
            a.branch(BCond::Ne, T2, ZERO, t);
            return Ok(());
        }
        if w == Width::W32 {
            a.sext32(T2, x);
            x = T2;
            if matches!(src, Operand::Reg(_)) {
                a.sext32(T1, y);
                y = T1;
            }
        }
        let (c, l, r) = match cond {
            JmpCond::Eq => (BCond::Eq, x, y),
            JmpCond::Ne => (BCond::Ne, x, y),
            JmpCond::Gt => (BCond::Ltu, y, x),
            JmpCond::Ge => (BCond::Geu, x, y),
            JmpCond::Lt => (BCond::Ltu, x, y),
            JmpCond::Le => (BCond::Geu, y, x),
            JmpCond::Sgt => (BCond::Lt, y, x),
            JmpCond::Sge => (BCond::Ge, x, y),
            JmpCond::Slt => (BCond::Lt, x, y),
            JmpCond::Sle => (BCond::Ge, y, x),
            JmpCond::Set => (BCond::Ne, x, y), // handled above
        };
        a.branch(c, l, r, t);
        Ok(())
    }

    fn alu(&mut self, w: Width, op: AluOp, dst: Reg, src: Operand) -> Result<(), JitError> {
        let zba = self.zba();
        let a = &mut self.a;
        let d = rv(dst);
        let w32 = w == Width::W32;
        // The source as a register (immediates through t1), for the forms without an
        // immediate variant.
        let src_reg = |a: &mut Asm| match src {
            Operand::Reg(s) => rv(s),
            Operand::Imm(0) => ZERO,
            Operand::Imm(i) => {
                a.li(T1, i as i64);
                T1
            }
        };
        match op {
            AluOp::Mov => match (src, w32) {
                (Operand::Reg(s), false) => a.mv(d, rv(s)),
                (Operand::Reg(s), true) => a.zext32(d, rv(s), zba),
                (Operand::Imm(i), false) => a.li(d, i as i64),
                (Operand::Imm(i), true) => a.li(d, i as u32 as i64),
            },
            AluOp::Add | AluOp::Sub => {
                let neg = op == AluOp::Sub;
                match src {
                    Operand::Imm(i)
                        if Imm12::new(if neg { -(i as i64) } else { i as i64 }).is_some() =>
                    {
                        let v = if neg { -(i as i64) } else { i as i64 };
                        if w32 {
                            a.i(IOp::Addiw, d, d, v)?;
                        } else if v != 0 {
                            a.i(IOp::Addi, d, d, v)?;
                        }
                    }
                    _ => {
                        let s = src_reg(a);
                        let r = match (neg, w32) {
                            (false, false) => ROp::Add,
                            (true, false) => ROp::Sub,
                            (false, true) => ROp::Addw,
                            (true, true) => ROp::Subw,
                        };
                        a.r(r, d, d, s);
                    }
                }
                if w32 {
                    a.zext32(d, d, zba);
                }
            }
            AluOp::And | AluOp::Or | AluOp::Xor => {
                let (iop, rop) = match op {
                    AluOp::And => (IOp::Andi, ROp::And),
                    AluOp::Or => (IOp::Ori, ROp::Or),
                    _ => (IOp::Xori, ROp::Xor),
                };
                match src {
                    Operand::Imm(i) if Imm12::new(i as i64).is_some() => {
                        a.i(iop, d, d, i as i64)?
                    }
                    _ => {
                        let s = src_reg(a);
                        a.r(rop, d, d, s);
                    }
                }
                if w32 {
                    a.zext32(d, d, zba);
                }
            }
            AluOp::Lsh | AluOp::Rsh | AluOp::Arsh => match src {
                Operand::Imm(i) => {
                    if w32 {
                        let n = i as u32 & 31;
                        let op = match op {
                            AluOp::Lsh => ShWOp::Slliw,
                            AluOp::Rsh => ShWOp::Srliw,
                            _ => ShWOp::Sraiw,
                        };
                        if n != 0 {
                            if let Some(sh) = Shamt5::new(n) {
                                a.push(Inst::ShW {
                                    op,
                                    rd: d,
                                    rs1: d,
                                    sh,
                                });
                            }
                        }
                        a.zext32(d, d, zba);
                    } else {
                        let op = match op {
                            AluOp::Lsh => ShOp::Slli,
                            AluOp::Rsh => ShOp::Srli,
                            _ => ShOp::Srai,
                        };
                        if i as u32 & 63 != 0 {
                            a.sh(op, d, d, i as u32 & 63);
                        }
                    }
                }
                Operand::Reg(s) => {
                    let r = match (op, w32) {
                        (AluOp::Lsh, false) => ROp::Sll,
                        (AluOp::Rsh, false) => ROp::Srl,
                        (_, false) => ROp::Sra,
                        (AluOp::Lsh, true) => ROp::Sllw,
                        (AluOp::Rsh, true) => ROp::Srlw,
                        (_, true) => ROp::Sraw,
                    };
                    a.r(r, d, d, rv(s));
                    if w32 {
                        a.zext32(d, d, zba);
                    }
                }
            },
            AluOp::Mul => {
                let s = src_reg(a);
                a.r(if w32 { ROp::Mulw } else { ROp::Mul }, d, d, s);
                if w32 {
                    a.zext32(d, d, zba);
                }
            }
            AluOp::Div | AluOp::SDiv | AluOp::Mod | AluOp::SMod => {
                let is_mod = matches!(op, AluOp::Mod | AluOp::SMod);
                let signed = matches!(op, AluOp::SDiv | AluOp::SMod);
                let r = match (is_mod, signed, w32) {
                    (false, false, false) => ROp::Divu,
                    (false, true, false) => ROp::Div,
                    (true, false, false) => ROp::Remu,
                    (true, true, false) => ROp::Rem,
                    (false, false, true) => ROp::Divuw,
                    (false, true, true) => ROp::Divw,
                    (true, false, true) => ROp::Remuw,
                    (true, true, true) => ROp::Remw,
                };
                match src {
                    // By a constant zero: eBPF gives 0 (div) or the dividend (mod).
                    Operand::Imm(0) => {
                        if !is_mod {
                            a.li(d, 0);
                        } else if w32 {
                            a.zext32(d, d, zba);
                        }
                        return Ok(());
                    }
                    Operand::Imm(i) => {
                        a.li(T2, i as i64);
                        a.r(r, d, d, T2);
                    }
                    Operand::Reg(s) => {
                        let s = rv(s);
                        if is_mod {
                            // RISC-V `rem` by zero gives the dividend, as eBPF wants; and
                            // INT_MIN % -1 gives 0, also as eBPF wants.
                            a.r(r, d, d, s);
                        } else {
                            // `div` by zero gives all ones; eBPF wants 0: mask with
                            // (divisor == 0) - 1. INT_MIN / -1 gives INT_MIN in both.
                            if w32 {
                                a.sext32(T1, s);
                                a.i(IOp::Sltiu, T1, T1, 1)?;
                            } else {
                                a.i(IOp::Sltiu, T1, s, 1)?;
                            }
                            a.r(r, d, d, s);
                            a.i(IOp::Addi, T1, T1, -1)?;
                            a.r(ROp::And, d, d, T1);
                        }
                    }
                }
                if w32 {
                    a.zext32(d, d, zba);
                }
            }
        }
        Ok(())
    }

    fn atomic(&mut self, word: bool, op: AtomicOp, fetch: bool, dst: Reg, src: Reg, off: i64) {
        let zba = self.zba();
        let a = &mut self.a;
        let s = rv(src);
        let addr = if off == 0 {
            rv(dst)
        } else {
            a.add_imm(T1, rv(dst), off);
            T1
        };
        let amo = |op| Inst::Amo {
            op,
            word,
            rd: T2,
            addr,
            rs2: s,
        };
        let (aop, returns) = match op {
            AtomicOp::Add => (AmoOp::Add, fetch),
            AtomicOp::Or => (AmoOp::Or, fetch),
            AtomicOp::And => (AmoOp::And, fetch),
            AtomicOp::Xor => (AmoOp::Xor, fetch),
            AtomicOp::Xchg => (AmoOp::Swap, true),
            AtomicOp::CmpXchg => {
                let r0 = rv(Reg::R0);
                if word {
                    a.sext32(T4, r0);
                } else {
                    a.mv(T4, r0);
                }
                let (retry, done) = (a.label(), a.label());
                a.bind(retry);
                a.push(Inst::Amo {
                    op: AmoOp::Lr,
                    word,
                    rd: T2,
                    addr,
                    rs2: ZERO,
                });
                a.branch(BCond::Ne, T2, T4, done);
                a.push(Inst::Amo {
                    op: AmoOp::Sc,
                    word,
                    rd: T3,
                    addr,
                    rs2: s,
                });
                a.branch(BCond::Ne, T3, ZERO, retry);
                a.bind(done);
                if word {
                    a.zext32(r0, T2, zba);
                } else {
                    a.mv(r0, T2);
                }
                return;
            }
        };
        if returns {
            a.push(amo(aop));
            if word {
                a.zext32(s, T2, zba);
            } else {
                a.mv(s, T2);
            }
        } else {
            a.push(Inst::Amo {
                op: aop,
                word,
                rd: ZERO,
                addr,
                rs2: s,
            });
        }
    }
}

/// Byte-swap the low `n` bytes of `d` without Zbb: gather each byte into `t3` at its mirrored
/// place.
fn bswap(a: &mut Asm, d: XReg, n: u32) -> Result<(), JitError> {
    a.i(IOp::Andi, T3, d, 0xff)?;
    a.sh(ShOp::Slli, T3, T3, 8 * (n - 1));
    for i in 1..n {
        a.sh(ShOp::Srli, T4, d, 8 * i);
        if i < 7 {
            a.i(IOp::Andi, T4, T4, 0xff)?;
        }
        let back = 8 * (n - 1 - i);
        if back != 0 {
            a.sh(ShOp::Slli, T4, T4, back);
        }
        a.r(ROp::Or, T3, T3, T4);
    }
    a.mv(d, T3);
    Ok(())
}

fn mem_size(s: MemSize) -> Size {
    match s {
        MemSize::B => Size::B,
        MemSize::H => Size::H,
        MemSize::W => Size::W,
        MemSize::DW => Size::D,
    }
}
