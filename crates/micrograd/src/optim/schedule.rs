//! [`Schedule`]: the learning rate as a function of the step number.

/// A learning-rate schedule: [`lr(k)`](Schedule::lr) is the rate for step k (from 0).
///
/// ```
/// use micrograd::optim::Schedule;
///
/// // micrograd's demo: 1.0 decaying linearly towards 0.1 over 100 steps.
/// let s = Schedule::linear(1.0, 0.1, 100);
/// assert_eq!(s.lr(0), 1.0);
/// assert_eq!(s.lr(50), 1.0 - 0.9 * 50.0 / 100.0);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Schedule {
    /// The same rate at every step.
    Constant(f64),
    /// `start - (start - end) · k / steps`, then `end` from step `steps` on.
    Linear {
        /// The rate at step 0.
        start: f64,
        /// The rate reached at step `steps`.
        end: f64,
        /// The length of the decay.
        steps: usize,
    },
    /// `start · gamma^(k / every)` (integer division): the rate is multiplied by `gamma` every `every` steps.
    Step {
        /// The rate at step 0.
        start: f64,
        /// The factor applied every `every` steps.
        gamma: f64,
        /// The number of steps between decays (0 is treated as 1).
        every: usize,
    },
    /// Cosine annealing: `end + (start - end) · (1 + cos(π · k / steps)) / 2`, then `end`.
    Cosine {
        /// The rate at step 0.
        start: f64,
        /// The rate reached at step `steps`.
        end: f64,
        /// The length of the decay.
        steps: usize,
    },
}

impl Schedule {
    /// A constant rate.
    pub fn constant(lr: f64) -> Self {
        Schedule::Constant(lr)
    }

    /// A linear decay from `start` to `end` over `steps` steps.
    pub fn linear(start: f64, end: f64, steps: usize) -> Self {
        Schedule::Linear { start, end, steps }
    }

    /// A step decay: times `gamma` every `every` steps.
    pub fn step(start: f64, gamma: f64, every: usize) -> Self {
        Schedule::Step {
            start,
            gamma,
            every,
        }
    }

    /// A cosine decay from `start` to `end` over `steps` steps.
    pub fn cosine(start: f64, end: f64, steps: usize) -> Self {
        Schedule::Cosine { start, end, steps }
    }

    /// The learning rate at step `k` (counting from 0).
    pub fn lr(&self, k: usize) -> f64 {
        match *self {
            Schedule::Constant(lr) => lr,
            Schedule::Linear { start, end, steps } => {
                if k >= steps {
                    end
                } else {
                    start - (start - end) * k as f64 / steps as f64
                }
            }
            Schedule::Step {
                start,
                gamma,
                every,
            } => {
                let exponent = (k / every.max(1)) as i32;
                start * gamma.powi(exponent)
            }
            Schedule::Cosine { start, end, steps } => {
                if k >= steps {
                    end
                } else {
                    let t = std::f64::consts::PI * k as f64 / steps as f64;
                    end + (start - end) * (1.0 + t.cos()) / 2.0
                }
            }
        }
    }
}
