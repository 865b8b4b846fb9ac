//! Writing [`Program`]s as a BPF ELF relocatable object that libbpf, bpftool and iproute2 load.
//!
//! Layout (libbpf's conventions): one section per program section name holding the entry
//! functions; subprograms in `.text`, called through `R_BPF_64_32` relocations; maps in `.maps`
//! described by `.BTF`; global data maps as `.rodata`/`.data`/`.bss` sections referenced by
//! `R_BPF_64_64` relocations against the section symbol with the offset in `imm`; `license`.
//! The records are object's `#[repr(C)]` ELF types, the same the reader parses; every offset is
//! reserved first, then the bytes are written in the same order.

use super::btf::BtfWriter;
use super::read::{R_BPF_64_32, R_BPF_64_64};
use super::{ElfError, EM_BPF};
use crate::insn::{encode, CallTarget, Insn, LdImm64Src, RawInsn};
use crate::program::{MapDef, MapType, Program};
use object::elf::{
    DataEncoding, FileClass, FileFlags, FileHeader64, FileType, FileVersion, Ident, Machine, OsAbi,
    Rel64, RelocationType, SectionFlags, SectionHeader64, SectionType, Sym64, SymbolInfo,
    SymbolOther, SymbolSection,
};
use object::endian::{U16, U32, U64};
use object::pod::bytes_of;
use object::LittleEndian as LE;

const SHT_PROGBITS: u32 = 1;
const SHT_SYMTAB: u32 = 2;
const SHT_STRTAB: u32 = 3;
const SHT_NOBITS: u32 = 8;
const SHT_REL: u32 = 9;
const SHF_WRITE: u64 = 1;
const SHF_ALLOC: u64 = 2;
const SHF_EXECINSTR: u64 = 4;
const SHF_INFO_LINK: u64 = 0x40;
const STB_LOCAL: u8 = 0;
const STB_GLOBAL: u8 = 1;
const STT_OBJECT: u8 = 1;
const STT_FUNC: u8 = 2;
const STT_SECTION: u8 = 3;

/// Whether a map is a global data section (`.rodata`, `.data`, `.bss` and their `.suffix`es).
pub(crate) fn is_data_map(name: &str) -> bool {
    [".rodata", ".data", ".bss"]
        .iter()
        .any(|p| name == *p || name.starts_with(&format!("{p}.")))
}

/// What a relocation points at.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Target {
    /// The STT_SECTION symbol of a section.
    Section(String),
    /// The symbol of a map in `.maps`.
    Map(String),
}

/// A code section being built.
struct CodeSection {
    name: String,
    raw: Vec<RawInsn>,
    relocs: Vec<(u64, Target, u32)>,
    /// (name, first slot, slots, global)
    funcs: Vec<(String, usize, usize, bool)>,
}

impl CodeSection {
    fn new(name: &str) -> CodeSection {
        CodeSection {
            name: name.to_string(),
            raw: Vec::new(),
            relocs: Vec::new(),
            funcs: Vec::new(),
        }
    }
}

/// Write programs (and the maps they use) as one BPF ELF relocatable object.
pub fn write_object(progs: &[Program]) -> Result<Vec<u8>, ElfError> {
    if progs.is_empty() {
        return Err(ElfError::msg("no program to write"));
    }
    // What the wire cannot hold (a short `ja` beyond 16 bits) is refused, never wrapped.
    for p in progs {
        crate::insn::check_wire(&p.insns)
            .map_err(|e| ElfError::msg(format!("program '{}', {e}", p.name)))?;
    }
    // Object-wide maps, merged by name.
    let mut maps: Vec<MapDef> = Vec::new();
    for p in progs {
        for m in &p.maps {
            match maps.iter().find(|o| o.name == m.name) {
                Some(o) if !same_shape(o, m) => {
                    return Err(ElfError::msg(format!(
                        "programs '{}' and another define map '{}' differently",
                        p.name, m.name
                    )))
                }
                Some(_) => {}
                None => {
                    check_map(m)?;
                    maps.push(m.clone());
                }
            }
        }
    }
    let license = progs
        .iter()
        .map(|p| p.license.as_str())
        .find(|l| !l.is_empty())
        .unwrap_or("GPL")
        .to_string();

    // Code: program sections in order of appearance, then .text.
    let mut code: Vec<CodeSection> = Vec::new();
    let mut text = CodeSection::new(".text");
    for p in progs {
        place_program(p, &maps, &mut code, &mut text)?;
    }
    if !text.raw.is_empty() {
        code.push(text);
    }
    if code
        .iter()
        .any(|c| c.name == "license" || is_data_map(&c.name) || c.name == ".maps")
    {
        return Err(ElfError::msg(
            "a program section name collides with a data section name",
        ));
    }

    build(code, &maps, &license)
}

