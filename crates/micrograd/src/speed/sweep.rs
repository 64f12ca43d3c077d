//! The fast backward pass: the plain reverse sweep ([`crate::backward`]) with the shortcuts
//! listed in [`crate::speed`]'s docs, the same numbers bit for bit.
//!
//! Its hot loop is [`sweep_nonzero`], over the part of the tape where a zero gradient may be
//! skipped: below the first node whose rule can blow up on a zero gradient and while every value
//! is finite, which is all of most graphs. It runs the rules of `+ - * /` and of the one-input
//! functions that do not call the maths library inline, and hands every other node to
//! [`propagate`], out of line.

use crate::graph::Graph;
use crate::hints::Scratch;
use crate::op::{BackwardError, Op};
use crate::tape::{decode_operands, pages, Node, Operands, Sweep, Tape};

use super::simd;

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
    sweep_nonzero(&t, &mut pass, bottom..skip_from);
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

/// Sweeps the nodes of `range` from the top down, each one whose gradient is not 0 passing it on
/// (see [`backward`] for why the gradient alone decides there).
///
/// This loop is most of a long graph's backward pass, so the rules of `+ - * /` and of the
/// one-input functions without a call to the maths library run here inline, and the last adjoint
/// written is kept in a local variable rather than in `pass`: every other node goes through
/// [`propagate_apart`], so that nothing else in the loop needs `pass` in memory and the compiler
/// can keep the adjoint that flows down a chain in a register.
#[inline(never)]
fn sweep_nonzero(t: &Tape, pass: &mut Pass, range: std::ops::Range<usize>) {
    let Sweep {
        nodes,
        data,
        operands,
        ..
    } = t.sweep();
    let mut last = pass.last_added;
    for i in range.rev() {
        let g = if last.0 == i { last.1 } else { pass.adjoint[i] };
        if g == 0.0 {
            continue;
        }
        let node = nodes[i];
        // Each arm names its operation, so that its rule is compiled into the arm: one jump per
        // node, not one to the arm and another into `Op::backward`.
        macro_rules! inline_rule {
            ($op:expr) => {
                propagate_arithmetic($op, nodes, i, g, data, &mut pass.adjoint, &mut last)
            };
        }
        match node.op() {
            Op::Leaf | Op::Const => {}
            Op::Add => inline_rule!(Op::Add),
            Op::Sub => inline_rule!(Op::Sub),
            Op::Mul => inline_rule!(Op::Mul),
            Op::Div => inline_rule!(Op::Div),
            Op::Neg => inline_rule!(Op::Neg),
            Op::Exp => inline_rule!(Op::Exp),
            Op::Log => inline_rule!(Op::Log),
            Op::Tanh => inline_rule!(Op::Tanh),
            Op::Sigmoid => inline_rule!(Op::Sigmoid),
            Op::Relu => inline_rule!(Op::Relu),
            Op::Sqrt => inline_rule!(Op::Sqrt),
            Op::Abs => inline_rule!(Op::Abs),
            // The rest: weighted sums, and the rules that call the maths library.
            op => {
                debug_assert!(op != Op::Custom, "a custom node is run by `backward`");
                pass.last_added = last;
                propagate_apart(nodes, i, g, data, operands, pass);
                last = pass.last_added;
            }
        }
    }
    pass.last_added = last;
}

/// Pushes the gradient `g` of node `i`, made by the unary or binary operation `op`, back to its
/// inputs that are not constants.
#[inline(always)]
fn propagate_arithmetic(
    op: Op,
    nodes: &[Node],
    i: usize,
    g: f64,
    data: &[f64],
    adjoint: &mut [f64],
    last: &mut (usize, f64),
) {
    let [x, y] = nodes[i].args();
    let (dx, dy) = op.backward(data[x as usize], data[y as usize], data[i], g);
    add_unless_constant(nodes, adjoint, last, x, dx);
    if op.arity() == Some(2) {
        add_unless_constant(nodes, adjoint, last, y, dy);
    }
}

/// Adds `contribution` to `node`'s adjoint and remembers it as the last one written, unless the
/// node is a constant, which takes no gradient (as in the plain sweep): the constant is then
/// skipped when the sweep reaches it.
#[inline(always)]
fn add_unless_constant(
    nodes: &[Node],
    adjoint: &mut [f64],
    last: &mut (usize, f64),
    node: u32,
    contribution: f64,
) {
    if nodes[node as usize].op() != Op::Const {
        add_to(adjoint, last, node, contribution);
    }
}

/// Adds `contribution` to `node`'s adjoint and remembers it as the last one written.
#[inline(always)]
fn add_to(adjoint: &mut [f64], last: &mut (usize, f64), node: u32, contribution: f64) {
    let i = node as usize;
    let sum = adjoint[i] + contribution;
    adjoint[i] = sum;
    *last = (i, sum);
}

/// [`propagate`], compiled apart: the nodes [`sweep_nonzero`] does not run inline.
#[inline(never)]
fn propagate_apart(
    nodes: &[Node],
    i: usize,
    g: f64,
    data: &[f64],
    operands: &[u32],
    pass: &mut Pass,
) {
    propagate(nodes, i, g, data, operands, pass);
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

    #[inline(always)]
    fn add(&mut self, node: u32, contribution: f64) {
        add_to(&mut self.adjoint, &mut self.last_added, node, contribution);
        let i = node as usize;
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
/// gradient is never read ([`Value::grad`](crate::Value::grad) is 0 for one), so what reaches it is skipped where that
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
        op => {
            let [x, y] = node.args();
            let (x_data, y_data) = (data[x as usize], data[y as usize]);
            let (dx, dy) = match op {
                // Their rules call the maths library: out of line, so that the common rules'
                // loop does not keep its numbers on the stack around a call it makes for few nodes.
                Op::Powf | Op::Pow | Op::Sin | Op::Cos => {
                    backward_calling_out(op, x_data, y_data, data[i], g)
                }
                _ => op.backward(x_data, y_data, data[i], g),
            };
            pass.add_unless_constant(nodes, x, dx);
            if op.arity() == Some(2) && op != Op::Powf {
                pass.add_unless_constant(nodes, y, dy);
            }
        }
    }
}

/// [`Op::backward`], compiled apart.
#[inline(never)]
fn backward_calling_out(op: Op, x: f64, y: f64, out: f64, g: f64) -> (f64, f64) {
    op.backward(x, y, out, g)
}
