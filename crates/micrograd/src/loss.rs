//! Loss functions: how far a model's outputs are from the targets, as one [`Value`] to call
//! `backward()` on.
//!
//! Each is written with the engine's operations, so its gradient comes from backpropagation, and each
//! follows PyTorch's definition (mean over the samples) so the numbers agree with
//! `torch.nn.functional`:
//!
//! | function | PyTorch |
//! | --- | --- |
//! | [`mse`] | `mse_loss(s, y)` |
//! | [`hinge`] | `relu(1 - y * s).mean()` (micrograd's max-margin loss, targets ±1) |
//! | [`bce_with_logits`] | `binary_cross_entropy_with_logits(s, y)` (targets 0/1) |
//! | [`softmax_cross_entropy`] / [`cross_entropy`] | `cross_entropy(logits, class)` |
//! | [`softmax_cross_entropy_smoothed`] / [`cross_entropy_smoothed`] | `cross_entropy(logits, class, label_smoothing=ε)` |
//! | [`l2`] | `Σ p²` (times a coefficient you choose) |
//!
//! The log-losses are numerically stable: BCE picks the form whose `exp` cannot overflow from the sign
//! of the score, and cross-entropy shifts the logits by their maximum, so logits of 1000 are fine.
//!
//! [`Loss`] names one of them, to choose on a command line or in a [`Trainer`](crate::train::Trainer).

use std::fmt;
use std::str::FromStr;

use crate::graph::Value;

/// The mean of `values`, as PyTorch's `mean`: the sum divided by the count.
///
/// # Panics
/// If `values` is empty.
pub fn mean<'g>(values: &[Value<'g>]) -> Value<'g> {
    assert!(!values.is_empty(), "loss: no samples to average over");
    let graph = values[0].graph();
    let sum = graph.sum(values.iter().copied()).expect("non-empty");
    sum / values.len() as f64
}

fn check_lengths(what: &str, scores: usize, targets: usize) {
    assert_eq!(
        scores, targets,
        "{what}: {scores} scores for {targets} targets"
    );
}

/// Mean squared error: `mean((sᵢ - yᵢ)²)`.
///
/// ```
/// use micrograd::{loss, Graph};
///
/// let g = Graph::new();
/// let s = [g.value(0.5), g.value(-1.0)];
/// let l = loss::mse(&s, &[1.0, -1.0]);
/// assert_eq!(l.data(), 0.125);
/// ```
///
/// # Panics
/// If the lengths differ or there are no samples.
pub fn mse<'g>(scores: &[Value<'g>], targets: &[f64]) -> Value<'g> {
    mean(&mse_terms(scores, targets))
}

fn mse_terms<'g>(scores: &[Value<'g>], targets: &[f64]) -> Vec<Value<'g>> {
    check_lengths("mse", scores.len(), targets.len());
    scores
        .iter()
        .zip(targets)
        .map(|(&s, &y)| (s - y).powf(2.0))
        .collect()
}

/// The SVM hinge (max-margin) loss of micrograd's demo: `mean(relu(1 - yᵢ·sᵢ))`, targets ±1.
///
/// # Panics
/// If the lengths differ or there are no samples.
pub fn hinge<'g>(scores: &[Value<'g>], targets: &[f64]) -> Value<'g> {
    mean(&hinge_terms(scores, targets))
}

fn hinge_terms<'g>(scores: &[Value<'g>], targets: &[f64]) -> Vec<Value<'g>> {
    check_lengths("hinge", scores.len(), targets.len());
    scores
        .iter()
        .zip(targets)
        .map(|(&s, &y)| {
            // With the usual targets ±1, `y * s` is exactly ±s: two fewer nodes, the same numbers.
            let margin = if y == 1.0 {
                1.0 - s
            } else if y == -1.0 {
                1.0 + s
            } else {
                1.0 - y * s
            };
            margin.relu()
        })
        .collect()
}

