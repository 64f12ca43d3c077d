//! Data-parallel training steps: a batch split into parts, part 0 built on the model's own graph
//! by the calling thread, every other part on a worker thread's own graph holding a copy of the
//! parameters. Each part's loss terms are summed and divided by the size of the whole batch, so
//! every sample's term gets the very seed gradient it gets in one thread; the parts' parameter
//! gradients are then added in part order (0, then 1, …), so a given number of threads gives the
//! same bits every run. Against one thread only the grouping of each weight's sum over samples
//! changes.
//!
//! A [`Graph`] is not `Sync`, so no graph is shared: each worker graph is lent (`&mut`) to one
//! scoped thread for the length of a step, and its parameters are refreshed from the model's
//! before each step.

use std::sync::{Mutex, PoisonError};
use std::thread;

use crate::data::Dataset;
use crate::graph::{Graph, Value};
use crate::loss::Loss;
use crate::nn::MLP;
use crate::op::Activation;
use crate::speed::{forward_batch, run_values, DenseLayer};
use crate::tape::Checkpoint;

/// What a part's loss terms are: the loss, and the label smoothing of its cross-entropy.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Objective {
    pub(crate) loss: Loss,
    pub(crate) smoothing: f64,
}

/// The model's parameters: where their run starts in the model's graph, and their data as the
/// step began (which the workers copy into their graphs, each on its own thread).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Run<'s> {
    pub(crate) first: u32,
    pub(crate) data: &'s [f64],
}

/// What one part of a batch gave: its share of the loss and how many samples it got right.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Part {
    pub(crate) loss: f64,
    pub(crate) correct: usize,
}

/// The graphs of the worker threads (one fewer than the threads: the calling thread is the first).
pub(crate) struct Workers {
    /// Each layer's inputs, outputs and activation: its parameters are laid out neuron by neuron,
    /// each neuron's weights then its bias.
    layers: Vec<(u32, u32, Activation)>,
    n_params: usize,
    /// Part `p + 1` of a batch is built in `replicas[p]`, whichever thread gets to it first: its
    /// worker, or the calling thread once done with part 0 (when the machine is busy a worker may
    /// wait long before it runs). The graph, not the thread, decides the numbers.
    replicas: Vec<Mutex<Replica>>,
}

/// One worker's graph (the parameters first, then a step's nodes), and what its part of the
/// current batch gave.
struct Replica {
    graph: Graph,
    grads: Vec<f64>,
    result: Option<Part>,
}

// Each replica graph is used by one thread at a time.
const _: () = {
    const fn assert_send<T: Send>() {}
    assert_send::<Replica>();
};

impl Workers {
    /// Worker graphs for `threads` threads in all, each with a copy of `model`'s parameters.
    pub(crate) fn new(model: &MLP<'_>, threads: usize) -> Self {
        let arch = model.architecture();
        let mut inputs = arch.inputs as u32;
        let layers = arch
            .layers
            .iter()
            .map(|&(outputs, activation)| {
                let layer = (inputs, outputs as u32, activation);
                inputs = outputs as u32;
                layer
            })
            .collect();
        let n_params = arch.num_parameters();
        let replicas = (1..threads)
            .map(|_| {
                let graph = Graph::new();
                for _ in 0..n_params {
                    graph.value(0.0);
                }
                Mutex::new(Replica {
                    graph,
                    grads: Vec::with_capacity(n_params),
                    result: None,
                })
            })
            .collect();
        Workers {
            layers,
            n_params,
            replicas,
        }
    }

    /// Forward and backward of the batch `indices` split in parts: part 0 by `first_part` on the
    /// calling thread (in the model's graph, whose parameters are the run from `params_first`),
    /// the others on the workers. Leaves the batch's parameter gradients in the model's graph (the
    /// parts' added in part order) and returns the loss (the parts' added in order) and the number
    /// of samples right.
    pub(crate) fn forward_backward(
        &mut self,
        model_graph: &Graph,
        params: Run<'_>,
        data: &Dataset,
        indices: &[usize],
        objective: Objective,
        first_part: impl FnOnce(&[usize]) -> Part,
    ) -> Part {
        let (first, n) = (params.first as usize, self.n_params);
        assert_eq!(params.data.len(), n, "the parameters of the model");
        for replica in &mut self.replicas {
            replica
                .get_mut()
                .unwrap_or_else(PoisonError::into_inner)
                .result = None;
        }
        let n_parts = (self.replicas.len() + 1).min(indices.len());
        let bounds = |p: usize| p * indices.len() / n_parts;
        let parts: Vec<&[usize]> = (0..n_parts)
            .map(|p| &indices[bounds(p)..bounds(p + 1)])
            .collect();
        let batch = indices.len();
        let layers = &self.layers;
        let replicas = &self.replicas[..n_parts - 1];
        // Builds part `p + 1` in its replica unless another thread has it or has done it.
        let take = |p: usize| {
            if let Ok(mut replica) = replicas[p].try_lock() {
                if replica.result.is_none() {
                    let part =
                        replica.run(layers, params.data, data, parts[p + 1], objective, batch);
                    replica.result = Some(part);
                }
            }
        };
        let first_result = thread::scope(|s| {
            let handles: Vec<_> = (0..replicas.len())
                .map(|p| s.spawn(move || take(p)))
                .collect();
            let first_result = first_part(parts[0]);
            (0..replicas.len()).for_each(take);
            for handle in handles {
                handle
                    .join()
                    .unwrap_or_else(|e| std::panic::resume_unwind(e));
            }
            first_result
        });
        let mut total = first_result;
        let done = &mut self.replicas[..n_parts - 1];
        for replica in done.iter_mut() {
            let replica = replica.get_mut().unwrap_or_else(PoisonError::into_inner);
            let part = replica
                .result
                .expect("every part is built by one thread or another");
            total.loss += part.loss;
            total.correct += part.correct;
        }
        if total.loss.is_finite() {
            let mut t = model_graph.tape_mut();
            let grads = t.data_and_grads_mut(first, n).1;
            for replica in done.iter_mut() {
                let replica = replica.get_mut().unwrap_or_else(PoisonError::into_inner);
                for (g, r) in grads.iter_mut().zip(&replica.grads) {
                    *g += r;
                }
            }
        }
        total
    }
}

