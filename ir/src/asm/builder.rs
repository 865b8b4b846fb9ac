//! Collects instructions, labels, maps and directives from either front-end, then resolves labels
//! to slot offsets and map names to indices ([`Builder::finish`]).

use super::cursor::{Cursor, Target};
use super::AsmError;
use crate::insn::{CallTarget, Insn, LdImm64Src};
use crate::layout::{lay_out, with_offset, LayoutError, Relax};
use crate::program::{MapDef, Origin, ProgType, Program, Reloc, Subprog};
use std::collections::HashMap;

struct Fixup {
    slot: usize,
    /// For `call NAME`: the helper to call when no label `NAME` exists.
    helper_fallback: Option<i32>,
    label: String,
    line: u32,
    col: u32,
}

struct MapRef {
    slot: usize,
    name: String,
    line: u32,
    col: u32,
}

/// A program being assembled.
#[derive(Default)]
pub(crate) struct Builder {
    insns: Vec<Insn>,
    lines: Vec<u32>,
    labels: HashMap<String, usize>,
    label_at: Vec<(usize, String)>,
    fixups: Vec<Fixup>,
    map_refs: Vec<MapRef>,
    pub maps: Vec<MapDef>,
    pub section: Option<String>,
    pub license: Option<String>,
    pub name: Option<String>,
    pub prog_type: Option<ProgType>,
    /// Conformance syntax: slot of the first `exit`, the target of the implicit label `exit`.
    pub first_exit: Option<usize>,
}

impl Builder {
    /// Define label `name` at the next instruction.
    pub fn label(&mut self, name: &str, line: u32, col: u32) -> Result<(), AsmError> {
        if self.labels.contains_key(name) {
            return Err(AsmError {
                line,
                col,
                message: format!("label `{name}` is defined twice"),
            });
        }
        self.labels.insert(name.to_string(), self.insns.len());
        self.label_at.push((self.insns.len(), name.to_string()));
        Ok(())
    }

    /// Append an instruction (and its tail, for LD_IMM64); returns its slot.
    pub fn push(&mut self, insn: Insn, line: u32) -> usize {
        let slot = self.insns.len();
        self.insns.push(insn);
        self.lines.push(line);
        if matches!(insn, Insn::LdImm64 { .. }) {
            self.insns.push(Insn::LdImm64Tail);
            self.lines.push(line);
        }
        slot
    }

    /// Append a jump, call or func-address load whose offset is `target`.
    pub fn push_target(
        &mut self,
        insn: Insn,
        target: Target,
        cur: &Cursor<'_>,
        target_col: u32,
    ) -> Result<usize, AsmError> {
        let slot = self.push(insn, cur.line());
        match target {
            Target::Label { name, col } => self.fixups.push(Fixup {
                slot,
                helper_fallback: None,
                label: name,
                line: cur.line(),
                col,
            }),
            Target::Offset(off) => {
                self.insns[slot] = with_offset(insn, off).map_err(|bits| {
                    cur.error_col(
                        target_col,
                        format!("offset {off} does not fit in {bits} bits"),
                    )
                })?;
            }
        }
        Ok(slot)
    }

    /// `call NAME`: a local call if label `NAME` exists at the end, else a call of helper
    /// `helper` (an undefined-label error when there is none).
    pub fn push_call_by_name(&mut self, name: &str, helper: Option<i32>, line: u32, col: u32) {
        let slot = self.push(Insn::Call(CallTarget::Local(0)), line);
        self.fixups.push(Fixup {
            slot,
            helper_fallback: helper,
            label: name.to_string(),
            line,
            col,
        });
    }

    /// Record that the LD_IMM64 at `slot` refers to map `name` (resolved in [`Builder::finish`]).
    pub fn map_ref(&mut self, slot: usize, name: &str, line: u32, col: u32) {
        self.map_refs.push(MapRef {
            slot,
            name: name.to_string(),
            line,
            col,
        });
    }

