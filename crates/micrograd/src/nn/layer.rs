//! [`Layer`]: neurons that all read the same inputs.

use std::fmt;

use super::{Activation, Init, Module, Neuron};
use crate::graph::{Graph, Value};
use crate::rng::Rng;
use crate::speed::DenseLayer;

/// A fully connected layer: `n_outputs` neurons of `n_inputs` weights each, all applying the same
/// activation.
///
/// ```
/// use micrograd::nn::{Activation, Layer, Module};
/// use micrograd::Graph;
///
/// let g = Graph::new();
/// let layer = Layer::new(&g, 2, 3, Activation::Relu, 0);
/// assert_eq!(layer.parameters().len(), 9);
/// let out = layer.forward(&[g.value(1.0), g.value(2.0)]);
/// assert_eq!(out.len(), 3);
/// ```
#[derive(Clone, Debug)]
pub struct Layer<'g> {
    neurons: Vec<Neuron<'g>>,
    activation: Activation,
}

impl<'g> Layer<'g> {
    /// A layer of `n_outputs` freshly initialized neurons (see [`Neuron::new`]), seeded with `seed`.
    pub fn new(
        graph: &'g Graph,
        n_inputs: usize,
        n_outputs: usize,
        activation: Activation,
        seed: u64,
    ) -> Self {
        Self::with_rng(graph, n_inputs, n_outputs, activation, &mut Rng::new(seed))
    }

    /// As [`Layer::new`], drawing the weights from `rng`.
    pub fn with_rng(
        graph: &'g Graph,
        n_inputs: usize,
        n_outputs: usize,
        activation: Activation,
        rng: &mut Rng,
    ) -> Self {
        Self::with_init(graph, n_inputs, n_outputs, activation, Init::Micrograd, rng)
    }

    /// A layer whose neurons are initialized by `init`, drawing from `rng`.
    pub fn with_init(
        graph: &'g Graph,
        n_inputs: usize,
        n_outputs: usize,
        activation: Activation,
        init: Init,
        rng: &mut Rng,
    ) -> Self {
        let neurons = (0..n_outputs)
            .map(|_| Neuron::with_init(graph, n_inputs, activation, init, rng))
            .collect();
        Layer {
            neurons,
            activation,
        }
    }

    /// A layer of the given neurons, which share `activation` (made by
    /// [`MLP::from_parameters`](super::MLP::from_parameters)).
    pub(crate) fn from_neurons(neurons: Vec<Neuron<'g>>, activation: Activation) -> Self {
        Layer {
            neurons,
            activation,
        }
    }

    /// The neurons, one per output.
    pub fn neurons(&self) -> &[Neuron<'g>] {
        &self.neurons
    }

    /// The number of inputs each neuron reads.
    pub fn n_inputs(&self) -> usize {
        self.neurons.first().map_or(0, Neuron::n_inputs)
    }

    /// The number of outputs (neurons).
    pub fn n_outputs(&self) -> usize {
        self.neurons.len()
    }

    /// The activation every neuron of the layer applies (a layer's neurons share one).
    pub fn activation(&self) -> Activation {
        self.activation
    }

    /// Each neuron's output for the inputs `x`.
    ///
    /// Each neuron is one node, [`Op::WeightedSum`](crate::Op::WeightedSum) with the layer's
    /// activation applied in the same node, with the numbers and gradients of [`Neuron::forward`]'s
    /// two nodes. The outputs are consecutive nodes, so the next layer reads them as one run.
    pub fn forward(&self, x: &[Value<'g>]) -> Vec<Value<'g>> {
        match self.neurons.first() {
            Some(first) => first
                .bias()
                .graph()
                .weighted_sums(x, self.terms(), self.activation),
            None => vec![],
        }
    }

    /// Each neuron's bias and weights.
    fn terms(&self) -> impl Iterator<Item = (Value<'g>, &[Value<'g>])> {
        self.neurons.iter().map(|n| (n.bias(), n.weights()))
    }

    /// The layer checked for a batch (see [`DenseLayer`]), or `None` if it cannot take that path
    /// (it is empty, or a neuron's weights are not consecutive nodes).
    pub(crate) fn dense(&self) -> Option<DenseLayer<'g>> {
        let graph = self.neurons.first()?.bias().graph();
        DenseLayer::check(graph, self.terms(), self.activation)
    }

    /// The outputs for plain numbers, computed without building graph nodes.
    pub fn predict(&self, x: &[f64]) -> Vec<f64> {
        self.neurons.iter().map(|n| n.predict(x)).collect()
    }
}

impl<'g> Module<'g> for Layer<'g> {
    fn parameters(&self) -> Vec<Value<'g>> {
        self.neurons.iter().flat_map(|n| n.parameters()).collect()
    }

    fn num_parameters(&self) -> usize {
        self.neurons.iter().map(Module::num_parameters).sum()
    }
}

impl fmt::Display for Layer<'_> {
    /// `Layer of [ReLUNeuron(2), ReLUNeuron(2)]`, as micrograd prints.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Layer of [")?;
        for (i, n) in self.neurons.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{n}")?;
        }
        f.write_str("]")
    }
}
