//! Pictures as SVG or PNG (chosen by the file's extension): a classifier's decision boundary with its data
//! points, the loss and accuracy curves of a training run, and a function with its derivative.
//!
//! This module only draws numbers it is given; the commands compute them. Text is set in DejaVu Sans,
//! compiled into the binary, so PNG files look the same on every machine with no system fonts. Files are
//! rendered in memory and written atomically.

use std::path::Path;
use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::{FontStyle, RGBColor};

use crate::atomic;
use crate::error::CliError;

mod boundary;
mod curves;
mod function;

/// Width and height of every picture, in pixels.
const SIZE: (u32, u32) = (900, 680);

/// The font family name that plotters looks up; the shipped font is registered under it.
const FONT: &str = "sans-serif";

/// Readable, distinguishable colors for classes and curves (the Tableau 10 palette).
const PALETTE: [RGBColor; 10] = [
    RGBColor(0x4e, 0x79, 0xa7),
    RGBColor(0xe1, 0x57, 0x59),
    RGBColor(0x59, 0xa1, 0x4f),
    RGBColor(0xf2, 0x8e, 0x2b),
    RGBColor(0xb0, 0x7a, 0xa1),
    RGBColor(0x76, 0xb7, 0xb2),
    RGBColor(0xed, 0xc9, 0x48),
    RGBColor(0xff, 0x9d, 0xa7),
    RGBColor(0x9c, 0x75, 0x5f),
    RGBColor(0xba, 0xb0, 0xac),
];

/// The color of class (or curve) number `i`.
fn color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// `c` mixed with white: `strength` 0 is white, 1 is `c`.
fn tint(c: RGBColor, strength: f64) -> RGBColor {
    let mix = |v: u8| (255.0 - (255.0 - v as f64) * strength).round() as u8;
    RGBColor(mix(c.0), mix(c.1), mix(c.2))
}

/// A picture file format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Scalable vector graphics.
    Svg,
    /// A PNG bitmap.
    Png,
}

impl Format {
    /// The format named by `path`'s extension (`.svg` or `.png`, any case); bad input otherwise.
    pub fn from_path(path: &Path) -> Result<Format, CliError> {
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase());
        match ext.as_deref() {
            Some("svg") => Ok(Format::Svg),
            Some("png") => Ok(Format::Png),
            _ => Err(CliError::input(format!(
                "cannot tell the picture format of {}: the file name must end in .svg or .png",
                path.display()
            ))),
        }
    }
}

/// The predictions of a classifier over a grid covering the plane of the data.
#[derive(Clone, Debug)]
pub struct Boundary {
    /// The title above the picture.
    pub title: String,
    /// The names of the two input features (axis titles).
    pub axis_names: [String; 2],
    /// The name of each class, in class-number order (legend entries).
    pub class_names: Vec<String>,
    /// The range of the first input covered by the grid.
    pub x_range: (f64, f64),
    /// The range of the second input covered by the grid.
    pub y_range: (f64, f64),
    /// Grid cells along x and along y.
    pub cells: (usize, usize),
    /// The predicted class of each cell, row by row from the bottom (y = y_range.0), each row left to
    /// right.
    pub class: Vec<usize>,
    /// How sure the prediction is in each cell, from 0 (on the boundary) to 1; drawn as color strength.
    pub confidence: Vec<f64>,
    /// The data points: the two inputs and the true class.
    pub points: Vec<(f64, f64, usize)>,
}

/// The loss and accuracy of a training run, step by step.
#[derive(Clone, Debug)]
pub struct LossPlot {
    /// The title above the picture.
    pub title: String,
    /// The loss of each step (step 0 first).
    pub loss: Vec<f64>,
    /// The training accuracy (0 to 1) at each step, on that step's batch.
    pub train_accuracy: Vec<f64>,
    /// The test accuracy measured after some steps: `(step, accuracy)`.
    pub test_accuracy: Vec<(usize, f64)>,
    /// With mini-batches, the curves are drawn as means over this many steps (1: as they are).
    pub window: usize,
}

