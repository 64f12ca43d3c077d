//! A model file's dimensions, read before its numbers: [`ModelShape`] walks the JSON text and
//! keeps only the widths and how many numbers each layer holds, storing none of them, so a file
//! that declares (or holds) far more parameters than any model here has is refused after one pass
//! over its bytes instead of after parsing millions of numbers into memory.

use std::fmt;

use serde::de::{Deserializer, IgnoredAny, SeqAccess, Visitor};
use serde::Deserialize;

use super::model::ModelError;

/// The most parameters a model file may hold (one million): hundreds of times the digits demo's
/// 64-32-10 network (2,410), and past what a scalar engine trains in reasonable time. A model with
/// more is refused when read, before anything is allocated for it.
pub const MAX_PARAMETERS: usize = 1_000_000;

/// The dimensions of a JSON model (`inputs`, each layer's `outputs`) and how many numbers its
/// `weight` and `bias` arrays hold, read without keeping the numbers. Other fields are skipped;
/// deserialize it from the text, then [`check`](ModelShape::check).
///
/// ```
/// use micrograd::io::ModelShape;
///
/// let huge = r#"{"inputs": 1000000, "layers": [{"outputs": 1000000, "weight": [], "bias": []}]}"#;
/// let shape: ModelShape = serde_json::from_str(huge).unwrap();
/// assert!(shape.check().unwrap_err().to_string().contains("more than"));
/// ```
#[derive(Deserialize, Debug)]
pub struct ModelShape {
    /// The declared number of inputs.
    pub inputs: usize,
    /// Each layer's declared width and the numbers it holds.
    pub layers: Vec<LayerShape>,
}

/// One layer of a [`ModelShape`].
#[derive(Deserialize, Debug)]
pub struct LayerShape {
    /// The declared number of outputs.
    pub outputs: usize,
    /// How many numbers the `weight` rows hold in all.
    #[serde(default)]
    pub weight: Count,
    /// How many numbers `bias` holds.
    #[serde(default)]
    pub bias: Count,
}

/// How many leaf values a JSON array holds, nested arrays included (the values are skipped).
#[derive(Default, Debug, Clone, Copy, PartialEq, Eq)]
pub struct Count(pub usize);

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(CountVisitor)
    }
}

struct CountVisitor;

impl<'de> Visitor<'de> for CountVisitor {
    type Value = Count;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of numbers")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Count, A::Error> {
        let mut n = 0usize;
        while let Some(inner) = seq.next_element::<Count>()? {
            n = n.saturating_add(inner.0);
        }
        Ok(Count(n))
    }

    // Anything that is not an array counts as one value; its type is checked by the full read.
    fn visit_f64<E>(self, _: f64) -> Result<Count, E> {
        Ok(Count(1))
    }
    fn visit_i64<E>(self, _: i64) -> Result<Count, E> {
        Ok(Count(1))
    }
    fn visit_u64<E>(self, _: u64) -> Result<Count, E> {
        Ok(Count(1))
    }
    fn visit_str<E>(self, _: &str) -> Result<Count, E> {
        Ok(Count(1))
    }
    fn visit_bool<E>(self, _: bool) -> Result<Count, E> {
        Ok(Count(1))
    }
    fn visit_unit<E>(self) -> Result<Count, E> {
        Ok(Count(1))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Count, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Count(1))
    }
}

impl ModelShape {
    /// The parameters the declared widths call for: for each layer, (inputs + 1) × outputs
    /// (saturating).
    pub fn declared_parameters(&self) -> usize {
        let mut n_in = self.inputs;
        let mut total = 0usize;
        for layer in &self.layers {
            total = total.saturating_add(n_in.saturating_add(1).saturating_mul(layer.outputs));
            n_in = layer.outputs;
        }
        total
    }

    /// Refuses a model that declares, or holds, more than [`MAX_PARAMETERS`] parameters.
    pub fn check(&self) -> Result<(), ModelError> {
        let declared = self.declared_parameters();
        let widths: Vec<String> = std::iter::once(self.inputs)
            .chain(self.layers.iter().map(|l| l.outputs))
            .map(|w| w.to_string())
            .collect();
        if declared > MAX_PARAMETERS {
            return Err(ModelError::new(format!(
                "a {} model has {}, more than {MAX_PARAMETERS}, the most a model file may hold",
                widths.join("-"),
                parameters(declared)
            )));
        }
        let held = self.layers.iter().fold(0usize, |n, l| {
            n.saturating_add(l.weight.0).saturating_add(l.bias.0)
        });
        if held > MAX_PARAMETERS {
            return Err(ModelError::new(format!(
                "the file holds {held} numbers for a {} model of {declared} parameters (more than {MAX_PARAMETERS}, the most a model file may hold)",
                widths.join("-")
            )));
        }
        Ok(())
    }
}

fn parameters(n: usize) -> String {
    if n == usize::MAX {
        "more parameters than this machine can count".into()
    } else {
        format!("{n} parameters")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_nested_numbers_and_checks_the_declared_size() {
        let text = r#"{"format": "x", "inputs": 2, "layers": [
            {"outputs": 2, "activation": "tanh", "weight": [[1, 2], [3, 4]], "bias": [0, 0]},
            {"outputs": 1, "activation": "linear", "weight": [[1, 2]], "bias": [0]}]}"#;
        let shape: ModelShape = serde_json::from_str(text).unwrap();
        assert_eq!(shape.layers[0].weight, Count(4));
        assert_eq!(shape.layers[1].bias, Count(1));
        assert_eq!(shape.declared_parameters(), 9);
        assert!(shape.check().is_ok());
        let wide = r#"{"inputs": 1, "layers": [{"outputs": 1000000}, {"outputs": 1}]}"#;
        let shape: ModelShape = serde_json::from_str(wide).unwrap();
        let err = shape.check().unwrap_err().to_string();
        assert!(
            err.contains("1-1000000-1") && err.contains("3000001 parameters"),
            "{err}"
        );
    }
}
