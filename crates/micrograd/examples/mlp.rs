//! Notebook section 11: `Neuron`, `Layer` and `MLP`. The notebook's MLP 3-4-4-1 (tanh neurons) on the
//! input [2, 3, -1]: its output, its 41 parameters, and one weight with its gradient.
//!
//! `cargo run --example mlp`

mod common;

use micrograd::nn::{Activation, Module, MLP};
use micrograd::Graph;

fn main() {
    let g = Graph::new();
    let tanh = Activation::Tanh;
    let n = MLP::with_activations(&g, 3, &[(4, tanh), (4, tanh), (1, tanh)], 42);
    println!("{n}");
    let out = n.forward_data(&[2.0, 3.0, -1.0])[0].with_label("out");
    println!("n([2.0, 3.0, -1.0]) = {out}");
    println!("number of parameters: {}", n.parameters().len());
    out.backward();
    let w = n.layers()[0].neurons()[0].weights()[0];
    println!(
        "first weight of the first neuron: data {:.4}, grad {:.4}",
        w.data(),
        w.grad()
    );
    println!(
        "micrograd's default (ReLU hidden, linear output): {}",
        MLP::new(&g, 3, &[4, 4, 1], 42)
    );
    common::save_picture("mlp", out);
}
