//! Writing results: stdout that tolerates a closed pipe, and `-o` outputs written as the kind
//! of file they name asks (regular files atomically; devices and FIFOs in place, never
//! replaced), with their companion files kept in step.

use crate::error::{CliError, CliResult};
use std::io::{self, Write};
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::{Path, PathBuf};

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

/// What kind of thing an output path names, which decides how it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    /// Nothing there yet: created atomically.
    New,
    /// A regular file (reached directly or through symlinks, `real` being the file itself):
    /// replaced atomically, in `real`'s directory, so a symlink stays a symlink.
    Regular { real: PathBuf },
    /// A character device (`/dev/null`, a terminal) or a FIFO: written in place, never replaced.
    InPlace,
}

/// How `path` must be written, or why it must not be.
fn target_of(path: &Path) -> CliResult<Target> {
    let refuse = |why: String| CliError::bad_input(format!("{}: {why}", path.display()));
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Target::New),
        Err(e) => return Err(refuse(format!("cannot inspect it: {e}"))),
    };
    let (meta, real) =
        if meta.file_type().is_symlink() {
            // Follow the link: the user names the file it points to.
            match std::fs::canonicalize(path) {
                Ok(real) => match std::fs::metadata(&real) {
                    Ok(m) => (m, real),
                    Err(e) => return Err(refuse(format!("cannot inspect what it links to: {e}"))),
                },
                Err(_) => return Err(refuse(
                    "is a symbolic link to nothing (dangling); write to the file it should name, \
                     or remove the link"
                        .into(),
                )),
            }
        } else {
            (meta, path.to_path_buf())
        };
    let ft = meta.file_type();
    if ft.is_file() {
        Ok(Target::Regular { real })
    } else if ft.is_dir() {
        Err(refuse("is a directory".into()))
    } else if ft.is_char_device() || ft.is_fifo() {
        Ok(Target::InPlace)
    } else if ft.is_block_device() {
        Err(refuse(
            "is a block device; refusing to write an object over a disk".into(),
        ))
    } else {
        Err(refuse(
            "is neither a regular file, a character device nor a FIFO (a socket?)".into(),
        ))
    }
}

/// Write `bytes` to output `path`, as the kind of file it names asks:
/// - nothing there, or a regular file: atomically (a temporary file in the same directory,
///   then a rename); a replaced file keeps its permissions; a failure leaves no partial file;
/// - a symbolic link: followed; the file it resolves to is handled as above (replaced in its
///   own directory, so the link stays a link); a dangling link is refused;
/// - a character device (`/dev/null`, `/dev/stdout`) or a FIFO: written in place, never
///   replaced by a regular file;
/// - a directory, a block device or a socket: refused with the reason (exit 2).
///
/// Returns whether `path` is a file (new, regular, or a link to one) rather than a device or
/// FIFO, which decides whether companions belong beside it.
pub fn write_output(path: &Path, bytes: &[u8]) -> CliResult<bool> {
    match target_of(path)? {
        Target::New => write_atomic(path, bytes, None).map(|_| true),
        Target::Regular { real } => {
            let perms = std::fs::metadata(&real).ok().map(|m| m.permissions());
            write_atomic(&real, bytes, perms).map(|_| true)
        }
        Target::InPlace => {
            let fail = |e: io::Error| {
                CliError::bad_input(format!("{}: cannot write: {e}", path.display()))
            };
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .open(path)
                .map_err(fail)?;
            f.write_all(bytes).and_then(|_| f.flush()).map_err(fail)?;
            Ok(false)
        }
    }
}

/// Write output `path` and keep its companions (`X.o.maps.sh`, `X.o.nfp`, `X.h` beside `X.o`)
/// in step with it: each companion left beside a file output by an earlier run is removed first,
/// then the output is written, then each companion whose bytes are `Some` beside it, so they
/// never disagree. A device or FIFO output (`-o /dev/null`) has no companions: nothing is
/// written or removed beside it. Returns whether the companions were written (a file output).
pub fn write_with_companions(
    path: &Path,
    bytes: &[u8],
    companions: &[(PathBuf, Option<&[u8]>)],
) -> CliResult<bool> {
    if !matches!(target_of(path)?, Target::New | Target::Regular { .. }) {
        write_output(path, bytes)?;
        return Ok(false);
    }
    for (companion_path, _) in companions {
        // Only a file (or a link) is ours to remove; anything else there is left alone.
        if let Ok(m) = std::fs::symlink_metadata(companion_path) {
            if m.file_type().is_file() || m.file_type().is_symlink() {
                std::fs::remove_file(companion_path).map_err(|e| {
                    CliError::bad_input(format!(
                        "{}: cannot remove the stale companion of {}: {e}",
                        companion_path.display(),
                        path.display()
                    ))
                })?;
            }
        }
    }
    write_output(path, bytes)?;
    for (companion_path, companion) in companions {
        if let Some(c) = companion {
            write_output(companion_path, c)?;
        }
    }
    Ok(true)
}