impl Replica {
    /// Forward and backward of the samples `indices` on this worker's graph, from the parameters
    /// `params`; keeps the parameters' gradients.
    fn run(
        &mut self,
        layers: &[(u32, u32, Activation)],
        params: &[f64],
        data: &Dataset,
        indices: &[usize],
        objective: Objective,
        batch: usize,
    ) -> Part {
        let n_params = params.len();
        {
            let mut t = self.graph.tape_mut();
            t.data_and_grads_mut(0, n_params).0.copy_from_slice(params);
            if !params.iter().all(|p| p.is_finite()) {
                t.note_non_finite_in(0, n_params);
            }
        }
        let graph = &self.graph;
        let start = graph.checkpoint();
        let dense = dense_layers(graph, layers);
        let width = layers.last().map_or(0, |l| l.1 as usize);
        let rows: Vec<&[f64]> = indices.iter().map(|&i| data.row(i)).collect();
        let outputs: Vec<Vec<Value<'_>>> = forward_batch(graph, &dense, &rows)
            .into_iter()
            .map(|first| run_values(graph, first, width))
            .collect();
        let part = part_backward(
            graph,
            start,
            &outputs,
            data,
            indices,
            objective,
            batch,
            || None,
        );
        if part.loss.is_finite() {
            let mut t = graph.tape_mut();
            self.grads.clear();
            self.grads
                .extend_from_slice(t.data_and_grads_mut(0, n_params).1);
        }
        part
    }
}

/// The layers of a model whose parameters are the run from node 0 of `graph`, checked for this
/// generation.
fn dense_layers<'g>(graph: &'g Graph, layers: &[(u32, u32, Activation)]) -> Vec<DenseLayer<'g>> {
    let mut next = 0;
    layers
        .iter()
        .map(|&(inputs, outputs, activation)| {
            let neurons = (0..outputs)
                .map(|j| {
                    let weights = next + j * (inputs + 1);
                    (weights + inputs, weights)
                })
                .collect();
            next += outputs * (inputs + 1);
            DenseLayer::from_layout(graph, activation, inputs, neurons)
        })
        .collect()
}

/// How many of the samples' `outputs` `loss` counts as predicting their `labels`.
pub(crate) fn count_correct(loss: Loss, outputs: &[Vec<Value<'_>>], labels: &[f64]) -> usize {
    let mut scores = Vec::new();
    outputs
        .iter()
        .zip(labels)
        .filter(|&(out, &label)| {
            scores.clear();
            scores.extend(out.iter().map(Value::data));
            loss.is_correct(&scores, label)
        })
        .count()
}

/// The loss of one part of a batch from its `outputs` (built after `start`): the samples' terms
/// summed and divided by the whole `batch`'s size, plus `penalty()` if any; then backward (when
/// the loss is finite) and a rewind to `start`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn part_backward<'g>(
    graph: &'g Graph,
    start: Checkpoint,
    outputs: &[Vec<Value<'g>>],
    data: &Dataset,
    indices: &[usize],
    objective: Objective,
    batch: usize,
    penalty: impl FnOnce() -> Option<Value<'g>>,
) -> Part {
    let labels: Vec<f64> = indices.iter().map(|&i| data.label(i)).collect();
    let correct = count_correct(objective.loss, outputs, &labels);
    let terms = objective.loss.terms(outputs, &labels, objective.smoothing);
    let sum = graph.sum(terms).expect("a part has samples");
    let mut total = sum / batch as f64;
    if let Some(penalty) = penalty() {
        total += penalty;
    }
    let value = total.data();
    if value.is_finite() {
        graph.zero_grad();
        total.backward();
    }
    graph.rewind(start);
    Part {
        loss: value,
        correct,
    }
}