fn same_shape(a: &MapDef, b: &MapDef) -> bool {
    (
        a.map_type,
        a.key_size,
        a.value_size,
        a.max_entries,
        a.flags,
        &a.initial_value,
    ) == (
        b.map_type,
        b.key_size,
        b.value_size,
        b.max_entries,
        b.flags,
        &b.initial_value,
    )
}

fn check_map(m: &MapDef) -> Result<(), ElfError> {
    if !m.initial_entries.is_empty() {
        return Err(ElfError::msg(format!(
            "map '{}' has {} initial entries, which an ELF object cannot carry: write it without \
             them and load them after the object",
            m.name,
            m.initial_entries.len()
        )));
    }
    if is_data_map(&m.name) {
        if m.map_type != MapType::Array || m.key_size != 4 || m.max_entries != 1 {
            return Err(ElfError::msg(format!(
                "map '{}': a global data map must be an ARRAY of one entry with 4-byte keys",
                m.name
            )));
        }
        if let Some(v) = &m.initial_value {
            if v.len() != m.value_size as usize {
                return Err(ElfError::msg(format!(
                    "map '{}': initial value is {} bytes, value_size is {}",
                    m.name,
                    v.len(),
                    m.value_size
                )));
            }
        }
    } else if m.name.is_empty()
        || !m
            .name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
        || m.name.starts_with(|c: char| c.is_ascii_digit())
    {
        return Err(ElfError::msg(format!(
            "map name '{}' is not a C identifier (BTF needs one)",
            m.name
        )));
    }
    Ok(())
}