/// Binary cross-entropy on logits: `mean(-yᵢ·log σ(sᵢ) - (1 - yᵢ)·log(1 - σ(sᵢ)))`, targets in [0, 1].
///
/// Computed without overflow: for `s ≥ 0` as `(1 - y)·s + log(1 + e^-s)`, for `s < 0` as
/// `-y·s + log(1 + e^s)`; both have the gradient `σ(s) - y`.
///
/// # Panics
/// If the lengths differ or there are no samples.
pub fn bce_with_logits<'g>(scores: &[Value<'g>], targets: &[f64]) -> Value<'g> {
    mean(&bce_with_logits_terms(scores, targets))
}

fn bce_with_logits_terms<'g>(scores: &[Value<'g>], targets: &[f64]) -> Vec<Value<'g>> {
    check_lengths("bce_with_logits", scores.len(), targets.len());
    scores
        .iter()
        .zip(targets)
        .map(|(&s, &y)| {
            if s.data() >= 0.0 {
                (1.0 - y) * s + ((-s).exp() + 1.0).log()
            } else {
                -y * s + (s.exp() + 1.0).log()
            }
        })
        .collect()
}

/// Softmax cross-entropy of one sample: `-log softmax(logits)[class]`, computed as
/// `log Σ exp(zⱼ - m) - (z_class - m)` with `m` the largest logit, so no `exp` overflows.
///
/// ```
/// use micrograd::{loss, Graph};
///
/// let g = Graph::new();
/// let z = [g.value(1000.0), g.value(-1000.0), g.value(999.0)];
/// let l = loss::softmax_cross_entropy(&z, 2);
/// assert!((l.data() - 1.3132616875182228).abs() < 1e-12);
/// ```
///
/// # Panics
/// If `logits` is empty or `class` is out of range.
pub fn softmax_cross_entropy<'g>(logits: &[Value<'g>], class: usize) -> Value<'g> {
    softmax_cross_entropy_smoothed(logits, class, 0.0)
}

/// Softmax cross-entropy of one sample against smoothed labels, as PyTorch's
/// `cross_entropy(logits, class, label_smoothing=ε)`: the target puts `1 - ε` on `class` and spreads
/// `ε` evenly over all K classes, so the loss is `(1 - ε)·(-log p_class) + ε·mean_j(-log p_j)`,
/// computed as `log Σ exp(zⱼ - m) - (1 - ε)·(z_class - m) - (ε/K)·Σ (zⱼ - m)`. Its gradient is
/// `softmax(z) - target`: the network is pulled towards `1 - ε + ε/K` on the right class, not
/// towards certainty, which keeps its logits, and so its weights, from growing without end.
/// With `ε = 0` it is [`softmax_cross_entropy`], bit for bit.
///
/// ```
/// use micrograd::{loss, Graph};
///
/// let g = Graph::new();
/// let z = [g.value(2.0), g.value(-1.0), g.value(0.5)];
/// let plain = loss::softmax_cross_entropy(&z, 0).data();
/// let smoothed = loss::softmax_cross_entropy_smoothed(&z, 0, 0.1).data();
/// assert!(smoothed > plain); // the right class is no longer asked to be certain
/// ```
///
/// # Panics
/// If `logits` is empty, `class` is out of range, or `smoothing` is not in [0, 1].
pub fn softmax_cross_entropy_smoothed<'g>(
    logits: &[Value<'g>],
    class: usize,
    smoothing: f64,
) -> Value<'g> {
    assert!(
        class < logits.len(),
        "softmax_cross_entropy: class {class} for {} logits",
        logits.len()
    );
    assert!(
        (0.0..=1.0).contains(&smoothing),
        "softmax_cross_entropy: label smoothing {smoothing} is not in [0, 1]"
    );
    let graph = logits[0].graph();
    let max = logits
        .iter()
        .map(Value::data)
        .fold(f64::NEG_INFINITY, f64::max);
    let shifted = |z: Value<'g>| z - max;
    let sum_exp = graph
        .sum(logits.iter().map(|&z| shifted(z).exp()))
        .expect("non-empty");
    if smoothing == 0.0 {
        return sum_exp.log() - shifted(logits[class]);
    }
    let spread = graph
        .sum(logits.iter().map(|&z| shifted(z)))
        .expect("non-empty");
    sum_exp.log()
        - (1.0 - smoothing) * shifted(logits[class])
        - (smoothing / logits.len() as f64) * spread
}

