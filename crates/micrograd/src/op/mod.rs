//! The operations a node can record, with each one's forward rule and backward rule.
//!
//! This file is the whole of the calculus in the engine. [`Op::forward`] says how a node's value is
//! computed from its inputs and [`Op::backward`] how its gradient flows back to them; both are one
//! `match`, in the same order, so an operation's two rules can be read together. A neuron,
//! `act(b + Σ wᵢxᵢ)`, is one operation, [`Op::WeightedSum`], with its [`Activation`] as data: its sum's
//! two rules are [`weighted_sum`] and [`weighted_sum_term_backward`], and its activation's are
//! [`Activation::forward`] and [`Activation::backward`]. The backward rules are
//! written as PyTorch writes them (`derivatives.yaml`), so the numbers agree with PyTorch's to the last
//! bit or within a rounding step: for example the gradient of `x / y` with respect to `y` is
//! `-g * ((x / y) / y)`, not `-g * x / y²`, and `relu'(0) = 0`, `abs'(0) = 0`. NaN, the
//! infinities and the zeros' signs follow PyTorch as well: `relu(NaN)` is NaN, `relu(-0)` is -0,
//! `(-inf) ** 0.5` is NaN (PyTorch takes a square root there), and an operation whose derivative
//! is infinite turns a zero gradient into NaN. `tests/nonfinite.rs` checks every operation at these
//! edges against PyTorch, bit for bit.

use std::fmt;

mod names;
mod outside;

pub use outside::{BackwardError, BackwardRule, BackwardStep, RuleError};

/// What made a node: the operation recorded on the tape.
///
/// Unary operations read their input from the first argument; binary ones from both. A
/// [`Op::WeightedSum`] node has any number of inputs, kept beside the tape (see
/// [`Value::children`](crate::Value::children)). An `Op` is one byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Op {
    /// An input: a number the user made with [`Graph::value`](crate::Graph::value).
    Leaf,
    /// A plain number in an expression, such as the `2.0` of `2.0 * a`.
    Const,
    /// `a + b`
    Add,
    /// `a - b`
    Sub,
    /// `a * b`
    Mul,
    /// `a / b`
    Div,
    /// `-a`
    Neg,
    /// `a ** c` with a constant exponent `c` (the second argument is a [`Op::Const`] node).
    Powf,
    /// `a ** b` with a value exponent: the gradient flows to the exponent too.
    Pow,
    /// `exp(a)`
    Exp,
    /// `log(a)`, the natural logarithm.
    Log,
    /// `tanh(a)`
    Tanh,
    /// `sigmoid(a) = 1 / (1 + exp(-a))`
    Sigmoid,
    /// `relu(a) = max(a, 0)`
    Relu,
    /// `sin(a)`
    Sin,
    /// `cos(a)`
    Cos,
    /// `sqrt(a)`
    Sqrt,
    /// `abs(a)`
    Abs,
    /// `act(b + Σ wᵢ·xᵢ)` in one node: a whole neuron, as a [`Layer`](crate::nn::Layer) makes it;
    /// with [`Activation::Linear`], the plain weighted sum `b + Σ wᵢ·xᵢ` of
    /// [`Graph::weighted_sum`](crate::Graph::weighted_sum).
    WeightedSum(Activation),
    /// An operation written outside the engine: its value was computed by whoever made it, and its
    /// backward rule is a [`BackwardRule`] they supplied (see [`Graph::custom`](crate::Graph::custom)),
    /// as micrograd's notebook writes each new operation with its own `_backward` closure.
    Custom,
}

impl Op {
    /// How many tape arguments the operation reads (`None` for the n-ary weighted sums).
    pub fn arity(self) -> Option<usize> {
        match self {
            Op::Leaf | Op::Const => Some(0),
            Op::Add | Op::Sub | Op::Mul | Op::Div | Op::Powf | Op::Pow => Some(2),
            Op::WeightedSum(_) | Op::Custom => None,
            _ => Some(1),
        }
    }

