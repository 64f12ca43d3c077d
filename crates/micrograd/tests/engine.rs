//! The engine as the notebook uses it: the first graph, the tanh neuron, gradient accumulation, manual
//! backpropagation, rewinding, misuse, and chains too deep for any recursive engine.

use micrograd::nn::Activation;
use micrograd::{gradcheck, Graph, Op};

#[test]
fn first_graph_of_the_notebook() {
    let g = Graph::new();
    let a = g.value(2.0).with_label("a");
    let b = g.value(-3.0).with_label("b");
    let c = g.value(10.0).with_label("c");
    let e = (a * b).with_label("e");
    let d = (e + c).with_label("d");
    let f = g.value(-2.0).with_label("f");
    let l = (d * f).with_label("L");
    assert_eq!(l.data(), -8.0);
    l.backward();
    assert_eq!(
        (a.grad(), b.grad(), c.grad(), f.grad()),
        (6.0, -4.0, -2.0, 4.0)
    );
    assert_eq!((e.grad(), d.grad(), l.grad()), (-2.0, -2.0, 1.0));
    assert_eq!(l.label().as_deref(), Some("L"));
    assert_eq!(l.op(), Op::Mul);
    let children: Vec<usize> = l.children().iter().map(|v| v.id()).collect();
    assert_eq!(children, vec![d.id(), f.id()]);
    assert_eq!(a.to_string(), "Value(data=2.0, grad=6.0)");
}

#[test]
fn a_value_used_twice_gets_both_gradients() {
    let g = Graph::new();
    let a = g.value(3.0);
    let b = a + a;
    b.backward();
    assert_eq!(a.grad(), 2.0);

    let g = Graph::new();
    let (a, b) = (g.value(-2.0), g.value(3.0));
    let f = (a * b) * (a + b);
    f.backward();
    assert_eq!((a.grad(), b.grad()), (-3.0, -8.0));
}

fn neuron(g: &Graph, use_exp: bool) -> [f64; 5] {
    let x1 = g.value(2.0);
    let x2 = g.value(0.0);
    let w1 = g.value(-3.0);
    let w2 = g.value(1.0);
    let b = g.value(6.881_373_587_019_543);
    let n = x1 * w1 + x2 * w2 + b;
    let o = if use_exp {
        let e = (2.0 * n).exp();
        (e - 1.0) / (e + 1.0)
    } else {
        n.tanh()
    };
    assert!((o.data() - std::f64::consts::FRAC_1_SQRT_2).abs() < 1e-15);
    o.backward();
    [x1.grad(), x2.grad(), w1.grad(), w2.grad(), b.grad()]
}

#[test]
fn tanh_neuron_and_its_exp_form_agree() {
    let by_tanh = neuron(&Graph::new(), false);
    let by_exp = neuron(&Graph::new(), true);
    let expected = [-1.5, 0.5, 1.0, 0.0, 0.5];
    for ((t, e), want) in by_tanh.iter().zip(&by_exp).zip(expected) {
        assert!((t - want).abs() < 1e-12, "tanh form {t} vs {want}");
        assert!((e - want).abs() < 1e-12, "exp form {e} vs {want}");
    }
}

#[test]
fn manual_backpropagation_one_node_at_a_time() {
    let g = Graph::new();
    let x1 = g.value(2.0);
    let w1 = g.value(-3.0);
    let b = g.value(6.881_373_587_019_543);
    let x1w1 = x1 * w1;
    let n = x1w1 + b;
    let o = n.tanh();
    o.set_grad(1.0);
    o.backward_step();
    assert!((n.grad() - 0.5).abs() < 1e-12);
    n.backward_step();
    assert!((b.grad() - 0.5).abs() < 1e-12 && (x1w1.grad() - 0.5).abs() < 1e-12);
    x1w1.backward_step();
    assert!((x1.grad() + 1.5).abs() < 1e-12 && (w1.grad() - 1.0).abs() < 1e-12);
}

#[test]
fn backward_accumulates_until_zero_grad() {
    let g = Graph::new();
    let a = g.value(1.5);
    let y = a * a;
    y.backward();
    y.backward();
    assert_eq!(a.grad(), 6.0);
    g.zero_grad();
    assert_eq!(a.grad(), 0.0);
    y.backward();
    assert_eq!(a.grad(), 3.0);
}

#[test]
fn backward_only_touches_what_the_output_depends_on() {
    let g = Graph::new();
    let x = g.value(0.0);
    let unrelated = x.log() * 0.0; // -inf * 0 = NaN, which must not leak into x
    let y = x * 2.0;
    unrelated.set_grad(5.0);
    y.backward();
    assert_eq!(x.grad(), 2.0);
    assert_eq!(unrelated.grad(), 5.0);
}

#[test]
fn optimization_step_moves_the_output() {
    let g = Graph::new();
    let a = g.value(2.0);
    let b = g.value(-3.0);
    let c = g.value(10.0);
    let f = g.value(-2.0);
    let l = (a * b + c) * f;
    l.backward();
    for leaf in [a, b, c, f] {
        leaf.set_data(leaf.data() + 0.01 * leaf.grad());
    }
    g.recompute();
    assert!(
        l.data() > -8.0,
        "a step along the gradient increases L, got {}",
        l.data()
    );
}

