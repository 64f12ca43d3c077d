//! `micrograd train`: train a small network on a data set and watch it learn.
//!
//! With no options it is Karpathy's demo: the original 100 moons, an MLP 2-16-16-1, hinge loss + 1e-4 L2,
//! SGD with the learning rate decaying from 1.0 to 0.1, 100 full-batch steps. Other data sets get their
//! own defaults (see [`micrograd::session::recipe`]). Nothing is lost: Ctrl-C stops after the current step and still
//! saves the model, a diverging loss stops training and keeps the last good parameters, and every file
//! is written atomically.

mod describe;
mod outputs;
mod steps;

use std::path::PathBuf;

use micrograd::loss::Loss;
use micrograd::nn::{Activation, Init, MLP};
use micrograd::session::{
    Choices, DataOptions, DataSource, HiddenWidths, OptimizerKind, ScheduleKind, Session,
    SessionConfig,
};
use micrograd::train::accuracy;
use micrograd::Graph;

use crate::error::{CliError, CliResult};
use crate::interrupt;
use crate::model_file::Classifier;
use crate::plots::{self, Picture};
use crate::progress::{print_line, Stream};
use steps::{LoopOutcome, Stop};

/// Options of `micrograd train`. Every model and training option defaults to what suits the data set;
/// with none at all, this is Karpathy's demo.
#[derive(clap::Args, Debug, Default)]
pub struct Args {
    /// The data set: moons, circles, blobs, xor, spiral, digits, or csv:PATH (numbers, one sample per
    /// line, the label in the last column unless --label) [default: moons]
    #[arg(long, value_name = "NAME|csv:PATH")]
    pub dataset: Option<String>,
    /// The label column of a CSV file, by header name or by position from 1 [default: the last]
    #[arg(long, value_name = "COLUMN")]
    pub label: Option<String>,
    /// Samples to generate (generated data sets; moons with 100 samples and noise 0.1 is the original
    /// demo's fixed set) [default: 100]
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub samples: Option<usize>,
    /// Classes of blobs, or arms of a spiral [default: 3 blobs, 2 arms]
    #[arg(long, value_name = "K")]
    pub classes: Option<usize>,
    /// Standard deviation of the noise added to generated samples [default: 0.1]
    #[arg(long, value_name = "SIGMA", allow_negative_numbers = true)]
    pub noise: Option<f64>,
    /// Hidden layer widths, comma-separated, or `none` [default: 16,16; digits: 32]
    #[arg(long, value_name = "WIDTHS")]
    pub hidden: Option<HiddenWidths>,
    /// Activation of the hidden layers: relu, tanh, sigmoid or linear [default: relu]
    #[arg(long, value_name = "NAME")]
    pub activation: Option<Activation>,
    /// The loss: hinge, mse, bce or cross-entropy [default: hinge for two classes, cross-entropy for more]
    #[arg(long, value_name = "NAME")]
    pub loss: Option<Loss>,
    /// The optimizer: sgd, adam or adamw [default: sgd with the hinge loss, adam otherwise]
    #[arg(long, value_name = "NAME")]
    pub optimizer: Option<OptimizerKind>,
    /// The learning rate (the starting one, with a schedule) [default: 1.0 for sgd, 0.01 for adam]
    #[arg(long, value_name = "RATE", allow_negative_numbers = true)]
    pub lr: Option<f64>,
    /// How the learning rate changes: constant, linear (to a tenth) or cosine (to 0) [default:
    /// linear for sgd and digits, constant for adam]
    #[arg(long, value_name = "NAME")]
    pub schedule: Option<ScheduleKind>,
    /// SGD momentum [default: 0]
    #[arg(long, value_name = "BETA", allow_negative_numbers = true)]
    pub momentum: Option<f64>,
    /// Number of optimizer steps [default: 100, or 20 epochs with mini-batches]
    #[arg(
        long,
        value_name = "N",
        conflicts_with = "epochs",
        allow_negative_numbers = true
    )]
    pub steps: Option<usize>,
    /// Number of passes over the training data
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub epochs: Option<usize>,
    /// Samples per step; 0 means the whole training set [default: 0; digits: 32]
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub batch_size: Option<usize>,
    /// L2 regularization coefficient [default: 1e-4 with the hinge loss, 1e-3 for digits, 0
    /// otherwise]
    #[arg(long, value_name = "C", allow_negative_numbers = true)]
    pub l2: Option<f64>,
    /// Cross-entropy's label smoothing, as PyTorch's label_smoothing: the target keeps 1-ε on the
    /// right class and spreads ε over all classes [default: 0.1 for digits, 0 otherwise]
    #[arg(long, value_name = "EPS", allow_negative_numbers = true)]
    pub label_smoothing: Option<f64>,
    /// Fraction of the samples held out for testing [default: 0; digits and CSV files: 0.2]
    #[arg(long, value_name = "F", allow_negative_numbers = true)]
    pub test_fraction: Option<f64>,
    /// How the weights begin: micrograd (uniform in [-1, 1)) or pytorch (uniform in ±1/√inputs, as
    /// torch.nn.Linear) [default: micrograd for the generated sets, so the demo stays micrograd's;
    /// pytorch for digits and CSV files]
    #[arg(long, value_name = "NAME")]
    pub init: Option<Init>,
    /// Seed of the data generation, the split, the initial weights and the batch order [default: 1337]
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub seed: Option<u64>,
    /// Threads a step runs on: a network with one hidden layer splits its neurons between them,
    /// any other splits its batch; the same number of threads and seed give the same numbers every
    /// run, and other numbers of threads differ only by rounding. Worth it for wide networks
    /// (digits with --hidden 512) [default: 1]
    #[arg(
        long,
        value_name = "N",
        allow_negative_numbers = true,
        value_parser = parse_threads
    )]
    pub threads: Option<usize>,
    /// Write the trained model to this file (JSON, read by `micrograd predict`)
    #[arg(long, value_name = "PATH")]
    pub save: Option<PathBuf>,
    /// Draw the decision boundary with the data points (two-feature data; .svg or .png)
    #[arg(long, value_name = "PATH")]
    pub plot: Option<PathBuf>,
    /// Draw the loss and accuracy per step (.svg or .png)
    #[arg(long, value_name = "PATH")]
    pub loss_plot: Option<PathBuf>,
    /// End with one JSON line: dataset, steps, final_loss, train_accuracy, test_accuracy, seconds
    /// (progress then goes to standard error)
    #[arg(long)]
    pub json: bool,
    /// Print no progress and no summary (errors and --json still print)
    #[arg(long, short)]
    pub quiet: bool,
}

