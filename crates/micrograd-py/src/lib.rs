//! The native half of the Python package `micrograd_rs`: Karpathy's micrograd API (`Value`,
//! `Module`, `Neuron`, `Layer`, `MLP`) over the `micrograd` engine.
//!
//! The Python modules in `python/micrograd_rs/` re-export these classes under micrograd's module
//! names (`micrograd_rs.engine`, `micrograd_rs.nn`) and add `draw_dot` and the benchmark.

mod convert;
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

/// The native module, `micrograd_rs._micrograd_rs`.
#[pymodule]
fn _micrograd_rs(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<value::PyValue>()?;
    convert::init_value_type(m.py());
    m.add_class::<nn::Module>()?;
    m.add_class::<nn::Neuron>()?;
    m.add_class::<nn::Layer>()?;
    m.add_class::<nn::Mlp>()?;
    m.add_function(wrap_pyfunction!(draw::svg, m)?)?;
    m.add_function(wrap_pyfunction!(draw::dot, m)?)?;
    m.add_function(wrap_pyfunction!(tape_len, m)?)?;
    Ok(())
}
