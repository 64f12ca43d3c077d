//! Section 8: the notebook's MLP 3-4-4-1 (tanh everywhere, 41 parameters) trained on its four
//! samples with squared error, each step forward, zero grad, backward, update, as the notebook's
//! loop writes it; or with the zeroing left out, so the learner sees the gradients of every past
//! step pile up.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::Json;
use micrograd::nn::{Activation, Module, MLP};
use micrograd::{Graph, Value};
use serde::Deserialize;
use serde_json::{json, Value as JsonValue};

use super::in_range;
use crate::format::json_number;
use crate::web::error::ApiError;
use crate::web::limits::LESSON_MAX_STEPS;

/// The notebook's four samples of three inputs.
const XS: [[f64; 3]; 4] = [
    [2.0, 3.0, -1.0],
    [3.0, -1.0, 0.5],
    [0.5, 1.0, 1.0],
    [1.0, 1.0, -1.0],
];
/// Their targets.
const YS: [f64; 4] = [1.0, -1.0, -1.0, 1.0];
/// The seed of the weights when none is asked for: the same network at every request, so a run
/// can be replayed. With these weights both sides of the lesson show within 20 steps: zeroed, the
/// loss falls at every step; not zeroed, it first falls faster (the pile of old gradients acts
/// like a push that never fades), then overshoots into saturated tanh units and stays at 8.
const SEED: u64 = 30;

/// The request: how many steps from the same starting weights.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MlpRequest {
    /// Steps of training (0: the untrained network).
    pub steps: usize,
    /// Whether each step zeroes the gradients before backward (the notebook's `p.grad = 0.0`).
    #[serde(default = "yes")]
    pub zero_grad: bool,
    /// The step size (the notebook's 0.05).
    #[serde(default = "notebook_rate")]
    pub learning_rate: f64,
    /// The seed of the starting weights.
    #[serde(default = "default_seed")]
    pub seed: u64,
}

fn default_seed() -> u64 {
    SEED
}

fn yes() -> bool {
    true
}

fn notebook_rate() -> f64 {
    0.05
}

/// `POST /api/lesson/mlp`: `{steps, zero_grad?, learning_rate?, seed?}` → `{parameters, losses,
/// grad_norms, predictions, targets, ...}`: `losses[k]` is the loss of the forward pass of step
/// `k` (so `losses[0]` is the untrained network's), `steps + 1` of them; `grad_norms[k]` is the
/// length of the gradient step `k` updated with; `predictions` are the outputs after the last
/// update.
pub async fn mlp(body: Result<Bytes, BytesRejection>) -> Result<Json<JsonValue>, ApiError> {
    super::respond(body, |r: MlpRequest| {
        if r.steps > LESSON_MAX_STEPS {
            return Err(ApiError::unprocessable(format!(
                "`steps` is {}; the lesson trains at most {LESSON_MAX_STEPS} steps at a time",
                r.steps
            )));
        }
        let rate = in_range("learning_rate", r.learning_rate, 0.0, 1.0)?;
        let g = Graph::new();
        let tanh = Activation::Tanh;
        let n = MLP::with_activations(&g, 3, &[(4, tanh), (4, tanh), (1, tanh)], r.seed);
        let params = n.parameters();
        let start = g.checkpoint();
        let loss_of = || -> Option<Value<'_>> {
            g.sum(
                XS.iter()
                    .zip(YS)
                    .map(|(x, y)| (n.forward_data(x)[0] - y).powf(2.0)),
            )
        };
        let mut losses = Vec::with_capacity(r.steps + 1);
        let mut grad_norms = Vec::with_capacity(r.steps);
        for _ in 0..r.steps {
            let loss = loss_of().ok_or_else(|| ApiError::unprocessable("no samples"))?;
            losses.push(json_number(loss.data()));
            if r.zero_grad {
                n.zero_grad();
            }
            loss.backward();
            let norm = params
                .iter()
                .map(|p| p.grad() * p.grad())
                .sum::<f64>()
                .sqrt();
            grad_norms.push(json_number(norm));
            for p in &params {
                p.set_data(p.data() - rate * p.grad());
            }
            g.rewind(start);
        }
        let loss = loss_of().ok_or_else(|| ApiError::unprocessable("no samples"))?;
        losses.push(json_number(loss.data()));
        let predictions: Vec<JsonValue> = XS.iter().map(|x| json_number(n.predict(x)[0])).collect();
        Ok(json!({
            "parameters": params.len(),
            "steps": r.steps,
            "zero_grad": r.zero_grad,
            "learning_rate": rate,
            "seed": r.seed,
            "losses": losses,
            "grad_norms": grad_norms,
            "predictions": predictions,
            "targets": YS,
            "inputs": XS,
        }))
    })
}
