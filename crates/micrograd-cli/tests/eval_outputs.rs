//! What `micrograd eval` and `micrograd gradcheck` print and write: the table, the JSON shape, the
//! DOT and SVG pictures (to files, written whole, or to standard output), and gradcheck's verdict.
//! Gradients are those of the notebook (`L = (a*b + c) * f`: a.grad = 6, b.grad = -4, ...).

use assert_cmd::Command;

const NOTEBOOK: &str = "a = 2.0; b = -3.0; c = 10.0; f = -2.0\ne = a*b\nd = e + c\nL = d * f\n";

fn micrograd() -> Command {
    Command::cargo_bin("micrograd").unwrap()
}

fn stdout_of(args: &[&str], stdin: &str) -> String {
    let result = micrograd().args(args).write_stdin(stdin).output().unwrap();
    assert!(
        result.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&result.stderr)
    );
    assert!(result.stderr.is_empty());
    String::from_utf8(result.stdout).unwrap()
}

/// An empty scratch directory for one test (`micrograd-NAME-XXXXXX` in the system's temporary
/// directory), removed when the returned guard is dropped, so at the end of the test, pass or fail.
fn temp_dir(name: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(&format!("micrograd-{name}-"))
        .tempdir()
        .unwrap()
}

#[test]
fn the_table_lists_every_name_with_op_data_and_grad_aligned() {
    let table = stdout_of(&["eval", "-"], NOTEBOOK);
    assert_eq!(
        table,
        concat!(
            "name  op     data  grad\n",
            "a     input   2.0   6.0\n",
            "b     input  -3.0  -4.0\n",
            "c     input  10.0  -2.0\n",
            "f     input  -2.0   4.0\n",
            "e     *      -6.0  -2.0\n",
            "d     +       4.0  -2.0\n",
            "L     *      -8.0   1.0\n",
        )
    );
}

#[test]
fn json_has_exactly_the_documented_shape() {
    // d(out)/dx = d(1/x)/dx + d(log(x - 1))/dx = -inf + -1 at x = 0.
    let json = stdout_of(
        &[
            "eval",
            "--json",
            "-e",
            "x = 0.0; y = 1 / x; z = log(-1 + x); w = -y; out = y + z",
        ],
        "",
    );
    assert_eq!(
        json,
        "{\"output\": \"out\", \"values\": {\"x\": {\"data\": 0.0, \"grad\": \"-inf\"}, \
         \"y\": {\"data\": \"inf\", \"grad\": 1.0}, \"z\": {\"data\": \"nan\", \"grad\": 1.0}, \
         \"w\": {\"data\": \"-inf\", \"grad\": 0.0}, \"out\": {\"data\": \"nan\", \"grad\": 1.0}}}\n"
    );
    // Finite numbers read back to the same f64.
    let json = stdout_of(
        &[
            "eval",
            "--json",
            "-e",
            "x = 0.1; y = x * 3; z = y ** 40 * 1e-300",
        ],
        "",
    );
    let parsed: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        parsed["values"]["y"]["data"].as_f64().unwrap().to_bits(),
        (0.1f64 * 3.0).to_bits()
    );
    let z = (0.1f64 * 3.0).powf(40.0) * 1e-300;
    assert!(json.contains(&format!("\"data\": {z:?}")), "{json}");
}

#[test]
fn output_chooses_the_name_to_differentiate() {
    let json = stdout_of(&["eval", "-", "--json", "--output", "d"], NOTEBOOK);
    let parsed: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(parsed["output"], "d");
    assert_eq!(parsed["values"]["a"]["grad"], -3.0);
    assert_eq!(parsed["values"]["f"]["grad"], 0.0, "f does not reach d");
    assert_eq!(parsed["values"]["L"]["grad"], 0.0);
}

