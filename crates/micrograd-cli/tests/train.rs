//! End-to-end tests of `micrograd train`: the demo's result, digits, the pictures, divergence, Ctrl-C,
//! and every kind of bad input getting exit 2 and a message rather than a panic.

mod common;

use common::{json_from_success, micrograd, moons_csv, scratch, stdout_json};
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
fn options_are_honored() {
    let out = micrograd()
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
        .args(["--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
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
fn a_csv_file_trains_with_its_label_column() {
    let dir = scratch("csv-train");
    let path = moons_csv(&dir);
    let spec = format!("csv:{}", path.display());
    let out = micrograd()
        .args(["train", "--dataset", &spec, "--json", "--quiet"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json = stdout_json(&out.stdout);
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
fn pictures_are_valid_svg_and_png() {
    let dir = scratch("pictures");
    for (plot, loss_plot) in [("boundary.svg", "loss.png"), ("boundary.png", "loss.svg")] {
        let (plot, loss_plot) = (dir.join(plot), dir.join(loss_plot));
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
    let with_test = dir.join("digits-loss.svg");
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

#[test]
fn a_diverging_loss_stops_naming_the_step_and_keeps_the_last_good_model() {
    let dir = scratch("diverge");
    let model = dir.join("model.json");
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
    let model = dir.join("model.json");
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

#[test]
fn bad_options_exit_2_with_a_message() {
    let dir = scratch("bad-options");
    let missing_dir = dir.join("no/such/dir/model.json");
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec!["--dataset".into(), "mnist".into()],
            "unknown data set `mnist`",
        ),
        (
            vec!["--dataset".into(), "moons.csv".into()],
            "csv:moons.csv",
        ),
        (
            vec!["--lr".into(), "-1".into()],
            "--lr must be a positive number",
        ),
        (vec!["--lr".into(), "abc".into()], "invalid value 'abc'"),
        (
            vec!["--hidden".into(), "16,x".into()],
            "`x` is not a layer width",
        ),
        (vec!["--hidden".into(), "0".into()], "at least one neuron"),
        (
            vec!["--hidden".into(), "50000,50000".into()],
            "more than this engine trains",
        ),
        (vec!["--loss".into(), "l1".into()], "unknown loss `l1`"),
        (
            vec!["--activation".into(), "gelu".into()],
            "unknown activation `gelu`",
        ),
        (
            vec!["--optimizer".into(), "rmsprop".into()],
            "invalid value 'rmsprop'",
        ),
        (
            vec!["--test-fraction".into(), "1.5".into()],
            "--test-fraction must be",
        ),
        (
            vec!["--steps".into(), "0".into()],
            "--steps must be at least 1",
        ),
        (
            vec!["--steps".into(), "5".into(), "--epochs".into(), "5".into()],
            "cannot be used with",
        ),
        (vec!["--samples".into(), "1".into()], "--samples must be"),
        (vec!["--noise".into(), "-0.1".into()], "--noise must be"),
        (
            vec!["--classes".into(), "3".into()],
            "--classes applies to the blobs and spiral",
        ),
        (
            vec![
                "--optimizer".into(),
                "adam".into(),
                "--momentum".into(),
                "0.9".into(),
            ],
            "--momentum applies to",
        ),
        (
            vec![
                "--dataset".into(),
                "blobs".into(),
                "--loss".into(),
                "hinge".into(),
            ],
            "tells two classes apart",
        ),
        (
            vec![
                "--dataset".into(),
                "digits".into(),
                "--samples".into(),
                "10".into(),
            ],
            "apply to generated",
        ),
        (
            vec![
                "--dataset".into(),
                "digits".into(),
                "--plot".into(),
                "b.svg".into(),
            ],
            "two features",
        ),
        (
            vec!["--plot".into(), "boundary.jpg".into()],
            "must end in .svg or .png",
        ),
        (
            vec!["--loss-plot".into(), "curves".into()],
            "must end in .svg or .png",
        ),
        (
            vec!["--save".into(), missing_dir.display().to_string()],
            "does not exist",
        ),
        (vec!["--bogus".into()], "unexpected argument '--bogus'"),
        (
            vec!["--init".into(), "xavier".into()],
            "expected micrograd or pytorch",
        ),
        (
            vec!["--label-smoothing".into(), "0.1".into()],
            "--label-smoothing applies to the cross-entropy loss, not to hinge",
        ),
        (
            vec![
                "--dataset".into(),
                "digits".into(),
                "--label-smoothing".into(),
                "-0.5".into(),
            ],
            "--label-smoothing must be at least 0 and at most 1",
        ),
    ];
    for (args, message) in cases {
        let out = micrograd().arg("train").args(&args).output().unwrap();
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains(message),
            "{args:?}: expected {message:?} in {err}"
        );
        assert!(err.starts_with("error"), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}

#[test]
fn bad_csv_files_exit_2_naming_the_place() {
    let dir = scratch("bad-csv");
    let cases = [
        ("empty.csv", "", "empty"),
        ("blank.csv", "\n\n", "empty"),
        ("header-only.csv", "a,b,y\n", "no data rows"),
        ("ragged.csv", "a,b,y\n1,2,0\n3,4\n", "ragged.csv:3"),
        ("word.csv", "a,b,y\n1,2,0\n3,abc,1\n", "word.csv:3:2"),
        ("empty-cell.csv", "a,b,y\n1,,0\n", "empty-cell.csv:2:2"),
        ("nan.csv", "a,b,y\n1,nan,0\n2,3,1\n", "nan.csv:2:2"),
        (
            "one-class.csv",
            "a,b,y\n1,2,0\n3,4,0\n",
            "at least two classes",
        ),
        ("one-column.csv", "y\n1\n0\n", "one feature and a label"),
    ];
    for (name, text, message) in cases {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        micrograd()
            .args(["train", "--dataset"])
            .arg(format!("csv:{}", path.display()))
            .assert()
            .code(2)
            .stderr(contains(message))
            .stderr(contains("panicked").not());
    }
    micrograd()
        .args(["train", "--dataset", "csv:/no/such/file.csv"])
        .assert()
        .code(2)
        .stderr(contains("/no/such/file.csv"));
}

#[test]
fn the_initialization_is_chosen_shown_and_saved() {
    let dir = scratch("init");
    let model = dir.join("digits.json");
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

    let demo = dir.join("demo.json");
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
