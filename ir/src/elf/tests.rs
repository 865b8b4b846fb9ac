//! Round trips (read(write(p)) == p, proptest) and malformed-input tests of the ELF side.

use super::*;
use crate::insn::{AluOp, CallTarget, Insn, JmpCond, LdImm64Src, MemSize, Operand, Reg, Width};
use crate::program::{MapType, ProgType, Reloc, Subprog};
use proptest::prelude::*;

fn mov(dst: Reg, imm: i32) -> Insn {
    Insn::Alu {
        width: Width::W64,
        op: AluOp::Mov,
        dst,
        src: Operand::Imm(imm),
    }
}

/// A program with two maps, a global data map, a subprogram and a call.
fn sample() -> Program {
    let mut p = Program::new(ProgType::Xdp, Vec::new());
    p.name = "sample".into();
    let mut data = MapDef::new(".data", MapType::Array, 4, 8, 1);
    data.initial_value = Some(vec![1, 2, 3, 4, 5, 6, 7, 8]);
    p.maps = vec![
        MapDef::new("counts", MapType::Hash, 4, 8, 16),
        MapDef::new("table", MapType::Array, 4, 4, 4),
        data,
    ];
    p.insns = vec![
        Insn::LdImm64 {
            dst: Reg::R1,
            src: LdImm64Src::MapFd,
            imm: 0,
        },
        Insn::LdImm64Tail,
        Insn::LdImm64 {
            dst: Reg::R2,
            src: LdImm64Src::MapFd,
            imm: 1,
        },
        Insn::LdImm64Tail,
        Insn::LdImm64 {
            dst: Reg::R3,
            src: LdImm64Src::MapValue,
            imm: (4 << 32) | 2,
        },
        Insn::LdImm64Tail,
        Insn::Call(CallTarget::Local(1)),
        Insn::Exit,
        mov(Reg::R0, 2),
        Insn::Exit,
    ];
    p.subprogs = vec![
        Subprog {
            name: "sample".into(),
            start: 0,
        },
        Subprog {
            name: "helper".into(),
            start: 8,
        },
    ];
    p.relocs = vec![
        Reloc {
            insn: 0,
            map: "counts".into(),
        },
        Reloc {
            insn: 2,
            map: "table".into(),
        },
        Reloc {
            insn: 4,
            map: ".data".into(),
        },
    ];
    p
}

#[test]
fn sample_round_trips() {
    let p = sample();
    let bytes = write_object(std::slice::from_ref(&p)).unwrap();
    let obj = read_object(&bytes).unwrap();
    assert_eq!(obj.programs, vec![p]);
    assert_eq!(obj.license, "GPL");
}

#[test]
fn several_programs_share_maps_and_sections() {
    let a = sample();
    let mut b = sample();
    b.name = "second".into();
    b.subprogs[0].name = "second".into();
    let mut c = Program::new(ProgType::SchedCls, vec![mov(Reg::R0, 0), Insn::Exit]);
    c.name = "cls".into();
    let bytes = write_object(&[a.clone(), b.clone(), c.clone()]).unwrap();
    let obj = read_object(&bytes).unwrap();
    assert_eq!(obj.programs.len(), 3);
    assert_eq!(obj.program("sample").unwrap().insns, a.insns);
    // The second copy of `helper` is renamed in .text; code and maps are the same.
    let rb = obj.program("second").unwrap();
    assert_eq!(
        (&rb.insns, &rb.maps, &rb.relocs),
        (&b.insns, &b.maps, &b.relocs)
    );
    assert_eq!(obj.program("tc").unwrap(), &c);
    assert_eq!(obj.maps.len(), 3);
}

#[test]
fn writer_refuses_what_elf_cannot_say() {
    let mut p = sample();
    p.insns[0] = Insn::LdImm64 {
        dst: Reg::R1,
        src: LdImm64Src::MapValue,
        imm: 0,
    };
    let e = write_object(&[p]).unwrap_err();
    assert!(e.to_string().contains("direct value access"), "{e}");
    let mut p = sample();
    p.maps[0].name = "bad name".into();
    assert!(write_object(&[p]).is_err());
    assert!(write_object(&[]).is_err());
}

#[test]
fn non_bpf_and_truncated_files_are_located_errors() {
    let e = read_object(b"hello").unwrap_err();
    assert_eq!(e.offset, Some(0));
    let mut bytes = write_object(&[sample()]).unwrap();
    bytes[18] = 62; // EM_X86_64
    let e = read_object(&bytes).unwrap_err();
    assert!(e.to_string().contains("not a BPF object"), "{e}");
    let bytes = write_object(&[sample()]).unwrap();
    let e = read_object(&bytes[..bytes.len() - 10]).unwrap_err();
    assert!(e.offset.is_some(), "{e}");
}

