//! Proving assertions from the abstract state: each check either holds or names the failure in
//! the kernel's words with a stable code.

use crate::assertions::{AccessKind, Assertion};
use crate::explore::Env;
use crate::helpers::{ArgKind, HelperProto};
use crate::state::{Frame, RegKind, RegState, SlotByte, State};
use crate::target::CtxLoad;
use ir::insn::{AluOp, Operand, Width};
use ir::{ProgType, Reg};

/// Largest variable offset the kernel lets a pointer carry (`BPF_MAX_VAR_OFF`).
pub const MAX_VAR_OFF: i64 = 1 << 29;
/// Largest packet offset (`MAX_PACKET_OFF`).
pub const MAX_PACKET_OFF: u64 = 0xffff;

/// A failed check: code and the kernel's words.
pub type Failure = (&'static str, String);

fn fail<T>(code: &'static str, msg: impl Into<String>) -> Result<T, Failure> {
    Err((code, msg.into()))
}

/// The kernel's `bpf_alu_string`.
pub fn alu_string(op: AluOp) -> &'static str {
    match op {
        AluOp::Add => "+=",
        AluOp::Sub => "-=",
        AluOp::Mul => "*=",
        AluOp::Div | AluOp::SDiv => "/=",
        AluOp::Or => "|=",
        AluOp::And => "&=",
        AluOp::Lsh => "<<=",
        AluOp::Rsh => ">>=",
        AluOp::Mod | AluOp::SMod => "%=",
        AluOp::Xor => "^=",
        AluOp::Mov => "=",
        AluOp::Arsh => "s>>=",
    }
}

const MEM_EXPECTED: &str =
    "fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_";