    /// Whether the operation is a weighted sum `act(b + Σ wᵢ·xᵢ)`, with any activation.
    pub fn is_weighted_sum(self) -> bool {
        matches!(self, Op::WeightedSum(_))
    }

    /// The activation a weighted sum applies to its sum ([`Activation::Linear`] for a plain sum), or
    /// `None` for every other operation.
    pub fn activation(self) -> Option<Activation> {
        match self {
            Op::WeightedSum(activation) => Some(activation),
            _ => None,
        }
    }

    /// The short name drawn in a graph's op node and printed in tables: `+`, `*`, `tanh`, ….
    pub fn symbol(self) -> &'static str {
        match self {
            Op::Leaf | Op::Const => "",
            Op::Add => "+",
            Op::Sub => "-",
            Op::Mul => "*",
            Op::Div => "/",
            Op::Neg => "neg",
            Op::Powf | Op::Pow => "**",
            Op::Exp => "exp",
            Op::Log => "log",
            Op::Tanh => "tanh",
            Op::Sigmoid => "sigmoid",
            Op::Relu => "relu",
            Op::Sin => "sin",
            Op::Cos => "cos",
            Op::Sqrt => "sqrt",
            Op::Abs => "abs",
            Op::WeightedSum(Activation::Linear) => "Σwx+b",
            Op::WeightedSum(Activation::Relu) => "relu(Σwx+b)",
            Op::WeightedSum(Activation::Tanh) => "tanh(Σwx+b)",
            Op::WeightedSum(Activation::Sigmoid) => "sigmoid(Σwx+b)",
            // The node's own name is kept on the tape (see `Value::op_name`).
            Op::Custom => "custom",
        }
    }

    /// The forward rule of a unary or binary operation: the node's value from its inputs' values
    /// (`y` is ignored by unary operations). For [`Op::WeightedSum`], `x` is the sum
    /// `b + Σ wᵢ·xᵢ` (see [`weighted_sum`]) and the result its activation.
    ///
    /// # Panics
    /// For [`Op::Leaf`] and [`Op::Const`], which are not computed from inputs.
    #[inline(always)]
    pub fn forward(self, x: f64, y: f64) -> f64 {
        match self {
            Op::Add => x + y,
            Op::Sub => x - y,
            Op::Mul => x * y,
            Op::Div => x / y,
            Op::Neg => -x,
            Op::Powf => pow_scalar(x, y),
            Op::Pow => x.powf(y),
            Op::Exp => x.exp(),
            Op::Log => x.ln(),
            // f64::tanh saturates to ±1 without overflow.
            Op::Tanh => x.tanh(),
            Op::Sigmoid => sigmoid(x),
            // PyTorch's relu is `clamp_min(x, 0)`: NaN stays NaN (a NaN in the data must not
            // become a finite prediction) and -0 stays -0.
            Op::Relu => {
                if x < 0.0 {
                    0.0
                } else {
                    x
                }
            }
            Op::Sin => x.sin(),
            Op::Cos => x.cos(),
            Op::Sqrt => x.sqrt(),
            Op::Abs => x.abs(),
            Op::WeightedSum(activation) => activation.forward(x),
            Op::Leaf | Op::Const | Op::Custom => {
                panic!("Op::forward: {self:?} is not computed from inputs by the engine")
            }
        }
    }

    /// The backward rule of a unary or binary operation: given the inputs `x`, `y`, the output `out`
    /// and the output's gradient `g`, the gradient contributions `(dx, dy)` for the two inputs
    /// (`dy` is 0 for unary operations and for the constant exponent of [`Op::Powf`]).
    ///
    /// The activations' rules (relu, tanh, sigmoid) read only `out` and `g`, which is what lets a
    /// weighted sum apply its activation's rule without keeping the sum itself.
    ///
    /// For [`Op::WeightedSum`], `dx` is the gradient of the sum `b + Σ wᵢ·xᵢ` (through the
    /// activation): the bias receives it as it is, and each term's weight and input receive it
    /// through [`weighted_sum_term_backward`]. For [`Op::Leaf`] and [`Op::Const`], which have no
    /// inputs, it is `(0, 0)`; so it is for [`Op::Custom`], whose rule is its [`BackwardRule`].
    #[inline(always)]
    pub fn backward(self, x: f64, y: f64, out: f64, g: f64) -> (f64, f64) {
        match self {
            Op::Add => (g, g),
            Op::Sub => (g, -g),
            Op::Mul => (g * y, g * x),
            Op::Div => (g / y, -g * ((x / y) / y)),
            Op::Neg => (-g, 0.0),
            Op::Powf => (pow_base_grad(x, y, g, pow_scalar), 0.0),
            Op::Pow => {
                // PyTorch masks the exponent's derivative where the base is 0 and the exponent is
                // non-negative, where log(0) would otherwise give 0 * -inf = NaN; the mask is
                // inside the product, so a NaN gradient `g` still gives NaN.
                let local = if x == 0.0 && y >= 0.0 {
                    0.0
                } else {
                    out * x.ln()
                };
                (pow_base_grad(x, y, g, f64::powf), g * local)
            }
            Op::Exp => (g * out, 0.0),
            Op::Log => (g / x, 0.0),
            Op::Tanh => (g * (1.0 - out * out), 0.0),
            Op::Sigmoid => (g * (1.0 - out) * out, 0.0),
            // PyTorch's `threshold_backward(g, out, 0)`: `out <= 0` is false for NaN, so a NaN
            // input passes the gradient on, and 0 masks even a NaN gradient.
            Op::Relu => (if out <= 0.0 { 0.0 } else { g }, 0.0),
            Op::Sin => (g * x.cos(), 0.0),
            Op::Cos => (g * -x.sin(), 0.0),
            Op::Sqrt => (g / (2.0 * out), 0.0),
            Op::Abs => (g * sign(x), 0.0),
            Op::WeightedSum(activation) => (activation.backward(out, g), 0.0),
            Op::Leaf | Op::Const | Op::Custom => (0.0, 0.0),
        }
    }

    /// Whether the backward rule can give a non-finite contribution even when every value it reads
    /// is finite and the gradient is 0, as `sqrt'(0)` does (`0 / (2 * 0)` is NaN, and PyTorch gives
    /// NaN there too). A backward pass may skip a node whose gradient is 0 only when no node below
    /// it is one of these.
    pub fn derivative_can_blow_up(self) -> bool {
        // Div: (x / y) / y can overflow. Powf, Pow: x^(c-1) is infinite at x = 0 when c < 1.
        // Log's 1/x is infinite only at x = 0, where log's own value is already -inf.
        // Custom: nothing is known of a rule written outside.
        matches!(self, Op::Div | Op::Sqrt | Op::Powf | Op::Pow | Op::Custom)
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.symbol())
    }
}

