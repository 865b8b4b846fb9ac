//! Table-driven emit tests: each row is an encoder call, the Intel text it must mean and the
//! bytes it must produce (from the Intel SDM encodings), for every form the lowering uses.

use super::emit::{mem, Asm, Op2, Shift};
use crate::JitError;
use iced_x86::{Formatter, IntelFormatter, Register::*};
use ir::insn::{MemSize, Width};

type Emit = fn(&mut Asm) -> Result<(), JitError>;

const ROWS: &[(&str, &str, Emit)] = &[
    ("mov rax, rdi", "48 8b c7", |a| {
        a.mov_rr(Width::W64, RAX, RDI)
    }),
    ("mov eax, edi", "8b c7", |a| a.mov_rr(Width::W32, RAX, RDI)),
    ("xor r8d, r8d", "45 33 c0", |a| a.mov_ri64(R8, 0)),
    ("mov esi, 5", "be 05 00 00 00", |a| a.mov_ri64(RSI, 5)),
    ("mov rax, 0FFFFFFFFFFFFFFFFh", "48 c7 c0 ff ff ff ff", |a| {
        a.mov_ri64(RAX, u64::MAX)
    }),
    (
        "mov rdi, 123456789h",
        "48 bf 89 67 45 23 01 00 00 00",
        |a| a.mov_ri64(RDI, 0x1_2345_6789),
    ),
    ("add rdi, 1", "48 83 c7 01", |a| {
        a.op_ri(Op2::Add, Width::W64, RDI, 1)
    }),
    ("add rdi, 100h", "48 81 c7 00 01 00 00", |a| {
        a.op_ri(Op2::Add, Width::W64, RDI, 0x100)
    }),
    ("sub r8d, 5", "41 83 e8 05", |a| {
        a.op_ri(Op2::Sub, Width::W32, R8, 5)
    }),
    ("cmp rcx, rsi", "48 39 f1", |a| {
        a.op_rr(Op2::Cmp, Width::W64, RCX, RSI)
    }),
    ("xor eax, ecx", "31 c8", |a| {
        a.op_rr(Op2::Xor, Width::W32, RAX, RCX)
    }),
    ("test r8, r8", "4d 85 c0", |a| a.test_rr(Width::W64, R8, R8)),
    ("test edi, 80h", "f7 c7 80 00 00 00", |a| {
        a.test_ri(Width::W32, RDI, 0x80)
    }),
    ("imul eax, 1000193h", "69 c0 93 01 00 01", |a| {
        a.imul_ri(Width::W32, RAX, 0x100_0193)
    }),
    ("imul rbx, r13", "49 0f af dd", |a| {
        a.imul_rr(Width::W64, RBX, R13)
    }),
    ("shl r11, 3", "49 c1 e3 03", |a| {
        a.shift_ri(Shift::Shl, Width::W64, R11, 3)
    }),
    ("sar esi, 1", "d1 fe", |a| {
        a.shift_ri(Shift::Sar, Width::W32, RSI, 1)
    }),
    ("shr rdi, cl", "48 d3 ef", |a| {
        a.shift_cl(Shift::Shr, Width::W64, RDI)
    }),
    ("shlx rdi, rdi, rsi", "c4 e2 c9 f7 ff", |a| {
        a.shift_x(Shift::Shl, Width::W64, RDI, RSI)
    }),
    ("neg r15d", "41 f7 df", |a| a.neg(Width::W32, R15)),
    ("idiv r11", "49 f7 fb", |a| a.div(Width::W64, true, R11)),
    ("div r11d", "41 f7 f3", |a| a.div(Width::W32, false, R11)),
    ("cqo", "48 99", |a| a.sign_extend_rax(Width::W64)),
    ("cdq", "99", |a| a.sign_extend_rax(Width::W32)),
    ("rol si, 8", "66 c1 c6 08", |a| a.rol16_8(RSI)),
    ("bswap rdi", "48 0f cf", |a| a.bswap(Width::W64, RDI)),
    ("movsx rax, dil", "48 0f be c7", |a| {
        a.extend(Width::W64, 8, true, RAX, RDI)
    }),
    ("movsxd rax, edi", "48 63 c7", |a| {
        a.extend(Width::W64, 32, true, RAX, RDI)
    }),
    ("movzx ecx, word ptr [rdi+0Ch]", "0f b7 4f 0c", |a| {
        a.load(MemSize::H, false, RCX, mem(RDI, 12))
    }),
    ("movzx ecx, byte ptr [rdi]", "0f b6 0f", |a| {
        a.load(MemSize::B, false, RCX, mem(RDI, 0))
    }),
    ("mov rax, [rbp]", "48 8b 45 00", |a| {
        a.load(MemSize::DW, false, RAX, mem(RBP, 0))
    }),
    ("movsx rdx, word ptr [r13-2]", "49 0f bf 55 fe", |a| {
        a.load(MemSize::H, true, RDX, mem(R13, -2))
    }),
    ("movbe eax, [rdi+0Ch]", "0f 38 f0 47 0c", |a| {
        a.movbe_load(MemSize::W, RAX, mem(RDI, 12))
    }),
    ("mov [rbp-8], rax", "48 89 45 f8", |a| {
        a.store_r(MemSize::DW, mem(RBP, -8), RAX)
    }),
    ("mov [rbp-1], sil", "40 88 75 ff", |a| {
        a.store_r(MemSize::B, mem(RBP, -1), RSI)
    }),
    ("mov dword ptr [rdi+4], 7", "c7 47 04 07 00 00 00", |a| {
        a.store_i(MemSize::W, mem(RDI, 4), 7)
    }),
    ("mov word ptr [rdi], 0FFFFh", "66 c7 07 ff ff", |a| {
        a.store_i(MemSize::H, mem(RDI, 0), -1)
    }),
    ("lock add [rdi], rsi", "f0 48 01 37", |a| {
        a.lock_op(Op2::Add, Width::W64, mem(RDI, 0), RSI)
    }),
    ("lock xadd [rdi], rsi", "f0 48 0f c1 37", |a| {
        a.lock_xadd(Width::W64, mem(RDI, 0), RSI)
    }),
    ("lock cmpxchg [rdi+4], r11d", "f0 44 0f b1 5f 04", |a| {
        a.lock_cmpxchg(Width::W32, mem(RDI, 4), R11)
    }),
    ("xchg [rdi], rsi", "48 87 37", |a| {
        a.xchg(Width::W64, mem(RDI, 0), RSI)
    }),
    ("lea rdx, [rdi+1]", "48 8d 57 01", |a| {
        a.lea(RDX, mem(RDI, 1))
    }),
    ("push r12", "41 54", |a| a.push(R12)),
    ("pop rbx", "5b", |a| a.pop(RBX)),
    ("call qword ptr [r12+20h]", "41 ff 54 24 20", |a| {
        a.call_mem(mem(R12, 0x20))
    }),
    ("leave", "c9", |a| a.leave()),
    ("ret", "c3", |a| a.ret()),
];

#[test]
fn every_form_encodes_as_the_manual_says() {
    let mut fmt = IntelFormatter::new();
    fmt.options_mut().set_space_after_operand_separator(true);
    let mut failures = Vec::new();
    for (text, bytes, emit) in ROWS {
        let mut a = Asm::new(true, 16);
        if let Err(e) = emit(&mut a) {
            failures.push(format!("{text}: {e}"));
            continue;
        }
        let got: Vec<String> = a.take_bytes().iter().map(|b| format!("{b:02x}")).collect();
        let mut shown = String::new();
        if let Some(super::emit::Meant::Insn(i)) = a.meant.first() {
            fmt.format(i, &mut shown);
        }
        if got.join(" ") != *bytes || shown != *text {
            failures.push(format!(
                "want `{text}` = {bytes}, got `{shown}` = {}",
                got.join(" ")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