/// A function of one variable sampled on a grid, with its derivative.
#[derive(Clone, Debug)]
pub struct FunctionPlot {
    /// The title above the picture (the expression).
    pub title: String,
    /// The variable's name (the x axis title).
    pub variable: String,
    /// The sample points.
    pub xs: Vec<f64>,
    /// The function at each sample point (non-finite values leave a gap).
    pub values: Vec<f64>,
    /// The derivative at each sample point (non-finite values leave a gap).
    pub derivatives: Vec<f64>,
}

/// A picture to save.
#[derive(Clone, Copy, Debug)]
pub enum Picture<'a> {
    /// A decision boundary with its data points.
    Boundary(&'a Boundary),
    /// Loss and accuracy curves.
    Curves(&'a LossPlot),
    /// A function and its derivative.
    Function(&'a FunctionPlot),
}

/// Renders `picture` and writes it to `path`, as SVG or PNG by the extension.
pub fn save(path: &Path, picture: Picture<'_>) -> Result<(), CliError> {
    let format = Format::from_path(path)?;
    register_font();
    let failed = |e: String| CliError::failure(format!("cannot draw {}: {e}", path.display()));
    let bytes = match format {
        Format::Svg => {
            let mut svg = String::new();
            {
                let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
                draw(root, picture).map_err(|e| failed(e.to_string()))?;
            }
            svg.into_bytes()
        }
        Format::Png => {
            let (w, h) = SIZE;
            let mut rgb = vec![0u8; (w * h * 3) as usize];
            {
                let root = BitMapBackend::with_buffer(&mut rgb, SIZE).into_drawing_area();
                draw(root, picture).map_err(|e| failed(e.to_string()))?;
            }
            encode_png(&rgb, w, h).map_err(|e| failed(e.to_string()))?
        }
    };
    atomic::write(path, &bytes)
}

/// Makes the shipped font the one plotters finds for every text style.
fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let bytes: &'static [u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
        for style in [
            FontStyle::Normal,
            FontStyle::Bold,
            FontStyle::Italic,
            FontStyle::Oblique,
        ] {
            // The font is compiled in and known to parse; a failure would only lose text, not data.
            let _ = plotters::style::register_font(FONT, style, bytes);
        }
    });
}

fn encode_png(rgb: &[u8], width: u32, height: u32) -> Result<Vec<u8>, png::EncodingError> {
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        // Plots are mostly flat color: the slower settings make files several times smaller.
        encoder.set_compression(png::Compression::Best);
        encoder.set_adaptive_filter(png::AdaptiveFilterType::Adaptive);
        let mut writer = encoder.write_header()?;
        writer.write_image_data(rgb)?;
        writer.finish()?;
    }
    Ok(out)
}

type DrawResult<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

fn draw<DB: DrawingBackend>(root: DrawingArea<DB, Shift>, picture: Picture<'_>) -> DrawResult<DB> {
    root.fill(&WHITE)?;
    match picture {
        Picture::Boundary(b) => boundary::draw(&root, b)?,
        Picture::Curves(c) => curves::draw(&root, c)?,
        Picture::Function(f) => function::draw(&root, f)?,
    }
    root.present()
}

/// The legend box every picture draws in the same style, at `position`.
fn legend<'a, DB: DrawingBackend + 'a, CT: plotters::coord::CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
    position: SeriesLabelPosition,
) -> DrawResult<DB> {
    chart
        .configure_series_labels()
        .position(position)
        .label_font((FONT, 15))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.5))
        .draw()
}

