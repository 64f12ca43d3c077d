//! Data sets: generators, the shipped sets, the CSV loader and its errors, split, standardization, batches.

use micrograd::data::{self, load_csv, parse_csv, CsvOptions, Dataset, LabelColumn, Standardizer};
use micrograd::rng::Rng;

#[test]
fn generators_have_the_asked_size_two_features_and_balanced_classes() {
    for name in ["moons", "circles", "blobs", "xor", "spiral"] {
        let d = data::by_name(name, 300, 0.1, 4).unwrap();
        assert_eq!((d.len(), d.n_features()), (300, 2), "{name}");
        let k = d.n_classes().unwrap();
        assert_eq!(k, if name == "blobs" { 3 } else { 2 }, "{name}");
        for c in 0..k {
            let count = d.labels().iter().filter(|&&y| y == c as f64).count();
            assert!(count >= 300 / k / 2, "{name}: class {c} has {count}");
        }
        assert!(d.features().iter().all(|x| x.is_finite()));
    }
    assert!(data::by_name("nope", 10, 0.0, 0).is_none());
}

#[test]
fn generators_are_seeded() {
    assert_eq!(data::moons(50, 0.1, 1), data::moons(50, 0.1, 1));
    assert_ne!(data::moons(50, 0.1, 1), data::moons(50, 0.1, 2));
    assert_eq!(data::spiral(60, 0.2, 3), data::spiral(60, 0.2, 3));
}

#[test]
fn noiseless_moons_lie_on_their_half_circles() {
    let d = data::moons(40, 0.0, 0);
    for (x, &y) in d.rows().zip(d.labels()) {
        let (cx, cy) = if y == 0.0 { (0.0, 0.0) } else { (1.0, 0.5) };
        let r = ((x[0] - cx).powi(2) + (x[1] - cy).powi(2)).sqrt();
        assert!((r - 1.0).abs() < 1e-12, "{x:?} {y}");
    }
}

#[test]
fn shipped_sets() {
    let d = data::digits();
    assert_eq!(
        (d.len(), d.n_features(), d.n_classes()),
        (1797, 64, Some(10))
    );
    assert_eq!(d.label_name, "label");
    assert_eq!(d.feature_names[0], "p0");
    assert!(d.features().iter().all(|&p| (0.0..=16.0).contains(&p)));
    let m = data::moons100();
    assert_eq!(m.len(), 100);
    assert_eq!(m.labels().iter().filter(|&&y| y == 1.0).count(), 50);
    assert_eq!(
        m.row(0),
        &[1.122_114_607_540_968_5, 0.081_477_173_417_186_97]
    );
}

#[test]
fn csv_header_or_not_and_label_column_by_name_index_or_last() {
    let opts = CsvOptions::default();
    let with_header = parse_csv("a,b,y\n1,2,0\n3,4,1\n", "t.csv", &opts).unwrap();
    let without = parse_csv("1,2,0\n3,4,1\n", "t.csv", &opts).unwrap();
    assert_eq!(with_header.features(), without.features());
    assert_eq!(with_header.labels(), &[0.0, 1.0]);
    assert_eq!(with_header.feature_names, vec!["a", "b"]);

    let by_name = parse_csv(
        "y,a,b\n0,1,2\n1,3,4\n",
        "t.csv",
        &CsvOptions::label_named("y"),
    )
    .unwrap();
    assert_eq!(by_name.features(), &[1.0, 2.0, 3.0, 4.0]);
    assert_eq!(by_name.labels(), &[0.0, 1.0]);

    let by_index = CsvOptions {
        label: LabelColumn::Index(0),
        header: Some(false),
    };
    let d = parse_csv("0, 1.5 ,2\r\n1,3,4e1\r\n\n", "t.csv", &by_index).unwrap();
    assert_eq!(d.features(), &[1.5, 2.0, 3.0, 40.0]);
}

fn csv_error(text: &str, options: &CsvOptions) -> String {
    parse_csv(text, "bad.csv", options).unwrap_err().to_string()
}

