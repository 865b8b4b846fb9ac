//! The NFP driver's per-instruction checks (`nfp_verify_insn` and the JIT's opcode table) as
//! target assertions: data the verifier evaluates on every explored path, with what it knows
//! there. Cross-path and whole-program checks are in [`crate::finish`] and [`crate::maps`].

use crate::profile::Profile;
use ir::ctx::{sk_buff, xdp_md};
use ir::insn::{AluOp, AtomicOp, CallTarget, Endian, Insn, LdImm64Src, Operand, Width};
use ir::{ProgType, Program, Reg};
use offload::assertions::{TargetAssertion, TargetCheck};
use offload::state::RegKind;
use offload::target::TargetRules;
use offload::target_eval::Probe;

/// The NFP's rules for one firmware profile.
#[derive(Clone, Copy, Debug)]
pub struct NfpRules {
    /// Firmware capabilities and limits.
    pub profile: Profile,
}

/// Pointer kinds the NFP JIT can load from and store to.
pub const MEM_KINDS: [RegKind; 4] = [
    RegKind::Ctx,
    RegKind::Stack,
    RegKind::MapValue,
    RegKind::Packet,
];

/// `struct xdp_md` and `struct __sk_buff` fields the JIT translates loads of (offset, name).
const XDP_CTX_LOADS: [(i16, &str); 2] = [
    (xdp_md::DATA as i16, "data"),
    (xdp_md::DATA_END as i16, "data_end"),
];
const SKB_CTX_LOADS: [(i16, &str); 3] = [
    (sk_buff::LEN as i16, "len"),
    (sk_buff::DATA as i16, "data"),
    (sk_buff::DATA_END as i16, "data_end"),
];
/// `offsetof(struct xdp_md, rx_queue_index)`.
const XDP_RX_QUEUE_INDEX: i16 = xdp_md::RX_QUEUE_INDEX as i16;

/// Hints, one per kind of fix.
pub mod hints {
    /// DIV.
    pub const DIV: &str = "divide by a constant, or by a power of two with a shift";
    /// MUL.
    pub const MUL: &str =
        "bound both operands to 32 bits before multiplying (e.g. `x &= 0xffffffff`, or use u32 types)";
    /// MOD.
    pub const MOD: &str =
        "compute `x - (x / c) * c` with a constant c, or `x & (c - 1)` for a power of two";
    /// Unsupported opcodes in general.
    pub const INSN: &str =
        "the NFP JIT has no translation for this instruction: rewrite it with the supported ones";
    /// END.
    pub const END: &str = "only big-endian swaps (bpf_htons/bpf_htonl/bpf_cpu_to_be64) exist on the NFP; a to-little-endian conversion is a no-op on a little-endian host: drop it";
    /// Memory kinds.
    pub const PTR: &str =
        "only the context, the stack, map values and the packet can be accessed on the NFP";
    /// A memory instruction seeing several kinds.
    pub const PTR_CHANGED: &str =
        "make each load/store instruction access one kind of memory: duplicate the code per kind";
    /// Variable stack offsets.
    pub const STACK_VAR: &str = "index stack buffers with constant offsets only";
    /// Stack location changes.
    pub const STACK_LOC: &str =
        "make every path reach this instruction with the same stack offset modulo 4";
    /// Direct map value writes.
    pub const MAP_WRITE: &str =
        "update the value with bpf_map_update_elem(), or count with an atomic add (__sync_fetch_and_add)";
    /// Variable map value offsets.
    pub const MAP_VAR: &str = "access map values at constant offsets only";
    /// Word use conflicts.
    pub const MAP_CONFLICT: &str =
        "keep atomic counters and plainly read data in different 4-byte words of the value";
    /// Atomic counters initialisation.
    pub const ATOMIC_INIT: &str = "initialise counters with bpf_map_update_elem() from a zeroed stack buffer (e.g. `struct val v = {};` or `__builtin_memset`)";
    /// Atomics.
    pub const ATOMIC: &str =
        "only atomic adds without fetch (__sync_fetch_and_add whose result is unused) to a map value are offloaded";
    /// Helpers.
    pub const HELPER: &str = "the NFP offers bpf_map_lookup/update/delete_elem, bpf_get_prandom_u32, bpf_perf_event_output, bpf_xdp_adjust_head and bpf_xdp_adjust_tail; tail calls, redirects and other helpers stay on the host";
    /// Helper stack arguments.
    pub const HELPER_ARG: &str =
        "pass keys and values in a stack buffer at a constant, 4-byte-aligned offset";
    /// event_output flags.
    pub const EVENT_FLAGS: &str = "pass BPF_F_CURRENT_CPU as flags";
    /// adjust_tail.
    pub const ADJUST_TAIL: &str =
        "bpf_xdp_adjust_tail can only shrink on this target: use a negative delta";
    /// Firmware capabilities.
    pub const FW: &str =
        "this firmware lacks the capability: load firmware that has it, or run the program on the host";
    /// TC exit.
    pub const TC_EXIT: &str = "return a constant: TC_ACT_SHOT (2), TC_ACT_STOLEN (4), TC_ACT_QUEUED (5), or TC_ACT_UNSPEC (-1) to pass";
    /// Context stores.
    pub const CTX_STORE: &str = "the NFP can only store to xdp_md.rx_queue_index (queue selection)";
    /// Context loads.
    pub const CTX_LOAD: &str =
        "read only data and data_end (XDP), or len, data and data_end (TC), as 4-byte loads";
    /// ST.
    pub const ST: &str =
        "store a register instead (`r1 = IMM; *(u32 *)(r10 - 8) = r1`), or compile with -mcpu=v3";
    /// Packet split.
    pub const SPLIT: &str = "read less of the packet, or lower the MTU to the split boundary";
    /// Global data.
    pub const GLOBAL_DATA: &str = "use a map with bpf_map_lookup_elem instead of global variables";
}

