//! Python objects as the engine's operands: recognising a `Value`, reading a number (an int, a
//! float, a numpy scalar), and turning lists of either into nodes.

use std::ptr;
use std::sync::atomic::{AtomicPtr, Ordering};

use pyo3::exceptions::PyTypeError;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyFloat, PyInt, PyList, PyString};
use pyo3::Borrowed;

use crate::tape::{Handle, Tape};
use crate::value::PyValue;

/// The right-hand side of an operation.
#[derive(Clone, Copy)]
pub(crate) enum Operand {
    Value(Handle),
    Number(f64),
}

/// `obj` as a number, if it is one: an int, a float, a numpy scalar, or anything else with
/// `__float__` or `__index__` (not a string).
pub(crate) fn number(obj: &Bound<'_, PyAny>) -> Option<f64> {
    if let Ok(f) = obj.downcast::<PyFloat>() {
        return Some(f.value());
    }
    if obj.is_instance_of::<PyString>() {
        return None;
    }
    obj.extract::<f64>().ok()
}

/// Whether `obj` is an integer (a Python int or anything with `__index__`, as numpy's integers).
pub(crate) fn is_integer(obj: &Bound<'_, PyAny>) -> bool {
    obj.is_instance_of::<PyInt>()
        || (!obj.is_instance_of::<PyFloat>()
            && obj
                .hasattr(pyo3::intern!(obj.py(), "__index__"))
                .unwrap_or(false))
}

/// The type object of `Value`, recorded when the module is loaded: a Value is recognised by one
/// pointer comparison (the class cannot be subclassed).
static VALUE_TYPE: AtomicPtr<ffi::PyTypeObject> = AtomicPtr::new(ptr::null_mut());

/// Records `Value`'s type object (at module load).
pub(crate) fn init_value_type(py: Python<'_>) {
    VALUE_TYPE.store(py.get_type::<PyValue>().as_type_ptr(), Ordering::Relaxed);
}

/// `obj` as a Value, if it is one.
#[inline]
pub(crate) fn as_value<'a>(obj: &'a Bound<'_, PyAny>) -> Option<&'a PyValue> {
    // SAFETY: `obj` is a live object; its type is `Value` exactly, so it holds a `PyValue`.
    unsafe {
        (ffi::Py_TYPE(obj.as_ptr()) == VALUE_TYPE.load(Ordering::Relaxed))
            .then(|| obj.downcast_unchecked::<PyValue>().get())
    }
}

/// `obj` as an operand on `tape`: a Value, a number, or `None` for anything else.
pub(crate) fn operand(tape: &'static Tape, obj: &Bound<'_, PyAny>) -> PyResult<Option<Operand>> {
    if let Some(v) = as_value(obj) {
        return Ok(Some(Operand::Value(v.handle_in(tape)?)));
    }
    Ok(number(obj).map(Operand::Number))
}

/// The node `obj` stands for on `tape`: a Value's own node, or a new constant for a number
/// (micrograd wraps numbers in `Value` wherever they meet one).
#[inline]
pub(crate) fn handle_of(tape: &'static Tape, obj: &Bound<'_, PyAny>) -> PyResult<Handle> {
    if let Some(v) = as_value(obj) {
        return v.handle_in(tape);
    }
    match number(obj) {
        Some(x) => Ok(tape.graph.constant(x)),
        None => Err(PyTypeError::new_err(format!(
            "expected a Value or a number, not {}",
            obj.get_type().name()?
        ))),
    }
}

/// Appends the nodes of a list (or any iterable) of Values and numbers to `out`.
pub(crate) fn extend_handles(
    tape: &'static Tape,
    seq: &Bound<'_, PyAny>,
    out: &mut Vec<Handle>,
) -> PyResult<()> {
    if let Ok(list) = seq.downcast::<PyList>() {
        let py = seq.py();
        let len = list.len();
        out.reserve(len);
        for i in 0..len {
            // SAFETY: `i` is within the list, which nothing changes while Values are read (no
            // Python code runs); the borrowed item is used before anything else can run.
            let item = unsafe { ffi::PyList_GetItem(list.as_ptr(), i as ffi::Py_ssize_t) };
            if item.is_null() {
                return Err(PyErr::fetch(py));
            }
            // SAFETY: a borrowed reference to a live item of the list.
            let item = unsafe { Borrowed::from_ptr(py, item) };
            out.push(handle_of(tape, &item)?);
        }
        return Ok(());
    }
    for item in seq.try_iter()? {
        out.push(handle_of(tape, &item?)?);
    }
    Ok(())
}

/// The nodes of a list (or any iterable) of Values and numbers.
pub(crate) fn handles(tape: &'static Tape, seq: &Bound<'_, PyAny>) -> PyResult<Vec<Handle>> {
    let mut out = Vec::new();
    extend_handles(tape, seq, &mut out)?;
    Ok(out)
}

/// Python's `repr` of a float (`1e-05`, `2.0`), which Rust's formatting does not match everywhere.
pub(crate) fn float_repr(py: Python<'_>, x: f64) -> PyResult<String> {
    Ok(PyFloat::new(py, x).repr()?.to_string())
}
