//! [`Dataset`]: rows of numeric features with one label each, and the operations training needs on
//! them (split, standardize, shuffle into mini-batches).

use std::borrow::Cow;

use crate::rng::Rng;

/// A table of samples: `len()` rows of `n_features()` numbers, each with a label.
///
/// Labels are numbers: class indices 0, 1, 2, … for the generated sets and digits, ±1 for the
/// original demo's moons, or any value for regression. Features are stored row after row in one
/// vector.
#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
    /// A short name for reports: `moons`, `digits`, a file name.
    pub name: String,
    /// The name of each feature column.
    pub feature_names: Vec<String>,
    /// The name of the label column.
    pub label_name: String,
    features: Vec<f64>,
    labels: Vec<f64>,
    n_features: usize,
}

impl Dataset {
    /// A data set from its rows (all of the same width) and labels.
    ///
    /// # Panics
    /// If the rows differ in width or there are not as many labels as rows.
    pub fn from_rows(name: impl Into<String>, rows: &[Vec<f64>], labels: Vec<f64>) -> Self {
        let n_features = rows.first().map_or(0, Vec::len);
        assert!(
            rows.iter().all(|r| r.len() == n_features),
            "Dataset::from_rows: rows of different widths"
        );
        Self::from_flat(name, n_features, rows.concat(), labels)
    }

    /// A data set from the features of all rows, one row after another, and the labels.
    ///
    /// # Panics
    /// If `features.len()` is not `labels.len() * n_features`.
    pub fn from_flat(
        name: impl Into<String>,
        n_features: usize,
        features: Vec<f64>,
        labels: Vec<f64>,
    ) -> Self {
        assert_eq!(
            features.len(),
            labels.len() * n_features,
            "Dataset::from_flat: {} numbers for {} rows of {} features",
            features.len(),
            labels.len(),
            n_features
        );
        Dataset {
            name: name.into(),
            feature_names: (0..n_features).map(|i| format!("x{i}")).collect(),
            label_name: "y".to_string(),
            features,
            labels,
            n_features,
        }
    }

    /// The number of samples.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether there are no samples.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The number of features per sample.
    pub fn n_features(&self) -> usize {
        self.n_features
    }

    /// The features of sample `i`.
    pub fn row(&self, i: usize) -> &[f64] {
        &self.features[i * self.n_features..(i + 1) * self.n_features]
    }

    /// The label of sample `i`.
    pub fn label(&self, i: usize) -> f64 {
        self.labels[i]
    }

    /// Every label, in order.
    pub fn labels(&self) -> &[f64] {
        &self.labels
    }

    /// Every feature, row after row.
    pub fn features(&self) -> &[f64] {
        &self.features
    }

    /// The rows, in order.
    pub fn rows(&self) -> impl ExactSizeIterator<Item = &[f64]> + '_ {
        (0..self.len()).map(move |i| self.row(i))
    }

    /// The number of classes if every label is a class index 0, 1, 2, … (the largest plus one), else
    /// `None`.
    pub fn n_classes(&self) -> Option<usize> {
        let mut max = 0usize;
        for &y in &self.labels {
            if !(y >= 0.0 && y.fract() == 0.0 && y < 1e9) {
                return None;
            }
            max = max.max(y as usize);
        }
        (!self.is_empty()).then_some(max + 1)
    }

    /// The samples at `indices`, in that order.
    pub fn select(&self, indices: &[usize]) -> Dataset {
        let mut features = Vec::with_capacity(indices.len() * self.n_features);
        for &i in indices {
            features.extend_from_slice(self.row(i));
        }
        Dataset {
            name: self.name.clone(),
            feature_names: self.feature_names.clone(),
            label_name: self.label_name.clone(),
            features,
            labels: indices.iter().map(|&i| self.labels[i]).collect(),
            n_features: self.n_features,
        }
    }

    /// A seeded random split into `(train, test)`: the test part has `ceil(test_fraction · len)`
    /// samples (as scikit-learn's `train_test_split`), the rest train.
    ///
    /// ```
    /// use micrograd::data::digits;
    ///
    /// let (train, test) = digits().split(0.2, 0);
    /// assert_eq!((train.len(), test.len()), (1437, 360));
    /// ```
    pub fn split(&self, test_fraction: f64, seed: u64) -> (Dataset, Dataset) {
        let fraction = test_fraction.clamp(0.0, 1.0);
        let n_test = ((self.len() as f64) * fraction).ceil() as usize;
        let mut order: Vec<usize> = (0..self.len()).collect();
        Rng::new(seed).shuffle(&mut order);
        let (test, train) = order.split_at(n_test.min(self.len()));
        (self.select(train), self.select(test))
    }

    /// Multiplies every feature by `factor` (for example 1/16 for the digits' pixels).
    pub fn scale_features(&mut self, factor: f64) {
        for x in &mut self.features {
            *x *= factor;
        }
    }

    /// The indices `0..len()` shuffled with `rng` and cut into batches of `batch_size` (the last may be
    /// smaller); a `batch_size` of 0 means one batch of everything.
    pub fn batches(&self, batch_size: usize, rng: &mut Rng) -> Vec<Vec<usize>> {
        let mut order: Vec<usize> = (0..self.len()).collect();
        rng.shuffle(&mut order);
        let size = if batch_size == 0 {
            self.len().max(1)
        } else {
            batch_size
        };
        order.chunks(size).map(<[usize]>::to_vec).collect()
    }
}

