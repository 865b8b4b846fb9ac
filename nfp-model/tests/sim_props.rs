//! Property: random programs the NFP profile accepts give, on the simulator, what the
//! reference interpreter gives — r0, the packet out and the maps.
//!
//! Programs are XDP programs that check 64 bytes of packet, then run random ALU (every
//! operation the NFP has), byte-swap, LD_IMM64, stack and packet loads and stores, and forward
//! jumps over scalar registers r0 and r2..r7, a hash map lookup with a guarded read and
//! atomic add, and bpf-to-bpf calls to a subprogram that clobbers r6..r9 and uses its own
//! stack; they end by folding every scalar register into r0. Programs the profile or the
//! translator refuse are skipped (and counted).

use ir::insn::{AluOp, Endian, Insn, JmpCond, LdImm64Src, MemSize, Operand, Width};
use ir::interp::{run, Input};
use ir::runtime::Runtime;
use ir::{MapDef, MapType, ProgType, Program, Reg};
use nfp_model::jit::translate;
use nfp_model::sim::Sim;
use nfp_model::Profile;
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Op {
    Insn(Insn),
    Jmp {
        width: Width,
        cond: JmpCond,
        dst: Reg,
        src: Operand,
        skip: usize,
    },
    MapAdd(Reg),
    /// `dst &= 0x7fffffff` then MUL/DIV (the profile wants u32 operands).
    MulDiv(Width, AluOp, Reg, Operand),
    /// `r1 = a; r2 = b; call sub; dst = r0` (the subprogram clobbers r6..r9 and uses its
    /// own stack).
    Call(Reg, Reg, Reg),
}

fn scalar() -> impl Strategy<Value = Reg> {
    prop::sample::select(vec![0u8, 2, 3, 4, 5, 6, 7]).prop_map(|n| Reg::new(n).unwrap_or(Reg::R0))
}

fn imm() -> impl Strategy<Value = i32> {
    prop_oneof![
        Just(0),
        Just(1),
        Just(-1),
        Just(i32::MIN),
        Just(i32::MAX),
        -300i32..300,
        any::<i32>(),
    ]
}

fn width() -> impl Strategy<Value = Width> {
    prop_oneof![Just(Width::W32), Just(Width::W64)]
}

fn operand() -> impl Strategy<Value = Operand> {
    prop_oneof![
        scalar().prop_map(Operand::Reg),
        imm().prop_map(Operand::Imm)
    ]
}

fn size() -> impl Strategy<Value = MemSize> {
    prop::sample::select(MemSize::ALL.to_vec())
}

