//! What a training step gives back: its [`StepReport`], or the [`TrainError`] that stopped it.

use std::fmt;

/// What one training step did.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StepReport {
    /// The step number, from 0.
    pub step: usize,
    /// The epoch the step belongs to, from 0 (a pass over the data; with full batches, one per step).
    pub epoch: usize,
    /// The loss of the batch before the update (with the L2 term).
    pub loss: f64,
    /// The fraction of the batch predicted correctly before the update.
    pub accuracy: f64,
    /// The learning rate the update used.
    pub learning_rate: f64,
    /// The number of samples in the batch.
    pub batch_size: usize,
}

/// Why training stopped.
#[derive(Clone, Debug, PartialEq)]
pub enum TrainError {
    /// The loss, or a parameter after an update, became NaN or infinite. The model holds the last
    /// parameters that gave a finite loss.
    NonFinite {
        /// The step at which it happened.
        step: usize,
        /// The loss at that step (NaN or infinite), or the finite loss whose update broke the parameters.
        loss: f64,
        /// The step whose parameters the model was restored to (`None` if it broke at the first step
        /// and kept its initial parameters).
        restored_step: Option<usize>,
    },
    /// The data does not fit the model or the loss (widths, labels, an empty set).
    Incompatible(String),
}

impl fmt::Display for TrainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrainError::NonFinite {
                step,
                loss,
                restored_step,
            } => {
                if loss.is_finite() {
                    write!(f, "a parameter became NaN or infinite in the update of step {step} (loss {loss})")?;
                } else {
                    write!(f, "the loss became {loss} at step {step}")?;
                }
                match restored_step {
                    Some(s) => write!(f, "; the model keeps the parameters it had at step {s}, the last with a finite loss"),
                    None => write!(f, "; the model keeps its initial parameters"),
                }?;
                write!(f, " (try a smaller learning rate)")
            }
            TrainError::Incompatible(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for TrainError {}
