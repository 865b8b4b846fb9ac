//! C source lines for instructions from `.BTF.ext` line info, for objects that have BTF but no
//! DWARF (built with `clang -g`, then `llvm-objcopy --strip-debug`, which keeps `.BTF` and
//! `.BTF.ext`).
//!
//! Layout (kernel `include/uapi/linux/btf.h`, libbpf `btf.h`):
//!
//! ```text
//! btf_ext_header { u16 magic = 0xeb9f; u8 version = 1; u8 flags; u32 hdr_len;
//!                  u32 func_info_off, func_info_len, line_info_off, line_info_len; ... }
//! line info (at hdr_len + line_info_off): u32 rec_size;
//!     then per section: { u32 sec_name_off; u32 num_info; bpf_line_info[num_info] }
//! bpf_line_info { u32 insn_off; u32 file_name_off; u32 line_off; u32 line_col }
//! ```
//!
//! In an object file `insn_off` is a byte offset in the section; `line_col` is `line << 10 |
//! column`; the names and the line's own text are strings of `.BTF`. A record covers its
//! instruction and those after it up to the next record of the section.

use super::btf::Btf;
use super::ElfError;
use crate::program::Origin;
use std::collections::{BTreeMap, HashMap};

const SECTION: &str = ".BTF.ext";
/// Size of the fields of `struct bpf_line_info` that we read.
const LINE_INFO_MIN: u32 = 16;

fn err(offset: usize, message: impl Into<String>) -> ElfError {
    ElfError::at(SECTION, offset as u64, message)
}

