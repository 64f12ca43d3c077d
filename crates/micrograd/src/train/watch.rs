//! Watching a training step's update (see `optim/watched.rs`): the step's restore point
//! and the new parameters' sum of squares, taken while each chunk of the update is in the cache.

use crate::optim::watched::UpdateWatcher;
use crate::speed::RangeSquares;

/// What a training step's update is watched for, chunk by chunk, while each chunk is still in
/// the processor's cache: the values it is about to overwrite (the step's restore point, when
/// asked for one) and the sum of the new values' squares, added in order from +0 exactly as the
/// L2 penalty's weighted sum adds them. Summing inside the update is nearly free: the update is
/// bound by its divisions and square roots, the sum by the latency of its chain of additions, and
/// the processor runs the two side by side.
pub(crate) struct StepWatch<'s> {
    restore_point: Option<&'s mut Vec<f64>>,
    sum_of_squares: f64,
}

impl<'s> StepWatch<'s> {
    /// A watch that copies the old values into `restore_point` (emptied first), if given.
    pub(crate) fn new(mut restore_point: Option<&'s mut Vec<f64>>) -> Self {
        if let Some(values) = restore_point.as_mut() {
            values.clear();
        }
        StepWatch {
            restore_point,
            sum_of_squares: 0.0,
        }
    }

    /// The sum of squares of every new value seen so far, in order: those of the `n` values from
    /// `offset`.
    pub(crate) fn squares(&self, offset: usize, n: usize) -> RangeSquares {
        RangeSquares {
            offset,
            n,
            sum: self.sum_of_squares,
        }
    }
}

impl UpdateWatcher for StepWatch<'_> {
    fn before(&mut self, old: &[f64]) {
        if let Some(values) = &mut self.restore_point {
            values.extend_from_slice(old);
        }
    }

    fn after(&mut self, new: &[f64]) {
        for &p in new {
            self.sum_of_squares += p * p;
        }
    }
}
