//! Notebook sections 1–3: a `Value` holds data, a gradient, its children, the op that made it and a
//! label; `+` and `*` build the graph `L = (a*b + c) * f`; `backward()` fills in every gradient
//! (6, -4, -2, 4 for a, b, c, f); and the graph is drawn as the notebook's `draw_dot` draws it.
//!
//! `cargo run --example first_graph` (pictures go to `target/notebook/`).

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

    println!("L = {l}");
    let children: Vec<String> = l
        .children()
        .iter()
        .map(|v| v.label().unwrap_or_default())
        .collect();
    println!("L was made by `{}` from {children:?}", l.op());
    println!(
        "d was made by `{}`, e by `{}`, a is a leaf: {}",
        d.op(),
        e.op(),
        a.is_leaf()
    );

    l.backward();
    println!("\nafter L.backward():");
    for v in [a, b, c, e, d, f, l] {
        println!("  {:>2}: {v}", v.label().unwrap_or_default());
    }
    println!(
        "\ndL/da = {}, dL/db = {}, dL/dc = {}, dL/df = {}",
        a.grad(),
        b.grad(),
        c.grad(),
        f.grad()
    );
    common::save_picture("first_graph", l);
}
