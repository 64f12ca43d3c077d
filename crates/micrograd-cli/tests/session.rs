//! One training session behind every front end: `micrograd train`, the playground and the library's
//! `Session` give the same numbers for the same recipe, and the playground starts where the command
//! line does (the shipped 100 moons).

mod common;
mod playground;

use std::time::{Duration, Instant};

use common::{json_from_success, micrograd};
use micrograd::data;
use micrograd::session::{Choices, DataOptions, DataSource, OptimizerKind, Session, SessionConfig};
use micrograd::Graph;
use playground::Server;
use serde_json::json;

#[test]
fn the_playground_starts_with_the_demos_moons_and_its_first_loss() {
    let server = Server::start();
    let r = server.post("/api/train", &json!({}));
    assert_eq!(r.status, 201, "{}", r.text());
    let created = r.json();
    // The shipped points, not generated ones: the same coordinates, labels ±1.
    let shipped = data::moons100();
    let mut expected: Vec<(String, String, f64)> = shipped
        .rows()
        .zip(shipped.labels())
        .map(|(x, &y)| (x[0].to_string(), x[1].to_string(), y))
        .collect();
    let mut points: Vec<(String, String, f64)> = created["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p[0].to_string(), p[1].to_string(), p[2].as_f64().unwrap()))
        .collect();
    expected.sort_by(|a, b| a.partial_cmp(b).unwrap());
    points.sort_by(|a, b| a.partial_cmp(b).unwrap());
    assert_eq!(points, expected);

    let id = created["id"].as_str().unwrap();
    let step = server.post(
        &format!("/api/train/{id}/control"),
        &json!({"action": "step"}),
    );
    assert_eq!(step.status, 200);
    let deadline = Instant::now() + Duration::from_secs(10);
    let snapshot = loop {
        let s = server.get(&format!("/api/train/{id}")).json();
        if s["step"] == 1 {
            break s;
        }
        assert!(Instant::now() < deadline, "no step");
        std::thread::sleep(Duration::from_millis(20));
    };
    let cli = json_from_success(micrograd().args(["train", "--steps", "1", "--json", "--quiet"]));
    assert_eq!(snapshot["loss"], cli["final_loss"], "the first step's loss");
}

#[test]
fn the_command_line_and_the_library_session_train_alike() {
    let cli = json_from_success(micrograd().args([
        "train",
        "--dataset",
        "circles",
        "--samples",
        "80",
        "--optimizer",
        "adam",
        "--steps",
        "40",
        "--init",
        "pytorch",
        "--seed",
        "5",
        "--json",
        "--quiet",
    ]));
    let config = SessionConfig {
        source: DataSource::Generated("circles".into()),
        data: DataOptions {
            samples: Some(80),
            ..DataOptions::default()
        },
        seed: Some(5),
        choices: Choices {
            optimizer: Some(OptimizerKind::Adam),
            steps: Some(40),
            init: Some("pytorch".parse().unwrap()),
            ..Choices::default()
        },
        ..SessionConfig::default()
    };
    let session = Session::new(&config).unwrap();
    let graph = Graph::new();
    let model = session.build_model(&graph);
    let reports = session.train(&model, |_| {}).unwrap();
    assert_eq!(reports.len(), 40);
    assert_eq!(cli["steps"], 40);
    assert_eq!(
        cli["final_loss"].as_f64(),
        Some(reports[39].loss),
        "the same loss to the last bit"
    );
}
