//! The [`Value`] handle: a cheap `Copy` handle to one node of a [`Graph`], and what it can do
//! without running backpropagation: read and set its data, gradient and label, look at how it was
//! made, and build new nodes with the operators and functions.
//!
//! Arithmetic works between values and with `f64` on either side, so code reads like the notebook:
//! `let d = a * b + c;`, `2.0 * a`, `a / b - 1.0`. A plain number becomes an [`Op::Const`] node, as
//! micrograd wraps numbers in `Value`. [`Value::backward`] and its kin are in `backprop.rs`, above
//! the sweeps they run.

use std::fmt;
use std::ops::{Add, AddAssign, Div, DivAssign, Mul, MulAssign, Neg, Sub, SubAssign};
use std::sync::Arc;

use crate::op::{BackwardRule, Op};

use super::Graph;

/// A scalar in a computation graph: its data, its gradient, and how it was made.
///
/// A `Value` is a handle (the graph and a position on its tape), so it is `Copy`: use it as often as
/// you like, as you would an `f64`. Gradients accumulate, so a value used twice gets both
/// contributions:
///
/// ```
/// use micrograd::Graph;
///
/// let g = Graph::new();
/// let a = g.value(3.0).with_label("a");
/// let b = a + a;
/// b.backward();
/// assert_eq!(a.grad(), 2.0);
/// println!("{a}"); // Value(data=3.0, grad=2.0)
/// ```
#[derive(Clone, Copy)]
pub struct Value<'g> {
    pub(super) graph: &'g Graph,
    /// The node's index on the tape in the low 32 bits, the generation it was made in above them:
    /// one word, so that a handle travels in two registers, and a run of handles is a run of keys.
    pub(super) key: u64,
}

impl<'g> Value<'g> {
    pub(crate) fn new(graph: &'g Graph, index: u32, generation: u32) -> Self {
        Value {
            graph,
            key: u64::from(index) | u64::from(generation) << 32,
        }
    }

    /// The node's index on the tape.
    pub(crate) fn index(&self) -> u32 {
        self.key as u32
    }

    /// The generation (number of rewinds and compactions) the handle was made in.
    pub(crate) fn generation(&self) -> u32 {
        (self.key >> 32) as u32
    }

    /// The graph this value lives in.
    pub fn graph(&self) -> &'g Graph {
        self.graph
    }

    /// The node's position on the tape: unique within its graph (until a rewind or a compaction),
    /// and increasing in creation order.
    pub fn id(&self) -> usize {
        self.index() as usize
    }
}

impl<'g> Value<'g> {
    pub(crate) fn live(&self) -> usize {
        self.graph()
            .tape()
            .check_alive(self.index(), self.generation());
        self.index() as usize
    }

    /// The number this node holds.
    pub fn data(&self) -> f64 {
        let i = self.live();
        self.graph().tape().data()[i]
    }

    /// The gradient accumulated in this node by [`backward`](Value::backward) (0 until then). A
    /// constant ([`Op::Const`], the `2.0` of `2.0 * a`) has none, as a PyTorch tensor that does not
    /// require a gradient: its gradient is always 0.
    pub fn grad(&self) -> f64 {
        let i = self.live();
        let t = self.graph().tape();
        if t.node(i).op() == Op::Const {
            0.0
        } else {
            t.grad(i)
        }
    }

    /// Sets the node's data, as the notebook's `a.data += 0.01 * a.grad`. Nodes computed from it
    /// keep their old data until [`Graph::recompute`](crate::Graph::recompute) or until they are built again.
    pub fn set_data(&self, data: f64) {
        let i = self.live();
        self.graph().tape_mut().set_data(i, data);
    }

    /// Sets the node's gradient by hand, as the notebook does in manual backpropagation.
    pub fn set_grad(&self, grad: f64) {
        let i = self.live();
        self.graph().tape_mut().set_grad(i, grad);
    }

    /// The node's label, if it has one.
    pub fn label(&self) -> Option<String> {
        let i = self.live() as u32;
        self.graph().tape().label(i).cloned()
    }

    /// Gives the node a label (shown in drawings and tables) and returns it, for chaining:
    /// `g.value(2.0).with_label("a")`.
    pub fn with_label(self, label: impl Into<String>) -> Self {
        self.set_label(label);
        self
    }

    /// Gives the node a label, replacing any it had.
    pub fn set_label(&self, label: impl Into<String>) {
        let i = self.live() as u32;
        self.graph().tape_mut().set_label(i, label.into());
    }

    /// The operation that made this node ([`Op::Leaf`] for an input).
    pub fn op(&self) -> Op {
        let i = self.live();
        self.graph().tape().node(i).op()
    }

    /// The name of the operation that made this node: [`Op::symbol`], or for an operation written
    /// outside the engine the name it was given ([`Graph::custom`](crate::Graph::custom)).
    pub fn op_name(&self) -> String {
        let i = self.live();
        let t = self.graph().tape();
        match t.node(i).op() {
            Op::Custom => t.custom(i).name.clone(),
            op => op.symbol().to_owned(),
        }
    }

    /// Gives a node made with [`Graph::custom`](crate::Graph::custom) its backward rule (replacing
    /// any it had): what [`backward`](Value::backward) calls at this node's turn. See
    /// [`BackwardRule`].
    ///
    /// # Panics
    /// If the node was not made with [`Graph::custom`](crate::Graph::custom).
    pub fn set_backward_rule(&self, rule: impl BackwardRule) {
        let i = self.live();
        self.graph().set_rule(i, Arc::new(rule));
    }

