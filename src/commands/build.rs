//! `bpf-offload build --from SYNTAX 'RULES' [--action A] [--default A] [--hook xdp|tc]
//! [--emit elf|c|asm] [-o OUT] [--json] [--counters]`: rules to a verified eBPF program.
//!
//! The pipeline is syntax-independent except for [`parse_rules`], one match over [`Syntax`]:
//! rules → `RuleSet` → `frontend::lower` → verification (`offload::verify` for the host
//! kernel, and the kernel's own verifier when built in and root) → output. Nothing is written
//! unless the program is verified. Exit 2 for rules
//! that do not parse or cannot be compiled, 1 for a program a verifier rejects.
//!
//! HASH sets: their contents live in `MapDef::initial_entries`, which an ELF object cannot
//! carry. With `--emit elf -o OUT` (or `--emit c -o OUT`, whose C declares the same maps),
//! `OUT.maps.sh` is written beside it: the `bpftool map update` commands that fill the maps
//! once the object is loaded; `run OUT` reads them back (see `maps_sh`).

use crate::cli::TargetArg;
use crate::error::{CliError, CliResult};
use crate::output::{self, print};
use frontend::lower::{self, Hook, LowerOptions, Lowered};
use frontend::ruleset::{Action, RuleSet};
use ir::Program;
use serde_json::json;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The rule languages `--from` accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Syntax {
    /// tcpdump's filter language, pcap-filter(7): matching packets get `--action`.
    Pcap,
    /// iptables command lines (`-A INPUT ...`) or an iptables-save file.
    Iptables,
    /// ip6tables command lines or an ip6tables-save file.
    Ip6tables,
    /// nft commands (`add rule ...`) or an `nft -f` file.
    Nft,
    /// `tc filter add ... flower ...` lines.
    Flower,
    /// `ethtool -N|-U DEV flow-type ...` lines.
    Ethtool,
}

impl Syntax {
    /// The name used in reports and source maps.
    pub fn name(self) -> &'static str {
        match self {
            Syntax::Pcap => "pcap",
            Syntax::Iptables => "iptables",
            Syntax::Ip6tables => "ip6tables",
            Syntax::Nft => "nft",
            Syntax::Flower => "flower",
            Syntax::Ethtool => "ethtool",
        }
    }
}

/// `--action` and `--default` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ActionArg {
    Drop,
    Pass,
    Tx,
    /// Count the match in `rule_hits` and go on (to the default).
    Count,
}

impl ActionArg {
    fn to_action(self) -> Action {
        match self {
            ActionArg::Drop => Action::Drop,
            ActionArg::Pass => Action::Pass,
            ActionArg::Tx => Action::Tx,
            ActionArg::Count => Action::Count,
        }
    }
}

/// `--default` values (terminal actions only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DefaultArg {
    Pass,
    Drop,
}

/// `--hook` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum HookArg {
    Xdp,
    Tc,
}

/// `--emit` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Emit {
    /// An ELF relocatable object (`ip link set dev D xdp obj OUT`, `tc ... bpf da obj OUT`).
    Elf,
    /// Readable C for `clang -O2 -target bpf -c`.
    C,
    /// Assembly text (kernel/LLVM syntax).
    Asm,
}

/// The resolved arguments of `build`.
pub struct BuildArgs {
    pub from: Syntax,
    pub rules: String,
    pub action: ActionArg,
    pub default: DefaultArg,
    pub hook: HookArg,
    pub emit: Emit,
    pub output: Option<PathBuf>,
    pub json: bool,
    pub counters: bool,
    /// `kernel`, `nfp`, or `riscv64` (a native RV64 object of what the kernel target verifies).
    pub target: TargetArg,
    /// With `--target riscv64`: the extensions the code may use.
    pub riscv_ext: jit::riscv64::Extensions,
    /// `--caps` overrides for the NFP profile.
    pub caps: Option<PathBuf>,
}

