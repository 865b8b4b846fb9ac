//! Branch relaxation on RV64: jumps beyond ±4 KiB (inverted branch over `jal`) and beyond
//! ±1 MiB (`auipc` + `jalr`), forwards and backwards, run under the emulator and compared with
//! the interpreter; the layout must settle and reproduce every offset (checked by `compile`).
#![cfg(feature = "riscv-emu")]

use ir::insn::{AluOp, Insn, JmpCond, Operand, Width};
use ir::interp::{run, Input};
use ir::runtime::Runtime;
use ir::{ProgType, Program, Reg};
use jit::riscv64::{compile_unchecked, Extensions, Options};

/// `r0 = 0; goto test; block: n times r0 += 1; test: if r0 == 0 goto block; exit` — returns n,
/// after a forward jump and a backward branch across the whole block.
fn program(n: usize) -> Program {
    let mut insns = vec![
        Insn::Alu {
            width: Width::W64,
            op: AluOp::Mov,
            dst: Reg::R0,
            src: Operand::Imm(0),
        },
        Insn::Ja {
            off: n as i32,
            long: true,
        },
    ];
    insns.extend((0..n).map(|_| Insn::Alu {
        width: Width::W64,
        op: AluOp::Add,
        dst: Reg::R0,
        src: Operand::Imm(1),
    }));
    insns.push(Insn::Jmp {
        width: Width::W64,
        cond: JmpCond::Eq,
        dst: Reg::R0,
        src: Operand::Imm(0),
        off: 0,
    });
    insns.push(Insn::Exit);
    // The backward branch: to slot 2 from slot n + 2. Offsets beyond 16 bits need a long form:
    // use `gotol` back via a trampoline slot when needed.
    let back = 2i64 - (n as i64 + 2) - 1;
    if back >= i16::MIN as i64 {
        insns[n + 2] = Insn::Jmp {
            width: Width::W64,
            cond: JmpCond::Eq,
            dst: Reg::R0,
            src: Operand::Imm(0),
            off: back as i16,
        };
    } else {
        // if r0 != 0 goto exit; gotol block
        insns[n + 2] = Insn::Jmp {
            width: Width::W64,
            cond: JmpCond::Ne,
            dst: Reg::R0,
            src: Operand::Imm(0),
            off: 1,
        };
        insns.insert(
            n + 3,
            Insn::Ja {
                off: (2 - (n as i64 + 3) - 1) as i32,
                long: true,
            },
        );
    }
    Program::new(ProgType::Xdp, insns)
}

fn check(n: usize, ext: Extensions, want_text: &str, decode: bool) {
    let prog = program(n);
    let want = run(&prog, &mut Runtime::new(&prog), &Input::None, 10_000_000)
        .expect("interpreter")
        .r0;
    assert_eq!(want, n as u64);
    let opts = Options {
        ext,
        ..Options::default()
    };
    let rp = compile_unchecked(&prog, false, &opts).expect("compile");
    let listing = rp.disassemble();
    assert!(
        listing.contains(want_text),
        "{n} slots, {ext}: expected a `{want_text}` branch form"
    );
    if decode {
        rp.check_decoding().expect("decode");
    }
    let got = rp.run(&mut Runtime::new(&prog), &Input::None).expect("run");
    assert_eq!(got.r0, want, "{n} slots, {ext}");
}

#[test]
fn near_branches_are_b_type() {
    check(100, Extensions::rv64imac(), "beq a5, zero, -", true);
    check(100, Extensions::base(), "beq a5, zero, -", true);
}

#[test]
fn beyond_4k_inverted_branch_over_jal() {
    // 1,500 `addi` (4 bytes each without C) is 6 KB.
    check(1_500, Extensions::base(), "bne a5, zero, 8", true);
    check(3_000, Extensions::rv64imac(), "bne a5, zero, 8", true);
}

#[test]
fn beyond_1m_auipc_jalr() {
    // 300,000 `addi` is 1.2 MB.
    check(300_000, Extensions::base(), "auipc t0", false);
    check(600_000, Extensions::rv64imac(), "auipc t0", false);
}
