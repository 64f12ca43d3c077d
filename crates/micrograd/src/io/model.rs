//! [`SavedModel`]: what a model file holds, independent of the file format; and [`ModelError`].

use std::fmt;
use std::path::Path;

use crate::data::{scaled_input, Standardizer};
use crate::graph::Graph;
use crate::nn::{Architecture, MLP};

/// The `format` field of a model file.
pub const FORMAT: &str = "micrograd-mlp";
/// The version of the model file format this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// A model as stored in a file: its shape, its parameters, and its input standardization if any.
#[derive(Clone, Debug, PartialEq)]
pub struct SavedModel {
    /// The model's shape.
    pub architecture: Architecture,
    /// The parameter values in the order of [`Module::parameters`](crate::nn::Module::parameters):
    /// layer by layer, neuron by neuron, each neuron's weights then its bias.
    pub parameters: Vec<f64>,
    /// The standardization applied to inputs before the model, if the model was trained on
    /// standardized data.
    pub standardizer: Option<Standardizer>,
}

/// A model file that cannot be written or read, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelError {
    /// The file, when there is one.
    pub path: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl ModelError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        ModelError {
            path: None,
            message: message.into(),
        }
    }

    pub(crate) fn at(mut self, path: &Path) -> Self {
        self.path = Some(path.display().to_string());
        self
    }
}

impl fmt::Display for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.path {
            Some(p) => write!(f, "{p}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for ModelError {}

impl SavedModel {
    /// The architecture and current parameters of `model` (no standardizer).
    pub fn from_model(model: &MLP<'_>) -> Self {
        SavedModel {
            architecture: model.architecture(),
            parameters: model.parameter_data(),
            standardizer: None,
        }
    }

    /// Records the standardization the model's inputs go through.
    pub fn with_standardizer(mut self, standardizer: Standardizer) -> Self {
        self.standardizer = Some(standardizer);
        self
    }

    /// Checks that the parameters fit the architecture, are finite, and that the standardizer has one
    /// mean and one positive deviation per input.
    pub fn validate(&self) -> Result<(), ModelError> {
        if self.architecture.inputs == 0 || self.architecture.layers.iter().any(|l| l.0 == 0) {
            return Err(ModelError::new(format!(
                "a {} model has a layer of width 0",
                self.architecture
            )));
        }
        let expected = self.architecture.num_parameters();
        if self.parameters.len() != expected {
            return Err(ModelError::new(format!(
                "a {} model has {expected} parameters, the file holds {}",
                self.architecture,
                self.parameters.len()
            )));
        }
        if let Some(i) = self.parameters.iter().position(|p| !p.is_finite()) {
            return Err(ModelError::new(format!(
                "parameter {i} is {}, not a finite number",
                self.parameters[i]
            )));
        }
        if let Some(s) = &self.standardizer {
            let n = self.architecture.inputs;
            if s.mean.len() != n || s.std.len() != n {
                return Err(ModelError::new(format!(
                    "the standardizer has {} means and {} deviations for {n} inputs",
                    s.mean.len(),
                    s.std.len()
                )));
            }
            if s.mean.iter().any(|m| !m.is_finite())
                || s.std.iter().any(|d| !(d.is_finite() && *d > 0.0))
            {
                return Err(ModelError::new(
                    "the standardizer's means must be finite and its deviations positive",
                ));
            }
        }
        Ok(())
    }

    /// A new model in `graph` holding these parameters.
    ///
    /// # Panics
    /// If the parameters do not fit the architecture (a `SavedModel` read from a file was checked).
    pub fn build<'g>(&self, graph: &'g Graph) -> MLP<'g> {
        MLP::from_parameters(graph, &self.architecture, &self.parameters)
            .expect("SavedModel::build: parameters do not fit the architecture")
    }

    /// Copies these parameters into `model`, which must have the same architecture.
    pub fn load_into(&self, model: &MLP<'_>) -> Result<(), ModelError> {
        let arch = model.architecture();
        if arch != self.architecture {
            return Err(ModelError::new(format!(
                "the file holds a {} model, but this model is {arch}",
                self.architecture
            )));
        }
        model
            .set_parameter_data(&self.parameters)
            .map_err(|e| ModelError::new(e.to_string()))
    }

    /// The model's output for one input row: standardized first if the model has a standardizer,
    /// then the MLP in plain `f64`. `model` is this file's [`build`](SavedModel::build).
    pub fn predict(&self, model: &MLP<'_>, input: &[f64]) -> Vec<f64> {
        model.predict(&scaled_input(self.standardizer.as_ref(), input))
    }

    /// Writes the model as JSON to `path` (whole or not at all).
    pub fn save(&self, path: impl AsRef<Path>) -> Result<(), ModelError> {
        let path = path.as_ref();
        let json = self.to_json().map_err(|e| e.at(path))?;
        super::write_whole(path, json.as_bytes())
            .map_err(|e| ModelError::new(format!("cannot write the model: {e}")).at(path))
    }

    /// Reads a JSON model file.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, ModelError> {
        let path = path.as_ref();
        let bytes = crate::data::read_file(path, crate::data::MAX_FILE_BYTES)
            .map_err(|e| ModelError::new(format!("cannot read the model file: {e}")).at(path))?;
        let text = String::from_utf8(bytes)
            .map_err(|_| ModelError::new("not a model file: it is not UTF-8 text").at(path))?;
        Self::from_json(&text).map_err(|e| e.at(path))
    }

    /// Writes the weights as safetensors to `path` (whole or not at all).
    pub fn save_safetensors(&self, path: impl AsRef<Path>) -> Result<(), ModelError> {
        let path = path.as_ref();
        let bytes = self.to_safetensors().map_err(|e| e.at(path))?;
        super::write_whole(path, &bytes)
            .map_err(|e| ModelError::new(format!("cannot write the weights: {e}")).at(path))
    }

    /// Reads a safetensors file written by [`save_safetensors`](SavedModel::save_safetensors).
    pub fn load_safetensors(path: impl AsRef<Path>) -> Result<Self, ModelError> {
        let path = path.as_ref();
        let bytes = crate::data::read_file(path, crate::data::MAX_FILE_BYTES)
            .map_err(|e| ModelError::new(format!("cannot read the weights file: {e}")).at(path))?;
        Self::from_safetensors(&bytes).map_err(|e| e.at(path))
    }
}

/// Saves `model` as JSON to `path`.
pub fn save_json(model: &MLP<'_>, path: impl AsRef<Path>) -> Result<(), ModelError> {
    SavedModel::from_model(model).save(path)
}

/// Loads a JSON model file into a new model in `graph`.
pub fn load_json<'g>(graph: &'g Graph, path: impl AsRef<Path>) -> Result<MLP<'g>, ModelError> {
    Ok(SavedModel::load(path)?.build(graph))
}

/// Exports `model`'s weights as safetensors that PyTorch can load (see the [module docs](super)).
pub fn export_safetensors(model: &MLP<'_>, path: impl AsRef<Path>) -> Result<(), ModelError> {
    SavedModel::from_model(model).save_safetensors(path)
}