fn unsupported(code: &'static str, message: impl Into<String>, hint: &str) -> TargetAssertion {
    TargetAssertion::new(code, TargetCheck::Unsupported, message).hint(hint)
}

fn opcode(insn: &Insn) -> u8 {
    ir::insn::encode(std::slice::from_ref(insn))
        .first()
        .map_or(0, |r| r.code)
}

fn unsupported_opcode(insn: &Insn, hint: &str) -> TargetAssertion {
    unsupported(
        "nfp.insn.unsupported",
        format!("instruction {:#x} not supported", opcode(insn)),
        hint,
    )
}

impl NfpRules {
    fn alu(
        &self,
        width: Width,
        op: AluOp,
        dst: Reg,
        src: Operand,
        insn: &Insn,
        out: &mut Vec<TargetAssertion>,
    ) {
        match op {
            AluOp::Mod | AluOp::SMod => out.push(unsupported_opcode(insn, hints::MOD)),
            AluOp::SDiv => out.push(unsupported_opcode(insn, hints::DIV)),
            AluOp::Mul => {
                out.push(
                    TargetAssertion::new(
                        "nfp.alu.mul_range",
                        TargetCheck::BoundedU32(Operand::Reg(dst)),
                        "multiplier is not within u32 value range",
                    )
                    .hint(hints::MUL),
                );
                match src {
                    Operand::Reg(_) => out.push(
                        TargetAssertion::new(
                            "nfp.alu.mul_range",
                            TargetCheck::BoundedU32(src),
                            "multiplicand is not within u32 value range",
                        )
                        .hint(hints::MUL),
                    ),
                    Operand::Imm(i) if width == Width::W64 && i < 0 => out.push(unsupported(
                        "nfp.alu.mul_negative_imm",
                        "sign extended multiplicand won't be within u32 value range",
                        hints::MUL,
                    )),
                    Operand::Imm(_) => {}
                }
            }
            AluOp::Div => {
                out.push(
                    TargetAssertion::new(
                        "nfp.alu.div_range",
                        TargetCheck::BoundedU32(Operand::Reg(dst)),
                        "dividend is not within u32 value range",
                    )
                    .hint(hints::DIV),
                );
                match src {
                    Operand::Reg(_) => {
                        out.push(
                            TargetAssertion::new(
                                "nfp.alu.div_not_const",
                                TargetCheck::KnownConst(src),
                                "divisor is not constant",
                            )
                            .hint(hints::DIV),
                        );
                        out.push(
                            TargetAssertion::new(
                                "nfp.alu.div_range",
                                TargetCheck::BoundedU32(src),
                                "divisor is not within u32 value range",
                            )
                            .hint(hints::DIV),
                        );
                    }
                    Operand::Imm(i) if i < 0 => out.push(unsupported(
                        "nfp.alu.div_negative_imm",
                        "divide by negative constant is not supported",
                        hints::DIV,
                    )),
                    Operand::Imm(_) => {}
                }
            }
            _ => {}
        }
    }

