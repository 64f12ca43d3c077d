//! A training step of a network with one hidden layer, split by the hidden layer's neurons over
//! threads: thread `k` owns a slice of the hidden neurons, that is their rows of the first layer's
//! weights and their columns of the output layer's (the last thread also the output biases), and
//! computes those neurons' forward and backward passes for the whole batch. Between threads pass
//! only each thread's share of the output sums (outputs × samples numbers, added up in thread
//! order) and the gradients of those sums that the loss gives back; the parameters, their gradients
//! and, in the update, their optimizer state stay with their thread. `train/threads/split.rs`
//! runs the threads; this module is their arithmetic.
//!
//! The numbers are those of the batch-major backward (`backward.rs`) on one thread except for the
//! output sums, whose terms are added in one slice per thread and the slices then added in order:
//! their rounding changes (by parts in 10¹⁶), not their formula. Every gradient is the one-thread
//! formula over the same terms in the same order, since each weight belongs to one thread, which
//! adds its samples' terms from the last to the first after the L2 penalty's, as the sweep does.

use std::ops::Range;

use super::backward::{accumulate, Shape};
use super::{layer_sums, Neurons, SAMPLES};
use crate::op::Activation;
use crate::speed::DenseLayer;

/// A network with one hidden layer whose parameters are one run, laid out as a model lays them
/// out: each hidden neuron's weights then its bias, then each output neuron's.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SplitLayout {
    /// The node of the first parameter.
    first: usize,
    inputs: usize,
    hidden: usize,
    outputs: usize,
    hidden_activation: Activation,
    output_activation: Activation,
}

