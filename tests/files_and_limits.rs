//! Output files and input limits, through the real binary in a scratch folder:
//! - `-o` over a device, a FIFO or a symlink is written as the user meant, never replaced by a
//!   regular file (`-o /dev/null` leaves /dev/null a character device — the bug bit as root);
//!   a `X.o.maps.sh` companion is written and removed with its object, never left stale;
//! - every input (`check`, `run`, `asm -`, `--pcap`, `--caps`, `build -f`) refuses `/dev/zero`
//!   with exit 2 and an error naming its limit (it used to read forever);
//! - pcap filters nested 10,000 deep exit 2 (they overflowed the stack), a 100,000-digit token
//!   is not echoed in full, and `--repeat` is capped.

use std::os::unix::fs::FileTypeExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn bin(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bpf-offload"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .expect("run bpf-offload")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const PROG: &str = "r0 = 2\nexit\n";

fn scratch() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ok.s"), PROG).unwrap();
    dir
}

#[test]
fn dev_null_stays_a_character_device() {
    let dir = scratch();
    for args in [
        &["asm", "ok.s", "-o", "/dev/null"][..],
        &["build", "--from", "pcap", "tcp port 80", "-o", "/dev/null"][..],
    ] {
        let o = bin(args, dir.path());
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
        let m = std::fs::symlink_metadata("/dev/null").unwrap();
        assert!(
            m.file_type().is_char_device(),
            "{args:?} replaced /dev/null"
        );
    }
    assert!(!Path::new("/dev/null.maps.sh").exists());
}

#[test]
fn a_fifo_gets_the_bytes_and_stays_a_fifo() {
    let dir = scratch();
    let fifo = dir.path().join("out.fifo");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(fifo).unwrap())
    };
    let o = bin(&["asm", "ok.s", "-o", "out.fifo"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let got = reader.join().unwrap();
    // `r0 = 2; exit` as raw instructions: two 8-byte words.
    assert_eq!(got.len(), 16);
    assert_eq!(got[0], 0xb7);
    let m = std::fs::symlink_metadata(&fifo).unwrap();
    assert!(m.file_type().is_fifo());
}

#[test]
fn a_symlink_is_followed_and_stays_a_link() {
    let dir = scratch();
    std::fs::create_dir(dir.path().join("objs")).unwrap();
    std::fs::write(dir.path().join("objs/real.bin"), b"old").unwrap();
    std::os::unix::fs::symlink("objs/real.bin", dir.path().join("link.bin")).unwrap();
    let o = bin(&["asm", "ok.s", "-o", "link.bin"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let m = std::fs::symlink_metadata(dir.path().join("link.bin")).unwrap();
    assert!(m.file_type().is_symlink());
    assert_eq!(
        std::fs::read(dir.path().join("objs/real.bin"))
            .unwrap()
            .len(),
        16
    );
    // A dangling link is refused, and nothing is created.
    std::os::unix::fs::symlink("nowhere/x.bin", dir.path().join("dangling.bin")).unwrap();
    let o = bin(&["asm", "ok.s", "-o", "dangling.bin"], dir.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("dangling"), "{}", stderr(&o));
    // A directory is refused.
    let o = bin(&["asm", "ok.s", "-o", "objs"], dir.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("is a directory"), "{}", stderr(&o));
}

#[test]
fn the_companion_follows_its_object() {
    let dir = scratch();
    let rules: String = (0..40)
        .map(|i| format!("-A INPUT -s 10.1.{i}.7 -j DROP\n"))
        .collect();
    std::fs::write(dir.path().join("set.rules"), rules).unwrap();
    let companion = dir.path().join("x.o.maps.sh");
    let o = bin(
        &[
            "build",
            "--from",
            "iptables",
            "-f",
            "set.rules",
            "-o",
            "x.o",
        ],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(companion.exists(), "a HASH set needs its companion");
    // The same output rebuilt without sets: the old companion goes with the old object.
    let o = bin(
        &[
            "build",
            "--from",
            "iptables",
            "-A INPUT -p tcp --dport 80 -j DROP",
            "-o",
            "x.o",
        ],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!companion.exists(), "a stale companion was left beside x.o");
    let o = bin(&["run", "x.o", "--packet", &"00".repeat(60)], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn dev_zero_as_any_input_is_refused_naming_the_limit() {
    let dir = scratch();
    for (args, limit) in [
        (&["check", "/dev/zero"][..], "64 MiB limit for a program"),
        (&["run", "/dev/zero"][..], "64 MiB limit for a program"),
        (&["disasm", "/dev/zero"][..], "64 MiB limit for a program"),
        (
            &["run", "ok.s", "--pcap", "/dev/zero"][..],
            "256 MiB limit for a capture",
        ),
        (
            &["check", "ok.s", "--target", "nfp", "--caps", "/dev/zero"][..],
            "1 MiB limit for a --caps file",
        ),
        (
            &["build", "--from", "nft", "-f", "/dev/zero"][..],
            "16 MiB limit for rule text",
        ),
    ] {
        let o = bin(args, dir.path());
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(limit), "{args:?}: {}", stderr(&o));
    }
    // Standard input: `asm -` and `plugin` read it within the program limit too.
    for args in [&["asm", "-"][..], &["plugin"][..]] {
        let o = Command::new(env!("CARGO_BIN_EXE_bpf-offload"))
            .args(args)
            .current_dir(dir.path())
            .stdin(std::fs::File::open("/dev/zero").unwrap())
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("64 MiB limit for a program"),
            "{args:?}: {}",
            stderr(&o)
        );
    }
}

#[test]
fn deep_nesting_and_long_tokens_are_bad_input_with_short_errors() {
    let dir = scratch();
    let nested = format!("{}tcp{}", "(".repeat(10_000), ")".repeat(10_000));
    let nots = format!("{}tcp", "not ".repeat(10_000));
    let xors = format!("ip[0] = 1{}", " ^ 1".repeat(10_000));
    for filter in [&nested, &nots, &xors] {
        let o = bin(
            &["build", "--from", "pcap", filter, "--emit", "asm"],
            dir.path(),
        );
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(
            stderr(&o).contains("nests more than 256 levels"),
            "{}",
            stderr(&o)
        );
        assert!(o.stderr.len() < 2_000, "{} bytes of stderr", o.stderr.len());
    }
    // A 100,000-digit token is named, not echoed in full (it was, four times).
    let digits = "9".repeat(100_000);
    for args in [
        vec!["build", "--from", "pcap", "tcp port PLACE"],
        vec![
            "build",
            "--from",
            "iptables",
            "-A INPUT -p tcp --dport PLACE -j DROP",
        ],
        vec!["run", "ok.s", "--repeat", "PLACE"],
    ] {
        let args: Vec<String> = args.iter().map(|a| a.replace("PLACE", &digits)).collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = bin(&args, dir.path());
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(o.stderr.len() < 4_000, "{} bytes of stderr", o.stderr.len());
        assert!(stderr(&o).contains("chars]"), "{}", stderr(&o));
    }
}

#[test]
fn repeat_is_capped() {
    let dir = scratch();
    let o = bin(&["run", "ok.s", "--repeat", "4294967295"], dir.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("1..=1000000"), "{}", stderr(&o));
    let o = bin(&["run", "ok.s", "--repeat", "1000"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}
