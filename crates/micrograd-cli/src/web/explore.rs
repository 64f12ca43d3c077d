//! The graph explorer's endpoint, `POST /api/graph`: runs a program of the expression language with
//! the library, calls backward on the output, and answers every node (label, op, data, grad,
//! children) with the walk of backpropagation step by step, each step being the engine's own local
//! backward step of one node, in reverse topological order.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use micrograd::{draw, expr, Graph, Op, Value};
use serde::Deserialize;
use serde_json::{json, Value as JsonValue};
use tokio::sync::Semaphore;

use super::error::ApiError;
use super::limits::{MAX_GRAPH_NODES, MAX_PROGRAM_BYTES, MAX_SVG_EXPORTS, MAX_SVG_EXPORT_NODES};
use super::rules;
use crate::format::{json_number, rule_number};

/// The request: a program, and optionally the name to differentiate (the last statement's if not).
#[derive(Deserialize)]
pub struct GraphRequest {
    /// The program's source.
    pub program: String,
    /// The output's name.
    #[serde(default)]
    pub output: Option<String>,
}

/// The request for a picture of the graph: a [`GraphRequest`] and the format.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportRequest {
    /// The program's source.
    pub program: String,
    /// The output's name.
    #[serde(default)]
    pub output: Option<String>,
    /// `svg` or `dot`.
    pub format: String,
}

/// The places for SVG layouts running at once.
static SVG_EXPORTS: std::sync::LazyLock<Arc<Semaphore>> =
    std::sync::LazyLock::new(|| Arc::new(Semaphore::new(MAX_SVG_EXPORTS)));

/// `POST /api/graph/export`: the output's graph after backward, drawn by the library's `draw`
/// module as SVG or Graphviz DOT.
pub async fn export(body: Result<Bytes, BytesRejection>) -> Result<Response, ApiError> {
    let request: ExportRequest = super::parse_json(body)?;
    let content_type = match request.format.as_str() {
        "svg" => "image/svg+xml; charset=utf-8",
        "dot" => "text/vnd.graphviz; charset=utf-8",
        other => {
            return Err(ApiError::unprocessable(format!(
                "unknown format `{other}`: expected svg or dot"
            )))
        }
    };
    check_program_size(&request.program)?;
    // The place is held by the layout itself, which goes on even if the visitor leaves.
    let slot = (request.format == "svg")
        .then(|| {
            SVG_EXPORTS.clone().try_acquire_owned().map_err(|_| {
                ApiError::too_many(format!(
                    "{MAX_SVG_EXPORTS} SVG pictures are being laid out; try again in a moment"
                ))
            })
        })
        .transpose()?;
    let drawn = tokio::task::spawn_blocking(move || {
        let _slot = slot;
        std::panic::catch_unwind(|| {
            let g = Graph::new();
            let run = evaluate(&request.program, request.output.as_deref(), &g)?;
            run.backward();
            if request.format == "svg" {
                if g.len() > MAX_SVG_EXPORT_NODES {
                    return Err(ApiError::unprocessable(format!(
                        "the program makes {} nodes; an SVG picture is laid out for at most \
                         {MAX_SVG_EXPORT_NODES} (export DOT instead)",
                        g.len()
                    )));
                }
                draw::to_svg(run.output()).map_err(|e| ApiError::unprocessable(e.to_string()))
            } else {
                Ok(draw::to_dot(run.output()))
            }
        })
    })
    .await
    .map_err(|e| ApiError::unprocessable(format!("the graph could not be drawn: {e}")))?
    .map_err(|_| {
        ApiError::unprocessable("the graph could not be drawn (the library refused it)")
    })??;
    Ok(([(header::CONTENT_TYPE, content_type)], drawn).into_response())
}

/// `POST /api/graph`.
pub async fn graph(body: Result<Bytes, BytesRejection>) -> Result<Json<JsonValue>, ApiError> {
    let request: GraphRequest = super::parse_json(body)?;
    check_program_size(&request.program)?;
    // Evaluation is quick for a program this small, but it is CPU work: keep it off the async
    // threads, and keep any failure in it from reaching the server.
    let answer =
        tokio::task::spawn_blocking(move || std::panic::catch_unwind(|| explore(&request)))
            .await
            .map_err(|e| {
                ApiError::unprocessable(format!("the program could not be evaluated: {e}"))
            })?;
    match answer {
        Ok(result) => result.map(Json),
        Err(_) => Err(ApiError::unprocessable(
            "the program could not be evaluated (the engine refused it)",
        )),
    }
}

/// Refuses a program over the playground's size limit.
fn check_program_size(program: &str) -> Result<(), ApiError> {
    if program.len() > MAX_PROGRAM_BYTES {
        return Err(ApiError::too_large(format!(
            "the program is {} bytes; the playground takes at most {MAX_PROGRAM_BYTES}",
            program.len()
        )));
    }
    Ok(())
}

/// Parses and evaluates a program into `g`, within the node limit, with the output named `output`
/// (the last statement's name when `None`).
fn evaluate<'g>(
    source: &str,
    output: Option<&str>,
    g: &'g Graph,
) -> Result<expr::Evaluation<'g>, ApiError> {
    let program = expr::parse(source).map_err(|e| syntax_error(&e, source))?;
    let mut run = program.eval(g).map_err(|e| syntax_error(&e, source))?;
    if g.len() > MAX_GRAPH_NODES {
        return Err(ApiError::unprocessable(format!(
            "the program makes {} nodes; the explorer draws at most {MAX_GRAPH_NODES}",
            g.len()
        )));
    }
    if let Some(name) = output {
        run.set_output(name).map_err(ApiError::unprocessable)?;
    }
    Ok(run)
}

