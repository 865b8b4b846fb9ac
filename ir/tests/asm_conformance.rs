//! The conformance-syntax assembler against the bpf_conformance data: every `-- asm` program of
//! `tests/` assembles (and, where the file also has `-- raw`, to exactly those words), every
//! negative file with an assembly problem fails at the right line and column.

mod asm_support;

use ir::asm::{assemble, assemble_as, Syntax};
use ir::conformance;

#[test]
fn every_conformance_program_assembles() {
    let Some(dir) = asm_support::conformance_dir("every_conformance_program_assembles") else {
        return;
    };
    let files = asm_support::data_files(&dir, "tests");
    assert!(files.len() >= 313, "found {} files", files.len());
    let mut assembled = 0;
    for (name, text) in &files {
        let case = conformance::parse(text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let Some(asm) = &case.asm else { continue };
        let prog = assemble_as(asm, Syntax::Conformance).unwrap_or_else(|e| {
            panic!(
                "{name}:{}:{}: {}",
                case.asm_first_line + e.line - 1,
                e.col,
                e.message
            )
        });
        assert_eq!(
            assemble(asm).as_ref(),
            Ok(&prog),
            "{name}: syntax detection"
        );
        if let Some(raw) = &case.raw {
            assert_eq!(
                &prog.to_bytes().unwrap(),
                raw,
                "{name}: bytes differ from -- raw"
            );
        }
        // Every instruction slot but LD_IMM64 tails has its line.
        for pc in 0..prog.insns.len() {
            if prog.insns[pc] != ir::Insn::LdImm64Tail {
                assert!(prog.source_map.get(pc).is_some(), "{name}: slot {pc}");
            }
        }
        assembled += 1;
    }
    assert!(assembled >= 313, "assembled {assembled}");
}

/// (file, expected (line, col, part of the message)) for every negative file with `-- asm`;
/// `None` means the assembly is fine and the file fails later (mismatch or load error).
/// Line, column and part of the message of an expected assembly error.
type Expected = Option<(u32, u32, &'static str)>;

const NEGATIVE: &[(&str, Expected)] = &[
    ("error.data", None),
    ("incorrect_return_value_high_bits.data", None),
    (
        "invalid_imm32_dec_range.data",
        Some((2, 12, "does not fit in 32 bits")),
    ),
    (
        "invalid_imm32_hex_range.data",
        Some((2, 12, "does not fit in 32 bits")),
    ),
    (
        "invalid_label.data",
        Some((1, 4, "undefined label `NOT_A_LABEL`")),
    ),
    ("invalid_lock.data", Some((1, 1, "`lock` takes 2 operands"))),
    (
        "invalid_lock2.data",
        Some((1, 5, "expected an atomic operation")),
    ),
    (
        "invalid_mnemonic.data",
        Some((2, 1, "unknown mnemonic `ldxq`")),
    ),
    (
        "invalid_offset.data",
        Some((1, 11, "expected a memory operand")),
    ),
    (
        "invalid_offset_range.data",
        Some((2, 15, "does not fit in 16 bits")),
    ),
    (
        "invalid_operand_count.data",
        Some((1, 1, "`lddw` takes 2 operands")),
    ),
    (
        "invalid_register.data",
        Some((1, 9, "invalid register `%r50`")),
    ),
    (
        "invalid_unknown_directive.data",
        Some((1, 1, "empty program")),
    ),
];

#[test]
fn negative_files_fail_at_the_right_token() {
    let Some(dir) = asm_support::conformance_dir("negative_files_fail_at_the_right_token") else {
        return;
    };
    let mut checked = 0;
    for (name, text) in asm_support::data_files(&dir, "negative") {
        let case = conformance::parse(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let Some(asm) = &case.asm else { continue };
        let expect = NEGATIVE
            .iter()
            .find(|(n, _)| *n == name)
            .unwrap_or_else(|| panic!("{name}: not in the NEGATIVE table"))
            .1;
        let got = assemble(asm);
        match (expect, got) {
            (None, Ok(_)) => {}
            (Some((line, col, msg)), Err(e)) => {
                assert_eq!((e.line, e.col), (line, col), "{name}: {e}");
                assert!(e.message.contains(msg), "{name}: {e}");
            }
            (None, Err(e)) => panic!("{name}: should assemble, got {e}"),
            (Some(_), Ok(p)) => panic!("{name}: should fail, assembled {:?}", p.insns),
        }
        checked += 1;
    }
    assert_eq!(checked, NEGATIVE.len());
}

/// Encodings from RFC 9669's opcode tables (bytes in memory order).
const ENCODINGS: &[(&str, [u8; 8])] = &[
    ("mov32 %r0, 1", [0xb4, 0x00, 0, 0, 1, 0, 0, 0]),
    ("mov %r0, -1", [0xb7, 0x00, 0, 0, 0xff, 0xff, 0xff, 0xff]),
    ("add %r1, %r2", [0x0f, 0x21, 0, 0, 0, 0, 0, 0]),
    ("add64 %r1, 2", [0x07, 0x01, 0, 0, 2, 0, 0, 0]),
    ("sdiv %r1, 3", [0x37, 0x01, 1, 0, 3, 0, 0, 0]),
    ("smod32 %r1, %r3", [0x9c, 0x31, 1, 0, 0, 0, 0, 0]),
    (
        "arsh32 %r9, 0xffffffff",
        [0xc4, 0x09, 0, 0, 0xff, 0xff, 0xff, 0xff],
    ),
    ("neg %r1", [0x87, 0x01, 0, 0, 0, 0, 0, 0]),
    ("neg32 %r1", [0x84, 0x01, 0, 0, 0, 0, 0, 0]),
    ("be16 %r1", [0xdc, 0x01, 0, 0, 16, 0, 0, 0]),
    ("le32 %r1", [0xd4, 0x01, 0, 0, 32, 0, 0, 0]),
    ("bswap64 %r1", [0xd7, 0x01, 0, 0, 64, 0, 0, 0]),
    ("swap16 %r1", [0xd7, 0x01, 0, 0, 16, 0, 0, 0]),
    ("movsx832 %r0, %r1", [0xbc, 0x10, 8, 0, 0, 0, 0, 0]),
    ("movsx3264 %r0, %r1", [0xbf, 0x10, 32, 0, 0, 0, 0, 0]),
    ("ldxdw %r1, [%r10-8]", [0x79, 0xa1, 0xf8, 0xff, 0, 0, 0, 0]),
    ("ldxb %r0, [%r1]", [0x71, 0x10, 0, 0, 0, 0, 0, 0]),
    ("ldxsb %r0, [%r10-1]", [0x91, 0xa0, 0xff, 0xff, 0, 0, 0, 0]),
    ("ldxsw %r0, [%r1+0x10]", [0x81, 0x10, 0x10, 0, 0, 0, 0, 0]),
    ("stw [%r1+4], 5", [0x62, 0x01, 4, 0, 5, 0, 0, 0]),
    ("stxh [%r1+2], %r3", [0x6b, 0x31, 2, 0, 0, 0, 0, 0]),
    (
        "lock add [%r10-8], %r1",
        [0xdb, 0x1a, 0xf8, 0xff, 0, 0, 0, 0],
    ),
    (
        "lock fetch add32 [%r10-4], %r1",
        [0xc3, 0x1a, 0xfc, 0xff, 1, 0, 0, 0],
    ),
    (
        "lock fetch xor [%r10-8], %r3",
        [0xdb, 0x3a, 0xf8, 0xff, 0xa1, 0, 0, 0],
    ),
    (
        "lock xchg32 [%r10-8], %r1",
        [0xc3, 0x1a, 0xf8, 0xff, 0xe1, 0, 0, 0],
    ),
    (
        "lock cmpxchg [%r10-8], %r1",
        [0xdb, 0x1a, 0xf8, 0xff, 0xf1, 0, 0, 0],
    ),
    ("ja +2", [0x05, 0, 2, 0, 0, 0, 0, 0]),
    ("ja32 -1", [0x06, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]),
    ("jne %r1, 5, +1", [0x55, 0x01, 1, 0, 5, 0, 0, 0]),
    ("jslt32 %r1, %r2, -3", [0xce, 0x21, 0xfd, 0xff, 0, 0, 0, 0]),
    ("call 5", [0x85, 0, 0, 0, 5, 0, 0, 0]),
    ("call bpf_map_lookup_elem", [0x85, 0, 0, 0, 1, 0, 0, 0]),
    ("call %r2", [0x8d, 0x02, 0, 0, 0, 0, 0, 0]),
    ("callx %r3", [0x8d, 0x03, 0, 0, 0, 0, 0, 0]),
    ("call local +1", [0x85, 0x10, 0, 0, 1, 0, 0, 0]),
    ("call kfunc 7, 2", [0x85, 0x20, 2, 0, 7, 0, 0, 0]),
    ("ldabsh 12", [0x28, 0, 0, 0, 12, 0, 0, 0]),
    ("ldindb %r1, 14", [0x50, 0x10, 0, 0, 14, 0, 0, 0]),
    ("exit", [0x95, 0, 0, 0, 0, 0, 0, 0]),
];

#[test]
fn encodings_match_the_rfc() {
    for (text, bytes) in ENCODINGS {
        let p = assemble_as(text, Syntax::Conformance).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(&p.to_bytes().unwrap()[..8], bytes, "{text}");
    }
    let p = assemble_as("lddw %r1, map_value[3]+8\nexit", Syntax::Conformance).unwrap();
    assert_eq!(
        p.to_bytes().unwrap()[..16],
        [0x18, 0x21, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0]
    );
}

#[test]
fn labels_calls_and_maps() {
    let src = "\
.section tc
.license \"Dual MIT/GPL\"
.map counters type=array key=4 value=8 entries=4
  lddw %r1, map[counters]
  call local f
  jeq %r0, 0, done
  mov %r0, 1
done: exit
f:
  mov %r0, 7
  exit
";
    let p = assemble(src).unwrap();
    assert_eq!(p.prog_type, ir::ProgType::SchedCls);
    assert_eq!(p.section, "tc");
    assert_eq!(p.license, "Dual MIT/GPL");
    assert_eq!(p.maps.len(), 1);
    assert_eq!(p.maps[0].max_entries, 4);
    assert_eq!(
        p.relocs,
        vec![ir::program::Reloc {
            insn: 0,
            map: "counters".into()
        }]
    );
    assert_eq!(p.insns[2], ir::Insn::Call(ir::insn::CallTarget::Local(3)));
    assert!(matches!(p.insns[3], ir::Insn::Jmp { off: 1, .. }));
    let starts: Vec<_> = p
        .subprogs
        .iter()
        .map(|s| (s.name.as_str(), s.start))
        .collect();
    assert_eq!(starts, vec![("tc", 0), ("f", 6)]);
    assert_eq!(
        p.source_map.get(6),
        Some(&ir::Origin::Asm {
            file: None,
            line: 10
        })
    );
}

#[test]
fn errors_point_at_the_token() {
    let cases: &[(&str, (u32, u32), &str)] = &[
        ("exit\nexit\nadd %r1", (3, 1), "`add` takes 2 operands"),
        ("mov %r11, 1", (1, 5), "invalid register `%r11`"),
        (
            "mov %r1, r2",
            (1, 10),
            "expected a register %rN or an immediate, found `r2`",
        ),
        ("mov %r1, 0xzz", (1, 10), "invalid number `0xzz`"),
        ("stw [%r1+4] 5", (1, 1), "`stw` takes 2 operands"),
        ("stw [%r1+4], 5 6", (1, 16), "expected end of line"),
        ("a:\na: exit", (2, 1), "label `a` is defined twice"),
        ("jeq %r1, 1, +40000", (1, 13), "does not fit in 16 bits"),
        (
            "lock nand [%r1], %r2",
            (1, 6),
            "expected an atomic operation",
        ),
        ("call nope", (1, 6), "unknown helper `nope`"),
        (
            "lddw %r1, map[nomap]\nexit",
            (1, 15),
            "undefined map `nomap`",
        ),
        (".bogus 3", (1, 1), "unknown directive `.bogus`"),
        (".map m type=hash key=4", (1, 1), "needs `value=`"),
        ("mov %r1, 1 @", (1, 12), "unexpected character `@`"),
        ("# only a comment\n", (1, 1), "empty program"),
    ];
    for (src, (line, col), msg) in cases {
        let e = assemble_as(src, Syntax::Conformance).unwrap_err();
        assert_eq!((e.line, e.col), (*line, *col), "{src:?}: {e}");
        assert!(e.message.contains(msg), "{src:?}: {e}");
    }
}
