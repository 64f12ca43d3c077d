//! The Python baselines of `micrograd bench`: the scripts under `bench/` run as child processes, each
//! printing its figures as `name value` words on standard output.

use std::path::Path;
use std::process::Command;

/// What the baseline scripts measured; a figure is `None` when its script could not run.
#[derive(Default)]
pub struct PythonBaselines {
    /// PyTorch, seconds for the demo's 100 steps.
    pub torch_moons: Option<f64>,
    /// Python micrograd, seconds per demo step.
    pub micrograd_step: Option<f64>,
    /// PyTorch digits at each hidden width asked for, in order: training seconds and test accuracy.
    pub torch_digits: Vec<Option<(f64, f64)>>,
    /// What ran, or why not.
    pub note: String,
}

/// Where the scripts are and what to run them with.
pub struct Scripts<'a> {
    /// The directory holding the scripts.
    pub dir: &'a Path,
    /// The Python interpreter.
    pub python: &'a str,
}

impl PythonBaselines {
    /// No baselines, with `note` saying why.
    pub fn skipped(note: &str, widths: usize) -> Self {
        PythonBaselines {
            torch_digits: vec![None; widths],
            note: note.into(),
            ..PythonBaselines::default()
        }
    }

    /// Runs the scripts: the moons demo in PyTorch and in Python micrograd (`micrograd_steps` steps),
    /// and digits in PyTorch for each hidden width of `widths` with `epochs` epochs.
    pub fn measure(
        scripts: &Scripts<'_>,
        micrograd_steps: usize,
        widths: &[usize],
        epochs: usize,
    ) -> Self {
        let run = |script: &str, extra: &[String]| {
            run_script(scripts.python, &scripts.dir.join(script), extra)
        };
        let mut outcomes = vec![
            ("torch_moons.py".to_string(), run("torch_moons.py", &[])),
            (
                "micrograd_py_moons.py".to_string(),
                run("micrograd_py_moons.py", &[micrograd_steps.to_string()]),
            ),
        ];
        for &hidden in widths {
            let extra = [hidden.to_string(), "--epochs".into(), epochs.to_string()];
            outcomes.push((
                format!("torch_digits.py {hidden}"),
                run("torch_digits.py", &extra),
            ));
        }
        let failures: Vec<String> = outcomes
            .iter()
            .filter_map(|(name, r)| r.as_ref().err().map(|e| format!("{name}: {e}")))
            .collect();
        let note = if failures.is_empty() {
            format!("measured in this run with {}", scripts.python)
        } else {
            format!("not all measured ({})", failures.join("; "))
        };
        PythonBaselines {
            torch_moons: number(&outcomes[0].1, "torch_moons_ms").map(|m| m / 1e3),
            micrograd_step: number(&outcomes[1].1, "micrograd_py_step_ms").map(|m| m / 1e3),
            torch_digits: outcomes[2..]
                .iter()
                .map(|(_, out)| number(out, "torch_digits_s").zip(number(out, "test_accuracy")))
                .collect(),
            note,
        }
    }
}

/// The number after the word `key` in a script's output.
fn number(output: &Result<String, String>, key: &str) -> Option<f64> {
    let text = output.as_ref().ok()?;
    let mut words = text.split_whitespace();
    words.position(|w| w == key)?;
    words.next()?.parse::<f64>().ok()
}

/// Runs a Python script; its standard output, or why it could not run.
fn run_script(python: &str, script: &Path, extra: &[String]) -> Result<String, String> {
    if !script.is_file() {
        return Err(format!("{} not found (see --baselines)", script.display()));
    }
    let out = Command::new(python)
        .arg(script)
        .args(extra)
        .output()
        .map_err(|e| format!("cannot run {python}: {e}"))?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let last = stderr.lines().last().unwrap_or("no message").to_string();
        return Err(format!("failed: {last}"));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}
