//! Notebook section 9: more operations — a plain number on either side (`a + 1`, `2 * a`), `exp`, `**`
//! with a number, division as `a * b**-1`, negation and subtraction — and tanh rebuilt from them,
//! `(e^{2n} - 1) / (e^{2n} + 1)`, giving the neuron the same output and gradients as `tanh`.
//!
//! `cargo run --example tanh_from_exp`

mod common;

use micrograd::{Graph, Value};

const B: f64 = 6.881_373_587_019_543;

/// The notebook's neuron with its activation built by `activation`; returns (o, [x1, w1, x2, w2, b]).
fn neuron<'g>(
    g: &'g Graph,
    activation: impl Fn(Value<'g>) -> Value<'g>,
) -> (Value<'g>, [Value<'g>; 5]) {
    let x1 = g.value(2.0).with_label("x1");
    let x2 = g.value(0.0).with_label("x2");
    let w1 = g.value(-3.0).with_label("w1");
    let w2 = g.value(1.0).with_label("w2");
    let b = g.value(B).with_label("b");
    let n = (x1 * w1 + x2 * w2 + b).with_label("n");
    let o = activation(n).with_label("o");
    o.backward();
    (o, [x1, w1, x2, w2, b])
}

fn main() {
    let g = Graph::new();
    let a = g.value(2.0);
    let b = g.value(4.0);
    println!("a = {}, b = {}", a.data(), b.data());
    println!(
        "a + 1 = {}   1 + a = {}",
        (a + 1.0).data(),
        (1.0 + a).data()
    );
    println!(
        "a * 2 = {}   2 * a = {}",
        (a * 2.0).data(),
        (2.0 * a).data()
    );
    println!(
        "a / b = {}   a * b**-1 = {}",
        (a / b).data(),
        (a * b.powf(-1.0)).data()
    );
    println!(
        "a - b = {}   -a = {}   a.exp() = {:.4}   a**3 = {}",
        (a - b).data(),
        (-a).data(),
        a.exp().data(),
        a.powf(3.0).data()
    );

    let g1 = Graph::new();
    let (o_tanh, inputs_tanh) = neuron(&g1, |n| n.tanh());
    let g2 = Graph::new();
    let (o_exp, inputs_exp) = neuron(&g2, |n| {
        let e = (2.0 * n).exp().with_label("e");
        (e - 1.0) / (e + 1.0)
    });
    println!("\n{:>4}  {:>12}  {:>16}", "", "tanh(n)", "(e-1)/(e+1)");
    println!(
        "{:>4}  {:>12.6}  {:>16.6}",
        "o",
        o_tanh.data(),
        o_exp.data()
    );
    for (t, e) in inputs_tanh.iter().zip(&inputs_exp) {
        println!(
            "{:>4}  {:>12.6}  {:>16.6}",
            t.label().unwrap(),
            t.grad(),
            e.grad()
        );
    }
    common::save_picture("tanh_from_exp", o_exp);
}