/// Check one (safety) assertion.
pub fn check(env: &Env, pc: usize, a: &Assertion, st: &State) -> Result<(), Failure> {
    match a {
        Assertion::ReadOk(r) => {
            if st.reg(*r).kind == RegKind::NotInit {
                return fail("safety.reg.uninit", format!("R{} !read_ok", r.num()));
            }
            Ok(())
        }
        Assertion::Writable(r) => {
            if *r == Reg::R10 {
                return fail("safety.reg.fp_write", "frame pointer is read only");
            }
            Ok(())
        }
        Assertion::ValidAccess {
            base,
            off,
            size,
            kind,
            value,
            sign_extend,
        } => check_access(
            env,
            st,
            Access {
                base: *base,
                off: *off as i64,
                size: *size,
                kind: *kind,
                value: *value,
                sign_extend: *sign_extend,
            },
        ),
        Assertion::PointerArith {
            dst,
            src,
            op,
            width,
        } => check_ptr_alu(env, st, *dst, *src, *op, *width),
        Assertion::NoPointerComparison { dst, src } => {
            if let Operand::Reg(s) = src {
                if st.reg(*s).kind.is_pointer() && !pkt_compare(st.reg(*dst), st.reg(*s)) {
                    return fail(
                        "unprivileged.pointer_comparison",
                        format!("R{} pointer comparison prohibited", s.num()),
                    );
                }
            }
            let d = st.reg(*dst);
            let zero_cmp = matches!(src, Operand::Imm(0));
            if d.kind.is_pointer() && !zero_cmp {
                let ok = matches!(src, Operand::Reg(s) if pkt_compare(d, st.reg(*s)));
                if !ok {
                    return fail(
                        "unprivileged.pointer_comparison",
                        format!("R{} pointer comparison prohibited", dst.num()),
                    );
                }
            }
            Ok(())
        }
        Assertion::TypeConstraint { reg, kinds } => {
            let k = st.reg(*reg).kind;
            if !kinds.contains(&k) {
                let exp: Vec<_> = kinds.iter().map(|k| k.kernel_name()).collect();
                return fail(
                    "safety.reg.type",
                    format!(
                        "R{} type={} expected={}",
                        reg.num(),
                        k.kernel_name(),
                        exp.join(", ")
                    ),
                );
            }
            Ok(())
        }
        Assertion::ValidCall { helper } => check_call(env, st, *helper),
        Assertion::CallDepth => {
            let n = st.frames.len() as u32 + 1;
            if n > env.caps.limits.max_frames {
                return fail(
                    "safety.call.too_deep",
                    format!("the call stack of {n} frames is too deep !"),
                );
            }
            Ok(())
        }
        Assertion::ValidReturn => {
            if st.frames.len() > 1 {
                return Ok(());
            }
            let r0 = st.reg(Reg::R0);
            if r0.kind == RegKind::NotInit {
                return fail("safety.reg.uninit", "R0 !read_ok");
            }
            if env.opts.unprivileged && r0.kind.is_pointer() {
                return fail("unprivileged.leak.return", "R0 leaks addr as return value");
            }
            Ok(())
        }
        Assertion::NoStackPointerReturn => {
            let r0 = st.reg(Reg::R0);
            if st.frames.len() > 1
                && r0.kind == RegKind::Stack
                && r0.frame as usize == st.frames.len() - 1
            {
                return fail(
                    "safety.call.stack_ptr_return",
                    "cannot return stack pointer to the caller",
                );
            }
            Ok(())
        }
        Assertion::LegacyPacketAccess => {
            if !matches!(
                env.prog.prog_type,
                ProgType::SocketFilter | ProgType::SchedCls | ProgType::SchedAct
            ) {
                return fail(
                    "safety.ld_abs.prog_type",
                    "BPF_LD_[ABS|IND] instructions not allowed for this program type",
                );
            }
            let r6 = st.reg(Reg::R6);
            if r6.kind == RegKind::NotInit {
                return fail("safety.reg.uninit", "R6 !read_ok");
            }
            if r6.kind != RegKind::Ctx {
                return fail(
                    "safety.ld_abs.r6",
                    "at the time of BPF_LD_ABS|IND R6 != pointer to skb",
                );
            }
            let _ = pc;
            Ok(())
        }
        Assertion::NoPointerLeak(r) => {
            if env.opts.unprivileged && st.reg(*r).kind.is_pointer() {
                return fail(
                    "unprivileged.leak",
                    format!("R{} pointer arithmetic prohibited", r.num()),
                );
            }
            Ok(())
        }
        Assertion::Never { code, message } => fail(code, message.clone()),
        Assertion::Target(_) => Ok(()),
    }
}

fn pkt_compare(a: &RegState, b: &RegState) -> bool {
    matches!(
        (a.kind, b.kind),
        (RegKind::Packet, RegKind::PacketEnd)
            | (RegKind::PacketEnd, RegKind::Packet)
            | (RegKind::PacketMeta, RegKind::Packet)
            | (RegKind::Packet, RegKind::PacketMeta)
    )
}

