//! Every program of the PyTorch reference file, written against the Rust API, gives PyTorch's data and
//! gradients (relative 1e-9, absolute 1e-12 near zero; NaN and infinities exactly).

use std::collections::HashMap;

use micrograd::{Graph, Value};
use serde_json::Value as Json;

const CASES: &str = include_str!("fixtures/torch_cases.json");

fn number(j: &Json) -> f64 {
    match j {
        Json::String(s) if s == "nan" => f64::NAN,
        Json::String(s) if s == "inf" => f64::INFINITY,
        Json::String(s) if s == "-inf" => f64::NEG_INFINITY,
        other => other.as_f64().expect("a number"),
    }
}

fn close(ours: f64, torch: f64) -> bool {
    if torch.is_nan() {
        return ours.is_nan();
    }
    if torch.is_infinite() {
        return ours == torch;
    }
    (ours - torch).abs() <= 1e-12_f64.max(1e-9 * torch.abs())
}

/// Builds one program: returns the names in order of first assignment with their last bindings,
/// and the output.
type Program = for<'g> fn(&'g Graph) -> (Vec<(&'static str, Value<'g>)>, Value<'g>);

fn programs() -> HashMap<&'static str, Program> {
    let mut p: HashMap<&'static str, Program> = HashMap::new();
    p.insert("seed_expression", |g| {
        let a = g.value(2.0);
        let b = g.value(-3.0);
        let c = g.value(10.0);
        let e = a * b;
        let d = e + c;
        let f = g.value(-2.0);
        let l = d * f;
        (
            vec![
                ("a", a),
                ("b", b),
                ("c", c),
                ("e", e),
                ("d", d),
                ("f", f),
                ("L", l),
            ],
            l,
        )
    });
    p.insert("seed_neuron_tanh", |g| {
        let x1 = g.value(2.0);
        let x2 = g.value(0.0);
        let w1 = g.value(-3.0);
        let w2 = g.value(1.0);
        let b = g.value(6.881_373_587_019_543);
        let x1w1 = x1 * w1;
        let x2w2 = x2 * w2;
        let x1w1x2w2 = x1w1 + x2w2;
        let n = x1w1x2w2 + b;
        let o = n.tanh();
        let names = vec![
            ("x1", x1),
            ("x2", x2),
            ("w1", w1),
            ("w2", w2),
            ("b", b),
            ("x1w1", x1w1),
            ("x2w2", x2w2),
            ("x1w1x2w2", x1w1x2w2),
            ("n", n),
            ("o", o),
        ];
        (names, o)
    });
    p.insert("seed_neuron_exp_form", |g| {
        let x1 = g.value(2.0);
        let x2 = g.value(0.0);
        let w1 = g.value(-3.0);
        let w2 = g.value(1.0);
        let b = g.value(6.881_373_587_019_543);
        let n = x1 * w1 + x2 * w2 + b;
        let e = (2.0 * n).exp();
        let o = (e - 1.0) / (e + 1.0);
        let names = vec![
            ("x1", x1),
            ("x2", x2),
            ("w1", w1),
            ("w2", w2),
            ("b", b),
            ("n", n),
            ("e", e),
            ("o", o),
        ];
        (names, o)
    });
    p.insert("reuse_a_plus_a", |g| {
        let a = g.value(3.0);
        let b = a + a;
        (vec![("a", a), ("b", b)], b)
    });
    p.insert("reuse_diamond", |g| {
        let a = g.value(-2.0);
        let b = g.value(3.0);
        let d = a * b;
        let e = a + b;
        let f = d * e;
        (vec![("a", a), ("b", b), ("d", d), ("e", e), ("f", f)], f)
    });
    p.insert("sanity_check", |g| {
        let x = g.value(-4.0);
        let z = 2.0 * x + 2.0 + x;
        let q = z.relu() + z * x;
        let h = (z * z).relu();
        let y = h + q + q * x;
        (vec![("x", x), ("z", z), ("q", q), ("h", h), ("y", y)], y)
    });
    // `c += c + 1` is the reference program's own statement, not a slip for `c += 1`.
    #[allow(clippy::misrefactored_assign_op)]
    p.insert("more_ops", |g| {
        let a = g.value(-4.0);
        let b = g.value(2.0);
        let mut c = a + b;
        let mut d = a * b + b.powf(3.0);
        c += c + 1.0;
        c += 1.0 + c + (-a);
        d += d * 2.0 + (b + a).relu();
        d += 3.0 * d + (b - a).relu();
        let e = c - d;
        let f = e.powf(2.0);
        let mut gg = f / 2.0;
        gg += 10.0 / f;
        (
            vec![
                ("a", a),
                ("b", b),
                ("c", c),
                ("d", d),
                ("e", e),
                ("f", f),
                ("g", gg),
            ],
            gg,
        )
    });
    p.insert("unary_functions", |g| {
        let x = g.value(0.5);
        let y = g.value(-1.25);
        let s = x.sigmoid() * (x + 2.0).log() + (x * x + 1.0).sqrt() - y.abs();
        let t = x.sin() * y.cos() + (-x).exp() / (1.0 + y.tanh());
        let out = s * t + y.relu() - x.relu();
        (
            vec![("x", x), ("y", y), ("s", s), ("t", t), ("out", out)],
            out,
        )
    });
    p.insert("powers", |g| {
        let x = g.value(1.7);
        let y = g.value(-0.6);
        let p = x.powf(3.0) - x.powf(0.5) + x.powf(-2.0) + y.powf(2.0);
        let q = 1.0 / (x.powf(2.0) + y.powf(2.0));
        let out = p * q;
        (
            vec![("x", x), ("y", y), ("p", p), ("q", q), ("out", out)],
            out,
        )
    });
    p.insert("value_exponent", |g| {
        let a = g.value(2.5);
        let b = g.value(1.5);
        let c = a.pow(b);
        let d = c * b.pow(a);
        (vec![("a", a), ("b", b), ("c", c), ("d", d)], d)
    });
    p.insert("mse_two_samples", |g| {
        let w = g.value(0.3);
        let b = g.value(-0.1);
        let p1 = (w * 2.0 + b).tanh();
        let p2 = (w * -1.0 + b).tanh();
        let loss = (p1 - 1.0).powf(2.0) + (p2 - -1.0).powf(2.0);
        (
            vec![("w", w), ("b", b), ("p1", p1), ("p2", p2), ("loss", loss)],
            loss,
        )
    });
    p.insert("hinge_loss", |g| {
        let w1 = g.value(0.4);
        let w2 = g.value(-0.7);
        let bias = g.value(0.1);
        let s1 = w1 * 1.5 + w2 * -0.5 + bias;
        let s2 = w1 * -0.3 + w2 * 0.8 + bias;
        let loss = ((1.0 + -1.0 * s1).relu() + (1.0 + 1.0 * s2).relu()) * 0.5
            + 0.0001 * (w1 * w1 + w2 * w2 + bias * bias);
        let names = vec![
            ("w1", w1),
            ("w2", w2),
            ("bias", bias),
            ("s1", s1),
            ("s2", s2),
            ("loss", loss),
        ];
        (names, loss)
    });
    p.insert("tanh_saturated", |g| {
        let x = g.value(1000.0);
        let y = g.value(-1000.0);
        let t = x.tanh() + y.tanh();
        let s = x.sigmoid() + y.sigmoid();
        let out = t * s;
        (
            vec![("x", x), ("y", y), ("t", t), ("s", s), ("out", out)],
            out,
        )
    });
    p.insert("division_by_zero", |g| {
        let x = g.value(0.0);
        let y = g.value(1.0);
        let z = y / x;
        (vec![("x", x), ("y", y), ("z", z)], z)
    });
    p.insert("log_of_negative", |g| {
        let x = g.value(-1.0);
        let y = x.log();
        (vec![("x", x), ("y", y)], y)
    });
    p
}

#[test]
fn every_reference_program_matches_pytorch() {
    let cases: Json = serde_json::from_str(CASES).unwrap();
    let programs = programs();
    let mut checked = 0;
    for case in cases.as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let build = programs
            .get(name)
            .unwrap_or_else(|| panic!("reference case {name} has no Rust version in this test"));
        let g = Graph::new();
        let (names, out) = build(&g);
        out.backward();
        let expected = case["expected"]["values"].as_object().unwrap();
        let ours: Vec<&str> = names.iter().map(|(n, _)| *n).collect();
        let theirs: Vec<&str> = expected.keys().map(String::as_str).collect();
        assert_eq!(ours, theirs, "{name}: names in order of first assignment");
        for (n, v) in &names {
            let want = &expected[*n];
            let (data, grad) = (number(&want["data"]), number(&want["grad"]));
            assert!(
                close(v.data(), data),
                "{name}: {n}.data = {} but PyTorch says {data}",
                v.data()
            );
            assert!(
                close(v.grad(), grad),
                "{name}: {n}.grad = {} but PyTorch says {grad}",
                v.grad()
            );
        }
        checked += 1;
    }
    assert_eq!(
        checked,
        programs.len(),
        "every Rust program has a reference case"
    );
}
