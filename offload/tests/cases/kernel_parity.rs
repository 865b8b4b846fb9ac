//! Rows where this verifier once disagreed with the Linux kernel (issue 12): sign-extending
//! context loads, subtraction from a stack pointer, pointer-against-NULL branches, the constant
//! key that lets an array lookup skip its null check, and subprograms that return nothing.
//! Every verdict and message here is the kernel's (Linux 6.18, privileged), confirmed by
//! `verifier_kernel.rs`; rejections also pin the instruction index.

use super::{accept, reject_at, slots, Case};

const X: &str = ".section xdp\n";
const TC: &str = ".section tc\n";

/// LDSX (`*(sN *)`) never yields a pointer: the context fields that load as packet pointers
/// refuse it (`is_valid_access` with `is_ldsx`), scalar fields sign-extend.
fn sign_extending_ctx_loads(out: &mut Vec<Case>) {
    // struct xdp_md: data, data_end, data_meta.
    for off in [0, 4, 8] {
        out.push(reject_at(
            format!("ldsx_xdp_ctx_pointer_field_at{off}"),
            format!("{X}r2 = *(s32 *)(r1 + {off})\nr0 = 2\nexit\n"),
            0,
            format!("invalid bpf_context access off={off} size=4"),
        ));
    }
    // struct __sk_buff: data, data_end, data_meta.
    for off in [76, 80, 140] {
        out.push(reject_at(
            format!("ldsx_tc_ctx_pointer_field_at{off}"),
            format!("{TC}r2 = *(s32 *)(r1 + {off})\nr0 = 0\nexit\n"),
            0,
            format!("invalid bpf_context access off={off} size=4"),
        ));
    }
    out.push(accept(
        "ldsx_xdp_ctx_scalar_field",
        format!("{X}r2 = *(s32 *)(r1 + 12)\nr0 = 2\nexit\n"),
    ));
    out.push(accept(
        "ldsx_tc_ctx_narrow_scalar_fields",
        format!("{TC}r2 = *(s8 *)(r1 + 0)\nr3 = *(s16 *)(r1 + 8)\nr0 = 0\nexit\n"),
    ));
    out.push(reject_at(
        "ldsx_xdp_ctx_scalar_is_no_pointer",
        format!("{X}r2 = *(s32 *)(r1 + 12)\nr0 = *(u8 *)(r2 + 0)\nr0 = 2\nexit\n"),
        1,
        "R2 invalid mem access 'scalar'",
    ));
    out.push(reject_at(
        "ldsx_stack_spilled_pointer",
        format!("{X}*(u64 *)(r10 - 8) = r1\nr2 = *(s32 *)(r10 - 8)\nr0 = 2\nexit\n"),
        1,
        "invalid size of register fill",
    ));
    out.push(accept(
        "movsx_of_packet_pointer_is_scalar_privileged",
        format!("{X}r2 = *(u32 *)(r1 + 0)\nr2 = (s32)r2\nr0 = 2\nexit\n"),
    ));
}

/// Any subtraction from a stack pointer is refused, by a constant too; 32-bit subtraction makes
/// a scalar (privileged); adding a negative constant is the way to move it.
fn stack_pointer_subtraction(out: &mut Vec<Case>) {
    out.push(reject_at(
        "stack_sub_imm",
        format!("{X}r2 = r10\nr2 -= 8\nr0 = 2\nexit\n"),
        1,
        "R2 subtraction from stack pointer prohibited",
    ));
    out.push(reject_at(
        "stack_sub_const_reg",
        format!("{X}r3 = 8\nr2 = r10\nr2 -= r3\nr0 = 2\nexit\n"),
        2,
        "R2 subtraction from stack pointer prohibited",
    ));
    out.push(reject_at(
        "stack_sub_negative_imm",
        format!("{X}r2 = r10\nr2 += -8\nr2 -= -8\nr0 = 2\nexit\n"),
        2,
        "R2 subtraction from stack pointer prohibited",
    ));
    out.push(reject_at(
        "stack_sub_huge_imm",
        format!("{X}r2 = r10\nr2 -= 0x20000000\nr0 = 2\nexit\n"),
        1,
        "math between fp pointer and 536870912 is not allowed",
    ));
    out.push(accept(
        "stack_sub32_privileged",
        format!("{X}r2 = r10\nw2 -= 8\nr0 = 2\nexit\n"),
    ));
    out.push(accept(
        "stack_minus_stack_privileged",
        format!("{X}r2 = r10\nr2 += -8\nr3 = r10\nr3 -= r2\nr0 = 2\nexit\n"),
    ));
    out.push(accept(
        "ctx_sub_imm_privileged",
        format!("{X}r2 = r1\nr2 -= 8\nr0 = 2\nexit\n"),
    ));
}