/// The function a neuron applies after its weighted sum: the activation of an [`Op::WeightedSum`]
/// node (and, re-exported as [`nn::Activation`](crate::nn::Activation), of a neuron).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Activation {
    /// `max(0, x)`, micrograd's hidden-layer default.
    Relu,
    /// `tanh(x)`, as the notebook's neuron.
    Tanh,
    /// `1 / (1 + e^-x)`.
    Sigmoid,
    /// The identity: the output layer of micrograd's MLP.
    Linear,
}

impl Activation {
    /// The unary operation that applies the activation on its own node (`None` for
    /// [`Activation::Linear`]).
    pub fn op(self) -> Option<Op> {
        match self {
            Activation::Relu => Some(Op::Relu),
            Activation::Tanh => Some(Op::Tanh),
            Activation::Sigmoid => Some(Op::Sigmoid),
            Activation::Linear => None,
        }
    }

    /// The forward rule: the activation of `x`, with the same formula as its own operation's.
    #[inline(always)]
    pub fn forward(self, x: f64) -> f64 {
        self.op().map_or(x, |op| op.forward(x, 0.0))
    }

    /// [`Activation::forward`] of every value in place. The activation is chosen once, not per
    /// value, so that each arm's loop is the rule alone, which the compiler can run on vector
    /// registers (relu); the same rule, the same bits.
    pub fn forward_all(self, values: &mut [f64]) {
        /// `values[k] = rule(values[k])`, compiled anew for each rule.
        #[inline(always)]
        fn each(values: &mut [f64], rule: impl Fn(f64) -> f64) {
            for v in values {
                *v = rule(*v);
            }
        }
        match self {
            Activation::Relu => each(values, |x| Activation::Relu.forward(x)),
            Activation::Tanh => each(values, |x| Activation::Tanh.forward(x)),
            Activation::Sigmoid => each(values, |x| Activation::Sigmoid.forward(x)),
            Activation::Linear => {}
        }
    }