fn check_ptr_alu(
    env: &Env,
    st: &State,
    dst: Reg,
    src: Operand,
    op: AluOp,
    width: Width,
) -> Result<(), Failure> {
    let d = st.reg(dst);
    let s = match src {
        Operand::Reg(r) => *st.reg(r),
        Operand::Imm(i) => RegState::known(i as i64 as u64),
    };
    let priv_ = !env.opts.unprivileged;
    if op == AluOp::Mov {
        // 32-bit moves (and movsx) of a pointer.
        if s.kind.is_pointer() && !priv_ {
            return fail(
                "unprivileged.leak",
                format!("R{} partial copy of pointer", dst.num()),
            );
        }
        return Ok(());
    }
    if !d.kind.is_pointer() && !s.kind.is_pointer() {
        return Ok(());
    }
    if d.kind.is_pointer() && s.kind.is_pointer() {
        if op == AluOp::Sub && priv_ {
            return Ok(());
        }
        return fail(
            "safety.ptr.ptr_arith",
            format!(
                "R{} pointer {} pointer prohibited",
                dst.num(),
                alu_string(op)
            ),
        );
    }
    let (ptr, off_reg, dst_is_off) = if d.kind.is_pointer() {
        (d, s, false)
    } else {
        (&s, *d, true)
    };
    if width == Width::W32 {
        if op == AluOp::Sub && priv_ {
            return Ok(());
        }
        return fail(
            "safety.ptr.alu32",
            format!("R{} 32-bit pointer arithmetic prohibited", dst.num()),
        );
    }
    if ptr.kind == RegKind::MapValueOrNull {
        return fail(
            "safety.ptr.arith_on_null",
            format!(
                "R{} pointer arithmetic on {} prohibited, null-check it first",
                dst.num(),
                ptr.kind.kernel_name()
            ),
        );
    }
    let known = off_reg.var.as_const();
    match ptr.kind {
        RegKind::MapPtr if known == Some(0) && op == AluOp::Add => {}
        RegKind::MapPtr | RegKind::PacketEnd => {
            return fail(
                "safety.ptr.arith_prohibited",
                format!(
                    "R{} pointer arithmetic on {} prohibited",
                    dst.num(),
                    ptr.kind.kernel_name()
                ),
            );
        }
        _ => {}
    }
    // The kernel's order: both operands sane, then the operation, then the result.
    sane_offset(&off_reg, ptr.kind)?;
    sane_offset(ptr, ptr.kind)?;
    match op {
        AluOp::Add => {}
        AluOp::Sub => {
            if dst_is_off {
                return fail(
                    "safety.ptr.sub_from_scalar",
                    format!("R{} tried to subtract pointer from scalar", dst.num()),
                );
            }
            // Any subtraction, by a constant too: the kernel's `adjust_ptr_min_max_vals`
            // refuses it for the privileged as well ("JITs might not be able to deal with it").
            if ptr.kind == RegKind::Stack {
                return fail(
                    "safety.ptr.stack_sub",
                    format!("R{} subtraction from stack pointer prohibited", dst.num()),
                );
            }
        }
        AluOp::And | AluOp::Or | AluOp::Xor => {
            return fail(
                "safety.ptr.bitwise",
                format!(
                    "R{} bitwise operator {} on pointer prohibited",
                    dst.num(),
                    alu_string(op)
                ),
            );
        }
        _ => {
            return fail(
                "safety.ptr.bad_op",
                format!(
                    "R{} pointer arithmetic with {} operator prohibited",
                    dst.num(),
                    alu_string(op)
                ),
            );
        }
    }
    // The result must be sane too.
    let result = crate::transfer::ptr_plus(ptr, &off_reg, op == AluOp::Sub, 0);
    sane_offset(&result, ptr.kind)
}

fn sane_offset(reg: &RegState, kind: RegKind) -> Result<(), Failure> {
    let name = kind.kernel_name();
    if let Some(c) = reg.var.as_const() {
        let v = c as i64;
        if v >= MAX_VAR_OFF || v <= -MAX_VAR_OFF {
            return fail(
                "safety.ptr.offset",
                format!("math between {name} pointer and {v} is not allowed"),
            );
        }
    }
    if reg.off as i64 >= MAX_VAR_OFF || reg.off as i64 <= -MAX_VAR_OFF {
        return fail(
            "safety.ptr.offset",
            format!("{name} pointer offset {} is not allowed", reg.off),
        );
    }
    if reg.var.smin == i64::MIN {
        return fail(
            "safety.ptr.unbounded",
            format!(
                "math between {name} pointer and register with unbounded min value is not allowed"
            ),
        );
    }
    if reg.var.smin >= MAX_VAR_OFF || reg.var.smin <= -MAX_VAR_OFF {
        return fail(
            "safety.ptr.offset",
            format!(
                "value {} makes {name} pointer be out of bounds",
                reg.var.smin
            ),
        );
    }
    Ok(())
}

fn dir(kind: AccessKind) -> &'static str {
    match kind {
        AccessKind::Read => " read from",
        _ => " write to",
    }
}

