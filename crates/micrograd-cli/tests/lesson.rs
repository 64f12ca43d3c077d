//! The lesson's endpoints (`/api/lesson/...`) over real HTTP against the binary: the numbers each
//! section shows, checked against calculus, the notebook's arithmetic and finite differences; and
//! the same limits and 4xx JSON answers as the rest of the playground.

mod playground;

use playground::{node, Server};
use serde_json::{json, Value};

fn post(server: &Server, path: &str, body: Value) -> Value {
    let r = server.post(path, &body);
    assert_eq!(r.status, 200, "{path} {body}: {}", r.text());
    r.json()
}

fn refused(server: &Server, path: &str, body: Value, status: u16) -> String {
    let r = server.post(path, &body);
    assert_eq!(r.status, status, "{path} {body}: {}", r.text());
    r.error()
}

fn f(x: f64) -> f64 {
    3.0 * x * x - 4.0 * x + 5.0
}

#[test]
fn the_slope_nears_the_derivative_until_rounding_takes_over() {
    let server = Server::start();
    for x in [-2.0, 0.0, 2.0 / 3.0, 3.0, 4.0] {
        let s = post(&server, "/api/lesson/slope", json!({"x": x, "h": 1e-6}));
        // d/dx (3x² − 4x + 5) = 6x − 4.
        let d = s["derivative"].as_f64().unwrap();
        assert!((d - (6.0 * x - 4.0)).abs() < 1e-12, "x = {x}: {d}");
        let q = s["quotient"].as_f64().unwrap();
        assert!((q - d).abs() < 1e-4, "x = {x}: {q} vs {d}");
        assert!((s["fx"].as_f64().unwrap() - f(x)).abs() < 1e-12);
    }
    // The quotient shrinks its error with h (the curve bends by 3h), then rounding ruins it.
    let at = |h: f64| post(&server, "/api/lesson/slope", json!({"x": 3.0, "h": h}));
    let q = |h: f64| at(h)["quotient"].as_f64().unwrap();
    assert!((q(0.1) - 14.3).abs() < 1e-9);
    assert!((q(1e-3) - 14.003).abs() < 1e-9);
    let tiny = at(1e-15);
    let (fx, fxh) = (tiny["fx"].as_f64().unwrap(), tiny["fxh"].as_f64().unwrap());
    assert_eq!(tiny["quotient"].as_f64().unwrap(), (fxh - fx) / 1e-15);
    assert!((q(1e-15) - 14.0).abs() > 0.1, "{}", q(1e-15));
    // The gap between neighbouring f64 near f(3) = 20 is 2⁻⁴⁸.
    assert_eq!(tiny["spacing"].as_f64().unwrap(), 2f64.powi(-48));
    let curve = tiny["curve"].as_array().unwrap();
    assert!(curve.len() > 20);
    for point in curve {
        let (x, y) = (point[0].as_f64().unwrap(), point[1].as_f64().unwrap());
        assert!((y - f(x)).abs() < 1e-12, "{point}");
    }
}

#[test]
fn the_slope_refuses_what_it_cannot_show() {
    let server = Server::start();
    for (body, word) in [
        (json!({"x": 3.0, "h": 0.0}), "h"),
        (json!({"x": 3.0, "h": 1e-300}), "h"),
        (json!({"x": 3.0, "h": 5.0}), "h"),
        (json!({"x": 1e6, "h": 0.1}), "x"),
    ] {
        let e = refused(&server, "/api/lesson/slope", body.clone(), 422);
        assert!(e.contains(&format!("`{word}`")), "{body}: {e}");
    }
    refused(&server, "/api/lesson/slope", json!({"x": 3.0}), 400);
    refused(
        &server,
        "/api/lesson/slope",
        json!({"x": 3.0, "h": 0.1, "y": 1}),
        400,
    );
}

