//! C source lines for instructions, from DWARF `.debug_line` (read with gimli).
//!
//! In a relocatable BPF object every section starts at address 0, so a line-table address alone
//! does not say which section it is in: the `DW_LNE_set_address` operands are relocated
//! (`R_BPF_64_ABS64`) against the section's symbol. Before parsing, we patch each relocated
//! address to `(section index + 1) << 40 | address`, so every row carries its section.

use super::ElfError;
use crate::program::Origin;
use gimli::{AttributeValue, DebugLine, DebugLineOffset, EndianSlice, LittleEndian};
use std::collections::{BTreeMap, HashMap};

/// Where the section index is stored in a patched address.
const SECTION_SHIFT: u32 = 40;

/// A relocation inside `.debug_line`: the 8-byte address at `offset` is relative to the
/// start of section `section`.
pub(crate) struct AddrReloc {
    pub offset: u64,
    pub section: u16,
}

/// One row: file index into `files`, line, column. `None` marks the end of a sequence.
type Row = Option<(usize, u32, u32)>;

/// Line rows by (section index, byte offset in the section).
#[derive(Default)]
pub(crate) struct LineTable {
    rows: BTreeMap<(u16, u64), Row>,
    files: Vec<String>,
    sources: HashMap<String, Option<Vec<String>>>,
}

/// Resolve a string attribute of the line program header.
fn attr_str(
    value: Option<AttributeValue<EndianSlice<'_, LittleEndian>>>,
    line_str: &[u8],
    str_sec: &[u8],
) -> String {
    let from = |sec: &[u8], off: usize| -> String {
        let tail = sec.get(off..).unwrap_or(&[]);
        let end = tail.iter().position(|&b| b == 0).unwrap_or(tail.len());
        String::from_utf8_lossy(&tail[..end]).into_owned()
    };
    match value {
        Some(AttributeValue::String(s)) => String::from_utf8_lossy(s.slice()).into_owned(),
        Some(AttributeValue::DebugLineStrRef(o)) => from(line_str, o.0),
        Some(AttributeValue::DebugStrRef(o)) => from(str_sec, o.0),
        _ => String::new(),
    }
}

impl LineTable {
    /// Parse every line program of `.debug_line` (`data`), after patching the relocated
    /// addresses listed in `relocs`.
    pub(crate) fn parse(
        data: &[u8],
        relocs: &[AddrReloc],
        line_str: &[u8],
        str_sec: &[u8],
    ) -> Result<LineTable, ElfError> {
        let mut patched = data.to_vec();
        for r in relocs {
            let at = r.offset as usize;
            let Some(slot) = patched.get_mut(at..at.saturating_add(8)) else {
                return Err(ElfError::at(
                    ".debug_line",
                    r.offset,
                    "relocation past the section end",
                ));
            };
            let mut word = [0u8; 8];
            word.copy_from_slice(slot);
            let addr = u64::from_le_bytes(word) | ((r.section as u64 + 1) << SECTION_SHIFT);
            slot.copy_from_slice(&addr.to_le_bytes());
        }
        let debug_line = DebugLine::new(&patched, LittleEndian);
        let mut table = LineTable::default();
        let mut offset = 0usize;
        while offset < patched.len() {
            let dwarf_err =
                |e: gimli::Error| ElfError::at(".debug_line", offset as u64, e.to_string());
            let program = debug_line
                .program(DebugLineOffset(offset), 8, None, None)
                .map_err(dwarf_err)?;
            let header = program.header().clone();
            let unit_len = header.unit_length() + header.format().initial_length_size() as usize;
            // Files of this unit, as indices into `table.files`.
            let mut file_ids = Vec::new();
            for f in header.file_names() {
                let dir = attr_str(f.directory(&header), line_str, str_sec);
                let name = attr_str(Some(f.path_name()), line_str, str_sec);
                let path = if name.starts_with('/') || dir.is_empty() {
                    name
                } else if dir == "." {
                    // Relative to the compilation directory (include dir 0).
                    let comp = attr_str(header.directory(0), line_str, str_sec);
                    if comp.is_empty() {
                        name
                    } else {
                        format!("{comp}/{name}")
                    }
                } else if dir.starts_with('/') {
                    format!("{dir}/{name}")
                } else {
                    let comp = attr_str(header.directory(0), line_str, str_sec);
                    format!("{comp}/{dir}/{name}")
                };
                table.files.push(path);
                file_ids.push(table.files.len() - 1);
            }
            let file_base = if header.version() <= 4 { 1 } else { 0 };
            let mut rows = program.rows();
            while let Some((_, row)) = rows.next_row().map_err(dwarf_err)? {
                let addr = row.address();
                let section = (addr >> SECTION_SHIFT) as u16;
                if section == 0 {
                    continue; // not relocated: no section to attach it to
                }
                let key = (section - 1, addr & ((1 << SECTION_SHIFT) - 1));
                if row.end_sequence() {
                    table.rows.entry(key).or_insert(None);
                    continue;
                }
                let line = row.line().map(|l| l.get() as u32).unwrap_or(0);
                let column = match row.column() {
                    gimli::ColumnType::LeftEdge => 0,
                    gimli::ColumnType::Column(c) => c.get() as u32,
                };
                let file = (row.file_index() as usize)
                    .checked_sub(file_base)
                    .and_then(|i| file_ids.get(i).copied());
                let value = match file {
                    Some(f) if line > 0 => Some((f, line, column)),
                    _ => None,
                };
                table.rows.insert(key, value);
            }
            if unit_len == 0 {
                break;
            }
            offset += unit_len;
        }
        Ok(table)
    }

