//! Parameters as slices: a model's parameters are one run of nodes at the start of the tape, so an
//! optimizer can update them as two slices (data and gradients) with one borrow and one liveness
//! check, instead of a handle check, a borrow and a bounds check per parameter and per read. The
//! numbers are those of [`Optimizer::step`](crate::optim::Optimizer::step), which reads the same
//! gradients and runs the same `update`.

use crate::graph::{Graph, Value};
use crate::speed::simd::all_finite;

/// Runs `update(data, grads)` on the data and gradients (which it may complete, as a threaded
/// step adds its parts' in) of the `n` parameters that start at node `run` (from
/// [`parameter_run`], checked in this step). `update` returns the in-order sums of the squares of
/// the data it wrote, one per range a thread updated (the trainer's `StepWatch` adds them up): the tape keeps them for the
/// next step's L2 penalty ([`l2_of_run`]), and finite sums show that every value is finite without
/// another pass. Returns whether the data are all finite after the update; `None` (and nothing
/// done) if the parameters are not a run.
pub(crate) fn update_parameters(
    graph: &Graph,
    run: Option<u32>,
    n: usize,
    update: impl FnOnce(&mut [f64], &mut [f64]) -> Vec<RangeSquares>,
) -> Option<bool> {
    let first = run? as usize;
    let mut t = graph.tape_mut();
    let (data, grads) = t.data_and_grads_mut(first, n);
    let sums = update(data, grads);
    // Squares are never negative, so a sum is finite exactly when no value is NaN or infinite,
    // unless finite values overflowed it.
    let sums_finite = sums.iter().all(|range| range.sum.is_finite());
    let finite = sums_finite || all_finite(data);
    if !finite {
        t.note_non_finite_in(first, n);
    } else if sums_finite {
        for range in sums {
            t.hints_mut()
                .know_sum_of_squares(first + range.offset, range.n, range.sum);
        }
    }
    Some(finite)
}

/// The sum of the squares of `n` parameters from `offset` (counted from the first parameter), added
/// in order from +0, after an update wrote them.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RangeSquares {
    pub(crate) offset: usize,
    pub(crate) n: usize,
    pub(crate) sum: f64,
}

/// Sets the data of the `values.len()` parameters that start at node `first` at once: a thread's
/// copy of a model taking the step's parameters.
pub(crate) fn load_parameters(graph: &Graph, first: usize, values: &[f64]) {
    let mut t = graph.tape_mut();
    t.data_mut(first, values.len()).copy_from_slice(values);
    if !values.iter().all(|p| p.is_finite()) {
        t.note_non_finite_in(first, values.len());
    }
}

/// Where the data of the `n` parameters at the start of the tape are kept, for another thread to
/// write the step's new values into: valid until the tape next grows (a push may move its data).
pub(crate) fn parameter_data_ptr(graph: &Graph, n: usize) -> *mut f64 {
    graph.tape_mut().data_mut(0, n).as_mut_ptr()
}

/// The gradients of the `n` parameters at the start of the tape, handed back from a thread's
/// part of a step to be added: the tape's own gradient buffer, cut to `n`, taken without a copy
/// (the tape's gradients are then all 0, as after `zero_grad`). `spare`, the buffer the last
/// hand-back came home in, becomes the tape's next scratch buffer.
pub(crate) fn take_gradients(graph: &Graph, n: usize, spare: Vec<f64>) -> Vec<f64> {
    let mut t = graph.tape_mut();
    t.grads_mut();
    let mut grads = t.replace_grads(Vec::new());
    t.hints_mut().reuse(spare);
    grads.truncate(n);
    grads
}

/// [`loss::l2`](crate::loss::l2) of the `n` parameters that start at node `run` (from
/// [`parameter_run`], checked in this step), written as the sum of `groups` in-order sums of
/// squares over consecutive ranges (split as [`group_bounds`] says): the ranges a step's update
/// is split into over as many threads, each of which sums its range's squares as it updates it
/// (see [`update_parameters`]), so that the next step finds every sum known and adds its terms
/// up without a pass over them. One group is the plain `Σ p²` (one thread); more group the same
/// terms differently, which changes the penalty's value only by rounding and its gradients not at
/// all. The same nodes as `loss::l2`'s without a check per parameter.
pub(crate) fn l2_of_run(graph: &Graph, run: u32, n: usize, groups: usize) -> Value<'_> {
    let zero = graph.constant(0.0);
    let mut ranges = group_ranges(n, groups)
        .into_iter()
        .filter(|range| !range.is_empty())
        .map(|range| {
            let (first, len) = (run + range.start as u32, range.len() as u32);
            let known = graph.tape().hints().sum_of_squares(first, len);
            graph.weighted_sum_of_runs(zero, first, first, len, known)
        });
    let first_group = ranges.next().unwrap_or(zero);
    ranges.fold(first_group, |sum, group| sum + group)
}

/// Where `n` parameters are cut into `groups` ranges for threads (`k · n / groups` for `k` from
/// 1): the update's split and the L2 penalty's grouping agree by both asking here.
pub(crate) fn group_bounds(n: usize, groups: usize) -> Vec<usize> {
    let groups = groups.max(1);
    (1..groups).map(|k| k * n / groups).collect()
}

/// The ranges [`group_bounds`] cuts `n` parameters into, in order (empty ones included).
fn group_ranges(n: usize, groups: usize) -> Vec<std::ops::Range<usize>> {
    let bounds = group_bounds(n, groups);
    std::iter::once(0)
        .chain(bounds.iter().copied())
        .zip(bounds.iter().copied().chain(std::iter::once(n)))
        .map(|(start, end)| start..end)
        .collect()
}

/// Whether no one has written the `n` parameters from node `run` since an update split into
/// `groups` ranges wrote them: the tape then still knows each range's sum of squares, which any
/// write forgets (see [`update_parameters`]).
pub(crate) fn unchanged_since_update(graph: &Graph, run: usize, n: usize, groups: usize) -> bool {
    let t = graph.tape();
    group_ranges(n, groups).into_iter().all(|range| {
        t.hints()
            .sum_of_squares((run + range.start) as u32, range.len() as u32)
            .is_some()
    })
}

/// The tape index of the first of `params`, which [`crate::graph::is_run`] found to be a run of
/// consecutive nodes (the handles do not change, so that is asked once), checked alive: two handle
/// checks a step instead of a comparison per parameter.
///
/// # Panics
/// If a value belongs to another graph or was freed.
pub(crate) fn parameter_run(graph: &Graph, params: &[Value<'_>]) -> u32 {
    graph.checked_run_ends(&graph.tape(), params)
}