/// Write `bytes` to the regular file `path` atomically: a temporary file in the same directory,
/// then a rename. `perms` (those of the file replaced) are kept; a new file gets 0666 less the
/// umask, as `open(2)` would give it. A failure leaves no partial output file behind.
fn write_atomic(path: &Path, bytes: &[u8], perms: Option<std::fs::Permissions>) -> CliResult {
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
        .permissions(std::fs::Permissions::from_mode(0o666))
        .tempfile_in(dir)
        .map_err(|e| fail("create a temporary file beside it", e))?;
    tmp.write_all(bytes).map_err(|e| fail("write", e))?;
    if let Some(p) = perms {
        tmp.as_file()
            .set_permissions(p)
            .map_err(|e| fail("keep its permissions", e))?;
    }
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
        write_output(&p, b"abc").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"abc");
        let missing = dir.path().join("no/such/dir/out.bin");
        assert!(write_output(&missing, b"abc").is_err());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_replaced_file_keeps_its_permissions() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.o");
        std::fs::write(&p, b"old").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o640)).unwrap();
        write_output(&p, b"new").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"new");
        let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
    }

    #[test]
    fn a_symlink_stays_a_link_and_its_target_is_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("sub");
        std::fs::create_dir(&sub).unwrap();
        let real = sub.join("real.o");
        std::fs::write(&real, b"old").unwrap();
        let link = dir.path().join("link.o");
        std::os::unix::fs::symlink("sub/real.o", &link).unwrap();
        assert!(write_output(&link, b"new").unwrap());
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(std::fs::read(&real).unwrap(), b"new");
        // No temporary file is left in either directory.
        assert_eq!(std::fs::read_dir(&sub).unwrap().count(), 1);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);

        let dangling = dir.path().join("dangling.o");
        std::os::unix::fs::symlink("nowhere/x.o", &dangling).unwrap();
        let e = write_output(&dangling, b"x").unwrap_err();
        assert!(e.message.contains("dangling"), "{}", e.message);
        assert_eq!(e.exit_code(), 2);
    }

    #[test]
    fn a_fifo_is_written_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.is_ok_and(|s| s.success()), "mkfifo");
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read(fifo).unwrap())
        };
        assert!(!write_output(&fifo, b"through the pipe").unwrap());
        assert_eq!(reader.join().unwrap(), b"through the pipe");
        assert!(std::fs::symlink_metadata(&fifo)
            .unwrap()
            .file_type()
            .is_fifo());
    }

    #[test]
    fn devices_stay_devices_and_directories_are_refused() {
        assert!(!write_output(Path::new("/dev/null"), b"x").unwrap());
        let m = std::fs::symlink_metadata("/dev/null").unwrap();
        assert!(m.file_type().is_char_device());
        let dir = tempfile::tempdir().unwrap();
        let e = write_output(dir.path(), b"x").unwrap_err();
        assert!(e.message.contains("is a directory"), "{}", e.message);
    }

    #[test]
    fn a_stale_companion_is_removed_and_a_new_one_written() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("x.o");
        let comp = dir.path().join("x.o.maps.sh");
        assert!(
            write_with_companions(&out, b"obj1", &[(comp.clone(), Some(&b"script"[..]))]).unwrap()
        );
        assert_eq!(std::fs::read(&comp).unwrap(), b"script");
        assert!(write_with_companions(&out, b"obj2", &[(comp.clone(), None)]).unwrap());
        assert!(!comp.exists());
        assert_eq!(std::fs::read(&out).unwrap(), b"obj2");
        // Beside a device nothing is written or removed.
        let w = write_with_companions(
            Path::new("/dev/null"),
            b"obj",
            &[(dir.path().join("null.maps.sh"), Some(&b"s"[..]))],
        )
        .unwrap();
        assert!(!w);
        assert!(!dir.path().join("null.maps.sh").exists());
    }
}