#[test]
fn csv_errors_name_the_file_line_and_column() {
    let opts = CsvOptions::default();
    assert_eq!(
        csv_error("", &opts),
        "bad.csv: the file is empty: no header and no rows"
    );
    assert_eq!(
        csv_error("\n  \n", &opts),
        "bad.csv: the file is empty: no header and no rows"
    );
    assert_eq!(
        csv_error("a,b,y\n", &opts),
        "bad.csv: no data rows after the header"
    );
    assert_eq!(
        csv_error("a,b,y\n1,2,0\n1,2\n", &opts),
        "bad.csv:3: 2 cells where the header has 3"
    );
    assert_eq!(
        csv_error("1,2,0\n1,2,3,4\n", &opts),
        "bad.csv:2: 4 cells where the first row has 3"
    );
    assert_eq!(
        csv_error("a,b,y\n1,2,0\n1,two,1\n", &opts),
        "bad.csv:3:2: column `b`: `two` is not a number"
    );
    assert_eq!(
        csv_error("a,b,y\n1,,0\n", &opts),
        "bad.csv:2:2: column `b`: empty cell"
    );
    assert_eq!(
        csv_error("a,b,y\n1,2,nan\n", &opts),
        "bad.csv:2:3: column `y`: `nan` is not a finite number"
    );
    assert_eq!(
        csv_error("a,b,y\n1,inf,0\n", &opts),
        "bad.csv:2:2: column `b`: `inf` is not a finite number"
    );
    assert_eq!(
        csv_error("a,b,y\n1,2,0\n", &CsvOptions::label_named("class")),
        "bad.csv:1: no column named `class` (columns: a, b, y)"
    );
    assert_eq!(
        csv_error("1,2,0\n", &CsvOptions::label_named("y")),
        "bad.csv: label column `y` asked by name, but the file has no header line"
    );
    assert_eq!(
        csv_error("y\n1\n", &opts),
        "bad.csv:1: 1 column: need at least one feature and a label"
    );
}

#[test]
fn load_csv_reads_files_and_reports_missing_ones() {
    // Removed when `dir` is dropped, at the end of the test, pass or fail.
    let dir = tempfile::Builder::new()
        .prefix("micrograd-data-test-")
        .tempdir()
        .unwrap();
    let path = dir.path().join("points.csv");
    std::fs::write(&path, "x0,x1,y\n0.5,1,1\n-2,3,0\n").unwrap();
    let d = load_csv(&path, &CsvOptions::default()).unwrap();
    assert_eq!((d.name.as_str(), d.len()), ("points", 2));
    std::fs::write(&path, "x0,x1,y\n0.5,1,1\n-2,3\n").unwrap();
    let err = load_csv(&path, &CsvOptions::default()).unwrap_err();
    assert_eq!((err.line, err.column), (Some(3), None));
    assert!(
        err.to_string()
            .starts_with(&format!("{}:3: ", path.display())),
        "{err}"
    );
    let missing = load_csv(dir.path().join("missing.csv"), &CsvOptions::default()).unwrap_err();
    assert!(
        missing.to_string().contains("cannot read the file"),
        "{missing}"
    );
    dir.close().unwrap();
}

#[test]
fn split_is_seeded_disjoint_and_complete() {
    let d = Dataset::from_flat("ids", 1, (0..100).map(f64::from).collect(), vec![0.0; 100]);
    let (train, test) = d.split(0.25, 7);
    assert_eq!((train.len(), test.len()), (75, 25));
    let mut all: Vec<f64> = train
        .features()
        .iter()
        .chain(test.features())
        .copied()
        .collect();
    all.sort_by(f64::total_cmp);
    assert_eq!(all, (0..100).map(f64::from).collect::<Vec<_>>());
    assert_eq!(d.split(0.25, 7), (train.clone(), test));
    assert_ne!(d.split(0.25, 8).0, train);
}

