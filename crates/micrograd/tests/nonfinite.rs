//! NaN, the infinities, both zeros and the edges of each operation's domain give PyTorch's float64
//! value and gradients bit for bit (`fixtures/torch_nonfinite.json`, written by the script beside
//! it), on the plain backward sweep and on the speed path, which also agree with each other bit
//! for bit. A NaN may differ from PyTorch's in its sign and payload, never in being NaN; a zero's
//! sign must match (a gradient's as PyTorch adds it into a zero gradient, as the engine does). A NaN in a model's input gives a NaN prediction, as in PyTorch, on every path
//! a model runs.

use micrograd::nn::{Activation, MLP};
use micrograd::{Graph, Value};
use serde_json::Value as Json;

const FIXTURE: &str = include_str!("fixtures/torch_nonfinite.json");

fn number(j: &Json) -> f64 {
    match j {
        Json::String(s) if s == "nan" => f64::NAN,
        Json::String(s) if s == "inf" => f64::INFINITY,
        Json::String(s) if s == "-inf" => f64::NEG_INFINITY,
        other => other.as_f64().expect("a number"),
    }
}

fn numbers(j: &Json) -> Vec<f64> {
    j.as_array().expect("a list").iter().map(number).collect()
}

/// PyTorch's number and ours are the same: both NaN, or the same bits (so `0.0` is not `-0.0`).
fn same(ours: f64, torch: f64) -> bool {
    if torch.is_nan() {
        ours.is_nan()
    } else {
        ours.to_bits() == torch.to_bits()
    }
}

struct Case {
    op: String,
    inputs: Vec<f64>,
    exponent: Option<f64>,
    out: f64,
    /// For each upstream gradient in the fixture's `seeds`, every input's gradient.
    grads: Vec<Vec<f64>>,
}

fn cases() -> (Vec<f64>, Vec<Case>) {
    let fixture: Json = serde_json::from_str(FIXTURE).expect("the fixture is JSON");
    let seeds = numbers(&fixture["seeds"]);
    let cases = fixture["cases"]
        .as_array()
        .expect("a list of cases")
        .iter()
        .map(|c| Case {
            op: c["op"].as_str().expect("an op name").to_string(),
            inputs: numbers(&c["inputs"]),
            exponent: c.get("exponent").map(number),
            out: number(&c["out"]),
            grads: c["grads"]
                .as_array()
                .expect("grads")
                .iter()
                .map(numbers)
                .collect(),
        })
        .collect();
    (seeds, cases)
}

/// How a weighted sum's operands lie on the tape: the engine keeps runs of consecutive weights and
/// inputs apart from scattered pairs, and each has its own backward loop.
#[derive(Clone, Copy, Debug)]
enum Layout {
    Runs,
    Pairs,
}

/// Builds the case's node from its inputs, in `g`: the inputs' leaves (in the fixture's order) and
/// the node.
fn build<'g>(g: &'g Graph, case: &Case, layout: Layout) -> (Vec<Value<'g>>, Value<'g>) {
    if let Some(activation) = case.op.strip_prefix("weighted_sum_") {
        let activation: Activation = activation.parse().expect("an activation");
        let v = &case.inputs;
        // (b, w1, w2, x1, x2), made in the order the layout needs.
        let leaves = match layout {
            Layout::Runs => v.iter().map(|&x| g.value(x)).collect::<Vec<_>>(),
            Layout::Pairs => {
                let (b, w1, x1, w2, x2) = (
                    g.value(v[0]),
                    g.value(v[1]),
                    g.value(v[3]),
                    g.value(v[2]),
                    g.value(v[4]),
                );
                vec![b, w1, w2, x1, x2]
            }
        };
        let (weights, inputs) = (&leaves[1..3], &leaves[3..5]);
        let out = g.weighted_sums(inputs, [(leaves[0], weights)], activation)[0];
        return (leaves, out);
    }
    let leaves: Vec<_> = case.inputs.iter().map(|&x| g.value(x)).collect();
    let x = leaves[0];
    let out = match case.op.as_str() {
        "neg" => -x,
        "exp" => x.exp(),
        "log" => x.log(),
        "tanh" => x.tanh(),
        "sigmoid" => x.sigmoid(),
        "relu" => x.relu(),
        "sin" => x.sin(),
        "cos" => x.cos(),
        "sqrt" => x.sqrt(),
        "abs" => x.abs(),
        "powf" => x.powf(case.exponent.expect("powf has an exponent")),
        "add" => x + leaves[1],
        "sub" => x - leaves[1],
        "mul" => x * leaves[1],
        "div" => x / leaves[1],
        "pow" => x.pow(leaves[1]),
        other => panic!("unknown op {other} in the fixture"),
    };
    (leaves, out)
}

/// The node's value and its inputs' gradients after backpropagating `out * seed`, by the plain
/// sweep or the speed path.
fn run(case: &Case, seed: f64, layout: Layout, plain: bool) -> (f64, Vec<f64>) {
    let g = Graph::new();
    let (leaves, out) = build(&g, case, layout);
    let loss = out * g.value(seed);
    if plain {
        loss.backward_plain();
    } else {
        loss.backward();
    }
    (out.data(), leaves.iter().map(|v| v.grad()).collect())
}

