//! Operations whose backward rule is supplied from outside the engine ([`Op::Custom`](super::Op::Custom)): the rule's
//! trait, what it is given at its node's turn, and how a pass that calls one can fail.

use std::fmt;

/// What went wrong in a [`BackwardRule`]: any error, passed back unchanged by
/// [`Value::try_backward`](crate::Value::try_backward) (a Python exception, for the Python package).
pub type RuleError = Box<dyn std::error::Error + Send + Sync>;

/// What a [`BackwardRule`] is given at its node's turn in the backward pass.
#[derive(Debug)]
pub struct BackwardStep<'a> {
    /// The node's gradient: complete, since every node computed from it has passed its gradient on.
    pub grad: f64,
    /// The node's value.
    pub data: f64,
    /// The inputs' values, in the order the node was made with.
    pub inputs: &'a [f64],
    /// Where the rule writes each input's contribution, `grad × ∂node/∂input` (all 0 to start
    /// with); the engine adds them into the inputs' gradients.
    pub input_grads: &'a mut [f64],
}

/// The backward rule of an [`Op::Custom`](super::Op::Custom) node, supplied from outside the engine: the chain rule
/// for one operation, as micrograd's `_backward` closures are.
///
/// A closure `Fn(&mut BackwardStep) -> Result<(), RuleError>` is one:
///
/// ```
/// use micrograd::{BackwardStep, Graph};
///
/// let g = Graph::new();
/// let x = g.value(0.5).with_label("x");
/// // tanh written as the notebook writes it: the value, then how a gradient goes back through it.
/// let t = x.data().tanh();
/// let y = g.custom("tanh", &[x], t);
/// y.set_backward_rule(move |step: &mut BackwardStep| {
///     step.input_grads[0] = (1.0 - t * t) * step.grad;
///     Ok(())
/// });
/// y.backward();
/// assert_eq!(x.grad(), 1.0 - t * t);
/// ```
///
/// The engine calls the rule at its node's turn (in reverse creation order, and only when the output
/// depends on the node) while it holds no borrow of the graph, so a rule may also read and write
/// any value's data and gradient through handles it kept, as micrograd's closures do
/// (`self.grad += …`); during a pass, those gradients are the pass's own. A rule must not rewind,
/// compact or zero the gradients of its graph, nor start another backward pass on it.
pub trait BackwardRule: Send + Sync + 'static {
    /// Writes into `step.input_grads` (or into the inputs' gradients) what the node's gradient
    /// contributes to each input. An error abandons the pass and leaves every gradient as it was.
    fn backward(&self, step: &mut BackwardStep<'_>) -> Result<(), RuleError>;
}

impl<F> BackwardRule for F
where
    F: Fn(&mut BackwardStep<'_>) -> Result<(), RuleError> + Send + Sync + 'static,
{
    fn backward(&self, step: &mut BackwardStep<'_>) -> Result<(), RuleError> {
        self(step)
    }
}

/// Why a backward pass did not finish (see [`Value::try_backward`](crate::Value::try_backward)).
/// Either way every gradient is left as it was before the pass.
#[derive(Debug)]
pub enum BackwardError {
    /// The backward rule of custom node `node` returned `error`.
    Rule {
        /// The id of the node whose rule failed.
        node: usize,
        /// What the rule returned.
        error: RuleError,
    },
    /// A backward pass was started on a graph whose own backward pass was still running: a rule
    /// called `backward` on its own graph.
    Reentrant,
}

impl fmt::Display for BackwardError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BackwardError::Rule { node, error } => {
                write!(f, "the backward rule of node #{node} failed: {error}")
            }
            BackwardError::Reentrant => f.write_str(
                "backward() was called from inside a backward rule, while the same graph's backward \
                 pass was running; a rule may only add to its inputs' gradients",
            ),
        }
    }
}

impl std::error::Error for BackwardError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            BackwardError::Rule { error, .. } => Some(error.as_ref()),
            BackwardError::Reentrant => None,
        }
    }
}
