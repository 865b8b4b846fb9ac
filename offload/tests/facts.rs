//! What `Verified` tells backends: zero-extension, constants, proven packet margins, stack depth,
//! pointer kinds at memory instructions, and the log in the kernel's shape.

use offload::explore::kind_bit;
use offload::state::RegKind;
use offload::{verify, Capabilities, Options};

fn asm(s: &str) -> ir::Program {
    ir::asm::assemble(s).expect("assembles")
}

#[test]
fn facts_for_backends() {
    let p = asm(concat!(
        ".section xdp\n",
        "r2 = *(u32 *)(r1 + 4)\n",   // 0
        "r1 = *(u32 *)(r1 + 0)\n",   // 1
        "r3 = r1\n",                 // 2
        "r3 += 14\n",                // 3
        "if r3 > r2 goto out\n",     // 4
        "r4 = *(u16 *)(r1 + 12)\n",  // 5: narrow load, margin 0
        "r5 = *(u8 *)(r1 + 0)\n",    // 6: margin 13
        "w4 += 1\n",                 // 7: alu32
        "r4 += 1\n",                 // 8: alu64
        "r6 = 5\n",                  // 9: constant that matters
        "if r6 > r4 goto out\n",     // 10
        "*(u64 *)(r10 - 24) = r4\n", // 11
        "out:\n",
        "r0 = 2\n",
        "exit\n",
    ));
    let v = verify(&p, &Capabilities::kernel(), &Options::default()).expect("accepted");
    assert!(v.facts(5).zext_dst && v.facts(7).zext_dst);
    assert!(!v.facts(8).zext_dst);
    assert_eq!(v.facts(5).packet_margin, Some(0));
    assert_eq!(v.facts(6).packet_margin, Some(13));
    assert_eq!(v.facts(5).mem_base_kinds, 1 << kind_bit(RegKind::Packet));
    assert_eq!(v.facts(11).mem_base_kinds, 1 << kind_bit(RegKind::Stack));
    assert_eq!(v.facts(9).dst_const, Some(5));
    assert_eq!(v.facts(10).src_const, None); // r4 is not a constant
    assert_eq!(v.stack_depth(), 24);
    assert!(v.facts(4).visits >= 1);
    assert_eq!(v.program(), &p);
}

#[test]
fn log_has_the_kernel_shape() {
    let p = asm(".section xdp\nr0 = 2\nr2 = *(u32 *)(r1 + 12)\nif r2 == 0 goto +1\nr0 = 1\nexit\n");
    let opts = Options {
        log: true,
        ..Options::default()
    };
    let v = verify(&p, &Capabilities::kernel(), &opts).expect("accepted");
    let log = v.log().expect("log");
    assert!(
        log.starts_with("0: R1=ctx() R10=fp0\n0: (b7) r0 = 2\n"),
        "{log}"
    );
    assert!(log.contains("from 2 to 4: "), "{log}");
    assert!(log.contains("(95) exit"), "{log}");
    assert!(log.trim_end().ends_with("mark_read 0"), "{log}");
    assert!(log.contains("processed "), "{log}");
    let err = verify(
        &asm(".section xdp\nr0 = r3\nexit\n"),
        &Capabilities::kernel(),
        &opts,
    )
    .unwrap_err();
    let log = err.log.expect("log on rejection too");
    assert!(log.contains("0: (bf) r0 = r3\nR3 !read_ok\n"), "{log}");
}

#[test]
fn unprivileged_rules() {
    let unpriv = Options {
        unprivileged: true,
        ..Options::default()
    };
    let caps = Capabilities::kernel();
    let back_edge = asm(".section xdp\nr0 = 0\nl:\nr0 += 1\nif r0 < 4 goto l\nexit\n");
    assert!(verify(&back_edge, &caps, &Options::default()).is_ok());
    let e = verify(&back_edge, &caps, &unpriv).unwrap_err();
    assert_eq!(e.rejections[0].message, "back-edge from insn 2 to 1");
    let uninit_stack = asm(".section xdp\nr0 = *(u64 *)(r10 - 8)\nr0 = 2\nexit\n");
    assert!(verify(&uninit_stack, &caps, &Options::default()).is_ok());
    let e = verify(&uninit_stack, &caps, &unpriv).unwrap_err();
    assert_eq!(
        e.rejections[0].message,
        "invalid read from stack off -8+0 size 8"
    );
    let leak = asm(".section xdp\nr0 = r10\nexit\n");
    assert!(verify(&leak, &caps, &Options::default()).is_ok());
    let e = verify(&leak, &caps, &unpriv).unwrap_err();
    assert_eq!(e.rejections[0].message, "R0 leaks addr as return value");
    let cmp = asm(".section xdp\nr0 = 2\nr2 = r10\nif r2 > r1 goto +0\nexit\n");
    let e = verify(&cmp, &caps, &unpriv).unwrap_err();
    assert_eq!(e.rejections[0].message, "R1 pointer comparison prohibited");
}

#[test]
fn never_panics_on_odd_programs() {
    use ir::insn::{Insn, LdImm64Src};
    let caps = Capabilities::kernel();
    for insns in [
        vec![],
        vec![Insn::LdImm64Tail, Insn::Exit],
        vec![
            Insn::LdImm64 {
                dst: ir::Reg::R0,
                src: LdImm64Src::Imm,
                imm: 1,
            },
            Insn::Exit,
        ],
        vec![
            Insn::LdImm64 {
                dst: ir::Reg::R1,
                src: LdImm64Src::MapFd,
                imm: 7,
            },
            Insn::LdImm64Tail,
            Insn::Exit,
        ],
        vec![Insn::Call(ir::insn::CallTarget::Local(100)), Insn::Exit],
        vec![Insn::Ja {
            off: -1,
            long: false,
        }],
    ] {
        let p = ir::Program::new(ir::ProgType::Xdp, insns);
        assert!(verify(&p, &caps, &Options::default()).is_err());
    }
}