#[test]
fn constants_on_either_side_of_every_operator() {
    let g = Graph::new();
    let a = g.value(4.0);
    let r = [
        a + 1.0,
        1.0 + a,
        a - 1.0,
        1.0 - a,
        2.0 * a,
        a * 2.0,
        a / 2.0,
        2.0 / a,
        -a,
    ];
    let want = [5.0, 5.0, 3.0, -3.0, 8.0, 8.0, 2.0, 0.5, -4.0];
    for (v, w) in r.iter().zip(want) {
        assert_eq!(v.data(), w);
    }
    let mut c = a;
    c += 1.0;
    c *= c;
    c -= a;
    c /= 2.0;
    assert_eq!(c.data(), (25.0 - 4.0) / 2.0);
    c.backward();
    // c = ((a + 1)^2 - a) / 2, so dc/da = (2(a + 1) - 1) / 2
    assert_eq!(a.grad(), 4.5);
}

#[test]
fn saturated_tanh_and_sigmoid_are_finite() {
    let g = Graph::new();
    for x in [1000.0, -1000.0, 800.0, -800.0] {
        let v = g.value(x);
        let t = v.tanh();
        let s = v.sigmoid();
        let out = t + s;
        out.backward();
        assert!(t.data().abs() == 1.0 && (0.0..=1.0).contains(&s.data()));
        assert_eq!(v.grad(), 0.0);
    }
}

#[test]
fn kinks_have_pytorch_gradients() {
    let g = Graph::new();
    let x = g.value(0.0);
    let y = x.relu() + x.abs();
    y.backward();
    assert_eq!(x.grad(), 0.0);
}

#[test]
fn value_exponent_gets_a_gradient() {
    let g = Graph::new();
    let a = g.value(2.5);
    let b = g.value(1.5);
    let c = a.pow(b);
    c.backward();
    assert!((a.grad() - 1.5 * 2.5f64.powf(0.5)).abs() < 1e-12);
    assert!((b.grad() - 2.5f64.powf(1.5) * 2.5f64.ln()).abs() < 1e-12);
}

#[test]
fn weighted_sum_matches_its_expanded_form() {
    let g = Graph::new();
    let w: Vec<_> = [0.3, -1.2, 2.0].iter().map(|&x| g.value(x)).collect();
    let x: Vec<_> = [1.5, 0.25, -0.5].iter().map(|&v| g.value(v)).collect();
    let b = g.value(0.1);
    let n = g.weighted_sum(b, &w, &x).tanh();
    let expanded = (b + w[0] * x[0] + w[1] * x[1] + w[2] * x[2]).tanh();
    assert!((n.data() - expanded.data()).abs() < 1e-15);
    let mut inputs = w.clone();
    inputs.extend(&x);
    inputs.push(b);
    let report = gradcheck(n, &inputs, 1e-6, 1e-8);
    assert!(report.passed(), "{report:?}");
    assert_eq!(n.children()[0].op(), Op::WeightedSum(Activation::Linear));
    assert_eq!(n.children()[0].children().len(), 7);
}

#[test]
fn weighted_sum_of_scattered_values_matches_too() {
    // Weights and inputs made alternately are not runs of consecutive nodes.
    let g = Graph::new();
    let mut w = Vec::new();
    let mut x = Vec::new();
    for (wi, xi) in [(0.3, 1.5), (-1.2, 0.25), (2.0, -0.5)] {
        w.push(g.value(wi));
        x.push(g.value(xi));
    }
    let b = g.value(0.1);
    let n = g.weighted_sum(b, &w, &x).sigmoid();
    let expanded = (b + w[0] * x[0] + w[1] * x[1] + w[2] * x[2]).sigmoid();
    assert!((n.data() - expanded.data()).abs() < 1e-15);
    let mut inputs = w.clone();
    inputs.extend(&x);
    let report = gradcheck(n, &inputs, 1e-6, 1e-8);
    assert!(report.passed(), "{report:?}");
    let ids: Vec<usize> = n.children()[0].children().iter().map(|v| v.id()).collect();
    assert_eq!(
        ids,
        vec![
            b.id(),
            w[0].id(),
            x[0].id(),
            w[1].id(),
            x[1].id(),
            w[2].id(),
            x[2].id()
        ]
    );
}

#[test]
fn a_zero_gradient_still_carries_nan_from_an_infinite_input() {
    // PyTorch computes 0 * inf = NaN here rather than skipping the zero gradient.
    let g = Graph::new();
    let w = [g.value(0.5), g.value(2.0)];
    let x = [g.value(f64::INFINITY), g.value(3.0)];
    let out = g.weighted_sum(g.value(0.0), &w, &x) * 0.0;
    out.backward();
    assert!(w[0].grad().is_nan());
    assert_eq!(w[1].grad(), 0.0);
    assert_eq!(x[1].grad(), 0.0);
}