/// Runs `micrograd train`.
pub fn run(args: Args) -> CliResult {
    let session = start(&args)?;
    let stream = if args.json {
        Stream::Stderr
    } else {
        Stream::Stdout
    };
    let say = |line: &str| {
        if !args.quiet {
            print_line(stream, line);
        }
    };
    say(&describe::data(&session));
    say(&describe::model(&session));
    say(&describe::training(&session));
    let graph = Graph::new();
    let model = session.build_model(&graph);
    let outcome = steps::run(&session, &model, &args, stream)?;
    // The model holds the last good parameters however training ended: keep them and the pictures.
    let result = keep(&session, &model, &outcome, &args)?;
    let steps_done = outcome.curves.loss.len();
    match outcome.stop {
        Stop::Diverged(e) => Err(CliError::failure(describe::divergence(
            &e,
            session.recipe().lr,
            args.save.as_deref(),
        ))),
        Stop::Interrupted => {
            say(&result.summary);
            let saved = match &args.save {
                Some(p) => format!(
                    "; saved the model after {steps_done} steps to {}",
                    p.display()
                ),
                None => String::new(),
            };
            Err(CliError {
                message: format!(
                    "interrupted after {steps_done} of {} steps{saved}",
                    session.total_steps()
                ),
                code: interrupt::EXIT_CODE,
            })
        }
        Stop::Finished => {
            say(&result.summary);
            if let Some(p) = &args.save {
                say(&format!("saved the model to {}", p.display()));
            }
            for path in [&args.plot, &args.loss_plot].into_iter().flatten() {
                say(&format!("wrote {}", path.display()));
            }
            if !args.json {
                // The demo prints only text: say where the pictures and the lesson are.
                let plot = if session.data().n_features() == 2 {
                    "--plot boundary.png draws the decision boundary, --loss-plot loss.png the curve"
                } else {
                    "--loss-plot loss.png draws the loss curve"
                };
                say(&format!(
                    "next: `micrograd serve` opens the lesson on backpropagation at http://127.0.0.1:8000/; {plot}"
                ));
            }
            if args.json {
                print_line(Stream::Stdout, &result.json.to_string());
            }
            Ok(())
        }
    }
}

