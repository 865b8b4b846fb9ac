//! The state after an instruction (assertions already proven), and the successor(s) to explore.

use crate::check::{Failure, MAX_PACKET_OFF};
use crate::explore::Env;
use crate::helpers::RetKind;
use crate::scalar::{self, Scalar};
use crate::state::{Frame, RegKind, RegState, SlotByte, StackSlot, State};
use crate::target::CtxLoad;
use ir::insn::{AluOp, AtomicOp, CallTarget, Endian, Insn, JmpCond, LdImm64Src, Operand, Width};
use ir::Reg;

/// Where exploration goes after an instruction.
pub enum Step {
    /// One successor.
    Next(usize),
    /// Two feasible successors: continue at `next` with the updated state, and explore
    /// `other_pc` with `other` later.
    Fork {
        /// Fall-through successor.
        next: usize,
        /// Jump target.
        other_pc: usize,
        /// State at the jump target.
        other: State,
    },
    /// The path ends (exit from the entry function).
    End,
}

/// Fresh ids for pointers and scalars.
pub struct Ids(pub u32);

impl Ids {
    fn fresh(&mut self) -> u32 {
        self.0 += 1;
        self.0
    }
}

/// `ptr + off_reg` (or minus): the pointer with its fixed or variable offset moved. `new_id` is
/// given to a packet pointer whose variable part changes (0 keeps it).
pub fn ptr_plus(ptr: &RegState, off_reg: &RegState, sub: bool, new_id: u32) -> RegState {
    let mut r = *ptr;
    if let Some(c) = off_reg.var.as_const() {
        let c = c as i64;
        let delta = if sub { c.wrapping_neg() } else { c };
        let new_off = ptr.off as i64 + delta;
        if new_off == new_off as i32 as i64 {
            r.off = new_off as i32;
            return r;
        }
    }
    let op = if sub { AluOp::Sub } else { AluOp::Add };
    r.var = ptr.var.alu(op, Width::W64, &off_reg.var);
    if ptr.kind.is_packet() {
        r.id = new_id;
        r.range = 0;
    }
    r
}

fn coerce_load(r: &mut RegState, bytes: u32, signed: bool) {
    if r.kind != RegKind::Scalar || bytes >= 8 {
        return;
    }
    let limit = Scalar::of_load(bytes, signed);
    let v = r.var;
    if let Some(c) = v.as_const() {
        // A known value keeps being known: its low bytes, sign-extended for LDSX.
        let bits = bytes * 8;
        let low = c & ((1u64 << bits) - 1);
        let x = if signed {
            ((low << (64 - bits)) as i64 >> (64 - bits)) as u64
        } else {
            low
        };
        if x != c {
            r.var = Scalar::constant(x);
            r.id = 0;
        }
        return;
    }
    let fits = if signed {
        v.smin >= limit.smin && v.smax <= limit.smax
    } else {
        v.umax <= limit.umax
    };
    if !fits {
        r.var = limit;
        r.id = 0;
    }
}

