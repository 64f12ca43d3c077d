//! The `Value` object itself: a Python object standing for one node of its thread's tape, how one is
//! made, recognised and moved, and how Python objects become the engine's operands. Its Python
//! methods are in `ops.rs`.

use std::cell::{Cell, RefCell};
use std::ptr::{self, NonNull};
use std::sync::atomic::{AtomicPtr, Ordering};
use std::sync::Arc;

use micrograd::Op;
use pyo3::exceptions::PyTypeError;
use pyo3::ffi;
use pyo3::impl_::pyclass_init::PyObjectInit;
use pyo3::prelude::*;
use pyo3::pyclass_init::PyClassInitializer;
use pyo3::types::{PyList, PyTuple, PyType};
use pyo3::Borrowed;

use crate::convert::{is_array, number, Operand};
use crate::tape::{self, Handle, Pin, Tape};

/// A scalar, its gradient, and how it was made, as micrograd's `Value`.
///
/// Values take part in Python's garbage collection for one reason: an operation written in Python
/// (`out._backward = fn`, see `custom.rs`) makes a cycle, `out` → its closure → `out`, through the
/// engine's rule, which only the collector can free. So that it never frees a closure some later
/// node still needs, a Value computed from such an operation holds its operands (`keep`), as
/// micrograd's `_prev` does. Values of the engine's own nodes are left out of the collector's
/// lists (see [`PyValue::make`]), so graphs without such operations cost the collector nothing.
#[pyclass(name = "Value", module = "micrograd_rs.engine", frozen, subclass)]
pub struct PyValue {
    pub(crate) tape: &'static Tape,
    pub(crate) handle: Cell<Handle>,
    /// The `_prev` set, made on first use and then the same set every time, as micrograd's.
    pub(crate) prev: RefCell<Option<Py<PyAny>>>,
    /// The operands this Value holds because they are, or were computed from, operations written
    /// in Python (a tuple), or nothing.
    pub(crate) keep: RefCell<Option<Py<PyAny>>>,
    /// The backward closure this Value was given (`out._backward = fn`), shared with the engine's
    /// rule; this Value answers for it to the garbage collector.
    pub(crate) slot: RefCell<Option<Arc<Slot>>>,
    /// Whether this Value is, or was computed from, an operation written in Python: known when it
    /// is made, so that asking reads no graph (the Value may belong to another thread).
    carries: bool,
}

/// A Python backward closure, shared by the engine's rule (which calls it) and the Value it was
/// given to (which the garbage collector asks about it).
#[derive(Default)]
pub(crate) struct Slot {
    pub(crate) callable: RefCell<Option<Py<PyAny>>>,
    /// Set when the garbage collector took the closure from an unreachable Value.
    pub(crate) collected: Cell<bool>,
}

// SAFETY: a slot is read and written only with the GIL held (by the rule, which takes it, and by
// the Value's methods and its garbage-collection hooks), one thread at a time; the one exception is
// the drop of the last reference to it (at a thread's end, without the GIL), when no one else can
// reach it, and which leaves the closure to PyO3 to release once a thread holds the GIL.
unsafe impl Send for Slot {}
unsafe impl Sync for Slot {}

// SAFETY: the package is built for the stable ABI, which only GIL-holding interpreters load, so
// every access to a Value happens under the GIL, one thread at a time. Each method checks that it
// runs in the thread that owns the Value's tape before touching the graph; the destructor and the
// garbage collector's hooks, which may run in any thread (with the GIL), touch only the Value's own
// fields, the object table and the tape's count of references, never the graph, and never while
// another borrow of the table is held (no borrow of the table spans a call into Python).
unsafe impl Send for PyValue {}
unsafe impl Sync for PyValue {}

impl Drop for PyValue {
    fn drop(&mut self) {
        self.tape.forget(self.handle.get().id());
        // SAFETY: this Value's reference to its tape, taken in `make`, given up once.
        unsafe { tape::release(NonNull::from(self.tape)) };
    }
}