/// The session the options ask for, after checking the output paths (so that a typo does not cost
/// a training run).
fn start(args: &Args) -> Result<Session, CliError> {
    let source: DataSource = args
        .dataset
        .as_deref()
        .unwrap_or("moons")
        .parse()
        .map_err(input)?;
    outputs::check(args)?;
    let session = Session::new(&config(args, source)).map_err(input)?;
    if args.plot.is_some() && session.data().n_features() != 2 {
        return Err(CliError::input(format!(
            "--plot draws a decision boundary in the plane of two features; {} has {}",
            session.source(),
            session.data().n_features()
        )));
    }
    Ok(session)
}

/// What a run ends with: the summary line and the `--json` line.
struct RunResult {
    summary: String,
    json: serde_json::Value,
}

/// Saves the model and draws the pictures asked for; measures the accuracies.
fn keep(
    session: &Session,
    model: &MLP<'_>,
    outcome: &LoopOutcome,
    args: &Args,
) -> Result<RunResult, CliError> {
    let recipe = session.recipe();
    let steps_done = outcome.curves.loss.len();
    let train_accuracy = accuracy(model, recipe.loss, session.train_set());
    let test_accuracy =
        (!session.test_set().is_empty()).then(|| accuracy(model, recipe.loss, session.test_set()));
    let final_loss = outcome.last.map_or(f64::NAN, |r| r.loss);
    if let Some(path) = &args.save {
        let trained = Classifier {
            model: session.saved_model(model),
            loss: recipe.loss,
            classes: session.classes().clone(),
            dataset: session.source().to_string(),
            features: session.data().feature_names.clone(),
            init: recipe.init,
        };
        trained.save(path)?;
    }
    if let Some(path) = &args.plot {
        let title = format!(
            "{}: decision boundary after {steps_done} steps (training accuracy {:.1}%)",
            session.source(),
            train_accuracy * 100.0
        );
        let picture = outputs::decision_boundary(title, session, model);
        plots::save(path, Picture::Boundary(&picture))?;
    }
    if let Some(path) = &args.loss_plot {
        plots::save(path, Picture::Curves(&outcome.curves))?;
    }
    Ok(RunResult {
        summary: describe::summary(
            steps_done,
            outcome.seconds,
            final_loss,
            train_accuracy,
            test_accuracy,
        ),
        json: serde_json::json!({
            "dataset": session.source().to_string(),
            "steps": steps_done,
            "final_loss": final_loss,
            "train_accuracy": train_accuracy,
            "test_accuracy": test_accuracy,
            "seconds": outcome.seconds,
        }),
    })
}

/// A library error as bad input (exit 2).
fn input(e: impl std::fmt::Display) -> CliError {
    CliError::input(e.to_string())
}

/// The session the options ask for.
fn config(args: &Args, source: DataSource) -> SessionConfig {
    SessionConfig {
        source,
        data: DataOptions {
            samples: args.samples,
            noise: args.noise,
            classes: args.classes,
            label: args.label.clone(),
        },
        seed: args.seed,
        choices: Choices {
            hidden: args.hidden.clone().map(|w| w.0),
            activation: args.activation,
            loss: args.loss,
            optimizer: args.optimizer,
            lr: args.lr,
            momentum: args.momentum,
            schedule: args.schedule,
            steps: args.steps,
            epochs: args.epochs,
            batch_size: args.batch_size,
            l2: args.l2,
            label_smoothing: args.label_smoothing,
            test_fraction: args.test_fraction,
            init: args.init,
        },
        threads: args.threads.unwrap_or(1),
    }
}

/// `--threads`: a whole number of at least 1.
fn parse_threads(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(0) => Err("the number of threads must be at least 1".into()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!(
            "`{text}` is not a number of threads (a whole number, at least 1)"
        )),
    }
}
