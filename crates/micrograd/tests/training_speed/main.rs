//! The trainer's fast paths give the numbers of the plain loop: parameters updated as slices with a
//! vectorized Adam are bit for bit those of `Optimizer::step` on handles, and a batch split over
//! threads gives the same bits run after run and the one-thread gradients to rounding.

use micrograd::data::{blobs_with, moons, Dataset};
use micrograd::loss::{self, Loss};
use micrograd::nn::{Module, MLP};
use micrograd::optim::{Adam, Optimizer, Sgd};
use micrograd::train::{accuracy, Trainer};
use micrograd::Graph;
use proptest::prelude::*;

mod split;
mod updates;

/// The optimizers the trainer is checked with, by number.
fn optimizer(kind: usize, lr: f64) -> Box<dyn Optimizer> {
    match kind {
        0 => Box::new(Adam::new(lr)),
        1 => Box::new(Adam::new(lr).weight_decay(0.05)),
        2 => Box::new(Adam::adamw(lr)),
        _ => Box::new(Sgd::new(lr).momentum(0.9)),
    }
}

fn bits(values: &[f64]) -> Vec<u64> {
    values.iter().map(|v| v.to_bits()).collect()
}

/// The loop a learner writes: forward, loss, L2, backward on handles, `Optimizer::step`; returns
/// the loss.
fn plain_step(
    model: &MLP<'_>,
    opt: &mut dyn Optimizer,
    data: &Dataset,
    batch: &[usize],
    l2: f64,
) -> f64 {
    let g = model.graph();
    let params = model.parameters();
    let start = g.checkpoint();
    let outputs: Vec<_> = batch
        .iter()
        .map(|&i| model.forward_data(data.row(i)))
        .collect();
    let labels: Vec<f64> = batch.iter().map(|&i| data.label(i)).collect();
    let mut total = Loss::CrossEntropy.compute(&outputs, &labels);
    if l2 != 0.0 {
        total += l2 * loss::l2(&params).unwrap();
    }
    let loss = total.data();
    g.zero_grad();
    total.backward_plain();
    g.rewind(start);
    opt.step(&params);
    loss
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn trainer_steps_are_the_plain_loops_bits(
        kind in 0..4usize,
        width in 1..12usize,
        batch in 1..9usize,
        l2 in prop_oneof![Just(0.0), Just(1e-3)],
        seed in 0..1000u64,
    ) {
        let data = blobs_with(24, 3, 0.3, seed);
        let (g1, g2) = (Graph::new(), Graph::new());
        let fast = MLP::new(&g1, 2, &[width, 3], seed);
        let plain = MLP::new(&g2, 2, &[width, 3], seed);
        let mut trainer = Trainer::new(&fast, optimizer(kind, 0.05), Loss::CrossEntropy).l2(l2);
        let mut opt = optimizer(kind, 0.05);
        for step in 0..4 {
            let indices: Vec<usize> = (0..batch).map(|k| (step * 7 + k * 5) % data.len()).collect();
            // From the second step on, the penalty's sum of squares is the one the last update
            // added up: the loss must still be the plain loop's, bit for bit.
            let report = trainer.train_step(&data, &indices).unwrap();
            let plain_loss = plain_step(&plain, &mut opt, &data, &indices, l2);
            prop_assert_eq!(report.loss.to_bits(), plain_loss.to_bits());
            prop_assert_eq!(bits(&fast.parameter_data()), bits(&plain.parameter_data()));
            let grads = |m: &MLP<'_>| m.parameters().iter().map(|p| p.grad()).collect::<Vec<_>>();
            prop_assert_eq!(bits(&grads(&fast)), bits(&grads(&plain)));
        }
    }

    #[test]
    fn adam_over_a_slice_is_the_one_at_a_time_rule(
        kind in 0..3usize,
        values in prop::collection::vec((-3.0..3.0f64, -2.0..2.0f64), 1..40),
    ) {
        let (mut params, grads): (Vec<f64>, Vec<f64>) = values.into_iter().unzip();
        let mut expected = params.clone();
        let mut opt = optimizer(kind, 0.01);
        let (wd, decoupled) = [(0.0, false), (0.05, false), (0.01, true)][kind];
        let (mut m, mut v) = (vec![0.0; params.len()], vec![0.0; params.len()]);
        for step in 1..4 {
            opt.update(&mut params, &grads);
            reference_adam(&mut expected, &grads, &mut m, &mut v, step, wd, decoupled);
            prop_assert_eq!(bits(&params), bits(&expected));
        }
    }
}

