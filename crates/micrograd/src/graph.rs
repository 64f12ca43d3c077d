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

/// One entry of the tape: what made the node and from which nodes, in 12 bytes.
///
/// For unary and binary operations `args` are the indices of the inputs. For
/// [`Op::WeightedSum`] they are where its operands start in [`Tape::operands`] and how many terms
/// it has (see [`Operands`]). The epoch is kept in 24 bits (it
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
    fn made_in(&self, epoch: u32) -> bool {
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
    /// Scratch space reused by every backward pass: the gradient flowing into each node during this
    /// pass, and (one bit per node) whether the pass reaches the node at all.
    adjoint: Vec<f64>,
    reached: Vec<u64>,
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
                Op::WeightedSum => weighted_sum_forward(data, operands, node.args),
                op => op.forward(data[node.args[0] as usize], data[node.args[1] as usize]),
            };
            *non_finite |= !data[i].is_finite();
        }
    }

    /// `bias + Σ weights[i] * inputs[i]` as one node, as a neuron computes before its activation.
    ///
    /// ```
    /// use micrograd::Graph;
    ///
    /// let g = Graph::new();
    /// let w = [g.value(2.0), g.value(-1.0)];
    /// let x = [g.value(3.0), g.value(4.0)];
    /// let n = g.weighted_sum(g.value(0.5), &w, &x);
    /// assert_eq!(n.data(), 2.5);
    /// n.backward();
    /// assert_eq!((w[0].grad(), x[1].grad()), (3.0, -1.0));
    /// ```
    ///
    /// # Panics
    /// If `weights` and `inputs` differ in length, or a value belongs to another graph or was freed.
    pub fn weighted_sum<'g>(
        &'g self,
        bias: Value<'g>,
        weights: &[Value<'g>],
        inputs: &[Value<'g>],
    ) -> Value<'g> {
        let mut t = self.tape.borrow_mut();
        let inputs = self.checked_terms(&t, inputs);
        self.push_weighted_sum(&mut t, bias, weights, &inputs)
    }

    /// The weighted sums of several neurons over the same inputs, as a layer computes them: one
    /// [`Op::WeightedSum`] node per `(bias, weights)`, made one after another (so the results are a
    /// run of consecutive nodes). The same as calling [`Graph::weighted_sum`] for each, but the
    /// inputs are checked once.
    ///
    /// ```
    /// use micrograd::Graph;
    ///
    /// let g = Graph::new();
    /// let x = [g.value(1.0), g.value(2.0)];
    /// let (w1, w2) = ([g.value(0.5), g.value(0.5)], [g.value(-1.0), g.value(1.0)]);
    /// let sums = g.weighted_sums(&x, [(g.value(0.0), &w1[..]), (g.value(1.0), &w2[..])]);
    /// assert_eq!((sums[0].data(), sums[1].data()), (1.5, 2.0));
    /// ```
    ///
    /// # Panics
    /// As [`Graph::weighted_sum`].
    pub fn weighted_sums<'g, 'w>(
        &'g self,
        inputs: &[Value<'g>],
        neurons: impl IntoIterator<Item = (Value<'g>, &'w [Value<'g>])>,
    ) -> Vec<Value<'g>>
    where
        'g: 'w,
    {
        let mut t = self.tape.borrow_mut();
        let inputs = self.checked_terms(&t, inputs);
        neurons
            .into_iter()
            .map(|(bias, weights)| self.push_weighted_sum(&mut t, bias, weights, &inputs))
            .collect()
    }

    /// The tape indices of a weighted sum's inputs (or weights), checked alive.
    fn checked_terms(&self, t: &Tape, values: &[Value<'_>]) -> Terms {
        if is_run(values) {
            // Every node of a run is alive if its first and last are and all its handles come from
            // one epoch (`is_run` checks that), since epochs never decrease along the tape.
            let first = self.checked(t, values[0], "weighted_sum");
            self.checked(t, values[values.len() - 1], "weighted_sum");
            Terms::Run {
                first,
                n: values.len() as u32,
            }
        } else {
            Terms::Scattered(
                values
                    .iter()
                    .map(|v| self.checked(t, *v, "weighted_sum"))
                    .collect(),
            )
        }
    }

    fn push_weighted_sum<'g>(
        &'g self,
        t: &mut Tape,
        bias: Value<'g>,
        weights: &[Value<'g>],
        inputs: &Terms,
    ) -> Value<'g> {
        assert_eq!(
            weights.len(),
            inputs.len(),
            "Graph::weighted_sum: {} weights for {} inputs",
            weights.len(),
            inputs.len()
        );
        let n = weights.len() as u32;
        assert!(n < RUNS, "Graph::weighted_sum: too many terms");
        let start = t.operands.len() as u32;
        let bias = self.checked(t, bias, "weighted_sum");
        let args = match (self.checked_terms(t, weights), inputs) {
            (Terms::Run { first: w, .. }, Terms::Run { first: x, .. }) => {
                t.operands.extend([bias, w, *x]);
                [start, n | RUNS]
            }
            (weights, inputs) => {
                t.operands.reserve(1 + 2 * weights.len());
                t.operands.push(bias);
                for k in 0..weights.len() {
                    t.operands.extend([weights.get(k), inputs.get(k)]);
                }
                [start, n]
            }
        };
        let data = weighted_sum_forward(&t.data, &t.operands, args);
        self.push_to(t, Op::WeightedSum, args, data)
    }

    /// The sum of `values` (a chain of `+` nodes), or `None` if there are none.
    pub fn sum<'g>(&'g self, values: impl IntoIterator<Item = Value<'g>>) -> Option<Value<'g>> {
        values.into_iter().reduce(|acc, v| acc + v)
    }

    /// Appends a node; `data` is its already computed value.
    pub(crate) fn push(&self, op: Op, args: [u32; 2], data: f64) -> Value<'_> {
        self.push_to(&mut self.tape.borrow_mut(), op, args, data)
    }

    fn push_to(&self, t: &mut Tape, op: Op, args: [u32; 2], data: f64) -> Value<'_> {
        let index = t.nodes.len();
        assert!(
            index < u32::MAX as usize,
            "Graph: more than 4 billion nodes on one tape"
        );
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
        let ci = self.push_to(&mut t, Op::Const, [0, 0], c).index;
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
        check_alive(t, v.index, v.epoch);
        v.index
    }

    /// Runs backpropagation from `out`: adds d(out)/d(node) into the gradient of every node that
    /// `out` depends on (and 1 into `out`'s own).
    pub(crate) fn backward_from(&self, out: u32) {
        let mut guard = self.tape.borrow_mut();
        let t = &mut *guard;
        let n = out as usize + 1;
        // The pass works in `adjoint` rather than in `grad`, so that gradients already accumulated
        // are added to, never pushed back through the graph a second time.
        let mut adjoint = std::mem::take(&mut t.adjoint);
        adjoint.clear();
        adjoint.resize(n, 0.0);
        t.reached.clear();
        t.reached.resize(n.div_ceil(64), 0);
        let mut pass = Pass {
            adjoint: &mut adjoint,
            reached: &mut t.reached,
            all_finite: !t.non_finite,
        };
        pass.add(out, 1.0);
        for i in (0..n).rev() {
            // A node the pass does not reach has adjoint 0 but must not propagate: 0 times an
            // infinite local derivative would be NaN.
            if pass.reached(i) {
                let g = pass.adjoint[i];
                propagate(t.nodes[i], i, g, &t.data, &t.operands, &mut pass);
            }
        }
        // Nodes the pass does not reach have adjoint 0, so adding everything is exact.
        if t.grad.is_empty() {
            t.adjoint = std::mem::replace(&mut t.grad, adjoint);
        } else {
            if t.grad.len() < n {
                t.grad.resize(n, 0.0);
            }
            for (grad, a) in t.grad.iter_mut().zip(&adjoint) {
                *grad += a;
            }
            t.adjoint = adjoint;
        }
    }

    /// One node's local backward step, as micrograd's `_backward()`: adds its gradient, times the
    /// local derivative, into the gradients of its inputs.
    pub(crate) fn backward_step(&self, out: u32) {
        let mut guard = self.tape.borrow_mut();
        let t = &mut *guard;
        let n = t.nodes.len();
        if t.grad.len() < n {
            t.grad.resize(n, 0.0);
        }
        let g = t.grad[out as usize];
        let node = t.nodes[out as usize];
        propagate(
            node,
            out as usize,
            g,
            &t.data,
            &t.operands,
            &mut Grads(&mut t.grad),
        );
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

/// Where a node's backward rule sends the gradient contributions for its inputs.
trait GradientSink {
    fn add(&mut self, node: u32, contribution: f64);

    /// Adds `scale * values[k]` to node `first + k`, for a run of consecutive nodes.
    fn add_scaled(&mut self, first: u32, scale: f64, values: &[f64]) {
        for (k, v) in (first..).zip(values) {
            self.add(k, scale * v);
        }
    }
}

/// Straight into the gradients, as one node's local step does.
struct Grads<'a>(&'a mut [f64]);

impl GradientSink for Grads<'_> {
    fn add(&mut self, node: u32, contribution: f64) {
        self.0[node as usize] += contribution;
    }
}

