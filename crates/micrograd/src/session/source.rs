//! Where a session's data comes from (`moons`, `digits`, `csv:PATH`, …), the options that shape it,
//! and loading it.

use std::path::PathBuf;
use std::str::FromStr;

use super::SessionError;
use crate::data::{self, CsvOptions, Dataset, LabelColumn};

/// The generated toy sets, by name.
pub const GENERATED: [&str; 5] = ["moons", "circles", "blobs", "xor", "spiral"];

/// A data set by name: `moons`, `circles`, `blobs`, `xor`, `spiral`, `digits`, or `csv:PATH`.
#[derive(Clone, Debug, PartialEq)]
pub enum DataSource {
    /// A generated two-dimensional set (`moons`, `circles`, …).
    Generated(String),
    /// The shipped handwritten digits.
    Digits,
    /// A CSV file of numbers.
    Csv(PathBuf),
}

impl DataSource {
    /// Parses a known name (in any case) or `csv:PATH`.
    pub fn parse(spec: &str) -> Result<DataSource, SessionError> {
        if let Some(path) = spec.strip_prefix("csv:") {
            if path.is_empty() {
                return Err(SessionError::new("--dataset csv: needs a file: csv:PATH"));
            }
            return Ok(DataSource::Csv(PathBuf::from(path)));
        }
        let name = spec.to_ascii_lowercase();
        if name == "digits" {
            return Ok(DataSource::Digits);
        }
        if GENERATED.contains(&name.as_str()) {
            return Ok(DataSource::Generated(name));
        }
        let hint = if spec.ends_with(".csv") {
            format!(" (for a file, write csv:{spec})")
        } else {
            String::new()
        };
        Err(SessionError::new(format!(
            "unknown data set `{spec}`{hint}: expected one of {}, digits, or csv:PATH",
            GENERATED.join(", ")
        )))
    }

    /// Whether it is a generated set, whose size and noise can be chosen.
    pub fn is_generated(&self) -> bool {
        matches!(self, DataSource::Generated(_))
    }

    /// Loads the data with `options` (checked first): the defaults are 100 samples and noise 0.1,
    /// which for moons is the original demo's shipped set.
    pub fn load_with(&self, options: &DataOptions, seed: u64) -> Result<Dataset, SessionError> {
        if !self.is_generated() && (options.samples.is_some() || options.noise.is_some()) {
            return Err(SessionError::new(format!(
                "--samples and --noise apply to generated data sets, not {self}"
            )));
        }
        if options.label.is_some() && !matches!(self, DataSource::Csv(_)) {
            return Err(SessionError::new("--label applies to csv:PATH data sets"));
        }
        let samples = options.samples.unwrap_or(DEFAULT_SAMPLES);
        let noise = options.noise.unwrap_or(DEFAULT_NOISE);
        if !(2..=MAX_SAMPLES).contains(&samples) {
            return Err(SessionError::new(format!(
                "--samples must be from 2 to {MAX_SAMPLES}, not {samples}"
            )));
        }
        if !(noise.is_finite() && noise >= 0.0) {
            return Err(SessionError::new(format!(
                "--noise must be 0 or a positive number, not {noise}"
            )));
        }
        self.load(
            samples,
            noise,
            seed,
            options.label.as_deref(),
            options.classes,
        )
    }

