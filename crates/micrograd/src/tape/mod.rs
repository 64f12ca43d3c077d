//! The tape: every node of a graph in creation order, with its data, gradient, label and operands.
//!
//! Every operation appends one node. Because a node's inputs always exist before it does, creation
//! order is already a topological order, so backpropagation is a single reverse sweep over the tape:
//! no recursion, no sort, no hash set. The [`Tape`] keeps its storage private; the graph, the
//! backward passes and the speed path use the small method API below.
//!
//! Handles to freed nodes are caught: each node records the *generation* (the number of rewinds and
//! compactions so far) in which it was made, and a handle carries the generation it was made in; a
//! mismatch is a panic naming the mistake, never a number read from some newer node that took the
//! freed slot. A node keeps its generation in 24 bits, which keeps it at 12 bytes: a stale handle is
//! missed only if its slot was refilled exactly a multiple of 16,777,216 rewinds after it was freed.

use std::collections::BTreeMap;

use crate::hints::Hints;
use crate::op::Op;

mod compact;
mod custom;
mod operands;
pub(crate) mod pages;
mod weighted_sum;

pub use compact::Compaction;
pub(crate) use custom::CustomOp;
pub use custom::FreedOps;
pub(crate) use operands::{decode_operands, Operands, Terms};

/// One entry of the tape: what made the node and from which nodes, in 12 bytes.
///
/// For unary and binary operations `args` are the indices of the inputs (a unary operation repeats
/// its input). For [`Op::WeightedSum`] they are where its operands start in the tape's operand list
/// and how many terms it has (see [`Operands`]).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Node {
    args: [u32; 2],
    op: Op,
    generation: [u8; 3],
}

/// The generations a node can tell apart: it keeps the low 24 bits.
const GENERATION_MASK: u32 = 0x00ff_ffff;

impl Node {
    fn new(op: Op, args: [u32; 2], generation: u32) -> Self {
        let [a, b, c, _] = generation.to_le_bytes();
        Node {
            args,
            op,
            generation: [a, b, c],
        }
    }

    /// The operation that made the node.
    pub(crate) fn op(&self) -> Op {
        self.op
    }

    /// The node's arguments (see the type's docs).
    pub(crate) fn args(&self) -> [u32; 2] {
        self.args
    }

    /// The low 24 bits of the generation the node was made in.
    fn generation_bits(&self) -> u32 {
        let [a, b, c] = self.generation;
        u32::from_le_bytes([a, b, c, 0])
    }

    /// Whether the node was made in `generation` (compared in 24 bits).
    fn made_in(&self, generation: u32) -> bool {
        self.generation_bits() == generation & GENERATION_MASK
    }
}

/// What a backward pass over the tape reads (see [`Tape::sweep`]).
pub(crate) struct Sweep<'a> {
    pub(crate) nodes: &'a [Node],
    pub(crate) data: &'a [f64],
    pub(crate) operands: &'a [u32],
}

/// The storage behind a [`Graph`](crate::Graph).
#[derive(Default)]
pub(crate) struct Tape {
    nodes: Vec<Node>,
    data: Vec<f64>,
    /// Gradients, grown on first use: an index past the end has gradient 0, so an empty vector
    /// means every gradient is 0.
    grad: Vec<f64>,
    operands: Vec<u32>,
    labels: BTreeMap<u32, String>,
    /// The operations written outside the engine, in tape order (see [`CustomOp`]).
    customs: Vec<CustomOp>,
    generation: u32,
    /// What the speed path knows of the tape, told of every change (the speed path's seam).
    hints: Hints,
}

/// A position on the tape to return to with [`Graph::rewind`](crate::Graph::rewind).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    nodes: u32,
    operands: u32,
    customs: u32,
    /// The generation of the last node before the checkpoint, which must still be there to rewind
    /// to it.
    last_generation: u32,
}

impl Tape {
    /// An empty tape with room for `nodes` nodes.
    pub(crate) fn with_capacity(nodes: usize) -> Self {
        let mut t = Tape::default();
        // No more than a tape can index, so that a push at full capacity still checks the limit.
        let nodes = nodes.min(u32::MAX as usize);
        t.nodes.reserve_exact(nodes);
        t.data.reserve_exact(nodes);
        pages::advise(&t.nodes);
        pages::advise(&t.data);
        t
    }

    /// The number of nodes.
    pub(crate) fn len(&self) -> usize {
        self.nodes.len()
    }

    /// The number of rewinds and compactions so far.
    pub(crate) fn generation(&self) -> u32 {
        self.generation
    }

    /// The generation node `index` was made in (the latest one its 24 bits can stand for).
    pub(crate) fn generation_of(&self, index: u32) -> u32 {
        let bits = self.nodes[index as usize].generation_bits();
        let behind = self.generation.wrapping_sub(bits) & GENERATION_MASK;
        self.generation.wrapping_sub(behind)
    }

