//! What a training run checks before it starts (the data fits the model and the loss) and how a
//! trained model is scored ([`accuracy`]).

use super::TrainError;
use crate::data::Dataset;
use crate::loss::Loss;
use crate::nn::MLP;

/// Checks that `data` can train `model` with `loss`: widths agree, there are samples, and the labels
/// are class indices below the number of outputs for cross-entropy (one output for the other losses).
pub fn check_compatible(model: &MLP<'_>, loss: Loss, data: &Dataset) -> Result<(), TrainError> {
    if data.is_empty() {
        return Err(TrainError::Incompatible(format!(
            "the data set `{}` has no samples",
            data.name
        )));
    }
    check_samples(model, loss, data, 0..data.len())
}

/// [`check_compatible`] for the samples `indices` only (which must exist).
pub(super) fn check_samples(
    model: &MLP<'_>,
    loss: Loss,
    data: &Dataset,
    indices: impl Iterator<Item = usize>,
) -> Result<(), TrainError> {
    let fail = |m: String| Err(TrainError::Incompatible(m));
    if data.n_features() != model.n_inputs() {
        return fail(format!(
            "the data set `{}` has {} features per sample but the model takes {} inputs",
            data.name,
            data.n_features(),
            model.n_inputs()
        ));
    }
    let outputs = model.n_outputs();
    if loss == Loss::CrossEntropy {
        for i in indices {
            if i >= data.len() {
                return fail(format!("sample {i} asked of a data set of {}", data.len()));
            }
            let y = data.label(i);
            if !(y >= 0.0 && y.fract() == 0.0 && (y as usize) < outputs) {
                return fail(format!(
                    "sample {i} has label {y}, but cross-entropy on {outputs} outputs needs a class 0..{}",
                    outputs.saturating_sub(1)
                ));
            }
        }
    } else if outputs != 1 {
        return fail(format!(
            "the {loss} loss needs a model with one output, this one has {outputs} (use cross-entropy for classes)"
        ));
    } else if let Some(i) = indices.into_iter().find(|&i| i >= data.len()) {
        return fail(format!("sample {i} asked of a data set of {}", data.len()));
    }
    Ok(())
}

/// The fraction of `data` that `model` predicts correctly under `loss`'s reading of the labels (see
/// [`Loss::is_correct`]), computed in plain `f64` without building a graph. 0 for an empty set.
///
/// # Panics
/// If the data's rows are not as wide as the model's input (see [`check_compatible`]).
pub fn accuracy(model: &MLP<'_>, loss: Loss, data: &Dataset) -> f64 {
    if data.is_empty() {
        return 0.0;
    }
    let frozen = crate::nn::FrozenMlp::new(model);
    let correct = data
        .rows()
        .zip(data.labels())
        .filter(|(x, &y)| loss.is_correct(&frozen.predict(x), y))
        .count();
    correct as f64 / data.len() as f64
}
