//! Karpathy's micrograd demo: an MLP 2-16-16-1 learns the two moons with the SVM hinge loss, 1e-4 L2, and
//! SGD whose learning rate decays linearly from 1.0 to 0.1 over 100 steps, to 100 % training accuracy.
//!
//! The training loop is written out as in the demo notebook; the parameters are made first and each
//! step's graph is freed by rewinding to a checkpoint, so memory stays flat.
//!
//! It ends by drawing the decision boundary with the points, as the demo does (`moons_boundary.svg` in
//! `target/notebook/`).
//!
//! `cargo run --release --example moons [SEED]`

mod common;

use micrograd::data::{moons100, Dataset};
use micrograd::loss::l2;
use micrograd::nn::{Module, MLP};
use micrograd::{Graph, Value};
use std::fmt::Write;

fn main() {
    let seed: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1337);
    // The demo's exact 100 moons (make_moons(100, noise=0.1) after np.random.seed(1337)), labels ±1.
    let data = moons100();
    let g = Graph::new();
    let model = MLP::new(&g, 2, &[16, 16, 1], seed);
    println!("{model}");
    println!("number of parameters {}", model.parameters().len());

    let params = model.parameters();
    let start = g.checkpoint();
    let started = std::time::Instant::now();
    for k in 0..100 {
        // forward: scores, the max-margin loss, L2 regularization, accuracy
        let scores: Vec<Value> = data.rows().map(|x| model.forward_data(x)[0]).collect();
        let losses: Vec<Value> = scores
            .iter()
            .zip(data.labels())
            .map(|(&s, &y)| (1.0 - y * s).relu())
            .collect();
        let data_loss = g.sum(losses.iter().copied()).unwrap() / losses.len() as f64;
        let total_loss = data_loss + 1e-4 * l2(&params).unwrap();
        let correct = scores
            .iter()
            .zip(data.labels())
            .filter(|(s, &y)| (s.data() > 0.0) == (y > 0.0))
            .count();
        let accuracy = correct as f64 / data.len() as f64;

        // backward
        model.zero_grad();
        total_loss.backward();

        // update (SGD, learning rate 1.0 -> 0.1)
        let learning_rate = 1.0 - 0.9 * k as f64 / 100.0;
        for p in &params {
            p.set_data(p.data() - learning_rate * p.grad());
        }

        if k % 10 == 0 || k == 99 {
            println!(
                "step {k} loss {:.6}, accuracy {}%",
                total_loss.data(),
                accuracy * 100.0
            );
        }
        g.rewind(start);
    }
    let elapsed = started.elapsed();
    let final_accuracy = data
        .rows()
        .zip(data.labels())
        .filter(|(x, &y)| (model.predict(x)[0] > 0.0) == (y > 0.0))
        .count() as f64
        / data.len() as f64;
    println!(
        "final training accuracy {}% (100 steps in {:.1} ms)",
        final_accuracy * 100.0,
        elapsed.as_secs_f64() * 1e3
    );
    common::save_svg("moons_boundary", &decision_boundary(&model, &data));
}

/// The demo's picture: the plane coloured by the sign of the model's score, and the points on top.
fn decision_boundary(model: &MLP, data: &Dataset) -> String {
    let (x_min, x_max, y_min, y_max) = (-2.0, 3.0, -1.5, 2.0);
    let (width, height, cells) = (500.0, 350.0, 100);
    let to_px = |x: f64, y: f64| {
        (
            (x - x_min) / (x_max - x_min) * width,
            (y_max - y) / (y_max - y_min) * height,
        )
    };
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\">\n"
    );
    let (cw, ch) = (width / cells as f64, height / (cells as f64 * 0.7));
    for i in 0..cells {
        for j in 0..(cells * 7 / 10) {
            let (px, py) = (i as f64 * cw, j as f64 * ch);
            let x = x_min + (px + cw / 2.0) / width * (x_max - x_min);
            let y = y_max - (py + ch / 2.0) / height * (y_max - y_min);
            let fill = if model.predict(&[x, y])[0] > 0.0 {
                "#f6d6a8"
            } else {
                "#b9cfe8"
            };
            let _ = writeln!(svg, "<rect x=\"{px:.2}\" y=\"{py:.2}\" width=\"{:.2}\" height=\"{:.2}\" fill=\"{fill}\"/>", cw + 0.5, ch + 0.5);
        }
    }
    for (p, &label) in data.rows().zip(data.labels()) {
        let (cx, cy) = to_px(p[0], p[1]);
        let fill = if label > 0.0 { "#d9730d" } else { "#2a6ebb" };
        let _ = writeln!(svg, "<circle cx=\"{cx:.2}\" cy=\"{cy:.2}\" r=\"4\" fill=\"{fill}\" stroke=\"black\" stroke-width=\"0.5\"/>");
    }
    svg.push_str("</svg>\n");
    svg
}
