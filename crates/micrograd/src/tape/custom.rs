//! Nodes of operations written outside the engine ([`Op::Custom`]): what the tape keeps for each
//! one beside its node — its name, its inputs, and the backward rule its maker supplied.

use std::fmt;
use std::sync::Arc;

use crate::op::{BackwardRule, Op};

use super::{Node, Tape};

/// What the tape keeps for one [`Op::Custom`] node. The node's first argument is its place in
/// the tape's list of these, which is in tape order.
#[derive(Clone)]
pub(crate) struct CustomOp {
    /// The node this belongs to.
    pub(crate) node: u32,
    /// The operation's name, drawn in the graph and printed in tables (`"tanh"`, say).
    pub(crate) name: String,
    /// The nodes it was computed from, in the order its maker gave them.
    pub(crate) inputs: Vec<u32>,
    /// Its backward rule, once supplied: until then the node passes nothing back, as micrograd's
    /// default `_backward` does nothing. Shared, so that a backward pass can call it while the
    /// tape is free for the rule to use.
    pub(crate) rule: Option<Arc<dyn BackwardRule>>,
}

impl fmt::Debug for CustomOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CustomOp")
            .field("node", &self.node)
            .field("name", &self.name)
            .field("inputs", &self.inputs)
            .field("rule", &self.rule.as_ref().map(|_| "…"))
            .finish()
    }
}

/// Operations written outside the engine that a rewind or a compaction freed. Their rules are
/// dropped with this, so that whoever freed them can choose when: a rule may hold a Python
/// closure whose drop runs Python code.
#[derive(Clone, Debug, Default)]
pub struct FreedOps(pub(crate) Vec<CustomOp>);

impl FreedOps {
    /// How many operations were freed.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether none was.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Tape {
    /// Appends an [`Op::Custom`] node named `name` over `inputs`, whose value `data` its maker
    /// computed; returns its index.
    pub(crate) fn push_custom(&mut self, name: String, inputs: Vec<u32>, data: f64) -> u32 {
        let slot = self.customs.len() as u32;
        let index = self.push(Op::Custom, [slot, 0], data);
        self.customs.push(CustomOp {
            node: index,
            name,
            inputs,
            rule: None,
        });
        index
    }

    /// What the tape keeps for custom node `index`.
    ///
    /// # Panics
    /// If the node is not an [`Op::Custom`] node.
    pub(crate) fn custom(&self, index: usize) -> &CustomOp {
        &self.customs[self.custom_slot(index)]
    }

    /// Sets custom node `index`'s backward rule; returns the rule it replaces, for the caller to
    /// drop when it is safe to.
    pub(crate) fn set_rule(
        &mut self,
        index: usize,
        rule: Arc<dyn BackwardRule>,
    ) -> Option<Arc<dyn BackwardRule>> {
        let slot = self.custom_slot(index);
        self.customs[slot].rule.replace(rule)
    }

    /// The custom nodes at or below `out`, from the highest down.
    pub(crate) fn customs_below(&self, out: usize) -> impl Iterator<Item = u32> + '_ {
        let end = self.customs.partition_point(|c| c.node as usize <= out);
        self.customs[..end].iter().rev().map(|c| c.node)
    }

    fn custom_slot(&self, index: usize) -> usize {
        let node: Node = self.nodes[index];
        assert!(
            node.op() == Op::Custom,
            "micrograd: only a node made with Graph::custom has a backward rule supplied from outside \
             (this one is `{}`)",
            node.op().symbol()
        );
        node.args()[0] as usize
    }
}
