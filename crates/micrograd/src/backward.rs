//! Backpropagation: the reverse sweep over the tape that applies each node's backward rule.
//!
//! [`Value::backward`](crate::Value::backward) seeds the output with 1 and walks the tape from the
//! output down, pushing each reached node's gradient into its inputs with [`Op::backward`]; a node the
//! output does not depend on is never touched. The pass works in a scratch buffer of *adjoints* and
//! adds them into the gradients at the end, so gradients accumulate across calls as in PyTorch.
//! [`Value::backward_step`](crate::Value::backward_step) applies one node's rule alone, straight
//! into the gradients, as the notebook's `o._backward()`.

use crate::graph::{Graph, Node};
use crate::op::Op;
use crate::weighted_sum::{decode_operands, Operands};

impl Graph {
    /// Runs backpropagation from `out`: adds d(out)/d(node) into the gradient of every node that
    /// `out` depends on (and 1 into `out`'s own).
    pub(crate) fn backward_from(&self, out: u32) {
        let mut guard = self.tape.borrow_mut();
        let t = &mut *guard;
        let n = out as usize + 1;
        // The pass works in `adjoint` rather than in `grad`, so that gradients already accumulated
        // are added to, never pushed back through the graph a second time.
        let mut adjoint = std::mem::take(&mut t.adjoint);
        adjoint.clear();
        adjoint.resize(n, 0.0);
        t.reached.clear();
        t.reached.resize(n.div_ceil(64), 0);
        let mut pass = Pass {
            adjoint: &mut adjoint,
            reached: &mut t.reached,
            all_finite: !t.non_finite,
            skip_zero_below: match (t.non_finite, t.first_blow_up) {
                (true, _) => 0,
                (false, Some(first)) => first as usize,
                (false, None) => usize::MAX,
            },
        };
        pass.add(out, 1.0);
        for i in (0..n).rev() {
            // A node the pass does not reach has adjoint 0 but must not propagate: 0 times an
            // infinite local derivative would be NaN.
            if pass.reached(i) {
                let g = pass.adjoint[i];
                if !pass.drops(i, g) {
                    propagate(t.nodes[i], i, g, &t.data, &t.operands, &mut pass);
                }
            }
        }
        // Nodes the pass does not reach have adjoint 0, so adding everything is exact.
        if t.grad.is_empty() {
            t.adjoint = std::mem::replace(&mut t.grad, adjoint);
        } else {
            if t.grad.len() < n {
                t.grad.resize(n, 0.0);
            }
            for (grad, a) in t.grad.iter_mut().zip(&adjoint) {
                *grad += a;
            }
            t.adjoint = adjoint;
        }
    }

    /// One node's local backward step, as micrograd's `_backward()`: adds its gradient, times the
    /// local derivative, into the gradients of its inputs.
    pub(crate) fn backward_step(&self, out: u32) {
        let mut guard = self.tape.borrow_mut();
        let t = &mut *guard;
        let n = t.nodes.len();
        if t.grad.len() < n {
            t.grad.resize(n, 0.0);
        }
        let g = t.grad[out as usize];
        let node = t.nodes[out as usize];
        propagate(
            node,
            out as usize,
            g,
            &t.data,
            &t.operands,
            &mut Grads(&mut t.grad),
        );
    }
}

/// Where a node's backward rule sends the gradient contributions for its inputs.
trait GradientSink {
    fn add(&mut self, node: u32, contribution: f64);

    /// Whether node `i` may skip sending back the gradient `g`, because doing so would change nothing.
    fn drops(&self, _i: usize, _g: f64) -> bool {
        false
    }

    /// Adds `scale * values[k]` to node `first + k`, for a run of consecutive nodes.
    fn add_scaled(&mut self, first: u32, scale: f64, values: &[f64]) {
        for (k, v) in (first..).zip(values) {
            self.add(k, scale * v);
        }
    }
}

/// Straight into the gradients, as one node's local step does.
struct Grads<'a>(&'a mut [f64]);

impl GradientSink for Grads<'_> {
    fn add(&mut self, node: u32, contribution: f64) {
        self.0[node as usize] += contribution;
    }
}

