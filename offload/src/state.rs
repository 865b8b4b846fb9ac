//! The abstract state: what is known about every register and stack byte at one point of one
//! path (the kernel's `bpf_verifier_state`), with the subsumption test used for pruning.

use crate::scalar::Scalar;
use std::fmt;

/// What kind of value a register holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RegKind {
    /// Never written on this path.
    NotInit,
    /// A number.
    Scalar,
    /// The program's context (`struct xdp_md *`, `struct __sk_buff *`).
    Ctx,
    /// Into the stack frame of frame `Reg::frame`.
    Stack,
    /// Into the packet data.
    Packet,
    /// Into the packet metadata area.
    PacketMeta,
    /// One past the end of the packet data; may only be compared.
    PacketEnd,
    /// A map (the `LD_IMM64` of a map).
    MapPtr,
    /// Into a map value.
    MapValue,
    /// A map value or NULL, as `bpf_map_lookup_elem` returns.
    MapValueOrNull,
}

impl RegKind {
    /// The kernel's name of the type (`scalar`, `ctx`, `fp`, `pkt`, ...).
    pub fn kernel_name(self) -> &'static str {
        match self {
            RegKind::NotInit => "?",
            RegKind::Scalar => "scalar",
            RegKind::Ctx => "ctx",
            RegKind::Stack => "fp",
            RegKind::Packet => "pkt",
            RegKind::PacketMeta => "pkt_meta",
            RegKind::PacketEnd => "pkt_end",
            RegKind::MapPtr => "map_ptr",
            RegKind::MapValue => "map_value",
            RegKind::MapValueOrNull => "map_value_or_null",
        }
    }

    /// Whether the value is a pointer.
    pub fn is_pointer(self) -> bool {
        !matches!(self, RegKind::NotInit | RegKind::Scalar)
    }

    /// Packet or packet-meta pointer (those with proven ranges).
    pub fn is_packet(self) -> bool {
        matches!(self, RegKind::Packet | RegKind::PacketMeta)
    }
}

/// What is known about one register.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RegState {
    /// The kind of value.
    pub kind: RegKind,
    /// Fixed offset of a pointer from its base.
    pub off: i32,
    /// A scalar's value, or the variable part of a pointer's offset.
    pub var: Scalar,
    /// Identity: packet pointers with the same variable part, copies of one nullable pointer, or
    /// copies of one scalar; 0 means none.
    pub id: u32,
    /// Packet pointers: bytes proven readable from `base + var` (the kernel's `r=`).
    pub range: u32,
    /// Packet pointers: a comparison proved this register at or beyond the packet end (the
    /// kernel's negative `AT_PKT_END`/`BEYOND_PKT_END` range); no access through it is valid.
    pub past_end: bool,
    /// Map pointers and map values: the index of the map in `Program::maps`.
    pub map: u32,
    /// Stack pointers: the frame they point into.
    pub frame: u8,
}

impl RegState {
    /// An uninitialised register.
    pub const NOT_INIT: RegState = RegState {
        kind: RegKind::NotInit,
        off: 0,
        var: Scalar::UNKNOWN,
        id: 0,
        range: 0,
        past_end: false,
        map: 0,
        frame: 0,
    };

    /// A scalar with the given knowledge.
    pub fn scalar(var: Scalar) -> RegState {
        RegState {
            kind: RegKind::Scalar,
            ..RegState::NOT_INIT
        }
        .with_var(var)
    }

    /// A pointer of `kind` with a zero, known offset.
    pub fn pointer(kind: RegKind) -> RegState {
        RegState {
            kind,
            var: Scalar::constant(0),
            ..RegState::NOT_INIT
        }
    }

    fn with_var(mut self, var: Scalar) -> RegState {
        self.var = var;
        self
    }

    /// A scalar known to be `v`.
    pub fn known(v: u64) -> RegState {
        RegState::scalar(Scalar::constant(v))
    }

    /// An unknown scalar.
    pub fn unknown() -> RegState {
        RegState::scalar(Scalar::UNKNOWN)
    }

