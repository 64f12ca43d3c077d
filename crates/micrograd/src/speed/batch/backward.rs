//! Batch-major backward of a model's layers in training: the tape holds only the batch's outputs
//! (as leaves, for the loss to read), and once the tape's backward has given them their
//! gradients, each layer's gradients are computed here for the whole batch at once.
//!
//! Sample by sample, the backward pass adds `g·x` into every weight's gradient and `g·w` into
//! every input's, one neuron at a time: each weight's gradient is loaded and stored once per
//! sample, so the pass is bound by memory, not by arithmetic. Here a layer's parameters, laid out
//! as a model lays them out (each neuron's weights, then its bias), are one matrix, whose
//! gradients are added in blocks of up to 8 × 8 held in registers while the samples go by; the
//! bias is a weight whose input is 1 (`g · 1` is `g` exactly). The data rows' gradients, which
//! nothing reads, are not computed at all.
//!
//! Why the numbers are the plain sweep's bits: each gradient receives the same products, each
//! rounded then added, in the order the sweep adds them. The sweep runs the tape backwards, so a
//! weight's gradient gets its samples' terms from the last sample to the first, after what the
//! loss above added (an L2 penalty), and an input's gradient gets its neurons' terms from the last
//! neuron to the first. The sweep skips a neuron whose gradient is 0, where this adds its ±0
//! terms: adding ±0 to a sum that started at +0 (and so is never -0) changes no bit, as long as
//! every number read is finite. So the batch takes this path only when the rows, the parameters
//! and every layer's outputs are finite, and each layer's parameters are a matrix apart from the
//! others'; otherwise its nodes are pushed as [`forward_batch`](super::forward_batch) pushes
//! them, for the tape's backward.

use super::{push_nodes, LayerSums};
use crate::graph::Graph;
use crate::op::Op;
use crate::speed::simd::{all_finite, dispatched};
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
    /// Each layer's inputs sample by sample, each followed by a 1 that stands for the bias's
    /// input: `inputs[l][s * (n_inputs + 1) + k]`.
    inputs: Vec<Vec<f64>>,
    /// The last layer's outputs, sample by sample (the leaves' data).
    outputs: Vec<f64>,
    /// The leaf holding sample 0's first output; the others follow it, sample by sample.
    first_leaf: u32,
}

impl DenseLayer<'_> {
    /// The layer's number of neurons.
    pub(crate) fn n_outputs(&self) -> usize {
        self.neurons.len()
    }

    /// Where the layer's parameters start if they are laid out as a model's: each neuron's weights
    /// then its bias, neuron after neuron, so that they are one matrix of `n_inputs + 1` columns.
    fn matrix_start(&self) -> Option<usize> {
        let stride = self.n_inputs as usize + 1;
        let first = self.neurons.first()?.1 as usize;
        let laid_out = self
            .neurons
            .iter()
            .enumerate()
            .all(|(j, &(bias, weights))| {
                let weights = weights as usize;
                weights == first + j * stride && bias as usize == weights + stride - 1
            });
        laid_out.then_some(first)
    }

    /// The span of nodes holding the layer's parameters, laid out as a model's.
    pub(crate) fn matrix(&self) -> Option<std::ops::Range<usize>> {
        let first = self.matrix_start()?;
        Some(first..first + self.neurons.len() * (self.n_inputs as usize + 1))
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
        let n = rows.len();
        let mut inputs = Vec::with_capacity(layers.len());
        let columns = rows[0].len() + 1;
        let mut first = vec![1.0; n * columns];
        for (row, into) in rows.iter().zip(first.chunks_exact_mut(columns)) {
            into[..columns - 1].copy_from_slice(row);
        }
        inputs.push(first);
        for (l, layer) in layers[..layers.len() - 1].iter().enumerate() {
            let columns = layer.neurons.len() + 1;
            let mut next = vec![1.0; n * columns];
            sums.transpose(l, n, columns, &mut next);
            inputs.push(next);
        }
        let last = layers.len() - 1;
        let width = layers[last].neurons.len();
        let mut outputs = vec![0.0; n * width];
        sums.transpose(last, n, width, &mut outputs);
        let mut t = graph.tape_mut();
        let first_leaf = t.len() as u32;
        for &v in &outputs {
            t.push(Op::Leaf, [0, 0], v);
        }
        TrainingBatch {
            outputs: (0..rows.len())
                .map(|s| first_leaf + (s * width) as u32)
                .collect(),
            saved: Some(Saved {
                generation: t.generation(),
                inputs,
                outputs,
                first_leaf,
            }),
        }
    }
}

