//! Section 7, topological order: a learner's order of the local backward steps checked against
//! the graph's edges, beside the order `backward()` takes.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value as JsonValue};

use super::graphs::described;
use crate::web::error::ApiError;

/// A learner's order of the local backward steps.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderRequest {
    /// Which graph.
    pub name: String,
    /// The operation nodes' labels, in the order the learner would run their steps.
    pub order: Vec<String>,
}

/// `POST /api/lesson/order`: `{name, order}` → `{valid, reason, engine}`. An order is valid when
/// it names every operation node once and each comes after every node that uses it: a node's
/// gradient is complete only once all its users have added their shares. `engine` is the order
/// `backward()` takes, the reverse of the tape.
pub async fn order(body: Result<Bytes, BytesRejection>) -> Result<Json<JsonValue>, ApiError> {
    super::respond(body, |r: OrderRequest| {
        let graph = described(&r.name)?;
        let nodes = graph["nodes"].as_array().cloned().unwrap_or_default();
        let label = |n: &JsonValue| n["name"].as_str().unwrap_or("").to_string();
        let ops: Vec<&JsonValue> = nodes.iter().filter(|n| n["kind"] == "op").collect();
        let engine: Vec<String> = graph["steps"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|s| s["name"].as_str().unwrap_or("").to_string())
            .collect();
        if r.order.len() > ops.len() + 8 {
            return Err(ApiError::unprocessable(format!(
                "the order names {} nodes; this graph has {} operations",
                r.order.len(),
                ops.len()
            )));
        }
        let position = |name: &str| r.order.iter().position(|o| o == name);
        let mut reason = None;
        for o in &r.order {
            if !ops.iter().any(|n| label(n) == *o) {
                reason = Some(format!(
                    "`{o}` is not an operation of this graph (inputs have no step)"
                ));
                break;
            }
        }
        if reason.is_none() {
            'outer: for n in &ops {
                let name = label(n);
                let Some(at) = position(&name) else {
                    reason = Some(format!("`{name}` is missing"));
                    break;
                };
                if r.order.iter().filter(|o| **o == name).count() > 1 {
                    reason = Some(format!("`{name}` comes twice"));
                    break;
                }
                for user in nodes.iter().filter(|u| {
                    u["kind"] == "op"
                        && u["children"]
                            .as_array()
                            .is_some_and(|c| c.contains(&n["id"]))
                }) {
                    let user_name = label(user);
                    if position(&user_name).is_some_and(|u| u > at) {
                        reason = Some(format!(
                            "`{name}` runs before `{user_name}`, which uses it: `{name}.grad` is not complete until `{user_name}`'s step has added its share"
                        ));
                        break 'outer;
                    }
                }
            }
        }
        Ok(json!({
            "valid": reason.is_none(),
            "reason": reason,
            "engine": engine,
        }))
    })
}
