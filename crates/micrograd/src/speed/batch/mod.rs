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

mod backward;
pub(crate) mod split;

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
    let sums = LayerSums::compute(graph, layers, rows);
    push_nodes(graph, layers, rows, &sums)
}

/// Each layer's outputs (after the activation) for a batch, neuron by neuron:
/// `outputs[l][j * padded + s]`, samples padded with zeros to a multiple of [`SAMPLES`].
struct LayerSums {
    padded: usize,
    outputs: Vec<Vec<f64>>,
}

impl LayerSums {
    /// Computes `rows` through `layers`, checked as [`forward_batch`] says.
    fn compute(graph: &Graph, layers: &[DenseLayer<'_>], rows: &[&[f64]]) -> Self {
        let padded = rows.len().div_ceil(SAMPLES) * SAMPLES;
        let n_inputs = layers[0].n_inputs as usize;
        let mut x = vec![0.0; n_inputs * padded];
        for (s, row) in rows.iter().enumerate() {
            assert_eq!(row.len(), n_inputs, "micrograd: a row of the wrong width");
            for (k, &v) in row.iter().enumerate() {
                x[k * padded + s] = v;
            }
        }
        let mut outputs: Vec<Vec<f64>> = Vec::with_capacity(layers.len());
        let t = graph.tape();
        for layer in layers {
            assert!(
                std::ptr::eq(layer.graph, graph) && t.generation() == layer.generation,
                "micrograd: a batch's layer was checked in another graph or before a rewind"
            );
            let x = outputs.last().unwrap_or(&x);
            assert_eq!(x.len(), layer.n_inputs as usize * padded);
            let mut out = vec![0.0; layer.neurons.len() * padded];
            let neurons = Neurons {
                list: &layer.neurons,
                n_inputs: layer.n_inputs as usize,
                with_bias: true,
            };
            layer_sums(t.data(), neurons, x, padded, &mut out);
            layer.activation.forward_all(&mut out);
            outputs.push(out);
        }
        LayerSums { padded, outputs }
    }

    /// The first `n` samples' outputs of layer `l`, sample by sample, into `into`: sample `s`'s
    /// from `into[s * stride]` on.
    fn transpose(&self, l: usize, n: usize, stride: usize, into: &mut [f64]) {
        // Eight samples at a time, so that the reads are runs and the writes eight rows filled
        // in order, rather than one write per row.
        for s0 in (0..n).step_by(SAMPLES) {
            let samples = SAMPLES.min(n - s0);
            for (j, outputs) in self.outputs[l].chunks_exact(self.padded).enumerate() {
                for (i, &out) in outputs[s0..s0 + samples].iter().enumerate() {
                    into[(s0 + i) * stride + j] = out;
                }
            }
        }
    }

    /// Sample `s`'s outputs of layer `l`, neuron by neuron.
    fn sample(&self, l: usize, s: usize) -> impl Iterator<Item = f64> + '_ {
        self.outputs[l][s..].iter().step_by(self.padded).copied()
    }
}

/// Pushes each row's constants, then each layer's neurons with the outputs in `sums`, sample
/// after sample; returns each sample's first output node.
fn push_nodes(
    graph: &Graph,
    layers: &[DenseLayer<'_>],
    rows: &[&[f64]],
    sums: &LayerSums,
) -> Vec<u32> {
    let mut t = graph.tape_mut();
    rows.iter()
        .enumerate()
        .map(|(s, row)| {
            let mut run = t.len() as u32;
            for &v in *row {
                t.push(Op::Const, [0, 0], v);
            }
            for (l, layer) in layers.iter().enumerate() {
                run = t.push_run_layer(
                    layer.activation,
                    &layer.neurons,
                    [run, layer.n_inputs],
                    sums.sample(l, s),
                );
            }
            run
        })
        .collect()
}

impl DenseLayer<'_> {
    /// The same layer for the graph's current generation, its layout taken as checked: for a
    /// caller that checks the layer's parameters alive another way (a trainer checks the ends of
    /// the run of all its parameters every step), sparing a check per weight.
    pub(crate) fn renewed(&self) -> Self {
        DenseLayer::from_layout(
            self.graph,
            self.activation,
            self.n_inputs,
            self.neurons.clone(),
        )
    }
}

/// The neurons a [`layer_sums`] sums: `(bias, first weight)` each, indices into its `data`, whose
/// weights are runs of `n_inputs`; without their biases (each sum from +0) unless `with_bias`.
#[derive(Clone, Copy)]
pub(crate) struct Neurons<'a> {
    pub(crate) list: &'a [(u32, u32)],
    pub(crate) n_inputs: usize,
    pub(crate) with_bias: bool,
}

dispatched! {
    /// `z[j][s] = bias_j + Σₖ w_j[k]·x[k][s]` for every neuron j and every sample s, each sum
    /// added in order of k.
    pub(crate) fn layer_sums(
        data: &[f64],
        neurons: Neurons<'_>,
        x: &[f64],
        padded: usize,
        z: &mut [f64],
    ) => sums_by_two, avx2: sums_by_four, avx512: sums_by_eight;
}

