//! Pictures of a computation graph, as the notebook's `draw_dot` draws them: one record per value
//! `{ label | data 2.0000 | grad 6.0000 }`, one node per operation, edges left to right from the
//! inputs to the output.
//!
//! [`to_dot`] gives Graphviz DOT text and needs nothing else; [`to_svg`] (cargo feature `svg`, on by
//! default) lays the graph out in-process with the pure-Rust `layout-rs` crate, so no system Graphviz
//! is needed. Past [`MAX_SVG_LAYOUT`] layout nodes (about 4,000: values, operations and edge
//! waypoints), where that layout would take seconds to minutes, it switches to a plain layered
//! layout (columns by depth from the inputs, rows in tape order, straight edges) that draws graphs
//! of up to [`MAX_SVG_VALUES`] values in linear time.
//!
//! ```
//! use micrograd::{draw, Graph};
//!
//! let g = Graph::new();
//! let a = g.value(2.0).with_label("a");
//! let b = g.value(-3.0).with_label("b");
//! let l = (a * b).with_label("L");
//! l.backward();
//! let dot = draw::to_dot(l);
//! assert!(dot.contains("{ a | data 2.0000 | grad -3.0000 }"));
//! # #[cfg(feature = "svg")]
//! let svg = draw::to_svg(l).unwrap();
//! ```

mod dot;
#[cfg(feature = "svg")]
mod layered;
mod nodes;
#[cfg(feature = "svg")]
mod svg;

pub use dot::to_dot;
#[cfg(feature = "svg")]
pub use svg::{to_svg, DrawError, MAX_SVG_LAYOUT, MAX_SVG_VALUES};
