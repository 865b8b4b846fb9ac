//! The LLVM-syntax assembler: every form against `llvm-mc` (LLVM's own BPF assembler) as the
//! oracle, our extensions against hand-checked encodings, and errors at the right token.

mod asm_support;

use asm_support::run;
use ir::asm::{assemble_as, Syntax};
use ir::insn::{CallTarget, Insn, LdImm64Src};
use std::process::Command;

/// Lines llvm-mc accepts (with `-mcpu=v4`), in the spellings people write and objdump prints.
const LLVM_FORMS: &str = "\
r0 = *(u32 *)(r1 + 4)
w0 = *(u32 *)(r1 + 0x4)
r0 = *(u8 *)(r10 - 1)
r0 = *(u64 *)(r1 - 32768)
*(u16 *)(r10 - 8) = r1
*(u8 *)(r10 - 8) = w1
*(u32 *)(r10 - 8) = 5
*(u64 *)(r10 + 0) = -5
w0 += 1
r1 -= r2
w3 *= w4
r1 /= 3
r1 s/= r2
w1 s%= 3
r1 %= r9
r1 |= 0x10
w1 &= 0xff
r1 ^= -1
r1 <<= 3
w1 >>= w2
r1 s>>= r2
r1 = r10
w1 = w2
r1 = -1
w2 = 0x7fffffff
r0 = -r0
w0 = -w0
r1 = be16 r1
r1 = le32 r1
r1 = bswap64 r1
r1 = (s8)r2
w1 = (s16)w2
r1 = (s32)r2
r0 = *(s16 *)(r1 + 2)
r0 = *(s8 *)(r1 + 0)
r0 = *(s32 *)(r1 + 8)
if r1 > 0x10 goto +3
if w1 s< w2 goto +1
if r1 == 5 goto -1
if r1 != r2 goto +0
if w1 & 0x3 goto +0
if r1 s>= -1 goto +2
if w1 <= w2 goto +2
if r1 s<= r2 goto +2
if r1 >= 7 goto +2
if r1 < 7 goto +2
if r1 s> 7 goto +2
goto +2
goto -1
gotol +5
call 1
call 0x2
callx r1
exit
r1 = 0x123 ll
r2 = -2147483648 ll
r1 = 0xffffffffffffffff ll
r3 = 0x1122334455667788 ll
lock *(u64 *)(r10 - 8) += r1
lock *(u32 *)(r10 - 8) += w1
lock *(u64 *)(r10 - 8) |= r1
lock *(u32 *)(r10 - 8) &= w1
lock *(u64 *)(r10 - 8) ^= r1
r0 = atomic_fetch_add((u64 *)(r10 - 8), r0)
w0 = atomic_fetch_and((u32 *)(r10 - 8), w0)
r2 = atomic_fetch_or((u64 *)(r1 + 16), r2)
w3 = atomic_fetch_xor((u32 *)(r1 + 0), w3)
r0 = xchg_64(r10 - 8, r0)
w0 = xchg32_32(r10 - 8, w0)
r0 = cmpxchg_64(r10 - 8, r0, r1)
w0 = cmpxchg32_32(r10 - 8, w0, w1)
r0 = *(u8 *)skb[14]
r0 = *(u16 *)skb[r1]
r0 = *(u32 *)skb[0x20]
";