/// Parse `text` in `syntax` into a rule set. The one syntax-dependent step; an error is the
/// rendered diagnostic (caret under the token).
pub fn parse_rules(
    syntax: Syntax,
    text: &str,
    action: Action,
    default: Action,
) -> Result<RuleSet, String> {
    // Every syntax treats an input without rules alike: there is nothing to compile.
    if text
        .lines()
        .all(|l| l.trim().is_empty() || (syntax != Syntax::Pcap && l.trim().starts_with('#')))
    {
        return Err(format!(
            "error: no {} rules: the input is empty",
            syntax.name()
        ));
    }
    // Only a pcap filter leaves the verdict of other packets open; the other syntaxes say it
    // themselves.
    if syntax != Syntax::Pcap && default != Action::Pass {
        let whose = match syntax {
            Syntax::Iptables | Syntax::Ip6tables => {
                "the built-in chain's policy decides it: write '-P INPUT DROP' (or ':INPUT DROP' in a save file)"
            }
            Syntax::Nft => "the base chain's policy decides it: write 'policy drop;' in the chain",
            _ => "packets no filter matches go on (tc and ethtool pass them): add a rule that drops the rest",
        };
        return Err(format!(
            "error: --default {} has no effect on {} rules: {whose}",
            default,
            syntax.name()
        ));
    }
    let parsed = match syntax {
        Syntax::Pcap => {
            return frontend::pcap::compile(text, action, default)
                .map_err(|e| frontend::diag::render_pcap(&e, "filter", text))
        }
        Syntax::Iptables => frontend::iptables::parse(text),
        Syntax::Ip6tables => frontend::iptables::parse6(text),
        Syntax::Nft => frontend::nft::parse(text),
        Syntax::Flower => frontend::flower::parse(text),
        Syntax::Ethtool => frontend::ethtool::parse(text),
    };
    let parsed = parsed.map_err(|e| e.render("rules", text))?;
    // The rules carry their own verdicts; what they say beside the rules goes to stderr.
    if let Some(a) = &parsed.attach {
        let dir = match a.direction {
            frontend::syntax::Direction::Ingress => "ingress",
            frontend::syntax::Direction::Egress => "egress (XDP cannot run there: use --hook tc)",
        };
        eprintln!(
            "note: the rules name {} {dir}: attach the program there",
            a.dev
        );
    }
    for n in &parsed.notes {
        eprintln!("note: {n}");
    }
    Ok(parsed.ruleset)
}

/// The rule text: the RULE arguments (pcap: one expression; other syntaxes: one rule per
/// argument), or the file given with `-f` (`-f -` reads standard input).
pub fn rules_text(syntax: Syntax, rules: &[String], file: Option<&Path>) -> CliResult<String> {
    match file {
        Some(f) if !rules.is_empty() => {
            let _ = f;
            Err(CliError::bad_input(
                "give rules as arguments or with -f FILE, not both",
            ))
        }
        Some(f) => {
            let bytes = crate::input::read_limited(f, crate::input::Limit::Rules)?;
            String::from_utf8(bytes).map_err(|e| {
                CliError::bad_input(format!(
                    "{}: not UTF-8 text (byte {})",
                    if f == Path::new("-") {
                        "<stdin>".to_string()
                    } else {
                        f.display().to_string()
                    },
                    e.utf8_error().valid_up_to()
                ))
            })
        }
        None if rules.is_empty() => Err(CliError::bad_input("no rules: give RULE... or -f FILE")),
        None if syntax == Syntax::Pcap => Ok(rules.join(" ")),
        None => Ok(rules.join("\n")),
    }
}

/// What the verifiers said.
struct Verdicts {
    /// What our verifier (`offload`, the target's profile) accepted: the program written out
    /// and reported is this one.
    verified: offload::Verified,
    /// The target it was verified for.
    target: String,
    /// The kernel's verdict: `Ok(stats line)`, or `Err(why it did not run)`.
    kernel: Result<String, String>,
}

impl Verdicts {
    /// Our verifier's statistics line.
    fn ours(&self) -> String {
        format!(
            "accepted for target {} (processed {} insns, stack {} bytes)",
            self.target,
            self.verified.stats().processed,
            self.verified.stack_depth()
        )
    }
}

