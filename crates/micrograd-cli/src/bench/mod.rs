//! The workloads of `micrograd bench`: the engine timed on the demo, the long chain and digits at several
//! hidden widths, each beside the baseline it is judged against, and the processor's floating-point peak.
//!
//! Times are best-of-several wall-clock measurements in this process, so the ratios, not the raw
//! figures, are what carry from one machine to another.

pub mod floor;
pub mod peak;
pub mod python;

use std::hint::black_box;
use std::time::Instant;

use micrograd::data::{digits, moons100, Dataset};
use micrograd::loss::Loss;
use micrograd::nn::{Architecture, MLP};
use micrograd::optim::{Schedule, Sgd};
use micrograd::session::{Choices, DataSource, Session, SessionConfig};
use micrograd::train::{accuracy, Trainer};
use micrograd::Graph;

/// The demo's widths: MLP 2-16-16-1.
const DEMO_SIZES: [usize; 3] = [16, 16, 1];
/// Nodes per step of the chain `y = tanh(y) + x * 0.001`: tanh, the constant, `*`, `+`.
const CHAIN_NODES_PER_STEP: usize = 4;

/// Seconds of the fastest of `runs` calls of `work`.
pub fn best_of(runs: usize, mut work: impl FnMut() -> f64) -> f64 {
    (0..runs).map(|_| work()).fold(f64::INFINITY, f64::min)
}

/// The demo workload on the engine: 100 full-batch steps of hinge loss + 1e-4 L2 with SGD 1.0 → 0.1,
/// through the same [`Trainer`] `micrograd train` uses. Returns (seconds, final training accuracy).
pub fn demo(seed: u64) -> (f64, f64) {
    let data = moons100();
    let g = Graph::new();
    let model = MLP::new(&g, 2, &DEMO_SIZES, seed);
    let mut trainer = Trainer::new(&model, Sgd::new(1.0), Loss::Hinge)
        .l2(1e-4)
        .schedule(Schedule::linear(1.0, 0.1, 100));
    let start = Instant::now();
    trainer
        .run_steps(&data, 100, |_| {})
        .expect("the demo trains without diverging");
    let seconds = start.elapsed().as_secs_f64();
    (seconds, accuracy(&model, Loss::Hinge, &data))
}

/// The same 100 steps written by hand in plain `f64` (see [`floor::DenseMlp`]), from the same
/// initial parameters as [`demo`].
pub fn demo_floor(seed: u64) -> f64 {
    let data = moons100();
    let g = Graph::new();
    let initial = MLP::new(&g, 2, &DEMO_SIZES, seed).parameter_data();
    let (xs, ys) = two_columns(&data);
    let mut mlp = floor::DenseMlp::new(&[2, 16, 16, 1], &initial);
    let start = Instant::now();
    for k in 0..100 {
        black_box(mlp.train_step(&xs, &ys, 1e-4, 1.0 - 0.9 * k as f64 / 100.0));
    }
    start.elapsed().as_secs_f64()
}

fn two_columns(data: &Dataset) -> (Vec<[f64; 2]>, Vec<f64>) {
    let xs = data.rows().map(|r| [r[0], r[1]]).collect();
    (xs, data.labels().to_vec())
}

/// What the chain workload measured.
pub struct Chain {
    /// Seconds to build the graph, to run the backward pass, and to drop the graph.
    pub phases: [f64; 3],
    /// Heap bytes of the graph per node, after the backward pass.
    pub bytes_per_node: f64,
    /// d(y)/d(x), to check against the plain loop.
    pub gradient: f64,
}

impl Chain {
    /// Seconds to build, backpropagate and drop the graph.
    pub fn seconds(&self) -> f64 {
        self.phases.iter().sum()
    }
}

/// `y = tanh(y) + x * 0.001` as a graph of `nodes` nodes: build, backward, drop.
pub fn chain(nodes: usize) -> Chain {
    let steps = nodes / CHAIN_NODES_PER_STEP;
    let start = Instant::now();
    let g = Graph::with_capacity(steps * CHAIN_NODES_PER_STEP + 1);
    let x = g.value(0.5);
    let mut y = x;
    for _ in 0..steps {
        y = y.tanh() + x * 0.001;
    }
    let built = Instant::now();
    y.backward();
    let backpropagated = Instant::now();
    let gradient = x.grad();
    let bytes_per_node = g.memory_bytes() as f64 / g.len() as f64;
    drop(g);
    let end = Instant::now();
    Chain {
        phases: [
            (built - start).as_secs_f64(),
            (backpropagated - built).as_secs_f64(),
            (end - backpropagated).as_secs_f64(),
        ],
        bytes_per_node,
        gradient,
    }
}

