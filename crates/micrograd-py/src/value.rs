//! `micrograd_rs.engine.Value`: micrograd's `Value`, each one standing for a node of the thread's
//! tape.
//!
//! Operations build the graph micrograd builds, node for node: a number on either side becomes a
//! constant node (micrograd's `Value(other)`), `-a` is `a * -1`, `a - b` is `a + (-b)`, `a / b` is
//! `a * b**-1`, so `_prev` and `_op` draw the same pictures.

use std::cell::{Cell, OnceCell};
use std::ptr;

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PySet, PyTuple};

use crate::convert::{float_repr, is_integer, number, operand, Operand};
use crate::ops;
use crate::tape::{self, Custom, Handle, Tape};

/// A scalar, its gradient, and how it was made, as micrograd's `Value`.
#[pyclass(name = "Value", module = "micrograd_rs.engine", frozen)]
pub struct PyValue {
    tape: &'static Tape,
    handle: Cell<Handle>,
    /// The `_prev` set, made on first use and then the same set every time, as micrograd's.
    prev: OnceCell<Py<PyAny>>,
}

// SAFETY: the package is built for the stable ABI, which only GIL-holding interpreters load, so
// every access to a Value happens under the GIL, one thread at a time. Each method checks that it
// runs in the thread that owns the Value's tape before touching the graph; the destructor, which
// may run in any thread, touches only the object table, and never while another borrow of it is
// held (no borrow of the table spans a call into Python).
unsafe impl Send for PyValue {}
unsafe impl Sync for PyValue {}

impl Drop for PyValue {
    fn drop(&mut self) {
        self.tape.forget(self.handle.get().id());
    }
}

impl PyValue {
    /// The node this Value stands for, after checking the thread.
    #[inline]
    pub(crate) fn handle(&self) -> PyResult<Handle> {
        self.tape.check_thread()?;
        Ok(self.handle.get())
    }

    /// The node this Value stands for, after checking that it belongs to `tape`, the calling
    /// thread's.
    #[inline]
    pub(crate) fn handle_in(&self, tape: &'static Tape) -> PyResult<Handle> {
        if ptr::eq(self.tape, tape) {
            Ok(self.handle.get())
        } else {
            Err(tape::other_thread())
        }
    }

    /// Sets the gradient to 0, as `Module.zero_grad` does.
    pub(crate) fn zero_grad(&self) -> PyResult<()> {
        self.handle()?.set_grad(0.0);
        Ok(())
    }

    /// Points this Value at its node's new place after the tape was compacted.
    pub(crate) fn move_to(&self, handle: Handle) {
        self.handle.set(handle);
    }

    /// A new Python object standing for `handle`, which has none yet.
    pub(crate) fn wrap(py: Python<'_>, tape: &'static Tape, handle: Handle) -> PyResult<Py<Self>> {
        let object = Py::new(
            py,
            PyValue {
                tape,
                handle: Cell::new(handle),
                prev: OnceCell::new(),
            },
        )?;
        tape.register(handle.id(), object.as_ptr());
        Ok(object)
    }

    /// The Python object standing for `handle`: the live one if there is one, else a new one.
    pub(crate) fn object_for(
        py: Python<'_>,
        tape: &'static Tape,
        handle: Handle,
    ) -> PyResult<Py<Self>> {
        let existing = tape.object(handle.id());
        if existing.is_null() {
            return Self::wrap(py, tape, handle);
        }
        // SAFETY: the table holds only live Values (each clears its entry when freed).
        let object = unsafe { Bound::from_borrowed_ptr(py, existing) };
        Ok(unsafe { object.downcast_into_unchecked::<PyValue>() }.unbind())
    }

    /// A new input holding `data`, as `Value(data)`.
    pub(crate) fn leaf(py: Python<'_>, data: f64) -> PyResult<Py<Self>> {
        let tape = tape::current();
        tape.before_new_nodes(py);
        Self::wrap(py, tape, tape.graph.value(data))
    }

