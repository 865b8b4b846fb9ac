//! Reading BPF ELF objects into [`Program`]s, linking subprograms the way libbpf does.

use super::btf::Btf;
use super::btf_ext::BtfLines;
use super::dwarf::{AddrReloc, LineTable};
use super::{ElfError, Object, EM_BPF};
use crate::insn::{decode_bytes, CallTarget, Insn, LdImm64Src};
use crate::program::{MapDef, MapType, ProgType, Program, Reloc, SourceMap, Subprog};
use object::elf::{FileHeader64, SectionHeader64, Sym64};
use object::read::elf::{FileHeader as _, SectionHeader as _, Sym as _};
use object::LittleEndian as LE;
use std::collections::HashMap;

// Raw constants (object's newtypes carry the same numbers in `.0`).
const ET_REL: u16 = 1;
const SHT_PROGBITS: u32 = 1;
const SHT_SYMTAB: u32 = 2;
const SHT_RELA: u32 = 4;
const SHT_NOBITS: u32 = 8;
const SHT_REL: u32 = 9;
const SHF_ALLOC: u64 = 2;
const SHF_EXECINSTR: u64 = 4;
const STT_FUNC: u8 = 2;
const STT_SECTION: u8 = 3;
/// `R_BPF_64_64`: LD_IMM64 of a map, global variable or function address.
pub(crate) const R_BPF_64_64: u32 = 1;
/// `R_BPF_64_ABS64`: 64-bit data (DWARF addresses).
pub(crate) const R_BPF_64_ABS64: u32 = 2;
/// `R_BPF_64_32`: `call` of a bpf-to-bpf function.
pub(crate) const R_BPF_64_32: u32 = 10;
/// `BPF_F_RDONLY_PROG`: what libbpf sets on `.rodata` maps.
pub(crate) const BPF_F_RDONLY_PROG: u32 = 1 << 7;

/// What a section is to a BPF loader.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    /// Instructions (`.text` or a program section).
    Code,
    /// `.maps`: BTF-defined maps.
    BtfMaps,
    /// `maps`: legacy `struct bpf_map_def` array.
    LegacyMaps,
    /// `.rodata*`, `.data*`, `.bss*`: a global data ARRAY map.
    Data,
    Other,
}

struct Section<'a> {
    name: String,
    sh_type: u32,
    role: Role,
    data: &'a [u8],
    size: u64,
}

struct Symbol {
    name: String,
    st_type: u8,
    /// Section index, `None` for undefined/absolute/common symbols.
    section: Option<usize>,
    value: u64,
    size: u64,
}

/// A relocation entry of a code section, by slot.
#[derive(Clone, Copy)]
struct CodeReloc {
    symbol: usize,
    r_type: u32,
}

/// One function: a symbol range inside a code section.
#[derive(Clone, Debug)]
struct Func {
    section: usize,
    name: String,
    start: usize,
    end: usize,
}

/// Everything parsed from the file, before programs are linked.
struct Parsed<'a> {
    sections: Vec<Section<'a>>,
    symbols: Vec<Symbol>,
    /// Decoded instructions of each code section.
    code: HashMap<usize, Vec<Insn>>,
    /// Relocations of each code section, by slot.
    relocs: HashMap<usize, HashMap<usize, CodeReloc>>,
    funcs: Vec<Func>,
    maps: Vec<MapDef>,
    /// Map index for each (section, symbol offset) of a map section, and for each data section.
    map_by_name: HashMap<String, usize>,
    license: String,
}

fn obj_err(section: Option<&str>, offset: u64, e: object::read::Error) -> ElfError {
    match section {
        Some(s) => ElfError::at(s, offset, e.to_string()),
        None => ElfError::file(offset, e.to_string()),
    }
}

/// Read every program, map and the license of a BPF ELF relocatable object.
pub fn read_object(bytes: &[u8]) -> Result<Object, ElfError> {
    let mut parsed = parse(bytes)?;
    let mut lines = source_lines(&parsed)?;
    map_origins(&mut parsed);
    let mut programs = Vec::new();
    let mut entries: Vec<&Func> = parsed
        .funcs
        .iter()
        .filter(|f| parsed.sections[f.section].name != ".text")
        .collect();
    if entries.is_empty() {
        entries = parsed.funcs.iter().collect();
    }
    for entry in entries {
        programs.push(link(&parsed, entry, &mut lines)?);
    }
    Ok(Object {
        programs,
        maps: parsed.maps,
        license: parsed.license,
    })
}