fn insn() -> impl Strategy<Value = Insn> {
    let ops = vec![
        AluOp::Add,
        AluOp::Sub,
        AluOp::Or,
        AluOp::And,
        AluOp::Xor,
        AluOp::Mov,
    ];
    prop_oneof![
        8 => (width(), prop::sample::select(ops), scalar(), operand())
            .prop_map(|(width, op, dst, src)| Insn::Alu { width, op, dst, src }),
        1 => (width(), scalar()).prop_map(|(width, dst)| Insn::Neg { width, dst }),
        1 => (prop::sample::select(vec![16u8, 32, 64]), scalar())
            .prop_map(|(bits, dst)| Insn::End { kind: Endian::ToBe, bits, dst }),
        1 => (scalar(), any::<u64>()).prop_map(|(dst, imm)| Insn::LdImm64 { dst, src: LdImm64Src::Imm, imm }),
        2 => (size(), scalar(), 1i16..32).prop_map(|(size, src, k)| {
            let n = size.bytes() as i16;
            Insn::Store { size, dst: Reg::R10, off: -((k * 8 / n).max(1) * n), src: Operand::Reg(src) }
        }),
        2 => (width(), prop::sample::select(vec![AluOp::Lsh, AluOp::Rsh, AluOp::Arsh]), scalar(), 0i32..64)
            .prop_map(|(width, op, dst, k)| Insn::Alu {
                width,
                op,
                dst,
                src: Operand::Imm(if width == Width::W32 { k & 31 } else { k }),
            }),
        2 => (size(), scalar(), 1i16..32).prop_map(|(size, dst, k)| {
            let n = size.bytes() as i16;
            Insn::Load { size, signed: false, dst, src: Reg::R10, off: -((k * 8 / n).max(1) * n) }
        }),
        2 => (size(), scalar(), 0i16..56).prop_map(|(size, dst, off)| Insn::Load { size, signed: false, dst, src: Reg::R8, off }),
        1 => (size(), scalar(), 0i16..56).prop_map(|(size, src, off)| Insn::Store { size, dst: Reg::R8, off, src: Operand::Reg(src) }),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        12 => insn().prop_map(Op::Insn),
        3 => (width(), prop::sample::select(JmpCond::ALL.to_vec()), scalar(), operand(), 0usize..6)
            .prop_map(|(width, cond, dst, src, skip)| Op::Jmp { width, cond, dst, src, skip }),
        1 => scalar().prop_map(Op::MapAdd),
        1 => (scalar(), scalar(), scalar()).prop_map(|(a, b, d)| Op::Call(a, b, d)),
        2 => (
            width(),
            prop::sample::select(vec![AluOp::Mul, AluOp::Div]),
            scalar(),
            prop_oneof![
                (1i32..20).prop_map(Operand::Imm),
                Just(Operand::Imm(7)),
                Just(Operand::Imm(1000)),
                Just(Operand::Imm(0x7fff_ffff)),
                (1i32..0x1_0000).prop_map(Operand::Imm),
                scalar().prop_map(Operand::Reg),
            ]
        )
            .prop_map(|(w, op, d, s)| Op::MulDiv(w, op, d, s)),
    ]
}

fn alu64(op: AluOp, dst: Reg, src: Operand) -> Insn {
    Insn::Alu {
        width: Width::W64,
        op,
        dst,
        src,
    }
}