/// Apply the instruction at `pc` to `st`.
pub fn step(env: &Env, pc: usize, st: &mut State, ids: &mut Ids) -> Result<Step, Failure> {
    let Some(insn) = env.prog.insns.get(pc).copied() else {
        return Err((
            "cfg.fallthrough",
            format!("jump out of range from insn {pc}"),
        ));
    };
    let next = pc + insn.slots();
    match insn {
        Insn::Alu {
            width,
            op,
            dst,
            src,
        } => {
            alu(st, width, op, dst, src, ids);
            Ok(Step::Next(next))
        }
        Insn::MovSx {
            width,
            bits,
            dst,
            src,
        } => {
            let s = *st.reg(src);
            let v = if s.kind == RegKind::Scalar {
                s.var.sext(bits)
            } else {
                Scalar::UNKNOWN
            };
            let v = if width == Width::W32 { v.zext32() } else { v };
            *st.reg_mut(dst) = RegState::scalar(v);
            Ok(Step::Next(next))
        }
        Insn::Neg { width, dst } => {
            let d = *st.reg(dst);
            let v = if d.kind == RegKind::Scalar {
                Scalar::constant(0).alu(AluOp::Sub, width, &d.var)
            } else if width == Width::W32 {
                Scalar::UNKNOWN.zext32()
            } else {
                Scalar::UNKNOWN
            };
            *st.reg_mut(dst) = RegState::scalar(v);
            Ok(Step::Next(next))
        }
        Insn::End { kind, bits, dst } => {
            let d = *st.reg(dst);
            let v = match (kind, d.kind) {
                (Endian::ToLe, RegKind::Scalar) if bits == 64 => d.var,
                _ => Scalar::UNKNOWN,
            };
            *st.reg_mut(dst) = RegState::scalar(v);
            Ok(Step::Next(next))
        }
        Insn::Ja { .. } => Ok(Step::Next(target(pc, &insn))),
        Insn::Jmp {
            width,
            cond,
            dst,
            src,
            ..
        } => cond_jump(env, pc, &insn, st, width, cond, dst, src, next),
        Insn::Load {
            size,
            signed,
            dst,
            src,
            off,
        } => {
            let base = *st.reg(src);
            let bytes = size.bytes();
            let mut val = match base.kind {
                RegKind::Stack => stack_read(env, st, &base, off as i64, bytes),
                RegKind::Ctx if !signed => ctx_load(env, off as i64, bytes),
                _ => RegState::scalar(Scalar::of_load(bytes, signed)),
            };
            // A sign-extending load never yields a pointer.
            if signed && val.kind.is_pointer() {
                val = RegState::scalar(Scalar::of_load(bytes, signed));
            }
            coerce_load(&mut val, bytes, signed);
            *st.reg_mut(dst) = val;
            Ok(Step::Next(next))
        }
        Insn::Store {
            size,
            dst,
            off,
            src,
        } => {
            let base = *st.reg(dst);
            if base.kind == RegKind::Stack {
                let value = match src {
                    Operand::Reg(r) => StoreValue::Reg(*st.reg(r)),
                    Operand::Imm(i) => StoreValue::Imm(i as i64),
                };
                stack_write(st, &base, off as i64, size.bytes(), value);
            }
            Ok(Step::Next(next))
        }
        Insn::Atomic {
            size,
            op,
            fetch,
            dst,
            src,
            off,
        } => {
            let base = *st.reg(dst);
            if base.kind == RegKind::Stack {
                stack_write(st, &base, off as i64, size.bytes(), StoreValue::Unknown);
            }
            let fetched = if size.bytes() == 4 {
                Scalar::UNKNOWN.zext32()
            } else {
                Scalar::UNKNOWN
            };
            if op == AtomicOp::CmpXchg {
                *st.reg_mut(Reg::R0) = RegState::scalar(fetched);
            } else if fetch {
                *st.reg_mut(src) = RegState::scalar(fetched);
            }
            Ok(Step::Next(next))
        }
        Insn::LdImm64 { dst, src, imm } => {
            let r = match src {
                LdImm64Src::MapFd | LdImm64Src::MapIdx => RegState {
                    map: imm as u32,
                    ..RegState::pointer(RegKind::MapPtr)
                },
                LdImm64Src::MapValue | LdImm64Src::MapIdxValue => RegState {
                    map: imm as u32,
                    off: (imm >> 32) as u32 as i32,
                    ..RegState::pointer(RegKind::MapValue)
                },
                _ => RegState::known(imm),
            };
            *st.reg_mut(dst) = r;
            Ok(Step::Next(next))
        }
        Insn::LdImm64Tail => Err(("cfg.ld_imm64.tail", "invalid BPF_LD_IMM insn".into())),
        Insn::LdAbs { size, .. } | Insn::LdInd { size, .. } => {
            for r in 1..=5u8 {
                st.cur_mut().regs[r as usize] = RegState::NOT_INIT;
            }
            *st.reg_mut(Reg::R0) = RegState::scalar(Scalar::of_load(size.bytes(), false));
            Ok(Step::Next(next))
        }
        Insn::Call(CallTarget::Helper(id)) => {
            helper_call(env, st, id, ids);
            Ok(Step::Next(next))
        }
        Insn::Call(CallTarget::Local(_)) => {
            let t = target(pc, &insn);
            let frame_no = st.frames.len() as u8;
            let mut callee = Frame::new(frame_no, Some(pc), t);
            for r in 1..=5 {
                callee.regs[r] = st.cur().regs[r];
            }
            st.frames.push(callee);
            Ok(Step::Next(t))
        }
        Insn::Call(CallTarget::Kfunc { .. }) | Insn::CallX { .. } => {
            Err(("unsupported.call", "unsupported call".into()))
        }
        Insn::Exit => {
            if st.frames.len() == 1 {
                return Ok(Step::End);
            }
            let callee = st
                .frames
                .pop()
                .ok_or(("internal", "no frame".to_string()))?;
            let r0 = callee.regs[0];
            let ret = callee.callsite.map(|c| c + 1).unwrap_or(0);
            let caller = st.cur_mut();
            caller.regs[0] = r0;
            for r in 1..=5 {
                caller.regs[r] = RegState::NOT_INIT;
            }
            Ok(Step::Next(ret))
        }
    }
}

