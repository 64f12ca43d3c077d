//! The speed path's seam: what the fast backward pass ([`crate::speed`]) needs to know about a
//! tape's contents, kept up to date as nodes are pushed, written, rewound and compacted, and the
//! buffers it reuses from one pass to the next.
//!
//! The tape informs one [`Hints`] value of every change with one call (`pushed`, `data_set`,
//! `rewound`, `cleared`) and knows nothing else about speed. The plain sweep
//! ([`crate::backward`]) never reads it.
//!
//! What it tracks decides when the fast pass may skip a node whose gradient is 0: that is exact
//! only while every value the pass reads is finite and no node below has a backward rule that
//! can turn a zero gradient into a non-zero or NaN contribution (as `sqrt'(0)` does).
//!
//! It also keeps numbers a training step would otherwise spend a pass on: the in-order sums of
//! the squares of the parameters (the L2 penalty, one sum per range that a thread updates), as the
//! optimizer's update computed them while writing them, forgotten the moment any of them may
//! change.

use crate::op::Op;

/// What the speed path knows about a tape (see the module's docs).
#[derive(Default)]
pub(crate) struct Hints {
    /// The first node whose data is or was NaN or infinite, if any. A rewind past it clears it.
    first_non_finite: Option<u32>,
    /// The first node whose backward rule can blow up on a zero gradient
    /// ([`Op::derivative_can_blow_up`]), if any.
    first_blow_up: Option<u32>,
    /// The first node computed from others, if any: every node below it is an input or a
    /// constant, which passes nothing back, so a sweep may stop there (a training step's
    /// parameters sit at the start of the tape).
    first_computed: Option<u32>,
    /// The buffers a backward pass reuses.
    scratch: Scratch,
    /// Known sums of squares of runs of nodes' data.
    sums_of_squares: Vec<SumOfSquares>,
}

/// `sum = ((0 + x₀·x₀) + x₁·x₁) + …` over the data of the `n` nodes from `first`, added in order
/// from +0, as [`crate::op::weighted_sum`] adds the weighted sum of the run with itself.
#[derive(Clone, Copy, Debug)]
struct SumOfSquares {
    first: u32,
    n: u32,
    sum: f64,
}

/// Buffers a backward pass reuses from one pass to the next: the gradient flowing into each node
/// during the pass, and (one bit per node) whether the pass reaches the node at all.
#[derive(Default)]
pub(crate) struct Scratch {
    pub(crate) adjoint: Vec<f64>,
    pub(crate) reached: Vec<u64>,
}

impl Hints {
    /// Node `index`, made by `op`, was pushed with the value `data`.
    #[inline(always)]
    pub(crate) fn pushed(&mut self, index: usize, op: Op, data: f64) {
        if op.derivative_can_blow_up() && self.first_blow_up.is_none() {
            self.first_blow_up = Some(index as u32);
        }
        if !matches!(op, Op::Leaf | Op::Const) && self.first_computed.is_none() {
            self.first_computed = Some(index as u32);
        }
        // A push lands after every node still there: no known sum covers it (a rewind below a
        // known run's end has forgotten the sum).
        self.note_value(index, data);
    }

    /// The nodes from `first` on, all made by `op`, were pushed with the values `data` (a layer's
    /// neurons, pushed together by the batch forward).
    pub(crate) fn pushed_run(&mut self, first: usize, op: Op, data: &[f64]) {
        let Some(&head) = data.first() else {
            return;
        };
        self.pushed(first, op, head);
        if data.iter().any(|d| !d.is_finite()) {
            for (k, &d) in data.iter().enumerate() {
                self.note_value(first + k, d);
            }
        }
    }

    /// Node `index`'s value was set to `data`.
    #[inline(always)]
    pub(crate) fn data_set(&mut self, index: usize, data: f64) {
        self.data_may_change(index, 1);
        self.note_value(index, data);
    }

    /// The data of the `n` nodes from `first` were handed out to be written.
    pub(crate) fn data_may_change(&mut self, first: usize, n: usize) {
        self.sums_of_squares.retain(|known| {
            let (known_first, known_end) = (known.first as usize, (known.first + known.n) as usize);
            first >= known_end || known_first >= first + n
        });
    }

    /// Node `index` holds `data`: tracks the first non-finite one.
    #[inline(always)]
    fn note_value(&mut self, index: usize, data: f64) {
        if !data.is_finite()
            && self
                .first_non_finite
                .is_none_or(|first| index < first as usize)
        {
            self.first_non_finite = Some(index as u32);
        }
    }

    /// Every node from `len` on was freed.
    pub(crate) fn rewound(&mut self, len: u32) {
        if self.first_blow_up >= Some(len) {
            self.first_blow_up = None;
        }
        if self.first_non_finite >= Some(len) {
            self.first_non_finite = None;
        }
        if self.first_computed >= Some(len) {
            self.first_computed = None;
        }
        self.sums_of_squares
            .retain(|known| known.first + known.n <= len);
    }

    /// Every node is about to be pushed again, in order (a compaction or a replay of the values).
    pub(crate) fn cleared(&mut self) {
        self.first_non_finite = None;
        self.first_blow_up = None;
        self.first_computed = None;
        self.sums_of_squares.clear();
    }

