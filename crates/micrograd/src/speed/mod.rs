//! The speed path: the same numbers as the plain sweep ([`crate::backward`]) and the general
//! weighted sum, bit for bit, with less work. Property tests compare the two.
//!
//! - **Backward pass.** [`backward`] is the plain reverse sweep with three shortcuts:
//!   - *zero-gradient skipping*: a node whose gradient is 0 sends only ±0 to its inputs, which changes
//!     no sum, so it is skipped, and with it everything only it reaches. This holds while every data
//!     the pass reads is finite and no node below has a rule that can blow up on a zero gradient
//!     ([`Op::derivative_can_blow_up`], as `sqrt'(0)`); the tape tracks the first of each, and a
//!     rewind past them lifts the restriction again. A late training step is mostly satisfied
//!     margins and dead ReLUs, so most of its graph is skipped.
//!   - *a reached bit set*: one bit per node says whether the pass reaches it, instead of a `bool`,
//!     and only where zero-gradient skipping does not hold: where it does, a node is skipped when
//!     its gradient is 0, and every other gradient was reached, so the gradient alone decides.
//!   - *the last adjoint in a register*: the pass keeps the adjoint it wrote last and reads it back
//!     from there when the sweep arrives at that node, which is usually next (in a chain each node's
//!     input is the node below it), so the chain does not wait on memory at every node.
//!   - *constants skipped*: nothing is added to a constant's adjoint (its gradient is never read,
//!     and the plain sweep leaves it out too), so the sweep passes over it.
//!   - *reused buffers*: the pass works in a scratch buffer of adjoints that lives on the tape; when
//!     every gradient is 0 (after `zero_grad`) the buffer is moved into the gradients instead of
//!     added, and the old gradients' memory becomes the next scratch buffer.
//! - **Batch forward.** [`DenseLayer`] checks a layer's parameters once for a whole batch (the
//!   general path checks every handle, every sample), and [`forward_batch`] computes a layer for
//!   all the batch's samples at once (see [`batch`]).
//! - **Wide registers.** The weighted sums' loops run four numbers to a register where the
//!   processor allows it, with the same bits (see [`simd`]).
//! - **Parameters as slices.** [`update_parameters`] hands an optimizer the parameters' data and
//!   gradients as two slices (see [`params`]).
//! - **The L2 penalty summed by the update.** The trainer's `StepWatch` sees each chunk of the update as it
//!   is written: it keeps the step's restore point and adds the new values' squares in order,
//!   which the update's divisions leave time for. The tape's [`crate::hints`] keep the sum until a
//!   parameter may change, and the next step's penalty node takes it instead of adding up its
//!   terms again ([`l2_of_run`]); debug builds check the bits. A weighted sum of a run with itself
//!   sends its two contributions to each node in one pass.
//! - **Huge pages.** A long graph's buffers are mapped in 2 MiB pages where the system allows it
//!   (`tape/pages.rs`): most of a one-off graph's cost is otherwise the kernel handing out and
//!   clearing 4 KiB pages.
//! - **Threads** run with the trainer (`train/threads.rs`), built on this module's batch forward;
//!   the arithmetic of a hidden layer split by neurons is here (`batch/split.rs`). Scoring a data
//!   set on a frozen copy of a model's parameters is not: that is the model's (`nn/frozen.rs`).

mod batch;
mod params;
pub(crate) mod simd;

pub(crate) use batch::{forward_batch, split};
pub(crate) use params::{
    group_bounds, l2_of_run, load_parameters, parameter_data_ptr, parameter_run, take_gradients,
    unchanged_since_update, update_parameters, RangeSquares,
};

use crate::graph::{Graph, Value};
use crate::hints::Scratch;
use crate::op::{Activation, BackwardError, Op};
use crate::tape::{decode_operands, pages, Node, Operands, Sweep, Tape};

