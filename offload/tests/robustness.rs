//! The verifier never panics and always terminates, whatever the instructions (fuzz-style).

use offload::{verify, Capabilities, Options};
use proptest::prelude::*;

/// Opcodes that decode for some operand values: ALU/JMP/LD/ST of every class.
const CODES: &[u8] = &[
    0x07, 0x0f, 0x04, 0x0c, 0x17, 0x1f, 0x27, 0x2f, 0x37, 0x3f, 0x47, 0x4f, 0x57, 0x5f, 0x67, 0x6f,
    0x77, 0x7f, 0x87, 0x97, 0x9f, 0xa7, 0xaf, 0xb7, 0xbf, 0xb4, 0xbc, 0xc7, 0xcf, 0xd4, 0xdc, 0x05,
    0x15, 0x1d, 0x25, 0x2d, 0x35, 0x3d, 0x45, 0x4d, 0x55, 0x5d, 0x65, 0x6d, 0xa5, 0xad, 0xb5, 0xbd,
    0xc5, 0xcd, 0xd5, 0xdd, 0x16, 0x1e, 0x26, 0x2e, 0xa6, 0xae, 0x85, 0x95, 0x61, 0x69, 0x71, 0x79,
    0x62, 0x6a, 0x72, 0x7a, 0x63, 0x6b, 0x73, 0x7b, 0xc3, 0xdb, 0x18, 0x20, 0x28, 0x30, 0x40,
];

fn word() -> impl Strategy<Value = [u8; 8]> {
    (
        prop::sample::select(CODES.to_vec()),
        0u8..11,
        0u8..11,
        prop_oneof![-16i16..16, -600i16..600, any::<i16>()],
        prop_oneof![-16i32..16, 0i32..300, any::<i32>()],
    )
        .prop_map(|(code, dst, src, off, imm)| {
            let (src, imm) = match code {
                0x85 => (0, imm.rem_euclid(80)),
                0x18 => (0, imm),
                0xc3 | 0xdb => (
                    src,
                    [0x00, 0x01, 0x40, 0x41, 0x50, 0xa0, 0xe1, 0xf1][imm.rem_euclid(8) as usize],
                ),
                _ => (src, imm),
            };
            let o = off.to_le_bytes();
            let i = imm.to_le_bytes();
            [code, dst | (src << 4), o[0], o[1], i[0], i[1], i[2], i[3]]
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]
    #[test]
    fn verify_never_panics(words in prop::collection::vec(word(), 1..24), xdp in any::<bool>()) {
        let mut bytes: Vec<u8> = words.concat();
        // LD_IMM64 needs its second slot.
        bytes.extend_from_slice(&[0x95, 0, 0, 0, 0, 0, 0, 0]);
        if let Ok(insns) = ir::insn::decode_bytes(&bytes) {
            let t = if xdp { ir::ProgType::Xdp } else { ir::ProgType::SchedCls };
            let p = ir::Program::new(t, insns);
            let opts = Options { log: true, max_insns: 20_000, ..Options::default() };
            let _ = verify(&p, &Capabilities::kernel(), &opts);
        }
    }
}
