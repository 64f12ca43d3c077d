//! Errors of the expression language: what went wrong, where (line and column), and a display of the
//! offending line with a caret under the place, as compilers print them.

use std::fmt;

/// A place in a program's source: 1-based line and column, the column counted in characters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos {
    /// The line, from 1.
    pub line: usize,
    /// The column, from 1, in characters (a tab counts as one).
    pub col: usize,
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.col)
    }
}

/// The kind of mistake an [`ExprError`] reports, for programs that react to errors (tests, editors).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// A character that is not part of the language, such as `$` or `,`.
    UnexpectedCharacter,
    /// A number that does not follow `12`, `1.5`, `.5`, `1e-3`: `1.2.3`, `1e`, `2x`.
    MalformedNumber,
    /// A `(` never closed on its line, or a `)` with no `(` before it.
    UnbalancedParentheses,
    /// An operator with nothing after it: `a = b +`, `a = b * * c`, `a = -`.
    DanglingOperator,
    /// No expression where one must be: `a =`, `a = ()`, `tanh()`.
    ExpectedExpression,
    /// A token where an operator or the end of the statement must be: `a = b c`, `a = (b) (c)`.
    UnexpectedToken,
    /// A statement that is not `NAME = expr` or `NAME op= expr`: `a + b`, `3 = x`.
    NotAnAssignment,
    /// A name used before any statement assigns it.
    UnknownName,
    /// A call of a function the language does not have.
    UnknownFunction,
    /// A function name used as a variable: `tanh = 2`, `y = exp`.
    FunctionName,
    /// A program with no statement at all.
    EmptyProgram,
}

/// A mistake in a program: where it is and what was expected there.
///
/// [`Display`](fmt::Display) gives `LINE:COL: message`; [`ExprError::render`] gives the full report
/// with the file name, the source line and a caret.
#[derive(Clone, Debug, PartialEq)]
pub struct ExprError {
    /// Where the mistake is.
    pub pos: Pos,
    /// How many characters the caret underlines (at least 1), such as the whole of `1.2.3`.
    pub width: usize,
    /// What kind of mistake it is.
    pub kind: ErrorKind,
    /// What is wrong and what was expected, in one sentence, without the position.
    pub message: String,
}

/// The longest stretch of a source line shown around the error, so a megabyte-long line still gives
/// a short report.
const WINDOW: usize = 80;

impl ExprError {
    pub(crate) fn new(kind: ErrorKind, pos: Pos, width: usize, message: impl Into<String>) -> Self {
        ExprError {
            pos,
            width: width.max(1),
            kind,
            message: message.into(),
        }
    }

    /// The line of the mistake, from 1.
    pub fn line(&self) -> usize {
        self.pos.line
    }

    /// The column of the mistake, from 1, in characters.
    pub fn col(&self) -> usize {
        self.pos.col
    }

    /// The report for a person: `FILE:LINE:COL: message`, then the source line and a caret under
    /// the column. `source` must be the text the error came from.
    ///
    /// ```
    /// use micrograd::expr;
    ///
    /// let source = "a = 2\nb = (a + 1";
    /// let err = expr::parse(source).unwrap_err();
    /// assert_eq!(
    ///     err.render("prog.mg", source),
    ///     "prog.mg:2:5: unbalanced parentheses: this `(` is never closed; expected `)` before the end of the line\n  \
    ///      |\n\
    ///      2 | b = (a + 1\n  \
    ///      |     ^\n"
    /// );
    /// ```
    pub fn render(&self, file_name: &str, source: &str) -> String {
        let mut out = format!(
            "{file_name}:{}:{}: {}\n",
            self.pos.line, self.pos.col, self.message
        );
        let Some(line) = source.split('\n').nth(self.pos.line.saturating_sub(1)) else {
            return out;
        };
        let chars: Vec<char> = line.trim_end_matches('\r').chars().collect();
        let col = self.pos.col.max(1) - 1;
        // Show at most WINDOW characters, starting early enough to keep the caret in view.
        let start = if chars.len() > WINDOW {
            col.saturating_sub(WINDOW / 2)
                .min(chars.len().saturating_sub(WINDOW))
        } else {
            0
        };
        let end = (start + WINDOW).min(chars.len());
        let mut shown = String::new();
        let mut caret_at = col - start.min(col);
        if start > 0 {
            shown.push('…');
            caret_at += 1;
        }
        // Tabs and control characters become spaces so the caret lines up under the column.
        shown.extend(
            chars[start..end]
                .iter()
                .map(|&c| if c.is_control() { ' ' } else { c }),
        );
        if end < chars.len() {
            shown.push('…');
        }
        let number = self.pos.line.to_string();
        let gutter = " ".repeat(number.len());
        let width = self.width.min(WINDOW);
        out.push_str(&format!(
            "{gutter} |\n{number} | {shown}\n{gutter} | {}{}\n",
            " ".repeat(caret_at),
            "^".repeat(width)
        ));
        out
    }
}

impl fmt::Display for ExprError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.pos, self.message)
    }
}

impl std::error::Error for ExprError {}
