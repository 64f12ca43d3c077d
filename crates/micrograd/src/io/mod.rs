//! Saving and loading models: JSON (architecture, weights and a format version) and safetensors
//! weights that PyTorch can load.
//!
//! API summary:
//!
//! - [`SavedModel`]: a model's [`Architecture`](crate::nn::Architecture), its parameter values (in the
//!   order of [`Module::parameters`](crate::nn::Module::parameters)), and optionally the
//!   [`Standardizer`](crate::data::Standardizer) its inputs went through. `SavedModel::from_model(&mlp)`,
//!   `.with_standardizer(s)`, `.build(&g) -> MLP`, `.load_into(&mlp)` (checks the architecture).
//! - JSON: `to_json()` / `from_json(&str)`, `save(path)` / `load(path)`; shortcuts [`save_json`] and
//!   [`load_json`].
//! - safetensors: `to_safetensors()` / `from_safetensors(&[u8])`, `save_safetensors(path)` /
//!   `load_safetensors(path)`; shortcut [`export_safetensors`]. Tensors are float64 and named as the
//!   state dict of `torch.nn.Sequential(Linear, activation, Linear, activation, …, Linear)`:
//!   `0.weight` (shape `[outputs, inputs]`), `0.bias`, `2.weight`, `2.bias`, … (the activation modules
//!   have no parameters; a linear hidden layer takes an `nn.Identity()`).
//!
//! Reading is bounded: a file that is not a regular file or holds more than
//! [`MAX_FILE_BYTES`](crate::data::MAX_FILE_BYTES) (16 MiB) is refused before it is read, and a model
//! of more than [`MAX_PARAMETERS`] (one million) is refused from its widths ([`ModelShape`]), before
//! its numbers are parsed.
//!
//! Files are written to a temporary file in the same directory and renamed, so a file is whole or
//! absent. Reading a truncated, malformed, or mismatched file is a [`ModelError`] saying what is wrong.
//!
//! The JSON format, version 1:
//!
//! ```json
//! {
//!   "format": "micrograd-mlp",
//!   "version": 1,
//!   "inputs": 2,
//!   "layers": [
//!     {"outputs": 16, "activation": "relu", "weight": [[0.1, -0.3], …], "bias": [0.0, …]},
//!     …
//!   ],
//!   "standardizer": {"mean": [...], "std": [...]}
//! }
//! ```
//!
//! `weight[i]` holds neuron i's weights, as PyTorch's `Linear.weight`; `standardizer` is optional.
//!
//! ```
//! use micrograd::io::SavedModel;
//! use micrograd::nn::MLP;
//! use micrograd::Graph;
//!
//! let g = Graph::new();
//! let model = MLP::new(&g, 2, &[4, 1], 7);
//! let json = SavedModel::from_model(&model).to_json().unwrap();
//! let g2 = Graph::new();
//! let back = SavedModel::from_json(&json).unwrap().build(&g2);
//! assert_eq!(back.predict(&[0.3, -0.2]), model.predict(&[0.3, -0.2]));
//! ```

mod json;
mod model;
mod safetensors;
mod shape;

pub use model::{
    export_safetensors, load_json, save_json, ModelError, SavedModel, FORMAT, FORMAT_VERSION,
};
pub use shape::{Count, LayerShape, ModelShape, MAX_PARAMETERS};

use std::path::Path;

/// Writes `bytes` to `path` whole or not at all: into a temporary file in the same directory, flushed
/// to disk, then renamed over `path`, so an interrupted write leaves the old file, or none, but never
/// half a file. Model files are saved this way; the command line writes its pictures with it too.
///
/// The temporary file is named for the destination and the writing process (`.model.json.tmp1234`).
/// A process killed mid-write (`kill -9`) leaves its temporary file behind; the next write to the
/// same path removes those whose process no longer runs (on Linux, where `/proc` tells).
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("model.json");
/// micrograd::io::write_whole(&path, b"whole").unwrap();
/// assert_eq!(std::fs::read(&path).unwrap(), b"whole");
/// ```
pub fn write_whole(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let name = path.file_name().ok_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "the path has no file name",
        )
    })?;
    let prefix = format!(".{}.tmp", name.to_string_lossy());
    remove_abandoned(&dir, &prefix);
    let tmp = dir.join(format!("{prefix}{}", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Removes the files `{prefix}{pid}` in `dir` whose process `pid` no longer runs: temporary files
/// of writes that were killed. Best effort: where processes cannot be asked after (no `/proc`),
/// or a file cannot be removed, nothing is done.
fn remove_abandoned(dir: &Path, prefix: &str) {
    let proc_root = Path::new("/proc");
    if !proc_root.join("self").exists() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix(prefix))
            .and_then(|pid| pid.parse::<u32>().ok())
        else {
            continue;
        };
        if !proc_root.join(pid.to_string()).exists() {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_removes_the_temporary_files_of_killed_writes_only() {
        let scratch = tempfile::tempdir().unwrap();
        let dir = scratch.path();
        let path = dir.join("model.json");
        // No process can have this number (above Linux's highest), and process 1 always runs.
        let killed = dir.join(".model.json.tmp4000000000");
        let running = dir.join(".model.json.tmp1");
        let other = dir.join(".other.json.tmp4000000000");
        for stray in [&killed, &running, &other] {
            std::fs::write(stray, b"half").unwrap();
        }
        write_whole(&path, b"whole").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"whole");
        assert!(!killed.exists(), "a killed write's file is removed");
        if Path::new("/proc/self").exists() {
            assert!(running.exists(), "a running process's file is left");
        }
        assert!(other.exists(), "another file's temporary is left");
    }
}
