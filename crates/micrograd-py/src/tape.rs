//! The graph behind Python `Value`s: one tape per thread, which Python object stands for each of
//! its nodes, and how long a tape lives.
//!
//! A `micrograd::Graph` is not thread-safe, so each Python thread builds on a graph of its own, made
//! on first use. Every Python `Value` remembers its thread's tape; using it from another thread is a
//! `RuntimeError`, never a crash. A tape is freed when its thread has ended and no Value of it is
//! left (Values may outlive their thread, so the thread alone cannot free it).
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
//!
//! This file knows nothing of the Python classes: the caller of [`Tape::compact`] says how to point
//! a live object at its node's new place.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::ptr::{self, NonNull};
use std::sync::atomic::{fence, AtomicUsize, Ordering};

use micrograd::{Graph, Value};
use pyo3::exceptions::PyRuntimeError;
use pyo3::ffi;
use pyo3::prelude::*;

/// A node of a thread's tape, as the engine names it.
pub(crate) type Handle = Value<'static>;

/// Points the live Python object at its node's new place after a compaction.
pub(crate) type Relocate = fn(Python<'_>, *mut ffi::PyObject, Handle);

/// A thread's graph and the Python side's records about its nodes.
pub(crate) struct Tape {
    pub(crate) graph: Graph,
    /// For each node, the live Python `Value` standing for it, or null.
    objects: RefCell<Vec<*mut ffi::PyObject>>,
    /// The `x ** c` nodes whose exponent was given as an integer: micrograd's `_op` prints `**2`,
    /// not `**2.0`.
    int_exponents: RefCell<HashSet<usize>>,
    /// Nodes made by the constructor with children that are not all Values: leaves to the engine,
    /// drawn with the children and the operation the user gave.
    drawn: RefCell<HashMap<usize, Drawn>>,
    /// How many native calls (a layer's forward pass, a backward pass) are holding engine handles
    /// that no Python object names, or running the engine: the tape must not be compacted.
    pinned: Cell<u32>,
    /// The tape length at which the next compaction runs: twice what the last one kept.
    next_compaction: Cell<usize>,
    /// The live Values standing for nodes of this tape, plus one while the thread lives: the tape
    /// is freed when this reaches 0.
    refs: AtomicUsize,
}

// SAFETY: a tape is used by its own thread only (every Value checks the thread before touching the
// graph or the records), with two exceptions, both kept safe: a Value's destructor, which may run
// in any thread but always holds the GIL (so destructors never run at once), touches only the object
// table and `refs`; the thread's own end, which may run without the GIL, touches only the graph and
// the records no other thread touches, and `refs`, which is atomic.
unsafe impl Sync for Tape {}

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

/// What `Value(data, _children, _op)` was given when its children are not all Values.
pub(crate) struct Drawn {
    /// The children, as a tuple of whatever the user passed.
    pub(crate) children: Py<PyAny>,
    pub(crate) op: String,
}

/// The calling thread's hold on its tape: released when the thread ends.
struct Owner(Cell<Option<NonNull<Tape>>>);

impl Drop for Owner {
    fn drop(&mut self) {
        if let Some(tape) = self.0.take() {
            // SAFETY: the thread's own reference keeps the tape alive until `release` below.
            let t = unsafe { tape.as_ref() };
            t.thread_ended();
            // SAFETY: this is the thread's reference, given up once.
            unsafe { release(tape) };
        }
    }
}

thread_local! {
    static CURRENT: Owner = const { Owner(Cell::new(None)) };
}

/// This thread's tape, made on first use.
pub(crate) fn current() -> &'static Tape {
    let found = CURRENT.try_with(|owner| match owner.0.get() {
        Some(tape) => tape,
        None => {
            let tape = NonNull::from(Box::leak(Box::new(Tape::new())));
            owner.0.set(Some(tape));
            tape
        }
    });
    match found {
        // SAFETY: the thread holds a reference until it ends, so the tape outlives any call made
        // in it; a Value holding the tape keeps its own reference.
        Ok(tape) => unsafe { &*tape.as_ptr() },
        // Only while the thread is being torn down: a tape of its own, never freed.
        Err(_) => Box::leak(Box::new(Tape::new())),
    }
}

