//! End-to-end tests of `micrograd predict`: models saved by `train` give the predictions training
//! measured, and bad model files and input rows exit 2 with what is wrong.

mod common;

use common::{micrograd, moons_csv, output_of_success, scratch};
use predicates::prelude::*;
use predicates::str::contains;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../micrograd/data");

/// Predictions as (class, score) pairs, after the `class,score` header.
fn predictions(stdout: &[u8]) -> Vec<(String, f64)> {
    let text = String::from_utf8(stdout.to_vec()).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("class,score"));
    lines
        .map(|l| {
            let (class, score) = l.split_once(',').unwrap();
            (class.to_string(), score.parse().unwrap())
        })
        .collect()
}

/// A scratch folder for test `name` (removed when the returned guard is dropped: bind it for the
/// whole test, not to `_`), and in it the demo's model saved by `micrograd train` as `file`.
fn demo_model(name: &str, file: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = scratch(name);
    let model = dir.path().join(file);
    micrograd()
        .args(["train", "--quiet", "--save"])
        .arg(&model)
        .assert()
        .success();
    (dir, model)
}

/// The label column of a CSV file with a header.
fn labels(path: &str) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .skip(1)
        .map(|l| l.rsplit(',').next().unwrap().to_string())
        .collect()
}

#[test]
fn the_demo_model_predicts_every_training_label() {
    let (_dir, model) = demo_model("predict-demo", "moons.json");
    let data = format!("{DATA}/moons100.csv");
    // The header names the model's features (x0, x1): those columns are used, the label ignored.
    let out = output_of_success(
        micrograd()
            .args(["predict", "--model"])
            .arg(&model)
            .args(["--input", &data]),
    );
    let predicted = predictions(&out.stdout);
    let truth = labels(&data);
    assert_eq!(predicted.len(), 100);
    for ((class, score), label) in predicted.iter().zip(&truth) {
        assert_eq!(
            class, label,
            "training reached 100 %, so every prediction is the label"
        );
        // Hinge scores: the sign is the class.
        assert_eq!(*score > 0.0, label == "1");
    }
}

#[test]
fn rows_from_standard_input_give_the_same_predictions() {
    let (dir, model) = demo_model("predict-stdin", "moons.json");
    let rows = "1.0,-0.4\n-0.9,0.3\n";
    let from_stdin = micrograd()
        .args(["predict", "--model"])
        .arg(&model)
        .write_stdin(rows)
        .output()
        .unwrap();
    let file = dir.path().join("rows.csv");
    std::fs::write(&file, rows).unwrap();
    let from_file = micrograd()
        .args(["predict", "--model"])
        .arg(&model)
        .arg("--input")
        .arg(&file)
        .output()
        .unwrap();
    assert!(from_stdin.status.success());
    assert_eq!(from_stdin.stdout, from_file.stdout);
    let p = predictions(&from_stdin.stdout);
    assert_eq!(
        (p[0].0.as_str(), p[1].0.as_str()),
        ("1", "-1"),
        "points inside each moon"
    );
}

#[test]
fn a_digits_model_round_trips_through_its_file() {
    let dir = scratch("predict-digits");
    let model = dir.path().join("digits.json");
    micrograd()
        .args(["train", "--dataset", "digits", "--quiet", "--save"])
        .arg(&model)
        .assert()
        .success();
    let data = format!("{DATA}/digits.csv");
    let out = output_of_success(
        micrograd()
            .args(["predict", "--model"])
            .arg(&model)
            .args(["--input", &data]),
    );
    let predicted = predictions(&out.stdout);
    let truth = labels(&data);
    let right = predicted
        .iter()
        .zip(&truth)
        .filter(|((c, _), y)| c == *y)
        .count();
    // 80 % of these rows were trained on and the rest reach >= 97 %: well above 97 % overall.
    assert!(
        right as f64 / truth.len() as f64 >= 0.97,
        "{right} of {}",
        truth.len()
    );
    for (_, p) in &predicted {
        assert!(
            *p > 0.1 && *p <= 1.0,
            "softmax probability of the predicted class: {p}"
        );
    }
}

#[test]
fn labels_of_a_csv_file_come_back_as_written() {
    let dir = scratch("predict-labels");
    let csv = moons_csv(dir.path());
    let model = dir.path().join("clusters.json");
    micrograd()
        .args(["train", "--quiet", "--dataset"])
        .arg(format!("csv:{}", csv.display()))
        .arg("--save")
        .arg(&model)
        .assert()
        .success();
    // Standardization is saved with the model, so raw inputs work.
    let out = micrograd()
        .args(["predict", "--model"])
        .arg(&model)
        .write_stdin("-1,-1,-10\n1,1,10\n")
        .output()
        .unwrap();
    let p = predictions(&out.stdout);
    assert_eq!((p[0].0.as_str(), p[1].0.as_str()), ("3", "7"));
}

