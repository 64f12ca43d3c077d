//! The graph as SVG, laid out and rendered in-process by the pure-Rust `layout-rs` crate (no system
//! Graphviz needed), or, past [`MAX_SVG_LAYOUT`], by the plain layered layout of `layered`.

use std::collections::HashMap;
use std::fmt;

use layout::backends::svg::SVGWriter;
use layout::core::base::Orientation;
use layout::core::color::Color;
use layout::core::geometry::Point;
use layout::core::style::StyleAttr;
use layout::std_shapes::render::get_shape_size;
use layout::std_shapes::shapes::{Arrow, Element, RecordDef, ShapeKind};
use layout::topo::layout::VisualGraph;

use super::nodes::{collect, DrawNode};
use crate::graph::Value;

/// The largest graph [`to_svg`] lays out with `layout-rs`, in layout nodes: values, operations, and
/// the hidden waypoints that route an edge across each column it skips. That layout's time grows
/// much faster than its size (about a second at this size); a larger graph, or one whose columns
/// are too wide to order quickly, is drawn with a plain layered layout instead (columns by depth
/// from the inputs, rows in tape order, straight edges), in time linear in its size.
pub const MAX_SVG_LAYOUT: usize = 4000;

/// The most values [`to_svg`] draws at all: past this the SVG itself (a few hundred bytes per value)
/// would be larger than a viewer opens; DOT has no limit.
pub const MAX_SVG_VALUES: usize = 100_000;

/// The largest crossing-reduction work taken on (see `layout_cost`): wide columns, as when one
/// value feeds a hundred operations, cost far more than long chains.
const MAX_CROSSING_WORK: f64 = 1.5e6;

/// Why a graph could not be drawn as SVG.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DrawError {
    /// The graph has this many values, more than [`MAX_SVG_VALUES`].
    TooLarge(usize),
    /// The layout library failed on this graph.
    Layout(String),
}

impl fmt::Display for DrawError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DrawError::TooLarge(n) => write!(
                f,
                "the graph has {n} values, more than {MAX_SVG_VALUES}, the most drawn as SVG; write DOT instead"
            ),
            DrawError::Layout(why) => write!(f, "the graph layout failed: {why}"),
        }
    }
}

impl std::error::Error for DrawError {}

const FONT_SIZE: usize = 14;
/// Operation symbols (`*`, `+`) are small glyphs: a larger size keeps them legible.
const OP_FONT_SIZE: usize = 18;
/// The width of a character of [`FONT`] at [`FONT_SIZE`], in pixels.
const CHAR_WIDTH: f64 = 0.6 * FONT_SIZE as f64;
/// Room left and right of the text in a record's cell.
const CELL_PADDING: f64 = 16.0;
/// Monospace, so that widths are known without measuring text, and numbers line up.
const FONT: &str = "font-family: 'DejaVu Sans Mono', Menlo, Consolas, monospace;";

/// The graph of everything `root` depends on, as an SVG document: the same drawing as
/// [`to_dot`](super::to_dot), left to right, with a record `{ label | data | grad }` per value and a
/// circle per operation.
///
/// ```
/// use micrograd::{draw, Graph};
///
/// let g = Graph::new();
/// let x = g.value(0.5).with_label("x");
/// let y = x.tanh().with_label("y");
/// y.backward();
/// let svg = draw::to_svg(y).unwrap();
/// assert!(svg.contains("<svg") && svg.contains("tanh") && svg.contains("data 0.5000"));
/// ```
///
/// A graph past [`MAX_SVG_LAYOUT`] (or with very wide columns) is drawn with the plain layered
/// layout instead, with the same records; the loss graph of a 2-16-16-1 network on 30 samples is.
///
/// # Errors
/// [`DrawError::TooLarge`] past [`MAX_SVG_VALUES`] values. (Should `layout-rs` fail on a graph, the
/// layered layout draws it; [`DrawError::Layout`] is kept for callers that match on it.)
pub fn to_svg(root: Value<'_>) -> Result<String, DrawError> {
    let nodes = collect(root);
    if nodes.len() > MAX_SVG_VALUES {
        return Err(DrawError::TooLarge(nodes.len()));
    }
    let (size, crossing_work) = layout_cost(&nodes);
    if size > MAX_SVG_LAYOUT || crossing_work > MAX_CROSSING_WORK {
        return Ok(super::layered::to_svg(&nodes));
    }
    Ok(laid_out(&nodes).unwrap_or_else(|_| super::layered::to_svg(&nodes)))
}