/// The mean of the `window` values centered on each value (fewer at the ends); non-finite values are
/// left out of the means.
fn moving_average(values: &[f64], window: usize) -> Vec<f64> {
    (0..values.len())
        .map(|i| {
            let recent =
                &values[i.saturating_sub(window / 2)..(i + window - window / 2).min(values.len())];
            let finite: Vec<f64> = recent.iter().copied().filter(|v| v.is_finite()).collect();
            if finite.is_empty() {
                f64::NAN
            } else {
                finite.iter().sum::<f64>() / finite.len() as f64
            }
        })
        .collect()
}

/// Splits a polyline into the runs of points whose y is finite.
fn finite_segments(points: impl Iterator<Item = (f64, f64)>) -> Vec<Vec<(f64, f64)>> {
    let mut segments = vec![Vec::new()];
    for (x, y) in points {
        if y.is_finite() {
            segments.last_mut().expect("never empty").push((x, y));
        } else if !segments.last().expect("never empty").is_empty() {
            segments.push(Vec::new());
        }
    }
    segments.retain(|s| !s.is_empty());
    segments
}

/// A y range that shows the shape of the curves: the finite values from the 1st to the 99th percentile
/// when the extremes are far outside them (a pole such as 1/x), all of them otherwise, with a margin.
fn y_range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let mut v: Vec<f64> = values.filter(|y| y.is_finite()).collect();
    if v.is_empty() {
        return (-1.0, 1.0);
    }
    v.sort_by(f64::total_cmp);
    let (min, max) = (v[0], v[v.len() - 1]);
    let (lo, hi) = (v[v.len() / 100], v[(v.len() * 99) / 100]);
    let spread = (hi - lo).max(1e-12);
    let lo = if lo - min > spread { lo } else { min };
    let hi = if max - hi > spread { hi } else { max };
    let pad = ((hi - lo) * 0.08).max(1e-6);
    (lo - pad, hi + pad)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::tick_label;

    #[test]
    fn the_format_comes_from_the_extension() {
        assert_eq!(
            Format::from_path(Path::new("a/b.SVG")).unwrap(),
            Format::Svg
        );
        assert_eq!(Format::from_path(Path::new("b.png")).unwrap(), Format::Png);
        assert_eq!(Format::from_path(Path::new("b.jpg")).unwrap_err().code, 2);
        assert_eq!(Format::from_path(Path::new("noext")).unwrap_err().code, 2);
    }

    #[test]
    fn tick_labels_have_the_decimals_they_need() {
        assert_eq!(tick_label(-0.0000001, 2.0), "0.0");
        assert_eq!(tick_label(0.5, 2.0), "0.5");
        assert_eq!(tick_label(250.0, 1000.0), "250");
        assert_eq!(tick_label(0.025, 0.1), "0.025");
    }

    #[test]
    fn moving_averages_look_back() {
        assert_eq!(
            moving_average(&[1.0, 3.0, 5.0, 7.0], 2),
            vec![1.0, 2.0, 4.0, 6.0]
        );
        assert_eq!(
            moving_average(&[1.0, 3.0, 5.0, 7.0], 3),
            vec![2.0, 3.0, 5.0, 6.0]
        );
        assert_eq!(moving_average(&[1.0, 3.0], 1), vec![1.0, 3.0]);
    }

    #[test]
    fn gaps_split_a_curve() {
        let ys = [1.0, f64::NAN, 2.0, 3.0, f64::INFINITY];
        let segments = finite_segments(ys.iter().enumerate().map(|(i, &y)| (i as f64, y)));
        assert_eq!(
            segments,
            vec![vec![(0.0, 1.0)], vec![(2.0, 2.0), (3.0, 3.0)]]
        );
    }

    #[test]
    fn a_pole_does_not_flatten_the_picture() {
        let ys = (1..=1000).map(|i| 1.0 / (i as f64 - 500.5));
        let (lo, hi) = y_range(ys);
        assert!(lo > -10.0 && hi < 10.0, "{lo}..{hi}");
    }
}

#[cfg(test)]
mod rendering_tests {
    use super::*;

