//! Evaluating a target's assertions on one path: each [`TargetCheck`] either holds or becomes a
//! [`Rejection`] whose message has the verifier's knowledge filled in; [`Probe`]s record what is
//! known for the target's whole-program checks. Nothing here stops exploration.
//!
//! Message templates may use these slots, filled from the check's register:
//! `{observed}` (the register as the kernel's log prints it), `{type}` (the kernel's numeric
//! `enum bpf_reg_type`), `{var_off}` (its tnum, `(0x0; 0xffffffff)`), `{imm}` (a known constant,
//! hex), `{off}` (a pointer's known offset) and `{neg_off}` (minus that offset).

use crate::assertions::{TargetAssertion, TargetCheck};
use crate::explore::Env;
use crate::report::Rejection;
use crate::scalar::Scalar;
use crate::state::{RegKind, RegState, SlotByte, State};
use ir::insn::Operand;
use ir::Reg;

/// What a target asks the verifier to record at an instruction on every path.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Probe {
    /// The register: its kind, known offset and map.
    Pointer(Reg),
    /// A helper's buffer `buf` holding a value of the map in register `map`: which of its bytes
    /// are not known to be zero.
    MapValueBuffer {
        /// Register holding the map.
        map: Reg,
        /// Register pointing to the buffer.
        buf: Reg,
    },
}

/// What a [`Probe`] saw on one path.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Observed {
    /// A register's kind, its known offset (pointer offset plus a constant variable part) and,
    /// for map pointers and map values, the map index.
    Pointer {
        /// Kind.
        kind: RegKind,
        /// Known offset, when constant.
        off: Option<i64>,
        /// Map index in `Program::maps`.
        map: Option<u32>,
    },
    /// A stack buffer of a map value.
    MapValueBuffer {
        /// Map index.
        map: u32,
        /// Known stack offset of the buffer (negative), when constant.
        off: Option<i64>,
        /// Byte indexes of the value not known to be zero.
        nonzero: Vec<u32>,
    },
}

/// Everything the probes saw at one instruction (each distinct observation once).
pub type Observations = Vec<Observed>;

/// The kernel's numeric `enum bpf_reg_type` of a kind (as drivers print it with `%d`).
pub fn kernel_type_id(k: RegKind) -> u32 {
    match k {
        RegKind::NotInit => 0,
        RegKind::Scalar => 1,
        RegKind::Ctx => 2,
        RegKind::MapPtr => 3,
        RegKind::MapValue => 4,
        RegKind::Stack => 6,
        RegKind::PacketMeta => 7,
        RegKind::Packet => 8,
        RegKind::PacketEnd => 9,
        // PTR_TO_MAP_VALUE | PTR_MAYBE_NULL
        RegKind::MapValueOrNull => 4 | 256,
    }
}

/// The known offset of a pointer (fixed part plus a constant variable part).
pub fn known_offset(reg: &RegState) -> Option<i64> {
    reg.var
        .as_const()
        .map(|c| (reg.off as i64).wrapping_add(c as i64))
}

fn operand_scalar(st: &State, op: &Operand) -> Option<Scalar> {
    match op {
        Operand::Imm(i) => Some(Scalar::constant(*i as i64 as u64)),
        Operand::Reg(r) => {
            let reg = st.reg(*r);
            (reg.kind == RegKind::Scalar).then_some(reg.var)
        }
    }
}

fn fill(template: &str, st: &State, reg: Option<Reg>, observed: &str) -> String {
    let mut out = template.replace("{observed}", observed);
    if let Some(r) = reg {
        let rs = st.reg(r);
        let off = known_offset(rs);
        out = out
            .replace("{type}", &kernel_type_id(rs.kind).to_string())
            .replace("{var_off}", &rs.var.var_off.to_string())
            .replace(
                "{imm}",
                &rs.var
                    .as_const()
                    .map(|c| format!("{c:x}"))
                    .unwrap_or_default(),
            )
            .replace("{off}", &off.map(|o| o.to_string()).unwrap_or_default())
            .replace(
                "{neg_off}",
                &off.map(|o| (-o).to_string()).unwrap_or_default(),
            );
    }
    out
}

