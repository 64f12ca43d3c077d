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

/// A tick label for an axis spanning `span`: as many decimals as the tick spacing needs, and never
/// "-0.0".
pub fn tick_label(value: f64, span: f64) -> String {
    let step = (span.abs() / 10.0).max(1e-12);
    let mut decimals = (-step.log10().floor()).clamp(0.0, 12.0) as usize;
    // A tick between the usual ones (such as 0.025 on a 0.01 grid) gets the digits it needs.
    while decimals < 15
        && (format!("{value:.decimals$}")
            .parse::<f64>()
            .unwrap_or(value)
            - value)
            .abs()
            > step * 1e-6
    {
        decimals += 1;
    }
    let text = format!("{value:.decimals$}");
    if text.parse::<f64>() == Ok(0.0) {
        text.trim_start_matches('-').to_string()
    } else {
        text
    }
}

/// A number as tables and JSON print it: the shortest text that reads back to the same `f64`
/// (`0.49999999999999994`, `1e-7`, `2.0`), and `nan`, `inf`, `-inf`.
pub fn exact(x: f64) -> String {
    if x.is_nan() {
        "nan".to_string()
    } else if x.is_infinite() {
        if x > 0.0 { "inf" } else { "-inf" }.to_string()
    } else {
        format!("{x:?}")
    }
}

/// A number as the playground's rules print it: short, in parentheses when negative.
pub fn rule_number(x: f64) -> String {
    let s = if x.is_nan() {
        "NaN".to_string()
    } else if x.is_infinite() {
        if x > 0.0 { "∞" } else { "-∞" }.to_string()
    } else if x == x.trunc() && x.abs() < 1e9 {
        format!("{x}")
    } else if x.abs() >= 1e-3 && x.abs() < 1e6 {
        let s = format!("{x:.4}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        format!("{x:.3e}")
    };
    if x < 0.0 || s.starts_with('-') {
        format!("({s})")
    } else {
        s
    }
}

/// A duration for people: milliseconds below a second.
pub fn duration(seconds: f64) -> String {
    if seconds >= 1.0 {
        format!("{seconds:.2} s")
    } else {
        format!("{:.2} ms", seconds * 1e3)
    }
}