    /// Builds `build(self, other)` as a new Value, or `NotImplemented` if `other` is neither a
    /// Value nor a number.
    fn binary(
        &self,
        other: &Bound<'_, PyAny>,
        build: impl FnOnce(&'static Tape, Handle, Operand) -> Handle,
    ) -> PyResult<PyObject> {
        let py = other.py();
        self.tape.check_thread()?;
        self.tape.before_new_nodes(py);
        let Some(rhs) = operand(self.tape, other)? else {
            return Ok(py.NotImplemented());
        };
        let out = build(self.tape, self.handle.get(), rhs);
        Ok(Self::wrap(py, self.tape, out)?.into_any())
    }

    fn unary(&self, py: Python<'_>, build: impl FnOnce(Handle) -> Handle) -> PyResult<Py<Self>> {
        self.tape.check_thread()?;
        self.tape.before_new_nodes(py);
        let out = build(self.handle.get());
        Self::wrap(py, self.tape, out)
    }
}

/// `x ** -1` with its exponent recorded as the integer micrograd writes.
fn reciprocal(tape: &'static Tape, x: Handle) -> Handle {
    let out = x.powf(-1.0);
    tape.mark_int_exponent(out.id());
    out
}

fn add(x: Handle, rhs: Operand) -> Handle {
    match rhs {
        Operand::Value(y) => x + y,
        Operand::Number(c) => x + c,
    }
}

fn mul(x: Handle, rhs: Operand) -> Handle {
    match rhs {
        Operand::Value(y) => x * y,
        Operand::Number(c) => x * c,
    }
}

#[pymethods]
impl PyValue {
    /// `Value(data, _children=(), _op='', label='')`, as micrograd's (and the notebook's)
    /// constructor. A Value given `_children` or `_op` is drawn with them, but is a leaf to
    /// `backward()`: only operations on Values carry a gradient rule.
    #[new]
    #[pyo3(signature = (data, _children = None, _op = "", label = ""))]
    fn new(
        py: Python<'_>,
        data: &Bound<'_, PyAny>,
        _children: Option<&Bound<'_, PyAny>>,
        _op: &str,
        label: &str,
    ) -> PyResult<Py<Self>> {
        let Some(x) = number(data) else {
            return Err(PyTypeError::new_err(format!(
                "Value(data): data must be a number (int, float or numpy scalar), not {}",
                data.get_type().name()?
            )));
        };
        let children = match _children {
            Some(c) => PyTuple::new(py, c.try_iter()?.collect::<PyResult<Vec<_>>>()?)?,
            None => PyTuple::empty(py),
        };
        let object = Self::leaf(py, x)?;
        let this = object.get();
        let id = this.handle.get().id();
        if !label.is_empty() {
            this.handle.get().set_label(label);
        }
        if !children.is_empty() || !_op.is_empty() {
            this.tape.set_custom(
                id,
                Custom {
                    children: children.into_any().unbind(),
                    op: _op.to_string(),
                },
            );
        }
        Ok(object)
    }

    /// The number this Value holds.
    #[getter]
    fn get_data(&self) -> PyResult<f64> {
        Ok(self.handle()?.data())
    }

    #[setter]
    fn set_data(&self, data: &Bound<'_, PyAny>) -> PyResult<()> {
        let handle = self.handle()?;
        let Some(x) = number(data) else {
            return Err(PyTypeError::new_err(format!(
                "Value.data must be a number, not {}",
                data.get_type().name()?
            )));
        };
        handle.set_data(x);
        Ok(())
    }

    /// d(output)/d(this Value), filled in by `backward()`.
    #[getter]
    fn get_grad(&self) -> PyResult<f64> {
        Ok(self.handle()?.grad())
    }

    #[setter]
    fn set_grad(&self, grad: &Bound<'_, PyAny>) -> PyResult<()> {
        let handle = self.handle()?;
        let Some(x) = number(grad) else {
            return Err(PyTypeError::new_err(format!(
                "Value.grad must be a number, not {}",
                grad.get_type().name()?
            )));
        };
        handle.set_grad(x);
        Ok(())
    }

    /// The name shown in drawings (`''` by default).
    #[getter]
    fn get_label(&self) -> PyResult<String> {
        Ok(self.handle()?.label().unwrap_or_default())
    }

