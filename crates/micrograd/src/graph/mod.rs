//! The graph: the arena that owns a [`Tape`] of nodes, and the [`Value`] handles into it.
//!
//! Every way of adding nodes or moving along the tape is here: inputs and constants, the operations
//! (through [`Value`]'s operators), weighted sums, checkpoints and rewinds, compaction, and looking
//! a node up by id. A training loop keeps its parameters at the start of the tape and, each step,
//! frees everything built after them with [`Graph::checkpoint`] and [`Graph::rewind`], so memory
//! stays flat. Dropping a graph frees a few vectors, however long the chain.

use std::cell::{Cell, Ref, RefCell, RefMut};
use std::fmt;

use crate::op::Op;
use crate::tape::{Checkpoint, Compaction, Tape};

mod custom;
mod value;
mod weighted_sum;

pub use value::Value;

pub(crate) use weighted_sum::is_run;

/// A computation graph: the arena that owns every [`Value`] made in it.
///
/// ```
/// use micrograd::Graph;
///
/// let g = Graph::new();
/// let a = g.value(2.0).with_label("a");
/// let b = g.value(-3.0).with_label("b");
/// let l = (a * b + 10.0) * -2.0;
/// l.backward();
/// assert_eq!(a.grad(), 6.0);
/// assert_eq!(b.grad(), -4.0);
/// ```
#[derive(Default)]
pub struct Graph {
    tape: RefCell<Tape>,
    /// A backward pass is running: rules written outside the engine may be called, and they must
    /// not free or renumber nodes under it.
    in_backward: Cell<bool>,
}

impl Graph {
    /// An empty graph.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty graph with room for `nodes` nodes before it needs to grow.
    pub fn with_capacity(nodes: usize) -> Self {
        Graph {
            tape: RefCell::new(Tape::with_capacity(nodes)),
            in_backward: Cell::new(false),
        }
    }

