//! `/api/graph` and `/api/graph/export`: the notebook's values and grads, the backprop walk, every
//! rule against the engine, non-finite numbers, program errors, and the SVG and DOT exports.

use crate::playground::{node, Server, NOTEBOOK};
use serde_json::json;

#[test]
fn graph_of_the_notebook_has_its_data_and_grads() {
    let server = Server::start();
    let r = server.post("/api/graph", &json!({"program": NOTEBOOK}));
    assert_eq!(r.status, 200, "{}", r.text());
    let g = r.json();
    assert_eq!(g["output_name"], "L");
    // The notebook's numbers: L = (2 * -3 + 10) * -2 = -8; dL/da = b*f = 6, dL/db = a*f = -4,
    // dL/dc = f = -2, dL/df = a*b + c = 4.
    for (label, data, grad) in [
        ("a", 2.0, 6.0),
        ("b", -3.0, -4.0),
        ("c", 10.0, -2.0),
        ("f", -2.0, 4.0),
        ("e", -6.0, -2.0),
        ("d", 4.0, -2.0),
        ("L", -8.0, 1.0),
    ] {
        let n = node(&g, label);
        assert_eq!(n["data"], data, "{label}.data");
        assert_eq!(n["grad"], grad, "{label}.grad");
    }
    let l = node(&g, "L");
    assert_eq!(l["op"], "*");
    assert_eq!(l["id"], g["output"]);
    let children: Vec<u64> = l["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_u64().unwrap())
        .collect();
    assert_eq!(
        children,
        vec![
            node(&g, "d")["id"].as_u64().unwrap(),
            node(&g, "f")["id"].as_u64().unwrap()
        ]
    );
    assert_eq!(node(&g, "a")["kind"], "leaf");
    let leaves: Vec<&str> = g["leaves"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["name"].as_str().unwrap())
        .collect();
    assert_eq!(leaves, ["a", "b", "c", "f"]);
}

#[test]
fn the_backprop_walk_goes_from_the_output_and_ends_at_backwards_grads() {
    let server = Server::start();
    let g = server
        .post("/api/graph", &json!({"program": NOTEBOOK}))
        .json();
    let steps = g["steps"].as_array().unwrap();
    let order: Vec<&str> = steps.iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(
        order,
        ["L", "d", "e"],
        "reverse topological order from the output"
    );
    let e_step = &steps[2];
    assert_eq!(e_step["grad"], -2.0);
    assert_eq!(e_step["lines"][0]["symbolic"], "a.grad += b.data × e.grad");
    assert_eq!(e_step["lines"][0]["amount"], 6.0);
    assert_eq!(e_step["lines"][1]["symbolic"], "b.grad += a.data × e.grad");
    assert_eq!(steps[1]["lines"][0]["symbolic"], "e.grad += d.grad");
    // Replaying every step's grads gives what backward() gives.
    let mut grads = std::collections::HashMap::new();
    for s in steps {
        for pair in s["grads_after"].as_array().unwrap() {
            grads.insert(pair[0].as_u64().unwrap(), pair[1].as_f64().unwrap());
        }
    }
    for n in g["nodes"].as_array().unwrap() {
        if n["id"] != g["output"] {
            assert_eq!(
                grads[&n["id"].as_u64().unwrap()],
                n["grad"].as_f64().unwrap(),
                "{}",
                n["label"]
            );
        }
    }
}

#[test]
fn a_value_used_twice_accumulates_and_functions_match_the_calculus() {
    let server = Server::start();
    let g = server
        .post("/api/graph", &json!({"program": "a = 3.0\nb = a + a"}))
        .json();
    assert_eq!(node(&g, "a")["grad"], 2.0);
    let g = server
        .post(
            "/api/graph",
            &json!({"program": "x = 0.5\ny = tanh(2*x) + x**2"}),
        )
        .json();
    let x = node(&g, "x")["grad"].as_f64().unwrap();
    let expected = 2.0 * (1.0 - 1f64.tanh().powi(2)) + 2.0 * 0.5;
    assert!((x - expected).abs() < 1e-12, "{x} vs {expected}");
    // A chosen output.
    let g = server
        .post(
            "/api/graph",
            &json!({"program": "a = 2.0\nb = a * 3\nc = b + 1", "output": "b"}),
        )
        .json();
    assert_eq!(g["output_name"], "b");
    assert_eq!(node(&g, "a")["grad"], 3.0);
    let r = server.post("/api/graph", &json!({"program": "a = 2.0", "output": "zz"}));
    assert_eq!(r.status, 422);
    assert!(r.error().contains("zz"));
}

#[test]
fn non_finite_numbers_come_as_strings() {
    let server = Server::start();
    let g = server
        .post(
            "/api/graph",
            &json!({"program": "a = 0.0\nb = log(a)\nc = sqrt(b)"}),
        )
        .json();
    assert_eq!(node(&g, "b")["data"], "-inf");
    assert_eq!(node(&g, "c")["data"], "nan");
}

#[test]
fn program_errors_carry_their_line_and_column() {
    let server = Server::start();
    let r = server.post("/api/graph", &json!({"program": "a = 2\nb = (a + "}));
    assert_eq!(r.status, 422);
    let e = r.json();
    assert_eq!(e["line"], 2);
    assert!(e["col"].as_u64().unwrap() >= 5);
    assert!(e["excerpt"].as_str().unwrap().contains('^'));
    let r = server.post("/api/graph", &json!({"program": "a = 2\nb = a * zz"}));
    assert_eq!(r.status, 422);
    assert!(r.error().contains("zz"));
    assert_eq!(
        (r.json()["line"].as_u64(), r.json()["col"].as_u64()),
        (Some(2), Some(9))
    );
    let r = server.post("/api/graph", &json!({"program": ""}));
    assert_eq!(r.status, 422);
}

#[test]
fn the_graph_is_exported_by_the_library_as_svg_and_dot() {
    let server = Server::start();
    let r = server.post(
        "/api/graph/export",
        &json!({"program": NOTEBOOK, "format": "svg"}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r
        .header("content-type")
        .unwrap()
        .starts_with("image/svg+xml"));
    let svg = r.text();
    assert!(
        svg.contains("<svg") && svg.contains("data -8.0000") && svg.contains("grad 6.0000"),
        "{svg}"
    );
    let r = server.post(
        "/api/graph/export",
        &json!({"program": NOTEBOOK, "format": "dot"}),
    );
    assert_eq!(r.status, 200);
    let dot = r.text();
    assert!(
        dot.contains("rankdir") && dot.contains("grad 6.0000"),
        "{dot}"
    );
    let r = server.post(
        "/api/graph/export",
        &json!({"program": NOTEBOOK, "format": "png"}),
    );
    assert_eq!(r.status, 422);
    let r = server.post(
        "/api/graph/export",
        &json!({"program": "a = (", "format": "svg"}),
    );
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["line"], 1);
}

#[test]
fn every_rule_adds_what_the_engine_adds() {
    let server = Server::start();
    let program = "x = 0.7\ny = 1.3\nz = tanh(x) * exp(y) / (sigmoid(x) + relu(y)) - sin(x) * cos(y)\nw = z + sqrt(y) ** 2 + abs(-x) + log(y) + x ** y - -x + 1 / y";
    let g = server
        .post("/api/graph", &json!({"program": program}))
        .json();
    let mut grads: std::collections::HashMap<u64, f64> = std::collections::HashMap::new();
    grads.insert(g["output"].as_u64().unwrap(), 1.0);
    let steps = g["steps"].as_array().unwrap();
    let ops: std::collections::BTreeSet<String> = g["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["op"].as_str().unwrap().to_string())
        .collect();
    for op in [
        "*", "/", "+", "-", "**", "tanh", "exp", "sigmoid", "relu", "sin", "cos", "sqrt", "abs",
        "log", "neg",
    ] {
        assert!(ops.contains(op), "the program has no {op}");
    }
    for s in steps {
        let mut expected = grads.clone();
        for line in s["lines"].as_array().unwrap() {
            let child = line["child"].as_u64().unwrap();
            *expected.entry(child).or_insert(0.0) += line["amount"].as_f64().unwrap();
            assert!(
                line["symbolic"].as_str().unwrap().contains(".grad += "),
                "{line}"
            );
        }
        for pair in s["grads_after"].as_array().unwrap() {
            let (id, after) = (pair[0].as_u64().unwrap(), pair[1].as_f64().unwrap());
            // A constant exponent has no line: nothing is added to it.
            let want = expected.get(&id).copied().unwrap_or(0.0);
            assert!(
                (after - want).abs() <= 1e-12 * want.abs().max(1.0),
                "step {}: child {id} has {after}, the rule says {want}",
                s["name"]
            );
            grads.insert(id, after);
        }
    }
    // And the walk ends where backward() does.
    for n in g["nodes"].as_array().unwrap() {
        let id = n["id"].as_u64().unwrap();
        assert_eq!(
            grads.get(&id).copied().unwrap_or(0.0),
            n["grad"].as_f64().unwrap(),
            "node {id}"
        );
    }
}
