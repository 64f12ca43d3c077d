//! Operations written in Python, micrograd's way: `out = Value(t, (self,), 'tanh')` records a node
//! computed from its children, and `out._backward = fn` gives it a backward rule that calls `fn()`
//! at the node's turn in `backward()`, once `out.grad` is complete, as micrograd does. What `fn`
//! adds into its children's `grad` flows on through the engine's own nodes below.
//!
//! The rule runs on the engine's seam for operations whose backward rule comes from outside: it
//! holds the closure (in a [`Slot`] it shares with the Value), calls it with the GIL, and returns
//! its exception, which `backward()` raises unchanged. The closure usually holds `out` itself: the
//! Value answers for the closure to Python's garbage collector, which frees the pair once nothing
//! else can reach them (see [`PyValue`]).
//!
//! The constructor is here too: it decides whether a new Value is an input or such an operation.

use std::sync::Arc;

use micrograd::{BackwardError, BackwardStep, Op, RuleError};
use pyo3::exceptions::{PyAttributeError, PyRuntimeError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple, PyType};

use crate::convert::number;
use crate::tape::{self, Drawn, Handle, Tape};
use crate::value::{self, as_value, is_value_class, PyValue, Slot};

/// The nodes of `children` if every one is a Value of `tape` (a node computed from them can be
/// recorded), else `None` (the Value is drawn with them but is an input to `backward()`).
pub(crate) fn child_nodes(
    tape: &'static Tape,
    children: &Bound<'_, PyTuple>,
) -> Option<Vec<Handle>> {
    children
        .iter()
        .map(|c| as_value(&c).and_then(|v| v.handle_in(tape).ok()))
        .collect()
}

/// The engine's rule for a node whose backward closure is in `slot`.
fn rule(slot: Arc<Slot>) -> impl Fn(&mut BackwardStep<'_>) -> Result<(), RuleError> + Send + Sync {
    move |_step| {
        Python::with_gil(|py| {
            let callable = slot.callable.borrow().as_ref().map(|c| c.clone_ref(py));
            match callable {
                Some(callable) => callable.call0(py).map(drop).map_err(|e| Box::new(e) as RuleError),
                None if slot.collected.get() => Err(Box::new(PyRuntimeError::new_err(
                    "micrograd_rs: this operation's _backward closure was freed by Python's garbage \
                     collector, since no Value reached it any more; keep the Value the operation \
                     made (or one computed from it) while you backpropagate through it",
                )) as RuleError),
                None => Ok(()),
            }
        })
    }
}

/// `backward()`'s error as Python sees it: a closure's own exception, unchanged, or a
/// `RuntimeError` saying what went wrong.
pub(crate) fn backward_error(error: BackwardError) -> PyErr {
    match error {
        BackwardError::Rule { error, .. } => match error.downcast::<PyErr>() {
            Ok(e) => *e,
            Err(other) => PyRuntimeError::new_err(other.to_string()),
        },
        BackwardError::Reentrant => PyRuntimeError::new_err(
            "backward() was called from inside a _backward closure while the same graph's \
             backward pass was running; a closure may only read values and add to gradients",
        ),
    }
}

/// Sets `value`'s backward closure (`out._backward = fn`).
pub(crate) fn set_backward(
    value: &Bound<'_, PyValue>,
    callable: &Bound<'_, PyAny>,
) -> PyResult<()> {
    let this = value.get();
    let handle = this.handle()?;
    if !callable.is_callable() {
        return Err(PyTypeError::new_err(format!(
            "Value._backward must be a function taking no arguments, not {}",
            callable.get_type().name()?
        )));
    }
    if handle.op() != Op::Custom {
        return Err(PyAttributeError::new_err(format!(
            "this Value's _backward cannot be replaced: {}; give an operation of your own its \
             _backward by making its result with Value(data, (children...), 'name')",
            if handle.is_leaf() {
                "it is an input, made without children"
            } else {
                "it was made by one of the engine's operations, which keeps its own rule"
            }
        )));
    }
    let existing = this.slot.borrow().clone();
    let slot = match existing {
        Some(slot) => slot,
        None => {
            let slot = Arc::new(Slot::default());
            handle.set_backward_rule(rule(slot.clone()));
            *this.slot.borrow_mut() = Some(slot.clone());
            slot
        }
    };
    let old = slot.callable.replace(Some(callable.clone().unbind()));
    slot.collected.set(false);
    // Dropped after the slot is released: the old closure's drop may free Values.
    drop(old);
    Ok(())
}

