//! The graph: the arena that owns a [`Tape`] of nodes, and the [`Value`] handles into it.
//!
//! Every way of adding nodes or moving along the tape is here: inputs and constants, the operations
//! (through [`Value`]'s operators), weighted sums, checkpoints and rewinds, compaction, and looking
//! a node up by id. A training loop keeps its parameters at the start of the tape and, each step,
//! frees everything built after them with [`Graph::checkpoint`] and [`Graph::rewind`], so memory
//! stays flat. Dropping a graph frees a few vectors, however long the chain.

use std::cell::{Cell, Ref, RefCell, RefMut};
use std::fmt;
use std::sync::Arc;

use crate::op::{Activation, BackwardError, BackwardRule, BackwardStep, Op};
use crate::tape::{Checkpoint, Compaction, Tape, Terms};

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

/// A scalar in a computation graph: its data, its gradient, and how it was made.
///
/// A `Value` is a handle (the graph and a position on its tape), so it is `Copy`: use it as often as
/// you like, as you would an `f64`. Gradients accumulate, so a value used twice gets both
/// contributions:
///
/// ```
/// use micrograd::Graph;
///
/// let g = Graph::new();
/// let a = g.value(3.0).with_label("a");
/// let b = a + a;
/// b.backward();
/// assert_eq!(a.grad(), 2.0);
/// println!("{a}"); // Value(data=3.0, grad=2.0)
/// ```
#[derive(Clone, Copy)]
pub struct Value<'g> {
    graph: &'g Graph,
    /// The node's index on the tape in the low 32 bits, the generation it was made in above them:
    /// one word, so that a handle travels in two registers, and a run of handles is a run of keys.
    key: u64,
}

impl<'g> Value<'g> {
    pub(crate) fn new(graph: &'g Graph, index: u32, generation: u32) -> Self {
        Value {
            graph,
            key: u64::from(index) | u64::from(generation) << 32,
        }
    }

    /// The node's index on the tape.
    pub(crate) fn index(&self) -> u32 {
        self.key as u32
    }

    /// The generation (number of rewinds and compactions) the handle was made in.
    pub(crate) fn generation(&self) -> u32 {
        (self.key >> 32) as u32
    }