fn read_u32(bytes: &[u8], off: usize) -> Option<u32> {
    let b = bytes.get(off..off.checked_add(4)?)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// Line info of every code section, by section index then byte offset.
#[derive(Default, Debug)]
pub(crate) struct BtfLines {
    rows: BTreeMap<(u16, u64), Origin>,
}

impl BtfLines {
    /// Parse the line info of `.BTF.ext` (`data`). `btf` holds the strings; `section_index`
    /// turns a section name into its index in the file (`None`: no such section).
    pub(crate) fn parse(
        data: &[u8],
        btf: &Btf,
        section_index: impl Fn(&str) -> Option<usize>,
    ) -> Result<BtfLines, ElfError> {
        let word = |off: usize, what: &str| {
            read_u32(data, off).ok_or_else(|| err(off, format!("truncated {what}")))
        };
        let magic = data
            .get(0..2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]))
            .ok_or_else(|| err(0, "truncated .BTF.ext header"))?;
        if magic != 0xeb9f {
            return Err(err(0, format!("bad .BTF.ext magic {magic:#06x}")));
        }
        let version = data.get(2).copied().unwrap_or(0);
        if version != 1 {
            return Err(err(2, format!("unsupported .BTF.ext version {version}")));
        }
        let hdr_len = word(4, "header")?;
        if hdr_len < 24 {
            return Err(err(4, format!("header length {hdr_len} is below 24")));
        }
        let (line_off, line_len) = (word(16, "header")?, word(20, "header")?);
        let mut lines = BtfLines::default();
        if line_len == 0 {
            return Ok(lines);
        }
        let start = (hdr_len as usize)
            .checked_add(line_off as usize)
            .ok_or_else(|| err(16, "line info offset overflows"))?;
        let end = start
            .checked_add(line_len as usize)
            .filter(|&e| e <= data.len())
            .ok_or_else(|| {
                err(
                    start,
                    format!(
                        "line info ({line_len} bytes at {start:#x}) extends past the section end ({:#x})",
                        data.len()
                    ),
                )
            })?;
        let rec_size = word(start, "line info record size")?;
        if rec_size < LINE_INFO_MIN || rec_size % 4 != 0 {
            return Err(err(
                start,
                format!("line info record size {rec_size} (expected a multiple of 4, at least 16)"),
            ));
        }
        let rec_size = rec_size as usize;
        let string = |off: u32, at: usize, what: &str| {
            btf.string(off).ok_or_else(|| {
                err(
                    at,
                    format!("{what} offset {off:#x} is not a string of .BTF"),
                )
            })
        };
        // Files read once, for lines whose text BTF leaves empty.
        let mut files: HashMap<String, Option<Vec<String>>> = HashMap::new();
        let mut pos = start + 4;
        while pos < end {
            let sec_name_off = word(pos, "line info section header")?;
            let num = word(pos + 4, "line info section header")? as usize;
            let name = string(sec_name_off, pos, "section name")?;
            let section = section_index(name).ok_or_else(|| {
                err(
                    pos,
                    format!("line info for section '{name}', which the object does not have"),
                )
            })?;
            let section = u16::try_from(section)
                .map_err(|_| err(pos, format!("section index {section} out of range")))?;
            pos += 8;
            let records_end = num
                .checked_mul(rec_size)
                .and_then(|n| n.checked_add(pos))
                .filter(|&e| e <= end)
                .ok_or_else(|| {
                    err(
                        pos,
                        format!(
                            "{num} line info records of section '{name}' extend past the line info"
                        ),
                    )
                })?;
            while pos < records_end {
                let insn_off = word(pos, "line info record")?;
                let file_off = word(pos + 4, "line info record")?;
                let text_off = word(pos + 8, "line info record")?;
                let line_col = word(pos + 12, "line info record")?;
                if insn_off % 8 != 0 {
                    return Err(err(
                        pos,
                        format!("line info insn_off {insn_off:#x} of '{name}' is not an instruction boundary"),
                    ));
                }
                let file = string(file_off, pos + 4, "file name")?.to_string();
                let text = string(text_off, pos + 8, "line text")?.trim();
                let line = line_col >> 10;
                let column = line_col & 0x3ff;
                let text = if !text.is_empty() {
                    Some(text.to_string())
                } else {
                    let src = files.entry(file.clone()).or_insert_with(|| {
                        std::fs::read_to_string(&file)
                            .ok()
                            .map(|s| s.lines().map(str::to_string).collect())
                    });
                    src.as_ref()
                        .and_then(|l| l.get((line as usize).checked_sub(1)?))
                        .map(|l| l.trim().to_string())
                };
                if line > 0 {
                    lines.rows.insert(
                        (section, insn_off as u64),
                        Origin::C {
                            file,
                            line,
                            column,
                            text,
                        },
                    );
                }
                pos += rec_size;
            }
        }
        Ok(lines)
    }

    /// Whether no instruction has a line.
    pub(crate) fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The origin of the instruction at byte `offset` of section `section`: the last record
    /// at or before it in that section.
    pub(crate) fn origin(&self, section: u16, offset: u64) -> Option<Origin> {
        let (&(sec, _), origin) = self.rows.range(..=(section, offset)).next_back()?;
        (sec == section).then(|| origin.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A `.BTF` with no types and the strings `xdp`, `f.c`, `  return 1;`, `.text`.
    fn btf() -> Btf {
        let strings = b"\0xdp\0f.c\0  return 1;\0.text\0";
        let mut b = Vec::new();
        b.extend_from_slice(&0xeb9fu16.to_le_bytes());
        b.extend_from_slice(&[1, 0]);
        for w in [24u32, 0, 0, 0, strings.len() as u32] {
            b.extend_from_slice(&w.to_le_bytes());
        }
        b.extend_from_slice(strings);
        Btf::parse(&b).unwrap()
    }
    const XDP: u32 = 1;
    const FILE: u32 = 5;
    const TEXT: u32 = 9;
    const DOT_TEXT: u32 = 21;

    /// `.BTF.ext` with the given line info sections: (section name offset, records).
    fn ext(sections: &[(u32, &[[u32; 4]])]) -> Vec<u8> {
        let mut info = 16u32.to_le_bytes().to_vec();
        for (name, recs) in sections {
            info.extend_from_slice(&name.to_le_bytes());
            info.extend_from_slice(&(recs.len() as u32).to_le_bytes());
            for r in *recs {
                r.iter()
                    .for_each(|w| info.extend_from_slice(&w.to_le_bytes()));
            }
        }
        let mut b = Vec::new();
        b.extend_from_slice(&0xeb9fu16.to_le_bytes());
        b.extend_from_slice(&[1, 0]);
        for w in [32u32, 0, 0, 0, info.len() as u32, 0, 0] {
            b.extend_from_slice(&w.to_le_bytes());
        }
        b.extend_from_slice(&info);
        b
    }

    fn sections(name: &str) -> Option<usize> {
        match name {
            "xdp" => Some(3),
            ".text" => Some(2),
            _ => None,
        }
    }

    fn sample() -> Vec<u8> {
        ext(&[
            (XDP, &[[0, FILE, TEXT, 4 << 10 | 3], [16, FILE, 0, 7 << 10]]),
            (DOT_TEXT, &[[0, FILE, TEXT, 2 << 10]]),
        ])
    }

    #[test]
    fn records_cover_their_instructions_until_the_next_record() {
        let lines = BtfLines::parse(&sample(), &btf(), sections).unwrap();
        let line = |sec, off| match lines.origin(sec, off) {
            Some(Origin::C {
                file,
                line,
                column,
                text,
            }) => Some((file, line, column, text)),
            _ => None,
        };
        let first = Some(("f.c".to_string(), 4, 3, Some("return 1;".to_string())));
        assert_eq!(line(3, 0), first);
        assert_eq!(line(3, 8), first);
        // Empty line text and no readable file: no text.
        assert_eq!(line(3, 16), Some(("f.c".into(), 7, 0, None)));
        assert_eq!(line(3, 800).map(|l| l.1), Some(7));
        assert_eq!(line(2, 0).map(|l| l.1), Some(2));
        assert_eq!(line(1, 0), None);
    }

    #[test]
    fn malformed_line_info_is_an_error_with_its_offset() {
        let cases: Vec<(Vec<u8>, u64, &str)> = vec![
            (vec![0x9f], 0, "truncated"),
            (sample()[..40].to_vec(), 32, "past the section end"),
            (ext(&[(99, &[])]), 36, "section name offset 0x63"),
            (
                ext(&[(FILE, &[])]),
                36,
                "section 'f.c', which the object does not have",
            ),
            (
                ext(&[(XDP, &[[4, FILE, TEXT, 0]])]),
                44,
                "not an instruction boundary",
            ),
            (ext(&[(XDP, &[[0, 1000, TEXT, 0]])]), 48, "file name offset"),
            (ext(&[(XDP, &[[0, FILE, 1000, 0]])]), 52, "line text offset"),
        ];
        for (bytes, offset, words) in cases {
            let e = BtfLines::parse(&bytes, &btf(), sections).unwrap_err();
            assert_eq!(e.section.as_deref(), Some(".BTF.ext"), "{e}");
            assert_eq!(e.offset, Some(offset), "{e}");
            assert!(e.message.contains(words), "{e}");
        }
        // A record count that runs past the line info.
        let mut b = ext(&[(XDP, &[[0, FILE, TEXT, 0]])]);
        b[40..44].copy_from_slice(&1000u32.to_le_bytes());
        let e = BtfLines::parse(&b, &btf(), sections).unwrap_err();
        assert!(e.message.contains("1000 line info records"), "{e}");
    }

    proptest! {
        /// Any truncation or corruption is an error or a table, never a panic.
        #[test]
        fn corrupt_line_info_never_panics(
            cut in 0usize..120,
            flips in proptest::collection::vec((0usize..120, any::<u8>()), 0..4),
        ) {
            let mut b = sample();
            for (at, v) in flips {
                if let Some(x) = b.get_mut(at) {
                    *x = v;
                }
            }
            b.truncate(cut);
            if let Err(e) = BtfLines::parse(&b, &btf(), sections) {
                prop_assert_eq!(e.section.as_deref(), Some(".BTF.ext"));
            }
        }
    }
}
