//! `micrograd train`: train a small network on a data set and watch it learn.
//!
//! With no options it is Karpathy's demo: the original 100 moons, an MLP 2-16-16-1, hinge loss + 1e-4 L2,
//! SGD with the learning rate decaying from 1.0 to 0.1, 100 full-batch steps. Other data sets get their
//! own defaults (see [`crate::recipe`]). Nothing is lost: Ctrl-C stops after the current step and still
//! saves the model, a diverging loss stops training and keeps the last good parameters, and every file
//! is written atomically.

use std::path::{Path, PathBuf};
use std::time::Instant;

use micrograd::data::{Dataset, Standardizer};
use micrograd::io::SavedModel;
use micrograd::loss::Loss;
use micrograd::nn::{Activation, Architecture, Module, MLP};
use micrograd::optim::{Adam, Sgd};
use micrograd::train::{accuracy, StepReport, TrainError, Trainer};
use micrograd::Graph;

use crate::boundary;
use crate::classes::{format_label, Classes};
use crate::datasets::DatasetChoice;
use crate::error::{CliError, CliResult};
use crate::interrupt;
use crate::model_file::Classifier;
use crate::plots::{self, Curves, Format, Picture};
use crate::progress::{loss_text, print_line, Progress, Stream};
use crate::recipe::{
    parse_hidden, Choices, Length, OptimizerKind, Recipe, Scaling, ScheduleKind, Widths,
};

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
    #[arg(long, value_name = "WIDTHS", value_parser = parse_hidden)]
    pub hidden: Option<Widths>,
    /// Activation of the hidden layers: relu, tanh, sigmoid or linear [default: relu]
    #[arg(long, value_name = "NAME")]
    pub activation: Option<Activation>,
    /// The loss: hinge, mse, bce or cross-entropy [default: hinge for two classes, cross-entropy for more]
    #[arg(long, value_name = "NAME")]
    pub loss: Option<Loss>,
    /// The optimizer [default: sgd with the hinge loss, adam otherwise]
    #[arg(long, value_enum)]
    pub optimizer: Option<OptimizerKind>,
    /// The learning rate (the starting one, with a schedule) [default: 1.0 for sgd, 0.01 for adam]
    #[arg(long, value_name = "RATE", allow_negative_numbers = true)]
    pub lr: Option<f64>,
    /// How the learning rate changes [default: linear (to a tenth) for sgd, constant for adam]
    #[arg(long, value_enum)]
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
    /// L2 regularization coefficient [default: 1e-4 with the hinge loss, 0 otherwise]
    #[arg(long, value_name = "C", allow_negative_numbers = true)]
    pub l2: Option<f64>,
    /// Fraction of the samples held out for testing [default: 0; digits and CSV files: 0.2]
    #[arg(long, value_name = "F", allow_negative_numbers = true)]
    pub test_fraction: Option<f64>,
    /// Seed of the data generation, the split, the initial weights and the batch order [default: 1337]
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub seed: Option<u64>,
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

/// The seed of the demo's run when none is given.
const DEFAULT_SEED: u64 = 1337;

/// Room reserved for the per-step history; a longer run (possible, and stoppable with Ctrl-C) grows it.
const PREALLOCATED_STEPS: usize = 1 << 16;

/// The largest network trained: a scalar engine spends seconds per step far below this already.
const MAX_PARAMETERS: usize = 10_000_000;

/// The most data points drawn on the decision-boundary picture.
const MAX_DRAWN_POINTS: usize = 5000;

/// Test accuracy is measured at most this many times for the loss plot.
const TEST_POINTS: usize = 50;