#[test]
fn forms_encode_as_llvm_mc_does() {
    let Some(mc) = asm_support::llvm_tool("forms_encode_as_llvm_mc_does", "llvm-mc") else {
        return;
    };
    let Some(objcopy) = asm_support::llvm_tool("forms_encode_as_llvm_mc_does", "llvm-objcopy")
    else {
        return;
    };
    let dir = asm_support::scratch("llvm-mc");
    let s = dir.join("forms.s");
    let o = dir.join("forms.o");
    let bin = dir.join("forms.bin");
    std::fs::write(&s, LLVM_FORMS).unwrap();
    run(Command::new(&mc)
        .args(["-triple", "bpfel", "-mcpu=v4", "-filetype=obj", "-o"])
        .arg(&o)
        .arg(&s));
    run(Command::new(&objcopy)
        .args(["-O", "binary", "--only-section=.text"])
        .arg(&o)
        .arg(&bin));
    let want = std::fs::read(&bin).unwrap();
    let ours = assemble_as(LLVM_FORMS, Syntax::Llvm)
        .unwrap()
        .to_bytes()
        .unwrap();
    if ours != want {
        // Compare line by line for a readable failure.
        let lines: Vec<&str> = LLVM_FORMS.lines().collect();
        let mut pc = 0;
        for line in &lines {
            let n = if line.ends_with(" ll") { 16 } else { 8 };
            assert_eq!(
                ours.get(pc..pc + n),
                want.get(pc..pc + n),
                "`{line}` encodes differently from llvm-mc"
            );
            pc += n;
        }
        assert_eq!(ours.len(), want.len());
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn our_extensions() {
    let src = "\
.section xdp
.license \"GPL\"
.map flows type=hash key=4 value=8 entries=16 flags=1
.map stats type=percpu_array key=4 value=16 entries=1
entry:
    r1 = map[flows] ll
    r2 = map_value[stats] + 8
    call bpf_map_lookup_elem
    call map_lookup_elem
    call helper_fn
    call local +0
    call kfunc 1234
    r0 = *(u16 *)skb[r1 + 2]
    if r0 == 0 goto out
out:
    exit
helper_fn:
    r0 = 1
    exit
";
    let p = assemble_as(src, Syntax::Llvm).unwrap();
    assert_eq!(p.maps.len(), 2);
    assert_eq!(p.maps[0].flags, 1);
    assert_eq!(p.maps[1].map_type, ir::MapType::PercpuArray);
    assert_eq!(
        p.insns[0],
        Insn::LdImm64 {
            dst: ir::Reg::R1,
            src: LdImm64Src::MapFd,
            imm: 0
        }
    );
    assert_eq!(
        p.insns[2],
        Insn::LdImm64 {
            dst: ir::Reg::R2,
            src: LdImm64Src::MapValue,
            imm: (8 << 32) | 1
        }
    );
    assert_eq!(p.relocs.len(), 2);
    assert_eq!(p.relocs[1].insn, 2);
    assert_eq!(p.relocs[1].map, "stats");
    assert_eq!(p.insns[4], Insn::Call(CallTarget::Helper(1)));
    assert_eq!(p.insns[5], Insn::Call(CallTarget::Helper(1)));
    assert_eq!(p.insns[6], Insn::Call(CallTarget::Local(5)));
    assert_eq!(p.insns[7], Insn::Call(CallTarget::Local(0)));
    assert_eq!(
        p.insns[8],
        Insn::Call(CallTarget::Kfunc {
            btf_id: 1234,
            off: 0
        })
    );
    assert_eq!(
        p.insns[9],
        Insn::LdInd {
            size: ir::insn::MemSize::H,
            src: ir::Reg::R1,
            imm: 2
        }
    );
    let names: Vec<_> = p
        .subprogs
        .iter()
        .map(|s| (s.name.as_str(), s.start))
        .collect();
    assert_eq!(names, vec![("entry", 0), ("func_8", 8), ("helper_fn", 12)]);
}

#[test]
fn errors_point_at_the_token() {
    let cases: &[(&str, (u32, u32), &str)] = &[
        ("r11 = 1", (1, 1), "invalid register `r11`"),
        ("r1 = r12", (1, 6), "invalid register `r12`"),
        ("w1 += r2", (1, 7), "same width"),
        ("r1 @= 3", (1, 4), "expected an assignment operator"),
        ("r0 = *(u33 *)(r1 + 0)", (1, 8), "unknown type `u33`"),
        (
            "r0 = *(u32 *)(r1 + 40000)",
            (1, 18),
            "does not fit in 16 bits",
        ),
        ("if r1 =< 3 goto +1", (1, 7), "expected a comparison"),
        (
            "if r1 > 3 goto nowhere\nexit",
            (1, 16),
            "undefined label `nowhere`",
        ),
        (
            "call no_such_fn\nexit",
            (1, 6),
            "undefined function label or helper",
        ),
        ("r1 = 0x100000000", (1, 6), "does not fit in 32 bits"),
        ("r1 = map[m] ll\nexit", (1, 10), "undefined map `m`"),
        (
            "r1 = xchg_64(r10 - 8, r2)",
            (1, 23),
            "lands in the source register",
        ),
        ("frob r1", (1, 1), "unknown instruction `frob`"),
        ("exit 1", (1, 6), "expected end of line"),
    ];
    for (src, (line, col), msg) in cases {
        let e = assemble_as(src, Syntax::Llvm).unwrap_err();
        assert_eq!((e.line, e.col), (*line, *col), "{src:?}: {e}");
        assert!(e.message.contains(msg), "{src:?}: {e}");
    }
}
