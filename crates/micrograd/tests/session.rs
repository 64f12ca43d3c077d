//! The training session: its defaults are Karpathy's demo, its names parse, and bad choices are
//! refused with a message rather than a panic.

use micrograd::nn::Init;
use micrograd::session::{
    Choices, DataOptions, DataSource, Length, Session, SessionConfig, DEFAULT_SEED,
};
use micrograd::Graph;

#[test]
fn the_default_session_is_the_demo() {
    let session = Session::new(&SessionConfig::default()).unwrap();
    assert_eq!(session.seed(), DEFAULT_SEED);
    assert_eq!(session.recipe().init, Init::Micrograd);
    assert_eq!(session.recipe().length, Length::Steps(100));
    assert_eq!(
        session.data().labels(),
        micrograd::data::moons100().labels()
    );
    let graph = Graph::new();
    let model = session.build_model(&graph);
    let reports = session.train(&model, |_| {}).unwrap();
    assert_eq!(reports.len(), 100);
    // The demo's final loss, as `micrograd train` prints it (0.0129) to the last bit.
    assert_eq!(reports[99].loss, 0.012859497871802518);
    assert_eq!(reports[99].accuracy, 1.0);
}

#[test]
fn digits_start_from_pytorchs_initialization_near_chance_loss() {
    let config = SessionConfig {
        source: "digits".parse().unwrap(),
        seed: Some(0),
        ..SessionConfig::default()
    };
    let session = Session::new(&config).unwrap();
    assert_eq!(session.recipe().init, Init::PyTorch);
    assert_eq!(session.architecture().sizes(), vec![64, 32, 10]);
    assert_eq!(
        (session.train_set().len(), session.test_set().len()),
        (1437, 360)
    );
    let graph = Graph::new();
    let model = session.build_model(&graph);
    let mut trainer = session.trainer(&model);
    let first = session.step(&mut trainer).unwrap();
    // ln 10 ≈ 2.3 for a model that has not learned yet; micrograd's init starts above 10.
    assert!((1.5..3.5).contains(&first.loss), "{}", first.loss);
}

#[test]
fn bad_choices_name_what_is_wrong() {
    let bad = |config: SessionConfig| Session::new(&config).unwrap_err().to_string();
    let err = bad(SessionConfig {
        data: DataOptions {
            samples: Some(1),
            ..DataOptions::default()
        },
        ..SessionConfig::default()
    });
    assert!(err.contains("--samples must be"), "{err}");
    let err = bad(SessionConfig {
        source: DataSource::Digits,
        data: DataOptions {
            noise: Some(0.2),
            ..DataOptions::default()
        },
        ..SessionConfig::default()
    });
    assert!(err.contains("apply to generated"), "{err}");
    let err = bad(SessionConfig {
        choices: Choices {
            hidden: Some(vec![50_000, 50_000]),
            ..Choices::default()
        },
        ..SessionConfig::default()
    });
    assert!(err.contains("more than this engine trains"), "{err}");
    assert!("mnist".parse::<DataSource>().is_err());
    assert!("xavier".parse::<Init>().is_err());
}
