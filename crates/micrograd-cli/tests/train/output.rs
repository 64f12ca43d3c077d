//! What a run prints and draws: the demo's JSON summary and progress lines, `--quiet`, the options
//! honored and shown, and the SVG and PNG pictures.

use crate::common;
use crate::common::{micrograd, output_of_success, scratch, stdout_json};
use predicates::prelude::*;
use predicates::str::contains;

#[test]
fn the_default_run_is_the_demo_and_reaches_full_training_accuracy() {
    let out = micrograd()
        .args(["train", "--json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let json = stdout_json(&out);
    assert_eq!(json["dataset"], "moons");
    assert_eq!(json["steps"], 100);
    assert_eq!(json["train_accuracy"], 1.0);
    assert!(json["test_accuracy"].is_null());
    let loss = json["final_loss"].as_f64().unwrap();
    assert!(loss > 0.0 && loss < 0.1, "final loss {loss}");
    assert!(json["seconds"].as_f64().unwrap() >= 0.0);
    // The keys in the order the README documents them.
    let keys: Vec<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let documented = [
        "dataset",
        "steps",
        "final_loss",
        "train_accuracy",
        "test_accuracy",
        "seconds",
    ];
    assert_eq!(keys, documented);
    // --json keeps standard output for the one JSON line.
    assert_eq!(String::from_utf8(out).unwrap().lines().count(), 1);
}

#[test]
fn no_subcommand_trains_the_demo_with_progress_lines() {
    micrograd()
        .assert()
        .success()
        .stdout(contains("MLP 2-16-16-1"))
        .stdout(contains("337 parameters"))
        .stdout(contains("step 0 loss"))
        .stdout(contains("step 99 loss"))
        .stdout(contains("training accuracy 100.0%"))
        .stdout(
            predicate::function(|out: &str| {
                let last = out.lines().last().unwrap_or("");
                last.contains("micrograd serve")
                    && last.contains("http://127.0.0.1:8000/")
                    && last.contains("--plot")
            })
            .name("a last line pointing to the lesson and the pictures"),
        );
}

#[test]
fn quiet_prints_nothing() {
    micrograd()
        .args(["train", "--quiet"])
        .assert()
        .success()
        .stdout("");
}

#[test]
fn options_are_honored() {
    let out = output_of_success(
        micrograd()
            .args([
                "train",
                "--dataset",
                "moons",
                "--samples",
                "200",
                "--noise",
                "0.2",
                "--hidden",
                "8",
            ])
            .args([
                "--activation",
                "tanh",
                "--loss",
                "bce",
                "--optimizer",
                "adam",
                "--lr",
                "0.05",
            ])
            .args([
                "--epochs",
                "5",
                "--batch-size",
                "20",
                "--test-fraction",
                "0.25",
                "--seed",
                "7",
            ])
            .args(["--json"]),
    );
    let json = stdout_json(&out.stdout);
    assert_eq!(
        json["steps"],
        5 * (150 / 20 + 1),
        "150 training samples in batches of 20, 5 epochs"
    );
    assert!(json["test_accuracy"].as_f64().is_some());
    let progress = String::from_utf8(out.stderr).unwrap();
    assert!(progress.contains("MLP 2-8-1 (tanh hidden"), "{progress}");
    assert!(progress.contains("bce loss, Adam lr 0.05"), "{progress}");
}

#[test]
fn pictures_are_valid_svg_and_png() {
    let dir = scratch("pictures");
    for (plot, loss_plot) in [("boundary.svg", "loss.png"), ("boundary.png", "loss.svg")] {
        let (plot, loss_plot) = (dir.path().join(plot), dir.path().join(loss_plot));
        micrograd()
            .args(["train", "--quiet", "--plot"])
            .arg(&plot)
            .arg("--loss-plot")
            .arg(&loss_plot)
            .assert()
            .success();
        for path in [plot, loss_plot] {
            common::assert_picture(&path);
        }
    }
    let with_test = dir.path().join("digits-loss.svg");
    micrograd()
        .args([
            "train",
            "--dataset",
            "digits",
            "--quiet",
            "--epochs",
            "2",
            "--loss-plot",
        ])
        .arg(&with_test)
        .assert()
        .success();
    let svg = std::fs::read_to_string(&with_test).unwrap();
    assert!(
        svg.contains("test accuracy"),
        "the loss plot of a run with a test set shows it"
    );
    common::assert_picture(&with_test);
}
