//! `micrograd predict`: classify rows of numbers with a model saved by `micrograd train --save`.
//!
//! Input is CSV: one row per line, one number per input of the model. A header line is allowed, and
//! then it must name every one of the model's features (as the training CSV does), in any order:
//! those columns are used, in the model's order, and the others (such as the label) are ignored. A
//! header that misses a feature is refused with the names expected, never read by position, since
//! columns in another order would give confident wrong answers. Output is CSV on standard output: a
//! header `class,score`, then one line per input row.

use std::fmt::Write as _;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use micrograd::data::parse_cell;
use micrograd::Graph;

use crate::error::{CliError, CliResult};
use crate::model_file::Classifier;

/// Options of `micrograd predict`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The model file, written by `micrograd train --save`
    #[arg(long, value_name = "PATH")]
    pub model: PathBuf,
    /// The rows to classify, as CSV [default: standard input]
    #[arg(long, value_name = "CSV")]
    pub input: Option<PathBuf>,
}

/// Runs `micrograd predict`.
pub fn run(args: Args) -> CliResult {
    let classifier = Classifier::load(&args.model)?;
    let (name, text) = read_input(args.input.as_ref())?;
    let rows = parse_rows(&text, &name, &classifier.features, classifier.inputs())?;

    let graph = Graph::new();
    let network = classifier.model.build(&graph);
    let mut out = String::from("class,score\n");
    let mut undecided = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let output = classifier.model.predict(&network, row);
        let (class, score) = classifier.classes.decode(classifier.loss, &output);
        let name = match class {
            Some(class) => classifier.classes.name(class),
            None => {
                undecided.push(i + 1);
                String::new()
            }
        };
        let _ = writeln!(out, "{name},{score}");
    }
    // A closed pipe (`| head`) is not an error worth a message.
    let _ = std::io::stdout().write_all(out.as_bytes());
    if !undecided.is_empty() {
        eprintln!(
            "note: row(s) {} gave a score that is not a number, so their class is left empty: \
             values that large make the network's sums overflow (the model was trained on values \
             of the training data's size)",
            list(&undecided.iter().map(usize::to_string).collect::<Vec<_>>())
        );
    }
    Ok(())
}

fn read_input(path: Option<&PathBuf>) -> Result<(String, String), CliError> {
    let (name, bytes) = match path {
        Some(p) => {
            let bytes = micrograd::data::read_file(p, micrograd::data::MAX_FILE_BYTES)
                .map_err(|e| CliError::input(format!("cannot read {}: {e}", p.display())))?;
            (p.display().to_string(), bytes)
        }
        None => {
            if std::io::stdin().is_terminal() {
                eprintln!(
                    "reading rows from standard input (end with Ctrl-D; --input FILE reads a file)"
                );
            }
            let bytes =
                micrograd::data::read_limited(std::io::stdin(), micrograd::data::MAX_FILE_BYTES)
                    .map_err(|e| CliError::input(format!("cannot read standard input: {e}")))?;
            ("<stdin>".to_string(), bytes)
        }
    };
    let text = String::from_utf8(bytes).map_err(|e| {
        CliError::input(format!(
            "{name}: not UTF-8 text (byte {})",
            e.utf8_error().valid_up_to()
        ))
    })?;
    Ok((name, text))
}

