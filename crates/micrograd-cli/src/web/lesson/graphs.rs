//! Sections 2–6: the notebook's small graphs, drawn and walked by the explorer's own code
//! ([`explore`]), a learner's gradient checked against the engine's with the local chain rule as
//! the hint, and one optimization step of the first graph.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::Json;
use micrograd::{expr, Graph};
use serde::Deserialize;
use serde_json::{json, Value as JsonValue};

use super::in_range;
use crate::format::json_number;
use crate::web::error::ApiError;
use crate::web::explore::{explore, GraphRequest};

/// The lesson's graphs, by name, as the expression language writes them.
const GRAPHS: &[(&str, &str)] = &[
    (
        "first",
        "a = 2.0\nb = -3.0\nc = 10.0\ne = a * b\nd = e + c\nf = -2.0\nL = d * f\n",
    ),
    (
        "neuron",
        "x1 = 2.0\nx2 = 0.0\nw1 = -3.0\nw2 = 1.0\nb = 6.8813735870195432\n\
         x1w1 = x1*w1\nx2w2 = x2*w2\nx1w1x2w2 = x1w1 + x2w2\nn = x1w1x2w2 + b\no = tanh(n)\n",
    ),
    (
        "tanh_exp",
        "x1 = 2.0\nx2 = 0.0\nw1 = -3.0\nw2 = 1.0\nb = 6.8813735870195432\n\
         x1w1 = x1*w1\nx2w2 = x2*w2\nx1w1x2w2 = x1w1 + x2w2\nn = x1w1x2w2 + b\n\
         e = exp(2*n)\no = (e - 1) / (e + 1)\n",
    ),
    ("reuse", "a = 3.0\nb = a + a\n"),
];

/// The names of the lesson's graphs, for messages.
fn names() -> String {
    GRAPHS
        .iter()
        .map(|(n, _)| *n)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The program of the graph called `name`.
fn program(name: &str) -> Result<&'static str, ApiError> {
    GRAPHS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, p)| *p)
        .ok_or_else(|| {
            ApiError::unprocessable(format!(
                "the lesson has no graph `{name}`: expected one of {}",
                names()
            ))
        })
}

/// The explorer's answer for the graph called `name`.
pub(super) fn described(name: &str) -> Result<JsonValue, ApiError> {
    explore(&GraphRequest {
        program: program(name)?.to_string(),
        output: None,
    })
}

/// A node of an explorer answer, by its label.
fn node_named<'a>(graph: &'a JsonValue, label: &str) -> Result<&'a JsonValue, ApiError> {
    graph["nodes"]
        .as_array()
        .and_then(|nodes| nodes.iter().find(|n| n["label"] == label))
        .ok_or_else(|| ApiError::unprocessable(format!("this graph has no node `{label}`")))
}

/// The request for a graph.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LessonGraphRequest {
    /// Which graph.
    pub name: String,
    /// Leave the gradients out (and the walk, which holds them), for the learner to predict.
    #[serde(default)]
    pub hide_grads: bool,
    /// For `reuse`: `"accumulate"` (the fix, `+=`, the engine's way) or `"set"` (micrograd's
    /// first version, `=`, which loses all but the last share).
    #[serde(default)]
    pub mode: Option<String>,
}

/// `POST /api/lesson/graph`: `{name, hide_grads?, mode?}` → the explorer's answer (nodes with
/// data and grads, the backward walk with each rule), plus for `reuse` the mode's gradients and
/// a central difference of `b` in `a`.
pub async fn graph(body: Result<Bytes, BytesRejection>) -> Result<Json<JsonValue>, ApiError> {
    super::respond(body, |r: LessonGraphRequest| {
        let mut answer = described(&r.name)?;
        if let Some(mode) = &r.mode {
            if r.name != "reuse" {
                return Err(ApiError::unprocessable(
                    "`mode` is for the graph `reuse` only",
                ));
            }
            match mode.as_str() {
                "accumulate" => {}
                "set" => set_instead_of_add(&mut answer),
                other => {
                    return Err(ApiError::unprocessable(format!(
                        "unknown mode `{other}`: expected set or accumulate"
                    )))
                }
            }
        }
        if r.name == "reuse" {
            answer["finite_difference"] = json_number(reuse_central_difference());
        }
        if r.hide_grads {
            for node in answer["nodes"].as_array_mut().into_iter().flatten() {
                node["grad"] = JsonValue::Null;
            }
            answer["steps"] = json!([]);
        }
        Ok(answer)
    })
}

