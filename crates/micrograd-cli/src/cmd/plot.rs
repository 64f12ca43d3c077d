//! `micrograd plot`: a function of one variable and its derivative, as the notebook plots tanh.
//!
//! The function is written in the expression language, either as an expression (`tanh(x)`, `x**3 - 2*x`)
//! or as a program whose last statement is the output (`a = 2*x; y = tanh(a) * a`). It is built into a
//! graph once; for each sample the variable's value is set, the tape replayed forward, and the
//! derivative read from one backward pass.

use std::path::PathBuf;

use micrograd::expr::{self, ErrorKind, ExprError, Func};
use micrograd::Graph;

use crate::error::{CliError, CliResult};
use crate::plots::{self, Format, FunctionPlot, Picture};

/// Options of `micrograd plot`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The function: an expression such as "tanh(x)", or a program whose last statement is the output
    #[arg(
        short = 'e',
        long = "expr",
        value_name = "EXPR",
        allow_hyphen_values = true
    )]
    pub expr: String,
    /// The variable on the horizontal axis
    #[arg(long, value_name = "NAME", default_value = "x")]
    pub var: String,
    /// The interval to plot, as FROM,TO
    #[arg(
        long,
        value_name = "FROM,TO",
        default_value = "-5,5",
        allow_hyphen_values = true
    )]
    pub range: String,
    /// The number of samples across the interval
    #[arg(long, value_name = "N", default_value_t = 401)]
    pub points: usize,
    /// The picture to write (.svg or .png)
    #[arg(long, value_name = "PATH")]
    pub out: PathBuf,
}

/// The name the output of an expression (as opposed to a program) is bound to.
const OUTPUT: &str = "__plotted";

/// Runs `micrograd plot`.
pub fn run(args: Args) -> CliResult {
    check_variable(&args.var)?;
    let (from, to) = parse_range(&args.range)?;
    if !(2..=100_000).contains(&args.points) {
        return Err(CliError::input(format!(
            "--points must be from 2 to 100000, not {}",
            args.points
        )));
    }
    Format::from_path(&args.out)?;

    let picture = sample(&args.expr, &args.var, (from, to), args.points)?;
    plots::save(&args.out, Picture::Function(&picture))
}

/// The function `text` of `var` and its derivative at `points` evenly spaced samples of `range`.
fn sample(
    text: &str,
    var: &str,
    (from, to): (f64, f64),
    points: usize,
) -> Result<FunctionPlot, CliError> {
    // The variable becomes the first statement, an input leaf; the user's text follows on line 2.
    let is_program = text.contains('=');
    let prefix_on_line_2 = if is_program {
        String::new()
    } else {
        format!("{OUTPUT} = ")
    };
    let source = format!("{var} = 0\n{prefix_on_line_2}{text}");
    let located = |e: ExprError| user_error(e, text, prefix_on_line_2.chars().count(), var);
    let program = expr::parse(&source).map_err(located)?;
    let graph = Graph::new();
    let run = program.eval(&graph).map_err(located)?;
    let x = run
        .inputs()
        .first()
        .expect("the variable is the first input")
        .value;
    let y = run.output();

    let xs: Vec<f64> = (0..points)
        .map(|i| from + (to - from) * i as f64 / (points - 1) as f64)
        .collect();
    let mut values = Vec::with_capacity(xs.len());
    let mut derivatives = Vec::with_capacity(xs.len());
    for &xi in &xs {
        x.set_data(xi);
        graph.recompute();
        graph.zero_grad();
        y.backward();
        let value = y.data();
        values.push(value);
        // Where the function is undefined (log of a negative number) so is its derivative, whatever
        // the chain rule's formula gives there.
        derivatives.push(if value.is_finite() {
            x.grad()
        } else {
            f64::NAN
        });
    }
    let title = if is_program {
        format!("{} = {}, from {}", run.output_name(), var, text.trim())
    } else {
        format!("f({var}) = {}", text.trim())
    };
    Ok(FunctionPlot {
        title,
        variable: var.to_string(),
        xs,
        values,
        derivatives,
    })
}