    /// [`Activation::backward`] of each `(out, g)` pair, appended to `into`, the activation chosen
    /// once (as [`Activation::forward_all`]).
    pub fn backward_all(self, outs: &[f64], grads: &[f64], into: &mut Vec<f64>) {
        /// Appends `rule(out, g)` for each pair, compiled anew for each rule.
        #[inline(always)]
        fn each(outs: &[f64], grads: &[f64], into: &mut Vec<f64>, rule: impl Fn(f64, f64) -> f64) {
            into.extend(outs.iter().zip(grads).map(|(&out, &g)| rule(out, g)));
        }
        match self {
            Activation::Relu => each(outs, grads, into, |o, g| Activation::Relu.backward(o, g)),
            Activation::Tanh => each(outs, grads, into, |o, g| Activation::Tanh.backward(o, g)),
            Activation::Sigmoid => {
                each(outs, grads, into, |o, g| Activation::Sigmoid.backward(o, g))
            }
            Activation::Linear => each(outs, grads, into, |_, g| g),
        }
    }

    /// The backward rule: the gradient of the activation's input, from its output `out` and the
    /// output's gradient `g` (the rules of relu, tanh and sigmoid read only these two).
    #[inline(always)]
    pub fn backward(self, out: f64, g: f64) -> f64 {
        self.op().map_or(g, |op| op.backward(0.0, 0.0, out, g).0)
    }
}

/// The forward rule of the sum inside [`Op::WeightedSum`]: `bias + Σ wᵢ·xᵢ` over the `(wᵢ, xᵢ)`
/// pairs, added in order from the bias (so every path that computes it gives the same bits).
#[inline(always)]
pub fn weighted_sum(bias: f64, terms: impl IntoIterator<Item = (f64, f64)>) -> f64 {
    terms.into_iter().fold(bias, |acc, (w, x)| acc + w * x)
}

/// The backward rule of one term `w·x` of a weighted sum whose sum has gradient `g` (see
/// [`Op::backward`]): the contributions `(dw, dx) = (g·x, g·w)`. The bias receives `g` itself.
#[inline(always)]
pub fn weighted_sum_term_backward(g: f64, w: f64, x: f64) -> (f64, f64) {
    (g * x, g * w)
}

/// `d(x**c)/dx`, with PyTorch's rule that an exponent of 0 gives a gradient of exactly 0 (even
/// for a NaN `g`). `pow` is the power the forward rule uses, as PyTorch computes `x ** (c - 1)`
/// with the same kernel as `x ** c`.
fn pow_base_grad(x: f64, c: f64, g: f64, pow: fn(f64, f64) -> f64) -> f64 {
    if c == 0.0 {
        0.0
    } else {
        g * (c * pow(x, c - 1.0))
    }
}

