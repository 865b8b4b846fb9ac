//! Chains of equality tests on one register (`if r == c1 goto A; if r == c2 goto B; ...`), the
//! shape a linear exact-match rule list lowers to, compiled as a binary search over the sorted
//! constants instead of one compare per rule — what a C compiler does with a `switch`; runs of
//! consecutive constants with one target become one range test.
//!
//! The meaning is unchanged: the first test that matches takes its jump, and no match falls
//! through to the instruction after the chain. A constant that appears twice keeps the target
//! of its first appearance. Only instructions no jump lands on (except the first) are joined,
//! so control can enter the chain only at its head.

use super::emit::{Asm, Cond, Label, Op2};
use super::regs::x86;
use crate::JitError;
use iced_x86::Register;
use ir::insn::{Insn, JmpCond, Operand, Width};
use ir::{Program, Reg};

/// Shortest chain worth a search: below this the linear tests' well-predicted, not-taken
/// branches cost less than the search's taken ones.
pub(crate) const MIN_CHAIN: usize = 16;

/// Tests emitted one after another at the leaves of the search.
const LEAF: usize = 4;

/// An equality chain: slots `start..end`, all `if dst == imm goto ...` of one width.
pub(crate) struct Chain {
    pub(crate) end: usize,
    pub(crate) width: Width,
    pub(crate) dst: Reg,
}

fn eq_test(insn: &Insn) -> Option<(Width, Reg, i32, i16)> {
    match *insn {
        Insn::Jmp {
            width,
            cond: JmpCond::Eq,
            dst,
            src: Operand::Imm(imm),
            off,
        } if off != 0 => Some((width, dst, imm, off)),
        _ => None,
    }
}

/// The chain starting at `start` (inside a function ending at `func_end`), if there is one of
/// at least [`MIN_CHAIN`] tests that falls through to an instruction of the same function.
pub(crate) fn chain_at(
    prog: &Program,
    is_target: &[bool],
    start: usize,
    func_end: usize,
) -> Option<Chain> {
    let (width, dst, _, _) = eq_test(prog.insns.get(start)?)?;
    let mut end = start + 1;
    while end < func_end && !is_target.get(end).copied().unwrap_or(true) {
        match prog.insns.get(end).and_then(eq_test) {
            Some((w, d, _, _)) if w == width && d == dst => end += 1,
            _ => break,
        }
    }
    (end - start >= MIN_CHAIN && end < func_end).then_some(Chain { end, width, dst })
}

/// One case of the search: the constant as the compare sees it, the immediate, the target.
#[derive(Clone, Copy)]
struct Case {
    key: u64,
    imm: i32,
    target: Label,
}

/// Emit the search for the chain `start..chain.end`; `targets[i]` is the label the test at
/// `start + i` jumps to, `miss` the label after the chain.
pub(crate) fn lower_chain(
    a: &mut Asm,
    prog: &Program,
    start: usize,
    chain: &Chain,
    targets: &[Label],
    miss: Label,
) -> Result<(), JitError> {
    let mut cases = Vec::with_capacity(chain.end - start);
    for (pc, &target) in (start..chain.end).zip(targets) {
        let Some((_, _, imm, _)) = prog.insns.get(pc).and_then(eq_test) else {
            return Err(JitError::Layout(format!("slot {pc} is not in the chain")));
        };
        // `cmp r64, imm32` sign-extends; `cmp r32, imm32` compares the low halves.
        let key = match chain.width {
            Width::W64 => imm as i64 as u64,
            Width::W32 => imm as u32 as u64,
        };
        cases.push(Case { key, imm, target });
    }
    if cases.len() != chain.end - start {
        return Err(JitError::Layout("chain targets missing".into()));
    }
    // Stable: among equal constants the first test stays first, and `dedup` keeps it.
    cases.sort_by_key(|c| c.key);
    cases.dedup_by_key(|c| c.key);
    search(
        a,
        chain.width,
        x86(chain.dst),
        &clusters(&cases),
        miss,
        true,
    )
}

/// Consecutive constants with one target, as one range test (a port range written out as one
/// rule per port costs two compares, not a search level per port).
#[derive(Clone, Copy)]
struct Cluster {
    lo: i32,
    hi: i32,
    target: Label,
}

/// `cases` (sorted, distinct) merged into clusters of consecutive keys with the same target.
fn clusters(cases: &[Case]) -> Vec<Cluster> {
    let mut out: Vec<(u64, Cluster)> = Vec::with_capacity(cases.len());
    for c in cases {
        match out.last_mut() {
            Some((last_key, cl))
                if cl.target == c.target && last_key.checked_add(1) == Some(c.key) =>
            {
                cl.hi = c.imm;
                *last_key = c.key;
            }
            _ => out.push((
                c.key,
                Cluster {
                    lo: c.imm,
                    hi: c.imm,
                    target: c.target,
                },
            )),
        }
    }
    out.into_iter().map(|(_, cl)| cl).collect()
}

/// Unsigned binary search over sorted clusters: test the middle one, go right when above it,
/// else search the left half. `last`: this is the rightmost leaf, which falls through to
/// `miss` (emitted right after).
fn search(
    a: &mut Asm,
    w: Width,
    reg: Register,
    cl: &[Cluster],
    miss: Label,
    last: bool,
) -> Result<(), JitError> {
    if cl.len() <= LEAF {
        for c in cl {
            if c.lo == c.hi {
                a.op_ri(Op2::Cmp, w, reg, c.lo)?;
                a.jcc(Cond::E, c.target);
            } else {
                // Below this cluster is below every later one too: a miss.
                a.op_ri(Op2::Cmp, w, reg, c.lo)?;
                a.jcc(Cond::B, miss);
                a.op_ri(Op2::Cmp, w, reg, c.hi)?;
                a.jcc(Cond::Be, c.target);
            }
        }
        if !last {
            a.jmp(miss);
        }
        return Ok(());
    }
    let mid = cl.len() / 2;
    let c = cl[mid];
    let right = a.label();
    if c.lo == c.hi {
        a.op_ri(Op2::Cmp, w, reg, c.lo)?;
        a.jcc(Cond::E, c.target);
        a.jcc(Cond::A, right);
    } else {
        a.op_ri(Op2::Cmp, w, reg, c.hi)?;
        a.jcc(Cond::A, right);
        a.op_ri(Op2::Cmp, w, reg, c.lo)?;
        a.jcc(Cond::Ae, c.target);
    }
    search(a, w, reg, &cl[..mid], miss, false)?;
    a.bind(right);
    search(a, w, reg, &cl[mid + 1..], miss, last)
}