/// Each feature's mean and (population) variance over `data`'s rows.
fn moments(data: &Dataset) -> (Vec<f64>, Vec<f64>) {
    let d = data.n_features();
    let n = data.len().max(1) as f64;
    let mut mean = vec![0.0; d];
    for row in data.rows() {
        for (m, x) in mean.iter_mut().zip(row) {
            *m += x;
        }
    }
    for m in &mut mean {
        *m /= n;
    }
    let mut var = vec![0.0; d];
    for row in data.rows() {
        for ((v, m), x) in var.iter_mut().zip(&mean).zip(row) {
            *v += (x - m) * (x - m);
        }
    }
    for v in &mut var {
        *v /= n;
    }
    (mean, var)
}

/// A standard deviation as a divisor: 1 where it is 0, so a constant feature becomes 0, not NaN.
fn divisor(std: f64) -> f64 {
    if std > 0.0 {
        std
    } else {
        1.0
    }
}

/// Per-feature standardization `(x - mean) / std`, fitted on one data set (the training part) and
/// applied to others (the test part, new inputs).
///
/// A feature that never varies keeps a divisor of 1, so it becomes 0 rather than NaN.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Standardizer {
    /// Each feature's mean.
    pub mean: Vec<f64>,
    /// Each feature's standard deviation (population), or 1 where it is 0.
    pub std: Vec<f64>,
}

/// `row` as a model trained with `standardizer` sees it: standardized if there is one, as it is
/// if not. Predictions on raw inputs go through here, so they see what training saw.
pub fn scaled_input<'a>(standardizer: Option<&Standardizer>, row: &'a [f64]) -> Cow<'a, [f64]> {
    match standardizer {
        Some(s) => Cow::Owned(s.transformed(row)),
        None => Cow::Borrowed(row),
    }
}

impl Standardizer {
    /// The means and standard deviations of `data`'s features.
    pub fn fit(data: &Dataset) -> Self {
        let (mean, var) = moments(data);
        let std = var.iter().map(|v| divisor(v.sqrt())).collect();
        Standardizer { mean, std }
    }

    /// The means of `data`'s features and one pooled standard deviation for all of them, the root
    /// mean square of their own. For features in one unit, such as an image's pixels: a pixel that
    /// is nearly always blank stays small instead of being scaled up to the contrast of the strokes,
    /// where a stray mark would otherwise weigh as much as a whole stroke.
    pub fn fit_pooled(data: &Dataset) -> Self {
        let (mean, var) = moments(data);
        let pooled = divisor((var.iter().sum::<f64>() / var.len().max(1) as f64).sqrt());
        let std = vec![pooled; mean.len()];
        Standardizer { mean, std }
    }

    /// Standardizes one row of features in place.
    pub fn transform_row(&self, row: &mut [f64]) {
        for ((x, m), s) in row.iter_mut().zip(&self.mean).zip(&self.std) {
            *x = (*x - m) / s;
        }
    }

    /// A standardized copy of one row of features.
    pub fn transformed(&self, row: &[f64]) -> Vec<f64> {
        let mut row = row.to_vec();
        self.transform_row(&mut row);
        row
    }

    /// Standardizes every row of `data` in place.
    pub fn apply(&self, data: &mut Dataset) {
        let d = data.n_features;
        if d == 0 {
            return;
        }
        for row in data.features.chunks_exact_mut(d) {
            self.transform_row(row);
        }
    }
}
