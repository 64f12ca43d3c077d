//! The update split over threads: each range's update gives the whole update's bits, an optimizer
//! that cannot split is run on the calling thread, a parameter an update breaks is caught and the
//! step undone whichever thread's range it lies in, and a parameter set between steps reaches the
//! workers' copies.

use micrograd::data::blobs_with;
use micrograd::loss::Loss;
use micrograd::nn::{Module, MLP};
use micrograd::optim::{Adam, Optimizer, Sgd};
use micrograd::train::Trainer;
use micrograd::Graph;
use proptest::prelude::*;

use crate::{bits, optimizer};

/// The optimizers an update split is checked with, by number: Adam, Adam with L2, AdamW, SGD
/// plain, with momentum, with Nesterov momentum and weight decay.
fn splittable(kind: usize) -> Box<dyn Optimizer> {
    match kind {
        0..=3 => optimizer(kind, 0.05),
        4 => Box::new(Sgd::new(0.05)),
        _ => Box::new(
            Sgd::new(0.05)
                .momentum(0.9)
                .nesterov(true)
                .weight_decay(0.01),
        ),
    }
}

proptest! {
    #[test]
    fn an_update_split_in_ranges_is_the_whole_updates_bits(
        kind in 0..6usize,
        values in prop::collection::vec((-3.0..3.0f64, -2.0..2.0f64), 1..40),
        cuts in prop::collection::vec(0.0..=1.0f64, 0..4),
    ) {
        let n = values.len();
        let mut bounds: Vec<usize> = cuts.iter().map(|c| (c * n as f64) as usize).collect();
        bounds.sort_unstable();
        let (mut whole, grads): (Vec<f64>, Vec<f64>) = values.into_iter().unzip();
        let mut split = whole.clone();
        let (mut one, mut ranges) = (splittable(kind), splittable(kind));
        for _ in 0..3 {
            one.update(&mut whole, &grads);
            let updates = ranges.split_update(n, &bounds).expect("both rules split");
            prop_assert_eq!(updates.len(), bounds.len() + 1);
            let starts = std::iter::once(0).chain(bounds.iter().copied());
            let ends = bounds.iter().copied().chain(std::iter::once(n));
            // Last range first: the ranges do not depend on one another.
            let mut work: Vec<_> = starts.zip(ends).zip(updates).collect();
            while let Some(((start, end), update)) = work.pop() {
                update(&mut split[start..end], &grads[start..end]);
            }
            prop_assert_eq!(bits(&split), bits(&whole));
        }
    }
}

/// Adam, without [`Optimizer::split_update`]: threads then update on the calling thread alone.
struct Unsplit(Adam);

impl Optimizer for Unsplit {
    fn update(&mut self, params: &mut [f64], grads: &[f64]) {
        self.0.update(params, grads);
    }

    fn learning_rate(&self) -> f64 {
        self.0.learning_rate()
    }

    fn set_learning_rate(&mut self, lr: f64) {
        self.0.set_learning_rate(lr);
    }
}

#[test]
fn an_update_split_over_threads_gives_the_bits_of_one_thread_updating() {
    let data = blobs_with(120, 3, 0.6, 8);
    let train = |optimizer: Box<dyn Optimizer>, threads: usize| {
        let g = Graph::new();
        let model = MLP::new(&g, 2, &[16, 16, 3], 2);
        let mut trainer = Trainer::new(&model, optimizer, Loss::CrossEntropy)
            .l2(1e-4)
            .batch_size(16)
            .seed(5)
            .threads(threads);
        trainer.run_epochs(&data, 2, |_| {}).unwrap();
        model.parameter_data()
    };
    for threads in [2, 3] {
        let split = train(Box::new(Adam::new(0.01)), threads);
        let unsplit = train(Box::new(Unsplit(Adam::new(0.01))), threads);
        assert_eq!(bits(&split), bits(&unsplit), "{threads} threads");
    }
}

