//! Property tests: the speed path of the backward pass gives the bits of the plain reverse sweep, for
//! random programs over every operation, with NaN and infinite data, weighted sums and layers,
//! checkpoints, rewinds and compactions, and operations written outside the engine (custom nodes
//! with their own backward rules, or none); and compaction changes no number.

use micrograd::nn::Activation;
use micrograd::{BackwardStep, Checkpoint, Graph, Value};
use proptest::prelude::*;

/// One step of a random program over a list of live values (operands are picked modulo its length).
#[derive(Clone, Debug)]
enum Step {
    Leaf(f64),
    Unary(usize, usize),
    Binary(usize, usize, usize),
    /// A binary operation between a value and a constant, the constant first if the flag is set.
    WithConstant(usize, usize, f64, bool),
    /// A weighted sum of scattered terms, with an activation.
    Sum(usize, usize, Vec<(usize, usize)>),
    /// A layer of `width` neurons (fresh parameters) over the last `n` values.
    Layer(usize, usize, usize),
    /// An operation written outside the engine over two values (see [`custom`]).
    Custom(usize, usize, usize),
    Checkpoint,
    Rewind,
    ZeroGrad,
    Backward(usize),
}

fn number() -> impl Strategy<Value = f64> {
    prop_oneof![
        12 => -3.0..3.0f64,
        2 => Just(0.0),
        1 => Just(-0.0),
        1 => Just(f64::NAN),
        1 => Just(f64::INFINITY),
        1 => Just(f64::NEG_INFINITY),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    let pick = 0..64usize;
    prop_oneof![
        4 => number().prop_map(Step::Leaf),
        6 => (0..UNARY, pick.clone()).prop_map(|(op, a)| Step::Unary(op, a)),
        6 => (0..BINARY, pick.clone(), pick.clone()).prop_map(|(op, a, b)| Step::Binary(op, a, b)),
        3 => (0..BINARY - 1, pick.clone(), number(), any::<bool>())
            .prop_map(|(op, a, c, first)| Step::WithConstant(op, a, c, first)),
        2 => (0..4usize, pick.clone(), prop::collection::vec((pick.clone(), pick.clone()), 0..5))
            .prop_map(|(act, bias, terms)| Step::Sum(act, bias, terms)),
        2 => (0..4usize, 1..11usize, 1..5usize).prop_map(|(act, w, n)| Step::Layer(act, w, n)),
        3 => (0..CUSTOM, pick.clone(), pick).prop_map(|(op, a, b)| Step::Custom(op, a, b)),
        1 => Just(Step::Checkpoint),
        1 => Just(Step::Rewind),
        1 => Just(Step::ZeroGrad),
        3 => (0..64usize).prop_map(Step::Backward),
    ]
}

const UNARY: usize = 12;
const BINARY: usize = 5;
const CUSTOM: usize = 3;

/// An operation written as a learner writes one, with its value computed here and its backward
/// rule supplied: `a * b`, `tanh(a)`, or a node over both with no rule at all.
fn custom<'g>(op: usize, a: Value<'g>, b: Value<'g>) -> Value<'g> {
    let g = a.graph();
    let (x, y) = (a.data(), b.data());
    match op {
        0 => {
            let out = g.custom("mul", &[a, b], x * y);
            out.set_backward_rule(|s: &mut BackwardStep| {
                s.input_grads[0] = s.inputs[1] * s.grad;
                s.input_grads[1] = s.inputs[0] * s.grad;
                Ok(())
            });
            out
        }
        1 => {
            let t = x.tanh();
            let out = g.custom("tanh", &[a], t);
            out.set_backward_rule(move |s: &mut BackwardStep| {
                s.input_grads[0] = (1.0 - t * t) * s.grad;
                Ok(())
            });
            out
        }
        _ => g.custom("opaque", &[a, b], x - y),
    }
}

fn unary<'g>(op: usize, a: Value<'g>) -> Value<'g> {
    match op {
        0 => -a,
        1 => a.exp(),
        2 => a.log(),
        3 => a.tanh(),
        4 => a.sigmoid(),
        5 => a.relu(),
        6 => a.sin(),
        7 => a.cos(),
        8 => a.sqrt(),
        9 => a.abs(),
        10 => a.powf(0.5),
        _ => a.powf(2.0),
    }
}

