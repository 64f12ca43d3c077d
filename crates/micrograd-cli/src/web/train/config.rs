//! The training form's settings, checked against the playground's limits and turned into the
//! library's [`SessionConfig`]: every setting the page leaves out takes the session's default, so
//! the playground starts where `micrograd train` does (the shipped 100 moons, noise 0.1).

use micrograd::loss::Loss;
use micrograd::nn::{Activation, Init};
use micrograd::session::{Choices, DataOptions, DataSource, OptimizerKind, Session, SessionConfig};
use serde::Deserialize;

use crate::web::error::ApiError;
use crate::web::limits::*;

/// The settings of a training session, as the page's form sends them.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainForm {
    /// `moons`, `circles`, `xor`, `spiral` or `blobs` (two classes each) [moons].
    pub dataset: Option<String>,
    /// How many points [100].
    pub samples: Option<usize>,
    /// The standard deviation of the noise added to each coordinate [0.1].
    pub noise: Option<f64>,
    /// The widths of the hidden layers [16, 16].
    pub hidden: Option<Vec<usize>>,
    /// The hidden layers' activation: `relu`, `tanh`, `sigmoid` or `linear` (the output is linear).
    pub activation: Option<String>,
    /// `hinge`, `bce` or `mse` [hinge, with the demo's 1e-4 L2 penalty].
    pub loss: Option<String>,
    /// `sgd` (with the demo's linear decay to a tenth over 100 steps), `adam` or `adamw`.
    pub optimizer: Option<String>,
    /// The (starting) learning rate.
    pub learning_rate: Option<f64>,
    /// `micrograd` or `pytorch`: how the weights begin [micrograd].
    pub init: Option<String>,
    /// The seed of the data and the initial weights [1337].
    pub seed: Option<u64>,
}

/// The generated sets the page offers: two classes in the plane.
const OFFERED: [&str; 5] = ["moons", "circles", "xor", "spiral", "blobs"];

impl TrainForm {
    /// The session these settings ask for, or what is wrong with them (422).
    pub fn session(&self) -> Result<Session, ApiError> {
        self.check_limits()?;
        let bad = |m: String| ApiError::unprocessable(m);
        let name = self.dataset.as_deref().unwrap_or("moons");
        if !OFFERED.contains(&name) {
            return Err(bad(format!(
                "unknown data set `{name}`: expected {}",
                OFFERED.join(", ")
            )));
        }
        let loss = parse::<Loss>(&self.loss)?;
        if loss == Some(Loss::CrossEntropy) {
            return Err(bad(
                "the playground's model has one output: the loss is hinge, bce or mse".into(),
            ));
        }
        let config = SessionConfig {
            source: DataSource::Generated(name.to_string()),
            data: DataOptions {
                samples: self.samples,
                noise: self.noise,
                // The page draws two classes: blobs and spirals get two as well.
                classes: matches!(name, "blobs" | "spiral").then_some(2),
                label: None,
            },
            seed: self.seed,
            choices: Choices {
                hidden: self.hidden.clone(),
                activation: parse::<Activation>(&self.activation)?,
                loss,
                optimizer: parse::<OptimizerKind>(&self.optimizer)?,
                lr: self.learning_rate,
                init: parse::<Init>(&self.init)?,
                ..Choices::default()
            },
            threads: 1,
        };
        Session::new(&config).map_err(|e| bad(e.to_string()))
    }

    /// The playground's own limits, tighter than the command line's: a page must stay lively.
    fn check_limits(&self) -> Result<(), ApiError> {
        let bad = |m: String| Err(ApiError::unprocessable(m));
        if let Some(samples) = self.samples {
            if !(2..=MAX_SAMPLES).contains(&samples) {
                return bad(format!(
                    "samples must be between 2 and {MAX_SAMPLES}, not {samples}"
                ));
            }
        }
        if let Some(noise) = self.noise {
            if !(noise.is_finite() && (0.0..=1.0).contains(&noise)) {
                return bad(format!("noise must be between 0 and 1, not {noise}"));
            }
        }
        let hidden = self.hidden.as_deref().unwrap_or_default();
        if hidden.len() > MAX_HIDDEN_LAYERS {
            return bad(format!(
                "at most {MAX_HIDDEN_LAYERS} hidden layers, not {}",
                hidden.len()
            ));
        }
        if let Some(&w) = hidden
            .iter()
            .find(|&&w| !(1..=MAX_LAYER_WIDTH).contains(&w))
        {
            return bad(format!(
                "a hidden layer has between 1 and {MAX_LAYER_WIDTH} neurons, not {w}"
            ));
        }
        if let Some(lr) = self.learning_rate {
            if !(lr.is_finite() && lr > 0.0 && lr <= 10.0) {
                return bad(format!(
                    "the learning rate must be above 0 and at most 10, not {lr}"
                ));
            }
        }
        Ok(())
    }
}

/// A name parsed by the library's `FromStr`, its error as a 422.
fn parse<T: std::str::FromStr>(name: &Option<String>) -> Result<Option<T>, ApiError>
where
    T::Err: std::fmt::Display,
{
    name.as_deref()
        .map(str::parse)
        .transpose()
        .map_err(|e: T::Err| ApiError::unprocessable(e.to_string()))
}
