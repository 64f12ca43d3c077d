//! Notebook sections 7–8: a neuron `o = tanh(x1*w1 + x2*w2 + b)`. Its gradients worked out by hand with
//! the chain rule, then by `backward()` (a reverse sweep over the graph in topological order), then
//! with the library's `Neuron`, whose weighted sum is a single node: all give o = 0.7071 and the same
//! gradients (x1 -1.5, w1 1, x2 0.5, w2 0).
//!
//! It also plots the squashing function, tanh on [-5, 5] (`tanh.svg`), as the notebook does.
//!
//! `cargo run --example neuron`

mod common;

use micrograd::nn::{Activation, Neuron};
use micrograd::Graph;

const B: f64 = 6.881_373_587_019_543;

fn main() {
    let g = Graph::new();
    let x1 = g.value(2.0).with_label("x1");
    let x2 = g.value(0.0).with_label("x2");
    let w1 = g.value(-3.0).with_label("w1");
    let w2 = g.value(1.0).with_label("w2");
    let b = g.value(B).with_label("b");
    let x1w1 = (x1 * w1).with_label("x1*w1");
    let x2w2 = (x2 * w2).with_label("x2*w2");
    let x1w1x2w2 = (x1w1 + x2w2).with_label("x1*w1 + x2*w2");
    let n = (x1w1x2w2 + b).with_label("n");
    let o = n.tanh().with_label("o");
    println!("o = tanh(n) = {:.4}", o.data());
    common::save_svg("tanh", &tanh_plot());

    println!("\nby hand:");
    let do_dn = 1.0 - o.data() * o.data(); // tanh' = 1 - tanh²
    println!("  do/dn = 1 - o² = {do_dn:.4}");
    println!("  + passes it on: x1w1x2w2, b, x1*w1, x2*w2 all get {do_dn:.4}");
    println!(
        "  w1: {:.4}   x1: {:.4}",
        do_dn * x1.data(),
        do_dn * w1.data()
    );
    println!(
        "  w2: {:.4}   x2: {:.4}",
        do_dn * x2.data(),
        do_dn * w2.data()
    );

    o.backward();
    println!("\nby o.backward():");
    for v in [n, b, x1w1, x2w2, w1, x1, w2, x2] {
        println!("  {:>6}: grad {:.4}", v.label().unwrap(), v.grad());
    }
    common::save_picture("neuron", o);

    let g2 = Graph::new();
    let neuron = Neuron::from_weights(&g2, &[-3.0, 1.0], B, Activation::Tanh);
    let xs = [
        g2.value(2.0).with_label("x1"),
        g2.value(0.0).with_label("x2"),
    ];
    let out = neuron.forward(&xs).with_label("o");
    out.backward();
    println!("\nthe library's {neuron} (one weighted-sum node, then tanh):");
    println!(
        "  o = {:.4}; grads x1 {:.4}, w1 {:.4}, x2 {:.4}, w2 {:.4}, b {:.4}",
        out.data(),
        xs[0].grad(),
        neuron.weights()[0].grad(),
        xs[1].grad(),
        neuron.weights()[1].grad(),
        neuron.bias().grad()
    );
    common::save_picture("neuron_weighted_sum", out);
}

/// The notebook's `plt.plot(np.arange(-5, 5, 0.2), np.tanh(...))`, as an SVG line with axes.
fn tanh_plot() -> String {
    let (w, h) = (400.0, 240.0);
    let to_px = |x: f64, y: f64| ((x + 5.0) / 10.0 * w, (1.1 - y) / 2.2 * h);
    let points: Vec<String> = (0..50)
        .map(|i| {
            let x = -5.0 + 0.2 * i as f64;
            let (px, py) = to_px(x, x.tanh());
            format!("{px:.1},{py:.1}")
        })
        .collect();
    let (x0, y0) = to_px(0.0, 0.0);
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\">\n\
         <line x1=\"0\" y1=\"{y0}\" x2=\"{w}\" y2=\"{y0}\" stroke=\"#999\"/>\n\
         <line x1=\"{x0}\" y1=\"0\" x2=\"{x0}\" y2=\"{h}\" stroke=\"#999\"/>\n\
         <polyline fill=\"none\" stroke=\"#2a6ebb\" stroke-width=\"2\" points=\"{}\"/>\n</svg>\n",
        points.join(" ")
    )
}
