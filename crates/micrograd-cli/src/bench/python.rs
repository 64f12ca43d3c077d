//! The Python baselines of `micrograd bench`: the scripts under `bench/` run as child processes, each
//! printing its figures as `name value` words on standard output. Digits runs one width at a time, so
//! that each PyTorch run sits next to the engine's run of the same width (on a busy machine the load
//! drifts; neighbours in time share it).

use std::path::Path;
use std::process::Command;

/// What the baseline scripts measured; a figure is `None` when its script could not run.
#[derive(Default)]
pub struct PythonBaselines {
    /// PyTorch, seconds for the demo's 100 steps.
    pub torch_moons: Option<f64>,
    /// Python micrograd, seconds per demo step.
    pub micrograd_step: Option<f64>,
    /// Why nothing ran, if it was skipped.
    skipped_note: Option<String>,
    /// The scripts that failed, and why.
    failures: Vec<String>,
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
    pub fn skipped(note: &str) -> Self {
        PythonBaselines {
            skipped_note: Some(note.into()),
            ..PythonBaselines::default()
        }
    }

    /// Runs the moons scripts: the demo in PyTorch and in Python micrograd (`micrograd_steps` steps).
    pub fn measure_moons(scripts: &Scripts<'_>, micrograd_steps: usize) -> Self {
        let mut baselines = PythonBaselines::default();
        let torch = baselines.run(scripts, "torch_moons.py", &[]);
        baselines.torch_moons = number(&torch, "torch_moons_ms").map(|m| m / 1e3);
        let micrograd = baselines.run(
            scripts,
            "micrograd_py_moons.py",
            &[micrograd_steps.to_string()],
        );
        baselines.micrograd_step = number(&micrograd, "micrograd_py_step_ms").map(|m| m / 1e3);
        baselines
    }

    /// Runs digits in PyTorch at hidden width `hidden` for `epochs` epochs on `threads` threads:
    /// training seconds and test accuracy.
    pub fn measure_digits(
        &mut self,
        scripts: &Scripts<'_>,
        hidden: usize,
        epochs: usize,
        threads: usize,
    ) -> Option<(f64, f64)> {
        let mut extra = vec![hidden.to_string(), "--epochs".into(), epochs.to_string()];
        if threads != 1 {
            extra.extend(["--threads".into(), threads.to_string()]);
        }
        let out = self.run(scripts, "torch_digits.py", &extra);
        number(&out, "torch_digits_s").zip(number(&out, "test_accuracy"))
    }

    /// Runs one script, noting a failure; its output.
    fn run(
        &mut self,
        scripts: &Scripts<'_>,
        script: &str,
        extra: &[String],
    ) -> Result<String, String> {
        let out = run_script(scripts.python, &scripts.dir.join(script), extra);
        if let Err(e) = &out {
            let args = extra.first().map_or(String::new(), |a| format!(" {a}"));
            self.failures.push(format!("{script}{args}: {e}"));
        }
        out
    }

    /// What ran, or why not.
    pub fn note(&self, python: &str) -> String {
        match (&self.skipped_note, self.failures.is_empty()) {
            (Some(note), _) => note.clone(),
            (None, true) => format!("measured in this run with {python}"),
            (None, false) => format!("not all measured ({})", self.failures.join("; ")),
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