/// The input rows, each with exactly `inputs` numbers in the model's feature order.
fn parse_rows(
    text: &str,
    name: &str,
    features: &[String],
    inputs: usize,
) -> Result<Vec<Vec<f64>>, CliError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim_end_matches('\r')))
        .filter(|(_, l)| !l.trim().is_empty())
        .peekable();
    let bad = |line: usize, message: String| CliError::input(format!("{name}:{line}: {message}"));

    // A first line with a cell that is not a number is a header: it picks the model's columns.
    let mut columns: Option<Vec<usize>> = None;
    let mut width = inputs;
    if let Some(&(line_no, first)) = lines.peek() {
        let cells: Vec<&str> = first.split(',').map(unquote).collect();
        if cells
            .iter()
            .any(|c| !c.is_empty() && c.parse::<f64>().is_err())
        {
            lines.next();
            width = cells.len();
            if let Some((i, dup)) = cells
                .iter()
                .enumerate()
                .find(|(i, c)| cells[..*i].contains(c))
            {
                return Err(CliError::input(format!(
                    "{name}:{line_no}:{}: the header names the column `{dup}` twice",
                    i + 1
                )));
            }
            let missing: Vec<&String> = features
                .iter()
                .filter(|f| !cells.contains(&f.as_str()))
                .collect();
            if !missing.is_empty() {
                return Err(bad(
                    line_no,
                    format!(
                        "the header does not name the model's feature{} {}: a header must name every feature ({}), in any order; other columns are ignored (or leave the header out to give the {inputs} values in that order)",
                        if missing.len() == 1 { "" } else { "s" },
                        list(&missing.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>()),
                        list(features)
                    ),
                ));
            }
            columns = Some(
                features
                    .iter()
                    .map(|f| cells.iter().position(|c| c == f).unwrap_or_default())
                    .collect(),
            );
        }
    }

    let mut rows = Vec::new();
    for (line_no, line) in lines {
        let cells: Vec<&str> = line.split(',').map(str::trim).collect();
        if cells.len() != width {
            let expected = if columns.is_some() {
                format!("the header has {width}")
            } else {
                format!("the model takes {inputs} inputs ({})", list(features))
            };
            let values = if cells.len() == 1 {
                "1 value".to_string()
            } else {
                format!("{} values", cells.len())
            };
            return Err(bad(line_no, format!("{values}, but {expected}")));
        }
        let mut numbers = Vec::with_capacity(cells.len());
        for (col, cell) in cells.iter().enumerate() {
            let x = parse_cell(cell)
                .map_err(|m| CliError::input(format!("{name}:{line_no}:{}: {m}", col + 1)))?;
            numbers.push(x);
        }
        rows.push(match &columns {
            Some(picked) => picked.iter().map(|&c| numbers[c]).collect(),
            None => numbers,
        });
    }
    if rows.is_empty() {
        return Err(CliError::input(format!("{name}: no rows to predict")));
    }
    Ok(rows)
}

/// A header cell without surrounding spaces and one pair of double quotes, as the CSV reader takes it.
fn unquote(cell: &str) -> &str {
    let cell = cell.trim();
    cell.strip_prefix('"')
        .and_then(|c| c.strip_suffix('"'))
        .map_or(cell, str::trim)
}

/// Names for a message: all of a few, or the first and last of many.
fn list<S: AsRef<str>>(names: &[S]) -> String {
    let names: Vec<&str> = names.iter().map(AsRef::as_ref).collect();
    if names.len() <= 8 {
        names.join(", ")
    } else {
        format!("{}, …, {}", names[..3].join(", "), names[names.len() - 1])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Vec<String> {
        vec!["x0".to_string(), "x1".to_string()]
    }

    #[test]
    fn plain_rows_and_headed_rows() {
        assert_eq!(
            parse_rows("1,2\n3,4\n", "t", &names(), 2).unwrap(),
            vec![vec![1.0, 2.0], vec![3.0, 4.0]]
        );
        let picked = parse_rows("y,x1,x0\n1,2,3\n", "t", &names(), 2).unwrap();
        assert_eq!(picked, vec![vec![3.0, 2.0]]);
    }

    #[test]
    fn a_header_must_name_every_feature() {
        // Two columns, as many as the model's inputs, but not its names: never read by position.
        let err = parse_rows("a,b\n5,6\n", "t", &names(), 2).unwrap_err();
        assert_eq!(err.code, 2);
        assert!(err.message.contains("`x0`, `x1`"), "{}", err.message);
        let err = parse_rows("x1,x9\n5,6\n", "t", &names(), 2).unwrap_err();
        assert!(
            err.message.contains("feature `x0`") && err.message.contains("(x0, x1)"),
            "{}",
            err.message
        );
        let err = parse_rows("x0,x1,x0\n1,2,3\n", "t", &names(), 2).unwrap_err();
        assert_eq!(err.message, "t:1:3: the header names the column `x0` twice");
        let quoted = parse_rows("\"x1\", \"x0\"\n1,2\n", "t", &names(), 2).unwrap();
        assert_eq!(quoted, vec![vec![2.0, 1.0]]);
    }

    #[test]
    fn wrong_widths_and_cells_are_named() {
        let err = parse_rows("1,2\n3,4,5\n", "in.csv", &names(), 2).unwrap_err();
        assert_eq!(err.code, 2);
        assert!(
            err.message
                .starts_with("in.csv:2: 3 values, but the model takes 2 inputs"),
            "{}",
            err.message
        );
        let err = parse_rows("1,2\n3,x\n", "in.csv", &names(), 2).unwrap_err();
        assert_eq!(err.message, "in.csv:2:2: `x` is not a number");
        let err = parse_rows("x0,x1,y\n1,2\n", "in.csv", &names(), 2).unwrap_err();
        assert!(
            err.message.contains("2 values, but the header has 3"),
            "{}",
            err.message
        );
        assert!(parse_rows("\n\n", "in.csv", &names(), 2)
            .unwrap_err()
            .message
            .contains("no rows"));
    }
}