pub fn run(args: BuildArgs) -> CliResult {
    let default = match args.default {
        DefaultArg::Pass => Action::Pass,
        DefaultArg::Drop => Action::Drop,
    };
    let rs = parse_rules(args.from, &args.rules, args.action.to_action(), default)
        .map_err(|d| CliError::bad_input(d.trim_end().to_string()))?;
    let hook = match args.hook {
        HookArg::Xdp => Hook::Xdp,
        HookArg::Tc => Hook::Tc,
    };
    if args.target == TargetArg::X86_64 {
        return Err(CliError::bad_input(
            "--target x86_64: ahead-of-time x86-64 objects are not implemented yet (riscv64 is)",
        ));
    }
    let caps = crate::commands::check::target_caps(args.target, args.caps.as_deref())?;
    let opts = LowerOptions {
        hook,
        counters: args.counters,
        // What the target asks of the code (MOD, bounds, TC pass code) comes from its profile.
        codegen: caps.codegen,
        ..LowerOptions::default()
    };
    let lowered = lower::lower(&rs, &opts).map_err(|e| {
        CliError::bad_input(
            frontend::diag::render_lower(&e, &rs, "rules")
                .trim_end()
                .to_string(),
        )
    })?;
    let verdicts = verify(&lowered.program, &caps)?;
    // The NFP code and what it costs, beside the object.
    let nfp = if args.target == TargetArg::Nfp {
        let profile = crate::nfp::profile(args.caps.as_deref())?;
        Some(crate::nfp::report(&lowered.program, &profile)?)
    } else {
        None
    };

    // `--target riscv64`: the C header of the native object (`OUT.h`), a companion of it.
    let mut header = None;
    let (bytes, companion) = match args.emit {
        Emit::Elf => {
            let Some(path) = &args.output else {
                return Err(CliError::bad_input(
                    "--emit elf writes a binary object: give -o OUT.o",
                ));
            };
            if args.target == TargetArg::Riscv64 {
                let (object, h) = riscv64_object(&verdicts.verified, path, args.riscv_ext)?;
                header = Some(h);
                (object, None)
            } else {
                let elf = ir::elf::write_object(&[without_entries(verdicts.verified.program())])
                    .map_err(|e| CliError::bad_input(format!("{}: {e}", path.display())))?;
                let script = entries_script(&lowered.program, path);
                (elf, script.map(|s| (companion_path(path), s)))
            }
        }
        Emit::C => {
            // The C declares the same maps; their contents are loaded the same way.
            let script = args.output.as_ref().and_then(|path| {
                Some((
                    companion_path(path),
                    entries_script(&lowered.program, path)?,
                ))
            });
            (frontend::c::to_c_with(&rs, &opts).into_bytes(), script)
        }
        Emit::Asm => (
            ir::disasm::disasm_program(verdicts.verified.program(), ir::asm::Syntax::Llvm)
                .into_bytes(),
            None,
        ),
    };
    // The companions are written with the output, and stale ones from an earlier build removed.
    let mut companion = companion;
    if let Some(path) = &args.output {
        let nfp_code = nfp.as_ref().map(|n| n.code_file());
        let mut companions = vec![
            (
                companion_path(path),
                companion.as_ref().map(|(_, s)| s.as_bytes()),
            ),
            (
                crate::nfp::code_path(path),
                nfp_code.as_ref().map(|c| c.as_bytes()),
            ),
        ];
        if let Some(h) = &header {
            companions.push((path.with_extension("h"), Some(h.as_bytes())));
        }
        let written = output::write_with_companions(path, &bytes, &companions)?;
        companion = companion.filter(|_| written);
    }
    let nfp_text = nfp.as_ref().map(|n| {
        let mut t = n.text();
        if let Some(path) = &args.output {
            let _ = writeln!(
                t,
                "wrote {} (the NFP code: one 64-bit word per line)",
                crate::nfp::code_path(path).display()
            );
        }
        t
    });
    let report = Report {
        args: &args,
        rs: &rs,
        lowered: &lowered,
        verdicts: &verdicts,
        companion: companion.as_ref().map(|(p, _)| p.as_path()),
    };
    if args.json {
        let mut v = report.json();
        if let Some(n) = &nfp {
            v["nfp"] = n.json();
            if let Some(path) = &args.output {
                v["nfp"]["file"] = json!(crate::nfp::code_path(path).display().to_string());
            }
        }
        if args.output.is_none() {
            v["code"] = json!(String::from_utf8_lossy(&bytes));
        }
        print(&format!("{v}\n"));
    } else if args.output.is_some() {
        print(&report.text());
        print(nfp_text.as_deref().unwrap_or(""));
    } else {
        // The code goes to stdout; the report to stderr so the two do not mix.
        print(&String::from_utf8_lossy(&bytes));
        eprint!("{}", report.text());
        eprint!("{}", nfp_text.as_deref().unwrap_or(""));
    }
    Ok(())
}

