//! Parameters as slices: a model's parameters are one run of nodes at the start of the tape, so an
//! optimizer can update them as two slices (data and gradients) with one borrow and one liveness
//! check, instead of a handle check, a borrow and a bounds check per parameter and per read. The
//! numbers are those of [`Optimizer::step`](crate::optim::Optimizer::step), which reads the same
//! gradients and runs the same `update`.

use crate::graph::{Graph, Value};

/// Runs `update(data, grads)` on the data and gradients (which it may complete, as a threaded
/// step adds its parts' in) of the `n` parameters that start at node `run` (from
/// [`parameter_run`], checked in this step); `update` says whether the data are all finite after
/// it (see [`all_finite`](crate::speed::simd::all_finite), which threads can ask of their
/// ranges), and so does this; `None` (and
/// nothing done) if the parameters are not a run.
pub(crate) fn update_parameters(
    graph: &Graph,
    run: Option<u32>,
    n: usize,
    update: impl FnOnce(&mut [f64], &mut [f64]) -> bool,
) -> Option<bool> {
    let first = run? as usize;
    let mut t = graph.tape_mut();
    let (data, grads) = t.data_and_grads_mut(first, n);
    let finite = update(data, grads);
    if !finite {
        t.note_non_finite_in(first, n);
    }
    Some(finite)
}

/// Sets the data of the `values.len()` parameters that start at node `first` at once: a thread's
/// copy of a model taking the step's parameters.
pub(crate) fn load_parameters(graph: &Graph, first: usize, values: &[f64]) {
    let mut t = graph.tape_mut();
    t.data_and_grads_mut(first, values.len())
        .0
        .copy_from_slice(values);
    if !values.iter().all(|p| p.is_finite()) {
        t.note_non_finite_in(first, values.len());
    }
}

/// Appends the gradients of the `n` parameters that start at node `first` to `out`: a thread's
/// part of a step, handed back to be added.
pub(crate) fn read_gradients(graph: &Graph, first: usize, n: usize, out: &mut Vec<f64>) {
    out.extend_from_slice(graph.tape_mut().data_and_grads_mut(first, n).1);
}

/// [`loss::l2`](crate::loss::l2) of the `n` parameters that start at node `run` (from
/// [`parameter_run`], checked in this step): the same nodes, without a check per parameter.
pub(crate) fn l2_of_run(graph: &Graph, run: u32, n: usize) -> Value<'_> {
    graph.weighted_sum_of_runs(graph.constant(0.0), run, run, n as u32)
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