    /// `nfp_bpf_check_ptr` for the base register of a load, store or atomic.
    fn check_ptr(&self, base: Reg, off: i16, size: u32, out: &mut Vec<TargetAssertion>) {
        out.push(
            TargetAssertion::new(
                "nfp.mem.ptr_type",
                TargetCheck::PointerKind(base, MEM_KINDS.to_vec()),
                "unsupported ptr type: {type}",
            )
            .hint(hints::PTR),
        );
        out.push(
            TargetAssertion::new(
                "nfp.stack.variable",
                TargetCheck::StackOffsetConst(base),
                "variable ptr stack access",
            )
            .hint(hints::STACK_VAR),
        );
        out.push(TargetAssertion::new(
            "nfp.mem.probe",
            TargetCheck::Record(Probe::Pointer(base)),
            "",
        ));
        self.packet_split(base, off, size, out);
    }

    fn map_value_access(&self, base: Reg, off: i16, size: u32, out: &mut Vec<TargetAssertion>) {
        out.push(
            TargetAssertion::new(
                "nfp.map.value_offset_variable",
                TargetCheck::MapValueOffsetConst(base),
                "map value offset is variable",
            )
            .hint(hints::MAP_VAR),
        );
        out.push(TargetAssertion::new(
            "nfp.map.value_out_of_bounds",
            TargetCheck::MapValueInBounds {
                reg: base,
                off,
                size,
            },
            "map value access out-of-bounds",
        ));
    }

    fn packet_split(&self, base: Reg, off: i16, size: u32, out: &mut Vec<TargetAssertion>) {
        let l = self.profile.limits;
        if l.mtu > l.packet_split {
            out.push(
                TargetAssertion::new(
                    "nfp.packet.split_boundary",
                    TargetCheck::PacketOffsetAtMost {
                        reg: base,
                        off,
                        size,
                        limit: l.packet_split as u64,
                    },
                    "BPF offload not supported with potential packet access beyond HW packet split boundary",
                )
                .hint(hints::SPLIT),
            );
        }
    }

    fn stack_arg(
        &self,
        fname: &str,
        reg: Reg,
        out: &mut Vec<TargetAssertion>,
        require_stack: bool,
    ) {
        if require_stack {
            out.push(
                TargetAssertion::new(
                    "nfp.helper.arg_ptr_type",
                    TargetCheck::PointerKind(reg, vec![RegKind::Stack]),
                    format!("{fname}: unsupported ptr type {{type}}"),
                )
                .hint(hints::HELPER_ARG),
            );
        }
        out.push(
            TargetAssertion::new(
                "nfp.helper.arg_variable",
                TargetCheck::StackOffsetConst(reg),
                format!("{fname}: variable pointer"),
            )
            .hint(hints::HELPER_ARG),
        );
        out.push(
            TargetAssertion::new(
                "nfp.helper.arg_unaligned",
                TargetCheck::StackAligned(reg, 4),
                format!("{fname}: unaligned stack pointer {{neg_off}}"),
            )
            .hint(hints::HELPER_ARG),
        );
    }

