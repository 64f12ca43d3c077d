//! Data sets for training: generated toy sets, the shipped digits, CSV files, and the operations a
//! training loop needs.
//!
//! API summary:
//!
//! - [`Dataset`]: rows of `f64` features and one `f64` label each. `len()`, `n_features()`, `row(i)`,
//!   `label(i)`, `labels()`, `rows()`, `n_classes()`, `select(&indices)`, `split(test_fraction, seed)
//!   -> (train, test)`, `scale_features(f)`, `batches(batch_size, &mut rng) -> Vec<Vec<usize>>`
//!   (shuffled index batches).
//! - [`Standardizer`]: `Standardizer::fit(&train)`, then `apply(&mut data)` / `transform_row(&mut row)`;
//!   [`scaled_input`]`(Option<&Standardizer>, row)` is a raw row as the model sees it.
//! - Generators, all `(n, noise, seed) -> Dataset` with 2 features and class labels 0, 1, …:
//!   [`moons`], [`circles`], [`blobs`] (3 classes; [`blobs_with`] chooses), [`xor`], [`spiral`] (2 arms;
//!   [`spiral_with`] chooses).
//! - Shipped: [`digits`] (1,797 × 64 pixels 0–16, labels 0–9; credit in `data/README.md`) and
//!   [`moons100`] (the original demo's exact 100 moons, labels ±1).
//! - CSV: [`load_csv`]`(path, &CsvOptions)` / [`parse_csv`]`(text, name, &CsvOptions)`; the label column is
//!   the last unless [`CsvOptions::label_named`] or [`LabelColumn::Index`]; errors ([`CsvError`]) name the
//!   file, line and column.
//! - Input files: [`read_file`]`(path, max_bytes)` refuses a directory, a device or pipe (`/dev/zero`)
//!   and a file over the limit ([`MAX_FILE_BYTES`], 16 MiB, for every file the library and the command
//!   line read) before reading it; [`load_csv`] reads through it.
//! - [`by_name`]`("moons", n, noise, seed)` for command lines.
//!
//! ```
//! use micrograd::data::{moons, Standardizer};
//!
//! let d = moons(200, 0.1, 0);
//! let (mut train, mut test) = d.split(0.2, 0);
//! let scaler = Standardizer::fit(&train);
//! scaler.apply(&mut train);
//! scaler.apply(&mut test);
//! assert_eq!((train.len(), test.len()), (160, 40));
//! ```

mod builtin;
mod csv;
mod dataset;
mod files;
mod generators;

pub use builtin::{digits, moons100};
pub use csv::{load_csv, parse_cell, parse_csv, CsvError, CsvOptions, LabelColumn};
pub use dataset::{scaled_input, Dataset, Standardizer};
pub use files::{read_file, read_limited, MAX_FILE_BYTES};
pub use generators::{blobs, blobs_with, circles, moons, spiral, spiral_with, xor};

/// The names [`by_name`] knows.
pub const NAMES: [&str; 7] = [
    "moons", "circles", "blobs", "xor", "spiral", "digits", "moons100",
];

/// A data set by name: a generator (`moons`, `circles`, `blobs`, `xor`, `spiral`) with `n` samples,
/// `noise` and `seed`, or a shipped set (`digits`, `moons100`; the other arguments ignored). `None` for
/// an unknown name.
pub fn by_name(name: &str, n: usize, noise: f64, seed: u64) -> Option<Dataset> {
    Some(match name {
        "moons" => moons(n, noise, seed),
        "circles" => circles(n, noise, seed),
        "blobs" => blobs(n, noise, seed),
        "xor" => xor(n, noise, seed),
        "spiral" => spiral(n, noise, seed),
        "digits" => digits(),
        "moons100" => moons100(),
        _ => return None,
    })
}
