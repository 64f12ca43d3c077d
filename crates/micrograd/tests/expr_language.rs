//! The expression language through the library: precedence and associativity as Python has them,
//! the meaning of each statement form, error kinds and positions, and very deep or long programs
//! (parsed, evaluated, drawn and dropped without recursion).

use micrograd::expr::{self, ErrorKind, Evaluation};
use micrograd::{draw, Graph, Op};

/// Runs `source` and returns `name`'s data, after backward from the output.
fn run<'g>(g: &'g Graph, source: &str) -> Evaluation<'g> {
    let program = expr::parse(source).unwrap_or_else(|e| panic!("{}", e.render("test", source)));
    let run = program.eval(g).unwrap();
    run.backward();
    run
}

fn data(source: &str, name: &str) -> f64 {
    let g = Graph::new();
    run(&g, source).get(name).unwrap().data()
}

#[test]
fn precedence_and_associativity_follow_python() {
    let x = 3.0f64;
    assert_eq!(data("x = 3; y = -x**2", "y"), -(x.powf(2.0)));
    assert_eq!(data("x = 3; y = x**-2", "y"), x.powf(-2.0));
    assert_eq!(data("x = 3; y = 2**3**2", "y"), 512.0);
    assert_eq!(data("x = 3; y = 2**-x**2", "y"), 2f64.powf(-(x.powf(2.0))));
    assert_eq!(data("x = 3; y = x - 1 - 2", "y"), (x - 1.0) - 2.0);
    assert_eq!(data("x = 3; y = x / 2 / 4", "y"), (x / 2.0) / 4.0);
    assert_eq!(
        data("x = 3; y = -x * 2 + x ** 2 * -0.5", "y"),
        (-x * 2.0) + x.powf(2.0) * -0.5
    );
    assert_eq!(
        data("x = 3; y = x ** -x ** 0.5 * 2", "y"),
        x.powf(-(x.powf(0.5))) * 2.0
    );
    assert_eq!(data("x = 3; y = --x", "y"), x);
    assert_eq!(
        data("x = 3; y = (x + 1) * (x - 1)", "y"),
        (x + 1.0) * (x - 1.0)
    );
    assert_eq!(
        data("x = .5; y = x * 1e-3 + 1. + 6.8813735870195432", "y"),
        0.5 * 1e-3 + 1.0 + 6.881373587019543
    );
}

#[test]
fn numbers_assigned_alone_are_inputs_and_other_numbers_constants() {
    let g = Graph::new();
    let r = run(&g, "a = 2.0\nb = -3\nc = 1/4\nd = a * 2 + b * c");
    for name in ["a", "b", "c"] {
        assert_eq!(r.get(name).unwrap().op(), Op::Leaf, "{name}");
        assert_eq!(r.get(name).unwrap().label().as_deref(), Some(name));
    }
    assert_eq!(r.get("b").unwrap().data(), -3.0);
    assert_eq!(r.get("c").unwrap().data(), 0.25);
    assert_eq!(r.inputs().len(), 3);
    // `a * 2`: the 2 is a constant node, not an input.
    let d = r.get("d").unwrap();
    assert_eq!(d.label().as_deref(), Some("d"));
    let a_times_2 = d.children()[0];
    assert_eq!(a_times_2.op(), Op::Mul);
    assert_eq!(a_times_2.children()[1].op(), Op::Const);
    assert_eq!(
        (r.get("a").unwrap().grad(), r.get("b").unwrap().grad()),
        (2.0, 0.25)
    );
}

#[test]
fn a_name_alone_is_an_alias_of_the_same_node() {
    let g = Graph::new();
    let r = run(&g, "a = 2\nb = a\nc = (b)\nd = c * c");
    let (a, b, c) = (
        r.get("a").unwrap(),
        r.get("b").unwrap(),
        r.get("c").unwrap(),
    );
    assert_eq!((a.id(), b.id()), (a.id(), c.id()));
    assert_eq!(a.label().as_deref(), Some("a"));
    assert_eq!(a.grad(), 4.0);
    assert_eq!(g.len(), 2, "no node for the aliases");
}

#[test]
fn compound_assignment_is_name_op_parenthesized_expression() {
    // c += c + 1 is c = c + (c + 1); c *= x + 1 is c = c * (x + 1), not c * x + 1.
    assert_eq!(data("c = -4\nc += c + 1", "c"), -4.0 + (-4.0 + 1.0));
    assert_eq!(data("x = 2\nc = x\nc *= x + 1", "c"), 2.0 * (2.0 + 1.0));
    assert_eq!(data("x = 2\nc = x\nc -= x - 1", "c"), 2.0 - (2.0 - 1.0));
    assert_eq!(data("x = 2\nc = x\nc /= x / 4", "c"), 2.0 / (2.0 / 4.0));
    let g = Graph::new();
    let r = run(&g, "a = 3\nb = a\nb += 1\nout = a * b");
    assert_eq!(r.get("a").unwrap().data(), 3.0);
    assert_eq!(r.get("b").unwrap().data(), 4.0);
    // d(a * (a + 1))/da = 2a + 1
    assert_eq!(r.get("a").unwrap().grad(), 7.0);
}

