//! The parser: tokens to a [`Program`], by operator precedence with explicit stacks.
//!
//! Each right-hand side is read by the shunting-yard method: operands go to an output stack,
//! operators wait on an operator stack until one of lower precedence arrives. The stacks live on the
//! heap, so nesting depth costs memory, never call-stack frames: fifty thousand `(` or `-` in a row
//! parse like any other expression. Precedence, from loosest to tightest: `+ -`, `* /`, unary `-`,
//! `**` (right-associative, with a unary exponent), so `-x**2` is `-(x**2)` and `x**-2` works, as in
//! Python.
//!
//! Names are resolved here too: a name must be assigned by an earlier statement, so every mistake a
//! program can hold is reported by [`parse`] before anything is evaluated.

use std::collections::HashSet;

use super::ast::{Assign, BinOp, Expr, ExprId, ExprKind, Func, Program, Statement};
use super::error::{ErrorKind, ExprError, Pos};
use super::lexer::{tokenize, Token, TokenKind};

/// Parses a program. Every name must be assigned before it is used; the program must have at least
/// one statement.
///
/// ```
/// use micrograd::expr;
///
/// let program = expr::parse("a = 2.0; b = -3.0\nL = (a*b + 10) * -2").unwrap();
/// assert_eq!(program.names(), ["a", "b", "L"]);
/// assert_eq!(program.output(), "L");
///
/// let err = expr::parse("a = 2\nb = a +").unwrap_err();
/// assert_eq!(err.to_string(), "2:8: dangling operator: expected an expression after `+`, found end of input");
/// ```
///
/// # Errors
/// The first mistake in the program, with its position: see [`ErrorKind`].
pub fn parse(source: &str) -> Result<Program, ExprError> {
    let tokens = tokenize(source)?;
    let mut parser = Parser {
        tokens: &tokens,
        next: 0,
        exprs: Vec::new(),
        assigned: HashSet::new(),
        assigned_in_order: Vec::new(),
    };
    let mut statements = Vec::new();
    loop {
        while parser.peek().kind == TokenKind::Newline {
            parser.next += 1;
        }
        if parser.peek().kind == TokenKind::End {
            break;
        }
        statements.push(parser.statement()?);
    }
    if statements.is_empty() {
        return Err(ExprError::new(
            ErrorKind::EmptyProgram,
            parser.peek().pos,
            1,
            "empty program: expected at least one assignment, such as `x = 2.0`",
        ));
    }
    Ok(Program {
        statements,
        exprs: parser.exprs,
    })
}

struct Parser<'t, 's> {
    tokens: &'t [Token<'s>],
    next: usize,
    exprs: Vec<Expr>,
    assigned: HashSet<&'s str>,
    assigned_in_order: Vec<&'s str>,
}

/// An operator waiting on the stack for its operands.
#[derive(Clone, Copy)]
enum Pending {
    Neg(Pos),
    Binary(BinOp, Pos),
    /// A `(` at this position.
    Paren(Pos),
    /// `func(` with the name's position and the `(`'s.
    Call(Func, Pos, Pos),
}

impl Pending {
    /// How tightly the operator binds: a higher number binds first.
    fn precedence(self) -> u8 {
        match self {
            Pending::Binary(BinOp::Add | BinOp::Sub, _) => 1,
            Pending::Binary(BinOp::Mul | BinOp::Div, _) => 2,
            Pending::Neg(_) => 3,
            Pending::Binary(BinOp::Pow, _) => 4,
            Pending::Paren(_) | Pending::Call(..) => 0,
        }
    }
}

fn binary_op(kind: TokenKind) -> Option<BinOp> {
    Some(match kind {
        TokenKind::Plus => BinOp::Add,
        TokenKind::Minus => BinOp::Sub,
        TokenKind::Star => BinOp::Mul,
        TokenKind::Slash => BinOp::Div,
        TokenKind::StarStar => BinOp::Pow,
        _ => return None,
    })
}

fn assign_op(kind: TokenKind) -> Option<Assign> {
    Some(match kind {
        TokenKind::Assign => Assign::Set,
        TokenKind::PlusAssign => Assign::Add,
        TokenKind::MinusAssign => Assign::Sub,
        TokenKind::StarAssign => Assign::Mul,
        TokenKind::SlashAssign => Assign::Div,
        _ => return None,
    })
}

fn known_functions() -> String {
    Func::all().map(Func::name).collect::<Vec<_>>().join(", ")
}

