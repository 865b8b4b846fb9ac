//! The hooks an offload target uses (issue #5): extra assertions evaluated on every explored path
//! with what the verifier knows, collected without stopping exploration, plus program- and
//! facts-level reasons. A toy target stands in for the NFP profile.

use ir::insn::{AluOp, Insn, Operand};
use ir::Program;
use offload::assertions::{TargetAssertion, TargetCheck};
use offload::state::RegKind;
use offload::target::TargetRules;
use offload::{verify, Capabilities, InsnFacts, Options, Rejection};
use std::sync::Arc;

struct Toy;

impl TargetRules for Toy {
    fn extra_assertions(
        &self,
        _prog: &Program,
        _pc: usize,
        insn: &Insn,
        out: &mut Vec<TargetAssertion>,
    ) {
        match *insn {
            Insn::Alu {
                op: AluOp::Div,
                src,
                ..
            } => out.push(TargetAssertion {
                code: "toy.alu.div_not_const",
                check: TargetCheck::KnownConstU32(src),
                message: "unsupported divisor {observed}: must be a known u32 constant".into(),
                hint: Some("divide by a constant, or by a power of two with a shift".into()),
            }),
            Insn::Alu {
                op: AluOp::Mul,
                dst,
                src,
                ..
            } => {
                out.push(TargetAssertion {
                    code: "toy.alu.mul_wide",
                    check: TargetCheck::BoundedU32(Operand::Reg(dst)),
                    message: "multiplicand {observed} may not fit in 32 bits".into(),
                    hint: None,
                });
                out.push(TargetAssertion {
                    code: "toy.alu.mul_wide",
                    check: TargetCheck::BoundedU32(src),
                    message: "multiplier {observed} may not fit in 32 bits".into(),
                    hint: None,
                });
            }
            Insn::Store {
                dst,
                src: Operand::Imm(_),
                ..
            } => out.push(TargetAssertion {
                code: "toy.mem.st_imm",
                check: TargetCheck::PointerKind(dst, vec![RegKind::Packet]),
                message: "immediate stores only to the packet, not to {observed}".into(),
                hint: None,
            }),
            _ => {}
        }
    }

    fn program_violations(&self, prog: &Program) -> Vec<Rejection> {
        prog.maps
            .iter()
            .filter(|m| m.max_entries > 1000)
            .map(|m| {
                Rejection::program(
                    "toy.map.too_big",
                    format!("map {} has too many entries", m.name),
                )
            })
            .collect()
    }

    fn facts_violations(&self, _prog: &Program, facts: &[InsnFacts]) -> Vec<Rejection> {
        facts
            .iter()
            .enumerate()
            .filter(|(_, f)| f.mem_base_kinds.count_ones() > 1)
            .map(|(pc, _)| {
                Rejection::at(
                    pc,
                    "toy.mem.unstable_pointer",
                    "pointer kind differs between paths",
                )
            })
            .collect()
    }
}

fn toy() -> Capabilities {
    let mut caps = Capabilities::kernel();
    caps.name = "toy".into();
    caps.rules = Some(Arc::new(Toy));
    caps
}

fn asm(s: &str) -> Program {
    ir::asm::assemble(s).expect("assembles")
}

#[test]
fn every_target_reason_is_collected_and_safety_is_unchanged() {
    let p = asm(".section xdp\n.map big type=hash key=4 value=4 entries=5000\nr2 = *(u32 *)(r1 + 12)\nr3 = r2\nr3 /= 7\nr3 /= r2\n*(u64 *)(r10 - 8) = 1\nr4 = *(u64 *)(r10 - 16)\nr4 *= 3\nr0 = 2\nexit\n");
    // The kernel profile accepts it: target reasons never change a safety verdict.
    assert!(verify(&p, &Capabilities::kernel(), &Options::default()).is_ok());
    let err = verify(&p, &toy(), &Options::default()).unwrap_err();
    let codes: Vec<(Option<usize>, &str)> = err.rejections.iter().map(|r| (r.pc, r.code)).collect();
    assert_eq!(
        codes,
        vec![
            (Some(3), "toy.alu.div_not_const"),
            (Some(4), "toy.mem.st_imm"),
            (Some(6), "toy.alu.mul_wide"),
            (None, "toy.map.too_big"),
        ],
        "{err}"
    );
    let div = &err.rejections[0];
    assert!(
        div.message.starts_with("unsupported divisor R2=scalar("),
        "{}",
        div.message
    );
    assert_eq!(
        div.hint.as_deref(),
        Some("divide by a constant, or by a power of two with a shift")
    );
    assert_eq!(div.insn.as_deref(), Some("(3f) r3 /= r2"));
    assert!(err.rejections[1].message.ends_with("not to fp"));
}

#[test]
fn target_checks_use_the_path_knowledge() {
    // The divisor is a constant on every path, and the multiplicand is masked: no reasons.
    let p = asm(".section xdp\nr2 = *(u32 *)(r1 + 12)\nr3 = 8\nr2 /= r3\nr2 &= 0xffff\nr2 *= 3\nr0 = 2\nexit\n");
    assert!(verify(&p, &toy(), &Options::default()).is_ok());
    // Here the divisor is 8 on one path and unknown on the other: the reason names the insn once.
    let p = asm(".section xdp\nr2 = *(u32 *)(r1 + 12)\nr3 = 8\nif r2 > 5 goto +1\nr3 = *(u32 *)(r1 + 16)\nr2 /= r3\nr0 = 2\nexit\n");
    let err = verify(&p, &toy(), &Options::default()).unwrap_err();
    assert_eq!(err.rejections.len(), 1, "{err}");
    assert_eq!(err.rejections[0].pc, Some(4));
}

#[test]
fn a_safety_error_is_still_fatal_under_a_target() {
    let p = asm(".section xdp\nr3 = 1\nr3 /= r3\nr0 = r5\nexit\n");
    let err = verify(&p, &toy(), &Options::default()).unwrap_err();
    assert_eq!(err.rejections[0].message, "R5 !read_ok");
}

#[test]
fn facts_level_reasons_see_every_path() {
    // The same load sees a packet pointer on one path and a stack pointer on the other.
    let p = asm(".section xdp\nr2 = *(u32 *)(r1 + 4)\nr1 = *(u32 *)(r1 + 0)\nr3 = r1\nr3 += 8\nif r3 > r2 goto +2\nr4 = r1\ngoto +3\n*(u64 *)(r10 - 8) = 0\nr4 = r10\nr4 += -8\nr0 = *(u32 *)(r4 + 0)\nr0 = 2\nexit\n");
    assert!(verify(&p, &Capabilities::kernel(), &Options::default()).is_ok());
    let err = verify(&p, &toy(), &Options::default()).unwrap_err();
    assert!(
        err.rejections
            .iter()
            .any(|r| r.code == "toy.mem.unstable_pointer" && r.pc == Some(10)),
        "{err}"
    );
}
