//! The program a command runs (`eval`, `gradcheck`): read from a file, from standard input (`-`), or
//! given with `-e`, then parsed, with mistakes reported as `FILE:LINE:COL`, the line and a caret.

use std::io::{self, Write};
use std::path::PathBuf;

use micrograd::expr::{self, Evaluation, Program};
use micrograd::Graph;

use crate::error::CliError;

/// Where the program comes from: the options `eval` and `gradcheck` share.
#[derive(clap::Args, Debug)]
pub struct ProgramArgs {
    /// The program file, or `-` to read standard input.
    #[arg(value_name = "FILE|-", conflicts_with = "expression")]
    pub file: Option<PathBuf>,
    /// The program itself, statements separated by `;` or newlines: -e 'x = 2; y = x**2'.
    #[arg(short = 'e', long = "expression", value_name = "PROGRAM")]
    pub expression: Option<String>,
}

/// A program's text and the name its errors are reported under.
pub struct Source {
    /// The file name, `<stdin>` or `<-e>`.
    pub name: String,
    /// The program text.
    pub text: String,
}

impl ProgramArgs {
    /// Reads the program's text.
    pub fn read(&self) -> Result<Source, CliError> {
        if let Some(text) = &self.expression {
            return Ok(Source {
                name: "<-e>".to_string(),
                text: text.clone(),
            });
        }
        let Some(file) = &self.file else {
            return Err(CliError::input(
                "no program: give a FILE, `-` to read standard input, or -e 'PROGRAM' (see --help)",
            ));
        };
        let (name, bytes) = if file.as_os_str() == "-" {
            let bytes = micrograd::data::read_limited(io::stdin(), micrograd::data::MAX_FILE_BYTES)
                .map_err(|e| {
                    let message = format!("cannot read standard input: {e}");
                    if e.kind() == io::ErrorKind::InvalidInput {
                        CliError::input(message)
                    } else {
                        CliError::failure(message)
                    }
                })?;
            ("<stdin>".to_string(), bytes)
        } else {
            let name = file.display().to_string();
            let bytes = micrograd::data::read_file(file, micrograd::data::MAX_FILE_BYTES)
                .map_err(|e| CliError::input(format!("cannot read {name}: {e}")))?;
            (name, bytes)
        };
        let text = String::from_utf8(bytes).map_err(|e| {
            CliError::input(format!(
                "{name} is not UTF-8 text (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ))
        })?;
        Ok(Source { name, text })
    }
}

impl Source {
    /// Parses the program; a mistake becomes the full report with the caret (exit code 2).
    pub fn parse(&self) -> Result<Program, CliError> {
        expr::parse(&self.text)
            .map_err(|e| CliError::input(e.render(&self.name, &self.text).trim_end()))
    }

    /// Parses and evaluates the program into `graph`, with the output named `output` (the last
    /// statement's name when `None`).
    pub fn evaluate<'g>(
        &self,
        graph: &'g Graph,
        output: Option<&str>,
    ) -> Result<Evaluation<'g>, CliError> {
        let mut run = self
            .parse()?
            .eval(graph)
            .map_err(|e| CliError::input(e.render(&self.name, &self.text).trim_end()))?;
        if let Some(name) = output {
            run.set_output(name)
                .map_err(|why| CliError::input(format!("--output: {why}")))?;
        }
        Ok(run)
    }
}

/// Writes `text` to standard output. A closed pipe (`micrograd eval … | head -1`) is not an error:
/// the reader has what it wanted.
pub fn print(text: &str) -> Result<(), CliError> {
    let mut out = io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(CliError::failure(format!(
            "cannot write to standard output: {e}"
        ))),
        _ => Ok(()),
    }
}

/// Lays out rows as columns separated by two spaces; columns listed in `right` are right-aligned.
pub fn table(rows: &[Vec<String>], right: &[usize]) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            if c > 0 {
                line.push_str("  ");
            }
            let pad = " ".repeat(widths[c] - cell.chars().count());
            if right.contains(&c) {
                line.push_str(&pad);
                line.push_str(cell);
            } else {
                line.push_str(cell);
                line.push_str(&pad);
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}