impl<'s> Parser<'_, 's> {
    fn peek(&self) -> Token<'s> {
        self.tokens[self.next]
    }

    fn peek_second(&self) -> Token<'s> {
        self.tokens[(self.next + 1).min(self.tokens.len() - 1)]
    }

    fn statement(&mut self) -> Result<Statement, ExprError> {
        let target = self.peek();
        let assign = if target.kind == TokenKind::Name {
            assign_op(self.peek_second().kind)
        } else {
            None
        };
        let Some(assign) = assign else {
            return Err(self.not_an_assignment(target));
        };
        if Func::from_name(target.text).is_some() {
            return Err(ExprError::new(
                ErrorKind::FunctionName,
                target.pos,
                target.text.len(),
                format!(
                    "`{}` is a function and cannot be assigned; choose another name",
                    target.text
                ),
            ));
        }
        if assign != Assign::Set && !self.assigned.contains(target.text) {
            return Err(self.unknown_name(target));
        }
        self.next += 2;
        let first = self.exprs.len();
        let value = self.expression(self.tokens[self.next - 1])?;
        if self.assigned.insert(target.text) {
            self.assigned_in_order.push(target.text);
        }
        Ok(Statement {
            target: target.text.to_string(),
            pos: target.pos,
            assign,
            value,
            first,
        })
    }

    fn not_an_assignment(&self, first: Token<'s>) -> ExprError {
        let found = if first.kind == TokenKind::Name
            && binary_op(self.peek_second().kind).is_none()
            && self.peek_second().kind != TokenKind::LParen
        {
            format!(
                "found {} after `{}`",
                self.peek_second().describe(),
                first.text
            )
        } else {
            "found an expression".to_string()
        };
        ExprError::new(
            ErrorKind::NotAnAssignment,
            first.pos,
            first.text.chars().count(),
            format!(
                "not an assignment: a statement is `NAME = expression` (or `+=`, `-=`, `*=`, `/=`), {found}; \
                 to see a value, name it, as in `y = …`"
            ),
        )
    }

    fn unknown_name(&self, name: Token<'s>) -> ExprError {
        let known = if self.assigned_in_order.is_empty() {
            "no name is assigned before this point".to_string()
        } else {
            const SHOWN: usize = 12;
            let mut list = self
                .assigned_in_order
                .iter()
                .take(SHOWN)
                .copied()
                .collect::<Vec<_>>()
                .join(", ");
            if self.assigned_in_order.len() > SHOWN {
                list.push_str(", …");
            }
            format!("names assigned before this point: {list}")
        };
        ExprError::new(
            ErrorKind::UnknownName,
            name.pos,
            name.text.len(),
            format!(
                "unknown name `{}`: expected a name assigned by an earlier statement ({known}){}",
                name.text,
                suggestion(name.text, self.assigned_in_order.iter().copied())
            ),
        )
    }

    fn push(&mut self, kind: ExprKind, pos: Pos, constant: bool) -> ExprId {
        self.exprs.push(Expr {
            kind,
            pos,
            constant,
        });
        ExprId(self.exprs.len() - 1)
    }

    /// Applies the operator on top of `pending` to its operands on `operands`.
    fn reduce(&mut self, op: Pending, operands: &mut Vec<ExprId>) {
        // The stacks are kept balanced by the state machine in `expression`: every operator on the
        // stack has its operands in place when it is reduced.
        let mut pop = || operands.pop().expect("operand for a pending operator");
        let id = match op {
            Pending::Neg(pos) => {
                let x = pop();
                let constant = self.exprs[x.0].constant;
                self.push(ExprKind::Neg(x), pos, constant)
            }
            Pending::Binary(bin, pos) => {
                let y = pop();
                let x = pop();
                let constant = self.exprs[x.0].constant && self.exprs[y.0].constant;
                self.push(ExprKind::Binary(bin, x, y), pos, constant)
            }
            Pending::Call(func, pos, _) => {
                let x = pop();
                let constant = self.exprs[x.0].constant;
                self.push(ExprKind::Call(func, x), pos, constant)
            }
            Pending::Paren(_) => pop(),
        };
        operands.push(id);
    }

    /// Reads one right-hand side, up to the end of its statement; `before` is the assignment token.
    fn expression(&mut self, before: Token<'s>) -> Result<ExprId, ExprError> {
        let mut operands: Vec<ExprId> = Vec::new();
        let mut pending: Vec<Pending> = Vec::new();
        // The token before the current one, to say what an operand was expected after.
        let mut previous = before;
        let mut expect_operand = true;
        loop {
            let token = self.peek();
            if expect_operand {
                match token.kind {
                    TokenKind::Number => {
                        let id = self.push(ExprKind::Number(token.number), token.pos, true);
                        operands.push(id);
                        expect_operand = false;
                    }
                    TokenKind::Name => {
                        let func = Func::from_name(token.text);
                        let next = self.peek_second();
                        if next.kind == TokenKind::LParen {
                            let Some(func) = func else {
                                return Err(ExprError::new(
                                    ErrorKind::UnknownFunction,
                                    token.pos,
                                    token.text.len(),
                                    format!(
                                        "unknown function `{}`: expected one of {}{}",
                                        token.text,
                                        known_functions(),
                                        suggestion(token.text, Func::all().map(Func::name))
                                    ),
                                ));
                            };
                            pending.push(Pending::Call(func, token.pos, next.pos));
                            self.next += 2;
                            previous = next;
                            continue;
                        } else if func.is_some() {
                            return Err(ExprError::new(
                                ErrorKind::FunctionName,
                                token.pos,
                                token.text.len(),
                                format!(
                                    "`{0}` is a function: expected `(` after it, as in `{0}(x)`",
                                    token.text
                                ),
                            ));
                        } else if !self.assigned.contains(token.text) {
                            return Err(self.unknown_name(token));
                        } else {
                            let id =
                                self.push(ExprKind::Name(token.text.to_string()), token.pos, false);
                            operands.push(id);
                            expect_operand = false;
                        }
                    }
                    TokenKind::Minus => pending.push(Pending::Neg(token.pos)),
                    TokenKind::LParen => pending.push(Pending::Paren(token.pos)),
                    _ => return Err(missing_operand(previous, token)),
                }
            } else if let Some(bin) = binary_op(token.kind) {
                let incoming = Pending::Binary(bin, token.pos);
                let right_assoc = bin == BinOp::Pow;
                while let Some(&top) = pending.last() {
                    let (p, q) = (top.precedence(), incoming.precedence());
                    if p > q || (p == q && !right_assoc) {
                        pending.pop();
                        self.reduce(top, &mut operands);
                    } else {
                        break;
                    }
                }
                pending.push(incoming);
                expect_operand = true;
            } else {
                match token.kind {
                    TokenKind::RParen => loop {
                        match pending.pop() {
                            Some(op @ (Pending::Paren(_) | Pending::Call(..))) => {
                                self.reduce(op, &mut operands);
                                break;
                            }
                            Some(op) => self.reduce(op, &mut operands),
                            None => return Err(ExprError::new(
                                ErrorKind::UnbalancedParentheses,
                                token.pos,
                                1,
                                "unbalanced parentheses: this `)` has no matching `(` before it",
                            )),
                        }
                    },
                    TokenKind::Newline | TokenKind::End => {
                        while let Some(op) = pending.pop() {
                            if let Pending::Paren(pos) | Pending::Call(_, _, pos) = op {
                                return Err(ExprError::new(
                                    ErrorKind::UnbalancedParentheses,
                                    pos,
                                    1,
                                    "unbalanced parentheses: this `(` is never closed; \
                                     expected `)` before the end of the line",
                                ));
                            }
                            self.reduce(op, &mut operands);
                        }
                        return Ok(operands.pop().expect("a complete expression"));
                    }
                    _ => {
                        let hint = if assign_op(token.kind).is_some() {
                            "; statements are separated by newlines or `;`"
                        } else {
                            ""
                        };
                        return Err(ExprError::new(
                            ErrorKind::UnexpectedToken,
                            token.pos,
                            token.text.chars().count(),
                            format!(
                                "unexpected {}: expected an operator (`+ - * / **`), `)` or the end of the statement{hint}",
                                token.describe()
                            ),
                        ));
                    }
                }
            }
            previous = token;
            self.next += 1;
        }
    }
}