    /// Records that the data of the `n` nodes from `first`, just written, have the in-order sum of
    /// squares `sum` (see [`SumOfSquares`]).
    pub(crate) fn know_sum_of_squares(&mut self, first: usize, n: usize, sum: f64) {
        self.data_may_change(first, n);
        self.sums_of_squares.push(SumOfSquares {
            first: first as u32,
            n: n as u32,
            sum,
        });
    }

    /// The in-order sum of squares of the data of the `n` nodes from `first`, if known.
    pub(crate) fn sum_of_squares(&self, first: u32, n: u32) -> Option<f64> {
        self.sums_of_squares
            .iter()
            .find(|known| (known.first, known.n) == (first, n))
            .map(|known| known.sum)
    }

    /// The first node whose data is or was NaN or infinite, if any.
    pub(crate) fn first_non_finite(&self) -> Option<u32> {
        self.first_non_finite
    }

    /// The first node whose backward rule can blow up on a zero gradient, if any.
    pub(crate) fn first_blow_up(&self) -> Option<u32> {
        self.first_blow_up
    }

    /// The first node computed from others, if any (below it, only inputs and constants).
    pub(crate) fn first_computed(&self) -> Option<u32> {
        self.first_computed
    }

    /// The buffers the last backward pass left, for the next one to reuse.
    pub(crate) fn take_scratch(&mut self) -> Scratch {
        std::mem::take(&mut self.scratch)
    }

    /// Gives a backward pass's buffers back, for the next pass to reuse.
    pub(crate) fn put_scratch(&mut self, scratch: Scratch) {
        self.scratch = scratch;
    }

    /// Keeps `grads` (the memory of gradients just reset) as the next pass's adjoint buffer, if
    /// it is larger than the one kept.
    pub(crate) fn reuse(&mut self, grads: Vec<f64>) {
        if grads.capacity() > self.scratch.adjoint.capacity() {
            self.scratch.adjoint = grads;
        }
    }

    /// The heap bytes held (by capacity).
    pub(crate) fn memory_bytes(&self) -> usize {
        self.scratch.adjoint.capacity() * size_of::<f64>()
            + self.scratch.reached.capacity() * size_of::<u64>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rewind_past_the_first_non_finite_node_clears_it() {
        let mut h = Hints::default();
        h.pushed(0, Op::Leaf, 1.0);
        h.pushed(1, Op::Leaf, 2.0);
        h.pushed(2, Op::Log, f64::NAN);
        h.pushed(3, Op::Sqrt, 1.0);
        assert_eq!(
            (h.first_non_finite(), h.first_blow_up()),
            (Some(2), Some(3))
        );
        h.rewound(1);
        assert_eq!((h.first_non_finite(), h.first_blow_up()), (None, None));
    }

    #[test]
    fn the_first_computed_node_is_the_first_that_is_not_an_input() {
        let mut h = Hints::default();
        h.pushed(0, Op::Leaf, 1.0);
        h.pushed(1, Op::Const, 2.0);
        assert_eq!(h.first_computed(), None);
        h.pushed_run(2, Op::WeightedSum(crate::op::Activation::Relu), &[0.5, 1.5]);
        h.pushed(4, Op::Tanh, 0.1);
        assert_eq!(h.first_computed(), Some(2));
        h.rewound(3);
        assert_eq!(h.first_computed(), Some(2));
        h.rewound(2);
        assert_eq!(h.first_computed(), None);
    }

    #[test]
    fn a_known_sum_of_squares_is_forgotten_when_its_nodes_may_change() {
        let known = |h: &mut Hints| {
            h.know_sum_of_squares(2, 4, 7.5);
            h.know_sum_of_squares(6, 2, 1.5);
        };
        let mut h = Hints::default();
        known(&mut h);
        assert_eq!(h.sum_of_squares(2, 4), Some(7.5));
        assert_eq!(h.sum_of_squares(6, 2), Some(1.5));
        // Only the same run is answered.
        assert_eq!(h.sum_of_squares(2, 3), None);
        // Writes elsewhere, pushes after the runs and rewinds above them keep both.
        h.data_set(1, 3.0);
        h.data_may_change(8, 10);
        h.pushed(8, Op::Tanh, 0.5);
        h.rewound(8);
        assert_eq!(h.sum_of_squares(2, 4), Some(7.5));
        assert_eq!(h.sum_of_squares(6, 2), Some(1.5));
        // A write inside one run forgets that run only.
        h.data_set(3, 0.0);
        assert_eq!(
            (h.sum_of_squares(2, 4), h.sum_of_squares(6, 2)),
            (None, Some(1.5))
        );
        known(&mut h);
        h.data_may_change(5, 2);
        assert_eq!(
            (h.sum_of_squares(2, 4), h.sum_of_squares(6, 2)),
            (None, None)
        );
        known(&mut h);
        h.rewound(7);
        assert_eq!(
            (h.sum_of_squares(2, 4), h.sum_of_squares(6, 2)),
            (Some(7.5), None)
        );
        known(&mut h);
        h.cleared();
        assert_eq!(
            (h.sum_of_squares(2, 4), h.sum_of_squares(6, 2)),
            (None, None)
        );
    }
}
