//! Table-driven tests of every semantic edge of the interpreter.

use super::*;
use crate::insn::{
    AluOp, AtomicOp, CallTarget, Endian, Insn, JmpCond, LdImm64Src, MemSize, Operand, Reg, Width,
};
use crate::program::{MapDef, MapType};
use crate::runtime::{ExecEnv, Runtime};
use Width::{W32, W64};

fn r(n: u8) -> Reg {
    Reg::new(n).unwrap()
}
fn alu(width: Width, op: AluOp, dst: u8, imm: i32) -> Insn {
    Insn::Alu {
        width,
        op,
        dst: r(dst),
        src: Operand::Imm(imm),
    }
}
fn alur(width: Width, op: AluOp, dst: u8, src: u8) -> Insn {
    Insn::Alu {
        width,
        op,
        dst: r(dst),
        src: Operand::Reg(r(src)),
    }
}
fn mov(dst: u8, imm: i32) -> Insn {
    alu(W64, AluOp::Mov, dst, imm)
}
fn lddw(dst: u8, v: u64) -> [Insn; 2] {
    [
        Insn::LdImm64 {
            dst: r(dst),
            src: LdImm64Src::Imm,
            imm: v,
        },
        Insn::LdImm64Tail,
    ]
}
fn jmp(width: Width, cond: JmpCond, dst: u8, src: Operand, off: i16) -> Insn {
    Insn::Jmp {
        width,
        cond,
        dst: r(dst),
        src,
        off,
    }
}
fn ldx(size: MemSize, dst: u8, src: u8, off: i16) -> Insn {
    Insn::Load {
        size,
        signed: false,
        dst: r(dst),
        src: r(src),
        off,
    }
}
fn ldsx(size: MemSize, dst: u8, src: u8, off: i16) -> Insn {
    Insn::Load {
        size,
        signed: true,
        dst: r(dst),
        src: r(src),
        off,
    }
}
fn stx(size: MemSize, dst: u8, off: i16, src: u8) -> Insn {
    Insn::Store {
        size,
        dst: r(dst),
        off,
        src: Operand::Reg(r(src)),
    }
}
fn st(size: MemSize, dst: u8, off: i16, imm: i32) -> Insn {
    Insn::Store {
        size,
        dst: r(dst),
        off,
        src: Operand::Imm(imm),
    }
}
fn atomic(size: MemSize, op: AtomicOp, fetch: bool, dst: u8, off: i16, src: u8) -> Insn {
    Insn::Atomic {
        size,
        op,
        fetch,
        dst: r(dst),
        src: r(src),
        off,
    }
}
fn call(id: i32) -> Insn {
    Insn::Call(CallTarget::Helper(id))
}
const EXIT: Insn = Insn::Exit;

/// `r0 = a; r1 = b; r0 OP= r1 (or imm b); exit`, both 64-bit values loaded with lddw.
fn binop(width: Width, op: AluOp, a: u64, b: u64, imm: bool) -> Vec<Insn> {
    let mut v = Vec::new();
    v.extend(lddw(0, a));
    v.extend(lddw(1, b));
    v.push(if imm {
        alu(width, op, 0, b as i32)
    } else {
        alur(width, op, 0, 1)
    });
    v.push(EXIT);
    v
}

fn exec_with(prog: &Program, rt: &mut Runtime, input: &Input) -> Result<Outcome, ExecError> {
    run(prog, rt, input, 1_000_000)
}

fn exec(insns: Vec<Insn>) -> Result<Outcome, ExecError> {
    let prog = Program::new(ProgType::SocketFilter, insns);
    let mut rt = Runtime::new(&prog);
    exec_with(&prog, &mut rt, &Input::None)
}