/// `x ** c` for a constant exponent, as PyTorch's `pow(Tensor, Scalar)` computes it: the exponents
/// 0.5, -0.5, -1, 2, 3 and -2 by their own formulas, the others by the C library's `pow`. The
/// formulas differ from `pow` at the edges (`sqrt(-inf)` is NaN where `pow(-inf, 0.5)` is inf,
/// `sqrt(-0)` is -0 where `pow` gives +0), and `x * x * x` may differ from `pow(x, 3)` in the
/// last bit, so the same formulas give PyTorch's numbers.
fn pow_scalar(x: f64, c: f64) -> f64 {
    if c == 0.5 {
        x.sqrt()
    } else if c == -0.5 {
        1.0 / x.sqrt()
    } else if c == -1.0 {
        1.0 / x
    } else if c == 2.0 {
        x * x
    } else if c == 3.0 {
        x * x * x
    } else if c == -2.0 {
        1.0 / (x * x)
    } else {
        x.powf(c)
    }
}

/// The logistic function, computed so that neither branch can overflow: `exp` only ever sees a
/// non-positive argument.
fn sigmoid(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

/// The sign as PyTorch's `sgn` of a real number, `(0 < x) - (x < 0)`: 0 at 0 (so `abs'(0) = 0`),
/// and 0 for NaN too, so `abs'(NaN) = 0` as in PyTorch.
fn sign(x: f64) -> f64 {
    if x > 0.0 {
        1.0
    } else if x < 0.0 {
        -1.0
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saturating_functions_do_not_overflow() {
        assert_eq!(Op::Tanh.forward(1000.0, 0.0), 1.0);
        assert_eq!(Op::Tanh.forward(-1000.0, 0.0), -1.0);
        assert_eq!(Op::Sigmoid.forward(1000.0, 0.0), 1.0);
        assert_eq!(Op::Sigmoid.forward(-1000.0, 0.0), 0.0);
        assert_eq!(Op::Tanh.backward(1000.0, 0.0, 1.0, 1.0), (0.0, 0.0));
        assert_eq!(Op::Sigmoid.backward(-1000.0, 0.0, 0.0, 1.0), (0.0, 0.0));
    }

    #[test]
    fn kinks_follow_pytorch() {
        assert_eq!(Op::Relu.backward(0.0, 0.0, 0.0, 1.0).0, 0.0);
        assert_eq!(Op::Abs.backward(0.0, 0.0, 0.0, 1.0).0, 0.0);
        assert_eq!(Op::Powf.backward(0.0, 0.0, 1.0, 1.0).0, 0.0);
        assert_eq!(Op::Pow.backward(0.0, 2.0, 0.0, 1.0).1, 0.0);
    }

    #[test]
    fn an_activation_over_a_slice_gives_the_bits_of_one_value_at_a_time() {
        let values = [
            -2.5,
            -0.0,
            0.0,
            1e-310,
            3.0,
            -1000.0,
            1000.0,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ];
        // NaN compared by being NaN, every other value by its bits.
        let same = |a: f64, b: f64| (a.is_nan() && b.is_nan()) || a.to_bits() == b.to_bits();
        for activation in [
            Activation::Relu,
            Activation::Tanh,
            Activation::Sigmoid,
            Activation::Linear,
        ] {
            let mut all = values.to_vec();
            activation.forward_all(&mut all);
            for (&x, &y) in values.iter().zip(&all) {
                assert!(same(activation.forward(x), y), "{activation:?} at {x}");
            }
            let grads: Vec<f64> = values.iter().rev().copied().collect();
            let mut back = Vec::new();
            activation.backward_all(&all, &grads, &mut back);
            for ((&out, &g), &b) in all.iter().zip(&grads).zip(&back) {
                assert!(
                    same(activation.backward(out, g), b),
                    "{activation:?}' at {out}, {g}"
                );
            }
        }
    }
}
