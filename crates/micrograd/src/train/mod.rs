//! Training helpers: a [`Trainer`] that runs steps or epochs of forward, backward and update on a
//! [`Dataset`], reporting each step, and [`accuracy`] for evaluation.
//!
//! The loop a learner writes by hand is ten lines (see the `moons` example); the `Trainer` is the same
//! loop with the bookkeeping done: mini-batches, the learning-rate schedule, L2, accuracy, flat memory
//! (a checkpoint before each step's graph and a rewind after it), and a clean stop when the loss stops
//! being a number.
//!
//! ```
//! use micrograd::data::moons;
//! use micrograd::loss::Loss;
//! use micrograd::nn::MLP;
//! use micrograd::optim::{Schedule, Sgd};
//! use micrograd::train::Trainer;
//! use micrograd::Graph;
//!
//! let data = moons(100, 0.1, 0);
//! let g = Graph::new();
//! let model = MLP::new(&g, 2, &[16, 16, 1], 1);
//! let mut trainer = Trainer::new(&model, Sgd::new(1.0), Loss::Hinge)
//!     .l2(1e-4)
//!     .schedule(Schedule::linear(1.0, 0.1, 100));
//! let last = trainer.run_steps(&data, 20, |r| println!("step {} loss {:.4} accuracy {:.2}", r.step, r.loss, r.accuracy)).unwrap();
//! assert!(last.loss.is_finite());
//! ```

use crate::data::Dataset;
use crate::graph::Value;
use crate::loss::{self, Loss};
use crate::nn::{Module, MLP};
use crate::optim::{self, Optimizer, Schedule};
use crate::rng::Rng;
use crate::speed::{self, DenseLayer};

mod checks;
mod report;
mod threads;
mod watch;

use checks::check_samples;
pub use checks::{accuracy, check_compatible};
pub use report::{StepReport, TrainError};
use watch::StepWatch;

/// Runs training steps on an [`MLP`]: forward over a batch, the loss (plus `l2 · Σ p²`), backward, and an
/// optimizer update with the learning rate of the [`Schedule`] if one is set.
///
/// The update is [`Optimizer::update`] on the parameters' data and gradients as two slices (what
/// [`Optimizer::step`] does through handles, the same numbers); a batch can be split over threads
/// with [`Trainer::threads`].
pub struct Trainer<'a, 'g> {
    model: &'a MLP<'g>,
    params: Vec<Value<'g>>,
    /// Whether `params` are one run of nodes (see [`speed::update_parameters`]).
    params_are_a_run: bool,
    /// The model's layers as checked once, for the batch path, when `params` are a run (whose
    /// ends each step checks alive).
    layers: Option<Vec<DenseLayer<'g>>>,
    optimizer: Box<dyn Optimizer + 'a>,
    loss: Loss,
    label_smoothing: f64,
    l2: f64,
    schedule: Option<Schedule>,
    batch_size: usize,
    rng: Rng,
    step: usize,
    epoch: usize,
    pending: Vec<Vec<usize>>,
    snapshot: Vec<f64>,
    snapshot_step: Option<usize>,
    threads: usize,
    workers: Option<threads::Workers>,
}

impl<'a, 'g> Trainer<'a, 'g> {
    /// A trainer of `model` with `optimizer` and `loss`, full-batch, no L2, the optimizer's own
    /// learning rate, shuffling seed 0.
    pub fn new(model: &'a MLP<'g>, optimizer: impl Optimizer + 'a, loss: Loss) -> Self {
        let params = model.parameters();
        let params_are_a_run = crate::graph::is_run(&params);
        Trainer {
            model,
            params_are_a_run,
            layers: model.dense_layers().filter(|_| params_are_a_run),
            params,
            optimizer: Box::new(optimizer),
            loss,
            label_smoothing: 0.0,
            l2: 0.0,
            schedule: None,
            batch_size: 0,
            rng: Rng::new(0),
            step: 0,
            epoch: 0,
            pending: Vec::new(),
            snapshot: Vec::new(),
            snapshot_step: None,
            threads: 1,
            workers: None,
        }
    }

