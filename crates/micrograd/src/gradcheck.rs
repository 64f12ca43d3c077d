//! Numerical gradient checking: the gradients `backward` computes, against central differences.
//!
//! The notebook checks a gradient by nudging one input by `h` and watching the output move. This
//! does the same for every input at once, with the symmetric difference `(f(x+h) - f(x-h)) / 2h`,
//! whose error shrinks as h² rather than h. The output is re-evaluated by replaying the tape
//! ([`Graph::recompute`](crate::Graph::recompute)), so any function built from the inputs can be checked without
//! writing it twice.

use crate::graph::Value;

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
    /// Whether `error` is within the tolerance (NaN and infinities must agree exactly).
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
/// step `step`, allowing an error of `tolerance` (see [`InputCheck::error`]).
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
            let numeric = (at(x + step) - at(x - step)) / (2.0 * step);
            input.set_data(x);
            let analytic = input.grad();
            let error = (analytic - numeric).abs() / 1f64.max(analytic.abs()).max(numeric.abs());
            let ok = if analytic.is_finite() && numeric.is_finite() {
                error <= tolerance
            } else {
                analytic == numeric || (analytic.is_nan() && numeric.is_nan())
            };
            InputCheck {
                name: input.label().unwrap_or_else(|| format!("#{}", input.id())),
                data: x,
                analytic,
                numeric,
                error,
                ok,
            }
        })
        .collect();
    graph.recompute();
    GradCheck { inputs }
}
