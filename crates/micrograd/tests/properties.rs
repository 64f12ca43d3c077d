//! Property tests: random expression trees over every operation agree with central differences, and
//! the backward pass's shortcuts change no bit of the result.
//!
//! Inputs are kept inside each operation's domain by construction (`log`, `sqrt` and the base of `pow`
//! see `e*e + 0.5`) and cases that land within a rounding step of a kink (`relu`, `abs`) or blow up are
//! rejected, since a finite difference is meaningless there; so are cases where the function bends so
//! fast that the estimates at two step sizes disagree.

use micrograd::nn::{Activation, Module, MLP};
use micrograd::{gradcheck, Graph, Value};
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Expr {
    Leaf(usize),
    Const(f64),
    Unary(Unary, Box<Expr>),
    Binary(Binary, Box<Expr>, Box<Expr>),
    /// `bias + Σ wᵢ·xᵢ` over three pairs, as a neuron does.
    WeightedSum(Box<[Expr; 7]>),
}

#[derive(Clone, Copy, Debug)]
enum Unary {
    Neg,
    Exp,
    Log,
    Tanh,
    Sigmoid,
    Relu,
    Sin,
    Cos,
    Sqrt,
    Abs,
    Powf(f64),
}

#[derive(Clone, Copy, Debug)]
enum Binary {
    Add,
    Sub,
    Mul,
    Div,
    Pow,
}

const LEAVES: usize = 3;

fn expr() -> impl Strategy<Value = Expr> {
    let leaf = prop_oneof![
        3 => (0..LEAVES).prop_map(Expr::Leaf),
        1 => (-3.0..3.0f64).prop_map(Expr::Const),
    ];
    leaf.prop_recursive(5, 48, 7, |inner| {
        let unary = prop_oneof![
            Just(Unary::Neg),
            Just(Unary::Exp),
            Just(Unary::Log),
            Just(Unary::Tanh),
            Just(Unary::Sigmoid),
            Just(Unary::Relu),
            Just(Unary::Sin),
            Just(Unary::Cos),
            Just(Unary::Sqrt),
            Just(Unary::Abs),
            (-3.0..3.0f64).prop_map(Unary::Powf),
        ];
        let binary = prop_oneof![
            Just(Binary::Add),
            Just(Binary::Sub),
            Just(Binary::Mul),
            Just(Binary::Div),
            Just(Binary::Pow),
        ];
        prop_oneof![
            4 => (unary, inner.clone()).prop_map(|(op, e)| Expr::Unary(op, Box::new(e))),
            4 => (binary, inner.clone(), inner.clone())
                .prop_map(|(op, a, b)| Expr::Binary(op, Box::new(a), Box::new(b))),
            1 => prop::array::uniform7(inner).prop_map(|ops| Expr::WeightedSum(Box::new(ops))),
        ]
    })
}

/// Where a case is unfit for a finite-difference check.
struct Unfit;

