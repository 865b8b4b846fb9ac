//! The assembler: eBPF text in either syntax to a [`Program`].
//!
//! Two front-ends share one never-failing [lexer](lexer), one set of directives and one label
//! and map resolver:
//! - [`Syntax::Conformance`]: the `%rN` syntax of the bpf_conformance tests (`mov32 %r0, 0`,
//!   `ldxdw %r1, [%r10-8]`, `lock fetch add32 [%r10-4], %r1`, `jne %r1, 3, label`, `call 5`,
//!   `call %r2`, `call local func1`);
//! - [`Syntax::Llvm`]: the kernel/LLVM syntax that `llvm-objdump -d` prints (`r0 = *(u32 *)(r1 + 4)`,
//!   `if w1 s< w2 goto LABEL`, `lock *(u64 *)(r10 - 8) += r1`, `r1 = map[name] ll`).
//!
//! [`assemble`] picks the syntax: text using `%r` registers is the conformance syntax, text with
//! LLVM-only forms (`=`, `goto`, `callx`) is LLVM syntax, anything else is tried as conformance.
//!
//! # Lines, labels and comments (both syntaxes)
//! One instruction per line. `#`, `//` and `;` start a comment. `NAME:` defines a label at the
//! next instruction (it may share the line with one). Jump and call targets are a label or a
//! signed slot offset (`+3`, `-1`: target = pc + 1 + offset). A label that is the target of a
//! local call (or of an `lddw ..., func[LABEL]`) starts a subprogram ([`crate::program::Subprog`]).
//! Every instruction's line is recorded as [`Origin::Asm`] in [`Program::source_map`]; lines are
//! numbered from 1 within the text given, callers add their own offsets.
//!
//! # Directives (both syntaxes)
//! - `.section NAME`: the ELF section; also sets [`Program::prog_type`] through
//!   [`ProgType::from_section`] (`xdp`, `tc`, `classifier`, `socket`, `action`; other names keep
//!   the default type, XDP).
//! - `.license "GPL"`: the license string.
//! - `.map NAME type=hash key=4 value=8 entries=16 [flags=N]`: a map definition ([`MapDef`]); `type`
//!   is a [`crate::program::MapType`] name or a number. Maps may be declared before or after use.
//! - `.globl NAME` / `.global NAME`: the program (entry function) name.
//!
//! # LD_IMM64 with a pseudo source (both syntaxes)
//! After `lddw %rN,` or `rN =`: `map[NAME]` (map fd; a number instead of a name is a raw index),
//! `map_value[NAME] + OFF`, `map_idx[N]`, `map_idx_value[N] + OFF`, `btf_id[N]`, and
//! `func[LABEL]` (or `func[+N]`). A named map becomes the map's index in [`Program::maps`] plus
//! a [`crate::program::Reloc`]. The LLVM syntax allows a trailing `ll`.
//!
//! ```
//! let p = ir::asm::assemble("mov32 %r0, 1\nexit\n").unwrap();
//! assert_eq!(p.insns.len(), 2);
//! let e = ir::asm::assemble("mov32 %r0, 0x100000000\nexit\n").unwrap_err();
//! assert_eq!(e.to_string(), "1:12: immediate 0x100000000 does not fit in 32 bits (expected -2147483648..=2147483647 or 0x0..=0xffffffff)");
//! ```

mod builder;
pub(crate) mod conformance;
mod cursor;
pub(crate) mod lexer;
mod llvm;

use crate::program::{MapDef, Origin, ProgType, Program};
use std::fmt;

/// The two text syntaxes of eBPF assembly.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Syntax {
    /// The `%rN` syntax of the bpf_conformance tests.
    Conformance,
    /// The kernel/LLVM syntax that `llvm-objdump -d` prints.
    Llvm,
}

/// An assembly error: where (1-based line and column within the given text) and what was expected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AsmError {
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub col: u32,
    /// What was wrong, and what was expected.
    pub message: String,
}

impl fmt::Display for AsmError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.col, self.message)
    }
}

impl std::error::Error for AsmError {}

/// Assemble `src`, detecting its syntax (see the module docs).
pub fn assemble(src: &str) -> Result<Program, AsmError> {
    assemble_as(src, detect_syntax(src))
}

/// Assemble `src` in the given syntax.
pub fn assemble_as(src: &str, syntax: Syntax) -> Result<Program, AsmError> {
    let mut b = builder::Builder::default();
    for (i, line) in src.lines().enumerate() {
        let lineno = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let toks = lexer::lex_line(line);
        let mut cur = cursor::Cursor::new(toks, lineno, line);
        match syntax {
            Syntax::Conformance => conformance::parse_line(&mut cur, &mut b)?,
            Syntax::Llvm => llvm::parse_line(&mut cur, &mut b)?,
        }
    }
    b.finish()
}