fn target(pc: usize, insn: &Insn) -> usize {
    insn.jump_target(pc).unwrap_or(0).max(0) as usize
}

fn alu(st: &mut State, width: Width, op: AluOp, dst: Reg, src: Operand, ids: &mut Ids) {
    let s = match src {
        Operand::Reg(r) => *st.reg(r),
        Operand::Imm(i) => RegState::known(match width {
            Width::W64 => i as i64 as u64,
            Width::W32 => i as u32 as u64,
        }),
    };
    let d = *st.reg(dst);
    let unknown = match width {
        Width::W64 => RegState::unknown(),
        Width::W32 => RegState::scalar(Scalar::UNKNOWN.zext32()),
    };
    if op == AluOp::Mov {
        let new = match width {
            Width::W64 => {
                if let Operand::Reg(r) = src {
                    if s.kind == RegKind::Scalar && s.id == 0 && s.var.as_const().is_none() {
                        // Link the copies so a later comparison refines both.
                        let id = ids.fresh();
                        st.reg_mut(r).id = id;
                        RegState { id, ..s }
                    } else {
                        s
                    }
                } else {
                    s
                }
            }
            Width::W32 => {
                if s.kind == RegKind::Scalar {
                    RegState::scalar(s.var.zext32())
                } else {
                    unknown
                }
            }
        };
        *st.reg_mut(dst) = new;
        return;
    }
    let result = match (d.kind.is_pointer(), s.kind.is_pointer()) {
        (false, false) => RegState::scalar(d.var.alu(op, width, &s.var)),
        (true, true) => unknown,
        _ if width == Width::W32 => unknown,
        (true, false) => {
            let id = if d.kind.is_packet() && s.var.as_const().is_none() {
                ids.fresh()
            } else {
                0
            };
            ptr_plus(&d, &s, op == AluOp::Sub, id)
        }
        (false, true) => {
            let id = if s.kind.is_packet() && d.var.as_const().is_none() {
                ids.fresh()
            } else {
                0
            };
            ptr_plus(&s, &d, false, id)
        }
    };
    *st.reg_mut(dst) = result;
}

fn ctx_load(env: &Env, off: i64, bytes: u32) -> RegState {
    let field = env.caps.ctx(env.prog.prog_type).and_then(|l| {
        l.fields
            .iter()
            .find(|f| f.off as i64 <= off && off < (f.off + f.size) as i64)
    });
    match field.map(|f| f.load) {
        Some(CtxLoad::Packet) => RegState::pointer(RegKind::Packet),
        Some(CtxLoad::PacketEnd) => RegState::pointer(RegKind::PacketEnd),
        Some(CtxLoad::PacketMeta) => RegState::pointer(RegKind::PacketMeta),
        _ => RegState::scalar(Scalar::of_load(bytes, false)),
    }
}

/// What a store writes.
enum StoreValue {
    Reg(RegState),
    Imm(i64),
    Unknown,
}

