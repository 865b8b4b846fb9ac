//! Text round trips: assemble(disasm(assemble(text))) is assemble(text) on every conformance
//! program, in both syntaxes; and the kernel log form of a few instructions.

mod asm_support;

use ir::asm::{assemble, assemble_as, Syntax};
use ir::disasm::{disasm_program, insn_text, kernel_log_text};

#[test]
fn conformance_programs_round_trip_in_both_syntaxes() {
    let Some(dir) =
        asm_support::conformance_dir("conformance_programs_round_trip_in_both_syntaxes")
    else {
        return;
    };
    let mut n = 0;
    for (name, text) in asm_support::data_files(&dir, "tests") {
        let case = ir::conformance::parse(&text).unwrap();
        let Some(asm) = case.asm else { continue };
        let p = assemble(&asm).unwrap();
        for syntax in [Syntax::Conformance, Syntax::Llvm] {
            let out = disasm_program(&p, syntax);
            let q = assemble_as(&out, syntax)
                .unwrap_or_else(|e| panic!("{name} ({syntax:?}): {e}\n{out}"));
            assert_eq!(q.insns, p.insns, "{name} ({syntax:?}):\n{out}");
            assert_eq!(q.subprogs, p.subprogs, "{name} ({syntax:?})");
            assert_eq!(assemble(&out).unwrap().insns, p.insns, "{name}: detection");
        }
        n += 1;
    }
    assert!(n >= 313);
}

#[test]
fn kernel_log_form() {
    let src = "\
ldxw %r2, [%r1+4]
call 1
mov %r0, 0
lddw %r1, 0x1122334455667788
jne %r1, -1, +1
stxdw [%r10-8], %r1
lock fetch add [%r10-8], %r1
lock cmpxchg32 [%r10-4], %r2
lock xor32 [%r10-4], %r2
be16 %r3
movsx832 %r1, %r2
sdiv32 %r1, 3
ja32 -2
call local +0
exit
";
    let p = assemble(src).unwrap();
    let want = [
        "(61) r2 = *(u32 *)(r1 +4)",
        "(85) call bpf_map_lookup_elem#1",
        "(b7) r0 = 0",
        "(18) r1 = 0x1122334455667788",
        "(00) (second slot of ld_imm64)",
        "(55) if r1 != 0xffffffff goto pc+1",
        "(7b) *(u64 *)(r10 -8) = r1",
        "(db) r1 = atomic64_fetch_add((u64 *)(r10 -8), r1)",
        "(c3) r0 = atomic_cmpxchg((u32 *)(r10 -4), r0, r2)",
        "(c3) lock *(u32 *)(r10 -4) ^= r2",
        "(dc) r3 = be16 r3",
        "(bc) w1 = (s8)w2",
        "(34) w1 s/= 3",
        "(06) gotol pc-2",
        "(85) call pc+0",
        "(95) exit",
    ];
    for (pc, w) in want.iter().enumerate() {
        assert_eq!(kernel_log_text(&p, pc), *w, "slot {pc}");
    }
}

#[test]
fn one_slot_texts() {
    let p = assemble_as(
        "lddw %r1, map_value[m]+8\ncall local f\nexit\nf: exit\n.map m type=array key=4 value=16 entries=1",
        Syntax::Conformance,
    )
    .unwrap();
    assert_eq!(insn_text(&p, 0, Syntax::Llvm), "r1 = map_value[m] + 8 ll");
    assert_eq!(
        insn_text(&p, 0, Syntax::Conformance),
        "lddw %r1, map_value[m]+8"
    );
    assert_eq!(kernel_log_text(&p, 0), "(18) r1 = map[id:0][0]+8");
    assert_eq!(insn_text(&p, 2, Syntax::Llvm), "call 0x1");
    assert_eq!(insn_text(&p, 2, Syntax::Conformance), "call local +1");
    let text = disasm_program(&p, Syntax::Llvm);
    assert!(text.contains("call f\n"), "{text}");
}