fn parse(bytes: &[u8]) -> Result<Parsed<'_>, ElfError> {
    let ident = bytes.get(..16).ok_or_else(|| {
        ElfError::file(
            0,
            format!(
                "file of {} bytes is too short for an ELF header",
                bytes.len()
            ),
        )
    })?;
    if ident[..4] != [0x7f, b'E', b'L', b'F'] {
        return Err(ElfError::file(0, "not an ELF file (bad magic)"));
    }
    if ident[4] != 2 {
        return Err(ElfError::file(
            4,
            "not a 64-bit ELF file (BPF objects are ELFCLASS64)",
        ));
    }
    if ident[5] != 1 {
        return Err(ElfError::file(5, "not a little-endian ELF file"));
    }
    let header = FileHeader64::<LE>::parse(bytes).map_err(|e| obj_err(None, 0, e))?;
    let endian = LE;
    if header.e_machine.get(endian).0 != EM_BPF {
        return Err(ElfError::file(
            18,
            format!(
                "not a BPF object: e_machine is {} (BPF is {EM_BPF})",
                header.e_machine.get(endian).0
            ),
        ));
    }
    if header.e_type.get(endian).0 != ET_REL {
        return Err(ElfError::file(
            16,
            format!(
                "not a relocatable object: e_type is {}",
                header.e_type.get(endian).0
            ),
        ));
    }
    let table = header
        .sections(endian, bytes)
        .map_err(|e| obj_err(None, header.e_shoff.get(endian), e))?;

    let mut sections = Vec::new();
    for sh in table.iter() {
        let sh: &SectionHeader64<LE> = sh;
        let name = table
            .section_name(endian, sh)
            .map(|n| String::from_utf8_lossy(n).into_owned())
            .map_err(|e| obj_err(None, header.e_shoff.get(endian), e))?;
        let sh_type = sh.sh_type(endian).0;
        let flags = sh.sh_flags(endian).0;
        let data = sh
            .data(endian, bytes)
            .map_err(|e| obj_err(Some(&name), sh.sh_offset.get(endian), e))?;
        let role = if sh_type == SHT_PROGBITS && flags & SHF_EXECINSTR != 0 {
            Role::Code
        } else if name == ".maps" {
            Role::BtfMaps
        } else if name == "maps" || name.starts_with("maps/") {
            Role::LegacyMaps
        } else if (sh_type == SHT_PROGBITS || sh_type == SHT_NOBITS)
            && flags & SHF_ALLOC != 0
            && [".rodata", ".data", ".bss"]
                .iter()
                .any(|p| name == *p || name.starts_with(&format!("{p}.")))
        {
            Role::Data
        } else {
            Role::Other
        };
        if sh_type == SHT_RELA {
            return Err(ElfError::at(
                &name,
                0,
                "RELA relocations are not used by BPF objects",
            ));
        }
        sections.push(Section {
            name,
            sh_type,
            role,
            data,
            size: sh.sh_size.get(endian),
        });
    }

    let symtab = table
        .symbols(endian, bytes, object::elf::SectionType(SHT_SYMTAB))
        .map_err(|e| obj_err(Some(".symtab"), 0, e))?;
    let mut symbols = Vec::new();
    for (i, sym) in symtab.iter().enumerate() {
        let sym: &Sym64<LE> = sym;
        let name = sym
            .name(endian, symtab.strings())
            .map(|n| String::from_utf8_lossy(n).into_owned())
            .map_err(|e| obj_err(Some(".symtab"), i as u64 * 24, e))?;
        let shndx = sym.st_shndx(endian);
        let section = shndx
            .index()
            .map(usize::from)
            .filter(|&s| s < sections.len());
        let st_type = sym.st_type().0;
        let name = if st_type == STT_SECTION {
            section.map(|s| sections[s].name.clone()).unwrap_or(name)
        } else {
            name
        };
        symbols.push(Symbol {
            name,
            st_type,
            section,
            value: sym.st_value(endian),
            size: sym.st_size(endian),
        });
    }

    let license = sections
        .iter()
        .find(|s| s.name == "license")
        .map(|s| {
            let end = s.data.iter().position(|&b| b == 0).unwrap_or(s.data.len());
            String::from_utf8_lossy(&s.data[..end]).into_owned()
        })
        .unwrap_or_default();

    // Instructions of every code section.
    let mut code = HashMap::new();
    for (i, s) in sections.iter().enumerate() {
        if s.role != Role::Code {
            continue;
        }
        let insns = decode_bytes(s.data).map_err(|e| {
            let slot = e.index as u64;
            ElfError::at(&s.name, slot * 8, e.to_string())
        })?;
        code.insert(i, insns);
    }

    // Relocations of code sections.
    let mut relocs: HashMap<usize, HashMap<usize, CodeReloc>> = HashMap::new();
    for (ri, rs) in table.iter().enumerate() {
        if rs.sh_type(endian).0 != SHT_REL {
            continue;
        }
        let target = rs.sh_info.get(endian) as usize;
        let rel_name = &sections[ri].name;
        let Some(tsec) = sections.get(target) else {
            return Err(ElfError::at(
                rel_name,
                0,
                format!("relocates section {target}, which does not exist"),
            ));
        };
        if tsec.role != Role::Code {
            continue; // debug and BTF relocations are handled where they are used
        }
        let entries = relocs.entry(target).or_default();
        for (k, rel) in rel_entries(sections[ri].data).enumerate() {
            let at = k as u64 * 16;
            let (offset, symbol, r_type) =
                rel.ok_or_else(|| ElfError::at(rel_name, at, "truncated relocation"))?;
            if offset % 8 != 0 || offset >= tsec.size {
                return Err(ElfError::at(
                    rel_name,
                    at,
                    format!(
                        "relocation offset {offset:#x} is not an instruction of '{}'",
                        tsec.name
                    ),
                ));
            }
            if symbol >= symbols.len() {
                return Err(ElfError::at(
                    rel_name,
                    at,
                    format!("relocation names symbol {symbol}, which does not exist"),
                ));
            }
            entries.insert((offset / 8) as usize, CodeReloc { symbol, r_type });
        }
    }

    // Functions of code sections.
    let mut funcs = Vec::new();
    for (i, s) in sections.iter().enumerate() {
        if s.role != Role::Code {
            continue;
        }
        let slots = code.get(&i).map_or(0, Vec::len);
        let mut syms: Vec<&Symbol> = symbols
            .iter()
            .filter(|y| y.section == Some(i) && y.st_type == STT_FUNC)
            .collect();
        syms.sort_by_key(|y| y.value);
        if syms.is_empty() {
            if slots > 0 {
                funcs.push(Func {
                    section: i,
                    name: s.name.clone(),
                    start: 0,
                    end: slots,
                });
            }
            continue;
        }
        for (k, y) in syms.iter().enumerate() {
            let start = (y.value / 8) as usize;
            let next = syms.get(k + 1).map_or(slots, |n| (n.value / 8) as usize);
            let end = if y.size > 0 {
                start + (y.size / 8) as usize
            } else {
                next
            };
            if y.value % 8 != 0 || start >= slots || end > slots || end <= start {
                return Err(ElfError::at(
                    &s.name,
                    y.value,
                    format!(
                        "function '{}' (size {}) does not lie on instructions of the section",
                        y.name, y.size
                    ),
                ));
            }
            funcs.push(Func {
                section: i,
                name: y.name.clone(),
                start,
                end,
            });
        }
    }

    // Maps: BTF-defined, legacy, global data.
    let mut maps = Vec::new();
    let mut map_by_name = HashMap::new();
    if let Some(maps_sec) = sections.iter().position(|s| s.role == Role::BtfMaps) {
        let btf_sec = sections.iter().find(|s| s.name == ".BTF").ok_or_else(|| {
            ElfError::at(
                ".maps",
                0,
                "BTF-defined maps need a .BTF section, and there is none",
            )
        })?;
        let btf = Btf::parse(btf_sec.data)?;
        for m in btf.maps()? {
            if !symbols
                .iter()
                .any(|y| y.section == Some(maps_sec) && y.name == m.name)
            {
                return Err(ElfError::at(
                    ".maps",
                    0,
                    format!("map '{}' has no symbol in .maps", m.name),
                ));
            }
            map_by_name.insert(m.name.clone(), maps.len());
            maps.push(m);
        }
    }
    for (i, s) in sections.iter().enumerate() {
        match s.role {
            Role::LegacyMaps => {
                let mut syms: Vec<&Symbol> = symbols
                    .iter()
                    .filter(|y| y.section == Some(i) && y.st_type != STT_SECTION)
                    .collect();
                syms.sort_by_key(|y| y.value);
                for y in syms {
                    let field = |k: u64| {
                        let at = (y.value + 4 * k) as usize;
                        s.data
                            .get(at..at + 4)
                            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                            .ok_or_else(|| {
                                ElfError::at(
                                    &s.name,
                                    y.value,
                                    format!("map '{}' is truncated", y.name),
                                )
                            })
                    };
                    let mut m = MapDef::new(
                        y.name.clone(),
                        MapType::from_kernel_id(field(0)?),
                        field(1)?,
                        field(2)?,
                        field(3)?,
                    );
                    m.flags = field(4)?;
                    map_by_name.insert(m.name.clone(), maps.len());
                    maps.push(m);
                }
            }
            Role::Data => {
                let value_size = u32::try_from(s.size)
                    .map_err(|_| ElfError::at(&s.name, 0, "global data section too large"))?;
                let mut m = MapDef::new(s.name.clone(), MapType::Array, 4, value_size, 1);
                m.initial_value = Some(if s.sh_type == SHT_NOBITS {
                    vec![0; value_size as usize]
                } else {
                    s.data.to_vec()
                });
                if s.name.starts_with(".rodata") {
                    m.flags = BPF_F_RDONLY_PROG;
                }
                map_by_name.insert(m.name.clone(), maps.len());
                maps.push(m);
            }
            _ => {}
        }
    }

    Ok(Parsed {
        sections,
        symbols,
        code,
        relocs,
        funcs,
        maps,
        map_by_name,
        license,
    })
}

