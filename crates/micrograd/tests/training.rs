//! Training end to end: the moons demo, the digits, the Trainer against a hand-written loop, and a
//! diverging run stopping cleanly.

use micrograd::data::{self, digits, moons100};
use micrograd::loss::{l2, Loss};
use micrograd::nn::{Architecture, Init, Module, MLP};
use micrograd::optim::{Adam, Schedule, Sgd};
use micrograd::train::{accuracy, TrainError, Trainer};
use micrograd::{Graph, Value};

/// The demo: MLP 2-16-16-1, hinge + 1e-4 L2, SGD 1.0 -> 0.1 over 100 full-batch steps.
fn moons_demo(seed: u64) -> (f64, f64, Vec<f64>) {
    let data = moons100();
    let g = Graph::new();
    let model = MLP::new(&g, 2, &[16, 16, 1], seed);
    let mut trainer = Trainer::new(&model, Sgd::new(1.0), Loss::Hinge)
        .l2(1e-4)
        .schedule(Schedule::linear(1.0, 0.1, 100));
    let last = trainer.run_steps(&data, 100, |_| {}).unwrap();
    (
        last.loss,
        accuracy(&model, Loss::Hinge, &data),
        model.parameter_data(),
    )
}

#[test]
fn the_moons_demo_reaches_100_percent_training_accuracy() {
    for seed in [1337, 0, 1] {
        let (loss, acc, _) = moons_demo(seed);
        assert_eq!(acc, 1.0, "seed {seed}: accuracy {acc}, loss {loss}");
        assert!(loss < 0.05, "seed {seed}: loss {loss}");
    }
}

#[test]
fn training_is_deterministic_for_a_seed() {
    assert_eq!(moons_demo(5).2, moons_demo(5).2);
    assert_ne!(moons_demo(5).2, moons_demo(6).2);
}

#[test]
fn the_trainer_is_exactly_the_hand_written_demo_loop() {
    let data = moons100();
    let g = Graph::new();
    let model = MLP::new(&g, 2, &[16, 16, 1], 1337);
    let params = model.parameters();
    let start = g.checkpoint();
    for k in 0..10 {
        let scores: Vec<Value> = data.rows().map(|x| model.forward_data(x)[0]).collect();
        let losses: Vec<Value> = scores
            .iter()
            .zip(data.labels())
            .map(|(&s, &y)| (1.0 - y * s).relu())
            .collect();
        let total = g.sum(losses.iter().copied()).unwrap() / losses.len() as f64
            + 1e-4 * l2(&params).unwrap();
        model.zero_grad();
        total.backward();
        let lr = 1.0 - 0.9 * k as f64 / 100.0;
        for p in &params {
            p.set_data(p.data() - lr * p.grad());
        }
        g.rewind(start);
    }
    let by_hand = model.parameter_data();

    let g2 = Graph::new();
    let model2 = MLP::new(&g2, 2, &[16, 16, 1], 1337);
    let mut trainer = Trainer::new(&model2, Sgd::new(1.0), Loss::Hinge)
        .l2(1e-4)
        .schedule(Schedule::linear(1.0, 0.1, 100));
    let mut lrs = Vec::new();
    trainer
        .run_steps(&data, 10, |r| lrs.push(r.learning_rate))
        .unwrap();
    assert_eq!(model2.parameter_data(), by_hand);
    assert_eq!(lrs[3], 1.0 - 0.9 * 3.0 / 100.0);
    // The graph holds only the parameters between steps: memory stays flat.
    assert_eq!(g2.len(), model2.num_parameters());
}

#[test]
fn digits_reach_97_percent_test_accuracy() {
    // MLP 64-32-10, softmax cross-entropy, Adam 1e-2, batches of 32, 20 epochs, pixels / 16, seeded 80/20 split.
    let mut d = digits();
    d.scale_features(1.0 / 16.0);
    let (train, test) = d.split(0.2, 0);
    assert_eq!((train.len(), test.len()), (1437, 360));
    let g = Graph::new();
    let model = MLP::with_init(&g, &Architecture::new(64, &[32, 10]), Init::PyTorch, 0);
    let mut trainer = Trainer::new(&model, Adam::new(1e-2), Loss::CrossEntropy)
        .batch_size(32)
        .seed(0);
    let mut steps = 0;
    trainer.run_epochs(&train, 20, |_| steps += 1).unwrap();
    assert_eq!(steps, 20 * 1437usize.div_ceil(32));
    let test_accuracy = accuracy(&model, Loss::CrossEntropy, &test);
    assert!(test_accuracy >= 0.97, "test accuracy {test_accuracy}");
}

