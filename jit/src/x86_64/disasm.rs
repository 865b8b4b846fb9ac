//! Print what was emitted: each eBPF instruction followed by its x86 code, in Intel syntax via
//! iced-x86's formatter; and the decoder round-trip check of every emitted byte.

use super::emit::Meant;
use super::program::JitProgram;
use iced_x86::{Decoder, DecoderOptions, Formatter, Instruction, IntelFormatter, OpKind};
use std::collections::HashSet;
use std::fmt::Write;

impl JitProgram {
    /// The listing: each eBPF instruction (`pc: insn`) followed by the x86 instructions that
    /// implement it (`offset: bytes  intel syntax`); code before the first instruction is the
    /// prologue, code after a function's last instruction its epilogue and the shared stubs.
    pub fn disassemble(&self) -> String {
        let code = self.code();
        let mut headers: Vec<(u32, String)> = vec![(0, "; prologue".to_string())];
        for (pc, insn) in self.insns().iter().enumerate() {
            if matches!(insn, ir::Insn::LdImm64Tail) {
                continue;
            }
            if let Some(off) = self.insn_offset(pc) {
                headers.push((off, format!("{pc:>5}: {}", self.insn_text(pc))));
            }
        }
        headers.sort_by_key(|(o, _)| *o);
        let mut fmt = IntelFormatter::new();
        fmt.options_mut().set_first_operand_char_index(8);
        fmt.options_mut().set_hex_prefix("0x");
        fmt.options_mut().set_hex_suffix("");
        fmt.options_mut().set_uppercase_hex(false);
        fmt.options_mut().set_space_after_operand_separator(true);
        let mut out = String::new();
        let mut next = 0usize;
        let mut dec = Decoder::with_ip(64, code, 0, DecoderOptions::NONE);
        let mut i = Instruction::default();
        let mut text = String::new();
        while dec.can_decode() {
            dec.decode_out(&mut i);
            while next < headers.len() && headers[next].0 as u64 <= i.ip() {
                let _ = writeln!(out, "{}", headers[next].1);
                next += 1;
            }
            text.clear();
            fmt.format(&i, &mut text);
            let start = i.ip() as usize;
            let bytes: String = code
                .get(start..start + i.len())
                .unwrap_or(&[])
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            let _ = writeln!(out, "       {:04x}: {:<24} {}", i.ip(), bytes, text);
        }
        for (_, h) in &headers[next..] {
            let _ = writeln!(out, "{h}");
        }
        out
    }

    /// Decode every emitted byte and compare with what the emitter meant: same instructions in
    /// the same order, no stray bytes, every branch on its target, every target an instruction
    /// boundary. Needs [`super::Options::record`]. Returns the number of instructions checked.
    #[doc(hidden)]
    pub fn check_decoding(&self) -> Result<usize, String> {
        let code = self.code();
        let mut dec = Decoder::with_ip(64, code, 0, DecoderOptions::NONE);
        let mut decoded = Vec::new();
        while dec.can_decode() {
            let i = dec.decode();
            if i.is_invalid() {
                return Err(format!("invalid instruction at {:#x}", i.ip()));
            }
            decoded.push(i);
        }
        let ends: u64 = decoded.last().map(|i| i.next_ip()).unwrap_or(0);
        if ends != code.len() as u64 {
            return Err(format!(
                "decoding ended at {ends:#x}, code is {:#x}",
                code.len()
            ));
        }
        let meant = self.meant();
        if meant.len() != decoded.len() {
            return Err(format!(
                "decoded {} instructions, emitter meant {}",
                decoded.len(),
                meant.len()
            ));
        }
        let starts: HashSet<u64> = decoded.iter().map(|i| i.ip()).collect();
        let mut branch = 0usize;
        for (d, m) in decoded.iter().zip(meant) {
            match m {
                Meant::Insn(m) => same(d, m)?,
                Meant::Branch(kind, label) => {
                    let short = self.branch_short().get(branch).copied().unwrap_or(false);
                    branch += 1;
                    let target = self.label_pos()[label.0 as usize] as u64;
                    if d.code() != kind.code(short) || d.near_branch_target() != target {
                        return Err(format!(
                            "at {:#x}: decoded {:?} -> {:#x}, meant {:?} -> {target:#x}",
                            d.ip(),
                            d.code(),
                            d.near_branch_target(),
                            kind.code(short)
                        ));
                    }
                    if !starts.contains(&target) && target != code.len() as u64 {
                        return Err(format!("branch at {:#x} lands mid-instruction", d.ip()));
                    }
                }
            }
        }
        Ok(decoded.len())
    }
}

/// Compare a decoded instruction with the one meant, operand by operand.
fn same(d: &Instruction, m: &Instruction) -> Result<(), String> {
    let mismatch = || format!("at {:#x}: decoded {d}, meant {m}", d.ip());
    if d.code() != m.code()
        || d.op_count() != m.op_count()
        || d.has_lock_prefix() != m.has_lock_prefix()
    {
        return Err(mismatch());
    }
    for op in 0..d.op_count() {
        let kind = d.op_kind(op);
        if kind != m.op_kind(op) {
            return Err(mismatch());
        }
        let ok = match kind {
            OpKind::Register => d.op_register(op) == m.op_register(op),
            OpKind::Memory => {
                d.memory_base() == m.memory_base()
                    && d.memory_index() == m.memory_index()
                    && d.memory_displacement64() == m.memory_displacement64()
            }
            _ => d.try_immediate(op).ok() == m.try_immediate(op).ok(),
        };
        if !ok {
            return Err(mismatch());
        }
    }
    Ok(())
}
