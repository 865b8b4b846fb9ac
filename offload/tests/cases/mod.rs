//! The declarative accept/reject table: assembly text (LLVM syntax), the expected verdict and,
//! for rejections, a substring of the kernel's message. Families are generated from a rule whose
//! expected outcome is stated independently of the verifier (the layout of `struct xdp_md`, the
//! 512-byte stack, the proven packet range, ...); the kernel differential confirms every row.

#![allow(dead_code)]

mod handwritten;
mod kernel_parity;

/// The expected verdict.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expect {
    /// Loads.
    Accept,
    /// Refused, with a substring of the reason.
    Reject(String),
}

/// One row.
#[derive(Clone, Debug)]
pub struct Case {
    /// Unique name.
    pub name: String,
    /// LLVM-syntax assembly (with `.section`/`.map` directives).
    pub asm: String,
    /// Expected verdict.
    pub expect: Expect,
    /// For rejections: the instruction (slot index) the first reason names, when the row pins
    /// it (the kernel's log shows the same instruction last before its reason).
    pub pc: Option<usize>,
}

pub fn accept(name: impl Into<String>, asm: impl Into<String>) -> Case {
    Case {
        name: name.into(),
        asm: asm.into(),
        expect: Expect::Accept,
        pc: None,
    }
}

pub fn reject(name: impl Into<String>, asm: impl Into<String>, msg: impl Into<String>) -> Case {
    Case {
        name: name.into(),
        asm: asm.into(),
        expect: Expect::Reject(msg.into()),
        pc: None,
    }
}

/// A rejection at instruction slot `pc`.
pub fn reject_at(
    name: impl Into<String>,
    asm: impl Into<String>,
    pc: usize,
    msg: impl Into<String>,
) -> Case {
    Case {
        pc: Some(pc),
        ..reject(name, asm, msg)
    }
}

/// Instruction slots in LLVM-syntax assembly text: one per instruction line, two for an
/// `LD_IMM64` (`... ll`); directives and labels take none.
pub fn slots(asm: &str) -> usize {
    asm.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('.') && !l.ends_with(':'))
        .map(|l| if l.ends_with(" ll") { 2 } else { 1 })
        .sum()
}

const PKT_HEAD: &str = "r2 = *(u32 *)(r1 + 4)\nr1 = *(u32 *)(r1 + 0)\n";

