//! The loss and accuracy curves of a training run.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{color, finite_segments, legend, moving_average, DrawResult, LossPlot, FONT};
use crate::format::tick_label;

pub fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, c: &LossPlot) -> DrawResult<DB> {
    let steps = c.loss.len().saturating_sub(1).max(1) as f64;
    let finite = c.loss.iter().copied().filter(|v| v.is_finite());
    let top = finite.fold(0.0f64, f64::max);
    let top = if top > 0.0 { top * 1.05 } else { 1.0 };
    let mut chart = ChartBuilder::on(root)
        .caption(&c.title, (FONT, 24))
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(64)
        .right_y_label_area_size(64)
        .build_cartesian_2d(0.0..steps, 0.0..top)?
        .set_secondary_coord(0.0..steps, 0.0..1.0);
    chart
        .configure_mesh()
        .x_desc("step")
        .y_desc("loss")
        .x_label_formatter(&|v| format!("{v:.0}"))
        .y_label_formatter(&|v| tick_label(*v, top))
        .label_style((FONT, 15))
        .axis_desc_style((FONT, 17))
        .light_line_style(BLACK.mix(0.04))
        .bold_line_style(BLACK.mix(0.12))
        .draw()?;
    chart
        .configure_secondary_axes()
        .y_desc("accuracy")
        .y_label_formatter(&|a| format!("{:.0}%", a * 100.0))
        .label_style((FONT, 15))
        .axis_desc_style((FONT, 17))
        .draw()?;

    let loss_color = color(0);
    let train_color = color(3);
    let window = c.window.max(1);
    let (loss, train_accuracy) = if window > 1 {
        // Noisy mini-batch values: the raw loss faintly, and moving averages on top.
        let points = c.loss.iter().enumerate().map(|(i, &l)| (i as f64, l));
        for segment in finite_segments(points) {
            chart.draw_series(LineSeries::new(
                segment,
                loss_color.mix(0.25).stroke_width(1),
            ))?;
        }
        (
            moving_average(&c.loss, window),
            moving_average(&c.train_accuracy, window),
        )
    } else {
        (c.loss.clone(), c.train_accuracy.clone())
    };
    let averaged = if window > 1 {
        format!(" (mean of {window} steps)")
    } else {
        String::new()
    };
    let points = loss.iter().enumerate().map(|(i, &l)| (i as f64, l));
    for segment in finite_segments(points) {
        chart.draw_series(LineSeries::new(segment, loss_color.stroke_width(2)))?;
    }
    // One empty series carries the legend entry, so that gaps in the curve do not repeat it.
    chart
        .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())?
        .label(format!("loss{averaged}"))
        .legend(move |(x, y)| {
            PathElement::new(vec![(x, y), (x + 20, y)], loss_color.stroke_width(2))
        });

    let train = train_accuracy
        .iter()
        .enumerate()
        .map(|(i, &a)| (i as f64, a));
    chart
        .draw_secondary_series(LineSeries::new(train, train_color.stroke_width(2)))?
        .label(format!("training accuracy{averaged}"))
        .legend(move |(x, y)| {
            PathElement::new(vec![(x, y), (x + 20, y)], train_color.stroke_width(2))
        });

    if !c.test_accuracy.is_empty() {
        let test_color = color(2);
        let test: Vec<(f64, f64)> = c
            .test_accuracy
            .iter()
            .map(|&(s, a)| (s as f64, a))
            .collect();
        chart.draw_secondary_series(LineSeries::new(test.clone(), test_color.stroke_width(2)))?;
        chart
            .draw_secondary_series(
                test.into_iter()
                    .map(|p| Circle::new(p, 4, test_color.filled())),
            )?
            .label("test accuracy")
            .legend(move |(x, y)| {
                EmptyElement::at((x, y))
                    + PathElement::new(vec![(0, 0), (20, 0)], test_color.stroke_width(2))
                    + Circle::new((10, 0), 4, test_color.filled())
            });
    }
    legend(&mut chart, SeriesLabelPosition::MiddleRight)?;
    Ok(())
}
