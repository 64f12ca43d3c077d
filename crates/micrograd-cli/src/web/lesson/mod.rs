//! The lesson's endpoints, `POST /api/lesson/...`: every number the lesson view shows, computed by
//! the library. The page asks, predicts, and draws; it never differentiates anything itself, so
//! what the learner checks an answer against is always the engine's own gradient.
//!
//! - `slope`: `f(x) = 3x² − 4x + 5`, the difference quotient for a step `h`, and the derivative
//!   from backpropagation (section 1);
//! - `graph`, `check`, `order`: the notebook's small graphs (the first graph, the neuron, tanh
//!   from exp, a value used twice) with the explorer's step-through, a learner's gradient checked
//!   with the local chain rule as the hint, and an order of backward steps checked against the
//!   graph (sections 2 and 4–7);
//! - `nudge`: one optimization step of the first graph's leaves (section 3);
//! - `mlp`: the MLP 3-4-4-1 trained on the notebook's four samples, with or without zeroing the
//!   gradients (section 8).

mod graphs;
mod mlp;
mod order;
mod slope;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::Json;
use serde::de::DeserializeOwned;
use serde_json::Value as JsonValue;

use super::error::ApiError;

pub use graphs::{check, graph, nudge};
pub use mlp::mlp;
pub use order::order;
pub use slope::slope;

/// Reads the request and runs `answer` on it; a failure inside the library becomes a 422, never a
/// dropped connection. The work is a few hundred nodes at most, so it runs in place.
fn respond<T: DeserializeOwned>(
    body: Result<Bytes, BytesRejection>,
    answer: impl FnOnce(T) -> Result<JsonValue, ApiError>,
) -> Result<Json<JsonValue>, ApiError> {
    let request: T = super::parse_json(body)?;
    // Nothing outlives a request, so a panic cannot leave state half changed.
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || answer(request))) {
        Ok(result) => result.map(Json),
        Err(_) => Err(ApiError::unprocessable(
            "the lesson could not compute this (the engine refused it)",
        )),
    }
}

/// A number of a request, refused unless finite and within `[min, max]`.
fn in_range(name: &str, x: f64, min: f64, max: f64) -> Result<f64, ApiError> {
    if x.is_finite() && (min..=max).contains(&x) {
        Ok(x)
    } else {
        Err(ApiError::unprocessable(format!(
            "`{name}` is {x}; the lesson takes a number from {min} to {max}"
        )))
    }
}
