//! The graph behind Python `Value`s: one tape per thread, and which Python object stands for each of
//! its nodes.
//!
//! A `micrograd::Graph` is not thread-safe, so each Python thread builds on a graph of its own, made
//! on first use and never freed (its Values may outlive the thread). Every Python `Value` remembers
//! its thread's tape; using it from another thread is a `RuntimeError`, never a crash.
//!
//! The object table keeps, for each node, the one Python object that stands for it (or none): asking
//! for a node's Python object twice, as `_prev` does, gives the same object while it lives. The table
//! holds no reference: a Value's destructor clears its own entry.
//!
//! The table is also the memory model's list of roots. Python frees Values in any order, and a
//! training loop rebinds its loss only after building the next step on top of it, so the tape's
//! tail is never free to drop. Instead, when the tape has doubled since the last pass, it is
//! compacted: the nodes some Python object names, and everything they were computed from, move
//! down in order; the rest is freed; every live object is pointed at its node's new place.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::ptr;

use micrograd::{Graph, Value};
use pyo3::exceptions::PyRuntimeError;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::Borrowed;

use crate::value::PyValue;

/// A node of a thread's tape, as the engine names it.
pub(crate) type Handle = Value<'static>;

/// A thread's graph and the Python side's records about its nodes.
pub(crate) struct Tape {
    pub(crate) graph: Graph,
    /// For each node, the live Python `Value` standing for it, or null.
    objects: RefCell<Vec<*mut ffi::PyObject>>,
    /// The `x ** c` nodes whose exponent was given as an integer: micrograd's `_op` prints `**2`,
    /// not `**2.0`.
    int_exponents: RefCell<HashSet<usize>>,
    /// Nodes made by the constructor with `_children` or `_op`: leaves to the engine, drawn with
    /// the children and the operation the user gave.
    custom: RefCell<HashMap<usize, Custom>>,
    /// How many native calls (a layer's forward pass) are holding engine handles that no Python
    /// object names: the tape must not be compacted under them.
    pinned: Cell<u32>,
    /// The tape length at which the next compaction runs: twice what the last one kept.
    next_compaction: Cell<usize>,
}

/// The smallest tape that is compacted: a training step of the demo makes about 5,000 nodes, and
/// passes every few steps cost less than passes every step (each pass scans the whole tape).
const MIN_COMPACTION: usize = 1 << 15;

/// Keeps the tape from being compacted while it lives (see [`Tape::pin`]).
pub(crate) struct Pin(&'static Tape);

impl Drop for Pin {
    fn drop(&mut self) {
        self.0.pinned.set(self.0.pinned.get() - 1);
    }
}

/// What `Value(data, _children, _op)` was given beyond its data.
pub(crate) struct Custom {
    /// The children, as a tuple of whatever the user passed.
    pub(crate) children: Py<PyAny>,
    pub(crate) op: String,
}

thread_local! {
    static CURRENT: Cell<Option<&'static Tape>> = const { Cell::new(None) };
}

/// This thread's tape, made on first use.
pub(crate) fn current() -> &'static Tape {
    CURRENT.with(|cell| match cell.get() {
        Some(tape) => tape,
        None => {
            let tape: &'static Tape = Box::leak(Box::new(Tape::new()));
            cell.set(Some(tape));
            tape
        }
    })
}

/// The error for a Value used in a thread other than the one that made it.
pub(crate) fn other_thread() -> PyErr {
    PyRuntimeError::new_err(
        "micrograd_rs: this Value was made in another thread; each thread builds its own graph, \
         so a Value can only be used in the thread that made it (pass its .data between threads \
         instead)",
    )
}

impl Tape {
    fn new() -> Self {
        Tape {
            graph: Graph::new(),
            objects: RefCell::new(Vec::new()),
            int_exponents: RefCell::new(HashSet::new()),
            custom: RefCell::new(HashMap::new()),
            pinned: Cell::new(0),
            next_compaction: Cell::new(MIN_COMPACTION),
        }
    }

    /// Fails unless this is the calling thread's tape.
    #[inline]
    pub(crate) fn check_thread(&'static self) -> PyResult<()> {
        if ptr::eq(self, current()) {
            Ok(())
        } else {
            Err(other_thread())
        }
    }

    /// The live Python object standing for node `id`, or null.
    pub(crate) fn object(&self, id: usize) -> *mut ffi::PyObject {
        self.objects
            .borrow()
            .get(id)
            .copied()
            .unwrap_or(ptr::null_mut())
    }

    /// Records `object` as the Python object standing for node `id`.
    pub(crate) fn register(&self, id: usize, object: *mut ffi::PyObject) {
        let mut objects = self.objects.borrow_mut();
        if objects.len() <= id {
            let len = self.graph.len().max(id + 1);
            objects.resize(len, ptr::null_mut());
        }
        objects[id] = object;
    }

