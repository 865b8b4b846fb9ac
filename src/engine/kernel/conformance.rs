//! Conformance programs in the kernel, as bpf_conformance's libbpf plugin runs them: an XDP
//! program whose packet is the test's memory. A prologue sets r1 and r2 (the memory and its
//! length, or 0 and 0 without memory) after the bounds check the kernel's verifier needs; an
//! epilogue keeps the full 64-bit r0 in a one-entry array (`conformance_r0`), since the test run
//! returns only its low 32 bits. Programs with bpf-to-bpf calls get no epilogue (a jump may not
//! leave its function): their r0 is compared in 32 bits.

use super::super::{Counts, EngineResult, Refusal, RefusalKind, Session};
use bpf_offload::kernel::KernelProgram;
use ir::insn::{AluOp, CallTarget, Insn, JmpCond, LdImm64Src, MemSize, Operand, Reg, Width};
use ir::interp::Input;
use ir::{MapDef, MapType, ProgType, Program};

/// The kernel refuses to test-run XDP packets shorter than an Ethernet header; shorter memory
/// is padded with zeros (r2 still says the real length).
const MIN_PACKET: usize = 14;
/// The array holding r0.
const R0_MAP: &str = "conformance_r0";

/// A conformance program, loaded once per input length.
pub(super) struct ConformanceSession {
    program: Program,
    /// (memory length, the loaded wrapper, whether it has the 64-bit epilogue).
    loaded: Vec<(usize, KernelProgram, bool)>,
    counts: Counts,
}

impl ConformanceSession {
    pub(super) fn new(prog: &Program) -> ConformanceSession {
        ConformanceSession {
            program: prog.clone(),
            loaded: Vec::new(),
            counts: Counts::default(),
        }
    }

    /// The loaded wrapper for memory of `len` bytes (loading it the first time).
    fn wrapper(&mut self, len: usize) -> Result<usize, Refusal> {
        if let Some(i) = self.loaded.iter().position(|(l, _, _)| *l == len) {
            return Ok(i);
        }
        if let Some(pc) = self.program.insns.iter().position(
            |i| matches!(i, Insn::Call(CallTarget::Helper(id)) if *id == ir::runtime::helper_id::CONFORMANCE_UNWIND),
        ) {
            return Err(Refusal::new(
                RefusalKind::Unsupported,
                format!(
                    "pc {pc}: helper 5 is ubpf's unwind in the conformance suite; in the kernel \
                     it is bpf_ktime_get_ns"
                ),
            ));
        }
        let (wrapped, full_r0) = wrap(&self.program, len)?;
        self.counts.compiled += 1;
        self.counts.loaded += 1;
        let loaded = KernelProgram::load(&wrapped).map_err(|e| {
            let mut reason = format!("the kernel's verifier refuses it: {}", e.message);
            let statistics = [
                "processed ",
                "verification time",
                "stack depth",
                "max_states",
            ];
            if let Some(last) = e
                .log
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty() && !statistics.iter().any(|s| l.starts_with(s)))
            {
                reason.push_str(&format!(": {}", last.trim()));
            }
            Refusal::new(RefusalKind::Unsupported, reason)
        })?;
        self.loaded.push((len, loaded, full_r0));
        Ok(self.loaded.len() - 1)
    }
}

impl Session for ConformanceSession {
    fn run(&mut self, input: &Input) -> Result<EngineResult, Refusal> {
        let mem: &[u8] = match input {
            Input::Mem(m) | Input::Packet(m) => m,
            Input::None => &[],
        };
        let i = self.wrapper(mem.len())?;
        let mut packet = mem.to_vec();
        packet.resize(packet.len().max(MIN_PACKET), 0);
        self.counts.runs += 1;
        let (_, loaded, full_r0) = &self.loaded[i];
        let out = loaded
            .test_run(&packet, 1)
            .map_err(|e| Refusal::new(RefusalKind::Fault, e.to_string()))?;
        let mut r0 = out.r0;
        let mut r0_bits = 32;
        if *full_r0 {
            let full = loaded
                .map_lookup(R0_MAP, &0u32.to_le_bytes())
                .map_err(|e| Refusal::new(RefusalKind::Fault, e.to_string()))?;
            if let Some(v) = full.and_then(|v| v.get(..8).map(|b| b.to_vec())) {
                r0 = u64::from_le_bytes(v.try_into().unwrap_or([0; 8]));
                r0_bits = 64;
            }
        }
        Ok(EngineResult {
            r0,
            action: None,
            packet_out: None,
            ns_per_run: None,
            r0_bits,
        })
    }

    fn time(&mut self, input: &Input, repeat: u32) -> Result<f64, Refusal> {
        let mem: &[u8] = match input {
            Input::Mem(m) | Input::Packet(m) => m,
            Input::None => &[],
        };
        let i = self.wrapper(mem.len())?;
        let mut packet = mem.to_vec();
        packet.resize(packet.len().max(MIN_PACKET), 0);
        self.counts.runs += u64::from(repeat.max(1));
        let out = self.loaded[i]
            .1
            .test_run(&packet, repeat.max(1))
            .map_err(|e| Refusal::new(RefusalKind::Fault, e.to_string()))?;
        Ok(f64::from(out.duration_ns))
    }

