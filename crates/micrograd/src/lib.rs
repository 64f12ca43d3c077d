//! micrograd: a scalar-valued reverse-mode autograd engine with a small neural-network library on top,
//! after Andrej Karpathy's [micrograd](https://github.com/karpathy/micrograd).
//!
//! Every number is a node in a [`Graph`]; every operation records how to push a gradient back; and
//! [`Value::backward`] applies the chain rule from an output to every input.
//!
//! ```
//! use micrograd::Graph;
//!
//! let g = Graph::new();
//! let a = g.value(2.0).with_label("a");
//! let b = g.value(-3.0).with_label("b");
//! let c = g.value(10.0).with_label("c");
//! let f = g.value(-2.0).with_label("f");
//! let l = (a * b + c) * f;
//! l.backward();
//! assert_eq!((a.grad(), b.grad(), c.grad(), f.grad()), (6.0, -4.0, -2.0, 4.0));
//! ```
//!
//! The engine is a few short files, each importing only the ones before it: [`op`] (each
//! operation's forward and backward rule, a whole neuron `act(b + Σ wᵢxᵢ)` included), `tape` (the
//! nodes, data and gradients behind private fields, with checkpoints, rewinds, a weighted sum's
//! operands and compaction), `graph` (the [`Graph`] that owns a tape, and the [`Value`] handle),
//! `backward` (the plain reverse sweep), `speed` (the speed path: the backward pass's shortcuts, a
//! layer over a whole batch and parameters as slices, tested bit for bit against the plain path) and `value` (what a handle
//! can do, and its operators).
//!
//! On top of it: [`nn`] (micrograd's `Neuron`, `Layer`, `MLP`), [`loss`] (MSE, hinge, BCE on logits,
//! softmax cross-entropy, L2), [`optim`] (SGD, Adam, AdamW, learning-rate schedules), [`data`] (toy data
//! sets, the digits, CSV files, splits and mini-batches), [`train`] (a `Trainer`), `io` (JSON model files
//! and safetensors export; feature `serde`), [`rng`] (the seeded generator behind initialization and
//! shuffling), and [`session`] (one training session, data set by name to snapshots, which the
//! command line and the playground both run). `cargo run --example moons` trains Karpathy's demo.

#![warn(missing_docs)]

mod backprop;
mod backward;
pub mod data;
pub mod draw;
pub mod expr;
pub mod gradcheck;
mod graph;
mod hints;
#[cfg(feature = "serde")]
pub mod io;
pub mod loss;
pub mod nn;
pub mod op;
pub mod optim;
pub mod rng;
pub mod session;
mod speed;
mod tape;
pub mod train;

pub use gradcheck::{gradcheck, GradCheck, InputCheck};
pub use graph::{Graph, Value};
pub use op::{BackwardError, BackwardRule, BackwardStep, Op, RuleError};
pub use tape::{Checkpoint, Compaction, FreedOps};
