//! Batch-major backward of a model's layers in training: the tape holds only the batch's outputs
//! (as leaves, for the loss to read), and once the tape's backward has given them their
//! gradients, each layer's gradients are computed here for the whole batch at once.
//!
//! Sample by sample, the backward pass adds `g·x` into every weight's gradient and `g·w` into
//! every input's, one neuron at a time: each weight's gradient is loaded and stored once per
//! sample, so the pass is bound by memory, not by arithmetic. Here a block of 4 × 8 gradients stays
//! in registers while the samples go by, and the data rows' gradients, which nothing reads, are not
//! computed at all.
//!
//! Why the numbers are the plain sweep's bits: each gradient receives the same products, each
//! rounded then added, in the order the sweep adds them. The sweep runs the tape backwards, so a
//! weight's gradient gets its samples' terms from the last sample to the first, after what the
//! loss above added (an L2 penalty), and an input's gradient gets its neurons' terms from the last
//! neuron to the first. The sweep skips a neuron whose gradient is 0, where this adds its ±0
//! terms: adding ±0 to a sum that started at +0 changes no bit, as long as every number read is
//! finite. So the batch takes this path only when the rows, the parameters and every layer's
//! outputs are finite, and the layers' parameters do not overlap; otherwise its nodes are pushed
//! as [`forward_batch`](super::forward_batch) pushes them, for the tape's backward.

use super::{push_nodes, LayerSums};
use crate::graph::Graph;
use crate::op::Op;
use crate::speed::simd::dispatched;
use crate::speed::DenseLayer;

/// A training batch on the tape: each sample's outputs are a run of nodes, and
/// [`TrainingBatch::backward`], after the tape's backward, completes the parameters' gradients.
pub(crate) struct TrainingBatch {
    /// Each sample's first output node.
    outputs: Vec<u32>,
    /// What the batch-major backward reads; `None` when the layers' nodes are on the tape.
    saved: Option<Saved>,
}

/// The values a batch-major backward reads.
struct Saved {
    /// The generation the leaves were pushed in (the layers were checked in it too).
    generation: u32,
    /// The rows, then each layer's outputs, sample by sample: `values[l][s * width + k]`.
    values: Vec<Vec<f64>>,
    /// The leaf holding sample 0's first output; the others follow it, sample by sample.
    first_leaf: u32,
}

impl DenseLayer<'_> {
    /// The layer's number of neurons.
    pub(crate) fn n_outputs(&self) -> usize {
        self.neurons.len()
    }

    /// Pushes `rows` through `layers` (checked for this batch, each reading the one before) for a
    /// training step, whose loss is built on [`TrainingBatch::outputs`] and whose backward is
    /// finished by [`TrainingBatch::backward`].
    ///
    /// # Panics
    /// As [`forward_batch`](super::forward_batch).
    pub(crate) fn push_for_training(
        graph: &Graph,
        layers: &[Self],
        rows: &[&[f64]],
    ) -> TrainingBatch {
        let sums = LayerSums::compute(graph, layers, rows);
        if !batch_major_holds(graph, layers, rows, &sums) {
            return TrainingBatch {
                outputs: push_nodes(graph, layers, rows, &sums),
                saved: None,
            };
        }
        let mut values = Vec::with_capacity(layers.len() + 1);
        values.push(rows.concat());
        for l in 0..layers.len() {
            values.push((0..rows.len()).flat_map(|s| sums.sample(l, s)).collect());
        }
        let width = layers.last().map_or(0, |l| l.neurons.len());
        let mut t = graph.tape_mut();
        let first_leaf = t.len() as u32;
        for &v in values.last().expect("a layer at least") {
            t.push(Op::Leaf, [0, 0], v);
        }
        let outputs = (0..rows.len())
            .map(|s| first_leaf + (s * width) as u32)
            .collect();
        TrainingBatch {
            outputs,
            saved: Some(Saved {
                generation: t.generation(),
                values,
                first_leaf,
            }),
        }
    }
}