    /// Whether the handle `(index, generation)` names a live node.
    #[inline]
    pub(crate) fn is_alive(&self, index: u32, generation: u32) -> bool {
        // A handle made in the current generation is alive as long as its index is on the tape;
        // only older handles need their node's generation compared.
        match self.nodes.get(index as usize) {
            Some(node) => generation == self.generation || node.made_in(generation),
            None => false,
        }
    }

    /// Panics with a clear message if the handle `(index, generation)` no longer names a live node.
    #[inline]
    pub(crate) fn check_alive(&self, index: u32, generation: u32) {
        assert!(
            self.is_alive(index, generation),
            "micrograd: this Value (node #{index}) was freed by Graph::rewind (or renumbered by \
             Graph::compact) and can no longer be used; keep only values made before the checkpoint \
             across a rewind"
        );
    }

    /// The node at `index`.
    pub(crate) fn node(&self, index: usize) -> Node {
        self.nodes[index]
    }

    /// Every node's data, in tape order.
    pub(crate) fn data(&self) -> &[f64] {
        &self.data
    }

    /// Sets node `index`'s data.
    pub(crate) fn set_data(&mut self, index: usize, data: f64) {
        self.data[index] = data;
        self.hints.data_set(index, data);
    }

    /// Node `index`'s gradient (0 until a backward pass reaches it).
    pub(crate) fn grad(&self, index: usize) -> f64 {
        self.grad.get(index).copied().unwrap_or(0.0)
    }

    /// Sets node `index`'s gradient.
    pub(crate) fn set_grad(&mut self, index: usize, grad: f64) {
        if self.grad.len() <= index {
            pages::resize_zeroed(&mut self.grad, self.nodes.len());
        }
        self.grad[index] = grad;
    }

    /// Puts `grads` in the place of the gradients and returns the ones that were there. A backward
    /// pass puts its own gradients there while a rule written outside the engine runs, so that the
    /// rule reads and writes them through ordinary handles.
    pub(crate) fn replace_grads(&mut self, grads: Vec<f64>) -> Vec<f64> {
        std::mem::replace(&mut self.grad, grads)
    }

    /// Every gradient, grown to cover the whole tape, to write into.
    pub(crate) fn grads_mut(&mut self) -> &mut [f64] {
        let n = self.nodes.len();
        if self.grad.len() < n {
            pages::resize_zeroed(&mut self.grad, n);
        }
        &mut self.grad
    }

    /// The data of the `n` nodes from `first`, to write as a slice. Whoever writes them must call
    /// [`Tape::note_non_finite_in`] after, as [`Tape::set_data`] would have.
    pub(crate) fn data_mut(&mut self, first: usize, n: usize) -> &mut [f64] {
        self.hints.data_may_change(first, n);
        &mut self.data[first..first + n]
    }

    /// The data and gradients of the `n` nodes from `first`, to read and write as slices (the
    /// gradients grown to cover them). Whoever writes the data must call
    /// [`Tape::note_non_finite_in`] after, as [`Tape::set_data`] would have.
    pub(crate) fn data_and_grads_mut(
        &mut self,
        first: usize,
        n: usize,
    ) -> (&mut [f64], &mut [f64]) {
        let end = first + n;
        if self.grad.len() < end {
            pages::resize_zeroed(&mut self.grad, end);
        }
        self.hints.data_may_change(first, n);
        (&mut self.data[first..end], &mut self.grad[first..end])
    }

    /// Records the non-finite data among the `n` nodes from `first`, after a write through
    /// [`Tape::data_and_grads_mut`].
    pub(crate) fn note_non_finite_in(&mut self, first: usize, n: usize) {
        for i in first..first + n {
            self.hints.data_set(i, self.data[i]);
        }
    }

    /// Sets every gradient to 0.
    pub(crate) fn zero_grad(&mut self) {
        // An empty gradient vector means all zeros; the next backward pass then moves its result in
        // instead of adding it, and the old gradients' memory becomes its scratch space.
        let grad = std::mem::take(&mut self.grad);
        self.hints.reuse(grad);
    }