/// Whether every number the batch-major backward reads is finite and each layer's parameters
/// are a matrix laid out as a model's, apart from the others' (see the module's doc).
fn batch_major_holds(
    graph: &Graph,
    layers: &[DenseLayer<'_>],
    rows: &[&[f64]],
    sums: &LayerSums,
) -> bool {
    let Some(mut spans) = layers
        .iter()
        .map(DenseLayer::matrix)
        .collect::<Option<Vec<_>>>()
    else {
        return false;
    };
    let t = graph.tape();
    // The tape knows where its first non-finite value is, if any: usually past every parameter,
    // which spares a pass over them.
    let end = spans.iter().map(|span| span.end).max().unwrap_or(0);
    let params_finite = t
        .hints()
        .first_non_finite()
        .is_none_or(|first| first as usize >= end)
        || spans.iter().all(|span| all_finite(&t.data()[span.clone()]));
    spans.sort_unstable_by_key(|span| span.start);
    let disjoint = spans.windows(2).all(|w| w[0].end <= w[1].start);
    disjoint
        && params_finite
        && rows.iter().all(|r| all_finite(r))
        && sums.outputs.iter().all(|o| all_finite(o))
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
        let first_leaf = saved.first_leaf as usize;
        let mut adjoint = t
            .data_and_grads_mut(first_leaf, saved.outputs.len())
            .1
            .to_vec();
        let spans: Vec<_> = layers.iter().filter_map(DenseLayer::matrix).collect();
        let lo = spans
            .iter()
            .map(|s| s.start)
            .min()
            .expect("a layer at least");
        let hi = spans.iter().map(|s| s.end).max().expect("a layer at least");
        let (data, grads) = t.data_and_grads_mut(lo, hi - lo);
        for (l, (layer, span)) in layers.iter().zip(&spans).enumerate().rev() {
            let (n_neurons, n_inputs) = (layer.neurons.len(), layer.n_inputs as usize);
            let columns = n_inputs + 1;
            let outputs = match saved.inputs.get(l + 1) {
                Some(next) => Strided::new(next, n_neurons + 1),
                None => Strided::new(&saved.outputs, n_neurons),
            };
            // The gradient of each sum, through the activation: `g[s * n_neurons + j]`.
            let mut g = Vec::with_capacity(n * n_neurons);
            for s in 0..n {
                let row = outputs.row(s, n_neurons);
                let adjoints = &adjoint[s * n_neurons..][..n_neurons];
                layer.activation.backward_all(row, adjoints, &mut g);
            }
            // The weights' and, in the last column, the bias's gradients: the bias's input is a
            // 1, and `g · 1` is `g` exactly.
            let matrix = span.start - lo..span.end - lo;
            let shape = Shape {
                n_a: n_neurons,
                n_b: columns,
                steps: n,
                out: columns,
                u: n_neurons,
                v: columns,
            };
            accumulate(&mut grads[matrix.clone()], &g, &saved.inputs[l], shape);
            if l == 0 {
                // The rows' gradients: nothing reads them.
                break;
            }
            let mut g_by_neuron = vec![0.0; n_neurons * n];
            for (s, row) in g.chunks_exact(n_neurons).enumerate() {
                for (j, &gj) in row.iter().enumerate() {
                    g_by_neuron[j * n + s] = gj;
                }
            }
            adjoint.clear();
            adjoint.resize(n * n_inputs, 0.0);
            let shape = Shape {
                n_a: n,
                n_b: n_inputs,
                steps: n_neurons,
                out: n_inputs,
                u: n,
                v: columns,
            };
            accumulate(&mut adjoint, &g_by_neuron, &data[matrix], shape);
        }
    }
}

/// Rows of `width` numbers every `stride` numbers.
struct Strided<'a> {
    values: &'a [f64],
    stride: usize,
}

impl<'a> Strided<'a> {
    fn new(values: &'a [f64], stride: usize) -> Self {
        Strided { values, stride }
    }

