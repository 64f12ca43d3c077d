//! Optimizers: how parameters move along their gradients, and how the learning rate changes over time.
//!
//! API summary:
//!
//! - [`Optimizer`]: `step(&params)` reads each parameter's gradient and updates its data;
//!   `update(&mut data, &grads)` is the same rule on plain numbers; `split_update(n, &bounds)` cuts
//!   one update into ranges that threads can run at once; `learning_rate()` / `set_learning_rate()`.
//! - [`Sgd`]: `Sgd::new(lr).momentum(0.9).nesterov(true).weight_decay(1e-4)`, PyTorch's `SGD`.
//! - [`Adam`]: `Adam::new(lr).betas(0.9, 0.999).eps(1e-8).weight_decay(0.0)`, PyTorch's `Adam`;
//!   `Adam::adamw(lr)` is PyTorch's `AdamW` (decoupled weight decay, 0.01 by default).
//! - [`Schedule`]: the learning rate at step k: `Constant`, `Linear` (the demo's 1.0 → 0.1 over 100 steps is
//!   `Schedule::linear(1.0, 0.1, 100)`, `lr = 1.0 - 0.9·k/100`), `Step`, `Cosine`.
//!
//! The update rules are PyTorch's, operation for operation, so trajectories agree with `torch.optim` to
//! rounding (the tests check 1e-9 against recorded PyTorch runs).
//!
//! ```
//! use micrograd::optim::{Optimizer, Sgd};
//! use micrograd::Graph;
//!
//! let g = Graph::new();
//! let w = g.value(0.5);
//! let mut opt = Sgd::new(0.05);
//! let start = g.checkpoint();
//! for _ in 0..50 {
//!     let loss = (w * 3.0 - 1.0).powf(2.0);
//!     g.zero_grad();
//!     loss.backward();
//!     opt.step(&[w]);
//!     g.rewind(start);
//! }
//! assert!((w.data() - 1.0 / 3.0).abs() < 1e-6);
//! ```

mod adam;
mod schedule;
mod sgd;
pub(crate) mod watched;

pub use adam::Adam;
pub use schedule::Schedule;
pub use sgd::Sgd;

use crate::graph::Value;
use watched::{Token, WatchedUpdate};

/// An update rule for parameters, given their gradients.
pub trait Optimizer {
    /// Applies one update to `params` (data) from `grads`, in the same order every call: the
    /// optimizer's state (momentum, moments) is kept per position.
    ///
    /// # Panics
    /// If the lengths differ, or differ from an earlier call's.
    fn update(&mut self, params: &mut [f64], grads: &[f64]);

    /// The learning rate the next update uses.
    fn learning_rate(&self) -> f64;

    /// Changes the learning rate (a [`Schedule`] does this every step).
    fn set_learning_rate(&mut self, lr: f64);

    /// Starts one update of `n` parameters split at `bounds` (increasing, each at most `n`) into
    /// updates of the ranges between them (`0..bounds[0]`, …, `bounds[last]..n`), which may run at
    /// once on different threads, each given its range's data and gradients. Together they do
    /// what [`update`](Optimizer::update) does, bit for bit: both rules here act on each parameter
    /// alone. `None`, the default, for a rule that cannot be split (call `update` instead).
    ///
    /// # Panics
    /// If `n` differs from an earlier update's, or the bounds are out of order.
    fn split_update(&mut self, n: usize, bounds: &[usize]) -> Option<Vec<RangeUpdate<'_>>> {
        let _ = (n, bounds);
        None
    }

    /// The engine's own rules let a trainer watch their updates as they go; a rule written
    /// outside this crate cannot be asked (no other crate can name the `Token`),
    /// and is watched around its plain `update`. See `optim/watched.rs`.
    fn watched(&mut self, _: Token) -> Option<&mut dyn WatchedUpdate> {
        None
    }

    /// One update of the parameter values from their gradients (from `backward()`).
    fn step(&mut self, params: &[Value<'_>]) {
        let mut data: Vec<f64> = params.iter().map(Value::data).collect();
        let grads: Vec<f64> = params.iter().map(Value::grad).collect();
        self.update(&mut data, &grads);
        for (p, d) in params.iter().zip(data) {
            p.set_data(d);
        }
    }
}

/// One range's share of an update split by [`Optimizer::split_update`]: called with the range's
/// data and gradients.
pub type RangeUpdate<'a> = Box<dyn FnOnce(&mut [f64], &[f64]) + Send + 'a>;

/// `state` cut at `bounds` into the ranges [`Optimizer::split_update`] describes (a trainer cuts
/// the parameters, their gradients and its restore point the same way).
///
/// # Panics
/// If the bounds are out of order or past the end.
pub(crate) fn split_state<'a>(mut state: &'a mut [f64], bounds: &[usize]) -> Vec<&'a mut [f64]> {
    let mut parts = Vec::with_capacity(bounds.len() + 1);
    let mut at = 0;
    for &bound in bounds {
        assert!(
            bound >= at && bound - at <= state.len(),
            "an update split at bounds out of order: {bounds:?}"
        );
        let (part, rest) = std::mem::take(&mut state).split_at_mut(bound - at);
        parts.push(part);
        state = rest;
        at = bound;
    }
    parts.push(state);
    parts
}

/// Checks that the state vectors fit the parameters, creating them on the first call.
fn ensure_state(state: &mut Vec<f64>, n: usize, what: &str) {
    if state.is_empty() {
        state.resize(n, 0.0);
    }
    assert_eq!(
        state.len(),
        n,
        "{what}: called with {n} parameters after {} before",
        state.len()
    );
}

/// A boxed optimizer is an optimizer, so one can be chosen at run time:
/// `let opt: Box<dyn Optimizer> = if adam { Box::new(Adam::new(0.01)) } else { Box::new(Sgd::new(0.1)) };`
impl<O: Optimizer + ?Sized> Optimizer for Box<O> {
    fn update(&mut self, params: &mut [f64], grads: &[f64]) {
        (**self).update(params, grads);
    }

    fn learning_rate(&self) -> f64 {
        (**self).learning_rate()
    }

    fn set_learning_rate(&mut self, lr: f64) {
        (**self).set_learning_rate(lr);
    }

    fn split_update(&mut self, n: usize, bounds: &[usize]) -> Option<Vec<RangeUpdate<'_>>> {
        (**self).split_update(n, bounds)
    }

    fn watched(&mut self, token: Token) -> Option<&mut dyn WatchedUpdate> {
        (**self).watched(token)
    }
}
