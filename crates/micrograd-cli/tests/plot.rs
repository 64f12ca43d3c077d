//! End-to-end tests of `micrograd plot`: pictures of a function and its derivative, and bad input.

mod common;

use common::{assert_picture, micrograd, scratch};
use predicates::prelude::*;
use predicates::str::contains;

#[test]
fn tanh_and_its_derivative_as_svg_and_png() {
    let dir = scratch("plot-tanh");
    for name in ["tanh.svg", "tanh.png"] {
        let out = dir.path().join(name);
        micrograd()
            .args([
                "plot", "-e", "tanh(x)", "--var", "x", "--range", "-5,5", "--out",
            ])
            .arg(&out)
            .assert()
            .success();
        assert_picture(&out);
    }
    let svg = std::fs::read_to_string(dir.path().join("tanh.svg")).unwrap();
    assert!(
        svg.contains("tanh(x)") && svg.contains("df/dx"),
        "title and legend"
    );
}

#[test]
fn programs_other_variables_and_undefined_regions_plot() {
    let dir = scratch("plot-programs");
    let runs: [&[&str]; 3] = [
        &[
            "-e",
            "a = t**2; b = sin(a) / (1 + a)",
            "--var",
            "t",
            "--range",
            "-3,3",
        ],
        &["-e", "log(x)", "--range", "-1,2"],
        &["-e", "1/x", "--range", "-1,1", "--points", "1000"],
    ];
    for (i, args) in runs.iter().enumerate() {
        let out = dir.path().join(format!("p{i}.svg"));
        micrograd()
            .arg("plot")
            .args(*args)
            .arg("--out")
            .arg(&out)
            .assert()
            .success();
        assert_picture(&out);
    }
}

#[test]
fn bad_plots_exit_2_with_a_message() {
    let dir = scratch("plot-bad");
    let out = dir.path().join("f.svg").display().to_string();
    let cases: [(&[&str], &str); 9] = [
        (&["-e", "x * (2 +", "--out", &out], "-e:1:"),
        (&["-e", "tanh(y)", "--out", &out], "unknown name `y`"),
        (&["-e", "foo(x)", "--out", &out], "foo"),
        (
            &["-e", "x", "--range", "5,-5", "--out", &out],
            "--range `5,-5`",
        ),
        (&["-e", "x", "--range", "a", "--out", &out], "--range `a`"),
        (
            &["-e", "x", "--var", "tanh", "--out", &out],
            "is a function",
        ),
        (&["-e", "x", "--var", "2x", "--out", &out], "is not a name"),
        (&["-e", "x", "--out", "f.pdf"], "must end in .svg or .png"),
        (&["-e", "x", "--points", "1", "--out", &out], "--points"),
    ];
    for (args, message) in cases {
        micrograd()
            .arg("plot")
            .args(args)
            .assert()
            .code(2)
            .stderr(contains(message))
            .stderr(contains("panicked").not());
    }
    micrograd()
        .args(["plot", "-e", "x"])
        .assert()
        .code(2)
        .stderr(contains("--out"));
}
