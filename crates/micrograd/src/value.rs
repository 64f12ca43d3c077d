//! What a [`Value`] (a cheap `Copy` handle to one node of a [`Graph`](crate::Graph)) can do: read
//! and set its data, gradient and label, run backpropagation from it, and build new nodes with the
//! operators and functions.
//!
//! Arithmetic works between values and with `f64` on either side, so code reads like the notebook:
//! `let d = a * b + c;`, `2.0 * a`, `a / b - 1.0`. A plain number becomes an [`Op::Const`] node, as
//! micrograd wraps numbers in `Value`.

use std::fmt;
use std::ops::{Add, AddAssign, Div, DivAssign, Mul, MulAssign, Neg, Sub, SubAssign};

use std::sync::Arc;

pub(crate) use crate::graph::Value;
use crate::op::{BackwardError, BackwardRule, Op};

impl<'g> Value<'g> {
    fn live(&self) -> usize {
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

    /// Backpropagation: adds d(self)/d(node) into the gradient of every node this value depends
    /// on, and 1 into its own. Gradients accumulate across calls, as in PyTorch; reset them with
    /// [`Graph::zero_grad`](crate::Graph::zero_grad).
    ///
    /// # Panics
    /// If a backward rule supplied from outside fails, or this is called from inside one (see
    /// [`Value::try_backward`]).
    pub fn backward(&self) {
        if let Err(error) = self.try_backward() {
            panic!("micrograd: {error}");
        }
    }

    /// [`backward`](Value::backward), returning the error of a backward rule supplied from outside
    /// ([`Graph::custom`](crate::Graph::custom)) instead of panicking; the gradients are then as
    /// they were before the call.
    pub fn try_backward(&self) -> Result<(), BackwardError> {
        let out = self.live();
        crate::speed::backward(self.graph(), out)
    }

    /// [`backward`](Value::backward) by the plain reverse sweep alone, without the speed path's
    /// shortcuts: the reference the speed path is tested against, bit for bit.
    #[doc(hidden)]
    pub fn backward_plain(&self) {
        let out = self.live();
        if let Err(error) = crate::backward::backward(self.graph(), out) {
            panic!("micrograd: {error}");
        }
    }

    /// This node's local step of backpropagation alone, as the notebook's `o._backward()`: adds its
    /// current gradient, times the local derivative, into its children's gradients.
    ///
    /// ```
    /// use micrograd::Graph;
    ///
    /// let g = Graph::new();
    /// let (a, b) = (g.value(2.0), g.value(-3.0));
    /// let c = a * b;
    /// c.set_grad(1.0);
    /// c.backward_step();
    /// assert_eq!((a.grad(), b.grad()), (-3.0, 2.0));
    /// ```
    ///
    /// # Panics
    /// If the node's backward rule was supplied from outside and fails (see
    /// [`Value::try_backward_step`]).
    pub fn backward_step(&self) {
        if let Err(error) = self.try_backward_step() {
            panic!("micrograd: {error}");
        }
    }

    /// [`backward_step`](Value::backward_step), returning the error of a backward rule supplied
    /// from outside instead of panicking.
    pub fn try_backward_step(&self) -> Result<(), BackwardError> {
        let out = self.live();
        crate::backward::backward_step(self.graph(), out)
    }

    fn unary(self, op: Op) -> Value<'g> {
        self.graph().apply(op, self, None)
    }

    fn binary(self, op: Op, other: Value<'g>) -> Value<'g> {
        self.graph().apply(op, self, Some(other))
    }

    /// `self ** exponent` with a constant exponent; `x.powf(-1.0)` is `1 / x`.
    pub fn powf(self, exponent: f64) -> Value<'g> {
        self.graph().apply_constant(Op::Powf, self, exponent, false)
    }

    /// `self ** exponent` where the exponent is a value too: the gradient flows to both.
    pub fn pow(self, exponent: Value<'g>) -> Value<'g> {
        self.binary(Op::Pow, exponent)
    }

    /// `e ** self`
    pub fn exp(self) -> Value<'g> {
        self.unary(Op::Exp)
    }

    /// The natural logarithm.
    pub fn log(self) -> Value<'g> {
        self.unary(Op::Log)
    }

    /// The hyperbolic tangent; exactly ±1 with gradient 0 far from 0, never NaN.
    pub fn tanh(self) -> Value<'g> {
        self.unary(Op::Tanh)
    }

    /// The logistic function `1 / (1 + e^-x)`, computed without overflow.
    pub fn sigmoid(self) -> Value<'g> {
        self.unary(Op::Sigmoid)
    }

    /// `max(self, 0)`; its gradient at 0 is 0, as PyTorch's.
    pub fn relu(self) -> Value<'g> {
        self.unary(Op::Relu)
    }

    /// The sine (radians).
    pub fn sin(self) -> Value<'g> {
        self.unary(Op::Sin)
    }

    /// The cosine (radians).
    pub fn cos(self) -> Value<'g> {
        self.unary(Op::Cos)
    }

    /// The square root.
    pub fn sqrt(self) -> Value<'g> {
        self.unary(Op::Sqrt)
    }

    /// The absolute value; its gradient at 0 is 0, as PyTorch's.
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
            fn $method(self, rhs: Value<'g>) -> Value<'g> {
                self.binary($op, rhs)
            }
        }
        impl<'g> $trait<f64> for Value<'g> {
            type Output = Value<'g>;
            fn $method(self, rhs: f64) -> Value<'g> {
                self.graph().apply_constant($op, self, rhs, false)
            }
        }
        impl<'g> $trait<Value<'g>> for f64 {
            type Output = Value<'g>;
            fn $method(self, rhs: Value<'g>) -> Value<'g> {
                rhs.graph().apply_constant($op, rhs, self, true)
            }
        }
        impl<'g> $assign_trait<Value<'g>> for Value<'g> {
            fn $assign_method(&mut self, rhs: Value<'g>) {
                *self = self.binary($op, rhs);
            }
        }
        impl<'g> $assign_trait<f64> for Value<'g> {
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
    fn neg(self) -> Value<'g> {
        self.unary(Op::Neg)
    }
}
