//! What the package reads from the engine's set of operations, kept in one place: micrograd's `_op`
//! strings, which inputs micrograd's `_prev` shows, and a layer's neurons as one node each.

use micrograd::op::Activation;
use micrograd::{Graph, Op};

use crate::tape::Handle;

/// micrograd's name for the operation that made a node, or `None` for `x ** c` (whose name holds
/// the exponent) and for leaves and constants (named `''`).
pub(crate) fn op_name(op: Op) -> Option<&'static str> {
    Some(match op {
        Op::Leaf | Op::Const | Op::Powf => return None,
        Op::Add => "+",
        Op::Mul => "*",
        Op::Relu => "ReLU",
        Op::Tanh => "tanh",
        Op::Exp => "exp",
        Op::Pow => "**",
        // Operations micrograd does not have: the engine's own names.
        Op::WeightedSum(Activation::Relu) => "ReLU(Σwx+b)",
        other => other.symbol(),
    })
}

/// Whether the node is `x ** c` with a constant exponent.
pub(crate) fn is_constant_power(op: Op) -> bool {
    op == Op::Powf
}

/// Whether the node is a leaf: an input or a constant.
pub(crate) fn is_leaf(op: Op) -> bool {
    matches!(op, Op::Leaf | Op::Const)
}

/// The nodes micrograd's `_prev` holds for `v`: its inputs, except that `x ** c` shows only `x`
/// (the exponent is part of its `_op`, `**2`).
pub(crate) fn prev(v: Handle) -> Vec<Handle> {
    let mut children = v.children();
    if is_constant_power(v.op()) {
        children.truncate(1);
    }
    children
}

/// The exponent `c` of a node `x ** c`.
pub(crate) fn exponent(v: Handle) -> f64 {
    v.children().get(1).map_or(f64::NAN, |c| c.data())
}

/// One node per neuron: `relu(b + Σ wᵢ·xᵢ)` (or without the ReLU when `relu` is false) for each
/// `(b, w)`, summed in micrograd's order `b + w₀x₀ + w₁x₁ + …`. Every `w` has `inputs.len()` terms.
pub(crate) fn neurons<'w>(
    graph: &'static Graph,
    inputs: &[Handle],
    neurons: impl IntoIterator<Item = (Handle, &'w [Handle])>,
    relu: bool,
) -> Vec<Handle> {
    let activation = if relu {
        Activation::Relu
    } else {
        Activation::Linear
    };
    graph.weighted_sums(inputs, neurons, activation)
}
