//! Notebook section 5: backpropagation by hand. First every gradient of `L = (a*b + c) * f` is set
//! from the chain rule, as the notebook does; then the same is done by calling each node's own local
//! backward step in turn (the notebook's `o._backward()`), for the graph and for the tanh neuron.
//!
//! `cargo run --example manual_backprop`

mod common;

use micrograd::Graph;

fn main() {
    let g = Graph::new();
    let a = g.value(2.0).with_label("a");
    let b = g.value(-3.0).with_label("b");
    let c = g.value(10.0).with_label("c");
    let e = (a * b).with_label("e");
    let d = (e + c).with_label("d");
    let f = g.value(-2.0).with_label("f");
    let l = (d * f).with_label("L");

    println!("by hand, with the chain rule:");
    l.set_grad(1.0);
    f.set_grad(d.data()); // dL/df = d
    d.set_grad(f.data()); // dL/dd = f
    c.set_grad(d.grad() * 1.0); // dd/dc = 1
    e.set_grad(d.grad() * 1.0); // dd/de = 1
    a.set_grad(e.grad() * b.data()); // de/da = b
    b.set_grad(e.grad() * a.data()); // de/db = a
    for v in [f, d, c, e, a, b] {
        println!("  {}.grad = {}", v.label().unwrap(), v.grad());
    }

    println!("\nby each node's local backward step, from the output back:");
    let g2 = Graph::new();
    let a = g2.value(2.0).with_label("a");
    let b = g2.value(-3.0).with_label("b");
    let c = g2.value(10.0).with_label("c");
    let e = (a * b).with_label("e");
    let d = (e + c).with_label("d");
    let f = g2.value(-2.0).with_label("f");
    let l = (d * f).with_label("L");
    l.set_grad(1.0);
    l.backward_step();
    d.backward_step();
    e.backward_step();
    for v in [f, d, c, e, a, b] {
        println!("  {}.grad = {}", v.label().unwrap(), v.grad());
    }

    println!("\nthe neuron o = tanh(x1*w1 + x2*w2 + b), one _backward() at a time:");
    let g3 = Graph::new();
    let x1 = g3.value(2.0).with_label("x1");
    let x2 = g3.value(0.0).with_label("x2");
    let w1 = g3.value(-3.0).with_label("w1");
    let w2 = g3.value(1.0).with_label("w2");
    let bias = g3.value(6.881_373_587_019_543).with_label("b");
    let x1w1 = (x1 * w1).with_label("x1*w1");
    let x2w2 = (x2 * w2).with_label("x2*w2");
    let x1w1x2w2 = (x1w1 + x2w2).with_label("x1*w1 + x2*w2");
    let n = (x1w1x2w2 + bias).with_label("n");
    let o = n.tanh().with_label("o");
    o.set_grad(1.0);
    for step in [o, n, bias, x1w1x2w2, x2w2, x1w1] {
        step.backward_step(); // a leaf's step (b) does nothing
    }
    for v in [n, bias, x1w1x2w2, x1w1, x2w2, x1, w1, x2, w2] {
        println!("  {:>13}.grad = {:.4}", v.label().unwrap(), v.grad());
    }
    common::save_picture("manual_backprop_neuron", o);
}