    /// Whether it is a scalar known to be zero.
    pub fn is_known_zero(&self) -> bool {
        self.kind == RegKind::Scalar && self.var.as_const() == Some(0)
    }

    /// Whether the old state `self` covers every value `cur` may hold (the kernel's `regsafe`).
    pub fn covers(&self, cur: &RegState, ids: &mut IdMap) -> bool {
        self.covers_with(cur, ids, true)
    }

    /// As [`RegState::covers`]; an imprecise scalar (`precise == false`) covers any scalar.
    pub fn covers_with(&self, cur: &RegState, ids: &mut IdMap, precise: bool) -> bool {
        match self.kind {
            RegKind::NotInit => true,
            RegKind::Scalar => {
                if cur.kind != RegKind::Scalar {
                    return false;
                }
                if !precise || self.var.is_unknown() {
                    return true;
                }
                self.var.contains(&cur.var) && (self.id == 0 || ids.check(self.id, cur.id))
            }
            _ => {
                if cur.kind != self.kind || cur.off != self.off || cur.map != self.map {
                    return false;
                }
                if cur.frame != self.frame {
                    return false;
                }
                // The kernel's `regsafe`: a negative (past-the-end) range only matches itself.
                if self.kind.is_packet()
                    && (self.past_end != cur.past_end || self.range > cur.range)
                {
                    return false;
                }
                self.var.contains(&cur.var) && ids.check(self.id, cur.id)
            }
        }
    }
}

/// Pairs of ids seen while comparing two states, so one old id maps to one current id.
#[derive(Default)]
pub struct IdMap {
    pairs: Vec<(u32, u32)>,
}

impl IdMap {
    /// Whether `old` can stand for `cur` given the pairs seen so far (records the pair).
    pub fn check(&mut self, old: u32, cur: u32) -> bool {
        if old == 0 && cur == 0 {
            return true;
        }
        if old == 0 || cur == 0 {
            return old == 0;
        }
        for &(o, c) in &self.pairs {
            if o == old {
                return c == cur;
            }
            if c == cur {
                return false;
            }
        }
        self.pairs.push((old, cur));
        true
    }
}

/// What one stack byte holds (the kernel's `STACK_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SlotByte {
    /// Never written.
    Invalid,
    /// Part of a spilled register (see [`StackSlot::spill`]).
    Spill,
    /// Some data.
    Misc,
    /// Known zero.
    Zero,
}

impl SlotByte {
    fn log_char(self) -> char {
        match self {
            SlotByte::Invalid => '?',
            SlotByte::Spill => 'r',
            SlotByte::Misc => 'm',
            SlotByte::Zero => '0',
        }
    }
}

/// One 8-byte stack slot: its bytes (index 0 is the lowest address) and a spilled register.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct StackSlot {
    /// Byte kinds, lowest address first.
    pub bytes: [SlotByte; 8],
    /// The register spilled here, when any byte is `Spill`.
    pub spill: Option<RegState>,
}

impl StackSlot {
    /// A slot never written.
    pub const EMPTY: StackSlot = StackSlot {
        bytes: [SlotByte::Invalid; 8],
        spill: None,
    };

    /// Whether all 8 bytes hold one spilled register.
    pub fn is_full_spill(&self) -> bool {
        self.spill.is_some() && self.bytes.iter().all(|b| *b == SlotByte::Spill)
    }
}

/// One function's frame: registers and stack.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Frame {
    /// r0..=r10.
    pub regs: [RegState; 11],
    /// Slot `i` covers `fp - 8*(i+1) .. fp - 8*i`; grown on demand.
    pub stack: Vec<StackSlot>,
    /// The call instruction that created this frame (none for the entry).
    pub callsite: Option<usize>,
    /// Deepest stack byte touched, as a positive number of bytes.
    pub depth: u32,
    /// First slot of the function.
    pub func_start: usize,
}

impl Frame {
    /// A new frame for the function starting at `func_start`, with `r10` pointing into it.
    pub fn new(frame_no: u8, callsite: Option<usize>, func_start: usize) -> Frame {
        let mut regs = [RegState::NOT_INIT; 11];
        regs[10] = RegState {
            frame: frame_no,
            ..RegState::pointer(RegKind::Stack)
        };
        Frame {
            regs,
            stack: Vec::new(),
            callsite,
            depth: 0,
            func_start,
        }
    }

