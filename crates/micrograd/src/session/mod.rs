//! One training session, as every front end runs it: the command line's `micrograd train`, the web
//! playground, and any program built on the library.
//!
//! A [`SessionConfig`] names the data set ([`DataSource`], with [`DataOptions`]), the seed and the
//! user's [`Choices`]; [`Session::new`] loads the data, resolves the [`Recipe`] (each choice left
//! open gets the data set's default, see [`recipe`]), holds out the test part, scales the inputs and
//! checks the model's size. The session then builds the model and its trainer in a graph the caller
//! owns (the graph is single-threaded, so a front end keeps it on the thread that trains):
//!
//! ```
//! use micrograd::session::{Session, SessionConfig};
//! use micrograd::Graph;
//!
//! let session = Session::new(&SessionConfig::default()).unwrap(); // Karpathy's moons demo
//! let graph = Graph::new();
//! let model = session.build_model(&graph);
//! let mut trainer = session.trainer(&model);
//! let first = session.step(&mut trainer).unwrap();
//! assert_eq!((first.step, session.total_steps()), (0, 100));
//! assert_eq!(session.architecture().widths(), vec![2, 16, 16, 1]);
//! ```
//!
//! Names (`"digits"`, `"adam"`, `"pytorch"`, `"16,16"`) parse with `FromStr`: [`DataSource`],
//! [`OptimizerKind`], [`ScheduleKind`], [`HiddenWidths`], and the library's
//! [`crate::nn::Activation`], [`crate::loss::Loss`] and [`crate::nn::Init`].

pub mod boundary;
pub mod classes;
pub mod kinds;
pub mod recipe;
pub mod snapshot;
pub mod source;

use std::fmt;

pub use boundary::{BoundaryGrid, Bounds};
pub use classes::{format_label, Classes};
pub use kinds::{HiddenWidths, OptimizerKind, ScheduleKind};
pub use recipe::{Choices, Length, Recipe, Scaling};
pub use snapshot::{Curves, LayerWeights, Snapshot};
pub use source::{DataOptions, DataSource};

use crate::data::{scaled_input, Dataset, Standardizer};
use crate::graph::Graph;
use crate::loss::Loss;
use crate::nn::{Architecture, FrozenMlp, MLP};
use crate::optim::{Adam, Sgd};
use crate::train::{StepReport, TrainError, Trainer};

/// The seed of a session when none is given (the demo's).
pub const DEFAULT_SEED: u64 = 1337;

/// The largest network a session trains: a scalar engine spends seconds per step far below this.
pub const MAX_PARAMETERS: usize = 10_000_000;

/// Why a session cannot start: a bad choice or data that cannot train. Messages name the options as
/// the command line spells them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionError {
    message: String,
}

impl SessionError {
    /// An error saying `message`.
    pub fn new(message: impl Into<String>) -> Self {
        SessionError {
            message: message.into(),
        }
    }

    /// What is wrong.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for SessionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for SessionError {}

/// Everything a session is asked: the data set, what shapes it, the seed and the recipe's choices.
/// The default is Karpathy's demo.
#[derive(Clone, Debug)]
pub struct SessionConfig {
    /// The data set.
    pub source: DataSource,
    /// Its size, noise, classes or label column.
    pub data: DataOptions,
    /// The seed of the data generation, the split, the initial weights and the batch order
    /// [`DEFAULT_SEED`].
    pub seed: Option<u64>,
    /// The model and training choices.
    pub choices: Choices,
    /// The threads a training step runs on (see
    /// [`Trainer::threads`](crate::train::Trainer::threads)); 1 by default, and 0 counts as 1.
    pub threads: usize,
}

impl Default for SessionConfig {
    fn default() -> Self {
        SessionConfig {
            source: DataSource::Generated("moons".into()),
            data: DataOptions::default(),
            seed: None,
            choices: Choices::default(),
            threads: 1,
        }
    }
}

/// A training session ready to run: the data (loaded, split and scaled), the resolved recipe and
/// the model's architecture.
#[derive(Clone, Debug)]
pub struct Session {
    source: DataSource,
    seed: u64,
    recipe: Recipe,
    data: Dataset,
    classes: Classes,
    train: Dataset,
    test: Dataset,
    standardizer: Option<Standardizer>,
    architecture: Architecture,
    threads: usize,
}

impl Session {
    /// Loads the data and resolves the recipe; an error names the choice that does not fit.
    pub fn new(config: &SessionConfig) -> Result<Session, SessionError> {
        let seed = config.seed.unwrap_or(DEFAULT_SEED);
        let data = config.source.load_with(&config.data, seed)?;
        let classes = Classes::from_labels(data.labels())?;
        let recipe = Recipe::resolve(&config.choices, &config.source, data.len(), &classes)?;
        let (raw_train, raw_test) = data.split(recipe.test_fraction, seed);
        if raw_train.is_empty() {
            return Err(SessionError::new(
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
            Scaling::StandardizePooled => Some(Standardizer::fit_pooled(&raw_train)),
        };
        let architecture = Architecture {
            inputs: data.n_features(),
            layers: recipe.layers(classes.outputs_for(recipe.loss)),
        };
        if architecture.num_parameters() > MAX_PARAMETERS {
            return Err(SessionError::new(format!(
                "an MLP {} has {} parameters, more than this engine trains (at most {MAX_PARAMETERS}); \
                 choose a smaller --hidden",
                architecture.widths_text(),
                architecture.num_parameters()
            )));
        }
        let prepare = |raw: &Dataset| prepare(raw, standardizer.as_ref(), &classes, recipe.loss);
        Ok(Session {
            source: config.source.clone(),
            seed,
            train: prepare(&raw_train),
            test: prepare(&raw_test),
            recipe,
            data,
            classes,
            standardizer,
            architecture,
            threads: config.threads.max(1),
        })
    }

    /// The threads a training step uses.
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// The data set's source.
    pub fn source(&self) -> &DataSource {
        &self.source
    }

    /// The seed of the data, the split, the initial weights and the batch order.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Every choice, resolved.
    pub fn recipe(&self) -> &Recipe {
        &self.recipe
    }

    /// The data as loaded: raw inputs, original labels.
    pub fn data(&self) -> &Dataset {
        &self.data
    }

    /// The classes of the labels.
    pub fn classes(&self) -> &Classes {
        &self.classes
    }

    /// The training part as the model sees it: inputs scaled, labels as the loss expects them.
    pub fn train_set(&self) -> &Dataset {
        &self.train
    }

    /// The test part (empty when none is held out), as the model sees it.
    pub fn test_set(&self) -> &Dataset {
        &self.test
    }

    /// The input scaling, if any (save it with the model).
    pub fn standardizer(&self) -> Option<&Standardizer> {
        self.standardizer.as_ref()
    }

    /// The model's shape.
    pub fn architecture(&self) -> &Architecture {
        &self.architecture
    }

    /// The number of steps the recipe takes.
    pub fn total_steps(&self) -> usize {
        self.recipe.total_steps(self.train.len())
    }

    /// A new model in `graph`, initialized as the recipe says from the seed.
    pub fn build_model<'g>(&self, graph: &'g Graph) -> MLP<'g> {
        MLP::with_init(graph, &self.architecture, self.recipe.init, self.seed)
    }