/// Packet reads after `data + n <= data_end`, in the four ways of writing the comparison.
fn packet_family(out: &mut Vec<Case>) {
    let forms: [(&str, &str); 4] = [
        ("gt", "if r3 > r2 goto out\n"),
        ("lt", "if r2 < r3 goto out\n"),
        ("le_taken", "if r3 <= r2 goto ok\ngoto out\nok:\n"),
        ("ge_taken", "if r2 >= r3 goto ok\ngoto out\nok:\n"),
    ];
    for n in [1u32, 2, 8, 14, 20, 34, 54] {
        for size in [1u32, 2, 4, 8] {
            let ty = match size {
                1 => "u8",
                2 => "u16",
                4 => "u32",
                _ => "u64",
            };
            let mut offs = vec![
                0i64,
                n as i64 - size as i64,
                n as i64 - size as i64 + 1,
                n as i64,
            ];
            offs.retain(|o| *o >= 0);
            offs.sort();
            offs.dedup();
            for off in offs {
                for (fi, (fname, form)) in forms.iter().enumerate() {
                    // Keep the table at a reasonable size: every form for small n, one for the rest.
                    if n > 14 && fi > 0 && (off as u32 + size) <= n {
                        continue;
                    }
                    let asm = format!(
                        ".section xdp\n{PKT_HEAD}r3 = r1\nr3 += {n}\n{form}r0 = *({ty} *)(r1 + {off})\nout:\nr0 = 2\nexit\n"
                    );
                    let name = format!("pkt_{fname}_n{n}_{ty}_at{off}");
                    if off as u32 + size <= n {
                        out.push(accept(name, asm));
                    } else {
                        out.push(reject(
                            name,
                            asm,
                            format!("invalid access to packet, off={off} size={size}, R1(id=0,off={off},r={n})"),
                        ));
                    }
                }
            }
        }
    }
    // `pkt + n < end` (the fall-through of `>=`) proves one byte more than `<=`.
    for n in [2u32, 8, 14] {
        let asm_ok = format!(
            ".section xdp\n{PKT_HEAD}r3 = r1\nr3 += {n}\nif r3 >= r2 goto out\nr0 = *(u8 *)(r1 + {n})\nout:\nr0 = 2\nexit\n"
        );
        out.push(accept(format!("pkt_ge_fall_n{n}_one_past"), asm_ok));
        let asm_bad = format!(
            ".section xdp\n{PKT_HEAD}r3 = r1\nr3 += {n}\nif r3 >= r2 goto out\nr0 = *(u8 *)(r1 + {})\nout:\nr0 = 2\nexit\n",
            n + 1
        );
        out.push(reject(
            format!("pkt_ge_fall_n{n}_two_past"),
            asm_bad,
            format!(
                "invalid access to packet, off={} size=1, R1(id=0,off={},r={})",
                n + 1,
                n + 1,
                n + 1
            ),
        ));
    }
    // Writes are allowed in the proven range too.
    for n in [4u32, 14] {
        out.push(accept(
            format!("pkt_write_n{n}"),
            format!(".section xdp\n{PKT_HEAD}r3 = r1\nr3 += {n}\nif r3 > r2 goto out\n*(u32 *)(r1 + {}) = 0\nout:\nr0 = 2\nexit\n", n - 4),
        ));
        out.push(reject(
            format!("pkt_write_past_n{n}"),
            format!(".section xdp\n{PKT_HEAD}r3 = r1\nr3 += {n}\nif r3 > r2 goto out\n*(u32 *)(r1 + {}) = 0\nout:\nr0 = 2\nexit\n", n - 3),
            "invalid access to packet",
        ));
    }
}

/// `struct xdp_md`: six u32 fields at 0, 4, ..., 20, readable only whole.
fn xdp_ctx_family(out: &mut Vec<Case>) {
    for off in (-4i32..=28).step_by(2) {
        for (size, ty) in [(1u32, "u8"), (2, "u16"), (4, "u32"), (8, "u64")] {
            let asm = if off < 0 {
                format!(
                    ".section xdp\nr0 = *({ty} *)(r1 - {})\nr0 = 2\nexit\n",
                    -off
                )
            } else {
                format!(".section xdp\nr0 = *({ty} *)(r1 + {off})\nr0 = 2\nexit\n")
            };
            let name = format!("xdp_ctx_{ty}_at{off}");
            if off >= 0 && off % 4 == 0 && off <= 16 && size == 4 {
                out.push(accept(name, asm));
            } else {
                out.push(reject(
                    name,
                    asm,
                    format!("invalid bpf_context access off={off} size={size}"),
                ));
            }
        }
    }
    // No xdp_md field is writable.
    for off in [0, 4, 12, 16] {
        out.push(reject(
            format!("xdp_ctx_store_at{off}"),
            format!(".section xdp\n*(u32 *)(r1 + {off}) = 0\nr0 = 2\nexit\n"),
            format!("invalid bpf_context access off={off} size=4"),
        ));
    }
}

