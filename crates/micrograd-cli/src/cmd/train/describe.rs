//! The lines `micrograd train` prints: the data, the model, the training, the summary, and what went
//! wrong when the loss stopped being a number.

use std::path::Path;

use micrograd::nn::Init;
use micrograd::session::{format_label, Length, Scaling, ScheduleKind, Session};
use micrograd::train::TrainError;

use crate::format::loss_text;

/// `data: moons, 100 samples (100 training, 0 test), 2 features, 2 classes (-1, 1)`.
pub fn data(session: &Session) -> String {
    let classes = session.classes();
    let names: Vec<String> = classes.labels().iter().map(|&y| format_label(y)).collect();
    let classes_text = if names.len() <= 10 {
        names.join(", ")
    } else {
        format!("{} … {}", names[..5].join(", "), names[names.len() - 1])
    };
    let data = session.data();
    format!(
        "data: {}, {} samples ({} training, {} test), {} features, {} classes ({classes_text})",
        session.source(),
        data.len(),
        session.train_set().len(),
        session.test_set().len(),
        data.n_features(),
        classes.len()
    )
}

/// `model: MLP 2-16-16-1 (relu hidden, linear output), 337 parameters`, naming PyTorch's
/// initialization when it is used (micrograd's is the demo's, said by nothing).
pub fn model(session: &Session) -> String {
    let recipe = session.recipe();
    let architecture = session.architecture();
    let scaling = match recipe.scaling {
        Scaling::None => String::new(),
        Scaling::Divide(d) => format!(", inputs divided by {d}"),
        Scaling::Standardize => ", inputs standardized".to_string(),
        Scaling::StandardizePooled => ", inputs standardized (one pooled deviation)".to_string(),
    };
    let init = match recipe.init {
        Init::Micrograd => String::new(),
        other => format!(", {other} init"),
    };
    format!(
        "model: MLP {} ({} hidden, linear output{init}), {} parameters{scaling}",
        architecture.widths_text(),
        recipe.activation,
        architecture.num_parameters()
    )
}

/// `training: hinge loss + 1e-4 L2, SGD lr 1 → 0.1 (linear), 100 steps, full batch`.
pub fn training(session: &Session) -> String {
    let recipe = session.recipe();
    let l2 = if recipe.l2 > 0.0 {
        format!(" + {:e} L2", recipe.l2)
    } else {
        String::new()
    };
    let smoothing = if recipe.label_smoothing > 0.0 {
        format!(" (labels smoothed by {})", recipe.label_smoothing)
    } else {
        String::new()
    };
    let lr = match recipe.schedule {
        ScheduleKind::Constant => format!("lr {}", recipe.lr),
        ScheduleKind::Linear => format!("lr {} → {} (linear)", recipe.lr, recipe.lr * 0.1),
        ScheduleKind::Cosine => format!("lr {} → 0 (cosine)", recipe.lr),
    };
    let momentum = if recipe.momentum > 0.0 {
        format!(", momentum {}", recipe.momentum)
    } else {
        String::new()
    };
    let n_train = session.train_set().len();
    let batches = if recipe.batch_size == 0 || recipe.batch_size >= n_train {
        "full batch".to_string()
    } else {
        format!("batches of {}", recipe.batch_size)
    };
    let epochs = match recipe.length {
        Length::Epochs(e) => format!(" ({e} epochs)"),
        Length::Steps(_) => String::new(),
    };
    let threads = match session.threads() {
        1 => String::new(),
        n => format!(" on {n} threads"),
    };
    format!(
        "training: {} loss{smoothing}{l2}, {} {lr}{momentum}, {} steps{epochs}, {batches}{threads}",
        recipe.loss,
        recipe.optimizer,
        session.total_steps()
    )
}

/// `done: 100 steps in 0.123 s; final loss 0.0123, training accuracy 100.0%`.
pub fn summary(steps: usize, seconds: f64, loss: f64, train: f64, test: Option<f64>) -> String {
    let test = test.map_or(String::new(), |a| {
        format!(", test accuracy {:.1}%", a * 100.0)
    });
    format!(
        "done: {steps} steps in {seconds:.3} s; final loss {}, training accuracy {:.1}%{test}",
        loss_text(loss),
        train * 100.0
    )
}

/// What to tell the user when the loss stopped being a number.
pub fn divergence(e: &TrainError, lr: f64, saved: Option<&Path>) -> String {
    let TrainError::NonFinite {
        step,
        loss,
        restored_step,
    } = *e
    else {
        return e.to_string();
    };
    let what = if loss.is_finite() {
        format!("the loss diverged at step {step}: the update made a parameter NaN or infinite (loss {})", loss_text(loss))
    } else {
        format!("the loss diverged at step {step}: it became {loss}")
    };
    let kept = match restored_step {
        Some(s) => format!("the parameters of step {s}, the last with a finite loss"),
        None => "its initial parameters".to_string(),
    };
    let saved = match saved {
        Some(p) => format!("; saved the model with {kept} to {}", p.display()),
        None => format!("; the model keeps {kept}"),
    };
    format!("{what}{saved}; try a smaller --lr (it was {lr})")
}