    /// Whether no instruction has a row.
    pub(crate) fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The origin of the instruction at byte `offset` of section `section`, if a row covers it.
    pub(crate) fn origin(&mut self, section: u16, offset: u64) -> Option<Origin> {
        let (&(sec, _), row) = self.rows.range(..=(section, offset)).next_back()?;
        if sec != section {
            return None;
        }
        let (file_idx, line, column) = (*row)?;
        let file = self.files.get(file_idx)?.clone();
        let source = self.sources.entry(file.clone()).or_insert_with(|| {
            std::fs::read_to_string(&file)
                .ok()
                .map(|s| s.lines().map(str::to_string).collect())
        });
        let text = source
            .as_ref()
            .and_then(|lines| lines.get(line as usize - 1))
            .map(|l| l.trim().to_string());
        Some(Origin::C {
            file,
            line,
            column,
            text,
        })
    }
}

/// Where each global variable of the object is declared, from `.debug_info`
/// (`DW_TAG_variable` with `DW_AT_decl_file`/`DW_AT_decl_line`), by name. `section` gives the
/// bytes of a section by name (empty when absent). The offsets that a relocatable object's
/// `.rel.debug_*` relocate are against section symbols (value 0) with the addend in place, so
/// the unrelocated bytes already hold them. The `text` of each origin is the line of the file
/// when it can be read, and `column` where the name appears in it.
pub(crate) fn variable_lines<'a>(
    section: impl Fn(&str) -> &'a [u8],
) -> Result<HashMap<String, Origin>, gimli::Error> {
    let dwarf = gimli::Dwarf::load(|id: gimli::SectionId| {
        Ok::<_, gimli::Error>(EndianSlice::new(section(id.name()), LittleEndian))
    })?;
    let mut found = HashMap::new();
    let mut sources: HashMap<String, Option<Vec<String>>> = HashMap::new();
    let mut units = dwarf.units();
    while let Some(header) = units.next()? {
        let unit = dwarf.unit(header)?;
        let text =
            |r: EndianSlice<'_, LittleEndian>| String::from_utf8_lossy(r.slice()).into_owned();
        let comp_dir = unit.comp_dir.map(text).unwrap_or_default();
        let mut entries = unit.entries();
        while let Some(entry) = entries.next_dfs()? {
            // Globals are children of the compile unit.
            if entry.tag() != gimli::DW_TAG_variable || entry.depth() != 1 {
                continue;
            }
            let Some(name) = entry.attr_value(gimli::DW_AT_name) else {
                continue;
            };
            let name = text(dwarf.attr_string(&unit, name)?);
            let line = entry
                .attr_value(gimli::DW_AT_decl_line)
                .and_then(|v| v.udata_value())
                .and_then(|l| u32::try_from(l).ok())
                .filter(|&l| l > 0);
            let file_index = match entry.attr_value(gimli::DW_AT_decl_file) {
                Some(AttributeValue::FileIndex(i)) => Some(i),
                Some(v) => v.udata_value(),
                None => None,
            };
            let (Some(line), Some(file_index)) = (line, file_index) else {
                continue;
            };
            let Some(program) = &unit.line_program else {
                continue;
            };
            let header = program.header();
            let Some(file) = header.file(file_index) else {
                continue;
            };
            let path = text(dwarf.attr_string(&unit, file.path_name())?);
            let dir = match file.directory(header) {
                Some(d) => text(dwarf.attr_string(&unit, d)?),
                None => String::new(),
            };
            let path = if path.starts_with('/') {
                path
            } else if dir.starts_with('/') {
                format!("{dir}/{path}")
            } else if dir.is_empty() || dir == "." {
                if comp_dir.is_empty() {
                    path
                } else {
                    format!("{comp_dir}/{path}")
                }
            } else {
                format!("{comp_dir}/{dir}/{path}")
            };
            let source = sources.entry(path.clone()).or_insert_with(|| {
                std::fs::read_to_string(&path)
                    .ok()
                    .map(|s| s.lines().map(str::to_string).collect())
            });
            let line_text = source
                .as_ref()
                .and_then(|lines| lines.get(line as usize - 1));
            let column = line_text
                .and_then(|l| l.find(name.as_str()))
                .map_or(0, |c| c as u32 + 1);
            found.entry(name).or_insert(Origin::C {
                file: path,
                line,
                column,
                text: line_text.map(|l| l.trim().to_string()),
            });
        }
    }
    Ok(found)
}
