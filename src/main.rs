//! bpf-offload: packet-filter rules to verified eBPF, offload checks and cross-compiling JITs.
//!
//! The binary is a short dispatch: clap parses what the user typed ([`cli`]), each subcommand
//! lives in [`commands`], and every failure is a [`error::CliError`] turned into a message on
//! stderr and an exit code (0 ok, 1 rejected or mismatch, 2 bad input or usage).

mod cli;
mod commands;
mod elf_input;
mod engine;
mod error;
mod input;
mod maps_sh;
mod nfp;
mod output;
mod pcap;

use clap::Parser;

/// The longest word of an error message printed in full (paths stay whole; a huge token does
/// not).
const MAX_ECHOED_WORD: usize = 256;
use cli::{Cli, Command};

/// `build` takes whole rules as arguments, and an iptables rule starts with '-'
/// (`'-A INPUT -p tcp --dport 80 -j DROP'`): an argument of `build` that starts with '-' and
/// contains a space cannot be an option, so it is passed as `--rule=ARG`.
fn rule_args(args: impl Iterator<Item = std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    let mut out = Vec::new();
    let mut in_build = false;
    let mut after_rule = false;
    for a in args {
        let s = a.to_string_lossy();
        // `--rule '-A INPUT ...'`: the value of an explicit --rule stays as it is.
        let value_of_rule = std::mem::replace(&mut after_rule, in_build && s == "--rule");
        if !in_build && s == "build" {
            in_build = true;
        } else if in_build
            && !value_of_rule
            && s.starts_with('-')
            && s.contains(char::is_whitespace)
        {
            out.push(std::ffi::OsString::from(format!("--rule={s}")));
            continue;
        }
        out.push(a);
    }
    out
}

/// The stack the commands run on. Deep but valid inputs are handled by recursion (a pcap
/// filter may switch between `and` and `or` 10,000 times, nesting its condition as deep);
/// the memory is reserved, and only what is used is touched.
const STACK_BYTES: usize = 256 << 20;

fn main() {
    let worker = std::thread::Builder::new()
        .name("bpf-offload".into())
        .stack_size(STACK_BYTES)
        .spawn(run_command);
    match worker.map(|w| w.join()) {
        Ok(Ok(())) => {}
        // The panic has been reported on stderr already.
        Ok(Err(_)) => std::process::exit(101),
        Err(e) => {
            eprintln!("error: cannot start the worker thread: {e}");
            std::process::exit(2);
        }
    }
}

fn run_command() {
    let cli = match Cli::try_parse_from(rule_args(std::env::args_os())) {
        Ok(c) => c,
        Err(e) => {
            if !e.use_stderr() {
                // --help, --version: what was asked for, on stdout.
                let _ = e.print();
                std::process::exit(0);
            }
            let text = e.render().to_string();
            eprint!(
                "{}",
                frontend::diag::shorten_words_over(&text, MAX_ECHOED_WORD)
            );
            std::process::exit(2);
        }
    };
    let result = match cli.command {
        Command::Asm {
            file,
            output,
            syntax,
            prog_type,
            json,
        } => commands::asm::run(&file, output.as_deref(), syntax, prog_type, json),
        Command::Disasm {
            prog,
            syntax,
            target,
            harden,
            riscv_ext,
            section,
            source,
            json,
        } => match target {
            Some(t) => {
                commands::disasm::run_target(&prog, t, harden, riscv_ext, section.as_deref())
            }
            None => commands::disasm::run(&prog, syntax, section.as_deref(), source, json),
        },
        Command::Run {
            prog,
            engine,
            mem,
            packet,
            pcap,
            repeat,
            seed,
            maps,
            counters,
            harden,
            riscv_ext,
            section,
            json,
        } => commands::run::run(commands::run::RunArgs {
            prog,
            engine,
            mem,
            packet,
            pcap,
            repeat,
            seed,
            harden,
            riscv_ext,
            section,
            maps,
            counters,
            json,
        }),
        Command::Check {
            prog,
            target,
            caps,
            section,
            log,
            json,
            unprivileged,
        } => commands::check::run(commands::check::CheckArgs {
            prog: &prog,
            target,
            caps: caps.as_deref(),
            section: section.as_deref(),
            log,
            json,
            unprivileged,
        }),
        Command::Build {
            from,
            mut rules,
            rule,
            file,
            action,
            default,
            hook,
            emit,
            output,
            json,
            counters,
            target,
            riscv_ext,
            caps,
        } => commands::build::rules_text(
            from,
            &{
                rules.extend(rule);
                rules
            },
            file.as_deref(),
        )
        .and_then(|rules| {
            commands::build::run(commands::build::BuildArgs {
                from,
                rules,
                action,
                default,
                hook,
                emit,
                output,
                json,
                counters,
                target,
                riscv_ext,
                caps,
            })
        }),
        Command::Plugin { engine, mem } => commands::plugin::run(&engine, mem.as_deref()),
        Command::Bench {
            engine,
            seconds,
            json,
        } => commands::bench::run(&engine, seconds, json),
    };
    if let Err(e) = result {
        // Whatever the input was, no word of it is echoed past a few hundred characters (a
        // 100,000-digit token would otherwise fill the terminal, several times over).
        let message = frontend::diag::shorten_words_over(&e.message, MAX_ECHOED_WORD);
        eprintln!("error: {message}");
        std::process::exit(e.exit_code());
    }
}