#[test]
fn a_bad_instruction_names_its_section_and_offset() {
    let mut bytes = write_object(&[Program::new(
        ProgType::Xdp,
        vec![mov(Reg::R0, 1), Insn::Exit],
    )])
    .unwrap();
    // Find the xdp section's code: the `mov r0, 1` word, then corrupt the exit's opcode.
    let word = [0xb7u8, 0, 0, 0, 1, 0, 0, 0, 0x95];
    let at = bytes.windows(9).position(|w| w == word).unwrap();
    bytes[at + 8] = 0xff;
    let e = read_object(&bytes).unwrap_err();
    assert_eq!(e.section.as_deref(), Some("xdp"));
    assert_eq!(e.offset, Some(8));
}

fn arb_simple_insn() -> impl Strategy<Value = Insn> {
    let reg = (0u8..10).prop_map(|r| Reg::new(r).unwrap());
    prop_oneof![
        (
            reg.clone(),
            any::<i32>(),
            prop::sample::select(AluOp::ALL.to_vec())
        )
            .prop_map(|(dst, imm, op)| {
                Insn::Alu {
                    width: Width::W64,
                    op,
                    dst,
                    src: Operand::Imm(imm),
                }
            }),
        (reg.clone(), reg.clone(), -4i16..4).prop_map(|(dst, src, off)| Insn::Load {
            size: MemSize::W,
            signed: false,
            dst,
            src,
            off
        }),
        (reg.clone(), any::<i32>(), 0i16..2).prop_map(|(dst, imm, off)| Insn::Jmp {
            width: Width::W64,
            cond: JmpCond::Eq,
            dst,
            src: Operand::Imm(imm),
            off
        }),
        (1i32..200).prop_map(|h| Insn::Call(CallTarget::Helper(h))),
    ]
}

/// A random program: straight-line code using every map (in order), optionally a subprogram.
fn arb_program() -> impl Strategy<Value = Program> {
    (
        prop::collection::vec(arb_simple_insn(), 1..20),
        prop::collection::vec(arb_simple_insn(), 0..8),
        prop::collection::vec((1u32..64, 1u32..64, 1u32..1000, 0u32..2), 0..4),
        prop::option::of(prop::collection::vec(any::<u8>(), 1..32)),
        prop::sample::select(vec![
            ProgType::Xdp,
            ProgType::SchedCls,
            ProgType::SocketFilter,
        ]),
    )
        .prop_map(|(body, sub, maps, data, prog_type)| {
            let mut p = Program::new(prog_type, Vec::new());
            p.name = "prog".into();
            for (i, (k, v, n, t)) in maps.iter().enumerate() {
                let ty = if *t == 0 {
                    MapType::Hash
                } else {
                    MapType::Array
                };
                p.maps.push(MapDef::new(format!("map_{i}"), ty, *k, *v, *n));
            }
            if let Some(bytes) = &data {
                let mut m = MapDef::new(".rodata", MapType::Array, 4, bytes.len() as u32, 1);
                m.initial_value = Some(bytes.clone());
                m.flags = read::BPF_F_RDONLY_PROG;
                p.maps.push(m);
            }
            for (i, m) in p.maps.iter().enumerate() {
                let src = if m.name.starts_with('.') {
                    LdImm64Src::MapValue
                } else {
                    LdImm64Src::MapFd
                };
                let off = if m.name.starts_with('.') {
                    (m.value_size as u64 - 1) << 32
                } else {
                    0
                };
                p.relocs.push(Reloc {
                    insn: p.insns.len(),
                    map: m.name.clone(),
                });
                p.insns.push(Insn::LdImm64 {
                    dst: Reg::R1,
                    src,
                    imm: off | i as u64,
                });
                p.insns.push(Insn::LdImm64Tail);
            }
            p.insns.extend(body);
            // Jumps must stay inside the function: retarget the last ones to 0.
            if !sub.is_empty() {
                p.insns.push(Insn::Call(CallTarget::Local(1)));
            }
            p.insns.push(Insn::Exit);
            if !sub.is_empty() {
                let start = p.insns.len();
                p.insns.extend(sub);
                p.insns.push(Insn::Exit);
                p.subprogs = vec![
                    Subprog {
                        name: "prog".into(),
                        start: 0,
                    },
                    Subprog {
                        name: "sub".into(),
                        start,
                    },
                ];
            }
            p
        })
}

proptest! {
    #[test]
    fn read_of_write_is_identity(p in arb_program()) {
        let bytes = write_object(std::slice::from_ref(&p)).unwrap();
        let obj = read_object(&bytes).unwrap();
        prop_assert_eq!(obj.programs, vec![p]);
    }

    #[test]
    fn mutated_objects_never_panic(
        cut in 0usize..4000,
        flips in prop::collection::vec((0usize..4000, any::<u8>()), 0..8),
    ) {
        let mut bytes = write_object(&[sample()]).unwrap();
        for (at, v) in flips {
            let n = bytes.len();
            bytes[at % n] = v;
        }
        bytes.truncate(cut.min(bytes.len()));
        let _ = read_object(&bytes);
    }
}