    #[inline]
    pub(crate) fn tape(&self) -> Ref<'_, Tape> {
        self.tape.borrow()
    }

    #[inline]
    pub(crate) fn tape_mut(&self) -> RefMut<'_, Tape> {
        self.tape.borrow_mut()
    }

    /// A new input (leaf) holding `data`, with gradient 0.
    pub fn value(&self, data: f64) -> Value<'_> {
        self.push(Op::Leaf, [0, 0], data)
    }

    /// A constant: a leaf that stands for a plain number in an expression, drawn and reported apart
    /// from the inputs. Operators with an `f64` make these for you.
    pub fn constant(&self, data: f64) -> Value<'_> {
        self.push(Op::Const, [0, 0], data)
    }

    /// The number of nodes on the tape.
    pub fn len(&self) -> usize {
        self.tape().len()
    }

    /// Whether the tape has no nodes.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The bytes the graph holds on the heap for its nodes: the tape, data, gradients, weighted-sum
    /// operands, the backward pass's scratch space and the labels (counted by capacity, so this is
    /// what the allocator gave, not only what is in use).
    pub fn memory_bytes(&self) -> usize {
        self.tape().memory_bytes()
    }

    /// Sets every node's gradient to 0.
    ///
    /// # Panics
    /// If called from inside a backward rule while the graph's backward pass runs.
    pub fn zero_grad(&self) {
        self.refuse_during_backward("zero_grad");
        self.tape_mut().zero_grad();
    }

    /// A handle to the live node whose [`Value::id`] is `id`, or `None` if there is no such node.
    ///
    /// ```
    /// use micrograd::Graph;
    ///
    /// let g = Graph::new();
    /// let a = g.value(2.0);
    /// let b = a * 3.0;
    /// assert_eq!(g.value_at(b.id()).unwrap().data(), 6.0);
    /// assert!(g.value_at(b.id() + 1).is_none());
    /// ```
    pub fn value_at(&self, id: usize) -> Option<Value<'_>> {
        let t = self.tape();
        let index = u32::try_from(id).ok().filter(|&i| (i as usize) < t.len())?;
        Some(Value::new(self, index, t.generation_of(index)))
    }

    /// The current end of the tape, to [`rewind`](Graph::rewind) to later.
    pub fn checkpoint(&self) -> Checkpoint {
        self.tape().checkpoint()
    }

    /// Frees every node made after `checkpoint`; the nodes before it, their data and their
    /// gradients are kept. Handles to the freed nodes become invalid: using one panics.
    ///
    /// ```
    /// use micrograd::Graph;
    ///
    /// let g = Graph::new();
    /// let w = g.value(0.5);
    /// let start = g.checkpoint();
    /// for _ in 0..3 {
    ///     let loss = (w * 3.0 - 1.0).powf(2.0);
    ///     g.zero_grad();
    ///     loss.backward();
    ///     w.set_data(w.data() - 0.05 * w.grad());
    ///     g.rewind(start); // the loss and its intermediates are freed
    /// }
    /// assert_eq!(g.len(), 1);
    /// ```
    ///
    /// # Panics
    /// If the checkpoint itself lies in a part of the tape already freed by an earlier rewind, or if
    /// called from inside a backward rule while the graph's backward pass runs.
    pub fn rewind(&self, checkpoint: Checkpoint) {
        self.refuse_during_backward("rewind");
        // The freed rules are dropped after the tape is released: a rule's drop may run code that
        // uses the graph.
        let freed = self.tape_mut().rewind(checkpoint);
        drop(freed);
    }

    /// Keeps only the nodes whose ids are in `roots` and every node they were computed from (a
    /// weighted sum's bias, weights and inputs, a power's constant exponent, …), and frees the
    /// rest. The kept nodes move down to the front of the tape in their order, so the tape stays in
    /// creation order; their data, gradients and labels move with them. Ids that name no node are
    /// ignored.
    ///
    /// Every handle made before becomes invalid (using one panics), and so does every checkpoint:
    /// look the kept nodes up again with [`Compaction::new_id`] and [`Graph::value_at`]. The memory
    /// is kept for the nodes to come. The work is one pass down the tape and one up.
    ///
    /// ```
    /// use micrograd::Graph;
    ///
    /// let g = Graph::new();
    /// let x = g.value(3.0);
    /// let _unused = x * 10.0;
    /// let y = x * x;
    /// let moved = g.compact([y.id()]);
    /// assert_eq!((moved.kept(), moved.freed()), (2, 2));
    /// let y = g.value_at(moved.new_id(y.id()).unwrap()).unwrap();
    /// y.backward();
    /// assert_eq!(y.children()[0].grad(), 6.0);
    /// ```
    ///
    /// # Panics
    /// If called from inside a backward rule while the graph's backward pass runs.
    pub fn compact(&self, roots: impl IntoIterator<Item = usize>) -> Compaction {
        self.refuse_during_backward("compact");
        self.tape_mut().compact(roots)
    }

    /// Replays the tape forward: recomputes every node's data from its inputs, after inputs were
    /// changed with [`Value::set_data`]. Gradients are left as they are.
    pub fn recompute(&self) {
        self.tape_mut().recompute();
    }

    /// The sum of `values` (a chain of `+` nodes), or `None` if there are none.
    pub fn sum<'g>(&'g self, values: impl IntoIterator<Item = Value<'g>>) -> Option<Value<'g>> {
        values.into_iter().reduce(|acc, v| acc + v)
    }

    /// Appends a node; `data` is its already computed value.
    fn push(&self, op: Op, args: [u32; 2], data: f64) -> Value<'_> {
        let mut t = self.tape_mut();
        let index = t.push(op, args, data);
        Value::new(self, index, t.generation())
    }

    /// Appends the node `op(inputs)`, computing its value with the op's forward rule.
    #[inline(always)]
    pub(crate) fn apply<'g>(&'g self, op: Op, x: Value<'g>, y: Option<Value<'g>>) -> Value<'g> {
        let mut t = self.tape_mut();
        let xi = self.checked(&t, x, op.symbol());
        let yi = match y {
            Some(y) => self.checked(&t, y, op.symbol()),
            None => xi,
        };
        let data = op.forward(t.data()[xi as usize], t.data()[yi as usize]);
        let index = t.push(op, [xi, yi], data);
        Value::new(self, index, t.generation())
    }

    /// Appends the constant `c` and the node `op(x, c)` (or `op(c, x)` when `constant_first`).
    #[inline(always)]
    pub(crate) fn apply_constant<'g>(
        &'g self,
        op: Op,
        x: Value<'g>,
        c: f64,
        constant_first: bool,
    ) -> Value<'g> {
        let mut t = self.tape_mut();
        let xi = self.checked(&t, x, op.symbol());
        let ci = t.push(Op::Const, [0, 0], c);
        let (a, b) = if constant_first { (ci, xi) } else { (xi, ci) };
        let data = op.forward(t.data()[a as usize], t.data()[b as usize]);
        let index = t.push(op, [a, b], data);
        Value::new(self, index, t.generation())
    }

    /// The tape index of `v`, after checking that it belongs to this graph and was not freed.
    #[inline]
    pub(crate) fn checked(&self, t: &Tape, v: Value<'_>, context: &str) -> u32 {
        assert!(
            std::ptr::eq(v.graph, self),
            "micrograd: `{context}` mixes values from two different graphs"
        );
        t.check_alive(v.index(), v.generation());
        v.index()
    }
}

impl fmt::Debug for Graph {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = self.tape();
        f.debug_struct("Graph")
            .field("nodes", &t.len())
            .field("generation", &t.generation())
            .finish()
    }
}
