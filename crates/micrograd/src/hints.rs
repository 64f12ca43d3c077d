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
        self.data_set(index, data);
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
                self.data_set(first + k, d);
            }
        }
    }

    /// Node `index`'s value was set to `data`.
    #[inline(always)]
    pub(crate) fn data_set(&mut self, index: usize, data: f64) {
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
    }

    /// Every node is about to be pushed again, in order (a compaction or a replay of the values).
    pub(crate) fn cleared(&mut self) {
        self.first_non_finite = None;
        self.first_blow_up = None;
        self.first_computed = None;
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
}