    /// Adds `coefficient · Σ p²` to the loss (micrograd's demo uses 1e-4).
    pub fn l2(mut self, coefficient: f64) -> Self {
        self.l2 = coefficient;
        self
    }

    /// Smooths the cross-entropy's labels by `smoothing`, PyTorch's `label_smoothing` (see
    /// [`loss::softmax_cross_entropy_smoothed`]); 0, the default, is the plain loss. A step refuses
    /// a smoothing outside [0, 1] or with a loss other than cross-entropy.
    pub fn label_smoothing(mut self, smoothing: f64) -> Self {
        self.label_smoothing = smoothing;
        self
    }

    /// Sets the learning rate of step k to `schedule.lr(k)`.
    pub fn schedule(mut self, schedule: Schedule) -> Self {
        self.schedule = Some(schedule);
        self
    }

    /// Uses shuffled mini-batches of `batch_size` samples (0, the default, means the whole data set).
    pub fn batch_size(mut self, batch_size: usize) -> Self {
        self.batch_size = batch_size;
        self
    }

    /// Seeds the shuffling of mini-batches.
    pub fn seed(mut self, seed: u64) -> Self {
        self.rng = Rng::new(seed);
        self
    }

    /// Trains on `threads` threads (1, the default, trains on the calling thread; 0 counts as 1).
    /// An [`MLP`] with one hidden layer splits that layer's neurons: each thread computes its
    /// neurons for the whole batch and updates their parameters, and the threads exchange only the
    /// output layer's sums and their gradients. Any other model splits each batch: each thread
    /// builds its part on a graph of its own with a copy of the parameters, and the parts'
    /// gradients are added in a fixed order. Either way the same number of threads and seed give
    /// the same numbers every run, and against one thread the numbers differ only by rounding (a
    /// sum grouped by thread). Models whose parameters are not one run of nodes (an [`MLP`] made by
    /// its constructors always is) train on one thread. The worker threads start with the first
    /// step split over them and end with the trainer.
    pub fn threads(mut self, threads: usize) -> Self {
        self.threads = threads.max(1);
        self.workers = None;
        self
    }

    /// The number of steps taken so far.
    pub fn steps_done(&self) -> usize {
        self.step
    }

    /// The loss being minimized.
    pub fn loss(&self) -> Loss {
        self.loss
    }

    /// Checks that `data` fits the model and the loss.
    pub fn check(&self, data: &Dataset) -> Result<(), TrainError> {
        self.check_smoothing()?;
        check_compatible(self.model, self.loss, data)
    }

    fn check_smoothing(&self) -> Result<(), TrainError> {
        self.loss
            .check_label_smoothing(self.label_smoothing)
            .map_err(|why| TrainError::Incompatible(format!("label smoothing {why}")))
    }

    /// One step on the samples `indices` of `data`. On a NaN or infinite loss (or parameters) the
    /// model is restored to the last parameters with a finite loss and the error names the step.
    pub fn train_step(
        &mut self,
        data: &Dataset,
        indices: &[usize],
    ) -> Result<StepReport, TrainError> {
        if indices.is_empty() {
            return Err(TrainError::Incompatible(
                "a training step needs at least one sample".into(),
            ));
        }
        self.check_smoothing()?;
        check_samples(self.model, self.loss, data, indices.iter().copied())?;
        let graph = self.model.graph();
        let step = self.step;
        // Checked once a step: the parameters sit before every node the step makes, so the rewinds
        // below leave the run alive for the update.
        let params_run = self
            .params_are_a_run
            .then(|| speed::parameter_run(graph, &self.params));
        let threaded = params_run.filter(|_| self.threads > 1);
        let part = match threaded {
            Some(first) => self.parallel_forward_backward(first, data, indices),
            None => self.forward_backward(params_run, data, indices),
        };
        let (loss_value, correct) = (part.loss, part.correct);
        if !loss_value.is_finite() {
            return Err(self.restore(step, loss_value));
        }

        let lr = match self.schedule {
            Some(s) => s.lr(step),
            None => self.optimizer.learning_rate(),
        };
        self.optimizer.set_learning_rate(lr);
        self.snapshot_step = Some(step);
        let (snapshot, optimizer) = (&mut self.snapshot, &mut self.optimizer);
        let workers = threaded.and(self.workers.as_mut());
        let updated =
            speed::update_parameters(graph, params_run, self.params.len(), |data, grads| {
                // Every value of the restore point is written by the watches before it is read.
                snapshot.resize(data.len(), 0.0);
                match workers {
                    Some(workers) => {
                        workers.sum_and_update(data, grads, optimizer.as_mut(), snapshot)
                    }
                    None => {
                        let mut watch = StepWatch::new(0, Some(snapshot), &[]);
                        optim::watched::update_watched(optimizer.as_mut(), data, grads, &mut watch);
                        vec![watch.squares()]
                    }
                }
            });
        let finite = updated.unwrap_or_else(|| {
            snapshot.clear();
            snapshot.extend(self.params.iter().map(Value::data));
            optimizer.step(&self.params);
            self.params.iter().all(|p| p.data().is_finite())
        });
        if !finite {
            return Err(self.restore(step, loss_value));
        }

        self.step += 1;
        Ok(StepReport {
            step,
            epoch: self.epoch,
            loss: loss_value,
            accuracy: correct as f64 / indices.len() as f64,
            learning_rate: lr,
            batch_size: indices.len(),
        })
    }

