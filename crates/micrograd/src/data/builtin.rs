//! The data sets shipped inside the library: the digits and the original demo's 100 moons.

use super::{parse_csv, CsvOptions, Dataset};

const DIGITS_CSV: &str = include_str!("../../data/digits.csv");
const MOONS100_CSV: &str = include_str!("../../data/moons100.csv");

/// The 1,797 handwritten digits (8×8 pixels, values 0–16, features `p0`…`p63`; labels 0–9).
///
/// The test set of the UCI "Optical Recognition of Handwritten Digits" data set (E. Alpaydin and
/// C. Kaynak, 1998), licensed CC BY 4.0, as scikit-learn ships it in `load_digits`; see `data/README.md`.
///
/// ```
/// let d = micrograd::data::digits();
/// assert_eq!((d.len(), d.n_features(), d.n_classes()), (1797, 64, Some(10)));
/// ```
pub fn digits() -> Dataset {
    let mut d = parse_csv(DIGITS_CSV, "digits.csv", &CsvOptions::label_named("label"))
        .expect("the shipped digits.csv is valid");
    d.name = "digits".into();
    d
}

/// The exact 100-point two-moons set of micrograd's demo notebook (`make_moons(n_samples=100,
/// noise=0.1)` after `np.random.seed(1337)`), with labels -1 and +1.
///
/// ```
/// let d = micrograd::data::moons100();
/// assert_eq!((d.len(), d.n_features()), (100, 2));
/// assert!(d.labels().iter().all(|&y| y == 1.0 || y == -1.0));
/// ```
pub fn moons100() -> Dataset {
    let mut d = parse_csv(MOONS100_CSV, "moons100.csv", &CsvOptions::label_named("y"))
        .expect("the shipped moons100.csv is valid");
    d.name = "moons100".into();
    d
}
