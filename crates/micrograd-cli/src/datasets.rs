//! The data set named on the command line (`--dataset NAME|csv:PATH`): which one it is, and loading it.

use std::path::PathBuf;

use micrograd::data::{self, CsvOptions, Dataset, LabelColumn};

use crate::error::CliError;

/// The generated toy sets, by name.
pub const GENERATED: [&str; 5] = ["moons", "circles", "blobs", "xor", "spiral"];

/// A data set as named by `--dataset`.
#[derive(Clone, Debug, PartialEq)]
pub enum DatasetChoice {
    /// A generated two-dimensional set (`moons`, `circles`, …).
    Generated(String),
    /// The shipped handwritten digits.
    Digits,
    /// A CSV file of numbers.
    Csv(PathBuf),
}

impl DatasetChoice {
    /// Parses `--dataset`: a known name or `csv:PATH`.
    pub fn parse(spec: &str) -> Result<DatasetChoice, CliError> {
        if let Some(path) = spec.strip_prefix("csv:") {
            if path.is_empty() {
                return Err(CliError::input("--dataset csv: needs a file: csv:PATH"));
            }
            return Ok(DatasetChoice::Csv(PathBuf::from(path)));
        }
        let name = spec.to_ascii_lowercase();
        if name == "digits" {
            return Ok(DatasetChoice::Digits);
        }
        if GENERATED.contains(&name.as_str()) {
            return Ok(DatasetChoice::Generated(name));
        }
        let hint = if spec.ends_with(".csv") {
            format!(" (for a file, write csv:{spec})")
        } else {
            String::new()
        };
        Err(CliError::input(format!(
            "unknown data set `{spec}`{hint}: expected one of {}, digits, or csv:PATH",
            GENERATED.join(", ")
        )))
    }

    /// Whether it is a generated set, whose size and noise can be chosen.
    pub fn is_generated(&self) -> bool {
        matches!(self, DatasetChoice::Generated(_))
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
    ) -> Result<Dataset, CliError> {
        if let Some(k) = classes {
            return match self {
                DatasetChoice::Generated(name) if name == "blobs" || name == "spiral" => {
                    if !(2..=10).contains(&k) {
                        return Err(CliError::input(format!(
                            "--classes must be from 2 to 10, not {k}"
                        )));
                    }
                    Ok(if name == "blobs" {
                        data::blobs_with(samples, k, noise, seed)
                    } else {
                        data::spiral_with(samples, k, noise, seed)
                    })
                }
                _ => Err(CliError::input(
                    "--classes applies to the blobs and spiral data sets",
                )),
            };
        }
        match self {
            DatasetChoice::Generated(name) if name == "moons" && samples == 100 && noise == 0.1 => {
                let mut d = data::moons100();
                d.name = "moons".into();
                Ok(d)
            }
            DatasetChoice::Generated(name) => data::by_name(name, samples, noise, seed)
                .ok_or_else(|| CliError::input(format!("unknown data set `{name}`"))),
            DatasetChoice::Digits => Ok(data::digits()),
            DatasetChoice::Csv(path) => {
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
                data::load_csv(path, &options).map_err(|e| CliError::input(e.to_string()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_files_parse() {
        assert_eq!(
            DatasetChoice::parse("Digits").unwrap(),
            DatasetChoice::Digits
        );
        assert_eq!(
            DatasetChoice::parse("csv:a/b.csv").unwrap(),
            DatasetChoice::Csv("a/b.csv".into())
        );
        let err = DatasetChoice::parse("data.csv").unwrap_err();
        assert!(err.message.contains("csv:data.csv"), "{}", err.message);
        assert_eq!(DatasetChoice::parse("mnist").unwrap_err().code, 2);
    }

    #[test]
    fn blobs_and_spirals_choose_their_classes() {
        let spiral = DatasetChoice::parse("spiral").unwrap();
        let d = spiral.load(90, 0.0, 1, None, Some(3)).unwrap();
        assert_eq!(d.n_classes(), Some(3));
        let moons = DatasetChoice::parse("moons").unwrap();
        assert_eq!(moons.load(90, 0.1, 1, None, Some(3)).unwrap_err().code, 2);
        assert_eq!(spiral.load(90, 0.1, 1, None, Some(1)).unwrap_err().code, 2);
    }

    #[test]
    fn the_demo_defaults_give_the_original_moons() {
        let d = DatasetChoice::parse("moons")
            .unwrap()
            .load(100, 0.1, 0, None, None)
            .unwrap();
        assert_eq!(d.labels(), data::moons100().labels());
    }
}