/// `struct __sk_buff` for TC: narrow reads of scalar fields, whole reads of pointers, a few
/// writable fields.
fn tc_ctx_family(out: &mut Vec<Case>) {
    let fields: [(&str, u32, bool); 8] = [
        ("len", 0, false),
        ("mark", 8, true),
        ("protocol", 16, false),
        ("priority", 32, true),
        ("ifindex", 40, false),
        ("cb0", 48, true),
        ("hash", 68, false),
        ("tc_classid", 72, true),
    ];
    for (name, off, writable) in fields {
        for (size, ty) in [(1u32, "u8"), (2, "u16"), (4, "u32")] {
            out.push(accept(
                format!("tc_ctx_read_{name}_{ty}"),
                format!(".section tc\nr0 = *({ty} *)(r1 + {off})\nr0 = 0\nexit\n"),
            ));
            let _ = size;
        }
        let asm = format!(".section tc\nr2 = 1\n*(u32 *)(r1 + {off}) = r2\nr0 = 0\nexit\n");
        if writable {
            out.push(accept(format!("tc_ctx_write_{name}"), asm));
        } else {
            out.push(reject(
                format!("tc_ctx_write_{name}"),
                asm,
                format!("invalid bpf_context access off={off} size=4"),
            ));
        }
    }
    for (name, off) in [("data", 76), ("data_end", 80), ("data_meta", 140)] {
        out.push(accept(
            format!("tc_ctx_read_{name}"),
            format!(".section tc\nr0 = *(u32 *)(r1 + {off})\nr0 = 0\nexit\n"),
        ));
        out.push(reject(
            format!("tc_ctx_narrow_{name}"),
            format!(".section tc\nr0 = *(u16 *)(r1 + {off})\nr0 = 0\nexit\n"),
            format!("invalid bpf_context access off={off} size=2"),
        ));
    }
    out.push(reject(
        "tc_ctx_past_end",
        ".section tc\nr0 = *(u32 *)(r1 + 192)\nr0 = 0\nexit\n",
        "invalid bpf_context access off=192 size=4",
    ));
    out.push(reject(
        "tc_ctx_family_field",
        ".section tc\nr0 = *(u32 *)(r1 + 88)\nr0 = 0\nexit\n",
        "invalid bpf_context access off=88 size=4",
    ));
    out.push(reject(
        "tc_ctx_misaligned",
        ".section tc\nr0 = *(u32 *)(r1 + 2)\nr0 = 0\nexit\n",
        "invalid bpf_context access off=2 size=4",
    ));
}

/// The stack: 512 bytes below r10, accesses aligned to their size.
fn stack_family(out: &mut Vec<Case>) {
    for off in [
        -520i32, -516, -514, -513, -512, -511, -504, -256, -16, -9, -8, -6, -4, -3, -2, -1, 0, 4,
    ] {
        for (size, ty) in [(1i32, "u8"), (2, "u16"), (4, "u32"), (8, "u64")] {
            let ok_bounds = off >= -512 && off + size <= 0;
            let aligned = off.rem_euclid(size) == 0;
            let sign = if off < 0 { "-" } else { "+" };
            let asm = format!(".section xdp\n*({ty} *)(r10 {sign} {})= 7\nr0 = *({ty} *)(r10 {sign} {})\nr0 = 2\nexit\n", off.abs(), off.abs());
            let name = format!("stack_{ty}_at{off}");
            if ok_bounds && aligned {
                out.push(accept(name, asm));
            } else if !aligned {
                out.push(reject(name, asm, "misaligned stack access"));
            } else {
                out.push(reject(
                    name,
                    asm,
                    format!("invalid write to stack R10 off={off} size={size}"),
                ));
            }
        }
    }
}

