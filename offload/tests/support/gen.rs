//! A generator of plausible XDP programs: packet loads with and without bounds checks, map
//! lookups with and without null checks, stack spills, loops, scalar arithmetic — about half of
//! them unsafe in one way or another.

#![allow(dead_code)]

use proptest::prelude::*;

/// One block of a generated program.
#[derive(Clone, Debug)]
pub enum Segment {
    /// `data + n <= data_end` checked (unless `!checked`), then a load at `off` of `size`.
    PacketLoad {
        n: u8,
        off: u8,
        size: u8,
        checked: bool,
        form: u8,
    },
    /// A store into the packet under a check.
    PacketStore { n: u8, off: u8, size: u8 },
    /// `bpf_map_lookup_elem`, null check or not, a value access; `reload` restores r1/r2.
    MapLookup {
        null_check: bool,
        off: u8,
        size: u8,
        reload: bool,
        array: bool,
    },
    /// A store and reload through the stack at `fp - off`.
    Spill { off: u16, size: u8, pointer: bool },
    /// A counted loop scanning packet bytes.
    Loop { n: u8 },
    /// Arithmetic on the scalar accumulator r7.
    Arith { op: u8, imm: i32, alu32: bool },
    /// A packet pointer plus a masked byte from the packet, checked or not.
    VarOffset { mask: u8, checked: bool },
    /// Read a temporary that may be uninitialised.
    ReadTemp { reg: u8 },
    /// A bounded loop whose bound is data (may not terminate within the budget).
    DataLoop,
    /// A ctx field bounded with a 32-bit compare, used as a stack index.
    Jmp32Index { bound: u8 },
    /// A sign-extended ctx field bounded with signed compares, used as a stack index.
    SignedIndex { bound: i8, lower: bool },
    /// An array value indexed by a masked ctx field.
    MapVarIndex { mask: u8 },
    /// A bpf-to-bpf call to a packet-reading subprogram (with or without its bounds check).
    Call { checked: bool },
}

const SIZES: [(u8, &str); 4] = [(1, "u8"), (2, "u16"), (4, "u32"), (8, "u64")];

fn ty(size: u8) -> &'static str {
    SIZES
        .iter()
        .find(|s| s.0 == size)
        .map(|s| s.1)
        .unwrap_or("u8")
}

pub fn segment() -> impl Strategy<Value = Segment> {
    let size = prop::sample::select(vec![1u8, 2, 4, 8]);
    prop_oneof![
        4 => (1u8..60, -2i16..24, size.clone(), prop::bool::weighted(0.93), 0u8..4)
            .prop_map(|(n, slack, size, checked, form)| {
                // Mostly inside the checked range, sometimes a byte or two past it.
                let off = (n as i16 - size as i16 - slack).max(0) as u8;
                Segment::PacketLoad { n, off, size, checked, form }
            }),
        1 => (2u8..40, 0u8..40, size.clone()).prop_map(|(n, off, size)| Segment::PacketStore { n, off, size }),
        2 => (prop::bool::weighted(0.92), 0u8..17, size.clone(), prop::bool::weighted(0.95), any::<bool>())
            .prop_map(|(null_check, off, size, reload, array)| Segment::MapLookup { null_check, off, size, reload, array }),
        1 => (1u16..66, size.clone(), any::<bool>(), prop::bool::weighted(0.1)).prop_map(|(slot, size, pointer, far)| {
            // Mostly aligned slots inside the frame; sometimes anywhere.
            let off = if far { slot * 8 + slot % 7 } else { slot * 8 };
            Segment::Spill { off, size, pointer }
        }),
        1 => (1u8..40).prop_map(|n| Segment::Loop { n }),
        2 => (0u8..12, -70i32..70, any::<bool>()).prop_map(|(op, imm, alu32)| Segment::Arith { op, imm, alu32 }),
        1 => (prop::sample::select(vec![0x0fu8, 0x1f, 0x3f, 0xff]), prop::bool::weighted(0.8))
            .prop_map(|(mask, checked)| Segment::VarOffset { mask, checked }),
        1 => prop::sample::select(vec![3u8, 4, 5, 8, 9, 6, 7]).prop_map(|reg| Segment::ReadTemp { reg }),
        1 => Just(Segment::DataLoop),
        1 => (8u8..20).prop_map(|bound| Segment::Jmp32Index { bound }),
        1 => (8i8..20, prop::bool::weighted(0.8)).prop_map(|(bound, lower)| Segment::SignedIndex { bound, lower }),
        1 => prop::sample::select(vec![7u8, 15, 31]).prop_map(|mask| Segment::MapVarIndex { mask }),
        1 => prop::bool::weighted(0.85).prop_map(|checked| Segment::Call { checked }),
    ]
}

