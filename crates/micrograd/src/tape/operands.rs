//! How a weighted-sum node lists its operands beside the tape: the bias, then either each weight
//! and input, or, when the weights and the inputs are each a run of consecutive nodes (as a layer's
//! parameters and the previous layer's outputs are), just where the two runs start, so that both
//! passes read them as slices.

/// In a weighted-sum node's term count: the weights and the inputs are each a run of consecutive
/// nodes, as a layer's parameters and its inputs usually are.
pub(super) const RUNS: u32 = 1 << 31;

/// The operands of a weighted-sum node `act(bias + Σ wᵢ·xᵢ)`.
pub(crate) enum Operands<'a> {
    /// Any weights and inputs, listed: `pairs` is `[w0, x0, w1, x1, …]`.
    Listed { bias: u32, pairs: &'a [u32] },
    /// Two runs: `n` weights from node `weights` on and `n` inputs from node `inputs` on. Reading them as
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
    pub(super) fn nodes(&self) -> Vec<u32> {
        match *self {
            Operands::Listed { bias, pairs } => {
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
        Operands::Listed {
            bias: operands[start],
            pairs: &operands[start + 1..start + 1 + 2 * count as usize],
        }
    }
}

/// Tape indices of a weighted sum's weights or inputs, in the two forms [`Operands`] stores: a run
/// of consecutive nodes, or a list.
pub(crate) enum Terms {
    /// Nodes `first .. first + n`.
    Run { first: u32, n: u32 },
    /// Any nodes, listed.
    Listed(Vec<u32>),
}

impl Terms {
    pub(super) fn len(&self) -> usize {
        match self {
            Terms::Run { n, .. } => *n as usize,
            Terms::Listed(indices) => indices.len(),
        }
    }

    pub(super) fn get(&self, k: usize) -> u32 {
        match self {
            Terms::Run { first, .. } => first + k as u32,
            Terms::Listed(indices) => indices[k],
        }
    }
}
