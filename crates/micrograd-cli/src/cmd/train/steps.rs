//! The training loop of `micrograd train`: the session's steps one at a time, with a progress bar,
//! until the end, Ctrl-C, or a loss that is not a number.

use std::time::Instant;

use micrograd::nn::MLP;
use micrograd::session::Session;
use micrograd::train::{accuracy, StepReport, TrainError};

use super::Args;
use crate::error::CliError;
use crate::interrupt;
use crate::plots::LossPlot;
use crate::progress::{Progress, Stream};

/// Room reserved for the per-step history; a longer run (possible, and stoppable with Ctrl-C) grows it.
const PREALLOCATED_STEPS: usize = 1 << 16;

/// Test accuracy is measured at most this many times for the loss plot.
const TEST_POINTS: usize = 50;

/// What the training loop did.
pub struct LoopOutcome {
    /// How the loop ended.
    pub stop: Stop,
    /// The loss and accuracy of every step (and the test accuracy now and then, for the loss plot).
    pub curves: LossPlot,
    /// The last step's report.
    pub last: Option<StepReport>,
    /// The time spent training.
    pub seconds: f64,
}

/// How the training loop ended.
pub enum Stop {
    /// Every step was taken.
    Finished,
    /// Ctrl-C stopped it.
    Interrupted,
    /// The loss or a parameter stopped being a number.
    Diverged(TrainError),
}

/// Runs the session's steps on `model`.
pub fn run(
    session: &Session,
    model: &MLP<'_>,
    args: &Args,
    stream: Stream,
) -> Result<LoopOutcome, CliError> {
    let total = session.total_steps();
    let test = session.test_set();
    let mut trainer = session.trainer(model);
    interrupt::install()?;
    let progress = Progress::new(total, stream, args.quiet);
    let mut curves = LossPlot {
        title: format!("{}: loss and accuracy per step", session.source()),
        loss: Vec::with_capacity(total.min(PREALLOCATED_STEPS)),
        train_accuracy: Vec::with_capacity(total.min(PREALLOCATED_STEPS)),
        test_accuracy: Vec::new(),
        window: smoothing_window(session),
    };
    let measure_test = args.loss_plot.is_some() && !test.is_empty();
    let test_every = total.div_ceil(TEST_POINTS).max(1);
    let loss = session.recipe().loss;
    let started = Instant::now();
    let mut last = None;
    let mut stop = Stop::Finished;
    for k in 0..total {
        if interrupt::requested() {
            stop = Stop::Interrupted;
            break;
        }
        // One step at a time, so that Ctrl-C is seen between any two steps.
        match session.step(&mut trainer) {
            Ok(report) => {
                progress.step(report.step, report.loss, report.accuracy);
                curves.loss.push(report.loss);
                curves.train_accuracy.push(report.accuracy);
                last = Some(report);
            }
            Err(e @ TrainError::NonFinite { .. }) => {
                stop = Stop::Diverged(e);
                break;
            }
            Err(TrainError::Incompatible(message)) => return Err(CliError::input(message)),
        }
        if measure_test && ((k + 1) % test_every == 0 || k + 1 == total) {
            curves.test_accuracy.push((k, accuracy(model, loss, test)));
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    progress.finish();
    Ok(LoopOutcome {
        stop,
        curves,
        last,
        seconds,
    })
}

/// Mini-batch losses are noisy: the loss plot averages them over an epoch (at most a tenth of the run).
fn smoothing_window(session: &Session) -> usize {
    let batch_size = session.recipe().batch_size;
    let n_train = session.train_set().len();
    if batch_size == 0 || batch_size >= n_train {
        1
    } else {
        n_train
            .div_ceil(batch_size)
            .min(session.total_steps() / 10)
            .max(1)
    }
}
