//! Every data set trains: digits to 97% test accuracy with smoothed labels and pooled pixels, the
//! generated sets, and a CSV file with its label column.

use crate::common::{json_from_success, micrograd, moons_csv, scratch, stdout_json};
use predicates::str::contains;

#[test]
fn digits_reach_97_percent_test_accuracy() {
    let json =
        json_from_success(micrograd().args(["train", "--dataset", "digits", "--json", "--quiet"]));
    assert_eq!(json["dataset"], "digits");
    assert_eq!(
        json["steps"],
        20 * 45,
        "20 epochs of 1437 samples in batches of 32"
    );
    let test = json["test_accuracy"].as_f64().unwrap();
    assert!(test >= 0.97, "test accuracy {test}");
}

#[test]
fn every_generated_data_set_trains() {
    for name in ["moons", "circles", "blobs", "xor", "spiral"] {
        let out = micrograd()
            .args([
                "train",
                "--dataset",
                name,
                "--samples",
                "120",
                "--json",
                "--quiet",
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let json = stdout_json(&out.stdout);
        assert!(
            json["train_accuracy"].as_f64().unwrap() > 0.8,
            "{name}: {json}"
        );
    }
}

#[test]
fn a_csv_file_trains_with_its_label_column() {
    let dir = scratch("csv-train");
    let path = moons_csv(dir.path());
    let spec = format!("csv:{}", path.display());
    let json =
        json_from_success(micrograd().args(["train", "--dataset", &spec, "--json", "--quiet"]));
    assert_eq!(json["dataset"], spec.as_str());
    assert!(json["test_accuracy"].as_f64().unwrap() >= 0.9, "{json}");
    // The label chosen by name: here the first column, a feature, makes nonsense classes but must run.
    micrograd()
        .args(["train", "--dataset", &spec, "--label", "nope"])
        .assert()
        .code(2)
        .stderr(contains("nope"));
}

#[test]
fn digits_train_on_smoothed_labels_and_pooled_pixels_and_say_so() {
    let out = micrograd()
        .args(["train", "--dataset", "digits", "--epochs", "2"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("inputs standardized (one pooled deviation)"),
        "{text}"
    );
    assert!(
        text.contains("cross-entropy loss (labels smoothed by 0.1) + 1e-3 L2"),
        "{text}"
    );
    let plain = micrograd()
        .args([
            "train",
            "--dataset",
            "digits",
            "--epochs",
            "2",
            "--label-smoothing",
            "0",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8(plain.stdout).unwrap();
    assert!(text.contains("cross-entropy loss + 1e-3 L2"), "{text}");
}