    #[setter]
    fn set_label(&self, label: &str) -> PyResult<()> {
        self.handle()?.set_label(label);
        Ok(())
    }

    /// The operation that made this Value, as micrograd names it: `'+'`, `'*'`, `'**2'`,
    /// `'ReLU'`, `'tanh'`, `'exp'`; `''` for an input.
    #[getter]
    fn _op(&self, py: Python<'_>) -> PyResult<String> {
        let handle = self.handle()?;
        let op = handle.op();
        if ops::is_leaf(op) {
            return Ok(self
                .tape
                .custom(py, handle.id())
                .map(|(_, op)| op)
                .unwrap_or_default());
        }
        if let Some(name) = ops::op_name(op) {
            return Ok(name.to_string());
        }
        let exponent = ops::exponent(handle);
        let written = if self.tape.has_int_exponent(handle.id()) && exponent.fract() == 0.0 {
            format!("{exponent:.0}")
        } else {
            float_repr(py, exponent)?
        };
        Ok(format!("**{written}"))
    }

    /// The Values this one was computed from, as a set: the same set of the same objects each
    /// time.
    #[getter]
    fn _prev(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let handle = self.handle()?;
        if let Some(prev) = self.prev.get() {
            return Ok(prev.clone_ref(py));
        }
        let set = match self.tape.custom(py, handle.id()) {
            Some((children, _)) => PySet::new(py, children.bind(py).downcast::<PyTuple>()?)?,
            None => {
                let children = ops::prev(handle)
                    .into_iter()
                    .map(|c| Self::object_for(py, self.tape, c))
                    .collect::<PyResult<Vec<_>>>()?;
                PySet::new(py, &children)?
            }
        };
        Ok(self
            .prev
            .get_or_init(|| set.into_any().unbind())
            .clone_ref(py))
    }

    /// Backpropagation from this Value: adds d(self)/d(v) into the `grad` of every Value `v` it was
    /// computed from.
    fn backward(&self) -> PyResult<()> {
        self.handle()?.backward();
        Ok(())
    }

    /// This node's own step of backpropagation, as the notebook's `o._backward()`: adds its `grad`
    /// times the local derivative into its children's `grad`.
    fn _backward(&self) -> PyResult<()> {
        self.handle()?.backward_step();
        Ok(())
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let handle = self.handle()?;
        Ok(format!(
            "Value(data={}, grad={})",
            float_repr(py, handle.data())?,
            float_repr(py, handle.grad())?
        ))
    }

    fn __add__(&self, other: &Bound<'_, PyAny>) -> PyResult<PyObject> {
        self.binary(other, |_, x, rhs| add(x, rhs))
    }

    fn __radd__(&self, other: &Bound<'_, PyAny>) -> PyResult<PyObject> {
        self.binary(other, |_, x, rhs| add(x, rhs))
    }

    fn __mul__(&self, other: &Bound<'_, PyAny>) -> PyResult<PyObject> {
        self.binary(other, |_, x, rhs| mul(x, rhs))
    }

    fn __rmul__(&self, other: &Bound<'_, PyAny>) -> PyResult<PyObject> {
        self.binary(other, |_, x, rhs| mul(x, rhs))
    }

    fn __sub__(&self, other: &Bound<'_, PyAny>) -> PyResult<PyObject> {
        self.binary(other, |_, x, rhs| match rhs {
            Operand::Value(y) => x + y * -1.0,
            Operand::Number(c) => x + -c,
        })
    }

    fn __rsub__(&self, other: &Bound<'_, PyAny>) -> PyResult<PyObject> {
        self.binary(other, |_, x, rhs| match rhs {
            Operand::Value(y) => y + x * -1.0,
            Operand::Number(c) => x * -1.0 + c,
        })
    }

    fn __truediv__(&self, other: &Bound<'_, PyAny>) -> PyResult<PyObject> {
        self.binary(other, |tape, x, rhs| match rhs {
            Operand::Value(y) => x * reciprocal(tape, y),
            Operand::Number(c) => x * c.powf(-1.0),
        })
    }