/// `(r_offset, symbol index, r_type)` of each `Elf64_Rel` record; `None` for a truncated one.
fn rel_entries(data: &[u8]) -> impl Iterator<Item = Option<(u64, usize, u32)>> + '_ {
    let n = data.len().div_ceil(16);
    (0..n).map(move |k| {
        let rec = data.get(k * 16..k * 16 + 16)?;
        let mut w = [0u8; 8];
        w.copy_from_slice(&rec[..8]);
        let offset = u64::from_le_bytes(w);
        w.copy_from_slice(&rec[8..]);
        let info = u64::from_le_bytes(w);
        Some((offset, (info >> 32) as usize, info as u32))
    })
}

/// Give each map the C line that defines it, from DWARF: a BTF or legacy map's variable, and
/// for a global data section the first variable in it (by address). Without DWARF (or with
/// DWARF gimli cannot read) maps keep no origin.
fn map_origins(parsed: &mut Parsed<'_>) {
    let sections = &parsed.sections;
    let data_of = |n: &str| {
        sections
            .iter()
            .find(|s| s.name == n)
            .map_or(&[][..], |s| s.data)
    };
    let Ok(vars) = super::dwarf::variable_lines(data_of) else {
        return;
    };
    if vars.is_empty() {
        return;
    }
    for map in &mut parsed.maps {
        let name = match sections
            .iter()
            .position(|s| s.name == map.name && s.role == Role::Data)
        {
            Some(sec) => {
                let mut syms: Vec<&Symbol> = parsed
                    .symbols
                    .iter()
                    .filter(|y| {
                        y.section == Some(sec)
                            && y.st_type != STT_SECTION
                            && vars.contains_key(&y.name)
                    })
                    .collect();
                syms.sort_by_key(|y| y.value);
                match syms.first() {
                    Some(y) => y.name.clone(),
                    None => continue,
                }
            }
            None => map.name.clone(),
        };
        map.origin = vars.get(&name).cloned();
    }
}