/// Adam written one parameter at a time, as PyTorch's single-tensor loop reads.
fn reference_adam(
    params: &mut [f64],
    grads: &[f64],
    m: &mut [f64],
    v: &mut [f64],
    step: i32,
    weight_decay: f64,
    decoupled: bool,
) {
    let (lr, beta1, beta2, eps) = (0.01, 0.9f64, 0.999f64, 1e-8);
    let step_size = lr / (1.0 - beta1.powi(step));
    let bias_correction2_sqrt = (1.0 - beta2.powi(step)).sqrt();
    for i in 0..params.len() {
        let mut g = grads[i];
        if weight_decay != 0.0 {
            if decoupled {
                params[i] *= 1.0 - lr * weight_decay;
            } else {
                g += weight_decay * params[i];
            }
        }
        m[i] += (1.0 - beta1) * (g - m[i]);
        v[i] = beta2 * v[i] + (1.0 - beta2) * (g * g);
        let denom = v[i].sqrt() / bias_correction2_sqrt + eps;
        params[i] += -step_size * (m[i] / denom);
    }
}

/// Trains a 2-16-16-3 classifier on blobs for `epochs` with `threads`; the parameters and accuracy.
fn train_blobs(threads: usize, epochs: usize) -> (Vec<f64>, f64) {
    let data = blobs_with(300, 3, 0.6, 4);
    let g = Graph::new();
    let model = MLP::new(&g, 2, &[16, 16, 3], 1);
    let mut trainer = Trainer::new(&model, Adam::new(0.01), Loss::CrossEntropy)
        .l2(1e-4)
        .batch_size(32)
        .seed(3)
        .threads(threads);
    trainer.run_epochs(&data, epochs, |_| {}).unwrap();
    (
        model.parameter_data(),
        accuracy(&model, Loss::CrossEntropy, &data),
    )
}

#[test]
fn the_same_threads_and_seed_give_the_same_bits() {
    for threads in [2, 3] {
        let (a, _) = train_blobs(threads, 3);
        let (b, _) = train_blobs(threads, 3);
        assert_eq!(bits(&a), bits(&b), "{threads} threads");
    }
}

#[test]
fn one_step_on_threads_has_the_one_thread_gradients_to_rounding() {
    let data = moons(64, 0.1, 2);
    let batch: Vec<usize> = (0..40).collect();
    let grads = |threads: usize, loss: Loss| {
        let g = Graph::new();
        let model = MLP::new(&g, 2, &[24, 24, 1], 5);
        let mut trainer = Trainer::new(&model, Sgd::new(0.1), loss)
            .l2(1e-3)
            .threads(threads);
        let report = trainer.train_step(&data, &batch).unwrap();
        let grads: Vec<f64> = model.parameters().iter().map(|p| p.grad()).collect();
        (grads, report.loss, report.accuracy)
    };
    for loss in [Loss::Hinge, Loss::BceWithLogits, Loss::Mse] {
        let (one, loss_one, acc_one) = grads(1, loss);
        for threads in [2, 3, 7] {
            let (many, loss_many, acc_many) = grads(threads, loss);
            let scale = one.iter().fold(0.0f64, |m, g| m.max(g.abs()));
            assert!(scale > 0.0);
            for (a, b) in one.iter().zip(&many) {
                assert!(
                    (a - b).abs() <= 1e-12 * scale,
                    "{loss}: {a} vs {b} on {threads} threads"
                );
            }
            assert!((loss_one - loss_many).abs() <= 1e-12 * loss_one.abs());
            assert_eq!(acc_one, acc_many);
        }
    }
}