/// `if ptr == 0`: only map values and map pointers are known non-NULL (`reg_not_null`); for
/// ctx, stack and packet pointers the kernel explores both ways.
fn pointer_null_branches(out: &mut Vec<Case>) {
    let both = [
        ("ctx_eq", "", "if r1 == 0 goto bad\n"),
        ("ctx_ne", "", "if r1 != 0 goto ok\ngoto bad\nok:\n"),
        ("ctx_eq32", "", "if w1 == 0 goto bad\n"),
        ("ctx_eq_zero_reg", "r3 = 0\n", "if r1 == r3 goto bad\n"),
        ("zero_reg_eq_ctx", "r3 = 0\n", "if r3 == r1 goto bad\n"),
        ("ctx_off_eq", "r1 += 4\n", "if r1 == 0 goto bad\n"),
        ("stack_eq", "r2 = r10\n", "if r2 == 0 goto bad\n"),
        ("pkt_eq", "r2 = *(u32 *)(r1 + 0)\n", "if r2 == 0 goto bad\n"),
        (
            "pkt_end_eq",
            "r2 = *(u32 *)(r1 + 4)\n",
            "if r2 == 0 goto bad\n",
        ),
    ];
    for (name, setup, branch) in both {
        let head = format!("{X}r0 = 2\n{setup}{branch}exit\nbad:\n");
        out.push(reject_at(
            format!("null_branch_{name}_explored"),
            format!("{head}r0 = r7\nexit\n"),
            slots(&head),
            "R7 !read_ok",
        ));
    }
    out.push(accept(
        "null_branch_map_value_pruned",
        format!("{X}.map m type=hash key=4 value=8 entries=4\n*(u32 *)(r10 - 4) = 0\nr1 = map[m] ll\nr2 = r10\nr2 += -4\ncall bpf_map_lookup_elem\nif r0 == 0 goto out\nif r0 == 0 goto bad\nr0 = 2\nexit\nbad:\nr0 = r7\nexit\nout:\nr0 = 2\nexit\n"),
    ));
    out.push(accept(
        "null_branch_map_ptr_pruned",
        format!("{X}.map m type=hash key=4 value=8 entries=4\nr1 = map[m] ll\nif r1 != 0 goto ok\nr0 = r7\nexit\nok:\nr0 = 2\nexit\n"),
    ));
}

