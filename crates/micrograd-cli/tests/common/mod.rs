//! Helpers shared by the end-to-end tests: the binary, scratch directories, data files, and checks of
//! the pictures.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The `micrograd` binary, ready for arguments.
pub fn micrograd() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("micrograd").unwrap()
}

/// An empty directory for one test's files (`micrograd-cli-NAME-XXXXXX` in the system's temporary
/// directory), removed with everything in it when the returned guard is dropped, so at the end of the
/// test whether it passed or failed: keep the guard alive while the directory is in use.
pub fn scratch(name: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(&format!("micrograd-cli-{name}-"))
        .tempdir()
        .unwrap()
}

/// The last line of standard output, parsed as JSON.
pub fn stdout_json(stdout: &[u8]) -> serde_json::Value {
    let text = String::from_utf8(stdout.to_vec()).unwrap();
    let last = text.lines().last().expect("some output");
    serde_json::from_str(last).unwrap_or_else(|e| panic!("last line is not JSON ({e}): {last}"))
}

/// Runs `command` and checks that it succeeded (showing its standard error if not); its output.
pub fn output_of_success(command: &mut assert_cmd::Command) -> std::process::Output {
    let out = command.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Runs `command`, checks that it succeeded (showing its standard error if not), and parses the last
/// line of its standard output as JSON.
pub fn json_from_success(command: &mut assert_cmd::Command) -> serde_json::Value {
    stdout_json(&output_of_success(command).stdout)
}

/// A CSV file of 300 samples with three features and labels 3 and 7: two noisy clusters, mostly
/// separable by a plane, made by a fixed linear congruential generator.
pub fn moons_csv(dir: &Path) -> PathBuf {
    let mut state: u64 = 12345;
    let mut uniform = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5
    };
    let mut text = String::from("width,height,depth,kind\n");
    for i in 0..300 {
        let (label, center) = if i % 2 == 0 { (3, -1.0) } else { (7, 1.0) };
        let x: Vec<f64> = (0..3).map(|_| center + 1.5 * uniform()).collect();
        text.push_str(&format!("{},{},{},{label}\n", x[0], x[1], 10.0 * x[2]));
    }
    let path = dir.join("clusters.csv");
    std::fs::write(&path, text).unwrap();
    path
}

/// Checks that `path` is a valid picture for its extension: SVG that parses as XML with an `<svg>` root
/// and some text, or a PNG that decodes to a non-blank image.
pub fn assert_picture(path: &Path) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    match path.extension().and_then(|e| e.to_str()) {
        Some("svg") => {
            let text = String::from_utf8(bytes).unwrap();
            let doc = roxmltree::Document::parse(&text)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert_eq!(doc.root_element().tag_name().name(), "svg");
            assert!(
                doc.descendants().any(|n| n.has_tag_name("text")),
                "{}: no text",
                path.display()
            );
        }
        Some("png") => {
            let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
            let mut reader = decoder
                .read_info()
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let mut pixels = vec![0; reader.output_buffer_size()];
            let frame = reader.next_frame(&mut pixels).unwrap();
            assert!(frame.width >= 400 && frame.height >= 300);
            let pixels = &pixels[..frame.buffer_size()];
            let distinct: std::collections::HashSet<&[u8]> = pixels.chunks(3).collect();
            assert!(distinct.len() > 10, "{}: a blank image", path.display());
        }
        other => panic!("unexpected picture extension {other:?}"),
    }
}