#[test]
fn pictures_are_written_to_files_whole() {
    let dir = temp_dir("pictures");
    let (dot, svg) = (dir.path().join("graph.dot"), dir.path().join("graph.svg"));
    std::fs::write(&svg, "old contents").unwrap();
    let table = stdout_of(
        &[
            "eval",
            "-",
            "--dot",
            dot.to_str().unwrap(),
            "--svg",
            svg.to_str().unwrap(),
        ],
        NOTEBOOK,
    );
    assert!(table.starts_with("name  op"), "the table is still printed");
    let dot_text = std::fs::read_to_string(&dot).unwrap();
    assert!(dot_text.starts_with("digraph {") && dot_text.ends_with("}\n"));
    assert!(dot_text.contains("{ a | data 2.0000 | grad 6.0000 }"));
    let svg_text = std::fs::read_to_string(&svg).unwrap();
    let doc = roxmltree::Document::parse(&svg_text).unwrap();
    let texts: Vec<&str> = doc
        .descendants()
        .filter(|n| n.is_text())
        .filter_map(|n| n.text())
        .map(str::trim)
        .collect();
    for text in [
        "a",
        "data 2.0000",
        "grad 6.0000",
        "L",
        "data -8.0000",
        "grad 1.0000",
    ] {
        assert!(texts.contains(&text), "{text} in {texts:?}");
    }
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names.len(), 2, "no temporary file left: {names:?}");
    dir.close().unwrap();
}

#[test]
fn pictures_go_to_standard_output_for_a_dash() {
    let dot = stdout_of(&["eval", "-", "--dot", "-"], NOTEBOOK);
    assert!(
        dot.starts_with("digraph {") && dot.contains("rankdir=LR"),
        "only the DOT: {dot}"
    );
    let svg = stdout_of(&["eval", "-", "--svg", "-"], NOTEBOOK);
    assert!(roxmltree::Document::parse(&svg).is_ok());
}

#[test]
fn gradcheck_passes_on_smooth_programs_and_fails_at_a_kink() {
    let out = stdout_of(
        &["gradcheck", "-"],
        "x = 0.7\nw = -1.3\ny = tanh(x*w) + x**3 / exp(w) + sigmoid(w)\n",
    );
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].starts_with("input"));
    assert!(
        lines[1].starts_with("x ") && lines[1].ends_with("ok"),
        "{out}"
    );
    assert!(
        lines[2].starts_with("w ") && lines[2].ends_with("ok"),
        "{out}"
    );
    assert!(lines[3].starts_with("all 2 gradients of y agree"), "{out}");

    // relu'(0) is 0, as PyTorch has it, but the central difference sees 0.5.
    let result = micrograd()
        .args(["gradcheck", "-e", "x = 0\ny = relu(x)"])
        .output()
        .unwrap();
    assert_eq!(result.status.code(), Some(1));
    let stdout = String::from_utf8(result.stdout).unwrap();
    assert!(stdout.lines().nth(1).unwrap().ends_with("OFF"), "{stdout}");
    assert_eq!(
        String::from_utf8(result.stderr).unwrap(),
        "error: gradient check failed for x: analytic and numeric gradients of y differ by more than the tolerance 1e-6 plus the estimate's own error (the `allowed` column)\n"
    );
}

#[test]
fn gradcheck_does_not_flag_the_exact_gradient_of_a_long_sum() {
    // 120,000 terms: the estimate's rounding alone is above the tolerance; the gradient is exact.
    let mut program = String::from("x = 1.5\ny = x*x");
    program.push_str(&" + x*x".repeat(119_999));
    let out = stdout_of(&["gradcheck", "-"], &program);
    let row = out.lines().nth(1).unwrap();
    assert!(row.starts_with("x ") && row.ends_with("ok"), "{out}");
    assert!(row.contains(" 360000"), "{out}");
}

#[test]
fn gradcheck_names_every_input_including_rebound_ones() {
    let out = stdout_of(
        &["gradcheck", "-e", "x = 1.5\ny = x * x\nx = 2.5\nz = y * x"],
        "",
    );
    assert!(
        out.contains("x (line 1)") && out.contains("x (line 3)"),
        "{out}"
    );
}