/// One memory access of an instruction, as [`Assertion::ValidAccess`] states it.
struct Access {
    base: Reg,
    off: i64,
    size: u32,
    kind: AccessKind,
    value: Option<Reg>,
    sign_extend: bool,
}

/// Check `size` bytes at `reg + off` of the running frame's stack / packet / map value / ctx.
fn check_access(env: &Env, st: &State, access: Access) -> Result<(), Failure> {
    let Access {
        base,
        off,
        size,
        kind,
        value,
        sign_extend,
    } = access;
    let reg = st.reg(base);
    let n = base.num();
    match reg.kind {
        RegKind::NotInit => fail("safety.reg.uninit", format!("R{n} !read_ok")),
        RegKind::MapPtr if kind == AccessKind::Read => fail(
            "unsupported.map_ptr_read",
            format!("R{n} reads struct bpf_map through a map pointer: not supported by this verifier (the kernel allows it with BTF)"),
        ),
        RegKind::Scalar | RegKind::PacketEnd | RegKind::MapPtr | RegKind::MapValueOrNull => fail(
            if reg.kind == RegKind::MapValueOrNull {
                "safety.map.null"
            } else {
                "safety.mem.bad_pointer"
            },
            format!("R{n} invalid mem access '{}'", reg.kind.kernel_name()),
        ),
        RegKind::Ctx => {
            if kind == AccessKind::ReadWrite {
                return fail(
                    "safety.atomic.ctx",
                    format!("BPF_ATOMIC stores into R{n} ctx is not allowed"),
                );
            }
            check_ctx(env, reg, n, off, size, kind, sign_extend)
        }
        RegKind::Stack => {
            let c = reg.var.as_const();
            let total = reg.off as i64 + off;
            let aligned = reg
                .var
                .var_off
                .add(crate::tnum::Tnum::constant(total as u64))
                .is_aligned(size as u64);
            if !aligned {
                return fail(
                    "safety.stack.misaligned",
                    format!(
                        "misaligned stack access off {}+{}+{} size {}",
                        reg.var.var_off, reg.off, off, size
                    ),
                );
            }
            let frame = &st.frames[reg.frame as usize];
            check_stack_range(env, frame, reg, n, off, size as u64, kind, false)?;
            if let (Some(c), AccessKind::Read) = (c, kind) {
                // A narrower read of a spilled pointer.
                if let Some((slot, _)) = frame.slot(total + c as i64) {
                    if let Some(sp) = slot.spill {
                        if sp.kind.is_pointer() && size != 8 {
                            return fail("safety.stack.fill_size", "invalid size of register fill");
                        }
                    }
                }
            }
            if let (Some(v), AccessKind::Write) = (value, kind) {
                let vr = st.reg(v);
                if vr.kind.is_pointer() && size != 8 {
                    return fail("safety.stack.spill_size", "invalid size of register spill");
                }
            }
            let _ = c;
            Ok(())
        }
        RegKind::Packet | RegKind::PacketMeta => {
            if kind == AccessKind::ReadWrite {
                return fail(
                    "safety.atomic.pkt",
                    format!("BPF_ATOMIC stores into R{n} pkt is not allowed"),
                );
            }
            check_packet(reg, n, off, size as u64)
        }
        RegKind::MapValue => check_map_value(env, reg, n, off, size as u64),
    }
}

