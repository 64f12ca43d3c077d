//! A step's update split over the threads: each thread adds the parts' gradients over its range of
//! the parameters (in part order, as one thread would) and runs the optimizer's rule on that range
//! ([`Optimizer::split_update`]), a chunk at a time: the parts' gradients are added to a chunk just
//! before the rule reads it (see [`StepWatch`]), while the rule's divisions leave the adders idle. Both rules act on each parameter alone, so the bits are those of
//! one thread doing it all; only the wall-clock time of the step's serial end is shared. The new
//! values' sum of squares (see [`StepWatch`]) is added in order over each thread's range while it
//! updates it (the L2 penalty is written as the sum of those ranges' sums), and when every worker
//! took part, each thread copies its range's new values into every worker's copy of the
//! parameters (its [`Mirror`]), so that no worker copies them in at the next step.
//!
//! The ranges are the trainer's own memory (the model's parameters and gradients, the optimizer's
//! state, the parts' gradients), lent to a worker thread that outlives the step. Rust's borrows
//! cannot say "until the worker answers", so a [`Share`] carries raw pointers and the trainer
//! keeps the promise by hand: it waits for every worker's answer before it returns, and the
//! ranges never overlap.

use std::slice;

use super::{receive, Answer, Answers, Request, Workers};
use crate::optim::watched::{self, WatchedRangeUpdate};
use crate::optim::{split_state, Optimizer};
use crate::speed::{group_bounds, RangeSquares};
use crate::train::watch::{Mirror, StepWatch};

/// A worker's share of a step's update: a range of the model's parameters, its gradients (part 0's
/// so far), the same range of every other part's gradients, and the optimizer's rule for it.
pub(super) struct Share {
    data: *mut f64,
    grads: *mut f64,
    /// Where the range's old values go: its part of the step's restore point.
    restore: *mut f64,
    /// Where the range starts among the parameters, and how many it holds.
    start: usize,
    len: usize,
    /// The workers' copies of the parameters, to copy the new values into.
    mirrors: Vec<Mirror>,
    /// The other parts' gradients over the range, in part order.
    parts: Vec<*const f64>,
    update: WatchedRangeUpdate<'static>,
}

// SAFETY: a share is the only access to its ranges until its worker answers (see the module's
// doc), and what it points to is plain numbers.
unsafe impl Send for Share {}

impl Share {
    /// Completes the range's gradients and updates the range, chunk by chunk; returns the
    /// in-order sum of its new values' squares.
    pub(super) fn run(self) -> f64 {
        // SAFETY: the pointers cover `len` numbers each, lent by `Workers::sum_and_update`, which
        // touches none of them and drops none of their owners until this share's worker answers.
        let (data, grads, restore) = unsafe {
            (
                slice::from_raw_parts_mut(self.data, self.len),
                slice::from_raw_parts_mut(self.grads, self.len),
                slice::from_raw_parts_mut(self.restore, self.len),
            )
        };
        // The parts' gradients are only read, by every thread.
        let mut watch =
            StepWatch::new(self.start, Some(restore), &self.mirrors).adding_parts(self.parts);
        (self.update)(data, grads, &mut watch);
        watch.squares().sum
    }
}

