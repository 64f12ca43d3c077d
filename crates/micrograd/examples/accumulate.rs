//! Notebook section 8: the bug when a value is used twice. In `b = a + a`, both of `+`'s inputs are
//! `a`; a backward rule that *sets* `self.grad = out.grad` writes 1 twice and gets 1, but db/da = 2.
//! Gradients must *accumulate* (`+=`), as the engine's do.
//!
//! `cargo run --example accumulate`

mod common;

use micrograd::Graph;

fn main() {
    let g = Graph::new();
    let a = g.value(3.0).with_label("a");
    let b = (a + a).with_label("b");

    // The buggy rule, by hand: each input's gradient is overwritten with out.grad.
    let out_grad = 1.0;
    let mut a_grad = 0.0;
    for _input in [a, a] {
        a_grad = 1.0 * out_grad; // `=`: the second write replaces the first
    }
    println!("with `self.grad = 1.0 * out.grad` (the bug): a.grad = {a_grad}");

    b.backward();
    println!(
        "with `self.grad += 1.0 * out.grad` (the fix):  a.grad = {}",
        a.grad()
    );
    common::save_picture("accumulate", b);

    // A value used on two paths: d = a*b and e = a+b both use a and b.
    let g2 = Graph::new();
    let a = g2.value(-2.0).with_label("a");
    let b = g2.value(3.0).with_label("b");
    let d = (a * b).with_label("d");
    let e = (a + b).with_label("e");
    let f = (d * e).with_label("f");
    f.backward();
    println!("\nf = (a*b) * (a+b) at a = -2, b = 3: f = {}", f.data());
    println!("  a.grad = b*e + d = {}   (both paths added)", a.grad());
    println!("  b.grad = a*e + d = {}", b.grad());
    common::save_picture("accumulate_two_paths", f);
}