/// Where the C source lines of instructions come from.
enum SourceLines {
    /// `.debug_line` (clang `-g`).
    Dwarf(LineTable),
    /// `.BTF.ext` line info, when there is no DWARF line table (e.g. after `--strip-debug`).
    Btf(BtfLines),
    None,
}

impl SourceLines {
    fn origin(&mut self, section: u16, offset: u64) -> Option<crate::program::Origin> {
        match self {
            SourceLines::Dwarf(t) => t.origin(section, offset),
            SourceLines::Btf(b) => b.origin(section, offset),
            SourceLines::None => None,
        }
    }
}

/// The object's source lines: DWARF when it has a line table with rows, else `.BTF.ext`
/// line info. A malformed `.BTF.ext` is an error (section + offset); a `.debug_line` gimli
/// cannot read is ignored as before.
fn source_lines(parsed: &Parsed<'_>) -> Result<SourceLines, ElfError> {
    if let Some(t) = line_table(parsed).filter(|t| !t.is_empty()) {
        return Ok(SourceLines::Dwarf(t));
    }
    let find = |n: &str| parsed.sections.iter().find(|s| s.name == n);
    let (Some(ext), Some(btf)) = (find(".BTF.ext"), find(".BTF")) else {
        return Ok(SourceLines::None);
    };
    let btf = Btf::parse(btf.data)?;
    let code_section = |name: &str| {
        parsed
            .sections
            .iter()
            .position(|s| s.name == name && s.role == Role::Code)
    };
    let lines = BtfLines::parse(ext.data, &btf, code_section)?;
    Ok(if lines.is_empty() {
        SourceLines::None
    } else {
        SourceLines::Btf(lines)
    })
}