#[test]
fn standardizer_gives_mean_zero_and_unit_deviation() {
    let d = data::blobs(200, 0.5, 1);
    let (mut train, mut test) = d.split(0.2, 0);
    let s = Standardizer::fit(&train);
    s.apply(&mut train);
    s.apply(&mut test);
    let again = Standardizer::fit(&train);
    for (m, sd) in again.mean.iter().zip(&again.std) {
        assert!(m.abs() < 1e-12 && (sd - 1.0).abs() < 1e-12, "{m} {sd}");
    }
    // A constant column becomes 0, not NaN.
    let mut c = Dataset::from_flat("c", 1, vec![3.0; 4], vec![0.0; 4]);
    Standardizer::fit(&c).apply(&mut c);
    assert_eq!(c.features(), &[0.0; 4]);
}

#[test]
fn a_pooled_standardizer_centers_each_feature_and_shares_one_deviation() {
    // Two features in one unit, one ten times livelier: pooled, the quiet one stays quiet.
    let features = vec![0.0, 0.0, 1.0, 10.0, 2.0, 20.0, 3.0, 30.0];
    let mut d = Dataset::from_flat("pixels", 2, features, vec![0.0; 4]);
    let s = Standardizer::fit_pooled(&d);
    assert_eq!(s.mean, vec![1.5, 15.0]);
    let (quiet, lively) = (1.25f64, 125.0f64); // the features' variances
    let pooled = ((quiet + lively) / 2.0).sqrt();
    assert_eq!(s.std, vec![pooled, pooled]);
    s.apply(&mut d);
    let spread = |j: usize| d.rows().map(|r| r[j] * r[j]).sum::<f64>() / 4.0;
    assert!((spread(0) + spread(1) - 2.0).abs() < 1e-12);
    assert!((spread(1) / spread(0) - 100.0).abs() < 1e-9);
    // Every feature constant: a divisor of 1, not NaN.
    let mut c = Dataset::from_flat("c", 2, vec![3.0; 4], vec![0.0; 2]);
    Standardizer::fit_pooled(&c).apply(&mut c);
    assert_eq!(c.features(), &[0.0; 4]);
}

#[test]
fn batches_cover_every_sample_once_per_epoch() {
    let d = data::xor(70, 0.0, 0);
    let mut rng = Rng::new(5);
    let batches = d.batches(32, &mut rng);
    assert_eq!(
        batches.iter().map(Vec::len).collect::<Vec<_>>(),
        vec![32, 32, 6]
    );
    let mut seen: Vec<usize> = batches.concat();
    seen.sort_unstable();
    assert_eq!(seen, (0..70).collect::<Vec<_>>());
    assert_ne!(
        d.batches(32, &mut rng),
        batches,
        "a new epoch is shuffled anew"
    );
    assert_eq!(d.batches(0, &mut rng).len(), 1);
}

#[test]
fn csv_cells_may_be_quoted() {
    let d = parse_csv(
        "\"a\",\"b\",\"y\"\n\"1\",2,\" 0 \"\n",
        "q.csv",
        &CsvOptions::label_named("y"),
    )
    .unwrap();
    assert_eq!(d.feature_names, vec!["a", "b"]);
    assert_eq!((d.features(), d.labels()), (&[1.0, 2.0][..], &[0.0][..]));
}

mod fuzz {
    use micrograd::data::{parse_csv, CsvOptions, LabelColumn};
    use proptest::prelude::*;

    proptest! {
        /// Any text gives a data set or an error, never a panic; a data set is rectangular and finite.
        #[test]
        fn parse_csv_never_panics(text in "[-0-9a-z.,\"\\n\\r eE+]{0,80}", header in proptest::option::of(any::<bool>()), index in 0usize..4) {
            for label in [LabelColumn::Last, LabelColumn::Index(index), LabelColumn::Name("y".into())] {
                let options = CsvOptions { label, header };
                if let Ok(d) = parse_csv(&text, "fuzz.csv", &options) {
                    prop_assert_eq!(d.features().len(), d.len() * d.n_features());
                    prop_assert!(d.features().iter().chain(d.labels()).all(|x| x.is_finite()));
                }
            }
        }
    }
}
