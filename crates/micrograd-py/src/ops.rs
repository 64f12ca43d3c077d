//! `micrograd_rs.engine.Value`'s Python methods: micrograd's constructor, attributes and operators.
//!
//! Operations build the graph micrograd builds, node for node: a number on either side becomes a
//! constant node (micrograd's `Value(other)`), `-a` is `a * -1`, `a - b` is `a + (-b)`, `a / b` is
//! `a * b**-1`, so `_prev` and `_op` draw the same pictures. An operation on an instance of a
//! subclass gives a plain `Value`, as micrograd's operators do.

use pyo3::exceptions::{PyAttributeError, PyTypeError, PyValueError};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PySet, PyTuple, PyType};
use pyo3::{PyTraverseError, PyVisit};

use crate::convert::{float_repr, getattr_opt, is_integer, number, Operand};
use crate::custom;
use crate::tape::{Handle, Tape};
use crate::value::{self, as_value, PyValue};

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

/// A value for a `Value` attribute: a number, or a `TypeError` naming the attribute.
fn attribute_number(what: &str, obj: &Bound<'_, PyAny>) -> PyResult<f64> {
    match number(obj)? {
        Some(x) => Ok(x),
        None => Err(PyTypeError::new_err(format!(
            "Value.{what} must be a number, not {}",
            obj.get_type().name()?
        ))),
    }
}

#[pymethods]
impl PyValue {
    /// `Value(data, _children=(), _op='', label='')`, as micrograd's (and the notebook's)
    /// constructor. A subclass may take arguments of its own: its instance is made here from
    /// those micrograd's constructor takes (data that is not a number is left to its `__init__`).
    #[new]
    #[classmethod]
    #[pyo3(signature = (data = None, _children = None, _op = None, label = None, *args, **kwargs))]
    fn new(
        cls: &Bound<'_, PyType>,
        data: Option<&Bound<'_, PyAny>>,
        _children: Option<&Bound<'_, PyAny>>,
        _op: Option<&Bound<'_, PyAny>>,
        label: Option<&Bound<'_, PyAny>>,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Py<Self>> {
        custom::construct(cls, data, _children, _op, label, args, kwargs)
    }

    /// A subclass's `super().__init__(data, ...)`: the instance was made by `Value.__new__`; a
    /// number given here replaces its data, a label its label.
    #[pyo3(signature = (data = None, _children = None, _op = None, label = None, *_args, **_kwargs))]
    fn __init__(
        &self,
        data: Option<&Bound<'_, PyAny>>,
        _children: Option<&Bound<'_, PyAny>>,
        _op: Option<&Bound<'_, PyAny>>,
        label: Option<&Bound<'_, PyAny>>,
        _args: &Bound<'_, PyTuple>,
        _kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<()> {
        if let Some(x) = data.map(number).transpose()?.flatten() {
            let handle = self.handle()?;
            if handle.data().to_bits() != x.to_bits() {
                handle.set_data(x);
            }
        }
        if let Some(label) = label.filter(|l| !l.is_none()) {
            let label: String = label.extract()?;
            self.handle()?.set_label(label);
        }
        Ok(())
    }

    /// The number this Value holds.
    #[getter]
    fn get_data(&self) -> PyResult<f64> {
        Ok(self.handle()?.data())
    }

    #[setter]
    fn set_data(&self, data: &Bound<'_, PyAny>) -> PyResult<()> {
        // The number first: its `__float__` may run code that moves this Value's node.
        let x = attribute_number("data", data)?;
        self.handle()?.set_data(x);
        Ok(())
    }

    /// d(output)/d(this Value), filled in by `backward()`.
    #[getter]
    fn get_grad(&self) -> PyResult<f64> {
        Ok(self.handle()?.grad())
    }

    #[setter]
    fn set_grad(&self, grad: &Bound<'_, PyAny>) -> PyResult<()> {
        let x = attribute_number("grad", grad)?;
        self.handle()?.set_grad(x);
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
        if op == micrograd::Op::Custom {
            return Ok(handle.op_name());
        }
        if value::is_leaf(op) {
            return Ok(self
                .tape
                .drawn(py, handle.id())
                .map(|(_, op)| op)
                .unwrap_or_default());
        }
        if let Some(name) = value::op_name(op) {
            return Ok(name.to_string());
        }
        let exponent = value::exponent(handle);
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
        if let Some(prev) = self.prev.borrow().as_ref() {
            return Ok(prev.clone_ref(py));
        }
        let set = match self.tape.drawn(py, handle.id()) {
            Some((children, _)) => PySet::new(py, children.bind(py).downcast::<PyTuple>()?)?,
            None => {
                let children = value::prev(handle)
                    .into_iter()
                    .map(|c| Self::object_for(py, self.tape, c))
                    .collect::<PyResult<Vec<_>>>()?;
                // Hashing the children may run a subclass's own `__hash__`.
                PySet::new(py, &children)?
            }
        };
        let set = set.into_any().unbind();
        let mut prev = self.prev.borrow_mut();
        Ok(prev.get_or_insert(set).clone_ref(py))
    }

    /// Backpropagation from this Value: adds d(self)/d(v) into the `grad` of every Value `v` it was
    /// computed from.
    /// An exception raised by an operation's `_backward` closure comes out of here unchanged,
    /// and leaves every `grad` as it was.
    fn backward(&self) -> PyResult<()> {
        self.handle()?
            .try_backward()
            .map_err(custom::backward_error)
    }

    /// This node's own step of backpropagation (what `v._backward` gives for the engine's own
    /// operations): adds its `grad` times the local derivative into its children's `grad`.
    fn _backward_step(&self) -> PyResult<()> {
        self.handle()?
            .try_backward_step()
            .map_err(custom::backward_error)
    }

    /// The function `backward()` calls at this node's turn, as the notebook's `o._backward()`:
    /// the closure an operation written in Python was given, or this node's own step.
    #[getter(_backward)]
    fn get_backward(slf: &Bound<'_, Self>) -> PyResult<PyObject> {
        custom::get_backward(slf)
    }

    /// `out._backward = fn`: `fn()` (no arguments) is called by `backward()` at this node's turn,
    /// once `out.grad` is complete. Only for Values made with `Value(data, children, op)`.
    #[setter(_backward)]
    fn set_backward(slf: &Bound<'_, Self>, callable: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
        match callable {
            Some(callable) => custom::set_backward(slf, callable),
            None => Err(PyAttributeError::new_err(
                "Value._backward cannot be deleted",
            )),
        }
    }

    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        // Borrowed elsewhere only for a moment, never while the collector runs; if ever, the
        // collector sees fewer references and frees nothing it should not.
        if let Ok(prev) = self.prev.try_borrow() {
            if let Some(prev) = prev.as_ref() {
                visit.call(prev)?;
            }
        }
        if let Ok(keep) = self.keep.try_borrow() {
            if let Some(keep) = keep.as_ref() {
                visit.call(keep)?;
            }
        }
        if let Ok(slot) = self.slot.try_borrow() {
            if let Some(callable) = slot.as_ref().and_then(|s| s.callable.try_borrow().ok()) {
                if let Some(callable) = callable.as_ref() {
                    visit.call(callable)?;
                }
            }
        }
        Ok(())
    }