/// The DWARF line table of the object, when it has one.
fn line_table(parsed: &Parsed<'_>) -> Option<LineTable> {
    let find = |n: &str| parsed.sections.iter().position(|s| s.name == n);
    let line_idx = find(".debug_line")?;
    let mut relocs = Vec::new();
    if let Some(rel) = find(".rel.debug_line") {
        for e in rel_entries(parsed.sections[rel].data).flatten() {
            let (offset, sym, r_type) = e;
            if r_type != R_BPF_64_ABS64 {
                continue;
            }
            if let Some(section) = parsed.symbols.get(sym).and_then(|y| y.section) {
                relocs.push(AddrReloc {
                    offset,
                    section: section as u16,
                });
            }
        }
    }
    let data_of = |n: &str| find(n).map_or(&[][..], |i| parsed.sections[i].data);
    LineTable::parse(
        parsed.sections[line_idx].data,
        &relocs,
        data_of(".debug_line_str"),
        data_of(".debug_str"),
    )
    .ok()
}

/// Build the program whose entry function is `entry`: append every function it calls (from
/// `.text` or its own section), translate map references and calls.
fn link(parsed: &Parsed<'_>, entry: &Func, lines: &mut SourceLines) -> Result<Program, ElfError> {
    let sec_name = |s: usize| parsed.sections[s].name.as_str();
    let mut insns: Vec<Insn> = Vec::new();
    let mut source_map = SourceMap::default();
    // (function, new start slot)
    let mut placed: Vec<(&Func, usize)> = Vec::new();
    // (slot in the new program, absolute target slot) of calls to fix up at the end.
    let mut calls: Vec<(usize, usize)> = Vec::new();
    // (slot, object map index) of map references.
    let mut map_refs: Vec<(usize, usize)> = Vec::new();

    fn place<'p>(placed: &mut Vec<(&'p Func, usize)>, insns_len: &mut usize, f: &'p Func) -> usize {
        if let Some(&(_, at)) = placed.iter().find(|(p, _)| std::ptr::eq(*p, f)) {
            return at;
        }
        let at = *insns_len;
        placed.push((f, at));
        *insns_len += f.end - f.start;
        at
    }
    let find_func = |section: usize, slot: usize, at: u64| -> Result<&Func, ElfError> {
        parsed
            .funcs
            .iter()
            .find(|f| f.section == section && f.start <= slot && slot < f.end)
            .ok_or_else(|| {
                ElfError::at(
                    sec_name(section),
                    at,
                    format!(
                        "call target slot {slot} of '{}' is not inside a function",
                        sec_name(section)
                    ),
                )
            })
    };

    let mut planned_len = 0usize;
    place(&mut placed, &mut planned_len, entry);
    let mut next = 0;
    while next < placed.len() {
        let (f, new_start) = placed[next];
        next += 1;
        let sec = f.section;
        let code = parsed.code.get(&sec).map(Vec::as_slice).unwrap_or(&[]);
        let sec_relocs = parsed.relocs.get(&sec);
        debug_assert_eq!(insns.len(), new_start);
        for slot in f.start..f.end {
            let at = slot as u64 * 8;
            let err = |m: String| ElfError::at(sec_name(sec), at, m);
            let mut insn = *code
                .get(slot)
                .ok_or_else(|| err("instruction out of range".into()))?;
            let new_pc = new_start + (slot - f.start);
            if let Some(origin) = lines.origin(sec as u16, at) {
                source_map.set(new_pc, origin);
            }
            if let Some(r) = sec_relocs.and_then(|m| m.get(&slot)) {
                let sym = &parsed.symbols[r.symbol];
                let Some(tsec) = sym.section else {
                    return Err(err(format!(
                        "relocation against undefined symbol '{}' (externs, kfuncs and ksyms are not supported)",
                        sym.name
                    )));
                };
                let role = parsed.sections[tsec].role;
                match (role, &mut insn) {
                    (Role::BtfMaps | Role::LegacyMaps, Insn::LdImm64 { src, imm, .. }) => {
                        let idx = *parsed.map_by_name.get(&sym.name).ok_or_else(|| {
                            err(format!("relocation against '{}', which is not a map", sym.name))
                        })?;
                        *src = LdImm64Src::MapFd;
                        *imm = idx as u64;
                        map_refs.push((new_pc, idx));
                    }
                    (Role::Data, Insn::LdImm64 { src, imm, .. }) => {
                        let idx = *parsed.map_by_name.get(sec_name(tsec)).ok_or_else(|| {
                            err(format!("no map for data section '{}'", sec_name(tsec)))
                        })?;
                        let offset = (*imm as u32 as u64).wrapping_add(sym.value) & 0xffff_ffff;
                        *src = LdImm64Src::MapValue;
                        *imm = (offset << 32) | idx as u64;
                        map_refs.push((new_pc, idx));
                    }
                    (Role::Code, Insn::Call(CallTarget::Local(off))) if r.r_type == R_BPF_64_32 => {
                        let target = (sym.value / 8) as i64 + *off as i64 + 1;
                        let target = usize::try_from(target).map_err(|_| err("call before the section start".into()))?;
                        let callee = find_func(tsec, target, at)?;
                        let base = place(&mut placed, &mut planned_len, callee);
                        calls.push((new_pc, base + (target - callee.start)));
                    }
                    (Role::Code, Insn::LdImm64 { src, imm, .. }) => {
                        // Address of a function (callbacks): byte offset from the symbol.
                        let byte = sym.value.wrapping_add(*imm as u32 as u64);
                        let target = (byte / 8) as usize;
                        let callee = find_func(tsec, target, at)?;
                        let base = place(&mut placed, &mut planned_len, callee);
                        *src = LdImm64Src::Func;
                        calls.push((new_pc, base + (target - callee.start)));
                    }
                    _ => {
                        return Err(err(format!(
                            "unsupported relocation (type {}) against '{}' in section '{}' on this instruction",
                            r.r_type,
                            sym.name,
                            sec_name(tsec)
                        )))
                    }
                }
            } else if let Some(t) = local_target(&insn, slot) {
                // A call inside the same section without relocation.
                let target =
                    usize::try_from(t).map_err(|_| err("call before the section start".into()))?;
                if !(f.start..f.end).contains(&target) {
                    let callee = find_func(sec, target, at)?;
                    let base = place(&mut placed, &mut planned_len, callee);
                    calls.push((new_pc, base + (target - callee.start)));
                }
            }
            insns.push(insn);
        }
    }

    for (pc, target) in calls {
        let off = target as i64 - pc as i64 - 1;
        let off32 =
            i32::try_from(off).map_err(|_| ElfError::msg("linked call offset out of range"))?;
        match &mut insns[pc] {
            Insn::Call(CallTarget::Local(o)) => *o = off32,
            Insn::LdImm64 { imm, .. } => *imm = off32 as u32 as u64,
            _ => {}
        }
    }

    // Program-local map list: the used maps, in object order.
    let mut used: Vec<usize> = map_refs.iter().map(|&(_, m)| m).collect();
    used.sort_unstable();
    used.dedup();
    let local = |m: usize| used.iter().position(|&u| u == m).unwrap_or(0) as u64;
    let mut relocs = Vec::new();
    for &(pc, m) in &map_refs {
        if let Insn::LdImm64 { imm, .. } = &mut insns[pc] {
            *imm = (*imm & !0xffff_ffff) | local(m);
        }
        relocs.push(Reloc {
            insn: pc,
            map: parsed.maps[m].name.clone(),
        });
    }
    relocs.sort_by_key(|r| r.insn);

    let subprogs = if placed.len() > 1 {
        placed
            .iter()
            .map(|(f, at)| Subprog {
                name: f.name.clone(),
                start: *at,
            })
            .collect()
    } else {
        Vec::new()
    };
    let section = sec_name(entry.section).to_string();
    Ok(Program {
        name: entry.name.clone(),
        insns,
        subprogs,
        maps: used.iter().map(|&m| parsed.maps[m].clone()).collect(),
        relocs,
        prog_type: ProgType::from_section(&section).unwrap_or(ProgType::Other(0)),
        section,
        license: parsed.license.clone(),
        source_map,
    })
}

/// Absolute slot targeted by a local call or function address at `slot`, without relocation.
fn local_target(insn: &Insn, slot: usize) -> Option<i64> {
    match insn {
        Insn::Call(CallTarget::Local(_))
        | Insn::LdImm64 {
            src: LdImm64Src::Func,
            ..
        } => insn.jump_target(slot),
        _ => None,
    }
}
