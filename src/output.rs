//! Writing results: stdout that tolerates a closed pipe, and output files written atomically.

use crate::error::{CliError, CliResult};
use std::io::{self, Write};
use std::path::Path;

/// Write `text` to stdout. A closed pipe (`| head`) ends the process quietly with status 0.
pub fn print(text: &str) {
    let mut out = io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        if e.kind() == io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: writing to stdout: {e}");
        std::process::exit(2);
    }
}

/// Write `bytes` to `path` atomically: a temporary file in the same directory, then a rename.
/// A failure leaves no partial output file behind.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> CliResult {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let fail = |what: &str, e: io::Error| {
        CliError::bad_input(format!("{}: cannot {what}: {e}", path.display()))
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".bpf-offload-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| fail("create a temporary file beside it", e))?;
    tmp.write_all(bytes).map_err(|e| fail("write", e))?;
    tmp.as_file().sync_all().map_err(|e| fail("sync", e))?;
    tmp.persist(path)
        .map_err(|e| fail("rename into place", e.error))?;
    Ok(())
}

/// Lower-case hex of `bytes`, no separators.
pub fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// Parse hex bytes; spaces, `:` and a leading `0x` are allowed (`--packet`, `--mem`, plugin input).
pub fn parse_hex(what: &str, text: &str) -> CliResult<Vec<u8>> {
    let t = text.trim();
    let t = t.strip_prefix("0x").unwrap_or(t);
    let digits: Vec<(usize, char)> = t
        .char_indices()
        .filter(|(_, c)| !c.is_whitespace() && *c != ':')
        .collect();
    if let Some((pos, c)) = digits.iter().find(|(_, c)| !c.is_ascii_hexdigit()) {
        return Err(CliError::bad_input(format!(
            "{what}: expected hex digits, found `{c}` at column {}",
            pos + 1
        )));
    }
    if !digits.len().is_multiple_of(2) {
        return Err(CliError::bad_input(format!(
            "{what}: expected an even number of hex digits, found {}",
            digits.len()
        )));
    }
    Ok(digits
        .chunks(2)
        .map(|p| {
            let hi = p[0].1.to_digit(16).unwrap_or(0) as u8;
            let lo = p[1].1.to_digit(16).unwrap_or(0) as u8;
            hi << 4 | lo
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip() {
        assert_eq!(parse_hex("x", "0a:0B ff").unwrap(), vec![10, 11, 255]);
        assert_eq!(hex(&[10, 11, 255]), "0a0bff");
        assert!(parse_hex("x", "0g").is_err());
        assert!(parse_hex("x", "abc").is_err());
    }

    #[test]
    fn atomic_write_leaves_nothing_on_failure() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.bin");
        write_atomic(&p, b"abc").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"abc");
        let missing = dir.path().join("no/such/dir/out.bin");
        assert!(write_atomic(&missing, b"abc").is_err());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
