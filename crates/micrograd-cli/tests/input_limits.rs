//! Input files are bounded: devices, pipes and directories are refused before they are read, files
//! over the documented limit are refused from their size, and a model file is refused from its
//! widths before its numbers are parsed. Each is a clear error with exit code 2, under a memory
//! limit the unbounded reads would have broken (`ulimit -v`, so an allocation past it fails).

use std::path::Path;
use std::process::{Command, Output};

/// A fresh scratch directory for one test (`micrograd-limits-NAME-XXXXXX` in the system's temporary
/// directory), removed when the returned guard is dropped, so at the end of the test, pass or fail.
fn scratch(name: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(&format!("micrograd-limits-{name}-"))
        .tempdir()
        .unwrap()
}

/// Runs `micrograd ARGS` with at most 512 MiB of address space: an unbounded read of /dev/zero
/// grows past that within a second, and the 1,000,000-wide model below took 933 MB to refuse.
fn micrograd_bounded(args: &[&str]) -> Output {
    micrograd_bounded_kib(args, 512 * 1024)
}

fn assert_refused(out: &Output, words: &[&str]) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    for word in words {
        assert!(stderr.contains(word), "no `{word}` in: {stderr}");
    }
}

#[test]
fn a_device_is_not_read_as_a_data_set() {
    let out = micrograd_bounded(&["train", "--quiet", "--dataset", "csv:/dev/zero"]);
    assert_refused(&out, &["/dev/zero", "not a regular file"]);
}

#[test]
fn a_directory_or_a_device_is_not_read_as_a_model_program_or_rows() {
    let dir = scratch("kinds");
    let dir_name = dir.path().to_str().unwrap();
    let out = micrograd_bounded(&["predict", "--model", dir_name, "--input", "/dev/zero"]);
    assert_refused(&out, &[dir_name, "directory"]);
    let out = micrograd_bounded(&["predict", "--model", "/dev/zero"]);
    assert_refused(&out, &["/dev/zero", "not a regular file"]);
    let out = micrograd_bounded(&["eval", "/dev/zero"]);
    assert_refused(&out, &["/dev/zero", "not a regular file"]);
    let out = micrograd_bounded(&["gradcheck", "/dev/urandom"]);
    assert_refused(&out, &["/dev/urandom", "not a regular file"]);
    dir.close().unwrap();
}

#[test]
fn endless_standard_input_is_cut_at_the_limit() {
    let bin = env!("CARGO_BIN_EXE_micrograd");
    let out = Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 524288; exec \"$0\" eval - < /dev/zero")
        .arg(bin)
        .output()
        .unwrap();
    assert_refused(&out, &["standard input", "larger than 16 MiB"]);
}

/// A file of `bytes` bytes of a CSV row repeated.
fn large_csv(path: &Path, bytes: usize) {
    let row = "0.5,0.25,1\n";
    let mut text = String::from("a,b,y\n");
    while text.len() < bytes {
        text.push_str(row);
    }
    std::fs::write(path, text).unwrap();
}

#[test]
fn a_csv_file_over_the_limit_is_refused_from_its_size() {
    let dir = scratch("large");
    let path = dir.path().join("large.csv");
    large_csv(&path, 17 * 1024 * 1024);
    let spec = format!("csv:{}", path.display());
    let out = micrograd_bounded(&["train", "--quiet", "--dataset", &spec]);
    assert_refused(&out, &["large.csv", "more than 16 MiB"]);
    dir.close().unwrap();
}

/// A classifier file whose network is `1 → width → 1`, written compactly, every number 0.
fn wide_model(path: &Path, width: usize) {
    let mut text = String::from(
        r#"{"format":"micrograd-classifier","version":1,"dataset":"x","features":["x0"],"loss":"hinge","classes":[-1.0,1.0],"model":{"format":"micrograd-mlp","version":1,"inputs":1,"layers":[{"outputs":"#,
    );
    text.push_str(&width.to_string());
    text.push_str(r#","activation":"relu","weight":["#);
    text.push_str(&vec!["[0]"; width].join(","));
    text.push_str(r#"],"bias":["#);
    text.push_str(&vec!["0"; width].join(","));
    text.push_str(r#"]},{"outputs":1,"activation":"linear","weight":[["#);
    text.push_str(&vec!["0"; width].join(","));
    text.push_str(r#"]],"bias":[0]}]}}"#);
    std::fs::write(path, text).unwrap();
}

#[test]
fn a_model_of_a_million_wide_layer_is_refused_before_it_is_parsed() {
    let dir = scratch("wide");
    let model = dir.path().join("wide.json");
    wide_model(&model, 1_000_000);
    let rows = dir.path().join("rows.csv");
    std::fs::write(&rows, "0.5\n").unwrap();
    // Under a tenth of the memory the full parse took.
    let out = micrograd_bounded_kib(
        &[
            "predict",
            "--model",
            model.to_str().unwrap(),
            "--input",
            rows.to_str().unwrap(),
        ],
        96 * 1024,
    );
    assert_refused(&out, &["wide.json", "1-1000000-1", "more than 1000000"]);
    // The same file with a width the limit allows is read and predicts.
    wide_model(&model, 1000);
    let out = micrograd_bounded(&[
        "predict",
        "--model",
        model.to_str().unwrap(),
        "--input",
        rows.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir.close().unwrap();
}

/// As [`micrograd_bounded`], with the address-space limit in KiB.
fn micrograd_bounded_kib(args: &[&str], kib: usize) -> Output {
    let mut script = format!("ulimit -v {kib}; exec \"$0\"");
    for i in 1..=args.len() {
        script.push_str(&format!(" \"${i}\""));
    }
    Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg(env!("CARGO_BIN_EXE_micrograd"))
        .args(args)
        .output()
        .unwrap()
}
