//! Notebook section 12: a tiny data set (4 samples of 3 inputs, targets ±1), the squared-error loss, and
//! the training loop — forward, zero the grads, backward, update — with the loss falling and the
//! predictions approaching the targets.
//!
//! `cargo run --example tiny_training`

use micrograd::nn::{Activation, Module, MLP};
use micrograd::{Graph, Value};

fn main() {
    let xs = [
        [2.0, 3.0, -1.0],
        [3.0, -1.0, 0.5],
        [0.5, 1.0, 1.0],
        [1.0, 1.0, -1.0],
    ];
    let ys = [1.0, -1.0, -1.0, 1.0];

    let g = Graph::new();
    let tanh = Activation::Tanh;
    let n = MLP::with_activations(&g, 3, &[(4, tanh), (4, tanh), (1, tanh)], 1);
    let params = n.parameters();
    let start = g.checkpoint(); // everything after the parameters is freed each step

    let predictions = |n: &MLP| -> Vec<f64> { xs.iter().map(|x| n.predict(x)[0]).collect() };
    println!("before: {:?}", rounded(&predictions(&n)));
    for k in 0..30 {
        // forward pass
        let ypred: Vec<Value> = xs.iter().map(|x| n.forward_data(x)[0]).collect();
        let loss = g
            .sum(
                ypred
                    .iter()
                    .zip(ys)
                    .map(|(&yout, ygt)| (yout - ygt).powf(2.0)),
            )
            .unwrap();
        // backward pass
        n.zero_grad();
        loss.backward();
        // update
        for p in &params {
            p.set_data(p.data() - 0.05 * p.grad());
        }
        println!("{k} {:.6}", loss.data());
        g.rewind(start);
    }
    println!("after:  {:?}", rounded(&predictions(&n)));
    println!("targets: {ys:?}");
}

fn rounded(xs: &[f64]) -> Vec<f64> {
    xs.iter().map(|x| (x * 1e4).round() / 1e4).collect()
}