/// Runs backpropagation from node `out`, as [`crate::backward::backward`] does.
///
/// A node whose backward rule was supplied from outside ([`Op::Custom`]) is run as the plain
/// sweep runs it: at its turn the tape is released, the pass's adjoints stand in the gradients,
/// and its rule is called; the nodes between two such nodes are swept with every shortcut.
pub(crate) fn backward(graph: &Graph, out: usize) -> Result<(), BackwardError> {
    let _pass = graph.begin_pass()?;
    let n = out + 1;
    let mut t = graph.tape_mut();
    let Scratch {
        mut adjoint,
        mut reached,
    } = t.hints_mut().take_scratch();
    adjoint.clear();
    pages::resize_zeroed(&mut adjoint, n);
    reached.clear();
    reached.resize(n.div_ceil(64), 0);
    let hints = t.hints();
    // The pass reads only nodes up to `out`.
    let all_finite = hints
        .first_non_finite()
        .is_none_or(|first| first as usize > out);
    let mut pass = Pass {
        adjoint,
        reached,
        all_finite,
        skip_zero_below: match (all_finite, hints.first_blow_up()) {
            (false, _) => 0,
            (true, Some(first)) => first as usize,
            (true, None) => usize::MAX,
        },
        last_run_checked: (0, 0, false),
        last_added: (usize::MAX, 0.0),
    };
    pass.add(out as u32, 1.0);
    // Inputs and constants pass nothing back: the sweep ends at the first computed node.
    let bottom = hints
        .first_computed()
        .map_or(n, |first| (first as usize).min(n));
    let skip_from = pass.skip_zero_below.clamp(bottom, n);
    // A custom node's rule can blow up, so every custom node lies at or above `skip_from`.
    let customs: Vec<u32> = t.customs_below(out).collect();
    let mut top = n;
    for custom in customs {
        let custom = custom as usize;
        sweep_reached(&t, &mut pass, custom + 1..top);
        top = custom;
        if pass.reached(custom) {
            drop(t);
            let g = pass.adjoint[custom];
            let contributions = match graph.call_rule(custom, g, Some(&mut pass.adjoint)) {
                Ok(contributions) => contributions,
                Err(error) => {
                    graph
                        .tape_mut()
                        .hints_mut()
                        .put_scratch(pass.into_scratch());
                    return Err(error);
                }
            };
            // The rule wrote adjoints past `Pass::add`.
            pass.last_added.0 = usize::MAX;
            for (input, contribution) in contributions {
                pass.add(input, contribution);
            }
            t = graph.tape_mut();
        }
    }
    sweep_reached(&t, &mut pass, skip_from..top);
    // Below, a node with gradient 0 is skipped whether reached or not, and one with any other
    // gradient was reached (the others hold exactly +0), so the gradient alone decides.
    let Sweep {
        nodes,
        data,
        operands,
        ..
    } = t.sweep();
    for i in (bottom..skip_from).rev() {
        let g = pass.adjoint_of(i);
        if g != 0.0 {
            propagate(nodes, i, g, data, operands, &mut pass);
        }
    }
    // Nodes the pass does not reach have adjoint 0, so adding everything is exact. Adjoints are
    // never -0 (they start at +0), so moving them in equals adding them to zeros.
    let mut scratch = pass.into_scratch();
    scratch.adjoint.truncate(n);
    let grad = t.grads_stored();
    if grad.is_empty() {
        std::mem::swap(grad, &mut scratch.adjoint);
    } else {
        if grad.len() < n {
            pages::resize_zeroed(grad, n);
        }
        for (grad, a) in grad.iter_mut().zip(&scratch.adjoint) {
            *grad += a;
        }
    }
    t.hints_mut().put_scratch(scratch);
    Ok(())
}