/// Runs `micrograd train`.
pub fn run(args: Args) -> CliResult {
    let spec = args.dataset.clone().unwrap_or_else(|| "moons".to_string());
    let choice = DatasetChoice::parse(&spec)?;
    check_outputs(&args)?;
    let seed = args.seed.unwrap_or(DEFAULT_SEED);
    let data = load_data(&args, &choice, &spec, seed)?;
    let classes = Classes::from_labels(data.labels())?;
    let recipe = Recipe::resolve(&choices(&args), &choice, data.len(), &classes)?;
    if args.plot.is_some() && data.n_features() != 2 {
        return Err(CliError::input(format!(
            "--plot draws a decision boundary in the plane of two features; {spec} has {}",
            data.n_features()
        )));
    }
    let parts = Parts::split(&data, &recipe, &classes, seed)?;
    let layers = model_layers(&recipe, &classes, data.n_features())?;
    let graph = Graph::new();
    let model = MLP::with_activations(&graph, data.n_features(), &layers, seed);

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
    let total = recipe.total_steps(parts.train.len());
    say(&describe_data(&spec, &data, &parts, &classes));
    say(&describe_model(&model, &recipe));
    say(&describe_training(&recipe, total, parts.train.len()));
    let run = train(&model, &recipe, &parts, &args, stream, seed)?;

    // The model holds the last good parameters however training ended: keep them and the pictures.
    let trained = Classifier {
        model: match &parts.standardizer {
            Some(s) => SavedModel::from_model(&model).with_standardizer(s.clone()),
            None => SavedModel::from_model(&model),
        },
        loss: recipe.loss,
        classes,
        dataset: spec.clone(),
        features: data.feature_names.clone(),
    };
    let steps_done = run.curves.loss.len();
    let train_accuracy = accuracy(&model, recipe.loss, &parts.train);
    let test_accuracy =
        (!parts.test.is_empty()).then(|| accuracy(&model, recipe.loss, &parts.test));
    let final_loss = run.last.map_or(f64::NAN, |r| r.loss);
    if let Some(path) = &args.save {
        trained.save(path)?;
    }
    if let Some(path) = &args.plot {
        let title = format!(
            "{spec}: decision boundary after {steps_done} steps (training accuracy {:.1}%)",
            train_accuracy * 100.0
        );
        let picture = decision_boundary(title, &data, &trained, &model);
        plots::save(path, Picture::Boundary(&picture))?;
    }
    if let Some(path) = &args.loss_plot {
        plots::save(path, Picture::Curves(&run.curves))?;
    }
    let summary = summary(
        steps_done,
        run.seconds,
        final_loss,
        train_accuracy,
        test_accuracy,
    );

    match run.stop {
        Stop::Diverged(e) => Err(CliError::failure(divergence_message(
            &e,
            recipe.lr,
            args.save.as_deref(),
        ))),
        Stop::Interrupted => {
            say(&summary);
            let saved = match &args.save {
                Some(p) => format!(
                    "; saved the model after {steps_done} steps to {}",
                    p.display()
                ),
                None => String::new(),
            };
            Err(CliError {
                message: format!("interrupted after {steps_done} of {total} steps{saved}"),
                code: interrupt::EXIT_CODE,
            })
        }
        Stop::Finished => {
            say(&summary);
            if let Some(p) = &args.save {
                say(&format!("saved the model to {}", p.display()));
            }
            for path in [&args.plot, &args.loss_plot].into_iter().flatten() {
                say(&format!("wrote {}", path.display()));
            }
            if args.json {
                let line = serde_json::json!({
                    "dataset": spec,
                    "steps": steps_done,
                    "final_loss": final_loss,
                    "train_accuracy": train_accuracy,
                    "test_accuracy": test_accuracy,
                    "seconds": run.seconds,
                });
                print_line(Stream::Stdout, &line.to_string());
            }
            Ok(())
        }
    }
}

/// Loads the data set, after checking the options that shape it.
fn load_data(
    args: &Args,
    choice: &DatasetChoice,
    spec: &str,
    seed: u64,
) -> Result<Dataset, CliError> {
    if !choice.is_generated() && (args.samples.is_some() || args.noise.is_some()) {
        return Err(CliError::input(format!(
            "--samples and --noise apply to generated data sets, not {spec}"
        )));
    }
    if args.label.is_some() && !matches!(choice, DatasetChoice::Csv(_)) {
        return Err(CliError::input("--label applies to csv:PATH data sets"));
    }
    let samples = args.samples.unwrap_or(100);
    let noise = args.noise.unwrap_or(0.1);
    if !(2..=10_000_000).contains(&samples) {
        return Err(CliError::input(format!(
            "--samples must be from 2 to 10000000, not {samples}"
        )));
    }
    if !(noise.is_finite() && noise >= 0.0) {
        return Err(CliError::input(format!(
            "--noise must be 0 or a positive number, not {noise}"
        )));
    }
    choice.load(samples, noise, seed, args.label.as_deref(), args.classes)
}

/// The training and test parts of a data set, as the model sees them, and the input scaling.
struct Parts {
    train: Dataset,
    test: Dataset,
    standardizer: Option<Standardizer>,
}

impl Parts {
    fn split(
        data: &Dataset,
        recipe: &Recipe,
        classes: &Classes,
        seed: u64,
    ) -> Result<Parts, CliError> {
        let (raw_train, raw_test) = data.split(recipe.test_fraction, seed);
        if raw_train.is_empty() {
            return Err(CliError::input(
                "no training samples left after holding out the test part",
            ));
        }
        let standardizer = match recipe.scaling {
            Scaling::None => None,
            Scaling::Divide(d) => Some(Standardizer {
                mean: vec![0.0; data.n_features()],
                std: vec![d; data.n_features()],
            }),
            // Fitted on the training part only: the test part stays unseen.
            Scaling::Standardize => Some(Standardizer::fit(&raw_train)),
        };
        Ok(Parts {
            train: prepare(&raw_train, standardizer.as_ref(), classes, recipe.loss),
            test: prepare(&raw_test, standardizer.as_ref(), classes, recipe.loss),
            standardizer,
        })
    }
}

