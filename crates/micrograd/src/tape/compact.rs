//! Compaction: keeping only the nodes some roots were computed from, moved down to the front of
//! the tape, so that a long-lived graph (an interactive session, say) can free what it no longer
//! needs without a checkpoint taken in advance.

use super::custom::FreedOps;
use super::operands::{decode_operands, Operands};
use super::{Node, Tape};
use crate::op::Op;

/// What [`Graph::compact`](crate::Graph::compact) did: where each kept node went.
#[derive(Clone, Debug)]
pub struct Compaction {
    /// For each node before the compaction, its new index, or `u32::MAX` if it was freed.
    new_index: Vec<u32>,
    kept: usize,
    /// The freed operations written outside the engine: their rules are dropped with this.
    freed_ops: FreedOps,
}

impl Compaction {
    /// The new id of the node whose id was `old`, or `None` if it was freed (or never existed).
    pub fn new_id(&self, old: usize) -> Option<usize> {
        match self.new_index.get(old) {
            Some(&i) if i != u32::MAX => Some(i as usize),
            _ => None,
        }
    }

    /// How many nodes were kept.
    pub fn kept(&self) -> usize {
        self.kept
    }

    /// How many nodes were freed.
    pub fn freed(&self) -> usize {
        self.new_index.len() - self.kept
    }

    /// Takes the freed operations written outside the engine (see
    /// [`Graph::custom`](crate::Graph::custom)), whose rules are otherwise dropped with the
    /// compaction: whoever holds borrows a rule's drop could need takes them and drops them later.
    pub fn take_freed_ops(&mut self) -> FreedOps {
        std::mem::take(&mut self.freed_ops)
    }
}

impl Tape {
    /// Keeps only `roots` and the nodes they were computed from, moved down to the front in their
    /// order; see [`Graph::compact`](crate::Graph::compact).
    pub(crate) fn compact(&mut self, roots: impl IntoIterator<Item = usize>) -> Compaction {
        let n = self.nodes.len();
        let mut keep = vec![false; n];
        for root in roots {
            if let Some(k) = keep.get_mut(root) {
                *k = true;
            }
        }
        // Inputs come before the nodes made from them, so one sweep down the tape marks them all.
        for i in (0..n).rev() {
            if keep[i] {
                for child in self.children(i) {
                    keep[child as usize] = true;
                }
            }
        }
        let mut new_index = vec![u32::MAX; n];
        let mut kept = 0u32;
        for (i, k) in keep.iter().enumerate() {
            if *k {
                new_index[i] = kept;
                kept += 1;
            }
        }
        self.generation = self.generation.wrapping_add(1);
        self.hints.cleared();
        let map = |old: u32| new_index[old as usize];
        // Every kept node moves to an index (and its operands to a position) no later than its old
        // one, so each can be moved in place, in order.
        let mut operands_end = 0usize;
        let mut customs = Vec::new();
        let mut freed_ops = Vec::new();
        for mut custom in std::mem::take(&mut self.customs) {
            if keep[custom.node as usize] {
                custom.node = map(custom.node);
                custom
                    .inputs
                    .iter_mut()
                    .for_each(|input| *input = map(*input));
                customs.push(custom);
            } else {
                freed_ops.push(custom);
            }
        }
        let mut kept_customs = 0u32;
        for i in (0..n).filter(|&i| keep[i]) {
            let to = map(i as u32) as usize;
            let node = self.nodes[i];
            let args = match node.op.arity() {
                _ if node.op == Op::Custom => {
                    kept_customs += 1;
                    [kept_customs - 1, 0]
                }
                Some(0) => node.args,
                Some(_) => node.args.map(map),
                None => {
                    let start = node.args[0] as usize;
                    let len = match decode_operands(&self.operands, node.args) {
                        Operands::Runs { .. } => 3,
                        Operands::Listed { pairs, .. } => 1 + pairs.len(),
                    };
                    for k in 0..len {
                        self.operands[operands_end + k] = map(self.operands[start + k]);
                    }
                    let args = [operands_end as u32, node.args[1]];
                    operands_end += len;
                    args
                }
            };
            self.nodes[to] = Node::new(node.op, args, self.generation);
            self.data[to] = self.data[i];
            if i < self.grad.len() {
                self.grad[to] = self.grad[i];
            } else if to < self.grad.len() {
                self.grad[to] = 0.0;
            }
            let data = self.data[to];
            self.hints.pushed(to, node.op, data);
        }
        let kept = kept as usize;
        self.nodes.truncate(kept);
        self.data.truncate(kept);
        self.grad.truncate(kept);
        self.operands.truncate(operands_end);
        self.customs = customs;
        self.labels = std::mem::take(&mut self.labels)
            .into_iter()
            .filter_map(|(i, label)| Some((new_index.get(i as usize).copied()?, label)))
            .filter(|(i, _)| *i != u32::MAX)
            .collect();
        Compaction {
            new_index,
            kept,
            freed_ops: FreedOps(freed_ops),
        }
    }
}
