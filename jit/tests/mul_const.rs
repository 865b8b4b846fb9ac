//! Multiplication by a constant, which the JIT strength-reduces (shifts, scaled `lea`s) for
//! some constants: every such form, at both widths, on values that exercise the 32-bit
//! truncation and the sign of the immediate, gives the interpreter's result.

use ir::insn::{AluOp, Insn, Operand, Width};
use ir::interp::{run, Input};
use ir::runtime::Runtime;
use ir::{ProgType, Program, Reg};
use jit::x86_64::{compile_checked, Options};

/// `r0 = value (64-bit); r0 *= imm (width); exit`.
fn program(value: u64, width: Width, imm: i32) -> Program {
    Program::new(
        ProgType::SocketFilter,
        vec![
            Insn::LdImm64 {
                dst: Reg::R0,
                src: ir::insn::LdImm64Src::Imm,
                imm: value,
            },
            Insn::LdImm64Tail,
            Insn::Alu {
                width,
                op: AluOp::Mul,
                dst: Reg::R0,
                src: Operand::Imm(imm),
            },
            Insn::Exit,
        ],
    )
}

#[test]
fn multiplication_by_every_reduced_constant_matches_the_interpreter() {
    let mut imms: Vec<i32> = vec![0, 1, -1, 7, -7, 11, i32::MIN, i32::MAX];
    for k in 0..31 {
        for odd in [1i64, 3, 5, 9] {
            if let Ok(v) = i32::try_from(odd << k) {
                imms.push(v);
                imms.push(-v);
            }
        }
    }
    let values = [
        0u64,
        1,
        3,
        0x7fff_ffff,
        0x8000_0000,
        0xffff_ffff,
        0x1_0000_0001,
        0x8000_0000_0000_0000,
        0xdead_beef_cafe_f00d,
        u64::MAX,
    ];
    let mut checked = 0;
    for &imm in &imms {
        for width in [Width::W64, Width::W32] {
            for &value in &values {
                let prog = program(value, width, imm);
                let want = run(&prog, &mut Runtime::new(&prog), &Input::None, 100)
                    .expect("interpreter runs")
                    .r0;
                let jp = compile_checked(&prog, false, 100, &Options::default()).expect("compiles");
                let got = jp
                    .run(&mut Runtime::new(&prog), &Input::None)
                    .expect("jit runs")
                    .r0;
                assert_eq!(got, want, "{value:#x} *= {imm} ({width:?})");
                checked += 1;
            }
        }
    }
    assert!(checked > 1000);
}
