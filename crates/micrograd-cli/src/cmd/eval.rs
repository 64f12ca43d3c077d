//! `micrograd eval`: run a program in the expression language and print its values and gradients.

use crate::error::CliResult;

/// Options of `micrograd eval`.
#[derive(clap::Args, Debug)]
pub struct Args {}

/// Runs `micrograd eval`.
pub fn run(_args: Args) -> CliResult {
    Ok(())
}