fn r0(insns: Vec<Insn>) -> u64 {
    match exec(insns) {
        Ok(o) => o.r0,
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn alu_edges() {
    use AluOp::*;
    const MIN64: u64 = i64::MIN as u64;
    const MIN32: u64 = i32::MIN as u32 as u64;
    let neg1 = u64::MAX;
    // (width, op, a, b, expected)
    let table: &[(Width, AluOp, u64, u64, u64)] = &[
        (W64, Div, 7, 0, 0),
        (W32, Div, 7, 0, 0),
        (W64, Mod, 7, 0, 7),
        (W64, Mod, neg1, 0, neg1),
        (W32, Mod, 0xffff_ffff_0000_0007, 0, 7),
        (W32, Mod, 0x1_0000_0009, 4, 1),
        (W32, Div, 0x1_0000_0009, 3, 3),
        (W64, SDiv, MIN64, neg1, MIN64),
        (W64, SMod, MIN64, neg1, 0),
        (W32, SDiv, MIN32, neg1, MIN32),
        (W32, SMod, MIN32, neg1, 0),
        (W64, SDiv, (-7i64) as u64, 2, (-3i64) as u64),
        (W64, SMod, (-7i64) as u64, 2, (-1i64) as u64),
        (W64, SMod, 7, (-2i64) as u64, 1),
        (W32, SDiv, (-7i64) as u64, 2, (-3i32) as u32 as u64),
        (W32, SMod, (-10i64) as u64, 0, 0xffff_fff6),
        (W64, SMod, (-10i64) as u64, 0, (-10i64) as u64),
        (W64, SDiv, 5, 0, 0),
        (W64, Lsh, 1, 65, 2),
        (W32, Lsh, 1, 33, 2),
        (W64, Rsh, MIN64, 127, 1),
        (W32, Rsh, 0x8000_0000, 63, 1),
        (W64, Arsh, MIN64, 63, neg1),
        (W32, Arsh, 0x8000_0000, 31, 0xffff_ffff),
        (W32, Arsh, 0x8000_0000, 4, 0xf800_0000),
        (W32, Add, 0xffff_ffff, 1, 0),
        (W32, Sub, 0, 1, 0xffff_ffff),
        (W32, Mul, 0x1_0000_0002, 3, 6),
        (W32, Mov, neg1, neg1, 0xffff_ffff),
        (W64, Mov, 0, neg1, neg1),
        (W32, Or, 0xffff_0000_0000_0000, 1, 1),
        (W32, And, neg1, neg1, 0xffff_ffff),
        (W32, Xor, neg1, 0, 0xffff_ffff),
        (W64, Xor, neg1, 1, neg1 - 1),
        (W64, Mul, MIN64, neg1, MIN64),
    ];
    for &(width, op, a, b, want) in table {
        assert_eq!(
            r0(binop(width, op, a, b, false)),
            want,
            "{width:?} {op:?} {a:#x} {b:#x} (reg)"
        );
        // Immediate forms: the 32-bit imm is sign-extended for 64-bit ops.
        let bi = b as i32;
        let b_eff = match width {
            W64 => bi as i64 as u64,
            W32 => bi as u32 as u64,
        };
        if b_eff == b || (width == W32 && b_eff as u32 == b as u32) {
            assert_eq!(
                r0(binop(width, op, a, b, true)),
                want,
                "{width:?} {op:?} {a:#x} {b:#x} (imm)"
            );
        }
    }
}

#[test]
fn unary_edges() {
    let cases: Vec<(Vec<Insn>, u64)> = vec![
        (
            vec![
                mov(0, i32::MIN),
                Insn::Neg {
                    width: W64,
                    dst: r(0),
                },
                EXIT,
            ],
            0x8000_0000,
        ),
        (
            vec![
                mov(0, i32::MIN),
                Insn::Neg {
                    width: W32,
                    dst: r(0),
                },
                EXIT,
            ],
            0x8000_0000,
        ),
        (
            vec![
                mov(0, 1),
                Insn::Neg {
                    width: W32,
                    dst: r(0),
                },
                EXIT,
            ],
            0xffff_ffff,
        ),
        (
            vec![
                mov(1, 0x80),
                Insn::MovSx {
                    width: W64,
                    bits: 8,
                    dst: r(0),
                    src: r(1),
                },
                EXIT,
            ],
            0xffff_ffff_ffff_ff80,
        ),
        (
            vec![
                mov(1, 0x8000),
                Insn::MovSx {
                    width: W32,
                    bits: 16,
                    dst: r(0),
                    src: r(1),
                },
                EXIT,
            ],
            0xffff_8000,
        ),
        (
            vec![
                mov(1, -1),
                Insn::MovSx {
                    width: W64,
                    bits: 32,
                    dst: r(0),
                    src: r(1),
                },
                EXIT,
            ],
            u64::MAX,
        ),
        (
            vec![
                mov(1, 0x7f),
                Insn::MovSx {
                    width: W32,
                    bits: 8,
                    dst: r(0),
                    src: r(1),
                },
                EXIT,
            ],
            0x7f,
        ),
    ];
    for (insns, want) in cases {
        assert_eq!(r0(insns.clone()), want, "{insns:?}");
    }
    let v = 0x0123_4567_89ab_cdefu64;
    let end = |kind, bits| {
        let mut p = lddw(0, v).to_vec();
        p.push(Insn::End {
            kind,
            bits,
            dst: r(0),
        });
        p.push(EXIT);
        r0(p)
    };
    assert_eq!(end(Endian::ToLe, 16), 0xcdef);
    assert_eq!(end(Endian::ToLe, 32), 0x89ab_cdef);
    assert_eq!(end(Endian::ToLe, 64), v);
    assert_eq!(end(Endian::ToBe, 16), 0xefcd);
    assert_eq!(end(Endian::ToBe, 32), 0xefcd_ab89);
    assert_eq!(end(Endian::ToBe, 64), 0xefcd_ab89_6745_2301);
    assert_eq!(end(Endian::Swap, 16), 0xefcd);
    assert_eq!(end(Endian::Swap, 32), 0xefcd_ab89);
    assert_eq!(end(Endian::Swap, 64), 0xefcd_ab89_6745_2301);
}

#[test]
fn jumps_signed_unsigned_32_64() {
    use JmpCond::*;
    // (width, cond, a, b, taken)
    let neg1 = u64::MAX;
    let table: &[(Width, JmpCond, u64, u64, bool)] = &[
        (W64, Eq, 5, 5, true),
        (W64, Gt, neg1, 1, true),
        (W64, Sgt, neg1, 1, false),
        (W64, Slt, neg1, 0, true),
        (W64, Sle, 3, 3, true),
        (W64, Sge, 0, neg1, true),
        (W64, Lt, 1, neg1, true),
        (W64, Le, 2, 1, false),
        (W64, Ge, 2, 2, true),
        (W64, Set, 6, 1, false),
        (W64, Set, 6, 2, true),
        (W64, Ne, 1, 2, true),
        (W32, Eq, 0x1_0000_0005, 5, true),
        (W64, Eq, 0x1_0000_0005, 5, false),
        (W32, Sgt, 0xffff_ffff, 1, false),
        (W32, Gt, 0xffff_ffff, 1, true),
        (W32, Slt, 0x8000_0000, 0, true),
        (W32, Set, 0x1_0000_0000, 0x1_0000_0000, false),
        (W32, Sge, 0x7fff_ffff, 0x8000_0000, true),
        (W32, Le, 0x2_0000_0001, 1, true),
        (W32, Lt, 0x2_0000_0000, 1, true),
        (W32, Ge, 0, 1, false),
        (W32, Sle, 0xffff_fffe, 0xffff_ffff, true),
        (W32, Ne, 0x1_0000_0000, 0, false),
    ];
    for &(width, cond, a, b, taken) in table {
        let mut p = Vec::new();
        p.extend(lddw(1, a));
        p.extend(lddw(2, b));
        p.push(mov(0, 0));
        p.push(jmp(width, cond, 1, Operand::Reg(r(2)), 1));
        p.push(EXIT);
        p.push(mov(0, 1));
        p.push(EXIT);
        assert_eq!(r0(p) == 1, taken, "{width:?} {cond:?} {a:#x} {b:#x}");
    }
    // Immediate: sign-extended for 64-bit compares, low 32 bits for 32-bit compares.
    let p = |width| {
        let mut p = lddw(1, 0xffff_ffff).to_vec();
        p.extend([
            mov(0, 0),
            jmp(width, Eq, 1, Operand::Imm(-1), 1),
            EXIT,
            mov(0, 1),
            EXIT,
        ]);
        r0(p)
    };
    assert_eq!(p(W64), 0);
    assert_eq!(p(W32), 1);
    // ja32 (gotol) and negative offsets.
    assert_eq!(
        r0(vec![
            mov(0, 1),
            Insn::Ja { off: 2, long: true },
            mov(0, 2),
            EXIT,
            Insn::Ja {
                off: -3,
                long: false
            },
        ]),
        2
    );
}

#[test]
fn memory_loads_stores_sign_extension() {
    let p = vec![
        st(MemSize::DW, 10, -8, -2),
        ldx(MemSize::DW, 0, 10, -8),
        EXIT,
    ];
    assert_eq!(r0(p), (-2i64) as u64);
    let p = vec![
        mov(1, 0x80),
        stx(MemSize::B, 10, -1, 1),
        ldsx(MemSize::B, 0, 10, -1),
        EXIT,
    ];
    assert_eq!(r0(p), 0xffff_ffff_ffff_ff80);
    let p = vec![
        mov(1, 0x8001),
        stx(MemSize::H, 10, -2, 1),
        ldsx(MemSize::H, 0, 10, -2),
        EXIT,
    ];
    assert_eq!(r0(p), 0xffff_ffff_ffff_8001);
    let p = vec![
        mov(1, -1),
        stx(MemSize::W, 10, -4, 1),
        ldsx(MemSize::W, 0, 10, -4),
        ldx(MemSize::W, 2, 10, -4),
        alur(W64, AluOp::Add, 0, 2),
        EXIT,
    ];
    assert_eq!(r0(p), 0xffff_fffe);
    // Stack starts zeroed; unaligned accesses work.
    let p = vec![
        mov(1, 0x1234),
        stx(MemSize::H, 10, -3, 1),
        ldx(MemSize::W, 0, 10, -4),
        EXIT,
    ];
    assert_eq!(r0(p), 0x0012_3400);
}

#[test]
fn memory_out_of_bounds_is_an_error_with_pc_and_address() {
    // Just above the stack top.
    let e = exec(vec![mov(0, 0), ldx(MemSize::B, 0, 10, 0), EXIT]).unwrap_err();
    assert_eq!(e.pc, 1);
    assert!(matches!(
        e.kind,
        ExecErrorKind::OutOfBounds {
            size: 1,
            write: false,
            ..
        }
    ));
    let text = e.to_string();
    assert!(text.contains("pc 1") && text.contains("0x"), "{text}");
    // Straddling the stack top.
    let e = exec(vec![ldx(MemSize::DW, 0, 10, -4), EXIT]).unwrap_err();
    assert!(matches!(e.kind, ExecErrorKind::OutOfBounds { size: 8, .. }));
    // Below the 512-byte frame.
    let e = exec(vec![st(MemSize::B, 10, -513, 1), EXIT]).unwrap_err();
    assert!(matches!(
        e.kind,
        ExecErrorKind::OutOfBounds { write: true, .. }
    ));
    assert!(exec(vec![st(MemSize::B, 10, -512, 1), mov(0, 0), EXIT]).is_ok());
    // NULL.
    let e = exec(vec![mov(1, 0), ldx(MemSize::W, 0, 1, 0), EXIT]).unwrap_err();
    assert!(matches!(e.kind, ExecErrorKind::OutOfBounds { addr: 0, .. }));
    // Address arithmetic wrapping around.
    let mut p = lddw(1, u64::MAX - 2).to_vec();
    p.extend([ldx(MemSize::DW, 0, 1, 0), EXIT]);
    assert!(matches!(
        exec(p).unwrap_err().kind,
        ExecErrorKind::OutOfBounds { .. }
    ));
    // Atomics are checked too.
    let e = exec(vec![
        mov(1, 1),
        atomic(MemSize::DW, AtomicOp::Add, false, 10, 0, 1),
        EXIT,
    ])
    .unwrap_err();
    assert!(matches!(
        e.kind,
        ExecErrorKind::OutOfBounds { write: true, .. }
    ));
}

#[test]
fn atomics() {
    use AtomicOp::*;
    let init = 0x1234_5678_9abc_def0u64;
    // (size, op, fetch, operand, expected memory, expected src after, expected r0 after)
    let cases: &[(MemSize, AtomicOp, bool, u64, u64)] = &[
        (MemSize::DW, Add, false, 0x10, init + 0x10),
        (MemSize::DW, Or, true, 0xf, init | 0xf),
        (MemSize::DW, And, true, 0xff, init & 0xff),
        (MemSize::DW, Xor, true, u64::MAX, !init),
        (MemSize::DW, Xchg, true, 7, 7),
        (
            MemSize::W,
            Add,
            true,
            0x1_0000_0010,
            0x1234_5678_0000_0000 | (0x9abc_def0u32.wrapping_add(0x10)) as u64,
        ),
        (
            MemSize::W,
            Xchg,
            true,
            0xaaaa_bbbb_cccc_dddd,
            0x1234_5678_cccc_dddd,
        ),
        (MemSize::W, Or, false, 0xf, init | 0xf),
    ];
    for &(size, op, fetch, operand, mem_after) in cases {
        let mut p = lddw(1, init).to_vec();
        p.push(stx(MemSize::DW, 10, -8, 1));
        p.extend(lddw(2, operand));
        p.push(atomic(size, op, fetch, 10, -8, 2));
        p.push(ldx(MemSize::DW, 0, 10, -8));
        p.push(EXIT);
        assert_eq!(r0(p.clone()), mem_after, "{size:?} {op:?} memory");
        // The fetched old value (zero-extended for W) lands in src when fetching.
        let n = p.len();
        p[n - 2] = alur(W64, AluOp::Mov, 0, 2);
        let old = if size == MemSize::W {
            init as u32 as u64
        } else {
            init
        };
        let want = if fetch { old } else { operand };
        assert_eq!(r0(p), want, "{size:?} {op:?} fetch");
    }
    // cmpxchg: compares r0 (low 32 for W), loads the old value into r0 (zero-extended).
    let cmpxchg = |size: MemSize, expect: u64| {
        let mut p = lddw(1, init).to_vec();
        p.push(stx(MemSize::DW, 10, -8, 1));
        p.extend(lddw(0, expect));
        p.push(mov(2, 0x55));
        p.push(atomic(size, CmpXchg, true, 10, -8, 2));
        p.push(ldx(MemSize::DW, 3, 10, -8));
        p.push(stx(MemSize::DW, 10, -16, 0));
        p.push(alur(W64, AluOp::Mov, 0, 3));
        p.push(EXIT);
        let mem_after = r0(p.clone());
        let n = p.len();
        p[n - 2] = ldx(MemSize::DW, 0, 10, -16);
        (r0(p), mem_after)
    };
    assert_eq!(cmpxchg(MemSize::DW, init), (init, 0x55));
    assert_eq!(cmpxchg(MemSize::DW, init + 1), (init, init));
    assert_eq!(
        cmpxchg(MemSize::W, 0xffff_ffff_0000_0000 | (init & 0xffff_ffff)),
        (init & 0xffff_ffff, 0x1234_5678_0000_0055)
    );
    assert_eq!(cmpxchg(MemSize::W, 1), (init & 0xffff_ffff, init));
}

#[test]
fn local_calls_frames_and_depth() {
    // A callee gets its own frame; r6-r9 survive the call.
    let main = vec![
        mov(6, 6),                        // 0
        st(MemSize::DW, 10, -8, 77),      // 1
        Insn::Call(CallTarget::Local(5)), // 2 -> 8
        alur(W64, AluOp::Add, 0, 6),      // 3
        ldx(MemSize::DW, 1, 10, -8),      // 4
        alur(W64, AluOp::Add, 0, 1),      // 5
        EXIT,                             // 6
        EXIT,                             // 7 (unused)
        mov(6, 100),                      // 8: f
        st(MemSize::DW, 10, -8, 5),       // 9: callee frame, not the caller's
        ldx(MemSize::DW, 0, 10, -8),      // 10
        EXIT,                             // 11
    ];
    let out = exec(main).unwrap();
    assert_eq!(out.r0, 5 + 6 + 77);
    assert_eq!(out.steps, 11);
    // A callee may access its caller's frame through a pointer.
    let p = vec![
        st(MemSize::DW, 10, -8, 41),
        alur(W64, AluOp::Mov, 1, 10),
        alu(W64, AluOp::Add, 1, -8),
        Insn::Call(CallTarget::Local(1)),
        EXIT,
        ldx(MemSize::DW, 0, 1, 0),
        alu(W64, AluOp::Add, 0, 1),
        EXIT,
    ];
    assert_eq!(r0(p), 42);
    // ...but not beyond its own frame bottom into unallocated frames.
    let p = vec![
        Insn::Call(CallTarget::Local(1)),
        EXIT,
        ldx(MemSize::DW, 0, 10, -520),
        EXIT,
    ];
    assert!(matches!(
        exec(p).unwrap_err().kind,
        ExecErrorKind::OutOfBounds { .. }
    ));
    // Unbounded recursion stops at 8 frames.
    let p = vec![Insn::Call(CallTarget::Local(-1)), EXIT];
    let e = exec(p).unwrap_err();
    assert_eq!(e.kind, ExecErrorKind::CallDepth);
    // Depth 8 exactly is allowed: main + 7 nested calls.
    let mut p = Vec::new();
    for _ in 0..7 {
        p.push(Insn::Call(CallTarget::Local(0)));
    }
    p.push(mov(0, 3));
    p.push(EXIT);
    assert_eq!(r0(p), 3);
}

#[test]
fn budget_and_pc_errors() {
    let p = Program::new(
        ProgType::SocketFilter,
        vec![Insn::Ja {
            off: -1,
            long: false,
        }],
    );
    let mut rt = Runtime::new(&p);
    let e = run(&p, &mut rt, &Input::None, 100).unwrap_err();
    assert_eq!(e.kind, ExecErrorKind::BudgetExceeded { budget: 100 });
    let p = Program::new(ProgType::SocketFilter, vec![mov(0, 1), EXIT]);
    assert_eq!(run(&p, &mut rt, &Input::None, 2).unwrap().steps, 2);
    assert!(run(&p, &mut rt, &Input::None, 1).is_err());
    // Falling off the end, jumping outside, jumping into the middle of an LD_IMM64.
    assert!(matches!(
        exec(vec![mov(0, 1)]).unwrap_err().kind,
        ExecErrorKind::PcOutOfRange { target: 1 }
    ));
    assert!(matches!(
        exec(vec![Insn::Ja {
            off: -5,
            long: false
        }])
        .unwrap_err()
        .kind,
        ExecErrorKind::PcOutOfRange { .. }
    ));
    let mut p = vec![Insn::Ja {
        off: 1,
        long: false,
    }];
    p.extend(lddw(0, 1));
    p.push(EXIT);
    assert!(matches!(
        exec(p).unwrap_err().kind,
        ExecErrorKind::Unsupported(_)
    ));
    assert!(exec(vec![]).is_err());
}

#[test]
fn mem_input_and_ld_abs() {
    let prog = Program::new(
        ProgType::SocketFilter,
        vec![ldx(MemSize::W, 0, 1, 0), alur(W64, AluOp::Add, 0, 2), EXIT],
    );
    let mut rt = Runtime::new(&prog);
    let out = exec_with(&prog, &mut rt, &Input::Mem(vec![1, 0, 0, 0, 9])).unwrap();
    assert_eq!(out.r0, 1 + 5);
    assert!(out.action.is_none() && out.packet.is_none());
    // Reading past the input memory is caught.
    let prog = Program::new(ProgType::SocketFilter, vec![ldx(MemSize::W, 0, 1, 2), EXIT]);
    let e = exec_with(&prog, &mut rt, &Input::Mem(vec![1, 2, 3, 4, 5])).unwrap_err();
    assert!(matches!(e.kind, ExecErrorKind::OutOfBounds { .. }));
    // LD_ABS/LD_IND: network order; out of bounds ends the program with r0 = 0.
    let ldabs = |size, imm| Insn::LdAbs { size, imm };
    let prog = |insns| Program::new(ProgType::SocketFilter, insns);
    let mem = Input::Mem(vec![0x12, 0x34, 0x56, 0x78, 0x9a]);
    let cases: Vec<(Vec<Insn>, u64)> = vec![
        (vec![ldabs(MemSize::B, 1), EXIT], 0x34),
        (vec![ldabs(MemSize::H, 0), EXIT], 0x1234),
        (vec![ldabs(MemSize::W, 1), EXIT], 0x3456_789a),
        (vec![mov(0, 9), ldabs(MemSize::W, 2), mov(0, 7), EXIT], 0),
        (vec![mov(0, 9), ldabs(MemSize::B, -1), mov(0, 7), EXIT], 0),
        (
            vec![
                mov(3, 2),
                Insn::LdInd {
                    size: MemSize::H,
                    src: r(3),
                    imm: 1,
                },
                EXIT,
            ],
            0x789a,
        ),
        (
            vec![
                mov(3, -1),
                Insn::LdInd {
                    size: MemSize::B,
                    src: r(3),
                    imm: 1,
                },
                EXIT,
            ],
            0x12,
        ),
    ];
    for (insns, want) in cases {
        let p = prog(insns.clone());
        let mut rt = Runtime::new(&p);
        assert_eq!(exec_with(&p, &mut rt, &mem).unwrap().r0, want, "{insns:?}");
    }
}

fn xdp(insns: Vec<Insn>) -> Program {
    Program::new(ProgType::Xdp, insns)
}

fn pkt(len: usize) -> Vec<u8> {
    (0..len).map(|i| i as u8).collect()
}

#[test]
fn xdp_context_and_packet_access() {
    // r2 = data; r3 = data_end; if r2 + 14 > r3 -> drop; r0 = pkt[12]; return pass if 12 else tx
    let p = xdp(vec![
        ldx(MemSize::W, 2, 1, 0),
        ldx(MemSize::W, 3, 1, 4),
        alur(W64, AluOp::Mov, 4, 2),
        alu(W64, AluOp::Add, 4, 14),
        jmp(W64, JmpCond::Gt, 4, Operand::Reg(r(3)), 5),
        ldx(MemSize::B, 5, 2, 12),
        mov(0, 3),
        jmp(W64, JmpCond::Ne, 5, Operand::Imm(12), 1),
        mov(0, 2),
        st(MemSize::B, 2, 0, 0xee),
        EXIT,
        mov(0, 1),
        EXIT,
    ]);
    let mut rt = Runtime::new(&p);
    let out = exec_with(&p, &mut rt, &Input::Packet(pkt(60))).unwrap();
    assert_eq!(out.r0, 2);
    assert_eq!(out.action.unwrap().to_string(), "pass");
    let mut want = pkt(60);
    want[0] = 0xee;
    assert_eq!(out.packet.unwrap(), want);
    // data_end - data, ingress_ifindex, rx_queue_index.
    let p = xdp(vec![
        ldx(MemSize::W, 2, 1, 0),
        ldx(MemSize::W, 3, 1, 4),
        alur(W64, AluOp::Sub, 3, 2),
        ldx(MemSize::W, 4, 1, 12),
        alu(W64, AluOp::Lsh, 4, 16),
        alur(W64, AluOp::Or, 3, 4),
        ldx(MemSize::W, 0, 1, 16),
        alur(W64, AluOp::Add, 0, 3),
        EXIT,
    ]);
    let mut rt = Runtime::new(&p);
    let out = exec_with(&p, &mut rt, &Input::Packet(pkt(60))).unwrap();
    assert_eq!(out.r0, (1 << 16) | 60);
    assert_eq!(out.action.unwrap().to_string(), "xdp_action_65596");
    // Reading one byte past data_end is an error naming the address.
    let p = xdp(vec![
        ldx(MemSize::W, 2, 1, 0),
        ldx(MemSize::B, 0, 2, 60),
        EXIT,
    ]);
    let e = exec_with(&p, &mut rt, &Input::Packet(pkt(60))).unwrap_err();
    assert_eq!(e.pc, 1);
    assert!(matches!(e.kind, ExecErrorKind::OutOfBounds { size: 1, .. }));
    let text = e.to_string();
    assert!(
        text.contains("pc 1 `r0 = *(u8 *)(r2 + 0x3c)`")
            && text.contains("0 bytes past the end of the packet"),
        "{text}"
    );
    // Bad context accesses: narrow, 8-byte, writes, egress_ifindex, past the end.
    for insn in [
        ldx(MemSize::B, 0, 1, 0),
        ldx(MemSize::DW, 0, 1, 0),
        ldx(MemSize::W, 0, 1, 20),
        ldx(MemSize::W, 0, 1, 24),
        ldx(MemSize::W, 0, 1, 2),
        st(MemSize::W, 1, 12, 0),
    ] {
        let p = xdp(vec![insn, mov(0, 2), EXIT]);
        let e = exec_with(&p, &mut rt, &Input::Packet(pkt(60))).unwrap_err();
        assert!(
            matches!(
                e.kind,
                ExecErrorKind::Ctx(_) | ExecErrorKind::OutOfBounds { .. }
            ),
            "{insn:?}: {e}"
        );
    }
    // Packets shorter than an Ethernet header are refused like BPF_PROG_TEST_RUN does.
    let p = xdp(vec![mov(0, 2), EXIT]);
    assert!(matches!(
        exec_with(&p, &mut rt, &Input::Packet(pkt(10)))
            .unwrap_err()
            .kind,
        ExecErrorKind::Input(_)
    ));
}

#[test]
fn tc_context_fields() {
    use crate::ctx::sk_buff as skb;
    let mut packet = pkt(64);
    packet[..6].copy_from_slice(&[0xff; 6]);
    packet[12] = 0x08;
    packet[13] = 0x00;
    let field = |off: usize, size: MemSize| {
        let p = Program::new(ProgType::SchedCls, vec![ldx(size, 0, 1, off as i16), EXIT]);
        let mut rt = Runtime::new(&p);
        exec_with(&p, &mut rt, &Input::Packet(packet.clone())).map(|o| o.r0)
    };
    assert_eq!(field(skb::LEN, MemSize::W), Ok(64));
    assert_eq!(field(skb::PROTOCOL, MemSize::W), Ok(0x0008));
    assert_eq!(field(skb::PKT_TYPE, MemSize::W), Ok(2));
    assert_eq!(field(skb::WIRE_LEN, MemSize::W), Ok(0));
    assert_eq!(field(skb::INGRESS_IFINDEX, MemSize::W), Ok(0));
    assert_eq!(field(skb::IFINDEX, MemSize::W), Ok(1));
    assert_eq!(field(skb::LEN, MemSize::B), Ok(64));
    assert_eq!(field(skb::MARK, MemSize::W), Ok(0));
    assert!(field(skb::LEN, MemSize::DW).is_err());
    assert!(field(skb::DATA, MemSize::H).is_err());
    assert!(field(skb::FAMILY, MemSize::W).is_err());
    // data/data_end, a write to mark and cb[], read back; a write to len is refused.
    let p = Program::new(
        ProgType::SchedCls,
        vec![
            ldx(MemSize::W, 2, 1, skb::DATA as i16),
            ldx(MemSize::W, 3, 1, skb::DATA_END as i16),
            alur(W64, AluOp::Sub, 3, 2),
            stx(MemSize::W, 1, skb::MARK as i16, 3),
            st(MemSize::W, 1, skb::CB as i16 + 4, 9),
            ldx(MemSize::W, 0, 1, skb::MARK as i16),
            ldx(MemSize::W, 4, 1, skb::CB as i16 + 4),
            alur(W64, AluOp::Add, 0, 4),
            EXIT,
        ],
    );
    let mut rt = Runtime::new(&p);
    let out = exec_with(&p, &mut rt, &Input::Packet(packet.clone())).unwrap();
    assert_eq!(out.r0, 64 + 9);
    assert_eq!(out.action.unwrap().to_string(), "tc_act_73");
    let p = Program::new(
        ProgType::SchedCls,
        vec![st(MemSize::W, 1, skb::LEN as i16, 1), mov(0, 2), EXIT],
    );
    let e = exec_with(&p, &mut rt, &Input::Packet(packet.clone())).unwrap_err();
    assert!(matches!(e.kind, ExecErrorKind::Ctx(_)));
    // TC verdict names.
    for (v, name) in [(-1i32, "unspec"), (0, "ok"), (2, "shot"), (7, "redirect")] {
        let p = Program::new(ProgType::SchedCls, vec![mov(0, v), EXIT]);
        let out = exec_with(&p, &mut rt, &Input::Packet(packet.clone())).unwrap();
        assert_eq!(out.action.unwrap().to_string(), name);
    }
}

#[test]
fn helper_errors_are_exec_errors() {
    let e = exec(vec![call(9999), EXIT]).unwrap_err();
    assert!(matches!(e.kind, ExecErrorKind::Helper { id: 9999, .. }));
    assert!(e.to_string().contains("helper 9999"));
    let e = exec(vec![mov(1, 77), Insn::CallX { reg: r(1) }, EXIT]).unwrap_err();
    assert!(matches!(e.kind, ExecErrorKind::Helper { .. }));
}

#[test]
fn conformance_unwind_helper() {
    let p = Program::new(
        ProgType::SocketFilter,
        vec![mov(1, 0), call(5), mov(0, 2), EXIT],
    );
    let mut rt = Runtime::new(&p).with_conformance_helpers(true);
    assert_eq!(exec_with(&p, &mut rt, &Input::None).unwrap().r0, 0);
    let p = Program::new(
        ProgType::SocketFilter,
        vec![
            mov(1, -1),
            mov(2, 5),
            Insn::CallX { reg: r(2) },
            mov(0, 2),
            EXIT,
        ],
    );
    assert_eq!(exec_with(&p, &mut rt, &Input::None).unwrap().r0, 2);
    // Without conformance mode, id 5 is bpf_ktime_get_ns.
    let mut rt = Runtime::new(&p);
    rt.set_ktime(1234);
    let p = Program::new(ProgType::SocketFilter, vec![call(5), EXIT]);
    assert_eq!(exec_with(&p, &mut rt, &Input::None).unwrap().r0, 1234);
}

#[test]
fn map_value_pointers_are_checked() {
    let mut p = Program::new(ProgType::Xdp, vec![]);
    p.maps.push(MapDef::new("arr", MapType::Array, 4, 12, 2));
    let lookup = |idx: i32, tail: Vec<Insn>| {
        let mut v = vec![
            st(MemSize::W, 10, -4, idx),
            alur(W64, AluOp::Mov, 2, 10),
            alu(W64, AluOp::Add, 2, -4),
            Insn::LdImm64 {
                dst: r(1),
                src: LdImm64Src::MapFd,
                imm: 0,
            },
            Insn::LdImm64Tail,
            call(1),
        ];
        v.extend(tail);
        v
    };
    p.insns = lookup(
        1,
        vec![
            jmp(W64, JmpCond::Eq, 0, Operand::Imm(0), 3),
            st(MemSize::W, 0, 8, 0x77),
            ldx(MemSize::W, 0, 0, 8),
            EXIT,
            mov(0, 9),
            EXIT,
        ],
    );
    let mut rt = Runtime::new(&p);
    assert_eq!(exec_with(&p, &mut rt, &Input::None).unwrap().r0, 0x77);
    let mut want = vec![0u8; 12];
    want[8] = 0x77;
    assert_eq!(rt.map_lookup(0, &1u32.to_le_bytes()).unwrap(), Some(want));
    // Index out of range gives NULL.
    p.insns = lookup(2, vec![EXIT]);
    assert_eq!(exec_with(&p, &mut rt, &Input::None).unwrap().r0, 0);
    // An access one byte past the 12-byte value is an error (value size, not the 16-byte slot).
    p.insns = lookup(0, vec![ldx(MemSize::W, 0, 0, 9), EXIT]);
    let e = exec_with(&p, &mut rt, &Input::None).unwrap_err();
    assert!(
        matches!(e.kind, ExecErrorKind::OutOfBounds { size: 4, .. }),
        "{e}"
    );
    // LD_IMM64 map_value: direct access to element 0 + offset (global data).
    p.maps[0].initial_value = Some(vec![5, 0, 0, 0, 6, 0, 0, 0]);
    p.insns = vec![
        Insn::LdImm64 {
            dst: r(1),
            src: LdImm64Src::MapValue,
            imm: 4 << 32,
        },
        Insn::LdImm64Tail,
        ldx(MemSize::W, 0, 1, 0),
        EXIT,
    ];
    let mut rt = Runtime::new(&p);
    assert_eq!(exec_with(&p, &mut rt, &Input::None).unwrap().r0, 6);
    // A read-only (.rodata) map refuses stores.
    p.maps[0].flags = 0x80;
    p.insns = vec![
        Insn::LdImm64 {
            dst: r(1),
            src: LdImm64Src::MapValue,
            imm: 0,
        },
        Insn::LdImm64Tail,
        st(MemSize::W, 1, 0, 1),
        EXIT,
    ];
    let mut rt = Runtime::new(&p);
    let e = exec_with(&p, &mut rt, &Input::None).unwrap_err();
    assert!(matches!(e.kind, ExecErrorKind::ReadOnly { .. }));
    // A map index the runtime does not have.
    p.insns = vec![
        Insn::LdImm64 {
            dst: r(1),
            src: LdImm64Src::MapFd,
            imm: 3,
        },
        Insn::LdImm64Tail,
        EXIT,
    ];
    let e = exec_with(&p, &mut rt, &Input::None).unwrap_err();
    assert!(matches!(e.kind, ExecErrorKind::BadMapRef { index: 3, .. }));
    let _ = ExecEnv::empty(ProgType::Xdp);
}