/// Into a backward pass's adjoints, marking each node that receives a contribution as reached.
struct Pass<'a> {
    adjoint: &'a mut [f64],
    reached: &'a mut [u64],
    /// No data on the tape is NaN or infinite.
    all_finite: bool,
}

impl Pass<'_> {
    fn reached(&self, i: usize) -> bool {
        self.reached[i / 64] & (1 << (i % 64)) != 0
    }
}

impl GradientSink for Pass<'_> {
    #[inline(always)]
    fn add(&mut self, node: u32, contribution: f64) {
        let i = node as usize;
        self.adjoint[i] += contribution;
        self.reached[i / 64] |= 1 << (i % 64);
    }

    #[inline(always)]
    fn add_scaled(&mut self, first: u32, scale: f64, values: &[f64]) {
        let first = first as usize;
        // With a zero scale and finite values every contribution is ±0, and adding ±0 leaves an
        // adjoint unchanged (adjoints start at +0 and a sum in round-to-nearest is never -0), so
        // the work can be skipped exactly. A network's dead ReLUs and satisfied margins make this
        // the common case.
        if !(scale == 0.0 && self.all_finite) {
            let adjoint = &mut self.adjoint[first..][..values.len()];
            for (a, v) in adjoint.iter_mut().zip(values) {
                *a += scale * v;
            }
        }
        mark_run(self.reached, first, values.len());
    }
}

