//! Notebook section 4: checking a gradient numerically. Nudge one input by h, rebuild L, and compare
//! `(L(x + h) - L(x)) / h` with the gradient `backward()` computed; then the same for every input at
//! once with the library's central-difference `gradcheck`.
//!
//! `cargo run --example gradient_check`

use micrograd::{gradcheck, Graph};

/// The notebook's `lol()`: L = (a*b + c) * f with one named value nudged by h.
fn l_with_nudge(name: &str, h: f64) -> f64 {
    let g = Graph::new();
    let bump = |n: &str| if n == name { h } else { 0.0 };
    let a = g.value(2.0 + bump("a"));
    let b = g.value(-3.0 + bump("b"));
    let c = g.value(10.0 + bump("c"));
    let e = a * b + bump("e");
    let d = e + c + bump("d");
    let f = g.value(-2.0 + bump("f"));
    (d * f).data()
}

fn main() {
    let g = Graph::new();
    let a = g.value(2.0).with_label("a");
    let b = g.value(-3.0).with_label("b");
    let c = g.value(10.0).with_label("c");
    let e = (a * b).with_label("e");
    let d = (e + c).with_label("d");
    let f = g.value(-2.0).with_label("f");
    let l = (d * f).with_label("L");
    l.backward();

    let h = 0.0001;
    println!("one-sided differences with h = {h}, as the notebook's lol():");
    println!("  {:>2}  {:>12}  {:>9}", "", "(L2 - L1)/h", "grad");
    for v in [a, b, c, e, d, f] {
        let name = v.label().unwrap();
        let numeric = (l_with_nudge(&name, h) - l_with_nudge("", 0.0)) / h;
        println!("  {name:>2}  {numeric:>12.6}  {:>9.4}", v.grad());
    }

    println!("\ncentral differences for every input at once (micrograd::gradcheck):");
    let report = gradcheck(l, &[a, b, c, f], 1e-6, 1e-7);
    for check in &report.inputs {
        println!(
            "  {:>2}  analytic {:>7.4}  numeric {:>10.6}  error {:.1e}",
            check.name, check.analytic, check.numeric, check.error
        );
    }
    println!("all agree: {}", report.passed());
}