fn build<'g>(g: &'g Graph, e: &Expr, leaves: &[Value<'g>]) -> Result<Value<'g>, Unfit> {
    let positive = |v: Value<'g>| v * v + 0.5;
    let away_from_kink = |v: Value<'g>| {
        if v.data().abs() < 1e-3 {
            Err(Unfit)
        } else {
            Ok(v)
        }
    };
    let v = match e {
        Expr::Leaf(i) => leaves[*i],
        Expr::Const(c) => g.constant(*c),
        Expr::Unary(op, a) => {
            let a = build(g, a, leaves)?;
            match op {
                Unary::Neg => -a,
                Unary::Exp => a.exp(),
                Unary::Log => positive(a).log(),
                Unary::Tanh => a.tanh(),
                Unary::Sigmoid => a.sigmoid(),
                Unary::Relu => away_from_kink(a)?.relu(),
                Unary::Sin => a.sin(),
                Unary::Cos => a.cos(),
                Unary::Sqrt => positive(a).sqrt(),
                Unary::Abs => away_from_kink(a)?.abs(),
                Unary::Powf(c) => positive(a).powf(*c),
            }
        }
        Expr::Binary(op, a, b) => {
            let (a, b) = (build(g, a, leaves)?, build(g, b, leaves)?);
            match op {
                Binary::Add => a + b,
                Binary::Sub => a - b,
                Binary::Mul => a * b,
                Binary::Div => a / away_from_kink(b)?,
                Binary::Pow => positive(a).pow(b.tanh()),
            }
        }
        Expr::WeightedSum(ops) => {
            let vs = ops
                .iter()
                .map(|e| build(g, e, leaves))
                .collect::<Result<Vec<_>, _>>()?;
            let (w, x): (Vec<_>, Vec<_>) = vs[1..].chunks(2).map(|p| (p[0], p[1])).unzip();
            g.weighted_sum(vs[0], &w, &x)
        }
    };
    if v.data().is_finite() && v.data().abs() < 1e4 {
        Ok(v)
    } else {
        Err(Unfit)
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, max_global_rejects: 100_000, ..ProptestConfig::default() })]

    #[test]
    fn gradients_agree_with_central_differences(
        e in expr(),
        inputs in prop::array::uniform3(-2.0..2.0f64),
    ) {
        let g = Graph::new();
        let leaves: Vec<_> = inputs.iter().map(|&x| g.value(x)).collect();
        let Ok(out) = build(&g, &e, &leaves) else {
            return Err(TestCaseError::reject("outside the domain or near a kink"));
        };
        let report = gradcheck(out, &leaves, 1e-6, 1e-5);
        // A central difference errs by about h²·f‴/6: where the function bends so fast that the
        // estimates at h and 2h differ by more than the tolerance, the difference cannot judge.
        let coarse = gradcheck(out, &leaves, 2e-6, 1e-5);
        let unconverged = report.inputs.iter().zip(&coarse.inputs).any(|(fine, coarse)| {
            let scale = fine.numeric.abs().max(1.0);
            let truncation = (fine.numeric - coarse.numeric).abs() / 3.0;
            truncation.is_nan() || truncation > 1e-5 * scale
        });
        if unconverged {
            return Err(TestCaseError::reject("curvature too high for a finite difference"));
        }
        prop_assert!(report.passed(), "{:?}\n{:#?}", e, report.inputs);
    }

    #[test]
    fn backward_twice_doubles_every_gradient(e in expr(), inputs in prop::array::uniform3(-2.0..2.0f64)) {
        let g = Graph::new();
        let leaves: Vec<_> = inputs.iter().map(|&x| g.value(x)).collect();
        let Ok(out) = build(&g, &e, &leaves) else {
            return Err(TestCaseError::reject("outside the domain"));
        };
        out.backward();
        let once: Vec<f64> = leaves.iter().map(|l| l.grad()).collect();
        out.backward();
        for (l, g1) in leaves.iter().zip(once) {
            prop_assert_eq!(l.grad(), 2.0 * g1);
        }
    }

    #[test]
    fn skipping_zero_gradients_changes_no_bit(e in expr(), inputs in prop::array::uniform3(-2.0..2.0f64)) {
        // The backward pass skips zero gradients only below the first node whose rule can blow up, so
        // a `sqrt` made first turns the skipping off: both passes must give the same bits.
        let (skipping, plain) = (Graph::new(), Graph::new());
        plain.value(1.0).sqrt();
        let mut grads = Vec::new();
        for g in [&skipping, &plain] {
            let leaves: Vec<_> = inputs.iter().map(|&x| g.value(x)).collect();
            let Ok(out) = build(g, &e, &leaves) else {
                return Err(TestCaseError::reject("outside the domain"));
            };
            out.backward();
            grads.push(leaves.iter().map(|l| l.grad().to_bits()).collect::<Vec<_>>());
        }
        prop_assert_eq!(&grads[0], &grads[1]);
    }

    #[test]
    fn a_batch_forward_changes_no_bit(
        widths in prop::collection::vec((1..13usize, 0..4usize), 1..4),
        rows in prop::collection::vec(prop::collection::vec(-3.0..3.0f64, 3), 1..5),
        seed in 0..1000u64,
    ) {
        // Any widths (so layers of fewer, exactly and more than the neurons computed side by side)
        // and activations: the batch path gives the bits of a forward pass per row.
        let layers: Vec<_> = widths.iter().map(|&(n, a)| (n, Activation::ALL[a])).collect();
        let mut bits = Vec::new();
        for batch in [true, false] {
            let g = Graph::new();
            let m = MLP::with_activations(&g, 3, &layers, seed);
            let outputs = if batch {
                m.forward_batch(rows.iter().map(|r| &r[..]))
            } else {
                rows.iter().map(|r| m.forward_data(r)).collect()
            };
            let total = outputs
                .iter()
                .flatten()
                .enumerate()
                .fold(g.constant(0.0), |acc, (k, &o)| acc + o * (1.0 + k as f64));
            total.backward();
            let data = outputs.iter().flatten().map(|o| o.data().to_bits());
            let grads = m.parameters().into_iter().map(|p| p.grad().to_bits());
            bits.push(data.chain(grads).collect::<Vec<_>>());
        }
        prop_assert_eq!(&bits[0], &bits[1]);
    }
}