/// The same chain and its derivative in reverse mode by hand (each step's `tanh` stored, then a
/// reverse sweep; see [`floor::chain_reverse`]): the floor for the engine. Returns (seconds, d(y)/d(x)).
pub fn chain_reverse_floor(nodes: usize) -> (f64, f64) {
    let start = Instant::now();
    let (_, dy) = floor::chain_reverse(black_box(0.5), nodes / CHAIN_NODES_PER_STEP);
    (start.elapsed().as_secs_f64(), black_box(dy))
}

/// The same chain and its derivative in forward mode (nothing stored; see [`floor::chain_forward`]).
/// Returns (seconds, d(y)/d(x)).
pub fn chain_forward_floor(nodes: usize) -> (f64, f64) {
    let start = Instant::now();
    let (_, dy) = floor::chain_forward(black_box(0.5), nodes / CHAIN_NODES_PER_STEP);
    (start.elapsed().as_secs_f64(), black_box(dy))
}

/// Seconds to write `bytes` of freshly allocated memory once and free it: what memory of that size
/// costs before anything is computed in it, in the ordinary 4 KiB pages (the kernel hands out and
/// clears a page at each first touch), which a long tape avoids by asking for huge pages.
pub fn fresh_memory(bytes: usize) -> f64 {
    let start = Instant::now();
    let words = bytes / 8;
    let mut memory: Vec<u64> = Vec::with_capacity(words);
    memory.extend(0..words as u64);
    black_box(&memory);
    drop(memory);
    start.elapsed().as_secs_f64()
}

/// What one digits run measured.
pub struct Digits {
    /// Seconds of training (the model built, the data loaded and the test accuracy are not timed).
    pub seconds: f64,
    /// Accuracy on the held-out 20 %.
    pub test_accuracy: f64,
}

/// The digits workload: `micrograd train --dataset digits --hidden <hidden> --epochs <epochs>` (MLP
/// 64-`hidden`-10, softmax cross-entropy + 1e-3 L2, Adam 0.01 → 0.001 linear, batches of 32, pixels
/// standardized on the training part of a seeded 80/20 split, PyTorch's initialization), the recipe
/// `bench/torch_digits.py` follows, so that like is compared with like; each batch split over
/// `threads`.
pub fn digits_run(hidden: usize, epochs: usize, seed: u64, threads: usize) -> Digits {
    let config = SessionConfig {
        source: DataSource::Digits,
        seed: Some(seed),
        choices: Choices {
            hidden: Some(vec![hidden]),
            epochs: Some(epochs),
            ..Choices::default()
        },
        threads,
        ..SessionConfig::default()
    };
    let session = Session::new(&config).expect("the digits recipe is valid");
    let g = Graph::new();
    let model = session.build_model(&g);
    let mut trainer = session.trainer(&model);
    let start = Instant::now();
    trainer
        .run_epochs(session.train_set(), epochs, |_| {})
        .expect("digits trains without diverging");
    let seconds = start.elapsed().as_secs_f64();
    Digits {
        seconds,
        test_accuracy: accuracy(&model, session.recipe().loss, session.test_set()),
    }
}

/// The pixels of a digit (8 × 8) and the number of classes.
const DIGITS_INPUTS: usize = 64;
const DIGITS_CLASSES: usize = 10;

/// Floating-point operations of digits training at hidden width `hidden` over `samples` samples (the
/// training split times the epochs), counting only the layers' multiply-adds, which are nearly all the
/// arithmetic: per weight and per sample, 2 in the forward pass (`w·x`, `+`) and 4 in the backward pass
/// (`g·x` added into the weight's gradient, `g·w` added into the input's). Biases, activations, the
/// loss and the optimizer are left out.
pub fn digits_flops(hidden: usize, samples: usize) -> f64 {
    let weights = DIGITS_INPUTS * hidden + hidden * DIGITS_CLASSES;
    6.0 * weights as f64 * samples as f64
}

/// The number of samples in digits' training split (80 %).
pub fn digits_training_samples() -> usize {
    let (train, _) = digits().split(0.2, 0);
    train.len()
}

/// The number of parameters of the demo's network (a sanity check printed with the figures).
pub fn demo_parameters() -> usize {
    Architecture::new(2, &DEMO_SIZES).num_parameters()
}
