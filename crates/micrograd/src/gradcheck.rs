//! Numerical gradient checking: the gradients `backward` computes, against central differences.
//!
//! The notebook checks a gradient by nudging one input by `h` and watching the output move. This
//! does the same for every input at once, with the symmetric difference `(f(x+h) - f(x-h)) / 2h`,
//! whose error shrinks as h² rather than h. The output is re-evaluated by replaying the tape
//! ([`Graph::recompute`](crate::Graph::recompute)), so any function built from the inputs can be checked without
//! writing it twice.
//!
//! The estimate has errors of its own, and a check must not blame the analytic gradient for them:
//!
//! - rounding: each evaluation of the output is off by the rounding of every operation on the way,
//!   which grows with the size of the computation (a sum of 120,000 terms is off by far more than
//!   one unit in the last place), and dividing by 2h magnifies it. [`rounding_bound`] bounds it by
//!   carrying, through the graph, a first-order bound of each value's rounding error (each
//!   operation adds one machine epsilon of its result, twice the worst rounding of one operation,
//!   and passes on its inputs' errors times its local derivatives);
//! - truncation: `(f(x+h) - f(x-h)) / 2h` is off by about `h²·f‴/6`; the estimate at 2h is off by
//!   four times that, so their difference (three times the truncation, plus some rounding) is
//!   taken as the bound.
//!
//! An input passes when its error is within `tolerance` plus these two (see
//! [`InputCheck::allowed`]), so an exact gradient is not flagged at any size, while a real error
//! well above the estimate's own is still caught.

use crate::graph::Value;
use crate::op::Op;

/// The check of one input.
#[derive(Clone, Debug, PartialEq)]
pub struct InputCheck {
    /// The input's label, or `#id` when it has none.
    pub name: String,
    /// The input's data.
    pub data: f64,
    /// d(output)/d(input) from `backward`.
    pub analytic: f64,
    /// The central-difference estimate.
    pub numeric: f64,
    /// `|analytic - numeric| / max(1, |analytic|, |numeric|)`: relative for large gradients,
    /// absolute for small ones.
    pub error: f64,
    /// The largest `error` that passes: the tolerance plus the estimate's own rounding and
    /// truncation error, in the same relative units.
    pub allowed: f64,
    /// Whether `error` is within `allowed` (NaN and infinities must agree exactly).
    pub ok: bool,
}

/// The result of [`gradcheck`]: one [`InputCheck`] per input.
#[derive(Clone, Debug, PartialEq)]
pub struct GradCheck {
    /// The inputs' checks, in the order they were given.
    pub inputs: Vec<InputCheck>,
}

impl GradCheck {
    /// Whether every input passed.
    pub fn passed(&self) -> bool {
        self.inputs.iter().all(|c| c.ok)
    }
}

/// Checks the gradient of `output` with respect to each of `inputs` against central differences with
/// step `step`, allowing an error of `tolerance` (see [`InputCheck::error`]) beyond the estimate's
/// own rounding and truncation error (see the [module docs](self) and [`InputCheck::allowed`]).
///
/// The graph's gradients are reset and left holding the analytic gradients of `output`; the inputs'
/// data is restored afterwards.
///
/// ```
/// use micrograd::{gradcheck, Graph};
///
/// let g = Graph::new();
/// let x = g.value(0.7).with_label("x");
/// let y = g.value(-1.3).with_label("y");
/// let f = (x * y).tanh() + x.powf(3.0) / y.exp();
/// let report = gradcheck(f, &[x, y], 1e-6, 1e-6);
/// assert!(report.passed(), "{report:?}");
/// ```
pub fn gradcheck<'g>(
    output: Value<'g>,
    inputs: &[Value<'g>],
    step: f64,
    tolerance: f64,
) -> GradCheck {
    let graph = output.graph();
    // The bound of the output's rounding, at the inputs' data (it changes little within 2h).
    // Where the bound is not finite (an infinite derivative or value on the way), it cannot judge:
    // none is allowed, as if the estimate were exact.
    let rounding = Some(rounding_bound(output))
        .filter(|r| r.is_finite())
        .unwrap_or(0.0);
    graph.zero_grad();
    output.backward();
    let inputs = inputs
        .iter()
        .map(|&input| {
            let x = input.data();
            let at = |v: f64| {
                input.set_data(v);
                graph.recompute();
                output.data()
            };
            // Divided by the step actually taken: x + h and x - h are rounded too.
            let estimate = |h: f64| {
                let (up, down) = (x + h, x - h);
                (at(up) - at(down)) / (up - down)
            };
            let numeric = estimate(step);
            let coarse = estimate(2.0 * step);
            input.set_data(x);
            let analytic = input.grad();
            let scale = 1f64.max(analytic.abs()).max(numeric.abs());
            let error = (analytic - numeric).abs() / scale;
            let truncation = Some((coarse - numeric).abs())
                .filter(|t| t.is_finite())
                .unwrap_or(0.0);
            let own_error = rounding / step + truncation;
            let allowed = tolerance + own_error / scale;
            let ok = if analytic.is_finite() && numeric.is_finite() {
                error <= allowed
            } else {
                analytic == numeric || (analytic.is_nan() && numeric.is_nan())
            };
            InputCheck {
                name: input.label().unwrap_or_else(|| format!("#{}", input.id())),
                data: x,
                analytic,
                numeric,
                error,
                allowed,
                ok,
            }
        })
        .collect();
    graph.recompute();
    GradCheck { inputs }
}

/// A first-order bound of the rounding error in `output`'s data: the error of each value in tape
/// order is its inputs' errors times the absolute local derivatives, plus its own rounding, one
/// machine epsilon of its result (a sum of k > 2 terms in one node, such as a neuron, can round
/// k - 1 times, by up to epsilon times the sizes of its terms). Inputs and constants are exact.
///
/// The local derivatives come from the engine itself ([`Value::backward_step`] on each node), so
/// every operation is covered as `backward` knows it. Gradients are left at zero.
///
/// ```
/// use micrograd::gradcheck::rounding_bound;
/// use micrograd::Graph;
///
/// let g = Graph::new();
/// let x = g.value(1.5);
/// let mut y = x * x;
/// for _ in 0..999 {
///     y = y + x * x;
/// }
/// let exact = 1000.0 * 2.25;
/// assert!((y.data() - exact).abs() <= rounding_bound(y));
/// ```
pub fn rounding_bound(output: Value<'_>) -> f64 {
    let graph = output.graph();
    let last = output.id();
    let mut error = vec![0.0f64; last + 1];
    for id in 0..=last {
        let Some(v) = graph.value_at(id) else {
            continue;
        };
        if matches!(v.op(), Op::Leaf | Op::Const) {
            continue;
        }
        let mut children = v.children();
        let k = children.len();
        children.sort_by_key(|c| c.id());
        children.dedup_by_key(|c| c.id());
        // Each distinct input's derivative, summed over the places it appears.
        for c in &children {
            c.set_grad(0.0);
        }
        v.set_grad(1.0);
        v.backward_step();
        let mut passed_on = 0.0;
        let mut terms = 0.0;
        for c in &children {
            let d = c.grad().abs();
            let e = error.get(c.id()).copied().unwrap_or(0.0);
            // An exact input passes no error on, even through an infinite derivative.
            if e != 0.0 {
                passed_on += d * e;
            }
            terms += d * c.data().abs();
        }
        let own = if k > 2 {
            v.data().abs().max((k - 1) as f64 * terms)
        } else {
            v.data().abs()
        };
        error[id] = passed_on + f64::EPSILON * own;
    }
    graph.zero_grad();
    error[last]
}
