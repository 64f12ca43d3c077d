//! Evaluation: a parsed [`Program`] run into a [`Graph`], statement by statement.
//!
//! Each right-hand side is evaluated in one forward pass over its post-order nodes (no recursion).
//! A node is either a plain number (when no name appears below it) or a [`Value`] in the graph:
//! numbers combine as `f64`s, exactly as Python combines the numbers of a PyTorch program before they
//! meet a tensor, and a number meets a value through the engine's `f64` operators, which record it as
//! a constant. So `x * (2 + 3)` is one multiplication by the constant 5, and `x ** (1/2)` is a power
//! with the constant exponent 0.5.

use std::collections::HashMap;
use std::fmt::Write as _;

use super::ast::{BinOp, ExprKind, Program};
use super::error::ExprError;
use crate::graph::Graph;
use crate::graph::Value;
use crate::op::Op;

/// A name and the node it is bound to.
#[derive(Clone, Debug)]
pub struct Binding<'g> {
    /// The name, as the program writes it.
    pub name: String,
    /// The node: for [`Evaluation::bindings`] the one bound last.
    pub value: Value<'g>,
    /// The line of the statement that bound it.
    pub line: usize,
}

/// The result of running a program: every name's node, every input, and the output.
#[derive(Clone, Debug)]
pub struct Evaluation<'g> {
    bindings: Vec<Binding<'g>>,
    inputs: Vec<Binding<'g>>,
    index: HashMap<String, usize>,
    output: usize,
}

/// An evaluated node: a plain number, or a node of the graph.
#[derive(Clone, Copy)]
enum Operand<'g> {
    Number(f64),
    Node(Value<'g>),
}

impl Program {
    /// Runs the program into `graph`:
    ///
    /// - `NAME = NUMBER`, `NAME = -NUMBER`, and generally `NAME = ` any expression without names
    ///   (`x = 1/3`), makes an input: a leaf labelled `NAME`;
    /// - `NAME = expr` labels the node `expr` makes `NAME`; `NAME = other` binds `NAME` to the same
    ///   node as `other` (an alias: no new node);
    /// - `NAME op= expr` is `NAME = NAME op (expr)` (so `c += c + 1` is `c = c + (c + 1)`);
    /// - numbers inside expressions are constants; `x ** e` with an exponent `e` free of names is
    ///   [`Value::powf`], with names [`Value::pow`] (the gradient reaches the exponent too).
    ///
    /// The output is the last statement's name; choose another with
    /// [`Evaluation::set_output`]. Gradients are not computed: call [`Evaluation::backward`].
    ///
    /// ```
    /// use micrograd::{expr, Graph};
    ///
    /// let program = expr::parse("a = 2.0\nb = -3.0\nc = 10\nf = -2\nL = (a*b + c) * f").unwrap();
    /// let g = Graph::new();
    /// let run = program.eval(&g).unwrap();
    /// run.backward();
    /// assert_eq!(run.output().data(), -8.0);
    /// assert_eq!(run.get("a").unwrap().grad(), 6.0);
    /// ```
    ///
    /// # Errors
    /// None today: [`parse`](super::parse) finds every mistake a program can hold. The `Result` keeps
    /// room for checks that need values.
    pub fn eval<'g>(&self, graph: &'g Graph) -> Result<Evaluation<'g>, ExprError> {
        let mut run = Evaluation {
            bindings: Vec::new(),
            inputs: Vec::new(),
            index: HashMap::new(),
            output: 0,
        };
        let mut slots: Vec<Operand<'g>> = Vec::new();
        for statement in &self.statements {
            slots.clear();
            let first = statement.first;
            for expr in &self.exprs[first..=statement.value.0] {
                let at = |id: super::ast::ExprId| slots[id.0 - first];
                let result = match &expr.kind {
                    ExprKind::Number(x) => Operand::Number(*x),
                    ExprKind::Name(name) => {
                        Operand::Node(run.bindings[run.index[name.as_str()]].value)
                    }
                    ExprKind::Neg(x) => match at(*x) {
                        Operand::Number(x) => Operand::Number(-x),
                        Operand::Node(x) => Operand::Node(-x),
                    },
                    ExprKind::Binary(op, x, y) => apply(graph, *op, at(*x), at(*y)),
                    ExprKind::Call(func, x) => match at(*x) {
                        Operand::Number(x) => Operand::Number(func.op().forward(x, 0.0)),
                        Operand::Node(x) => Operand::Node(call(func.op(), x)),
                    },
                };
                slots.push(result);
            }
            let rhs = slots[statement.value.0 - first];
            let name = statement.target.as_str();
            let line = statement.pos.line;
            let value = match (statement.assign.bin_op(), rhs) {
                (None, Operand::Number(x)) => {
                    let leaf = graph.value(x).with_label(name);
                    run.inputs.push(Binding {
                        name: name.to_string(),
                        value: leaf,
                        line,
                    });
                    leaf
                }
                (None, Operand::Node(v)) => {
                    // An alias (`b = a`, `b = (a)`) keeps the node as it is, label included.
                    if !matches!(self.exprs[statement.value.0].kind, ExprKind::Name(_)) {
                        v.set_label(name);
                    }
                    v
                }
                (Some(op), rhs) => {
                    let current = Operand::Node(run.bindings[run.index[name]].value);
                    let Operand::Node(v) = apply(graph, op, current, rhs) else {
                        unreachable!("a value combined with anything is a value")
                    };
                    v.with_label(name)
                }
            };
            run.output = match run.index.get(name) {
                Some(&i) => {
                    run.bindings[i].value = value;
                    run.bindings[i].line = line;
                    i
                }
                None => {
                    run.index.insert(name.to_string(), run.bindings.len());
                    run.bindings.push(Binding {
                        name: name.to_string(),
                        value,
                        line,
                    });
                    run.bindings.len() - 1
                }
            };
        }
        Ok(run)
    }
}