fn describe(case: &Case, seed: f64) -> String {
    let exponent = case
        .exponent
        .map_or(String::new(), |c| format!(" ** {c:?}"));
    format!(
        "{}{:?}{exponent} (upstream gradient {seed:?})",
        case.op, case.inputs
    )
}

#[test]
fn every_case_matches_pytorch_on_both_paths_bit_for_bit() {
    let (seeds, cases) = cases();
    assert!(cases.len() > 500, "the fixture lost its cases");
    let mut wrong = Vec::new();
    for case in &cases {
        let layouts: &[Layout] = if case.op.starts_with("weighted_sum_") {
            &[Layout::Runs, Layout::Pairs]
        } else {
            &[Layout::Runs]
        };
        for (&seed, torch_grads) in seeds.iter().zip(&case.grads) {
            for &layout in layouts {
                let plain = run(case, seed, layout, true);
                let speed = run(case, seed, layout, false);
                let what = describe(case, seed);
                let bits = |(out, grads): &(f64, Vec<f64>)| {
                    (
                        out.to_bits(),
                        grads.iter().map(|g| g.to_bits()).collect::<Vec<_>>(),
                    )
                };
                if bits(&plain) != bits(&speed) {
                    wrong.push(format!(
                        "{what} {layout:?}: plain path {plain:?}, speed path {speed:?}"
                    ));
                }
                let (out, grads) = plain;
                if !same(out, case.out) {
                    wrong.push(format!("{what}: value {out:?}, PyTorch {:?}", case.out));
                }
                if !grads.iter().zip(torch_grads).all(|(&o, &t)| same(o, t)) {
                    wrong.push(format!(
                        "{what} {layout:?}: gradients {grads:?}, PyTorch {torch_grads:?}"
                    ));
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} cases differ:\n{}",
        wrong.len(),
        cases.len() * seeds.len(),
        wrong.join("\n")
    );
}

#[test]
fn the_fixture_covers_every_operation_and_the_edges_the_rules_guard() {
    let (seeds, cases) = cases();
    assert!(seeds.contains(&0.0) && seeds.iter().any(|s| s.is_nan()));
    for op in [
        "add", "sub", "mul", "div", "neg", "powf", "pow", "exp", "log", "tanh", "sigmoid", "relu",
        "sin", "cos", "sqrt", "abs",
    ]
    .into_iter()
    .map(String::from)
    .chain(Activation::ALL.iter().map(|a| format!("weighted_sum_{a}")))
    {
        let of_op: Vec<&Case> = cases.iter().filter(|c| c.op == op).collect();
        assert!(
            of_op.iter().any(|c| c.inputs.iter().any(|x| x.is_nan())),
            "no NaN case for {op}"
        );
        assert!(
            of_op
                .iter()
                .any(|c| c.inputs.iter().any(|x| x.is_infinite())),
            "no infinite case for {op}"
        );
    }
    let has = |op: &str, inputs: &[f64], exponent: Option<f64>| {
        cases.iter().any(|c| {
            c.op == op
                && c.exponent.map(f64::to_bits) == exponent.map(f64::to_bits)
                && c.inputs
                    .iter()
                    .map(|x| x.to_bits())
                    .eq(inputs.iter().map(|x| x.to_bits()))
        })
    };
    assert!(has("log", &[0.0], None) && has("log", &[-1.0], None));
    assert!(has("sqrt", &[-1.0], None) && has("abs", &[-0.0], None));
    assert!(has("powf", &[0.0], Some(-1.0)) && has("powf", &[0.0], Some(0.0)));
    assert!(has("powf", &[-8.0], Some(2.5)) && has("pow", &[0.0, 0.0], None));
    assert!(has("tanh", &[1000.0], None) && has("sigmoid", &[-1000.0], None));
    assert!(has("div", &[1.0, -0.0], None) && has("sub", &[f64::INFINITY, f64::INFINITY], None));
    assert!(has("mul", &[0.0, f64::INFINITY], None));
}

#[test]
fn a_nan_input_gives_a_nan_prediction_on_every_path() {
    // micrograd's MLP(2, [4, 1]): whatever the weights, each hidden neuron is relu(NaN) = NaN (in
    // PyTorch as in micrograd), and so is the linear output; relu must not turn it into 0.
    let g = Graph::new();
    let model = MLP::new(&g, 2, &[4, 1], 0);
    let row = [f64::NAN, 1.0];
    assert!(model.predict(&row)[0].is_nan(), "MLP::predict");
    assert!(
        model.forward_data(&row)[0].data().is_nan(),
        "MLP::forward_data"
    );
    let batch = model.forward_batch([&row[..], &[0.5, 1.0][..]]);
    assert!(batch[0][0].data().is_nan(), "MLP::forward_batch");
    assert!(batch[1][0].data().is_finite(), "a finite row stays finite");
    let hidden = model.layers()[0].forward(&[g.value(f64::NAN), g.value(1.0)]);
    assert!(hidden.iter().all(|h| h.data().is_nan()), "the ReLU layer");
}
