//! A layer applied to a whole batch: the path an [`MLP`](crate::nn::MLP) takes in training.
//!
//! [`Graph::weighted_sums`] checks every handle it is given, every time: for each sample, that each
//! neuron's weights are a live run of consecutive nodes. A [`DenseLayer`] is that check done once for
//! a batch; [`Graph::dense_forward`] then pushes one sample's neurons over a run of inputs made in
//! the same batch, with nothing left to check. The nodes are the ones `weighted_sums` makes, with the
//! same numbers.

use crate::graph::{Graph, Tape};
use crate::op::Op;
use crate::value::Value;
use crate::weighted_sum::{activate, push_run_operands, sum_op, weighted_sum_forward};

/// A layer whose parameters were checked for one batch (see the module docs).
pub(crate) struct DenseLayer<'g> {
    /// The graph the parameters were checked in.
    graph: &'g Graph,
    /// [`Op::WeightedSum`] or the weighted sum with the layer's activation.
    op: Op,
    n_inputs: u32,
    /// Each neuron's bias, and its first weight: its weights are the run of nodes from there.
    neurons: Vec<(u32, u32)>,
    /// The epoch the check was made in: it holds until the next rewind.
    epoch: u32,
}

impl DenseLayer<'_> {
    /// The number of inputs each neuron reads.
    pub(crate) fn n_inputs(&self) -> usize {
        self.n_inputs as usize
    }

    /// The number of neurons (outputs).
    pub(crate) fn n_outputs(&self) -> usize {
        self.neurons.len()
    }
}

impl Graph {
    /// Checks a layer's neurons, `(bias, weights)` each, for [`Graph::dense_forward`]; `None` if a
    /// neuron's weights are not a run of consecutive nodes (or the layer is empty), for which the
    /// caller takes the general path.
    ///
    /// # Panics
    /// If a value belongs to another graph or was freed, or `activation` is not an activation.
    pub(crate) fn dense_layer<'g, 'w>(
        &'g self,
        neurons: impl IntoIterator<Item = (Value<'g>, &'w [Value<'g>])>,
        activation: Option<Op>,
    ) -> Option<DenseLayer<'g>>
    where
        'g: 'w,
    {
        let op = sum_op(activation);
        let t = self.tape.borrow();
        let mut n_inputs = None;
        let neurons = neurons
            .into_iter()
            .map(|(bias, weights)| {
                if *n_inputs.get_or_insert(weights.len()) != weights.len() {
                    return None;
                }
                let bias = self.checked(&t, bias, "weighted_sum");
                let first = self.checked_run(&t, weights)?;
                Some((bias, first))
            })
            .collect::<Option<Vec<_>>>()?;
        Some(DenseLayer {
            graph: self,
            op,
            n_inputs: u32::try_from(n_inputs?).ok()?,
            neurons,
            epoch: t.epoch,
        })
    }

    /// One sample's layer: pushes `layer`'s neurons over the `layer.n_inputs` consecutive nodes
    /// from `inputs`, and returns the index of the first of its consecutive outputs.
    ///
    /// The inputs must have been made since `layer` was checked (as a batch's input constants and
    /// layer outputs are), so that they and the parameters are alive.
    ///
    /// # Panics
    /// If the layer's parameters belong to another graph.
    pub(crate) fn dense_forward(&self, layer: &DenseLayer<'_>, inputs: u32) -> u32 {
        assert!(
            std::ptr::eq(layer.graph, self),
            "micrograd: `weighted_sum` mixes values from two different graphs"
        );
        let mut guard = self.tape.borrow_mut();
        let t: &mut Tape = &mut guard;
        assert!(
            t.epoch == layer.epoch && (inputs + layer.n_inputs) as usize <= t.nodes.len(),
            "Graph::dense_forward: the layer was checked before a rewind, or the inputs are not on the tape"
        );
        let first = t.nodes.len() as u32;
        let (op, n) = (layer.op, layer.n_inputs);
        let mut groups = layer.neurons.chunks_exact(LANES);
        for group in &mut groups {
            let sums = interleaved_sums(&t.data, group, inputs as usize, n as usize);
            for (&(bias, weights), sum) in group.iter().zip(sums) {
                let args = push_run_operands(t, bias, weights, inputs, n);
                self.push_to(t, op, args, activate(op, sum));
            }
        }
        for &(bias, weights) in groups.remainder() {
            let args = push_run_operands(t, bias, weights, inputs, n);
            let data = weighted_sum_forward(op, &t.data, &t.operands, args);
            self.push_to(t, op, args, data);
        }
        first
    }

    /// Pushes a constant per number, as consecutive nodes; returns the index of the first.
    pub(crate) fn constants(&self, numbers: &[f64]) -> u32 {
        let mut t = self.tape.borrow_mut();
        let first = t.nodes.len() as u32;
        for &x in numbers {
            self.push_to(&mut t, Op::Const, [0, 0], x);
        }
        first
    }

    /// Handles to the `n` consecutive nodes from `first`, made in the current epoch.
    pub(crate) fn run_values(&self, first: u32, n: usize) -> Vec<Value<'_>> {
        let epoch = self.tape.borrow().epoch;
        (first..)
            .take(n)
            .map(|i| Value::new(self, i, epoch))
            .collect()
    }
}

/// How many neurons [`interleaved_sums`] computes side by side.
const LANES: usize = 8;

/// `bias + Σ wᵢ·xᵢ` of each neuron of `group` over the `n` inputs from node `inputs`, each summed
/// in order, so each is exactly what [`weighted_sum_forward`] gives. A sum is a chain of dependent
/// additions; eight chains side by side keep the processor busy where one would make it wait.
fn interleaved_sums(data: &[f64], group: &[(u32, u32)], inputs: usize, n: usize) -> [f64; LANES] {
    let mut sums: [f64; LANES] = std::array::from_fn(|j| data[group[j].0 as usize]);
    let weights: [&[f64]; LANES] = std::array::from_fn(|j| &data[group[j].1 as usize..][..n]);
    for (k, x) in data[inputs..][..n].iter().enumerate() {
        for (sum, w) in sums.iter_mut().zip(weights) {
            *sum += w[k] * x;
        }
    }
    sums
}
