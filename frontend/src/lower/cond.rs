//! Conditions, tests and pcap arithmetic to instructions.

use super::emit::Label;
use super::known::Known;
use super::{Lowerer, DATA, DATA_END, MAX_TEMPS, SLOT_SET_KEY, SLOT_TEMPS};
use crate::ruleset::{
    ArithOp, Base, Cmp, Cond, Expr, Field, Match, RelOp, Span, Test, PROTOCHAIN_MAX_HOPS,
};
use ir::insn::{AluOp, CallTarget, Insn, JmpCond, MemSize, Operand, Reg, Width};
use ir::program::{MapDef, MapType};

/// Largest variable offset allowed into the packet (larger means past any real packet).
const MAX_VAR_OFFSET: i32 = 0x7fff;

fn mem_size(n: u32) -> MemSize {
    match n {
        1 => MemSize::B,
        2 => MemSize::H,
        4 => MemSize::W,
        _ => MemSize::DW,
    }
}

/// The value of an expression made of constants only, folded as [`crate::eval`] computes it
/// (`None` for anything else, or when it divides by zero: that aborts at run time).
fn constant_value(e: &Expr) -> Option<u32> {
    match e {
        Expr::Const(k) => Some(*k),
        Expr::Neg(a) => Some(constant_value(a)?.wrapping_neg()),
        Expr::Bin(op, a, b) => op.apply(constant_value(a)?, constant_value(b)?),
        Expr::Len | Expr::Load { .. } => None,
    }
}

fn jmp_cond(op: RelOp) -> JmpCond {
    match op {
        RelOp::Eq => JmpCond::Eq,
        RelOp::Ne => JmpCond::Ne,
        RelOp::Lt => JmpCond::Lt,
        RelOp::Le => JmpCond::Le,
        RelOp::Gt => JmpCond::Gt,
        RelOp::Ge => JmpCond::Ge,
    }
}

