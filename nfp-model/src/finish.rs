//! Checks over everything exploration learnt: what one instruction saw on different paths
//! (pointer kinds, stack offsets, divisors), how the program uses each 4-byte word of each map
//! value, and the stack of the deepest call chain in the NFP's frame model.

use crate::profile::Profile;
use crate::rules::{hints, MEM_KINDS};
use ir::insn::{AluOp, CallTarget, Insn, Operand};
use ir::{MapType, Program};
use offload::state::RegKind;
use offload::target::Summary;
use offload::target_eval::{kernel_type_id, Observed};
use offload::Rejection;
use std::collections::BTreeMap;

/// How a map value word is used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Use {
    Read,
    Atomic,
}

impl Use {
    fn name(self) -> &'static str {
        match self {
            Use::Read => "read",
            Use::Atomic => "atomic",
        }
    }
}

fn pointers(obs: &[Observed]) -> impl Iterator<Item = (RegKind, Option<i64>, Option<u32>)> + '_ {
    obs.iter().filter_map(|o| match o {
        Observed::Pointer { kind, off, map } => Some((*kind, *off, *map)),
        _ => None,
    })
}

/// The reasons found after exploration.
pub fn violations(profile: &Profile, prog: &Program, s: &Summary<'_>) -> Vec<Rejection> {
    let mut out = Vec::new();
    // map -> word -> (use, first pc)
    let mut words: BTreeMap<u32, BTreeMap<u32, (Use, usize)>> = BTreeMap::new();
    for (pc, insn) in prog.insns.iter().enumerate() {
        let obs = s.observations.get(pc).map_or(&[][..], |o| o.as_slice());
        match insn {
            Insn::Load { off, size, .. } | Insn::Atomic { off, size, .. } => {
                let is_atomic = matches!(insn, Insn::Atomic { .. });
                per_insn_pointer_checks(pc, obs, &mut out);
                let usage = if is_atomic { Use::Atomic } else { Use::Read };
                for (kind, base_off, map) in pointers(obs) {
                    let (RegKind::MapValue, Some(b), Some(map)) = (kind, base_off, map) else {
                        continue;
                    };
                    let start = b + *off as i64;
                    if start < 0 {
                        continue;
                    }
                    let (start, size) = (start as u32, size.bytes());
                    let mut i = 0u32;
                    while i < size {
                        let at = start + i;
                        let w = words.entry(map).or_default();
                        match w.get(&(at / 4)) {
                            Some(&(prev, _)) if prev != usage => {
                                push_once(
                                    &mut out,
                                    Rejection::at(
                                        pc,
                                        "nfp.map.use_conflict",
                                        format!(
                                            "map value use type conflict {} vs {} off: {at}",
                                            prev.name(),
                                            usage.name()
                                        ),
                                    )
                                    .with_hint(hints::MAP_CONFLICT),
                                );
                            }
                            Some(_) => {}
                            None => {
                                w.insert(at / 4, (usage, pc));
                            }
                        }
                        i += 4 - at % 4;
                    }
                }
            }
            Insn::Store {
                src: Operand::Reg(_),
                ..
            } => per_insn_pointer_checks(pc, obs, &mut out),
            Insn::Alu {
                op: AluOp::Div,
                src: Operand::Reg(_),
                ..
            } => {
                let f = &s.facts[pc];
                if f.visits > 0 && f.src_umax.is_some() && f.src_const.is_none() {
                    push_once(
                        &mut out,
                        Rejection::at(pc, "nfp.alu.div_not_const", "divisor is not constant")
                            .with_hint(hints::DIV),
                    );
                }
            }
            Insn::Call(CallTarget::Helper(25)) => {
                let kinds: Vec<RegKind> = dedup(pointers(obs).map(|p| p.0));
                if kinds.len() > 1 {
                    out.push(
                        Rejection::at(
                            pc,
                            "nfp.helper.event_output_ptr_changed",
                            format!(
                                "event_output: ptr type changed: {} {}",
                                kernel_type_id(kinds[0]),
                                kernel_type_id(kinds[1])
                            ),
                        )
                        .with_hint(hints::PTR_CHANGED),
                    );
                }
            }
            Insn::Call(CallTarget::Helper(3)) => {
                for (_, _, map) in pointers(obs) {
                    if let Some(m) = map.and_then(|m| prog.maps.get(m as usize)) {
                        if m.map_type == MapType::Array {
                            let mut r = Rejection::at(
                                pc,
                                "nfp.map.delete_array",
                                format!("map_delete on ARRAY map '{}' always returns -EINVAL (-22)", m.name),
                            )
                            .with_hint("array entries cannot be deleted: store a zero value with bpf_map_update_elem()");
                            r.severity = offload::Severity::Warning;
                            push_once(&mut out, r);
                        }
                    }
                }
            }
            _ => {}
        }
    }
    // Atomic counters must be zero-initialised by every map_update_elem that may write them.
    for (pc, insn) in prog.insns.iter().enumerate() {
        if !matches!(insn, Insn::Call(CallTarget::Helper(2))) {
            continue;
        }
        let obs = s.observations.get(pc).map_or(&[][..], |o| o.as_slice());
        for o in obs {
            let Observed::MapValueBuffer {
                map,
                off: Some(off),
                nonzero,
            } = o
            else {
                continue;
            };
            let Some(w) = words.get(map) else { continue };
            if let Some(&i) = nonzero
                .iter()
                .find(|&&i| w.get(&(i / 4)).is_some_and(|u| u.0 == Use::Atomic))
            {
                let soff = -(off + i as i64) - 1;
                push_once(
                    &mut out,
                    Rejection::at(
                        pc,
                        "nfp.map.atomic_not_zeroed",
                        format!("value at offset {i}/{soff} may be non-zero, bpf_map_update_elem() is required to initialize atomic counters to zero to avoid offload endian issues"),
                    )
                    .with_hint(hints::ATOMIC_INIT),
                );
            }
        }
    }
    if let Some(r) = stack(profile, prog, s) {
        out.push(r);
    }
    out
}