/// `x op y` on numbers or values; a number meeting a value becomes a constant node.
fn apply<'g>(graph: &'g Graph, op: BinOp, x: Operand<'g>, y: Operand<'g>) -> Operand<'g> {
    use Operand::{Node, Number};
    let result = match (op, x, y) {
        (BinOp::Add, Number(x), Number(y)) => return Number(Op::Add.forward(x, y)),
        (BinOp::Sub, Number(x), Number(y)) => return Number(Op::Sub.forward(x, y)),
        (BinOp::Mul, Number(x), Number(y)) => return Number(Op::Mul.forward(x, y)),
        (BinOp::Div, Number(x), Number(y)) => return Number(Op::Div.forward(x, y)),
        (BinOp::Pow, Number(x), Number(y)) => return Number(Op::Powf.forward(x, y)),
        (BinOp::Add, Node(x), Number(y)) => x + y,
        (BinOp::Sub, Node(x), Number(y)) => x - y,
        (BinOp::Mul, Node(x), Number(y)) => x * y,
        (BinOp::Div, Node(x), Number(y)) => x / y,
        (BinOp::Pow, Node(x), Number(y)) => x.powf(y),
        (BinOp::Add, Number(x), Node(y)) => x + y,
        (BinOp::Sub, Number(x), Node(y)) => x - y,
        (BinOp::Mul, Number(x), Node(y)) => x * y,
        (BinOp::Div, Number(x), Node(y)) => x / y,
        (BinOp::Pow, Number(x), Node(y)) => graph.constant(x).pow(y),
        (BinOp::Add, Node(x), Node(y)) => x + y,
        (BinOp::Sub, Node(x), Node(y)) => x - y,
        (BinOp::Mul, Node(x), Node(y)) => x * y,
        (BinOp::Div, Node(x), Node(y)) => x / y,
        (BinOp::Pow, Node(x), Node(y)) => x.pow(y),
    };
    Node(result)
}

