//! The expression language: small programs of named scalar computations, evaluated into a
//! [`Graph`](crate::Graph) so that every name gets its value and its gradient.
//!
//! It is what `micrograd eval`, `micrograd gradcheck` and the web playground run:
//!
//! ```text
//! # the notebook's first graph
//! a = 2.0; b = -3.0; c = 10.0; f = -2.0
//! e = a * b
//! d = e + c
//! L = d * f
//! ```
//!
//! # Syntax
//!
//! A program is statements separated by newlines or `;`; `#` starts a comment.
//!
//! ```text
//! statement := NAME "=" expr | NAME ("+=" | "-=" | "*=" | "/=") expr
//! expr      := expr ("+" | "-") term | term
//! term      := term ("*" | "/") unary | unary
//! unary     := "-" unary | power
//! power     := atom ("**" unary)?        # right-associative; -x**2 is -(x**2); x**-2 works
//! atom      := NUMBER | NAME | FUNC "(" expr ")" | "(" expr ")"
//! FUNC      := tanh | exp | log | relu | sigmoid | sin | cos | sqrt | abs
//! NAME      := [A-Za-z_][A-Za-z0-9_]*    (not a FUNC)
//! NUMBER    := 12, 1.5, .5, 1., 1e-3, 6.8813735870195432
//! ```
//!
//! A statement ends at its line's end: a parenthesis cannot span lines.
//!
//! # Meaning
//!
//! - `NAME = NUMBER` or `NAME = -NUMBER` makes an input: a leaf labelled `NAME`. So does any
//!   right-hand side without names, such as `x = 1/3` or `x = -(2**0.5)`: its number is computed as
//!   Python would, then becomes the leaf.
//! - Other numbers are constants. A part of an expression without names is computed as a plain
//!   number first (`x * (2 + 3)` multiplies by 5), as Python computes `2 + 3` before it meets a tensor.
//! - `NAME = expr` labels the node `expr` makes `NAME`; `NAME = other` makes `NAME` an alias of the
//!   same node (no new node). Assigning a name again rebinds it.
//! - `NAME op= expr` is `NAME = NAME op (expr)`: `c += c + 1` is `c = c + (c + 1)`, as in Python.
//! - `x ** e` with an exponent free of names (`x ** 2`, `x ** -2`, `x ** (1/2)`) is a power with a
//!   constant exponent ([`Value::powf`](crate::Value::powf)); with a name in the exponent it is
//!   [`Value::pow`](crate::Value::pow), whose gradient reaches the exponent too.
//! - The output is the last statement's name, unless
//!   [`Evaluation::set_output`] chooses another.
//!
//! # Use
//!
//! ```
//! use micrograd::{expr, Graph};
//!
//! let program = expr::parse("x = 0.5\ny = tanh(2*x) + x**2").unwrap();
//! let g = Graph::new();
//! let run = program.eval(&g).unwrap();
//! run.backward();
//! for b in run.bindings() {
//!     println!("{} = {} (grad {})", b.name, b.value.data(), b.value.grad());
//! }
//! let x = run.get("x").unwrap();
//! assert!((x.grad() - (2.0 * (1.0 - (1.0f64).tanh().powi(2)) + 1.0)).abs() < 1e-15);
//! ```
//!
//! Mistakes come back as an [`ExprError`] with a line and a column;
//! [`ExprError::render`] shows them as a compiler does:
//!
//! ```
//! use micrograd::expr;
//!
//! let source = "x = 2\ny = x ** (3 - z)";
//! let err = expr::parse(source).unwrap_err();
//! assert_eq!(err.kind, expr::ErrorKind::UnknownName);
//! print!("{}", err.render("prog.mg", source));
//! // prog.mg:2:15: unknown name `z`: expected a name assigned by an earlier statement (names assigned before this point: x)
//! //   |
//! // 2 | y = x ** (3 - z)
//! //   |               ^
//! ```
//!
//! Nothing in parsing or evaluation recurses: a program nested tens of thousands of parentheses
//! deep is parsed and evaluated like any other.

mod ast;
mod error;
mod eval;
mod lexer;
mod parser;

pub use ast::{Assign, BinOp, Expr, ExprId, ExprKind, Func, Program, Statement};
pub use error::{ErrorKind, ExprError, Pos};
pub use eval::{json_number, Binding, Evaluation};
pub use lexer::{tokenize, Token, TokenKind};
pub use parser::parse;
