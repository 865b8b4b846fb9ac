//! Constant blinding: with `harden`, no immediate the program chose appears in the emitted code
//! (neither as an operand nor as a byte pattern), and results do not change.

use iced_x86::{Decoder, DecoderOptions, OpKind};
use ir::interp::{run, Input};
use ir::runtime::Runtime;
use jit::x86_64::{compile, Options};

const SRC: &str = "
.section xdp
    r0 = 0x12345678
    r0 += 0x1337c0de
    r2 = 0x7eadbeef
    r0 ^= r2
    *(u32 *)(r10 - 4) = 0x55aa1234
    r3 = *(u32 *)(r10 - 4)
    r0 += r3
    r4 = 0x0bad0c0ffee0f00d ll
    r0 ^= r4
    if r0 == 0x2468ace0 goto out
    r0 *= 0x31415926
out:
    exit
";

const CHOSEN: [u64; 6] = [
    0x12345678,
    0x1337c0de,
    0x7eadbeef,
    0x55aa1234,
    0x0bad0c0ffee0f00d,
    0x31415926,
];

fn immediates(code: &[u8]) -> Vec<u64> {
    let mut out = Vec::new();
    let mut d = Decoder::with_ip(64, code, 0, DecoderOptions::NONE);
    while d.can_decode() {
        let i = d.decode();
        for op in 0..i.op_count() {
            if matches!(
                i.op_kind(op),
                OpKind::Immediate8
                    | OpKind::Immediate16
                    | OpKind::Immediate32
                    | OpKind::Immediate64
                    | OpKind::Immediate8to32
                    | OpKind::Immediate8to64
                    | OpKind::Immediate32to64
            ) {
                out.push(i.immediate(op));
            }
        }
    }
    out
}

fn contains(code: &[u8], v: u64, bytes: usize) -> bool {
    let pat = &v.to_le_bytes()[..bytes];
    code.windows(bytes).any(|w| w == pat)
}

#[test]
fn hardened_code_holds_no_chosen_constant() {
    let prog = ir::asm::assemble(SRC).expect("asm");
    let v = offload::verify(
        &prog,
        &offload::Capabilities::kernel(),
        &offload::Options::default(),
    )
    .expect("verify");
    let plain = compile(
        &v,
        &Options {
            record: true,
            ..Options::default()
        },
    )
    .expect("compile");
    let hard = compile(
        &v,
        &Options {
            record: true,
            harden: true,
            ..Options::default()
        },
    )
    .expect("compile");
    hard.check_decoding().expect("decode");
    // The check has teeth: the plain code does hold them.
    assert!(CHOSEN.iter().all(|c| contains(plain.code(), *c, 4)));
    let imms = immediates(hard.code());
    for c in CHOSEN {
        let low = c & 0xffff_ffff;
        assert!(
            !imms.iter().any(|i| *i == c || *i & 0xffff_ffff == low),
            "{c:#x} appears as an immediate"
        );
        assert!(!contains(hard.code(), c, 4), "{c:#x} appears in the bytes");
    }
    let input = Input::Packet(testkit::packet::build("eth ipv4 tcp").expect("packet"));
    let want = run(&prog, &mut Runtime::new(&prog), &input, 1000)
        .expect("interp")
        .r0;
    assert_eq!(
        hard.run(&mut Runtime::new(&prog), &input).expect("run").r0,
        want
    );
    assert_eq!(
        plain.run(&mut Runtime::new(&prog), &input).expect("run").r0,
        want
    );
}