/// A generated program: XDP or TC, and its segments.
pub fn program() -> impl Strategy<Value = (bool, Vec<Segment>)> {
    (
        prop::bool::weighted(0.2),
        prop::collection::vec(segment(), 1..7),
    )
}

/// The program as LLVM-syntax assembly.
pub fn render((tc, segs): &(bool, Vec<Segment>)) -> String {
    let (section, data, end, field) = if *tc {
        ("tc", 76, 80, 0)
    } else {
        ("xdp", 0, 4, 12)
    };
    let reload = format!("r2 = *(u32 *)(r6 + {end})\nr1 = *(u32 *)(r6 + {data})\n");
    let reload = reload.as_str();
    let mut s = format!(
        ".section {section}\n.map m type=hash key=4 value=16 entries=8\n.map a type=array key=4 value=16 entries=8\n\
         r6 = r1\nr7 = 0\n{reload}"
    );
    let (mut sub_ok, mut sub_bad) = (false, false);
    for (i, seg) in segs.iter().enumerate() {
        let l = format!("L{i}");
        match seg {
            Segment::PacketLoad {
                n,
                off,
                size,
                checked,
                form,
            } => {
                if *checked {
                    s += &format!("r3 = r1\nr3 += {n}\n");
                    s += &match form {
                        0 => format!("if r3 > r2 goto {l}\n"),
                        1 => format!("if r2 < r3 goto {l}\n"),
                        2 => format!("if r3 <= r2 goto {l}ok\ngoto {l}\n{l}ok:\n"),
                        _ => format!("if r3 >= r2 goto {l}\n"),
                    };
                }
                s += &format!("r4 = *({} *)(r1 + {off})\nr7 += r4\n{l}:\n", ty(*size));
            }
            Segment::PacketStore { n, off, size } => {
                s += &format!(
                    "r3 = r1\nr3 += {n}\nif r3 > r2 goto {l}\n*({} *)(r1 + {off}) = 0\n{l}:\n",
                    ty(*size)
                );
            }
            Segment::MapLookup {
                null_check,
                off,
                size,
                reload: re,
                array,
            } => {
                let map = if *array { "a" } else { "m" };
                s += &format!("*(u32 *)(r10 - 4) = 0\nr1 = map[{map}] ll\nr2 = r10\nr2 += -4\ncall bpf_map_lookup_elem\n");
                if *null_check {
                    s += &format!("if r0 == 0 goto {l}\n");
                }
                s += &format!("r4 = *({} *)(r0 + {off})\nr7 += r4\n{l}:\n", ty(*size));
                if *re {
                    s += reload;
                }
            }
            Segment::Spill { off, size, pointer } => {
                let src = if *pointer { "r1" } else { "r7" };
                s += &format!(
                    "*({t} *)(r10 - {off}) = {src}\nr8 = *({t} *)(r10 - {off})\n",
                    t = ty(*size)
                );
            }
            Segment::Loop { n } => {
                s += &format!(
                    "r8 = r1\nr4 = 0\n{l}top:\nr3 = r8\nr3 += 1\nif r3 > r2 goto {l}\nr5 = *(u8 *)(r8 + 0)\nr7 += r5\nr8 += 1\nr4 += 1\nif r4 < {n} goto {l}top\n{l}:\n"
                );
            }
            Segment::Arith { op, imm, alu32 } => {
                let r = if *alu32 { "w7" } else { "r7" };
                let o = [
                    "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<=", ">>=", "s>>=", "=",
                ][*op as usize % 12];
                let imm = if matches!(o, "<<=" | ">>=" | "s>>=") {
                    imm.rem_euclid(72)
                } else {
                    *imm
                };
                s += &format!("{r} {o} {imm}\n");
            }
            Segment::VarOffset { mask, checked } => {
                s += &format!("r3 = r1\nr3 += 1\nif r3 > r2 goto {l}\nr4 = *(u8 *)(r1 + 0)\nr4 &= {mask}\nr8 = r1\nr8 += r4\n");
                if *checked {
                    s += &format!("r3 = r8\nr3 += 2\nif r3 > r2 goto {l}\n");
                }
                s += &format!("r5 = *(u16 *)(r8 + 0)\nr7 += r5\n{l}:\n");
            }
            Segment::ReadTemp { reg } => {
                s += &format!("r7 += r{reg}\n");
            }
            Segment::Jmp32Index { bound } => {
                s += &format!(
                    "r4 = *(u32 *)(r6 + {field})\nif w4 > {bound} goto {l}\nr8 = r10\nr8 += -16\nr8 += r4\n*(u8 *)(r8 + 0) = 1\n{l}:\n"
                );
            }
            Segment::SignedIndex { bound, lower } => {
                s += &format!("r4 = *(u32 *)(r6 + {field})\nr4 <<= 32\nr4 s>>= 32\nif r4 s> {bound} goto {l}\n");
                if *lower {
                    s += &format!("if r4 s< 0 goto {l}\n");
                }
                s += &format!("r8 = r10\nr8 += -24\nr8 += r4\n*(u8 *)(r8 + 0) = 1\n{l}:\n");
            }
            Segment::MapVarIndex { mask } => {
                s += &format!(
                    "*(u32 *)(r10 - 4) = 0\nr1 = map[a] ll\nr2 = r10\nr2 += -4\ncall bpf_map_lookup_elem\nif r0 == 0 goto {l}\nr4 = *(u32 *)(r6 + {field})\nr4 &= {mask}\nr0 += r4\nr5 = *(u8 *)(r0 + 0)\nr7 += r5\n{l}:\n{reload}"
                );
            }
            Segment::Call { checked } => {
                let name = if *checked { "sub_ok" } else { "sub_bad" };
                if *checked {
                    sub_ok = true;
                } else {
                    sub_bad = true;
                }
                s += &format!("r1 = r6\ncall {name}\nr7 += r0\n{reload}");
            }
            Segment::DataLoop => {
                s += &format!(
                    "r3 = r1\nr3 += 1\nif r3 > r2 goto {l}\nr4 = *(u8 *)(r1 + 0)\n{l}top:\nif r4 == 0 goto {l}\nr4 -= 1\nr7 += 1\ngoto {l}top\n{l}:\n"
                );
            }
        }
    }
    s += "r0 = 2\nexit\n";
    for (used, name, check) in [(sub_ok, "sub_ok", true), (sub_bad, "sub_bad", false)] {
        if used {
            s += &format!(
                "{name}:\nr2 = *(u32 *)(r1 + {end})\nr1 = *(u32 *)(r1 + {data})\nr0 = 0\n"
            );
            if check {
                s += &format!("r3 = r1\nr3 += 4\nif r3 > r2 goto {name}_ret\n");
            }
            s += &format!("r0 = *(u32 *)(r1 + 0)\n{name}_ret:\nexit\n");
        }
    }
    s
}
