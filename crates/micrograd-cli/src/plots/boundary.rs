//! The decision-boundary picture: the classifier's class and confidence over the plane, and the data.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{color, legend, tint, Boundary, DrawResult, FONT};
use crate::format::tick_label;

/// The number of color strengths the background uses: few, so that runs of equal cells merge into one
/// rectangle and an SVG stays small.
const CONFIDENCE_LEVELS: f64 = 4.0;

pub fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, b: &Boundary) -> DrawResult<DB> {
    let (x0, x1) = b.x_range;
    let (y0, y1) = b.y_range;
    let mut chart = ChartBuilder::on(root)
        .caption(&b.title, (FONT, 24))
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(60)
        .build_cartesian_2d(x0..x1, y0..y1)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc(&b.axis_names[0])
        .y_desc(&b.axis_names[1])
        .x_label_formatter(&|v| tick_label(*v, x1 - x0))
        .y_label_formatter(&|v| tick_label(*v, y1 - y0))
        .label_style((FONT, 15))
        .axis_desc_style((FONT, 17))
        .draw()?;

    let (nx, ny) = b.cells;
    let (dx, dy) = ((x1 - x0) / nx as f64, (y1 - y0) / ny as f64);
    let level = |i: usize| {
        let c = b.confidence.get(i).copied().unwrap_or(1.0).clamp(0.0, 1.0);
        (c * CONFIDENCE_LEVELS).ceil().max(1.0)
    };
    let mut runs = Vec::new();
    for row in 0..ny {
        let mut start = 0;
        while start < nx {
            let i = row * nx + start;
            let (class, strength) = (b.class[i], level(i));
            let mut end = start + 1;
            while end < nx && b.class[row * nx + end] == class && level(row * nx + end) == strength
            {
                end += 1;
            }
            let fill = tint(color(class), 0.12 + 0.33 * strength / CONFIDENCE_LEVELS);
            let corners = [
                (x0 + start as f64 * dx, y0 + row as f64 * dy),
                (x0 + end as f64 * dx, y0 + (row + 1) as f64 * dy),
            ];
            runs.push(Rectangle::new(corners, fill.filled()));
            start = end;
        }
    }
    chart.draw_series(runs)?;

    for (class, name) in b.class_names.iter().enumerate() {
        let fill = color(class);
        let points = b.points.iter().filter(|p| p.2 == class);
        chart
            .draw_series(points.map(|&(x, y, _)| {
                EmptyElement::at((x, y))
                    + Circle::new((0, 0), 5, fill.filled())
                    + Circle::new((0, 0), 5, BLACK.mix(0.8).stroke_width(1))
            }))?
            .label(format!("class {name}"))
            .legend(move |(x, y)| Circle::new((x + 8, y), 5, fill.filled()));
    }
    legend(&mut chart, SeriesLabelPosition::UpperRight)?;
    Ok(())
}