fn dedup<T: PartialEq>(it: impl Iterator<Item = T>) -> Vec<T> {
    let mut v = Vec::new();
    for x in it {
        if !v.contains(&x) {
            v.push(x);
        }
    }
    v
}

fn push_once(out: &mut Vec<Rejection>, r: Rejection) {
    if !out.iter().any(|o| o.pc == r.pc && o.code == r.code) {
        out.push(r);
    }
}

/// `ptr type changed` and `stack access changed location` of one memory instruction.
fn per_insn_pointer_checks(pc: usize, obs: &[Observed], out: &mut Vec<Rejection>) {
    let kinds: Vec<RegKind> = dedup(pointers(obs).map(|p| p.0).filter(|k| MEM_KINDS.contains(k)));
    if kinds.len() > 1 {
        out.push(
            Rejection::at(
                pc,
                "nfp.mem.ptr_type_changed",
                format!(
                    "ptr type changed for instruction {} -> {}",
                    kernel_type_id(kinds[0]),
                    kernel_type_id(kinds[1])
                ),
            )
            .with_hint(hints::PTR_CHANGED),
        );
    }
    let offs: Vec<i64> = dedup(
        pointers(obs)
            .filter(|p| p.0 == RegKind::Stack)
            .filter_map(|p| p.1),
    );
    if let Some(&first) = offs.first() {
        if let Some(&other) = offs.iter().find(|&&o| o % 4 != first % 4) {
            out.push(
                Rejection::at(
                    pc,
                    "nfp.stack.location_changed",
                    format!("stack access changed location was:{first} is:{other}"),
                )
                .with_hint(hints::STACK_LOC),
            );
        }
    }
}

/// The NFP's stack model (`nfp_bpf_finalize` / `nfp_bpf_get_stack_usage`): each subprogram's
/// depth plus 4 bytes of return address, plus 32 if it writes R6–R9 (they are pushed), rounded
/// up to 64; the deepest call chain must fit the firmware's stack.
fn stack(profile: &Profile, prog: &Program, s: &Summary<'_>) -> Option<Rejection> {
    let starts = prog.function_starts();
    let raw = ir::insn::encode(&prog.insns);
    let func_of = |pc: usize| starts.partition_point(|&st| st <= pc).saturating_sub(1);
    let n = starts.len();
    let mut frame = vec![0u64; n];
    let mut callees: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut pushes = vec![false; n];
    for (pc, r) in raw.iter().enumerate() {
        let f = func_of(pc);
        if (6..=9).contains(&r.dst) && !matches!(prog.insns.get(pc), Some(Insn::LdImm64Tail)) {
            pushes[f] = true;
        }
        if let Some(insn @ Insn::Call(CallTarget::Local(_))) = prog.insns.get(pc) {
            if let Some(t) = insn.jump_target(pc).filter(|t| *t >= 0) {
                let callee = func_of(t as usize);
                if !callees[f].contains(&callee) {
                    callees[f].push(callee);
                }
            }
        }
    }
    for (i, &start) in starts.iter().enumerate() {
        let depth = s
            .depth_per_function
            .iter()
            .find(|d| d.0 == start)
            .map_or(0, |d| d.1) as u64;
        let extra = if i == 0 {
            0
        } else {
            4 + if pushes[i] { 32 } else { 0 }
        };
        frame[i] = (depth + extra).div_ceil(64) * 64;
    }
    fn deepest(f: usize, callees: &[Vec<usize>], frame: &[u64], depth: usize) -> u64 {
        let below = if depth > 16 {
            0
        } else {
            callees[f]
                .iter()
                .map(|&c| deepest(c, callees, frame, depth + 1))
                .max()
                .unwrap_or(0)
        };
        frame[f] + below
    }
    let total = deepest(0, &callees, &frame, 0);
    let max = profile.limits.stack as u64;
    (total > max).then(|| {
        Rejection::program(
            "nfp.stack.too_large",
            format!("stack too large: program {total}B > FW stack {max}B"),
        )
        .with_hint("use less stack (smaller local buffers) or fewer nested calls: each frame is rounded up to 64 bytes, subprograms add 4 bytes of return address and 32 if they use R6-R9")
    })
}
