//! What must hold before each instruction, as plain data computed from the instruction and the
//! target alone — no abstract domain here. [`crate::check`] proves them from the state.

use crate::state::RegKind;
use crate::target::Capabilities;
use ir::insn::{AluOp, AtomicOp, CallTarget, Insn, JmpCond, LdImm64Src, Operand, Width};
use ir::{Program, Reg};

/// Direction of a memory access.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AccessKind {
    /// A load.
    Read,
    /// A store.
    Write,
    /// An atomic read-modify-write.
    ReadWrite,
}

/// A fact that must hold before an instruction, for the program to be safe.
#[derive(Clone, Debug, PartialEq)]
pub enum Assertion {
    /// The register was written on every path (`R3 !read_ok`).
    ReadOk(Reg),
    /// The register may be written (`frame pointer is read only`).
    Writable(Reg),
    /// `size` bytes at `base + off` may be accessed this way. `value` is the stored register
    /// (STX), `imm` whether an immediate is stored (ST).
    ValidAccess {
        /// Base register.
        base: Reg,
        /// Instruction offset.
        off: i16,
        /// Bytes.
        size: u32,
        /// Direction.
        kind: AccessKind,
        /// Stored register, for STX and atomics.
        value: Option<Reg>,
    },
    /// The ALU operation is allowed on these operands if one is a pointer.
    PointerArith {
        /// Destination (and first operand).
        dst: Reg,
        /// Second operand.
        src: Operand,
        /// Operation.
        op: AluOp,
        /// 32 or 64 bits.
        width: Width,
    },
    /// Unprivileged only: comparing pointers leaks addresses.
    NoPointerComparison {
        /// First operand.
        dst: Reg,
        /// Second operand.
        src: Operand,
    },
    /// The register holds a pointer of one of these kinds.
    TypeConstraint {
        /// Register.
        reg: Reg,
        /// Allowed kinds.
        kinds: Vec<RegKind>,
    },
    /// The helper exists for this program type and its arguments fit its prototype (map
    /// key/value pointers cover the map's key/value size).
    ValidCall {
        /// Helper id.
        helper: i32,
    },
    /// A bpf-to-bpf call does not exceed the frame limit.
    CallDepth,
    /// At program exit `r0` is a value the program type may return.
    ValidReturn,
    /// A subprogram does not return a pointer into its own frame.
    NoStackPointerReturn,
    /// LD_ABS/LD_IND: the program type allows them and `r6` is the context.
    LegacyPacketAccess,
    /// Unprivileged only: stored or returned values are not pointers.
    NoPointerLeak(Reg),
    /// Statically false: the instruction is malformed for this verifier.
    Never {
        /// Stable code.
        code: &'static str,
        /// The kernel's words.
        message: String,
    },
    /// A target's own constraint (non-fatal: recorded, exploration continues).
    Target(TargetAssertion),
}

/// A target constraint: a predicate the checker can evaluate from the state, and what to say when
/// it fails (`{observed}` in `message` is replaced by what the verifier knows).
#[derive(Clone, Debug, PartialEq)]
pub struct TargetAssertion {
    /// Stable code, e.g. `nfp.alu.div_not_const`.
    pub code: &'static str,
    /// The predicate.
    pub check: TargetCheck,
    /// The driver's words.
    pub message: String,
    /// How to fix it.
    pub hint: Option<String>,
}

/// Predicates a target can ask about an instruction's operands.
#[derive(Clone, Debug, PartialEq)]
pub enum TargetCheck {
    /// The operand is a known constant that fits in u32 (e.g. a divisor).
    KnownConstU32(Operand),
    /// Every possible value of the operand fits in u32 (e.g. multiplication operands).
    BoundedU32(Operand),
    /// The register is a pointer of one of these kinds.
    PointerKind(Reg, Vec<RegKind>),
    /// The register is a scalar within `min..=max` (signed).
    InRange(Reg, i64, i64),
    /// The register is a known constant among these values.
    ConstIn(Reg, Vec<i64>),
    /// Always false (an unsupported instruction).
    Unsupported,
}

fn read(out: &mut Vec<Assertion>, r: Reg) {
    out.push(Assertion::ReadOk(r));
}

