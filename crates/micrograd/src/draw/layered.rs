//! The layout [`to_svg`](super::to_svg) switches to for graphs too large for `layout-rs`: a plain
//! layered drawing computed in linear time. Columns are depths from the inputs (each operation one
//! column, its result the next; an input or constant stands just before its first use), and rows
//! are tape order within a column, so the picture reads left to right as the computation ran. Edges
//! are straight lines; nothing is done to reduce crossings, which is what costs `layout-rs` its
//! time. The records are the same `{ label | data | grad }` as the small drawing's.

use std::collections::HashMap;
use std::fmt::Write as _;

use super::nodes::DrawNode;

const FONT_SIZE: f64 = 14.0;
/// The width of a character of the monospace font at [`FONT_SIZE`].
const CHAR_WIDTH: f64 = 0.6 * FONT_SIZE;
const CELL_PADDING: f64 = 16.0;
const RECORD_HEIGHT: f64 = 28.0;
const ROW_HEIGHT: f64 = 44.0;
const COLUMN_GAP: f64 = 40.0;
const OP_RADIUS: f64 = 18.0;
const MARGIN: f64 = 20.0;

/// Where a value's record or an operation's circle sits.
struct Place {
    column: usize,
    row: usize,
}

/// `nodes` (in tape order, inputs first) as an SVG document.
pub(crate) fn to_svg(nodes: &[DrawNode]) -> String {
    // Depth of each value: 0 for inputs and constants, one more than its deepest input otherwise.
    let mut depth: HashMap<usize, usize> = HashMap::with_capacity(nodes.len());
    let mut first_use: HashMap<usize, usize> = HashMap::new();
    for node in nodes.iter().filter(|n| n.op.is_some()) {
        let d = 1 + node
            .inputs
            .iter()
            .map(|i| depth.get(i).copied().unwrap_or(0))
            .max()
            .unwrap_or(0);
        depth.insert(node.id, d);
        for &input in &node.inputs {
            let first = first_use.entry(input).or_insert(d);
            *first = (*first).min(d);
        }
    }
    // Columns: an operation of depth d at 2d - 1, its value at 2d; a source just before the
    // operation that first reads it (or at 0 when nothing reads it: the root alone).
    let value_column = |node: &DrawNode| match node.op {
        Some(_) => 2 * depth[&node.id],
        None => first_use.get(&node.id).map_or(0, |&d| 2 * d - 2),
    };
    let columns = nodes.iter().map(value_column).max().unwrap_or(0) + 1;
    let mut rows_used = vec![0usize; columns];
    let mut values: HashMap<usize, Place> = HashMap::with_capacity(nodes.len());
    let mut ops: HashMap<usize, Place> = HashMap::new();
    for node in nodes {
        let column = value_column(node);
        let row = rows_used[column];
        rows_used[column] += 1;
        values.insert(node.id, Place { column, row });
    }
    // Each operation on its value's row, so the edge to its value is short and straight.
    for node in nodes.iter().filter(|n| n.op.is_some()) {
        let place = &values[&node.id];
        ops.insert(
            node.id,
            Place {
                column: place.column - 1,
                row: place.row,
            },
        );
    }
    let cells = |node: &DrawNode| -> Vec<String> {
        let mut cells = Vec::with_capacity(3);
        if !node.label.is_empty() {
            cells.push(node.label.clone());
        }
        cells.push(node.data.clone());
        cells.push(node.grad.clone());
        cells
    };
    let cell_width = |text: &str| text.chars().count() as f64 * CHAR_WIDTH + CELL_PADDING;
    let mut column_width = vec![2.0 * OP_RADIUS; columns];
    for node in nodes {
        let width: f64 = cells(node).iter().map(|c| cell_width(c)).sum();
        let column = values[&node.id].column;
        column_width[column] = column_width[column].max(width);
    }
    let mut column_x = Vec::with_capacity(columns);
    let mut x = MARGIN;
    for w in &column_width {
        column_x.push(x);
        x += w + COLUMN_GAP;
    }
    let width = (x - COLUMN_GAP + MARGIN).ceil();
    let rows = rows_used.iter().copied().max().unwrap_or(1);
    let height = (2.0 * MARGIN + rows as f64 * ROW_HEIGHT).ceil();
    let middle_y = |row: usize| MARGIN + row as f64 * ROW_HEIGHT + RECORD_HEIGHT / 2.0;
    let record_width = |node: &DrawNode| cells(node).iter().map(|c| cell_width(c)).sum::<f64>();
    let op_centre = |place: &Place| {
        (
            column_x[place.column] + column_width[place.column] / 2.0,
            middle_y(place.row),
        )
    };

    let mut svg = String::with_capacity(nodes.len() * 400);
    let _ = write!(
        svg,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg width=\"{width}\" height=\"{height}\" \
         viewBox=\"0 0 {width} {height}\" xmlns=\"http://www.w3.org/2000/svg\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n\
         <g font-family=\"'DejaVu Sans Mono', Menlo, Consolas, monospace\" font-size=\"{FONT_SIZE}\" \
         text-anchor=\"middle\" stroke-width=\"1\">\n"
    );
    // Edges first, so that records and circles are drawn over them.
    svg.push_str("<g stroke=\"black\" fill=\"none\">\n");
    for node in nodes.iter().filter(|n| n.op.is_some()) {
        let (ox, oy) = op_centre(&ops[&node.id]);
        for input in &node.inputs {
            let from = &values[input];
            let fx = column_x[from.column] + record_width(node_of(nodes, *input));
            let _ = writeln!(
                svg,
                "<line x1=\"{fx:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{oy:.1}\"/>",
                middle_y(from.row),
                ox - OP_RADIUS
            );
        }
        let to = &values[&node.id];
        let _ = writeln!(
            svg,
            "<line x1=\"{:.1}\" y1=\"{oy:.1}\" x2=\"{:.1}\" y2=\"{:.1}\"/>",
            ox + OP_RADIUS,
            column_x[to.column],
            middle_y(to.row)
        );
    }
    svg.push_str("</g>\n");
    for node in nodes {
        let place = &values[&node.id];
        let (x0, y0) = (
            column_x[place.column],
            MARGIN + place.row as f64 * ROW_HEIGHT,
        );
        let _ = writeln!(
            svg,
            "<g class=\"value\"><rect x=\"{x0:.1}\" y=\"{y0:.1}\" width=\"{:.1}\" height=\"{RECORD_HEIGHT}\" fill=\"white\" stroke=\"black\"/>",
            record_width(node)
        );
        let mut x = x0;
        for (i, cell) in cells(node).iter().enumerate() {
            let w = cell_width(cell);
            if i > 0 {
                let _ = writeln!(
                    svg,
                    "<line x1=\"{x:.1}\" y1=\"{y0:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"black\"/>",
                    y0 + RECORD_HEIGHT
                );
            }
            let _ = writeln!(
                svg,
                "<text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
                x + w / 2.0,
                y0 + RECORD_HEIGHT / 2.0 + FONT_SIZE * 0.35,
                escape(cell)
            );
            x += w;
        }
        svg.push_str("</g>\n");
        if let Some(op) = &node.op {
            let (cx, cy) = op_centre(&ops[&node.id]);
            let _ = writeln!(
                svg,
                "<g class=\"op\"><circle cx=\"{cx:.1}\" cy=\"{cy:.1}\" r=\"{OP_RADIUS}\" fill=\"lightgray\" stroke=\"black\"/><text x=\"{cx:.1}\" y=\"{:.1}\">{}</text></g>",
                cy + FONT_SIZE * 0.35,
                escape(op)
            );
        }
    }
    svg.push_str("</g>\n</svg>\n");
    svg
}

/// The node with tape id `id` (`nodes` is sorted by id).
fn node_of(nodes: &[DrawNode], id: usize) -> &DrawNode {
    let i = nodes.partition_point(|n| n.id < id);
    &nodes[i]
}

/// Text made safe inside an XML element.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
