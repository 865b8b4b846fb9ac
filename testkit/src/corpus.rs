//! The corpus: XDP and TC programs in assembly (`testkit/corpus/*.s`), each with packets and the
//! results the program must give. Every engine runs it (interpreter, JITs, the NFP model) and
//! the kernel is its oracle.
//!
//! A program file states its cases in comment lines before or between the instructions:
//! ```text
//! # case: eth ipv4 tcp/dport=80 => r0=1 action=drop
//! # case: eth ipv4 tcp/dport=81 => r0=2 out=eth ipv4 tcp/dport=81
//! # case-hex: 0011223344 => r0=2 outhex=0011
//! ```
//! The left side is a packet in the [`crate::packet`] language (or hex for `case-hex`); the right
//! side lists `r0=N` (required), `action=NAME` and the expected packet afterwards as `out=...`
//! (packet language, to the end of the line) or `outhex=HEX`. Packets are at least 14 bytes, the
//! smallest frame the kernel's `BPF_PROG_TEST_RUN` accepts. Each case runs on freshly created maps.

use crate::packet;
use std::path::{Path, PathBuf};

/// One packet and what the program must return for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    /// 1-based line of the case in its file.
    pub line: usize,
    /// The packet the program runs on.
    pub packet: Vec<u8>,
    /// Expected r0.
    pub r0: u64,
    /// Expected action name (`drop`, `pass`, `ok`, `shot`, ...).
    pub action: Option<String>,
    /// The packet after the run, when the case states it.
    pub out: Option<Vec<u8>>,
}

/// One corpus program.
#[derive(Debug, Clone)]
pub struct Entry {
    /// File stem, e.g. `parse_ipv4`.
    pub name: String,
    /// Path of the file.
    pub path: PathBuf,
    /// The whole file (assembly with the case comments).
    pub source: String,
    /// Its cases, in file order.
    pub cases: Vec<Case>,
}

/// The corpus folder.
pub fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus")
}

/// The repository's `examples/` folder: its `.s` programs carry cases too and belong to the
/// corpus (the README's canonical example among them).
pub fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples")
}

/// Load every `.s` file of the corpus and of `examples/`, sorted by name.
pub fn load_all() -> Result<Vec<Entry>, String> {
    let mut paths: Vec<PathBuf> = Vec::new();
    for d in [dir(), examples_dir()] {
        paths.extend(
            std::fs::read_dir(&d)
                .map_err(|e| format!("{}: {e}", d.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "s")),
        );
    }
    paths.sort_by_key(|p| p.file_name().map(|n| n.to_os_string()));
    paths.iter().map(|p| load(p)).collect()
}

/// Load one corpus file.
pub fn load(path: &Path) -> Result<Entry, String> {
    let source = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut cases = Vec::new();
    for (i, line) in source.lines().enumerate() {
        let t = line.trim_start();
        let (hex, rest) = if let Some(r) = t.strip_prefix("# case:") {
            (false, r)
        } else if let Some(r) = t.strip_prefix("# case-hex:") {
            (true, r)
        } else {
            continue;
        };
        let at = |m: String| format!("{}:{}: {m}", path.display(), i + 1);
        let (pkt, want) = rest
            .split_once("=>")
            .ok_or_else(|| at("expected `PACKET => r0=N ...`".into()))?;
        let packet = if hex {
            parse_hex(pkt.trim()).ok_or_else(|| at(format!("bad hex `{}`", pkt.trim())))?
        } else {
            packet::build(pkt.trim()).map_err(|e| at(e.to_string()))?
        };
        if packet.len() < 14 {
            return Err(at(format!(
                "the packet is {} bytes; the kernel's BPF_PROG_TEST_RUN needs at least 14",
                packet.len()
            )));
        }
        let mut case = Case {
            line: i + 1,
            packet,
            r0: u64::MAX,
            action: None,
            out: None,
        };
        let mut have_r0 = false;
        let want = want.trim();
        let (fields, out_desc) = match want.find("out=") {
            Some(p) if !want[..p].ends_with("hex") => (&want[..p], Some(&want[p + 4..])),
            _ => (want, None),
        };
        for f in fields.split_whitespace() {
            let (k, v) = f
                .split_once('=')
                .ok_or_else(|| at(format!("expected key=value, found `{f}`")))?;
            match k {
                "r0" => {
                    let n = if let Some(h) = v.strip_prefix("0x") {
                        u64::from_str_radix(h, 16).ok()
                    } else if let Some(neg) = v.strip_prefix('-') {
                        neg.parse::<u64>().ok().map(|n| n.wrapping_neg())
                    } else {
                        v.parse().ok()
                    };
                    case.r0 = n.ok_or_else(|| at(format!("bad r0 `{v}`")))?;
                    have_r0 = true;
                }
                "action" => case.action = Some(v.to_string()),
                "outhex" => {
                    case.out = Some(parse_hex(v).ok_or_else(|| at(format!("bad hex `{v}`")))?)
                }
                _ => return Err(at(format!("unknown field `{k}` (r0, action, out, outhex)"))),
            }
        }
        if let Some(d) = out_desc {
            case.out = Some(packet::build(d.trim()).map_err(|e| at(e.to_string()))?);
        }
        if !have_r0 {
            return Err(at("a case needs `r0=N`".into()));
        }
        cases.push(case);
    }
    if cases.is_empty() {
        return Err(format!("{}: no `# case:` lines", path.display()));
    }
    Ok(Entry {
        name: path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default(),
        path: path.to_path_buf(),
        source,
        cases,
    })
}

fn parse_hex(s: &str) -> Option<Vec<u8>> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn corpus_parses_and_is_big_enough() {
        let all = super::load_all().unwrap();
        assert!(all.len() >= 50, "{} programs", all.len());
        let cases: usize = all.iter().map(|e| e.cases.len()).sum();
        assert!(cases >= 150, "{cases} cases");
    }
}
