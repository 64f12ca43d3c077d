//! What the front ends call each operation, derived from the one list of operations: the functions
//! of the expression language and the methods of `Value` (their symbols), micrograd's `_op`
//! names, and each backward rule written out as a learner writes it (the playground's step-through).
//! A new operation is a variant of [`Op`], its two rules in `mod.rs`, and its lines here.

use super::{Activation, Op};

impl Op {
    /// The operations written as functions of one value, `tanh(x)`: in the expression language,
    /// as methods of [`Value`](crate::Value) in Rust and in Python, each named by its
    /// [`symbol`](Op::symbol).
    pub const FUNCTIONS: [Op; 9] = [
        Op::Tanh,
        Op::Exp,
        Op::Log,
        Op::Relu,
        Op::Sigmoid,
        Op::Sin,
        Op::Cos,
        Op::Sqrt,
        Op::Abs,
    ];

    /// The function of [`Op::FUNCTIONS`] named `name`, if there is one.
    pub fn function(name: &str) -> Option<Op> {
        Op::FUNCTIONS.into_iter().find(|op| op.symbol() == name)
    }

    /// The name micrograd's `Value._op` gives the operation, where it differs from
    /// [`symbol`](Op::symbol): micrograd writes its ReLU `ReLU`.
    pub fn micrograd_name(self) -> &'static str {
        match self {
            Op::Relu => "ReLU",
            Op::WeightedSum(Activation::Relu) => "ReLU(Σwx+b)",
            op => op.symbol(),
        }
    }

    /// The backward rule of a unary or binary operation as a learner writes it: for each input,
    /// what it receives, `x.grad += …` (empty for an input that takes no gradient). Placeholders
    /// in braces stand for the node's values: `{a.data}` and `{b.data}` for its inputs',
    /// `{out.data}` and `{out.grad}` for its own, `{c}` and `{c-1}` for a constant exponent, and
    /// `{out.data>0}` for relu's step. The playground fills them with names, then with numbers.
    /// `None` for leaves, constants, weighted sums and custom operations, which have no one-line
    /// rule.
    pub fn rule_text(self) -> Option<[&'static str; 2]> {
        Some(match self {
            Op::Add => ["{out.grad}", "{out.grad}"],
            Op::Sub => ["{out.grad}", "-{out.grad}"],
            Op::Mul => ["{b.data} × {out.grad}", "{a.data} × {out.grad}"],
            Op::Div => [
                "{out.grad} / {b.data}",
                "-{out.grad} × {a.data} / {b.data}²",
            ],
            Op::Neg => ["-{out.grad}", ""],
            Op::Powf => ["{c} × {a.data}^{c-1} × {out.grad}", ""],
            Op::Pow => [
                "{b.data} × {a.data}^({b.data} - 1) × {out.grad}",
                "{out.data} × ln({a.data}) × {out.grad}",
            ],
            Op::Exp => ["{out.data} × {out.grad}", ""],
            Op::Log => ["{out.grad} / {a.data}", ""],
            Op::Tanh => ["(1 - {out.data}²) × {out.grad}", ""],
            Op::Sigmoid => ["{out.data} × (1 - {out.data}) × {out.grad}", ""],
            Op::Relu => ["{out.data>0} × {out.grad}", ""],
            Op::Sin => ["cos({a.data}) × {out.grad}", ""],
            Op::Cos => ["-sin({a.data}) × {out.grad}", ""],
            Op::Sqrt => ["{out.grad} / (2 × {out.data})", ""],
            Op::Abs => ["sign({a.data}) × {out.grad}", ""],
            Op::Leaf | Op::Const | Op::WeightedSum(_) | Op::Custom => return None,
        })
    }
}