/// `bpf_map_lookup_elem` on an ARRAY skips the null check only for a key the kernel's
/// `get_constant_map_key` proves: 4 zero bytes, or a spilled scalar constant exactly 4 bytes
/// wide (an 8-byte spill read from its upper half counts; a 4-byte read of it does not).
fn constant_array_keys(out: &mut Vec<Case>) {
    let head = |store: &str, key_off: i32| {
        format!(
            "{X}.map a type=array key=4 value=8 entries=8\n{store}\nr1 = map[a] ll\nr2 = r10\nr2 += {key_off}\ncall bpf_map_lookup_elem\n"
        )
    };
    let lookup = |store: &str, key_off: i32| {
        format!(
            "{}r0 = *(u32 *)(r0 + 0)\nr0 = 2\nexit\n",
            head(store, key_off)
        )
    };
    let known = [
        ("zero_bytes", "*(u32 *)(r10 - 4) = 0", -4),
        ("zero_reg_bytes", "r3 = 0\n*(u32 *)(r10 - 4) = r3", -4),
        (
            "two_zero_halves",
            "*(u16 *)(r10 - 4) = 0\n*(u16 *)(r10 - 2) = 0",
            -4,
        ),
        ("imm_spill_u32", "*(u32 *)(r10 - 8) = 3", -8),
        ("imm_spill_last_entry", "*(u32 *)(r10 - 8) = 7", -8),
        ("reg_spill_u32", "r3 = 3\n*(u32 *)(r10 - 8) = r3", -8),
        ("u64_spill_upper_half", "r3 = 5\n*(u64 *)(r10 - 8) = r3", -4),
        ("u64_zero_upper_half", "*(u64 *)(r10 - 8) = 0", -4),
    ];
    for (name, store, off) in known {
        out.push(accept(format!("array_key_{name}"), lookup(store, off)));
    }
    let unknown = [
        (
            "masked_u32",
            "r3 = *(u32 *)(r1 + 12)\nr3 &= 7\n*(u32 *)(r10 - 4) = r3",
            -4,
        ),
        (
            "masked_spill_u32",
            "r3 = *(u32 *)(r1 + 12)\nr3 &= 7\n*(u32 *)(r10 - 8) = r3",
            -8,
        ),
        (
            "masked_spill_u64",
            "r3 = *(u32 *)(r1 + 12)\nr3 &= 7\n*(u64 *)(r10 - 8) = r3",
            -8,
        ),
        ("const_imm_unaligned", "*(u32 *)(r10 - 4) = 3", -4),
        ("past_end", "*(u32 *)(r10 - 8) = 8", -8),
        ("negative", "*(u32 *)(r10 - 8) = -1", -8),
        ("u64_spill_low_half", "r3 = 3\n*(u64 *)(r10 - 8) = r3", -8),
        ("u64_zero_low_half", "*(u64 *)(r10 - 8) = 0", -8),
        (
            "const_after_mul",
            "r3 = *(u32 *)(r1 + 12)\nr3 *= 0\n*(u64 *)(r10 - 8) = r3",
            -8,
        ),
        (
            "wide_value_in_u32_spill",
            "r3 = 0x100000003 ll\n*(u32 *)(r10 - 8) = r3",
            -8,
        ),
        (
            "u16_zero_spill",
            "*(u16 *)(r10 - 8) = 0\n*(u16 *)(r10 - 6) = 0",
            -8,
        ),
    ];
    for (name, store, off) in unknown {
        out.push(reject_at(
            format!("array_key_{name}_needs_null_check"),
            lookup(store, off),
            slots(&head(store, off)),
            "R0 invalid mem access 'map_value_or_null'",
        ));
    }
}

/// A static subprogram need not set r0 (the kernel checks r0 at the entry function's exit
/// only); its caller then cannot read r0.
fn subprogram_returns(out: &mut Vec<Case>) {
    out.push(accept(
        "subprog_returns_nothing",
        format!("{X}call f\nr0 = 2\nexit\nf:\nr1 = 1\nexit\n"),
    ));
    out.push(accept(
        "subprog_nested_returns_nothing",
        format!("{X}r6 = 2\ncall f\nr0 = r6\nexit\nf:\ncall g\nexit\ng:\nr1 = 1\nexit\n"),
    ));
    out.push(reject_at(
        "subprog_result_unset_read_by_caller",
        format!("{X}call f\nr0 += 1\nexit\nf:\nr1 = 1\nexit\n"),
        1,
        "R0 !read_ok",
    ));
    out.push(reject_at(
        "subprog_result_unset_returned",
        format!("{X}r6 = 1\ncall f\nexit\nf:\nr1 = 1\nexit\n"),
        2,
        "R0 !read_ok",
    ));
}

pub fn add(out: &mut Vec<Case>) {
    sign_extending_ctx_loads(out);
    stack_pointer_subtraction(out);
    pointer_null_branches(out);
    constant_array_keys(out);
    subprogram_returns(out);
}