/// Whether every number the batch-major backward reads is finite and no two of the layers'
/// parameters are one node (see the module's doc).
fn batch_major_holds(
    graph: &Graph,
    layers: &[DenseLayer<'_>],
    rows: &[&[f64]],
    sums: &LayerSums,
) -> bool {
    let finite = |values: &[f64]| values.iter().all(|v| v.is_finite());
    let t = graph.tape();
    let data = t.data();
    let mut spans: Vec<(usize, usize)> = Vec::new();
    for layer in layers {
        let n = layer.n_inputs as usize;
        for &(bias, weights) in &layer.neurons {
            let (bias, weights) = (bias as usize, weights as usize);
            if !(data[bias].is_finite() && finite(&data[weights..][..n])) {
                return false;
            }
            spans.extend([(bias, bias + 1), (weights, weights + n)]);
        }
    }
    spans.sort_unstable();
    let disjoint = spans.windows(2).all(|w| w[0].1 <= w[1].0);
    disjoint && rows.iter().all(|r| finite(r)) && sums.outputs.iter().all(|o| finite(o))
}

impl TrainingBatch {
    /// Each sample's first output node: its outputs are the run of the last layer's width from it.
    pub(crate) fn outputs(&self) -> &[u32] {
        &self.outputs
    }

    /// Adds the layers' share of the parameters' gradients, after the tape's backward from a loss
    /// over [`TrainingBatch::outputs`] (with the gradients zeroed before it, as a training step
    /// does); nothing when the layers' nodes are on the tape, whose backward did it all.
    ///
    /// # Panics
    /// If the graph was rewound since the batch was pushed.
    pub(crate) fn backward(&self, graph: &Graph, layers: &[DenseLayer<'_>]) {
        let Some(saved) = &self.saved else {
            return;
        };
        let mut t = graph.tape_mut();
        assert_eq!(
            t.generation(),
            saved.generation,
            "micrograd: a batch's backward after a rewind"
        );
        let n = self.outputs.len();
        let width = layers.last().map_or(0, |l| l.neurons.len());
        let first_leaf = saved.first_leaf as usize;
        let mut adjoint: Vec<f64> = (first_leaf..first_leaf + n * width)
            .map(|i| t.grad(i))
            .collect();
        let (lo, hi) = parameter_span(layers);
        let (data, grads) = t.data_and_grads_mut(lo, hi - lo);
        for (l, layer) in layers.iter().enumerate().rev() {
            let (n_neurons, n_inputs) = (layer.neurons.len(), layer.n_inputs as usize);
            let (inputs, outputs) = (&saved.values[l], &saved.values[l + 1]);
            // The gradient of each sum, through the activation: `g[s * n_neurons + j]`.
            let g: Vec<f64> = outputs
                .iter()
                .zip(&adjoint)
                .map(|(&out, &a)| layer.activation.backward(out, a))
                .collect();
            for (j, &(bias, _)) in layer.neurons.iter().enumerate() {
                let grad = &mut grads[bias as usize - lo];
                for s in (0..n).rev() {
                    *grad += g[s * n_neurons + j];
                }
            }
            let weights =
                |neuron: &(u32, u32)| neuron.1 as usize - lo..neuron.1 as usize - lo + n_inputs;
            let mut weight_grads: Vec<f64> = Vec::with_capacity(n_neurons * n_inputs);
            for neuron in &layer.neurons {
                weight_grads.extend_from_slice(&grads[weights(neuron)]);
            }
            accumulate(&mut weight_grads, n_neurons, n_inputs, &g, inputs, n);
            for (neuron, row) in layer
                .neurons
                .iter()
                .zip(weight_grads.chunks_exact(n_inputs))
            {
                grads[weights(neuron)].copy_from_slice(row);
            }
            if l == 0 {
                // The rows' gradients: nothing reads them.
                break;
            }
            let mut w: Vec<f64> = Vec::with_capacity(n_neurons * n_inputs);
            for neuron in &layer.neurons {
                w.extend_from_slice(&data[weights(neuron)]);
            }
            let g_by_neuron: Vec<f64> = (0..n_neurons)
                .flat_map(|j| g[j..].iter().step_by(n_neurons).copied())
                .collect();
            adjoint = vec![0.0; n * n_inputs];
            accumulate(&mut adjoint, n, n_inputs, &g_by_neuron, &w, n_neurons);
        }
    }
}

/// The smallest span of nodes holding every layer's parameters, `lo..hi`.
fn parameter_span(layers: &[DenseLayer<'_>]) -> (usize, usize) {
    let ends = layers.iter().flat_map(|layer| {
        let n = layer.n_inputs as usize;
        layer.neurons.iter().flat_map(move |&(bias, weights)| {
            [
                (bias as usize, bias as usize + 1),
                (weights as usize, weights as usize + n),
            ]
        })
    });
    ends.fold((usize::MAX, 0), |(lo, hi), (a, b)| (lo.min(a), hi.max(b)))
}

dispatched! {
    /// `out[a][b] += u[τ][a] · v[τ][b]` for τ from `steps - 1` down to 0, each product rounded and
    /// then added (`out` is `n_a × n_b`, `u` is `steps × n_a`, `v` is `steps × n_b`, all row by
    /// row).
    fn accumulate(
        out: &mut [f64],
        n_a: usize,
        n_b: usize,
        u: &[f64],
        v: &[f64],
        steps: usize,
    ) => accumulate_by_two, avx2: accumulate_by_four;
}

/// [`accumulate`] in blocks of 2 × 8 sums: eight two-number registers.
#[inline(always)]
fn accumulate_by_two(out: &mut [f64], n_a: usize, n_b: usize, u: &[f64], v: &[f64], steps: usize) {
    accumulate_by::<2>(out, n_a, n_b, u, v, steps);
}

/// [`accumulate`] in blocks of 4 × 8 sums: eight four-number registers.
#[inline(always)]
fn accumulate_by_four(out: &mut [f64], n_a: usize, n_b: usize, u: &[f64], v: &[f64], steps: usize) {
    accumulate_by::<4>(out, n_a, n_b, u, v, steps);
}

/// How many `b` a block holds side by side.
const B: usize = 8;

#[inline(always)]
fn accumulate_by<const A: usize>(
    out: &mut [f64],
    n_a: usize,
    n_b: usize,
    u: &[f64],
    v: &[f64],
    steps: usize,
) {
    assert!(out.len() == n_a * n_b && u.len() >= n_a * steps && v.len() >= n_b * steps);
    let mut a = 0;
    while a + A <= n_a {
        block_row::<A>(out, a, n_a, n_b, u, v, steps);
        a += A;
    }
    while a < n_a {
        block_row::<1>(out, a, n_a, n_b, u, v, steps);
        a += 1;
    }
}

/// The blocks of rows `a0 .. a0 + A` of `out`.
#[inline(always)]
fn block_row<const A: usize>(
    out: &mut [f64],
    a0: usize,
    n_a: usize,
    n_b: usize,
    u: &[f64],
    v: &[f64],
    steps: usize,
) {
    let mut b = 0;
    while b + B <= n_b {
        block::<A, B>(out, [a0, b], [n_a, n_b], u, v, steps);
        b += B;
    }
    while b < n_b {
        block::<A, 1>(out, [a0, b], [n_a, n_b], u, v, steps);
        b += 1;
    }
}

/// One block of `A × NB` sums from `out[a0][b0]`, held in registers over every step.
#[inline(always)]
fn block<const A: usize, const NB: usize>(
    out: &mut [f64],
    [a0, b0]: [usize; 2],
    [n_a, n_b]: [usize; 2],
    u: &[f64],
    v: &[f64],
    steps: usize,
) {
    let mut sums = [[0.0; NB]; A];
    for (i, row) in sums.iter_mut().enumerate() {
        row.copy_from_slice(&out[(a0 + i) * n_b + b0..][..NB]);
    }
    for step in (0..steps).rev() {
        let us: &[f64; A] = u[step * n_a + a0..][..A].try_into().unwrap();
        let vs: &[f64; NB] = v[step * n_b + b0..][..NB].try_into().unwrap();
        for (row, &scale) in sums.iter_mut().zip(us) {
            for k in 0..NB {
                row[k] += scale * vs[k];
            }
        }
    }
    for (i, row) in sums.iter().enumerate() {
        out[(a0 + i) * n_b + b0..][..NB].copy_from_slice(row);
    }
}

#[cfg(test)]
mod tests;
