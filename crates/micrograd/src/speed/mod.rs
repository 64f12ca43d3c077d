//! The speed path: the same numbers as the plain sweep ([`crate::backward`]) and the general
//! weighted sum, bit for bit, with less work. Property tests compare the two.
//!
//! - **Backward pass.** [`backward`] (in [`sweep`]) is the plain reverse sweep with these shortcuts:
//!   - *zero-gradient skipping*: a node whose gradient is 0 sends only ±0 to its inputs, which changes
//!     no sum, so it is skipped, and with it everything only it reaches. This holds while every data
//!     the pass reads is finite and no node below has a rule that can blow up on a zero gradient
//!     ([`crate::op::Op::derivative_can_blow_up`], as `sqrt'(0)`); the tape tracks the first of each, and a
//!     rewind past them lifts the restriction again. A late training step is mostly satisfied
//!     margins and dead ReLUs, so most of its graph is skipped.
//!   - *a reached bit set*: one bit per node says whether the pass reaches it, instead of a `bool`,
//!     and only where zero-gradient skipping does not hold: where it does, a node is skipped when
//!     its gradient is 0, and every other gradient was reached, so the gradient alone decides.
//!   - *the last adjoint in a register*: the pass keeps the adjoint it wrote last and reads it back
//!     from there when the sweep arrives at that node, which is usually next (in a chain each node's
//!     input is the node below it), so the chain does not wait on memory at every node. The loop
//!     that sweeps most of a graph keeps it in a local variable, runs the rules of `+ - * /` and the
//!     one-input operations inline and every other node out of line, so that the compiler can hold
//!     it in a register: a 10-million-node chain's backward pass went from 7 ns a node to 3.
//!   - *constants skipped*: nothing is added to a constant's adjoint (its gradient is never read,
//!     and the plain sweep leaves it out too), so the sweep passes over it.
//!   - *reused buffers*: the pass works in a scratch buffer of adjoints that lives on the tape; when
//!     every gradient is 0 (after `zero_grad`) the buffer is moved into the gradients instead of
//!     added, and the old gradients' memory becomes the next scratch buffer.
//! - **Batch forward.** [`DenseLayer`] checks a layer's parameters once for a whole batch (the
//!   general path checks every handle, every sample), and [`forward_batch`] computes a layer for
//!   all the batch's samples at once (see [`batch`]).
//! - **Wide registers.** The weighted sums' loops run four numbers to a register where the
//!   processor allows it, with the same bits (see [`simd`]).
//! - **Parameters as slices.** [`update_parameters`] hands an optimizer the parameters' data and
//!   gradients as two slices (see [`params`]).
//! - **The L2 penalty summed by the update.** The trainer's `StepWatch` sees each chunk of the update as it
//!   is written: it keeps the step's restore point and adds the new values' squares in order,
//!   which the update's divisions leave time for. The tape's [`crate::hints`] keep the sum until a
//!   parameter may change, and the next step's penalty node takes it instead of adding up its
//!   terms again ([`l2_of_run`]); debug builds check the bits. A weighted sum of a run with itself
//!   sends its two contributions to each node in one pass.
//! - **Huge pages.** A long graph's buffers are mapped in 2 MiB pages where the system allows it
//!   (`tape/pages.rs`): most of a one-off graph's cost is otherwise the kernel handing out and
//!   clearing 4 KiB pages.
//! - **Threads** run with the trainer (`train/threads.rs`), built on this module's batch forward;
//!   the arithmetic of a hidden layer split by neurons is here (`batch/split.rs`). Scoring a data
//!   set on a frozen copy of a model's parameters is not: that is the model's (`nn/frozen.rs`).

mod batch;
mod params;
pub(crate) mod simd;
mod sweep;

pub(crate) use batch::{forward_batch, split};
pub(crate) use params::{
    group_bounds, l2_of_run, load_parameters, parameter_data_ptr, parameter_run, take_gradients,
    unchanged_since_update, update_parameters, RangeSquares,
};
pub(crate) use sweep::backward;

use crate::graph::{Graph, Value};
use crate::op::Activation;

/// A layer whose parameters were checked for one batch: the path an [`MLP`](crate::nn::MLP) takes
/// in training. [`forward_batch`] then pushes a batch's neurons over runs of inputs made in the
/// same batch, with nothing left to check: the nodes [`Graph::weighted_sums`] makes, with the same
/// numbers.
pub(crate) struct DenseLayer<'g> {
    /// The graph the parameters were checked in.
    graph: &'g Graph,
    activation: Activation,
    n_inputs: u32,
    /// Each neuron's bias, and its first weight: its weights are the run of nodes from there.
    neurons: Vec<(u32, u32)>,
    /// The generation the check was made in: it holds until the next rewind.
    generation: u32,
}

impl<'g> DenseLayer<'g> {
    /// Checks a layer's neurons, `(bias, weights)` each; `None` if a neuron's weights are not a
    /// run of consecutive nodes or the neurons' widths differ (or the layer is empty), for which
    /// the caller takes the general path.
    ///
    /// # Panics
    /// If a value belongs to another graph or was freed.
    pub(crate) fn check<'w>(
        graph: &'g Graph,
        neurons: impl IntoIterator<Item = (Value<'g>, &'w [Value<'g>])>,
        activation: Activation,
    ) -> Option<Self>
    where
        'g: 'w,
    {
        let t = graph.tape();
        let mut n_inputs = None;
        let neurons = neurons
            .into_iter()
            .map(|(bias, weights)| {
                if *n_inputs.get_or_insert(weights.len()) != weights.len() {
                    return None;
                }
                let bias = graph.checked(&t, bias, "weighted_sum");
                let first = graph.checked_run(&t, weights)?;
                Some((bias, first))
            })
            .collect::<Option<Vec<_>>>()?;
        Some(DenseLayer {
            graph,
            activation,
            n_inputs: u32::try_from(n_inputs?).ok()?,
            neurons,
            generation: t.generation(),
        })
    }

    /// A layer whose neurons' `(bias, first weight)` nodes are known to be runs of `n_inputs`
    /// live parameters of `graph` (a worker's copy of a model, laid out as the model's), checked
    /// for the current generation.
    pub(crate) fn from_layout(
        graph: &'g Graph,
        activation: Activation,
        n_inputs: u32,
        neurons: Vec<(u32, u32)>,
    ) -> Self {
        let t = graph.tape();
        let on_tape = |&(bias, weights): &(u32, u32)| {
            (bias as usize) < t.len() && (weights + n_inputs) as usize <= t.len()
        };
        assert!(
            neurons.iter().all(on_tape),
            "micrograd: a layer's parameters are not on the tape"
        );
        DenseLayer {
            graph,
            activation,
            n_inputs,
            neurons,
            generation: t.generation(),
        }
    }
}

/// Handles to the `n` consecutive nodes from `first`, made in the current generation.
pub(crate) fn run_values(graph: &Graph, first: u32, n: usize) -> Vec<Value<'_>> {
    let generation = graph.tape().generation();
    (first..)
        .take(n)
        .map(|i| Value::new(graph, i, generation))
        .collect()
}