/// Run every verifier available here: ours always, the kernel's when built in and root. A
/// rejection is an error (exit 1) naming the instruction and the rule it came from.
fn verify(prog: &Program, caps: &offload::Capabilities) -> CliResult<Verdicts> {
    let verified = match offload::verify(prog, caps, &offload::Options::default()) {
        Ok(v) => v,
        Err(rej) => {
            let mut msg = format!("our verifier rejects the program for target {}:", caps.name);
            for r in &rej.rejections {
                let _ = write!(msg, "\n  {r}");
                if let Some(ir::Origin::Rule {
                    syntax,
                    index,
                    text,
                    span,
                }) = &r.origin
                {
                    let part = span.and_then(|(a, b)| text.get(a..b)).unwrap_or(text);
                    let _ = write!(msg, "\n  from {syntax} rule {}: {part}", index + 1);
                }
            }
            return Err(CliError::rejected(msg));
        }
    };
    Ok(Verdicts {
        kernel: kernel_verify(verified.program())?,
        verified,
        target: caps.name.to_string(),
    })
}

#[cfg(feature = "kernel")]
fn kernel_verify(prog: &Program) -> CliResult<Result<String, String>> {
    if let Some(why) = bpf_offload::kernel::unavailable_reason() {
        return Ok(Err(why));
    }
    match bpf_offload::kernel::verify_in_kernel(prog) {
        Ok(stats) => Ok(Ok(match stats.processed_insns {
            Some(n) => format!("accepted (processed {n} insns)"),
            None => "accepted".to_string(),
        })),
        Err(e) if e.is_rejection() => {
            let mut msg = format!(
                "the kernel verifier rejects the program: {}\n--- verifier log ---\n{}",
                e.message,
                e.log.trim_end()
            );
            if e.log.contains("jumps is too complex") {
                // BPF_COMPLEXITY_LIMIT_JMP_SEQ (the kernel answers EFAULT).
                msg.push_str(
                    "\nhint: the kernel verifier keeps at most 8192 branches pending, and each \
                     rule that cannot merge with its neighbours leaves one (about 8,000 such \
                     rules fit); consecutive rules with the same action that differ only in \
                     one value or range merge into one test",
                );
            }
            Err(CliError::rejected(msg))
        }
        Err(e) => Ok(Err(e.to_string())),
    }
}

#[cfg(not(feature = "kernel"))]
fn kernel_verify(_: &Program) -> CliResult<Result<String, String>> {
    Ok(Err("not built in (rebuild with --features kernel)".into()))
}

/// The program as an ELF object can hold it: maps without their initial entries.
fn without_entries(prog: &Program) -> Program {
    let mut p = prog.clone();
    for m in &mut p.maps {
        m.initial_entries.clear();
    }
    p
}

/// `--target riscv64`: the verified program as an RV64 ELF object whose function is named after
/// the output file, and its C header (written as `OUT.h` beside it).
fn riscv64_object(
    v: &offload::Verified,
    out: &Path,
    ext: jit::riscv64::Extensions,
) -> CliResult<(Vec<u8>, String)> {
    let prog = v.program();
    let opts = jit::riscv64::Options {
        ext,
        helpers: jit::riscv64::HelperAbi::Table,
    };
    let rp =
        jit::riscv64::compile(v, &opts).map_err(|e| CliError::rejected(format!("riscv64: {e}")))?;
    let stem = out
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_default();
    let mut name: String = stem
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert_str(0, "prog_");
    }
    let object = jit::riscv64::aot::object(&rp, &name)
        .map_err(|e| CliError::bad_input(format!("{}: {e}", out.display())))?;
    let header = jit::riscv64::aot::header(&name, prog.maps.len(), ext);
    Ok((object, header))
}

fn companion_path(out: &Path) -> PathBuf {
    crate::maps_sh::companion_path(out)
}