/// The assertions of the instruction at `pc`, in the order the kernel checks them (so the first
/// failing one is the kernel's message), followed by the target's own.
pub fn assertions_for(
    prog: &Program,
    pc: usize,
    caps: &Capabilities,
    unprivileged: bool,
) -> Vec<Assertion> {
    let mut out = Vec::new();
    let Some(insn) = prog.insns.get(pc) else {
        return out;
    };
    match *insn {
        Insn::Alu {
            width,
            op,
            dst,
            src,
        } => {
            if let Operand::Reg(s) = src {
                read(&mut out, s);
            }
            if op != AluOp::Mov {
                read(&mut out, dst);
            }
            if let Operand::Imm(imm) = src {
                if matches!(op, AluOp::Div | AluOp::SDiv | AluOp::Mod | AluOp::SMod) && imm == 0 {
                    out.push(Assertion::Never {
                        code: "safety.alu.div_by_zero",
                        message: "div by zero".into(),
                    });
                }
                let bits = if width == Width::W64 { 64 } else { 32 };
                if matches!(op, AluOp::Lsh | AluOp::Rsh | AluOp::Arsh) && (imm < 0 || imm >= bits) {
                    out.push(Assertion::Never {
                        code: "safety.alu.invalid_shift",
                        message: format!("invalid shift {imm}"),
                    });
                }
            }
            out.push(Assertion::Writable(dst));
            if op != AluOp::Mov || width == Width::W32 {
                out.push(Assertion::PointerArith {
                    dst,
                    src,
                    op,
                    width,
                });
            } else if unprivileged {
                // 64-bit moves copy pointers; nothing to check.
            }
        }
        Insn::MovSx { dst, src, .. } => {
            read(&mut out, src);
            out.push(Assertion::Writable(dst));
            out.push(Assertion::PointerArith {
                dst,
                src: Operand::Reg(src),
                op: AluOp::Mov,
                width: Width::W32,
            });
        }
        Insn::Neg { width, dst } => {
            read(&mut out, dst);
            out.push(Assertion::Writable(dst));
            if unprivileged {
                out.push(Assertion::PointerArith {
                    dst,
                    src: Operand::Imm(0),
                    op: AluOp::Sub,
                    width,
                });
            }
        }
        Insn::End { dst, .. } => {
            read(&mut out, dst);
            out.push(Assertion::Writable(dst));
            if unprivileged {
                out.push(Assertion::NoPointerLeak(dst));
            }
        }
        Insn::Ja { .. } => {}
        Insn::Jmp { dst, src, cond, .. } => {
            read(&mut out, dst);
            if let Operand::Reg(s) = src {
                read(&mut out, s);
            }
            let _ = cond == JmpCond::Eq;
            if unprivileged {
                out.push(Assertion::NoPointerComparison { dst, src });
            }
        }
        Insn::Load {
            size,
            dst,
            src,
            off,
            ..
        } => {
            read(&mut out, src);
            out.push(Assertion::Writable(dst));
            out.push(Assertion::ValidAccess {
                base: src,
                off,
                size: size.bytes(),
                kind: AccessKind::Read,
                value: None,
            });
        }
        Insn::Store {
            size,
            dst,
            off,
            src,
        } => {
            if let Operand::Reg(s) = src {
                read(&mut out, s);
            }
            read(&mut out, dst);
            out.push(Assertion::ValidAccess {
                base: dst,
                off,
                size: size.bytes(),
                kind: AccessKind::Write,
                value: match src {
                    Operand::Reg(s) => Some(s),
                    Operand::Imm(_) => None,
                },
            });
        }
        Insn::Atomic {
            size,
            op,
            dst,
            src,
            off,
            ..
        } => {
            read(&mut out, src);
            read(&mut out, dst);
            if op == AtomicOp::CmpXchg {
                read(&mut out, Reg::R0);
            }
            out.push(Assertion::ValidAccess {
                base: dst,
                off,
                size: size.bytes(),
                kind: AccessKind::ReadWrite,
                value: Some(src),
            });
        }
        Insn::LdImm64 { dst, src, imm } => {
            out.push(Assertion::Writable(dst));
            match src {
                LdImm64Src::Imm => {}
                s if s.is_map() => {
                    let idx = imm as u32 as usize;
                    if idx >= prog.maps.len() {
                        out.push(Assertion::Never {
                            code: "cfg.ld_imm64.bad_map",
                            message: format!("fd {} is not pointing to valid bpf_map", imm as u32),
                        });
                    } else if !caps.map_types.contains(&prog.maps[idx].map_type) {
                        out.push(Assertion::Never {
                            code: "target.map.unsupported_type",
                            message: format!(
                                "map '{}' of type {} is not supported by target {}",
                                prog.maps[idx].name, prog.maps[idx].map_type, caps.name
                            ),
                        });
                    }
                }
                _ => out.push(Assertion::Never {
                    code: "unsupported.ld_imm64",
                    message: format!("unsupported LD_IMM64 source {src:?}"),
                }),
            }
        }
        Insn::LdImm64Tail => out.push(Assertion::Never {
            code: "cfg.ld_imm64.tail",
            message: "invalid BPF_LD_IMM insn".into(),
        }),
        Insn::LdAbs { .. } => out.push(Assertion::LegacyPacketAccess),
        Insn::LdInd { src, .. } => {
            read(&mut out, src);
            out.push(Assertion::LegacyPacketAccess);
        }
        Insn::Call(CallTarget::Helper(id)) => out.push(Assertion::ValidCall { helper: id }),
        Insn::Call(CallTarget::Local(_)) => out.push(Assertion::CallDepth),
        Insn::Call(CallTarget::Kfunc { .. }) => out.push(Assertion::Never {
            code: "unsupported.kfunc",
            message: "calling kernel functions is not supported by this verifier".into(),
        }),
        Insn::CallX { .. } => out.push(Assertion::Never {
            code: "safety.call.callx",
            message: format!("unknown opcode {:02x}", ir::opcode::CALLX),
        }),
        Insn::Exit => {
            read(&mut out, Reg::R0);
            out.push(Assertion::NoStackPointerReturn);
            out.push(Assertion::ValidReturn);
        }
    }
    if let Some(rules) = &caps.rules {
        let mut extra = Vec::new();
        rules.extra_assertions(prog, pc, insn, &mut extra);
        out.extend(extra.into_iter().map(Assertion::Target));
    }
    out
}