/// Program: init, bounds check, ops, fold, exit.
fn build(init: &[i32], ops: &[Op]) -> Program {
    use Operand::{Imm, Reg as R};
    let mut v: Vec<Insn> = Vec::new();
    let regs = [0u8, 2, 3, 4, 5, 6, 7].map(|n| Reg::new(n).unwrap_or(Reg::R0));
    for (r, k) in regs.iter().zip(init) {
        v.push(alu64(AluOp::Mov, *r, Imm(*k)));
    }
    v.push(Insn::Load {
        size: MemSize::W,
        signed: false,
        dst: Reg::R8,
        src: Reg::R1,
        off: 0,
    });
    v.push(Insn::Load {
        size: MemSize::W,
        signed: false,
        dst: Reg::R9,
        src: Reg::R1,
        off: 4,
    });
    v.push(alu64(AluOp::Mov, Reg::R1, R(Reg::R8)));
    v.push(alu64(AluOp::Add, Reg::R1, Imm(64)));
    let bounds_at = v.len();
    v.push(Insn::Jmp {
        width: Width::W64,
        cond: JmpCond::Gt,
        dst: Reg::R1,
        src: R(Reg::R9),
        off: 0,
    });
    // Slots of each op.
    let mut body: Vec<Vec<Insn>> = Vec::new();
    for o in ops {
        body.push(match o {
            Op::Insn(i) => {
                let mut x = vec![*i];
                if i.slots() == 2 {
                    x.push(Insn::LdImm64Tail);
                }
                x
            }
            Op::Jmp { .. } => vec![Insn::Ja {
                off: 0,
                long: false,
            }],
            Op::MapAdd(r) => map_add(*r),
            Op::Call(a, b, d) => vec![
                alu64(AluOp::Mov, Reg::R1, Operand::Reg(*a)),
                alu64(AluOp::Mov, Reg::R2, Operand::Reg(*b)),
                Insn::Call(ir::insn::CallTarget::Local(0)),
                alu64(AluOp::Mov, *d, Operand::Reg(Reg::R0)),
                alu64(AluOp::Mov, Reg::R1, Operand::Imm(3)),
                alu64(AluOp::Mov, Reg::R2, Operand::Imm(5)),
                alu64(AluOp::Mov, Reg::R3, Operand::Imm(-7)),
                alu64(AluOp::Mov, Reg::R4, Operand::Imm(0x1234_5678)),
                alu64(AluOp::Mov, Reg::R5, Operand::Imm(9)),
            ],
            Op::MulDiv(w, op, d, src) => {
                let mut x = vec![alu64(AluOp::And, *d, Operand::Imm(0x7fff_ffff))];
                if let Operand::Reg(s) = src {
                    if s != d {
                        x.push(alu64(AluOp::And, *s, Operand::Imm(0xffff)));
                    }
                }
                x.push(Insn::Alu {
                    width: *w,
                    op: *op,
                    dst: *d,
                    src: *src,
                });
                x
            }
        });
    }
    let mut at = Vec::new();
    let mut slot = v.len();
    for b in &body {
        at.push(slot);
        slot += b.len();
    }
    at.push(slot);
    for (i, (o, b)) in ops.iter().zip(body).enumerate() {
        match o {
            Op::Jmp {
                width,
                cond,
                dst,
                src,
                skip,
            } => {
                let t = at[(i + 1 + skip).min(ops.len())] as i64;
                v.push(Insn::Jmp {
                    width: *width,
                    cond: *cond,
                    dst: *dst,
                    src: *src,
                    off: (t - at[i] as i64 - 1) as i16,
                });
            }
            _ => v.extend(b),
        }
    }
    let fold_at = v.len();
    for r in &regs[1..] {
        v.push(alu64(AluOp::Xor, Reg::R0, R(*r)));
    }
    v.push(Insn::Exit);
    if let Insn::Jmp { off, .. } = &mut v[bounds_at] {
        *off = (fold_at - bounds_at - 1) as i16;
    }
    // The subprogram (when called): r0 = ((r1 ^ 0x55) through its stack) + r2, clobbering
    // r6..r9.
    let sub = v.len();
    if !ops.iter().any(|o| matches!(o, Op::Call(..))) {
        let mut p = Program::new(ProgType::Xdp, v);
        p.maps.push(MapDef::new("m", MapType::Hash, 4, 8, 4));
        return p;
    }
    v.extend([
        alu64(AluOp::Mov, Reg::R6, R(Reg::R1)),
        alu64(AluOp::Xor, Reg::R6, Imm(0x55)),
        Insn::Store {
            size: MemSize::DW,
            dst: Reg::R10,
            off: -8,
            src: R(Reg::R6),
        },
        Insn::Load {
            size: MemSize::DW,
            signed: false,
            dst: Reg::R7,
            src: Reg::R10,
            off: -8,
        },
        alu64(AluOp::Mov, Reg::R0, R(Reg::R7)),
        alu64(AluOp::Add, Reg::R0, R(Reg::R2)),
        alu64(AluOp::Mov, Reg::R6, Imm(0)),
        alu64(AluOp::Mov, Reg::R7, Imm(0)),
        alu64(AluOp::Mov, Reg::R8, Imm(0)),
        alu64(AluOp::Mov, Reg::R9, Imm(0)),
        Insn::Exit,
    ]);
    for (pc, insn) in v.iter_mut().enumerate().take(sub) {
        if let Insn::Call(ir::insn::CallTarget::Local(off)) = insn {
            *off = (sub - pc - 1) as i32;
        }
    }
    let mut p = Program::new(ProgType::Xdp, v);
    p.maps.push(MapDef::new("m", MapType::Hash, 4, 8, 4));
    p
}

