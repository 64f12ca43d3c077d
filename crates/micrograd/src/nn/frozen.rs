//! [`FrozenMlp`]: an MLP on plain numbers, the one forward pass in `f64` that every prediction takes
//! ([`MLP::predict`], a session's boundary grid, a model file's predictions, the trainer's
//! accuracy).
//!
//! Reading a weight through its handle costs a check per weight per sample, which is most of the
//! time spent scoring a data set; a frozen copy reads the parameters once and then works on a slice.
//! Each neuron adds as its node does ([`op::weighted_sum`]: the bias, then each weight times its
//! input, left to right), so a prediction has the bits of [`MLP::forward`].

use super::{Activation, MLP};
use crate::op;

/// An MLP's parameters copied out of the graph, for predictions on plain numbers.
pub(crate) struct FrozenMlp {
    inputs: usize,
    /// Each layer's activation, and its parameters neuron by neuron (weights, then bias).
    layers: Vec<(Activation, Vec<f64>)>,
}

impl FrozenMlp {
    /// A copy of `model`'s current parameters.
    pub(crate) fn new(model: &MLP<'_>) -> Self {
        let arch = model.architecture();
        let params = model.parameter_data();
        let mut rest = params.as_slice();
        let mut inputs = arch.inputs;
        let layers = arch
            .layers
            .iter()
            .map(|&(outputs, activation)| {
                let (layer, after) = rest.split_at(outputs * (inputs + 1));
                rest = after;
                inputs = outputs;
                (activation, layer.to_vec())
            })
            .collect();
        FrozenMlp {
            inputs: arch.inputs,
            layers,
        }
    }

    /// The model's outputs for `x`.
    ///
    /// # Panics
    /// If `x` does not have the model's number of inputs.
    pub(crate) fn predict(&self, x: &[f64]) -> Vec<f64> {
        assert_eq!(
            x.len(),
            self.inputs,
            "MLP::predict: {} inputs for a model of {} inputs",
            x.len(),
            self.inputs
        );
        let mut current = x.to_vec();
        for (activation, params) in &self.layers {
            let width = current.len() + 1;
            let next = params
                .chunks_exact(width)
                .map(|neuron| {
                    let (w, b) = neuron.split_at(width - 1);
                    let terms = w.iter().copied().zip(current.iter().copied());
                    activation.forward(op::weighted_sum(b[0], terms))
                })
                .collect();
            current = next;
        }
        current
    }
}

#[cfg(test)]
mod tests {
    use super::FrozenMlp;
    use crate::graph::Graph;
    use crate::nn::{Activation, Architecture, Init, MLP};
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn a_frozen_copy_predicts_the_bits_of_the_graphs_forward_pass(
            widths in prop::collection::vec((1..9usize, 0..4usize), 1..4),
            x in prop::collection::vec(-3.0..3.0f64, 3),
            seed in 0..1000u64,
        ) {
            let g = Graph::new();
            let layers = widths.iter().map(|&(n, a)| (n, Activation::ALL[a])).collect();
            let arch = Architecture { inputs: 3, layers };
            let model = MLP::with_init(&g, &arch, Init::PyTorch, seed);
            let bits = |v: Vec<f64>| v.into_iter().map(f64::to_bits).collect::<Vec<_>>();
            let forward = model.forward_data(&x).iter().map(|v| v.data()).collect();
            prop_assert_eq!(bits(FrozenMlp::new(&model).predict(&x)), bits(forward));
        }
    }
}
