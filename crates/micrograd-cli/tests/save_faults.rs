//! `micrograd train --save` killed with SIGKILL at random moments (no handler runs, nothing is
//! flushed) leaves the model file as it was or whole and new, never half written: files are written
//! to a temporary file and renamed over the old one.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// Training options whose model file is large (about 2 MB for a 256-256 network), so that a
/// good share of the run is spent writing it.
const TRAIN: [&str; 9] = [
    "train",
    "--quiet",
    "--hidden",
    "256,256",
    "--steps",
    "3",
    "--samples",
    "40",
    "--save",
];

/// The file's text, if it is a whole classifier file: valid JSON naming its format, with every
/// layer's weights and biases.
fn whole_model(path: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let file: Value = serde_json::from_str(&text).map_err(|e| format!("not JSON: {e}"))?;
    if file["format"] != "micrograd-classifier" {
        return Err("no format".into());
    }
    let layers = file["model"]["layers"].as_array().ok_or("no layers")?;
    if layers.len() != 3 || layers.iter().any(|l| l["bias"].as_array().is_none()) {
        return Err("layers missing".into());
    }
    Ok(file)
}

/// A small generator of kill times, so the test needs no random crate; seeded per run.
struct Lcg(u64);

impl Lcg {
    fn next_unit(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[test]
fn a_killed_save_leaves_the_old_file_or_a_whole_new_one() {
    let bin = env!("CARGO_BIN_EXE_micrograd");
    // Removed when `dir` is dropped, at the end of the test, pass or fail.
    let dir = tempfile::Builder::new()
        .prefix("micrograd-kill-")
        .tempdir()
        .unwrap();
    let path = dir.path().join("model.json");

    // The old model: another seed, so that old and new differ.
    let status = Command::new(bin)
        .args(TRAIN)
        .arg(&path)
        .args(["--seed", "1"])
        .status()
        .unwrap();
    assert!(status.success());
    let old = std::fs::read(&path).unwrap();
    whole_model(&path).unwrap();

    // How long a whole run takes here, to spread the kills over it.
    let start = Instant::now();
    let scratch = dir.path().join("timing.json");
    assert!(Command::new(bin)
        .args(TRAIN)
        .arg(&scratch)
        .status()
        .unwrap()
        .success());
    let full = start.elapsed();
    let new = std::fs::read(&scratch).unwrap();
    assert_ne!(old, new);

    let mut rng = Lcg(2024);
    let (mut kept_old, mut wrote_new, mut finished, mut mid_write) = (0, 0, 0, 0);
    let strays = || {
        std::fs::read_dir(dir.path())
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .contains(".tmp")
            })
            .count()
    };
    let deadline = Instant::now() + Duration::from_secs(120);
    let runs = 60;
    for run in 0..runs {
        assert!(
            Instant::now() < deadline,
            "60 runs took over two minutes ({run} done)"
        );
        std::fs::write(&path, &old).unwrap();
        let mut child = Command::new(bin)
            .args(TRAIN)
            .arg(&path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Kills from half the run to past its end: the file is written at the end.
        let at = full.mul_f64(0.5 + 0.8 * rng.next_unit());
        std::thread::sleep(at);
        let _ = child.kill(); // SIGKILL on Unix
        let status = child.wait().unwrap();
        if status.success() {
            finished += 1;
        }
        // A run killed between creating its temporary file and renaming it leaves that file
        // behind (named after its process, so it never clashes); the next save removes it.
        let left = strays();
        assert!(
            left <= 1,
            "run {run}: {left} temporary files left, not cleared by the saves"
        );
        mid_write += left;
        let now = std::fs::read(&path).unwrap();
        if now == old {
            kept_old += 1;
        } else {
            whole_model(&path).unwrap_or_else(|e| {
                panic!("run {run}, killed after {at:?}: the model file is broken ({e})")
            });
            assert_eq!(
                now, new,
                "run {run}: a new file other than the model trained"
            );
            wrote_new += 1;
        }
    }
    // A save that runs to its end leaves no temporary file, its own or a killed run's.
    assert!(Command::new(bin)
        .args(TRAIN)
        .arg(&path)
        .stdout(Stdio::null())
        .status()
        .unwrap()
        .success());
    assert_eq!(strays(), 0, "a whole save leaves no temporary file behind");
    eprintln!(
        "{runs} runs killed over {full:?}: {kept_old} left the old file, {wrote_new} a new one \
         ({finished} had finished, {mid_write} were killed while writing)"
    );
    assert_eq!(kept_old + wrote_new, runs);
    dir.close().unwrap();
}