    /// The operands of weighted-sum node `index`.
    pub(crate) fn operands(&self, index: usize) -> Operands<'_> {
        decode_operands(&self.operands, self.nodes[index].args)
    }

    /// The nodes node `index` was computed from, in argument order (for a weighted sum: the bias,
    /// then each weight and its input).
    pub(crate) fn children(&self, index: usize) -> Vec<u32> {
        let node = self.nodes[index];
        if node.op == Op::Custom {
            return self.custom(index).inputs.clone();
        }
        match node.op.arity() {
            Some(0) => vec![],
            Some(1) => vec![node.args[0]],
            Some(_) => node.args.to_vec(),
            None => self.operands(index).nodes(),
        }
    }

    /// Node `index`'s label.
    pub(crate) fn label(&self, index: u32) -> Option<&String> {
        self.labels.get(&index)
    }

    /// Gives node `index` a label.
    pub(crate) fn set_label(&mut self, index: u32, label: String) {
        self.labels.insert(index, label);
    }

    /// The storage a backward pass reads.
    pub(crate) fn sweep(&self) -> Sweep<'_> {
        Sweep {
            nodes: &self.nodes,
            data: &self.data,
            operands: &self.operands,
        }
    }

    /// What the speed path knows of the tape.
    pub(crate) fn hints(&self) -> &Hints {
        &self.hints
    }

    /// The same, to take and give back its buffers.
    pub(crate) fn hints_mut(&mut self) -> &mut Hints {
        &mut self.hints
    }

    /// The gradients as they are stored: an index past the end has gradient 0, so an empty vector
    /// means every gradient is 0.
    pub(crate) fn grads_stored(&mut self) -> &mut Vec<f64> {
        &mut self.grad
    }

    /// The heap bytes held (by capacity).
    pub(crate) fn memory_bytes(&self) -> usize {
        use std::mem::size_of;
        self.nodes.capacity() * size_of::<Node>()
            + (self.data.capacity() + self.grad.capacity()) * size_of::<f64>()
            + self.hints.memory_bytes()
            + self.operands.capacity() * size_of::<u32>()
            + self
                .customs
                .iter()
                .map(|c| size_of::<CustomOp>() + c.name.capacity() + 4 * c.inputs.capacity())
                .sum::<usize>()
            + self
                .labels
                .values()
                .map(|l| l.capacity() + size_of::<(u32, String)>())
                .sum::<usize>()
    }

    /// Appends a node whose value `data` is already computed; returns its index.
    #[inline(always)]
    pub(crate) fn push(&mut self, op: Op, args: [u32; 2], data: f64) -> u32 {
        let index = self.nodes.len();
        if index == self.nodes.capacity() || index == self.data.capacity() {
            self.grow_for_push();
        }
        self.nodes.push(Node::new(op, args, self.generation));
        self.data.push(data);
        self.hints.pushed(index, op, data);
        index as u32
    }

    /// Makes room for at least one more node (kept out of [`Tape::push`], which runs for every
    /// node, so that the common case stays small enough to inline).
    #[cold]
    #[inline(never)]
    fn grow_for_push(&mut self) {
        assert!(
            self.nodes.len() < u32::MAX as usize,
            "Graph: more than 4 billion nodes on one tape"
        );
        if self.nodes.len() == self.nodes.capacity() {
            pages::grow(&mut self.nodes, 1);
        }
        if self.data.len() == self.data.capacity() {
            pages::grow(&mut self.data, 1);
        }
    }

    /// Recomputes every node's data from its inputs, in tape order.
    pub(crate) fn recompute(&mut self) {
        self.hints.cleared();
        for i in 0..self.nodes.len() {
            let node = self.nodes[i];
            let data = match node.op {
                // A custom node's value was computed by its maker, who alone knows how.
                Op::Leaf | Op::Const | Op::Custom => self.data[i],
                op @ Op::WeightedSum(_) => op.forward(self.sum_of(node.args), 0.0),
                op => op.forward(
                    self.data[node.args[0] as usize],
                    self.data[node.args[1] as usize],
                ),
            };
            self.data[i] = data;
            self.hints.pushed(i, node.op, data);
        }
    }

    /// The current end of the tape.
    pub(crate) fn checkpoint(&self) -> Checkpoint {
        Checkpoint {
            nodes: self.nodes.len() as u32,
            operands: self.operands.len() as u32,
            customs: self.customs.len() as u32,
            last_generation: self.nodes.last().map_or(0, Node::generation_bits),
        }
    }

    /// Frees every node after `checkpoint`, and starts a new generation; returns the freed
    /// operations written outside the engine, for the caller to drop.
    ///
    /// # Panics
    /// If the checkpoint lies in a part of the tape already freed.
    pub(crate) fn rewind(&mut self, checkpoint: Checkpoint) -> FreedOps {
        let len = checkpoint.nodes as usize;
        let still_there = len <= self.nodes.len()
            && (len == 0 || self.nodes[len - 1].made_in(checkpoint.last_generation));
        assert!(
            still_there,
            "Graph::rewind: this checkpoint was taken after a point the graph has already been rewound to; \
             take a new checkpoint after the rewind"
        );
        self.nodes.truncate(len);
        self.data.truncate(len);
        self.grad.truncate(len);
        self.operands.truncate(checkpoint.operands as usize);
        let _freed = self.labels.split_off(&checkpoint.nodes);
        self.hints.rewound(checkpoint.nodes);
        self.generation = self.generation.wrapping_add(1);
        FreedOps(self.customs.split_off(checkpoint.customs as usize))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_node_stays_within_twelve_bytes() {
        assert!(std::mem::size_of::<Node>() <= 12);
        assert_eq!(std::mem::size_of::<Op>(), 1);
    }

    #[test]
    fn a_generation_is_recovered_from_its_low_bits() {
        let mut t = Tape::default();
        t.push(Op::Leaf, [0, 0], 1.0);
        let start = t.checkpoint();
        for _ in 0..3 {
            t.rewind(start);
        }
        t.push(Op::Leaf, [0, 0], 2.0);
        assert_eq!((t.generation_of(0), t.generation_of(1)), (0, 3));
        assert!(t.is_alive(0, 0) && t.is_alive(1, 3) && !t.is_alive(1, 2));
    }
}
