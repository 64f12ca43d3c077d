//! Sampling a two-input classifier over the plane of its data, for the decision-boundary picture.

use micrograd::loss::Loss;

use crate::classes::Classes;
use crate::plots::Boundary;

/// Grid cells along each axis: fine enough for a smooth boundary, few enough to stay fast and small.
const CELLS: usize = 160;

/// The classifier `predict` (raw inputs to outputs, read under `loss`) over a grid covering `points`
/// (inputs and true class) with a margin, ready to draw.
pub fn sample(
    title: String,
    axis_names: [String; 2],
    points: Vec<(f64, f64, usize)>,
    classes: &Classes,
    loss: Loss,
    predict: impl Fn(&[f64]) -> Vec<f64>,
) -> Boundary {
    let x_range = padded(points.iter().map(|p| p.0));
    let y_range = padded(points.iter().map(|p| p.1));
    let (nx, ny) = (CELLS, CELLS);
    let mut class = Vec::with_capacity(nx * ny);
    let mut confidence = Vec::with_capacity(nx * ny);
    for row in 0..ny {
        let y = y_range.0 + (row as f64 + 0.5) * (y_range.1 - y_range.0) / ny as f64;
        for col in 0..nx {
            let x = x_range.0 + (col as f64 + 0.5) * (x_range.1 - x_range.0) / nx as f64;
            let output = predict(&[x, y]);
            class.push(classes.decode(loss, &output).0);
            confidence.push(classes.confidence(loss, &output));
        }
    }
    Boundary {
        title,
        axis_names,
        class_names: (0..classes.len()).map(|i| classes.name(i)).collect(),
        x_range,
        y_range,
        cells: (nx, ny),
        class,
        confidence,
        points,
    }
}

/// The range of `values` widened by a quarter of its span on each side (at least 0.5), as the demo's
/// picture leaves room around the data.
fn padded(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    if !lo.is_finite() || !hi.is_finite() {
        return (-1.0, 1.0);
    }
    let pad = ((hi - lo) * 0.25).max(0.5);
    (lo - pad, hi + pad)
}
