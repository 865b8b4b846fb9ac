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
mod output;
mod pcap;

use clap::Parser;
use cli::{Cli, Command};

fn main() {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            std::process::exit(code);
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
            section,
            source,
            json,
        } => match target {
            Some(t) => commands::disasm::run_target(&prog, t, section.as_deref()),
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
            section,
            json,
        }),
        Command::Check {
            prog,
            target,
            section,
            log,
            json,
            unprivileged,
        } => commands::check::run(&prog, &target, section.as_deref(), log, json, unprivileged),
        Command::Build {
            from,
            rules,
            action,
            default,
            hook,
            emit,
            output,
            json,
            counters,
        } => commands::build::run(commands::build::BuildArgs {
            from,
            rules,
            action,
            default,
            hook,
            emit,
            output,
            json,
            counters,
        }),
        Command::Plugin { engine, mem } => commands::plugin::run(engine, mem.as_deref()),
        Command::Bench {
            engine,
            seconds,
            json,
        } => commands::bench::run(engine, seconds, json),
    };
    if let Err(e) = result {
        eprintln!("error: {e}");
        std::process::exit(e.exit_code());
    }
}
