//! `gradcheck` judges the gradient, not its own estimate: the central difference's rounding grows
//! with the size of the computation and its truncation with the function's curvature, and an exact
//! gradient must pass whatever their size, while an error of 1e-4 relative must still fail.

use micrograd::gradcheck::rounding_bound;
use micrograd::{expr, gradcheck, Graph};

/// `x = 1.5; y = x*x + x*x + …` with `terms` terms, as a program of the expression language.
fn sum_of_squares(terms: usize) -> String {
    let mut program = String::from("x = 1.5\ny = x*x");
    for _ in 1..terms {
        program.push_str(" + x*x");
    }
    program
}

#[test]
fn an_exact_gradient_of_120000_terms_is_not_flagged() {
    let g = Graph::new();
    let run = expr::parse(&sum_of_squares(120_000))
        .unwrap()
        .eval(&g)
        .unwrap();
    let x = run.get("x").unwrap();
    let y = run.get("y").unwrap();
    let report = gradcheck(y, &[x], 1e-6, 1e-6);
    let check = &report.inputs[0];
    // d/dx of 120,000·x² at 1.5 is 360,000, and every partial sum is exact in binary: the analytic
    // gradient is exactly right; only the estimate is off.
    assert_eq!(check.analytic, 360_000.0);
    assert!(
        check.error > 1e-6,
        "the estimate is off by more than the tolerance: {check:?}"
    );
    assert!(check.ok, "{check:?}");
    // An analytic gradient off by 1e-4 relative would still be caught.
    assert!(check.allowed < 1e-4, "{check:?}");
}

#[test]
fn an_error_of_1e_4_relative_is_caught_at_every_size() {
    for terms in [1, 10, 1000, 30_000, 120_000] {
        let g = Graph::new();
        let run = expr::parse(&sum_of_squares(terms))
            .unwrap()
            .eval(&g)
            .unwrap();
        let (x, y) = (run.get("x").unwrap(), run.get("y").unwrap());
        let check = gradcheck(y, &[x], 1e-6, 1e-6).inputs.remove(0);
        assert!(check.ok, "{terms} terms: {check:?}");
        let wrong = check.analytic * (1.0 + 1e-4);
        let scale = wrong.abs().max(check.numeric.abs()).max(1.0);
        assert!(
            (wrong - check.numeric).abs() / scale > check.allowed,
            "{terms} terms: an error of 1e-4 would pass: {check:?}"
        );
    }
}

#[test]
fn the_rounding_bound_holds_for_a_long_sum() {
    // Against the exact value: 0.1 is not exact in binary, so each of these sums rounds.
    let g = Graph::new();
    let x = g.value(0.1);
    let mut y = x;
    for _ in 1..100_000 {
        y += x;
    }
    // The sum of 100,000 copies of the double nearest 0.1 (mantissa × 2⁻⁵⁶), computed exactly in
    // integers and rounded once.
    let mantissa = u128::from(0.1f64.to_bits() & ((1 << 52) - 1) | (1 << 52));
    let exact = (mantissa * 100_000) as f64 * 2f64.powi(-56);
    assert!((y.data() - exact).abs() > 0.0, "the sum rounds");
    assert!((y.data() - exact).abs() <= rounding_bound(y));
    // Gradients are left at zero.
    assert_eq!(x.grad(), 0.0);
}

#[test]
fn a_wrong_step_for_a_steep_function_is_judged_by_its_truncation() {
    // exp(10x) at h = 1e-3: the estimate errs by about h²·1000/6 relative = 1.7e-4; it is the
    // estimate's error, not the gradient's.
    let g = Graph::new();
    let x = g.value(0.3).with_label("x");
    let f = (x * 10.0).exp();
    let report = gradcheck(f, &[x], 1e-3, 1e-6);
    let check = &report.inputs[0];
    assert!(check.error > 1e-5, "{check:?}");
    assert!(check.ok, "{check:?}");
}
