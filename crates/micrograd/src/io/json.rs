//! The JSON model file: [`SavedModel::to_json`] and [`SavedModel::from_json`].

use serde::{Deserialize, Serialize};

use super::model::{ModelError, SavedModel, FORMAT, FORMAT_VERSION};
use crate::data::Standardizer;
use crate::nn::{Activation, Architecture};

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ModelFile {
    format: String,
    version: u32,
    inputs: usize,
    layers: Vec<LayerFile>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    standardizer: Option<Standardizer>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct LayerFile {
    outputs: usize,
    activation: String,
    weight: Vec<Vec<f64>>,
    bias: Vec<f64>,
}

/// Splits parameters in micrograd's order into each layer's weight rows and biases.
pub(super) fn layers_of(arch: &Architecture, parameters: &[f64]) -> Vec<(Vec<Vec<f64>>, Vec<f64>)> {
    let mut rest = parameters;
    let mut n_in = arch.inputs;
    let mut out = Vec::with_capacity(arch.layers.len());
    for &(n_out, _) in &arch.layers {
        let mut weight = Vec::with_capacity(n_out);
        let mut bias = Vec::with_capacity(n_out);
        for _ in 0..n_out {
            let (w, tail) = rest.split_at(n_in);
            weight.push(w.to_vec());
            bias.push(tail[0]);
            rest = &tail[1..];
        }
        out.push((weight, bias));
        n_in = n_out;
    }
    out
}

impl SavedModel {
    /// The model as JSON text (see the [module docs](super) for the format).
    pub fn to_json(&self) -> Result<String, ModelError> {
        self.validate()?;
        let layers = layers_of(&self.architecture, &self.parameters)
            .into_iter()
            .zip(&self.architecture.layers)
            .map(|((weight, bias), &(outputs, act))| LayerFile {
                outputs,
                activation: act.name().to_string(),
                weight,
                bias,
            })
            .collect();
        let file = ModelFile {
            format: FORMAT.to_string(),
            version: FORMAT_VERSION,
            inputs: self.architecture.inputs,
            layers,
            standardizer: self.standardizer.clone(),
        };
        serde_json::to_string_pretty(&file)
            .map_err(|e| ModelError::new(format!("cannot encode the model: {e}")))
    }

    /// Reads a model from JSON text, checking the format, the version and every shape.
    pub fn from_json(text: &str) -> Result<Self, ModelError> {
        if text.trim().is_empty() {
            return Err(ModelError::new("the model file is empty"));
        }
        // The widths first, without the numbers: a file declaring millions of parameters is refused
        // before they are parsed. A file the probe cannot read is left to the full read's messages.
        if let Ok(shape) = serde_json::from_str::<super::ModelShape>(text) {
            shape.check()?;
        }
        let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
            ModelError::new(if e.is_eof() {
                format!("the model file ends too early (truncated?): {e}")
            } else {
                format!("the model file is not valid JSON: {e}")
            })
        })?;
        match value.get("format").and_then(|f| f.as_str()) {
            Some(FORMAT) => {}
            Some(other) => {
                return Err(ModelError::new(format!(
                    "not a micrograd model file: its format is `{other}`, expected `{FORMAT}`"
                )))
            }
            None => {
                return Err(ModelError::new(format!(
                    "not a micrograd model file: no \"format\": \"{FORMAT}\" field"
                )))
            }
        }
        match value.get("version").and_then(|v| v.as_u64()) {
            Some(v) if v == u64::from(FORMAT_VERSION) => {}
            Some(v) => {
                return Err(ModelError::new(format!(
                    "model file format version {v} is not supported (this build reads version {FORMAT_VERSION})"
                )))
            }
            None => return Err(ModelError::new("the model file has no format \"version\" number")),
        }
        let file: ModelFile = serde_json::from_value(value)
            .map_err(|e| ModelError::new(format!("malformed model file: {e}")))?;
        let mut layers = Vec::with_capacity(file.layers.len());
        let mut parameters = Vec::new();
        let mut n_in = file.inputs;
        if file.layers.is_empty() {
            return Err(ModelError::new("the model file has no layers"));
        }
        for (k, layer) in file.layers.iter().enumerate() {
            let what = format!("layer {}", k + 1);
            let act: Activation = layer
                .activation
                .parse()
                .map_err(|e| ModelError::new(format!("{what}: {e}")))?;
            if layer.outputs == 0 {
                return Err(ModelError::new(format!("{what}: 0 outputs")));
            }
            if layer.weight.len() != layer.outputs || layer.bias.len() != layer.outputs {
                return Err(ModelError::new(format!(
                    "{what}: {} outputs but {} weight rows and {} biases",
                    layer.outputs,
                    layer.weight.len(),
                    layer.bias.len()
                )));
            }
            for (i, (row, &b)) in layer.weight.iter().zip(&layer.bias).enumerate() {
                if row.len() != n_in {
                    return Err(ModelError::new(format!(
                        "{what}: weight row {} has {} numbers, but the layer has {n_in} inputs",
                        i + 1,
                        row.len()
                    )));
                }
                parameters.extend_from_slice(row);
                parameters.push(b);
            }
            layers.push((layer.outputs, act));
            n_in = layer.outputs;
        }
        let saved = SavedModel {
            architecture: Architecture {
                inputs: file.inputs,
                layers,
            },
            parameters,
            standardizer: file.standardizer,
        };
        saved.validate()?;
        Ok(saved)
    }
}