    fn helper(&self, id: i32, out: &mut Vec<TargetAssertion>) {
        let fw = self.profile.firmware;
        let fw_missing = |code: &'static str, msg: &str| unsupported(code, msg, hints::FW);
        match id {
            1..=3 => {
                let (name, have) = match id {
                    1 => ("map_lookup", fw.map_lookup),
                    2 => ("map_update", fw.map_update),
                    _ => ("map_delete", fw.map_delete),
                };
                if !have {
                    out.push(fw_missing(
                        "nfp.helper.not_in_fw",
                        &format!("{name}: not supported by FW"),
                    ));
                    return;
                }
                self.stack_arg(name, Reg::R2, out, true);
                if id == 2 {
                    self.stack_arg(name, Reg::R3, out, true);
                    out.push(TargetAssertion::new(
                        "nfp.helper.probe",
                        TargetCheck::Record(Probe::MapValueBuffer {
                            map: Reg::R1,
                            buf: Reg::R3,
                        }),
                        "",
                    ));
                }
                if id == 3 {
                    out.push(TargetAssertion::new(
                        "nfp.helper.probe",
                        TargetCheck::Record(Probe::Pointer(Reg::R1)),
                        "",
                    ));
                }
            }
            7 => {
                if !fw.random {
                    out.push(fw_missing(
                        "nfp.helper.not_in_fw",
                        "bpf_get_prandom_u32(): FW doesn't support random number generation",
                    ));
                }
            }
            25 => {
                if !fw.event_output {
                    out.push(fw_missing(
                        "nfp.helper.not_in_fw",
                        "event_output: not supported by FW",
                    ));
                    return;
                }
                out.push(
                    TargetAssertion::new(
                        "nfp.helper.event_output_flags",
                        TargetCheck::KnownBits {
                            reg: Reg::R3,
                            mask: 0xffff_ffff,
                            value: 0xffff_ffff,
                        },
                        "event_output: must use BPF_F_CURRENT_CPU, var_off: {var_off}",
                    )
                    .hint(hints::EVENT_FLAGS),
                );
                out.push(
                    TargetAssertion::new(
                        "nfp.helper.arg_ptr_type",
                        TargetCheck::PointerKind(
                            Reg::R4,
                            vec![
                                RegKind::Scalar,
                                RegKind::Stack,
                                RegKind::MapValue,
                                RegKind::Packet,
                            ],
                        ),
                        "event_output: unsupported ptr type: {type}",
                    )
                    .hint("pass the event data from the stack, a map value or the packet"),
                );
                self.stack_arg("event_output", Reg::R4, out, false);
                out.push(TargetAssertion::new(
                    "nfp.helper.probe",
                    TargetCheck::Record(Probe::Pointer(Reg::R4)),
                    "",
                ));
                out.push(
                    TargetAssertion::new(
                        "nfp.helper.event_output_differs",
                        TargetCheck::Unsupported,
                        "warning: return codes and behavior of event_output helper differ for offload!",
                    )
                    .hint("the NFP reports success even when the event is dropped; events may be lost or reordered")
                    .warning(),
                );
            }
            44 => {
                if !fw.adjust_head {
                    out.push(fw_missing(
                        "nfp.helper.not_in_fw",
                        "adjust_head not supported by FW",
                    ));
                } else if !fw.adjust_head_no_meta {
                    out.push(fw_missing(
                        "nfp.helper.adjust_head_meta",
                        "adjust_head: FW requires shifting metadata, not supported by the driver",
                    ));
                }
            }
            65 => {
                if !fw.adjust_tail {
                    out.push(fw_missing(
                        "nfp.helper.not_in_fw",
                        "adjust_tail not supported by FW",
                    ));
                } else {
                    out.push(
                        TargetAssertion::new(
                            "nfp.helper.adjust_tail_grow",
                            TargetCheck::InRangeS32(Reg::R2, i32::MIN, 0),
                            "adjust_tail: delta {observed} may be positive: the NFP returns -EINVAL (-22) for growing the packet",
                        )
                        .hint(hints::ADJUST_TAIL)
                        .warning(),
                    );
                }
            }
            _ => out.push(unsupported(
                "nfp.helper.unsupported",
                format!("unsupported function id: {id}"),
                hints::HELPER,
            )),
        }
    }
}

