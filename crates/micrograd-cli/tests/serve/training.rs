//! `/api/train`: a training session's controls, its server-sent events, its settings, divergence,
//! and the limits on sessions and streams.

use std::io::BufRead;
use std::time::{Duration, Instant};

use crate::playground::Server;
use serde_json::{json, Value};

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
    let mut reader = server.events(id, Duration::from_secs(20));
    assert_eq!(control(&server, id, json!({"action": "play"})), 200);
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
        let mut reader = server.events(&ids[i % ids.len()], Duration::from_secs(10));
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
        let mut first = String::new();
        server
            .events(&ids[0], Duration::from_secs(10))
            .read_line(&mut first)
            .unwrap();
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
