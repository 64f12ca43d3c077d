//! The native half of the Python package `micrograd_rs`: Karpathy's micrograd API (`Value`,
//! `Module`, `Neuron`, `Layer`, `MLP`) over the `micrograd` engine.
//!
//! The Python modules in `python/micrograd_rs/` re-export these classes under micrograd's module
//! names (`micrograd_rs.engine`, `micrograd_rs.nn`) and add `draw_dot` and the benchmark.
//!
//! The files import one way: `tape` (the graph and its records) ← `convert` (numbers) ← `value`
//! (the Value object) ← `custom` (operations written in Python) ← `ops` (Value's Python methods);
//! `nn` and `draw` sit above them.

mod convert;
mod custom;
mod draw;
mod nn;
mod ops;
mod tape;
mod value;

use pyo3::prelude::*;

/// The number of nodes on the calling thread's tape (what the memory model keeps bounded).
#[pyfunction]
fn tape_len() -> usize {
    tape::current().graph.len()
}

/// The calling thread's tape: its length, the nodes with a live Python object, and the length at
/// which it is next compacted.
#[pyfunction]
fn tape_stats() -> (usize, usize, usize) {
    let tape = tape::current();
    (
        tape.graph.len(),
        tape.live_objects(),
        tape.next_compaction(),
    )
}

/// Frees every node of the calling thread's tape that no live Value needs (what happens on its own
/// whenever the tape has doubled); `micrograd_rs.scope()` calls it on leaving its block.
#[pyfunction]
fn compact(py: Python<'_>) {
    value::compact(tape::current(), py);
}

/// The native module, `micrograd_rs._micrograd_rs`.
#[pymodule]
fn _micrograd_rs(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<value::PyValue>()?;
    value::init_value_type(m.py());
    m.add_class::<nn::Module>()?;
    m.add_class::<nn::Neuron>()?;
    m.add_class::<nn::Layer>()?;
    m.add_class::<nn::Mlp>()?;
    m.add_function(wrap_pyfunction!(draw::svg, m)?)?;
    m.add_function(wrap_pyfunction!(draw::dot, m)?)?;
    m.add_function(wrap_pyfunction!(tape_len, m)?)?;
    m.add_function(wrap_pyfunction!(tape_stats, m)?)?;
    m.add_function(wrap_pyfunction!(compact, m)?)?;
    Ok(())
}
