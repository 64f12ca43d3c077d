//! `micrograd eval`: run a program in the expression language, backpropagate from its output, and
//! print every name's value and gradient as a table or JSON; optionally draw the graph as DOT or SVG.

use std::path::{Path, PathBuf};

use micrograd::{draw, Graph, Op, Value};

use super::program::{print, table, ProgramArgs};
use crate::atomic;
use crate::error::{CliError, CliResult};
use crate::format::exact;

/// Options of `micrograd eval`.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Example:\n  micrograd eval -e 'a = 2.0; b = -3.0; c = 10.0; f = -2.0; L = (a*b + c) * f'"
)]
pub struct Args {
    #[command(flatten)]
    program: ProgramArgs,
    /// The name to differentiate (default: the last statement's name).
    #[arg(long, value_name = "NAME")]
    output: Option<String>,
    /// Print {"output": NAME, "values": {NAME: {"data": x, "grad": g}, ...}} instead of a table.
    #[arg(long)]
    json: bool,
    /// Write the graph as Graphviz DOT to PATH (`-` for standard output).
    #[arg(long, value_name = "PATH")]
    dot: Option<PathBuf>,
    /// Write the graph as SVG to PATH (`-` for standard output), laid out without Graphviz.
    #[arg(long, value_name = "PATH")]
    svg: Option<PathBuf>,
}

fn is_stdout(path: &Option<PathBuf>) -> bool {
    path.as_ref().is_some_and(|p| p.as_os_str() == "-")
}

/// Runs `micrograd eval`.
pub fn run(args: Args) -> CliResult {
    if is_stdout(&args.dot) && is_stdout(&args.svg) {
        return Err(CliError::input(
            "--dot - and --svg - cannot both write to standard output",
        ));
    }
    if args.json && (is_stdout(&args.dot) || is_stdout(&args.svg)) {
        return Err(CliError::input(
            "--json prints to standard output: write the picture to a file, not `-`",
        ));
    }
    let source = args.program.read()?;
    let graph = Graph::new();
    let run = source.evaluate(&graph, args.output.as_deref())?;
    run.backward();
    let output = run.output();
    if let Some(path) = &args.dot {
        write_picture(path, &draw::to_dot(output))?;
    }
    if let Some(path) = &args.svg {
        let svg = draw::to_svg(output).map_err(|e| {
            let message = format!("cannot draw the SVG: {e}");
            match e {
                draw::DrawError::TooLarge(_) => CliError::input(message),
                draw::DrawError::Layout(_) => CliError::failure(message),
            }
        })?;
        write_picture(path, &svg)?;
    }
    if is_stdout(&args.dot) || is_stdout(&args.svg) {
        return Ok(());
    }
    if args.json {
        return print(&format!("{}\n", run.to_json()));
    }
    let mut rows = vec![vec![
        "name".to_string(),
        "op".to_string(),
        "data".to_string(),
        "grad".to_string(),
    ]];
    for b in run.bindings() {
        rows.push(vec![
            b.name.clone(),
            op_name(b.value),
            exact(b.value.data()),
            exact(b.value.grad()),
        ]);
    }
    print(&table(&rows, &[2, 3]))
}

/// What made a value, for the table's `op` column.
fn op_name(v: Value<'_>) -> String {
    match v.op() {
        Op::Leaf => "input".to_string(),
        Op::Const => "const".to_string(),
        op => op.symbol().to_string(),
    }
}

/// Writes a picture to `path` whole or not at all, or to standard output for `-`.
fn write_picture(path: &Path, text: &str) -> CliResult {
    if path.as_os_str() == "-" {
        print(text)
    } else {
        atomic::write(path, text.as_bytes())
    }
}
