//! Writing files whole or not at all, with errors as the command line reports them: the bytes go to a
//! temporary file in the destination's directory, are flushed to disk, and the temporary file is
//! renamed over the destination (the library's `io::write_whole`), so a run interrupted half-way (Ctrl-C, a full disk, a crash) leaves
//! the old file, or none, but never half a file.

use std::path::Path;

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
    micrograd::io::write_whole(path, bytes).map_err(|e| {
        let message = format!("cannot write {}: {e}", path.display());
        match e.kind() {
            std::io::ErrorKind::NotFound
            | std::io::ErrorKind::PermissionDenied
            | std::io::ErrorKind::InvalidInput => CliError::input(message),
            _ => CliError::failure(message),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn writes_the_whole_file_and_leaves_no_temporary() {
        // Removed when `dir` is dropped, at the end of the test, pass or fail.
        let dir = tempfile::Builder::new()
            .prefix("micrograd-atomic-")
            .tempdir()
            .unwrap();
        let path = dir.path().join("out.txt");
        write(&path, b"first").unwrap();
        write(&path, b"second, longer").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"second, longer");
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("out.txt")]);
        dir.close().unwrap();
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