/// The type object of `Value`, recorded when the module is loaded: a Value is recognised by one
/// pointer comparison (a subclass's instance by a second look).
static VALUE_TYPE: AtomicPtr<ffi::PyTypeObject> = AtomicPtr::new(ptr::null_mut());

/// Records `Value`'s type object (at module load).
pub(crate) fn init_value_type(py: Python<'_>) {
    VALUE_TYPE.store(py.get_type::<PyValue>().as_type_ptr(), Ordering::Relaxed);
}

/// `obj` as a Value (or an instance of a subclass of Value), if it is one.
#[inline]
pub(crate) fn as_value<'a>(obj: &'a Bound<'_, PyAny>) -> Option<&'a PyValue> {
    // SAFETY: `obj` is a live object, so its type can be read.
    let ty = unsafe { ffi::Py_TYPE(obj.as_ptr()) };
    if ty == VALUE_TYPE.load(Ordering::Relaxed) {
        // SAFETY: its type is `Value` exactly, so it holds a `PyValue`.
        return Some(unsafe { obj.downcast_unchecked::<PyValue>() }.get());
    }
    // The numbers beside Values are mostly floats and ints: no need to ask about subclasses.
    if ty == ptr::addr_of_mut!(ffi::PyFloat_Type) || ty == ptr::addr_of_mut!(ffi::PyLong_Type) {
        return None;
    }
    obj.downcast::<PyValue>().ok().map(|v| v.get())
}

/// `obj` as an operand on `tape`: a Value (and whether it carries an operation written in
/// Python), a number, or `None` for anything else. A number's `__float__` may run Python code:
/// read other handles after this.
pub(crate) fn operand(
    tape: &'static Tape,
    obj: &Bound<'_, PyAny>,
) -> PyResult<Option<(Operand, bool)>> {
    if let Some(v) = as_value(obj) {
        return Ok(Some((Operand::Value(v.handle_in(tape)?), v.carries)));
    }
    Ok(number(obj)?.map(|x| (Operand::Number(x), false)))
}

/// The node `obj` stands for on `tape`: a Value's own node, or a new constant for a number
/// (micrograd wraps numbers in `Value` wherever they meet one). Hold a [`Pin`] while keeping
/// handles across calls: a number's `__float__` may build nodes.
#[inline]
pub(crate) fn handle_of(tape: &'static Tape, obj: &Bound<'_, PyAny>) -> PyResult<Handle> {
    if let Some(v) = as_value(obj) {
        return v.handle_in(tape);
    }
    match number(obj)? {
        Some(x) => Ok(tape.graph.constant(x)),
        None => Err(PyTypeError::new_err(format!(
            "expected a Value or a number, not {}",
            obj.get_type().name()?
        ))),
    }
}

/// Appends the nodes of a list (or any iterable) of Values and numbers to `out`. Call it under a
/// [`Pin`]: the items' own Python code runs in between.
pub(crate) fn extend_handles(
    tape: &'static Tape,
    seq: &Bound<'_, PyAny>,
    out: &mut Vec<Handle>,
) -> PyResult<()> {
    if let Ok(list) = seq.downcast::<PyList>() {
        let py = seq.py();
        let mut len = list.len();
        let mut i = 0;
        while i < len {
            // SAFETY: `i` is below the list's length, read after the last time Python code ran.
            let item = unsafe { ffi::PyList_GetItem(list.as_ptr(), i as ffi::Py_ssize_t) };
            if item.is_null() {
                return Err(PyErr::fetch(py));
            }
            // SAFETY: a borrowed reference to a live item of the list, used only until Python
            // code next runs (a Value is read without running any).
            let item = unsafe { Borrowed::from_ptr(py, item) };
            if let Some(v) = as_value(&item) {
                out.push(v.handle_in(tape)?);
            } else {
                // A number's `__float__` may change the list: hold the item, and read the
                // length again afterwards.
                let item = item.to_owned();
                out.push(handle_of(tape, &item)?);
                len = list.len();
            }
            i += 1;
        }
        return Ok(());
    }
    for item in seq.try_iter()? {
        out.push(handle_of(tape, &item?)?);
    }
    Ok(())
}

