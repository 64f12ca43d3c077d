//! Training steps on threads. A network with one hidden layer splits its hidden neurons between
//! the threads (`threads/split.rs`): each parameter then lives on one thread, and only the output
//! sums and their gradients cross between processors. Any other network, or a step that cannot be
//! split (an input or a parameter that is not finite, fewer samples than threads), splits its
//! batch, as follows.
//!
//! Data-parallel training steps: a batch split into parts, part 0 built on the model's own graph
//! by the calling thread, every other part on a worker thread's own graph holding a copy of the
//! parameters. Each part's loss terms are summed and divided by the size of the whole batch, so
//! every sample's term gets the very seed gradient it gets in one thread; the parts' parameter
//! gradients are then added in part order (0, then 1, …), so a given number of threads gives the
//! same bits every run. Against one thread only the grouping of each weight's sum over samples
//! changes.
//!
//! A [`Graph`] is not `Sync`, so no graph is shared: each worker thread owns its graph for the
//! trainer's life and gets, each step, the parameters the step begins with and its part's samples
//! (copied: a part is a few rows); it answers with its part's loss and gradients. Threads that
//! live across steps, and poll briefly before they sleep, spare every step a thread's start and
//! a sleeping processor's wake-up.

use std::sync::mpsc::{channel, Receiver, Sender, TryRecvError};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use crate::data::Dataset;
use crate::graph::{Graph, Value};
use crate::loss::Loss;
use crate::nn::MLP;
use crate::op::Activation;
use crate::speed::{self, run_values, DenseLayer};
use crate::tape::Checkpoint;

mod split;
mod update;

use crate::train::watch::Mirror;
use split::SplitStep;
use update::Share;

/// What a part's loss terms are: the loss, and the label smoothing of its cross-entropy.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Objective {
    pub(crate) loss: Loss,
    pub(crate) smoothing: f64,
}

/// What one part of a batch gave: its share of the loss and how many samples it got right.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Part {
    pub(crate) loss: f64,
    pub(crate) correct: usize,
}

/// The worker threads (one fewer than the threads: the calling thread is the first), each owning
/// a graph with a copy of the parameters for the trainer's whole life.
pub(crate) struct Workers {
    n_params: usize,
    /// The parameters as the current step began, shared with the workers while they copy them
    /// (when their copies are not [`Workers::mirrored`]).
    params: Arc<Vec<f64>>,
    /// Whether the last step's update copied its new values into every worker's copy of the
    /// parameters (see `update.rs`), so that a step that finds the parameters unchanged since
    /// need not copy them in.
    mirrored: bool,
    workers: Vec<Worker>,
    /// How many workers had a part of the last step (a batch smaller than the threads leaves
    /// some idle).
    busy: usize,
    /// The graph the calling thread builds its loss on when a step is split by neurons.
    loss_graph: Graph,
    /// When the last step was split by neurons, the parameters cut where their owner changes,
    /// with the owner of each piece: the update runs each piece on its owner.
    split: Option<Vec<(std::ops::Range<usize>, usize)>>,
}

/// One worker thread: where its jobs go, where its results come from.
struct Worker {
    jobs: Option<Sender<Request>>,
    done: Receiver<Answer>,
    thread: Option<JoinHandle<()>>,
    /// The buffer the worker's last gradients came back in, for its next job.
    grads: Vec<f64>,
    /// Where the worker's graph keeps its copy of the parameters, as of its last part.
    mirror: Option<Mirror>,
}

/// What a worker is asked to do.
enum Request {
    /// Forward and backward of a part of a batch.
    Part(Job),
    /// Its share of a step split by neurons (it is thread `.1` of the step).
    Split(Arc<SplitStep>, usize),
    /// Its shares of the step's update.
    Update(Vec<Share>),
}

/// What a worker answers.
enum Answer {
    /// A part's loss and gradients.
    Part(Done),
    /// Its share of a step split by neurons is done: its part of the loss.
    Split(Part),
    /// Its shares of the update are done: the in-order sum of each range's new values' squares.
    Updated(Vec<f64>),
}

/// One part of a batch for a worker: the parameters to start from and the part's samples.
struct Job {
    /// The parameters to start from, unless the worker's copy already holds them.
    params: Option<Arc<Vec<f64>>>,
    n_features: usize,
    rows: Vec<f64>,
    labels: Vec<f64>,
    objective: Objective,
    batch: usize,
    /// A buffer for the gradients, handed back and forth so that no step allocates one.
    grads: Vec<f64>,
}

/// What a worker's part gave: its loss and count, and its parameter gradients.
struct Done {
    part: Part,
    grads: Vec<f64>,
    /// Where the worker's graph keeps its copy of the parameters, to be written until the worker's
    /// next part (see [`Mirror`]).
    mirror: Mirror,
}

/// How long a waiting thread polls before it sleeps. A thread that sleeps between steps must be
/// woken by the kernel every step, which on a virtual machine can take as long as the work of a
/// step; a step's serial part (the update) is far shorter than this.
const SPIN: Duration = Duration::from_millis(2);

