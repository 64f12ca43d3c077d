//! [`Sgd`]: stochastic gradient descent with momentum, Nesterov momentum and weight decay, as PyTorch's
//! `torch.optim.SGD`.

use super::watched::{watched_chunks, Token, UpdateWatcher, WatchedRangeUpdate, WatchedUpdate};
use super::{ensure_state, split_state, Optimizer, RangeUpdate};

/// Stochastic gradient descent, as PyTorch's `SGD` (with `dampening = 0`):
///
/// ```text
/// g = grad + weight_decay · p
/// b = g                      (first step)
/// b = momentum · b + g       (later steps)
/// g = g + momentum · b       (Nesterov)   or   g = b   (plain momentum)
/// p = p - lr · g
/// ```
#[derive(Clone, Debug)]
pub struct Sgd {
    lr: f64,
    momentum: f64,
    nesterov: bool,
    weight_decay: f64,
    buffers: Vec<f64>,
    started: bool,
}

impl Sgd {
    /// Plain gradient descent with learning rate `lr`: `p -= lr · grad`.
    pub fn new(lr: f64) -> Self {
        Sgd {
            lr,
            momentum: 0.0,
            nesterov: false,
            weight_decay: 0.0,
            buffers: Vec::new(),
            started: false,
        }
    }

    /// Sets the momentum (0 turns it off).
    pub fn momentum(mut self, momentum: f64) -> Self {
        self.momentum = momentum;
        self
    }

    /// Uses Nesterov momentum.
    pub fn nesterov(mut self, nesterov: bool) -> Self {
        self.nesterov = nesterov;
        self
    }

    /// Adds `weight_decay · p` to each gradient (L2 regularization).
    pub fn weight_decay(mut self, weight_decay: f64) -> Self {
        self.weight_decay = weight_decay;
        self
    }
}

impl Sgd {
    /// Starts an update of `n` parameters: this step's rule (the momentum buffers start with it).
    fn begin(&mut self, n: usize) -> Rule {
        let momentum = self.momentum != 0.0;
        if momentum {
            ensure_state(&mut self.buffers, n, "Sgd::update");
        }
        let rule = Rule {
            lr: self.lr,
            momentum: momentum.then_some(self.momentum),
            nesterov: self.nesterov,
            weight_decay: self.weight_decay,
            started: self.started,
        };
        self.started = true;
        rule
    }
}

/// One step's update rule.
#[derive(Clone, Copy)]
struct Rule {
    lr: f64,
    /// The momentum, if on.
    momentum: Option<f64>,
    nesterov: bool,
    weight_decay: f64,
    /// Whether the momentum buffers hold an earlier step's.
    started: bool,
}

impl Rule {
    /// Checks that a range was given as many gradients as parameters, and as many momentum
    /// buffers when the momentum is on.
    fn check_range(&self, params: usize, grads: usize, buffers: usize) {
        assert_eq!(params, grads, "Sgd: a range's lengths differ");
        if self.momentum.is_some() {
            assert_eq!(params, buffers, "Sgd: a range of the wrong length");
        }
    }

    /// [`Rule::apply`] a chunk at a time, shown to `watcher`.
    fn apply_watched(
        &self,
        params: &mut [f64],
        grads: &mut [f64],
        buffers: &mut [f64],
        watcher: &mut dyn UpdateWatcher,
    ) {
        let momentum = self.momentum.is_some();
        watched_chunks(params, grads, watcher, |range, params, grads| {
            let buffers = if momentum {
                &mut buffers[range]
            } else {
                &mut []
            };
            self.apply(params, grads, buffers);
        });
    }

    /// Updates `params` from `grads`, with their momentum `buffers` (empty without momentum).
    fn apply(&self, params: &mut [f64], grads: &[f64], buffers: &mut [f64]) {
        for (i, (p, &grad)) in params.iter_mut().zip(grads).enumerate() {
            let mut g = grad;
            if self.weight_decay != 0.0 {
                g += self.weight_decay * *p;
            }
            if let Some(momentum) = self.momentum {
                let b = &mut buffers[i];
                *b = if self.started { momentum * *b + g } else { g };
                g = if self.nesterov { g + momentum * *b } else { *b };
            }
            *p += -self.lr * g;
        }
    }
}

impl WatchedUpdate for Sgd {
    fn update_watched(
        &mut self,
        params: &mut [f64],
        grads: &mut [f64],
        watcher: &mut dyn UpdateWatcher,
    ) {
        let rule = self.begin(params.len());
        rule.apply_watched(params, grads, &mut self.buffers, watcher);
    }

    fn split_update_watched(&mut self, n: usize, bounds: &[usize]) -> Vec<WatchedRangeUpdate<'_>> {
        let (rule, buffers) = self.split(n, bounds);
        let updates = buffers.into_iter().map(|buffers| {
            Box::new(
                move |params: &mut [f64], grads: &mut [f64], watcher: &mut dyn UpdateWatcher| {
                    rule.check_range(params.len(), grads.len(), buffers.len());
                    rule.apply_watched(params, grads, buffers, watcher);
                },
            ) as WatchedRangeUpdate<'_>
        });
        updates.collect()
    }
}

impl Sgd {
    /// Starts an update of `n` parameters split at `bounds`: the step's rule, and the momentum
    /// buffers cut into the ranges (empty ones without momentum).
    fn split(&mut self, n: usize, bounds: &[usize]) -> (Rule, Vec<&mut [f64]>) {
        let rule = self.begin(n);
        let buffers = if rule.momentum.is_some() {
            split_state(&mut self.buffers, bounds)
        } else {
            (0..=bounds.len())
                .map(|_| <&mut [f64]>::default())
                .collect()
        };
        (rule, buffers)
    }
}

impl Optimizer for Sgd {
    fn update(&mut self, params: &mut [f64], grads: &[f64]) {
        assert_eq!(
            params.len(),
            grads.len(),
            "Sgd: {} parameters, {} gradients",
            params.len(),
            grads.len()
        );
        let rule = self.begin(params.len());
        rule.apply(params, grads, &mut self.buffers);
    }

    fn split_update(&mut self, n: usize, bounds: &[usize]) -> Option<Vec<RangeUpdate<'_>>> {
        let (rule, buffers) = self.split(n, bounds);
        let updates = buffers.into_iter().map(|buffers| {
            Box::new(move |params: &mut [f64], grads: &[f64]| {
                rule.check_range(params.len(), grads.len(), buffers.len());
                rule.apply(params, grads, buffers);
            }) as RangeUpdate<'_>
        });
        Some(updates.collect())
    }

    fn watched(&mut self, _: Token) -> Option<&mut dyn WatchedUpdate> {
        Some(self)
    }

    fn learning_rate(&self) -> f64 {
        self.lr
    }

    fn set_learning_rate(&mut self, lr: f64) {
        self.lr = lr;
    }
}
