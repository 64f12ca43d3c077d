//! Pictures of a Value's graph, from the engine's drawing code: SVG laid out in-process (no
//! Graphviz needed) and DOT text. `micrograd_rs.draw_dot` wraps them for notebooks.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::value::PyValue;

/// The graph of everything `root` was computed from, as an SVG document.
#[pyfunction]
pub fn svg(root: &Bound<'_, PyValue>) -> PyResult<String> {
    let root = root.get().handle()?;
    micrograd::draw::to_svg(root).map_err(|e| PyValueError::new_err(e.to_string()))
}

/// The graph of everything `root` was computed from, as Graphviz DOT text.
#[pyfunction]
pub fn dot(root: &Bound<'_, PyValue>) -> PyResult<String> {
    Ok(micrograd::draw::to_dot(root.get().handle()?))
}
