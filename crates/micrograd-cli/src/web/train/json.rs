//! The JSON the training view reads: a session's snapshot, its data points and the plane they sit in.

use micrograd::session::{Bounds, Session, Snapshot};
use serde_json::{json, Value as JsonValue};

use crate::format::json_number;

/// What the page shows besides the session's own snapshot.
pub struct PageState<'a> {
    /// Whether the session trains frame after frame.
    pub playing: bool,
    /// Steps per frame.
    pub speed: usize,
    /// Why training stopped, if it did on its own.
    pub message: Option<&'a str>,
}

/// A snapshot as the page reads it: grid scores and weights rounded to 4 decimals, the model's one
/// output as each cell's score.
pub fn snapshot(snapshot: &Snapshot, page: &PageState<'_>) -> String {
    let round = |x: f64| (x * 1e4).round() / 1e4;
    let layers: Vec<JsonValue> = snapshot
        .layers
        .iter()
        .map(|layer| {
            let weights: Vec<Vec<f64>> = layer
                .weights
                .iter()
                .map(|row| row.iter().map(|&w| round(w)).collect())
                .collect();
            let biases: Vec<f64> = layer.biases.iter().map(|&b| round(b)).collect();
            json!({"weights": weights, "biases": biases})
        })
        .collect();
    let (size, scores) = match &snapshot.grid {
        Some(grid) => (
            grid.cells,
            grid.outputs
                .iter()
                .map(|o| match o.first() {
                    Some(&s) if s.is_finite() => round(s),
                    _ => 0.0,
                })
                .collect(),
        ),
        None => (0, Vec::new()),
    };
    let curves = &snapshot.curves;
    json!({
        "step": snapshot.step,
        "playing": page.playing,
        "speed": page.speed,
        "loss": snapshot.loss.map(json_number),
        "accuracy": snapshot.accuracy,
        "learning_rate": snapshot.learning_rate,
        "curves": {"every": curves.every, "loss": curves.loss.iter().map(|&x| json_number(x)).collect::<Vec<_>>(), "accuracy": curves.accuracy},
        "grid": {"size": size, "scores": scores},
        "network": {"sizes": snapshot.layer_widths, "layers": layers},
        "message": page.message,
    })
    .to_string()
}

/// The session's data points as `[x, y, label]`, the label -1 or +1.
pub fn points(session: &Session) -> Vec<JsonValue> {
    let data = session.train_set();
    data.rows()
        .zip(data.labels())
        .map(|(r, &y)| json!([r[0], r[1], y]))
        .collect()
}

/// The plane the grid covers.
pub fn bounds(bounds: Bounds) -> JsonValue {
    json!({"x": [bounds.x.0, bounds.x.1], "y": [bounds.y.0, bounds.y.1]})
}
