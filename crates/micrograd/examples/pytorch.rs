//! Notebook section 10: the same neuron in PyTorch. PyTorch's numbers (float64, recorded in
//! `tests/fixtures/torch_cases.json`) printed beside ours, and how far apart they are (within a
//! rounding step or two of each other).
//!
//! `cargo run --example pytorch`

use micrograd::Graph;
use serde_json::Value as Json;

const TORCH_CASES: &str = include_str!("../tests/fixtures/torch_cases.json");

fn main() {
    let cases: Json = serde_json::from_str(TORCH_CASES).expect("the fixture is JSON");
    let case = cases
        .as_array()
        .and_then(|c| c.iter().find(|c| c["name"] == "seed_neuron_tanh"))
        .expect("the fixture has the neuron");
    let torch = &case["expected"]["values"];

    let g = Graph::new();
    let x1 = g.value(2.0).with_label("x1");
    let x2 = g.value(0.0).with_label("x2");
    let w1 = g.value(-3.0).with_label("w1");
    let w2 = g.value(1.0).with_label("w2");
    let b = g.value(6.881_373_587_019_543).with_label("b");
    let n = (x1 * w1 + x2 * w2 + b).with_label("n");
    let o = n.tanh().with_label("o");
    o.backward();

    println!(
        "PyTorch program:\n{}\n",
        case["program"].as_str().unwrap_or("")
    );
    println!(
        "{:>3}  {:>20} {:>20}   {:>20} {:>20}",
        "", "PyTorch data", "ours", "PyTorch grad", "ours"
    );
    let mut largest = 0f64;
    for v in [o, x2, w2, x1, w1, b] {
        let name = v.label().unwrap();
        let (td, tg) = (
            torch[&name]["data"].as_f64().unwrap(),
            torch[&name]["grad"].as_f64().unwrap(),
        );
        for (theirs, ours) in [(td, v.data()), (tg, v.grad())] {
            largest = largest.max((theirs - ours).abs() / theirs.abs().max(1e-300));
        }
        println!(
            "{name:>3}  {td:>20} {:>20}   {tg:>20} {:>20}",
            v.data(),
            v.grad()
        );
    }
    println!("\nlargest relative difference: {largest:.1e} (f64 rounding steps are 1.1e-16)");
}
