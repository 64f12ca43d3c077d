//! Training steps split by neurons, for a network with one hidden layer (the arithmetic is
//! `speed/batch/split.rs`): every thread computes its slice of the hidden neurons for the whole
//! batch, then the loss of its slice of the samples, then its neurons' backward; the update then
//! runs each parameter's rule on the thread that owns it (`update.rs`). No thread reads another's
//! parameters or gradients, so nothing but the output sums and their gradients crosses between
//! processors, where splitting the batch sends every gradient and every new parameter across.
//!
//! The threads meet twice a step: once every share of the output sums is written, and once every
//! sum's gradient is. The model's graph holds the parameters and their gradients throughout; each
//! thread builds its loss on a small graph of its own.

use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;

use super::{
    gather_rows, part_backward, receive, Answer, Answers, Objective, Part, Request, Workers,
};
use crate::data::Dataset;
use crate::graph::Graph;
use crate::speed::simd::all_finite;
use crate::speed::split::{self, SplitLayout};

/// One split step, shared by its threads.
pub(super) struct SplitStep {
    layout: SplitLayout,
    threads: usize,
    /// The model's parameters and their gradients, from
    /// [`Tape::data_and_grads_mut`](crate::tape::Tape::data_and_grads_mut); the data is only read.
    params: *const f64,
    grads: *mut f64,
    /// The batch's rows, one after the other, and their labels.
    rows: Vec<f64>,
    labels: Vec<f64>,
    objective: Objective,
    l2: f64,
    /// Each thread's share of the output sums, `[o * padded + s]`, written by that thread only.
    partials: Vec<Shared>,
    /// The gradients of the output sums, `[s * outputs + o]`, each sample's written by the thread
    /// whose loss has it.
    sum_grads: Shared,
    meeting: Meeting,
    /// Whether a thread's loss was not finite, in which case no gradient is written.
    failed: AtomicBool,
}

// SAFETY: the pointers are the model's parameters and gradients, lent by
// `Workers::split_forward_backward`, which waits for every thread before it returns; each thread
// writes only its own pieces of the gradients and of the shared buffers, and reads the others'
// only after the meeting that follows their writing.
unsafe impl Send for SplitStep {}
unsafe impl Sync for SplitStep {}

/// Numbers written by one thread and read by all after a meeting.
struct Shared(UnsafeCell<Vec<f64>>);

impl Shared {
    fn zeros(n: usize) -> Self {
        Shared(UnsafeCell::new(vec![0.0; n]))
    }

    fn ptr(&self) -> *mut f64 {
        // SAFETY: the vector itself is never resized; only its elements are written.
        unsafe { (*self.0.get()).as_mut_ptr() }
    }

    fn len(&self) -> usize {
        // SAFETY: as above: the length never changes.
        unsafe { (*self.0.get()).len() }
    }
}

/// A place where every thread of a step waits for all: the `round`th meeting is over when every
/// thread has arrived `round` times. Waiting polls and yields, as [`receive`] does; a thread that
/// panics breaks the meeting, and the others then panic too instead of waiting forever.
struct Meeting {
    threads: usize,
    arrived: AtomicUsize,
    broken: AtomicBool,
}

impl Meeting {
    fn wait(&self, round: usize) {
        self.arrived.fetch_add(1, Ordering::AcqRel);
        let mut polls = 0u32;
        while self.arrived.load(Ordering::Acquire) < self.threads * round {
            assert!(
                !self.broken.load(Ordering::Acquire),
                "a training thread stopped"
            );
            polls += 1;
            if polls < 64 {
                std::hint::spin_loop();
            } else {
                thread::yield_now();
            }
        }
    }
}

/// Breaks the step's meeting if its thread unwinds.
struct BreakOnPanic<'s>(&'s Meeting);

impl Drop for BreakOnPanic<'_> {
    fn drop(&mut self) {
        if thread::panicking() {
            self.0.broken.store(true, Ordering::Release);
        }
    }
}