fn check_ctx(
    env: &Env,
    reg: &RegState,
    n: u8,
    off: i64,
    size: u32,
    kind: AccessKind,
    sign_extend: bool,
) -> Result<(), Failure> {
    if reg.off != 0 {
        return fail(
            "safety.ctx.modified",
            format!(
                "dereference of modified ctx ptr R{n} off={} disallowed",
                reg.off
            ),
        );
    }
    if reg.var.as_const() != Some(0) {
        return fail(
            "safety.ctx.variable",
            format!("variable ctx access var_off={} disallowed", reg.var.var_off),
        );
    }
    let bad = || {
        fail(
            "safety.ctx.bad_access",
            format!("invalid bpf_context access off={off} size={size}"),
        )
    };
    let Some(layout) = env.caps.ctx(env.prog.prog_type) else {
        return bad();
    };
    if off < 0 || size == 0 || off % size as i64 != 0 {
        return bad();
    }
    let off_u = off as u32;
    let Some(f) = layout
        .fields
        .iter()
        .find(|f| f.off <= off_u && off_u < f.off + f.size)
    else {
        return bad();
    };
    if off_u + size > f.off + f.size {
        return bad();
    }
    // A sign-extending load of a field that loads as a pointer (data, data_end, data_meta) is
    // refused, as the kernel's `is_valid_access` callbacks do since Linux 6.11: a sign-extended
    // 32-bit value is no pointer.
    let pointer_field = matches!(
        f.load,
        CtxLoad::Packet | CtxLoad::PacketEnd | CtxLoad::PacketMeta
    );
    let ok = match kind {
        AccessKind::Read if sign_extend && pointer_field => false,
        AccessKind::Read => {
            f.load != CtxLoad::None && (size == f.size || (f.narrow_read && size < f.size))
        }
        _ => f.write && size == f.size,
    };
    if ok {
        Ok(())
    } else {
        bad()
    }
}

/// Stack bounds (and, unprivileged, initialisation) of `[reg+off, reg+off+size)`.
#[allow(clippy::too_many_arguments)]
fn check_stack_range(
    env: &Env,
    frame: &Frame,
    reg: &RegState,
    n: u8,
    off: i64,
    size: u64,
    kind: AccessKind,
    helper: bool,
) -> Result<(), Failure> {
    let total = reg.off as i64 + off;
    let min_off = total.saturating_add(reg.var.smin);
    let max_off = total
        .saturating_add(reg.var.smax)
        .saturating_add(size as i64);
    let max_stack = env.caps.limits.max_stack as i64;
    if min_off < -max_stack || max_off > 0 || size == 0 {
        return match reg.var.as_const() {
            Some(c) => fail(
                "safety.stack.out_of_bounds",
                format!(
                    "invalid{} stack R{n} off={} size={size}",
                    dir(kind),
                    total + c as i64
                ),
            ),
            None => fail(
                "safety.stack.out_of_bounds",
                format!(
                    "invalid variable-offset{} stack R{n} var_off={} off={} size={size}",
                    dir(kind),
                    reg.var.var_off,
                    total
                ),
            ),
        };
    }
    if env.opts.unprivileged && kind != AccessKind::Write {
        for b in min_off..max_off {
            let init = frame
                .slot(b)
                .map(|(s, i)| s.bytes[i] != SlotByte::Invalid)
                .unwrap_or(false);
            if !init {
                return fail(
                    "unprivileged.stack.uninit_read",
                    if helper {
                        format!(
                            "invalid read from stack R{n} off {}+{} size {size}",
                            min_off,
                            b - min_off
                        )
                    } else {
                        format!(
                            "invalid read from stack off {}+{} size {size}",
                            min_off,
                            b - min_off
                        )
                    },
                );
            }
        }
    }
    Ok(())
}

fn check_packet(reg: &RegState, n: u8, off: i64, size: u64) -> Result<(), Failure> {
    if reg.var.smin < 0 {
        return fail(
            "safety.packet.negative",
            format!("R{n} min value is negative, either use unsigned index or do a if (index >=0) check."),
        );
    }
    let total = off + reg.off as i64;
    if total < 0 || total + size as i64 > reg.range as i64 {
        return fail(
            "safety.packet.out_of_range",
            format!(
                "invalid access to packet, off={total} size={size}, R{n}(id={},off={total},r={})",
                reg.id, reg.range
            ),
        );
    }
    Ok(())
}

