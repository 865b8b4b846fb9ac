//! The assembly row cases, shared by `asm_rows.rs` and `kernel_diff.rs`.
#![allow(dead_code)]

/// One expected reason (`code` prefixed `warn:` for warnings).
pub struct Expect {
    pub code: &'static str,
    pub message: String,
    pub pc: Option<usize>,
}

/// One assembly case.
pub struct Case {
    pub name: &'static str,
    pub asm: String,
    pub caps: &'static str,
    pub expect: Vec<Expect>,
    /// The host kernel's verdict.
    pub kernel_accepts: bool,
}

fn e(code: &'static str, message: &str, pc: Option<usize>) -> Expect {
    Expect {
        code,
        message: message.to_string(),
        pc,
    }
}

fn case(name: &'static str, asm: &str, expect: Vec<Expect>) -> Case {
    Case {
        name,
        asm: asm.to_string(),
        caps: "",
        expect,
        kernel_accepts: true,
    }
}

/// A program whose entry uses `main` bytes of stack and calls a subprogram using `sub` bytes
/// (writing r6 when `push`).
fn frames(main: u32, sub: u32, push: bool) -> String {
    format!(
        ".section xdp\n r0 = 0\n *(u8 *)(r10 - {main}) = r0\n call f\n r0 = 2\n exit\nf:\n {}r0 = 0\n *(u8 *)(r10 - {sub}) = r0\n exit\n",
        if push { "r6 = 1\n " } else { "" }
    )
}

fn straight(n: usize) -> String {
    let mut s = String::from(".section xdp\n");
    for _ in 0..n {
        s.push_str(" r0 = 2\n");
    }
    s.push_str(" exit\n");
    s
}

const TWO_KINDS: &str = "
.section xdp
  r0 = 0
  *(u64 *)(r10 - 8) = r0
  r2 = *(u32 *)(r1 + 4)
  r3 = *(u32 *)(r1 + 0)
  r4 = r3
  r4 += 8
  if r4 > r2 goto out
  r5 = r10
  r5 += -8
  r6 = *(u8 *)(r3 + 0)
  if r6 == 0 goto load
  r5 = r3
load:
  r0 = *(u32 *)(r5 + 0)
out:
  exit
";

const TWO_OFFSETS: &str = "
.section xdp
  r0 = 0
  *(u64 *)(r10 - 8) = r0
  *(u64 *)(r10 - 16) = r0
  r2 = *(u32 *)(r1 + 4)
  r3 = *(u32 *)(r1 + 0)
  r4 = r3
  r4 += 1
  if r4 > r2 goto out
  r5 = r10
  r5 += -8
  r6 = *(u8 *)(r3 + 0)
  if r6 == 0 goto load
  r5 += -2
load:
  r0 = *(u8 *)(r5 + 0)
out:
  exit
";

const TWO_DIVISORS: &str = "
.section xdp
  r2 = *(u32 *)(r1 + 4)
  r3 = *(u32 *)(r1 + 0)
  r0 = 100
  r1 = 3
  if r2 > r3 goto div
  r1 = 5
div:
  r0 /= r1
  exit
";

