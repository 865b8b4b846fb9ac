//! Random small programs at the instruction level, for "whatever we accept, the kernel
//! accepts": a prologue puts every kind of value the verifier tracks into registers (ctx, packet
//! start with 14 proven bytes, packet end, stack pointers, a map value, a nullable map value,
//! bounded and unknown scalars), then a few random instructions of every class mix them —
//! pointer arithmetic, sign-extending loads, stores, pointer comparisons, forward jumps, calls,
//! atomics — and the program returns.
//!
//! Most of these programs are refused (by both verifiers); the point is the few that one of
//! them accepts.

#![allow(dead_code)]

use proptest::prelude::*;

/// One random instruction, before rendering (jump targets are relative, forward only).
#[derive(Clone, Debug)]
pub enum Op {
    /// ALU: `w` (32-bit), operation index, dst, source (register or immediate).
    Alu(bool, u8, u8, Src),
    /// Load: size index, sign-extending, dst, base, offset.
    Load(u8, bool, u8, u8, i16),
    /// Store: size index, base, offset, source.
    Store(u8, u8, i16, Src),
    /// Conditional forward jump: 32-bit, condition index, dst, source, distance.
    Jmp(bool, u8, u8, Src, u8),
    /// `r = -r`, byte swaps, `r = (sN)r`.
    Unary(u8, u8, u8),
    /// A helper call from a short list.
    Call(u8),
    /// `lock *(u64 *)(base + off) += src`.
    Atomic(u8, i16, u8),
}

/// A register operand or an immediate.
#[derive(Clone, Debug)]
pub enum Src {
    /// `rN` (0..=10).
    Reg(u8),
    /// An immediate.
    Imm(i32),
}

const ALU: [&str; 14] = [
    "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<=", ">>=", "s>>=", "=", "s/=", "s%=",
];
const COND: [&str; 11] = [
    "==", "!=", ">", ">=", "<", "<=", "s>", "s>=", "s<", "s<=", "&",
];
const SIZE: [&str; 4] = ["u8", "u16", "u32", "u64"];
const IMMS: [i32; 16] = [
    0,
    1,
    -1,
    2,
    4,
    7,
    8,
    12,
    14,
    16,
    31,
    32,
    63,
    255,
    -8,
    0x7fff_ffff,
];
const OFFS: [i16; 14] = [-16, -12, -8, -4, -2, 0, 2, 4, 8, 12, 14, 16, 76, 80];
const HELPERS: [&str; 5] = [
    "bpf_ktime_get_ns",
    "bpf_get_prandom_u32",
    "bpf_map_lookup_elem",
    "bpf_xdp_adjust_head",
    "bpf_csum_diff",
];

fn reg() -> impl Strategy<Value = u8> {
    // Weighted towards the registers the prologue fills.
    prop_oneof![8 => 0u8..10, 1 => Just(10u8)]
}

/// A memory base: mostly a register the prologue made a pointer.
fn base() -> impl Strategy<Value = u8> {
    prop_oneof![
        6 => prop::sample::select(vec![2u8, 4, 5, 6, 9, 10]),
        1 => reg(),
    ]
}

fn src() -> impl Strategy<Value = Src> {
    prop_oneof![
        reg().prop_map(Src::Reg),
        prop::sample::select(IMMS.to_vec()).prop_map(Src::Imm),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        5 => (any::<bool>(), 0u8..14, 0u8..10, src()).prop_map(|(w, o, d, s)| Op::Alu(w, o, d, s)),
        4 => (0u8..4, prop::bool::weighted(0.3), 0u8..10, base(), prop::sample::select(OFFS.to_vec()))
            .prop_map(|(z, sx, d, b, o)| Op::Load(z, sx, d, b, o)),
        2 => (0u8..4, base(), prop::sample::select(OFFS.to_vec()), src())
            .prop_map(|(z, b, o, s)| Op::Store(z, b, o, s)),
        3 => (prop::bool::weighted(0.2), 0u8..11, 0u8..10, src(), 0u8..4)
            .prop_map(|(w, c, d, s, k)| Op::Jmp(w, c, d, s, k)),
        1 => (0u8..6, 0u8..10, 0u8..10).prop_map(|(k, d, s)| Op::Unary(k, d, s)),
        1 => (0u8..5).prop_map(Op::Call),
        1 => (base(), prop::sample::select(vec![-16i16, -8, 0, 8]), 0u8..10)
            .prop_map(|(b, o, s)| Op::Atomic(b, o, s)),
    ]
}