    /// Resolve labels and maps and build the program.
    pub fn finish(mut self) -> Result<Program, AsmError> {
        if self.insns.is_empty() {
            return Err(AsmError {
                line: 1,
                col: 1,
                message: "empty program: expected at least one instruction".to_string(),
            });
        }
        if let Some(slot) = self.first_exit {
            self.labels.entry("exit".to_string()).or_insert(slot);
        }
        let mut target_of = vec![None; self.insns.len()];
        for f in &self.fixups {
            let Some(&target) = self.labels.get(&f.label) else {
                if let Some(id) = f.helper_fallback {
                    self.insns[f.slot] = Insn::Call(CallTarget::Helper(id));
                    continue;
                }
                let what = if f.helper_fallback.is_some()
                    || matches!(self.insns[f.slot], Insn::Call(CallTarget::Local(_)))
                {
                    "function label or helper"
                } else {
                    "label"
                };
                return Err(AsmError {
                    line: f.line,
                    col: f.col,
                    message: format!("undefined {what} `{}`", f.label),
                });
            };
            target_of[f.slot] = Some(target);
        }
        // Every slot stays where it was written (no relaxation): a jump too far is an error.
        let live = vec![true; self.insns.len()];
        self.insns = match lay_out(&self.insns, &target_of, &live, Relax::None) {
            Ok((insns, _)) => insns,
            Err(e) => {
                let at = match e {
                    LayoutError::TooFar { pc, .. }
                    | LayoutError::NotAJump { pc }
                    | LayoutError::Unbound { pc } => Some(pc),
                    LayoutError::Mismatch { .. } => None,
                };
                let f = self.fixups.iter().find(|f| Some(f.slot) == at);
                let message = match (e, f) {
                    (LayoutError::TooFar { off, bits, .. }, Some(f)) => format!(
                        "jump to `{}`: offset {off} does not fit in {bits} bits",
                        f.label
                    ),
                    (e, _) => e.to_string(),
                };
                return Err(AsmError {
                    line: f.map_or(1, |f| f.line),
                    col: f.map_or(1, |f| f.col),
                    message,
                });
            }
        };
        let mut relocs = Vec::new();
        for r in &self.map_refs {
            let Some(idx) = self.maps.iter().position(|m| m.name == r.name) else {
                return Err(AsmError {
                    line: r.line,
                    col: r.col,
                    message: format!(
                        "undefined map `{}` (declare it with `.map {} type=... key=N value=N entries=N`)",
                        r.name, r.name
                    ),
                });
            };
            if let Some(Insn::LdImm64 { imm, .. }) = self.insns.get_mut(r.slot) {
                *imm = (*imm & 0xffff_ffff_0000_0000) | idx as u64;
            }
            relocs.push(Reloc {
                insn: r.slot,
                map: r.name.clone(),
            });
        }
        let prog_type = self.prog_type.unwrap_or_default();
        let mut prog = Program::new(prog_type, std::mem::take(&mut self.insns));
        if let Some(s) = self.section.take() {
            prog.section = s;
        }
        if let Some(l) = self.license.take() {
            prog.license = l;
        }
        if let Some(n) = self.name.take() {
            prog.name = n;
        }
        prog.maps = std::mem::take(&mut self.maps);
        prog.relocs = relocs;
        for (pc, &line) in self.lines.iter().enumerate() {
            if !matches!(prog.insns.get(pc), Some(Insn::LdImm64Tail)) {
                prog.source_map.set(pc, Origin::Asm { file: None, line });
            }
        }
        let starts = prog.function_starts();
        if starts.len() > 1 {
            prog.subprogs = starts
                .iter()
                .map(|&start| {
                    let label = self
                        .label_at
                        .iter()
                        .find(|(s, _)| *s == start)
                        .map(|(_, n)| n.clone());
                    let name = match (start, label) {
                        (_, Some(l)) => l,
                        (0, None) => prog.name.clone(),
                        (s, None) => format!("func_{s}"),
                    };
                    Subprog { name, start }
                })
                .collect();
        }
        Ok(prog)
    }
}

/// Parse the pseudo-source operand of an LD_IMM64 if one is next (`map[NAME]`,
/// `map_value[NAME] + OFF`, `map_idx[N]`, `map_idx_value[N] + OFF`, `btf_id[N]`, `func[LABEL]`)
/// and push the instruction. `Ok(false)` when the operand is something else (a plain number).
pub(crate) fn pseudo_ld_imm64(
    cur: &mut Cursor<'_>,
    b: &mut Builder,
    dst: crate::insn::Reg,
) -> Result<bool, AsmError> {
    let Some(kw) = cur.peek().copied() else {
        return Ok(false);
    };
    let src = match kw.text {
        "map" => LdImm64Src::MapFd,
        "map_value" => LdImm64Src::MapValue,
        "map_idx" => LdImm64Src::MapIdx,
        "map_idx_value" => LdImm64Src::MapIdxValue,
        "btf_id" => LdImm64Src::BtfId,
        "func" => LdImm64Src::Func,
        _ => return Ok(false),
    };
    if kw.kind != super::lexer::TokKind::Ident || !cur.peek_at(1).is_some_and(|t| t.is_punct("[")) {
        return Ok(false);
    }
    cur.next();
    cur.next();
    let line = cur.line();
    let mut imm: u64 = 0;
    let mut map_name = None;
    if src == LdImm64Src::Func {
        let col = cur.col();
        let target = cur.expect_target("a label or offset inside `func[...]`")?;
        cur.expect_punct("]", "`]`")?;
        let hi = high_half(cur)?;
        let insn = Insn::LdImm64 { dst, src, imm: hi };
        b.push_target(insn, target, cur, col)?;
        return Ok(true);
    }
    let named = matches!(src, LdImm64Src::MapFd | LdImm64Src::MapValue);
    match cur.peek().copied() {
        Some(t) if named && t.kind == super::lexer::TokKind::Ident => {
            cur.next();
            map_name = Some((t.text.to_string(), t.col));
        }
        _ => {
            let what = if named {
                "a map name or index"
            } else {
                "a number"
            };
            imm = u64::from(cur.expect_u32(what)?);
        }
    }
    cur.expect_punct("]", "`]`")?;
    imm |= high_half(cur)?;
    let slot = b.push(Insn::LdImm64 { dst, src, imm }, line);
    if let Some((name, col)) = map_name {
        b.map_ref(slot, &name, line, col);
    }
    Ok(true)
}

/// The optional `+ OFF` after a pseudo-source operand: the high half of the 64-bit immediate
/// (the offset into the value for `map_value`).
fn high_half(cur: &mut Cursor<'_>) -> Result<u64, AsmError> {
    if cur
        .peek()
        .is_some_and(|t| t.is_punct("+") || t.is_punct("-"))
    {
        let n = cur.expect_num("an offset")?;
        let off = cur.imm32(n)?;
        Ok(u64::from(off as u32) << 32)
    } else {
        Ok(0)
    }
}
