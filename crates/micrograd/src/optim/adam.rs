//! [`Adam`]: Adam and AdamW as PyTorch's `torch.optim.Adam` and `torch.optim.AdamW`.

use super::watched::{watched_chunks, Token, UpdateWatcher, WatchedRangeUpdate, WatchedUpdate};
use super::{ensure_state, split_state, Optimizer, RangeUpdate};
use crate::speed::simd::dispatched;

/// Adam (Kingma and Ba), and AdamW (Loshchilov and Hutter) with [`Adam::adamw`], written as PyTorch
/// computes them. At step t (from 1), for each parameter p with gradient g:
///
/// ```text
/// p = p · (1 - lr · weight_decay)             (AdamW only: decoupled weight decay)
/// g = g + weight_decay · p                    (Adam only: L2 in the gradient)
/// m = m + (1 - β₁) · (g - m)
/// v = β₂ · v + (1 - β₂) · g²
/// p = p - (lr / (1 - β₁ᵗ)) · m / (√v / √(1 - β₂ᵗ) + ε)
/// ```
///
/// ε is added after the bias correction of √v, as PyTorch does.
#[derive(Clone, Debug)]
pub struct Adam {
    lr: f64,
    beta1: f64,
    beta2: f64,
    eps: f64,
    weight_decay: f64,
    decoupled: bool,
    step: i32,
    m: Vec<f64>,
    v: Vec<f64>,
}

impl Adam {
    /// Adam with learning rate `lr` and PyTorch's defaults: β = (0.9, 0.999), ε = 1e-8, no weight decay.
    pub fn new(lr: f64) -> Self {
        Adam {
            lr,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: 0.0,
            decoupled: false,
            step: 0,
            m: Vec::new(),
            v: Vec::new(),
        }
    }

    /// AdamW with learning rate `lr` and PyTorch's defaults: β = (0.9, 0.999), ε = 1e-8, weight decay
    /// 0.01 applied to the parameters directly.
    pub fn adamw(lr: f64) -> Self {
        Adam {
            weight_decay: 0.01,
            decoupled: true,
            ..Adam::new(lr)
        }
    }

    /// Sets the moment decay rates β₁ and β₂.
    pub fn betas(mut self, beta1: f64, beta2: f64) -> Self {
        self.beta1 = beta1;
        self.beta2 = beta2;
        self
    }

    /// Sets ε, added to the denominator.
    pub fn eps(mut self, eps: f64) -> Self {
        self.eps = eps;
        self
    }

    /// Sets the weight decay (L2 in the gradient for Adam, decoupled for AdamW).
    pub fn weight_decay(mut self, weight_decay: f64) -> Self {
        self.weight_decay = weight_decay;
        self
    }

    /// Whether this is AdamW (decoupled weight decay).
    pub fn is_adamw(&self) -> bool {
        self.decoupled
    }
}

impl Adam {
    /// Starts an update of `n` parameters: the step count, and the constants of this step's rule.
    fn begin(&mut self, n: usize) -> Rule {
        ensure_state(&mut self.m, n, "Adam::update");
        ensure_state(&mut self.v, n, "Adam::update");
        self.step += 1;
        let bias_correction1 = 1.0 - self.beta1.powi(self.step);
        let bias_correction2 = 1.0 - self.beta2.powi(self.step);
        Rule {
            beta1: self.beta1,
            beta2: self.beta2,
            eps: self.eps,
            lr: self.lr,
            weight_decay: self.weight_decay,
            decoupled: self.decoupled,
            step_size: self.lr / bias_correction1,
            bias_correction2_sqrt: bias_correction2.sqrt(),
        }
    }
}

impl Optimizer for Adam {
    fn update(&mut self, params: &mut [f64], grads: &[f64]) {
        assert_eq!(
            params.len(),
            grads.len(),
            "Adam: {} parameters, {} gradients",
            params.len(),
            grads.len()
        );
        let rule = self.begin(params.len());
        update_all(&rule, params, grads, &mut self.m, &mut self.v);
    }