    fn row(&self, s: usize, width: usize) -> &'a [f64] {
        &self.values[s * self.stride..][..width]
    }
}

/// The sizes of an [`accumulate`]: `n_a × n_b` sums over `steps` steps, and the distance from one
/// row to the next in `out`, `u` and `v`.
#[derive(Clone, Copy, Debug)]
pub(super) struct Shape {
    pub(super) n_a: usize,
    pub(super) n_b: usize,
    pub(super) steps: usize,
    pub(super) out: usize,
    pub(super) u: usize,
    pub(super) v: usize,
}

dispatched! {
    /// `out[a][b] += u[τ][a] · v[τ][b]` for τ from `steps - 1` down to 0, each product rounded and
    /// then added (rows `shape.out`, `shape.u` and `shape.v` apart).
    pub(super) fn accumulate(out: &mut [f64], u: &[f64], v: &[f64], shape: Shape)
        => accumulate_by_two, avx2: accumulate_by_four, avx512: accumulate_by_eight;
}

/// [`accumulate`] in blocks of 2 × 8 sums: eight two-number registers.
#[inline(always)]
fn accumulate_by_two(out: &mut [f64], u: &[f64], v: &[f64], shape: Shape) {
    accumulate_by::<2>(out, u, v, shape);
}

/// [`accumulate`] in blocks of 4 × 8 sums: eight four-number registers.
#[inline(always)]
fn accumulate_by_four(out: &mut [f64], u: &[f64], v: &[f64], shape: Shape) {
    accumulate_by::<4>(out, u, v, shape);
}

/// [`accumulate`] in blocks of 8 × 8 sums: eight eight-number registers.
#[inline(always)]
fn accumulate_by_eight(out: &mut [f64], u: &[f64], v: &[f64], shape: Shape) {
    accumulate_by::<8>(out, u, v, shape);
}

/// How many `b` a block holds side by side.
const B: usize = 8;

#[inline(always)]
fn accumulate_by<const A: usize>(out: &mut [f64], u: &[f64], v: &[f64], shape: Shape) {
    let Shape {
        n_a, n_b, steps, ..
    } = shape;
    if n_a == 0 || n_b == 0 {
        return;
    }
    assert!(
        out.len() >= (n_a - 1) * shape.out + n_b
            && (steps == 0 || u.len() >= (steps - 1) * shape.u + n_a)
            && (steps == 0 || v.len() >= (steps - 1) * shape.v + n_b),
        "micrograd: an accumulation's matrices are too short"
    );
    let mut a = 0;
    while a + A <= n_a {
        block_row::<A>(out, a, u, v, shape);
        a += A;
    }
    while a < n_a {
        block_row::<1>(out, a, u, v, shape);
        a += 1;
    }
}

/// The blocks of rows `a0 .. a0 + A` of `out`.
#[inline(always)]
fn block_row<const A: usize>(out: &mut [f64], a0: usize, u: &[f64], v: &[f64], shape: Shape) {
    let mut b = 0;
    while b + B <= shape.n_b {
        block::<A, B>(out, [a0, b], u, v, shape);
        b += B;
    }
    while b < shape.n_b {
        block::<A, 1>(out, [a0, b], u, v, shape);
        b += 1;
    }
}

/// One block of `A × NB` sums from `out[a0][b0]`, held in registers over every step.
#[inline(always)]
fn block<const A: usize, const NB: usize>(
    out: &mut [f64],
    [a0, b0]: [usize; 2],
    u: &[f64],
    v: &[f64],
    shape: Shape,
) {
    let mut sums = [[0.0; NB]; A];
    for (i, row) in sums.iter_mut().enumerate() {
        row.copy_from_slice(&out[(a0 + i) * shape.out + b0..][..NB]);
    }
    for step in (0..shape.steps).rev() {
        let us: &[f64; A] = u[step * shape.u + a0..][..A].try_into().unwrap();
        let vs: &[f64; NB] = v[step * shape.v + b0..][..NB].try_into().unwrap();
        for (row, &scale) in sums.iter_mut().zip(us) {
            for k in 0..NB {
                row[k] += scale * vs[k];
            }
        }
    }
    for (i, row) in sums.iter().enumerate() {
        out[(a0 + i) * shape.out + b0..][..NB].copy_from_slice(row);
    }
}

#[cfg(test)]
mod tests;