fn check_map_value(env: &Env, reg: &RegState, n: u8, off: i64, size: u64) -> Result<(), Failure> {
    let value_size = env
        .prog
        .maps
        .get(reg.map as usize)
        .map(|m| m.value_size)
        .unwrap_or(0) as i64;
    let off = off + reg.off as i64;
    let smin = reg.var.smin;
    let out = |at: i64| at < 0 || at + size as i64 > value_size;
    if smin < 0 && (smin == i64::MIN || smin.saturating_add(off) < 0) {
        return fail(
            "safety.map.negative",
            format!("R{n} min value is negative, either use unsigned index or do a if (index >=0) check."),
        );
    }
    let lo = smin.saturating_add(off);
    if out(lo) {
        return fail(
            "safety.map.out_of_range",
            format!("invalid access to map value, value_size={value_size} off={lo} size={size}"),
        );
    }
    if reg.var.umax >= MAX_VAR_OFF as u64 {
        return fail(
            "safety.map.unbounded",
            format!("R{n} unbounded memory access, make sure to bounds check any such access"),
        );
    }
    let hi = reg.var.umax as i64 + off;
    if out(hi) {
        return fail(
            "safety.map.out_of_range",
            format!("invalid access to map value, value_size={value_size} off={hi} size={size}"),
        );
    }
    Ok(())
}

/// A helper's memory argument: `size` bytes from `reg`, readable (or writable).
fn check_helper_mem(
    env: &Env,
    st: &State,
    regno: u8,
    size: u64,
    write: bool,
) -> Result<(), Failure> {
    let Some(r) = Reg::new(regno) else {
        return fail("internal", "bad register");
    };
    let reg = st.reg(r);
    let kind = if write {
        AccessKind::Write
    } else {
        AccessKind::Read
    };
    match reg.kind {
        RegKind::Stack => {
            let frame = &st.frames[reg.frame as usize];
            check_stack_range(env, frame, reg, regno, 0, size, kind, true)
        }
        RegKind::Packet | RegKind::PacketMeta => check_packet(reg, regno, 0, size),
        RegKind::MapValue => check_map_value(env, reg, regno, 0, size),
        k => fail(
            "safety.helper.arg_type",
            format!("R{regno} type={} expected={MEM_EXPECTED}", k.kernel_name()),
        ),
    }
}

fn check_call(env: &Env, st: &State, id: i32) -> Result<(), Failure> {
    let Some(proto) = env.caps.helper(env.prog.prog_type, id) else {
        return match crate::helpers::by_id(id) {
            Some(p) => fail(
                "safety.helper.prog_type",
                format!("program of this type cannot use helper {}", p.log_name()),
            ),
            None if (1..=crate::helpers::KERNEL_MAX_ID).contains(&id) => fail(
                "unsupported.helper",
                format!("helper #{id} is not supported by this verifier"),
            ),
            None => fail(
                "safety.helper.unknown",
                format!("invalid func unknown#{id}"),
            ),
        };
    };
    check_args(env, st, proto)
}