/// The nodes of a list (or any iterable) of Values and numbers (under a [`Pin`]).
pub(crate) fn handles(tape: &'static Tape, seq: &Bound<'_, PyAny>) -> PyResult<Vec<Handle>> {
    let mut out = Vec::new();
    extend_handles(tape, seq, &mut out)?;
    Ok(out)
}

/// Points the Value `object` at its node's new place (the tape's compaction calls this).
fn relocate(py: Python<'_>, object: *mut ffi::PyObject, handle: Handle) {
    // SAFETY: the table holds only live Values (each clears its entry when freed).
    let object = unsafe { Borrowed::from_ptr(py, object) };
    // SAFETY: only Values (and instances of subclasses) are registered in the table.
    let value = unsafe { object.downcast_unchecked::<PyValue>() };
    value.get().handle.set(handle);
}

/// Frees every node of `tape` no live Value needs.
pub(crate) fn compact(tape: &'static Tape, py: Python<'_>) {
    tape.compact(py, relocate);
}

/// Called before any operation adds nodes on the Python side's behalf: compacts the tape when it
/// has doubled since the last pass. The engine handles read from Python objects are valid from
/// here until Python code runs.
#[inline]
pub(crate) fn before_new_nodes(tape: &'static Tape, py: Python<'_>) {
    if tape.due() {
        compact(tape, py);
    }
}

