//! A network with one hidden layer trains on threads with its hidden neurons split between them:
//! the one-thread numbers to rounding, step after step, for every loss, with more threads than
//! hidden neurons too; and the same bits run after run.

use super::*;

/// The data a loss is trained on here, and the network's width of outputs for it.
fn data_for(loss: Loss) -> (Dataset, usize) {
    match loss {
        Loss::CrossEntropy => (blobs_with(120, 3, 0.6, 6), 3),
        _ => (moons(120, 0.1, 6), 1),
    }
}

/// `steps` steps of a 2-`hidden`-outputs network on `threads`, Adam with L2, batches of 32: each
/// step's loss, then the parameters and their gradients after the last.
fn train(
    threads: usize,
    hidden: usize,
    loss: Loss,
    steps: usize,
) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let (data, outputs) = data_for(loss);
    let g = Graph::new();
    let model = MLP::new(&g, 2, &[hidden, outputs], 4);
    let mut trainer = Trainer::new(&model, Adam::new(0.01), loss)
        .l2(1e-3)
        .batch_size(32)
        .seed(9)
        .threads(threads);
    let mut losses = Vec::new();
    trainer
        .run_steps(&data, steps, |report| losses.push(report.loss))
        .unwrap();
    let grads = model.parameters().iter().map(|p| p.grad()).collect();
    (losses, model.parameter_data(), grads)
}

fn assert_close(one: &[f64], many: &[f64], what: &str) {
    let scale = one.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    assert!(scale > 0.0, "{what}: all zero");
    for (a, b) in one.iter().zip(many) {
        assert!((a - b).abs() <= 1e-12 * scale, "{what}: {a} vs {b}");
    }
}

#[test]
fn a_hidden_layer_split_over_threads_keeps_the_one_thread_numbers_to_rounding() {
    for loss in [
        Loss::CrossEntropy,
        Loss::Hinge,
        Loss::BceWithLogits,
        Loss::Mse,
    ] {
        let (losses, params, grads) = train(1, 20, loss, 6);
        // 7 threads for 20 hidden neurons leave some with two; 3 neurons on 5 threads, some none.
        for threads in [2, 3, 7] {
            let (l, p, g) = train(threads, 20, loss, 6);
            assert_close(&losses, &l, &format!("{loss} losses on {threads} threads"));
            assert_close(
                &params,
                &p,
                &format!("{loss} parameters on {threads} threads"),
            );
            assert_close(
                &grads,
                &g,
                &format!("{loss} gradients on {threads} threads"),
            );
        }
        let (losses, params, _) = train(1, 3, loss, 4);
        let (l, p, _) = train(5, 3, loss, 4);
        assert_close(
            &losses,
            &l,
            &format!("{loss} losses, 3 neurons on 5 threads"),
        );
        assert_close(
            &params,
            &p,
            &format!("{loss} parameters, 3 neurons on 5 threads"),
        );
    }
}

#[test]
fn a_hidden_layer_split_over_threads_gives_the_same_bits_every_run() {
    for threads in [2, 3] {
        let (la, pa, ga) = train(threads, 24, Loss::CrossEntropy, 8);
        let (lb, pb, gb) = train(threads, 24, Loss::CrossEntropy, 8);
        assert_eq!(bits(&la), bits(&lb));
        assert_eq!(bits(&pa), bits(&pb));
        assert_eq!(bits(&ga), bits(&gb));
    }
}

#[test]
fn a_step_that_cannot_split_its_neurons_splits_its_batch_with_the_same_numbers() {
    // Fewer samples than threads, then a sample that is not finite: neither splits the neurons.
    let (data, _) = data_for(Loss::CrossEntropy);
    let step = |threads: usize, batch: &[usize], data: &Dataset| {
        let g = Graph::new();
        let model = MLP::new(&g, 2, &[12, 3], 4);
        let mut trainer = Trainer::new(&model, Sgd::new(0.1), Loss::CrossEntropy)
            .l2(1e-3)
            .threads(threads);
        let report = trainer.train_step(data, batch);
        (report.map(|r| r.loss), model.parameter_data())
    };
    let (one, p1) = step(1, &[0, 1, 2], &data);
    let (four, p4) = step(4, &[0, 1, 2], &data);
    assert!((one.unwrap() - four.unwrap()).abs() <= 1e-12);
    assert_close(&p1, &p4, "three samples on four threads");

    let mut rows: Vec<f64> = (0..data.len()).flat_map(|i| data.row(i).to_vec()).collect();
    rows[0] = f64::NAN;
    let broken = Dataset::from_flat("broken", 2, rows, data.labels().to_vec());
    let (loss, params) = step(2, &(0..32).collect::<Vec<_>>(), &broken);
    assert!(
        matches!(loss, Err(micrograd::train::TrainError::NonFinite { .. })),
        "a NaN input gives a loss that is not finite: {loss:?}"
    );
    assert_eq!(
        bits(&params),
        bits(&p1_start()),
        "and the parameters are left as they were"
    );
}

/// The parameters `a_step_that_cannot_split…` starts from.
fn p1_start() -> Vec<f64> {
    let g = Graph::new();
    MLP::new(&g, 2, &[12, 3], 4).parameter_data()
}
