//! The chain rule as the graph explorer writes it out: for one node's local backward step, one line
//! per child saying what is added to the child's gradient, first in symbols (`a.grad += b.data ×
//! out.grad`), then in numbers. The amounts come from the engine's own backward rule
//! ([`Op::backward`]), so the page shows what the engine does.

use micrograd::Op;

use crate::format::rule_number;

/// One child's share of a local backward step.
pub struct RuleLine {
    /// The rule in symbols, such as `a.grad += b.data × L.grad`.
    pub symbolic: String,
    /// The same with the numbers put in, such as `(-3) × (-2)`.
    pub numeric: String,
    /// What the step adds to the child's gradient.
    pub amount: f64,
}

/// The operands a rule is written with: the node (`out`), its children's names and data, and its
/// gradient.
pub struct StepInputs<'a> {
    /// The operation of the node whose step this is.
    pub op: Op,
    /// The node's name, such as `L` or `#7`.
    pub out: &'a str,
    /// The node's data.
    pub out_data: f64,
    /// The node's gradient when its step runs.
    pub out_grad: f64,
    /// Each child's name and data, in argument order.
    pub children: &'a [(String, f64)],
}

/// The lines of one local backward step, one per child (for `a * a`, one per argument).
pub fn lines(s: &StepInputs) -> Vec<RuleLine> {
    let out = s.out;
    let g = s.out_grad;
    let name = |i: usize| s.children[i].0.as_str();
    let data = |i: usize| s.children[i].1;
    let line = |symbolic: String, numeric: String, amount: f64| RuleLine {
        symbolic,
        numeric,
        amount,
    };
    match s.op {
        // A rule written outside the engine has no formula to show.
        Op::Leaf | Op::Const | Op::Custom => vec![],
        op if op.is_weighted_sum() => {
            // A neuron in one node first takes its activation's derivative, read from its output.
            let (grad, grad_num, g) = match op.activation().and_then(|a| a.op()) {
                None => (format!("{out}.grad"), rule_number(g), g),
                Some(a) => {
                    let slope = a.backward(0.0, 0.0, s.out_data, 1.0).0;
                    (
                        format!("{}′ × {out}.grad", a.symbol()),
                        format!("{} × {}", rule_number(slope), rule_number(g)),
                        a.backward(0.0, 0.0, s.out_data, g).0,
                    )
                }
            };
            // Operands are laid out [bias, w0, x0, w1, x1, ...].
            let mut v = vec![line(
                format!("{}.grad += {grad}", name(0)),
                grad_num.clone(),
                g,
            )];
            for pair in 0..(s.children.len() - 1) / 2 {
                let (w, x) = (1 + 2 * pair, 2 + 2 * pair);
                v.push(line(
                    format!("{}.grad += {}.data × {grad}", name(w), name(x)),
                    format!("{} × {grad_num}", rule_number(data(x))),
                    data(x) * g,
                ));
                v.push(line(
                    format!("{}.grad += {}.data × {grad}", name(x), name(w)),
                    format!("{} × {grad_num}", rule_number(data(w))),
                    data(w) * g,
                ));
            }
            v
        }
        op => {
            let x = data(0);
            let y = if s.children.len() > 1 { data(1) } else { 0.0 };
            let (dx, dy) = op.backward(x, y, s.out_data, g);
            let a = name(0);
            let b = if s.children.len() > 1 { name(1) } else { "" };
            let (od, c) = (s.out_data, y);
            let (sx, nx, sy, ny): (String, String, String, String) = match op {
                Op::Add => (
                    format!("{out}.grad"),
                    rule_number(g),
                    format!("{out}.grad"),
                    rule_number(g),
                ),
                Op::Sub => (
                    format!("{out}.grad"),
                    rule_number(g),
                    format!("-{out}.grad"),
                    format!("-{}", rule_number(g)),
                ),
                Op::Mul => (
                    format!("{b}.data × {out}.grad"),
                    format!("{} × {}", rule_number(y), rule_number(g)),
                    format!("{a}.data × {out}.grad"),
                    format!("{} × {}", rule_number(x), rule_number(g)),
                ),
                Op::Div => (
                    format!("{out}.grad / {b}.data"),
                    format!("{} / {}", rule_number(g), rule_number(y)),
                    format!("-{out}.grad × {a}.data / {b}.data²"),
                    format!(
                        "-{} × {} / {}²",
                        rule_number(g),
                        rule_number(x),
                        rule_number(y)
                    ),
                ),
                Op::Neg => (
                    format!("-{out}.grad"),
                    format!("-{}", rule_number(g)),
                    String::new(),
                    String::new(),
                ),
                Op::Powf => (
                    format!(
                        "{} × {a}.data^{} × {out}.grad",
                        rule_number(c),
                        rule_number(c - 1.0)
                    ),
                    format!(
                        "{} × {}^{} × {}",
                        rule_number(c),
                        rule_number(x),
                        rule_number(c - 1.0),
                        rule_number(g)
                    ),
                    String::new(),
                    String::new(),
                ),
                Op::Pow => (
                    format!("{b}.data × {a}.data^({b}.data - 1) × {out}.grad"),
                    format!(
                        "{} × {}^({} - 1) × {}",
                        rule_number(y),
                        rule_number(x),
                        rule_number(y),
                        rule_number(g)
                    ),
                    format!("{out}.data × ln({a}.data) × {out}.grad"),
                    format!(
                        "{} × ln({}) × {}",
                        rule_number(od),
                        rule_number(x),
                        rule_number(g)
                    ),
                ),
                Op::Exp => (
                    format!("{out}.data × {out}.grad"),
                    format!("{} × {}", rule_number(od), rule_number(g)),
                    String::new(),
                    String::new(),
                ),
                Op::Log => (
                    format!("{out}.grad / {a}.data"),
                    format!("{} / {}", rule_number(g), rule_number(x)),
                    String::new(),
                    String::new(),
                ),
                Op::Tanh => (
                    format!("(1 - {out}.data²) × {out}.grad"),
                    format!("(1 - {}²) × {}", rule_number(od), rule_number(g)),
                    String::new(),
                    String::new(),
                ),
                Op::Sigmoid => (
                    format!("{out}.data × (1 - {out}.data) × {out}.grad"),
                    format!(
                        "{} × (1 - {}) × {}",
                        rule_number(od),
                        rule_number(od),
                        rule_number(g)
                    ),
                    String::new(),
                    String::new(),
                ),
                Op::Relu => (
                    format!("[{out}.data > 0] × {out}.grad"),
                    format!("{} × {}", if od > 0.0 { 1 } else { 0 }, rule_number(g)),
                    String::new(),
                    String::new(),
                ),
                Op::Sin => (
                    format!("cos({a}.data) × {out}.grad"),
                    format!("cos({}) × {}", rule_number(x), rule_number(g)),
                    String::new(),
                    String::new(),
                ),
                Op::Cos => (
                    format!("-sin({a}.data) × {out}.grad"),
                    format!("-sin({}) × {}", rule_number(x), rule_number(g)),
                    String::new(),
                    String::new(),
                ),
                Op::Sqrt => (
                    format!("{out}.grad / (2 × {out}.data)"),
                    format!("{} / (2 × {})", rule_number(g), rule_number(od)),
                    String::new(),
                    String::new(),
                ),
                Op::Abs => (
                    format!("sign({a}.data) × {out}.grad"),
                    format!("sign({}) × {}", rule_number(x), rule_number(g)),
                    String::new(),
                    String::new(),
                ),
                Op::Leaf | Op::Const | Op::Custom | Op::WeightedSum(_) => {
                    unreachable!("handled above")
                }
            };
            let mut v = vec![line(format!("{a}.grad += {sx}"), nx, dx)];
            // A constant exponent is not a child that takes a gradient.
            if s.children.len() > 1 && op != Op::Powf {
                v.push(line(format!("{b}.grad += {sy}"), ny, dy));
            }
            v
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multiplication_reads_as_the_notebook_writes_it() {
        let children = [("a".to_string(), 2.0), ("b".to_string(), -3.0)];
        let s = StepInputs {
            op: Op::Mul,
            out: "out",
            out_data: -6.0,
            out_grad: -2.0,
            children: &children,
        };
        let v = lines(&s);
        assert_eq!(v[0].symbolic, "a.grad += b.data × out.grad");
        assert_eq!(v[0].numeric, "(-3) × (-2)");
        assert_eq!(v[0].amount, 6.0);
        assert_eq!(v[1].symbolic, "b.grad += a.data × out.grad");
        assert_eq!(v[1].amount, -4.0);
    }

    #[test]
    fn a_neuron_in_one_node_applies_its_slope_first() {
        let children = [
            ("b".to_string(), 0.5),
            ("w".to_string(), 2.0),
            ("x".to_string(), -1.0),
        ];
        let s = StepInputs {
            op: Op::WeightedSum(micrograd::nn::Activation::Tanh),
            out: "n",
            out_data: 0.5,
            out_grad: 2.0,
            children: &children,
        };
        let v = lines(&s);
        assert_eq!(v[0].symbolic, "b.grad += tanh′ × n.grad");
        assert_eq!(v[0].numeric, "0.75 × 2");
        assert_eq!(v[0].amount, 1.5);
        assert_eq!(v[1].symbolic, "w.grad += x.data × tanh′ × n.grad");
        assert_eq!(v[1].amount, -1.5);
        assert_eq!(v[2].amount, 3.0);
    }

    #[test]
    fn constant_exponent_gets_no_line() {
        let children = [("x".to_string(), 3.0), ("2".to_string(), 2.0)];
        let s = StepInputs {
            op: Op::Powf,
            out: "y",
            out_data: 9.0,
            out_grad: 1.0,
            children: &children,
        };
        let v = lines(&s);
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].amount, 6.0);
    }
}
