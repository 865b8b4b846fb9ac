//! Chains of equality tests on one register (`if r == c1 goto A; if r == c2 goto B; ...`), the
//! shape a linear exact-match rule list lowers to, compiled as a binary search over the sorted
//! constants instead of one compare per rule — what a C compiler does with a `switch`.
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
    search(a, chain.width, x86(chain.dst), &cases, miss, true)
}

/// Unsigned binary search: test the middle case, go right when above, else search the left half.
/// `last`: this is the rightmost leaf, which falls through to `miss` (emitted right after).
fn search(
    a: &mut Asm,
    w: Width,
    reg: Register,
    cases: &[Case],
    miss: Label,
    last: bool,
) -> Result<(), JitError> {
    if cases.len() <= LEAF {
        for c in cases {
            a.op_ri(Op2::Cmp, w, reg, c.imm)?;
            a.jcc(Cond::E, c.target);
        }
        if !last {
            a.jmp(miss);
        }
        return Ok(());
    }
    let mid = cases.len() / 2;
    let right = a.label();
    a.op_ri(Op2::Cmp, w, reg, cases[mid].imm)?;
    a.jcc(Cond::E, cases[mid].target);
    a.jcc(Cond::A, right);
    search(a, w, reg, &cases[..mid], miss, false)?;
    a.bind(right);
    search(a, w, reg, &cases[mid + 1..], miss, last)
}
