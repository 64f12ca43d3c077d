//! Section 1, the derivative as a slope: `f(x) = 3x² − 4x + 5` evaluated by the engine at `x` and
//! `x + h`, the difference quotient `(f(x+h) − f(x)) / h`, and the derivative at `x` from
//! `backward()`, so the page can show the quotient approaching it as `h` shrinks, and rounding
//! taking over when `h` is tiny.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::Json;
use micrograd::Graph;
use serde::Deserialize;
use serde_json::{json, Value as JsonValue};

use super::in_range;
use crate::format::json_number;
use crate::web::error::ApiError;
use crate::web::limits::{LESSON_MAX_ABS_X, LESSON_MIN_ABS_H};

/// The request: where, and how far to step.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlopeRequest {
    /// The point.
    pub x: f64,
    /// The step of the difference quotient.
    pub h: f64,
}

/// The plotted range of `x`.
const PLOT: (f64, f64) = (-2.0, 4.0);
/// How many points the curve is drawn with.
const PLOT_POINTS: usize = 61;

/// `f(x) = 3x² − 4x + 5` in the graph `g`, as the notebook writes it.
fn f(g: &Graph, x: f64) -> (micrograd::Value<'_>, micrograd::Value<'_>) {
    let x = g.value(x).with_label("x");
    let y = 3.0 * x.powf(2.0) - 4.0 * x + 5.0;
    (x, y)
}

/// `POST /api/lesson/slope`: `{x, h}` → `{x, h, fx, fxh, quotient, derivative, spacing, curve}`;
/// `spacing` is the gap between `f(x)` and the next larger `f64`, the size of the rounding
/// that the quotient divides by `h`.
pub async fn slope(body: Result<Bytes, BytesRejection>) -> Result<Json<JsonValue>, ApiError> {
    super::respond(body, |r: SlopeRequest| {
        let x = in_range("x", r.x, -LESSON_MAX_ABS_X, LESSON_MAX_ABS_X)?;
        let h = in_range("h", r.h, -1.0, 1.0)?;
        if h.abs() < LESSON_MIN_ABS_H {
            return Err(ApiError::unprocessable(format!(
                "`h` is {h}; a step smaller than {LESSON_MIN_ABS_H:e} in size is below what an f64 near x can tell apart"
            )));
        }
        let g = Graph::new();
        let (xv, fx) = f(&g, x);
        fx.backward();
        let derivative = xv.grad();
        let (_, fxh) = f(&g, x + h);
        let (fx, fxh) = (fx.data(), fxh.data());
        let quotient = (fxh - fx) / h;
        let spacing = f64::from_bits(fx.to_bits() + 1) - fx;
        let curve: Vec<JsonValue> = (0..PLOT_POINTS)
            .map(|i| {
                let t = PLOT.0 + (PLOT.1 - PLOT.0) * i as f64 / (PLOT_POINTS - 1) as f64;
                let (_, y) = f(&g, t);
                json!([t, json_number(y.data())])
            })
            .collect();
        Ok(json!({
            "x": x,
            "h": h,
            "fx": json_number(fx),
            "fxh": json_number(fxh),
            "quotient": json_number(quotient),
            "derivative": json_number(derivative),
            "spacing": json_number(spacing.abs()),
            "curve": curve,
        }))
    })
}
