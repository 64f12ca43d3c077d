//! End-to-end tests of `micrograd bench`: the figures it reports, its JSON, and its errors. Speed
//! is never asserted here (timings belong to benchmarks); what is checked is that every workload
//! runs, computes what it should, and is reported.

mod common;

use common::{json_from_success, micrograd};
use predicates::str::contains;

const BASELINES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../bench");

/// `micrograd bench` kept short: one run of each workload and a chain of 4,000 nodes.
fn quick_bench() -> assert_cmd::Command {
    let mut command = micrograd();
    command.args(["bench", "--runs", "1", "--chain-nodes", "4000"]);
    command
}

#[test]
fn every_figure_is_reported_in_json() {
    let report = json_from_success(quick_bench().args(["--no-python", "--json"]));
    let figures = report["figures"].as_array().unwrap();
    let names: Vec<&str> = figures
        .iter()
        .map(|f| f["figure"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "moons demo (100 steps) vs PyTorch",
            "moons demo vs Python micrograd",
            "moons demo vs hand-written f64 Rust",
            "memory per node (long chain)",
            "chain of nodes: build+backward+drop vs f64 loop",
            "digits (64-32-10, Adam, 20 epochs) vs PyTorch",
        ]
    );
    // Without Python the baselines it runs are missing, and nothing is claimed about them.
    for f in &figures[..2] {
        assert!(f["ratio"].is_null() && f["met"].is_null(), "{f}");
    }
    // The Rust baselines are always measured.
    for k in [2, 4] {
        assert!(figures[k]["ratio"].as_f64().unwrap() > 0.0);
    }
    assert_eq!(figures[3]["met"], true, "{}", figures[3]);
    assert_eq!(report["demo_train_accuracy"], 1.0);
    assert!(report["digits_test_accuracy"].as_f64().unwrap() >= 0.97);
    assert_eq!(report["chain_nodes"], 4000);
    let phases = &report["chain_phases_ms"];
    for phase in ["build", "backward", "drop"] {
        assert!(phases[phase].as_f64().unwrap() >= 0.0, "{phase}");
    }
    assert!(report["chain_fresh_memory_ms"].as_f64().unwrap() > 0.0);
    assert_eq!(report["python_baselines"], "skipped (--no-python)");
}

#[test]
fn the_table_names_each_target_and_the_chain_phases() {
    quick_bench()
        .arg("--no-python")
        .assert()
        .success()
        .stdout(contains("moons demo vs hand-written f64 Rust"))
        .stdout(contains("<= 3x"))
        .stdout(contains("chain: build "))
        .stdout(contains("to fresh memory alone takes"));
}

#[test]
fn a_python_that_cannot_run_is_a_note_not_a_failure() {
    let report = json_from_success(quick_bench().args([
        "--json",
        "--baselines",
        BASELINES,
        "--python",
        "/no/such/python3",
    ]));
    let note = report["python_baselines"].as_str().unwrap();
    assert!(note.contains("cannot run /no/such/python3"), "{note}");
    assert!(report["figures"][0]["ratio"].is_null());
}

#[test]
fn bad_options_exit_2() {
    micrograd()
        .args(["bench", "--runs", "0"])
        .assert()
        .code(2)
        .stderr(contains("--runs must be at least 1"));
    micrograd()
        .args(["bench", "--chain-nodes", "3"])
        .assert()
        .code(2)
        .stderr(contains("--chain-nodes at least 4"));
}