/// Gives up one reference to `tape`, freeing it with the last.
///
/// # Safety
/// The caller holds a reference (counted in `refs`) and uses the tape no more.
pub(crate) unsafe fn release(tape: NonNull<Tape>) {
    if tape.as_ref().refs.fetch_sub(1, Ordering::Release) == 1 {
        fence(Ordering::Acquire);
        drop(Box::from_raw(tape.as_ptr()));
    }
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
            drawn: RefCell::new(HashMap::new()),
            pinned: Cell::new(0),
            next_compaction: Cell::new(MIN_COMPACTION),
            refs: AtomicUsize::new(1),
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

    /// Counts one more Value holding this tape (see [`release`]).
    #[inline]
    pub(crate) fn acquire(&self) {
        self.refs.fetch_add(1, Ordering::Relaxed);
    }

    /// The thread has ended: frees every node, and with them the backward rules, whose Python
    /// closures may hold Values of this tape (which would keep it alive forever). Values that
    /// outlive the thread can still be read from their destructors only, which use no node.
    fn thread_ended(&self) {
        // Without the GIL, dropping Python objects is deferred by PyO3 to the next time a thread
        // holds it, which is what is wanted here.
        let drawn = std::mem::take(&mut *self.drawn.borrow_mut());
        let freed = self.graph.compact(std::iter::empty());
        drop(freed);
        drop(drawn);
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

    /// Whether the tape is due for compaction (it has doubled since the last one).
    #[inline]
    pub(crate) fn due(&self) -> bool {
        self.graph.len() >= self.next_compaction.get()
    }

    /// Frees every node no Python object needs: keeps the nodes that have a live Python object and
    /// everything they were computed from, moves them down in order, and points every live object
    /// at its node's new place with `relocate`. Does nothing while the tape is pinned.
    pub(crate) fn compact(&'static self, py: Python<'_>, relocate: Relocate) {
        // During a backward pass a rule's own Python code may build nodes; the engine refuses to
        // renumber them under the pass, so the compaction waits for the next operation after it.
        if self.pinned.get() > 0 || self.graph.in_backward() {
            return;
        }
        let moved;
        let freed_drawn;
        {
            let mut objects = self.objects.borrow_mut();
            let roots = objects
                .iter()
                .enumerate()
                .filter(|(_, object)| !object.is_null())
                .map(|(id, _)| id);
            moved = self.graph.compact(roots);
            let mut remapped = vec![ptr::null_mut(); moved.kept()];
            for (old, &object) in objects.iter().enumerate() {
                if object.is_null() {
                    continue;
                }
                let Some(new) = moved.new_id(old) else {
                    continue;
                };
                let Some(handle) = self.graph.value_at(new) else {
                    continue;
                };
                relocate(py, object, handle);
                remapped[new] = object;
            }
            *objects = remapped;
            let mut int_exponents = self.int_exponents.borrow_mut();
            *int_exponents = int_exponents
                .iter()
                .filter_map(|&id| moved.new_id(id))
                .collect();
            let mut drawn = self.drawn.borrow_mut();
            let (kept, freed): (Vec<_>, Vec<_>) = drawn
                .drain()
                .partition(|(id, _)| moved.new_id(*id).is_some());
            *drawn = kept
                .into_iter()
                .filter_map(|(id, c)| Some((moved.new_id(id)?, c)))
                .collect();
            freed_drawn = freed;
            self.next_compaction
                .set((2 * moved.kept()).max(MIN_COMPACTION));
        }
        // Freed after every borrow is released: dropping the children, or a backward rule's
        // Python closure, may free Values, whose destructors use the object table.
        drop(freed_drawn);
        drop(moved);
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
    pub(crate) fn set_drawn(&self, id: usize, drawn: Drawn) {
        self.drawn.borrow_mut().insert(id, drawn);
    }

    /// The children tuple and operation given to the constructor for node `id`, if it is drawn
    /// only.
    pub(crate) fn drawn(&self, py: Python<'_>, id: usize) -> Option<(Py<PyAny>, String)> {
        self.drawn
            .borrow()
            .get(&id)
            .map(|c| (c.children.clone_ref(py), c.op.clone()))
    }
}