fn stack_write(st: &mut State, base: &RegState, off: i64, size: u32, value: StoreValue) {
    let frame = &mut st.frames[base.frame as usize];
    let start = base.off as i64 + off;
    let Some(c) = base.var.as_const() else {
        // Variable offset: every byte it may touch becomes data.
        let lo = start.saturating_add(base.var.smin);
        let hi = start
            .saturating_add(base.var.smax)
            .saturating_add(size as i64);
        for b in lo..hi {
            mark_byte(frame, b, SlotByte::Misc);
        }
        frame.depth = frame.depth.max((-lo).max(0) as u32);
        return;
    };
    let start = start + c as i64;
    frame.depth = frame.depth.max((-start).max(0) as u32);
    let aligned8 = start.rem_euclid(8) == 0;
    // The kernel's `check_stack_write_fixed_off`: a store at an 8-aligned offset spills the
    // whole register (or the sign-extended immediate), zero included and unmasked even when
    // narrower; elsewhere a zero makes zero bytes and anything else plain data. Reads narrow
    // the value again (`coerce_load`).
    let spill = match &value {
        StoreValue::Reg(r) if r.kind.is_pointer() => Some(*r),
        StoreValue::Reg(r) if aligned8 => {
            let mut r = *r;
            if size < 8 {
                r.id = 0;
            }
            Some(r)
        }
        StoreValue::Imm(i) if aligned8 => Some(RegState::known(*i as u64)),
        _ => None,
    };
    let zero = match &value {
        StoreValue::Reg(r) => r.is_known_zero(),
        StoreValue::Imm(i) => *i == 0,
        StoreValue::Unknown => false,
    };
    let (slot, byte) = frame.slot_mut(start);
    if let Some(sp) = spill {
        if size == 8 {
            *slot = StackSlot {
                bytes: [SlotByte::Spill; 8],
                spill: Some(sp),
            };
        } else {
            for i in 0..8 {
                if i < size as usize {
                    slot.bytes[i] = SlotByte::Spill;
                } else if slot.bytes[i] == SlotByte::Spill || slot.bytes[i] == SlotByte::Misc {
                    slot.bytes[i] = SlotByte::Misc;
                }
            }
            slot.spill = Some(sp);
        }
        return;
    }
    let kind = if zero { SlotByte::Zero } else { SlotByte::Misc };
    // A partial write destroys a spilled register in the slot.
    if slot.spill.is_some() {
        for b in slot.bytes.iter_mut() {
            if *b == SlotByte::Spill {
                *b = SlotByte::Misc;
            }
        }
        slot.spill = None;
    }
    for i in 0..size as usize {
        if byte + i < 8 {
            slot.bytes[byte + i] = kind;
        }
    }
}

fn mark_byte(frame: &mut Frame, off: i64, kind: SlotByte) {
    if off >= 0 {
        return;
    }
    let (slot, byte) = frame.slot_mut(off);
    if slot.spill.is_some() {
        for b in slot.bytes.iter_mut() {
            if *b == SlotByte::Spill {
                *b = SlotByte::Misc;
            }
        }
        slot.spill = None;
    }
    slot.bytes[byte] = kind;
}

fn stack_read(_env: &Env, st: &State, base: &RegState, off: i64, size: u32) -> RegState {
    let frame = &st.frames[base.frame as usize];
    let Some(c) = base.var.as_const() else {
        return RegState::unknown();
    };
    let start = base.off as i64 + off + c as i64;
    let Some((slot, byte)) = frame.slot(start) else {
        return RegState::unknown();
    };
    let bytes = &slot.bytes[byte..(byte + size as usize).min(8)];
    if let Some(sp) = slot.spill {
        let spill_width = slot
            .bytes
            .iter()
            .take_while(|b| **b == SlotByte::Spill)
            .count() as u32;
        if byte == 0 && size == spill_width {
            return sp;
        }
        if byte == 0 && size < spill_width && sp.kind == RegKind::Scalar {
            // A narrower fill of a spilled scalar: its low bytes (`coerce_load` narrows).
            let mut r = sp;
            r.id = 0;
            return r;
        }
        // The kernel's `check_stack_read_fixed_off` otherwise: zero only when every byte read
        // is part of a spilled zero or a zero byte.
        if bytes.iter().all(|b| *b == SlotByte::Spill) && sp.is_known_zero() {
            return RegState::known(0);
        }
    }
    if bytes.iter().all(|b| *b == SlotByte::Zero) {
        return RegState::known(0);
    }
    RegState::unknown()
}

/// Helper id of `bpf_map_lookup_elem`.
const LOOKUP_ELEM: i32 = 1;

/// The kernel's `get_constant_map_key`: the key at `key` is known when its `key_size` bytes
/// are zero bytes of one slot, or when they are exactly the bytes of a spilled scalar constant
/// (then the whole spilled value is the key — a wider or narrower spill does not count).
fn constant_map_key(st: &State, key: &RegState, key_size: u32) -> Option<u64> {
    if key.kind != RegKind::Stack {
        return None;
    }
    let start = key.off as i64 + key.var.as_const()? as i64;
    let (slot, byte) = st.frames.get(key.frame as usize)?.slot(start)?;
    let from_key = &slot.bytes[byte..];
    let zeros = from_key
        .iter()
        .take_while(|b| **b == SlotByte::Zero)
        .count();
    if zeros >= key_size as usize {
        return Some(0);
    }
    let sp = slot
        .spill
        .filter(|sp| sp.kind == RegKind::Scalar && slot.bytes[0] == SlotByte::Spill)?;
    let spilled = from_key
        .iter()
        .take_while(|b| **b == SlotByte::Spill)
        .count();
    if spilled != key_size as usize {
        return None;
    }
    sp.var.as_const()
}