/// Guess the syntax of `src`: `%r` registers mean conformance, LLVM-only forms mean LLVM.
pub fn detect_syntax(src: &str) -> Syntax {
    let mut llvm_hint = false;
    for line in src.lines() {
        let toks = lexer::lex_line(line);
        for t in &toks {
            match t.kind {
                lexer::TokKind::PercentIdent => return Syntax::Conformance,
                lexer::TokKind::Punct if t.text.ends_with('=') && t.text != "==" => {
                    llvm_hint = true
                }
                lexer::TokKind::Ident if matches!(t.text, "goto" | "gotol" | "callx") => {
                    llvm_hint = true
                }
                _ => {}
            }
        }
    }
    if llvm_hint {
        Syntax::Llvm
    } else {
        Syntax::Conformance
    }
}

/// Handle a directive line (the cursor is at the `.name` token).
fn directive(cur: &mut cursor::Cursor<'_>, b: &mut builder::Builder) -> Result<(), AsmError> {
    let Some(tok) = cur.next() else {
        return Ok(());
    };
    match tok.text {
        ".section" => {
            let name = cur.expect_word("a section name after `.section`")?;
            if let Some(t) = ProgType::from_section(&name) {
                b.prog_type = Some(t);
            }
            b.section = Some(name);
            cur.expect_end("`.section NAME`")
        }
        ".license" => {
            let s = cur.expect_string("a quoted license string after `.license`")?;
            b.license = Some(s);
            cur.expect_end("`.license \"...\"`")
        }
        ".globl" | ".global" => {
            let name = cur.expect_ident("a function name after `.globl`")?;
            b.name = Some(name.text.to_string());
            cur.expect_end("`.globl NAME`")
        }
        ".map" => map_directive(cur, b, tok.col),
        other => Err(cur.error_at(
            &tok,
            format!("unknown directive `{other}` (expected .section, .license, .map or .globl)"),
        )),
    }
}

/// `.map NAME type=T key=N value=N entries=N [flags=N]`
fn map_directive(
    cur: &mut cursor::Cursor<'_>,
    b: &mut builder::Builder,
    col: u32,
) -> Result<(), AsmError> {
    let name_tok = cur.expect_ident("a map name after `.map`")?;
    let name = name_tok.text.to_string();
    if b.maps.iter().any(|m| m.name == name) {
        return Err(cur.error_at(&name_tok, format!("map `{name}` is defined twice")));
    }
    let mut def = MapDef::new(name.clone(), crate::program::MapType::Array, 0, 0, 0);
    let mut seen = [false; 5];
    const KEYS: [&str; 5] = ["type", "key", "value", "entries", "flags"];
    while let Some(key) = cur.peek().copied() {
        cur.next();
        let Some(k) = KEYS.iter().position(|k| key.is_ident(k)) else {
            return Err(cur.error_at(
                &key,
                format!(
                    "expected a map attribute (type=, key=, value=, entries=, flags=), found `{}`",
                    key.text
                ),
            ));
        };
        if seen[k] {
            return Err(cur.error_at(&key, format!("`{}=` given twice", key.text)));
        }
        seen[k] = true;
        cur.expect_punct("=", &format!("`=` after `{}`", key.text))?;
        if k == 0 {
            let vt = cur.peek().copied();
            match vt {
                Some(t) if t.kind == lexer::TokKind::Ident => {
                    cur.next();
                    def.map_type = crate::program::MapType::from_name(t.text).ok_or_else(|| {
                        cur.error_at(&t, format!("unknown map type `{}` (expected hash, array, prog_array, perf_event_array, percpu_hash, percpu_array, lru_hash, lru_percpu_hash, lpm_trie, devmap or a number)", t.text))
                    })?;
                }
                _ => {
                    let v = cur.expect_u32("a map type name or number")?;
                    def.map_type = crate::program::MapType::from_kernel_id(v);
                }
            }
        } else {
            let v = cur.expect_u32(&format!("a number for `{}=`", key.text))?;
            match k {
                1 => def.key_size = v,
                2 => def.value_size = v,
                3 => def.max_entries = v,
                _ => def.flags = v,
            }
        }
    }
    if let Some(missing) = (0..4).find(|&k| !seen[k]) {
        return Err(AsmError {
            line: cur.line(),
            col,
            message: format!(
                "`.map {name}` needs `{}=` (expected `.map NAME type=T key=N value=N entries=N [flags=N]`)",
                KEYS[missing]
            ),
        });
    }
    def.origin = Some(Origin::Asm {
        file: None,
        line: cur.line(),
    });
    b.maps.push(def);
    Ok(())
}