/// The `layout-rs` drawing of `nodes`.
fn laid_out(nodes: &[DrawNode]) -> Result<String, DrawError> {
    // Records are laid across the graph's direction, as Graphviz does: with rankdir=LR the outer
    // record is vertical and its `{ … }` row horizontal.
    let record_dir = Orientation::LeftToRight.flip();
    let record_look = StyleAttr::new(
        Color::fast("black"),
        1,
        Some(Color::fast("white")),
        0,
        FONT_SIZE,
    );
    let op_look = StyleAttr::new(
        Color::fast("black"),
        1,
        Some(Color::fast("lightgray")),
        0,
        OP_FONT_SIZE,
    );
    let mut graph = VisualGraph::new(Orientation::LeftToRight);
    // layout-rs re-checks that the graph is acyclic after every edge, by a search that revisits
    // shared sub-paths: exponential on graphs where values are reused (a few dozen diamonds take
    // minutes). A computation graph is acyclic by construction, so the check is skipped.
    graph.dag.set_validate(false);
    let mut value_handles = HashMap::new();
    let mut op_handles = HashMap::new();
    for node in nodes {
        let mut cells = Vec::with_capacity(3);
        if !node.label.is_empty() {
            // Spaces widen the label's cell, which layout-rs sizes by character count.
            cells.push(RecordDef::new_text(&format!(" {} ", node.label)));
        }
        cells.push(RecordDef::new_text(&node.data));
        cells.push(RecordDef::new_text(&node.grad));
        let width: f64 = cells.iter().map(|c| text_width(c) + CELL_PADDING).sum();
        let shape = ShapeKind::Record(RecordDef::Array(vec![RecordDef::Array(cells)]));
        // layout-rs sizes text at a full em per character; a monospace font needs about 0.6, and
        // the record's cells keep their proportions inside the size given here.
        let size = Point::new(width, 2.0 * FONT_SIZE as f64);
        let handle = graph.add_node(Element::create(
            shape,
            record_look.clone(),
            record_dir,
            size,
        ));
        value_handles.insert(node.id, handle);
        if let Some(op) = &node.op {
            let shape = ShapeKind::Circle(op.clone());
            let size = get_shape_size(Orientation::LeftToRight, &shape, OP_FONT_SIZE, true);
            let op_handle = graph.add_node(Element::create(
                shape,
                op_look.clone(),
                Orientation::LeftToRight,
                size,
            ));
            graph.add_edge(Arrow::simple(""), op_handle, handle);
            op_handles.insert(node.id, op_handle);
        }
    }
    for node in nodes {
        for input in &node.inputs {
            graph.add_edge(
                Arrow::simple(""),
                value_handles[input],
                op_handles[&node.id],
            );
        }
    }
    // layout-rs reports some failures by panicking; keep them from unwinding through the caller.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
        let mut svg = SVGWriter::new();
        graph.do_it(false, false, false, &mut svg);
        let mut extent = Point::zero();
        for handle in graph.iter_nodes() {
            let (_, bottom_right) = graph.pos(handle).bbox(false);
            extent = Point::new(extent.x.max(bottom_right.x), extent.y.max(bottom_right.y));
        }
        polish(&svg.finalize(), extent)
    }))
    .map_err(|panic| {
        let why = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown reason".to_string());
        DrawError::Layout(why)
    })
}

fn text_width(cell: &RecordDef) -> f64 {
    match cell {
        RecordDef::Text(text, _) => text.chars().count() as f64 * CHAR_WIDTH,
        RecordDef::Array(cells) => cells.iter().map(text_width).sum(),
    }
}