/// Into a backward pass's adjoints, marking each node that receives a contribution as reached.
struct Pass<'a> {
    adjoint: &'a mut [f64],
    reached: &'a mut [u64],
    /// No data on the tape is NaN or infinite.
    all_finite: bool,
    /// Below this index a node whose gradient is 0 is skipped (see [`Pass::drops`]).
    skip_zero_below: usize,
}

impl Pass<'_> {
    fn reached(&self, i: usize) -> bool {
        self.reached[i / 64] & (1 << (i % 64)) != 0
    }
}

impl GradientSink for Pass<'_> {
    /// A zero gradient is dropped below the first node whose rule can blow up, and with it everything
    /// only it reaches: with finite data and no rule that can blow up below, it would send ±0 to every
    /// input, and adding ±0 changes no adjoint (they start at +0, and a sum in round-to-nearest is -0
    /// only when both terms are). A late training step is mostly satisfied margins and dead ReLUs, so
    /// most of its graph is skipped.
    #[inline(always)]
    fn drops(&self, i: usize, g: f64) -> bool {
        g == 0.0 && i < self.skip_zero_below
    }

    #[inline(always)]
    fn add(&mut self, node: u32, contribution: f64) {
        let i = node as usize;
        self.adjoint[i] += contribution;
        self.reached[i / 64] |= 1 << (i % 64);
    }

    #[inline(always)]
    fn add_scaled(&mut self, first: u32, scale: f64, values: &[f64]) {
        let first = first as usize;
        // With a zero scale and finite values every contribution is ±0, and adding ±0 leaves an
        // adjoint unchanged (adjoints start at +0 and a sum in round-to-nearest is never -0), so
        // the work can be skipped exactly. A network's dead ReLUs and satisfied margins make this
        // the common case.
        if !(scale == 0.0 && self.all_finite) {
            let adjoint = &mut self.adjoint[first..][..values.len()];
            for (a, v) in adjoint.iter_mut().zip(values) {
                *a += scale * v;
            }
        }
        mark_run(self.reached, first, values.len());
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

/// Pushes the gradient `g` of node `i` back to its inputs, with the op's backward rule.
#[inline(always)]
fn propagate(
    node: Node,
    i: usize,
    g: f64,
    data: &[f64],
    operands: &[u32],
    sink: &mut impl GradientSink,
) {
    match node.op {
        Op::Leaf | Op::Const => {}
        op if op.is_weighted_sum() => {
            // The activation's rule reads only the output, so the sum itself is not needed.
            let g = match op.activation() {
                Some(activation) => activation.backward(0.0, 0.0, data[i], g).0,
                None => g,
            };
            if !sink.drops(i, g) {
                propagate_weighted_sum(decode_operands(operands, node.args), g, data, sink);
            }
        }
        op => {
            let [x, y] = node.args;
            let (dx, dy) = op.backward(data[x as usize], data[y as usize], data[i], g);
            sink.add(x, dx);
            if op.arity() == Some(2) && op != Op::Powf {
                sink.add(y, dy);
            }
        }
    }
}

/// The weighted sum's backward rule: `g` to the bias, `g * x` to each weight, `g * w` to each input.
#[inline(always)]
fn propagate_weighted_sum(
    operands: Operands<'_>,
    g: f64,
    data: &[f64],
    sink: &mut impl GradientSink,
) {
    match operands {
        Operands::Pairs { bias, pairs } => {
            sink.add(bias, g);
            for pair in pairs.chunks_exact(2) {
                let (w, x) = (pair[0], pair[1]);
                sink.add(w, g * data[x as usize]);
                sink.add(x, g * data[w as usize]);
            }
        }
        Operands::Runs {
            bias,
            weights,
            inputs,
            n,
        } => {
            sink.add(bias, g);
            let ws = &data[weights as usize..][..n as usize];
            let xs = &data[inputs as usize..][..n as usize];
            sink.add_scaled(weights, g, xs);
            sink.add_scaled(inputs, g, ws);
        }
    }
}
