//! The batch-major backward against the plain sweep, bit for bit, and its kernel against one
//! product at a time.

use super::*;
use crate::graph::Value;
use crate::op::Activation;
use crate::speed::run_values;
use crate::speed::simd::testing::{bits, number};
use proptest::prelude::*;

proptest! {
    #[test]
    fn accumulate_gives_the_portable_bits_and_each_sum_in_order(
        (shape, numbers) in (0..11usize, 0..19usize, 0..6usize, [0..3usize, 0..3, 0..3])
            .prop_flat_map(|(n_a, n_b, steps, gaps)| {
                let shape = Shape { n_a, n_b, steps, out: n_b + gaps[0], u: n_a + gaps[1], v: n_b + gaps[2] };
                let count = n_a * shape.out + steps * (shape.u + shape.v);
                (Just(shape), prop::collection::vec(number(), count))
            }),
    ) {
        let Shape { n_a, n_b, steps, .. } = shape;
        let (start, rest) = numbers.split_at(n_a * shape.out);
        let (u, v) = rest.split_at(steps * shape.u);
        let (mut wide, mut portable) = (start.to_vec(), start.to_vec());
        accumulate(&mut wide, u, v, shape);
        accumulate_by_two(&mut portable, u, v, shape);
        prop_assert_eq!(bits(&wide), bits(&portable));
        let mut by_four = start.to_vec();
        accumulate_by_four(&mut by_four, u, v, shape);
        prop_assert_eq!(bits(&by_four), bits(&portable));
        let mut by_eight = start.to_vec();
        accumulate_by_eight(&mut by_eight, u, v, shape);
        prop_assert_eq!(bits(&by_eight), bits(&portable));
        let mut one_at_a_time = start.to_vec();
        for step in (0..steps).rev() {
            for a in 0..n_a {
                for b in 0..n_b {
                    one_at_a_time[a * shape.out + b] += u[step * shape.u + a] * v[step * shape.v + b];
                }
            }
        }
        // Between the rows, nothing is written.
        prop_assert_eq!(bits(&portable), bits(&one_at_a_time));
    }

    #[test]
    fn the_batch_major_backward_gives_the_plain_sweeps_parameter_gradients(
        (widths, activations, params, rows, scales) in model(),
        l2 in prop_oneof![Just(0.0), -2.0..2.0f64],
    ) {
        let plain = Graph::new();
        let (plain_params, plain_layers) = build(&plain, &widths, &activations, &params);
        let row_refs: Vec<&[f64]> = rows.iter().map(Vec::as_slice).collect();
        let width = *widths.last().unwrap();
        let outputs: Vec<Vec<Value<'_>>> = crate::speed::forward_batch(&plain, &plain_layers, &row_refs)
            .into_iter()
            .map(|first| run_values(&plain, first, width))
            .collect();
        loss(&outputs, &scales, &plain_params, l2).backward_plain();

        let fast = Graph::new();
        let (fast_params, fast_layers) = build(&fast, &widths, &activations, &params);
        let batch = DenseLayer::push_for_training(&fast, &fast_layers, &row_refs);
        // Rows of ordinary numbers (the parameters always are) take the batch-major path, and
        // rows with a NaN or an infinity never do.
        let tame = rows.iter().flatten().all(|x| x.abs() < 10.0);
        let finite = rows.iter().flatten().all(|x| x.is_finite());
        prop_assert!(!tame || batch.saved.is_some());
        prop_assert!(finite || batch.saved.is_none());
        let outputs: Vec<Vec<Value<'_>>> = batch
            .outputs()
            .iter()
            .map(|&first| run_values(&fast, first, width))
            .collect();
        let total = loss(&outputs, &scales, &fast_params, l2);
        fast.zero_grad();
        total.backward();
        batch.backward(&fast, &fast_layers);

        let grads = |ps: &[Value<'_>]| ps.iter().map(Value::grad).collect::<Vec<f64>>();
        prop_assert_eq!(bits(&grads(&fast_params)), bits(&grads(&plain_params)));
    }
}

/// Layer widths (the inputs first), each layer's activation, the parameters, rows of numbers of
/// every kind (so that some batches take the nodes' path), and a scale per output.
#[allow(clippy::type_complexity)]
fn model() -> impl Strategy<
    Value = (
        Vec<usize>,
        Vec<Activation>,
        Vec<f64>,
        Vec<Vec<f64>>,
        Vec<f64>,
    ),
> {
    let activation = prop_oneof![
        Just(Activation::Relu),
        Just(Activation::Tanh),
        Just(Activation::Sigmoid),
        Just(Activation::Linear),
    ];
    (
        prop::collection::vec(1..7usize, 2..5),
        1..11usize,
        any::<bool>(),
    )
        .prop_flat_map(move |(widths, samples, wild)| {
            let n_params: usize = widths.windows(2).map(|w| w[1] * (w[0] + 1)).sum();
            let value = move || {
                if wild {
                    number().boxed()
                } else {
                    (-2.0..2.0f64).boxed()
                }
            };
            let (inputs, outputs) = (widths[0], *widths.last().unwrap());
            (
                Just(widths.clone()),
                prop::collection::vec(activation.clone(), widths.len() - 1),
                prop::collection::vec(-1.5..1.5f64, n_params),
                prop::collection::vec(prop::collection::vec(value(), inputs), samples),
                prop::collection::vec(-3.0..3.0f64, samples * outputs),
            )
        })
}

/// The parameters, laid out as a model's (each neuron's weights, then its bias), and the layers
/// over them.
fn build<'g>(
    graph: &'g Graph,
    widths: &[usize],
    activations: &[Activation],
    params: &[f64],
) -> (Vec<Value<'g>>, Vec<DenseLayer<'g>>) {
    let values: Vec<Value<'_>> = params.iter().map(|&p| graph.value(p)).collect();
    let mut next = 0u32;
    let layers = widths
        .windows(2)
        .zip(activations)
        .map(|(w, &activation)| {
            let (inputs, outputs) = (w[0] as u32, w[1] as u32);
            let neurons = (0..outputs)
                .map(|j| {
                    let weights = next + j * (inputs + 1);
                    (weights + inputs, weights)
                })
                .collect();
            next += outputs * (inputs + 1);
            DenseLayer::from_layout(graph, activation, inputs, neurons)
        })
        .collect();
    (values, layers)
}

/// `Σ scale · output` over the samples, plus `l2 · Σ p²`: every output read, the penalty on the
/// tape after them.
fn loss<'g>(
    outputs: &[Vec<Value<'g>>],
    scales: &[f64],
    params: &[Value<'g>],
    l2: f64,
) -> Value<'g> {
    let graph = params[0].graph();
    let terms = outputs.iter().flatten().zip(scales).map(|(&o, &c)| o * c);
    let mut total = graph.sum(terms).unwrap();
    if l2 != 0.0 {
        // `loss::l2`, written here: the speed path sits below the losses.
        total += l2 * graph.weighted_sum(graph.constant(0.0), params, params);
    }
    total
}
