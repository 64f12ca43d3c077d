//! Watching a training step's update (see `optim/watched.rs`): the step's restore point and the
//! new parameters' sum of squares, and on threads the other parts' gradients added in and the
//! workers' copies of the parameters written, all while each chunk of the update is in the cache
//! and the update's divisions leave the adders idle.

use crate::optim::watched::UpdateWatcher;
use crate::speed::RangeSquares;

/// Where a worker thread's graph keeps its copy of the parameters: the start of its tape's data,
/// written by the threads that update the parameters, so that the worker starts its next part
/// without copying them in (see `threads.rs`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Mirror(pub(crate) *mut f64);

// SAFETY: a mirror is written only while its worker waits between handing back a part and getting
// the next (see `Workers::sum_and_update`), and what it points to is plain numbers.
unsafe impl Send for Mirror {}

/// What a training step's update is watched for, chunk by chunk, while each chunk is still in
/// the processor's cache:
/// - on threads, the gradients, completed before the rule reads them with the other threads'
///   parts, in part order, as one thread's sum over samples would group them;
/// - the values it is about to overwrite, copied into the step's restore point, if given;
/// - the sum of the new values' squares, added in order from +0 exactly as the L2 penalty's
///   weighted sum adds them. Summing inside the update is nearly free: the update is bound by its
///   divisions and square roots, the sum by the latency of its chain of additions, and the
///   processor runs the two side by side;
/// - the new values, copied into each worker's copy of the parameters (its [`Mirror`]).
pub(crate) struct StepWatch<'s> {
    /// The other threads' gradients over the watched range, in part order (from the range's
    /// start).
    parts: Vec<*const f64>,
    restore_point: Option<&'s mut [f64]>,
    mirrors: &'s [Mirror],
    /// Where the watched range starts among the parameters (where its values go in a mirror).
    offset: usize,
    /// How many values were seen before and after so far.
    seen_before: usize,
    seen_after: usize,
    sum_of_squares: f64,
}

impl<'s> StepWatch<'s> {
    /// A watch of the range of the parameters from `offset` that copies the old values into
    /// `restore_point` (as long as the range) if given, and the new ones into `mirrors`.
    pub(crate) fn new(
        offset: usize,
        restore_point: Option<&'s mut [f64]>,
        mirrors: &'s [Mirror],
    ) -> Self {
        StepWatch {
            parts: Vec::new(),
            restore_point,
            mirrors,
            offset,
            seen_before: 0,
            seen_after: 0,
            sum_of_squares: 0.0,
        }
    }

    /// Completes the gradients with the other threads' `parts` (pointers to each one's gradients
    /// over the watched range, in part order, readable until the update ends).
    pub(crate) fn adding_parts(mut self, parts: Vec<*const f64>) -> Self {
        self.parts = parts;
        self
    }

    /// The sum of squares of the new values seen, in order.
    pub(crate) fn squares(&self) -> RangeSquares {
        RangeSquares {
            offset: self.offset,
            n: self.seen_after,
            sum: self.sum_of_squares,
        }
    }
}

impl UpdateWatcher for StepWatch<'_> {
    fn before(&mut self, old: &[f64], grads: &mut [f64]) {
        for &part in &self.parts {
            // SAFETY: each part's pointer covers the watched range and is only read while the
            // update runs (see `Workers::sum_and_update`).
            let part =
                unsafe { std::slice::from_raw_parts(part.add(self.seen_before), grads.len()) };
            for (g, &r) in grads.iter_mut().zip(part) {
                *g += r;
            }
        }
        if let Some(values) = &mut self.restore_point {
            values[self.seen_before..][..old.len()].copy_from_slice(old);
        }
        self.seen_before += old.len();
    }

    fn after(&mut self, new: &[f64]) {
        for &p in new {
            self.sum_of_squares += p * p;
        }
        let at = self.offset + self.seen_after;
        for mirror in self.mirrors {
            // SAFETY: a mirror covers every parameter and is not otherwise touched while the
            // update runs (see `Mirror`); the ranges of the threads' watches do not overlap.
            unsafe {
                std::ptr::copy_nonoverlapping(new.as_ptr(), mirror.0.add(at), new.len());
            }
        }
        self.seen_after += new.len();
    }
}
