//! Branch relaxation and the final emission: every symbolic branch settles on the shortest
//! form that reaches its target (bounded passes, forms only grow), then the bytes are written
//! and every label must land where the layout said.

use super::emit::{Asm, BranchKind, Item};
use super::encode::Inst;
use super::imms::{BOff, Imm12, Imm20, JOff};
use super::regs::{XReg, RA, T0, ZERO};
use crate::JitError;

/// Most layout passes before every branch takes its longest form (always valid).
const MAX_PASSES: usize = 32;

/// One instruction of the final code, as the emitter meant it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Placed {
    /// Byte offset in the code.
    pub offset: u32,
    /// The instruction.
    pub inst: Inst,
    /// Whether it was emitted in its compressed form.
    pub compressed: bool,
    /// The eBPF slot it belongs to.
    pub pc: usize,
}

/// The result of layout and final emission.
pub(crate) struct Emitted {
    pub(crate) code: Vec<u8>,
    pub(crate) label_pos: Vec<u32>,
    pub(crate) placed: Vec<Placed>,
    /// Layout passes until the sizes settled.
    pub(crate) passes: usize,
}

/// `(hi, lo)` with `hi << 12 + lo == d` for `auipc`+`jalr`, if `d` is within ±2 GiB.
fn split_far(d: i64) -> Option<(Imm20, Imm12)> {
    let lo = (d << 52) >> 52;
    let hi = (d - lo) >> 12;
    Some((Imm20::from_signed(hi)?, Imm12::new(lo)?))
}

/// Whether form `form` of `kind` at `at` reaches `to`.
fn reaches(kind: BranchKind, compress: bool, form: usize, at: i64, to: i64) -> bool {
    let d = to - at;
    match (kind, form) {
        (BranchKind::Cond { .. }, 0) => BOff::new(d).is_some(),
        (BranchKind::Cond { .. }, 1) => JOff::new(d - 4).is_some(),
        (BranchKind::Cond { .. }, _) => split_far(d - 4).is_some(),
        (BranchKind::Jump, 0) if compress => (-2048..2048).contains(&d),
        (BranchKind::Jump | BranchKind::Call, f) => {
            let near = if compress && kind == BranchKind::Jump {
                1
            } else {
                0
            };
            if f == near {
                JOff::new(d).is_some()
            } else {
                split_far(d).is_some()
            }
        }
    }
}

/// The instructions of form `form` of `kind` at `at` going to `to`: `(inst, compressed)`.
fn branch_insts(
    kind: BranchKind,
    compress: bool,
    form: usize,
    at: i64,
    to: i64,
) -> Option<Vec<(Inst, bool)>> {
    let d = to - at;
    let far = |rd: XReg, link: XReg, d: i64| -> Option<Vec<(Inst, bool)>> {
        let (hi, lo) = split_far(d)?;
        Some(vec![
            (Inst::Auipc { rd, imm: hi }, false),
            (
                Inst::Jalr {
                    rd: link,
                    rs1: rd,
                    off: lo,
                },
                false,
            ),
        ])
    };
    Some(match kind {
        BranchKind::Cond { cond, rs1, rs2 } => {
            if form == 0 {
                return Some(vec![(
                    Inst::Branch {
                        cond,
                        rs1,
                        rs2,
                        off: BOff::new(d)?,
                    },
                    false,
                )]);
            }
            let skip = if form == 1 { 8 } else { 12 };
            let mut v = vec![(
                Inst::Branch {
                    cond: cond.invert(),
                    rs1,
                    rs2,
                    off: BOff::new(skip)?,
                },
                false,
            )];
            if form == 1 {
                v.push((
                    Inst::Jal {
                        rd: ZERO,
                        off: JOff::new(d - 4)?,
                    },
                    false,
                ));
            } else {
                v.extend(far(T0, ZERO, d - 4)?);
            }
            v
        }
        BranchKind::Jump => {
            let near = if compress { 1 } else { 0 };
            if compress && form == 0 {
                let j = Inst::Jal {
                    rd: ZERO,
                    off: JOff::new(d)?,
                };
                j.compress()?;
                vec![(j, true)]
            } else if form == near {
                vec![(
                    Inst::Jal {
                        rd: ZERO,
                        off: JOff::new(d)?,
                    },
                    false,
                )]
            } else {
                far(T0, ZERO, d)?
            }
        }
        BranchKind::Call => {
            if form == 0 {
                vec![(
                    Inst::Jal {
                        rd: RA,
                        off: JOff::new(d)?,
                    },
                    false,
                )]
            } else {
                far(RA, RA, d)?
            }
        }
    })
}

