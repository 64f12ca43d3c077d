//! The `micrograd` command line: a thin layer of argument parsing and output over the `micrograd`
//! library. Each subcommand lives in its own module under `cmd`.

mod atomic;
mod bench;
mod cmd;
mod error;
mod format;
mod interrupt;
mod model_file;
mod plots;
mod progress;
mod web;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// A scalar autograd engine and small neural networks, after Karpathy's micrograd.
///
/// With no subcommand, trains the original demo (as `micrograd train`).
#[derive(Parser, Debug)]
#[command(name = "micrograd", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run a program in the expression language, backpropagate, print every value and gradient.
    Eval(cmd::eval::Args),
    /// Train a small network on a data set and watch it learn (with no options: Karpathy's moons demo).
    Train(Box<cmd::train::Args>),
    /// Classify rows of numbers with a model saved by `micrograd train --save`.
    Predict(cmd::predict::Args),
    /// Plot a function of one variable and its derivative (as SVG or PNG).
    Plot(cmd::plot::Args),
    /// Compare a program's gradients with central differences for every input; exit 1 if any is off.
    Gradcheck(cmd::gradcheck::Args),
    /// Measure the speed figures on this machine, each as a ratio to its baseline in the same run.
    Bench(cmd::bench::Args),
    /// Start the web playground: the lesson, the graph explorer and the training view, on this machine.
    Serve(cmd::serve::Args),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help and version to stdout with exit 0, usage errors to stderr with exit 2.
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let result = match cli.command {
        Some(Command::Eval(args)) => cmd::eval::run(args),
        Some(Command::Train(args)) => cmd::train::run(*args),
        Some(Command::Predict(args)) => cmd::predict::run(args),
        Some(Command::Plot(args)) => cmd::plot::run(args),
        Some(Command::Gradcheck(args)) => cmd::gradcheck::run(args),
        Some(Command::Serve(args)) => cmd::serve::run(args),
        Some(Command::Bench(args)) => cmd::bench::run(args),
        None => cmd::train::run(cmd::train::Args::default()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.code as u8)
        }
    }
}