/// Sweeps the nodes of `range` from the top down, each one the pass reached passing its gradient
/// on (a node the pass does not reach has adjoint 0 but must not propagate: 0 times an infinite
/// local derivative would be NaN). No node of the range is a custom node.
fn sweep_reached(t: &Tape, pass: &mut Pass, range: std::ops::Range<usize>) {
    let Sweep {
        nodes,
        data,
        operands,
        ..
    } = t.sweep();
    for i in range.rev() {
        if pass.reached(i) {
            propagate(nodes, i, pass.adjoint[i], data, operands, pass);
        }
    }
}

/// A backward pass's adjoints, with a bit per node marking the nodes that received a contribution
/// (kept only from [`Pass::skip_zero_below`] up: below it the adjoint alone tells, see [`backward`]).
struct Pass {
    adjoint: Vec<f64>,
    reached: Vec<u64>,
    /// No data the pass reads is NaN or infinite.
    all_finite: bool,
    /// Below this index a node whose gradient is 0 is skipped (see [`Pass::drops`]).
    skip_zero_below: usize,
    /// The last run of a weighted sum's inputs checked for constants, `(first, n)`, and whether
    /// all were: a layer's neurons share their inputs, so each run is checked once, not per neuron.
    last_run_checked: (u32, u32, bool),
    /// The node [`Pass::add`] wrote last and the adjoint it wrote, or `usize::MAX`: read from here
    /// instead of from memory when the sweep reaches that node next, which it often does (a node's
    /// input is often the node just below it), so that the chain of adjoints does not wait for a
    /// store to come back from memory.
    last_added: (usize, f64),
}

impl Pass {
    /// Whether the `n` nodes from `first` are all constants, which take no gradient.
    #[inline(always)]
    fn all_constants(&mut self, nodes: &[Node], first: u32, n: u32) -> bool {
        let (last_first, last_n, all) = self.last_run_checked;
        if (last_first, last_n) == (first, n) {
            return all;
        }
        let all = nodes[first as usize..][..n as usize]
            .iter()
            .all(|node| node.op() == Op::Const);
        self.last_run_checked = (first, n, all);
        all
    }

    /// The buffers, for the next pass to reuse.
    fn into_scratch(self) -> Scratch {
        Scratch {
            adjoint: self.adjoint,
            reached: self.reached,
        }
    }

    fn reached(&self, i: usize) -> bool {
        self.reached[i / 64] & (1 << (i % 64)) != 0
    }

    /// Whether node `i` may skip sending back the gradient `g`. A zero gradient with finite data and
    /// no rule that can blow up below would send ±0 to every input, and adding ±0 changes no adjoint
    /// (they start at +0, and a sum in round-to-nearest is -0 only when both terms are).
    #[inline(always)]
    fn drops(&self, i: usize, g: f64) -> bool {
        g == 0.0 && i < self.skip_zero_below
    }

    /// Node `i`'s adjoint, from [`Pass::last_added`] if it is that node's.
    #[inline(always)]
    fn adjoint_of(&self, i: usize) -> f64 {
        let (last, adjoint) = self.last_added;
        if last == i {
            adjoint
        } else {
            self.adjoint[i]
        }
    }

    #[inline(always)]
    fn add(&mut self, node: u32, contribution: f64) {
        let i = node as usize;
        let sum = self.adjoint[i] + contribution;
        self.adjoint[i] = sum;
        self.last_added = (i, sum);
        if i >= self.skip_zero_below {
            self.reached[i / 64] |= 1 << (i % 64);
        }
    }

    /// Adds `contribution` to `node`'s adjoint unless it is a constant, which takes no gradient
    /// (as in the plain sweep): the constant is then skipped when the sweep reaches it.
    #[inline(always)]
    fn add_unless_constant(&mut self, nodes: &[Node], node: u32, contribution: f64) {
        if nodes[node as usize].op() != Op::Const {
            self.add(node, contribution);
        }
    }

    /// Adds `scale * values[k]` to node `first + k`, for a run of consecutive nodes.
    #[inline(always)]
    fn add_scaled(&mut self, first: u32, scale: f64, values: &[f64]) {
        self.add_scaled_with(first, scale, values, simd::add_scaled);
    }