impl Lowerer<'_> {
    /// Jump to `t` when `c` holds, to `f` when not, to `abort` on a read past the end. Starts
    /// from the facts in `self.known`; returns the facts that hold at `t` and at `f` (`None`
    /// for an exit no path takes).
    pub(crate) fn cond(
        &mut self,
        c: &Cond,
        t: Label,
        f: Label,
        abort: Label,
    ) -> Result<(Option<Known>, Option<Known>), super::LowerError> {
        let entry = self.known.clone();
        Ok(match c {
            Cond::True => {
                self.e.ja(t);
                (Some(entry), None)
            }
            Cond::False => {
                self.e.ja(f);
                (None, Some(entry))
            }
            Cond::Not(inner) => {
                let (on_t, on_f) = self.cond(inner, f, t, abort)?;
                (on_f, on_t)
            }
            Cond::All(cs) => {
                let Some((last, init)) = cs.split_last() else {
                    self.e.ja(t);
                    return Ok((Some(entry), None));
                };
                let mut on_f = None;
                for part in init {
                    let next = self.e.label();
                    let (pt, pf) = self.cond(part, next, f, abort)?;
                    on_f = Known::meet(on_f, pf);
                    self.e.bind(next);
                    self.known = pt.unwrap_or_else(|| entry.clone());
                }
                let (pt, pf) = self.cond(last, t, f, abort)?;
                (pt, Known::meet(on_f, pf))
            }
            Cond::Any(cs) => {
                if let Some(u) = super::intervals::IntervalUnion::of(cs) {
                    let decided = cs
                        .iter()
                        .any(|c| matches!(c, Cond::Match(m) if entry.decide(m).is_some()));
                    if !decided {
                        return self.interval_search(&u, t, f, abort, entry);
                    }
                }
                let Some((last, init)) = cs.split_last() else {
                    self.e.ja(f);
                    return Ok((None, Some(entry)));
                };
                let mut on_t = None;
                for part in init {
                    let next = self.e.label();
                    let (pt, pf) = self.cond(part, t, next, abort)?;
                    on_t = Known::meet(on_t, pt);
                    self.e.bind(next);
                    self.known = pf.unwrap_or_else(|| entry.clone());
                }
                let (pt, pf) = self.cond(last, t, f, abort)?;
                (Known::meet(on_t, pt), pf)
            }
            Cond::Match(m) => {
                if let Some(holds) = entry.decide(m) {
                    if holds {
                        self.e.ja(t);
                        return Ok((Some(entry), None));
                    }
                    self.e.ja(f);
                    return Ok((None, Some(entry)));
                }
                self.test(m, t, f, abort)?;
                // Bounds checked by the test hold on both exits, except where the test's own
                // control flow is not straight-line (sets, protochain).
                let len = match &m.test {
                    Test::Field {
                        cmp: Cmp::InSet(_), ..
                    }
                    | Test::Protochain { .. } => entry.len,
                    _ => self.known.len.max(entry.len),
                };
                let base = Known {
                    len,
                    eqs: entry.eqs.clone(),
                };
                (
                    Some(base.clone().with(Known::fact(m, true))),
                    Some(base.with(Known::fact(m, false))),
                )
            }
        })
    }

    fn test(
        &mut self,
        m: &Match,
        t: Label,
        f: Label,
        abort: Label,
    ) -> Result<(), super::LowerError> {
        match &m.test {
            Test::Field { field, mask, cmp } => {
                self.field_test(*field, *mask, cmp, m.span, t, f, abort)
            }
            Test::Relation { op, lhs, rhs } => {
                self.expr(lhs, 0, m.span, abort)?;
                if let Expr::Const(k) = rhs {
                    self.e
                        .jmp_const(jmp_cond(*op), Reg::R0, *k as u64, Reg::R1, t);
                } else {
                    self.spill(0, m.span)?;
                    self.expr(rhs, 1, m.span, abort)?;
                    self.e.mov_reg(Reg::R1, Reg::R0);
                    self.unspill(Reg::R0, 0);
                    self.e.jmp(jmp_cond(*op), Reg::R0, Operand::Reg(Reg::R1), t);
                }
                self.e.ja(f);
                Ok(())
            }
            Test::Protochain { tags, ip6, proto } => {
                self.protochain(*tags, *ip6, *proto, t, f, abort);
                Ok(())
            }
        }
    }

    /// A register holding a packet pointer and a constant offset such that the `size` bytes at
    /// `reg + off` are inside the packet (else jump to `abort`); `None` when the read can never
    /// be inside (an unconditional jump to `abort` was emitted).
    fn field_ptr(
        &mut self,
        base: Base,
        offset: u32,
        size: u32,
        span: Span,
        abort: Label,
    ) -> Result<Option<(Reg, i16)>, super::LowerError> {
        // A read ending past MAX_VAR_OFFSET is past any packet the program can see directly.
        let worst_end = base.constant_offset() as u64 + 60 + offset as u64 + size as u64;
        if worst_end > MAX_VAR_OFFSET as u64 {
            let _ = span;
            self.e.ja(abort);
            return Ok(None);
        }
        match base {
            Base::Ipv4Payload { tags } => {
                let net = Base::net_offset(tags);
                self.check_const(net + 1, abort);
                self.e.ldx(MemSize::B, Reg::R2, DATA, net as i16);
                self.e.alu64(AluOp::And, Reg::R2, Operand::Imm(0x0f));
                self.e.alu64(AluOp::Lsh, Reg::R2, Operand::Imm(2));
                self.e.alu64(AluOp::Add, Reg::R2, Operand::Reg(DATA));
                let off = net + offset;
                let end = off + size;
                self.e.mov_reg(Reg::R1, Reg::R2);
                self.e.alu64(AluOp::Add, Reg::R1, Operand::Imm(end as i32));
                self.e
                    .jmp(JmpCond::Gt, Reg::R1, Operand::Reg(DATA_END), abort);
                Ok(Some((Reg::R2, off as i16)))
            }
            _ => {
                let off = base.constant_offset() + offset;
                self.check_const(off + size, abort);
                Ok(Some((DATA, off as i16)))
            }
        }
    }

    /// `if data + end > data_end goto abort`, unless a dominating check already proved it.
    fn check_const(&mut self, end: u32, abort: Label) {
        if end <= self.known.len {
            return;
        }
        self.known.len = end;
        self.e.mov_reg(Reg::R1, DATA);
        self.e.alu64(AluOp::Add, Reg::R1, Operand::Imm(end as i32));
        self.e
            .jmp(JmpCond::Gt, Reg::R1, Operand::Reg(DATA_END), abort);
    }

    /// `dst = big-endian value of the size (1..=8) bytes at ptr + off`.
    fn load_be(&mut self, dst: Reg, ptr: Reg, off: i16, size: u32) {
        let mut done = 0u32;
        let mut first = true;
        while done < size {
            let left = size - done;
            let chunk = [8u32, 4, 2, 1]
                .into_iter()
                .find(|c| *c <= left)
                .unwrap_or(1);
            let r = if first { dst } else { Reg::R3 };
            self.e.ldx(mem_size(chunk), r, ptr, off + done as i16);
            if chunk > 1 {
                self.e.byte_swap_be(r, (chunk * 8) as u8);
            }
            if !first {
                self.e
                    .alu64(AluOp::Lsh, dst, Operand::Imm((chunk * 8) as i32));
                self.e.alu64(AluOp::Or, dst, Operand::Reg(Reg::R3));
            }
            first = false;
            done += chunk;
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn field_test(
        &mut self,
        field: Field,
        mask: Option<u128>,
        cmp: &Cmp,
        span: Span,
        t: Label,
        f: Label,
        abort: Label,
    ) -> Result<(), super::LowerError> {
        let size = field.size as u32;
        if let Cmp::InSet(s) = cmp {
            let set = &self.rs.sets[*s];
            let use_map = self.opts.hash_maps && set.values.len() > self.opts.set_map_threshold;
            if !use_map {
                // Small set: a chain of equality tests.
                let mut alternatives = Vec::new();
                for v in &set.values {
                    alternatives.push(Cond::Match(Match {
                        test: Test::Field {
                            field,
                            mask,
                            cmp: Cmp::Eq(*v),
                        },
                        span,
                    }));
                }
                return self.cond(&Cond::Any(alternatives), t, f, abort).map(|_| ());
            }
            return self.set_lookup(*s, field, mask, span, t, f, abort);
        }
        let Some((ptr, off)) =
            self.field_ptr(field.base, field.offset as u32, size, span, abort)?
        else {
            return Ok(());
        };
        if size > 8 {
            // Wide fields (IPv6 addresses): equality only, high part then low 8 bytes.
            let (k, ne) = match cmp {
                Cmp::Eq(k) => (*k, false),
                Cmp::Ne(k) => (*k, true),
                _ => {
                    return Err(self
                        .unsupported(span, format!("ordering comparison on a {size}-byte field")))
                }
            };
            let m = mask.unwrap_or(u128::MAX) & field.full_mask();
            let (when_eq, when_ne) = if ne { (f, t) } else { (t, f) };
            if k & !m != 0 {
                // Bits the mask clears (or beyond the field) can never match.
                self.e.ja(when_ne);
                return Ok(());
            }
            let hi_size = size - 8;
            self.load_be(Reg::R0, ptr, off, hi_size);
            let mhi = (m >> 64) as u64;
            if mhi != u64::MAX {
                self.e.load_const(Reg::R4, mhi);
                self.e.alu64(AluOp::And, Reg::R0, Operand::Reg(Reg::R4));
            }
            self.e.jmp_const(
                JmpCond::Ne,
                Reg::R0,
                ((k & m) >> 64) as u64,
                Reg::R4,
                when_ne,
            );
            self.load_be(Reg::R0, ptr, off + hi_size as i16, 8);
            let mlo = m as u64;
            if mlo != u64::MAX {
                self.e.load_const(Reg::R4, mlo);
                self.e.alu64(AluOp::And, Reg::R0, Operand::Reg(Reg::R4));
            }
            self.e
                .jmp_const(JmpCond::Ne, Reg::R0, (k & m) as u64, Reg::R4, when_ne);
            self.e.ja(when_eq);
            return Ok(());
        }
        let full = field.full_mask();
        if let (2 | 4, Cmp::Eq(k) | Cmp::Ne(k)) = (size, cmp) {
            if *k <= full {
                // Equality needs no byte swap: compare the little-endian load (eBPF loads are
                // little-endian on every target we emit for) with the swapped constant.
                let swap = |v: u128| -> i64 {
                    if size == 2 {
                        (v as u16).swap_bytes() as i64
                    } else {
                        (v as u32).swap_bytes() as i64
                    }
                };
                let eq = matches!(cmp, Cmp::Eq(_));
                let m = mask.unwrap_or(u128::MAX) & full;
                if k & !m != 0 {
                    // Bits the mask clears can never be set.
                    self.e.ja(if eq { f } else { t });
                    return Ok(());
                }
                self.e.ldx(mem_size(size), Reg::R0, ptr, off);
                if m != full {
                    let sm = swap(m);
                    if sm <= i32::MAX as i64 {
                        self.e.alu64(AluOp::And, Reg::R0, Operand::Imm(sm as i32));
                    } else {
                        self.e.load_const(Reg::R4, sm as u64);
                        self.e.alu64(AluOp::And, Reg::R0, Operand::Reg(Reg::R4));
                    }
                }
                let cond = if eq { JmpCond::Eq } else { JmpCond::Ne };
                self.e
                    .jmp_const(cond, Reg::R0, swap(k & m) as u64, Reg::R4, t);
                self.e.ja(f);
                return Ok(());
            }
        }
        self.load_be(Reg::R0, ptr, off, size);
        self.and_mask(field, mask);
        // Constants wider than the field can never be equal / are always greater.
        let clamp = |k: u128| -> Option<u64> { u64::try_from(k).ok() };
        match cmp {
            Cmp::Range(lo, hi) => {
                // One branch, not two: `lo <= v <= hi` iff `v - lo <= hi - lo` (unsigned,
                // wrapping). Every branch to the same place is one more state the kernel
                // verifier keeps pending, and it keeps at most 8192 (see `super` docs).
                let hi = clamp(*hi).unwrap_or(u64::MAX);
                match clamp(*lo) {
                    Some(lo) if lo <= hi => self.in_interval(lo, hi, t, f),
                    _ => self.e.ja(f),
                }
            }
            // Sets were handled above.
            Cmp::InSet(_) => self.e.ja(f),
            _ => {
                let (cond, k) = match cmp {
                    Cmp::Eq(k) => (JmpCond::Eq, *k),
                    Cmp::Ne(k) => (JmpCond::Ne, *k),
                    Cmp::Lt(k) => (JmpCond::Lt, *k),
                    Cmp::Le(k) => (JmpCond::Le, *k),
                    Cmp::Gt(k) => (JmpCond::Gt, *k),
                    Cmp::Ge(k) => (JmpCond::Ge, *k),
                    _ => (JmpCond::Eq, 0),
                };
                match clamp(k) {
                    Some(k) => self.e.jmp_const(cond, Reg::R0, k, Reg::R4, t),
                    None => {
                        // k > any 64-bit value: only Ne, Lt, Le hold.
                        if matches!(cond, JmpCond::Ne | JmpCond::Lt | JmpCond::Le) {
                            self.e.ja(t);
                        }
                    }
                }
                self.e.ja(f);
            }
        }
        Ok(())
    }

    /// `r0 &= mask` (of a field of at most 8 bytes), unless it keeps every bit of the field.
    fn and_mask(&mut self, field: Field, mask: Option<u128>) {
        let full = field.full_mask();
        if let Some(m) = mask {
            let m = (m & full) as u64;
            if m as u128 != full {
                if m <= i32::MAX as u64 {
                    self.e.alu64(AluOp::And, Reg::R0, Operand::Imm(m as i32));
                } else {
                    self.e.load_const(Reg::R4, m);
                    self.e.alu64(AluOp::And, Reg::R0, Operand::Reg(Reg::R4));
                }
            }
        }
    }

    /// `r0 =` the value of a field of at most 8 bytes after its mask; `false` when it can never
    /// be read (an unconditional jump to `abort` was emitted instead).
    pub(super) fn load_field(
        &mut self,
        field: Field,
        mask: Option<u128>,
        span: Span,
        abort: Label,
    ) -> Result<bool, super::LowerError> {
        let size = field.size as u32;
        let Some((ptr, off)) =
            self.field_ptr(field.base, field.offset as u32, size, span, abort)?
        else {
            return Ok(false);
        };
        self.load_be(Reg::R0, ptr, off, size);
        self.and_mask(field, mask);
        Ok(true)
    }

    /// `if lo <= r0 <= hi goto t else goto f` with one conditional branch (clobbers r0, r4).
    fn in_interval(&mut self, lo: u64, hi: u64, t: Label, f: Label) {
        if lo != 0 {
            if lo <= i32::MAX as u64 {
                self.e.alu64(AluOp::Sub, Reg::R0, Operand::Imm(lo as i32));
            } else {
                self.e.load_const(Reg::R4, lo);
                self.e.alu64(AluOp::Sub, Reg::R0, Operand::Reg(Reg::R4));
            }
        }
        if hi - lo != u64::MAX {
            self.e.jmp_const(JmpCond::Gt, Reg::R0, hi - lo, Reg::R4, f);
        }
        self.e.ja(t);
    }

    /// Set membership through a HASH map keyed by the field's (masked) bytes.
    #[allow(clippy::too_many_arguments)]
    fn set_lookup(
        &mut self,
        s: usize,
        field: Field,
        mask: Option<u128>,
        span: Span,
        t: Label,
        f: Label,
        abort: Label,
    ) -> Result<(), super::LowerError> {
        let size = field.size as u32;
        if self.rs.sets[s].size != field.size {
            return Err(self.unsupported(
                span,
                format!(
                    "a {size}-byte field tested against set '{}' of {}-byte values",
                    self.rs.sets[s].name, self.rs.sets[s].size
                ),
            ));
        }
        let map = match self.set_maps[s] {
            Some(m) => m,
            None => {
                let set = &self.rs.sets[s];
                let idx = self.maps.len();
                let mut def = MapDef::new(
                    set.name.clone(),
                    MapType::Hash,
                    size,
                    1,
                    set.values.len().max(1) as u32,
                );
                // Keys are the field's bytes (after the mask, in every use of the set): a
                // value wider than the field can never be found, and truncating it to the key
                // size would be wrong.
                let keep = field.full_mask();
                def.initial_entries = set
                    .values
                    .iter()
                    .filter(|v| *v & !keep == 0)
                    .map(|v| {
                        let be = v.to_be_bytes();
                        (be[16 - size as usize..].to_vec(), vec![1u8])
                    })
                    .collect();
                self.maps.push(def);
                self.set_maps[s] = Some(idx);
                idx
            }
        };
        let Some((ptr, off)) =
            self.field_ptr(field.base, field.offset as u32, size, span, abort)?
        else {
            return Ok(());
        };
        let m = mask.unwrap_or(u128::MAX).to_be_bytes();
        let mbytes = &m[16 - size as usize..];
        for i in 0..size {
            self.e.ldx(MemSize::B, Reg::R0, ptr, off + i as i16);
            let mb = mbytes[i as usize];
            if mb != 0xff {
                self.e.alu64(AluOp::And, Reg::R0, Operand::Imm(mb as i32));
            }
            self.e
                .stx(MemSize::B, Reg::R10, SLOT_SET_KEY + i as i16, Reg::R0);
        }
        self.e.load_map(Reg::R1, map);
        self.e.mov_reg(Reg::R2, Reg::R10);
        self.e
            .alu64(AluOp::Add, Reg::R2, Operand::Imm(SLOT_SET_KEY as i32));
        self.e.push(Insn::Call(CallTarget::Helper(1)));
        self.e.jmp(JmpCond::Ne, Reg::R0, Operand::Imm(0), t);
        self.e.ja(f);
        Ok(())
    }

    fn temp_slot(d: usize) -> i16 {
        SLOT_TEMPS - 8 * d as i16
    }

    fn spill(&mut self, d: usize, span: Span) -> Result<(), super::LowerError> {
        if d >= MAX_TEMPS {
            return Err(self.unsupported(span, "arithmetic expression nested too deeply"));
        }
        self.e
            .stx(MemSize::DW, Reg::R10, Self::temp_slot(d), Reg::R0);
        Ok(())
    }

    fn unspill(&mut self, dst: Reg, d: usize) {
        self.e.ldx(MemSize::DW, dst, Reg::R10, Self::temp_slot(d));
    }

    /// pcap arithmetic into r0 (a zero-extended u32); temps at depth `d` and deeper.
    fn expr(
        &mut self,
        ex: &Expr,
        d: usize,
        span: Span,
        abort: Label,
    ) -> Result<(), super::LowerError> {
        match ex {
            Expr::Const(k) => self.e.load_const(Reg::R0, *k as u64),
            Expr::Len => {
                self.packet_len(Reg::R0);
                self.e.alu32(AluOp::Mov, Reg::R0, Operand::Reg(Reg::R0));
            }
            Expr::Neg(a) => {
                self.expr(a, d, span, abort)?;
                self.e.push(Insn::Neg {
                    width: Width::W32,
                    dst: Reg::R0,
                });
            }
            Expr::Load { base, offset, size } => {
                let size = *size as u32;
                if let Expr::Const(k) = **offset {
                    if let Some((ptr, off)) = self.field_ptr(*base, k, size, span, abort)? {
                        self.load_be(Reg::R0, ptr, off, size);
                        self.bound_swapped(size);
                    }
                    return Ok(());
                }
                self.expr(offset, d, span, abort)?;
                self.e
                    .jmp(JmpCond::Gt, Reg::R0, Operand::Imm(MAX_VAR_OFFSET), abort);
                let net = match base {
                    Base::Frame => 0,
                    Base::Net { tags } | Base::Ipv4Payload { tags } => Base::net_offset(*tags),
                    Base::Ipv6Payload { tags } => Base::net_offset(*tags) + 40,
                };
                if let Base::Ipv4Payload { tags } = base {
                    let n = Base::net_offset(*tags);
                    self.check_const(n + 1, abort);
                    self.e.ldx(MemSize::B, Reg::R3, DATA, n as i16);
                    self.e.alu64(AluOp::And, Reg::R3, Operand::Imm(0x0f));
                    self.e.alu64(AluOp::Lsh, Reg::R3, Operand::Imm(2));
                    self.e.alu64(AluOp::Add, Reg::R0, Operand::Reg(Reg::R3));
                }
                self.e.mov_reg(Reg::R2, DATA);
                self.e.alu64(AluOp::Add, Reg::R2, Operand::Reg(Reg::R0));
                self.e.mov_reg(Reg::R1, Reg::R2);
                self.e
                    .alu64(AluOp::Add, Reg::R1, Operand::Imm((net + size) as i32));
                self.e
                    .jmp(JmpCond::Gt, Reg::R1, Operand::Reg(DATA_END), abort);
                self.load_be(Reg::R0, Reg::R2, net as i16, size);
                self.bound_swapped(size);
            }
            Expr::Bin(op, a, b) => {
                self.expr(a, d, span, abort)?;
                let rhs_const = constant_value(b);
                match rhs_const {
                    Some(k) => self.e.load_const(Reg::R1, k as u64),
                    None => {
                        self.spill(d, span)?;
                        self.expr(b, d + 1, span, abort)?;
                        self.e.mov_reg(Reg::R1, Reg::R0);
                        self.unspill(Reg::R0, d);
                    }
                }
                self.arith(*op, rhs_const.is_some(), abort);
            }
        }
        Ok(())
    }

    /// For a target that needs it ([`ir::codegen::CodegenProfile::bound_byte_swaps`]): after
    /// `load_be` of `size` bytes into r0, tell the verifier what the byte swap leaves unknown,
    /// that the value has `size` bytes (`w0 &= 0xffff` zero-extends too; `w0 = w0` bounds to
    /// u32).
    fn bound_swapped(&mut self, size: u32) {
        if !self.opts.codegen.bound_byte_swaps {
            return;
        }
        match size {
            2 => self.e.alu32(AluOp::And, Reg::R0, Operand::Imm(0xffff)),
            4 => self.e.alu32(AluOp::Mov, Reg::R0, Operand::Reg(Reg::R0)),
            _ => {}
        }
    }

    /// For a target that needs it ([`ir::codegen::CodegenProfile::bound_quotients`]): the
    /// verifier does not track division (the kernel marks even a 32-bit quotient unknown in all
    /// 64 bits), so a quotient multiplied or divided again would be refused; `w0 = w0` tells it
    /// the value is a u32.
    fn bound_quotient(&mut self) {
        if self.opts.codegen.bound_quotients {
            self.e.alu32(AluOp::Mov, Reg::R0, Operand::Reg(Reg::R0));
        }
    }

    /// `r0 = r0 OP r1` with pcap's rules: 32-bit, division/modulo by zero aborts, shifts by 32
    /// or more give 0.
    ///
    /// For a target without MOD ([`ir::codegen::CodegenProfile::has_mod`]), `x % k` by a
    /// constant (`by_constant`: r1 holds it) is `x - x / k * k` (its DIV by a constant and MUL
    /// of u32 values are allowed).
    fn arith(&mut self, op: ArithOp, by_constant: bool, abort: Label) {
        let alu = match op {
            ArithOp::Add => AluOp::Add,
            ArithOp::Sub => AluOp::Sub,
            ArithOp::Mul => AluOp::Mul,
            ArithOp::Div => AluOp::Div,
            ArithOp::Mod => AluOp::Mod,
            ArithOp::And => AluOp::And,
            ArithOp::Or => AluOp::Or,
            ArithOp::Xor => AluOp::Xor,
            ArithOp::Shl => AluOp::Lsh,
            ArithOp::Shr => AluOp::Rsh,
        };
        match op {
            ArithOp::Mod if by_constant && !self.opts.codegen.has_mod => {
                self.e.jmp(JmpCond::Eq, Reg::R1, Operand::Imm(0), abort);
                self.e.alu32(AluOp::Mov, Reg::R2, Operand::Reg(Reg::R0));
                self.e.alu32(AluOp::Div, Reg::R0, Operand::Reg(Reg::R1));
                self.bound_quotient();
                self.e.alu32(AluOp::Mul, Reg::R0, Operand::Reg(Reg::R1));
                self.e.alu32(AluOp::Sub, Reg::R2, Operand::Reg(Reg::R0));
                self.e.alu32(AluOp::Mov, Reg::R0, Operand::Reg(Reg::R2));
            }
            ArithOp::Div | ArithOp::Mod => {
                self.e.jmp(JmpCond::Eq, Reg::R1, Operand::Imm(0), abort);
                self.e.alu32(alu, Reg::R0, Operand::Reg(Reg::R1));
                self.bound_quotient();
            }
            ArithOp::Shl | ArithOp::Shr => {
                let big = self.e.label();
                let done = self.e.label();
                self.e.jmp(JmpCond::Gt, Reg::R1, Operand::Imm(31), big);
                self.e.alu32(alu, Reg::R0, Operand::Reg(Reg::R1));
                self.e.ja(done);
                self.e.bind(big);
                self.e.mov_imm(Reg::R0, 0);
                self.e.bind(done);
            }
            _ => self.e.alu32(alu, Reg::R0, Operand::Reg(Reg::R1)),
        }
    }

    /// libpcap's protochain walk, unrolled [`PROTOCHAIN_MAX_HOPS`] times. r0 = next header,
    /// r3 = offset of the current header from the network header.
    fn protochain(&mut self, tags: u8, ip6: bool, proto: u8, t: Label, f: Label, abort: Label) {
        let net = Base::net_offset(tags);
        if ip6 {
            self.check_const(net + 7, abort);
            self.e.ldx(MemSize::B, Reg::R0, DATA, (net + 6) as i16);
            self.e.mov_imm(Reg::R3, 40);
        } else {
            self.check_const(net + 10, abort);
            self.e.ldx(MemSize::B, Reg::R3, DATA, net as i16);
            self.e.alu64(AluOp::And, Reg::R3, Operand::Imm(0x0f));
            self.e.alu64(AluOp::Lsh, Reg::R3, Operand::Imm(2));
            self.e.ldx(MemSize::B, Reg::R0, DATA, (net + 9) as i16);
        }
        for _ in 0..PROTOCHAIN_MAX_HOPS {
            let ext = self.e.label();
            let ah = self.e.label();
            let next_hop = self.e.label();
            self.e
                .jmp(JmpCond::Eq, Reg::R0, Operand::Imm(proto as i32), t);
            self.e.jmp(JmpCond::Eq, Reg::R0, Operand::Imm(59), f);
            if ip6 {
                for h in [0, 60, 43, 44] {
                    self.e.jmp(JmpCond::Eq, Reg::R0, Operand::Imm(h), ext);
                }
            }
            self.e.jmp(JmpCond::Eq, Reg::R0, Operand::Imm(51), ah);
            self.e.ja(f);
            for (label, is_ah) in [(ext, false), (ah, true)] {
                if !ip6 && !is_ah {
                    self.e.bind(label);
                    self.e.ja(f);
                    continue;
                }
                self.e.bind(label);
                // r2 = data + net + r3, two bytes readable.
                self.e
                    .jmp(JmpCond::Gt, Reg::R3, Operand::Imm(MAX_VAR_OFFSET), abort);
                self.e.mov_reg(Reg::R2, DATA);
                self.e.alu64(AluOp::Add, Reg::R2, Operand::Reg(Reg::R3));
                self.e.mov_reg(Reg::R1, Reg::R2);
                self.e
                    .alu64(AluOp::Add, Reg::R1, Operand::Imm((net + 2) as i32));
                self.e
                    .jmp(JmpCond::Gt, Reg::R1, Operand::Reg(DATA_END), abort);
                self.e.ldx(MemSize::B, Reg::R0, Reg::R2, net as i16);
                self.e.ldx(MemSize::B, Reg::R4, Reg::R2, net as i16 + 1);
                if is_ah {
                    self.e.alu64(AluOp::Add, Reg::R4, Operand::Imm(2));
                    self.e.alu64(AluOp::Lsh, Reg::R4, Operand::Imm(2));
                    self.e.mov_reg(Reg::R3, Reg::R4);
                } else {
                    self.e.alu64(AluOp::Add, Reg::R4, Operand::Imm(1));
                    self.e.alu64(AluOp::Lsh, Reg::R4, Operand::Imm(3));
                    self.e.alu64(AluOp::Add, Reg::R3, Operand::Reg(Reg::R4));
                }
                self.e.ja(next_hop);
            }
            self.e.bind(next_hop);
        }
        self.e.ja(abort);
    }
}
