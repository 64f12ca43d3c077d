//! Every program of `fixtures/torch_cases.json` evaluated through the library's expression language
//! must give PyTorch's values and gradients (float64): within 1e-9 relative or 1e-12 absolute, with
//! NaN and infinities exactly where PyTorch has them.

use micrograd::{expr, Graph};
use serde_json::Value as Json;

const CASES: &str = include_str!("fixtures/torch_cases.json");

/// Whether our `actual` agrees with PyTorch's `expected` (a number or "nan", "inf", "-inf").
fn agrees(actual: f64, expected: &Json) -> bool {
    match expected {
        Json::String(s) => match s.as_str() {
            "nan" => actual.is_nan(),
            "inf" => actual == f64::INFINITY,
            "-inf" => actual == f64::NEG_INFINITY,
            other => panic!("unexpected string {other:?} in the fixture"),
        },
        Json::Number(n) => {
            let e = n.as_f64().unwrap();
            let diff = (actual - e).abs();
            actual.is_finite() && (diff <= 1e-12 || diff <= 1e-9 * e.abs())
        }
        other => panic!("unexpected {other} in the fixture"),
    }
}

#[test]
fn every_torch_case_matches_through_the_library() {
    let cases: Vec<Json> = serde_json::from_str(CASES).unwrap();
    assert!(cases.len() >= 15);
    for case in &cases {
        let name = case["name"].as_str().unwrap();
        let source = case["program"].as_str().unwrap();
        let expected = &case["expected"];
        let program =
            expr::parse(source).unwrap_or_else(|e| panic!("{name}: {}", e.render(name, source)));
        let g = Graph::new();
        let mut run = program.eval(&g).unwrap();
        run.set_output(expected["output"].as_str().unwrap())
            .unwrap();
        run.backward();
        let values = expected["values"].as_object().unwrap();
        let names: Vec<&str> = run.bindings().iter().map(|b| b.name.as_str()).collect();
        let expected_names: Vec<&str> = values.keys().map(String::as_str).collect();
        assert_eq!(
            names, expected_names,
            "{name}: names in order of first assignment"
        );
        for b in run.bindings() {
            let want = &values[b.name.as_str()];
            let (data, grad) = (b.value.data(), b.value.grad());
            assert!(
                agrees(data, &want["data"]),
                "{name}: {} data {data} vs PyTorch {}",
                b.name,
                want["data"]
            );
            assert!(
                agrees(grad, &want["grad"]),
                "{name}: {} grad {grad} vs PyTorch {}",
                b.name,
                want["grad"]
            );
        }
        // The JSON the command line prints carries the same numbers.
        let json: Json = serde_json::from_str(&run.to_json()).unwrap();
        assert_eq!(json["output"], expected["output"], "{name}");
        for (key, want) in values {
            for field in ["data", "grad"] {
                match (&json["values"][key][field], &want[field]) {
                    (Json::String(a), Json::String(b)) => assert_eq!(a, b, "{name}: {key}.{field}"),
                    (Json::Number(a), want) => {
                        assert!(agrees(a.as_f64().unwrap(), want), "{name}: {key}.{field}")
                    }
                    (a, b) => panic!("{name}: {key}.{field}: {a} vs {b}"),
                }
            }
        }
    }
}