#[test]
fn bad_model_files_exit_2_saying_what_is_wrong() {
    let (dir, model) = demo_model("predict-bad-model", "good.json");
    let text = std::fs::read_to_string(&model).unwrap();

    let truncated = dir.path().join("truncated.json");
    std::fs::write(&truncated, &text[..text.len() * 2 / 3]).unwrap();
    let foreign = dir.path().join("foreign.json");
    std::fs::write(&foreign, r#"{"format": "onnx", "graph": []}"#).unwrap();
    let not_json = dir.path().join("model.csv");
    std::fs::write(&not_json, "x0,x1,y\n1,2,1\n").unwrap();
    let empty = dir.path().join("empty.json");
    std::fs::write(&empty, "").unwrap();
    let reshaped = dir.path().join("reshaped.json");
    std::fs::write(
        &reshaped,
        text.replacen("\"inputs\": 2", "\"inputs\": 3", 1),
    )
    .unwrap();
    let binary = dir.path().join("binary.bin");
    std::fs::write(&binary, [0xff, 0xfe, 0x00, 0x81]).unwrap();

    let cases = [
        (truncated, "truncated"),
        (foreign, "not a micrograd model file"),
        (not_json, "not a micrograd model file"),
        (empty, "empty"),
        (
            reshaped,
            "weight row 1 has 2 numbers, but the layer has 3 inputs",
        ),
        (binary, "not a micrograd model file"),
        (
            dir.path().join("missing.json"),
            "cannot read the model file",
        ),
    ];
    for (path, message) in cases {
        micrograd()
            .args(["predict", "--model"])
            .arg(&path)
            .write_stdin("0,0\n")
            .assert()
            .code(2)
            .stderr(contains(message))
            .stderr(contains(path.file_name().unwrap().to_str().unwrap()))
            .stderr(contains("panicked").not());
    }
}

#[test]
fn bad_rows_exit_2_naming_the_line() {
    let (_dir, model) = demo_model("predict-bad-rows", "model.json");
    let cases = [
        (
            "1,2\n3,4,5\n",
            "<stdin>:2: 3 values, but the model takes 2 inputs",
        ),
        ("1\n", "<stdin>:1: 1 value, but the model takes 2 inputs"),
        ("1,2\n3,x\n", "<stdin>:2:2: `x` is not a number"),
        ("1,\n", "<stdin>:1:2: empty cell"),
        ("1,inf\n", "not a finite number"),
        ("", "no rows to predict"),
        // A header must name every feature: one naming some of them, or as many columns as the
        // model's inputs under other names, is not read by position.
        (
            "a,b,c\n1,2,3\n",
            "the header does not name the model's features `x0`, `x1`",
        ),
        ("x1,x9\n1,2\n", "does not name the model's feature `x0`"),
        ("a,b\n1,2\n", "must name every feature (x0, x1)"),
        ("x0,x1,x0\n1,2,3\n", "names the column `x0` twice"),
    ];
    for (rows, message) in cases {
        micrograd()
            .args(["predict", "--model"])
            .arg(&model)
            .write_stdin(rows)
            .assert()
            .code(2)
            .stderr(contains(message))
            .stderr(contains("panicked").not());
    }
    micrograd()
        .args(["predict", "--model"])
        .arg(&model)
        .args(["--input", "/no/such/rows.csv"])
        .assert()
        .code(2)
        .stderr(contains("/no/such/rows.csv"));
    micrograd()
        .args(["predict"])
        .assert()
        .code(2)
        .stderr(contains("--model"));
}

#[test]
fn a_bare_library_model_file_predicts_class_indices() {
    use micrograd::io::SavedModel;
    use micrograd::nn::MLP;
    use micrograd::Graph;

    let dir = scratch("predict-bare");
    let g = Graph::new();
    let model = MLP::new(&g, 3, &[4, 3], 11);
    let path = dir.path().join("bare.json");
    SavedModel::from_model(&model).save(&path).unwrap();
    let rows = [[0.3, 1.0, 0.2], [-0.5, 1.5, 1.0]];
    let input: String = rows
        .iter()
        .map(|r| format!("{},{},{}\n", r[0], r[1], r[2]))
        .collect();
    let out = output_of_success(
        micrograd()
            .args(["predict", "--model"])
            .arg(&path)
            .write_stdin(input),
    );
    for ((class, p), row) in predictions(&out.stdout).iter().zip(&rows) {
        let logits = model.predict(row);
        // The first of equal largest logits, as the library's argmax; the rows are chosen without ties.
        let best = (0..3).fold(0, |b, i| if logits[i] > logits[b] { i } else { b });
        let ties = logits.iter().filter(|&&l| l == logits[best]).count();
        assert_eq!(ties, 1, "a row without a tie: {logits:?}");
        assert_eq!(class, &best.to_string());
        let softmax = 1.0 / logits.iter().map(|l| (l - logits[best]).exp()).sum::<f64>();
        assert!((p - softmax).abs() < 1e-12);
    }
}

#[test]
fn a_row_whose_score_is_not_a_number_gets_no_class() {
    let (_dir, model) = demo_model("predict-overflow", "moons.json");
    // Values this large overflow the sums to opposite infinities: the score is NaN, which
    // decides no class, and the row is named rather than given one.
    let out = micrograd()
        .args(["predict", "--model"])
        .arg(&model)
        .write_stdin("1.0,-0.4\n-1e308,1e308\n-0.9,0.3\n")
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[2], ",NaN", "{text}");
    let p = predictions(text.as_bytes());
    assert_eq!((p[0].0.as_str(), p[2].0.as_str()), ("1", "-1"));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("row(s) 2 gave a score that is not a number"),
        "{stderr}"
    );
}