/// Map values: null check first, then offsets inside `value_size`.
fn map_value_family(out: &mut Vec<Case>) {
    for vs in [8u32, 12, 64] {
        for (size, ty) in [(1u32, "u8"), (4, "u32"), (8, "u64")] {
            let mut offs = vec![
                0i64,
                vs as i64 - size as i64,
                vs as i64 - size as i64 + 1,
                vs as i64,
                -1,
            ];
            offs.sort();
            offs.dedup();
            for off in offs {
                let sign = if off < 0 { "-" } else { "+" };
                let asm = format!(
                    ".section xdp\n.map m type=hash key=4 value={vs} entries=4\n*(u32 *)(r10 - 4) = 0\nr1 = map[m] ll\nr2 = r10\nr2 += -4\ncall bpf_map_lookup_elem\nif r0 == 0 goto out\nr1 = *({ty} *)(r0 {sign} {})\nout:\nr0 = 2\nexit\n",
                    off.abs()
                );
                let name = format!("mapval_vs{vs}_{ty}_at{off}");
                if off >= 0 && off + size as i64 <= vs as i64 {
                    out.push(accept(name, asm));
                } else {
                    out.push(reject(
                        name,
                        asm,
                        format!(
                            "invalid access to map value, value_size={vs} off={off} size={size}"
                        ),
                    ));
                }
            }
        }
        let asm = |ty: &str, key: u32| {
            format!(
            ".section xdp\n.map m type={ty} key=4 value={vs} entries=4\n*(u32 *)(r10 - 4) = {key}\nr1 = map[m] ll\nr2 = r10\nr2 += -4\ncall bpf_map_lookup_elem\nr1 = *(u32 *)(r0 + 0)\nr0 = 2\nexit\n"
        )
        };
        // An array lookup with a constant in-range key cannot fail.
        out.push(accept(
            format!("mapval_vs{vs}_array_const_key_no_null_check"),
            asm("array", 0),
        ));
        out.push(reject(
            format!("mapval_vs{vs}_array_key_past_end"),
            asm("array", 4),
            "R0 invalid mem access 'map_value_or_null'",
        ));
        let asm = asm("hash", 0);
        out.push(reject(
            format!("mapval_vs{vs}_no_null_check"),
            asm,
            "R0 invalid mem access 'map_value_or_null'",
        ));
    }
}

/// Shifts by an immediate must be below the width; division by an immediate zero is refused.
fn alu_imm_family(out: &mut Vec<Case>) {
    for (w, reg, bits) in [("64", "r0", 64), ("32", "w0", 32)] {
        for k in [0, 1, bits - 1, bits, bits + 1, 100] {
            for op in ["<<=", ">>=", "s>>="] {
                let asm = format!(".section xdp\n{reg} = 1\n{reg} {op} {k}\nr0 = 2\nexit\n");
                let name = format!(
                    "shift{w}_{}_{k}",
                    op.replace('=', "").replace('>', "r").replace('<', "l")
                );
                if k < bits {
                    out.push(accept(name, asm));
                } else {
                    out.push(reject(name, asm, format!("invalid shift {k}")));
                }
            }
        }
        for op in ["/=", "%="] {
            out.push(reject(
                format!(
                    "div{w}_{}_by_zero_imm",
                    if op == "/=" { "div" } else { "mod" }
                ),
                format!(".section xdp\n{reg} = 7\n{reg} {op} 0\nr0 = 2\nexit\n"),
                "div by zero",
            ));
            out.push(accept(
                format!(
                    "div{w}_{}_by_zero_reg",
                    if op == "/=" { "div" } else { "mod" }
                ),
                format!(
                    ".section xdp\n{reg} = 7\nr1 = 0\n{reg} {op} {}\nr0 = 2\nexit\n",
                    if w == "64" { "r1" } else { "w1" }
                ),
            ));
        }
    }
}

/// Reading each uninitialised register.
fn uninit_family(out: &mut Vec<Case>) {
    for r in 2..=9 {
        out.push(reject(
            format!("uninit_r{r}_mov"),
            format!(".section xdp\nr0 = r{r}\nexit\n"),
            format!("R{r} !read_ok"),
        ));
        out.push(reject(
            format!("uninit_r{r}_add"),
            format!(".section xdp\nr0 = 0\nr0 += r{r}\nexit\n"),
            format!("R{r} !read_ok"),
        ));
        out.push(reject(
            format!("uninit_r{r}_jmp"),
            format!(".section xdp\nr0 = 2\nif r{r} > 3 goto +0\nexit\n"),
            format!("R{r} !read_ok"),
        ));
    }
}

/// Every row.
pub fn all() -> Vec<Case> {
    let mut out = Vec::new();
    packet_family(&mut out);
    xdp_ctx_family(&mut out);
    tc_ctx_family(&mut out);
    stack_family(&mut out);
    map_value_family(&mut out);
    alu_imm_family(&mut out);
    uninit_family(&mut out);
    handwritten::add(&mut out);
    kernel_parity::add(&mut out);
    out
}
