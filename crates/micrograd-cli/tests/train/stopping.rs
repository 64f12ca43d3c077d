//! Runs that stop early: a diverging loss and Ctrl-C, each keeping the last good model.

use crate::common::{micrograd, scratch};
use predicates::prelude::*;

#[test]
fn a_diverging_loss_stops_naming_the_step_and_keeps_the_last_good_model() {
    let dir = scratch("diverge");
    let model = dir.path().join("model.json");
    let out = micrograd()
        .args(["train", "--lr", "1e6", "--save"])
        .arg(&model)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.starts_with("error: the loss diverged at step "),
        "{err}"
    );
    assert!(err.contains("try a smaller --lr"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    // The saved model is the last one with a finite loss: it loads and predicts finite scores.
    micrograd()
        .args(["predict", "--model"])
        .arg(&model)
        .write_stdin("0.5,0.25\n")
        .assert()
        .success()
        .stdout(predicate::str::is_match(r"^class,score\n-?1,-?[0-9.e+-]+\n$").unwrap());
}

#[cfg(unix)]
#[test]
fn ctrl_c_stops_cleanly_and_saves_the_last_good_model() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    let dir = scratch("interrupt");
    let model = dir.path().join("model.json");
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("micrograd"))
        .args([
            "train",
            "--dataset",
            "digits",
            "--epochs",
            "100000",
            "--save",
        ])
        .arg(&model)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until training is under way (its first progress line), then press Ctrl-C.
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    for line in lines.by_ref() {
        if line.unwrap().starts_with("step ") {
            break;
        }
    }
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let rest: Vec<String> = lines.map(Result::unwrap).collect();
    let output = child.wait_with_output().unwrap();
    let err = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(130), "{err}");
    assert!(err.contains("interrupted after"), "{err}");
    assert!(
        rest.iter().any(|l| l.starts_with("done: ")),
        "a summary of the steps done: {rest:?}"
    );
    let saved = std::fs::read_to_string(&model).expect("the model is saved");
    assert!(saved.contains("\"micrograd-classifier\""));
    let row = vec!["0"; 64].join(",");
    micrograd()
        .args(["predict", "--model"])
        .arg(&model)
        .write_stdin(row)
        .assert()
        .success();
}
