//! A short `ja` whose offset does not fit 16 bits is refused by the ELF writer, never wrapped.

use ir::insn::{AluOp, Insn, Operand, Reg, Width};
use ir::{ProgType, Program};

#[test]
fn far_short_ja_is_an_error_and_gotol_is_fine() {
    let mov = Insn::Alu {
        width: Width::W64,
        op: AluOp::Mov,
        dst: Reg::R0,
        src: Operand::Imm(2),
    };
    let far = 40_000;
    let mut insns = vec![Insn::Ja {
        off: far,
        long: false,
    }];
    insns.extend(std::iter::repeat_n(mov, far as usize));
    insns.push(Insn::Exit);
    let prog = Program::new(ProgType::Xdp, insns.clone());
    let err = ir::elf::write_object(&[prog]).unwrap_err();
    assert!(err.to_string().contains("gotol"), "{err}");
    insns[0] = Insn::Ja {
        off: far,
        long: true,
    };
    let prog = Program::new(ProgType::Xdp, insns);
    let bytes = ir::elf::write_object(std::slice::from_ref(&prog)).unwrap();
    let back = ir::elf::read_object(&bytes).unwrap();
    assert_eq!(back.programs[0].insns[0], prog.insns[0]);
}

#[test]
fn program_bytes_and_the_assembler_name_a_far_short_ja() {
    let mut insns = vec![
        Insn::Alu {
            width: Width::W64,
            op: AluOp::Mov,
            dst: Reg::R0,
            src: Operand::Imm(2),
        },
        Insn::Ja {
            off: 40_000,
            long: false,
        },
        Insn::Exit,
    ];
    let err = Program::new(ProgType::Xdp, insns.clone())
        .to_bytes()
        .unwrap_err();
    assert_eq!(err.index, 1);
    let text = err.to_string();
    assert!(
        text.contains("instruction 1") && text.contains("goto +40000") && text.contains("gotol"),
        "{text}"
    );
    insns[1] = Insn::Ja {
        off: 40_000,
        long: true,
    };
    assert_eq!(
        Program::new(ProgType::Xdp, insns).to_bytes().unwrap().len(),
        24
    );
    for src in ["goto +40000\nexit\n", "ja +40000\nexit\n"] {
        let err = ir::asm::assemble(src).unwrap_err();
        assert!(err.to_string().contains("16 bits"), "{src}: {err}");
    }
}