fn helper_call(env: &Env, st: &mut State, id: i32, ids: &mut Ids) {
    let Some(proto) = env.caps.helper(env.prog.prog_type, id).copied() else {
        return;
    };
    let map = st.reg(Reg::R1).map;
    // `bpf_map_lookup_elem` on an array with a constant in-range key cannot return NULL
    // (privileged loaders only, as the kernel's `bpf_capable`).
    let never_null = id == LOOKUP_ELEM
        && !env.opts.unprivileged
        && env.prog.maps.get(map as usize).is_some_and(|m| {
            matches!(m.map_type, ir::MapType::Array | ir::MapType::PercpuArray)
                && constant_map_key(st, st.reg(Reg::R2), m.key_size)
                    .is_some_and(|k| (k as i64) >= 0 && k < m.max_entries as u64)
        });
    // Memory arguments a helper writes become data.
    for (i, arg) in proto.args.iter().enumerate() {
        if matches!(
            arg,
            crate::helpers::ArgKind::UninitMem | crate::helpers::ArgKind::MemRw
        ) {
            let r = *st.reg(Reg::new(i as u8 + 1).unwrap_or(Reg::R1));
            let size = st.reg(Reg::new(i as u8 + 2).unwrap_or(Reg::R2)).var.umax;
            if r.kind == RegKind::Stack {
                if let Some(c) = r.var.as_const() {
                    let start = r.off as i64 + c as i64;
                    let frame = &mut st.frames[r.frame as usize];
                    for b in start..start + size as i64 {
                        mark_byte(frame, b, SlotByte::Misc);
                    }
                    frame.depth = frame.depth.max((-start).max(0) as u32);
                }
            }
        }
    }
    for r in 1..=5 {
        st.cur_mut().regs[r] = RegState::NOT_INIT;
    }
    st.cur_mut().regs[0] = match proto.ret {
        RetKind::Integer => RegState::unknown(),
        RetKind::Void => RegState::NOT_INIT,
        RetKind::MapValueOrNull if never_null => RegState {
            map,
            ..RegState::pointer(RegKind::MapValue)
        },
        RetKind::MapValueOrNull => RegState {
            id: ids.fresh(),
            map,
            ..RegState::pointer(RegKind::MapValueOrNull)
        },
    };
    if proto.changes_pkt_data {
        st.for_each_reg(|r| {
            if matches!(
                r.kind,
                RegKind::Packet | RegKind::PacketMeta | RegKind::PacketEnd
            ) {
                *r = RegState::unknown();
            }
        });
    }
}

