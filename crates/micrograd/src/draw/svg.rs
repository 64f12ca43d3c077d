//! The graph as SVG, laid out and rendered in-process by the pure-Rust `layout-rs` crate: no system
//! Graphviz needed.

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

use super::nodes::collect;
use crate::value::Value;

/// The most values [`to_svg`] draws. Layout takes time growing faster than the number of nodes, and
/// a picture of thousands of records is unreadable anyway; DOT has no limit.
pub const MAX_SVG_NODES: usize = 2000;

/// Why a graph could not be drawn as SVG.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DrawError {
    /// The graph has more values than [`MAX_SVG_NODES`]; it holds this many.
    TooLarge(usize),
    /// The layout library failed on this graph.
    Layout(String),
}

impl fmt::Display for DrawError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DrawError::TooLarge(n) => write!(
                f,
                "the graph has {n} values, more than the {MAX_SVG_NODES} an SVG picture can show readably; \
                 write DOT instead"
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
/// # Errors
/// [`DrawError::TooLarge`] past [`MAX_SVG_NODES`] values; [`DrawError::Layout`] if the layout library
/// fails.
pub fn to_svg(root: Value<'_>) -> Result<String, DrawError> {
    let nodes = collect(root);
    if nodes.len() > MAX_SVG_NODES {
        return Err(DrawError::TooLarge(nodes.len()));
    }
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
    let mut value_handles = HashMap::new();
    let mut op_handles = HashMap::new();
    for node in &nodes {
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
    for node in &nodes {
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
    out.replace("font-family: Times, serif;", FONT)
        .replace("dominant-baseline=\"middle\" ", "")
        .replace("dy=\"1.0em\"", "dy=\"1.35em\"")
}
