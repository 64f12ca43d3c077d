//! The `--init` and `--threads` settings: the initialization chosen, shown, saved and documented,
//! and threads reaching the one-thread accuracy.

use crate::common::{json_from_success, micrograd, scratch};
use predicates::prelude::*;
use predicates::str::contains;

#[test]
fn the_initialization_is_chosen_shown_and_saved() {
    let dir = scratch("init");
    let model = dir.path().join("digits.json");
    let out = micrograd()
        .args(["train", "--dataset", "digits", "--epochs", "1", "--save"])
        .arg(&model)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("model: MLP 64-32-10 (relu hidden, linear output, pytorch init)"),
        "digits default to PyTorch's initialization: {text}"
    );
    let saved = std::fs::read_to_string(&model).unwrap();
    assert!(saved.contains(r#""init": "pytorch""#), "{saved}");

    let demo = dir.path().join("demo.json");
    let out = micrograd()
        .args(["train", "--steps", "1", "--save"])
        .arg(&demo)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("model: MLP 2-16-16-1 (relu hidden, linear output), 337 parameters"),
        "the demo keeps micrograd's: {text}"
    );
    let saved = std::fs::read_to_string(&demo).unwrap();
    assert!(saved.contains(r#""init": "micrograd""#), "{saved}");

    let chosen = micrograd()
        .args(["train", "--init", "PyTorch", "--steps", "1"])
        .output()
        .unwrap();
    let text = String::from_utf8(chosen.stdout).unwrap();
    assert!(text.contains("pytorch init"), "{text}");
}

#[test]
fn train_help_says_which_initialization_applies_where() {
    let out = micrograd().args(["train", "--help"]).output().unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    assert!(help.contains("--init <NAME>"), "{help}");
    assert!(
        help.contains("micrograd for the generated sets")
            && help.contains("pytorch for digits and CSV files"),
        "{help}"
    );
}

#[test]
fn threads_train_digits_to_the_one_thread_accuracy_and_zero_threads_is_refused() {
    let run = |threads: &str| {
        json_from_success(micrograd().args([
            "train",
            "--dataset",
            "digits",
            "--hidden",
            "64",
            "--epochs",
            "5",
            "--threads",
            threads,
            "--json",
            "--quiet",
        ]))
    };
    let (one, two) = (run("1"), run("2"));
    assert_eq!(
        run("2")["final_loss"],
        two["final_loss"],
        "the same threads give the same bits"
    );
    let accuracy = |r: &serde_json::Value| r["test_accuracy"].as_f64().unwrap();
    assert!(
        (accuracy(&one) - accuracy(&two)).abs() <= 0.005,
        "{one} vs {two}"
    );
    for bad in ["0", "-1", "two"] {
        micrograd()
            .args(["train", "--threads", bad])
            .assert()
            .code(2)
            .stderr(contains("--threads"));
    }
    micrograd()
        .args(["train", "--help"])
        .assert()
        .success()
        .stdout(contains("--threads").and(contains("[default: 1]")));
}