fn primary_reg(c: &TargetCheck) -> Option<Reg> {
    match c {
        TargetCheck::KnownConstU32(Operand::Reg(r))
        | TargetCheck::BoundedU32(Operand::Reg(r))
        | TargetCheck::KnownConst(Operand::Reg(r))
        | TargetCheck::PointerKind(r, _)
        | TargetCheck::InRange(r, _, _)
        | TargetCheck::InRangeS32(r, _, _)
        | TargetCheck::ConstIn(r, _)
        | TargetCheck::NotPointerKind(r, _)
        | TargetCheck::StackOffsetConst(r)
        | TargetCheck::StackAligned(r, _)
        | TargetCheck::NotConstIn(r, _)
        | TargetCheck::KnownBits { reg: r, .. }
        | TargetCheck::MapValueOffsetConst(r)
        | TargetCheck::MapValueInBounds { reg: r, .. }
        | TargetCheck::PacketOffsetAtMost { reg: r, .. } => Some(*r),
        _ => None,
    }
}

/// Evaluate `t` at `pc` on the path in `st`: `Ok(Some(observed))` for a probe, `Ok(None)` when
/// the check holds, `Err` with the filled-in rejection when it fails.
pub fn evaluate(
    env: &Env,
    pc: usize,
    t: &TargetAssertion,
    st: &State,
) -> Result<Option<Observed>, Box<Rejection>> {
    let describe = |op: &Operand| -> String {
        match op {
            Operand::Imm(i) => format!("{i}"),
            Operand::Reg(r) => format!("R{}={}", r.num(), st.reg(*r)),
        }
    };
    let reg_text = |r: &Reg| format!("R{}={}", r.num(), st.reg(*r));
    let (holds, observed) = match &t.check {
        TargetCheck::Record(probe) => return Ok(Some(observe(env, probe, st))),
        TargetCheck::KnownConstU32(op) => (
            operand_scalar(st, op)
                .and_then(|s| s.as_const())
                .is_some_and(|c| c <= u32::MAX as u64),
            describe(op),
        ),
        TargetCheck::BoundedU32(op) => (
            operand_scalar(st, op).is_some_and(|s| s.umax <= u32::MAX as u64),
            describe(op),
        ),
        TargetCheck::KnownConst(op) => (
            operand_scalar(st, op).is_some_and(|s| s.as_const().is_some()),
            describe(op),
        ),
        TargetCheck::PointerKind(r, kinds) => (
            kinds.contains(&st.reg(*r).kind),
            st.reg(*r).kind.kernel_name().to_string(),
        ),
        TargetCheck::NotPointerKind(r, kinds) => (
            !kinds.contains(&st.reg(*r).kind),
            st.reg(*r).kind.kernel_name().to_string(),
        ),
        TargetCheck::InRange(r, lo, hi) => {
            let reg = st.reg(*r);
            (
                reg.kind == RegKind::Scalar && reg.var.smin >= *lo && reg.var.smax <= *hi,
                reg_text(r),
            )
        }
        TargetCheck::InRangeS32(r, lo, hi) => {
            let reg = st.reg(*r);
            let v = reg.var;
            let text = match v.as_const32() {
                Some(c) => format!("R{}={}", r.num(), c as i32),
                None => reg_text(r),
            };
            (
                reg.kind == RegKind::Scalar && v.s32_min >= *lo && v.s32_max <= *hi,
                text,
            )
        }
        TargetCheck::ConstIn(r, vals) => {
            let reg = st.reg(*r);
            let c = (reg.kind == RegKind::Scalar)
                .then(|| reg.var.as_const())
                .flatten();
            (c.is_some_and(|c| vals.contains(&(c as i64))), reg_text(r))
        }
        TargetCheck::NotConstIn(r, vals) => {
            let reg = st.reg(*r);
            let c = (reg.kind == RegKind::Scalar)
                .then(|| reg.var.as_const())
                .flatten();
            (!c.is_some_and(|c| vals.contains(&c)), reg_text(r))
        }
        TargetCheck::StackOffsetConst(r) => {
            let reg = st.reg(*r);
            (
                reg.kind != RegKind::Stack || reg.var.as_const().is_some(),
                reg_text(r),
            )
        }
        TargetCheck::StackAligned(r, align) => {
            let reg = st.reg(*r);
            let ok = match (reg.kind, known_offset(reg)) {
                (RegKind::Stack, Some(o)) => (-o).rem_euclid(*align as i64) == 0,
                _ => true,
            };
            (ok, reg_text(r))
        }
        TargetCheck::KnownBits { reg, mask, value } => {
            let rs = st.reg(*reg);
            let t = rs.var.var_off;
            (
                rs.kind == RegKind::Scalar && t.mask & mask == 0 && t.value & mask == *value,
                reg_text(reg),
            )
        }
        TargetCheck::MapValueOffsetConst(r) => {
            let reg = st.reg(*r);
            (
                reg.kind != RegKind::MapValue || reg.var.as_const().is_some(),
                reg_text(r),
            )
        }
        TargetCheck::MapValueInBounds { reg: r, off, size } => {
            let reg = st.reg(*r);
            let ok = match (reg.kind, known_offset(reg)) {
                (RegKind::MapValue, Some(o)) => {
                    let value_size = env
                        .prog
                        .maps
                        .get(reg.map as usize)
                        .map_or(0, |m| m.value_size) as i64;
                    let start = o + *off as i64;
                    start >= 0 && start + *size as i64 <= value_size
                }
                _ => true,
            };
            (ok, reg_text(r))
        }
        TargetCheck::PacketOffsetAtMost {
            reg: r,
            off,
            size,
            limit,
        } => {
            let reg = st.reg(*r);
            let ok = if reg.kind == RegKind::Packet {
                let last = (reg.off as i64 + *off as i64)
                    .saturating_add(reg.var.umax.min(i64::MAX as u64) as i64)
                    .saturating_add(*size as i64 - 1);
                last <= *limit as i64
            } else {
                true
            };
            (ok, reg_text(r))
        }
        TargetCheck::Unsupported => (false, String::new()),
    };
    if holds {
        return Ok(None);
    }
    let mut r = Rejection::at(
        pc,
        t.code,
        fill(&t.message, st, primary_reg(&t.check), &observed),
    );
    r.hint = t.hint.clone();
    r.severity = t.severity;
    Err(Box::new(r))
}