/// The model's layers, refusing networks too large to train.
fn model_layers(
    recipe: &Recipe,
    classes: &Classes,
    inputs: usize,
) -> Result<Vec<(usize, Activation)>, CliError> {
    let layers = recipe.layers(classes.outputs_for(recipe.loss));
    let architecture = Architecture {
        inputs,
        layers: layers.clone(),
    };
    if architecture.num_parameters() > MAX_PARAMETERS {
        let sizes: Vec<String> = architecture.sizes().iter().map(usize::to_string).collect();
        return Err(CliError::input(format!(
            "an MLP {} has {} parameters, more than this engine trains (at most {MAX_PARAMETERS}); \
             choose a smaller --hidden",
            sizes.join("-"),
            architecture.num_parameters()
        )));
    }
    Ok(layers)
}

/// What the training loop did.
struct TrainingRun {
    stop: Stop,
    curves: Curves,
    last: Option<StepReport>,
    seconds: f64,
}

/// Runs the training steps with progress, until the end, Ctrl-C, or a loss that is not a number.
fn train(
    model: &MLP<'_>,
    recipe: &Recipe,
    parts: &Parts,
    args: &Args,
    stream: Stream,
    seed: u64,
) -> Result<TrainingRun, CliError> {
    let total = recipe.total_steps(parts.train.len());
    let mut trainer = make_trainer(model, recipe, total, seed);
    interrupt::install()?;
    let progress = Progress::new(total, stream, args.quiet);
    let spec = args.dataset.as_deref().unwrap_or("moons");
    let mut curves = Curves {
        title: format!("{spec}: loss and accuracy per step"),
        loss: Vec::with_capacity(total.min(PREALLOCATED_STEPS)),
        train_accuracy: Vec::with_capacity(total.min(PREALLOCATED_STEPS)),
        test_accuracy: Vec::new(),
        window: smoothing_window(recipe, parts.train.len(), total),
    };
    let measure_test = args.loss_plot.is_some() && !parts.test.is_empty();
    let test_every = total.div_ceil(TEST_POINTS).max(1);
    let started = Instant::now();
    let mut last = None;
    let mut stop = Stop::Finished;
    for k in 0..total {
        if interrupt::requested() {
            stop = Stop::Interrupted;
            break;
        }
        // One step at a time, so that Ctrl-C is seen between any two steps.
        match trainer.run_steps(&parts.train, 1, |r| {
            progress.step(r.step, r.loss, r.accuracy)
        }) {
            Ok(report) => {
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
            let test_accuracy = accuracy(model, recipe.loss, &parts.test);
            curves.test_accuracy.push((k, test_accuracy));
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    progress.finish();
    Ok(TrainingRun {
        stop,
        curves,
        last,
        seconds,
    })
}

/// The trained classifier over the plane of the data, with every sample in its true class.
fn decision_boundary(
    title: String,
    data: &Dataset,
    trained: &Classifier,
    model: &MLP<'_>,
) -> plots::Boundary {
    // Past a few thousand points a picture shows no more, and an SVG grows huge: draw an even sample.
    let stride = data.len().div_ceil(MAX_DRAWN_POINTS).max(1);
    let points = data
        .rows()
        .zip(data.labels())
        .step_by(stride)
        .map(|(x, &y)| (x[0], x[1], trained.classes.index_of(y).unwrap_or(0)))
        .collect();
    let axis_names = [data.feature_names[0].clone(), data.feature_names[1].clone()];
    boundary::sample(
        title,
        axis_names,
        points,
        &trained.classes,
        trained.loss,
        |x| trained.model.predict(model, x),
    )
}

/// How the training loop ended.
enum Stop {
    Finished,
    Interrupted,
    Diverged(TrainError),
}

/// What to tell the user when the loss stopped being a number.
fn divergence_message(e: &TrainError, lr: f64, saved: Option<&Path>) -> String {
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

/// Mini-batch losses are noisy: the loss plot averages them over an epoch (at most a tenth of the run).
fn smoothing_window(recipe: &Recipe, n_train: usize, total: usize) -> usize {
    if recipe.batch_size == 0 || recipe.batch_size >= n_train {
        1
    } else {
        n_train.div_ceil(recipe.batch_size).min(total / 10).max(1)
    }
}

fn choices(args: &Args) -> Choices {
    Choices {
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
        test_fraction: args.test_fraction,
    }
}

/// Checks the output paths before training, so that a typo does not cost a training run.
fn check_outputs(args: &Args) -> CliResult {
    for path in [&args.plot, &args.loss_plot].into_iter().flatten() {
        Format::from_path(path)?;
    }
    for path in [&args.save, &args.plot, &args.loss_plot]
        .into_iter()
        .flatten()
    {
        check_writable_place(path)?;
    }
    Ok(())
}

fn check_writable_place(path: &Path) -> CliResult {
    if path.is_dir() {
        return Err(CliError::input(format!(
            "{} is a directory, not a file name",
            path.display()
        )));
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        return Err(CliError::input(format!(
            "cannot write {}: the directory {} does not exist",
            path.display(),
            dir.display()
        )));
    }
    // A read-only directory would otherwise be found only after training.
    let probe = dir.join(format!(".micrograd-write-check.{}", std::process::id()));
    match std::fs::File::create(&probe) {
        Ok(_) => {
            let _ = std::fs::remove_file(&probe);
            Ok(())
        }
        Err(e) => Err(CliError::input(format!(
            "cannot write {}: {e}",
            path.display()
        ))),
    }
}

/// The data as the model sees it: inputs standardized, labels as the loss expects them.
fn prepare(
    raw: &Dataset,
    standardizer: Option<&Standardizer>,
    classes: &Classes,
    loss: Loss,
) -> Dataset {
    let labels = raw
        .labels()
        .iter()
        .map(|&y| {
            classes.training_label(
                loss,
                classes
                    .index_of(y)
                    .expect("every label is one of the classes"),
            )
        })
        .collect();
    let mut prepared = Dataset::from_flat(
        raw.name.clone(),
        raw.n_features(),
        raw.features().to_vec(),
        labels,
    );
    prepared.feature_names = raw.feature_names.clone();
    prepared.label_name = raw.label_name.clone();
    if let Some(s) = standardizer {
        s.apply(&mut prepared);
    }
    prepared
}

fn make_trainer<'a, 'g>(
    model: &'a MLP<'g>,
    recipe: &Recipe,
    total: usize,
    seed: u64,
) -> Trainer<'a, 'g> {
    let trainer = match recipe.optimizer {
        OptimizerKind::Sgd => Trainer::new(
            model,
            Sgd::new(recipe.lr).momentum(recipe.momentum),
            recipe.loss,
        ),
        OptimizerKind::Adam => Trainer::new(model, Adam::new(recipe.lr), recipe.loss),
        OptimizerKind::Adamw => Trainer::new(model, Adam::adamw(recipe.lr), recipe.loss),
    };
    trainer
        .l2(recipe.l2)
        .schedule(recipe.lr_schedule(total))
        .batch_size(recipe.batch_size)
        .seed(seed)
}

fn describe_data(spec: &str, data: &Dataset, parts: &Parts, classes: &Classes) -> String {
    let names: Vec<String> = classes.labels().iter().map(|&y| format_label(y)).collect();
    let classes_text = if names.len() <= 10 {
        names.join(", ")
    } else {
        format!("{} … {}", names[..5].join(", "), names[names.len() - 1])
    };
    format!(
        "data: {spec}, {} samples ({} training, {} test), {} features, {} classes ({classes_text})",
        data.len(),
        parts.train.len(),
        parts.test.len(),
        data.n_features(),
        classes.len()
    )
}

fn describe_model(model: &MLP<'_>, recipe: &Recipe) -> String {
    let sizes: Vec<String> = model
        .architecture()
        .sizes()
        .iter()
        .map(usize::to_string)
        .collect();
    let scaling = match recipe.scaling {
        Scaling::None => String::new(),
        Scaling::Divide(d) => format!(", inputs divided by {d}"),
        Scaling::Standardize => ", inputs standardized".to_string(),
    };
    format!(
        "model: MLP {} ({} hidden, linear output), {} parameters{scaling}",
        sizes.join("-"),
        recipe.activation,
        model.num_parameters()
    )
}

fn describe_training(recipe: &Recipe, total: usize, n_train: usize) -> String {
    let l2 = if recipe.l2 > 0.0 {
        format!(" + {:e} L2", recipe.l2)
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
    let batches = if recipe.batch_size == 0 || recipe.batch_size >= n_train {
        "full batch".to_string()
    } else {
        format!("batches of {}", recipe.batch_size)
    };
    let epochs = match recipe.length {
        Length::Epochs(e) => format!(" ({e} epochs)"),
        Length::Steps(_) => String::new(),
    };
    format!(
        "training: {} loss{l2}, {} {lr}{momentum}, {total} steps{epochs}, {batches}",
        recipe.loss, recipe.optimizer
    )
}

fn summary(steps: usize, seconds: f64, loss: f64, train: f64, test: Option<f64>) -> String {
    let test = test.map_or(String::new(), |a| {
        format!(", test accuracy {:.1}%", a * 100.0)
    });
    format!(
        "done: {steps} steps in {seconds:.3} s; final loss {}, training accuracy {:.1}%{test}",
        loss_text(loss),
        train * 100.0
    )
}