/// Evaluates the program and describes its graph.
pub fn explore(request: &GraphRequest) -> Result<JsonValue, ApiError> {
    let g = Graph::new();
    let run = evaluate(&request.program, request.output.as_deref(), &g)?;
    let output = run.output();

    // Every node a name reaches, in creation order (a topological order).
    let mut nodes: BTreeMap<usize, Value> = BTreeMap::new();
    let mut stack: Vec<Value> = run
        .bindings()
        .iter()
        .map(|b| b.value)
        .chain(run.inputs().iter().map(|b| b.value))
        .collect();
    while let Some(v) = stack.pop() {
        if nodes.insert(v.id(), v).is_none() {
            stack.extend(v.children());
        }
    }
    let names = display_names(&nodes);

    run.backward();
    let final_grads: HashMap<usize, f64> = nodes.iter().map(|(&id, v)| (id, v.grad())).collect();

    // The walk: from zero gradients and the seed, each node's local step alone, output first.
    let mut reached = BTreeSet::new();
    let mut stack = vec![output];
    while let Some(v) = stack.pop() {
        if reached.insert(v.id()) {
            stack.extend(v.children());
        }
    }
    g.zero_grad();
    output.set_grad(1.0);
    let mut steps = Vec::new();
    for &id in reached.iter().rev() {
        let v = nodes[&id];
        if matches!(v.op(), Op::Leaf | Op::Const) {
            continue;
        }
        let children = v.children();
        let operands: Vec<(String, f64)> = children
            .iter()
            .map(|c| (names[&c.id()].clone(), c.data()))
            .collect();
        let lines = rules::lines(&rules::StepInputs {
            op: v.op(),
            out: &names[&id],
            out_data: v.data(),
            out_grad: v.grad(),
            children: &operands,
        });
        let out_grad = v.grad();
        v.backward_step();
        let mut after: Vec<(usize, f64)> = children.iter().map(|c| (c.id(), c.grad())).collect();
        after.sort_by_key(|&(id, _)| id);
        after.dedup_by_key(|&mut (id, _)| id);
        steps.push(json!({
            "node": id,
            "name": names[&id],
            "grad": json_number(out_grad),
            // A constant takes no gradient, so its rule line is not shown.
            "lines": children.iter().zip(&lines).filter(|(c, _)| c.op() != Op::Const).map(|(c, l)| json!({
                "child": c.id(),
                "symbolic": l.symbolic,
                "numeric": l.numeric,
                "amount": json_number(l.amount),
            })).collect::<Vec<_>>(),
            "grads_after": after.iter().map(|&(id, g)| json!([id, json_number(g)])).collect::<Vec<_>>(),
        }));
    }

    let node_list: Vec<JsonValue> = nodes
        .iter()
        .map(|(&id, v)| {
            let kind = match v.op() {
                Op::Leaf => "leaf",
                Op::Const => "const",
                _ => "op",
            };
            json!({
                "id": id,
                "label": v.label(),
                "name": names[&id],
                "op": v.op().symbol(),
                "kind": kind,
                "data": json_number(v.data()),
                "grad": json_number(final_grads[&id]),
                "children": v.children().iter().map(|c| c.id()).collect::<Vec<_>>(),
            })
        })
        .collect();
    let mut seen = BTreeSet::new();
    let leaves: Vec<JsonValue> = run
        .inputs()
        .iter()
        .filter(|b| seen.insert(b.name.clone()))
        .map(|b| json!({"name": b.name, "id": b.value.id(), "data": json_number(b.value.data())}))
        .collect();
    Ok(json!({
        "output": output.id(),
        "output_name": run.output_name(),
        "nodes": node_list,
        "leaves": leaves,
        "steps": steps,
    }))
}

/// A 422 that carries the mistake's place, for the editor to mark.
fn syntax_error(e: &expr::ExprError, source: &str) -> ApiError {
    let report = e.render("program", source);
    // The first line repeats the message; the rest is the source line with its caret.
    let excerpt = report
        .split_once('\n')
        .map(|(_, rest)| rest.trim_end().to_string())
        .unwrap_or_default();
    ApiError::unprocessable(e.message.clone())
        .with("line", e.line())
        .with("col", e.col())
        .with("width", e.width)
        .with("kind", format!("{:?}", e.kind))
        .with("excerpt", excerpt)
}

/// A short name for every node, for the rules: its label; a constant's number; otherwise the
/// expression that made it when short (`a*b`), else `#id`.
fn display_names(nodes: &BTreeMap<usize, Value>) -> HashMap<usize, String> {
    let mut names: HashMap<usize, String> = HashMap::new();
    for (&id, v) in nodes {
        let name = if let Some(label) = v.label() {
            label
        } else if v.op() == Op::Const {
            rule_number(v.data())
        } else {
            let child_names: Vec<String> = v
                .children()
                .iter()
                .map(|c| names.get(&c.id()).cloned().unwrap_or_default())
                .collect();
            let composed = match (v.op(), child_names.as_slice()) {
                (Op::Add | Op::Sub | Op::Mul | Op::Div | Op::Powf | Op::Pow, [x, y]) => {
                    format!("({x}{}{y})", v.op().symbol())
                }
                (Op::Neg, [x]) => format!("(-{x})"),
                (op, [x]) => format!("{}({x})", op.symbol()),
                _ => String::new(),
            };
            if !composed.is_empty() && composed.chars().count() <= 14 {
                composed
            } else {
                format!("#{id}")
            }
        };
        names.insert(id, name);
    }
    names
}