fn check_variable(name: &str) -> CliResult {
    let mut chars = name.chars();
    let valid = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        return Err(CliError::input(format!(
            "--var `{name}` is not a name (letters, digits and _, not first a digit)"
        )));
    }
    if Func::from_name(name).is_some() {
        return Err(CliError::input(format!(
            "--var `{name}` is a function of the language; choose another name"
        )));
    }
    Ok(())
}

/// Parses `FROM,TO` into two finite numbers with FROM < TO.
fn parse_range(text: &str) -> Result<(f64, f64), CliError> {
    let bad = || {
        CliError::input(format!(
            "--range `{text}` must be two numbers FROM,TO with FROM < TO, such as -5,5"
        ))
    };
    let (a, b) = text.split_once(',').ok_or_else(bad)?;
    let from: f64 = a.trim().parse().map_err(|_| bad())?;
    let to: f64 = b.trim().parse().map_err(|_| bad())?;
    if !(from.is_finite() && to.is_finite() && from < to) {
        return Err(bad());
    }
    Ok((from, to))
}

/// An error in the user's text, with its position in that text (not in the program built around it)
/// and the line shown with a caret.
fn user_error(mut e: ExprError, user_text: &str, prefix_chars: usize, var: &str) -> CliError {
    if e.pos.line >= 2 {
        e.pos.line -= 1;
        if e.pos.line == 1 {
            e.pos.col = e.pos.col.saturating_sub(prefix_chars).max(1);
        }
    }
    let mut message = e.render("-e", user_text).trim_end().to_string();
    if e.kind == ErrorKind::UnknownName {
        message.push_str(&format!(
            "\n(the plotted variable is `{var}`; choose it with --var)"
        ));
    }
    CliError::input(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tanh_and_its_derivative() {
        let p = sample("tanh(x)", "x", (-5.0, 5.0), 101).unwrap();
        assert_eq!((p.xs[0], p.xs[100]), (-5.0, 5.0));
        for ((x, y), dy) in p.xs.iter().zip(&p.values).zip(&p.derivatives) {
            assert!((y - x.tanh()).abs() < 1e-15);
            assert!(
                (dy - (1.0 - x.tanh().powi(2))).abs() < 1e-12,
                "at {x}: {dy}"
            );
        }
    }

    #[test]
    fn a_program_plots_its_last_statement() {
        let p = sample("a = 2*t; b = a**3", "t", (-1.0, 1.0), 5).unwrap();
        for ((t, y), dy) in p.xs.iter().zip(&p.values).zip(&p.derivatives) {
            assert!((y - 8.0 * t.powi(3)).abs() < 1e-12);
            assert!((dy - 24.0 * t * t).abs() < 1e-12);
        }
        assert!(p.title.starts_with("b = "), "{}", p.title);
    }

    #[test]
    fn errors_point_into_the_users_text() {
        let err = sample("x * (2 +", "x", (0.0, 1.0), 3).unwrap_err();
        assert_eq!(err.code, 2);
        assert!(err.message.starts_with("-e:1:"), "{}", err.message);
        assert!(err.message.contains("x * (2 +"), "{}", err.message);
    }

    #[test]
    fn undefined_values_have_no_derivative() {
        let p = sample("log(x)", "x", (-1.0, 1.0), 3).unwrap();
        assert!(p.values[0].is_nan() && p.derivatives[0].is_nan());
        assert_eq!(p.derivatives[2], 1.0);
    }

    #[test]
    fn ranges_parse() {
        assert_eq!(parse_range("-5,5").unwrap(), (-5.0, 5.0));
        assert_eq!(parse_range(" 0 , 1e-3 ").unwrap(), (0.0, 0.001));
        for bad in ["5,-5", "1", "a,b", "1,1", "0,inf"] {
            assert_eq!(parse_range(bad).unwrap_err().code, 2, "{bad}");
        }
    }

    #[test]
    fn variables_must_be_names() {
        assert!(check_variable("x").is_ok());
        assert!(check_variable("t_1").is_ok());
        assert!(check_variable("1x").is_err());
        assert!(check_variable("tanh").is_err());
        assert!(check_variable("").is_err());
    }
}