    /// A trainer of `model` with the recipe's optimizer, loss, L2, schedule, batch size and seed.
    pub fn trainer<'a, 'g>(&self, model: &'a MLP<'g>) -> Trainer<'a, 'g> {
        let recipe = &self.recipe;
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
            .label_smoothing(recipe.label_smoothing)
            .schedule(recipe.lr_schedule(self.total_steps()))
            .batch_size(recipe.batch_size)
            .seed(self.seed)
            .threads(self.threads)
    }

    /// One step of `trainer` on the next batch of the training set.
    pub fn step(&self, trainer: &mut Trainer<'_, '_>) -> Result<StepReport, TrainError> {
        trainer.step(&self.train)
    }

    /// Every step of the recipe, calling `on_step` after each; the reports of the steps taken.
    pub fn train(
        &self,
        model: &MLP<'_>,
        mut on_step: impl FnMut(&StepReport),
    ) -> Result<Vec<StepReport>, TrainError> {
        let mut trainer = self.trainer(model);
        let mut reports = Vec::with_capacity(self.total_steps());
        for _ in 0..self.total_steps() {
            let report = self.step(&mut trainer)?;
            on_step(&report);
            reports.push(report);
        }
        Ok(reports)
    }

    /// The model's outputs for raw inputs (scaled as in training).
    pub fn predict(&self, model: &MLP<'_>, input: &[f64]) -> Vec<f64> {
        self.predictor(model)(input)
    }

    /// The model's outputs over `bounds` of the plane of raw inputs, on a `cells` × `cells` grid;
    /// `None` unless the data has two features.
    pub fn boundary(&self, model: &MLP<'_>, bounds: Bounds, cells: usize) -> Option<BoundaryGrid> {
        (self.data.n_features() == 2)
            .then(|| BoundaryGrid::sample(bounds, cells, self.predictor(model)))
    }

    /// [`predict`](Session::predict) for many inputs: the parameters are read once.
    fn predictor(&self, model: &MLP<'_>) -> impl Fn(&[f64]) -> Vec<f64> + '_ {
        let frozen = FrozenMlp::new(model);
        move |input| frozen.predict(&scaled_input(self.standardizer.as_ref(), input))
    }

    /// The points of the data set (the first two features), for bounds and pictures.
    pub fn points(&self) -> impl Iterator<Item = (f64, f64)> + '_ {
        self.data
            .rows()
            .map(|r| (r[0], r.get(1).copied().unwrap_or(0.0)))
    }

    /// The session now: the last step's report, the curves, a `cells` grid over `bounds` and the
    /// model's weights.
    pub fn snapshot(
        &self,
        model: &MLP<'_>,
        last: Option<&StepReport>,
        curves: &Curves,
        bounds: Bounds,
        cells: usize,
    ) -> Snapshot {
        Snapshot {
            step: last.map_or(0, |r| r.step + 1),
            loss: last.map(|r| r.loss),
            accuracy: last.map(|r| r.accuracy),
            learning_rate: last.map(|r| r.learning_rate),
            curves: curves.clone(),
            grid: self.boundary(model, bounds, cells),
            layer_widths: self.architecture.widths(),
            layers: LayerWeights::of(&self.architecture, &model.parameter_data()),
        }
    }

    /// The model, its weights and input scaling, as a model file holds them.
    #[cfg(feature = "serde")]
    pub fn saved_model(&self, model: &MLP<'_>) -> crate::io::SavedModel {
        let saved = crate::io::SavedModel::from_model(model);
        match &self.standardizer {
            Some(s) => saved.with_standardizer(s.clone()),
            None => saved,
        }
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