    fn __rtruediv__(&self, other: &Bound<'_, PyAny>) -> PyResult<PyObject> {
        self.binary(other, |tape, x, rhs| match rhs {
            Operand::Value(y) => y * reciprocal(tape, x),
            Operand::Number(c) => reciprocal(tape, x) * c,
        })
    }

    /// `self ** c` for a number `c`, as micrograd; `self ** v` for a Value `v` is also allowed
    /// (micrograd refuses it) and gives a gradient to the exponent too, `_op` `'**'`.
    fn __pow__(&self, other: &Bound<'_, PyAny>, modulo: &Bound<'_, PyAny>) -> PyResult<PyObject> {
        if !modulo.is_none() {
            return Err(PyValueError::new_err(
                "pow(Value, exponent, modulo): a modulo is not supported",
            ));
        }
        let integer = is_integer(other);
        self.binary(other, |tape, x, rhs| match rhs {
            Operand::Value(y) => x.pow(y),
            Operand::Number(c) => {
                let out = x.powf(c);
                if integer {
                    tape.mark_int_exponent(out.id());
                }
                out
            }
        })
    }

    /// `c ** self` for a number `c`: a constant base with a Value exponent (micrograd has no
    /// such operation).
    fn __rpow__(&self, other: &Bound<'_, PyAny>, modulo: &Bound<'_, PyAny>) -> PyResult<PyObject> {
        if !modulo.is_none() {
            return Err(PyValueError::new_err(
                "pow(base, Value, modulo): a modulo is not supported",
            ));
        }
        self.binary(other, |tape, x, rhs| match rhs {
            Operand::Value(y) => y.pow(x),
            Operand::Number(c) => tape.graph.constant(c).pow(x),
        })
    }

    fn __neg__(&self, py: Python<'_>) -> PyResult<Py<Self>> {
        self.unary(py, |x| x * -1.0)
    }

    fn __abs__(&self, py: Python<'_>) -> PyResult<Py<Self>> {
        self.unary(py, |x| x.abs())
    }

    /// `max(self, 0)`, micrograd's `'ReLU'`.
    fn relu(&self, py: Python<'_>) -> PyResult<Py<Self>> {
        self.unary(py, |x| x.relu())
    }

    /// The hyperbolic tangent, computed stably (`tanh(1000)` is 1 with gradient 0).
    fn tanh(&self, py: Python<'_>) -> PyResult<Py<Self>> {
        self.unary(py, |x| x.tanh())
    }

    /// `e ** self`
    fn exp(&self, py: Python<'_>) -> PyResult<Py<Self>> {
        self.unary(py, |x| x.exp())
    }

    /// The natural logarithm.
    fn log(&self, py: Python<'_>) -> PyResult<Py<Self>> {
        self.unary(py, |x| x.log())
    }

    /// `1 / (1 + e ** -self)`, computed without overflow.
    fn sigmoid(&self, py: Python<'_>) -> PyResult<Py<Self>> {
        self.unary(py, |x| x.sigmoid())
    }

    /// The sine (radians).
    fn sin(&self, py: Python<'_>) -> PyResult<Py<Self>> {
        self.unary(py, |x| x.sin())
    }

    /// The cosine (radians).
    fn cos(&self, py: Python<'_>) -> PyResult<Py<Self>> {
        self.unary(py, |x| x.cos())
    }

    /// The square root.
    fn sqrt(&self, py: Python<'_>) -> PyResult<Py<Self>> {
        self.unary(py, |x| x.sqrt())
    }

    /// The absolute value (its gradient at 0 is 0, as PyTorch's).
    #[pyo3(name = "abs")]
    fn abs_(&self, py: Python<'_>) -> PyResult<Py<Self>> {
        self.unary(py, |x| x.abs())
    }

    /// numpy defers to Value's own operators (`np.float64(2) * v` is `v.__rmul__`), rather than
    /// building an object array.
    #[classattr]
    fn __array_ufunc__(py: Python<'_>) -> PyObject {
        py.None()
    }
}
