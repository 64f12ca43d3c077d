//! The part of a graph a picture shows: every node the root depends on, found without recursion,
//! with the text of its record and of its operation.

use std::collections::HashSet;

use crate::graph::Value;
use crate::op::Op;

/// One value of the picture.
pub(crate) struct DrawNode {
    /// The value's tape position: unique, and increasing from inputs to outputs.
    pub id: usize,
    /// The value's label, or `""`.
    pub label: String,
    /// `data 2.0000`
    pub data: String,
    /// `grad 6.0000`
    pub grad: String,
    /// The operation's text (`+`, `tanh`, `**2`), or `None` for an input or a constant.
    pub op: Option<String>,
    /// The ids of the values the operation reads, in argument order.
    pub inputs: Vec<usize>,
}

/// Every node `root` depends on (itself included), in creation order, so inputs come first.
pub(crate) fn collect(root: Value<'_>) -> Vec<DrawNode> {
    let mut seen = HashSet::new();
    let mut stack = vec![root];
    let mut values = Vec::new();
    seen.insert(root.id());
    while let Some(v) = stack.pop() {
        let op = v.op();
        let mut children = v.children();
        // The notebook draws `x**2` as one operation `**2`: a constant exponent is part of the op.
        let op_text = match op {
            Op::Leaf | Op::Const => None,
            Op::Powf => {
                let exponent = children.pop().map_or(f64::NAN, |c| c.data());
                Some(format!("**{}", short_number(exponent)))
            }
            _ => Some(v.op_name()),
        };
        for &c in &children {
            if seen.insert(c.id()) {
                stack.push(c);
            }
        }
        values.push(DrawNode {
            id: v.id(),
            label: v.label().unwrap_or_default(),
            data: format!("data {}", number(v.data())),
            grad: format!("grad {}", number(v.grad())),
            op: op_text,
            inputs: children.iter().map(|c| c.id()).collect(),
        });
    }
    values.sort_by_key(|n| n.id);
    values
}

/// A number as the notebook prints it in a record (`%.4f`), switching to an exponent where four
/// decimals would hide the number or print hundreds of digits.
pub(crate) fn number(x: f64) -> String {
    let magnitude = x.abs();
    if x.is_finite() && x != 0.0 && !(1e-4..1e9).contains(&magnitude) {
        format!("{x:.4e}")
    } else {
        format!("{x:.4}")
    }
}

/// A constant exponent as written: `2`, `0.5`, `-1`.
fn short_number(x: f64) -> String {
    if x.is_finite() && x == x.trunc() && x.abs() < 1e15 {
        format!("{x:.0}")
    } else {
        format!("{x}")
    }
}