    /// The graph this value lives in.
    pub fn graph(&self) -> &'g Graph {
        self.graph
    }

    /// The node's position on the tape: unique within its graph (until a rewind or a compaction),
    /// and increasing in creation order.
    pub fn id(&self) -> usize {
        self.index() as usize
    }
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

    pub(crate) fn tape(&self) -> Ref<'_, Tape> {
        self.tape.borrow()
    }

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

    /// A node for an operation written outside the engine ([`Op::Custom`]): named `name` (drawn
    /// in the graph), computed from `inputs`, with the value `data` its maker computed. It passes
    /// no gradient back until it is given a rule with [`Value::set_backward_rule`], as micrograd's
    /// `Value(data, (x,), 'tanh')` does nothing in `backward()` until its `_backward` is set.
    ///
    /// ```
    /// use micrograd::{BackwardStep, Graph};
    ///
    /// let g = Graph::new();
    /// let (a, b) = (g.value(2.0), g.value(-3.0));
    /// // a * b, as a learner writes a new operation: forward here, backward in the rule.
    /// let (x, y) = (a.data(), b.data());
    /// let c = g.custom("mul", &[a, b], x * y);
    /// c.set_backward_rule(move |s: &mut BackwardStep| {
    ///     s.input_grads[0] = y * s.grad;
    ///     s.input_grads[1] = x * s.grad;
    ///     Ok(())
    /// });
    /// let out = (c + 1.0).tanh();
    /// out.backward();
    /// assert_eq!(c.op_name(), "mul");
    /// assert_eq!(a.grad(), -3.0 * (1.0 - out.data().powi(2)));
    /// ```
    ///
    /// # Panics
    /// If an input belongs to another graph or was freed.
    pub fn custom<'g>(&'g self, name: &str, inputs: &[Value<'g>], data: f64) -> Value<'g> {
        let mut t = self.tape_mut();
        let inputs = inputs.iter().map(|v| self.checked(&t, *v, name)).collect();
        let index = t.push_custom(name.to_owned(), inputs, data);
        Value::new(self, index, t.generation())
    }

    /// Sets custom node `index`'s rule (see [`Value::set_backward_rule`]).
    pub(crate) fn set_rule(&self, index: usize, rule: Arc<dyn BackwardRule>) {
        let replaced = self.tape_mut().set_rule(index, rule);
        // Dropped with the tape released, as in `rewind`.
        drop(replaced);
    }

    /// Whether a backward pass of this graph is running (so a rule written outside the engine may
    /// be the caller).
    pub fn in_backward(&self) -> bool {
        self.in_backward.get()
    }

    /// Marks a backward pass as running until the guard is dropped; refuses a second one.
    pub(crate) fn begin_pass(&self) -> Result<PassGuard<'_>, BackwardError> {
        if self.in_backward.replace(true) {
            return Err(BackwardError::Reentrant);
        }
        Ok(PassGuard(self))
    }

    fn refuse_during_backward(&self, what: &str) {
        assert!(
            !self.in_backward(),
            "micrograd: Graph::{what} was called from inside a backward rule while the graph's \
             backward pass runs; a rule may only read values and add to gradients"
        );
    }

    /// Calls custom node `index`'s backward rule with its gradient `grad`, the tape released so that
    /// the rule may use handles; returns each input with the contribution the rule wrote for it
    /// (0 for a node with no rule yet). During a pass, `pass_grads` (the pass's gradients) stand in
    /// the graph's gradients while the rule runs.
    pub(crate) fn call_rule(
        &self,
        index: usize,
        grad: f64,
        pass_grads: Option<&mut Vec<f64>>,
    ) -> Result<Vec<(u32, f64)>, BackwardError> {
        let (rule, inputs, data, input_data) = {
            let t = self.tape();
            let custom = t.custom(index);
            let input_data: Vec<f64> = custom
                .inputs
                .iter()
                .map(|&i| t.data()[i as usize])
                .collect();
            (
                custom.rule.clone(),
                custom.inputs.clone(),
                t.data()[index],
                input_data,
            )
        };
        let mut input_grads = vec![0.0; inputs.len()];
        if let Some(rule) = rule {
            let mut step = BackwardStep {
                grad,
                data,
                inputs: &input_data,
                input_grads: &mut input_grads,
            };
            let result = match pass_grads {
                Some(pass_grads) => {
                    let before = self.tape_mut().replace_grads(std::mem::take(pass_grads));
                    let result = rule.backward(&mut step);
                    *pass_grads = self.tape_mut().replace_grads(before);
                    result
                }
                None => rule.backward(&mut step),
            };
            result.map_err(|error| BackwardError::Rule { node: index, error })?;
        }
        Ok(inputs.into_iter().zip(input_grads).collect())
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
        let neuron = [(bias, weights)];
        self.weighted_sums(inputs, neuron, Activation::Linear)[0]
    }

    /// A layer's neurons over the same inputs: `activation(bias + Σ weights[i] * inputs[i])` for each
    /// `(bias, weights)`, each neuron one [`Op::WeightedSum`] node, made one after another (so the
    /// results are a run of consecutive nodes, which the next layer reads as one). The inputs are
    /// checked once. The numbers, and the gradients of everything else, are exactly those of a
    /// weighted sum followed by its activation's node, with half the nodes.
    ///
    /// ```
    /// use micrograd::nn::Activation;
    /// use micrograd::{Graph, Op};
    ///
    /// let g = Graph::new();
    /// let x = [g.value(1.0), g.value(2.0)];
    /// let (w1, w2) = ([g.value(0.5), g.value(0.5)], [g.value(-1.0), g.value(1.0)]);
    /// let neurons = [(g.value(-2.0), &w1[..]), (g.value(1.0), &w2[..])];
    /// let out = g.weighted_sums(&x, neurons, Activation::Relu);
    /// assert_eq!((out[0].data(), out[1].data()), (0.0, 2.0));
    /// assert_eq!(out[1].op(), Op::WeightedSum(Activation::Relu));
    /// ```
    ///
    /// # Panics
    /// As [`Graph::weighted_sum`].
    pub fn weighted_sums<'g, 'w>(
        &'g self,
        inputs: &[Value<'g>],
        neurons: impl IntoIterator<Item = (Value<'g>, &'w [Value<'g>])>,
        activation: Activation,
    ) -> Vec<Value<'g>>
    where
        'g: 'w,
    {
        let mut t = self.tape_mut();
        let inputs = self.checked_terms(&t, inputs);
        let generation = t.generation();
        neurons
            .into_iter()
            .map(|(bias, weights)| {
                let bias = self.checked(&t, bias, "weighted_sum");
                let weights = self.checked_terms(&t, weights);
                let index = t.push_weighted_sum(activation, bias, &weights, &inputs);
                Value::new(self, index, generation)
            })
            .collect()
    }

    /// [`Graph::weighted_sum`] whose weights and inputs are the `n` nodes from `weights` and from
    /// `inputs`, runs already checked alive in this step: the same node, without a check per term.
    pub(crate) fn weighted_sum_of_runs<'g>(
        &'g self,
        bias: Value<'g>,
        weights: u32,
        inputs: u32,
        n: u32,
    ) -> Value<'g> {
        let mut t = self.tape_mut();
        let bias = self.checked(&t, bias, "weighted_sum");
        let (weights, inputs) = (
            Terms::Run { first: weights, n },
            Terms::Run { first: inputs, n },
        );
        let index = t.push_weighted_sum(Activation::Linear, bias, &weights, &inputs);
        Value::new(self, index, t.generation())
    }

    /// The tape indices of a weighted sum's inputs (or weights), checked alive.
    fn checked_terms(&self, t: &Tape, values: &[Value<'_>]) -> Terms {
        if let Some(first) = self.checked_run(t, values) {
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

    /// The tape index of the first of `values` if they are a run of consecutive nodes, checked
    /// alive; `None` if they are not a run.
    pub(crate) fn checked_run(&self, t: &Tape, values: &[Value<'_>]) -> Option<u32> {
        is_run(values).then(|| self.checked_run_ends(t, values))
    }

    /// The tape index of the first of `values`, which [`is_run`] found to be a run, checked alive.
    ///
    /// # Panics
    /// If `values` is empty, or its nodes were freed or belong to another graph.
    pub(crate) fn checked_run_ends(&self, t: &Tape, values: &[Value<'_>]) -> u32 {
        // Every node of a run is alive if its first and last are and all its handles come from one
        // generation, since generations never decrease along the tape.
        let first = self.checked(t, values[0], "weighted_sum");
        self.checked(t, values[values.len() - 1], "weighted_sum");
        first
    }

    /// Appends a node; `data` is its already computed value.
    fn push(&self, op: Op, args: [u32; 2], data: f64) -> Value<'_> {
        let mut t = self.tape_mut();
        let index = t.push(op, args, data);
        Value::new(self, index, t.generation())
    }

    /// Appends the node `op(inputs)`, computing its value with the op's forward rule.
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
    pub(crate) fn checked(&self, t: &Tape, v: Value<'_>, context: &str) -> u32 {
        assert!(
            std::ptr::eq(v.graph, self),
            "micrograd: `{context}` mixes values from two different graphs"
        );
        t.check_alive(v.index(), v.generation());
        v.index()
    }
}

/// While it lives, the graph's backward pass is running (see [`Graph::begin_pass`]).
pub(crate) struct PassGuard<'g>(&'g Graph);

impl Drop for PassGuard<'_> {
    fn drop(&mut self) {
        self.0.in_backward.set(false);
    }
}

/// Whether `values` are consecutive nodes made in one generation: a property of the handles
/// alone, so a caller that keeps the same handles (a trainer's parameters) asks once.
pub(crate) fn is_run(values: &[Value<'_>]) -> bool {
    let Some(first) = values.first() else {
        return false;
    };
    // Consecutive indices from one generation are consecutive keys. Each block is compared
    // whole, without a branch per handle, so that the compiler can compare several at once.
    const BLOCK: usize = 64;
    values
        .chunks(BLOCK)
        .zip((first.key..).step_by(BLOCK))
        .all(|(block, key)| {
            let differ = (key..)
                .zip(block)
                .fold(0, |acc, (key, v)| acc | (v.key ^ key));
            differ == 0
        })
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