    /// Adds `scale * values[k]` to node `first + k` twice (a run that is both a weighted sum's
    /// weights and its inputs).
    #[inline(always)]
    fn add_scaled_twice(&mut self, first: u32, scale: f64, values: &[f64]) {
        self.add_scaled_with(first, scale, values, simd::add_scaled_twice);
    }

    /// Adds to the run of nodes from `first` with `add(adjoints, scale, values)`, and marks them
    /// reached.
    #[inline(always)]
    fn add_scaled_with(
        &mut self,
        first: u32,
        scale: f64,
        values: &[f64],
        add: fn(&mut [f64], f64, &[f64]),
    ) {
        let first = first as usize;
        self.last_added.0 = usize::MAX;
        // With a zero scale and finite values every contribution is ±0, which changes no adjoint.
        if !(scale == 0.0 && self.all_finite) {
            add(&mut self.adjoint[first..][..values.len()], scale, values);
        }
        let (from, end) = (first.max(self.skip_zero_below), first + values.len());
        if from < end {
            mark_run(&mut self.reached, from, end - from);
        }
    }
}

/// Marks nodes `first .. first + n` reached, a word of the bit set at a time.
fn mark_run(reached: &mut [u64], first: usize, n: usize) {
    let (mut i, end) = (first, first + n);
    while i < end {
        let bit = i % 64;
        let count = (64 - bit).min(end - i);
        let ones = if count == 64 {
            u64::MAX
        } else {
            (1 << count) - 1
        };
        reached[i / 64] |= ones << bit;
        i += count;
    }
}

/// Pushes the gradient `g` of node `i` back to its inputs, with the op's backward rule (the
/// weighted sum's terms as [`crate::op::weighted_sum_term_backward`], over slices). A constant's
/// gradient is never read ([`Value::grad`] is 0 for one), so what reaches it is skipped where that
/// saves work: a network's first layer, whose inputs are the data.
#[inline(always)]
fn propagate(nodes: &[Node], i: usize, g: f64, data: &[f64], operands: &[u32], pass: &mut Pass) {
    let node = nodes[i];
    match node.op() {
        Op::Leaf | Op::Const => {}
        Op::Custom => unreachable!("a custom node is run by `backward`, not propagated"),
        op @ Op::WeightedSum(_) => {
            let (g, _) = op.backward(0.0, 0.0, data[i], g);
            if pass.drops(i, g) {
                return;
            }
            match decode_operands(operands, node.args()) {
                Operands::Listed { bias, pairs } => {
                    pass.add(bias, g);
                    for pair in pairs.chunks_exact(2) {
                        let (w, x) = (pair[0], pair[1]);
                        pass.add(w, g * data[x as usize]);
                        pass.add(x, g * data[w as usize]);
                    }
                }
                Operands::Runs {
                    bias,
                    weights,
                    inputs,
                    n,
                } => {
                    pass.add(bias, g);
                    let ws = &data[weights as usize..][..n as usize];
                    let xs = &data[inputs as usize..][..n as usize];
                    if weights == inputs {
                        // A run times itself (an L2 penalty): each node gets its two
                        // contributions in one pass.
                        pass.add_scaled_twice(weights, g, xs);
                        return;
                    }
                    pass.add_scaled(weights, g, xs);
                    if !pass.all_constants(nodes, inputs, n) {
                        pass.add_scaled(inputs, g, ws);
                    }
                }
            }
        }
        // Their rules call the maths library: out of line, so that the common rules' loop does
        // not keep its numbers on the stack around a call it makes for few nodes.
        Op::Powf | Op::Pow | Op::Sin | Op::Cos => propagate_calling_out(nodes, i, g, data, pass),
        _ => propagate_to_inputs(nodes, i, g, data, pass),
    }
}