    fn __clear__(&self) {
        let prev = self.prev.try_borrow_mut().ok().and_then(|mut p| p.take());
        let keep = self.keep.try_borrow_mut().ok().and_then(|mut k| k.take());
        let callable = self
            .slot
            .try_borrow()
            .ok()
            .and_then(|s| s.as_ref().and_then(|s| custom::clear_slot(s)));
        drop((prev, keep, callable));
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let handle = self.handle()?;
        Ok(format!(
            "Value(data={}, grad={})",
            float_repr(py, handle.data())?,
            float_repr(py, handle.grad())?
        ))
    }

    /// Pickling and copying: a Value comes back as an input (a leaf) with the same data, grad and
    /// label, and, for a subclass, the same attributes; the graph it was computed from stays
    /// behind.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let py = slf.py();
        let handle = slf.get().handle()?;
        let newobj = py.import("copyreg")?.getattr("__newobj__")?;
        let label = handle.label().unwrap_or_default();
        let args = (slf.get_type(), handle.data(), py.None(), "", label);
        let dict = getattr_opt(slf.as_any(), intern!(py, "__dict__"))?
            .unwrap_or_else(|| py.None().into_bound(py));
        PyTuple::new(
            py,
            [
                newobj,
                args.into_pyobject(py)?.into_any(),
                (handle.grad(), dict).into_pyobject(py)?.into_any(),
            ],
        )
    }

    fn __setstate__(slf: &Bound<'_, Self>, state: (f64, Bound<'_, PyAny>)) -> PyResult<()> {
        let (grad, dict) = state;
        slf.get().handle()?.set_grad(grad);
        if !dict.is_none() {
            slf.getattr(intern!(slf.py(), "__dict__"))?
                .call_method1(intern!(slf.py(), "update"), (dict,))?;
        }
        Ok(())
    }

    fn __add__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<PyObject> {
        Self::binary(slf, other, "__add__", |_, x, rhs| add(x, rhs))
    }

    fn __radd__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<PyObject> {
        Self::binary(slf, other, "__radd__", |_, x, rhs| add(x, rhs))
    }

    fn __mul__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<PyObject> {
        Self::binary(slf, other, "__mul__", |_, x, rhs| mul(x, rhs))
    }

    fn __rmul__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<PyObject> {
        Self::binary(slf, other, "__rmul__", |_, x, rhs| mul(x, rhs))
    }

    fn __sub__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<PyObject> {
        Self::binary(slf, other, "__sub__", |_, x, rhs| match rhs {
            Operand::Value(y) => x + y * -1.0,
            Operand::Number(c) => x + -c,
        })
    }

    fn __rsub__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<PyObject> {
        Self::binary(slf, other, "__rsub__", |_, x, rhs| match rhs {
            Operand::Value(y) => y + x * -1.0,
            Operand::Number(c) => x * -1.0 + c,
        })
    }

    fn __truediv__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<PyObject> {
        Self::binary(slf, other, "__truediv__", |tape, x, rhs| match rhs {
            Operand::Value(y) => x * reciprocal(tape, y),
            Operand::Number(c) => x * c.powf(-1.0),
        })
    }

    fn __rtruediv__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<PyObject> {
        Self::binary(slf, other, "__rtruediv__", |tape, x, rhs| match rhs {
            Operand::Value(y) => y * reciprocal(tape, x),
            Operand::Number(c) => reciprocal(tape, x) * c,
        })
    }

    /// `self ** c` for a number `c`, as micrograd; `self ** v` for a Value `v` is also allowed
    /// (micrograd refuses it) and gives a gradient to the exponent too, `_op` `'**'`.
    fn __pow__(
        slf: &Bound<'_, Self>,
        other: &Bound<'_, PyAny>,
        modulo: &Bound<'_, PyAny>,
    ) -> PyResult<PyObject> {
        if !modulo.is_none() {
            return Err(PyValueError::new_err(
                "pow(Value, exponent, modulo): a modulo is not supported",
            ));
        }
        let integer = as_value(other).is_none() && is_integer(other);
        Self::binary(slf, other, "__rtruediv__", |tape, x, rhs| match rhs {
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
    fn __rpow__(
        slf: &Bound<'_, Self>,
        other: &Bound<'_, PyAny>,
        modulo: &Bound<'_, PyAny>,
    ) -> PyResult<PyObject> {
        if !modulo.is_none() {
            return Err(PyValueError::new_err(
                "pow(base, Value, modulo): a modulo is not supported",
            ));
        }
        Self::binary(slf, other, "__rtruediv__", |tape, x, rhs| match rhs {
            Operand::Value(y) => y.pow(x),
            Operand::Number(c) => tape.graph.constant(c).pow(x),
        })
    }

    fn __neg__(slf: &Bound<'_, Self>) -> PyResult<Py<Self>> {
        Self::unary(slf, |x| x * -1.0)
    }

    fn __abs__(slf: &Bound<'_, Self>) -> PyResult<Py<Self>> {
        Self::unary(slf, |x| x.abs())
    }

    /// `max(self, 0)`, micrograd's `'ReLU'`.
    fn relu(slf: &Bound<'_, Self>) -> PyResult<Py<Self>> {
        Self::unary(slf, |x| x.relu())
    }

    /// The hyperbolic tangent, computed stably (`tanh(1000)` is 1 with gradient 0).
    fn tanh(slf: &Bound<'_, Self>) -> PyResult<Py<Self>> {
        Self::unary(slf, |x| x.tanh())
    }

    /// `e ** self`
    fn exp(slf: &Bound<'_, Self>) -> PyResult<Py<Self>> {
        Self::unary(slf, |x| x.exp())
    }

    /// The natural logarithm.
    fn log(slf: &Bound<'_, Self>) -> PyResult<Py<Self>> {
        Self::unary(slf, |x| x.log())
    }

    /// `1 / (1 + e ** -self)`, computed without overflow.
    fn sigmoid(slf: &Bound<'_, Self>) -> PyResult<Py<Self>> {
        Self::unary(slf, |x| x.sigmoid())
    }

    /// The sine (radians).
    fn sin(slf: &Bound<'_, Self>) -> PyResult<Py<Self>> {
        Self::unary(slf, |x| x.sin())
    }

    /// The cosine (radians).
    fn cos(slf: &Bound<'_, Self>) -> PyResult<Py<Self>> {
        Self::unary(slf, |x| x.cos())
    }

    /// The square root.
    fn sqrt(slf: &Bound<'_, Self>) -> PyResult<Py<Self>> {
        Self::unary(slf, |x| x.sqrt())
    }

    /// The absolute value (its gradient at 0 is 0, as PyTorch's).
    #[pyo3(name = "abs")]
    fn abs_(slf: &Bound<'_, Self>) -> PyResult<Py<Self>> {
        Self::unary(slf, |x| x.abs())
    }

    /// numpy defers to Value's own operators: `np.float64(2) * v` is `v.__rmul__`, as fast as
    /// with a float, and an array with a Value is an object array of Values, made element by
    /// element by the operators (see `value::PyValue::binary`).
    #[classattr]
    fn __array_ufunc__(py: Python<'_>) -> PyObject {
        py.None()
    }
}
