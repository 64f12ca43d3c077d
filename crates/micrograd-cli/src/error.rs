//! The command line's error type: a message for standard error and the exit code it maps to.

use std::fmt;

/// A failure of a subcommand: what to print after `error:` and how the process exits.
#[derive(Debug)]
pub struct CliError {
    /// The message, without the `error:` prefix.
    pub message: String,
    /// 2 for bad input or usage, 1 for any other failure.
    pub code: i32,
}

impl CliError {
    /// Bad input or usage: exit code 2.
    pub fn input(message: impl Into<String>) -> Self {
        CliError {
            message: message.into(),
            code: 2,
        }
    }

    /// Any other failure: exit code 1.
    pub fn failure(message: impl Into<String>) -> Self {
        CliError {
            message: message.into(),
            code: 1,
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// What every subcommand returns.
pub type CliResult = Result<(), CliError>;
