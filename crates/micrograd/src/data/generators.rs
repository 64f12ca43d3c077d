//! Two-dimensional toy data sets for classification, generated from a seed: moons, circles, blobs, xor
//! and spiral. Labels are class indices 0, 1, … and the samples come shuffled.

use std::f64::consts::PI;

use super::Dataset;
use crate::rng::Rng;

/// Shuffles the generated points and adds Gaussian noise of standard deviation `noise` to each coordinate.
fn finish(name: &str, mut points: Vec<([f64; 2], f64)>, noise: f64, rng: &mut Rng) -> Dataset {
    rng.shuffle(&mut points);
    let mut features = Vec::with_capacity(points.len() * 2);
    let mut labels = Vec::with_capacity(points.len());
    for ([x, y], label) in points {
        features.push(x + noise * rng.normal());
        features.push(y + noise * rng.normal());
        labels.push(label);
    }
    Dataset::from_flat(name, 2, features, labels)
}

/// `n` evenly spaced numbers from `start` to `end` inclusive (numpy's `linspace`).
fn linspace(start: f64, end: f64, n: usize) -> impl Iterator<Item = f64> {
    let step = if n > 1 {
        (end - start) / (n - 1) as f64
    } else {
        0.0
    };
    (0..n).map(move |i| start + step * i as f64)
}

/// Two interleaving half circles, as scikit-learn's `make_moons`: the upper moon is class 0, the lower
/// class 1 (`n / 2` points in the first, the rest in the second).
///
/// ```
/// use micrograd::data::moons;
///
/// let d = moons(100, 0.1, 1337);
/// assert_eq!((d.len(), d.n_features(), d.n_classes()), (100, 2, Some(2)));
/// ```
pub fn moons(n: usize, noise: f64, seed: u64) -> Dataset {
    let mut rng = Rng::new(seed);
    let n_outer = n / 2;
    let n_inner = n - n_outer;
    let mut points = Vec::with_capacity(n);
    points.extend(linspace(0.0, PI, n_outer).map(|t| ([t.cos(), t.sin()], 0.0)));
    points.extend(linspace(0.0, PI, n_inner).map(|t| ([1.0 - t.cos(), 0.5 - t.sin()], 1.0)));
    finish("moons", points, noise, &mut rng)
}

/// Two concentric circles, as scikit-learn's `make_circles` with `factor = 0.5`: the outer circle (radius
/// 1) is class 0, the inner (radius 0.5) class 1.
pub fn circles(n: usize, noise: f64, seed: u64) -> Dataset {
    let mut rng = Rng::new(seed);
    let n_outer = n / 2;
    let n_inner = n - n_outer;
    let ring = |count: usize, radius: f64, label: f64| {
        (0..count).map(move |i| {
            let t = 2.0 * PI * i as f64 / count as f64;
            ([radius * t.cos(), radius * t.sin()], label)
        })
    };
    let points = ring(n_outer, 1.0, 0.0)
        .chain(ring(n_inner, 0.5, 1.0))
        .collect();
    finish("circles", points, noise, &mut rng)
}

/// `classes` round clusters of points around centers evenly spaced on a circle of radius 2; `noise` is
/// the clusters' standard deviation (points are spread round-robin over the classes).
pub fn blobs_with(n: usize, classes: usize, noise: f64, seed: u64) -> Dataset {
    let mut rng = Rng::new(seed);
    let k = classes.max(1);
    let points = (0..n)
        .map(|i| {
            let c = i % k;
            let angle = 2.0 * PI * c as f64 / k as f64;
            ([2.0 * angle.cos(), 2.0 * angle.sin()], c as f64)
        })
        .collect();
    finish("blobs", points, noise, &mut rng)
}

/// Three [`blobs_with`] clusters.
pub fn blobs(n: usize, noise: f64, seed: u64) -> Dataset {
    blobs_with(n, 3, noise, seed)
}

/// Points uniform in the square [-1, 1]², class 1 where `x·y > 0` (the first and third quadrants), class 0
/// elsewhere; the noise moves points after they are labelled.
pub fn xor(n: usize, noise: f64, seed: u64) -> Dataset {
    let mut rng = Rng::new(seed);
    let points = (0..n)
        .map(|_| {
            let x = rng.uniform(-1.0, 1.0);
            let y = rng.uniform(-1.0, 1.0);
            ([x, y], if x * y > 0.0 { 1.0 } else { 0.0 })
        })
        .collect();
    finish("xor", points, noise, &mut rng)
}

/// `classes` interleaved spiral arms (as in CS231n), radius 0 to 1 over one and a bit turns.
pub fn spiral_with(n: usize, classes: usize, noise: f64, seed: u64) -> Dataset {
    let mut rng = Rng::new(seed);
    let k = classes.max(1);
    let mut points = Vec::with_capacity(n);
    for c in 0..k {
        let count = n / k + usize::from(c < n % k);
        for r in linspace(0.0, 1.0, count) {
            let t = 4.0 * r + 2.0 * PI * c as f64 / k as f64;
            points.push(([r * t.sin(), r * t.cos()], c as f64));
        }
    }
    finish("spiral", points, noise, &mut rng)
}

/// Two [`spiral_with`] arms.
pub fn spiral(n: usize, noise: f64, seed: u64) -> Dataset {
    spiral_with(n, 2, noise, seed)
}