/// Lay out one program: its entry function at the end of its section, every other function
/// appended to `.text`, with relocations for calls and map references.
fn place_program(
    p: &Program,
    maps: &[MapDef],
    code: &mut Vec<CodeSection>,
    text: &mut CodeSection,
) -> Result<(), ElfError> {
    let err = |pc: usize, m: String| {
        ElfError::msg(format!("program '{}', instruction {pc}: {m}", p.name))
    };
    if p.insns.is_empty() {
        return Err(err(0, "empty program".into()));
    }
    if p.section.is_empty() || p.section == ".text" {
        return Err(err(
            0,
            format!("'{}' cannot be a program section", p.section),
        ));
    }
    let starts = p.function_starts();
    let mut raw = encode(&p.insns);
    let sec_idx = match code.iter().position(|c| c.name == p.section) {
        Some(i) => i,
        None => {
            code.push(CodeSection::new(&p.section));
            code.len() - 1
        }
    };
    // Where each function goes: (is .text, first slot in that section).
    let mut location = Vec::with_capacity(starts.len());
    for (k, &s) in starts.iter().enumerate() {
        let end = starts.get(k + 1).copied().unwrap_or(p.insns.len());
        if k == 0 {
            location.push((false, code[sec_idx].raw.len() + s));
            let first = code[sec_idx].raw.len();
            code[sec_idx].funcs.push((p.name.clone(), first, end, true));
        } else {
            let base = text.raw.len() + (s - starts[1]);
            let name = p
                .subprogs
                .iter()
                .find(|sp| sp.start == s)
                .map(|sp| sp.name.clone())
                .unwrap_or_else(|| format!("{}_sub{s}", p.name));
            let name = if text.funcs.iter().any(|f| f.0 == name) {
                format!("{name}__{}", p.name)
            } else {
                name
            };
            location.push((true, base));
            text.funcs.push((name, base, end - s, false));
        }
    }
    let entry_len = starts.get(1).copied().unwrap_or(p.insns.len());
    let func_of = |pc: usize| starts.iter().rposition(|&s| s <= pc).unwrap_or(0);
    let new_slot = |pc: usize| {
        let f = func_of(pc);
        location[f].1 + (pc - starts[f])
    };

    let mut relocs_entry = Vec::new();
    let mut relocs_text = Vec::new();
    for (pc, insn) in p.insns.iter().enumerate() {
        let f = func_of(pc);
        let in_text = location[f].0;
        let at = new_slot(pc) as u64 * 8;
        let mut reloc = None;
        match *insn {
            Insn::Call(CallTarget::Local(_))
            | Insn::LdImm64 {
                src: LdImm64Src::Func,
                ..
            } => {
                let t = insn
                    .jump_target(pc)
                    .filter(|&t| t >= 0 && (t as usize) < p.insns.len())
                    .ok_or_else(|| err(pc, "call target outside the program".into()))?
                    as usize;
                let tf = func_of(t);
                if tf == 0 {
                    if in_text {
                        return Err(err(
                            pc,
                            "a subprogram calls the entry function: not expressible in ELF".into(),
                        ));
                    }
                    continue; // recursion inside the entry function: pc-relative, no relocation
                }
                let slot = new_slot(t) as i64;
                if let Insn::Call(_) = insn {
                    raw[pc].imm =
                        i32::try_from(slot - 1).map_err(|_| err(pc, "call too far".into()))?;
                    reloc = Some((Target::Section(".text".into()), R_BPF_64_32));
                } else {
                    raw[pc].imm = i32::try_from(slot * 8)
                        .map_err(|_| err(pc, "function address too far".into()))?;
                    if let Some(tail) = raw.get_mut(pc + 1) {
                        tail.imm = 0;
                    }
                    reloc = Some((Target::Section(".text".into()), R_BPF_64_64));
                }
            }
            Insn::LdImm64 { src, imm, .. } if src.is_map() => {
                let map = p
                    .maps
                    .get(imm as u32 as usize)
                    .ok_or_else(|| err(pc, format!("map index {} out of range", imm as u32)))?;
                debug_assert!(maps.iter().any(|m| m.name == map.name));
                let data = is_data_map(&map.name);
                match (src, data) {
                    (LdImm64Src::MapFd, false) => {
                        raw[pc].src = 0;
                        raw[pc].imm = 0;
                        reloc = Some((Target::Map(map.name.clone()), R_BPF_64_64));
                    }
                    (LdImm64Src::MapValue, true) => {
                        raw[pc].src = 0;
                        raw[pc].imm = (imm >> 32) as u32 as i32;
                        reloc = Some((Target::Section(map.name.clone()), R_BPF_64_64));
                    }
                    (LdImm64Src::MapValue, false) => {
                        return Err(err(pc, format!("direct value access to map '{}' is only expressible in ELF for global data sections", map.name)))
                    }
                    (LdImm64Src::MapFd, true) => {
                        return Err(err(pc, format!("global data map '{}' must be referenced by value address", map.name)))
                    }
                    _ => return Err(err(pc, format!("LD_IMM64 source {src:?} cannot be written to ELF"))),
                }
                if let Some(tail) = raw.get_mut(pc + 1) {
                    tail.imm = 0;
                }
            }
            Insn::LdImm64 { src, .. } if src != LdImm64Src::Imm => {
                return Err(err(
                    pc,
                    format!("LD_IMM64 source {src:?} cannot be written to ELF"),
                ))
            }
            _ => {}
        }
        if let Some((target, r_type)) = reloc {
            if in_text {
                relocs_text.push((at, target, r_type));
            } else {
                relocs_entry.push((at, target, r_type));
            }
        }
    }
    code[sec_idx].raw.extend_from_slice(&raw[..entry_len]);
    code[sec_idx].relocs.extend(relocs_entry);
    text.raw.extend_from_slice(&raw[entry_len..]);
    text.relocs.extend(relocs_text);
    Ok(())
}