/// A random program: TC (else XDP), body, whether r0 is set before the exit, whether the
/// prologue null-checks the hash lookup in r9, how many packet bytes it proves (14 or 34).
pub type Random = (bool, Vec<Op>, bool, bool, bool);

/// Random programs.
pub fn program() -> impl Strategy<Value = Random> {
    (
        prop::bool::weighted(0.25),
        prop::collection::vec(op(), 1..9),
        prop::bool::weighted(0.9),
        any::<bool>(),
        any::<bool>(),
    )
}

fn r(n: u8, w32: bool) -> String {
    format!("{}{n}", if w32 { 'w' } else { 'r' })
}

fn s(x: &Src, w32: bool) -> String {
    match x {
        Src::Reg(n) => r(*n, w32),
        Src::Imm(i) => i.to_string(),
    }
}

fn addr(base: u8, off: i16) -> String {
    if off < 0 {
        format!("r{base} - {}", -(off as i32))
    } else {
        format!("r{base} + {off}")
    }
}

/// The program as LLVM-syntax assembly.
pub fn render((tc, body, set_r0, null_check, long): &Random) -> String {
    let (section, data, end, scalar, ret) = if *tc {
        ("tc", 76, 80, 8, 0)
    } else {
        ("xdp", 0, 4, 12, 2)
    };
    let mut out = format!(
        ".section {section}\n.map a type=array key=4 value=16 entries=4\n.map h type=hash key=4 value=16 entries=4\n\
         r6 = r1\n*(u32 *)(r10 - 4) = 0\n\
         r1 = map[a] ll\nr2 = r10\nr2 += -4\ncall bpf_map_lookup_elem\nr5 = r0\n\
         r1 = map[h] ll\nr2 = r10\nr2 += -4\ncall bpf_map_lookup_elem\nr9 = r0\n\
         r2 = *(u32 *)(r6 + {data})\nr3 = *(u32 *)(r6 + {end})\n\
         r0 = r2\nr0 += {proven}\nif r0 > r3 goto out\n\
         r4 = r10\nr4 += -16\nr7 = *(u32 *)(r6 + {scalar})\nr8 = r7\nr8 &= 15\nr1 = r6\nr0 = 0\n",
        proven = if *long { 34 } else { 14 }
    );
    if *null_check {
        out += "if r9 == 0 goto out\n";
    }
    let n = body.len();
    for (i, op) in body.iter().enumerate() {
        let line = match op {
            Op::Alu(w, o, d, x) => {
                let o = ALU[*o as usize % ALU.len()];
                format!("{} {o} {}", r(*d, *w), s(x, *w))
            }
            Op::Load(z, sx, d, b, off) => {
                let z = *z as usize % 4;
                let ty = if *sx && z < 3 {
                    SIZE[z].replace('u', "s")
                } else {
                    SIZE[z].to_string()
                };
                format!("r{d} = *({ty} *)({})", addr(*b, *off))
            }
            Op::Store(z, b, off, x) => {
                format!(
                    "*({} *)({}) = {}",
                    SIZE[*z as usize % 4],
                    addr(*b, *off),
                    s(x, false)
                )
            }
            Op::Jmp(w, c, d, x, k) => {
                let left = n - 1 - i;
                let k = (*k as usize).min(left);
                format!(
                    "if {} {} {} goto +{k}",
                    r(*d, *w),
                    COND[*c as usize % COND.len()],
                    s(x, *w)
                )
            }
            Op::Unary(k, d, x) => match k % 6 {
                0 => format!("r{d} = -r{d}"),
                1 => format!("w{d} = -w{d}"),
                2 => format!("r{d} = be16 r{d}"),
                3 => format!("r{d} = bswap32 r{d}"),
                4 => format!("r{d} = (s8)r{x}"),
                _ => format!("r{d} = (s32)r{x}"),
            },
            Op::Call(h) => format!("call {}", HELPERS[*h as usize % HELPERS.len()]),
            Op::Atomic(b, off, x) => format!("lock *(u64 *)({}) += r{x}", addr(*b, *off)),
        };
        out += &line;
        out.push('\n');
    }
    if *set_r0 {
        out += &format!("r0 = {ret}\n");
    }
    out += "exit\nout:\nr0 = 0\nexit\n";
    out
}
