//! Weighted sums `act(b + Σ wᵢ·xᵢ)` as one node each, and recognising the runs of consecutive
//! nodes their weights and inputs usually are (a layer's parameters, the previous layer's
//! outputs), which the tape keeps as two positions instead of a list.

use crate::op::Activation;
use crate::tape::{Tape, Terms};

use super::{Graph, Value};

impl Graph {
    /// `bias + Σ weights[i] * inputs[i]` as one node, as a neuron computes before its activation.
    ///
    /// ```
    /// use micrograd::Graph;
    ///
    /// let g = Graph::new();
    /// let w = [g.value(2.0), g.value(-1.0)];
    /// let x = [g.value(3.0), g.value(4.0)];
    /// let n = g.weighted_sum(g.value(0.5), &w, &x);
    /// assert_eq!(n.data(), 2.5);
    /// n.backward();
    /// assert_eq!((w[0].grad(), x[1].grad()), (3.0, -1.0));
    /// ```
    ///
    /// # Panics
    /// If `weights` and `inputs` differ in length, or a value belongs to another graph or was freed.
    pub fn weighted_sum<'g>(
        &'g self,
        bias: Value<'g>,
        weights: &[Value<'g>],
        inputs: &[Value<'g>],
    ) -> Value<'g> {
        let neuron = [(bias, weights)];
        self.weighted_sums(inputs, neuron, Activation::Linear)[0]
    }

    /// A layer's neurons over the same inputs: `activation(bias + Σ weights[i] * inputs[i])` for each
    /// `(bias, weights)`, each neuron one [`Op::WeightedSum`](crate::Op::WeightedSum) node, made one after another (so the
    /// results are a run of consecutive nodes, which the next layer reads as one). The inputs are
    /// checked once. The numbers, and the gradients of everything else, are exactly those of a
    /// weighted sum followed by its activation's node, with half the nodes.
    ///
    /// ```
    /// use micrograd::nn::Activation;
    /// use micrograd::{Graph, Op};
    ///
    /// let g = Graph::new();
    /// let x = [g.value(1.0), g.value(2.0)];
    /// let (w1, w2) = ([g.value(0.5), g.value(0.5)], [g.value(-1.0), g.value(1.0)]);
    /// let neurons = [(g.value(-2.0), &w1[..]), (g.value(1.0), &w2[..])];
    /// let out = g.weighted_sums(&x, neurons, Activation::Relu);
    /// assert_eq!((out[0].data(), out[1].data()), (0.0, 2.0));
    /// assert_eq!(out[1].op(), Op::WeightedSum(Activation::Relu));
    /// ```
    ///
    /// # Panics
    /// As [`Graph::weighted_sum`].
    pub fn weighted_sums<'g, 'w>(
        &'g self,
        inputs: &[Value<'g>],
        neurons: impl IntoIterator<Item = (Value<'g>, &'w [Value<'g>])>,
        activation: Activation,
    ) -> Vec<Value<'g>>
    where
        'g: 'w,
    {
        let mut t = self.tape_mut();
        let inputs = self.checked_terms(&t, inputs);
        let generation = t.generation();
        neurons
            .into_iter()
            .map(|(bias, weights)| {
                let bias = self.checked(&t, bias, "weighted_sum");
                let weights = self.checked_terms(&t, weights);
                let index = t.push_weighted_sum(activation, bias, &weights, &inputs);
                Value::new(self, index, generation)
            })
            .collect()
    }

    /// [`Graph::weighted_sum`] whose weights and inputs are the `n` nodes from `weights` and from
    /// `inputs`, runs already checked alive in this step: the same node, without a check per term,
    /// and without adding the terms up if the caller knows their sum (`known_sum`, the bits that
    /// adding them in order gives).
    pub(crate) fn weighted_sum_of_runs<'g>(
        &'g self,
        bias: Value<'g>,
        weights: u32,
        inputs: u32,
        n: u32,
        known_sum: Option<f64>,
    ) -> Value<'g> {
        let mut t = self.tape_mut();
        let bias = self.checked(&t, bias, "weighted_sum");
        let (weights, inputs) = (
            Terms::Run { first: weights, n },
            Terms::Run { first: inputs, n },
        );
        let index =
            t.push_weighted_sum_known(Activation::Linear, bias, &weights, &inputs, known_sum);
        Value::new(self, index, t.generation())
    }

    /// The tape indices of a weighted sum's inputs (or weights), checked alive.
    fn checked_terms(&self, t: &Tape, values: &[Value<'_>]) -> Terms {
        if let Some(first) = self.checked_run(t, values) {
            Terms::Run {
                first,
                n: values.len() as u32,
            }
        } else {
            Terms::Listed(
                values
                    .iter()
                    .map(|v| self.checked(t, *v, "weighted_sum"))
                    .collect(),
            )
        }
    }

    /// The tape index of the first of `values` if they are a run of consecutive nodes, checked
    /// alive; `None` if they are not a run.
    pub(crate) fn checked_run(&self, t: &Tape, values: &[Value<'_>]) -> Option<u32> {
        is_run(values).then(|| self.checked_run_ends(t, values))
    }

    /// The tape index of the first of `values`, which [`is_run`] found to be a run, checked alive.
    ///
    /// # Panics
    /// If `values` is empty, or its nodes were freed or belong to another graph.
    pub(crate) fn checked_run_ends(&self, t: &Tape, values: &[Value<'_>]) -> u32 {
        // Every node of a run is alive if its first and last are and all its handles come from one
        // generation, since generations never decrease along the tape.
        let first = self.checked(t, values[0], "weighted_sum");
        self.checked(t, values[values.len() - 1], "weighted_sum");
        first
    }
}

/// Whether `values` are consecutive nodes made in one generation: a property of the handles
/// alone, so a caller that keeps the same handles (a trainer's parameters) asks once.
pub(crate) fn is_run(values: &[Value<'_>]) -> bool {
    let Some(first) = values.first() else {
        return false;
    };
    // Consecutive indices from one generation are consecutive keys. Each block is compared
    // whole, without a branch per handle, so that the compiler can compare several at once.
    const BLOCK: usize = 64;
    values
        .chunks(BLOCK)
        .zip((first.key..).step_by(BLOCK))
        .all(|(block, key)| {
            let differ = (key..)
                .zip(block)
                .fold(0, |acc, (key, v)| acc | (v.key ^ key));
            differ == 0
        })
}