/// The start of a native `Neuron`, `Layer` or `MLP` call: compacts the tape if it is due (the
/// call's own handles are read after this), then pins it for the call's length.
pub(crate) fn begin_native_call(tape: &'static Tape, py: Python<'_>) -> Pin {
    before_new_nodes(tape, py);
    tape.pin()
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

    /// A new Python object of class `cls` (Value or a subclass) standing for `handle`, which has
    /// none yet, holding `keep` (see [`PyValue::keep`]).
    pub(crate) fn make(
        py: Python<'_>,
        cls: *mut ffi::PyTypeObject,
        tape: &'static Tape,
        handle: Handle,
        keep: Option<Py<PyAny>>,
    ) -> PyResult<Py<Self>> {
        let custom = handle.op() == micrograd::Op::Custom;
        let carries = keep.is_some() || custom;
        let plain = !custom && cls == VALUE_TYPE.load(Ordering::Relaxed);
        let value = PyValue {
            tape,
            handle: Cell::new(handle),
            prev: RefCell::new(None),
            keep: RefCell::new(keep),
            slot: RefCell::new(None),
            carries,
        };
        tape.acquire();
        // SAFETY: `cls` is `Value` or a subclass of it (checked by the caller, or Python's own
        // `__new__` machinery); the new object is owned here.
        let object = unsafe {
            let raw = PyClassInitializer::from(value).into_new_object(py, cls)?;
            Bound::from_owned_ptr(py, raw).downcast_into_unchecked::<PyValue>()
        };
        if plain {
            // A Value of one of the engine's nodes holds no closure, only what it was computed
            // from (`keep`, `_prev`), which leads back to it only if a closure upstream holds a
            // Value computed after its own (micrograd's closures hold their own Value and its
            // inputs): the collector need not scan it, and what it holds counts as held from
            // outside, so nothing it keeps is freed. Only Values of Python-written operations and
            // of subclasses (whose attributes may make any cycle) stay in the collector's lists.
            // SAFETY: a live object of a collected type, tracked since its allocation.
            unsafe { ffi::PyObject_GC_UnTrack(object.as_ptr().cast()) };
        }
        tape.register(handle.id(), object.as_ptr());
        Ok(object.unbind())
    }

    /// A new `Value` standing for `handle`, which has none yet.
    #[inline]
    pub(crate) fn wrap(py: Python<'_>, tape: &'static Tape, handle: Handle) -> PyResult<Py<Self>> {
        Self::make(py, VALUE_TYPE.load(Ordering::Relaxed), tape, handle, None)
    }

    /// Whether this Value is, or was computed from, an operation written in Python.
    #[inline]
    pub(crate) fn carries(&self) -> bool {
        self.carries
    }

    /// The Python object standing for `handle`: the live one if there is one, else a new one.
    /// A new object holds those of its node's inputs' live objects that carry an operation
    /// written in Python (see [`PyValue::keep`]).
    pub(crate) fn object_for(
        py: Python<'_>,
        tape: &'static Tape,
        handle: Handle,
    ) -> PyResult<Py<Self>> {
        if !tape.object(handle.id()).is_null() || handle.is_leaf() {
            return Self::object_keeping(py, tape, handle, None);
        }
        let inputs: Vec<Bound<'_, PyAny>> = handle
            .children()
            .into_iter()
            .filter_map(|c| {
                let object = tape.object(c.id());
                // SAFETY: the table holds only live Values (each clears its entry when freed).
                (!object.is_null()).then(|| unsafe { Bound::from_borrowed_ptr(py, object) })
            })
            .collect();
        let refs: Vec<&Bound<'_, PyAny>> = inputs.iter().collect();
        let keep = keep_of(py, &refs)?;
        Self::object_keeping(py, tape, handle, keep.as_ref())
    }

    /// [`PyValue::object_for`], a new object holding `keep` (see [`PyValue::keep`]).
    pub(crate) fn object_keeping(
        py: Python<'_>,
        tape: &'static Tape,
        handle: Handle,
        keep: Option<&Py<PyAny>>,
    ) -> PyResult<Py<Self>> {
        let existing = tape.object(handle.id());
        if existing.is_null() {
            let keep = keep.map(|k| k.clone_ref(py));
            return Self::make(py, VALUE_TYPE.load(Ordering::Relaxed), tape, handle, keep);
        }
        // SAFETY: the table holds only live Values (each clears its entry when freed).
        let object = unsafe { Bound::from_borrowed_ptr(py, existing) };
        Ok(unsafe { object.downcast_into_unchecked::<PyValue>() }.unbind())
    }

    /// A new input holding `data`, as `Value(data)`.
    pub(crate) fn leaf(py: Python<'_>, data: f64) -> PyResult<Py<Self>> {
        let tape = tape::current();
        before_new_nodes(tape, py);
        Self::wrap(py, tape, tape.graph.value(data))
    }

    /// Builds `build(self, other)` as a new Value, or `NotImplemented` if `other` is neither a
    /// Value nor a number.
    /// `method` is the operator's name (`"__mul__"`): with a numpy array on the other side, it is
    /// applied element by element, giving an object array of Values, as numpy does for micrograd.
    pub(crate) fn binary(
        slf: &Bound<'_, Self>,
        other: &Bound<'_, PyAny>,
        method: &'static str,
        build: impl FnOnce(&'static Tape, Handle, Operand) -> Handle,
    ) -> PyResult<PyObject> {
        let py = other.py();
        let this = slf.get();
        this.tape.check_thread()?;
        before_new_nodes(this.tape, py);
        let Some((rhs, other_carries)) = operand(this.tape, other)? else {
            if is_array(other) {
                let elementwise = py.import("micrograd_rs._arrays")?.getattr("elementwise")?;
                return Ok(elementwise.call1((slf, method, other))?.unbind());
            }
            return Ok(py.NotImplemented());
        };
        // Read after the operand: a number's `__float__` may have compacted the tape.
        let out = build(this.tape, this.handle.get(), rhs);
        let keep = if this.carries || other_carries {
            keep_of(py, &[slf.as_any(), other])?
        } else {
            None
        };
        let object = Self::make(py, VALUE_TYPE.load(Ordering::Relaxed), this.tape, out, keep)?;
        Ok(object.into_any())
    }

    /// Builds `build(self)` as a new Value.
    pub(crate) fn unary(
        slf: &Bound<'_, Self>,
        build: impl FnOnce(Handle) -> Handle,
    ) -> PyResult<Py<Self>> {
        let py = slf.py();
        let this = slf.get();
        this.tape.check_thread()?;
        before_new_nodes(this.tape, py);
        let out = build(this.handle.get());
        let keep = if this.carries {
            Some(PyTuple::new(py, [slf])?.into_any().unbind())
        } else {
            None
        };
        Self::make(py, VALUE_TYPE.load(Ordering::Relaxed), this.tape, out, keep)
    }
}

/// `seq` as a list or a tuple: itself if it is one, else its items gathered in a new list (so that
/// an iterator is read once, and what it gave can be held).
pub(crate) fn sequence<'py>(seq: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    if seq.downcast::<PyList>().is_ok() || seq.downcast::<PyTuple>().is_ok() {
        return Ok(seq.clone());
    }
    let items = seq.try_iter()?.collect::<PyResult<Vec<_>>>()?;
    Ok(PyList::new(seq.py(), items)?.into_any())
}

