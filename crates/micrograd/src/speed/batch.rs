//! Batch-major forward: a batch's layers computed for all its samples at once, then pushed as the
//! same nodes, in the same order, as one sample at a time would push them.
//!
//! Sample by sample, a layer reloads every weight for every sample and each sum is a chain of
//! dependent additions. Here each layer's inputs are laid out input by input (`x[k][s]`), and two
//! neurons are summed over eight samples side by side: each weight is loaded once per eight
//! samples and sixteen independent chains keep the processor's adders busy. Each sum is still
//! `bias + w₀·x₀ + w₁·x₁ + …` added in order, a multiply then an add, so every number is the one
//! [`weighted_sum`](crate::op::weighted_sum) gives.

use crate::graph::Graph;
use crate::op::Op;
use crate::speed::simd::dispatched;
use crate::speed::DenseLayer;

/// Samples summed side by side (a batch is padded with zeros to a multiple of it).
const SAMPLES: usize = 8;

/// Pushes each of `rows` through `layers` (checked for this batch, each reading the one before):
/// the row's constants, then each layer's neurons, sample after sample. Returns each sample's
/// first output node.
///
/// # Panics
/// If a layer was checked in another graph or before a rewind, a row is not as wide as the first
/// layer's inputs, or there are no layers.
pub(crate) fn forward_batch(graph: &Graph, layers: &[DenseLayer<'_>], rows: &[&[f64]]) -> Vec<u32> {
    let padded = rows.len().div_ceil(SAMPLES) * SAMPLES;
    let n_inputs = layers[0].n_inputs as usize;
    let mut x = vec![0.0; n_inputs * padded];
    for (s, row) in rows.iter().enumerate() {
        assert_eq!(row.len(), n_inputs, "micrograd: a row of the wrong width");
        for (k, &v) in row.iter().enumerate() {
            x[k * padded + s] = v;
        }
    }
    // Each layer's sums before the activation, neuron by neuron: `z[j * padded + s]`.
    let mut sums = Vec::with_capacity(layers.len());
    {
        let t = graph.tape();
        for layer in layers {
            assert!(
                std::ptr::eq(layer.graph, graph) && t.generation() == layer.generation,
                "micrograd: a batch's layer was checked in another graph or before a rewind"
            );
            assert_eq!(x.len(), layer.n_inputs as usize * padded);
            let mut z = vec![0.0; layer.neurons.len() * padded];
            layer_sums(t.data(), layer, &x, padded, &mut z);
            let op = Op::WeightedSum(layer.activation);
            x.clear();
            x.extend(z.iter().map(|&sum| op.forward(sum, 0.0)));
            sums.push(z);
        }
    }
    let mut t = graph.tape_mut();
    rows.iter()
        .enumerate()
        .map(|(s, row)| {
            let mut run = t.len() as u32;
            for &v in *row {
                t.push(Op::Const, [0, 0], v);
            }
            for (layer, z) in layers.iter().zip(&sums) {
                let first = t.len() as u32;
                for (j, &(bias, weights)) in layer.neurons.iter().enumerate() {
                    let args = [bias, weights, run, layer.n_inputs];
                    t.push_run_weighted_sum(layer.activation, args, z[j * padded + s]);
                }
                run = first;
            }
            run
        })
        .collect()
}

dispatched! {
    /// `z[j][s] = bias_j + Σₖ w_j[k]·x[k][s]` for every neuron j of `layer` and every sample s,
    /// each sum added in order of k.
    fn layer_sums(
        data: &[f64],
        layer: &DenseLayer<'_>,
        x: &[f64],
        padded: usize,
        z: &mut [f64],
    ) => layer_sums_loop;
}

#[inline(always)]
fn layer_sums_loop(data: &[f64], layer: &DenseLayer<'_>, x: &[f64], padded: usize, z: &mut [f64]) {
    let n = layer.n_inputs as usize;
    let weights = |w: u32| &data[w as usize..][..n];
    let mut pairs = layer.neurons.chunks_exact(2);
    let mut j = 0;
    for pair in &mut pairs {
        let ((b0, w0), (b1, w1)) = (pair[0], pair[1]);
        let (w0, w1) = (weights(w0), weights(w1));
        for s in (0..padded).step_by(SAMPLES) {
            let mut sum0 = [data[b0 as usize]; SAMPLES];
            let mut sum1 = [data[b1 as usize]; SAMPLES];
            for k in 0..n {
                let xs: &[f64; SAMPLES] = x[k * padded + s..][..SAMPLES].try_into().unwrap();
                let (c0, c1) = (w0[k], w1[k]);
                for i in 0..SAMPLES {
                    sum0[i] += c0 * xs[i];
                    sum1[i] += c1 * xs[i];
                }
            }
            z[j * padded + s..][..SAMPLES].copy_from_slice(&sum0);
            z[(j + 1) * padded + s..][..SAMPLES].copy_from_slice(&sum1);
        }
        j += 2;
    }
    for &(b, w) in pairs.remainder() {
        let w = weights(w);
        for s in (0..padded).step_by(SAMPLES) {
            let mut sum = [data[b as usize]; SAMPLES];
            for (k, &c) in w.iter().enumerate() {
                let xs: &[f64; SAMPLES] = x[k * padded + s..][..SAMPLES].try_into().unwrap();
                for i in 0..SAMPLES {
                    sum[i] += c * xs[i];
                }
            }
            z[j * padded + s..][..SAMPLES].copy_from_slice(&sum);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::op::{weighted_sum, Activation};
    use crate::speed::simd::testing::{bits, number};
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn layer_sums_give_the_portable_bits_and_each_sum_in_order(
            (n_inputs, n_neurons, blocks, numbers) in (0..12usize, 1..6usize, 1..3usize)
                .prop_flat_map(|(n, j, b)| {
                    let count = j * (n + 1) + n * b * SAMPLES;
                    (Just(n), Just(j), Just(b), prop::collection::vec(number(), count))
                }),
        ) {
            let graph = Graph::new();
            let (params, x) = numbers.split_at(n_neurons * (n_inputs + 1));
            let first = graph.len() as u32;
            for &p in params {
                graph.value(p);
            }
            let stride = n_inputs as u32 + 1;
            let neurons = (0..n_neurons as u32)
                .map(|j| (first + j * stride, first + j * stride + 1))
                .collect();
            let layer = DenseLayer::from_layout(&graph, Activation::Relu, n_inputs as u32, neurons);
            let padded = blocks * SAMPLES;
            let (mut wide, mut portable) = (vec![0.0; n_neurons * padded], vec![0.0; n_neurons * padded]);
            let t = graph.tape();
            layer_sums(t.data(), &layer, x, padded, &mut wide);
            layer_sums_loop(t.data(), &layer, x, padded, &mut portable);
            prop_assert_eq!(bits(&wide), bits(&portable));
            let one_at_a_time: Vec<f64> = params
                .chunks(n_inputs + 1)
                .flat_map(|neuron| {
                    (0..padded).map(move |s| {
                        let terms = (0..n_inputs).map(|k| (neuron[1 + k], x[k * padded + s]));
                        weighted_sum(neuron[0], terms)
                    })
                })
                .collect();
            prop_assert_eq!(bits(&portable), bits(&one_at_a_time));
        }
    }
}
