//! Python numbers as the engine's numbers: reading a number (an int, a float, a numpy scalar),
//! telling integers apart, printing floats as Python does, and checking sizes before anything is
//! allocated for them.

use pyo3::exceptions::{PyMemoryError, PyValueError};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyFloat, PyInt, PyString};

use crate::tape::Handle;

/// The right-hand side of an operation.
#[derive(Clone, Copy)]
pub(crate) enum Operand {
    Value(Handle),
    Number(f64),
}

/// `obj` as a number, if it is one: an int, a float, a numpy scalar, or anything else with
/// `__float__` or `__index__` (not a string, and not a numpy array of one or more dimensions, which
/// numpy itself combines with Values element by element, as it does with micrograd's).
///
/// Anything but a float or an int may run Python code here (its `__float__`), which may build or
/// free nodes: read engine handles only after this returns.
pub(crate) fn number(obj: &Bound<'_, PyAny>) -> PyResult<Option<f64>> {
    if let Ok(f) = obj.downcast::<PyFloat>() {
        return Ok(Some(f.value()));
    }
    if obj.is_instance_of::<PyInt>() {
        // An int too large for a float is an error, as `float(10**400)` is.
        return obj.extract::<f64>().map(Some);
    }
    if obj.is_instance_of::<PyString>() || is_array(obj) {
        return Ok(None);
    }
    match obj.extract::<f64>() {
        Ok(x) => Ok(Some(x)),
        // Only a failure to convert means "not a number"; an exception raised by a `__float__` of
        // the user's own comes out as it is.
        Err(e) if e.is_instance_of::<pyo3::exceptions::PyTypeError>(obj.py()) => {
            if has_conversion(obj) {
                Err(e)
            } else {
                Ok(None)
            }
        }
        Err(e) => Err(e),
    }
}

/// Whether `obj` defines a conversion to float of its own (so its `TypeError` is its own).
fn has_conversion(obj: &Bound<'_, PyAny>) -> bool {
    let py = obj.py();
    let ty = obj.get_type();
    ty.hasattr(intern!(py, "__float__")).unwrap_or(false)
        || ty.hasattr(intern!(py, "__index__")).unwrap_or(false)
}

/// Whether `obj` is an array of one or more dimensions (numpy's, or anything with `ndim`).
pub(crate) fn is_array(obj: &Bound<'_, PyAny>) -> bool {
    let py = obj.py();
    match getattr_opt(obj, intern!(py, "ndim")) {
        Ok(Some(ndim)) => ndim.extract::<i64>().map_or(true, |n| n != 0),
        _ => false,
    }
}

/// Whether `obj` is an integer (a Python int or anything with `__index__`, as numpy's integers).
pub(crate) fn is_integer(obj: &Bound<'_, PyAny>) -> bool {
    obj.is_instance_of::<PyInt>()
        || (!obj.is_instance_of::<PyFloat>()
            && obj
                .get_type()
                .hasattr(intern!(obj.py(), "__index__"))
                .unwrap_or(false))
}

/// Python's `repr` of a float (`1e-05`, `2.0`), which Rust's formatting does not match everywhere.
pub(crate) fn float_repr(py: Python<'_>, x: f64) -> PyResult<String> {
    Ok(PyFloat::new(py, x).repr()?.to_string())
}

/// The most nodes a graph holds: the engine numbers its nodes with 32 bits.
pub(crate) const MAX_NODES: u64 = u32::MAX as u64;

/// Checks that `count` new parameters (nodes, each with a Python object) can be made, before
/// anything is allocated: too many for a graph is a `ValueError`, too many for memory a
/// `MemoryError`. `what` names the call, for the message.
pub(crate) fn check_parameter_count(what: &str, count: u128) -> PyResult<()> {
    if count > u128::from(MAX_NODES) {
        return Err(PyValueError::new_err(format!(
            "{what}: {count} parameters is more than a graph can hold (at most {MAX_NODES} nodes)"
        )));
    }
    // A parameter costs a node (about 28 bytes), its Python Value (about 100) and a list slot.
    let bytes = count.saturating_mul(160);
    if bytes < 1 << 30 {
        return Ok(());
    }
    let mut probe: Vec<u8> = Vec::new();
    if usize::try_from(bytes)
        .ok()
        .and_then(|b| probe.try_reserve_exact(b).ok())
        .is_none()
    {
        return Err(PyMemoryError::new_err(format!(
            "{what}: {count} parameters need about {} GB, more than this machine can give",
            bytes / 1_000_000_000
        )));
    }
    Ok(())
}

/// `obj.name`, or `None` if it has no such attribute (other errors are raised).
pub(crate) fn getattr_opt<'py>(
    obj: &Bound<'py, PyAny>,
    name: &Bound<'py, PyString>,
) -> PyResult<Option<Bound<'py, PyAny>>> {
    match obj.getattr(name) {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.is_instance_of::<pyo3::exceptions::PyAttributeError>(obj.py()) => Ok(None),
        Err(e) => Err(e),
    }
}
