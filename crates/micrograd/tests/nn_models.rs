//! Neurons, layers and MLPs: parameter counts, printing, seeded initialization, forward passes.

use micrograd::nn::{Activation, Architecture, Layer, Module, Neuron, MLP};
use micrograd::{Graph, Op, Value};

#[test]
fn parameter_counts_match_micrograd() {
    let g = Graph::new();
    assert_eq!(MLP::new(&g, 3, &[4, 4, 1], 0).parameters().len(), 41);
    assert_eq!(MLP::new(&g, 2, &[16, 16, 1], 0).parameters().len(), 337);
    assert_eq!(
        MLP::new(&g, 64, &[32, 10], 0).num_parameters(),
        64 * 32 + 32 + 32 * 10 + 10
    );
    assert_eq!(Architecture::new(2, &[16, 16, 1]).num_parameters(), 337);
    assert_eq!(Neuron::new(&g, 5, Activation::Relu, 0).num_parameters(), 6);
    assert_eq!(
        Layer::new(&g, 3, 4, Activation::Tanh, 0).parameters().len(),
        16
    );
}

#[test]
fn display_is_micrograds() {
    let g = Graph::new();
    let m = MLP::new(&g, 2, &[2, 1], 0);
    assert_eq!(
        m.to_string(),
        "MLP of [Layer of [ReLUNeuron(2), ReLUNeuron(2)], Layer of [LinearNeuron(2)]]"
    );
    let s = MLP::with_activations(&g, 1, &[(1, Activation::Sigmoid)], 0);
    assert_eq!(s.to_string(), "MLP of [Layer of [SigmoidNeuron(1)]]");
}

#[test]
fn same_seed_same_model_different_seed_different_model() {
    let (g1, g2) = (Graph::new(), Graph::new());
    let a = MLP::new(&g1, 2, &[16, 16, 1], 42).parameter_data();
    let b = MLP::new(&g2, 2, &[16, 16, 1], 42).parameter_data();
    let c = MLP::new(&g2, 2, &[16, 16, 1], 43).parameter_data();
    assert_eq!(a, b);
    assert_ne!(a, c);
    // Weights uniform in [-1, 1), biases 0, as micrograd's nn.py.
    let m = MLP::new(&g1, 3, &[4, 4, 1], 7);
    for layer in m.layers() {
        for n in layer.neurons() {
            assert!(n.weights().iter().all(|w| (-1.0..1.0).contains(&w.data())));
            assert_eq!(n.bias().data(), 0.0);
        }
    }
}

