//! The weighted-sum node `bias + Σ wᵢ·xᵢ`: a neuron's pre-activation as one n-ary node of the tape,
//! or, with its activation applied in the same node, a whole neuron ([`Op::ReluSum`], …).
//!
//! Its operands are kept beside the tape. When the weights and the inputs are each a run of
//! consecutive nodes (as a layer's parameters and the previous layer's outputs are), the node stores
//! just where the two runs start and both passes read them as slices; otherwise it lists each weight
//! and input.

use crate::graph::{Graph, Tape};
use crate::op::Op;
use crate::value::Value;

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
        let mut t = self.tape.borrow_mut();
        let inputs = self.checked_terms(&t, inputs);
        self.push_weighted_sum(&mut t, Op::WeightedSum, bias, weights, &inputs)
    }

    /// A layer's neurons over the same inputs: `activation(bias + Σ weights[i] * inputs[i])` for each
    /// `(bias, weights)`, each neuron one node, made one after another (so the results are a run of
    /// consecutive nodes, which the next layer reads as one). The inputs are checked once.
    ///
    /// `activation` is `None` for plain [`Op::WeightedSum`] nodes, as [`Graph::weighted_sum`] makes,
    /// or [`Op::Relu`], [`Op::Tanh`] or [`Op::Sigmoid`], applied in the same node
    /// ([`Op::ReluSum`], …): the numbers, and the gradients of everything else, are exactly those
    /// of a weighted sum followed by its activation's node, with half the nodes.
    ///
    /// ```
    /// use micrograd::{Graph, Op};
    ///
    /// let g = Graph::new();
    /// let x = [g.value(1.0), g.value(2.0)];
    /// let (w1, w2) = ([g.value(0.5), g.value(0.5)], [g.value(-1.0), g.value(1.0)]);
    /// let neurons = [(g.value(-2.0), &w1[..]), (g.value(1.0), &w2[..])];
    /// let out = g.weighted_sums(&x, neurons, Some(Op::Relu));
    /// assert_eq!((out[0].data(), out[1].data()), (0.0, 2.0));
    /// assert_eq!(out[1].op(), Op::ReluSum);
    /// ```
    ///
    /// # Panics
    /// As [`Graph::weighted_sum`], and if `activation` is another operation.
    pub fn weighted_sums<'g, 'w>(
        &'g self,
        inputs: &[Value<'g>],
        neurons: impl IntoIterator<Item = (Value<'g>, &'w [Value<'g>])>,
        activation: Option<Op>,
    ) -> Vec<Value<'g>>
    where
        'g: 'w,
    {
        let op = sum_op(activation);
        let mut t = self.tape.borrow_mut();
        let inputs = self.checked_terms(&t, inputs);
        neurons
            .into_iter()
            .map(|(bias, weights)| self.push_weighted_sum(&mut t, op, bias, weights, &inputs))
            .collect()
    }

    /// The tape indices of a weighted sum's inputs (or weights), checked alive.
    fn checked_terms(&self, t: &Tape, values: &[Value<'_>]) -> Terms {
        if let Some(first) = self.checked_run(t, values) {
            Terms::Run {
                first,
                n: values.len() as u32,
            }
        } else {
            Terms::Scattered(
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
        if !is_run(values) {
            return None;
        }
        // Every node of a run is alive if its first and last are and all its handles come from one
        // epoch (`is_run` checks that), since epochs never decrease along the tape.
        let first = self.checked(t, values[0], "weighted_sum");
        self.checked(t, values[values.len() - 1], "weighted_sum");
        Some(first)
    }

    fn push_weighted_sum<'g>(
        &'g self,
        t: &mut Tape,
        op: Op,
        bias: Value<'g>,
        weights: &[Value<'g>],
        inputs: &Terms,
    ) -> Value<'g> {
        assert_eq!(
            weights.len(),
            inputs.len(),
            "Graph::weighted_sum: {} weights for {} inputs",
            weights.len(),
            inputs.len()
        );
        let n = weights.len() as u32;
        assert!(n < RUNS, "Graph::weighted_sum: too many terms");
        let start = t.operands.len() as u32;
        let bias = self.checked(t, bias, "weighted_sum");
        let args = match (self.checked_terms(t, weights), inputs) {
            (Terms::Run { first: w, .. }, Terms::Run { first: x, .. }) => {
                push_run_operands(t, bias, w, *x, n)
            }
            (weights, inputs) => {
                t.operands.reserve(1 + 2 * weights.len());
                t.operands.push(bias);
                for k in 0..weights.len() {
                    t.operands.extend([weights.get(k), inputs.get(k)]);
                }
                [start, n]
            }
        };
        let data = weighted_sum_forward(op, &t.data, &t.operands, args);
        self.push_to(t, op, args, data)
    }
}

/// The weighted-sum operation that applies `activation` (`None`: a plain [`Op::WeightedSum`]).
///
/// # Panics
/// If `activation` is not [`Op::Relu`], [`Op::Tanh`] or [`Op::Sigmoid`].
pub(crate) fn sum_op(activation: Option<Op>) -> Op {
    match activation {
        None => Op::WeightedSum,
        Some(a) => Op::weighted_sum_with(a).unwrap_or_else(|| {
            panic!("Graph::weighted_sums: {a:?} is not an activation (relu, tanh or sigmoid)")
        }),
    }
}

/// Appends the operands of a weighted sum of `n` terms whose weights are the run of nodes from
/// `weights` and whose inputs are the run from `inputs`; returns the node's `args`.
pub(crate) fn push_run_operands(
    t: &mut Tape,
    bias: u32,
    weights: u32,
    inputs: u32,
    n: u32,
) -> [u32; 2] {
    assert!(n < RUNS, "Graph::weighted_sum: too many terms");
    let start = t.operands.len() as u32;
    t.operands.extend([bias, weights, inputs]);
    [start, n | RUNS]
}

/// In a weighted-sum node's term count: the weights and the inputs are each a run of consecutive
/// nodes, as a layer's parameters and its inputs usually are.
const RUNS: u32 = 1 << 31;

/// The operands of a weighted-sum node `bias + Σ wᵢ·xᵢ`.
pub(crate) enum Operands<'a> {
    /// Any weights and inputs: `pairs` is `[w0, x0, w1, x1, …]`.
    Pairs { bias: u32, pairs: &'a [u32] },
    /// `n` weights from node `weights` on and `n` inputs from node `inputs` on. Reading them as
    /// slices instead of through an index per term is most of a network's speed.
    Runs {
        bias: u32,
        weights: u32,
        inputs: u32,
        n: u32,
    },
}

impl Operands<'_> {
    /// The bias, then each weight and its input.
    pub(crate) fn nodes(&self) -> Vec<u32> {
        match *self {
            Operands::Pairs { bias, pairs } => {
                std::iter::once(bias).chain(pairs.iter().copied()).collect()
            }
            Operands::Runs {
                bias,
                weights,
                inputs,
                n,
            } => std::iter::once(bias)
                .chain((0..n).flat_map(|k| [weights + k, inputs + k]))
                .collect(),
        }
    }
}

/// Decodes the operands of a weighted-sum node from its `args`.
pub(crate) fn decode_operands(operands: &[u32], [start, count]: [u32; 2]) -> Operands<'_> {
    let start = start as usize;
    if count & RUNS != 0 {
        let [bias, weights, inputs] = operands[start..start + 3] else {
            unreachable!("three operands")
        };
        Operands::Runs {
            bias,
            weights,
            inputs,
            n: count & !RUNS,
        }
    } else {
        Operands::Pairs {
            bias: operands[start],
            pairs: &operands[start + 1..start + 1 + 2 * count as usize],
        }
    }
}

/// Checked tape indices of a weighted sum's weights or inputs.
enum Terms {
    /// Nodes `first .. first + n`.
    Run { first: u32, n: u32 },
    /// Any nodes.
    Scattered(Vec<u32>),
}

impl Terms {
    fn len(&self) -> usize {
        match self {
            Terms::Run { n, .. } => *n as usize,
            Terms::Scattered(indices) => indices.len(),
        }
    }

    fn get(&self, k: usize) -> u32 {
        match self {
            Terms::Run { first, .. } => first + k as u32,
            Terms::Scattered(indices) => indices[k],
        }
    }
}

/// Whether the values are consecutive nodes of the tape, all made in the same epoch.
fn is_run(values: &[Value<'_>]) -> bool {
    let Some(first) = values.first() else {
        return false;
    };
    // Consecutive indices from one epoch are consecutive keys.
    (first.key..)
        .zip(values)
        .all(|(expected, v)| v.key == expected)
}

/// The forward rule of the weighted sums: `bias + Σ wᵢ·xᵢ`, summed in order, then the activation
/// of `op` if it has one.
pub(crate) fn weighted_sum_forward(op: Op, data: &[f64], operands: &[u32], args: [u32; 2]) -> f64 {
    let sum = match decode_operands(operands, args) {
        Operands::Pairs { bias, pairs } => {
            pairs.chunks_exact(2).fold(data[bias as usize], |acc, p| {
                acc + data[p[0] as usize] * data[p[1] as usize]
            })
        }
        Operands::Runs {
            bias,
            weights,
            inputs,
            n,
        } => {
            let ws = &data[weights as usize..][..n as usize];
            let xs = &data[inputs as usize..][..n as usize];
            ws.iter()
                .zip(xs)
                .fold(data[bias as usize], |acc, (w, x)| acc + w * x)
        }
    };
    activate(op, sum)
}

/// The activation of the weighted-sum operation `op` applied to its sum.
pub(crate) fn activate(op: Op, sum: f64) -> f64 {
    match op.activation() {
        Some(activation) => activation.forward(sum, 0.0),
        None => sum,
    }
}
