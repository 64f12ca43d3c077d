//! [`Neuron`]: `activation(Σ wᵢxᵢ + b)`, as one weighted-sum node and one activation node.

use std::fmt;

use super::{Activation, Init, Module};
use crate::graph::{Graph, Value};
use crate::op;
use crate::rng::Rng;

/// One neuron: weights, a bias and an activation.
///
/// ```
/// use micrograd::nn::{Activation, Module, Neuron};
/// use micrograd::Graph;
///
/// let g = Graph::new();
/// let n = Neuron::new(&g, 3, Activation::Tanh, 0);
/// let x = [g.value(1.0), g.value(-2.0), g.value(0.5)];
/// let y = n.forward(&x);
/// assert!(y.data().abs() < 1.0);
/// assert_eq!(n.parameters().len(), 4);
/// assert_eq!(n.to_string(), "TanhNeuron(3)");
/// ```
#[derive(Clone, Debug)]
pub struct Neuron<'g> {
    w: Vec<Value<'g>>,
    b: Value<'g>,
    activation: Activation,
}

impl<'g> Neuron<'g> {
    /// A neuron with `n_inputs` weights drawn uniformly from [-1, 1) with the seed `seed`, and a bias of
    /// 0, as micrograd's `Neuron`.
    pub fn new(graph: &'g Graph, n_inputs: usize, activation: Activation, seed: u64) -> Self {
        Self::with_rng(graph, n_inputs, activation, &mut Rng::new(seed))
    }

    /// As [`Neuron::new`], drawing the weights from `rng`.
    pub fn with_rng(
        graph: &'g Graph,
        n_inputs: usize,
        activation: Activation,
        rng: &mut Rng,
    ) -> Self {
        Self::with_init(graph, n_inputs, activation, Init::Micrograd, rng)
    }

    /// A neuron initialized by `init`, drawing from `rng`.
    pub fn with_init(
        graph: &'g Graph,
        n_inputs: usize,
        activation: Activation,
        init: Init,
        rng: &mut Rng,
    ) -> Self {
        let (w_bound, b_bound) = init.bounds(n_inputs);
        let w = (0..n_inputs)
            .map(|_| graph.value(rng.uniform(-w_bound, w_bound)))
            .collect();
        let b = if b_bound == 0.0 {
            0.0
        } else {
            rng.uniform(-b_bound, b_bound)
        };
        Neuron {
            w,
            b: graph.value(b),
            activation,
        }
    }

    /// A neuron with the given weights and bias (each a new leaf).
    pub fn from_weights(
        graph: &'g Graph,
        weights: &[f64],
        bias: f64,
        activation: Activation,
    ) -> Self {
        Neuron {
            w: weights.iter().map(|&w| graph.value(w)).collect(),
            b: graph.value(bias),
            activation,
        }
    }

    /// The weights, one per input.
    pub fn weights(&self) -> &[Value<'g>] {
        &self.w
    }

    /// The bias.
    pub fn bias(&self) -> Value<'g> {
        self.b
    }

    /// The function applied to the weighted sum.
    pub fn activation(&self) -> Activation {
        self.activation
    }

    /// The number of inputs.
    pub fn n_inputs(&self) -> usize {
        self.w.len()
    }

    /// `activation(Σ wᵢxᵢ + b)`: one weighted-sum node, then the activation's node.
    ///
    /// # Panics
    /// If `x` does not have one value per weight.
    pub fn forward(&self, x: &[Value<'g>]) -> Value<'g> {
        assert_eq!(
            x.len(),
            self.w.len(),
            "Neuron::forward: {} inputs for a neuron of {} weights",
            x.len(),
            self.w.len()
        );
        self.activation.apply(self.weighted_sum(x))
    }

    /// `Σ wᵢxᵢ + b` as one node, before the activation.
    pub fn weighted_sum(&self, x: &[Value<'g>]) -> Value<'g> {
        self.b.graph().weighted_sum(self.b, &self.w, x)
    }

    /// The output for plain numbers, computed without building graph nodes (added as the node
    /// adds, so the same number as [`forward`](Neuron::forward)).
    pub fn predict(&self, x: &[f64]) -> f64 {
        let terms = self.w.iter().map(|w| w.data()).zip(x.iter().copied());
        self.activation
            .forward(op::weighted_sum(self.b.data(), terms))
    }
}

impl<'g> Module<'g> for Neuron<'g> {
    fn parameters(&self) -> Vec<Value<'g>> {
        let mut p = self.w.clone();
        p.push(self.b);
        p
    }

    fn num_parameters(&self) -> usize {
        self.w.len() + 1
    }
}

impl fmt::Display for Neuron<'_> {
    /// `ReLUNeuron(2)`, `LinearNeuron(16)`…, as micrograd prints.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}Neuron({})",
            self.activation.display_name(),
            self.w.len()
        )
    }
}
