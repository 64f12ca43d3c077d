//! The model files `micrograd train --save` writes and `micrograd predict --model` reads.
//!
//! A trained classifier is the library's model file (format `micrograd-mlp`: architecture, weights, input
//! standardization) plus what turns its outputs into answers: the loss it was trained with and the
//! original label of each class. The file wraps the library's format:
//!
//! ```json
//! {
//!   "format": "micrograd-classifier",
//!   "version": 1,
//!   "dataset": "moons",
//!   "features": ["x0", "x1"],
//!   "loss": "hinge",
//!   "classes": [-1.0, 1.0],
//!   "init": "micrograd",
//!   "model": {"format": "micrograd-mlp", "version": 1, "inputs": 2, "layers": […]}
//! }
//! ```
//!
//! `init` records how the weights began (`micrograd` or `pytorch`); a file without it was written
//! before the choice existed, when every model began as micrograd's.
//!
//! `predict` also reads a bare `micrograd-mlp` file (written by a Rust program with the library): several
//! outputs are then read as classes 0, 1, … by softmax, one output as the class 1 or -1 by its sign.

use std::path::Path;

use micrograd::io::SavedModel;
use micrograd::loss::Loss;
use micrograd::nn::Init;
use micrograd::session::Classes;
use serde_json::{json, Value as Json};

use crate::atomic;
use crate::error::CliError;

/// The `format` field of a classifier file.
pub const FORMAT: &str = "micrograd-classifier";
/// The version of the classifier format this build writes and reads.
pub const VERSION: u64 = 1;

/// A trained classifier: the network and how to read its outputs.
#[derive(Clone, Debug)]
pub struct Classifier {
    /// The network, its weights and its input standardization.
    pub model: SavedModel,
    /// The loss it was trained with (how its outputs read).
    pub loss: Loss,
    /// The original label of each class.
    pub classes: Classes,
    /// The data set it was trained on.
    pub dataset: String,
    /// The names of its input features.
    pub features: Vec<String>,
    /// How its weights began.
    pub init: Init,
}

impl Classifier {
    /// The file's JSON text.
    pub fn to_json(&self) -> Result<String, CliError> {
        let model = self
            .model
            .to_json()
            .map_err(|e| CliError::failure(format!("cannot encode the model: {e}")))?;
        let model: Json =
            serde_json::from_str(&model).map_err(|e| CliError::failure(e.to_string()))?;
        let file = json!({
            "format": FORMAT,
            "version": VERSION,
            "dataset": self.dataset,
            "features": self.features,
            "loss": self.loss.name(),
            "classes": self.classes.labels(),
            "init": self.init.name(),
            "model": model,
        });
        serde_json::to_string_pretty(&file).map_err(|e| CliError::failure(e.to_string()))
    }

    /// Writes the file at `path`, whole or not at all.
    pub fn save(&self, path: &Path) -> Result<(), CliError> {
        let mut text = self.to_json()?;
        text.push('\n');
        atomic::write(path, text.as_bytes())
    }

    /// Reads a model file; every problem is bad input (exit 2) naming the file and what is wrong.
    pub fn load(path: &Path) -> Result<Classifier, CliError> {
        let at = |m: String| CliError::input(format!("{}: {m}", path.display()));
        let bytes = micrograd::data::read_file(path, micrograd::data::MAX_FILE_BYTES)
            .map_err(|e| at(format!("cannot read the model file: {e}")))?;
        let text = String::from_utf8(bytes)
            .map_err(|_| at("not a micrograd model file: it is not text".into()))?;
        Self::from_json(&text).map_err(at)
    }

    /// Reads a model file's text.
    pub fn from_json(text: &str) -> Result<Classifier, String> {
        if text.trim().is_empty() {
            return Err("the model file is empty".into());
        }
        // The network's widths first, without its numbers, so that a file declaring millions of
        // parameters is refused before they are parsed (the library's own read checks a bare file).
        #[derive(serde::Deserialize)]
        struct Probe {
            model: micrograd::io::ModelShape,
        }
        if let Ok(probe) = serde_json::from_str::<Probe>(text) {
            probe
                .model
                .check()
                .map_err(|e| format!("its network: {e}"))?;
        }
        let file: Json = serde_json::from_str(text).map_err(|e| {
            if e.is_eof() {
                format!("the model file ends too early (truncated?): {e}")
            } else {
                format!("not a micrograd model file: it is not valid JSON ({e})")
            }
        })?;
        match file.get("format").and_then(Json::as_str) {
            Some(FORMAT) => Self::from_classifier_json(&file),
            Some(micrograd::io::FORMAT) => Self::from_bare_model(SavedModel::from_json(text).map_err(|e| e.to_string())?),
            Some(other) => Err(format!(
                "not a micrograd model file: its format is `{other}`, expected `{FORMAT}` (written by micrograd train --save)"
            )),
            None => Err(format!(
                "not a micrograd model file: no \"format\" field (expected `{FORMAT}`, written by micrograd train --save)"
            )),
        }
    }

