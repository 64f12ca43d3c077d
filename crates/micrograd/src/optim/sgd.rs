//! [`Sgd`]: stochastic gradient descent with momentum, Nesterov momentum and weight decay, as PyTorch's
//! `torch.optim.SGD`.

use super::{ensure_state, Optimizer};

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

impl Optimizer for Sgd {
    fn update(&mut self, params: &mut [f64], grads: &[f64]) {
        assert_eq!(
            params.len(),
            grads.len(),
            "Sgd: {} parameters, {} gradients",
            params.len(),
            grads.len()
        );
        let use_momentum = self.momentum != 0.0;
        if use_momentum {
            ensure_state(&mut self.buffers, params.len(), "Sgd::update");
        }
        for (i, (p, &grad)) in params.iter_mut().zip(grads).enumerate() {
            let mut g = grad;
            if self.weight_decay != 0.0 {
                g += self.weight_decay * *p;
            }
            if use_momentum {
                let b = &mut self.buffers[i];
                *b = if self.started {
                    self.momentum * *b + g
                } else {
                    g
                };
                g = if self.nesterov {
                    g + self.momentum * *b
                } else {
                    *b
                };
            }
            *p += -self.lr * g;
        }
        self.started = true;
    }

    fn learning_rate(&self) -> f64 {
        self.lr
    }

    fn set_learning_rate(&mut self, lr: f64) {
        self.lr = lr;
    }
}