/// [`layer_sums`] two neurons at a time: sixteen sums, as many as sixteen two-number registers
/// hold.
#[inline(always)]
fn sums_by_two(data: &[f64], neurons: Neurons<'_>, x: &[f64], padded: usize, z: &mut [f64]) {
    sums_by::<2>(data, neurons, x, padded, z);
}

/// [`layer_sums`] four neurons at a time: thirty-two sums in eight four-number registers, enough
/// independent chains to keep the adders busy while each sum waits for its last addition.
#[inline(always)]
fn sums_by_four(data: &[f64], neurons: Neurons<'_>, x: &[f64], padded: usize, z: &mut [f64]) {
    sums_by::<4>(data, neurons, x, padded, z);
}

/// [`layer_sums`] eight neurons at a time: sixty-four sums in eight eight-number registers.
#[inline(always)]
fn sums_by_eight(data: &[f64], neurons: Neurons<'_>, x: &[f64], padded: usize, z: &mut [f64]) {
    sums_by::<8>(data, neurons, x, padded, z);
}

/// [`layer_sums`], `NEURONS` neurons by [`SAMPLES`] samples at a time (the neurons left over
/// one by one). Every sum still starts from its bias and adds its terms in order of k, so the
/// blocking changes no bit.
#[inline(always)]
fn sums_by<const NEURONS: usize>(
    data: &[f64],
    neurons: Neurons<'_>,
    x: &[f64],
    padded: usize,
    z: &mut [f64],
) {
    let mut blocks = neurons.list.chunks_exact(NEURONS);
    let mut j = 0;
    for block in &mut blocks {
        let block = Neurons {
            list: block,
            ..neurons
        };
        neuron_block::<NEURONS>(data, block, x, padded, &mut z[j * padded..]);
        j += NEURONS;
    }
    for neuron in blocks.remainder().chunks(1) {
        let neuron = Neurons {
            list: neuron,
            ..neurons
        };
        neuron_block::<1>(data, neuron, x, padded, &mut z[j * padded..]);
        j += 1;
    }
}

/// The sums of the `NEURONS` neurons of `block` for every sample, into the first `NEURONS` rows
/// of `z`.
#[inline(always)]
fn neuron_block<const NEURONS: usize>(
    data: &[f64],
    block: Neurons<'_>,
    x: &[f64],
    padded: usize,
    z: &mut [f64],
) {
    let (list, n) = (block.list, block.n_inputs);
    let weights: [&[f64]; NEURONS] = std::array::from_fn(|i| &data[list[i].1 as usize..][..n]);
    let biases: [f64; NEURONS] = std::array::from_fn(|i| {
        if block.with_bias {
            data[list[i].0 as usize]
        } else {
            0.0
        }
    });
    let x = &x[..n * padded];
    for s in (0..padded).step_by(SAMPLES) {
        let mut sums = biases.map(|bias| [bias; SAMPLES]);
        for (k, row) in x.chunks_exact(padded).enumerate() {
            let xs: &[f64; SAMPLES] = row[s..][..SAMPLES].try_into().unwrap();
            for (sum, w) in sums.iter_mut().zip(&weights) {
                let c = w[k];
                for i in 0..SAMPLES {
                    sum[i] += c * xs[i];
                }
            }
        }
        for (i, sum) in sums.iter().enumerate() {
            z[i * padded + s..][..SAMPLES].copy_from_slice(sum);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::op::weighted_sum;
    use crate::speed::simd::testing::{bits, number};
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn layer_sums_give_the_portable_bits_and_each_sum_in_order(
            (n_inputs, n_neurons, blocks, numbers) in (0..12usize, 1..10usize, 1..3usize)
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
            let list: Vec<(u32, u32)> = (0..n_neurons as u32)
                .map(|j| (first + j * stride, first + j * stride + 1))
                .collect();
            let padded = blocks * SAMPLES;
            let t = graph.tape();
            // With their biases, and without (a neuron's share of a sum split over threads).
            for with_bias in [true, false] {
                let layer = Neurons { list: &list, n_inputs, with_bias };
                let (mut wide, mut portable) = (vec![0.0; n_neurons * padded], vec![0.0; n_neurons * padded]);
                layer_sums(t.data(), layer, x, padded, &mut wide);
                sums_by_two(t.data(), layer, x, padded, &mut portable);
                prop_assert_eq!(bits(&wide), bits(&portable));
                let mut by_four = vec![0.0; n_neurons * padded];
                sums_by_four(t.data(), layer, x, padded, &mut by_four);
                prop_assert_eq!(bits(&by_four), bits(&portable));
                let mut by_eight = vec![0.0; n_neurons * padded];
                sums_by_eight(t.data(), layer, x, padded, &mut by_eight);
                prop_assert_eq!(bits(&by_eight), bits(&portable));
                let one_at_a_time: Vec<f64> = params
                    .chunks(n_inputs + 1)
                    .flat_map(|neuron| {
                        let bias = if with_bias { neuron[0] } else { 0.0 };
                        (0..padded).map(move |s| {
                            let terms = (0..n_inputs).map(|k| (neuron[1 + k], x[k * padded + s]));
                            weighted_sum(bias, terms)
                        })
                    })
                    .collect();
                prop_assert_eq!(bits(&portable), bits(&one_at_a_time));
            }
        }
    }
}