/// Marks nodes `first .. first + n` reached, a word of the bit set at a time.
fn mark_run(reached: &mut [u64], first: usize, n: usize) {
    let (mut i, end) = (first, first + n);
    while i < end {
        let bit = i % 64;
        let count = (64 - bit).min(end - i);
        let ones = if count == 64 {
            u64::MAX
        } else {
            (1 << count) - 1
        };
        reached[i / 64] |= ones << bit;
        i += count;
    }
}

/// Pushes the gradient `g` of node `i` back to its inputs, with the op's backward rule.
#[inline(always)]
fn propagate(
    node: Node,
    i: usize,
    g: f64,
    data: &[f64],
    operands: &[u32],
    sink: &mut impl GradientSink,
) {
    match node.op {
        Op::Leaf | Op::Const => {}
        Op::WeightedSum => match decode_operands(operands, node.args) {
            Operands::Pairs { bias, pairs } => {
                sink.add(bias, g);
                for pair in pairs.chunks_exact(2) {
                    let (w, x) = (pair[0], pair[1]);
                    sink.add(w, g * data[x as usize]);
                    sink.add(x, g * data[w as usize]);
                }
            }
            Operands::Runs {
                bias,
                weights,
                inputs,
                n,
            } => {
                sink.add(bias, g);
                let ws = &data[weights as usize..][..n as usize];
                let xs = &data[inputs as usize..][..n as usize];
                sink.add_scaled(weights, g, xs);
                sink.add_scaled(inputs, g, ws);
            }
        },
        op => {
            let [x, y] = node.args;
            let (dx, dy) = op.backward(data[x as usize], data[y as usize], data[i], g);
            sink.add(x, dx);
            if op.arity() == Some(2) && op != Op::Powf {
                sink.add(y, dy);
            }
        }
    }
}

