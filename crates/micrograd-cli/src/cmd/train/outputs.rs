//! The files `micrograd train` writes besides the model: the output paths checked before training,
//! and the decision-boundary picture.

use std::path::Path;

use micrograd::nn::MLP;
use micrograd::session::{Bounds, Session};

use super::Args;
use crate::error::{CliError, CliResult};
use crate::plots::{Boundary, Format};

/// The most data points drawn on the decision-boundary picture.
const MAX_DRAWN_POINTS: usize = 5000;

/// Grid cells along each axis: fine enough for a smooth boundary, few enough to stay fast and small.
const CELLS: usize = 160;

/// Checks the output paths before training, so that a typo does not cost a training run.
pub fn check(args: &Args) -> CliResult {
    for path in [&args.plot, &args.loss_plot].into_iter().flatten() {
        Format::from_path(path)?;
    }
    for path in [&args.save, &args.plot, &args.loss_plot]
        .into_iter()
        .flatten()
    {
        check_writable_place(path)?;
    }
    Ok(())
}

fn check_writable_place(path: &Path) -> CliResult {
    if path.is_dir() {
        return Err(CliError::input(format!(
            "{} is a directory, not a file name",
            path.display()
        )));
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        return Err(CliError::input(format!(
            "cannot write {}: the directory {} does not exist",
            path.display(),
            dir.display()
        )));
    }
    // A read-only directory would otherwise be found only after training.
    let probe = dir.join(format!(".micrograd-write-check.{}", std::process::id()));
    match std::fs::File::create(&probe) {
        Ok(_) => {
            let _ = std::fs::remove_file(&probe);
            Ok(())
        }
        Err(e) => Err(CliError::input(format!(
            "cannot write {}: {e}",
            path.display()
        ))),
    }
}

/// The trained classifier over the plane of the data, with every sample in its true class.
pub fn decision_boundary(title: String, session: &Session, model: &MLP<'_>) -> Boundary {
    let (data, classes, loss) = (session.data(), session.classes(), session.recipe().loss);
    // Past a few thousand points a picture shows no more, and an SVG grows huge: draw an even sample.
    let stride = data.len().div_ceil(MAX_DRAWN_POINTS).max(1);
    let points: Vec<(f64, f64, usize)> = data
        .rows()
        .zip(data.labels())
        .step_by(stride)
        .map(|(x, &y)| (x[0], x[1], classes.index_of(y).unwrap_or(0)))
        .collect();
    let bounds = Bounds::padded(points.iter().map(|p| (p.0, p.1)));
    let grid = session
        .boundary(model, bounds, CELLS)
        .expect("--plot is refused for data without two features");
    Boundary {
        title,
        axis_names: [data.feature_names[0].clone(), data.feature_names[1].clone()],
        class_names: (0..classes.len()).map(|i| classes.name(i)).collect(),
        x_range: bounds.x,
        y_range: bounds.y,
        cells: (CELLS, CELLS),
        class: grid
            .outputs
            .iter()
            // A cell whose score is not a number is drawn in the first class's colour, with no
            // confidence (see `Classes::confidence`).
            .map(|o| classes.decode(loss, o).0.unwrap_or(0))
            .collect(),
        confidence: grid
            .outputs
            .iter()
            .map(|o| classes.confidence(loss, o))
            .collect(),
        points,
    }
}