impl Workers {
    /// Completes `grads` (part 0's) with the other parts' gradients (kept by
    /// [`Workers::forward_backward`]), in part order, and updates `data` with `optimizer`: each busy thread does one range of the parameters when
    /// the optimizer can split its update, the calling thread all of it otherwise. The same bits
    /// either way. Copies the old values into `restore_point` (as long as `data`), and returns the
    /// in-order sum of the new values' squares over each thread's range (see [`StepWatch`]).
    pub(crate) fn sum_and_update(
        &mut self,
        data: &mut [f64],
        grads: &mut [f64],
        optimizer: &mut dyn Optimizer,
        restore_point: &mut [f64],
    ) -> Vec<RangeSquares> {
        let n = data.len();
        if let Some(pieces) = self.split.take() {
            return self.update_owned(&pieces, data, grads, optimizer, restore_point);
        }
        // Set again below once every worker's copy holds the new values.
        self.mirrored = false;
        let every_worker = self.busy == self.workers.len();
        let busy = &self.workers[..self.busy];
        assert!(
            busy.iter().all(|w| w.grads.len() == n),
            "micrograd: a part's gradients are missing"
        );
        let shares = busy.len() + 1;
        let bounds = group_bounds(n, shares);
        let parts_from = |start: usize| -> Vec<*const f64> {
            busy.iter().map(|w| w.grads[start..].as_ptr()).collect()
        };
        let Some(updates) = watched::split_update_watched(optimizer, n, &bounds) else {
            let mut watch = StepWatch::new(0, Some(restore_point), &[]).adding_parts(parts_from(0));
            watched::update_watched(optimizer, data, grads, &mut watch);
            return vec![watch.squares()];
        };
        let mirrors: Vec<Mirror> = if every_worker {
            busy.iter().filter_map(|w| w.mirror).collect()
        } else {
            Vec::new()
        };
        let mut updates = updates.into_iter();
        let first = updates.next().expect("one update per range");
        let (mut data, mut grads) = (split_state(data, &bounds), split_state(grads, &bounds));
        let mut restore = split_state(restore_point, &bounds);
        let starts = std::iter::once(0).chain(bounds.iter().copied());
        // Waits for every share's answer on the way out, a panic here included: until then the
        // workers hold pointers into the memory this call borrows.
        let mut answers = Answers {
            workers: busy,
            asked: 0,
            answered: 0,
        };
        let ranges = data
            .iter_mut()
            .zip(grads.iter_mut())
            .zip(restore.iter_mut())
            .zip(starts)
            .skip(1);
        for ((worker, (((data, grads), restore), start)), update) in
            busy.iter().zip(ranges).zip(updates)
        {
            // SAFETY (lifetime): the update borrows the optimizer's state, which outlives this
            // call; the worker runs and drops it before it answers, and this call waits for the
            // answer.
            let update: WatchedRangeUpdate<'static> = unsafe { std::mem::transmute(update) };
            let share = Share {
                data: data.as_mut_ptr(),
                grads: grads.as_mut_ptr(),
                restore: restore.as_mut_ptr(),
                start,
                len: data.len(),
                mirrors: mirrors.clone(),
                parts: parts_from(start),
                update,
            };
            worker.ask(Request::Update(vec![share]));
            answers.asked += 1;
        }
        let mut watch =
            StepWatch::new(0, Some(&mut *restore[0]), &mirrors).adding_parts(parts_from(0));
        first(data[0], grads[0], &mut watch);
        let mut sums = Vec::with_capacity(shares);
        sums.push(watch.squares());
        let mut starts = bounds.iter().copied();
        while answers.answered < answers.asked {
            let Some(Answer::Updated(sum)) = receive(&busy[answers.answered].done) else {
                panic!("a training thread stopped");
            };
            let sum = sum.iter().sum();
            let offset = starts.next().expect("one range per share");
            let len = data[answers.answered + 1].len();
            sums.push(RangeSquares {
                offset,
                n: len,
                sum,
            });
            answers.answered += 1;
        }
        self.mirrored = mirrors.len() == self.workers.len();
        sums
    }
}

impl Workers {
    /// The update after a step split by neurons: each piece of the parameters (`pieces`, in
    /// order, each with the thread that owns it) updated by its owner, whose cache holds its
    /// gradients and values already. Returns each piece's in-order sum of its new values' squares.
    fn update_owned(
        &mut self,
        pieces: &[(std::ops::Range<usize>, usize)],
        data: &mut [f64],
        grads: &mut [f64],
        optimizer: &mut dyn Optimizer,
        restore_point: &mut [f64],
    ) -> Vec<RangeSquares> {
        let n = data.len();
        let bounds: Vec<usize> = pieces[1..].iter().map(|(range, _)| range.start).collect();
        let Some(updates) = watched::split_update_watched(optimizer, n, &bounds) else {
            let mut watch = StepWatch::new(0, Some(restore_point), &[]);
            watched::update_watched(optimizer, data, grads, &mut watch);
            return vec![watch.squares()];
        };
        let (mut data, mut grads) = (split_state(data, &bounds), split_state(grads, &bounds));
        let mut restore = split_state(restore_point, &bounds);
        // Each thread's shares, the calling thread's first.
        let mut shares: Vec<Vec<Share>> = (0..=self.workers.len()).map(|_| Vec::new()).collect();
        let ranges = data
            .iter_mut()
            .zip(grads.iter_mut())
            .zip(restore.iter_mut());
        for ((((data, grads), restore), update), (range, owner)) in ranges.zip(updates).zip(pieces)
        {
            // SAFETY (lifetime): as in `sum_and_update`, each share is run and dropped before
            // this call returns: the calling thread's below, a worker's before it answers, which
            // this call waits for.
            let update: WatchedRangeUpdate<'static> = unsafe { std::mem::transmute(update) };
            shares[*owner].push(Share {
                data: data.as_mut_ptr(),
                grads: grads.as_mut_ptr(),
                restore: restore.as_mut_ptr(),
                start: range.start,
                len: data.len(),
                mirrors: Vec::new(),
                parts: Vec::new(),
                update,
            });
        }
        let mut answers = Answers {
            workers: &self.workers,
            asked: 0,
            answered: 0,
        };
        let mut shares = shares.into_iter();
        let own = shares.next().expect("the calling thread's shares");
        for (worker, shares) in self.workers.iter().zip(shares) {
            worker.ask(Request::Update(shares));
            answers.asked += 1;
        }
        // Each thread's sums, in the order of its pieces.
        let own_sums: Vec<f64> = own.into_iter().map(Share::run).collect();
        let mut sums = vec![own_sums.into_iter()];
        while answers.answered < answers.asked {
            let worker = &self.workers[answers.answered];
            let Some(Answer::Updated(worker_sums)) = receive(&worker.done) else {
                panic!("a training thread stopped");
            };
            sums.push(worker_sums.into_iter());
            answers.answered += 1;
        }
        pieces
            .iter()
            .map(|(range, owner)| RangeSquares {
                offset: range.start,
                n: range.len(),
                sum: sums[*owner].next().expect("a sum for every piece"),
            })
            .collect()
    }
}