    /// Clears node `id`'s entry: its Python object is being freed.
    pub(crate) fn forget(&self, id: usize) {
        // Borrows of the table never span a call into Python, so this cannot fail; if it ever
        // did, leaving the entry would be a dangling pointer, so fail loudly instead.
        let mut objects = self
            .objects
            .try_borrow_mut()
            .expect("micrograd_rs: object table in use while a Value was freed");
        if let Some(slot) = objects.get_mut(id) {
            *slot = ptr::null_mut();
        }
    }

    /// Keeps the tape as it is while the returned guard lives, for a native call that holds
    /// handles of nodes with no Python object and may call back into Python.
    pub(crate) fn pin(&'static self) -> Pin {
        self.pinned.set(self.pinned.get() + 1);
        Pin(self)
    }

    /// The start of a native `Neuron`, `Layer` or `MLP` call: compacts the tape if it is due (the
    /// call's own handles are read after this), then pins it for the call's length.
    pub(crate) fn begin_native_call(&'static self, py: Python<'_>) -> Pin {
        self.before_new_nodes(py);
        self.pin()
    }

    /// Called before any operation adds nodes on the Python side's behalf: compacts the tape when
    /// it has doubled since the last pass. The engine handles read from Python objects are valid
    /// from here until the next call.
    pub(crate) fn before_new_nodes(&'static self, py: Python<'_>) {
        if self.graph.len() >= self.next_compaction.get() {
            self.compact(py);
        }
    }

    /// Frees every node no Python object needs: keeps the nodes that have a live Python object and
    /// everything they were computed from, moves them down in order, and points every live object
    /// at its node's new place. Does nothing while a native call holds handles (see [`Tape::pin`]).
    pub(crate) fn compact(&'static self, py: Python<'_>) {
        if self.pinned.get() > 0 {
            return;
        }
        let freed_custom;
        {
            let mut objects = self.objects.borrow_mut();
            let roots = objects
                .iter()
                .enumerate()
                .filter(|(_, object)| !object.is_null())
                .map(|(id, _)| id);
            let moved = self.graph.compact(roots);
            let mut remapped = vec![ptr::null_mut(); moved.kept()];
            for (old, &object) in objects.iter().enumerate() {
                if object.is_null() {
                    continue;
                }
                let new = moved
                    .new_id(old)
                    .expect("a node with a Python object is kept");
                let handle = self
                    .graph
                    .value_at(new)
                    .expect("a kept node is on the tape");
                // SAFETY: the table holds only live Values.
                let object_ref = unsafe { Borrowed::from_ptr(py, object) };
                // SAFETY: only Values are registered in the table.
                let value = unsafe { object_ref.downcast_unchecked::<PyValue>() };
                value.get().move_to(handle);
                remapped[new] = object;
            }
            *objects = remapped;
            let mut int_exponents = self.int_exponents.borrow_mut();
            *int_exponents = int_exponents
                .iter()
                .filter_map(|&id| moved.new_id(id))
                .collect();
            let mut custom = self.custom.borrow_mut();
            let (kept, freed): (Vec<_>, Vec<_>) = custom
                .drain()
                .partition(|(id, _)| moved.new_id(*id).is_some());
            *custom = kept
                .into_iter()
                .map(|(id, c)| (moved.new_id(id).unwrap_or(id), c))
                .collect();
            freed_custom = freed;
            self.next_compaction
                .set((2 * moved.kept()).max(MIN_COMPACTION));
        }
        // Freed after every borrow is released: dropping the children may free Values.
        drop(freed_custom);
    }

    /// How many nodes have a live Python object.
    pub(crate) fn live_objects(&self) -> usize {
        self.objects
            .borrow()
            .iter()
            .filter(|o| !o.is_null())
            .count()
    }

    /// The tape length at which the next compaction runs.
    pub(crate) fn next_compaction(&self) -> usize {
        self.next_compaction.get()
    }

    /// Notes that node `id` is `x ** c` with `c` given as an integer.
    pub(crate) fn mark_int_exponent(&self, id: usize) {
        self.int_exponents.borrow_mut().insert(id);
    }

    /// Whether node `id`'s exponent was given as an integer.
    pub(crate) fn has_int_exponent(&self, id: usize) -> bool {
        self.int_exponents.borrow().contains(&id)
    }

    /// Records the children and operation the constructor was given for node `id`.
    pub(crate) fn set_custom(&self, id: usize, custom: Custom) {
        self.custom.borrow_mut().insert(id, custom);
    }

    /// The children tuple and operation given to the constructor for node `id`, if any.
    pub(crate) fn custom(&self, py: Python<'_>, id: usize) -> Option<(Py<PyAny>, String)> {
        self.custom
            .borrow()
            .get(&id)
            .map(|c| (c.children.clone_ref(py), c.op.clone()))
    }
}
