//! The graph as Graphviz DOT text, with no dependency: paste it into any Graphviz viewer, or
//! `dot -Tpng`.

use std::fmt::Write as _;

use super::nodes::{collect, DrawNode};
use crate::graph::Value;

/// The graph of everything `root` depends on, as Graphviz DOT: `rankdir=LR`, a record
/// `{ label | data 2.0000 | grad 6.0000 }` per value, an ellipse per operation, and edges from each
/// input to the operation and from the operation to its result, as the notebook's `draw_dot`.
///
/// ```
/// use micrograd::{draw, Graph};
///
/// let g = Graph::new();
/// let a = g.value(3.0).with_label("a");
/// let b = (a + a).with_label("b");
/// b.backward();
/// let dot = draw::to_dot(b);
/// assert!(dot.starts_with("digraph {"));
/// assert!(dot.contains("{ b | data 6.0000 | grad 1.0000 }"));
/// ```
pub fn to_dot(root: Value<'_>) -> String {
    let nodes = collect(root);
    let mut out = String::from("digraph {\n  graph [rankdir=LR];\n");
    for node in &nodes {
        let _ = writeln!(
            out,
            "  \"n{}\" [shape=record, label=\"{{ {} | {} | {} }}\"];",
            node.id,
            escape(&node.label),
            escape(&node.data),
            escape(&node.grad)
        );
        if let Some(op) = &node.op {
            let _ = writeln!(out, "  \"n{}op\" [label=\"{}\"];", node.id, escape(op));
            let _ = writeln!(out, "  \"n{0}op\" -> \"n{0}\";", node.id);
        }
    }
    for DrawNode { id, inputs, .. } in &nodes {
        for input in inputs {
            let _ = writeln!(out, "  \"n{input}\" -> \"n{id}op\";");
        }
    }
    out.push_str("}\n");
    out
}

/// Escapes text for a quoted DOT record label: quotes and backslashes for the string, and the
/// characters records give a meaning to.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' | '\\' | '{' | '}' | '|' | '<' | '>' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}
