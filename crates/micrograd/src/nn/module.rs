//! The [`Module`] trait: anything that owns trainable parameters.

use crate::graph::Value;

/// Something with trainable parameters: a [`Neuron`](super::Neuron), a [`Layer`](super::Layer) or an
/// [`MLP`](super::MLP), as micrograd's `Module`.
pub trait Module<'g> {
    /// Every trainable parameter, in a fixed order (for a neuron: its weights, then its bias).
    fn parameters(&self) -> Vec<Value<'g>>;

    /// The number of trainable parameters.
    fn num_parameters(&self) -> usize {
        self.parameters().len()
    }

    /// Sets every parameter's gradient to 0, before a new backward pass.
    fn zero_grad(&self) {
        for p in self.parameters() {
            p.set_grad(0.0);
        }
    }
}
