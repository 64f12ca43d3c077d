//! Fuzzing the expression language inside `cargo test`: arbitrary text never makes parsing or
//! evaluation panic, and random well-formed programs, printed with as few parentheses as the
//! grammar allows, evaluate to exactly what an independent evaluation of the same tree gives.

use micrograd::expr::{self, Func};
use micrograd::{draw, Graph, Op};
use proptest::prelude::*;

/// Parses, evaluates, backpropagates and draws `source`; any panic fails the property.
fn run_anything(source: &str) {
    match expr::parse(source) {
        Ok(program) => {
            let g = Graph::new();
            let run = program.eval(&g).expect("a parsed program evaluates");
            run.backward();
            let _ = run.to_json();
            let _ = draw::to_dot(run.output());
        }
        Err(e) => {
            assert!(e.line() >= 1 && e.col() >= 1 && !e.message.is_empty());
            let report = e.render("fuzz", source);
            assert!(report.contains('^'));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_text_never_panics(source in any::<String>()) {
        run_anything(&source);
    }

    #[test]
    fn text_made_of_the_language_never_panics(
        source in "([a-c]|x1|tanh|exp|log|relu|sqrt|foo|[0-9]|\\.|e|E|[-+*/=()#;\n \t]|\\*\\*|[+*/-]=|1e-3|\\$){0,60}"
    ) {
        run_anything(&source);
    }
}

/// An expression tree, printed into a program and evaluated independently.
#[derive(Clone, Debug)]
enum Tree {
    Number(f64),
    Name(usize),
    Neg(Box<Tree>),
    Binary(char, Box<Tree>, Box<Tree>),
    Call(Func, Box<Tree>),
}

/// How tightly a printed tree binds, as the grammar ranks them.
fn rank(t: &Tree) -> u8 {
    match t {
        Tree::Binary('+' | '-', ..) => 1,
        Tree::Binary('*' | '/', ..) => 2,
        Tree::Neg(_) => 3,
        Tree::Binary(..) => 4,
        Tree::Number(_) | Tree::Name(_) | Tree::Call(..) => 5,
    }
}

/// Prints `t` with the parentheses the grammar needs, plus the extra ones `extra` asks for.
fn print(t: &Tree, extra: &mut impl Iterator<Item = bool>) -> String {
    let wrap = |s: String, need: bool, extra: &mut dyn Iterator<Item = bool>| {
        if need || extra.next().unwrap_or(false) {
            format!("({s})")
        } else {
            s
        }
    };
    match t {
        Tree::Number(x) => format!("{x:?}"),
        Tree::Name(i) => format!("v{i}"),
        Tree::Neg(x) => {
            let inner = print(x, extra);
            format!("-{}", wrap(inner, rank(x) < 3, extra))
        }
        Tree::Call(f, x) => format!("{}({})", f.name(), print(x, extra)),
        Tree::Binary(op, x, y) => {
            let (l, r) = (print(x, extra), print(y, extra));
            let (left_needs, right_needs) = if *op == '^' {
                // power := atom ("**" unary)?
                (rank(x) < 5, rank(y) < 3)
            } else {
                let p = rank(t);
                (
                    rank(x) < p,
                    rank(y) <= p && rank(y) != 3 && rank(y) != 4 || rank(y) < p,
                )
            };
            let symbol = if *op == '^' {
                "**".to_string()
            } else {
                format!(" {op} ")
            };
            format!(
                "{}{symbol}{}",
                wrap(l, left_needs, extra),
                wrap(r, right_needs, extra)
            )
        }
    }
}

/// The tree's value computed directly in `f64`, with the engine's definition of each function.
fn value(t: &Tree, names: &[f64]) -> f64 {
    evaluate(t, names).0
}

/// The tree's value, and whether it is a plain number (no name in it): a power whose exponent is a
/// plain number is `Op::Powf`, as PyTorch's `x ** 2.0`; one whose exponent holds a name is `Op::Pow`,
/// as `x ** tensor`, and the two may differ in the last bit.
fn evaluate(t: &Tree, names: &[f64]) -> (f64, bool) {
    match t {
        Tree::Number(x) => (*x, true),
        Tree::Name(i) => (names[*i], false),
        Tree::Neg(x) => {
            let (x, number) = evaluate(x, names);
            (-x, number)
        }
        Tree::Call(f, x) => {
            let (x, number) = evaluate(x, names);
            (f.op().forward(x, 0.0), number)
        }
        Tree::Binary(op, x, y) => {
            let ((x, x_number), (y, y_number)) = (evaluate(x, names), evaluate(y, names));
            let result = match op {
                '+' => x + y,
                '-' => x - y,
                '*' => x * y,
                '/' => x / y,
                _ if y_number => Op::Powf.forward(x, y),
                _ => Op::Pow.forward(x, y),
            };
            (result, x_number && y_number)
        }
    }
}

fn tree(names: usize) -> impl Strategy<Value = Tree> {
    let leaf = prop_oneof![
        (0.0f64..10.0).prop_map(Tree::Number),
        prop_oneof![Just(0.5), Just(2.0), Just(1e-3), Just(3.0)].prop_map(Tree::Number),
        (0..names).prop_map(Tree::Name),
    ];
    leaf.prop_recursive(6, 40, 2, |inner| {
        prop_oneof![
            inner.clone().prop_map(|x| Tree::Neg(Box::new(x))),
            (
                prop::sample::select(vec!['+', '-', '*', '/', '^']),
                inner.clone(),
                inner.clone()
            )
                .prop_map(|(op, x, y)| Tree::Binary(op, Box::new(x), Box::new(y))),
            (prop::sample::select(Func::all().collect::<Vec<_>>()), inner)
                .prop_map(|(f, x)| Tree::Call(f, Box::new(x))),
        ]
    })
}

fn same(a: f64, b: f64) -> bool {
    a == b || (a.is_nan() && b.is_nan())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn random_programs_evaluate_as_their_trees(
        inputs in prop::collection::vec(-3.0f64..3.0, 1..4),
        trees in prop::collection::vec(tree(3), 1..5),
        compound in prop::collection::vec(prop::sample::select(vec!["=", "+=", "-=", "*=", "/="]), 5),
        extra in prop::collection::vec(any::<bool>(), 64),
    ) {
        // v0..vk are inputs; each tree assigns the next name, or updates the last one.
        let mut source = String::new();
        let mut names: Vec<f64> = Vec::new();
        for (i, x) in inputs.iter().enumerate() {
            source.push_str(&format!("v{i} = {x:?}\n"));
            names.push(*x);
        }
        let mut extra = extra.into_iter().cycle().skip(1);
        for (tree, assign) in trees.iter().zip(compound) {
            let tree = remap(tree, names.len());
            let x = value(&tree, &names);
            let text = print(&tree, &mut extra);
            let last = names.len() - 1;
            if assign == "=" || last < inputs.len() {
                source.push_str(&format!("v{} = {text}\n", names.len()));
                names.push(x);
            } else {
                source.push_str(&format!("v{last} {assign} {text}\n"));
                let current = names[last];
                names[last] = match assign {
                    "+=" => current + x,
                    "-=" => current - x,
                    "*=" => current * x,
                    _ => current / x,
                };
            }
        }
        let program = expr::parse(&source).map_err(|e| TestCaseError::fail(e.render("gen", &source)))?;
        let g = Graph::new();
        let run = program.eval(&g).unwrap();
        run.backward();
        for (i, want) in names.iter().enumerate() {
            let got = run.get(&format!("v{i}")).unwrap().data();
            prop_assert!(same(got, *want), "v{i}: {got} vs {want}\n{source}");
        }
    }
}

/// Points the tree's names at names that exist (`v0..v{count-1}`).
fn remap(t: &Tree, count: usize) -> Tree {
    match t {
        Tree::Number(x) => Tree::Number(*x),
        Tree::Name(i) => Tree::Name(i % count),
        Tree::Neg(x) => Tree::Neg(Box::new(remap(x, count))),
        Tree::Call(f, x) => Tree::Call(*f, Box::new(remap(x, count))),
        Tree::Binary(op, x, y) => {
            Tree::Binary(*op, Box::new(remap(x, count)), Box::new(remap(y, count)))
        }
    }
}