#[test]
fn an_update_that_breaks_a_parameter_on_threads_is_caught_and_undone() {
    let data = blobs_with(60, 3, 0.6, 9);
    for threads in [1, 2, 3] {
        let g = Graph::new();
        let model = MLP::new(&g, 2, &[8, 3], 4);
        let before = model.parameter_data();
        // An infinite step sends every parameter to an infinity (or NaN, times a 0 gradient).
        let mut trainer =
            Trainer::new(&model, Sgd::new(f64::INFINITY), Loss::CrossEntropy).threads(threads);
        let batch: Vec<usize> = (0..30).collect();
        let error = trainer.train_step(&data, &batch).unwrap_err();
        assert!(
            matches!(error, micrograd::train::TrainError::NonFinite { step: 0, loss, .. } if loss.is_finite()),
            "{error} on {threads} threads"
        );
        assert_eq!(
            bits(&model.parameter_data()),
            bits(&before),
            "{threads} threads"
        );
    }
}

/// An update that leaves every parameter alone but the last, which it makes infinite: on threads,
/// the last range is a worker's.
struct BreakLast;

impl Optimizer for BreakLast {
    fn update(&mut self, params: &mut [f64], _grads: &[f64]) {
        if let Some(last) = params.last_mut() {
            *last = f64::INFINITY;
        }
    }

    fn learning_rate(&self) -> f64 {
        0.0
    }

    fn set_learning_rate(&mut self, _lr: f64) {}

    fn split_update(
        &mut self,
        _n: usize,
        bounds: &[usize],
    ) -> Option<Vec<micrograd::optim::RangeUpdate<'_>>> {
        let ranges = bounds.len() + 1;
        let updates = (0..ranges).map(move |r| {
            Box::new(move |params: &mut [f64], _grads: &[f64]| {
                if r + 1 == ranges {
                    if let Some(last) = params.last_mut() {
                        *last = f64::INFINITY;
                    }
                }
            }) as micrograd::optim::RangeUpdate<'_>
        });
        Some(updates.collect())
    }
}

#[test]
fn a_parameter_broken_in_a_workers_range_is_caught_and_undone() {
    let data = blobs_with(60, 3, 0.6, 9);
    for threads in [1, 2, 3] {
        let g = Graph::new();
        let model = MLP::new(&g, 2, &[8, 3], 4);
        let before = model.parameter_data();
        let mut trainer = Trainer::new(&model, BreakLast, Loss::CrossEntropy).threads(threads);
        let batch: Vec<usize> = (0..30).collect();
        let error = trainer.train_step(&data, &batch).unwrap_err();
        assert!(
            matches!(
                error,
                micrograd::train::TrainError::NonFinite { step: 0, .. }
            ),
            "{error} on {threads} threads"
        );
        assert_eq!(
            bits(&model.parameter_data()),
            bits(&before),
            "{threads} threads"
        );
    }
}

#[test]
fn a_parameter_set_between_steps_reaches_the_worker_threads() {
    let data = blobs_with(60, 3, 0.6, 3);
    let batch: Vec<usize> = (0..40).collect();
    let after_three_steps = |fresh_trainer_after_the_edit: bool| {
        let g = Graph::new();
        let model = MLP::new(&g, 2, &[16, 3], 8);
        let trainer = || {
            Trainer::new(&model, Sgd::new(0.1), Loss::CrossEntropy)
                .l2(1e-3)
                .threads(2)
        };
        let mut first = trainer();
        for _ in 0..2 {
            first.train_step(&data, &batch).unwrap();
        }
        // Workers copy the new parameters as the update writes them; a parameter written
        // outside the step must reach their copies all the same.
        model.parameters()[5].set_data(0.75);
        let mut second = if fresh_trainer_after_the_edit {
            trainer()
        } else {
            first
        };
        second.train_step(&data, &batch).unwrap();
        model.parameter_data()
    };
    assert_eq!(
        bits(&after_three_steps(false)),
        bits(&after_three_steps(true))
    );
}