    /// The slot holding byte `fp + off` (off < 0), grown if needed.
    pub fn slot_mut(&mut self, off: i64) -> (&mut StackSlot, usize) {
        let idx = ((-off - 1) / 8) as usize;
        if self.stack.len() <= idx {
            self.stack.resize(idx + 1, StackSlot::EMPTY);
        }
        let byte = (off.rem_euclid(8)) as usize;
        (&mut self.stack[idx], byte)
    }

    /// The slot holding byte `fp + off`, if it was ever allocated.
    pub fn slot(&self, off: i64) -> Option<(&StackSlot, usize)> {
        let idx = ((-off - 1) / 8) as usize;
        let byte = (off.rem_euclid(8)) as usize;
        self.stack.get(idx).map(|s| (s, byte))
    }
}

/// The whole state of one path: the call stack of frames.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct State {
    /// Frames, entry first; the last is the running function.
    pub frames: Vec<Frame>,
}

impl State {
    /// The running frame.
    pub fn cur(&self) -> &Frame {
        &self.frames[self.frames.len() - 1]
    }

    /// The running frame, mutably.
    pub fn cur_mut(&mut self) -> &mut Frame {
        let n = self.frames.len() - 1;
        &mut self.frames[n]
    }

    /// Register `r` of the running frame.
    pub fn reg(&self, r: ir::Reg) -> &RegState {
        &self.cur().regs[r.idx()]
    }

    /// Register `r` of the running frame, mutably.
    pub fn reg_mut(&mut self, r: ir::Reg) -> &mut RegState {
        &mut self.cur_mut().regs[r.idx()]
    }

    /// Apply `f` to every register and spilled register of every frame.
    pub fn for_each_reg(&mut self, mut f: impl FnMut(&mut RegState)) {
        for frame in &mut self.frames {
            for r in frame.regs.iter_mut() {
                f(r);
            }
            for slot in frame.stack.iter_mut() {
                if let Some(sp) = slot.spill.as_mut() {
                    f(sp);
                }
            }
        }
    }

    /// Whether the old, fully explored state `self` covers `cur`: every path from `cur` is a path
    /// from `self` (the kernel's `states_equal`). `live` says which registers of the running
    /// frame (bit per register) may be read later; dead ones are ignored. `precise` says whose
    /// scalar values matter (see [`crate::cfg::precision`]); other scalars cover any scalar.
    pub fn covers(&self, cur: &State, live: &[u16], precise: &[crate::cfg::Precise]) -> bool {
        if self.frames.len() != cur.frames.len() {
            return false;
        }
        let mut ids = IdMap::default();
        for (i, (old, new)) in self.frames.iter().zip(cur.frames.iter()).enumerate() {
            if old.callsite != new.callsite {
                return false;
            }
            let mask = live.get(i).copied().unwrap_or(0x7ff);
            let p = precise.get(i).copied().unwrap_or(crate::cfg::Precise::ALL);
            let prec = p.regs;
            for r in 0..11 {
                if mask & (1 << r) == 0 {
                    continue;
                }
                if !old.regs[r].covers_with(&new.regs[r], &mut ids, prec & (1 << r) != 0) {
                    return false;
                }
            }
            if !stack_covers(old, new, &mut ids, p.slots) {
                return false;
            }
        }
        true
    }
}

/// Whether two states are the same (the kernel's exact comparison for loop detection).
pub fn exact_eq(a: &State, b: &State) -> bool {
    a.frames.len() == b.frames.len()
        && a.frames.iter().zip(b.frames.iter()).all(|(x, y)| {
            x.regs == y.regs && x.callsite == y.callsite && {
                let n = x.stack.len().max(y.stack.len());
                (0..n).all(|i| {
                    x.stack.get(i).copied().unwrap_or(StackSlot::EMPTY)
                        == y.stack.get(i).copied().unwrap_or(StackSlot::EMPTY)
                })
            }
        })
}

