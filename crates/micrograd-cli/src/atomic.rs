//! Writing files whole or not at all, with errors as the command line reports them: the bytes go to a
//! temporary file in the destination's directory, are flushed to disk, and the temporary file is
//! renamed over the destination, so a run interrupted half-way (Ctrl-C, a full disk, a crash) leaves
//! the old file, or none, but never half a file.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::CliError;

/// Writes `bytes` to `path` atomically. Errors name the file and say what went wrong: exit 2 when the
/// path cannot be written (a directory, a missing directory, no permission), exit 1 otherwise.
pub fn write(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    if path.is_dir() {
        return Err(CliError::input(format!(
            "cannot write {}: it is a directory",
            path.display()
        )));
    }
    write_atomic(path, bytes).map_err(|e| {
        let message = format!("cannot write {}: {e}", path.display());
        match e.kind() {
            std::io::ErrorKind::NotFound
            | std::io::ErrorKind::PermissionDenied
            | std::io::ErrorKind::InvalidInput => CliError::input(message),
            _ => CliError::failure(message),
        }
    })
}

/// Writes `bytes` into a temporary file next to `path`, then renames it over `path`.
fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path.file_name().ok_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "the path has no file name",
        )
    })?;
    let tmp = dir.join(format!(
        ".{}.tmp{}",
        name.to_string_lossy(),
        std::process::id()
    ));
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

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
