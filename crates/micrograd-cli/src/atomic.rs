//! Writing files whole or not at all: the bytes go to a temporary file in the destination's directory,
//! are flushed to disk, and the temporary file is renamed over the destination. A run interrupted
//! half-way (Ctrl-C, a full disk, a crash) leaves the old file, or none, but never half a file.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::CliError;

/// Writes `bytes` to `path` atomically. Errors name the file and say what went wrong (exit 1, or exit
/// 2 when the path cannot be a file, such as a missing directory).
pub fn write(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    if path.is_dir() {
        return Err(CliError::input(format!(
            "cannot write {}: it is a directory",
            path.display()
        )));
    }
    let temp = temporary_name(path);
    let result = write_temp_then_rename(&temp, path, bytes);
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result.map_err(|e| {
        let message = format!("cannot write {}: {e}", path.display());
        match e.kind() {
            std::io::ErrorKind::NotFound | std::io::ErrorKind::PermissionDenied => {
                CliError::input(message)
            }
            _ => CliError::failure(message),
        }
    })
}

fn write_temp_then_rename(temp: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = File::create(temp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    drop(file);
    fs::rename(temp, path)
}

/// `dir/.name.PID.tmp` next to `dir/name`: the same file system, so the rename is atomic, and hidden,
/// so a listing during the write does not show it as a result.
fn temporary_name(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = format!(".{name}.{}.tmp", std::process::id());
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.join(temp),
        _ => PathBuf::from(temp),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_the_whole_file_and_leaves_no_temporary() {
        let dir = std::env::temp_dir().join(format!("micrograd-atomic-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("out.txt");
        write(&path, b"first").unwrap();
        write(&path, b"second, longer").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"second, longer");
        let names: Vec<_> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("out.txt")]);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_directory_is_not_overwritten() {
        let dir = std::env::temp_dir();
        let err = write(&dir, b"x").unwrap_err();
        assert_eq!(err.code, 2);
        assert!(dir.is_dir());
    }

    #[test]
    fn a_missing_directory_is_bad_input() {
        let err = write(Path::new("/nonexistent-dir-for-micrograd/out.txt"), b"x").unwrap_err();
        assert_eq!(err.code, 2);
        assert!(err
            .message
            .contains("/nonexistent-dir-for-micrograd/out.txt"));
    }
}