    /// Whether this node is an input made with [`Graph::value`](crate::Graph::value).
    pub fn is_leaf(&self) -> bool {
        self.op() == Op::Leaf
    }

    /// The nodes this one was computed from, in argument order (for a weighted sum: the bias, then
    /// each weight and its input).
    pub fn children(&self) -> Vec<Value<'g>> {
        let i = self.live();
        let t = self.graph().tape();
        t.children(i)
            .into_iter()
            .map(|j| Value::new(self.graph(), j, t.generation_of(j)))
            .collect()
    }

    // The operations are one line each over `Graph::apply`: inlined where they are used (across
    // crates too), so that the operation is known there and its forward rule is not looked up.
    #[inline]
    fn unary(self, op: Op) -> Value<'g> {
        self.graph().apply(op, self, None)
    }

    #[inline]
    fn binary(self, op: Op, other: Value<'g>) -> Value<'g> {
        self.graph().apply(op, self, Some(other))
    }

    /// `self ** exponent` with a constant exponent; `x.powf(-1.0)` is `1 / x`.
    #[inline]
    pub fn powf(self, exponent: f64) -> Value<'g> {
        self.graph().apply_constant(Op::Powf, self, exponent, false)
    }

    /// `self ** exponent` where the exponent is a value too: the gradient flows to both.
    #[inline]
    pub fn pow(self, exponent: Value<'g>) -> Value<'g> {
        self.binary(Op::Pow, exponent)
    }

    /// `e ** self`
    #[inline]
    pub fn exp(self) -> Value<'g> {
        self.unary(Op::Exp)
    }

    /// The natural logarithm.
    #[inline]
    pub fn log(self) -> Value<'g> {
        self.unary(Op::Log)
    }

    /// The hyperbolic tangent; exactly ±1 with gradient 0 far from 0, never NaN.
    #[inline]
    pub fn tanh(self) -> Value<'g> {
        self.unary(Op::Tanh)
    }

    /// The logistic function `1 / (1 + e^-x)`, computed without overflow.
    #[inline]
    pub fn sigmoid(self) -> Value<'g> {
        self.unary(Op::Sigmoid)
    }

    /// `max(self, 0)`; its gradient at 0 is 0, as PyTorch's.
    #[inline]
    pub fn relu(self) -> Value<'g> {
        self.unary(Op::Relu)
    }

    /// The sine (radians).
    #[inline]
    pub fn sin(self) -> Value<'g> {
        self.unary(Op::Sin)
    }

    /// The cosine (radians).
    #[inline]
    pub fn cos(self) -> Value<'g> {
        self.unary(Op::Cos)
    }

    /// The square root.
    #[inline]
    pub fn sqrt(self) -> Value<'g> {
        self.unary(Op::Sqrt)
    }

    /// The absolute value; its gradient at 0 is 0, as PyTorch's.
    #[inline]
    pub fn abs(self) -> Value<'g> {
        self.unary(Op::Abs)
    }
}

impl fmt::Display for Value<'_> {
    /// `Value(data=2.0, grad=0.0)`, as micrograd prints.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Value(data={:?}, grad={:?})", self.data(), self.grad())
    }
}

impl fmt::Debug for Value<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("Value");
        if let Some(label) = self.label() {
            s.field("label", &label);
        }
        s.field("data", &self.data())
            .field("grad", &self.grad())
            .field("op", &self.op())
            .finish()
    }
}

/// Implements a binary operator between values and with `f64` on either side, and its `op=` form.
macro_rules! binary_operator {
    ($trait:ident, $method:ident, $assign_trait:ident, $assign_method:ident, $op:expr) => {
        impl<'g> $trait<Value<'g>> for Value<'g> {
            type Output = Value<'g>;
            #[inline]
            fn $method(self, rhs: Value<'g>) -> Value<'g> {
                self.binary($op, rhs)
            }
        }
        impl<'g> $trait<f64> for Value<'g> {
            type Output = Value<'g>;
            #[inline]
            fn $method(self, rhs: f64) -> Value<'g> {
                self.graph().apply_constant($op, self, rhs, false)
            }
        }
        impl<'g> $trait<Value<'g>> for f64 {
            type Output = Value<'g>;
            #[inline]
            fn $method(self, rhs: Value<'g>) -> Value<'g> {
                rhs.graph().apply_constant($op, rhs, self, true)
            }
        }
        impl<'g> $assign_trait<Value<'g>> for Value<'g> {
            #[inline]
            fn $assign_method(&mut self, rhs: Value<'g>) {
                *self = self.binary($op, rhs);
            }
        }
        impl<'g> $assign_trait<f64> for Value<'g> {
            #[inline]
            fn $assign_method(&mut self, rhs: f64) {
                *self = $trait::$method(*self, rhs);
            }
        }
    };
}

binary_operator!(Add, add, AddAssign, add_assign, Op::Add);
binary_operator!(Sub, sub, SubAssign, sub_assign, Op::Sub);
binary_operator!(Mul, mul, MulAssign, mul_assign, Op::Mul);
binary_operator!(Div, div, DivAssign, div_assign, Op::Div);

impl<'g> Neg for Value<'g> {
    type Output = Value<'g>;
    #[inline]
    fn neg(self) -> Value<'g> {
        self.unary(Op::Neg)
    }
}