impl SplitStep {
    /// Thread `k`'s share of the step, its loss built on `loss_graph`: its part of the loss.
    pub(super) fn run(&self, k: usize, loss_graph: &Graph) -> Part {
        let _guard = BreakOnPanic(&self.meeting);
        let (layout, threads) = (&self.layout, self.threads);
        // SAFETY: no one writes the parameters during the step (see `SplitStep`).
        let params = unsafe { std::slice::from_raw_parts(self.params, layout.n_params()) };
        let partial = &self.partials[k];
        // SAFETY: thread `k` alone writes its share, before the first meeting.
        let into = unsafe { std::slice::from_raw_parts_mut(partial.ptr(), partial.len()) };
        let share = split::forward(layout, k, threads, params, &self.rows, into);

        self.meeting.wait(1);

        let n = self.labels.len();
        let (outputs, padded) = (layout.outputs(), split::padded(n));
        let samples = k * n / threads..(k + 1) * n / threads;
        // SAFETY: every share was written before the meeting, and is only read from now on.
        let partials: Vec<&[f64]> = self
            .partials
            .iter()
            .map(|p| unsafe { std::slice::from_raw_parts(p.ptr(), p.len()) })
            .collect();
        let mut outs = Vec::with_capacity(samples.len() * outputs);
        for s in samples.clone() {
            for o in 0..outputs {
                let at = o * padded + s;
                let sum = partials[1..]
                    .iter()
                    .fold(partials[0][at], |sum, p| sum + p[at]);
                outs.push(sum);
            }
        }
        layout.output_activation().forward_all(&mut outs);
        let start = loss_graph.checkpoint();
        let leaves: Vec<Vec<_>> = outs
            .chunks_exact(outputs)
            .map(|row| row.iter().map(|&v| loss_graph.value(v)).collect())
            .collect();
        let labels = &self.labels[samples.clone()];
        let part = part_backward(
            loss_graph,
            start,
            &leaves,
            labels,
            self.objective,
            n,
            || None,
            || {
                let mut grads = Vec::with_capacity(outs.len());
                for (row, leaves) in outs.chunks_exact(outputs).zip(&leaves) {
                    let d: Vec<f64> = leaves.iter().map(|v| v.grad()).collect();
                    layout.output_activation().backward_all(row, &d, &mut grads);
                }
                // SAFETY: these samples' rows are this thread's to write before the second
                // meeting.
                let into = unsafe {
                    std::slice::from_raw_parts_mut(
                        self.sum_grads.ptr().add(samples.start * outputs),
                        grads.len(),
                    )
                };
                into.copy_from_slice(&grads);
            },
        );
        if !part.loss.is_finite() {
            self.failed.store(true, Ordering::Release);
        }
        self.meeting.wait(2);

        if self.failed.load(Ordering::Acquire) {
            return part;
        }
        // SAFETY: every sample's gradients were written before the meeting.
        let g = unsafe { std::slice::from_raw_parts(self.sum_grads.ptr(), self.sum_grads.len()) };
        // SAFETY: the gradients' pointer covers the run, and thread `k` alone writes its pieces.
        unsafe { split::backward(layout, &share, params, g, self.l2, self.grads) };
        part
    }
}

impl Workers {
    /// Forward and backward of the batch `indices` split by the hidden neurons of a model laid
    /// out as `layout` in `model_graph`, leaving the whole batch's
    /// parameter gradients in the model's graph; the next [`Workers::sum_and_update`] then updates
    /// each parameter on the thread that owns it. Returns the loss (each thread's share added in
    /// thread order, the L2 penalty `l2 · Σ p²` after the first) and the number of samples right;
    /// `None`, with nothing done, when the step cannot be split: a batch smaller than the threads,
    /// or a parameter or an input that is not finite.
    pub(crate) fn split_forward_backward(
        &mut self,
        model_graph: &Graph,
        layout: SplitLayout,
        data: &Dataset,
        indices: &[usize],
        objective: Objective,
        l2: f64,
    ) -> Option<Part> {
        let threads = self.workers.len() + 1;
        let (first, n) = (layout.first(), layout.n_params());
        let mut t = model_graph.tape_mut();
        let params_finite = t
            .hints()
            .first_non_finite()
            .is_none_or(|at| at as usize >= first + n)
            || all_finite(&t.data()[first..first + n]);
        let rows_finite = indices.iter().all(|&i| all_finite(data.row(i)));
        if indices.len() < threads || !params_finite || !rows_finite {
            return None;
        }
        let pieces = layout.pieces(threads);
        let penalty = (l2 != 0.0).then(|| {
            let sums = pieces.iter().map(|(range, _)| {
                let (at, len) = ((first + range.start) as u32, range.len() as u32);
                t.hints().sum_of_squares(at, len).unwrap_or_else(|| {
                    t.data()[first + range.start..first + range.end]
                        .iter()
                        .fold(0.0, |sum, p| sum + p * p)
                })
            });
            l2 * sums.reduce(|a, b| a + b).unwrap_or(0.0)
        });
        // The penalty above has read the sums of squares the tape knew; handing the data out
        // forgets them, and the update records the new ones.
        let (params, grads) = t.data_and_grads_mut(first, n);
        let (params, grads) = (params.as_ptr(), grads.as_mut_ptr());
        let padded = split::padded(indices.len());
        let step = Arc::new(SplitStep {
            layout,
            threads,
            params,
            grads,
            rows: gather_rows(data, indices),
            labels: indices.iter().map(|&i| data.label(i)).collect(),
            objective,
            l2,
            partials: (0..threads)
                .map(|_| Shared::zeros(layout.outputs() * padded))
                .collect(),
            sum_grads: Shared::zeros(indices.len() * layout.outputs()),
            meeting: Meeting {
                threads,
                arrived: AtomicUsize::new(0),
                broken: AtomicBool::new(false),
            },
            failed: AtomicBool::new(false),
        });
        // Waits for every worker asked on the way out, a panic here included: until then they
        // hold pointers into the model's graph.
        let mut answers = Answers {
            workers: &self.workers,
            asked: 0,
            answered: 0,
        };
        for (k, worker) in self.workers.iter().enumerate() {
            worker.ask(Request::Split(Arc::clone(&step), k + 1));
            answers.asked += 1;
        }
        let first_part = step.run(0, &self.loss_graph);
        let mut parts = Vec::with_capacity(answers.asked);
        while answers.answered < answers.asked {
            let Some(Answer::Split(part)) = receive(&self.workers[answers.answered].done) else {
                panic!("a training thread stopped");
            };
            parts.push(part);
            answers.answered += 1;
        }
        let mut total = first_part;
        if let Some(penalty) = penalty {
            total.loss += penalty;
        }
        for part in parts {
            total.loss += part.loss;
            total.correct += part.correct;
        }
        drop(answers);
        drop(t);
        self.split = Some(pieces);
        self.mirrored = false;
        Some(total)
    }
}
