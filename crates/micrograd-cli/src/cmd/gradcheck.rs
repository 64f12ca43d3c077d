//! `micrograd gradcheck`: the gradients `backward` computes for a program's inputs, against central
//! differences `(f(x+h) - f(x-h)) / 2h`, in a table; exit code 1 if any disagrees by more than the
//! tolerance plus the estimate's own rounding and truncation error (the `allowed` column; see
//! `micrograd::gradcheck`).

use std::collections::HashMap;

use micrograd::{gradcheck, Graph};

use super::program::{print, table, ProgramArgs};
use crate::error::{CliError, CliResult};
use crate::format::exact;

/// Options of `micrograd gradcheck`.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Example:\n  micrograd gradcheck -e 'x = 0.5; w = -1.5; y = tanh(w*x) + x**3'"
)]
pub struct Args {
    #[command(flatten)]
    program: ProgramArgs,
    /// The name to differentiate (default: the last statement's name).
    #[arg(long, value_name = "NAME")]
    output: Option<String>,
    /// The step h of the central differences.
    #[arg(long, value_name = "H", default_value_t = 1e-6)]
    step: f64,
    /// The largest error allowed beyond the estimate's own rounding and truncation error, as
    /// |analytic - numeric| / max(1, |analytic|, |numeric|).
    #[arg(long, value_name = "TOL", default_value_t = 1e-6)]
    tolerance: f64,
}

/// Runs `micrograd gradcheck`.
pub fn run(args: Args) -> CliResult {
    if !(args.step.is_finite() && args.step > 0.0) {
        return Err(CliError::input(format!(
            "--step must be a positive number, not {}",
            args.step
        )));
    }
    if args.tolerance.is_nan() || args.tolerance < 0.0 {
        return Err(CliError::input(format!(
            "--tolerance must be a number ≥ 0, not {}",
            args.tolerance
        )));
    }
    let source = args.program.read()?;
    let graph = Graph::new();
    let run = source.evaluate(&graph, args.output.as_deref())?;
    let inputs = run.inputs();
    if inputs.is_empty() {
        return print("no inputs to check: the program has no `NAME = NUMBER` statement\n");
    }
    let values: Vec<_> = inputs.iter().map(|b| b.value).collect();
    let report = gradcheck(run.output(), &values, args.step, args.tolerance);
    // A name assigned a number twice makes two inputs: tell them apart by their line.
    let mut count: HashMap<&str, usize> = HashMap::new();
    for b in inputs {
        *count.entry(b.name.as_str()).or_default() += 1;
    }
    let mut rows = vec![[
        "input", "data", "analytic", "numeric", "error", "allowed", "",
    ]
    .map(String::from)
    .to_vec()];
    let mut failed = Vec::new();
    for (b, check) in inputs.iter().zip(&report.inputs) {
        let name = if count[b.name.as_str()] > 1 {
            format!("{} (line {})", b.name, b.line)
        } else {
            b.name.clone()
        };
        if !check.ok {
            failed.push(name.clone());
        }
        rows.push(vec![
            name,
            exact(check.data),
            exact(check.analytic),
            exact(check.numeric),
            if check.error.is_finite() {
                format!("{:.1e}", check.error)
            } else {
                "-".to_string()
            },
            if check.allowed.is_finite() {
                format!("{:.1e}", check.allowed)
            } else {
                "-".to_string()
            },
            if check.ok { "ok" } else { "OFF" }.to_string(),
        ]);
    }
    print(&table(&rows, &[1, 2, 3, 4, 5]))?;
    if failed.is_empty() {
        print(&format!(
            "all {} gradients of {} agree with central differences (h = {:?}, tolerance {:?})\n",
            report.inputs.len(),
            run.output_name(),
            args.step,
            args.tolerance
        ))
    } else {
        Err(CliError::failure(format!(
            "gradient check failed for {}: analytic and numeric gradients of {} differ by more than the tolerance {:?} plus the estimate's own error (the `allowed` column)",
            failed.join(", "),
            run.output_name(),
            args.tolerance
        )))
    }
}
