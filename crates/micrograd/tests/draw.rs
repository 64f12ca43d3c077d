//! The graph pictures: the DOT text is accepted by layout-rs's own DOT parser and holds one record
//! per value and one node per operation; the SVG is well-formed XML showing every label with its
//! data and gradient.

use micrograd::{draw, Graph, Value};

/// The notebook's first graph, after backward: `L = (a*b + c) * f`.
fn notebook_graph(g: &Graph) -> Value<'_> {
    let a = g.value(2.0).with_label("a");
    let b = g.value(-3.0).with_label("b");
    let c = g.value(10.0).with_label("c");
    let f = g.value(-2.0).with_label("f");
    let e = (a * b).with_label("e");
    let d = (e + c).with_label("d");
    let l = (d * f).with_label("L");
    l.backward();
    l
}

/// (label, data, grad) of every value of the notebook's graph, as the notebook draws them.
const RECORDS: [(&str, &str, &str); 7] = [
    ("a", "data 2.0000", "grad 6.0000"),
    ("b", "data -3.0000", "grad -4.0000"),
    ("c", "data 10.0000", "grad -2.0000"),
    ("f", "data -2.0000", "grad 4.0000"),
    ("e", "data -6.0000", "grad -2.0000"),
    ("d", "data 4.0000", "grad -2.0000"),
    ("L", "data -8.0000", "grad 1.0000"),
];

#[test]
fn dot_has_a_record_per_value_an_op_per_operation_and_runs_left_to_right() {
    let g = Graph::new();
    let dot = draw::to_dot(notebook_graph(&g));
    assert!(dot.contains("rankdir=LR"));
    for (label, data, grad) in RECORDS {
        assert!(
            dot.contains(&format!("label=\"{{ {label} | {data} | {grad} }}\"")),
            "{label}: {dot}"
        );
    }
    assert_eq!(dot.matches("shape=record").count(), 7);
    assert_eq!(dot.matches("[label=\"*\"]").count(), 2);
    assert_eq!(dot.matches("[label=\"+\"]").count(), 1);
    // Each operation: one edge to its result, one from each of its two inputs.
    assert_eq!(dot.matches(" -> ").count(), 3 * 3);
}

#[test]
fn dot_is_accepted_by_the_layout_library() {
    let g = Graph::new();
    let x = g.value(0.5).with_label("x \"quoted\" {odd} | <label>");
    let w = g.value(-1.5).with_label("w");
    let y = ((x * w).tanh() + x.powf(2.0) - 1.0 / x + (x + x).exp()).with_label("y");
    y.backward();
    for root in [notebook_graph(&g), y] {
        let dot = draw::to_dot(root);
        let mut parser = layout::gv::DotParser::new(&dot);
        let ast = parser
            .process()
            .unwrap_or_else(|e| panic!("layout-rs rejects the DOT: {e}\n{dot}"));
        let mut builder = layout::gv::GraphBuilder::new();
        builder.visit_graph(&ast);
        let mut graph = builder.get();
        let mut svg = layout::backends::svg::SVGWriter::new();
        graph.do_it(false, false, false, &mut svg);
        assert!(svg.finalize().contains("<svg"));
    }
}

/// Every text of an SVG document, in order.
fn texts(svg: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("not XML: {e}"));
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| {
            n.descendants()
                .filter(|t| t.is_text())
                .filter_map(|t| t.text())
                .collect::<String>()
                .trim()
                .to_string()
        })
        .collect()
}

#[test]
fn svg_is_xml_with_every_label_data_and_grad() {
    let g = Graph::new();
    let svg = draw::to_svg(notebook_graph(&g)).unwrap();
    let texts = texts(&svg);
    for (label, data, grad) in RECORDS {
        for text in [label, data, grad] {
            assert!(
                texts.iter().any(|t| t == text),
                "{text} missing from {texts:?}"
            );
        }
    }
    assert_eq!(texts.iter().filter(|t| *t == "*").count(), 2);
    assert_eq!(texts.iter().filter(|t| *t == "+").count(), 1);
}

#[test]
fn svg_escapes_labels_and_shows_constant_exponents_in_the_op() {
    let g = Graph::new();
    let x = g.value(3.0).with_label("x<&>\"'");
    let y = (x.powf(2.0) + 1.0).with_label("y");
    y.backward();
    let texts = texts(&draw::to_svg(y).unwrap());
    assert!(texts.iter().any(|t| t == "x<&>\"'"), "{texts:?}");
    assert!(texts.iter().any(|t| t == "**2"), "{texts:?}");
    assert!(texts.iter().any(|t| t == "grad 6.0000"), "{texts:?}");
    // The exponent is part of the op, not a value of its own; the constant 1 is a value.
    assert_eq!(texts.iter().filter(|t| t.starts_with("data ")).count(), 4);
}