    /// Loads the data. `samples` and `noise` apply to generated sets, and `classes` to `blobs` (the
    /// number of clusters, 3 by default) and `spiral` (the number of arms, 2 by default); `label` names
    /// the label column of a CSV file (the last by default). Moons with 100 samples and noise 0.1 is the
    /// original demo's exact set, read from the shipped copy.
    pub fn load(
        &self,
        samples: usize,
        noise: f64,
        seed: u64,
        label: Option<&str>,
        classes: Option<usize>,
    ) -> Result<Dataset, SessionError> {
        if let Some(k) = classes {
            return match self {
                DataSource::Generated(name) if name == "blobs" || name == "spiral" => {
                    if !(2..=10).contains(&k) {
                        return Err(SessionError::new(format!(
                            "--classes must be from 2 to 10, not {k}"
                        )));
                    }
                    Ok(if name == "blobs" {
                        data::blobs_with(samples, k, noise, seed)
                    } else {
                        data::spiral_with(samples, k, noise, seed)
                    })
                }
                _ => Err(SessionError::new(
                    "--classes applies to the blobs and spiral data sets",
                )),
            };
        }
        match self {
            DataSource::Generated(name) if name == "moons" && samples == 100 && noise == 0.1 => {
                let mut d = data::moons100();
                d.name = "moons".into();
                Ok(d)
            }
            DataSource::Generated(name) => data::by_name(name, samples, noise, seed)
                .ok_or_else(|| SessionError::new(format!("unknown data set `{name}`"))),
            DataSource::Digits => Ok(data::digits()),
            DataSource::Csv(path) => {
                let options = CsvOptions {
                    label: match label {
                        Some(name) => match name.parse::<usize>() {
                            Ok(i) if i >= 1 && !name.starts_with('0') => LabelColumn::Index(i - 1),
                            _ => LabelColumn::Name(name.to_string()),
                        },
                        None => LabelColumn::Last,
                    },
                    header: None,
                };
                data::load_csv(path, &options).map_err(|e| SessionError::new(e.to_string()))
            }
        }
    }
}

impl FromStr for DataSource {
    type Err = SessionError;

    fn from_str(spec: &str) -> Result<Self, Self::Err> {
        DataSource::parse(spec)
    }
}

impl std::fmt::Display for DataSource {
    /// The name as [`DataSource::parse`] reads it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DataSource::Generated(name) => f.write_str(name),
            DataSource::Digits => f.write_str("digits"),
            DataSource::Csv(path) => write!(f, "csv:{}", path.display()),
        }
    }
}

/// Generated samples when none are asked for: the demo's 100.
pub const DEFAULT_SAMPLES: usize = 100;
/// The noise of generated samples when none is asked for: the demo's 0.1.
pub const DEFAULT_NOISE: f64 = 0.1;
/// The most samples a generated set may have.
pub const MAX_SAMPLES: usize = 10_000_000;

/// The options that shape a data set; `None` means the default.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DataOptions {
    /// Samples to generate (generated sets); 100 by default.
    pub samples: Option<usize>,
    /// Standard deviation of the noise (generated sets); 0.1 by default.
    pub noise: Option<f64>,
    /// Classes of blobs, or arms of a spiral; 3 blobs and 2 arms by default.
    pub classes: Option<usize>,
    /// The label column of a CSV file, by header name or by position from 1; the last by default.
    pub label: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_files_parse() {
        assert_eq!(DataSource::parse("Digits").unwrap(), DataSource::Digits);
        assert_eq!(
            DataSource::parse("csv:a/b.csv").unwrap(),
            DataSource::Csv("a/b.csv".into())
        );
        let err = DataSource::parse("data.csv").unwrap_err();
        assert!(err.message().contains("csv:data.csv"), "{err}");
        assert!(DataSource::parse("mnist").is_err());
    }

    #[test]
    fn blobs_and_spirals_choose_their_classes() {
        let spiral = DataSource::parse("spiral").unwrap();
        let d = spiral.load(90, 0.0, 1, None, Some(3)).unwrap();
        assert_eq!(d.n_classes(), Some(3));
        let moons = DataSource::parse("moons").unwrap();
        assert!(moons.load(90, 0.1, 1, None, Some(3)).is_err());
        assert!(spiral.load(90, 0.1, 1, None, Some(1)).is_err());
    }

    #[test]
    fn the_demo_defaults_give_the_original_moons() {
        let d = DataSource::parse("moons")
            .unwrap()
            .load(100, 0.1, 0, None, None)
            .unwrap();
        assert_eq!(d.labels(), data::moons100().labels());
    }
}
