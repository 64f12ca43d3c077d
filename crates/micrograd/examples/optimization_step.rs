//! Notebook section 6: one optimization step. Nudging every leaf a little along its gradient changes
//! the output in the direction the gradient promises: L = -8 becomes less negative.
//!
//! `cargo run --example optimization_step`

use micrograd::Graph;

fn main() {
    let g = Graph::new();
    let a = g.value(2.0).with_label("a");
    let b = g.value(-3.0).with_label("b");
    let c = g.value(10.0).with_label("c");
    let f = g.value(-2.0).with_label("f");
    let l = (a * b + c) * f;
    l.backward();
    println!(
        "L = {} with grads a {}, b {}, c {}, f {}",
        l.data(),
        a.grad(),
        b.grad(),
        c.grad(),
        f.grad()
    );

    let step = 0.01;
    for v in [a, b, c, f] {
        v.set_data(v.data() + step * v.grad());
    }
    // Rebuild the expression from the nudged leaves (the notebook's forward pass again).
    let l2 = (a * b + c) * f;
    println!(
        "after a.data += {step} * a.grad (and b, c, f): L = {:.6}",
        l2.data()
    );
    println!(
        "L went up by {:.6}, as the gradient said it would",
        l2.data() - l.data()
    );
}