/// One output section before layout.
struct OutSection {
    name: String,
    sh_type: u32,
    flags: u64,
    data: Vec<u8>,
    /// Size for NOBITS sections (data is empty).
    size: u64,
    link: u32,
    info: u32,
    align: u64,
    entsize: u64,
}

impl OutSection {
    fn new(name: &str, sh_type: u32, flags: u64, data: Vec<u8>, align: u64) -> OutSection {
        OutSection {
            name: name.to_string(),
            sh_type,
            flags,
            size: data.len() as u64,
            data,
            link: 0,
            info: 0,
            align,
            entsize: 0,
        }
    }
}

/// A symbol before its name and section are resolved to indices.
struct OutSymbol {
    name: String,
    bind: u8,
    st_type: u8,
    section: usize,
    value: u64,
    size: u64,
}

/// Append `s` NUL-terminated to a string table, returning its offset.
fn add_str(table: &mut Vec<u8>, s: &str) -> u32 {
    if s.is_empty() {
        return 0;
    }
    let off = table.len() as u32;
    table.extend_from_slice(s.as_bytes());
    table.push(0);
    off
}

fn build(code: Vec<CodeSection>, maps: &[MapDef], license: &str) -> Result<Vec<u8>, ElfError> {
    let mut sections: Vec<OutSection> = vec![OutSection::new("", 0, 0, Vec::new(), 0)];
    sections.push(OutSection::new(".strtab", SHT_STRTAB, 0, Vec::new(), 1));
    let strtab_idx = 1usize;
    // Code sections and their relocation sections (filled once symbols are known).
    let mut code_idx = Vec::new();
    for c in &code {
        let bytes: Vec<u8> = c.raw.iter().flat_map(|r| r.to_bytes()).collect();
        sections.push(OutSection::new(
            &c.name,
            SHT_PROGBITS,
            SHF_ALLOC | SHF_EXECINSTR,
            bytes,
            8,
        ));
        let idx = sections.len() - 1;
        let rel = if c.relocs.is_empty() {
            None
        } else {
            let mut r = OutSection::new(
                &format!(".rel{}", c.name),
                SHT_REL,
                SHF_INFO_LINK,
                Vec::new(),
                8,
            );
            r.info = idx as u32;
            r.entsize = 16;
            sections.push(r);
            Some(sections.len() - 1)
        };
        code_idx.push((idx, rel));
    }
    // Global data sections.
    let mut data_idx = Vec::new();
    for m in maps.iter().filter(|m| is_data_map(&m.name)) {
        let init = m
            .initial_value
            .clone()
            .unwrap_or_else(|| vec![0; m.value_size as usize]);
        let zero = init.iter().all(|&b| b == 0);
        let s = if m.name.starts_with(".bss") && zero {
            let mut s = OutSection::new(&m.name, SHT_NOBITS, SHF_ALLOC | SHF_WRITE, Vec::new(), 8);
            s.size = m.value_size as u64;
            s
        } else if m.name.starts_with(".rodata") {
            OutSection::new(&m.name, SHT_PROGBITS, SHF_ALLOC, init, 8)
        } else {
            OutSection::new(&m.name, SHT_PROGBITS, SHF_ALLOC | SHF_WRITE, init, 8)
        };
        sections.push(s);
        data_idx.push((m.name.clone(), sections.len() - 1));
    }
    // BTF-defined maps.
    let btf_maps: Vec<&MapDef> = maps.iter().filter(|m| !is_data_map(&m.name)).collect();
    let mut map_syms = Vec::new();
    let mut btf_bytes = None;
    if !btf_maps.is_empty() {
        let mut btf = BtfWriter::new();
        let mut vars = Vec::new();
        let mut offset = 0u32;
        for m in &btf_maps {
            let (var, size) = btf.add_map(m);
            vars.push((var, offset, size));
            map_syms.push((m.name.clone(), offset as u64, size as u64));
            offset += size;
        }
        btf.add_maps_datasec(&vars, offset);
        sections.push(OutSection::new(
            ".maps",
            SHT_PROGBITS,
            SHF_ALLOC | SHF_WRITE,
            vec![0; offset as usize],
            8,
        ));
        btf_bytes = Some((sections.len() - 1, btf.finish()));
    }
    let maps_idx = btf_bytes.as_ref().map(|(i, _)| *i);
    let mut lic = license.as_bytes().to_vec();
    lic.push(0);
    sections.push(OutSection::new(
        "license",
        SHT_PROGBITS,
        SHF_ALLOC | SHF_WRITE,
        lic,
        1,
    ));
    let license_idx = sections.len() - 1;
    if let Some((_, bytes)) = btf_bytes {
        sections.push(OutSection::new(".BTF", SHT_PROGBITS, 0, bytes, 4));
    }
    sections.push(OutSection::new(".symtab", SHT_SYMTAB, 0, Vec::new(), 8));
    let symtab_idx = sections.len() - 1;

    // Symbols: null, section symbols and static functions (local), then globals.
    let mut locals = Vec::new();
    let mut globals = Vec::new();
    for (c, &(idx, _)) in code.iter().zip(&code_idx) {
        locals.push(OutSymbol {
            name: String::new(),
            bind: STB_LOCAL,
            st_type: STT_SECTION,
            section: idx,
            value: 0,
            size: 0,
        });
        for (name, start, len, global) in &c.funcs {
            let s = OutSymbol {
                name: name.clone(),
                bind: if *global { STB_GLOBAL } else { STB_LOCAL },
                st_type: STT_FUNC,
                section: idx,
                value: *start as u64 * 8,
                size: *len as u64 * 8,
            };
            if *global {
                globals.push(s)
            } else {
                locals.push(s)
            }
        }
    }
    for (_, idx) in &data_idx {
        locals.push(OutSymbol {
            name: String::new(),
            bind: STB_LOCAL,
            st_type: STT_SECTION,
            section: *idx,
            value: 0,
            size: 0,
        });
    }
    if let Some(mi) = maps_idx {
        for (name, off, size) in &map_syms {
            globals.push(OutSymbol {
                name: name.clone(),
                bind: STB_GLOBAL,
                st_type: STT_OBJECT,
                section: mi,
                value: *off,
                size: *size,
            });
        }
    }
    globals.push(OutSymbol {
        name: "LICENSE".into(),
        bind: STB_GLOBAL,
        st_type: STT_OBJECT,
        section: license_idx,
        value: 0,
        size: license.len() as u64 + 1,
    });
    let first_global = locals.len() as u32 + 1;
    let symbols: Vec<OutSymbol> = locals.into_iter().chain(globals).collect();
    let section_names: Vec<String> = sections.iter().map(|s| s.name.clone()).collect();
    let sym_index = |t: &Target| -> Option<u32> {
        symbols
            .iter()
            .position(|s| match t {
                Target::Section(n) => s.st_type == STT_SECTION && section_names[s.section] == *n,
                Target::Map(n) => {
                    s.st_type == STT_OBJECT && Some(s.section) == maps_idx && s.name == *n
                }
            })
            .map(|i| i as u32 + 1)
    };

    // Relocation records.
    for (c, &(_, rel)) in code.iter().zip(&code_idx) {
        let Some(rel) = rel else { continue };
        let mut bytes = Vec::new();
        for (offset, target, r_type) in &c.relocs {
            let sym = sym_index(target).ok_or_else(|| {
                ElfError::msg(format!("relocation target {target:?} has no symbol"))
            })?;
            let r = Rel64::<LE> {
                r_offset: U64::new(LE, *offset),
                r_info: Rel64::r_info(LE, sym, RelocationType(*r_type)),
            };
            bytes.extend_from_slice(bytes_of(&r));
        }
        sections[rel].data = bytes;
        sections[rel].size = sections[rel].data.len() as u64;
        sections[rel].link = symtab_idx as u32;
    }

    // String table: section names and symbol names.
    let mut strtab = vec![0u8];
    let sh_names: Vec<u32> = sections
        .iter()
        .map(|s| add_str(&mut strtab, &s.name))
        .collect();
    let mut symtab = Vec::new();
    symtab.extend_from_slice(bytes_of(&Sym64::<LE>::default()));
    for s in &symbols {
        let sym = Sym64::<LE> {
            st_name: U32::new(LE, add_str(&mut strtab, &s.name)),
            st_info: SymbolInfo::new(
                object::elf::SymbolBind(s.bind),
                object::elf::SymbolType(s.st_type),
            ),
            st_other: SymbolOther(0),
            st_shndx: U16::new(LE, SymbolSection::new(s.section as u32)),
            st_value: U64::new(LE, s.value),
            st_size: U64::new(LE, s.size),
        };
        symtab.extend_from_slice(bytes_of(&sym));
    }
    sections[symtab_idx].data = symtab;
    sections[symtab_idx].size = sections[symtab_idx].data.len() as u64;
    sections[symtab_idx].link = strtab_idx as u32;
    sections[symtab_idx].info = first_global;
    sections[symtab_idx].entsize = 24;
    sections[strtab_idx].data = strtab;
    sections[strtab_idx].size = sections[strtab_idx].data.len() as u64;

    // Reserve: header, section contents (aligned), section header table.
    let header_len = std::mem::size_of::<FileHeader64<LE>>() as u64;
    let mut offsets = vec![0u64; sections.len()];
    let mut pos = header_len;
    for (i, s) in sections.iter().enumerate().skip(1) {
        let align = s.align.max(1);
        pos = pos.div_ceil(align) * align;
        offsets[i] = pos;
        pos += s.data.len() as u64;
    }
    let shoff = pos.div_ceil(8) * 8;
    let total = shoff + sections.len() as u64 * std::mem::size_of::<SectionHeader64<LE>>() as u64;

    // Write in the same order.
    let mut out = Vec::with_capacity(total as usize);
    let header = FileHeader64::<LE> {
        e_ident: Ident {
            magic: object::elf::ELFMAG,
            class: FileClass(2),
            data: DataEncoding(1),
            version: FileVersion(1),
            os_abi: OsAbi(0),
            abi_version: 0,
            padding: [0; 7],
        },
        e_type: U16::new(LE, FileType(1)),
        e_machine: U16::new(LE, Machine(EM_BPF)),
        e_version: U32::new(LE, 1),
        e_entry: U64::new(LE, 0),
        e_phoff: U64::new(LE, 0),
        e_shoff: U64::new(LE, shoff),
        e_flags: U32::new(LE, FileFlags(0)),
        e_ehsize: U16::new(LE, header_len as u16),
        e_phentsize: U16::new(LE, 0),
        e_phnum: U16::new(LE, 0),
        e_shentsize: U16::new(LE, std::mem::size_of::<SectionHeader64<LE>>() as u16),
        e_shnum: U16::new(LE, sections.len() as u16),
        e_shstrndx: U16::new(LE, SymbolSection(strtab_idx as u16)),
    };
    out.extend_from_slice(bytes_of(&header));
    for (i, s) in sections.iter().enumerate().skip(1) {
        out.resize(offsets[i] as usize, 0);
        out.extend_from_slice(&s.data);
    }
    out.resize(shoff as usize, 0);
    for (i, s) in sections.iter().enumerate() {
        let sh = SectionHeader64::<LE> {
            sh_name: U32::new(LE, sh_names[i]),
            sh_type: U32::new(LE, SectionType(s.sh_type)),
            sh_flags: U64::new(LE, SectionFlags(s.flags)),
            sh_addr: U64::new(LE, 0),
            sh_offset: U64::new(LE, offsets[i]),
            sh_size: U64::new(LE, s.size),
            sh_link: U32::new(LE, s.link),
            sh_info: U32::new(LE, s.info),
            sh_addralign: U64::new(LE, s.align),
            sh_entsize: U64::new(LE, s.entsize),
        };
        out.extend_from_slice(bytes_of(&sh));
    }
    debug_assert_eq!(out.len() as u64, total);
    Ok(out)
}