#[test]
fn seeded_weights_are_the_same_on_every_machine() {
    // Weights are -1 + 2·u with u = (next_u64 >> 11)·2⁻⁵³ from the seeded generator: integer
    // arithmetic and exact scaling, with no platform-dependent function in between.
    let g = Graph::new();
    let n = Neuron::new(&g, 3, Activation::Relu, 0);
    let w: Vec<f64> = n.weights().iter().map(Value::data).collect();
    let mut rng = micrograd::rng::Rng::new(0);
    let expected: Vec<f64> = (0..3)
        .map(|_| -1.0 + 2.0 * ((rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64))
        .collect();
    assert_eq!(w, expected);
}

#[test]
fn a_neuron_is_one_weighted_sum_node_and_one_activation_node() {
    let g = Graph::new();
    let n = Neuron::from_weights(&g, &[-3.0, 1.0], 6.881_373_587_019_543, Activation::Tanh);
    let x = [g.value(2.0), g.value(0.0)];
    let before = g.len();
    let o = n.forward(&x);
    assert_eq!(g.len() - before, 2);
    assert_eq!(o.op(), Op::Tanh);
    assert_eq!(o.children()[0].op(), Op::WeightedSum(Activation::Linear));
    assert!((o.data() - std::f64::consts::FRAC_1_SQRT_2).abs() < 1e-12);
    o.backward();
    // The notebook's neuron: dx1 = -1.5, dw1 = 1, dx2 = 0.5, dw2 = 0.
    assert!((x[0].grad() + 1.5).abs() < 1e-12);
    assert!((n.weights()[0].grad() - 1.0).abs() < 1e-12);
    assert!((x[1].grad() - 0.5).abs() < 1e-12);
    assert_eq!(n.weights()[1].grad(), 0.0);
}

#[test]
fn a_layer_makes_one_node_per_neuron() {
    let g = Graph::new();
    let layer = Layer::new(&g, 3, 4, Activation::Relu, 1);
    let x: Vec<Value> = [0.5, -1.0, 2.0].iter().map(|&v| g.value(v)).collect();
    let before = g.len();
    let out = layer.forward(&x);
    assert_eq!(g.len() - before, 4);
    assert!(out
        .iter()
        .all(|o| o.op() == Op::WeightedSum(Activation::Relu)));
    assert_eq!(out[0].children().len(), 1 + 2 * 3);
    let linear = Layer::new(&g, 3, 2, Activation::Linear, 1).forward(&x);
    assert!(linear
        .iter()
        .all(|o| o.op() == Op::WeightedSum(Activation::Linear)));
}

#[test]
fn a_layer_in_one_node_per_neuron_gives_the_bits_of_two_nodes_per_neuron() {
    // Every activation, with inputs that leave some ReLUs dead and push tanh and sigmoid into
    // saturation: outputs and every gradient must be bit for bit those of the sum node followed by
    // the activation's node.
    for act in Activation::ALL {
        let mut bits = Vec::new();
        for fused in [true, false] {
            let g = Graph::new();
            let layer = Layer::new(&g, 3, 6, act, 7);
            let x: Vec<Value> = [0.5, -40.0, 2.0].iter().map(|&v| g.value(v)).collect();
            let out = if fused {
                layer.forward(&x)
            } else {
                layer.neurons().iter().map(|n| n.forward(&x)).collect()
            };
            let coefficients = [1.5, -2.0, 0.25, 3.0, -0.5, 1.0];
            let total = out
                .iter()
                .zip(coefficients)
                .fold(g.constant(0.0), |acc, (&o, c)| acc + o * c);
            total.backward();
            let params = layer.parameters();
            let grads = params.iter().chain(&x).map(|v| v.grad().to_bits());
            let data = out.iter().map(|o| o.data().to_bits());
            bits.push(data.chain(grads).collect::<Vec<_>>());
        }
        assert_eq!(bits[0], bits[1], "{act}");
    }
}

/// The bits of every output's data and every parameter's gradient after backpropagating a weighted
/// sum of all outputs, with the model's forward pass over `rows` done by `forward`.
fn batch_bits<'g>(
    g: &'g Graph,
    m: &MLP<'g>,
    rows: &[Vec<f64>],
    forward: impl Fn(&MLP<'g>, &[Vec<f64>]) -> Vec<Vec<Value<'g>>>,
) -> Vec<u64> {
    let outputs = forward(m, rows);
    let total = outputs
        .iter()
        .flatten()
        .enumerate()
        .fold(g.constant(0.0), |acc, (k, &o)| acc + o * (k as f64 - 2.5));
    g.zero_grad();
    total.backward();
    let data = outputs.iter().flatten().map(|o| o.data().to_bits());
    let grads = m.parameters().into_iter().map(|p| p.grad().to_bits());
    data.chain(grads).collect()
}

#[test]
fn a_batch_forward_gives_the_bits_of_a_forward_per_row() {
    let rows: Vec<Vec<f64>> = (0..7)
        .map(|r| {
            (0..3)
                .map(|c| ((r * 3 + c) as f64 * 0.77).sin() * 3.0)
                .collect()
        })
        .collect();
    let architectures = [
        // Wide enough for neurons computed side by side, with some left over.
        vec![
            (16, Activation::Relu),
            (9, Activation::Relu),
            (1, Activation::Linear),
        ],
        vec![(5, Activation::Tanh), (2, Activation::Sigmoid)],
        vec![(3, Activation::Linear)],
    ];
    for layers in architectures {
        let g = Graph::new();
        let m = MLP::with_activations(&g, 3, &layers, 11);
        let batch = batch_bits(&g, &m, &rows, |m, rows| {
            m.forward_batch(rows.iter().map(|r| &r[..]))
        });
        let per_row = batch_bits(&g, &m, &rows, |m, rows| {
            rows.iter().map(|r| m.forward_data(r)).collect()
        });
        assert_eq!(batch, per_row, "{layers:?}");
    }
}

#[test]
#[should_panic(expected = "MLP::forward_batch: 3 inputs for a model of 2 inputs")]
fn a_batch_row_of_the_wrong_width_is_a_clear_panic() {
    let g = Graph::new();
    let m = MLP::new(&g, 2, &[3, 1], 4);
    m.forward_batch([&[1.0, 2.0, 3.0][..]]);
}

#[test]
fn predict_equals_forward_and_gradients_pass_gradcheck() {
    let g = Graph::new();
    for act in Activation::ALL {
        let m = MLP::with_activations(&g, 3, &[(4, act), (3, act), (2, Activation::Linear)], 5);
        let x = [0.3, -1.2, 2.0];
        let out = m.forward_data(&x);
        assert_eq!(
            out.iter().map(Value::data).collect::<Vec<_>>(),
            m.predict(&x),
            "{act}"
        );
        let f = out[0] * out[1] + out[0];
        let params = m.parameters();
        let report = micrograd::gradcheck(f, &params, 1e-6, 1e-5);
        assert!(
            report.passed(),
            "{act}: {:?}",
            report.inputs.iter().filter(|c| !c.ok).collect::<Vec<_>>()
        );
    }
}

#[test]
fn zero_grad_resets_parameter_gradients() {
    let g = Graph::new();
    let m = MLP::new(&g, 2, &[3, 1], 1);
    m.forward_data(&[1.0, 2.0])[0].backward();
    assert!(m.parameters().iter().any(|p| p.grad() != 0.0));
    m.zero_grad();
    assert!(m.parameters().iter().all(|p| p.grad() == 0.0));
}

#[test]
fn from_parameters_round_trips_and_checks_the_count() {
    let g = Graph::new();
    let m = MLP::with_activations(&g, 2, &[(3, Activation::Tanh), (1, Activation::Sigmoid)], 9);
    let copy = MLP::from_parameters(&g, &m.architecture(), &m.parameter_data()).unwrap();
    assert_eq!(copy.predict(&[0.5, 0.25]), m.predict(&[0.5, 0.25]));
    assert_eq!(copy.to_string(), m.to_string());
    let err = MLP::from_parameters(&g, &m.architecture(), &[1.0, 2.0]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "expected 13 parameter values for this architecture, found 2"
    );
}

#[test]
fn architecture_prints_and_parses() {
    let a = Architecture::new(2, &[16, 16, 1]);
    assert_eq!(a.to_string(), "2-16(relu)-16(relu)-1(linear)");
    assert_eq!(
        "2-16(relu)-16(relu)-1(linear)"
            .parse::<Architecture>()
            .unwrap(),
        a
    );
    assert_eq!("2-16-16-1".parse::<Architecture>().unwrap(), a);
    assert_eq!(
        "3-4(tanh)-1(sigmoid)"
            .parse::<Architecture>()
            .unwrap()
            .layers,
        vec![(4, Activation::Tanh), (1, Activation::Sigmoid)]
    );
    assert!("2-x-1".parse::<Architecture>().is_err());
    assert!("2-4(swish)"
        .parse::<Architecture>()
        .unwrap_err()
        .contains("unknown activation `swish`"));
    assert!("2".parse::<Architecture>().is_err());
}

#[test]
fn training_memory_stays_flat_with_checkpoint_and_rewind() {
    let g = Graph::new();
    let m = MLP::new(&g, 2, &[8, 1], 3);
    let start = g.checkpoint();
    let n_params = g.len();
    for _ in 0..5 {
        let loss = (m.forward_data(&[0.5, -0.5])[0] - 1.0).powf(2.0);
        m.zero_grad();
        loss.backward();
        g.rewind(start);
        assert_eq!(g.len(), n_params);
    }
}
