//! A function of one variable and its derivative.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{color, finite_segments, legend, y_range, DrawResult, FunctionPlot, FONT};
use crate::format::tick_label;

pub fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, f: &FunctionPlot) -> DrawResult<DB> {
    let x0 = f.xs.first().copied().unwrap_or(-1.0);
    let x1 = f.xs.last().copied().unwrap_or(1.0);
    let (y0, y1) = y_range(f.values.iter().chain(&f.derivatives).copied());
    let mut chart = ChartBuilder::on(root)
        .caption(&f.title, (FONT, 24))
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(64)
        .build_cartesian_2d(x0..x1, y0..y1)?;
    chart
        .configure_mesh()
        .x_desc(&f.variable)
        .x_label_formatter(&|v| tick_label(*v, x1 - x0))
        .y_label_formatter(&|v| tick_label(*v, y1 - y0))
        .label_style((FONT, 15))
        .axis_desc_style((FONT, 17))
        .light_line_style(BLACK.mix(0.04))
        .bold_line_style(BLACK.mix(0.12))
        .draw()?;
    // The axes through the origin, as on a hand-drawn graph.
    let axis = BLACK.mix(0.45).stroke_width(1);
    if y0 < 0.0 && y1 > 0.0 {
        chart.draw_series(LineSeries::new([(x0, 0.0), (x1, 0.0)], axis))?;
    }
    if x0 < 0.0 && x1 > 0.0 {
        chart.draw_series(LineSeries::new([(0.0, y0), (0.0, y1)], axis))?;
    }

    let series = [
        (&f.values, format!("f({})", f.variable), color(0)),
        (&f.derivatives, format!("df/d{}", f.variable), color(1)),
    ];
    for (ys, name, line) in series {
        // Values beyond the range (near a pole) are drawn at its edge; non-finite ones leave a gap.
        let points =
            f.xs.iter()
                .zip(ys.iter())
                .map(|(&x, &y)| (x, if y.is_finite() { y.clamp(y0, y1) } else { y }));
        for segment in finite_segments(points) {
            chart.draw_series(LineSeries::new(segment, line.stroke_width(2)))?;
        }
        chart
            .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())?
            .label(name)
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], line.stroke_width(2))
            });
    }
    legend(&mut chart, SeriesLabelPosition::UpperLeft)?;
    Ok(())
}