fn observe(env: &Env, probe: &Probe, st: &State) -> Observed {
    match probe {
        Probe::Pointer(r) => {
            let reg = st.reg(*r);
            let map = matches!(
                reg.kind,
                RegKind::MapPtr | RegKind::MapValue | RegKind::MapValueOrNull
            )
            .then_some(reg.map);
            Observed::Pointer {
                kind: reg.kind,
                off: reg.kind.is_pointer().then(|| known_offset(reg)).flatten(),
                map,
            }
        }
        Probe::MapValueBuffer { map, buf } => {
            let m = st.reg(*map);
            let b = st.reg(*buf);
            let value_size = env
                .prog
                .maps
                .get(m.map as usize)
                .map_or(0, |d| d.value_size);
            let off = (b.kind == RegKind::Stack)
                .then(|| known_offset(b))
                .flatten();
            let mut nonzero = Vec::new();
            for i in 0..value_size {
                let zero = match (off, st.frames.get(b.frame as usize)) {
                    (Some(o), Some(frame)) => match frame.slot(o + i as i64) {
                        Some((slot, byte)) => match slot.bytes[byte] {
                            SlotByte::Zero => true,
                            SlotByte::Spill => slot.spill.is_some_and(|s| s.is_known_zero()),
                            _ => false,
                        },
                        None => false,
                    },
                    _ => false,
                };
                if !zero {
                    nonzero.push(i);
                }
            }
            Observed::MapValueBuffer {
                map: m.map,
                off,
                nonzero,
            }
        }
    }
}
