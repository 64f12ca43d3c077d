//! Pushing weighted-sum nodes `act(b + Σ wᵢ·xᵢ)`: one at a time with any operands, or a whole
//! layer's at once over runs of consecutive nodes (see [`super::operands`] for how their operands
//! are kept), and the sum a node's operands add up to.

use super::operands::{decode_operands, Operands, Terms, RUNS};
use super::{Node, Tape};
use crate::op::{Activation, Op};

impl Tape {
    /// Appends the weighted sum `activation(bias + Σ weights[k] · inputs[k])`, computed with its
    /// forward rule; returns its index.
    ///
    /// # Panics
    /// If `weights` and `inputs` differ in length.
    pub(crate) fn push_weighted_sum(
        &mut self,
        activation: Activation,
        bias: u32,
        weights: &Terms,
        inputs: &Terms,
    ) -> u32 {
        self.push_weighted_sum_known(activation, bias, weights, inputs, None)
    }

    /// [`Tape::push_weighted_sum`], with the sum `bias + Σ weights[k] · inputs[k]` (in order) given
    /// by a caller who already knows its bits, or computed here if `None`. Debug builds check it.
    pub(crate) fn push_weighted_sum_known(
        &mut self,
        activation: Activation,
        bias: u32,
        weights: &Terms,
        inputs: &Terms,
        known_sum: Option<f64>,
    ) -> u32 {
        assert_eq!(
            weights.len(),
            inputs.len(),
            "Graph::weighted_sum: {} weights for {} inputs",
            weights.len(),
            inputs.len()
        );
        let n = weights.len() as u32;
        assert!(n < RUNS, "Graph::weighted_sum: too many terms");
        let args = match (weights, inputs) {
            (Terms::Run { first: w, .. }, Terms::Run { first: x, .. }) => {
                self.push_run_operands(bias, *w, *x, n)
            }
            (weights, inputs) => {
                let start = self.operands.len() as u32;
                self.operands.reserve(1 + 2 * weights.len());
                self.operands.push(bias);
                for k in 0..weights.len() {
                    self.operands.extend([weights.get(k), inputs.get(k)]);
                }
                [start, n]
            }
        };
        let op = Op::WeightedSum(activation);
        let sum = match known_sum {
            Some(sum) => {
                debug_assert_eq!(
                    sum.to_bits(),
                    self.sum_of(args).to_bits(),
                    "a weighted sum given as known is not the sum of its terms"
                );
                sum
            }
            None => self.sum_of(args),
        };
        let data = op.forward(sum, 0.0);
        self.push(op, args, data)
    }

    /// Appends a layer's weighted sums over the run of `n` inputs from `inputs`: one node per neuron
    /// `(bias, first weight)`, in order, whose `outputs` (after the activation) the caller already
    /// computed; returns the first's index. The speed path uses it for the sums it computes side
    /// by side.
    pub(crate) fn push_run_layer(
        &mut self,
        activation: Activation,
        neurons: &[(u32, u32)],
        [inputs, n]: [u32; 2],
        outputs: impl Iterator<Item = f64>,
    ) -> u32 {
        let first = self.nodes.len();
        assert!(
            first + neurons.len() < u32::MAX as usize,
            "Graph: more than 4 billion nodes on one tape"
        );
        assert!(n < RUNS, "Graph::weighted_sum: too many terms");
        let op = Op::WeightedSum(activation);
        let mut start = self.operands.len() as u32;
        self.operands.reserve(3 * neurons.len());
        self.nodes.reserve(neurons.len());
        for &(bias, weights) in neurons {
            self.operands.extend([bias, weights, inputs]);
            self.nodes
                .push(Node::new(op, [start, n | RUNS], self.generation));
            start += 3;
        }
        self.data.extend(outputs.take(neurons.len()));
        assert_eq!(
            self.data.len(),
            self.nodes.len(),
            "micrograd: a layer's outputs are missing"
        );
        self.hints.pushed_run(first, op, &self.data[first..]);
        first as u32
    }

    fn push_run_operands(&mut self, bias: u32, weights: u32, inputs: u32, n: u32) -> [u32; 2] {
        assert!(n < RUNS, "Graph::weighted_sum: too many terms");
        let start = self.operands.len() as u32;
        self.operands.extend([bias, weights, inputs]);
        [start, n | RUNS]
    }

    /// The sum `b + Σ wᵢ·xᵢ` of the weighted-sum node with arguments `args`, before its activation.
    pub(super) fn sum_of(&self, args: [u32; 2]) -> f64 {
        let data = &self.data;
        match decode_operands(&self.operands, args) {
            Operands::Listed { bias, pairs } => crate::op::weighted_sum(
                data[bias as usize],
                pairs
                    .chunks_exact(2)
                    .map(|p| (data[p[0] as usize], data[p[1] as usize])),
            ),
            Operands::Runs {
                bias,
                weights,
                inputs,
                n,
            } => {
                let ws = &data[weights as usize..][..n as usize];
                let xs = &data[inputs as usize..][..n as usize];
                crate::op::weighted_sum(
                    data[bias as usize],
                    ws.iter().copied().zip(xs.iter().copied()),
                )
            }
        }
    }
}