fn call(op: Op, x: Value<'_>) -> Value<'_> {
    match op {
        Op::Tanh => x.tanh(),
        Op::Exp => x.exp(),
        Op::Log => x.log(),
        Op::Relu => x.relu(),
        Op::Sigmoid => x.sigmoid(),
        Op::Sin => x.sin(),
        Op::Cos => x.cos(),
        Op::Sqrt => x.sqrt(),
        Op::Abs => x.abs(),
        other => unreachable!("{other:?} is not a function of the language"),
    }
}

impl<'g> Evaluation<'g> {
    /// Every name with the node it was bound to last, in order of first assignment.
    pub fn bindings(&self) -> &[Binding<'g>] {
        &self.bindings
    }

    /// Every input (leaf) the program made, in order, including those whose name was later rebound.
    pub fn inputs(&self) -> &[Binding<'g>] {
        &self.inputs
    }

    /// The node `name` was bound to last.
    pub fn get(&self, name: &str) -> Option<Value<'g>> {
        self.index.get(name).map(|&i| self.bindings[i].value)
    }

    /// The output's name.
    pub fn output_name(&self) -> &str {
        &self.bindings[self.output].name
    }

    /// The output's node.
    pub fn output(&self) -> Value<'g> {
        self.bindings[self.output].value
    }

    /// Makes `name` the output.
    ///
    /// # Errors
    /// If the program assigns no such name: the message lists the names it does assign.
    pub fn set_output(&mut self, name: &str) -> Result<(), String> {
        match self.index.get(name) {
            Some(&i) => {
                self.output = i;
                Ok(())
            }
            None => {
                let names: Vec<&str> = self.bindings.iter().map(|b| b.name.as_str()).collect();
                Err(format!(
                    "no name `{name}` in the program; it assigns {}",
                    names.join(", ")
                ))
            }
        }
    }

    /// Backpropagation from the output: resets every gradient of the graph, then fills each node's
    /// gradient with d(output)/d(node) (0 for nodes the output does not depend on).
    pub fn backward(&self) {
        self.output().graph().zero_grad();
        self.output().backward();
    }

    /// The values and gradients as JSON, in the shape `micrograd eval --json` prints:
    /// `{"output": NAME, "values": {NAME: {"data": x, "grad": g}, ...}}`, names in order of first
    /// assignment. Numbers are printed so that they read back to the same `f64`; NaN and infinities
    /// are the strings `"nan"`, `"inf"`, `"-inf"`.
    ///
    /// ```
    /// use micrograd::{expr, Graph};
    ///
    /// let program = expr::parse("a = 3\nb = a + a").unwrap();
    /// let g = Graph::new();
    /// let run = program.eval(&g).unwrap();
    /// run.backward();
    /// assert_eq!(
    ///     run.to_json(),
    ///     r#"{"output": "b", "values": {"a": {"data": 3.0, "grad": 2.0}, "b": {"data": 6.0, "grad": 1.0}}}"#
    /// );
    /// ```
    pub fn to_json(&self) -> String {
        let mut out = format!(
            "{{\"output\": {}, \"values\": {{",
            json_string(self.output_name())
        );
        for (i, b) in self.bindings.iter().enumerate() {
            let sep = if i == 0 { "" } else { ", " };
            let _ = write!(
                out,
                "{sep}{}: {{\"data\": {}, \"grad\": {}}}",
                json_string(&b.name),
                json_number(b.value.data()),
                json_number(b.value.grad())
            );
        }
        out.push_str("}}");
        out
    }
}

/// A number as JSON that reads back exactly; non-finite numbers as the strings of the format.
pub fn json_number(x: f64) -> String {
    if x.is_nan() {
        "\"nan\"".to_string()
    } else if x.is_infinite() {
        if x > 0.0 { "\"inf\"" } else { "\"-inf\"" }.to_string()
    } else {
        // `{:?}` is the shortest text that parses back to the same f64 (`0.1`, `1e-7`, `2.0`).
        format!("{x:?}")
    }
}

/// A string as a JSON string literal.
fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