fn stack_covers(old: &Frame, cur: &Frame, ids: &mut IdMap, precise_slots: u64) -> bool {
    let scalar_like = |s: &StackSlot| s.spill.is_none_or(|sp| sp.kind == RegKind::Scalar);
    for (i, o) in old.stack.iter().enumerate() {
        let c = cur.stack.get(i).copied().unwrap_or(StackSlot::EMPTY);
        if i < 64 && precise_slots & (1u64 << i) == 0 && scalar_like(o) && scalar_like(&c) {
            // Nothing reads this slot's value where it matters.
            continue;
        }
        if o.is_full_spill() {
            let (Some(os), Some(cs)) = (o.spill, c.spill) else {
                // An old spilled unknown scalar covers plain data.
                if let Some(os) = o.spill {
                    if os.kind == RegKind::Scalar
                        && os.var.is_unknown()
                        && c.bytes.iter().all(|b| *b != SlotByte::Spill)
                    {
                        continue;
                    }
                }
                return false;
            };
            if !c.is_full_spill() || !os.covers(&cs, ids) {
                return false;
            }
            continue;
        }
        for b in 0..8 {
            let ok = match (o.bytes[b], c.bytes[b]) {
                (SlotByte::Invalid, _) => true,
                (SlotByte::Misc, SlotByte::Misc | SlotByte::Zero | SlotByte::Invalid) => true,
                (SlotByte::Misc, SlotByte::Spill) => {
                    c.spill.map(|s| s.kind == RegKind::Scalar).unwrap_or(false)
                }
                (SlotByte::Zero, SlotByte::Zero) => true,
                (SlotByte::Spill, SlotByte::Spill) => match (o.spill, c.spill) {
                    (Some(os), Some(cs)) => os.covers(&cs, ids),
                    _ => false,
                },
                _ => false,
            };
            if !ok {
                return false;
            }
        }
    }
    true
}

impl fmt::Display for RegState {
    /// The kernel's log form: `scalar(umax=255)`, `pkt(off=14,r=34)`, `fp-8`, `ctx()`, ...
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            RegKind::NotInit => f.write_str("?"),
            RegKind::Scalar => {
                if let Some(c) = self.var.as_const() {
                    write!(f, "{}", c as i64)
                } else {
                    let mut parts = Vec::new();
                    if self.id != 0 {
                        parts.push(format!("id={}", self.id));
                    }
                    let v = self.var.to_string();
                    if !v.is_empty() {
                        parts.push(v);
                    }
                    write!(f, "scalar({})", parts.join(","))
                }
            }
            RegKind::Stack if self.var.as_const() == Some(0) => {
                write!(f, "fp{}", self.off)
            }
            kind => {
                let mut parts = Vec::new();
                if self.id != 0 {
                    parts.push(format!("id={}", self.id));
                }
                if self.off != 0 {
                    parts.push(format!("off={}", self.off));
                }
                if kind.is_packet() {
                    parts.push(format!("r={}", self.range));
                }
                if self.var.as_const() != Some(0) {
                    parts.push(self.var.to_string());
                }
                write!(f, "{}({})", kind.kernel_name(), parts.join(","))
            }
        }
    }
}

impl fmt::Display for Frame {
    /// ` R1=ctx() R10=fp0 fp-8=mmmmmmmm` as in the kernel's log.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for (i, r) in self.regs.iter().enumerate() {
            if r.kind == RegKind::NotInit {
                continue;
            }
            if !first {
                f.write_str(" ")?;
            }
            first = false;
            write!(f, "R{i}={r}")?;
        }
        for (i, slot) in self.stack.iter().enumerate() {
            if slot.bytes.iter().all(|b| *b == SlotByte::Invalid) {
                continue;
            }
            let off = -8 * (i as i64 + 1);
            if slot.is_full_spill() {
                if let Some(sp) = &slot.spill {
                    write!(f, " fp{off}={sp}")?;
                    continue;
                }
            }
            let s: String = slot.bytes.iter().rev().map(|b| b.log_char()).collect();
            write!(f, " fp{off}={s}")?;
        }
        Ok(())
    }
}
