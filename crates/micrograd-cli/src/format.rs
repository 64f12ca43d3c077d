//! How the command line writes numbers for people and for the page: every formatter in one place.

/// A loss for people: four decimals, or scientific notation when that would hide it (a diverging
/// loss of 1e120 is not 121 digits).
pub fn loss_text(x: f64) -> String {
    if x != 0.0 && (x.abs() >= 1e6 || x.abs() < 1e-4) && x.is_finite() {
        format!("{x:.4e}")
    } else {
        format!("{x:.4}")
    }
}

/// A number for the page: finite numbers as JSON numbers, others as `"nan"`, `"inf"`, `"-inf"`.
pub fn json_number(x: f64) -> serde_json::Value {
    if x.is_finite() {
        serde_json::json!(x)
    } else if x.is_nan() {
        serde_json::json!("nan")
    } else if x > 0.0 {
        serde_json::json!("inf")
    } else {
        serde_json::json!("-inf")
    }
}