#[test]
fn rebinding_keeps_first_assignment_order_and_the_last_binding() {
    let g = Graph::new();
    let r = run(&g, "x = 1\ny = x * 5\nx = 2\nz = y + x");
    let names: Vec<&str> = r.bindings().iter().map(|b| b.name.as_str()).collect();
    assert_eq!(names, ["x", "y", "z"]);
    assert_eq!(r.get("x").unwrap().data(), 2.0);
    // The second x reaches z once; the first through y, with weight 5.
    assert_eq!(r.get("x").unwrap().grad(), 1.0);
    assert_eq!(r.inputs()[0].value.grad(), 5.0);
    assert_eq!((r.inputs()[0].line, r.inputs()[1].line), (1, 3));
}

#[test]
fn constant_exponents_use_powf_and_value_exponents_pow() {
    let g = Graph::new();
    let r = run(
        &g,
        "x = 3\ne = 2\na = x ** 2\nb = x ** -(1/2)\nc = x ** e\nd = 2 ** x\nout = a + b + c + d",
    );
    assert_eq!(r.get("a").unwrap().op(), Op::Powf);
    assert_eq!(r.get("b").unwrap().op(), Op::Powf);
    // PyTorch's `3.0 ** -0.5` in float64 is 1 / sqrt(3), a bit above the C library's pow(3, -0.5).
    assert_eq!(r.get("b").unwrap().data(), 0.577_350_269_189_625_8);
    assert_eq!(r.get("c").unwrap().op(), Op::Pow);
    assert_eq!(r.get("d").unwrap().op(), Op::Pow);
    // d(x**e)/de = x**e * ln x reaches e; d(2**x)/dx = 2**x ln 2.
    assert_eq!(r.get("e").unwrap().grad(), 9.0 * 3f64.ln());
    let dx = 2.0 * 3.0 + (-0.5) * 3f64.powf(-1.5) + 2.0 * 3.0 + 8.0 * 2f64.ln();
    assert!((r.get("x").unwrap().grad() - dx).abs() < 1e-12);
}

#[test]
fn output_is_the_last_statement_unless_chosen() {
    let g = Graph::new();
    let program = expr::parse("x = 2\ny = x * x\nz = y + 1\ny = x").unwrap();
    assert_eq!(program.output(), "y");
    let mut r = program.eval(&g).unwrap();
    assert_eq!(r.output_name(), "y");
    r.set_output("z").unwrap();
    r.backward();
    assert_eq!(r.output_name(), "z");
    assert_eq!(r.get("x").unwrap().grad(), 4.0);
    assert!(r.set_output("nope").unwrap_err().contains("x, y, z"));
}

#[test]
fn comments_semicolons_blank_lines_and_crlf() {
    let source = "# inputs\r\n\r\na = 2 ; b = 3 # two on a line\r\n\r\n;;c = a*b\r\n";
    assert_eq!(data(source, "c"), 6.0);
}

/// (source, kind, line, col): one of every mistake, at the place it is reported.
const MISTAKES: &[(&str, ErrorKind, usize, usize)] = &[
    ("a = 2 $ 3", ErrorKind::UnexpectedCharacter, 1, 7),
    ("a = 1.2.3", ErrorKind::MalformedNumber, 1, 5),
    ("a = 1e", ErrorKind::MalformedNumber, 1, 5),
    ("a = 2x", ErrorKind::MalformedNumber, 1, 5),
    ("a = 1\nb = (a + 1", ErrorKind::UnbalancedParentheses, 2, 5),
    ("a = 1\nb = a + 1)", ErrorKind::UnbalancedParentheses, 2, 10),
    ("a = 1\nb = tanh(a", ErrorKind::UnbalancedParentheses, 2, 9),
    ("a = 1\nb = a +", ErrorKind::DanglingOperator, 2, 8),
    ("a = 1\nb = a * * 2", ErrorKind::DanglingOperator, 2, 9),
    ("a = 1\nb = -\nc = 1", ErrorKind::DanglingOperator, 2, 6),
    ("a =", ErrorKind::ExpectedExpression, 1, 4),
    ("a = ()", ErrorKind::ExpectedExpression, 1, 6),
    ("a = 1\nb = exp()", ErrorKind::ExpectedExpression, 2, 9),
    ("a = 1\nb = a a", ErrorKind::UnexpectedToken, 2, 7),
    ("a = 1\nb = a = 2", ErrorKind::UnexpectedToken, 2, 7),
    ("a = 1\na + 2", ErrorKind::NotAnAssignment, 2, 1),
    ("3 = a", ErrorKind::NotAnAssignment, 1, 1),
    ("a = 1\nb = a * z", ErrorKind::UnknownName, 2, 9),
    ("a += 1", ErrorKind::UnknownName, 1, 1),
    ("a = a + 1", ErrorKind::UnknownName, 1, 5),
    ("a = 1\nb = tan(a)", ErrorKind::UnknownFunction, 2, 5),
    ("tanh = 1", ErrorKind::FunctionName, 1, 1),
    ("a = 1\nb = exp + a", ErrorKind::FunctionName, 2, 5),
    ("", ErrorKind::EmptyProgram, 1, 1),
    ("# only a comment\n", ErrorKind::EmptyProgram, 2, 1),
];

