//! The chain rule as the graph explorer writes it out: for one node's local backward step, one line
//! per child saying what is added to the child's gradient, first in symbols (`a.grad += b.data ×
//! out.grad`), then in numbers. The text is the engine's own ([`Op::rule_text`]) and the amounts come
//! from the engine's backward rule ([`Op::backward`]), so the page shows what the engine does.

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
            let Some(texts) = op.rule_text() else {
                return vec![];
            };
            let x = data(0);
            let y = if s.children.len() > 1 { data(1) } else { 0.0 };
            let (dx, dy) = op.backward(x, y, s.out_data, g);
            let a = name(0);
            let b = if s.children.len() > 1 { name(1) } else { "" };
            // `{c}` is a constant exponent, shown as the number it is in both forms.
            let c = rule_number(y);
            let c_minus_1 = rule_number(y - 1.0);
            let symbols = |text: &str| {
                text.replace("{a.data}", &format!("{a}.data"))
                    .replace("{b.data}", &format!("{b}.data"))
                    .replace("{out.data>0}", &format!("[{out}.data > 0]"))
                    .replace("{out.data}", &format!("{out}.data"))
                    .replace("{out.grad}", &format!("{out}.grad"))
                    .replace("{c-1}", &c_minus_1)
                    .replace("{c}", &c)
            };
            // relu passes the gradient on unless its output is 0 or less (a NaN passes).
            let step = if s.out_data <= 0.0 { "0" } else { "1" };
            let numbers = |text: &str| {
                text.replace("{a.data}", &rule_number(x))
                    .replace("{b.data}", &rule_number(y))
                    .replace("{out.data>0}", step)
                    .replace("{out.data}", &rule_number(s.out_data))
                    .replace("{out.grad}", &rule_number(g))
                    .replace("{c-1}", &c_minus_1)
                    .replace("{c}", &c)
            };
            let mut v = vec![line(
                format!("{a}.grad += {}", symbols(texts[0])),
                numbers(texts[0]),
                dx,
            )];
            // An input that takes no gradient (a constant exponent) has no rule text.
            if s.children.len() > 1 && !texts[1].is_empty() {
                v.push(line(
                    format!("{b}.grad += {}", symbols(texts[1])),
                    numbers(texts[1]),
                    dy,
                ));
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
