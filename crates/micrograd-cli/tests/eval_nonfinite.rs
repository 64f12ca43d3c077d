//! `micrograd eval` shows a NaN where PyTorch has one: a NaN made inside a program (the square
//! root of a negative number, 0 / 0) goes through relu as NaN, in the JSON and in the table, and
//! its gradient is PyTorch's (computed in float64 with torch 2.15: for `y = relu(sqrt(x))` at
//! x = -1, y = nan and x.grad = nan; for `y = relu(x / x)` at x = 0, y = nan and x.grad = nan).

use assert_cmd::Command;

fn eval(args: &[&str]) -> String {
    let result = Command::cargo_bin("micrograd")
        .unwrap()
        .args(args)
        .output()
        .unwrap();
    assert!(
        result.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&result.stderr)
    );
    assert!(result.stderr.is_empty());
    String::from_utf8(result.stdout).unwrap()
}

#[test]
fn relu_of_a_nan_is_nan_in_the_json() {
    let json = eval(&["eval", "--json", "-e", "x = -1; y = relu(sqrt(x))"]);
    assert_eq!(
        json,
        "{\"output\": \"y\", \"values\": {\"x\": {\"data\": -1.0, \"grad\": \"nan\"}, \
         \"y\": {\"data\": \"nan\", \"grad\": 1.0}}}\n"
    );
    let json = eval(&["eval", "--json", "-e", "x = 0; n = x / x; y = relu(n)"]);
    let parsed: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(parsed["values"]["n"]["data"], "nan");
    assert_eq!(parsed["values"]["y"]["data"], "nan");
    assert_eq!(parsed["values"]["x"]["grad"], "nan");
}

#[test]
fn relu_of_a_nan_is_nan_in_the_table() {
    let table = eval(&["eval", "-e", "x = -1; y = relu(sqrt(x))"]);
    let y = table
        .lines()
        .find(|line| line.starts_with('y'))
        .unwrap_or_else(|| panic!("no row for y in\n{table}"));
    let columns: Vec<&str> = y.split_whitespace().collect();
    assert_eq!(columns[2].to_ascii_lowercase(), "nan", "{table}");
}