#[test]
fn a_single_value_and_non_finite_numbers_draw() {
    let g = Graph::new();
    let x = g.value(0.0).with_label("x");
    assert!(texts(&draw::to_svg(x).unwrap()).contains(&"data 0.0000".to_string()));
    let y = (g.value(1.0) / x).with_label("y");
    y.backward();
    let dot = draw::to_dot(y);
    assert!(dot.contains("{ y | data inf | grad 1.0000 }"), "{dot}");
    assert!(dot.contains("{ x | data 0.0000 | grad -inf }"), "{dot}");
    assert!(texts(&draw::to_svg(y).unwrap()).contains(&"data inf".to_string()));
}

#[test]
fn values_reused_at_several_depths_draw() {
    let g = Graph::new();
    let x = g.value(0.5).with_label("x");
    let c = g.value(2.0).with_label("c");
    // c's first user is deep in the graph, its second shallow: edges of several lengths.
    let deep = x.tanh().tanh().tanh() * c;
    let shallow = x * c;
    let out = (deep + shallow).with_label("out");
    out.backward();
    let texts = texts(&draw::to_svg(out).unwrap());
    assert!(texts.iter().any(|t| t == "c"));
}

/// Checks that `svg` is well-formed and holds every record of `root`'s graph: as many value
/// records as the DOT has, each with its label, data and gradient texts.
fn assert_draws_every_record(root: Value<'_>, svg: &str) {
    let dot = draw::to_dot(root);
    let records: Vec<&str> = dot
        .lines()
        .filter(|l| l.contains("shape=record"))
        .map(|l| {
            let start = l.find("label=\"{ ").unwrap() + "label=\"{ ".len();
            let end = l.rfind(" }\"").unwrap();
            &l[start..end]
        })
        .collect();
    let texts = texts(svg);
    let mut counts = std::collections::HashMap::new();
    for t in &texts {
        *counts.entry(t.as_str()).or_insert(0usize) += 1;
    }
    let mut needed = std::collections::HashMap::new();
    for record in &records {
        // An unlabelled value has an empty first cell.
        for cell in record.split('|').map(str::trim).filter(|c| !c.is_empty()) {
            *needed.entry(cell).or_insert(0usize) += 1;
        }
    }
    for (cell, n) in needed {
        let have = counts.get(cell).copied().unwrap_or(0);
        assert!(have >= n, "`{cell}` drawn {have} times, in {n} records");
    }
}

#[test]
fn a_graph_too_large_for_the_layout_is_drawn_in_layers() {
    let g = Graph::new();
    let x = g.value(1.0).with_label("x");
    // One value feeding two hundred operations: every column of the layout is crossed by edges
    // from x, the case whose layout-rs time explodes.
    let mut y = x;
    for _ in 0..200 {
        y *= x;
    }
    y.backward();
    let svg = draw::to_svg(y).unwrap();
    assert_draws_every_record(y, &svg);
    assert_eq!(svg.matches("class=\"value\"").count(), 201);
}

#[test]
fn the_loss_graph_of_a_2_16_16_1_network_on_30_samples_draws() {
    use micrograd::nn::MLP;
    let g = Graph::new();
    let model = MLP::new(&g, 2, &[16, 16, 1], 1);
    let data = micrograd::data::moons(30, 0.1, 0);
    let mut terms = Vec::new();
    for i in 0..data.len() {
        let row: Vec<Value<'_>> = data.row(i).iter().map(|&v| g.value(v)).collect();
        let score = model.forward(&row)[0];
        let y = if data.label(i) > 0.5 { 1.0 } else { -1.0 };
        terms.push((1.0 - score * y).relu());
    }
    let loss = (g.sum(terms).unwrap() / 30.0).with_label("loss");
    loss.backward();
    let svg = draw::to_svg(loss).unwrap();
    assert_draws_every_record(loss, &svg);
    assert!(texts(&svg).iter().any(|t| t == "loss"));
}

#[test]
fn a_chain_of_a_thousand_operations_draws() {
    let g = Graph::new();
    let x = g.value(0.5).with_label("x");
    let mut y = x;
    for _ in 0..1000 {
        y = (y * 0.999).tanh();
    }
    let y = y.with_label("y");
    y.backward();
    let svg = draw::to_svg(y).unwrap();
    assert_draws_every_record(y, &svg);
    // DOT draws it too.
    assert_eq!(draw::to_dot(y).matches("shape=record").count(), 3001);
}

#[test]
fn a_small_graph_keeps_the_full_layout() {
    let g = Graph::new();
    let l = notebook_graph(&g);
    let svg = draw::to_svg(l).unwrap();
    assert_draws_every_record(l, &svg);
    // The layered drawing marks its records; layout-rs's does not.
    assert!(!svg.contains("class=\"value\""));
}

#[test]
fn the_same_graph_always_gives_the_same_svg() {
    let g = Graph::new();
    let l = notebook_graph(&g);
    let first = draw::to_svg(l).unwrap();
    for _ in 0..5 {
        assert_eq!(draw::to_svg(l).unwrap(), first);
    }
}