/// Pushes the gradient `g` of node `i`, made by a unary or binary operation, back to its inputs
/// that are not constants.
#[inline(always)]
fn propagate_to_inputs(nodes: &[Node], i: usize, g: f64, data: &[f64], pass: &mut Pass) {
    let node = nodes[i];
    let op = node.op();
    let [x, y] = node.args();
    let (dx, dy) = op.backward(data[x as usize], data[y as usize], data[i], g);
    pass.add_unless_constant(nodes, x, dx);
    if op.arity() == Some(2) && op != Op::Powf {
        pass.add_unless_constant(nodes, y, dy);
    }
}

/// [`propagate_to_inputs`], compiled apart.
#[inline(never)]
fn propagate_calling_out(nodes: &[Node], i: usize, g: f64, data: &[f64], pass: &mut Pass) {
    propagate_to_inputs(nodes, i, g, data, pass);
}

/// A layer whose parameters were checked for one batch: the path an [`MLP`](crate::nn::MLP) takes
/// in training. [`forward_batch`] then pushes a batch's neurons over runs of inputs made in the
/// same batch, with nothing left to check: the nodes [`Graph::weighted_sums`] makes, with the same
/// numbers.
pub(crate) struct DenseLayer<'g> {
    /// The graph the parameters were checked in.
    graph: &'g Graph,
    activation: Activation,
    n_inputs: u32,
    /// Each neuron's bias, and its first weight: its weights are the run of nodes from there.
    neurons: Vec<(u32, u32)>,
    /// The generation the check was made in: it holds until the next rewind.
    generation: u32,
}

impl<'g> DenseLayer<'g> {
    /// Checks a layer's neurons, `(bias, weights)` each; `None` if a neuron's weights are not a
    /// run of consecutive nodes or the neurons' widths differ (or the layer is empty), for which
    /// the caller takes the general path.
    ///
    /// # Panics
    /// If a value belongs to another graph or was freed.
    pub(crate) fn check<'w>(
        graph: &'g Graph,
        neurons: impl IntoIterator<Item = (Value<'g>, &'w [Value<'g>])>,
        activation: Activation,
    ) -> Option<Self>
    where
        'g: 'w,
    {
        let t = graph.tape();
        let mut n_inputs = None;
        let neurons = neurons
            .into_iter()
            .map(|(bias, weights)| {
                if *n_inputs.get_or_insert(weights.len()) != weights.len() {
                    return None;
                }
                let bias = graph.checked(&t, bias, "weighted_sum");
                let first = graph.checked_run(&t, weights)?;
                Some((bias, first))
            })
            .collect::<Option<Vec<_>>>()?;
        Some(DenseLayer {
            graph,
            activation,
            n_inputs: u32::try_from(n_inputs?).ok()?,
            neurons,
            generation: t.generation(),
        })
    }

    /// A layer whose neurons' `(bias, first weight)` nodes are known to be runs of `n_inputs`
    /// live parameters of `graph` (a worker's copy of a model, laid out as the model's), checked
    /// for the current generation.
    pub(crate) fn from_layout(
        graph: &'g Graph,
        activation: Activation,
        n_inputs: u32,
        neurons: Vec<(u32, u32)>,
    ) -> Self {
        let t = graph.tape();
        let on_tape = |&(bias, weights): &(u32, u32)| {
            (bias as usize) < t.len() && (weights + n_inputs) as usize <= t.len()
        };
        assert!(
            neurons.iter().all(on_tape),
            "micrograd: a layer's parameters are not on the tape"
        );
        DenseLayer {
            graph,
            activation,
            n_inputs,
            neurons,
            generation: t.generation(),
        }
    }
}

/// Handles to the `n` consecutive nodes from `first`, made in the current generation.
pub(crate) fn run_values(graph: &Graph, first: u32, n: usize) -> Vec<Value<'_>> {
    let generation = graph.tape().generation();
    (first..)
        .take(n)
        .map(|i| Value::new(graph, i, generation))
        .collect()
}