/// Mean softmax cross-entropy over a batch: `logits[i]` are sample i's logits, `classes[i]` its class.
///
/// # Panics
/// If the lengths differ, there are no samples, or a class is out of range.
pub fn cross_entropy<'g>(logits: &[Vec<Value<'g>>], classes: &[usize]) -> Value<'g> {
    cross_entropy_smoothed(logits, classes, 0.0)
}

/// Mean [`softmax_cross_entropy_smoothed`] over a batch, as PyTorch's
/// `cross_entropy(logits, classes, label_smoothing=smoothing)`.
///
/// # Panics
/// If the lengths differ, there are no samples, a class is out of range, or `smoothing` is not
/// in [0, 1].
pub fn cross_entropy_smoothed<'g>(
    logits: &[Vec<Value<'g>>],
    classes: &[usize],
    smoothing: f64,
) -> Value<'g> {
    mean(&cross_entropy_terms(logits, classes, smoothing))
}

fn cross_entropy_terms<'g>(
    logits: &[Vec<Value<'g>>],
    classes: &[usize],
    smoothing: f64,
) -> Vec<Value<'g>> {
    check_lengths("cross_entropy", logits.len(), classes.len());
    logits
        .iter()
        .zip(classes)
        .map(|(z, &c)| softmax_cross_entropy_smoothed(z, c, smoothing))
        .collect()
}

/// The L2 penalty `Σ pᵢ²` over `parameters` (one weighted-sum node); multiply it by your coefficient,
/// as micrograd's demo adds `1e-4 * Σ p²`. Zero if there are no parameters.
pub fn l2<'g>(parameters: &[Value<'g>]) -> Option<Value<'g>> {
    let first = parameters.first()?;
    let graph = first.graph();
    Some(graph.weighted_sum(graph.constant(0.0), parameters, parameters))
}

/// A loss chosen by name, with how to read targets for it and how to score accuracy.
///
/// These are classification losses; targets come from a data set's labels: for [`Loss::Hinge`] and
/// [`Loss::Mse`] a label `> 0` is +1 and any other -1 (the notebook's targets ±1); for
/// [`Loss::BceWithLogits`] a label `> 0` is 1 and any other 0 (so labels 0/1 and -1/+1 both work);
/// [`Loss::CrossEntropy`] reads them as class indices 0, 1, …. (For regression on raw targets, call [`mse`].)
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Loss {
    /// [`mse`] on one output, against targets ±1.
    Mse,
    /// [`hinge`] on one output.
    Hinge,
    /// [`bce_with_logits`] on one output.
    BceWithLogits,
    /// [`cross_entropy`] on one output per class.
    CrossEntropy,
}