/// The next message on `channel`, polling for [`SPIN`] before blocking; `None` once the other
/// side is gone.
fn receive<T>(channel: &Receiver<T>) -> Option<T> {
    let start = Instant::now();
    loop {
        match channel.try_recv() {
            Ok(message) => return Some(message),
            Err(TryRecvError::Disconnected) => return None,
            // Yielding, not spinning: on a machine busy with other work, the thread this one
            // waits for may be waiting for this very processor.
            Err(TryRecvError::Empty) if start.elapsed() < SPIN => thread::yield_now(),
            Err(TryRecvError::Empty) => return channel.recv().ok(),
        }
    }
}

/// The rows `indices` of `data`, one after another (sized once: collecting a `flat_map` grows the
/// vector ten times for a batch of 32 rows).
fn gather_rows(data: &Dataset, indices: &[usize]) -> Vec<f64> {
    let mut rows = Vec::with_capacity(indices.len() * data.n_features());
    for &i in indices {
        rows.extend_from_slice(data.row(i));
    }
    rows
}

impl Workers {
    /// Worker threads for `threads` threads in all, each with a graph holding a copy of
    /// `model`'s parameters.
    pub(crate) fn new(model: &MLP<'_>, threads: usize) -> Self {
        let arch = model.architecture();
        let mut inputs = arch.inputs as u32;
        let layers: Vec<(u32, u32, Activation)> = arch
            .layers
            .iter()
            .map(|&(outputs, activation)| {
                let layer = (inputs, outputs as u32, activation);
                inputs = outputs as u32;
                layer
            })
            .collect();
        let n_params = arch.num_parameters();
        let workers = (1..threads)
            .map(|_| {
                let (jobs, inbox) = channel::<Request>();
                let (outbox, done) = channel::<Answer>();
                let layers = layers.clone();
                let thread = thread::spawn(move || work(&layers, n_params, &inbox, &outbox));
                Worker {
                    jobs: Some(jobs),
                    done,
                    thread: Some(thread),
                    grads: Vec::new(),
                    mirror: None,
                }
            })
            .collect();
        Workers {
            n_params,
            params: Arc::new(Vec::with_capacity(n_params)),
            mirrored: false,
            workers,
            busy: 0,
            loss_graph: Graph::new(),
            split: None,
        }
    }

    /// Forward and backward of the batch `indices` split in parts: part 0 by `first_part` on the
    /// calling thread (in the model's graph, whose parameters are the run from `params_first`),
    /// part `p + 1` on worker `p`. Leaves part 0's parameter gradients in the model's graph and
    /// keeps the others' for [`Workers::sum_and_update`]; returns the loss (the parts' added in
    /// order) and the number of samples right.
    pub(crate) fn forward_backward(
        &mut self,
        model_graph: &Graph,
        params_first: u32,
        data: &Dataset,
        indices: &[usize],
        objective: Objective,
        first_part: impl FnOnce(&[usize]) -> Part,
    ) -> Part {
        let (first, n) = (params_first as usize, self.n_params);
        self.split = None;
        // The workers' copies hold the parameters if the last update wrote them there and
        // nothing has written the parameters since.
        let copies_hold = self.mirrored
            && speed::unchanged_since_update(model_graph, first, n, self.workers.len() + 1);
        if !copies_hold {
            let start = Arc::get_mut(&mut self.params).expect("no worker holds the parameters");
            start.clear();
            start.extend_from_slice(&model_graph.tape().data()[first..first + n]);
        }
        let n_parts = (self.workers.len() + 1).min(indices.len());
        let bounds = |p: usize| p * indices.len() / n_parts;
        let parts: Vec<&[usize]> = (0..n_parts)
            .map(|p| &indices[bounds(p)..bounds(p + 1)])
            .collect();
        let busy = &mut self.workers[..n_parts - 1];
        for (worker, part) in busy.iter_mut().zip(&parts[1..]) {
            let job = Job {
                params: (!copies_hold).then(|| Arc::clone(&self.params)),
                n_features: data.n_features(),
                rows: gather_rows(data, part),
                labels: part.iter().map(|&i| data.label(i)).collect(),
                objective,
                batch: indices.len(),
                grads: std::mem::take(&mut worker.grads),
            };
            worker.ask(Request::Part(job));
        }
        self.busy = busy.len();
        let mut total = first_part(parts[0]);
        for worker in self.workers[..self.busy].iter_mut() {
            let Some(Answer::Part(done)) = receive(&worker.done) else {
                panic!("a training thread stopped");
            };
            total.loss += done.part.loss;
            total.correct += done.part.correct;
            worker.grads = done.grads;
            worker.mirror = Some(done.mirror);
        }
        total
    }
}

/// The workers asked for something that lends them the trainer's memory (a share of the update,
/// a share of a split step): those not yet answered are awaited when this is dropped, so that a
/// panic on the calling thread cannot end the borrows they point into while a worker still uses
/// them.
struct Answers<'w> {
    workers: &'w [Worker],
    asked: usize,
    answered: usize,
}

