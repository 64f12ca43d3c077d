//! `micrograd serve`: every endpoint of the playground, its limits, and malformed requests, over
//! real HTTP against the binary.

mod playground;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use playground::{Server, NOTEBOOK};
use serde_json::{json, Value};

fn node<'a>(graph: &'a Value, label: &str) -> &'a Value {
    graph["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["label"] == label)
        .unwrap_or_else(|| panic!("no node {label}"))
}

#[test]
fn prints_a_loopback_address_by_default() {
    let server = Server::start();
    assert!(
        server.banner.contains("http://127.0.0.1:"),
        "{}",
        server.banner
    );
    assert!(server.addr.ip().is_loopback());
}

#[test]
fn serves_the_page_and_its_files_from_the_binary() {
    let server = Server::start();
    let page = server.get("/");
    assert_eq!(page.status, 200);
    assert!(page
        .header("content-type")
        .unwrap()
        .starts_with("text/html"));
    let html = page.text();
    for file in [
        "/style.css",
        "/common.js",
        "/explorer.js",
        "/training.js",
        "/favicon.svg",
    ] {
        assert!(html.contains(file), "the page loads {file}");
        let r = server.get(file);
        assert_eq!(r.status, 200, "{file}");
        assert!(!r.body.is_empty());
    }
    assert!(server
        .get("/style.css")
        .header("content-type")
        .unwrap()
        .starts_with("text/css"));
    assert!(server
        .get("/explorer.js")
        .header("content-type")
        .unwrap()
        .starts_with("text/javascript"));
    // Nothing is loaded from another host: the only absolute URL is the SVG namespace's name.
    for file in [
        "/",
        "/style.css",
        "/common.js",
        "/explorer.js",
        "/training.js",
        "/favicon.svg",
    ] {
        let text = server
            .get(file)
            .text()
            .replace("http://www.w3.org/2000/svg", "");
        assert!(
            !text.contains("http://") && !text.contains("https://") && !text.contains("//cdn"),
            "{file} refers to another host"
        );
        assert!(
            !text.contains("@import") && !text.contains("@font-face"),
            "{file} loads a style or font"
        );
    }
}

#[test]
fn no_file_outside_the_embedded_ones_can_be_read() {
    let server = Server::start();
    for path in [
        "/../../../../etc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/Cargo.toml",
        "/src/main.rs",
        "/web/index.html",
        "//etc/passwd",
    ] {
        let r = server.get(path);
        assert!(r.status == 404 || r.status == 400, "{path}: {}", r.status);
        assert!(!r.text().contains("root:"), "{path}");
    }
    let r = server.get("/nothing-here");
    assert_eq!(r.status, 404);
    assert!(r.error().contains("/nothing-here"));
}

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
fn limits_on_program_size_and_node_count() {
    let server = Server::start();
    let long = format!("a = 1.0\n{}", "b = a + 1\n".repeat(500));
    let r = server.post("/api/graph", &json!({"program": long}));
    assert_eq!(r.status, 413);
    assert!(r.error().contains("bytes"), "{}", r.error());
    // Under the size limit, but too many nodes to draw.
    let many = format!("x = 1.0\ny = x{}", "*x".repeat(1500));
    let r = server.post("/api/graph", &json!({"program": many}));
    assert_eq!(r.status, 422);
    assert!(r.error().contains("nodes"), "{}", r.error());
}

