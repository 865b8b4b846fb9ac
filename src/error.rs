//! The CLI's error type: every failure becomes a message on stderr and an exit code.
//!
//! Exit codes (documented in the README): 0 ok, 1 rejected by the verifier/target or a result
//! mismatch, 2 bad input or usage. Libraries return typed errors; only this binary turns them
//! into text.

use std::fmt;

/// Why a command failed, which decides the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// Bad input or usage: unreadable file, malformed program, unknown option value (exit 2).
    BadInput,
    /// The program was rejected (verifier, target), or engines/expectations disagree (exit 1).
    Rejected,
}

/// A failed command: the kind and the full message (already says where).
#[derive(Debug)]
pub struct CliError {
    pub failure: Failure,
    pub message: String,
}

impl CliError {
    pub fn bad_input(message: impl Into<String>) -> CliError {
        CliError {
            failure: Failure::BadInput,
            message: message.into(),
        }
    }

    pub fn rejected(message: impl Into<String>) -> CliError {
        CliError {
            failure: Failure::Rejected,
            message: message.into(),
        }
    }

    /// The process exit code for this error.
    pub fn exit_code(&self) -> i32 {
        match self.failure {
            Failure::BadInput => 2,
            Failure::Rejected => 1,
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Result of a CLI command.
pub type CliResult<T = ()> = Result<T, CliError>;