    fn sample_boundary() -> Boundary {
        let cells = (60, 50);
        let mut class = Vec::new();
        let mut confidence = Vec::new();
        for row in 0..cells.1 {
            for col in 0..cells.0 {
                let (x, y) = (
                    -2.0 + 4.0 * col as f64 / 60.0,
                    -1.5 + 3.0 * row as f64 / 50.0,
                );
                let s = y - (x * 1.5).sin();
                class.push(usize::from(s > 0.0));
                confidence.push(s.abs().tanh());
            }
        }
        let points = (0..40)
            .map(|i| {
                let x = -2.0 + 0.1 * i as f64;
                let above = i % 2 == 0;
                let y = (x * 1.5).sin() + if above { 0.4 } else { -0.4 };
                (x, y, usize::from(above))
            })
            .collect();
        Boundary {
            title: "decision boundary".into(),
            axis_names: ["x0".into(), "x1".into()],
            class_names: vec!["-1".into(), "1".into()],
            x_range: (-2.0, 2.0),
            y_range: (-1.5, 1.5),
            cells,
            class,
            confidence,
            points,
        }
    }

    /// Renders every kind of picture in both formats into `dir`, for the tests and for a look by eye
    /// (`MICROGRAD_PLOT_DIR=/tmp/x cargo test -p micrograd-cli plots`).
    fn render_all(dir: &Path) -> Vec<std::path::PathBuf> {
        let curves = LossPlot {
            title: "training".into(),
            loss: (0..100).map(|i| 1.0 / (1.0 + i as f64 * 0.1)).collect(),
            train_accuracy: (0..100).map(|i| 0.5 + 0.5 * (i as f64 / 100.0)).collect(),
            test_accuracy: (1..=5).map(|k| (k * 20, 0.5 + 0.09 * k as f64)).collect(),
            window: 5,
        };
        let xs: Vec<f64> = (0..=200).map(|i| -5.0 + i as f64 * 0.05).collect();
        let function = FunctionPlot {
            title: "tanh(x)".into(),
            variable: "x".into(),
            values: xs.iter().map(|x| x.tanh()).collect(),
            derivatives: xs.iter().map(|x| 1.0 - x.tanh().powi(2)).collect(),
            xs,
        };
        let boundary = sample_boundary();
        let mut written = Vec::new();
        for ext in ["svg", "png"] {
            for (name, picture) in [
                ("boundary", Picture::Boundary(&boundary)),
                ("curves", Picture::Curves(&curves)),
                ("function", Picture::Function(&function)),
            ] {
                let path = dir.join(format!("{name}.{ext}"));
                save(&path, picture).unwrap();
                written.push(path);
            }
        }
        written
    }

    #[test]
    fn every_picture_is_valid_svg_and_png() {
        // `$MICROGRAD_PLOT_DIR`, kept for a look; otherwise a scratch directory, removed when
        // `scratch` is dropped, at the end of the test, pass or fail.
        let (dir, scratch) = match std::env::var_os("MICROGRAD_PLOT_DIR") {
            Some(d) => (std::path::PathBuf::from(d), None),
            None => {
                let scratch = tempfile::Builder::new()
                    .prefix("micrograd-plots-")
                    .tempdir()
                    .unwrap();
                (scratch.path().to_path_buf(), Some(scratch))
            }
        };
        std::fs::create_dir_all(&dir).unwrap();
        for path in render_all(&dir) {
            let bytes = std::fs::read(&path).unwrap();
            if path.extension().unwrap() == "svg" {
                let text = String::from_utf8(bytes).unwrap();
                let doc = roxmltree::Document::parse(&text).unwrap();
                assert_eq!(doc.root_element().tag_name().name(), "svg");
            } else {
                let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
                let reader = decoder.read_info().unwrap();
                assert_eq!((reader.info().width, reader.info().height), SIZE);
            }
        }
        if let Some(scratch) = scratch {
            scratch.close().unwrap();
        }
    }
}