/// `value._backward`: the closure it was given, or for any other node a function running its own
/// step of backpropagation (the notebook's `o._backward()`).
pub(crate) fn get_backward(value: &Bound<'_, PyValue>) -> PyResult<PyObject> {
    let py = value.py();
    let this = value.get();
    this.handle()?;
    if let Some(slot) = this.slot.borrow().as_ref() {
        if let Some(callable) = slot.callable.borrow().as_ref() {
            return Ok(callable.clone_ref(py));
        }
    }
    Ok(value.getattr(pyo3::intern!(py, "_backward_step"))?.unbind())
}

/// Takes the closure out of `slot` (the garbage collector's `tp_clear`), noting why it is gone.
pub(crate) fn clear_slot(slot: &Slot) -> Option<Py<PyAny>> {
    let callable = slot.callable.try_borrow_mut().ok()?.take();
    if callable.is_some() {
        slot.collected.set(true);
    }
    callable
}

/// The arguments of `Value(...)` beyond micrograd's, refused for `Value` itself and left to a
/// subclass's own `__init__` otherwise.
fn check_extra(
    cls: &Bound<'_, PyType>,
    args: &Bound<'_, PyTuple>,
    kwargs: Option<&Bound<'_, PyDict>>,
) -> PyResult<()> {
    let extra_kwargs = kwargs.is_some_and(|k| !k.is_empty());
    if is_value_class(cls) && (!args.is_empty() || extra_kwargs) {
        return Err(PyTypeError::new_err(
            "Value(data, _children=(), _op='', label=''): too many arguments",
        ));
    }
    Ok(())
}

/// `Value(data, _children, _op, label)` for class `cls` (Value or a subclass): an input, an
/// operation written in Python (children that are all Values), or an input drawn with the children
/// it was given (anything else).
pub(crate) fn construct(
    cls: &Bound<'_, PyType>,
    data: Option<&Bound<'_, PyAny>>,
    _children: Option<&Bound<'_, PyAny>>,
    _op: Option<&Bound<'_, PyAny>>,
    label: Option<&Bound<'_, PyAny>>,
    args: &Bound<'_, PyTuple>,
    kwargs: Option<&Bound<'_, PyDict>>,
) -> PyResult<Py<PyValue>> {
    let py = cls.py();
    check_extra(cls, args, kwargs)?;
    let exact = is_value_class(cls);
    let x = match data.map(number).transpose()?.flatten() {
        Some(x) => x,
        None if !exact => 0.0,
        None => {
            let given = match data {
                Some(d) => d.get_type().name()?.to_string(),
                None => "nothing".to_string(),
            };
            return Err(PyTypeError::new_err(format!(
                "Value(data): data must be a number (int, float or numpy scalar), not {given}"
            )));
        }
    };
    let text = |obj: Option<&Bound<'_, PyAny>>, what: &str| -> PyResult<String> {
        match obj {
            None => Ok(String::new()),
            Some(o) if o.is_none() => Ok(String::new()),
            Some(o) => o
                .extract::<String>()
                .map_err(|_| PyTypeError::new_err(format!("Value({what}=...) must be a string"))),
        }
    };
    let op = text(_op, "_op")?;
    let label = text(label, "label")?;
    // The children are read (their `__iter__` may run any code) before any node is made.
    let children = match _children {
        Some(c) if !c.is_none() => PyTuple::new(py, c.try_iter()?.collect::<PyResult<Vec<_>>>()?)?,
        _ => PyTuple::empty(py),
    };
    let tape = tape::current();
    value::before_new_nodes(tape, py);
    let mut keep = None;
    let handle = if children.is_empty() && op.is_empty() {
        tape.graph.value(x)
    } else if let Some(nodes) = child_nodes(tape, &children) {
        // An operation written in Python: a node computed from the children, whose backward
        // rule is its `_backward`. It holds its children, as micrograd's `_prev` does.
        if !children.is_empty() {
            keep = Some(children.into_any().unbind());
        }
        tape.graph.custom(&op, &nodes, x)
    } else {
        let handle = tape.graph.value(x);
        tape.set_drawn(
            handle.id(),
            Drawn {
                children: children.into_any().unbind(),
                op,
            },
        );
        handle
    };
    if !label.is_empty() {
        handle.set_label(label);
    }
    PyValue::make(py, cls.as_type_ptr(), tape, handle, keep)
}
