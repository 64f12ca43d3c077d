//! The decision-boundary grid: a two-input model's outputs sampled over the plane of its data, which
//! the command line's picture and the playground's canvas both draw.

/// A rectangle of the plane: the range of each of the two inputs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bounds {
    /// The range of the first input.
    pub x: (f64, f64),
    /// The range of the second input.
    pub y: (f64, f64),
}

impl Bounds {
    /// The points' range along each axis widened by a quarter of its span on each side (at least
    /// 0.5), as the demo's picture leaves room around the data.
    pub fn padded(points: impl IntoIterator<Item = (f64, f64)>) -> Bounds {
        let pad = |(lo, hi): (f64, f64)| {
            if !lo.is_finite() || !hi.is_finite() {
                return (-1.0, 1.0);
            }
            let margin = ((hi - lo) * 0.25).max(0.5);
            (lo - margin, hi + margin)
        };
        let (x, y) = ranges(points);
        Bounds {
            x: pad(x),
            y: pad(y),
        }
    }

    /// A square around the points with a 15 % margin (at least 0.5 either side of the centre), for a
    /// square canvas that keeps the plane's proportions.
    pub fn square(points: impl IntoIterator<Item = (f64, f64)>) -> Bounds {
        let ((x0, x1), (y0, y1)) = ranges(points);
        if !(x0.is_finite() && x1.is_finite() && y0.is_finite() && y1.is_finite()) {
            return Bounds {
                x: (-1.0, 1.0),
                y: (-1.0, 1.0),
            };
        }
        let half = ((x1 - x0).max(y1 - y0) / 2.0 * 1.15).max(0.5);
        let (cx, cy) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
        Bounds {
            x: (cx - half, cx + half),
            y: (cy - half, cy + half),
        }
    }
}

fn ranges(points: impl IntoIterator<Item = (f64, f64)>) -> ((f64, f64), (f64, f64)) {
    let wide = (f64::INFINITY, f64::NEG_INFINITY);
    points.into_iter().fold((wide, wide), |(x, y), (px, py)| {
        ((x.0.min(px), x.1.max(px)), (y.0.min(py), y.1.max(py)))
    })
}

/// A model's outputs at the centre of each cell of a `cells` × `cells` grid over `bounds`, row by
/// row from the bottom (the first input along a row).
#[derive(Clone, Debug, PartialEq)]
pub struct BoundaryGrid {
    /// The rectangle the grid covers.
    pub bounds: Bounds,
    /// Cells along each axis.
    pub cells: usize,
    /// The outputs of each cell, `cells * cells` of them.
    pub outputs: Vec<Vec<f64>>,
}

impl BoundaryGrid {
    /// Samples `predict` (two inputs to the outputs) over `bounds`.
    ///
    /// ```
    /// use micrograd::session::{Bounds, BoundaryGrid};
    ///
    /// let bounds = Bounds { x: (0.0, 1.0), y: (0.0, 1.0) };
    /// let grid = BoundaryGrid::sample(bounds, 2, |p| vec![p[0] + p[1]]);
    /// assert_eq!(grid.outputs, vec![vec![0.5], vec![1.0], vec![1.0], vec![1.5]]);
    /// ```
    pub fn sample(
        bounds: Bounds,
        cells: usize,
        mut predict: impl FnMut(&[f64]) -> Vec<f64>,
    ) -> Self {
        let centre =
            |(lo, hi): (f64, f64), i: usize| lo + (i as f64 + 0.5) * (hi - lo) / cells as f64;
        let mut outputs = Vec::with_capacity(cells * cells);
        for row in 0..cells {
            let y = centre(bounds.y, row);
            for col in 0..cells {
                outputs.push(predict(&[centre(bounds.x, col), y]));
            }
        }
        BoundaryGrid {
            bounds,
            cells,
            outputs,
        }
    }
}
