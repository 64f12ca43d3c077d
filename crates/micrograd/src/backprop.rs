//! Where backpropagation starts: [`Value::backward`] and its kin, which run the speed path
//! ([`crate::speed`]) by default, the plain sweep ([`crate::backward`]) on request, or one node's
//! rule alone.

use crate::graph::Value;
use crate::op::BackwardError;

impl Value<'_> {
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
    /// shortcuts: the sweep a reader of micrograd expects (`backward.rs`), and the reference the
    /// speed path is tested against, bit for bit. The gradients are the same; only the time differs.
    ///
    /// ```
    /// use micrograd::Graph;
    ///
    /// let g = Graph::new();
    /// let a = g.value(3.0);
    /// let b = a * a + a;
    /// b.backward_plain();
    /// assert_eq!(a.grad(), 7.0);
    /// ```
    ///
    /// # Panics
    /// As [`backward`](Value::backward).
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
}