/// `"; did you mean `x1`?"` when one of `candidates` is a likely misspelling of `name` (at most
/// two edits away, and fewer than the name's length), or `""`.
fn suggestion<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    candidates
        .into_iter()
        .map(|c| (edit_distance(name, c), c))
        .filter(|&(d, _)| d <= 2 && d < name.chars().count())
        .min_by_key(|&(d, _)| d)
        .map_or(String::new(), |(_, c)| format!("; did you mean `{c}`?"))
}

/// The Levenshtein distance: insertions, deletions and substitutions to turn `a` into `b`.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let substitute = diagonal + usize::from(ca != cb);
            diagonal = row[j + 1];
            row[j + 1] = substitute.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    row[b.len()]
}

/// The error for a token found where an operand (a number, a name, `(` or `-`) must be.
fn missing_operand(previous: Token<'_>, found: Token<'_>) -> ExprError {
    let dangling = matches!(
        previous.kind,
        TokenKind::Plus
            | TokenKind::Minus
            | TokenKind::Star
            | TokenKind::Slash
            | TokenKind::StarStar
    );
    let (kind, what) = if dangling {
        (ErrorKind::DanglingOperator, "dangling operator: ")
    } else {
        (ErrorKind::ExpectedExpression, "")
    };
    let width = if found.kind == TokenKind::Newline {
        1
    } else {
        found.text.chars().count()
    };
    ExprError::new(
        kind,
        found.pos,
        width,
        format!(
            "{what}expected an expression after `{}`, found {}",
            previous.text,
            found.describe()
        ),
    )
}