/// key = r & 3 on the stack; value = lookup; if found: r += *value; atomic *value += r.
fn map_add(r: Reg) -> Vec<Insn> {
    use Operand::{Imm, Reg as R};
    vec![
        alu64(AluOp::Mov, Reg::R9, R(r)),
        alu64(AluOp::And, Reg::R9, Imm(3)),
        Insn::Store {
            size: MemSize::W,
            dst: Reg::R10,
            off: -4,
            src: R(Reg::R9),
        },
        Insn::LdImm64 {
            dst: Reg::R1,
            src: LdImm64Src::MapFd,
            imm: 0,
        },
        Insn::LdImm64Tail,
        alu64(AluOp::Mov, Reg::R2, R(Reg::R10)),
        alu64(AluOp::Add, Reg::R2, Imm(-4)),
        Insn::Call(ir::insn::CallTarget::Helper(1)),
        Insn::Jmp {
            width: Width::W64,
            cond: JmpCond::Eq,
            dst: Reg::R0,
            src: Imm(0),
            off: 2,
        },
        Insn::Atomic {
            size: MemSize::DW,
            op: ir::insn::AtomicOp::Add,
            fetch: false,
            dst: Reg::R0,
            src: Reg::R9,
            off: 0,
        },
        alu64(AluOp::Mov, Reg::R0, Imm(1)),
        // r1..r5 are clobbered by the call: give the scalars back values.
        alu64(AluOp::Mov, Reg::R2, Imm(5)),
        alu64(AluOp::Mov, Reg::R3, Imm(-7)),
        alu64(AluOp::Mov, Reg::R4, Imm(0x1234_5678)),
        alu64(AluOp::Mov, Reg::R5, Imm(9)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1500))]

    #[test]
    fn random_programs_agree_with_the_interpreter(
        init in proptest::collection::vec(imm(), 7),
        ops in proptest::collection::vec(op(), 1..40),
        pkt in proptest::collection::vec(any::<u8>(), 64..100),
        entries in proptest::collection::vec((0u32..4, any::<u64>()), 0..4),
    ) {
        let mut prog = build(&init, &ops);
        for (k, v) in &entries {
            prog.maps[0].initial_entries.push((k.to_le_bytes().to_vec(), v.to_le_bytes().to_vec()));
        }
        let profile = Profile::default();
        let v = match offload::verify(&prog, &profile.capabilities(), &offload::Options::default()) {
            Ok(v) => v,
            Err(e) => {
                if std::env::var("NFP_PROPS_DEBUG").is_ok() {
                    eprintln!("refused: {} {}", e.rejections[0].code, e.rejections[0].message);
                }
                return Ok(());
            }
        };
        if std::env::var("NFP_PROPS_DEBUG").is_ok() {
            eprintln!("accepted");
        }
        let nfp = match translate(&v, &profile) {
            Ok(n) => n,
            Err(r) => {
                if std::env::var("NFP_PROPS_DEBUG").is_ok() {
                    eprintln!("untranslated: {} {}", r.code, r.message);
                }
                // Only the documented gaps may refuse.
                prop_assert!(r.code.starts_with("nfp."), "{:?}", r);
                return Ok(());
            }
        };
        let sim = Sim::for_program(&nfp, profile.timing).unwrap();
        let mut rt_i = Runtime::new(&prog);
        let mut rt_s = Runtime::new(&prog);
        let want = run(&prog, &mut rt_i, &Input::Packet(pkt.clone()), 100_000).unwrap();
        let got = sim.run(&mut rt_s, &pkt, 1_000_000);
        let got = match got {
            Ok(g) => g,
            Err(e) => return Err(TestCaseError::fail(format!("{e}\n{}", nfp.listing()))),
        };
        prop_assert_eq!(got.r0, want.r0, "\n{}", nfp.listing());
        prop_assert_eq!(got.packet, want.packet);
        prop_assert_eq!(rt_s.dump(), rt_i.dump());
    }
}