#[allow(clippy::too_many_arguments)]
fn cond_jump(
    _env: &Env,
    pc: usize,
    insn: &Insn,
    st: &mut State,
    width: Width,
    cond: JmpCond,
    dst: Reg,
    src: Operand,
    next: usize,
) -> Result<Step, Failure> {
    let taken_pc = target(pc, insn);
    let a = *st.reg(dst);
    let b = match src {
        Operand::Reg(r) => *st.reg(r),
        Operand::Imm(i) => RegState::known(match width {
            Width::W64 => i as i64 as u64,
            Width::W32 => i as u32 as u64,
        }),
    };
    let src_reg = match src {
        Operand::Reg(r) => Some(r),
        Operand::Imm(_) => None,
    };
    // Scalars: refine both sides.
    if a.kind == RegKind::Scalar && b.kind == RegKind::Scalar {
        let (t, f) = scalar::refine(cond, width, &a.var, &b.var);
        let apply = |st: &mut State, (na, nb): (Scalar, Scalar)| {
            set_scalar(st, dst, na);
            if let Some(r) = src_reg {
                set_scalar(st, r, nb);
            }
        };
        return Ok(match (t, f) {
            (Some(t), Some(f)) => {
                let mut other = st.clone();
                apply(&mut other, t);
                apply(st, f);
                Step::Fork {
                    next,
                    other_pc: taken_pc,
                    other,
                }
            }
            (Some(t), None) => {
                apply(st, t);
                Step::Next(taken_pc)
            }
            (None, Some(f)) => {
                apply(st, f);
                Step::Next(next)
            }
            (None, None) => Step::End,
        });
    }
    // Pointer compared with zero.
    let b_zero = b.is_known_zero();
    if width == Width::W64 && b_zero && matches!(cond, JmpCond::Eq | JmpCond::Ne) {
        if a.kind == RegKind::MapValueOrNull {
            let mut other = st.clone();
            let (null_side, ok_side) = if cond == JmpCond::Eq {
                (&mut other, st)
            } else {
                (st, &mut other)
            };
            mark_null(null_side, a.id, true);
            mark_null(ok_side, a.id, false);
            return Ok(Step::Fork {
                next,
                other_pc: taken_pc,
                other,
            });
        }
        // The kernel's `reg_not_null`: only these pointers are never NULL for the branch
        // decision; ctx, stack and packet pointers are compared like unknown values, so both
        // ways are explored.
        if matches!(a.kind, RegKind::MapValue | RegKind::MapPtr) {
            return Ok(Step::Next(if cond == JmpCond::Ne {
                taken_pc
            } else {
                next
            }));
        }
    }
    // Packet pointer against packet end (or meta against data).
    if width == Width::W64 {
        let mut other = st.clone();
        if pkt_ranges(&a, &b, cond, st, &mut other) {
            return Ok(Step::Fork {
                next,
                other_pc: taken_pc,
                other,
            });
        }
    }
    let other = st.clone();
    Ok(Step::Fork {
        next,
        other_pc: taken_pc,
        other,
    })
}

/// Write a refined scalar into `r` and every register linked to it by id.
fn set_scalar(st: &mut State, r: Reg, v: Scalar) {
    let old = *st.reg(r);
    if old.kind != RegKind::Scalar {
        return;
    }
    if old.id != 0 {
        let id = old.id;
        st.for_each_reg(|x| {
            if x.kind == RegKind::Scalar && x.id == id {
                x.var = v;
            }
        });
    }
    st.reg_mut(r).var = v;
}

fn mark_null(st: &mut State, id: u32, is_null: bool) {
    st.for_each_reg(|r| {
        if r.kind == RegKind::MapValueOrNull && r.id == id {
            if is_null {
                *r = RegState::known(0);
            } else {
                r.kind = RegKind::MapValue;
                r.id = 0;
            }
        }
    });
}

/// The kernel's `try_match_pkt_pointers`: `fall` is the fall-through state, `taken` the jump's.
fn pkt_ranges(
    a: &RegState,
    b: &RegState,
    cond: JmpCond,
    fall: &mut State,
    taken: &mut State,
) -> bool {
    let data_vs_end = |p: &RegState, e: &RegState| {
        (p.kind == RegKind::Packet && e.kind == RegKind::PacketEnd)
            || (p.kind == RegKind::PacketMeta
                && e.kind == RegKind::Packet
                && e.off == 0
                && e.var.as_const() == Some(0))
    };
    // (pointer, its "<= end" side is fall-through?, right_open)
    let (ptr, good_in_fall, right_open) = if data_vs_end(a, b) {
        match cond {
            JmpCond::Gt => (a, true, false),
            JmpCond::Lt => (a, false, true),
            JmpCond::Ge => (a, true, true),
            JmpCond::Le => (a, false, false),
            _ => return false,
        }
    } else if data_vs_end(b, a) {
        match cond {
            JmpCond::Gt => (b, false, true),
            JmpCond::Lt => (b, true, false),
            JmpCond::Ge => (b, false, false),
            JmpCond::Le => (b, true, true),
            _ => return false,
        }
    } else {
        return false;
    };
    let target = if good_in_fall { fall } else { taken };
    find_good_pkt_pointers(target, ptr, right_open);
    true
}

fn find_good_pkt_pointers(st: &mut State, ptr: &RegState, right_open: bool) {
    if ptr.off < 0 {
        return;
    }
    if ptr.var.umax > MAX_PACKET_OFF || ptr.var.umax + ptr.off as u64 > MAX_PACKET_OFF {
        return;
    }
    let new_range = if right_open {
        ptr.off as u32 + 1
    } else {
        ptr.off as u32
    };
    let (kind, id) = (ptr.kind, ptr.id);
    st.for_each_reg(|r| {
        if r.kind == kind && r.id == id {
            r.range = r.range.max(new_range);
        }
    });
}