impl TargetRules for NfpRules {
    fn extra_assertions(
        &self,
        prog: &Program,
        _pc: usize,
        insn: &Insn,
        out: &mut Vec<TargetAssertion>,
    ) {
        match *insn {
            Insn::Alu {
                width,
                op,
                dst,
                src,
            } => self.alu(width, op, dst, src, insn, out),
            Insn::MovSx { .. } => out.push(unsupported_opcode(insn, hints::INSN)),
            Insn::Neg { .. } => {}
            Insn::End { kind, .. } => {
                if kind != Endian::ToBe {
                    out.push(unsupported_opcode(insn, hints::END));
                }
            }
            Insn::Ja { long, .. } => {
                if long {
                    out.push(unsupported_opcode(insn, hints::INSN));
                }
            }
            Insn::Jmp { .. } => {}
            Insn::Load {
                signed,
                size,
                src,
                off,
                ..
            } => {
                if signed {
                    out.push(unsupported_opcode(insn, hints::INSN));
                    return;
                }
                let allowed: &[(i16, &str)] = match prog.prog_type {
                    ProgType::Xdp => &XDP_CTX_LOADS,
                    _ => &SKB_CTX_LOADS,
                };
                if size.bytes() != 4 || !allowed.iter().any(|(o, _)| *o == off) {
                    out.push(
                        TargetAssertion::new(
                            "nfp.ctx.load",
                            TargetCheck::NotPointerKind(src, vec![RegKind::Ctx]),
                            format!(
                                "ctx load of {} bytes at offset {off} not supported by the JIT (Translation failed with error -95)",
                                size.bytes()
                            ),
                        )
                        .hint(hints::CTX_LOAD),
                    );
                }
                self.check_ptr(src, off, size.bytes(), out);
                self.map_value_access(src, off, size.bytes(), out);
            }
            Insn::Store {
                size,
                dst,
                off,
                src,
            } => {
                if let Operand::Imm(_) = src {
                    // BPF_ST: the verifier hook does not look at it; the JIT translates it only
                    // for packet pointers.
                    out.push(
                        TargetAssertion::new(
                            "nfp.mem.st_not_packet",
                            TargetCheck::PointerKind(dst, vec![RegKind::Packet]),
                            "store of an immediate (BPF_ST) to {observed} not supported by the JIT, only to the packet (Translation failed with error -95)",
                        )
                        .hint(hints::ST),
                    );
                    self.packet_split(dst, off, size.bytes(), out);
                    return;
                }
                if prog.prog_type == ProgType::Xdp
                    && off == XDP_RX_QUEUE_INDEX
                    && self.profile.firmware.queue_select
                {
                    // Allowed: on to the pointer checks.
                } else {
                    let (code, msg, hint) =
                        if prog.prog_type == ProgType::Xdp && off == XDP_RX_QUEUE_INDEX {
                            (
                                "nfp.ctx.queue_select",
                                "queue selection not supported by FW",
                                hints::FW,
                            )
                        } else {
                            (
                                "nfp.ctx.store",
                                "unsupported store to context field",
                                hints::CTX_STORE,
                            )
                        };
                    out.push(
                        TargetAssertion::new(
                            code,
                            TargetCheck::NotPointerKind(dst, vec![RegKind::Ctx]),
                            msg,
                        )
                        .hint(hint),
                    );
                }
                self.check_ptr(dst, off, size.bytes(), out);
                out.push(
                    TargetAssertion::new(
                        "nfp.map.write",
                        TargetCheck::NotPointerKind(dst, vec![RegKind::MapValue]),
                        "map writes not supported",
                    )
                    .hint(hints::MAP_WRITE),
                );
            }
            Insn::Atomic {
                size,
                op,
                fetch,
                dst,
                src,
                off,
            } => {
                if op != AtomicOp::Add || fetch {
                    let imm = opcode_imm(insn);
                    out.push(unsupported(
                        "nfp.atomic.op",
                        format!("atomic op not implemented: {imm}"),
                        hints::ATOMIC,
                    ));
                    return;
                }
                out.push(
                    TargetAssertion::new(
                        "nfp.atomic.not_map_value",
                        TargetCheck::PointerKind(dst, vec![RegKind::MapValue]),
                        "atomic add not to a map value pointer: {type}",
                    )
                    .hint(hints::ATOMIC),
                );
                out.push(
                    TargetAssertion::new(
                        "nfp.atomic.not_scalar",
                        TargetCheck::PointerKind(src, vec![RegKind::Scalar]),
                        "atomic add not of a scalar: {type}",
                    )
                    .hint(hints::ATOMIC),
                );
                self.check_ptr(dst, off, size.bytes(), out);
                self.map_value_access(dst, off, size.bytes(), out);
            }
            Insn::LdImm64 { src, .. } => match src {
                LdImm64Src::Imm | LdImm64Src::MapFd | LdImm64Src::MapIdx => {}
                LdImm64Src::MapValue | LdImm64Src::MapIdxValue => out.push(unsupported(
                    "nfp.insn.map_value_address",
                    "direct map value address (global data) not supported by the NFP JIT",
                    hints::GLOBAL_DATA,
                )),
                LdImm64Src::BtfId | LdImm64Src::Func => {
                    out.push(unsupported_opcode(insn, hints::INSN))
                }
            },
            Insn::LdImm64Tail => {}
            Insn::LdAbs { size, .. } | Insn::LdInd { size, .. } => {
                if size.bytes() > 4 {
                    out.push(unsupported_opcode(insn, hints::INSN));
                }
            }
            Insn::Call(CallTarget::Helper(id)) => self.helper(id, out),
            Insn::Call(CallTarget::Local(_)) => {}
            Insn::Call(CallTarget::Kfunc { .. }) => {
                let imm = ir::insn::encode(std::slice::from_ref(insn))
                    .first()
                    .map_or(0, |r| r.imm);
                out.push(unsupported(
                    "nfp.helper.unsupported",
                    format!("unsupported function id: {imm}"),
                    hints::HELPER,
                ));
            }
            Insn::CallX { .. } => out.push(unsupported_opcode(insn, hints::INSN)),
            Insn::Exit => {
                if prog.prog_type != ProgType::Xdp {
                    out.push(
                        TargetAssertion::new(
                            "nfp.exit.not_const",
                            TargetCheck::KnownConst(Operand::Reg(Reg::R0)),
                            "unsupported exit state: {type}, var_off: {var_off}",
                        )
                        .hint(hints::TC_EXIT),
                    );
                    out.push(
                        TargetAssertion::new(
                            "nfp.exit.value",
                            // TC_ACT_OK, RECLASSIFY, PIPE, REPEAT, REDIRECT
                            TargetCheck::NotConstIn(Reg::R0, vec![0, 1, 3, 6, 7]),
                            "unsupported exit state: {type}, imm: {imm}",
                        )
                        .hint(hints::TC_EXIT),
                    );
                }
            }
        }
    }

    fn program_violations(&self, prog: &Program) -> Vec<offload::Rejection> {
        crate::maps::violations(&self.profile, prog)
    }

    fn finish(
        &self,
        prog: &Program,
        summary: &offload::target::Summary<'_>,
    ) -> Vec<offload::Rejection> {
        crate::finish::violations(&self.profile, prog, summary)
    }
}

/// The `imm` of an atomic instruction (the operation code the driver prints).
fn opcode_imm(insn: &Insn) -> i32 {
    ir::insn::encode(std::slice::from_ref(insn))
        .first()
        .map_or(0, |r| r.imm)
}