fn hex_words(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `bpftool map update` for every initial entry, or `None` when there are none.
fn entries_script(prog: &Program, out: &Path) -> Option<String> {
    let total: usize = prog.maps.iter().map(|m| m.initial_entries.len()).sum();
    if total == 0 {
        return None;
    }
    let mut s = format!(
        "#!/bin/sh\n# Contents of the HASH sets of {}, which an ELF object cannot carry.\n\
         # Run once the object is loaded (e.g. after `ip link set dev DEV xdp obj ...`).\n\
         # bpftool finds maps by name: with several programs loaded, use `id N` instead.\nset -e\n",
        out.display()
    );
    for m in prog.maps.iter().filter(|m| !m.initial_entries.is_empty()) {
        // The kernel keeps the first 15 bytes of a map's name.
        let name: String = m.name.chars().take(15).collect();
        for (k, v) in &m.initial_entries {
            let _ = writeln!(
                s,
                "bpftool map update name {name} key hex {} value hex {}",
                hex_words(k),
                hex_words(v)
            );
        }
    }
    Some(s)
}

struct Report<'a> {
    args: &'a BuildArgs,
    rs: &'a RuleSet,
    lowered: &'a Lowered,
    verdicts: &'a Verdicts,
    companion: Option<&'a Path>,
}

impl Report<'_> {
    fn hook(&self) -> &'static str {
        match self.args.hook {
            HookArg::Xdp => "xdp",
            HookArg::Tc => "tc",
        }
    }

    fn emit(&self) -> &'static str {
        match self.args.emit {
            Emit::Elf => "elf",
            Emit::C => "c",
            Emit::Asm => "asm",
        }
    }

    fn text(&self) -> String {
        let p = &self.lowered.program;
        let mut s = format!(
            "{} rules ({} rule{}) -> {} program: {} instructions, {} map{}\n",
            self.args.from.name(),
            self.rs.rule_count(),
            if self.rs.rule_count() == 1 { "" } else { "s" },
            self.hook(),
            p.insns.len(),
            p.maps.len(),
            if p.maps.len() == 1 { "" } else { "s" },
        );
        for m in &p.maps {
            let _ = write!(
                s,
                "  map {}: {} key {} value {} max_entries {}",
                m.name, m.map_type, m.key_size, m.value_size, m.max_entries
            );
            if !m.initial_entries.is_empty() {
                let _ = write!(s, ", {} initial entries", m.initial_entries.len());
            }
            s.push('\n');
        }
        let _ = writeln!(s, "our verifier: {}", self.verdicts.ours());
        match &self.verdicts.kernel {
            Ok(v) => {
                let _ = writeln!(s, "kernel verifier: {v}");
            }
            Err(why) => {
                let _ = writeln!(s, "kernel verifier: not run: {why}");
            }
        }
        if let Some(out) = &self.args.output {
            let _ = writeln!(s, "wrote {} ({})", out.display(), self.emit());
        }
        if let Some(c) = self.companion {
            let _ = writeln!(
                s,
                "wrote {}: load the HASH set contents with it once the object is loaded",
                c.display()
            );
        } else if p.maps.iter().any(|m| !m.initial_entries.is_empty()) {
            let _ = writeln!(
                s,
                "note: the HASH sets' contents are not in this output; give -o OUT (elf or c) \
                 for the bpftool commands"
            );
        }
        s
    }

    fn json(&self) -> serde_json::Value {
        let p = &self.lowered.program;
        let maps: Vec<_> = p
            .maps
            .iter()
            .map(|m| {
                json!({
                    "name": m.name,
                    "type": m.map_type.to_string(),
                    "key_size": m.key_size,
                    "value_size": m.value_size,
                    "max_entries": m.max_entries,
                    "initial_entries": m.initial_entries.len(),
                })
            })
            .collect();
        let kernel = match &self.verdicts.kernel {
            Ok(v) => json!({ "verdict": "accepted", "detail": v }),
            Err(why) => json!({ "verdict": "not run", "detail": why }),
        };
        json!({
            "syntax": self.args.from.name(),
            "rules": self.rs.rule_count(),
            "hook": self.hook(),
            "emit": self.emit(),
            "instructions": p.insns.len(),
            "maps": maps,
            "verifier": {
                "ours": { "verdict": "accepted", "detail": self.verdicts.ours() },
                "kernel": kernel,
            },
            "output": self.args.output.as_ref().map(|o| o.display().to_string()),
            "map_entries_script": self.companion.map(|c| c.display().to_string()),
        })
    }
}
