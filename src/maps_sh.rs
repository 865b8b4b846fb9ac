//! The `OUT.maps.sh` companion that `build -o OUT` writes beside an object: the HASH set
//! contents an ELF object cannot carry, as `bpftool map update` commands. `run` reads it back
//! into the program's `MapDef::initial_entries`, so every engine starts with the sets filled.
//!
//! Only what the builder writes is accepted: comments, blank lines, `set -e`, and
//!
//! ```text
//! bpftool map update name MAP key hex 0a 01 00 01 value hex 01
//! ```
//!
//! Anything else (another command, `id N`, flags, a shell construct) is refused with the file
//! and line: this is data, never a script that is run.

use crate::error::{CliError, CliResult};
use ir::Program;
use std::path::{Path, PathBuf};

/// The companion of `object`: `OBJECT.maps.sh`.
pub fn companion_path(object: &Path) -> PathBuf {
    let mut s = object.as_os_str().to_owned();
    s.push(".maps.sh");
    PathBuf::from(s)
}

/// The kernel keeps the first 15 bytes of a map's name; bpftool's `name` is that.
const KERNEL_NAME_LEN: usize = 15;

/// One `bpftool map update` line.
#[derive(Debug, PartialEq, Eq)]
struct Update {
    map: String,
    key: Vec<u8>,
    value: Vec<u8>,
}

const EXPECTED: &str =
    "expected `bpftool map update name MAP key hex BYTES.. value hex BYTES..` (the lines `build` writes)";

/// Parse one non-comment line.
fn parse_line(line: &str) -> Result<Update, String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let Some(["bpftool", "map", "update", "name", map, "key", "hex", rest @ ..]) =
        Some(words.as_slice())
    else {
        return Err(format!("{EXPECTED}; got `{line}`"));
    };
    let Some(split) = rest.iter().position(|w| *w == "value") else {
        return Err(format!("no `value hex ..` ({EXPECTED})"));
    };
    let (key, value) = (&rest[..split], &rest[split + 1..]);
    let Some((&"hex", value)) = value.split_first() else {
        return Err(format!("`value` must be followed by `hex` ({EXPECTED})"));
    };
    let bytes = |words: &[&str], what: &str| -> Result<Vec<u8>, String> {
        if words.is_empty() {
            return Err(format!("the {what} has no bytes"));
        }
        words
            .iter()
            .map(|w| {
                if w.len() == 2 {
                    u8::from_str_radix(w, 16).ok()
                } else {
                    None
                }
                .ok_or_else(|| format!("`{w}` in the {what} is not a two-digit hex byte"))
            })
            .collect()
    };
    Ok(Update {
        map: map.to_string(),
        key: bytes(key, "key")?,
        value: bytes(value, "value")?,
    })
}