impl Drop for Answers<'_> {
    fn drop(&mut self) {
        for worker in &self.workers[self.answered..self.asked] {
            // Any answer, or none from a thread that stopped: either way it is done with them.
            let _ = receive(&worker.done);
        }
    }
}

impl Worker {
    /// Sends `request` to the worker.
    fn ask(&self, request: Request) {
        self.jobs
            .as_ref()
            .and_then(|jobs| jobs.send(request).ok())
            .expect("a training thread stopped");
    }
}

impl Drop for Workers {
    fn drop(&mut self) {
        for worker in &mut self.workers {
            // Closing the job channel ends the worker's loop.
            worker.jobs = None;
            if let Some(thread) = worker.thread.take() {
                // A worker that panicked has already reported it through the step that failed.
                let _ = thread.join();
            }
        }
    }
}

/// A worker's life: a graph with the parameters first, then one job after another until the
/// trainer goes.
fn work(
    layers: &[(u32, u32, Activation)],
    n_params: usize,
    inbox: &Receiver<Request>,
    outbox: &Sender<Answer>,
) {
    let graph = Graph::new();
    for _ in 0..n_params {
        graph.value(0.0);
    }
    let loss_graph = Graph::new();
    while let Some(request) = receive(inbox) {
        let answer = match request {
            Request::Part(job) => Answer::Part(part_on_copy(&graph, layers, n_params, job)),
            Request::Split(step, k) => Answer::Split(step.run(k, &loss_graph)),
            Request::Update(shares) => {
                Answer::Updated(shares.into_iter().map(Share::run).collect())
            }
        };
        if outbox.send(answer).is_err() {
            return;
        }
    }
}

/// A part of a batch on a worker's `graph`, which holds its copy of the parameters from node 0.
fn part_on_copy(
    graph: &Graph,
    layers: &[(u32, u32, Activation)],
    n_params: usize,
    job: Job,
) -> Done {
    if let Some(params) = job.params {
        speed::load_parameters(graph, 0, &params);
    }
    let data = Dataset::from_flat("part", job.n_features, job.rows, job.labels);
    let indices: Vec<usize> = (0..data.len()).collect();
    let start = graph.checkpoint();
    let dense = dense_layers(graph, layers);
    let part = dense_part(
        graph,
        start,
        &dense,
        &data,
        &indices,
        job.objective,
        job.batch,
        || None,
    );
    let grads = if part.loss.is_finite() {
        speed::take_gradients(graph, n_params, job.grads)
    } else {
        Vec::new()
    };
    let mirror = Mirror(speed::parameter_data_ptr(graph, n_params));
    Done {
        part,
        grads,
        mirror,
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

/// [`part_backward`] of the samples `indices` of `data` pushed through `layers` (checked after
/// `start`) for training: the layers' gradients computed batch-major after the loss's backward
/// (see [`DenseLayer::push_for_training`]).
#[allow(clippy::too_many_arguments)]
pub(crate) fn dense_part<'g>(
    graph: &'g Graph,
    start: Checkpoint,
    layers: &[DenseLayer<'g>],
    data: &Dataset,
    indices: &[usize],
    objective: Objective,
    batch: usize,
    penalty: impl FnOnce() -> Option<Value<'g>>,
) -> Part {
    let rows: Vec<&[f64]> = indices.iter().map(|&i| data.row(i)).collect();
    let pushed = DenseLayer::push_for_training(graph, layers, &rows);
    let width = layers.last().map_or(0, |l| l.n_outputs());
    let outputs: Vec<Vec<Value<'g>>> = pushed
        .outputs()
        .iter()
        .map(|&first| run_values(graph, first, width))
        .collect();
    let labels: Vec<f64> = indices.iter().map(|&i| data.label(i)).collect();
    part_backward(
        graph,
        start,
        &outputs,
        &labels,
        objective,
        batch,
        penalty,
        || pushed.backward(graph, layers),
    )
}

/// The loss of one part of a batch from its `outputs` (built after `start`) and their `labels`:
/// the samples' terms summed and divided by the whole `batch`'s size, plus `penalty()` if any;
/// then backward (when the loss is finite, followed by `after_backward()`) and a rewind to `start`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn part_backward<'g>(
    graph: &'g Graph,
    start: Checkpoint,
    outputs: &[Vec<Value<'g>>],
    labels: &[f64],
    objective: Objective,
    batch: usize,
    penalty: impl FnOnce() -> Option<Value<'g>>,
    after_backward: impl FnOnce(),
) -> Part {
    let correct = count_correct(objective.loss, outputs, labels);
    let terms = objective.loss.terms(outputs, labels, objective.smoothing);
    let sum = graph.sum(terms).expect("a part has samples");
    let mut total = sum / batch as f64;
    if let Some(penalty) = penalty() {
        total += penalty;
    }
    let value = total.data();
    if value.is_finite() {
        graph.zero_grad();
        total.backward();
        after_backward();
    }
    graph.rewind(start);
    Part {
        loss: value,
        correct,
    }
}
