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
        /// A sign-extending load (cpu v4 `LDSX`): it never yields a pointer, so context fields
        /// that load as pointers refuse it.
        sign_extend: bool,
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
    /// At the entry function's exit `r0` is set and is a value the program type may return
    /// (a subprogram's exit asks nothing of `r0`).
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
    /// An error refuses the program; a warning is reported and the program still passes.
    pub severity: crate::report::Severity,
}

impl TargetAssertion {
    /// An error-severity assertion without a hint.
    pub fn new(code: &'static str, check: TargetCheck, message: impl Into<String>) -> Self {
        TargetAssertion {
            code,
            check,
            message: message.into(),
            hint: None,
            severity: crate::report::Severity::Error,
        }
    }

    /// The same with a hint.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// The same as a warning: reported, but the program still passes.
    pub fn warning(mut self) -> Self {
        self.severity = crate::report::Severity::Warning;
        self
    }
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
    /// The register's low 32 bits, as a signed number (a C `int` argument), are within
    /// `min..=max`.
    InRangeS32(Reg, i32, i32),
    /// Always false (an unsupported instruction).
    Unsupported,
    /// The operand is a known constant (any value).
    KnownConst(Operand),
    /// The register is *not* a pointer of one of these kinds (anything else holds).
    NotPointerKind(Reg, Vec<RegKind>),
    /// When the register points to the stack, its offset is a known constant.
    StackOffsetConst(Reg),
    /// When the register points to the stack at a known offset `o`, `-o` is a multiple of the
    /// alignment.
    StackAligned(Reg, u32),
    /// Unless the register is a known constant among these values (a non-constant holds).
    NotConstIn(Reg, Vec<u64>),
    /// The register is a scalar whose bits in `mask` are all known and equal `value`.
    KnownBits {
        /// Register.
        reg: Reg,
        /// Bits that must be known.
        mask: u64,
        /// Their required value.
        value: u64,
    },
    /// When the register points to a map value, its offset is a known constant.
    MapValueOffsetConst(Reg),
    /// When the register points to a map value at a known offset, `off..off+size` (instruction
    /// offset included) lies within the map's value.
    MapValueInBounds {
        /// Base register.
        reg: Reg,
        /// Instruction offset.
        off: i16,
        /// Access size in bytes.
        size: u32,
    },
    /// When the register is a packet pointer, the last byte of `size` bytes at `reg + off` is
    /// at most `limit` bytes from the packet start on every value the offset may take.
    PacketOffsetAtMost {
        /// Base register.
        reg: Reg,
        /// Instruction offset.
        off: i16,
        /// Access size in bytes.
        size: u32,
        /// Largest offset of the last byte.
        limit: u64,
    },
    /// Always holds: records what the verifier knows, for the target's whole-program checks
    /// ([`crate::target::TargetRules::finish`]).
    Record(crate::target_eval::Probe),
}

impl TargetCheck {
    /// The registers whose values the check reads (bit per register), so exploration keeps them
    /// precise.
    pub fn regs_read(&self) -> u16 {
        use crate::target_eval::Probe;
        let op = |o: &Operand| match o {
            Operand::Reg(r) => 1u16 << r.num(),
            Operand::Imm(_) => 0,
        };
        let r = |r: &Reg| 1u16 << r.num();
        match self {
            TargetCheck::KnownConstU32(o)
            | TargetCheck::BoundedU32(o)
            | TargetCheck::KnownConst(o) => op(o),
            TargetCheck::PointerKind(x, _)
            | TargetCheck::InRange(x, _, _)
            | TargetCheck::InRangeS32(x, _, _)
            | TargetCheck::ConstIn(x, _)
            | TargetCheck::NotPointerKind(x, _)
            | TargetCheck::StackOffsetConst(x)
            | TargetCheck::StackAligned(x, _)
            | TargetCheck::NotConstIn(x, _)
            | TargetCheck::KnownBits { reg: x, .. }
            | TargetCheck::MapValueOffsetConst(x)
            | TargetCheck::MapValueInBounds { reg: x, .. }
            | TargetCheck::PacketOffsetAtMost { reg: x, .. } => r(x),
            TargetCheck::Record(Probe::Pointer(x)) => r(x),
            TargetCheck::Record(Probe::MapValueBuffer { map, buf }) => r(map) | r(buf),
            TargetCheck::Unsupported => 0,
        }
    }
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
            signed,
            dst,
            src,
            off,
        } => {
            read(&mut out, src);
            out.push(Assertion::Writable(dst));
            out.push(Assertion::ValidAccess {
                base: src,
                off,
                size: size.bytes(),
                kind: AccessKind::Read,
                value: None,
                sign_extend: signed,
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
                sign_extend: false,
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
                sign_extend: false,
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
            // `R0 !read_ok` is part of `ValidReturn`: only the entry function must set r0 (a
            // static subprogram may return nothing; its caller then cannot read r0).
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