/// Put the entries of companion `text` (read from `path`, for messages) into `prog`'s maps;
/// returns how many lines were applied. A later update of the same key replaces the earlier
/// one, as `bpftool map update` does.
pub fn apply(prog: &mut Program, path: &Path, text: &str) -> CliResult<usize> {
    let mut applied = 0;
    for (i, raw) in text.lines().enumerate() {
        let at = |m: String| CliError::bad_input(format!("{}:{}: {m}", path.display(), i + 1));
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line == "set -e" {
            continue;
        }
        let u = parse_line(line).map_err(at)?;
        let short = |n: &str| n.chars().take(KERNEL_NAME_LEN).collect::<String>();
        let names = || {
            prog.maps
                .iter()
                .map(|m| m.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let Some(map) = prog
            .maps
            .iter()
            .position(|m| m.name == u.map || short(&m.name) == u.map)
        else {
            return Err(at(format!(
                "the program has no map named `{}` (its maps: {})",
                u.map,
                names()
            )));
        };
        let m = &mut prog.maps[map];
        if u.key.len() != m.key_size as usize || u.value.len() != m.value_size as usize {
            return Err(at(format!(
                "map `{}` has {}-byte keys and {}-byte values; this line has {} and {}",
                m.name,
                m.key_size,
                m.value_size,
                u.key.len(),
                u.value.len()
            )));
        }
        if let Some(e) = m.initial_entries.iter_mut().find(|(k, _)| *k == u.key) {
            e.1 = u.value;
        } else {
            if m.initial_entries.len() >= m.max_entries as usize {
                return Err(at(format!(
                    "map `{}` is full ({} entries)",
                    m.name, m.max_entries
                )));
            }
            m.initial_entries.push((u.key, u.value));
        }
        applied += 1;
    }
    Ok(applied)
}

/// When `object` has a companion beside it, fill `prog`'s maps from it; the companion's path
/// and the number of entries applied.
pub fn load_companion(object: &Path, prog: &mut Program) -> CliResult<Option<(PathBuf, usize)>> {
    if object == Path::new("-") {
        return Ok(None);
    }
    let path = companion_path(object);
    if !path.exists() {
        return Ok(None);
    }
    let bytes = crate::input::read_limited(&path, crate::input::Limit::Companion)?;
    let text = String::from_utf8(bytes)
        .map_err(|_| CliError::bad_input(format!("{}: not UTF-8 text", path.display())))?;
    let n = apply(prog, &path, &text)?;
    Ok(Some((path, n)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ir::{MapDef, MapType, ProgType};

    fn prog() -> Program {
        let mut p = Program::new(ProgType::Xdp, Vec::new());
        p.maps = vec![
            MapDef::new("a_long_map_name_here", MapType::Hash, 4, 1, 2),
            MapDef::new("set1", MapType::Hash, 2, 1, 8),
        ];
        p
    }

    fn apply_text(text: &str) -> Result<Program, String> {
        let mut p = prog();
        apply(&mut p, Path::new("x.o.maps.sh"), text).map_err(|e| e.to_string())?;
        Ok(p)
    }

    #[test]
    fn builder_lines_fill_the_maps() {
        let p = apply_text(
            "#!/bin/sh\n# comment\nset -e\n\n\
             bpftool map update name a_long_map_name key hex 0a 00 00 01 value hex 01\n\
             bpftool map update name set1 key hex 00 50 value hex 01\n\
             bpftool map update name set1 key hex 00 50 value hex 02\n",
        )
        .unwrap();
        assert_eq!(
            p.maps[0].initial_entries,
            vec![(vec![10, 0, 0, 1], vec![1])]
        );
        assert_eq!(p.maps[1].initial_entries, vec![(vec![0, 0x50], vec![2])]);
    }

    #[test]
    fn anything_else_is_refused_with_its_line() {
        for (text, words) in [
            ("rm -rf /\n", "expected `bpftool map update name MAP"),
            (
                "bpftool map update id 3 key hex 00 value hex 01",
                "expected",
            ),
            (
                "bpftool map update name set1 key hex 00 50",
                "no `value hex",
            ),
            (
                "bpftool map update name set1 key hex 00 50 value 01",
                "followed by `hex`",
            ),
            (
                "bpftool map update name set1 key hex 00 5 value hex 01",
                "`5` in the key",
            ),
            (
                "bpftool map update name set1 key hex value hex 01",
                "key has no bytes",
            ),
            (
                "bpftool map update name set1 key hex 00 50 value hex 01 any",
                "`any` in the value",
            ),
            (
                "bpftool map update name nope key hex 00 value hex 01",
                "no map named `nope`",
            ),
            (
                "bpftool map update name set1 key hex 00 value hex 01",
                "2-byte keys",
            ),
        ] {
            let e = apply_text(&format!("# first\n{text}")).unwrap_err();
            assert!(e.contains("x.o.maps.sh:2: "), "{e}");
            assert!(e.contains(words), "{text}: {e}");
        }
        let full = (0..3)
            .map(|i| {
                format!(
                    "bpftool map update name a_long_map_name key hex 00 00 00 0{i} value hex 01\n"
                )
            })
            .collect::<String>();
        let e = apply_text(&full).unwrap_err();
        assert!(
            e.contains(":3: map `a_long_map_name_here` is full (2 entries)"),
            "{e}"
        );
    }
}