/// Touches up layout-rs's SVG: a canvas fitted to the drawing (layout-rs grows it by each text's
/// length, leaving a wide blank band), a white background (readable on dark pages), the monospace
/// font, and text centred in its box by an explicit baseline shift rather than
/// `dominant-baseline`, which renderers apply differently to `<tspan>`s.
fn polish(svg: &str, extent: Point) -> String {
    const MARGIN: f64 = 20.0;
    let (width, height) = ((extent.x + MARGIN).ceil(), (extent.y + MARGIN).ceil());
    let mut out = String::with_capacity(svg.len() + 200);
    let mut rest = svg;
    if let Some(start) = svg.find("<svg ") {
        if let Some(len) = svg[start..].find('>') {
            out.push_str(&svg[..start]);
            out.push_str(&format!(
                "<svg width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" \
                 xmlns=\"http://www.w3.org/2000/svg\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>"
            ));
            rest = &svg[start + len + 1..];
        }
    }
    out.push_str(rest);
    // layout-rs lists its font classes in hash-map order: sort them so the same graph always gives
    // the same bytes.
    if let (Some(start), Some(end)) = (out.find("<style>\n"), out.find("</style>")) {
        let start = start + "<style>\n".len();
        if start <= end {
            let mut classes: Vec<&str> = out[start..end].lines().collect();
            classes.sort_unstable();
            let sorted = classes.iter().map(|c| format!("{c}\n")).collect::<String>();
            out.replace_range(start..end, &sorted);
        }
    }
    out.replace("font-family: Times, serif;", FONT)
        .replace("dominant-baseline=\"middle\" ", "")
        .replace("dy=\"1.0em\"", "dy=\"1.35em\"")
}

/// An estimate of the layout's size and work: `(nodes, crossing work)`. The size counts values,
/// operations and waypoints. For the work: layout-rs reorders each column to reduce crossings, comparing
/// pairs of nodes against the next column, so the cost grows as the cube of the columns' widths.
/// Widths count the nodes in a column and the edges passing through it. Columns are longest-path
/// ranks from the inputs, except that inputs and constants sit just before their earliest use, as
/// layout-rs's rank optimizer moves them.
fn layout_cost(nodes: &[DrawNode]) -> (usize, f64) {
    let mut rank: HashMap<usize, usize> = HashMap::with_capacity(nodes.len());
    let mut first_use: HashMap<usize, usize> = HashMap::new();
    let mut op_ranks = Vec::with_capacity(nodes.len());
    // `nodes` is in creation order, so every input comes before its user.
    for node in nodes {
        let value_rank = match node.op {
            None => 0,
            Some(_) => {
                let op_rank = node
                    .inputs
                    .iter()
                    .filter_map(|i| rank.get(i))
                    .map(|r| r + 1)
                    .max()
                    .unwrap_or(1);
                for input in &node.inputs {
                    let first = first_use.entry(*input).or_insert(op_rank);
                    *first = (*first).min(op_rank);
                }
                op_ranks.push((node, op_rank));
                op_rank + 1
            }
        };
        // Sources get their rank once their first use is known.
        if node.op.is_some() {
            rank.insert(node.id, value_rank);
        }
    }
    for node in nodes.iter().filter(|n| n.op.is_none()) {
        rank.insert(
            node.id,
            first_use.get(&node.id).map_or(0, |r| r.saturating_sub(1)),
        );
    }
    let columns = rank.values().max().map_or(1, |r| r + 1);
    let mut width = vec![0f64; columns + 1];
    for node in nodes {
        width[rank[&node.id]] += 1.0;
    }
    for (node, op_rank) in op_ranks {
        width[op_rank] += 1.0;
        for input in &node.inputs {
            for w in width.iter_mut().take(op_rank).skip(rank[input] + 1) {
                *w += 1.0;
            }
        }
    }
    let size = width.iter().sum::<f64>() as usize;
    (size, width.iter().map(|w| w * w * w).sum())
}
