//! Bad options and bad CSV files: exit 2 with a message naming the problem, never a panic.

use crate::common::{micrograd, scratch};
use predicates::prelude::*;
use predicates::str::contains;

#[test]
fn bad_options_exit_2_with_a_message() {
    let dir = scratch("bad-options");
    let missing_dir = dir.path().join("no/such/dir/model.json");
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
        let path = dir.path().join(name);
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
