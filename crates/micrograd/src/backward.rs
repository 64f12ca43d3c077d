//! Backpropagation, plainly: the reverse sweep a reader of micrograd expects.
//!
//! Seed the output's gradient with 1, walk the tape from the output down (creation order is a
//! topological order, so every node's gradient is complete when the walk reaches it), apply each
//! node's backward rule from [`Op::backward`] and add the contributions into its inputs' gradients.
//! Constants (the `2.0` of `2.0 * a`, a data row fed to a network) take no gradient, as PyTorch's
//! tensors that do not require one ([`Value::grad`](crate::Value::grad) is 0 for them): for a
//! network's first layer it would be a large part of the work.
//!
//! [`Value::backward`](crate::Value::backward) takes the speed path ([`crate::speed`]), which gives
//! the same bits with less work; this sweep is the reference it is tested against, and
//! [`Value::backward_step`](crate::Value::backward_step) (one node's rule alone, as the notebook's
//! `o._backward()`) uses it.

use crate::graph::Graph;
use crate::op::{weighted_sum_term_backward, BackwardError, Op};
use crate::tape::{Operands, Tape};

/// Runs backpropagation from node `out`: adds d(out)/d(node) into the gradient of every node that
/// `out` depends on (and 1 into `out`'s own). If a rule written outside the engine fails, the pass
/// is abandoned and every gradient is left as it was.
pub(crate) fn backward(graph: &Graph, out: usize) -> Result<(), BackwardError> {
    let _pass = graph.begin_pass()?;
    let n = out + 1;
    // d(out)/d(node) for this pass alone, added into the gradients at the end, so that gradients
    // accumulate across passes as in PyTorch.
    let mut grad = vec![0.0; n];
    // Whether `out` depends on the node. As micrograd visits only the nodes of `out`'s topological
    // order, only these pass their gradient on (0 times an infinite local derivative would be NaN).
    let mut reached = vec![false; n];
    grad[out] = 1.0;
    reached[out] = true;
    for i in (0..n).rev() {
        if !reached[i] {
            continue;
        }
        let g = grad[i];
        let tape = graph.tape();
        if tape.node(i).op() == Op::Custom {
            // A rule written outside the engine runs with the tape free, reading and writing
            // this pass's gradients through its handles.
            drop(tape);
            for (input, contribution) in graph.call_rule(i, g, Some(&mut grad))? {
                grad[input as usize] += contribution;
                reached[input as usize] = true;
            }
        } else {
            apply_rule(&tape, i, g, |input, contribution| {
                if tape.node(input).op() != Op::Const {
                    grad[input] += contribution;
                    reached[input] = true;
                }
            });
        }
    }
    for (total, g) in graph.tape_mut().grads_mut().iter_mut().zip(&grad) {
        *total += g;
    }
    Ok(())
}

/// One node's local backward step, as micrograd's `_backward()`: adds its gradient, times the
/// local derivative, into the gradients of its inputs.
pub(crate) fn backward_step(graph: &Graph, out: usize) -> Result<(), BackwardError> {
    let tape = graph.tape();
    let g = tape.grad(out);
    let mut contributions = Vec::new();
    if tape.node(out).op() == Op::Custom {
        drop(tape);
        contributions = graph.call_rule(out, g, None)?;
    } else {
        apply_rule(&tape, out, g, |input, contribution| {
            if tape.node(input).op() != Op::Const {
                contributions.push((input as u32, contribution));
            }
        });
        drop(tape);
    }
    let mut tape = graph.tape_mut();
    let grads = tape.grads_mut();
    for (input, contribution) in contributions {
        grads[input as usize] += contribution;
    }
    Ok(())
}

/// Applies node `i`'s backward rule to its gradient `g`, handing each input's contribution to `add`.
fn apply_rule(tape: &Tape, i: usize, g: f64, mut add: impl FnMut(usize, f64)) {
    let node = tape.node(i);
    let data = tape.data();
    match node.op() {
        Op::Leaf | Op::Const => {}
        Op::Custom => unreachable!("a custom node's rule is called by the sweep"),
        op @ Op::WeightedSum(_) => {
            // The gradient of the sum `b + Σ wᵢxᵢ`, through the activation; the bias receives it.
            let (g, _) = op.backward(0.0, 0.0, data[i], g);
            match tape.operands(i) {
                Operands::Listed { bias, pairs } => {
                    add(bias as usize, g);
                    for pair in pairs.chunks_exact(2) {
                        let (w, x) = (pair[0] as usize, pair[1] as usize);
                        let (dw, dx) = weighted_sum_term_backward(g, data[w], data[x]);
                        add(w, dw);
                        add(x, dx);
                    }
                }
                Operands::Runs {
                    bias,
                    weights,
                    inputs,
                    n,
                } => {
                    add(bias as usize, g);
                    let terms =
                        || (0..n as usize).map(|k| (weights as usize + k, inputs as usize + k));
                    // Every weight, then every input: the order in which a node that is both (the
                    // runs may overlap) receives its two contributions.
                    for (w, x) in terms() {
                        add(w, weighted_sum_term_backward(g, data[w], data[x]).0);
                    }
                    for (w, x) in terms() {
                        add(x, weighted_sum_term_backward(g, data[w], data[x]).1);
                    }
                }
            }
        }
        op => {
            let [x, y] = node.args().map(|a| a as usize);
            let (dx, dy) = op.backward(data[x], data[y], data[i], g);
            add(x, dx);
            // A constant exponent gets no gradient, as PyTorch's `x ** 2.0`.
            if op.arity() == Some(2) && op != Op::Powf {
                add(y, dy);
            }
        }
    }
}
