//! Memory, context and helper calls of the translator: stack slots in local memory, packet
//! bytes through CTM commands, map values through EMEM commands, firmware helper entries.

use super::asm::{both, da, db, r, rr, Target};
use super::{hints, rej, Kind, Src, Tr, R};
use crate::isa::*;
use crate::regs::{self, fw, hi, lo, FRAME, TMP0, TMP1};
use ir::insn::{Insn as E, MemSize};
use ir::{ProgType, Reg};
use offload::Rejection;

/// First transfer register of the packet-read cache (0..7 serve single commands).
const CACHE_XFER: u8 = 8;

/// Whether `insn` may change what a cached packet window through `base` holds.
pub(super) fn kills_cache(insn: &E, base: Reg) -> bool {
    match *insn {
        E::Jmp { .. } => false,
        E::Load { dst, .. }
        | E::Alu { dst, .. }
        | E::Neg { dst, .. }
        | E::End { dst, .. }
        | E::MovSx { dst, .. }
        | E::LdImm64 { dst, .. } => dst == base,
        E::LdImm64Tail => false,
        _ => true,
    }
}

impl Tr<'_> {
    pub(super) fn load(&mut self, pc: usize, size: MemSize, d: Reg, base: Reg, off: i16) -> R<()> {
        match self.kind(pc)? {
            Kind::Ctx => self.ctx_load(pc, size, d, off),
            Kind::Stack => {
                let off = self.stack_off(pc, base, off)?;
                let lane = off.rem_euclid(4);
                let word = off - lane;
                if size == MemSize::DW {
                    if lane != 0 {
                        return Err(self.unaligned(pc, off));
                    }
                    // One word at a time: the second may need pointer 3 moved.
                    let (src, ext, _) = self.lm_word(pc, word)?;
                    self.mov_ext(both(TMP0), src, ext);
                    let (src2, ext2, _) = self.lm_word(pc, word + 4)?;
                    self.mov_ext(both(hi(d)), src2, ext2);
                    self.asm.mov(both(lo(d)), r(TMP0));
                    return Ok(());
                }
                if lane as u32 + size.bytes() > 4 {
                    return Err(self.unaligned(pc, off));
                }
                let (src, ext, _) = self.lm_word(pc, word)?;
                if size == MemSize::W {
                    self.mov_ext(both(lo(d)), src, ext);
                } else {
                    self.mov_ext(both(TMP0), src, ext);
                    let mask = if size == MemSize::B { 0b0001 } else { 0b0011 };
                    self.asm
                        .ld_field(lo(d), mask, rr(TMP0), (8 * lane) as u8, true);
                }
                self.zero_hi(d);
                Ok(())
            }
            Kind::Packet => {
                let (off, n) = (off as i32, size.bytes() as i32);
                let hit = matches!(self.pkt_cache, Some((b, o, len))
                    if b == base && off >= o && off + n <= o + len as i32);
                if !hit {
                    self.pkt_cache = None;
                    let len = self.packet_window(pc, base, off, n);
                    let a = &mut self.asm;
                    let bb = if (0..=127).contains(&off) {
                        Rreg::Imm(off as u8)
                    } else {
                        a.const32(db(TMP1), off as u32);
                        rr(TMP1)
                    };
                    if len > 0 {
                        // One CTM read serves this load and the ones after it.
                        a.cmd_x(
                            CmdOp::Read32Le,
                            CACHE_XFER,
                            (len / 4 - 1) as u8,
                            rr(lo(base)),
                            bb,
                            AddrMode::Bits32,
                        );
                        self.pkt_cache = Some((base, off, len));
                    } else {
                        a.cmd(
                            CmdOp::Read8,
                            (n - 1) as u8,
                            rr(lo(base)),
                            bb,
                            AddrMode::Bits32,
                        );
                        self.xfer_result(size, d);
                        return Ok(());
                    }
                }
                let o = self.pkt_cache.map_or(0, |c| c.1);
                self.extract(d, size, (off - o) as u32);
                Ok(())
            }
            Kind::MapValue => {
                let a = &mut self.asm;
                let (aa, bb) = a.addr40(lo(base), hi(base), off as i32);
                a.cmd(
                    CmdOp::Read8,
                    (size.bytes() - 1) as u8,
                    aa,
                    bb,
                    AddrMode::Bits40AB,
                );
                self.xfer_result(size, d);
                Ok(())
            }
        }
    }

    /// Bytes (a multiple of 4, at most 32) one CTM read from `base + off` should fetch for this
    /// load and the packet loads after it through the same register, or 0 for a plain read:
    /// the loads must follow on one straight path (no jump target, no write of `base`, no
    /// store or call in between) and lie within what the verifier proved readable here.
    fn packet_window(&self, pc: usize, base: Reg, off: i32, n: i32) -> u32 {
        let margin = self.v.facts(pc).packet_margin.unwrap_or(0).clamp(0, 64) as i32;
        let limit = off + n + margin;
        let mut end = off + n;
        let mut j = pc + 1;
        while j < self.prog.insns.len() && j < pc + 64 {
            if self.targets[j] {
                break;
            }
            let insn = self.prog.insns[j];
            if let E::Load {
                size,
                src,
                off: o,
                signed: false,
                ..
            } = insn
            {
                let (o, m) = (o as i32, size.bytes() as i32);
                if src == base && self.v.facts(j).mem_base_kinds & !0b11_0000 == 0 && o >= off {
                    let e = end.max(o + m);
                    if (e - off + 3) / 4 * 4 + off <= limit && e - off <= 32 {
                        end = e;
                    }
                }
            }
            if kills_cache(&insn, base) {
                break;
            }
            j += 1;
        }
        let words = (end - off + 3) / 4;
        if words * 4 + off <= limit && words * 4 <= 32 {
            (words * 4) as u32
        } else {
            0
        }
    }

    /// `d` = the `size` bytes at `rel` in the cached packet window.
    fn extract(&mut self, d: Reg, size: MemSize, rel: u32) {
        let (w, lane) = (rel / 4, rel % 4);
        let x = |i: u32| Xfer::new(CACHE_XFER + i as u8).expect("window of 8 words");
        let word = |t: &mut Self, dst: u8, w: u32, lane: u32| {
            if lane == 0 {
                t.asm.mov(both(dst), Ureg::Xfer(x(w)));
            } else {
                t.asm.shf(
                    both(dst),
                    Rreg::Xfer(x(w + 1)),
                    ShfOp::None,
                    Rreg::Xfer(x(w)),
                    ShiftKind::DoubleRight,
                    (8 * lane) as u8,
                );
            }
        };
        match size {
            MemSize::DW => {
                word(self, lo(d), w, lane);
                word(self, hi(d), w + 1, lane);
                return;
            }
            MemSize::W => word(self, lo(d), w, lane),
            _ => {
                let mask = if size == MemSize::B { 0b0001 } else { 0b0011 };
                if lane + size.bytes() <= 4 {
                    self.asm
                        .ld_field(lo(d), mask, Rreg::Xfer(x(w)), (8 * lane) as u8, true);
                } else {
                    word(self, lo(d), w, lane);
                    self.asm.ld_field(lo(d), mask, rr(lo(d)), 0, true);
                }
            }
        }
        self.zero_hi(d);
    }

    pub(super) fn xfer_result(&mut self, size: MemSize, d: Reg) {
        let a = &mut self.asm;
        a.mov(both(lo(d)), Ureg::Xfer(Xfer::new(0).expect("0")));
        if size == MemSize::DW {
            a.mov(both(hi(d)), Ureg::Xfer(Xfer::new(1).expect("1")));
        } else {
            self.zero_hi(d);
        }
    }

    fn unaligned(&self, pc: usize, off: i32) -> Box<Rejection> {
        rej(
            pc,
            "nfp.jit.stack_unaligned",
            format!("stack access at r10{off:+} straddles a local-memory word"),
            hints::STACK,
        )
    }

    fn ctx_load(&mut self, pc: usize, size: MemSize, d: Reg, off: i16) -> R<()> {
        use ir::ctx::{sk_buff, xdp_md};
        let xdp = self.prog.prog_type == ProgType::Xdp;
        let field = match (xdp, off as usize) {
            (true, xdp_md::DATA) | (false, sk_buff::DATA) => 2,
            (true, xdp_md::DATA_END) | (false, sk_buff::DATA_END) => 1,
            (false, sk_buff::LEN) => 0,
            _ => {
                return Err(rej(
                    pc,
                    "nfp.jit.ctx",
                    format!("context field at offset {off} is not available on the NFP"),
                    hints::CTX,
                ))
            }
        };
        if size != MemSize::W {
            return Err(rej(
                pc,
                "nfp.jit.ctx",
                "context fields are read as 32-bit words on the NFP",
                hints::CTX,
            ));
        }
        let vec = |o: u8| Ureg::Lm(Lm::At { ptr: 1, off: o });
        let a = &mut self.asm;
        match field {
            2 => a.mov(both(lo(d)), vec(2)),
            1 => a.alu(both(lo(d)), vec(2), AluOp::Add, vec(0)),
            _ => a.mov(both(lo(d)), vec(0)),
        }
        self.zero_hi(d);
        Ok(())
    }

    pub(super) fn store(&mut self, pc: usize, size: MemSize, base: Reg, off: i16, s: Src) -> R<()> {
        match self.kind(pc)? {
            Kind::Stack => {
                let off = self.stack_off(pc, base, off)?;
                let lane = off.rem_euclid(4);
                let word = off - lane;
                if size == MemSize::DW {
                    if lane != 0 {
                        return Err(self.unaligned(pc, off));
                    }
                    for (i, w) in [word, word + 4].into_iter().enumerate() {
                        let (_, _, dst) = self.lm_word(pc, w)?;
                        let (l, h) = self.src_pair(s, true);
                        self.asm.mov(dst, if i == 0 { l } else { h });
                    }
                    return Ok(());
                }
                if lane as u32 + size.bytes() > 4 {
                    return Err(self.unaligned(pc, off));
                }
                let (src, ext, dst) = self.lm_word(pc, word)?;
                if size == MemSize::W {
                    let (l, _) = self.src_pair(s, false);
                    self.asm.mov(dst, l);
                    return Ok(());
                }
                self.mov_ext(both(TMP0), src, ext);
                let (bmask, vmask) = if size == MemSize::B {
                    (0b0001u8, 0xffu32)
                } else {
                    (0b0011, 0xffff)
                };
                let b = match s {
                    Src::Reg(Reg::R10) => rr(FRAME),
                    Src::Reg(x) => rr(lo(x)),
                    Src::Imm(k) => self.asm.b_const_r(k as u32 & vmask, TMP1, 255),
                };
                self.asm
                    .ld_field(TMP0, bmask << lane, b, ((32 - 8 * lane) & 31) as u8, false);
                self.asm.mov(dst, r(TMP0));
                Ok(())
            }
            Kind::Packet => {
                let (l, h) = self.src_pair(s, size == MemSize::DW);
                let a = &mut self.asm;
                a.mov(Dst::Xfer(Xfer::new(0).expect("0")), l);
                if size == MemSize::DW {
                    a.mov(Dst::Xfer(Xfer::new(1).expect("1")), h);
                }
                let bb = if (0..=127).contains(&off) {
                    Rreg::Imm(off as u8)
                } else {
                    a.const32(db(TMP1), off as i32 as u32);
                    rr(TMP1)
                };
                a.cmd(
                    CmdOp::Write8Swap,
                    (size.bytes() - 1) as u8,
                    rr(lo(base)),
                    bb,
                    AddrMode::Bits32,
                );
                Ok(())
            }
            Kind::Ctx => Err(rej(
                pc,
                "nfp.jit.ctx_store",
                "stores to the context are not translated by the NFP model",
                hints::CTX,
            )),
            Kind::MapValue => Err(rej(
                pc,
                "nfp.map.write",
                "map writes not supported",
                "update the map with bpf_map_update_elem",
            )),
        }
    }

    pub(super) fn call(&mut self, pc: usize, id: i32) -> R<()> {
        self.lm3 = None;
        let a = &mut self.asm;
        match id {
            1..=3 => {
                if id == 2 {
                    a.csr_wr(csr::ACT_LM_ADDR2, r(lo(Reg::R3)));
                }
                a.csr_wr(csr::ACT_LM_ADDR0, r(lo(Reg::R2)));
                a.mov(da(0), r(lo(Reg::R1)));
                let ret = a.label();
                a.immed_addr(db(0), Target::Label(ret));
                a.br(BrCond::Always, Target::Abs(fw::HELPER_BASE + id as u16));
                a.bind(ret);
                // Point LM 0 back at the stack window.
                a.alu(da(TMP0), r(FRAME), AluOp::Sub, Ureg::Imm(regs::LM0_WINDOW as u8));
                a.csr_wr(csr::ACT_LM_ADDR0, r(TMP0));
                self.lm_ready[0] = self.asm.len() + 3;
            }
            7 => {
                a.push(Insn::LocalCsr {
                    csr: csr::PSEUDO_RND_NUM,
                    write: false,
                    a: Ureg::NONE,
                    b: Ureg::NONE,
                });
                a.immed(both(0), 0, ImmWidth::All, 0, false);
                a.immed(both(1), 0, ImmWidth::All, 0, false);
            }
            25 | 44 | 65 => {
                let ret = a.label();
                a.immed_addr(db(0), Target::Label(ret));
                a.br(BrCond::Always, Target::Abs(fw::HELPER_BASE + id as u16));
                a.bind(ret);
            }
            _ => {
                return Err(rej(
                    pc,
                    "nfp.helper.unsupported",
                    format!("unsupported function id: {id}"),
                    "the NFP firmware implements map lookup/update/delete, get_prandom_u32, perf_event_output, xdp_adjust_head/tail",
                ))
            }
        }
        Ok(())
    }
}
