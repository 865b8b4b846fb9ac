//! `bpf-offload build --from iptables|ip6tables|nft|flower|ethtool`: rules as arguments, from a
//! file and from standard input; diagnostics with carets and exit code 2; the attach point and
//! notes on stderr; the 10,000-rule blocklist through the real binary.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn build(args: &[&str], stdin: Option<&str>, dir: &Path) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_bpf-offload"))
        .arg("build")
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn bpf-offload");
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(text.as_bytes())
            .expect("write stdin");
    }
    drop(child.stdin.take());
    child.wait_with_output().expect("wait")
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn rules_as_arguments() {
    let dir = tempfile::tempdir().expect("tempdir");
    let o = build(
        &[
            "--from",
            "iptables",
            "-A INPUT -i eth0 -p tcp --dport 80 -j DROP",
            "--emit",
            "asm",
        ],
        None,
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("exit"));
    assert!(
        err(&o).contains("note: the rules name eth0 ingress"),
        "{}",
        err(&o)
    );
    // Several rules, one per argument.
    let o = build(
        &[
            "--from",
            "iptables",
            "-A INPUT -p tcp --dport 22 -j ACCEPT",
            "-A INPUT -p tcp -j DROP",
            "--emit",
            "asm",
        ],
        None,
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(err(&o).contains("(2 rules)"), "{}", err(&o));
    for (syntax, rule) in [
        ("nft", "add rule ip filter input tcp dport 80 drop"),
        ("flower", "tc filter add dev eth0 ingress protocol ip flower ip_proto tcp dst_port 80 action drop"),
        ("ethtool", "ethtool -U eth0 flow-type tcp4 dst-port 80 action -1"),
        ("ip6tables", "-A INPUT -p tcp --dport 80 -j DROP"),
    ] {
        let o = build(&["--from", syntax, rule, "-o", "out.o"], None, dir.path());
        assert_eq!(o.status.code(), Some(0), "{syntax}: {}", err(&o));
        assert!(dir.path().join("out.o").exists());
    }
}

#[test]
fn files_and_stdin() {
    let dir = tempfile::tempdir().expect("tempdir");
    let nft = "table netdev t {\n  chain c {\n    type filter hook ingress device eth0 priority 0;\n    tcp dport { 22, 80 } drop\n  }\n}\n";
    let o = build(
        &["--from", "nft", "-f", "-", "--emit", "asm"],
        Some(nft),
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let mut save =
        String::from("*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n");
    for i in 0..10_000u32 {
        save.push_str(&format!(
            "-A INPUT -s 198.{}.{}.7/32 -j DROP\n",
            i >> 8,
            i & 255
        ));
    }
    save.push_str("COMMIT\n");
    std::fs::write(dir.path().join("blocklist.v4"), &save).expect("write");
    let o = build(
        &["--from", "iptables", "-f", "blocklist.v4", "-o", "bl.o"],
        None,
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let report = String::from_utf8_lossy(&o.stdout);
    assert!(
        report.contains("10000 rules") && report.contains("1 map"),
        "{report}"
    );
    let o = build(
        &[
            "--from",
            "iptables",
            "-f",
            "blocklist.v4",
            "-A INPUT -j DROP",
        ],
        None,
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn diagnostics_have_carets_and_exit_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let o = build(
        &[
            "--from",
            "iptables",
            "-A INPUT -p tcp --dport 80 -j drop",
            "--emit",
            "asm",
        ],
        None,
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(2));
    let e = err(&o);
    assert!(
        e.contains("1:31: no chain or target named 'drop'")
            && e.contains("^^^^")
            && e.contains("'DROP'"),
        "{e}"
    );
    let o = build(
        &[
            "--from",
            "flower",
            "tc filter add dev eth0 ingress flower ip_proto tcp action drop",
        ],
        None,
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err(&o).contains("Illegal \"eth_type\" for ip proto"),
        "{}",
        err(&o)
    );
    let o = build(&["--from", "nft", "-f", "-"], Some("table ip t {\n  chain c {\n    type filter hook input priority 0;\n    ct state established accept\n  }\n}\n"), dir.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err(&o).contains("4:5:") && err(&o).contains("connection-tracking"),
        "{}",
        err(&o)
    );
    let o = build(
        &[
            "--from",
            "ethtool",
            "ethtool -N eth0 flow-type udp4 dst-port 53 action 3",
            "--emit",
            "asm",
        ],
        None,
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(0));
    assert!(err(&o).contains("queue"), "{}", err(&o));
}

/// `--rule '-A INPUT ...'` as documented; `--default drop` refused where the rules set the
/// policy themselves; an empty input refused alike in every syntax; a rule set whose rules
/// are all in a table that is not compiled refused (never an empty program with exit 0).
#[test]
fn rule_option_default_and_empty_inputs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let o = build(
        &[
            "--from",
            "iptables",
            "--rule",
            "-A INPUT -p tcp --dport 80 -j DROP",
            "--emit",
            "asm",
        ],
        None,
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(err(&o).contains("(1 rule)"), "{}", err(&o));
    for (syntax, rule) in [
        ("iptables", "-A INPUT -p tcp --dport 80 -j DROP"),
        ("nft", "add rule ip t input tcp dport 80 drop"),
        (
            "flower",
            "tc filter add dev eth0 ingress protocol ip flower ip_proto tcp dst_port 80 action drop",
        ),
    ] {
        let o = build(
            &["--from", syntax, rule, "--default", "drop", "--emit", "asm"],
            None,
            dir.path(),
        );
        assert_eq!(o.status.code(), Some(2), "{syntax}: {}", err(&o));
        assert!(err(&o).contains("--default drop has no effect"), "{}", err(&o));
    }
    for syntax in ["pcap", "iptables", "ip6tables", "nft", "flower", "ethtool"] {
        let o = build(
            &["--from", syntax, "-f", "-", "--emit", "asm"],
            Some("\n  \n"),
            dir.path(),
        );
        assert_eq!(o.status.code(), Some(2), "{syntax}: {}", err(&o));
        assert!(
            err(&o).contains("the input is empty"),
            "{syntax}: {}",
            err(&o)
        );
    }
    let nat = "*nat\n-A POSTROUTING -o eth0 -j MASQUERADE\nCOMMIT\n";
    let o = build(
        &["--from", "iptables", "-f", "-", "--emit", "asm"],
        Some(nat),
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(
        err(&o).contains("table 'nat' is not compiled"),
        "{}",
        err(&o)
    );
}