#[test]
fn the_graphs_have_the_notebooks_numbers() {
    let server = Server::start();
    let g = post(&server, "/api/lesson/graph", json!({"name": "first"}));
    for (label, grad) in [("a", 6.0), ("b", -4.0), ("c", -2.0), ("f", 4.0), ("L", 1.0)] {
        assert_eq!(node(&g, label)["grad"], grad, "{label}");
    }
    // The walk, output first: L, d, e (the inputs have no step of their own).
    let names: Vec<&str> = g["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["L", "d", "e"]);
    // Hidden for the learner to predict: no grad, no walk.
    let hidden = post(
        &server,
        "/api/lesson/graph",
        json!({"name": "first", "hide_grads": true}),
    );
    assert!(hidden["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .all(|n| n["grad"].is_null()));
    assert_eq!(hidden["steps"], json!([]));
    assert_eq!(node(&hidden, "L")["data"], -8.0);

    // The neuron as the notebook (and PyTorch) computes it; tanh from exp gives the same grads.
    let neuron = post(&server, "/api/lesson/graph", json!({"name": "neuron"}));
    let from_exp = post(&server, "/api/lesson/graph", json!({"name": "tanh_exp"}));
    let o = node(&neuron, "o")["data"].as_f64().unwrap();
    assert!((o - 0.5f64.sqrt()).abs() < 1e-9, "{o}");
    for (label, grad) in [
        ("x1", -1.5),
        ("w1", 1.0),
        ("x2", 0.5),
        ("w2", 0.0),
        ("b", 0.5),
    ] {
        let a = node(&neuron, label)["grad"].as_f64().unwrap();
        let e = node(&from_exp, label)["grad"].as_f64().unwrap();
        assert!((a - grad).abs() < 1e-9, "{label}: {a}");
        assert!((a - e).abs() < 1e-12, "{label}: {a} vs {e}");
    }
    assert!(
        from_exp["nodes"].as_array().unwrap().len() > neuron["nodes"].as_array().unwrap().len()
    );
    let e = refused(&server, "/api/lesson/graph", json!({"name": "other"}), 422);
    assert!(e.contains("first") && e.contains("reuse"), "{e}");
}

#[test]
fn a_value_used_twice_loses_a_share_when_set_and_keeps_both_when_added() {
    let server = Server::start();
    let add = post(
        &server,
        "/api/lesson/graph",
        json!({"name": "reuse", "mode": "accumulate"}),
    );
    let set = post(
        &server,
        "/api/lesson/graph",
        json!({"name": "reuse", "mode": "set"}),
    );
    // b = a + a = 2a: db/da = 2, as the central difference measures.
    assert_eq!(node(&add, "a")["grad"], 2.0);
    assert_eq!(node(&set, "a")["grad"], 1.0);
    let fd = add["finite_difference"].as_f64().unwrap();
    assert!((fd - 2.0).abs() < 1e-6, "{fd}");
    let lines = &set["steps"][0]["lines"];
    assert_eq!(lines[0]["symbolic"], "a.grad = b.grad");
    assert_eq!(add["steps"][0]["lines"][0]["symbolic"], "a.grad += b.grad");
    assert!(refused(
        &server,
        "/api/lesson/graph",
        json!({"name": "first", "mode": "set"}),
        422
    )
    .contains("reuse"));
    assert!(refused(
        &server,
        "/api/lesson/graph",
        json!({"name": "reuse", "mode": "sometimes"}),
        422
    )
    .contains("sometimes"));
}

#[test]
fn answers_are_checked_with_the_local_rule_as_the_hint() {
    let server = Server::start();
    let check = |node: &str, answer: Option<f64>| {
        let mut body = json!({"name": "first", "node": node});
        if let Some(a) = answer {
            body["answer"] = json!(a);
        }
        post(&server, "/api/lesson/check", body)
    };
    let right = check("a", Some(6.0));
    assert_eq!(right["correct"], true);
    assert_eq!(right["grad"], 6.0);
    // Typed to the four decimals the graph shows.
    assert_eq!(check("a", Some(6.00004))["correct"], true);
    let wrong = check("b", Some(4.0));
    assert_eq!(wrong["correct"], false);
    assert!(
        wrong.get("grad").is_none(),
        "a wrong answer does not give the answer away"
    );
    assert_eq!(wrong["hint"][0]["symbolic"], "b.grad += a.data × e.grad");
    assert_eq!(wrong["hint"][0]["numeric"], "2 × (-2)");
    assert_eq!(wrong["hint"][0]["from"], "e");
    let shown = check("d", None);
    assert_eq!(shown["correct"], Value::Null);
    assert_eq!(shown["grad"], -2.0);
    assert_eq!(shown["hint"][0]["symbolic"], "d.grad += f.data × L.grad");
    assert!(check("L", None)["hint"][0]["symbolic"]
        .as_str()
        .unwrap()
        .contains("seed"));
    // The reused value's hint has both shares.
    let twice = post(
        &server,
        "/api/lesson/check",
        json!({"name": "reuse", "node": "a", "answer": 1.0}),
    );
    assert_eq!(twice["correct"], false);
    assert_eq!(twice["hint"].as_array().unwrap().len(), 2);
    assert!(refused(
        &server,
        "/api/lesson/check",
        json!({"name": "first", "node": "zz"}),
        422
    )
    .contains("zz"));
    refused(
        &server,
        "/api/lesson/check",
        json!({"name": "first", "node": "a", "answer": 1e300}),
        422,
    );
}

#[test]
fn one_step_along_the_gradients_raises_l_as_the_notebook_shows() {
    let server = Server::start();
    let r = post(&server, "/api/lesson/nudge", json!({"step": 0.01}));
    assert_eq!(r["before"]["L"], -8.0);
    let (a, b, c, f) = (2.0 + 0.06, -3.0 - 0.04, 10.0 - 0.02, -2.0 + 0.04);
    let l = r["after"]["L"].as_f64().unwrap();
    assert!((l - (a * b + c) * f).abs() < 1e-12, "{l}");
    assert!((l - -7.286496).abs() < 1e-9);
    for (before, after) in r["before"]["leaves"]
        .as_array()
        .unwrap()
        .iter()
        .zip(r["after"]["leaves"].as_array().unwrap())
    {
        let moved = before["data"].as_f64().unwrap() + 0.01 * before["grad"].as_f64().unwrap();
        assert!((after["data"].as_f64().unwrap() - moved).abs() < 1e-12);
    }
    assert!(refused(&server, "/api/lesson/nudge", json!({"step": 3.0}), 422).contains("step"));
}

#[test]
fn an_order_of_steps_is_valid_when_every_node_follows_its_users() {
    let server = Server::start();
    let order = |names: &[&str]| {
        post(
            &server,
            "/api/lesson/order",
            json!({"name": "neuron", "order": names}),
        )
    };
    let engine = order(&["o", "n", "x1w1x2w2", "x2w2", "x1w1"]);
    assert_eq!(engine["valid"], true);
    assert_eq!(
        engine["engine"],
        json!(["o", "n", "x1w1x2w2", "x2w2", "x1w1"])
    );
    assert_eq!(
        order(&["o", "n", "x1w1x2w2", "x1w1", "x2w2"])["valid"],
        true
    );
    for (names, says) in [
        (
            &["n", "o", "x1w1x2w2", "x1w1", "x2w2"][..],
            "`n` runs before `o`",
        ),
        (&["o", "n", "x1w1x2w2", "x1w1"][..], "`x2w2` is missing"),
        (&["o", "n", "x1w1x2w2", "x1w1", "x2w2", "o"][..], "twice"),
        (&["o", "w1"][..], "`w1` is not an operation"),
    ] {
        let r = order(names);
        assert_eq!(r["valid"], false, "{names:?}");
        assert!(
            r["reason"].as_str().unwrap().contains(says),
            "{names:?}: {r}"
        );
    }
    let long: Vec<String> = (0..100).map(|i| format!("n{i}")).collect();
    refused(
        &server,
        "/api/lesson/order",
        json!({"name": "neuron", "order": long}),
        422,
    );
}

fn mlp(server: &Server, body: Value) -> (Vec<f64>, Value) {
    let r = post(server, "/api/lesson/mlp", body);
    let losses = r["losses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_f64().unwrap())
        .collect();
    (losses, r)
}

#[test]
fn the_mlp_learns_the_four_samples_only_when_the_grads_are_zeroed() {
    let server = Server::start();
    let (zeroed, r) = mlp(&server, json!({"steps": 20}));
    assert_eq!(r["parameters"], 41);
    assert_eq!(zeroed.len(), 21);
    assert!(zeroed.windows(2).all(|w| w[1] <= w[0]), "{zeroed:?}");
    // The last loss is the squared error of the predictions it reports.
    let predictions = r["predictions"].as_array().unwrap();
    let targets = [1.0, -1.0, -1.0, 1.0];
    let sse: f64 = predictions
        .iter()
        .zip(targets)
        .map(|(p, y)| (p.as_f64().unwrap() - y).powi(2))
        .sum();
    assert!((sse - zeroed[20]).abs() < 1e-12, "{sse} vs {}", zeroed[20]);
    for (p, y) in predictions.iter().zip(targets) {
        assert!((p.as_f64().unwrap() - y).abs() < 0.3, "{p} vs {y}");
    }
    // Runs replay: 5 steps are the first 5 of 20.
    assert_eq!(mlp(&server, json!({"steps": 5})).0, zeroed[..6]);

    let (piled, _) = mlp(&server, json!({"steps": 20, "zero_grad": false}));
    assert_eq!(
        piled[..2],
        zeroed[..2],
        "the first step has no old grads to add"
    );
    assert!(piled.windows(2).any(|w| w[1] > w[0]), "{piled:?}");
    assert!(piled[20] > zeroed[20], "{piled:?}");
}

#[test]
fn the_mlp_gradient_is_the_slope_of_its_loss() {
    // A step of size ε against the gradient g lowers the loss by ε|g|² to first order.
    let server = Server::start();
    let eps = 1e-6;
    let (losses, r) = mlp(&server, json!({"steps": 1, "learning_rate": eps}));
    let norm = r["grad_norms"][0].as_f64().unwrap();
    let drop = losses[0] - losses[1];
    let predicted = eps * norm * norm;
    assert!(
        (drop - predicted).abs() < 1e-3 * predicted,
        "{drop} vs {predicted}"
    );
}

#[test]
fn the_mlp_refuses_too_much_work_and_bad_settings() {
    let server = Server::start();
    assert!(refused(&server, "/api/lesson/mlp", json!({"steps": 100000}), 422).contains("steps"));
    assert!(refused(
        &server,
        "/api/lesson/mlp",
        json!({"steps": 1, "learning_rate": 5.0}),
        422
    )
    .contains("learning_rate"));
    refused(&server, "/api/lesson/mlp", json!({"steps": -1}), 400);
}

#[test]
fn lesson_requests_get_the_playgrounds_4xx_answers() {
    let server = Server::start();
    for path in [
        "/api/lesson/slope",
        "/api/lesson/graph",
        "/api/lesson/check",
        "/api/lesson/nudge",
        "/api/lesson/order",
        "/api/lesson/mlp",
    ] {
        for (method, body, status) in [
            ("POST", b"not json".to_vec(), 400),
            ("POST", b"{}".to_vec(), 400),
            ("POST", vec![b' '; 100 * 1024], 413),
            ("GET", vec![], 405),
        ] {
            let r = server.request(method, path, (!body.is_empty()).then_some(&body[..]));
            assert_eq!(r.status, status, "{method} {path}");
            assert!(!r.error().is_empty());
        }
        // A post that does not declare JSON (as a form on another site would send it).
        let r = server.raw(
            format!(
                "POST {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}",
                server.addr
            )
            .as_bytes(),
        );
        assert_eq!(r.status, 415, "{path}");
    }
}

#[test]
fn the_page_opens_on_the_lesson_with_its_files_from_the_binary() {
    let server = Server::start();
    let html = server.get("/").text();
    assert!(html.contains("id=\"view-lesson\" class=\"view active\""));
    for file in [
        "/lesson-graph.js",
        "/lesson-first.js",
        "/lesson-more.js",
        "/lesson.js",
    ] {
        assert!(html.contains(file), "the page loads {file}");
        let r = server.get(file);
        assert_eq!(r.status, 200, "{file}");
        assert!(r
            .header("content-type")
            .unwrap()
            .starts_with("text/javascript"));
        let text = r.text().replace("http://www.w3.org/2000/svg", "");
        assert!(
            !text.contains("http://") && !text.contains("https://"),
            "{file}"
        );
    }
    // Each of the nine sections is there, and every number comes from the server.
    let sections = server.get("/lesson-first.js").text() + &server.get("/lesson-more.js").text();
    assert_eq!(sections.matches("LESSON_SECTIONS.push(").count(), 9);
}

#[test]
fn odd_bodies_never_get_a_5xx() {
    let mut server = Server::start();
    let values = [
        json!(null),
        json!(true),
        json!(-1),
        json!(0),
        json!(1e308),
        json!(-1e-320),
        json!(""),
        json!("first"),
        json!("a"),
        json!([]),
        json!(["o", "o"]),
        json!({}),
        json!(u64::MAX),
    ];
    let fields = [
        ("/api/lesson/slope", &["x", "h"][..]),
        ("/api/lesson/graph", &["name", "hide_grads", "mode"][..]),
        ("/api/lesson/check", &["name", "node", "answer"][..]),
        ("/api/lesson/nudge", &["step"][..]),
        ("/api/lesson/order", &["name", "order"][..]),
        (
            "/api/lesson/mlp",
            &["steps", "zero_grad", "learning_rate", "seed"][..],
        ),
    ];
    let mut statuses = Vec::new();
    for (path, names) in fields {
        for (i, v) in values.iter().enumerate() {
            // Every field the same odd value, and each field alone.
            let mut all = serde_json::Map::new();
            for name in names {
                all.insert(name.to_string(), v.clone());
            }
            let one = json!({ names[i % names.len()]: v });
            for body in [Value::Object(all), one] {
                let r = server.post(path, &body);
                assert!(
                    r.status == 200 || (400..500).contains(&r.status),
                    "{path} {body}: {} {}",
                    r.status,
                    r.text()
                );
                if r.status != 200 {
                    assert!(!r.error().is_empty());
                }
                statuses.push(r.status);
            }
        }
    }
    assert!(server.alive());
    assert!(
        statuses.contains(&400) && statuses.contains(&422),
        "{statuses:?}"
    );
}