    fn from_classifier_json(file: &Json) -> Result<Classifier, String> {
        match file.get("version").and_then(Json::as_u64) {
            Some(VERSION) => {}
            Some(v) => {
                return Err(format!(
                    "model file version {v} is not supported (this build reads version {VERSION})"
                ))
            }
            None => return Err("the model file has no \"version\" number".into()),
        }
        let loss: Loss = file
            .get("loss")
            .and_then(Json::as_str)
            .ok_or("the model file has no \"loss\" name")?
            .parse()
            .map_err(|e| format!("the model file's loss: {e}"))?;
        let classes = file
            .get("classes")
            .and_then(Json::as_array)
            .ok_or("the model file has no \"classes\" list")?
            .iter()
            .map(|c| {
                c.as_f64()
                    .ok_or_else(|| format!("the class label {c} is not a number"))
            })
            .collect::<Result<Vec<f64>, String>>()?;
        let classes = Classes::from_saved(classes);
        let model_json = file.get("model").ok_or("the model file has no \"model\"")?;
        let model = SavedModel::from_json(&model_json.to_string())
            .map_err(|e| format!("its network: {e}"))?;
        let outputs = model.architecture.outputs();
        if classes.len() < 2 || classes.outputs_for(loss) != outputs {
            return Err(format!(
                "the model file lists {} classes for a {loss} network with {outputs} outputs",
                classes.len()
            ));
        }
        // One output tells two classes apart by its sign: more would never be predicted.
        if loss != Loss::CrossEntropy && classes.len() != 2 {
            return Err(format!(
                "the model file lists {} classes for a {loss} network, whose one output tells exactly 2 apart (cross-entropy has one output per class)",
                classes.len()
            ));
        }
        let text = |key: &str| {
            file.get(key)
                .and_then(Json::as_str)
                .unwrap_or_default()
                .to_string()
        };
        let features = match file.get("features").and_then(Json::as_array) {
            Some(names) => names
                .iter()
                .map(|n| n.as_str().unwrap_or_default().to_string())
                .collect(),
            None => default_feature_names(model.architecture.inputs),
        };
        if features.len() != model.architecture.inputs {
            return Err(format!(
                "the model file names {} features for a network of {} inputs",
                features.len(),
                model.architecture.inputs
            ));
        }
        let init = match file.get("init") {
            None => Init::Micrograd,
            Some(name) => name
                .as_str()
                .ok_or_else(|| format!("the model file's init {name} is not a name"))?
                .parse()
                .map_err(|e| format!("the model file's init: {e}"))?,
        };
        Ok(Classifier {
            model,
            loss,
            classes,
            dataset: text("dataset"),
            features,
            init,
        })
    }

    fn from_bare_model(model: SavedModel) -> Result<Classifier, String> {
        let outputs = model.architecture.outputs();
        let (loss, classes) = if outputs == 1 {
            (Loss::Hinge, Classes::from_saved(vec![-1.0, 1.0]))
        } else {
            (
                Loss::CrossEntropy,
                Classes::from_saved((0..outputs).map(|i| i as f64).collect()),
            )
        };
        Ok(Classifier {
            features: default_feature_names(model.architecture.inputs),
            model,
            loss,
            classes,
            dataset: String::new(),
            init: Init::Micrograd,
        })
    }

    /// The number of inputs a row must have.
    pub fn inputs(&self) -> usize {
        self.model.architecture.inputs
    }
}

fn default_feature_names(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("x{i}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use micrograd::nn::MLP;
    use micrograd::Graph;

    fn classifier() -> Classifier {
        let g = Graph::new();
        let mlp = MLP::new(&g, 2, &[3, 1], 5);
        Classifier {
            model: SavedModel::from_model(&mlp),
            loss: Loss::Hinge,
            classes: Classes::from_saved(vec![-1.0, 1.0]),
            dataset: "moons".into(),
            features: vec!["a".into(), "b".into()],
            init: Init::PyTorch,
        }
    }

    #[test]
    fn a_classifier_reads_back_whole() {
        let c = classifier();
        let back = Classifier::from_json(&c.to_json().unwrap()).unwrap();
        assert_eq!(back.model, c.model);
        assert_eq!(
            (back.loss, back.classes, back.features),
            (c.loss, c.classes, c.features)
        );
    }

    #[test]
    fn the_init_is_recorded_and_an_old_file_reads_as_micrograds() {
        let text = classifier().to_json().unwrap();
        assert!(text.contains(r#""init": "pytorch""#), "{text}");
        assert_eq!(Classifier::from_json(&text).unwrap().init, Init::PyTorch);
        let mut file: Json = serde_json::from_str(&text).unwrap();
        file.as_object_mut().unwrap().remove("init");
        let old = Classifier::from_json(&file.to_string()).unwrap();
        assert_eq!(old.init, Init::Micrograd);
        file["init"] = json!("xavier");
        let err = Classifier::from_json(&file.to_string()).unwrap_err();
        assert!(err.contains("xavier"), "{err}");
    }

    #[test]
    fn truncated_and_foreign_files_say_so() {
        let text = classifier().to_json().unwrap();
        let err = Classifier::from_json(&text[..text.len() / 2]).unwrap_err();
        assert!(err.contains("truncated"), "{err}");
        let err = Classifier::from_json(r#"{"format": "onnx"}"#).unwrap_err();
        assert!(err.contains("not a micrograd model file"), "{err}");
        let err = Classifier::from_json("[1, 2, 3]").unwrap_err();
        assert!(err.contains("not a micrograd model file"), "{err}");
    }

    #[test]
    fn classes_must_fit_the_outputs() {
        let mut c = classifier();
        c.loss = Loss::CrossEntropy;
        let err = Classifier::from_json(&c.to_json().unwrap()).unwrap_err();
        assert!(err.contains("2 classes"), "{err}");
    }

    #[test]
    fn a_one_output_model_has_two_classes() {
        let mut c = classifier();
        c.classes = Classes::from_saved(vec![0.0, 1.0, 2.0, 3.0, 4.0]);
        let err = Classifier::from_json(&c.to_json().unwrap()).unwrap_err();
        assert!(err.contains("5 classes for a hinge network"), "{err}");
    }

    #[test]
    fn features_must_fit_the_inputs() {
        let mut c = classifier();
        c.features = vec!["a".into()];
        let err = Classifier::from_json(&c.to_json().unwrap()).unwrap_err();
        assert!(
            err.contains("1 features for a network of 2 inputs"),
            "{err}"
        );
    }
}
