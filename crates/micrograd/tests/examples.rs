//! Runs every notebook example and checks that it prints what the notebook shows.
//!
//! `cargo test` builds the examples next to the test binaries; when they are missing (a run limited
//! with `--test examples`), they are built first with the same cargo and profile.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Once;

/// The examples and, for each, lines its output must contain.
const EXAMPLES: &[(&str, &[&str])] = &[
    (
        "first_graph",
        &[
            "L = Value(data=-8.0, grad=0.0)",
            "dL/da = 6, dL/db = -4, dL/dc = -2, dL/df = 4",
        ],
    ),
    (
        "gradient_check",
        &[
            "   a      6.000000     6.0000",
            "   f      4.000000     4.0000",
            "all agree: true",
        ],
    ),
    (
        "manual_backprop",
        &[
            "  a.grad = 6",
            "  b.grad = -4",
            "             x1.grad = -1.5000",
            "             w1.grad = 1.0000",
        ],
    ),
    (
        "optimization_step",
        &["L = -8 with grads a 6, b -4, c -2, f 4", "L = -7.286496"],
    ),
    (
        "neuron",
        &[
            "o = tanh(n) = 0.7071",
            "tanh.svg",
            "      x1: grad -1.5000",
            "      w1: grad 1.0000",
            "      x2: grad 0.5000",
            "o = 0.7071; grads x1 -1.5000, w1 1.0000, x2 0.5000, w2 0.0000, b 0.5000",
        ],
    ),
    (
        "accumulate",
        &[
            "(the bug): a.grad = 1",
            "(the fix):  a.grad = 2",
            "a.grad = b*e + d = -3",
        ],
    ),
    (
        "tanh_from_exp",
        &[
            "a / b = 0.5   a * b**-1 = 0.5",
            "  x1     -1.500000         -1.500000",
            "   o      0.707107          0.707107",
        ],
    ),
    (
        "pytorch",
        &["PyTorch data", "(f64 rounding steps are 1.1e-16)"],
    ),
    (
        "mlp",
        &[
            "MLP of [Layer of [TanhNeuron(3),",
            "number of parameters: 41",
        ],
    ),
    ("tiny_training", &["targets: [1.0, -1.0, -1.0, 1.0]"]),
    (
        "moons",
        &[
            "number of parameters 337",
            "final training accuracy 100%",
            "moons_boundary.svg",
        ],
    ),
    (
        "digits",
        &["MLP 64-32-10 with 2410 parameters", "test accuracy 9"],
    ),
];

fn examples_dir() -> PathBuf {
    // target/<profile>/deps/examples-<hash> -> target/<profile>/examples
    let exe = std::env::current_exe().expect("the test binary's path");
    exe.parent()
        .and_then(|deps| deps.parent())
        .expect("target/<profile>")
        .join("examples")
}

fn build_examples_once() {
    static BUILD: Once = Once::new();
    BUILD.call_once(|| {
        let all_present = EXAMPLES
            .iter()
            .all(|(name, _)| examples_dir().join(name).exists());
        if all_present {
            return;
        }
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let profile = examples_dir()
            .parent()
            .and_then(|p| p.file_name())
            .map(|p| p.to_string_lossy().into_owned());
        let mut cmd = Command::new(cargo);
        cmd.args(["build", "--examples", "-p", "micrograd"]);
        if profile.as_deref() == Some("release") {
            cmd.arg("--release");
        }
        let status = cmd.status().expect("cargo runs");
        assert!(status.success(), "building the examples failed");
    });
}

/// The folder the examples run by test `test` write their pictures to: one per test, since the
/// tests run at once and two runs of an example writing one file would race. It is removed with
/// everything in it when the returned guard is dropped, so at the end of the test, pass or fail.
fn pictures_of(test: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(&format!("micrograd-example-pictures-{test}-"))
        .tempdir()
        .unwrap()
}

fn run(name: &str, pictures: &Path) -> String {
    build_examples_once();
    let out = Command::new(examples_dir().join(name))
        .env("MICROGRAD_PICTURES", pictures)
        .output()
        .unwrap_or_else(|e| panic!("cannot run example {name}: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "example {name} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "example {name} wrote to stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[test]
fn every_example_runs_and_prints_what_the_notebook_shows() {
    let pictures = pictures_of("prints");
    for (name, expected) in EXAMPLES {
        let stdout = run(name, pictures.path());
        for line in *expected {
            assert!(
                stdout.contains(line),
                "example {name} should print {line:?}; it printed:\n{stdout}"
            );
        }
    }
}

#[test]
fn the_list_covers_every_example_file() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        if path.extension().is_some_and(|e| e == "rs") && !name.starts_with("zz_") {
            assert!(
                EXAMPLES.iter().any(|(n, _)| *n == name),
                "example {name} is not run by this test"
            );
        }
    }
}

#[test]
fn examples_write_their_pictures() {
    let pictures = pictures_of("pictures");
    run("first_graph", pictures.path());
    let svg = std::fs::read_to_string(pictures.path().join("first_graph.svg"))
        .expect("first_graph.svg written");
    assert!(svg.contains("<svg"));
    let dot = std::fs::read_to_string(pictures.path().join("first_graph.dot"))
        .expect("first_graph.dot written");
    assert!(dot.contains("data 2.0000 | grad 6.0000"), "{dot}");
}