#[test]
fn malformed_requests_get_a_4xx_json_answer() {
    let mut server = Server::start();
    let cases: Vec<(&str, &str, Vec<u8>, u16)> = vec![
        ("POST", "/api/graph", b"not json".to_vec(), 400),
        ("POST", "/api/graph", b"{\"program\": 12}".to_vec(), 400),
        ("POST", "/api/graph", b"{}".to_vec(), 400),
        ("POST", "/api/graph", b"[1,2,3]".to_vec(), 400),
        ("POST", "/api/graph", vec![0xff, 0xfe, 0x00, 0x7b], 400),
        (
            "POST",
            "/api/graph",
            b"{\"program\": \"a = 1\"".to_vec(),
            400,
        ),
        ("POST", "/api/graph", vec![b' '; 100 * 1024], 413),
        ("PUT", "/api/graph", b"{}".to_vec(), 405),
        ("GET", "/api/graph", vec![], 405),
        ("POST", "/api/train", b"{\"samples\": -5}".to_vec(), 400),
        (
            "POST",
            "/api/train",
            b"{\"hidden\": \"lots\"}".to_vec(),
            400,
        ),
        (
            "POST",
            "/api/train/1/control",
            b"{\"action\": \"play\"}".to_vec(),
            404,
        ),
        ("GET", "/api/train/abc", vec![], 404),
        ("GET", "/api/train/99999999999999999999999", vec![], 404),
        ("DELETE", "/api/train/7", vec![], 404),
        ("GET", "/api/train/7/events", vec![], 404),
        ("GET", "/api/train/%FF", vec![], 404),
        ("GET", "/api/train/%FF/events", vec![], 404),
        (
            "POST",
            "/api/train/%FF/control",
            b"{\"action\": \"play\"}".to_vec(),
            404,
        ),
        ("DELETE", "/api/train/%C0%AF", vec![], 404),
        ("GET", "/%FF%FE", vec![], 404),
    ];
    for (method, path, body, status) in cases {
        let r = server.request(
            method,
            path,
            if method == "GET" { None } else { Some(&body) },
        );
        assert_eq!(
            r.status,
            status,
            "{method} {path} {:?}: {}",
            String::from_utf8_lossy(&body[..body.len().min(40)]),
            r.text()
        );
        assert!(
            r.header("content-type").unwrap_or("").contains("json"),
            "{method} {path}"
        );
        assert!(!r.error().is_empty());
    }
    // Broken HTTP is refused by the HTTP layer, and the server goes on.
    for raw in [
        &b"NONSENSE\r\n\r\n"[..],
        b"GET / HTTP/9.9\r\n\r\n",
        b"POST /api/graph HTTP/1.1\r\nContent-Length: zz\r\n\r\n",
        b"\x00\x01\x02\x03\r\n\r\n",
    ] {
        let mut stream = TcpStream::connect(server.addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let _ = stream.write_all(raw);
        let mut first = String::new();
        let _ = BufReader::new(stream).read_line(&mut first);
        assert!(
            first.is_empty() || first.contains(" 400") || first.contains(" 505"),
            "{raw:?}: {first}"
        );
    }
    // A body shorter than announced, then the connection closed.
    let mut stream = TcpStream::connect(server.addr).unwrap();
    stream
        .write_all(
            b"POST /api/graph HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\n{\"program\"",
        )
        .unwrap();
    drop(stream);
    assert!(server.alive());
    assert_eq!(
        server
            .post("/api/graph", &json!({"program": NOTEBOOK}))
            .status,
        200
    );
}

fn create(server: &Server, config: Value) -> Value {
    let r = server.post("/api/train", &config);
    assert_eq!(r.status, 201, "{}", r.text());
    r.json()
}

fn status(server: &Server, id: &str) -> Value {
    let r = server.get(&format!("/api/train/{id}"));
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()
}

fn control(server: &Server, id: &str, body: Value) -> u16 {
    server
        .post(&format!("/api/train/{id}/control"), &body)
        .status
}

#[test]
fn a_training_session_steps_plays_pauses_and_resets() {
    let server = Server::start();
    let s = create(
        &server,
        json!({"dataset": "moons", "samples": 100, "noise": 0.1, "hidden": [16, 16]}),
    );
    let id = s["id"].as_str().unwrap().to_string();
    assert_eq!(s["points"].as_array().unwrap().len(), 100);
    assert_eq!(s["snapshot"]["step"], 0);
    assert_eq!(s["snapshot"]["network"]["sizes"], json!([2, 16, 16, 1]));
    let grid0 = s["snapshot"]["grid"]["scores"].clone();
    assert_eq!(grid0.as_array().unwrap().len(), 48 * 48);

    assert_eq!(control(&server, &id, json!({"action": "step"})), 200);
    let deadline = Instant::now() + Duration::from_secs(10);
    while status(&server, &id)["step"] != 1 {
        assert!(Instant::now() < deadline, "no step");
        std::thread::sleep(Duration::from_millis(20));
    }
    let one = status(&server, &id);
    assert!(one["loss"].as_f64().unwrap().is_finite());
    assert_ne!(
        one["grid"]["scores"], grid0,
        "the boundary moves after a step"
    );

    assert_eq!(
        control(&server, &id, json!({"action": "speed", "speed": 16})),
        200
    );
    assert_eq!(control(&server, &id, json!({"action": "play"})), 200);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let s = status(&server, &id);
        if s["step"].as_u64().unwrap() >= 100 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "training is stuck at {}",
            s["step"]
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(control(&server, &id, json!({"action": "pause"})), 200);
    std::thread::sleep(Duration::from_millis(200));
    let paused = status(&server, &id);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        status(&server, &id)["step"],
        paused["step"],
        "paused means no more steps"
    );
    assert_eq!(paused["playing"], false);
    // The demo's setting learns the moons: the loss falls and the accuracy rises.
    let losses = paused["curves"]["loss"].as_array().unwrap();
    assert!(losses.last().unwrap().as_f64().unwrap() < losses[0].as_f64().unwrap() / 2.0);
    assert!(
        paused["accuracy"].as_f64().unwrap() > 0.9,
        "{}",
        paused["accuracy"]
    );

    assert_eq!(control(&server, &id, json!({"action": "reset"})), 200);
    let deadline = Instant::now() + Duration::from_secs(10);
    while status(&server, &id)["step"] != 0 {
        assert!(Instant::now() < deadline, "no reset");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(
        status(&server, &id)["grid"]["scores"],
        grid0,
        "reset restores the initial weights"
    );

    assert_eq!(control(&server, &id, json!({"action": "jump"})), 400);
    assert_eq!(
        control(&server, &id, json!({"action": "speed", "speed": 1000})),
        422
    );
    assert_eq!(
        control(&server, &id, json!({"action": "play", "extra": 1})),
        400
    );

    let r = server.request("DELETE", &format!("/api/train/{id}"), None);
    assert_eq!(r.status, 200);
    assert_eq!(server.get(&format!("/api/train/{id}")).status, 404);
}

#[test]
fn updates_stream_as_server_sent_events() {
    let server = Server::start();
    let s = create(&server, json!({"dataset": "xor", "samples": 60}));
    let id = s["id"].as_str().unwrap();
    let mut stream = TcpStream::connect(server.addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    write!(
        stream,
        "GET /api/train/{id}/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    )
    .unwrap();
    assert_eq!(control(&server, id, json!({"action": "play"})), 200);
    let mut reader = BufReader::new(stream);
    let mut head = String::new();
    let mut steps = Vec::new();
    let mut line = String::new();
    while steps.len() < 5 {
        line.clear();
        assert!(reader.read_line(&mut line).unwrap() > 0, "the stream ended");
        if head.is_empty() {
            head = line.clone();
        }
        if let Some(data) = line.strip_prefix("data: ") {
            let snapshot: Value = serde_json::from_str(data.trim()).unwrap();
            steps.push(snapshot["step"].as_u64().unwrap());
        }
    }
    assert!(head.contains("200"), "{head}");
    assert!(steps.windows(2).all(|w| w[0] <= w[1]), "{steps:?}");
    assert!(steps.last().unwrap() > &0, "{steps:?}");
    control(&server, id, json!({"action": "pause"}));
}

#[test]
fn training_settings_are_checked() {
    let server = Server::start();
    for (config, word) in [
        (json!({"dataset": "mnist"}), "data set"),
        (json!({"samples": 5000}), "samples"),
        (json!({"samples": 1}), "samples"),
        (json!({"noise": 7.0}), "noise"),
        (json!({"hidden": [16, 16, 16, 16, 16]}), "hidden layers"),
        (json!({"hidden": [500]}), "neurons"),
        (json!({"hidden": [0]}), "neurons"),
        (json!({"activation": "swish"}), "activation"),
        (json!({"loss": "l1"}), "loss"),
        (json!({"optimizer": "lbfgs"}), "optimizer"),
        (json!({"learning_rate": 0.0}), "learning rate"),
        (json!({"learning_rate": 1e9}), "learning rate"),
    ] {
        let r = server.post("/api/train", &config);
        assert_eq!(r.status, 422, "{config}: {}", r.text());
        assert!(r.error().contains(word), "{config}: {}", r.error());
    }
    // Every data set, activation, loss and optimizer the page offers is accepted.
    for dataset in ["moons", "circles", "xor", "spiral", "blobs"] {
        let s = create(&server, json!({"dataset": dataset, "samples": 40}));
        assert_eq!(s["dataset"], dataset);
        let labels: std::collections::BTreeSet<String> = s["points"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p[2].to_string())
            .collect();
        assert_eq!(labels.len(), 2, "{dataset}: two classes");
        server.request(
            "DELETE",
            &format!("/api/train/{}", s["id"].as_str().unwrap()),
            None,
        );
    }
    for (activation, loss, optimizer) in [
        ("tanh", "bce", "adam"),
        ("sigmoid", "mse", "adamw"),
        ("relu", "hinge", "sgd"),
    ] {
        let s = create(
            &server,
            json!({"activation": activation, "loss": loss, "optimizer": optimizer, "learning_rate": 0.05}),
        );
        server.request(
            "DELETE",
            &format!("/api/train/{}", s["id"].as_str().unwrap()),
            None,
        );
    }
}

#[test]
fn a_diverging_run_pauses_with_a_message() {
    let server = Server::start();
    let s = create(
        &server,
        json!({"loss": "mse", "learning_rate": 10.0, "optimizer": "sgd", "hidden": [32, 32, 32]}),
    );
    let id = s["id"].as_str().unwrap();
    control(&server, id, json!({"action": "speed", "speed": 64}));
    control(&server, id, json!({"action": "play"}));
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let s = status(&server, id);
        if let Some(message) = s["message"].as_str() {
            assert!(
                message.contains("NaN") || message.contains("inf"),
                "{message}"
            );
            assert_eq!(s["playing"], false);
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no divergence reported: step {} loss {}",
            s["step"],
            s["loss"]
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn limits_on_sessions_and_streams() {
    let server = Server::start();
    let ids: Vec<String> = (0..8)
        .map(|_| {
            create(&server, json!({"samples": 20}))["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    let r = server.post("/api/train", &json!({"samples": 20}));
    assert_eq!(r.status, 429);
    assert!(r.error().contains("sessions"), "{}", r.error());
    // Streams: open the most allowed, then one more.
    let mut open = Vec::new();
    for i in 0..16 {
        let mut stream = TcpStream::connect(server.addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        write!(
            stream,
            "GET /api/train/{}/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
            ids[i % ids.len()]
        )
        .unwrap();
        let mut reader = BufReader::new(stream);
        let mut first = String::new();
        reader.read_line(&mut first).unwrap();
        assert!(first.contains("200"), "stream {i}: {first}");
        open.push(reader);
    }
    let r = server.get(&format!("/api/train/{}/events", ids[0]));
    assert_eq!(r.status, 429);
    assert!(r.error().contains("streams"), "{}", r.error());
    drop(open);
    // Closed streams free their places (the server notices on its next write).
    let deadline = Instant::now() + Duration::from_secs(30);
    for id in &ids {
        control(&server, id, json!({"action": "step"}));
    }
    loop {
        let mut stream = TcpStream::connect(server.addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        write!(
            stream,
            "GET /api/train/{}/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
            ids[0]
        )
        .unwrap();
        let mut first = String::new();
        BufReader::new(stream).read_line(&mut first).unwrap();
        if first.contains("200") {
            break;
        }
        assert!(Instant::now() < deadline, "streams never freed: {first}");
        for id in &ids {
            control(&server, id, json!({"action": "step"}));
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    for id in &ids {
        assert_eq!(
            server
                .request("DELETE", &format!("/api/train/{id}"), None)
                .status,
            200
        );
    }
    assert_eq!(
        server.post("/api/train", &json!({"samples": 20})).status,
        201
    );
}

#[test]
fn requests_from_elsewhere_are_refused() {
    let server = Server::start();
    // A page on another site reaching 127.0.0.1 through a DNS name of its own.
    let r =
        server.raw(b"GET / HTTP/1.1\r\nHost: attacker.example:8000\r\nConnection: close\r\n\r\n");
    assert_eq!(r.status, 403);
    assert!(r.error().contains("attacker.example"), "{}", r.error());
    for host in ["localhost", "127.0.0.1", "[::1]:8000"] {
        let r = server
            .raw(format!("GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").as_bytes());
        assert_eq!(r.status, 200, "{host}");
    }
    // A form on another site can post text without asking first; JSON it cannot.
    let body = "{\"program\": \"a = 1\"}";
    let r = server.raw(
        format!("POST /api/graph HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len())
            .as_bytes(),
    );
    assert_eq!(r.status, 415);
    assert!(r.error().contains("application/json"));
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
fn the_server_outlives_a_closed_standard_output() {
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_micrograd"))
        .args(["serve", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim()
        .rsplit(' ')
        .next()
        .unwrap()
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    std::thread::sleep(Duration::from_millis(300));
    let mut stream = TcpStream::connect(&addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut first = String::new();
    BufReader::new(stream).read_line(&mut first).unwrap();
    assert!(child.try_wait().unwrap().is_none(), "the server exited");
    assert!(first.contains("200"), "{first}");
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn a_port_in_use_is_a_clear_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_micrograd"))
        .args(["serve", "--port", &port])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("error: cannot listen on 127.0.0.1:"),
        "{stderr}"
    );
    assert!(stderr.contains("--port"), "{stderr}");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_micrograd"))
        .args(["serve", "--host", "not-an-address"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
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

/// A small deterministic generator, so the random requests are the same on every run.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

fn random_expr(rng: &mut XorShift, names: &[String], depth: u32) -> String {
    let choice = if depth == 0 {
        rng.next() % 2
    } else {
        rng.next() % 6
    };
    match choice {
        0 => rng
            .pick(&["1", "2.5", "0", "1e-3", "-4", "700"])
            .to_string(),
        1 => names[(rng.next() % names.len() as u64) as usize].clone(),
        2 => format!(
            "{} {} {}",
            random_expr(rng, names, depth - 1),
            rng.pick(&["+", "-", "*", "/", "**"]),
            random_expr(rng, names, depth - 1)
        ),
        3 => format!(
            "{}({})",
            rng.pick(&["tanh", "exp", "log", "relu", "sigmoid", "sin", "cos", "sqrt", "abs"]),
            random_expr(rng, names, depth - 1)
        ),
        4 => format!("-{}", random_expr(rng, names, depth - 1)),
        _ => format!("({})", random_expr(rng, names, depth - 1)),
    }
}

#[test]
fn random_programs_and_bodies_never_get_a_5xx() {
    let mut server = Server::start();
    let mut rng = XorShift(0x9e3779b97f4a7c15);
    let tokens = [
        "a", "=", "+=", "*", "/", "**", "(", ")", "tanh(", "1e308", "1e-320", "\n", ";", "#", "$",
        "é", "1.2.3", "nan", "",
    ];
    let mut answers = std::collections::BTreeMap::new();
    for _ in 0..300 {
        // A program of the language's grammar, then, one time in two, a token put in at random.
        let mut program = String::new();
        let mut names = vec!["a".to_string()];
        program.push_str(&format!(
            "a = {}\n",
            rng.pick(&["2.0", "-3", "0", ".5", "1e-3", "1e300"])
        ));
        for k in 0..1 + rng.next() % 4 {
            let expr = random_expr(&mut rng, &names, 3);
            let name = format!("v{k}");
            program.push_str(&format!(
                "{name} {} {expr}\n",
                rng.pick(&["=", "=", "+=", "*="])
            ));
            names.push(name);
        }
        if rng.next().is_multiple_of(2) {
            let chars: Vec<char> = program.chars().collect();
            let at = (rng.next() % chars.len() as u64) as usize;
            let token = rng.pick(&tokens);
            program = chars[..at].iter().collect::<String>()
                + token
                + &chars[at..].iter().collect::<String>();
        }
        let r = server.post("/api/graph", &json!({ "program": program }));
        assert!(
            r.status == 200 || r.status == 422,
            "{program:?}: {} {}",
            r.status,
            r.text()
        );
        *answers.entry(r.status).or_insert(0) += 1;
        let format = rng.pick(&["svg", "dot"]);
        let r = server.post(
            "/api/graph/export",
            &json!({ "program": program, "format": format }),
        );
        assert!(
            r.status == 200 || r.status == 422,
            "{program:?} as {format}: {} {}",
            r.status,
            r.text()
        );
    }
    // Both kinds were exercised: programs that run and programs that are refused.
    let count = |status: u16| answers.get(&status).copied().unwrap_or(0);
    assert!(count(200) >= 10 && count(422) >= 10, "{answers:?}");
    let pieces = [
        "{",
        "}",
        "[",
        "]",
        "\"program\"",
        "\"dataset\"",
        ":",
        ",",
        "\"",
        "1",
        "-",
        "null",
        "true",
        "\\u0000",
        "\u{ffff}",
        "e9999",
    ];
    for _ in 0..200 {
        let n = 1 + rng.next() % 12;
        let body: String = (0..n).map(|_| rng.pick(&pieces)).collect();
        for path in ["/api/graph", "/api/train", "/api/graph/export"] {
            let r = server.request("POST", path, Some(body.as_bytes()));
            assert!(
                (200..500).contains(&r.status),
                "{path} {body:?}: {} {}",
                r.status,
                r.text()
            );
            if r.status == 201 {
                let id = r.json()["id"].as_str().unwrap().to_string();
                server.request("DELETE", &format!("/api/train/{id}"), None);
            }
        }
    }
    assert!(server.alive());
}
