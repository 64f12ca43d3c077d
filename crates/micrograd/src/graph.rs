//! The graph: a tape of nodes in creation order, with their data and gradients in flat arrays.
//!
//! Every operation appends one node. Because a node's inputs always exist before it does, creation
//! order is already a topological order, so [`Value::backward`] is a single reverse sweep over the
//! tape: no recursion, no sort, no hash set. Dropping a graph frees a few vectors, however long the
//! chain. A training loop keeps its parameters at the start of the tape and, each step, frees
//! everything built after them with [`Graph::checkpoint`] and [`Graph::rewind`], so memory stays flat.
//!
//! Handles to freed nodes are caught: each node records the *epoch* (the number of rewinds so far) in
//! which it was made, and a handle carries the epoch it was made in; a mismatch is a panic naming the
//! mistake, never a number read from some newer node that took the freed slot.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt;

use crate::op::Op;
use crate::value::Value;
use crate::weighted_sum::weighted_sum_forward;

/// One entry of the tape: what made the node and from which nodes, in 12 bytes.
///
/// For unary and binary operations `args` are the indices of the inputs. For
/// [`Op::WeightedSum`] they are where its operands start in [`Tape::operands`] and how many terms
/// it has (see `weighted_sum::Operands`). The epoch is kept in 24 bits (it
/// wraps after 16 million rewinds), which keeps a node at 12 bytes and a whole node, with its data
/// and gradient, within 28.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Node {
    pub(crate) args: [u32; 2],
    pub(crate) op: Op,
    epoch: [u8; 3],
}

impl Node {
    fn new(op: Op, args: [u32; 2], epoch: u32) -> Self {
        let [a, b, c, _] = epoch.to_le_bytes();
        Node {
            args,
            op,
            epoch: [a, b, c],
        }
    }

    /// Whether the node was made in `epoch` (compared in 24 bits).
    pub(crate) fn made_in(&self, epoch: u32) -> bool {
        self.epoch() == epoch & 0x00ff_ffff
    }

    pub(crate) fn epoch(&self) -> u32 {
        let [a, b, c] = self.epoch;
        u32::from_le_bytes([a, b, c, 0])
    }
}

/// The storage behind a [`Graph`].
#[derive(Default)]
pub(crate) struct Tape {
    pub(crate) nodes: Vec<Node>,
    pub(crate) data: Vec<f64>,
    /// Gradients, grown on first use: an index past the end has gradient 0, so an empty vector
    /// means every gradient is 0.
    pub(crate) grad: Vec<f64>,
    pub(crate) operands: Vec<u32>,
    pub(crate) labels: BTreeMap<u32, String>,
    pub(crate) epoch: u32,
    /// Whether any node's data has ever been NaN or infinite (never reset: it only has to be true
    /// whenever there is such data).
    pub(crate) non_finite: bool,
    /// The index of the first node whose backward rule can blow up on a zero gradient (see
    /// [`Op::derivative_can_blow_up`]), if there is one.
    pub(crate) first_blow_up: Option<u32>,
    /// Scratch space reused by every backward pass: the gradient flowing into each node during this
    /// pass, and (one bit per node) whether the pass reaches the node at all.
    pub(crate) adjoint: Vec<f64>,
    pub(crate) reached: Vec<u64>,
}

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
    pub(crate) tape: RefCell<Tape>,
}

/// A position on the tape to return to with [`Graph::rewind`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    nodes: u32,
    operands: u32,
    /// The epoch of the last node before the checkpoint, which must still be there to rewind to it.
    last_epoch: u32,
}

impl Graph {
    /// An empty graph.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty graph with room for `nodes` nodes before it needs to grow.
    pub fn with_capacity(nodes: usize) -> Self {
        let g = Self::default();
        {
            let mut t = g.tape.borrow_mut();
            t.nodes.reserve_exact(nodes);
            t.data.reserve_exact(nodes);
        }
        g
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
        self.tape.borrow().nodes.len()
    }

    /// Whether the tape has no nodes.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The bytes the graph holds on the heap for its nodes: the tape, data, gradients, weighted-sum
    /// operands, the backward pass's scratch space and the labels (counted by capacity, so this is
    /// what the allocator gave, not only what is in use).
    pub fn memory_bytes(&self) -> usize {
        use std::mem::size_of;
        let t = self.tape.borrow();
        t.nodes.capacity() * size_of::<Node>()
            + (t.data.capacity() + t.grad.capacity() + t.adjoint.capacity()) * size_of::<f64>()
            + t.operands.capacity() * size_of::<u32>()
            + t.reached.capacity() * size_of::<u64>()
            + t.labels
                .values()
                .map(|l| l.capacity() + size_of::<(u32, String)>())
                .sum::<usize>()
    }

    /// Sets every node's gradient to 0.
    pub fn zero_grad(&self) {
        // An empty gradient vector means all zeros; the next backward pass then moves its result in
        // instead of adding it.
        let mut t = self.tape.borrow_mut();
        let grad = std::mem::take(&mut t.grad);
        if grad.capacity() > t.adjoint.capacity() {
            t.adjoint = grad;
        }
    }