    /// Forward and backward of the batch `indices` on the calling thread; the graph is rewound
    /// after, and backward skipped when the loss is not finite.
    fn forward_backward(
        &mut self,
        params_run: Option<u32>,
        data: &Dataset,
        indices: &[usize],
    ) -> threads::Part {
        let graph = self.model.graph();
        let start = graph.checkpoint();
        let penalty = || l2_penalty(self.l2, &self.params, params_run, 1);
        let (objective, batch) = (self.objective(), indices.len());
        if let Some(layers) = self.checked_layers(params_run) {
            return threads::dense_part(
                graph, start, &layers, data, indices, objective, batch, penalty,
            );
        }
        let outputs = self
            .model
            .forward_batch(indices.iter().map(|&i| data.row(i)));
        let labels: Vec<f64> = indices.iter().map(|&i| data.label(i)).collect();
        threads::part_backward(
            graph,
            start,
            &outputs,
            &labels,
            objective,
            batch,
            penalty,
            || {},
        )
    }

    /// The model's layers for this step's batch path: renewed from the layers checked once when
    /// the parameters are a run checked alive this step (`params_run`), else checked afresh.
    fn checked_layers(&self, params_run: Option<u32>) -> Option<Vec<DenseLayer<'g>>> {
        match (&self.layers, params_run) {
            (Some(layers), Some(_)) => Some(layers.iter().map(DenseLayer::renewed).collect()),
            _ => self.model.dense_layers(),
        }
    }

    /// The loss a step's terms come from.
    fn objective(&self) -> threads::Objective {
        threads::Objective {
            loss: self.loss,
            smoothing: self.label_smoothing,
        }
    }

    /// As [`Trainer::forward_backward`], on the threads: a hidden layer split by neurons where the
    /// model and the step allow, else the batch split (see [`Trainer::threads`]).
    fn parallel_forward_backward(
        &mut self,
        params_first: u32,
        data: &Dataset,
        indices: &[usize],
    ) -> threads::Part {
        let layers = self.checked_layers(Some(params_first));
        let (model, l2, params, threads) = (self.model, self.l2, &self.params, self.threads);
        let graph = model.graph();
        let objective = self.objective();
        let workers = self
            .workers
            .get_or_insert_with(|| threads::Workers::new(model, self.threads));
        // A network with one hidden layer splits its neurons over the threads, when it can.
        let layout = layers
            .as_deref()
            .and_then(|layers| speed::split::SplitLayout::of(layers, params_first as usize));
        if let Some(layout) = layout {
            let split = workers.split_forward_backward(graph, layout, data, indices, objective, l2);
            if let Some(part) = split {
                return part;
            }
        }
        let batch = indices.len();
        workers.forward_backward(graph, params_first, data, indices, objective, |part| {
            let start = graph.checkpoint();
            let penalty = || l2_penalty(l2, params, Some(params_first), threads);
            if let Some(layers) = layers {
                return threads::dense_part(
                    graph, start, &layers, data, part, objective, batch, penalty,
                );
            }
            let outputs = model.forward_batch(part.iter().map(|&i| data.row(i)));
            let labels: Vec<f64> = part.iter().map(|&i| data.label(i)).collect();
            threads::part_backward(
                graph,
                start,
                &outputs,
                &labels,
                objective,
                batch,
                penalty,
                || {},
            )
        })
    }

    /// Puts back the last parameters known to give a finite loss, and the error for `step`.
    fn restore(&mut self, step: usize, loss: f64) -> TrainError {
        if self.snapshot_step.is_some() {
            for (p, &v) in self.params.iter().zip(&self.snapshot) {
                p.set_data(v);
            }
        }
        TrainError::NonFinite {
            step,
            loss,
            restored_step: self.snapshot_step,
        }
    }

    /// The next batch: everything for full-batch training, else the next slice of a shuffled epoch.
    fn next_batch(&mut self, n: usize) -> (Vec<usize>, bool) {
        if self.batch_size == 0 || self.batch_size >= n {
            return ((0..n).collect(), true);
        }
        if self.pending.is_empty() {
            let mut order: Vec<usize> = (0..n).collect();
            self.rng.shuffle(&mut order);
            self.pending = order
                .chunks(self.batch_size)
                .rev()
                .map(<[usize]>::to_vec)
                .collect();
        }
        let batch = self.pending.pop().expect("refilled above");
        (batch, self.pending.is_empty())
    }

    /// Runs `steps` steps, calling `on_step` after each; returns the last step's report.
    pub fn run_steps(
        &mut self,
        data: &Dataset,
        steps: usize,
        mut on_step: impl FnMut(&StepReport),
    ) -> Result<StepReport, TrainError> {
        self.check(data)?;
        let mut last = None;
        for _ in 0..steps {
            let report = self.step(data)?;
            on_step(&report);
            last = Some(report);
        }
        last.ok_or_else(|| TrainError::Incompatible("zero training steps asked".into()))
    }

    /// One step on the next batch of `data`, as [`Trainer::run_steps`] takes it, checking only that
    /// batch's samples: a caller that steps one at a time (a live view, a session) has the whole
    /// data set checked once, with [`Trainer::check`], not at every step.
    pub fn step(&mut self, data: &Dataset) -> Result<StepReport, TrainError> {
        if data.is_empty() {
            self.check(data)?;
        }
        let (batch, ends_epoch) = self.next_batch(data.len());
        let report = self.train_step(data, &batch)?;
        if ends_epoch {
            self.epoch += 1;
        }
        Ok(report)
    }

    /// Runs `epochs` passes over `data` in shuffled mini-batches, calling `on_step` after each step;
    /// returns the last step's report.
    pub fn run_epochs(
        &mut self,
        data: &Dataset,
        epochs: usize,
        mut on_step: impl FnMut(&StepReport),
    ) -> Result<StepReport, TrainError> {
        self.check(data)?;
        let mut last = None;
        for _ in 0..epochs {
            self.pending.clear();
            loop {
                let (batch, ends_epoch) = self.next_batch(data.len());
                let report = self.train_step(data, &batch)?;
                on_step(&report);
                last = Some(report);
                if ends_epoch {
                    break;
                }
            }
            self.epoch += 1;
        }
        last.ok_or_else(|| TrainError::Incompatible("zero training epochs asked".into()))
    }
}

/// `l2 · Σ p²` over `params`, or `None` when `l2` is 0 (or there are none); read as the run from
/// node `run` when the parameters are one, checked in this step, and then summed in as many
/// groups as a step's update is split over `threads` (see [`speed::l2_of_run`]).
fn l2_penalty<'g>(
    l2: f64,
    params: &[Value<'g>],
    run: Option<u32>,
    threads: usize,
) -> Option<Value<'g>> {
    if l2 == 0.0 || params.is_empty() {
        return None;
    }
    let penalty = match run {
        Some(first) => speed::l2_of_run(params[0].graph(), first, params.len(), threads),
        None => loss::l2(params)?,
    };
    Some(l2 * penalty)
}