impl SplitLayout {
    /// The layout of `layers` if they are two, laid out as one run from node `first`.
    pub(crate) fn of(layers: &[DenseLayer<'_>], first: usize) -> Option<Self> {
        let [hidden, output] = layers else {
            return None;
        };
        let layout = SplitLayout {
            first,
            inputs: hidden.n_inputs as usize,
            hidden: hidden.neurons.len(),
            outputs: output.neurons.len(),
            hidden_activation: hidden.activation,
            output_activation: output.activation,
        };
        let output_start = first + layout.output_start();
        let laid_out = output.n_inputs as usize == layout.hidden
            && hidden.matrix() == Some(first..output_start)
            && output.matrix() == Some(output_start..first + layout.n_params());
        laid_out.then_some(layout)
    }

    /// The node of the first parameter.
    pub(crate) fn first(&self) -> usize {
        self.first
    }

    /// The number of parameters.
    pub(crate) fn n_params(&self) -> usize {
        self.output_start() + self.outputs * self.output_row()
    }

    /// The width of the last layer.
    pub(crate) fn outputs(&self) -> usize {
        self.outputs
    }

    /// The last layer's activation.
    pub(crate) fn output_activation(&self) -> Activation {
        self.output_activation
    }

    /// Where the output layer's parameters start.
    fn output_start(&self) -> usize {
        self.hidden * (self.inputs + 1)
    }

    /// The parameters of one output neuron: a weight per hidden neuron, then its bias.
    fn output_row(&self) -> usize {
        self.hidden + 1
    }

    /// The hidden neurons of thread `k` of `threads`.
    fn hidden_of(&self, k: usize, threads: usize) -> Range<usize> {
        k * self.hidden / threads..(k + 1) * self.hidden / threads
    }

    /// The columns of the output layer thread `k` owns: its hidden neurons' weights and, for the
    /// last thread, the bias (whose input is a 1), which follows them.
    fn columns_of(&self, k: usize, threads: usize) -> Range<usize> {
        let hidden = self.hidden_of(k, threads);
        let end = if k + 1 == threads {
            self.hidden + 1
        } else {
            hidden.end
        };
        hidden.start..end
    }

    /// The parameters cut where their owner changes, in order, each with its owner.
    pub(crate) fn pieces(&self, threads: usize) -> Vec<(Range<usize>, usize)> {
        let stride = self.inputs + 1;
        let mut pieces: Vec<(Range<usize>, usize)> = (0..threads)
            .map(|k| {
                let hidden = self.hidden_of(k, threads);
                (hidden.start * stride..hidden.end * stride, k)
            })
            .collect();
        for o in 0..self.outputs {
            let row = self.output_start() + o * self.output_row();
            for k in 0..threads {
                let columns = self.columns_of(k, threads);
                pieces.push((row + columns.start..row + columns.end, k));
            }
        }
        pieces.retain(|(range, _)| !range.is_empty());
        pieces
    }
}

/// The number of samples the forward sums side by side: `n` padded to a multiple of eight.
pub(crate) fn padded(n: usize) -> usize {
    n.div_ceil(SAMPLES) * SAMPLES
}

/// What one thread's forward keeps for its backward.
pub(crate) struct HiddenShare {
    k: usize,
    threads: usize,
    n: usize,
    /// Its hidden neurons' outputs sample by sample (a row of its output-layer columns each, the
    /// last thread's ending in the bias's 1).
    hidden_rows: Vec<f64>,
    /// The batch's rows, each followed by a 1 (the hidden biases' input).
    input_rows: Vec<f64>,
}

/// Thread `k`'s forward over the batch `rows` (`n` rows of the network's inputs, one after the
/// other): its hidden neurons' outputs, and its share of every output sum into
/// `partial[o * padded(n) + s]`.
pub(crate) fn forward(
    layout: &SplitLayout,
    k: usize,
    threads: usize,
    params: &[f64],
    rows: &[f64],
    partial: &mut [f64],
) -> HiddenShare {
    let inputs = layout.inputs;
    let n = rows.len() / inputs.max(1);
    let padded = padded(n);
    let stride = inputs + 1;
    let mut x = vec![0.0; inputs * padded];
    let mut input_rows = vec![1.0; n * stride];
    for (s, row) in rows.chunks_exact(inputs).enumerate() {
        for (i, &v) in row.iter().enumerate() {
            x[i * padded + s] = v;
        }
        input_rows[s * stride..][..inputs].copy_from_slice(row);
    }
    let hidden = layout.hidden_of(k, threads);
    let width = hidden.len();
    let neurons: Vec<(u32, u32)> = hidden
        .map(|j| ((j * stride + inputs) as u32, (j * stride) as u32))
        .collect();
    // Room for a row of ones after the outputs: the input of the output biases.
    let mut h = vec![1.0; (width + 1) * padded];
    let hidden_sums = Neurons {
        list: &neurons,
        n_inputs: inputs,
        with_bias: true,
    };
    layer_sums(params, hidden_sums, &x, padded, &mut h[..width * padded]);
    layout
        .hidden_activation
        .forward_all(&mut h[..width * padded]);
    let columns = layout.columns_of(k, threads);
    let shares: Vec<(u32, u32)> = (0..layout.outputs)
        .map(|o| {
            let first = (layout.output_start() + o * layout.output_row() + columns.start) as u32;
            (first, first)
        })
        .collect();
    let output_sums = Neurons {
        list: &shares,
        n_inputs: columns.len(),
        with_bias: false,
    };
    layer_sums(
        params,
        output_sums,
        &h[..columns.len() * padded],
        padded,
        partial,
    );
    let mut hidden_rows = vec![0.0; n * columns.len()];
    for (j, outputs) in h.chunks_exact(padded).take(columns.len()).enumerate() {
        for (s, &out) in outputs[..n].iter().enumerate() {
            hidden_rows[s * columns.len() + j] = out;
        }
    }
    HiddenShare {
        k,
        threads,
        n,
        hidden_rows,
        input_rows,
    }
}

/// Thread `k`'s backward from `g`, the gradients of every sample's output sums (through the
/// output activation: `g[s * outputs + o]`): the gradients of the parameters it owns, each started
/// at the L2 penalty's `(0 + l2·p) + l2·p` (at +0 when `l2` is 0), written into `grads`.
///
/// # Safety
/// `grads` points to the gradients of the run of parameters `params` holds the values of, and no
/// one else reads or writes thread `k`'s pieces of it (see [`SplitLayout::pieces`]) until this
/// returns.
pub(crate) unsafe fn backward(
    layout: &SplitLayout,
    share: &HiddenShare,
    params: &[f64],
    g: &[f64],
    l2: f64,
    grads: *mut f64,
) {
    let (k, threads, n) = (share.k, share.threads, share.n);
    let (outputs, row) = (layout.outputs, layout.output_row());
    let columns = layout.columns_of(k, threads);
    let width = columns.len();
    // The output layer's columns, in a block of their own: another thread owns the columns
    // between one row's and the next's.
    let mut column_grads = vec![0.0; outputs * width];
    let column_start = |o: usize| layout.output_start() + o * row + columns.start;
    for (o, into) in column_grads.chunks_exact_mut(width.max(1)).enumerate() {
        penalty_gradients(into, &params[column_start(o)..][..width], l2);
    }
    let shape = Shape {
        n_a: outputs,
        n_b: width,
        steps: n,
        out: width,
        u: outputs,
        v: width,
    };
    accumulate(&mut column_grads, g, &share.hidden_rows, shape);
    for (o, from) in column_grads.chunks_exact(width.max(1)).enumerate() {
        // SAFETY: the row's columns are this thread's piece (see the function's contract).
        let into = unsafe { std::slice::from_raw_parts_mut(grads.add(column_start(o)), width) };
        into.copy_from_slice(from);
    }
    // The gradients of the hidden neurons' outputs, then of their sums.
    let hidden = layout.hidden_of(k, threads);
    let n_hidden = hidden.len();
    let mut by_output = vec![0.0; outputs * n];
    for (s, sample) in g.chunks_exact(outputs).enumerate() {
        for (o, &gradient) in sample.iter().enumerate() {
            by_output[o * n + s] = gradient;
        }
    }
    let mut hidden_adjoint = vec![0.0; n * n_hidden];
    let shape = Shape {
        n_a: n,
        n_b: n_hidden,
        steps: outputs,
        out: n_hidden,
        u: n,
        v: row,
    };
    let weights = &params[layout.output_start() + hidden.start..];
    accumulate(&mut hidden_adjoint, &by_output, weights, shape);
    let mut hidden_grads = Vec::with_capacity(n * n_hidden);
    for s in 0..n {
        layout.hidden_activation.backward_all(
            &share.hidden_rows[s * width..][..n_hidden],
            &hidden_adjoint[s * n_hidden..][..n_hidden],
            &mut hidden_grads,
        );
    }
    // The hidden neurons' rows of the first layer.
    let stride = layout.inputs + 1;
    let rows = hidden.start * stride..hidden.end * stride;
    // SAFETY: these rows are this thread's piece (see the function's contract).
    let into = unsafe { std::slice::from_raw_parts_mut(grads.add(rows.start), rows.len()) };
    penalty_gradients(into, &params[rows], l2);
    let shape = Shape {
        n_a: n_hidden,
        n_b: stride,
        steps: n,
        out: stride,
        u: n_hidden,
        v: stride,
    };
    accumulate(into, &hidden_grads, &share.input_rows, shape);
}

/// The L2 penalty's gradient `(0 + l2·p) + l2·p` of each parameter, as the sweep adds it (a
/// weighted sum of the parameters with themselves whose gradient is `l2`); +0 when `l2` is 0.
fn penalty_gradients(into: &mut [f64], params: &[f64], l2: f64) {
    if l2 == 0.0 {
        into.fill(0.0);
        return;
    }
    for (g, &p) in into.iter_mut().zip(params) {
        let term = l2 * p;
        *g = (0.0 + term) + term;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::speed::simd::testing::bits;
    use proptest::prelude::*;

    const ACTIVATIONS: [Activation; 4] = [
        Activation::Relu,
        Activation::Tanh,
        Activation::Sigmoid,
        Activation::Linear,
    ];

    /// The output sums and every parameter's gradient from `g`, one sample and one term at a time
    /// in the order the one-thread sweep adds them.
    fn one_thread(
        layout: &SplitLayout,
        params: &[f64],
        rows: &[f64],
        g: &[f64],
        l2: f64,
    ) -> (Vec<f64>, Vec<f64>) {
        let (inputs, hidden, outputs) = (layout.inputs, layout.hidden, layout.outputs);
        let n = rows.len() / inputs;
        let w1 = |j: usize, i: usize| params[j * (inputs + 1) + i];
        let w2 = |o: usize, i: usize| params[layout.output_start() + o * (hidden + 1) + i];
        let act = |a: Activation, x: f64| a.op().map_or(x, |op| op.forward(x, 0.0));
        let h: Vec<Vec<f64>> = rows
            .chunks_exact(inputs)
            .map(|x| {
                (0..hidden)
                    .map(|j| {
                        act(
                            layout.hidden_activation,
                            (0..inputs).fold(w1(j, inputs), |s, i| s + w1(j, i) * x[i]),
                        )
                    })
                    .collect()
            })
            .collect();
        let z: Vec<f64> = h
            .iter()
            .flat_map(|h| {
                (0..outputs)
                    .map(move |o| (0..hidden).fold(w2(o, hidden), |s, i| s + w2(o, i) * h[i]))
            })
            .collect();
        let mut grads: Vec<f64> = params
            .iter()
            .map(|&p| {
                if l2 == 0.0 {
                    0.0
                } else {
                    (0.0 + l2 * p) + l2 * p
                }
            })
            .collect();
        for s in (0..n).rev() {
            for o in 0..outputs {
                for i in 0..=hidden {
                    let input = if i == hidden { 1.0 } else { h[s][i] };
                    grads[layout.output_start() + o * (hidden + 1) + i] +=
                        g[s * outputs + o] * input;
                }
            }
        }
        let mut g1 = vec![0.0; n * hidden];
        for s in 0..n {
            for i in 0..hidden {
                let d = (0..outputs)
                    .rev()
                    .fold(0.0, |sum, o| sum + g[s * outputs + o] * w2(o, i));
                g1[s * hidden + i] = layout.hidden_activation.backward(h[s][i], d);
            }
        }
        for s in (0..n).rev() {
            for j in 0..hidden {
                for i in 0..=inputs {
                    let input = if i == inputs {
                        1.0
                    } else {
                        rows[s * inputs + i]
                    };
                    grads[j * (inputs + 1) + i] += g1[s * hidden + j] * input;
                }
            }
        }
        (z, grads)
    }

    proptest! {
        #[test]
        fn split_over_threads_gives_the_one_thread_gradients_bit_for_bit(
            ((inputs, hidden, outputs, n, threads), numbers) in (1..6usize, 1..12usize, 1..4usize, 1..20usize, 1..6usize)
                .prop_flat_map(|(i, h, o, n, t)| {
                    let count = h * (i + 1) + o * (h + 1) + n * i + n * o;
                    (Just((i, h, o, n, t)), prop::collection::vec(-2.0..2.0f64, count))
                }),
            activation in 0..4usize,
            l2 in prop_oneof![Just(0.0), Just(1e-3)],
        ) {
            let layout = SplitLayout {
                first: 0,
                inputs,
                hidden,
                outputs,
                hidden_activation: ACTIVATIONS[activation],
                output_activation: Activation::Linear,
            };
            let (params, rest) = numbers.split_at(layout.n_params());
            let (rows, g) = rest.split_at(n * inputs);
            let (params, rows, g) = (params.to_vec(), rows.to_vec(), g.to_vec());
            let (z, expected) = one_thread(&layout, &params, &rows, &g, l2);

            let mut partials = vec![vec![0.0; outputs * padded(n)]; threads];
            let shares: Vec<HiddenShare> = (0..threads)
                .map(|k| forward(&layout, k, threads, &params, &rows, &mut partials[k]))
                .collect();
            for s in 0..n {
                for o in 0..outputs {
                    let at = o * padded(n) + s;
                    let sum = partials[1..].iter().fold(partials[0][at], |sum, p| sum + p[at]);
                    let scale = z[s * outputs + o].abs().max(1.0);
                    prop_assert!((sum - z[s * outputs + o]).abs() <= 1e-12 * scale);
                }
            }
            let mut grads = vec![f64::NAN; params.len()];
            for share in &shares {
                // SAFETY: one thread at a time, each writing its own pieces.
                unsafe { backward(&layout, share, &params, &g, l2, grads.as_mut_ptr()) };
            }
            prop_assert_eq!(bits(&grads), bits(&expected));
            // The pieces cover every parameter once, in order.
            let pieces = layout.pieces(threads);
            let mut next = 0;
            for (range, owner) in pieces {
                prop_assert_eq!(range.start, next);
                prop_assert!(owner < threads);
                next = range.end;
            }
            prop_assert_eq!(next, params.len());
        }
    }
}