#[test]
fn other_losses_and_data_sets_train() {
    let g = Graph::new();
    let cases: [(&str, Loss, usize); 3] = [
        ("circles", Loss::BceWithLogits, 1),
        ("xor", Loss::Mse, 1),
        ("blobs", Loss::CrossEntropy, 3),
    ];
    for (name, loss, outputs) in cases {
        let d = data::by_name(name, 200, 0.05, 1).unwrap();
        let model = MLP::with_init(
            &g,
            &Architecture::new(2, &[16, 16, outputs]),
            Init::PyTorch,
            3,
        );
        let mut t = Trainer::new(&model, Adam::new(0.02), loss)
            .batch_size(20)
            .seed(1);
        t.run_epochs(&d, 30, |_| {}).unwrap();
        let acc = accuracy(&model, loss, &d);
        assert!(acc > 0.9, "{name} with {loss}: accuracy {acc}");
    }
}

#[test]
fn a_diverging_run_stops_naming_the_step_and_keeps_the_last_good_parameters() {
    let data = data::moons(50, 0.1, 0);
    let g = Graph::new();
    let model = MLP::new(&g, 2, &[16, 16, 1], 0);
    let mut history = vec![model.parameter_data()];
    let mut trainer = Trainer::new(&model, Sgd::new(1e6), Loss::Mse);
    let err = trainer
        .run_steps(&data, 1000, |_| history.push(model.parameter_data()))
        .unwrap_err();
    let TrainError::NonFinite {
        step,
        loss,
        restored_step,
    } = err.clone()
    else {
        panic!("expected a non-finite loss, got {err}");
    };
    assert!(step > 0 && step < 1000);
    let restored = restored_step.expect("some step went well first");
    assert!(restored <= step);
    assert_eq!(model.parameter_data(), history[restored]);
    assert!(model.parameter_data().iter().all(|p| p.is_finite()));
    let message = err.to_string();
    assert!(message.contains(&format!("step {step}")), "{message}");
    assert!(
        message.contains(&format!("keeps the parameters it had at step {restored}")),
        "{message}"
    );
    assert!(
        !loss.is_finite() || message.contains("a parameter became NaN"),
        "{message}"
    );
    // The graph was rewound even on the error path.
    assert_eq!(g.len(), model.num_parameters());
}

#[test]
fn data_that_does_not_fit_the_model_is_an_error() {
    let g = Graph::new();
    let model = MLP::new(&g, 3, &[4, 1], 0);
    let mut t = Trainer::new(&model, Sgd::new(0.1), Loss::Hinge);
    let err = t
        .run_steps(&data::moons(10, 0.0, 0), 1, |_| {})
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "the data set `moons` has 2 features per sample but the model takes 3 inputs"
    );
    let model = MLP::new(&g, 2, &[4, 2], 0);
    let mut t = Trainer::new(&model, Sgd::new(0.1), Loss::CrossEntropy);
    let err = t
        .run_steps(&data::blobs(10, 0.1, 0), 1, |_| {})
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("cross-entropy on 2 outputs needs a class 0..1"),
        "{err}"
    );
    let mut t = Trainer::new(&model, Sgd::new(0.1), Loss::Hinge);
    let err = t
        .run_steps(&data::moons(10, 0.0, 0), 1, |_| {})
        .unwrap_err();
    assert!(
        err.to_string().contains("needs a model with one output"),
        "{err}"
    );
}

#[test]
fn a_single_step_checks_its_batch() {
    let g = Graph::new();
    let model = MLP::new(&g, 2, &[4, 3], 0);
    let data = data::blobs(10, 0.1, 0);
    let mut t = Trainer::new(&model, Sgd::new(0.1), Loss::CrossEntropy);
    assert!(t.train_step(&data, &[0, 1, 2]).is_ok());
    let err = t.train_step(&data, &[0, 99]).unwrap_err();
    assert_eq!(err.to_string(), "sample 99 asked of a data set of 10");
    let err = t.train_step(&data, &[]).unwrap_err();
    assert_eq!(err.to_string(), "a training step needs at least one sample");
    let wide = data::digits();
    assert!(t
        .train_step(&wide, &[0])
        .unwrap_err()
        .to_string()
        .contains("64 features"));
    assert_eq!(g.len(), model.num_parameters());
}