/// `a op c`, or `c op a` if `constant_first`, with `c` a constant (`+ - * /`).
fn with_constant(op: usize, a: Value<'_>, c: f64, constant_first: bool) -> Value<'_> {
    match (op, constant_first) {
        (0, false) => a + c,
        (0, true) => c + a,
        (1, false) => a - c,
        (1, true) => c - a,
        (2, false) => a * c,
        (2, true) => c * a,
        (_, false) => a / c,
        (_, true) => c / a,
    }
}

fn binary<'g>(op: usize, a: Value<'g>, b: Value<'g>) -> Value<'g> {
    match op {
        0 => a + b,
        1 => a - b,
        2 => a * b,
        3 => a / b,
        _ => a.pow(b),
    }
}

/// Every node's data and gradient, as bits, with every NaN as one: IEEE 754 leaves the sign and
/// payload of a NaN result unspecified, and the compiler may swap the operands of a product, so
/// only "NaN" is a result, not which NaN.
fn bits(g: &Graph) -> Vec<(u64, u64)> {
    let bits = |x: f64| if x.is_nan() { f64::NAN } else { x }.to_bits();
    (0..g.len())
        .map(|i| {
            let v = g.value_at(i).unwrap();
            (bits(v.data()), bits(v.grad()))
        })
        .collect()
}

/// Runs `steps` in `g`, taking the plain sweep if `plain`; returns the bits after each backward pass
/// and at the end, and the values still live.
fn run<'g>(g: &'g Graph, steps: &[Step], plain: bool) -> (Vec<Vec<(u64, u64)>>, Vec<Value<'g>>) {
    let mut values: Vec<Value<'g>> = vec![g.value(0.5), g.value(-1.5)];
    let mut checkpoints: Vec<(Checkpoint, usize)> = Vec::new();
    let mut seen = Vec::new();
    let at = |values: &[Value<'g>], k: usize| values[k % values.len()];
    for step in steps {
        match step {
            Step::Leaf(x) => values.push(g.value(*x)),
            Step::Unary(op, a) => values.push(unary(*op, at(&values, *a))),
            Step::Binary(op, a, b) => {
                values.push(binary(*op, at(&values, *a), at(&values, *b)));
            }
            Step::WithConstant(op, a, c, first) => {
                values.push(with_constant(*op, at(&values, *a), *c, *first));
            }
            Step::Sum(act, bias, terms) => {
                let w: Vec<_> = terms.iter().map(|&(w, _)| at(&values, w)).collect();
                let x: Vec<_> = terms.iter().map(|&(_, x)| at(&values, x)).collect();
                let neuron = [(at(&values, *bias), &w[..])];
                values.extend(g.weighted_sums(&x, neuron, Activation::ALL[*act]));
            }
            Step::Layer(act, width, n) => {
                let n = (*n).min(values.len());
                let x = values[values.len() - n..].to_vec();
                let params: Vec<(Value, Vec<Value>)> = (0..*width)
                    .map(|j| {
                        let w = (0..n)
                            .map(|k| g.value(((j * 7 + k * 3) % 11) as f64 / 5.0 - 1.0))
                            .collect();
                        (g.value(j as f64 / 10.0 - 0.2), w)
                    })
                    .collect();
                let neurons = params.iter().map(|(b, w)| (*b, &w[..]));
                values.extend(g.weighted_sums(&x, neurons, Activation::ALL[*act]));
            }
            Step::Custom(op, a, b) => values.push(custom(*op, at(&values, *a), at(&values, *b))),
            Step::Checkpoint => checkpoints.push((g.checkpoint(), values.len())),
            Step::Rewind => {
                if let Some((cp, len)) = checkpoints.pop() {
                    g.rewind(cp);
                    values.truncate(len);
                }
            }
            Step::ZeroGrad => g.zero_grad(),
            Step::Backward(k) => {
                let out = at(&values, *k);
                if plain {
                    out.backward_plain();
                } else {
                    out.backward();
                }
                seen.push(bits(g));
            }
        }
    }
    seen.push(bits(g));
    (seen, values)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn the_speed_path_gives_the_bits_of_the_plain_sweep(steps in prop::collection::vec(step(), 1..60)) {
        let (fast, plain) = (Graph::new(), Graph::new());
        let (fast_bits, _) = run(&fast, &steps, false);
        let (plain_bits, _) = run(&plain, &steps, true);
        prop_assert_eq!(fast_bits, plain_bits);
    }

    #[test]
    fn compaction_changes_no_number(
        steps in prop::collection::vec(step(), 1..60),
        roots in prop::collection::vec(0..64usize, 1..4),
    ) {
        let g = Graph::new();
        let (_, values) = run(&g, &steps, false);
        let roots: Vec<usize> = roots.iter().map(|&k| values[k % values.len()].id()).collect();
        let before: Vec<Vec<(u64, u64)>> = roots
            .iter()
            .map(|&r| {
                g.zero_grad();
                g.value_at(r).unwrap().backward();
                bits(&g)
            })
            .collect();
        let labelled = g.value_at(roots[0]).unwrap();
        labelled.set_label("root");
        let len = g.len();
        let moved = g.compact(roots.iter().copied());
        prop_assert_eq!(moved.kept() + moved.freed(), len);
        prop_assert_eq!(g.len(), moved.kept());
        let new_root = g.value_at(moved.new_id(roots[0]).unwrap()).unwrap();
        prop_assert_eq!(new_root.label(), Some("root".to_string()));
        for (&r, before) in roots.iter().zip(&before) {
            g.zero_grad();
            g.value_at(moved.new_id(r).unwrap()).unwrap().backward();
            let after = bits(&g);
            for (old, &b) in before.iter().enumerate() {
                if let Some(new) = moved.new_id(old) {
                    prop_assert_eq!(after[new], b, "node {} (now {})", old, new);
                }
            }
        }
        // The tape is still in creation order and can grow: the speed path still agrees.
        let more = g.value_at(g.len() - 1).unwrap().tanh() * 2.0;
        g.zero_grad();
        more.backward();
        let fast = bits(&g);
        g.zero_grad();
        more.backward_plain();
        prop_assert_eq!(fast, bits(&g));
    }
}

#[test]
fn after_a_non_finite_step_is_rewound_zero_gradients_are_skipped_again() {
    // A NaN made in one step and rewound away must not keep the speed path in its careful mode:
    // the next step's bits still equal the plain sweep's, and the NaN is gone from them.
    let graphs = [Graph::new(), Graph::new()];
    let mut results = Vec::new();
    for (g, plain) in graphs.iter().zip([false, true]) {
        let w = g.value(0.5);
        let start = g.checkpoint();
        let nan = (w - 1.0).log() * w;
        if plain {
            nan.backward_plain();
        } else {
            nan.backward();
        }
        assert!(w.grad().is_nan());
        g.rewind(start);
        g.zero_grad();
        let dead = (w * -3.0).relu() * 2.0 + w;
        if plain {
            dead.backward_plain();
        } else {
            dead.backward();
        }
        assert_eq!(w.grad(), 1.0);
        results.push(bits(g));
    }
    assert_eq!(results[0], results[1]);
}

#[test]
fn value_at_names_the_live_node_of_an_id() {
    let g = Graph::new();
    let a = g.value(2.0);
    let b = (a * 3.0).with_label("b");
    let found = g.value_at(b.id()).unwrap();
    assert_eq!((found.data(), found.label().as_deref()), (6.0, Some("b")));
    assert!(g.value_at(g.len()).is_none());
    let start = g.checkpoint();
    let _c = a + 1.0;
    g.rewind(start);
    // After a rewind, a handle found by id keeps working through later rewinds.
    let a_again = g.value_at(a.id()).unwrap();
    g.rewind(start);
    assert_eq!(a_again.data(), 2.0);
}

#[test]
#[should_panic(expected = "freed by Graph::rewind")]
fn a_handle_from_before_a_compaction_is_a_clear_panic() {
    let g = Graph::new();
    let x = g.value(1.0);
    let y = x * 2.0;
    g.compact([y.id()]);
    x.data();
}