/// In a weighted-sum node's term count: the weights and the inputs are each a run of consecutive
/// nodes, as a layer's parameters and its inputs usually are.
const RUNS: u32 = 1 << 31;

/// The operands of a weighted-sum node `bias + Σ wᵢ·xᵢ`.
pub(crate) enum Operands<'a> {
    /// Any weights and inputs: `pairs` is `[w0, x0, w1, x1, …]`.
    Pairs { bias: u32, pairs: &'a [u32] },
    /// `n` weights from node `weights` on and `n` inputs from node `inputs` on. Reading them as
    /// slices instead of through an index per term is most of a network's speed.
    Runs {
        bias: u32,
        weights: u32,
        inputs: u32,
        n: u32,
    },
}

impl Operands<'_> {
    /// The bias, then each weight and its input.
    pub(crate) fn nodes(&self) -> Vec<u32> {
        match *self {
            Operands::Pairs { bias, pairs } => {
                std::iter::once(bias).chain(pairs.iter().copied()).collect()
            }
            Operands::Runs {
                bias,
                weights,
                inputs,
                n,
            } => std::iter::once(bias)
                .chain((0..n).flat_map(|k| [weights + k, inputs + k]))
                .collect(),
        }
    }
}

/// Decodes the operands of a weighted-sum node from its `args`.
pub(crate) fn decode_operands(operands: &[u32], [start, count]: [u32; 2]) -> Operands<'_> {
    let start = start as usize;
    if count & RUNS != 0 {
        let [bias, weights, inputs] = operands[start..start + 3] else {
            unreachable!("three operands")
        };
        Operands::Runs {
            bias,
            weights,
            inputs,
            n: count & !RUNS,
        }
    } else {
        Operands::Pairs {
            bias: operands[start],
            pairs: &operands[start + 1..start + 1 + 2 * count as usize],
        }
    }
}

/// Checked tape indices of a weighted sum's weights or inputs.
enum Terms {
    /// Nodes `first .. first + n`.
    Run { first: u32, n: u32 },
    /// Any nodes.
    Scattered(Vec<u32>),
}

impl Terms {
    fn len(&self) -> usize {
        match self {
            Terms::Run { n, .. } => *n as usize,
            Terms::Scattered(indices) => indices.len(),
        }
    }

    fn get(&self, k: usize) -> u32 {
        match self {
            Terms::Run { first, .. } => first + k as u32,
            Terms::Scattered(indices) => indices[k],
        }
    }
}

/// Whether the values are consecutive nodes of the tape, all made in the same epoch.
fn is_run(values: &[Value<'_>]) -> bool {
    let Some(first) = values.first() else {
        return false;
    };
    // Index and epoch compared as one number: a layer's forward pass runs this over every weight.
    let key = |v: &Value<'_>| u64::from(v.index) | u64::from(v.epoch) << 32;
    (key(first)..)
        .zip(values)
        .all(|(expected, v)| key(v) == expected)
}

/// The forward rule of [`Op::WeightedSum`]: `bias + Σ wᵢ·xᵢ`, summed in order.
fn weighted_sum_forward(data: &[f64], operands: &[u32], args: [u32; 2]) -> f64 {
    match decode_operands(operands, args) {
        Operands::Pairs { bias, pairs } => {
            pairs.chunks_exact(2).fold(data[bias as usize], |acc, p| {
                acc + data[p[0] as usize] * data[p[1] as usize]
            })
        }
        Operands::Runs {
            bias,
            weights,
            inputs,
            n,
        } => {
            let ws = &data[weights as usize..][..n as usize];
            let xs = &data[inputs as usize..][..n as usize];
            ws.iter()
                .zip(xs)
                .fold(data[bias as usize], |acc, (w, x)| acc + w * x)
        }
    }
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