#[test]
fn training_on_two_threads_reaches_the_one_thread_accuracy() {
    let (_, one) = train_blobs(1, 20);
    let (_, two) = train_blobs(2, 20);
    assert!(one > 0.8, "accuracy {one}");
    assert!(
        (one - two).abs() <= 0.005,
        "one thread {one}, two threads {two}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// The batch-major forward pushes the nodes and numbers of one row at a time, and backward
    /// through them gives the same gradients, plain or speed path, for odd widths and batch sizes,
    /// non-finite inputs and finite inputs whose sums overflow.
    #[test]
    fn forward_batch_is_forward_data_row_by_row(
        widths in prop::collection::vec(1..12usize, 1..4),
        activation in 0..4usize,
        rows in prop::collection::vec(prop::collection::vec(prop_oneof![
            10 => -3.0..3.0f64, 1 => Just(0.0), 1 => Just(f64::NAN), 1 => Just(f64::INFINITY),
            1 => Just(1e308)
        ], 3), 1..20),
        seed in 0..1000u64,
    ) {
        let act = [
            micrograd::nn::Activation::Relu,
            micrograd::nn::Activation::Tanh,
            micrograd::nn::Activation::Sigmoid,
            micrograd::nn::Activation::Linear,
        ][activation];
        let layers: Vec<_> = widths.iter().map(|&w| (w, act)).collect();
        let run = |batch: bool, plain: bool| {
            let g = Graph::new();
            let model = MLP::with_activations(&g, 3, &layers, seed);
            let outputs: Vec<Vec<_>> = if batch {
                model.forward_batch(rows.iter().map(|r| &r[..]))
            } else {
                rows.iter().map(|r| model.forward_data(r)).collect()
            };
            let all: Vec<_> = outputs.iter().flatten().copied().collect();
            let total = g.sum(all.iter().copied()).unwrap();
            if plain {
                total.backward_plain();
            } else {
                total.backward();
            }
            // Every NaN as one: the compiler may swap a product's operands, so only "NaN" is a
            // result, not which NaN.
            let bits = |x: f64| if x.is_nan() { f64::NAN } else { x }.to_bits();
            let data: Vec<u64> = (0..g.len()).map(|i| bits(g.value_at(i).unwrap().data())).collect();
            let grads: Vec<u64> = (0..g.len()).map(|i| bits(g.value_at(i).unwrap().grad())).collect();
            let ops: Vec<_> = (0..g.len()).map(|i| g.value_at(i).unwrap().op()).collect();
            (data, grads, ops)
        };
        let rowwise = run(false, true);
        for batch in [run(true, true), run(true, false)] {
            prop_assert_eq!(&batch.0, &rowwise.0);
            prop_assert_eq!(&batch.1, &rowwise.1);
            prop_assert_eq!(&batch.2, &rowwise.2);
        }
    }
}

/// Finite inputs whose sums overflow: the first layer's outputs are infinite and the second
/// layer's neuron is dead, so the plain sweep sends it `0 · ∞ = NaN` into its weights. The speed
/// path must know of the infinite data the batch forward made, or it would skip the dead neuron
/// and leave those gradients 0.
#[test]
fn a_batch_whose_sums_overflow_gives_the_plain_gradients() {
    use micrograd::nn::Activation::Relu;
    let grads = |plain: bool| {
        let g = Graph::new();
        let model = MLP::with_activations(&g, 2, &[(2, Relu), (1, Relu)], 0);
        let mut values = vec![1.0; 6];
        values.extend([-1.0; 3]);
        model.set_parameter_data(&values).unwrap();
        let out = model.forward_batch([&[1e308, 1e308][..]])[0][0];
        if plain {
            out.backward_plain();
        } else {
            out.backward();
        }
        model
            .parameters()
            .iter()
            .map(|p| p.grad().is_nan())
            .collect::<Vec<_>>()
    };
    let plain = grads(true);
    assert!(plain.contains(&true), "the example must reach a NaN");
    assert_eq!(grads(false), plain);
}

#[test]
fn smoothed_cross_entropy_on_threads_has_the_one_thread_gradients_to_rounding() {
    let data = blobs_with(90, 3, 0.6, 8);
    let batch: Vec<usize> = (0..48).collect();
    let grads = |threads: usize, smoothing: f64| {
        let g = Graph::new();
        let model = MLP::new(&g, 2, &[16, 3], 5);
        let mut trainer = Trainer::new(&model, Sgd::new(0.1), Loss::CrossEntropy)
            .label_smoothing(smoothing)
            .threads(threads);
        let report = trainer.train_step(&data, &batch).unwrap();
        let grads: Vec<f64> = model.parameters().iter().map(|p| p.grad()).collect();
        (grads, report.loss)
    };
    let (plain, plain_loss) = grads(1, 0.0);
    let (one, loss_one) = grads(1, 0.1);
    // Smoothing changes the objective: a loss that does not move would mean it was dropped.
    assert!(loss_one > plain_loss && plain != one);
    for threads in [2, 3] {
        let (many, loss_many) = grads(threads, 0.1);
        let scale = one.iter().fold(0.0f64, |m, g| m.max(g.abs()));
        for (a, b) in one.iter().zip(&many) {
            assert!(
                (a - b).abs() <= 1e-12 * scale,
                "{a} vs {b} on {threads} threads"
            );
        }
        assert!((loss_one - loss_many).abs() <= 1e-12 * loss_one);
    }
}

#[test]
fn label_smoothing_is_refused_outside_cross_entropy_and_outside_0_to_1() {
    let data = moons(16, 0.1, 2);
    let g = Graph::new();
    let model = MLP::new(&g, 2, &[4, 1], 5);
    let mut hinge = Trainer::new(&model, Sgd::new(0.1), Loss::Hinge).label_smoothing(0.1);
    let err = hinge.train_step(&data, &[0, 1]).unwrap_err().to_string();
    assert!(err.contains("cross-entropy"), "{err}");
    let blobs = blobs_with(16, 3, 0.6, 1);
    let model = MLP::new(&g, 2, &[4, 3], 5);
    let too_much = Trainer::new(&model, Sgd::new(0.1), Loss::CrossEntropy).label_smoothing(1.5);
    let err = too_much.check(&blobs).unwrap_err().to_string();
    assert!(err.contains("at most 1"), "{err}");
}
