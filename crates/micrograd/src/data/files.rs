//! Reading input files with a bound: a CSV file, a model file or a program is read whole into
//! memory, so one that never ends (`/dev/zero`, a pipe, a device) or is far larger than any data
//! set this engine can train on would take the machine's memory before any parsing could refuse
//! it. [`read_file`] refuses such files before reading them, with a message that says why.

use std::io::{self, Read};
use std::path::Path;

/// The largest input file read, in bytes (16 MiB): CSV data sets, model files, programs and rows to
/// classify. A scalar engine trains on thousands of rows, not millions; 16 MiB is 30 times the
/// 1,797-row digits set.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Reads the regular file at `path` whole, if it holds at most `max_bytes` bytes. Anything else
/// is an error of kind `InvalidInput` whose message says what the path is instead: a directory,
/// a device or pipe (such as `/dev/zero`), or a file of how many bytes.
///
/// ```
/// use micrograd::data::{read_file, MAX_FILE_BYTES};
///
/// let err = read_file("/dev/zero", MAX_FILE_BYTES).unwrap_err();
/// assert!(err.to_string().contains("not a regular file"));
/// ```
pub fn read_file(path: impl AsRef<Path>, max_bytes: u64) -> io::Result<Vec<u8>> {
    let path = path.as_ref();
    // Looked at before opening: opening a named pipe waits for a writer, possibly for ever.
    check(&std::fs::metadata(path)?, max_bytes)?;
    let file = std::fs::File::open(path)?;
    // And again through the open file, in case the path was swapped in between.
    check(&file.metadata()?, max_bytes)?;
    // The file may grow between the size check and the read: never read past the bound.
    read_limited(file, max_bytes)
}

fn check(meta: &std::fs::Metadata, max_bytes: u64) -> io::Result<()> {
    if meta.is_dir() {
        return Err(refused("it is a directory, not a file".into()));
    }
    if !meta.is_file() {
        return Err(refused(
            "it is not a regular file (a device, pipe or socket has no end to read to)".into(),
        ));
    }
    if meta.len() > max_bytes {
        return Err(too_large(meta.len(), max_bytes));
    }
    Ok(())
}

/// Reads `reader` to its end if it ends within `max_bytes` bytes (standard input, for instance);
/// otherwise an `InvalidInput` error saying the limit.
pub fn read_limited(reader: impl Read, max_bytes: u64) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    reader.take(max_bytes + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max_bytes {
        return Err(refused(format!(
            "it is larger than {}, the most read",
            size(max_bytes)
        )));
    }
    Ok(bytes)
}

fn too_large(len: u64, max: u64) -> io::Error {
    refused(format!(
        "it holds {}, more than {}, the most read",
        size(len),
        size(max)
    ))
}

fn refused(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message)
}

/// A byte count as people read it: `16 MiB`, `1.5 KiB`, `12 bytes`.
fn size(bytes: u64) -> String {
    const KIB: f64 = 1024.0;
    let b = bytes as f64;
    if b >= KIB * KIB {
        format!("{} MiB", trim(b / (KIB * KIB)))
    } else if b >= KIB {
        format!("{} KiB", trim(b / KIB))
    } else {
        format!("{bytes} bytes")
    }
}

fn trim(x: f64) -> String {
    let s = format!("{x:.1}");
    s.strip_suffix(".0").map(str::to_string).unwrap_or(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_directories_and_large_files_are_refused() {
        let scratch = tempfile::tempdir().unwrap();
        let dir = scratch.path();
        let err = read_file(dir, MAX_FILE_BYTES).unwrap_err();
        assert!(err.to_string().contains("directory"), "{err}");
        let err = read_file("/dev/zero", MAX_FILE_BYTES).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        let path = dir.join("big.csv");
        std::fs::write(&path, vec![b'1'; 2000]).unwrap();
        let err = read_file(&path, 1024).unwrap_err();
        assert!(err.to_string().contains("2 KiB, more than 1 KiB"), "{err}");
        assert_eq!(read_file(&path, 2000).unwrap().len(), 2000);
    }

    #[test]
    fn an_endless_reader_is_cut_at_the_bound() {
        let err = read_limited(io::repeat(0), 1000).unwrap_err();
        assert!(err.to_string().contains("larger than 1000 bytes"), "{err}");
        assert_eq!(read_limited(&b"abc"[..], 3).unwrap(), b"abc");
    }
}