impl Loss {
    /// The name used on the command line: `mse`, `hinge`, `bce`, `cross-entropy`.
    pub fn name(self) -> &'static str {
        match self {
            Loss::Mse => "mse",
            Loss::Hinge => "hinge",
            Loss::BceWithLogits => "bce",
            Loss::CrossEntropy => "cross-entropy",
        }
    }

    /// Whether this loss can have its labels smoothed by `smoothing` (PyTorch's `label_smoothing`):
    /// only the cross-entropy has labels to smooth, by at least 0 and at most 1. The error says what
    /// is wrong, to follow the option's name: `must be at least 0 and at most 1, not 1.5`.
    ///
    /// ```
    /// use micrograd::loss::Loss;
    ///
    /// assert!(Loss::CrossEntropy.check_label_smoothing(0.1).is_ok());
    /// assert!(Loss::Hinge.check_label_smoothing(0.0).is_ok());
    /// let err = Loss::Hinge.check_label_smoothing(0.1).unwrap_err();
    /// assert_eq!(err, "applies to the cross-entropy loss, not to hinge");
    /// ```
    pub fn check_label_smoothing(self, smoothing: f64) -> Result<(), String> {
        if !(0.0..=1.0).contains(&smoothing) {
            return Err(format!("must be at least 0 and at most 1, not {smoothing}"));
        }
        if smoothing != 0.0 && self != Loss::CrossEntropy {
            return Err(format!("applies to the cross-entropy loss, not to {self}"));
        }
        Ok(())
    }

    /// The loss of a batch: `outputs[i]` is the model's output for sample i, `labels[i]` its label.
    ///
    /// # Panics
    /// If the lengths differ, the batch is empty, a one-output loss gets several outputs, or a class
    /// label is not an index of the outputs.
    pub fn compute<'g>(self, outputs: &[Vec<Value<'g>>], labels: &[f64]) -> Value<'g> {
        mean(&self.terms(outputs, labels, 0.0))
    }

    /// Each sample's term of the loss, the cross-entropy's labels smoothed by `smoothing` (see
    /// [`softmax_cross_entropy_smoothed`]; the other losses ignore it). With `smoothing` 0 their
    /// mean is [`Loss::compute`]; a part of a batch can divide their sum by the whole batch's size
    /// and get the same gradients.
    pub(crate) fn terms<'g>(
        self,
        outputs: &[Vec<Value<'g>>],
        labels: &[f64],
        smoothing: f64,
    ) -> Vec<Value<'g>> {
        check_lengths(self.name(), outputs.len(), labels.len());
        if self == Loss::CrossEntropy {
            let classes: Vec<usize> = labels.iter().map(|&y| class_index(y)).collect();
            return cross_entropy_terms(outputs, &classes, smoothing);
        }
        let scores: Vec<Value<'g>> = outputs
            .iter()
            .map(|o| {
                assert_eq!(
                    o.len(),
                    1,
                    "loss {}: expects one output per sample, got {}",
                    self.name(),
                    o.len()
                );
                o[0]
            })
            .collect();
        let targets: Vec<f64> = labels.iter().map(|&y| self.target(y)).collect();
        match self {
            Loss::Mse => mse_terms(&scores, &targets),
            Loss::Hinge => hinge_terms(&scores, &targets),
            Loss::BceWithLogits => bce_with_logits_terms(&scores, &targets),
            Loss::CrossEntropy => unreachable!(),
        }
    }

    /// The target a label stands for under this loss (see [`Loss`]).
    pub fn target(self, label: f64) -> f64 {
        match self {
            Loss::Hinge | Loss::Mse => {
                if label > 0.0 {
                    1.0
                } else {
                    -1.0
                }
            }
            Loss::BceWithLogits => {
                if label > 0.0 {
                    1.0
                } else {
                    0.0
                }
            }
            Loss::CrossEntropy => label,
        }
    }

    /// Whether an output is a correct prediction of `label`: the arg-max class for cross-entropy, the
    /// sign of the single score (positive means a label `> 0`) otherwise.
    pub fn is_correct(self, output: &[f64], label: f64) -> bool {
        if self == Loss::CrossEntropy {
            argmax(output) == Some(class_index(label))
        } else {
            (output[0] > 0.0) == (label > 0.0)
        }
    }
}

/// The index of the largest number (the first of equal ones), or `None` if there are none.
pub fn argmax(xs: &[f64]) -> Option<usize> {
    let mut best: Option<usize> = None;
    for (i, &x) in xs.iter().enumerate() {
        if best.is_none_or(|b| x > xs[b]) {
            best = Some(i);
        }
    }
    best
}

fn class_index(label: f64) -> usize {
    assert!(
        label >= 0.0 && label.fract() == 0.0,
        "cross-entropy: label {label} is not a class index 0, 1, 2, …"
    );
    label as usize
}

impl fmt::Display for Loss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The error of parsing an unknown loss name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownLoss(pub String);

impl fmt::Display for UnknownLoss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown loss `{}` (expected one of: mse, hinge, bce, cross-entropy)",
            self.0
        )
    }
}

impl std::error::Error for UnknownLoss {}

impl FromStr for Loss {
    type Err = UnknownLoss;

    /// Parses `mse`, `hinge`, `bce` (or `bce-with-logits`), `cross-entropy` (or `ce`, `softmax`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().replace('_', "-").as_str() {
            "mse" => Ok(Loss::Mse),
            "hinge" | "svm" | "max-margin" => Ok(Loss::Hinge),
            "bce" | "bce-with-logits" | "bce-logits" => Ok(Loss::BceWithLogits),
            "cross-entropy" | "ce" | "softmax" | "softmax-cross-entropy" => Ok(Loss::CrossEntropy),
            _ => Err(UnknownLoss(s.to_string())),
        }
    }
}
