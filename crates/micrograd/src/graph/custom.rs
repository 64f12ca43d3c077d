//! Operations written outside the engine ([`Op::Custom`](crate::Op::Custom)): making their nodes,
//! giving them backward rules, and calling a rule during a backward pass with the tape released,
//! so that the rule may use handles as micrograd's `_backward` closures use `self` and `out`.

use std::sync::Arc;

use crate::op::{BackwardError, BackwardRule, BackwardStep};

use super::{Graph, Value};

impl Graph {
    /// A node for an operation written outside the engine ([`Op::Custom`](crate::Op::Custom)): named `name` (drawn
    /// in the graph), computed from `inputs`, with the value `data` its maker computed. It passes
    /// no gradient back until it is given a rule with [`Value::set_backward_rule`], as micrograd's
    /// `Value(data, (x,), 'tanh')` does nothing in `backward()` until its `_backward` is set.
    ///
    /// ```
    /// use micrograd::{BackwardStep, Graph};
    ///
    /// let g = Graph::new();
    /// let (a, b) = (g.value(2.0), g.value(-3.0));
    /// // a * b, as a learner writes a new operation: forward here, backward in the rule.
    /// let (x, y) = (a.data(), b.data());
    /// let c = g.custom("mul", &[a, b], x * y);
    /// c.set_backward_rule(move |s: &mut BackwardStep| {
    ///     s.input_grads[0] = y * s.grad;
    ///     s.input_grads[1] = x * s.grad;
    ///     Ok(())
    /// });
    /// let out = (c + 1.0).tanh();
    /// out.backward();
    /// assert_eq!(c.op_name(), "mul");
    /// assert_eq!(a.grad(), -3.0 * (1.0 - out.data().powi(2)));
    /// ```
    ///
    /// # Panics
    /// If an input belongs to another graph or was freed.
    pub fn custom<'g>(&'g self, name: &str, inputs: &[Value<'g>], data: f64) -> Value<'g> {
        let mut t = self.tape_mut();
        let inputs = inputs.iter().map(|v| self.checked(&t, *v, name)).collect();
        let index = t.push_custom(name.to_owned(), inputs, data);
        Value::new(self, index, t.generation())
    }

    /// Sets custom node `index`'s rule (see [`Value::set_backward_rule`]).
    pub(crate) fn set_rule(&self, index: usize, rule: Arc<dyn BackwardRule>) {
        let replaced = self.tape_mut().set_rule(index, rule);
        // Dropped with the tape released, as in `rewind`.
        drop(replaced);
    }

    /// Whether a backward pass of this graph is running (so a rule written outside the engine may
    /// be the caller).
    pub fn in_backward(&self) -> bool {
        self.in_backward.get()
    }

    /// Marks a backward pass as running until the guard is dropped; refuses a second one.
    pub(crate) fn begin_pass(&self) -> Result<PassGuard<'_>, BackwardError> {
        if self.in_backward.replace(true) {
            return Err(BackwardError::Reentrant);
        }
        Ok(PassGuard(self))
    }

    pub(super) fn refuse_during_backward(&self, what: &str) {
        assert!(
            !self.in_backward(),
            "micrograd: Graph::{what} was called from inside a backward rule while the graph's \
             backward pass runs; a rule may only read values and add to gradients"
        );
    }

    /// Calls custom node `index`'s backward rule with its gradient `grad`, the tape released so that
    /// the rule may use handles; returns each input with the contribution the rule wrote for it
    /// (0 for a node with no rule yet). During a pass, `pass_grads` (the pass's gradients) stand in
    /// the graph's gradients while the rule runs.
    pub(crate) fn call_rule(
        &self,
        index: usize,
        grad: f64,
        pass_grads: Option<&mut Vec<f64>>,
    ) -> Result<Vec<(u32, f64)>, BackwardError> {
        let (rule, inputs, data, input_data) = {
            let t = self.tape();
            let custom = t.custom(index);
            let input_data: Vec<f64> = custom
                .inputs
                .iter()
                .map(|&i| t.data()[i as usize])
                .collect();
            (
                custom.rule.clone(),
                custom.inputs.clone(),
                t.data()[index],
                input_data,
            )
        };
        let mut input_grads = vec![0.0; inputs.len()];
        if let Some(rule) = rule {
            let mut step = BackwardStep {
                grad,
                data,
                inputs: &input_data,
                input_grads: &mut input_grads,
            };
            let result = match pass_grads {
                Some(pass_grads) => {
                    let before = self.tape_mut().replace_grads(std::mem::take(pass_grads));
                    // Even if the rule panics, the graph gets its own gradients back.
                    let swapped = SwappedGrads {
                        graph: self,
                        before: Some(before),
                        pass_grads,
                    };
                    let result = rule.backward(&mut step);
                    drop(swapped);
                    result
                }
                None => rule.backward(&mut step),
            };
            result.map_err(|error| BackwardError::Rule { node: index, error })?;
        }
        Ok(inputs.into_iter().zip(input_grads).collect())
    }
}

/// While it lives, a pass's gradients stand in the graph's; dropping it (after the rule returns, or
/// as a panic unwinds) puts the graph's own back and hands the pass's back to the pass.
struct SwappedGrads<'a> {
    graph: &'a Graph,
    before: Option<Vec<f64>>,
    pass_grads: &'a mut Vec<f64>,
}

impl Drop for SwappedGrads<'_> {
    fn drop(&mut self) {
        if let Some(before) = self.before.take() {
            *self.pass_grads = self.graph.tape_mut().replace_grads(before);
        }
    }
}

/// While it lives, the graph's backward pass is running (see [`Graph::begin_pass`]).
pub(crate) struct PassGuard<'g>(&'g Graph);

impl Drop for PassGuard<'_> {
    fn drop(&mut self) {
        self.0.in_backward.set(false);
    }
}