fn check_args(env: &Env, st: &State, proto: &HelperProto) -> Result<(), Failure> {
    let mut map: Option<u32> = None;
    for (i, arg) in proto.args.iter().enumerate() {
        let regno = i as u8 + 1;
        let Some(r) = Reg::new(regno) else { break };
        let reg = st.reg(r);
        if reg.kind == RegKind::NotInit {
            return fail("safety.reg.uninit", format!("R{regno} !read_ok"));
        }
        let type_err = |expected: &str| {
            fail::<()>(
                "safety.helper.arg_type",
                format!(
                    "R{regno} type={} expected={expected}",
                    reg.kind.kernel_name()
                ),
            )
        };
        match arg {
            ArgKind::Anything | ArgKind::ConstSize | ArgKind::ConstSizeOrZero => {}
            ArgKind::ConstMapPtr => {
                if reg.kind != RegKind::MapPtr {
                    return type_err("map_ptr");
                }
                let m = env.prog.maps.get(reg.map as usize);
                if let Some(m) = m {
                    let special = matches!(
                        m.map_type,
                        ir::MapType::ProgArray | ir::MapType::PerfEventArray | ir::MapType::DevMap
                    );
                    let allowed = if proto.map_types.is_empty() {
                        !special
                    } else {
                        proto.map_types.contains(&m.map_type)
                    };
                    if !allowed && m.map_type == ir::MapType::DevMap && matches!(proto.id, 2 | 3) {
                        return fail("safety.helper.map_write", "write into map forbidden");
                    }
                    if !allowed && proto.id == 12 {
                        return fail(
                            "safety.helper.map_type",
                            "expected prog array map for tail call",
                        );
                    }
                    if !allowed {
                        return fail(
                            "safety.helper.map_type",
                            format!(
                                "cannot pass map_type {} into func {}",
                                m.map_type.kernel_id(),
                                proto.log_name()
                            ),
                        );
                    }
                }
                map = Some(reg.map);
            }
            ArgKind::MapKey | ArgKind::MapValue => {
                let Some(m) = map.and_then(|i| env.prog.maps.get(i as usize)) else {
                    return fail("safety.helper.no_map", "invalid map_ptr to access map->key");
                };
                let size = if *arg == ArgKind::MapKey {
                    m.key_size
                } else {
                    m.value_size
                };
                if !matches!(
                    reg.kind,
                    RegKind::Stack | RegKind::Packet | RegKind::PacketMeta | RegKind::MapValue
                ) {
                    return type_err(MEM_EXPECTED);
                }
                check_helper_mem(env, st, regno, size as u64, false)?;
            }
            ArgKind::Ctx => {
                if reg.kind != RegKind::Ctx {
                    return type_err("ctx");
                }
                if reg.off != 0 {
                    return fail(
                        "safety.ctx.modified",
                        format!(
                            "dereference of modified ctx ptr R{regno} off={} disallowed",
                            reg.off
                        ),
                    );
                }
            }
            ArgKind::Mem | ArgKind::UninitMem | ArgKind::MemRw | ArgKind::MemOrNull => {
                let null = *arg == ArgKind::MemOrNull && reg.is_known_zero();
                if !null
                    && !matches!(
                        reg.kind,
                        RegKind::Stack | RegKind::Packet | RegKind::PacketMeta | RegKind::MapValue
                    )
                {
                    return type_err(MEM_EXPECTED);
                }
                let size_regno = regno + 1;
                let Some(sr) = Reg::new(size_regno) else {
                    break;
                };
                let size_reg = st.reg(sr);
                if size_reg.kind == RegKind::NotInit {
                    return fail("safety.reg.uninit", format!("R{size_regno} !read_ok"));
                }
                if size_reg.kind != RegKind::Scalar {
                    return fail(
                        "safety.helper.arg_type",
                        format!(
                            "R{size_regno} type={} expected=scalar",
                            size_reg.kind.kernel_name()
                        ),
                    );
                }
                let zero_ok = proto.args.get(i + 1) == Some(&ArgKind::ConstSizeOrZero);
                let v = size_reg.var;
                if v.smin < 0 {
                    return fail(
                        "safety.helper.size_negative",
                        format!("R{size_regno} min value is negative, either use unsigned index or do a if (index >=0) check."),
                    );
                }
                if v.umin == 0 && !zero_ok {
                    return fail(
                        "safety.helper.size_zero",
                        format!(
                            "R{size_regno} invalid zero-sized read: u64=[{},{}]",
                            v.umin, v.umax
                        ),
                    );
                }
                if v.umax >= MAX_VAR_OFF as u64 {
                    return fail(
                        "safety.helper.size_unbounded",
                        format!("R{size_regno} unbounded memory access, use 'var &= const' or 'if (var < const)'"),
                    );
                }
                if v.umax > 0 && !null {
                    check_helper_mem(env, st, regno, v.umax, *arg == ArgKind::UninitMem)?;
                }
            }
        }
    }
    Ok(())
}