/// The Values among the items of `seq` (a list or a tuple, see [`sequence`]) that carry an
/// operation written in Python, as a tuple, or `None`.
pub(crate) fn carried(seq: &Bound<'_, PyAny>) -> PyResult<Option<Py<PyAny>>> {
    let items: Vec<Bound<'_, PyAny>> = if let Ok(list) = seq.downcast::<PyList>() {
        list.iter().collect()
    } else if let Ok(tuple) = seq.downcast::<PyTuple>() {
        tuple.iter().collect()
    } else {
        return Ok(None);
    };
    let refs: Vec<&Bound<'_, PyAny>> = items.iter().collect();
    keep_of(seq.py(), &refs)
}

/// The tuple of those `operands` that are Values carrying an operation written in Python, or
/// `None` (the common case, checked without allocating).
#[inline]
pub(crate) fn keep_of(
    py: Python<'_>,
    operands: &[&Bound<'_, PyAny>],
) -> PyResult<Option<Py<PyAny>>> {
    let carries = |o: &Bound<'_, PyAny>| as_value(o).is_some_and(PyValue::carries);
    if !operands.iter().any(|o| carries(o)) {
        return Ok(None);
    }
    let kept: Vec<_> = operands
        .iter()
        .filter(|o| carries(o))
        .map(|o| (*o).clone())
        .collect();
    Ok(Some(PyTuple::new(py, kept)?.into_any().unbind()))
}

/// Whether `cls` is exactly `Value`.
pub(crate) fn is_value_class(cls: &Bound<'_, PyType>) -> bool {
    cls.as_type_ptr() == VALUE_TYPE.load(Ordering::Relaxed)
}

/// micrograd's name for the operation that made a node, or `None` for `x ** c` (whose name holds
/// the exponent) and for leaves and constants (named `''`).
pub(crate) fn op_name(op: Op) -> Option<&'static str> {
    match op {
        Op::Leaf | Op::Const | Op::Powf => None,
        // The engine's table of names: micrograd's where it has the operation, ours elsewhere.
        op => Some(op.micrograd_name()),
    }
}

/// Whether the node is a leaf: an input or a constant.
pub(crate) fn is_leaf(op: Op) -> bool {
    matches!(op, Op::Leaf | Op::Const)
}

/// The nodes micrograd's `_prev` holds for `v`: its inputs, except that `x ** c` shows only `x`
/// (the exponent is part of its `_op`, `**2`).
pub(crate) fn prev(v: Handle) -> Vec<Handle> {
    let mut children = v.children();
    if v.op() == Op::Powf {
        children.truncate(1);
    }
    children
}

/// The exponent `c` of a node `x ** c`.
pub(crate) fn exponent(v: Handle) -> f64 {
    v.children().get(1).map_or(f64::NAN, |c| c.data())
}
