//! Every program of the PyTorch reference cases, run through the binary (`micrograd eval --json`),
//! prints PyTorch's values and gradients: within 1e-9 relative or 1e-12 absolute, `"nan"`, `"inf"`
//! and `"-inf"` exactly where PyTorch has them, names in order of first assignment.

use assert_cmd::Command;
use serde_json::Value as Json;

const CASES: &str = include_str!("../../micrograd/tests/fixtures/torch_cases.json");

fn agrees(actual: &Json, expected: &Json) -> bool {
    match (actual, expected) {
        (Json::String(a), Json::String(e)) => a == e,
        (Json::Number(a), Json::Number(e)) => {
            let (a, e) = (a.as_f64().unwrap(), e.as_f64().unwrap());
            let diff = (a - e).abs();
            diff <= 1e-12 || diff <= 1e-9 * e.abs()
        }
        _ => false,
    }
}

#[test]
fn every_torch_case_matches_through_the_binary() {
    let cases: Vec<Json> = serde_json::from_str(CASES).unwrap();
    assert!(cases.len() >= 15);
    for case in &cases {
        let name = case["name"].as_str().unwrap();
        let expected = &case["expected"];
        let output = expected["output"].as_str().unwrap();
        let result = Command::cargo_bin("micrograd")
            .unwrap()
            .args(["eval", "-", "--json", "--output", output])
            .write_stdin(case["program"].as_str().unwrap())
            .output()
            .unwrap();
        let stdout = String::from_utf8(result.stdout).unwrap();
        assert!(
            result.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&result.stderr)
        );
        assert_eq!(stdout.lines().count(), 1, "{name}: one line of JSON");
        let json: Json =
            serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{name}: {e}: {stdout}"));
        assert_eq!(json["output"], expected["output"], "{name}");
        let want = expected["values"].as_object().unwrap();
        let got = json["values"].as_object().unwrap();
        assert_eq!(got.len(), want.len(), "{name}: {stdout}");
        for (key, w) in want {
            for field in ["data", "grad"] {
                let (a, e) = (&got[key][field], &w[field]);
                assert!(agrees(a, e), "{name}: {key}.{field} = {a}, PyTorch {e}");
            }
        }
        // Names in order of first assignment, read off the program's statements.
        let mut order: Vec<&str> = Vec::new();
        for statement in case["program"].as_str().unwrap().split(['\n', ';']) {
            let statement = statement.split('#').next().unwrap();
            if let Some((target, _)) = statement.split_once('=') {
                let target = target.trim_end_matches(['+', '-', '*', '/']).trim();
                if !order.contains(&target) {
                    order.push(target);
                }
            }
        }
        assert_eq!(order.len(), want.len(), "{name}");
        let positions: Vec<usize> = order
            .iter()
            .map(|k| stdout.find(&format!("\"{k}\": {{")).unwrap())
            .collect();
        assert!(
            positions.windows(2).all(|w| w[0] < w[1]),
            "{name}: order of names in {stdout}"
        );
    }
}

#[test]
fn the_default_output_is_the_last_statement() {
    let cases: Vec<Json> = serde_json::from_str(CASES).unwrap();
    for case in &cases {
        let result = Command::cargo_bin("micrograd")
            .unwrap()
            .args(["eval", "--json", "-e", case["program"].as_str().unwrap()])
            .output()
            .unwrap();
        assert!(result.status.success());
        let json: Json = serde_json::from_slice(&result.stdout).unwrap();
        assert_eq!(
            json["output"], case["expected"]["output"],
            "{}",
            case["name"]
        );
    }
}