#[test]
fn every_mistake_has_its_kind_and_position() {
    for &(source, kind, line, col) in MISTAKES {
        let err = expr::parse(source).expect_err(source);
        assert_eq!(
            (err.kind, err.line(), err.col()),
            (kind, line, col),
            "{source:?}: {err}"
        );
        let report = err.render("prog.mg", source);
        assert!(
            report.starts_with(&format!("prog.mg:{line}:{col}: ")),
            "{report}"
        );
        assert!(report.contains('^'), "{report}");
    }
}

#[test]
fn unknown_functions_list_the_known_ones() {
    let err = expr::parse("x = 1\ny = softplus(x)").unwrap_err();
    assert_eq!(
        err.message,
        "unknown function `softplus`: expected one of tanh, exp, log, relu, sigmoid, sin, cos, sqrt, abs"
    );
}

#[test]
fn the_caret_stays_under_the_column_in_long_lines_and_with_tabs() {
    let long = format!("x = 1\ny = {}z", "x + ".repeat(10_000));
    let err = expr::parse(&long).unwrap_err();
    assert_eq!((err.line(), err.col()), (2, 40_005));
    let report = err.render("long.mg", &long);
    assert!(
        report.len() < 400,
        "a short report for a long line: {report}"
    );
    let lines: Vec<&str> = report.lines().collect();
    let caret = lines[3].chars().position(|c| c == '^').unwrap();
    assert_eq!(lines[2].chars().nth(caret), Some('z'), "{report}");

    let tabs = "x = 1\ny =\tx\t+\tq";
    let report = expr::parse(tabs).unwrap_err().render("t.mg", tabs);
    let lines: Vec<&str> = report.lines().collect();
    let caret = lines[3].chars().position(|c| c == '^').unwrap();
    assert_eq!(lines[2].chars().nth(caret), Some('q'), "{report}");
}

/// Runs `f` on a thread with a small stack, so that any recursion proportional to the input's
/// depth would overflow it.
fn with_small_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap();
}

#[test]
fn fifty_thousand_nested_parentheses_evaluate() {
    with_small_stack(|| {
        let n = 50_000;
        let source = format!("x = 2\ny = {}x{}", "(".repeat(n), " + 1)".repeat(n));
        let g = Graph::new();
        let r = run(&g, &source);
        assert_eq!(r.get("y").unwrap().data(), 2.0 + n as f64);
        assert_eq!(r.get("x").unwrap().grad(), 1.0);
        let dot = draw::to_dot(r.output());
        // x, and a constant 1 and a sum per parenthesis.
        assert_eq!(dot.matches("shape=record").count(), 2 * n + 1);
        assert!(matches!(
            draw::to_svg(r.output()),
            Err(draw::DrawError::TooLarge(_))
        ));
    });
}

#[test]
fn long_chains_of_minus_signs_powers_and_functions_evaluate() {
    with_small_stack(|| {
        let n = 50_000;
        let g = Graph::new();
        let r = run(&g, &format!("x = 0.5\ny = {}x", "-".repeat(n)));
        assert_eq!(r.get("y").unwrap().data(), 0.5);
        let r = run(&g, &format!("x = 1.0\ny = x{}", " ** x".repeat(n)));
        assert_eq!(r.get("y").unwrap().data(), 1.0);
        let r = run(
            &g,
            &format!("x = 0.5\ny = {}x{}", "tanh(".repeat(n), ")".repeat(n)),
        );
        assert!(r.get("x").unwrap().grad() > 0.0);
        let r = run(&g, &format!("x = 0.5\ny = {}", vec!["x"; n].join(" + ")));
        assert_eq!(r.get("x").unwrap().grad(), n as f64);
        let deep_error = format!("x = 1\ny = {}x", "(".repeat(n));
        let err = expr::parse(&deep_error).unwrap_err();
        assert_eq!(err.kind, ErrorKind::UnbalancedParentheses);
    });
}

#[test]
fn near_misses_suggest_the_name_meant() {
    let err = expr::parse("x1 = 2\nw1 = 3\ny = xl * w1").unwrap_err();
    assert!(
        err.message.ends_with("; did you mean `x1`?"),
        "{}",
        err.message
    );
    let err = expr::parse("x = 2\ny = sigmod(x)").unwrap_err();
    assert!(
        err.message.ends_with("; did you mean `sigmoid`?"),
        "{}",
        err.message
    );
    let err = expr::parse("x = 2\ny = q").unwrap_err();
    assert!(!err.message.contains("did you mean"), "{}", err.message);
}
