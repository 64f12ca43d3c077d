//! safetensors export and import: [`SavedModel::to_safetensors`] and [`SavedModel::from_safetensors`].

use std::collections::HashMap;

use safetensors::tensor::{Dtype, SafeTensors, TensorView};

use super::json::layers_of;
use super::model::{ModelError, SavedModel, FORMAT, FORMAT_VERSION};
use crate::nn::Architecture;

fn le_bytes(values: &[f64]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

impl SavedModel {
    /// The weights as a safetensors file: float64 tensors `{2k}.weight` `[outputs, inputs]` and
    /// `{2k}.bias` `[outputs]` for layer k, with the architecture in the header's metadata.
    ///
    /// In PyTorch:
    ///
    /// ```python
    /// from safetensors.torch import load_file
    /// m = torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.ReLU(), torch.nn.Linear(16, 16),
    ///                         torch.nn.ReLU(), torch.nn.Linear(16, 1)).double()
    /// m.load_state_dict(load_file("model.safetensors"))
    /// ```
    pub fn to_safetensors(&self) -> Result<Vec<u8>, ModelError> {
        self.validate()?;
        let layers = layers_of(&self.architecture, &self.parameters);
        let mut buffers: Vec<(String, Vec<usize>, Vec<u8>)> = Vec::new();
        let mut n_in = self.architecture.inputs;
        for (k, (weight, bias)) in layers.iter().enumerate() {
            let n_out = bias.len();
            buffers.push((
                format!("{}.weight", 2 * k),
                vec![n_out, n_in],
                le_bytes(&weight.concat()),
            ));
            buffers.push((format!("{}.bias", 2 * k), vec![n_out], le_bytes(bias)));
            n_in = n_out;
        }
        let views = buffers
            .iter()
            .map(|(name, shape, bytes)| {
                TensorView::new(Dtype::F64, shape.clone(), bytes)
                    .map(|v| (name.clone(), v))
                    .map_err(|e| ModelError::new(format!("cannot encode tensor {name}: {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let metadata = HashMap::from([
            ("format".to_string(), FORMAT.to_string()),
            ("version".to_string(), FORMAT_VERSION.to_string()),
            ("architecture".to_string(), self.architecture.to_string()),
        ]);
        safetensors::serialize(views, Some(metadata))
            .map_err(|e| ModelError::new(format!("cannot encode the weights: {e}")))
    }

    /// Reads weights written by [`to_safetensors`](SavedModel::to_safetensors): the architecture from the
    /// metadata, then every tensor, checking names, types and shapes.
    pub fn from_safetensors(bytes: &[u8]) -> Result<Self, ModelError> {
        let (_, header) = SafeTensors::read_metadata(bytes).map_err(|e| {
            ModelError::new(format!("not a readable safetensors file (truncated?): {e}"))
        })?;
        let tensors = SafeTensors::deserialize(bytes).map_err(|e| {
            ModelError::new(format!("not a readable safetensors file (truncated?): {e}"))
        })?;
        let meta = header.metadata().as_ref();
        let arch_text = meta.and_then(|m| m.get("architecture")).ok_or_else(|| {
            ModelError::new(
                "the safetensors file has no `architecture` metadata (not written by micrograd)",
            )
        })?;
        let architecture: Architecture = arch_text.parse().map_err(ModelError::new)?;
        let mut parameters = Vec::new();
        let mut n_in = architecture.inputs;
        let read = |name: &str, shape: &[usize]| -> Result<Vec<f64>, ModelError> {
            let t = tensors.tensor(name).map_err(|_| {
                ModelError::new(format!(
                    "tensor `{name}` is missing for a {architecture} model"
                ))
            })?;
            if t.dtype() != Dtype::F64 {
                return Err(ModelError::new(format!(
                    "tensor `{name}` is {:?}, expected F64",
                    t.dtype()
                )));
            }
            if t.shape() != shape {
                return Err(ModelError::new(format!(
                    "tensor `{name}` has shape {:?}, expected {shape:?} for a {architecture} model",
                    t.shape()
                )));
            }
            Ok(t.data()
                .chunks_exact(8)
                .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")))
                .collect())
        };
        for (k, &(n_out, _)) in architecture.layers.iter().enumerate() {
            let weight = read(&format!("{}.weight", 2 * k), &[n_out, n_in])?;
            let bias = read(&format!("{}.bias", 2 * k), &[n_out])?;
            if n_in == 0 {
                return Err(ModelError::new(format!(
                    "a {architecture} model has a layer of width 0"
                )));
            }
            for (row, b) in weight.chunks_exact(n_in).zip(bias) {
                parameters.extend_from_slice(row);
                parameters.push(b);
            }
            n_in = n_out;
        }
        let saved = SavedModel {
            architecture,
            parameters,
            standardizer: None,
        };
        saved.validate()?;
        Ok(saved)
    }
}
