//! The classes a model tells apart, and how its outputs read as a class and a score.
//!
//! A data set's labels can be any numbers (±1 in the original demo, 0–9 for digits, 3 and 7 in some CSV
//! file). Training needs them in the form the loss expects: class indices 0, 1, … for cross-entropy,
//! -1/+1 for the one-output losses. [`Classes`] keeps the original label of each class, so that
//! predictions and pictures speak of the labels the user knows.

use super::SessionError;
use crate::loss::{argmax, Loss};

/// The most distinct labels a data set may have: more suggests a column of measurements, not classes.
const MAX_CLASSES: usize = 1000;

/// The distinct labels of a data set, in increasing order; class `i` is `labels[i]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Classes {
    labels: Vec<f64>,
}

impl Classes {
    /// The classes found in `labels`; an error if there are fewer than two or too many.
    pub fn from_labels(labels: &[f64]) -> Result<Classes, SessionError> {
        let mut distinct: Vec<f64> = labels.to_vec();
        distinct.sort_by(f64::total_cmp);
        distinct.dedup();
        if distinct.len() < 2 {
            return Err(SessionError::new(format!(
                "the labels must name at least two classes, found {}",
                match distinct.first() {
                    Some(y) => format!("only {}", format_label(*y)),
                    None => "none".to_string(),
                }
            )));
        }
        if distinct.len() > MAX_CLASSES {
            return Err(SessionError::new(format!(
                "the label column has {} distinct values: train classifies, and the labels must be classes \
                 (at most {MAX_CLASSES}); choose the label column with --label",
                distinct.len()
            )));
        }
        Ok(Classes { labels: distinct })
    }

    /// Classes with the given labels, in this order (as read back from a model file).
    pub fn from_saved(labels: Vec<f64>) -> Classes {
        Classes { labels }
    }

    /// The number of classes.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether there are none (only a model file can say so; one read from labels has two or more).
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The original label of each class.
    pub fn labels(&self) -> &[f64] {
        &self.labels
    }

    /// The class of an original label, if it is one.
    pub fn index_of(&self, label: f64) -> Option<usize> {
        self.labels.iter().position(|&y| y == label)
    }

    /// The label of class `i`, printed as the user wrote it (`-1`, `3`, `0.5`).
    pub fn name(&self, i: usize) -> String {
        format_label(self.labels[i])
    }

    /// How class `i` is given to `loss` as a training label: the index for cross-entropy, -1 or +1 (the
    /// first class or the second) for the one-output losses.
    pub fn training_label(&self, loss: Loss, i: usize) -> f64 {
        match loss {
            Loss::CrossEntropy => i as f64,
            _ => {
                if i == 0 {
                    -1.0
                } else {
                    1.0
                }
            }
        }
    }

    /// The number of outputs a model needs to tell these classes apart with `loss`.
    pub fn outputs_for(&self, loss: Loss) -> usize {
        match loss {
            Loss::CrossEntropy => self.len(),
            _ => 1,
        }
    }

    /// The predicted class of a model's `output` under `loss`, and its score: the raw score for hinge
    /// and mse (its sign gives the class), the probability of the predicted class for bce and
    /// cross-entropy. No class when the score is NaN (an output that is NaN, or sums that overflowed
    /// to opposite infinities): a NaN decides nothing, and calling it a class would hide it.
    pub fn decode(&self, loss: Loss, output: &[f64]) -> (Option<usize>, f64) {
        let (class, score) = match loss {
            Loss::CrossEntropy => {
                let best = argmax(output).unwrap_or(0);
                let top = output[best];
                let total: f64 = output.iter().map(|&o| (o - top).exp()).sum();
                (best, 1.0 / total)
            }
            Loss::BceWithLogits => {
                let p = 1.0 / (1.0 + (-output[0]).exp());
                if output[0] > 0.0 {
                    (1, p)
                } else {
                    (0, 1.0 - p)
                }
            }
            Loss::Hinge | Loss::Mse => (usize::from(output[0] > 0.0), output[0]),
        };
        ((!score.is_nan()).then_some(class), score)
    }

    /// How sure a prediction is, from 0 (on the decision boundary) to 1, for shading pictures.
    pub fn confidence(&self, loss: Loss, output: &[f64]) -> f64 {
        let (class, score) = self.decode(loss, output);
        if class.is_none() {
            return 0.0;
        }
        match loss {
            // A margin of 1 is where hinge stops pushing: fully confident.
            Loss::Hinge | Loss::Mse => score.abs().min(1.0),
            // A probability from 1/k (a guess) to 1.
            _ => {
                let chance = 1.0 / self.len() as f64;
                ((score - chance) / (1.0 - chance)).clamp(0.0, 1.0)
            }
        }
    }
}

/// A label as the user would write it: integers without a decimal point.
pub fn format_label(y: f64) -> String {
    if y.fract() == 0.0 && y.abs() < 1e15 {
        format!("{}", y as i64)
    } else {
        format!("{y}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_become_sorted_classes() {
        let c = Classes::from_labels(&[7.0, 3.0, 7.0, 3.0]).unwrap();
        assert_eq!(c.labels(), &[3.0, 7.0]);
        assert_eq!((c.name(0), c.name(1)), ("3".to_string(), "7".to_string()));
        assert_eq!(c.training_label(Loss::Hinge, 0), -1.0);
        assert_eq!(c.training_label(Loss::CrossEntropy, 1), 1.0);
        assert_eq!(c.index_of(7.0), Some(1));
    }

    #[test]
    fn one_class_is_not_enough() {
        let err = Classes::from_labels(&[1.0, 1.0]).unwrap_err();
        assert!(err.message().contains("only 1"), "{err}");
    }

    #[test]
    fn outputs_decode_to_a_class_and_a_score() {
        let c = Classes::from_labels(&[0.0, 1.0, 2.0]).unwrap();
        let (class, p) = c.decode(Loss::CrossEntropy, &[0.0, 2.0, 0.0]);
        assert_eq!(class, Some(1));
        let expected = 2f64.exp() / (2.0 + 2f64.exp());
        assert!((p - expected).abs() < 1e-15);
        let binary = Classes::from_labels(&[-1.0, 1.0]).unwrap();
        assert_eq!(binary.decode(Loss::Hinge, &[-0.5]), (Some(0), -0.5));
        let (class, p) = binary.decode(Loss::BceWithLogits, &[0.0]);
        assert_eq!((class, p), (Some(0), 0.5));
    }

    #[test]
    fn a_score_that_is_not_a_number_decodes_to_no_class() {
        let c = Classes::from_labels(&[0.0, 1.0, 2.0]).unwrap();
        let binary = Classes::from_labels(&[-1.0, 1.0]).unwrap();
        let overflowed = [f64::INFINITY, f64::NEG_INFINITY, f64::INFINITY];
        for (classes, loss, output) in [
            (&c, Loss::CrossEntropy, &[0.0, f64::NAN, 1.0][..]),
            (&c, Loss::CrossEntropy, &overflowed[..]),
            (&binary, Loss::Hinge, &[f64::NAN][..]),
            (&binary, Loss::Mse, &[f64::NAN][..]),
            (&binary, Loss::BceWithLogits, &[f64::NAN][..]),
        ] {
            let (class, score) = classes.decode(loss, output);
            assert_eq!(class, None, "{loss} on {output:?}");
            assert!(score.is_nan());
            assert_eq!(classes.confidence(loss, output), 0.0);
        }
        // An infinite score is still a decision.
        assert_eq!(binary.decode(Loss::Hinge, &[f64::INFINITY]).0, Some(1));
    }
}