#[test]
fn a_zero_gradient_still_meets_sqrt_at_zero() {
    // relu(sqrt(x) - 1) at x = 0: relu sends back 0, and sqrt'(0) = 1/0 makes that 0 NaN, as in
    // PyTorch. Every value is finite, so this is the case skipping zero gradients must not touch.
    let g = Graph::new();
    let x = g.value(0.0);
    let y = (x.sqrt() - 1.0).relu();
    y.backward();
    assert!(x.grad().is_nan());
    // The same with a network-shaped graph below it: the skipped zero gradients above a sqrt still
    // reach it.
    let g = Graph::new();
    let (w, x) = ([g.value(0.5), g.value(-1.0)], [g.value(0.0), g.value(4.0)]);
    let s = g.weighted_sum(g.value(0.0), &w, &[x[0].sqrt(), x[1]]);
    s.relu().backward();
    assert_eq!(s.data(), -4.0);
    assert!(x[0].grad().is_nan());
    assert_eq!(x[1].grad(), 0.0);
}

#[test]
fn gradcheck_reports_every_input_and_restores_data() {
    let g = Graph::new();
    let x = g.value(0.4).with_label("x");
    let y = g.value(2.0).with_label("y");
    let f = (x.sin() * y.sqrt()).exp() / (x * x + 1.0);
    let before = f.data();
    let report = gradcheck(f, &[x, y], 1e-6, 1e-7);
    assert!(report.passed(), "{report:?}");
    assert_eq!(report.inputs[0].name, "x");
    assert_eq!((x.data(), y.data(), f.data()), (0.4, 2.0, before));
}

#[test]
fn rewinding_keeps_parameters_and_frees_the_rest() {
    let g = Graph::new();
    let w = g.value(0.5).with_label("w");
    let start = g.checkpoint();
    for _ in 0..100 {
        let loss = (w * 3.0 - 1.0).powf(2.0).with_label("loss");
        g.zero_grad();
        loss.backward();
        w.set_data(w.data() - 0.05 * w.grad());
        g.rewind(start);
        assert_eq!(g.len(), 1);
    }
    assert!((w.data() - 1.0 / 3.0).abs() < 1e-9);
    assert_eq!(w.label().as_deref(), Some("w"));
}

#[test]
#[should_panic(expected = "freed by Graph::rewind")]
fn a_freed_value_is_a_clear_panic() {
    let g = Graph::new();
    let w = g.value(1.0);
    let start = g.checkpoint();
    let stale = w * 2.0;
    g.rewind(start);
    let _fresh = w * 5.0; // takes the freed slot
    let _ = stale.data();
}

#[test]
#[should_panic(expected = "two different graphs")]
fn mixing_graphs_is_a_clear_panic() {
    let g1 = Graph::new();
    let g2 = Graph::new();
    let _ = g1.value(1.0) + g2.value(2.0);
}

#[test]
#[should_panic(expected = "already been rewound")]
fn rewinding_to_a_freed_checkpoint_is_a_clear_panic() {
    let g = Graph::new();
    let a = g.checkpoint();
    let _x = g.value(1.0);
    let b = g.checkpoint();
    g.rewind(a);
    let _y = g.value(2.0);
    g.rewind(b);
}

#[test]
fn a_chain_of_a_million_nodes_neither_overflows_nor_leaks() {
    let g = Graph::with_capacity(1 + 250_000 * 4);
    let x = g.value(0.5);
    let mut y = x;
    for _ in 0..250_000 {
        y = y.tanh() + x * 0.001;
    }
    assert_eq!(g.len(), 1 + 250_000 * 4);
    y.backward();
    // Forward-mode derivative of the same chain, by hand.
    let (mut v, mut dv) = (0.5f64, 1.0f64);
    for _ in 0..250_000 {
        let t = v.tanh();
        dv = (1.0 - t * t) * dv + 0.001;
        v = t + 0.5 * 0.001;
    }
    assert!((y.data() - v).abs() < 1e-12);
    assert!(
        (x.grad() - dv).abs() < 1e-9 * dv.abs().max(1.0),
        "{} vs {dv}",
        x.grad()
    );
    drop(g);
}

#[test]
fn constants_take_no_gradient_as_in_pytorch() {
    use micrograd::nn::{Module, MLP};
    for plain in [false, true] {
        let g = Graph::new();
        let a = g.value(3.0);
        let y = 2.0 * a + 1.0;
        if plain {
            y.backward_plain();
        } else {
            y.backward();
        }
        let two = y.children()[0].children()[0];
        assert_eq!((two.op(), two.data()), (Op::Const, 2.0));
        assert_eq!((a.grad(), two.grad()), (2.0, 0.0));
        // A network's data row is made of constants: none of them gets a gradient, the weights do.
        let model = MLP::new(&g, 3, &[4, 1], 7);
        let x = [g.constant(0.5), g.constant(-1.0), g.constant(2.0)];
        let out = model.forward(&x)[0];
        if plain {
            out.backward_plain();
        } else {
            out.backward();
        }
        assert!(x.iter().all(|v| v.grad() == 0.0));
        assert!(model.parameters().iter().any(|p| p.grad() != 0.0));
    }
}