    fn maps(&mut self) -> Result<Vec<(String, ir::runtime::MapContents)>, String> {
        Ok(Vec::new())
    }

    fn counts(&self) -> Counts {
        self.counts
    }
}

fn mov(dst: Reg, src: Operand) -> Insn {
    Insn::Alu {
        width: Width::W64,
        op: AluOp::Mov,
        dst,
        src,
    }
}

/// The program as an XDP program over memory of `len` bytes; the flag says whether it has the
/// epilogue that keeps all 64 bits of r0.
fn wrap(prog: &Program, len: usize) -> Result<(Program, bool), Refusal> {
    let len_imm = i32::try_from(len).map_err(|_| {
        Refusal::new(
            RefusalKind::Input,
            format!("{len} bytes of memory is too much"),
        )
    })?;
    let mut insns = if len == 0 {
        vec![mov(Reg::R1, Operand::Imm(0)), mov(Reg::R2, Operand::Imm(0))]
    } else {
        vec![
            // r2 = xdp_md->data_end; r1 = xdp_md->data
            Insn::Load {
                size: MemSize::W,
                signed: false,
                dst: Reg::R2,
                src: Reg::R1,
                off: 4,
            },
            Insn::Load {
                size: MemSize::W,
                signed: false,
                dst: Reg::R1,
                src: Reg::R1,
                off: 0,
            },
            // if r1 + len > data_end: return 0 (never taken: the packet holds the memory)
            mov(Reg::R3, Operand::Reg(Reg::R1)),
            Insn::Alu {
                width: Width::W64,
                op: AluOp::Add,
                dst: Reg::R3,
                src: Operand::Imm(len_imm),
            },
            Insn::Jmp {
                width: Width::W64,
                cond: JmpCond::Le,
                dst: Reg::R3,
                src: Operand::Reg(Reg::R2),
                off: 2,
            },
            mov(Reg::R0, Operand::Imm(0)),
            Insn::Exit,
            mov(Reg::R2, Operand::Imm(len_imm)),
            mov(Reg::R3, Operand::Imm(0)),
        ]
    };
    let shift = insns.len();
    let has_calls = prog.insns.iter().any(|i| {
        matches!(
            i,
            Insn::Call(CallTarget::Local(_))
                | Insn::LdImm64 {
                    src: LdImm64Src::Func,
                    ..
                }
        )
    });
    let body_end = shift + prog.insns.len();
    for (pc, insn) in prog.insns.iter().enumerate() {
        let at = shift + pc;
        match insn {
            Insn::Exit if !has_calls => {
                let off = i32::try_from(body_end - at - 1).unwrap_or(i32::MAX);
                if off > i32::from(i16::MAX) {
                    return Err(Refusal::new(
                        RefusalKind::Unsupported,
                        "the program is too long for the r0 epilogue",
                    ));
                }
                insns.push(Insn::Ja { off, long: false });
            }
            other => insns.push(*other),
        }
    }
    let mut out = Program::new(ProgType::Xdp, Vec::new());
    out.name = "conformance".into();
    out.subprogs = prog
        .subprogs
        .iter()
        .map(|s| {
            let mut s = s.clone();
            if s.start > 0 {
                s.start += shift;
            }
            s
        })
        .collect();
    if !has_calls {
        out.maps.push(MapDef::new(R0_MAP, MapType::Array, 4, 8, 1));
        insns.extend([
            // *(u64 *)(r10 - 8) = r0; *(u32 *)(r10 - 12) = 0
            Insn::Store {
                size: MemSize::DW,
                dst: Reg::R10,
                off: -8,
                src: Operand::Reg(Reg::R0),
            },
            Insn::Store {
                size: MemSize::W,
                dst: Reg::R10,
                off: -12,
                src: Operand::Imm(0),
            },
            Insn::LdImm64 {
                dst: Reg::R1,
                src: LdImm64Src::MapFd,
                imm: 0,
            },
            Insn::LdImm64Tail,
            mov(Reg::R2, Operand::Reg(Reg::R10)),
            Insn::Alu {
                width: Width::W64,
                op: AluOp::Add,
                dst: Reg::R2,
                src: Operand::Imm(-12),
            },
            Insn::Call(CallTarget::Helper(ir::runtime::helper_id::MAP_LOOKUP_ELEM)),
            Insn::Jmp {
                width: Width::W64,
                cond: JmpCond::Eq,
                dst: Reg::R0,
                src: Operand::Imm(0),
                off: 2,
            },
            Insn::Load {
                size: MemSize::DW,
                signed: false,
                dst: Reg::R1,
                src: Reg::R10,
                off: -8,
            },
            Insn::Store {
                size: MemSize::DW,
                dst: Reg::R0,
                off: 0,
                src: Operand::Reg(Reg::R1),
            },
            Insn::Load {
                size: MemSize::DW,
                signed: false,
                dst: Reg::R0,
                src: Reg::R10,
                off: -8,
            },
            Insn::Exit,
        ]);
    }
    out.insns = insns;
    Ok((out, !has_calls))
}