/// Rewrites a walk as micrograd's first `_backward` ran it, `self.grad = ...` instead of `+=`:
/// each rule line replaces its child's gradient, so a value used twice keeps only the last share.
fn set_instead_of_add(answer: &mut JsonValue) {
    let mut grads: HashMap<u64, f64> = HashMap::new();
    if let Some(out) = answer["output"].as_u64() {
        grads.insert(out, 1.0);
    }
    for step in answer["steps"].as_array_mut().into_iter().flatten() {
        for line in step["lines"].as_array_mut().into_iter().flatten() {
            let symbolic = line["symbolic"]
                .as_str()
                .unwrap_or("")
                .replacen("+=", "=", 1);
            line["symbolic"] = json!(symbolic);
            if let (Some(child), Some(amount)) = (line["child"].as_u64(), line["amount"].as_f64()) {
                grads.insert(child, amount);
            }
        }
        let after: Vec<JsonValue> = step["grads_after"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|pair| pair[0].as_u64())
            .map(|id| json!([id, grads.get(&id).copied().unwrap_or(0.0)]))
            .collect();
        step["grads_after"] = json!(after);
    }
    for node in answer["nodes"].as_array_mut().into_iter().flatten() {
        if let Some(id) = node["id"].as_u64() {
            node["grad"] = json!(grads.get(&id).copied().unwrap_or(0.0));
        }
    }
    answer["mode"] = json!("set");
}

/// `(b(a + h) − b(a − h)) / 2h` for `b = a + a` at the graph's `a`, with the engine's forward pass:
/// the truth both modes are measured against.
fn reuse_central_difference() -> f64 {
    let h = 1e-6;
    let source = program("reuse").unwrap_or_default();
    let b_at = |shift: f64| -> f64 {
        let g = Graph::new();
        let run = expr::parse(source).and_then(|p| p.eval(&g));
        match run {
            Ok(run) => {
                if let Some(a) = run.get("a") {
                    a.set_data(a.data() + shift);
                    g.recompute();
                }
                run.output().data()
            }
            Err(_) => f64::NAN,
        }
    };
    (b_at(h) - b_at(-h)) / (2.0 * h)
}

/// A learner's gradient for one node.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckRequest {
    /// Which graph.
    pub name: String,
    /// The node's label.
    pub node: String,
    /// The learner's gradient; none asks for the answer ("show me").
    #[serde(default)]
    pub answer: Option<f64>,
}

/// `POST /api/lesson/check`: `{name, node, answer?}` → `{node, correct, grad?, hint}`. `grad` is
/// given when the answer is right or none was given; `hint` is the local chain rule that sets the
/// node's gradient (the explorer's step text), in symbols and in numbers.
pub async fn check(body: Result<Bytes, BytesRejection>) -> Result<Json<JsonValue>, ApiError> {
    super::respond(body, |r: CheckRequest| {
        let graph = described(&r.name)?;
        let node = node_named(&graph, &r.node)?;
        let id = node["id"].as_u64();
        let grad = node["grad"].as_f64().unwrap_or(f64::NAN);
        let mut hint: Vec<JsonValue> = Vec::new();
        if id == graph["output"].as_u64() {
            hint.push(json!({
                "symbolic": format!("{0}.grad = 1 (d{0}/d{0}: the seed of backward)", r.node),
                "numeric": "1",
                "from": r.node,
            }));
        }
        for step in graph["steps"].as_array().into_iter().flatten() {
            for line in step["lines"].as_array().into_iter().flatten() {
                if line["child"].as_u64() == id {
                    hint.push(json!({
                        "symbolic": line["symbolic"],
                        "numeric": line["numeric"],
                        "from": step["name"],
                    }));
                }
            }
        }
        let correct = match r.answer {
            None => None,
            Some(answer) => Some(in_range("answer", answer, -1e6, 1e6).map(|a| close(a, grad))?),
        };
        let mut out = json!({
            "node": r.node,
            "correct": correct,
            "hint": hint,
        });
        if correct != Some(false) {
            out["grad"] = json_number(grad);
        }
        Ok(out)
    })
}

/// Whether a typed answer is the gradient: to the four decimals the graph shows.
fn close(answer: f64, grad: f64) -> bool {
    (answer - grad).abs() <= 5e-4 + 1e-6 * grad.abs()
}

/// One optimization step of the first graph.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NudgeRequest {
    /// How far along each gradient every leaf moves (the notebook's 0.01).
    pub step: f64,
}

/// `POST /api/lesson/nudge`: `{step}` → `{before, after}`, each `{L, leaves: [{name, data,
/// grad}]}`: every leaf of `L = (a*b + c) * f` moved by `step × grad`, and `L` computed again.
pub async fn nudge(body: Result<Bytes, BytesRejection>) -> Result<Json<JsonValue>, ApiError> {
    super::respond(body, |r: NudgeRequest| {
        let step = in_range("step", r.step, -1.0, 1.0)?;
        let g = Graph::new();
        let run = expr::parse(program("first")?)
            .and_then(|p| p.eval(&g))
            .map_err(|e| ApiError::unprocessable(e.message))?;
        run.backward();
        let state = || {
            json!({
                "L": json_number(run.output().data()),
                "leaves": run.inputs().iter().map(|b| json!({
                    "name": b.name,
                    "data": json_number(b.value.data()),
                    "grad": json_number(b.value.grad()),
                })).collect::<Vec<_>>(),
            })
        };
        let before = state();
        for leaf in run.inputs() {
            leaf.value
                .set_data(leaf.value.data() + step * leaf.value.grad());
        }
        g.recompute();
        g.zero_grad();
        run.backward();
        Ok(json!({"step": step, "before": before, "after": state()}))
    })
}