/// Every case.
pub fn cases() -> Vec<Case> {
    let pkt = ".section xdp\n r2 = *(u32 *)(r1 + 4)\n r1 = *(u32 *)(r1 + 0)\n r3 = r1\n r3 += 8\n if r3 > r2 goto +1\n";
    vec![
        case(
            "end_to_le",
            ".section xdp\n r0 = 2\n r0 = le16 r0\n exit\n",
            vec![e("nfp.insn.unsupported", "instruction 0xd4 not supported", Some(1))],
        ),
        case(
            "end_bswap",
            ".section xdp\n r0 = 2\n r0 = bswap16 r0\n exit\n",
            vec![e("nfp.insn.unsupported", "instruction 0xd7 not supported", Some(1))],
        ),
        case(
            "end_to_be_inside",
            ".section xdp\n r0 = 2\n r0 = be16 r0\n r0 = 2\n exit\n",
            vec![],
        ),
        case(
            "st_to_stack",
            ".section xdp\n *(u32 *)(r10 - 4) = 0\n r0 = 2\n exit\n",
            vec![e(
                "nfp.mem.st_not_packet",
                "store of an immediate (BPF_ST) to fp not supported by the JIT, only to the packet (Translation failed with error -95)",
                Some(0),
            )],
        ),
        case(
            "st_to_packet_inside",
            &format!("{pkt} *(u32 *)(r1 + 0) = 0\n r0 = 2\n exit\n"),
            vec![],
        ),
        case(
            "jmp32_ja",
            ".section xdp\n gotol +0\n r0 = 2\n exit\n",
            vec![e("nfp.insn.unsupported", "instruction 0x6 not supported", Some(0))],
        ),
        case(
            "load_sign_extend",
            ".section xdp\n r0 = 0\n *(u64 *)(r10 - 8) = r0\n r0 = *(s8 *)(r10 - 8)\n exit\n",
            vec![e("nfp.insn.unsupported", "instruction 0x91 not supported", Some(2))],
        ),
        case(
            "movsx",
            ".section xdp\n r1 = 2\n r0 = (s8)r1\n exit\n",
            vec![e("nfp.insn.unsupported", "instruction 0xbf not supported", Some(1))],
        ),
        case(
            "sdiv",
            ".section xdp\n r0 = 6\n r1 = 3\n r0 s/= r1\n exit\n",
            vec![e("nfp.insn.unsupported", "instruction 0x3f not supported", Some(2))],
        ),
        case(
            "atomic_fetch_add",
            ".section xdp\n r0 = 0\n *(u64 *)(r10 - 8) = r0\n r2 = r10\n r2 += -8\n r1 = 1\n r1 = atomic_fetch_add((u64 *)(r2 + 0), r1)\n r0 = 2\n exit\n",
            vec![e("nfp.atomic.op", "atomic op not implemented: 1", Some(5))],
        ),
        case(
            "atomic_not_scalar",
            ".section xdp\n.map m type=array key=4 value=8 entries=1\n r0 = 0\n *(u32 *)(r10 - 4) = r0\n r2 = r10\n r2 += -4\n r1 = map[m] ll\n call 1\n if r0 == 0 goto +1\n lock *(u64 *)(r0 + 0) += r10\n r0 = 2\n exit\n",
            vec![e("nfp.atomic.not_scalar", "atomic add not of a scalar: 6", Some(8))],
        ),
        case(
            "mul_negative_imm",
            ".section xdp\n r0 = 2\n r0 *= -3\n r0 = 2\n exit\n",
            vec![e(
                "nfp.alu.mul_negative_imm",
                "sign extended multiplicand won't be within u32 value range",
                Some(1),
            )],
        ),
        case(
            "mul_multiplicand",
            ".section xdp\n call 7\n r1 = r0\n r0 = 2\n w0 *= w1\n exit\n",
            vec![e(
                "nfp.alu.mul_range",
                "multiplicand is not within u32 value range",
                Some(3),
            )],
        ),
        case(
            "div_negative_imm",
            ".section xdp\n r0 = 6\n r0 /= -3\n r0 = 2\n exit\n",
            vec![e(
                "nfp.alu.div_negative_imm",
                "divide by negative constant is not supported",
                Some(1),
            )],
        ),
        case(
            "div_two_constants",
            TWO_DIVISORS,
            vec![e("nfp.alu.div_not_const", "divisor is not constant", Some(6))],
        ),
        case(
            "div_divisor_range",
            ".section xdp\n r0 = 6\n r1 = 0x100000000 ll\n r0 /= r1\n exit\n",
            vec![e(
                "nfp.alu.div_range",
                "divisor is not within u32 value range",
                Some(3),
            )],
        ),
        case(
            "ptr_type_changed",
            TWO_KINDS,
            vec![e(
                "nfp.mem.ptr_type_changed",
                "ptr type changed for instruction 8 -> 6",
                Some(12),
            )],
        ),
        case(
            "stack_location_changed",
            TWO_OFFSETS,
            vec![e(
                "nfp.stack.location_changed",
                "stack access changed location was:-10 is:-8",
                Some(13),
            )],
        ),
        case(
            "stack_frames_too_large",
            &frames(300, 180, true),
            vec![e(
                "nfp.stack.too_large",
                "stack too large: program 576B > FW stack 512B",
                None,
            )],
        ),
        case("stack_frames_inside", &frames(300, 180, false), vec![]),
        // Checked on the real translation: `r0 = 2` is one NFP instruction once r0's high
        // word is known zero (two the first time), plus the exit branch, the XDP outro (11)
        // and the 8 trailing NOPs.
        case(
            "code_store_full",
            &straight(2540),
            vec![e(
                "nfp.code_store",
                "instruction limit reached (2561 NFP instructions)",
                None,
            )],
        ),
        case("code_store_inside", &straight(2539), vec![]),
    ]
}