/// Settle branch forms and emit the final bytes.
///
/// Every branch starts on its shortest form; each pass moves to its next form every branch
/// whose target, by that pass's offsets, is out of reach. Forms only grow, so distances only
/// grow and a grown branch stays needed: the passes stop after at most three per branch. When
/// a pass changes nothing the offsets are final; the emission then checks that every label
/// lands where the layout said and that every branch encodes in the size it was given.
pub(crate) fn layout(asm: &Asm) -> Result<Emitted, JitError> {
    let items = &asm.items;
    let compress = asm.compress;
    let mut form: Vec<usize> = items
        .iter()
        .filter(|i| matches!(i, Item::Branch { .. }))
        .map(|_| 0)
        .collect();
    let mut pos = vec![u32::MAX; asm.label_count()];
    let mut starts = vec![0u32; form.len()];
    let place = |form: &[usize], pos: &mut [u32], starts: &mut [u32]| -> u32 {
        let (mut at, mut b) = (0u32, 0usize);
        for item in items {
            match *item {
                Item::Inst { len, .. } => at += len as u32,
                Item::Branch { kind, .. } => {
                    starts[b] = at;
                    at += kind.sizes(compress)[form[b]];
                    b += 1;
                }
                Item::Bind(l) => pos[l.0 as usize] = at,
            }
        }
        at
    };
    let mut total = place(&form, &mut pos, &mut starts);
    for item in items {
        if let Item::Branch { target, .. } = item {
            if pos[target.0 as usize] == u32::MAX {
                return Err(JitError::Layout(format!("label {} never bound", target.0)));
            }
        }
    }
    let mut passes = 1;
    let mut settled = false;
    while passes <= MAX_PASSES {
        let mut changed = false;
        let mut b = 0usize;
        for item in items {
            if let Item::Branch { kind, target, .. } = *item {
                let to = pos[target.0 as usize] as i64;
                let last = kind.sizes(compress).len() - 1;
                if form[b] < last && !reaches(kind, compress, form[b], starts[b] as i64, to) {
                    form[b] += 1;
                    changed = true;
                }
                b += 1;
            }
        }
        if !changed {
            settled = true;
            break;
        }
        total = place(&form, &mut pos, &mut starts);
        passes += 1;
    }
    if !settled {
        for (f, item) in form.iter_mut().zip(items.iter().filter_map(|i| match i {
            Item::Branch { kind, .. } => Some(*kind),
            _ => None,
        })) {
            *f = item.sizes(compress).len() - 1;
        }
        total = place(&form, &mut pos, &mut starts);
    }
    // Final emission.
    let mut code = Vec::with_capacity(total as usize);
    let mut placed = Vec::with_capacity(items.len());
    let mut b = 0usize;
    for item in items {
        match *item {
            Item::Inst { inst, len, pc } => {
                let e = inst.encode(compress);
                if e.len != len {
                    return Err(JitError::Layout(format!(
                        "{} encodes in {} bytes, lowering said {len}",
                        inst.text(false),
                        e.len
                    )));
                }
                placed.push(Placed {
                    offset: code.len() as u32,
                    inst,
                    compressed: len == 2,
                    pc,
                });
                code.extend_from_slice(&e.bytes());
            }
            Item::Branch { kind, target, pc } => {
                let at = code.len() as i64;
                let to = pos[target.0 as usize] as i64;
                let want = kind.sizes(compress)[form[b]];
                let insts = branch_insts(kind, compress, form[b], at, to).ok_or_else(|| {
                    JitError::Layout(format!("branch at {at:#x} to {to:#x} out of reach"))
                })?;
                for (inst, c) in insts {
                    let bits = if c {
                        inst.compress().map(|v| v as u32)
                    } else {
                        Some(inst.encode32())
                    };
                    let bits = bits.ok_or_else(|| {
                        JitError::Layout(format!("branch at {at:#x}: no compressed form"))
                    })?;
                    placed.push(Placed {
                        offset: code.len() as u32,
                        inst,
                        compressed: c,
                        pc,
                    });
                    let n = if c { 2 } else { 4 };
                    code.extend_from_slice(&bits.to_le_bytes()[..n]);
                }
                if code.len() as i64 - at != want as i64 {
                    return Err(JitError::Layout(format!(
                        "branch at {at:#x} took {} bytes, layout said {want}",
                        code.len() as i64 - at
                    )));
                }
                b += 1;
            }
            Item::Bind(l) => {
                if pos[l.0 as usize] as usize != code.len() {
                    return Err(JitError::Layout(format!(
                        "label {} at {:#x}, layout said {:#x}",
                        l.0,
                        code.len(),
                        pos[l.0 as usize]
                    )));
                }
            }
        }
    }
    if code.len() != total as usize {
        return Err(JitError::Layout(format!(
            "emitted {} bytes, layout said {total}",
            code.len()
        )));
    }
    Ok(Emitted {
        code,
        label_pos: pos,
        placed,
        passes,
    })
}