    fn split_update(&mut self, n: usize, bounds: &[usize]) -> Option<Vec<RangeUpdate<'_>>> {
        let (rule, ranges) = self.split(n, bounds);
        let updates = ranges.into_iter().map(|(m, v)| {
            Box::new(move |params: &mut [f64], grads: &[f64]| {
                check_range(m.len(), params.len(), grads.len());
                update_all(&rule, params, grads, m, v);
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

impl WatchedUpdate for Adam {
    fn update_watched(
        &mut self,
        params: &mut [f64],
        grads: &mut [f64],
        watcher: &mut dyn UpdateWatcher,
    ) {
        let rule = self.begin(params.len());
        update_range(&rule, params, grads, &mut self.m, &mut self.v, watcher);
    }

    fn split_update_watched(&mut self, n: usize, bounds: &[usize]) -> Vec<WatchedRangeUpdate<'_>> {
        let (rule, ranges) = self.split(n, bounds);
        let updates = ranges.into_iter().map(|(m, v)| {
            Box::new(
                move |params: &mut [f64], grads: &mut [f64], watcher: &mut dyn UpdateWatcher| {
                    check_range(m.len(), params.len(), grads.len());
                    update_range(&rule, params, grads, m, v, watcher);
                },
            ) as WatchedRangeUpdate<'_>
        });
        updates.collect()
    }
}

impl Adam {
    /// Starts an update of `n` parameters split at `bounds`: the step's rule, and the moments cut
    /// into the ranges.
    #[allow(clippy::type_complexity)]
    fn split(&mut self, n: usize, bounds: &[usize]) -> (Rule, Vec<(&mut [f64], &mut [f64])>) {
        let rule = self.begin(n);
        let ranges = split_state(&mut self.m, bounds)
            .into_iter()
            .zip(split_state(&mut self.v, bounds))
            .collect();
        (rule, ranges)
    }
}

/// Checks that a range of `n` moments was given as many parameters and gradients.
fn check_range(n: usize, params: usize, grads: usize) {
    assert!(
        params == n && grads == n,
        "Adam: a range of {n} parameters given {params} and {grads} gradients"
    );
}

/// One step's constants of the update rule.
#[derive(Clone, Copy)]
struct Rule {
    beta1: f64,
    beta2: f64,
    eps: f64,
    lr: f64,
    weight_decay: f64,
    decoupled: bool,
    step_size: f64,
    bias_correction2_sqrt: f64,
}

/// Updates `params` (with their gradients and moments, slices of one length), a chunk at a time,
/// shown to `watcher`.
fn update_range(
    rule: &Rule,
    params: &mut [f64],
    grads: &mut [f64],
    m: &mut [f64],
    v: &mut [f64],
    watcher: &mut dyn UpdateWatcher,
) {
    watched_chunks(params, grads, watcher, |range, params, grads| {
        update_all(rule, params, grads, &mut m[range.clone()], &mut v[range]);
    });
}

dispatched! {
    /// Updates every parameter, with its gradient and moments (slices of one length).
    fn update_all(
        rule: &Rule,
        params: &mut [f64],
        grads: &[f64],
        m: &mut [f64],
        v: &mut [f64],
    ) => update_all_loop;
}

#[inline(always)]
fn update_all_loop(rule: &Rule, params: &mut [f64], grads: &[f64], m: &mut [f64], v: &mut [f64]) {
    // Plain locals and equal-length slices let the loop run on vector registers; square roots
    // and divisions are correctly rounded per lane, so the bits are those of one at a time.
    let Rule {
        beta1,
        beta2,
        eps,
        lr,
        weight_decay,
        decoupled,
        step_size,
        bias_correction2_sqrt,
    } = *rule;
    let n = params.len();
    let (grads, m, v) = (&grads[..n], &mut m[..n], &mut v[..n]);
    let moments = |p: &mut f64, g: f64, m: &mut f64, v: &mut f64| {
        *m += (1.0 - beta1) * (g - *m);
        *v = beta2 * *v + (1.0 - beta2) * (g * g);
        let denom = v.sqrt() / bias_correction2_sqrt + eps;
        *p += -step_size * (*m / denom);
    };
    if weight_decay == 0.0 {
        for i in 0..n {
            moments(&mut params[i], grads[i], &mut m[i], &mut v[i]);
        }
    } else if decoupled {
        for i in 0..n {
            params[i] *= 1.0 - lr * weight_decay;
            moments(&mut params[i], grads[i], &mut m[i], &mut v[i]);
        }
    } else {
        for i in 0..n {
            let g = grads[i] + weight_decay * params[i];
            moments(&mut params[i], g, &mut m[i], &mut v[i]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::speed::simd::testing::{bits, number};
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn every_build_of_the_update_gives_the_bits_of_one_at_a_time(
            state in prop::collection::vec((number(), number(), number(), 0.0..4.0f64), 0..40),
            weight_decay in prop_oneof![Just(0.0), 0.0..0.1f64],
            decoupled: bool,
        ) {
            let rule = Rule {
                beta1: 0.9,
                beta2: 0.999,
                eps: 1e-8,
                lr: 0.01,
                weight_decay,
                decoupled,
                step_size: 0.01 / (1.0 - 0.9f64.powi(3)),
                bias_correction2_sqrt: (1.0 - 0.999f64.powi(3)).sqrt(),
            };
            let mut p: Vec<f64> = state.iter().map(|s| s.0).collect();
            let g: Vec<f64> = state.iter().map(|s| s.1).collect();
            let mut m: Vec<f64> = state.iter().map(|s| s.2).collect();
            let mut v: Vec<f64> = state.iter().map(|s| s.3).collect();
            let (mut p1, mut m1, mut v1) = (p.clone(), m.clone(), v.clone());
            update_all(&rule, &mut p1, &g, &mut m1, &mut v1);
            let (mut p2, mut m2, mut v2) = (p.clone(), m.clone(), v.clone());
            update_all_loop(&rule, &mut p2, &g, &mut m2, &mut v2);
            for i in 0..p.len() {
                update_all_loop(&rule, &mut p[i..=i], &g[i..=i], &mut m[i..=i], &mut v[i..=i]);
            }
            for (wide, portable, alone) in [(&p1, &p2, &p), (&m1, &m2, &m), (&v1, &v2, &v)] {
                prop_assert_eq!(bits(wide), bits(portable));
                prop_assert_eq!(bits(portable), bits(alone));
            }
        }
    }
}
