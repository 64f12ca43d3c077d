//! Reading a [`Dataset`] from a CSV file of numbers.
//!
//! Comma-separated, one sample per line (blank lines skipped, cells optionally in double quotes);
//! every cell a finite number; one column is the label (the last
//! by default, or one chosen by name or position). The first line is a header when any of its cells is
//! not a number (or when told so). Anything else is an error naming the file, the line and the column:
//! a ragged row, an empty file, a cell that is empty, not a number, or NaN/infinite.

use std::fmt;
use std::path::Path;

use super::Dataset;

/// Which column holds the labels.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum LabelColumn {
    /// The last column.
    #[default]
    Last,
    /// The column with this header name.
    Name(String),
    /// The column at this position (0 is the first).
    Index(usize),
}

/// How to read a CSV file.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct CsvOptions {
    /// The label column.
    pub label: LabelColumn,
    /// Whether the first line is a header: `None` guesses (a header has a cell that is not a number).
    pub header: Option<bool>,
}

impl CsvOptions {
    /// Labels in the column named `name` (which needs a header).
    pub fn label_named(name: impl Into<String>) -> Self {
        CsvOptions {
            label: LabelColumn::Name(name.into()),
            header: None,
        }
    }
}

/// A CSV file that cannot be read as a data set: where, and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CsvError {
    /// The file (or the name given for text).
    pub file: String,
    /// The line, from 1, when the problem is on one line.
    pub line: Option<usize>,
    /// The column, from 1, when the problem is in one cell.
    pub column: Option<usize>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for CsvError {
    /// `data.csv:3:2: "abc" is not a number`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for CsvError {}

/// Reads the CSV file at `path`: comma-separated numbers, the label column chosen by `options`, the
/// first line a header when one of its cells is not a number; errors name the file, line and column.
pub fn load_csv(path: impl AsRef<Path>, options: &CsvOptions) -> Result<Dataset, CsvError> {
    let path = path.as_ref();
    let file = path.display().to_string();
    let bytes = super::read_file(path, super::MAX_FILE_BYTES).map_err(|e| CsvError {
        file: file.clone(),
        line: None,
        column: None,
        message: format!("cannot read the file: {e}"),
    })?;
    let text = String::from_utf8(bytes).map_err(|e| CsvError {
        file: file.clone(),
        line: None,
        column: None,
        message: format!("not UTF-8 text (byte {})", e.utf8_error().valid_up_to()),
    })?;
    let mut data = parse_csv(&text, &file, options)?;
    data.name = path
        .file_stem()
        .map_or_else(|| file.clone(), |s| s.to_string_lossy().into_owned());
    Ok(data)
}

/// A cell without surrounding spaces and without one pair of surrounding double quotes.
/// One cell of a CSV file as a finite number, or why it is not one (`empty cell`, "`x` is not a
/// number", "`inf` is not a finite number").
///
/// ```
/// use micrograd::data::parse_cell;
///
/// assert_eq!(parse_cell("-1.5e2"), Ok(-150.0));
/// assert!(parse_cell("nan").is_err());
/// ```
pub fn parse_cell(cell: &str) -> Result<f64, String> {
    if cell.is_empty() {
        return Err("empty cell".into());
    }
    let x: f64 = cell
        .parse()
        .map_err(|_| format!("`{cell}` is not a number"))?;
    if x.is_finite() {
        Ok(x)
    } else {
        Err(format!("`{cell}` is not a finite number"))
    }
}

fn unquote(cell: &str) -> &str {
    let cell = cell.trim();
    cell.strip_prefix('"')
        .and_then(|c| c.strip_suffix('"'))
        .map_or(cell, str::trim)
}

/// Parses CSV `text`; `file` names it in error messages. Cells may be wrapped in double quotes, but a
/// comma is always a separator.
///
/// ```
/// use micrograd::data::{parse_csv, CsvOptions};
///
/// let d = parse_csv("a,b,y\n1,2,0\n3,4,1\n", "inline", &CsvOptions::default()).unwrap();
/// assert_eq!((d.len(), d.n_features(), d.label(1)), (2, 2, 1.0));
/// let err = parse_csv("a,b,y\n1,2,0\n3,x,1\n", "inline", &CsvOptions::default()).unwrap_err();
/// assert_eq!(err.to_string(), "inline:3:2: column `b`: `x` is not a number");
/// let err = parse_csv("a,a,y\n1,2,0\n", "inline", &CsvOptions::default()).unwrap_err();
/// assert_eq!(err.to_string(), "inline:1:2: the header names the column `a` twice; each column needs its own name");
/// ```
pub fn parse_csv(text: &str, file: &str, options: &CsvOptions) -> Result<Dataset, CsvError> {
    let error = |line: Option<usize>, column: Option<usize>, message: String| CsvError {
        file: file.to_string(),
        line,
        column,
        message,
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim_end_matches('\r')))
        .filter(|(_, l)| !l.trim().is_empty());
    let Some((first_no, first)) = lines.next() else {
        return Err(error(
            None,
            None,
            "the file is empty: no header and no rows".into(),
        ));
    };
    let first_cells: Vec<&str> = first.split(',').map(unquote).collect();
    let looks_like_header = first_cells.iter().any(|c| c.parse::<f64>().is_err());
    let has_header = options.header.unwrap_or(looks_like_header);
    let width = first_cells.len();
    let names: Vec<String> = if has_header {
        first_cells.iter().map(|s| s.to_string()).collect()
    } else {
        (0..width).map(|i| format!("column {}", i + 1)).collect()
    };
    if has_header {
        // A name given twice would make `--label NAME` and predict's columns ambiguous.
        if let Some((i, dup)) = names
            .iter()
            .enumerate()
            .find(|(i, n)| names[..*i].contains(n))
        {
            return Err(error(
                Some(first_no),
                Some(i + 1),
                format!(
                    "the header names the column `{dup}` twice; each column needs its own name"
                ),
            ));
        }
    }
    if width < 2 {
        return Err(error(
            Some(first_no),
            None,
            format!("{width} column: need at least one feature and a label"),
        ));
    }
    let label_index = match &options.label {
        LabelColumn::Last => width - 1,
        LabelColumn::Index(i) if *i < width => *i,
        LabelColumn::Index(i) => {
            return Err(error(
                None,
                None,
                format!(
                    "label column {} does not exist: the file has {width} columns",
                    i + 1
                ),
            ))
        }
        LabelColumn::Name(name) => {
            if !has_header {
                return Err(error(
                    None,
                    None,
                    format!("label column `{name}` asked by name, but the file has no header line"),
                ));
            }
            names.iter().position(|n| n == name).ok_or_else(|| {
                error(
                    Some(first_no),
                    None,
                    format!("no column named `{name}` (columns: {})", names.join(", ")),
                )
            })?
        }
    };
    let mut features = Vec::new();
    let mut labels = Vec::new();
    let rows = if has_header {
        None
    } else {
        Some((first_no, first))
    };
    for (line_no, line) in rows.into_iter().chain(lines) {
        let cells: Vec<&str> = line.split(',').collect();
        if cells.len() != width {
            return Err(error(
                Some(line_no),
                None,
                format!(
                    "{} cells where the {} has {width}",
                    cells.len(),
                    if has_header { "header" } else { "first row" }
                ),
            ));
        }
        for (col, cell) in cells.iter().enumerate() {
            let cell = unquote(cell);
            let at = |message: String| {
                error(
                    Some(line_no),
                    Some(col + 1),
                    format!("column `{}`: {message}", names[col]),
                )
            };
            let x = parse_cell(cell).map_err(at)?;
            if col == label_index {
                labels.push(x);
            } else {
                features.push(x);
            }
        }
    }
    if labels.is_empty() {
        return Err(error(None, None, "no data rows after the header".into()));
    }
    let mut data = Dataset::from_flat(file, width - 1, features, labels);
    data.label_name = names[label_index].clone();
    data.feature_names = names
        .iter()
        .enumerate()
        .filter(|&(i, _)| i != label_index)
        .map(|(_, n)| n.clone())
        .collect();
    Ok(data)
}