    /// The current end of the tape, to [`rewind`](Graph::rewind) to later.
    pub fn checkpoint(&self) -> Checkpoint {
        let t = self.tape.borrow();
        Checkpoint {
            nodes: t.nodes.len() as u32,
            operands: t.operands.len() as u32,
            last_epoch: t.nodes.last().map_or(0, Node::epoch),
        }
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
    /// If the checkpoint itself lies in a part of the tape already freed by an earlier rewind.
    pub fn rewind(&self, checkpoint: Checkpoint) {
        let mut t = self.tape.borrow_mut();
        let len = checkpoint.nodes as usize;
        let still_there =
            len <= t.nodes.len() && (len == 0 || t.nodes[len - 1].made_in(checkpoint.last_epoch));
        assert!(
            still_there,
            "Graph::rewind: this checkpoint was taken after a point the graph has already been rewound to; \
             take a new checkpoint after the rewind"
        );
        t.nodes.truncate(len);
        t.data.truncate(len);
        t.grad.truncate(len);
        t.operands.truncate(checkpoint.operands as usize);
        let _freed = t.labels.split_off(&checkpoint.nodes);
        if t.first_blow_up >= Some(checkpoint.nodes) {
            t.first_blow_up = None;
        }
        t.epoch = t.epoch.wrapping_add(1);
    }

    /// Replays the tape forward: recomputes every node's data from its inputs, after inputs were
    /// changed with [`Value::set_data`]. Gradients are left as they are.
    pub fn recompute(&self) {
        let mut t = self.tape.borrow_mut();
        let Tape {
            nodes,
            data,
            operands,
            non_finite,
            ..
        } = &mut *t;
        for (i, node) in nodes.iter().enumerate() {
            data[i] = match node.op {
                Op::Leaf | Op::Const => continue,
                op if op.is_weighted_sum() => weighted_sum_forward(op, data, operands, node.args),
                op => op.forward(data[node.args[0] as usize], data[node.args[1] as usize]),
            };
            *non_finite |= !data[i].is_finite();
        }
    }

    /// The sum of `values` (a chain of `+` nodes), or `None` if there are none.
    pub fn sum<'g>(&'g self, values: impl IntoIterator<Item = Value<'g>>) -> Option<Value<'g>> {
        values.into_iter().reduce(|acc, v| acc + v)
    }

    /// Appends a node; `data` is its already computed value.
    pub(crate) fn push(&self, op: Op, args: [u32; 2], data: f64) -> Value<'_> {
        self.push_to(&mut self.tape.borrow_mut(), op, args, data)
    }

    pub(crate) fn push_to(&self, t: &mut Tape, op: Op, args: [u32; 2], data: f64) -> Value<'_> {
        let index = t.nodes.len();
        assert!(
            index < u32::MAX as usize,
            "Graph: more than 4 billion nodes on one tape"
        );
        if op.derivative_can_blow_up() && t.first_blow_up.is_none() {
            t.first_blow_up = Some(index as u32);
        }
        t.nodes.push(Node::new(op, args, t.epoch));
        t.data.push(data);
        t.non_finite |= !data.is_finite();
        Value::new(self, index as u32, t.epoch)
    }

    /// Appends the node `op(inputs)`, computing its value with the op's forward rule.
    pub(crate) fn apply<'g>(&'g self, op: Op, x: Value<'g>, y: Option<Value<'g>>) -> Value<'g> {
        let mut t = self.tape.borrow_mut();
        let xi = self.checked(&t, x, op.symbol());
        let yi = match y {
            Some(y) => self.checked(&t, y, op.symbol()),
            None => xi,
        };
        let data = op.forward(t.data[xi as usize], t.data[yi as usize]);
        self.push_to(&mut t, op, [xi, yi], data)
    }

    /// Appends the constant `c` and the node `op(x, c)` (or `op(c, x)` when `constant_first`).
    pub(crate) fn apply_constant<'g>(
        &'g self,
        op: Op,
        x: Value<'g>,
        c: f64,
        constant_first: bool,
    ) -> Value<'g> {
        let mut t = self.tape.borrow_mut();
        let xi = self.checked(&t, x, op.symbol());
        let ci = self.push_to(&mut t, Op::Const, [0, 0], c).index();
        let (a, b) = if constant_first { (ci, xi) } else { (xi, ci) };
        let data = op.forward(t.data[a as usize], t.data[b as usize]);
        self.push_to(&mut t, op, [a, b], data)
    }

    /// The tape index of `v`, after checking that it belongs to this graph and was not freed.
    pub(crate) fn checked(&self, t: &Tape, v: Value<'_>, context: &str) -> u32 {
        assert!(
            std::ptr::eq(v.graph(), self),
            "micrograd: `{context}` mixes values from two different graphs"
        );
        check_alive(t, v.index(), v.epoch());
        v.index()
    }
}

/// Panics with a clear message if the handle `(index, epoch)` no longer names a live node.
pub(crate) fn check_alive(t: &Tape, index: u32, epoch: u32) {
    // A handle made since the last rewind is alive as long as its index is on the tape; only older
    // handles need their node's epoch compared.
    let alive = match t.nodes.get(index as usize) {
        Some(node) => epoch == t.epoch || node.made_in(epoch),
        None => false,
    };
    assert!(
        alive,
        "micrograd: this Value (node #{index}) was freed by Graph::rewind and can no longer be used; \
         keep only values made before the checkpoint across a rewind"
    );
}

impl fmt::Debug for Graph {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = self.tape.borrow();
        f.debug_struct("Graph")
            .field("nodes", &t.nodes.len())
            .field("rewinds", &t.epoch)
            .finish()
    }
}
