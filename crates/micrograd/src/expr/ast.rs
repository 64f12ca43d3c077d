//! The syntax tree of a parsed program: statements, and their expressions kept in one flat arena.
//!
//! Expressions are stored in post-order (every node after its operands) in a single vector and refer
//! to their operands by index. Building, evaluating and dropping a tree is then a loop over the
//! vector, never a recursion, so a program nested fifty thousand parentheses deep is as safe as a
//! flat one.

use super::error::Pos;
use crate::op::Op;

/// The index of an expression node in [`Program::expr`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ExprId(pub(crate) usize);

impl ExprId {
    /// The position of the node in the program's arena.
    pub fn index(self) -> usize {
        self.0
    }
}

/// A function the language knows: `tanh(x)`, `exp(x)`, …: one of the engine's
/// [`Op::FUNCTIONS`], named by its symbol, so a function added to the engine is one the language
/// knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Func(Op);

impl Func {
    /// Every function, in the order the language's documentation lists them.
    pub fn all() -> impl Iterator<Item = Func> {
        Op::FUNCTIONS.into_iter().map(Func)
    }

    /// The function's name in the language.
    pub fn name(self) -> &'static str {
        self.0.symbol()
    }

    /// The function called `name`, if the language has one.
    pub fn from_name(name: &str) -> Option<Func> {
        Op::function(name).map(Func)
    }

    /// The engine operation the function records.
    pub fn op(self) -> Op {
        self.0
    }
}

/// A binary operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `**`
    Pow,
}

impl BinOp {
    /// The operator as written: `+`, `**`, ….
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Pow => "**",
        }
    }
}

/// What an expression node is.
#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    /// A number written in the program.
    Number(f64),
    /// A name bound by an earlier statement.
    Name(String),
    /// `-operand`
    Neg(ExprId),
    /// `left op right`
    Binary(BinOp, ExprId, ExprId),
    /// `func(argument)`
    Call(Func, ExprId),
}

/// One node of an expression, with its position: the number's or name's first character, the
/// operator of a unary or binary expression, the function name of a call.
#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    /// What the node is.
    pub kind: ExprKind,
    /// Where it is in the source.
    pub pos: Pos,
    /// Whether the node is a constant: no name anywhere below it.
    pub constant: bool,
}

/// How a statement assigns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Assign {
    /// `name = expr`
    Set,
    /// `name += expr`, meaning `name = name + (expr)`.
    Add,
    /// `name -= expr`, meaning `name = name - (expr)`.
    Sub,
    /// `name *= expr`, meaning `name = name * (expr)`.
    Mul,
    /// `name /= expr`, meaning `name = name / (expr)`.
    Div,
}

impl Assign {
    /// The binary operator a compound assignment applies (`None` for `=`).
    pub fn bin_op(self) -> Option<BinOp> {
        match self {
            Assign::Set => None,
            Assign::Add => Some(BinOp::Add),
            Assign::Sub => Some(BinOp::Sub),
            Assign::Mul => Some(BinOp::Mul),
            Assign::Div => Some(BinOp::Div),
        }
    }
}

/// One statement: `target = value` or `target op= value`.
#[derive(Clone, Debug, PartialEq)]
pub struct Statement {
    /// The name assigned.
    pub target: String,
    /// Where the name is.
    pub pos: Pos,
    /// `=` or a compound assignment.
    pub assign: Assign,
    /// The right-hand side.
    pub value: ExprId,
    /// The first node of the right-hand side in the arena; its nodes run from here to `value`.
    pub(crate) first: usize,
}

/// A parsed program: statements in order, with every name checked to be assigned before its use.
///
/// Make one with [`parse`](super::parse); run it with [`Program::eval`](Program::eval).
#[derive(Clone, Debug, PartialEq)]
pub struct Program {
    pub(crate) statements: Vec<Statement>,
    pub(crate) exprs: Vec<Expr>,
}

impl Program {
    /// The statements, in order.
    pub fn statements(&self) -> &[Statement] {
        &self.statements
    }

    /// The expression node `id`.
    pub fn expr(&self, id: ExprId) -> &Expr {
        &self.exprs[id.0]
    }

    /// The names the program assigns, in order of first assignment.
    pub fn names(&self) -> Vec<&str> {
        let mut seen = std::collections::HashSet::new();
        self.statements
            .iter()
            .map(|s| s.target.as_str())
            .filter(|name| seen.insert(*name))
            .collect()
    }

    /// The name of the output: the target of the last statement.
    pub fn output(&self) -> &str {
        // `parse` rejects programs without statements.
        &self
            .statements
            .last()
            .expect("a parsed program has a statement")
            .target
    }
}
