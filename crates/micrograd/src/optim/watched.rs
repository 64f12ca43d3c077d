//! Watching an update as it goes, a chunk at a time: the engine's own rules ([`Adam`](super::Adam),
//! [`Sgd`](super::Sgd)) show a watcher each chunk of parameter values just before they write it
//! and just after. A trainer keeps its restore point and adds up the new values' squares (the
//! next step's L2 penalty) this way, while each chunk is in the processor's cache and the rule's
//! divisions leave the adders idle, instead of in passes of their own.
//!
//! It is the engine's business, not the [`Optimizer`] trait's: a rule written outside the crate
//! is watched as one chunk around its plain `update` (see [`update_watched`]), so what the trainer
//! learns from a watch never rests on code it cannot see. The trait's door to it,
//! [`Optimizer::watched`], takes a [`Token`] no other crate can name.

use std::ops::Range;

use super::{Optimizer, RangeUpdate};

/// Sees an update as it goes: each chunk of parameter values before the rule writes them, with
/// their gradients, which it may still complete (a trainer on threads adds the other threads'
/// parts there), then the new values, in order. Both do nothing unless overridden.
pub trait UpdateWatcher {
    /// The values of the next chunk, about to be updated, and their gradients, which the rule
    /// reads after this returns.
    fn before(&mut self, old: &[f64], grads: &mut [f64]) {
        let _ = (old, grads);
    }

    /// The same chunk's values, updated.
    fn after(&mut self, new: &[f64]) {
        let _ = new;
    }
}

/// A watcher that watches nothing.
impl UpdateWatcher for () {}

/// One range's share of a watched update split over threads: the range's data, its gradients and
/// its watcher.
pub type WatchedRangeUpdate<'a> =
    Box<dyn FnOnce(&mut [f64], &mut [f64], &mut dyn UpdateWatcher) + Send + 'a>;

/// A rule that shows its updates to a watcher (the engine's own rules).
pub trait WatchedUpdate {
    /// [`Optimizer::update`], each chunk of [`WATCH_CHUNK`] values shown to `watcher` before and
    /// after, the rule reading each chunk's gradients as the watcher left them; otherwise the
    /// same bits.
    fn update_watched(
        &mut self,
        params: &mut [f64],
        grads: &mut [f64],
        watcher: &mut dyn UpdateWatcher,
    );

    /// [`Optimizer::split_update`], each range watched as [`WatchedUpdate::update_watched`] watches.
    fn split_update_watched(&mut self, n: usize, bounds: &[usize]) -> Vec<WatchedRangeUpdate<'_>>;
}

/// The argument of [`Optimizer::watched`]: nameable only inside this crate, so only this crate's
/// rules answer it and only this crate asks.
pub struct Token;

/// How many values the rules here update between two calls of their watcher: few enough that
/// a chunk stays in the processor's first-level cache for the watcher, many enough that a call
/// per chunk costs nothing.
pub const WATCH_CHUNK: usize = 64;

/// Runs `update` on `params` and `grads` (as long as each other) a chunk of [`WATCH_CHUNK`] at a
/// time, each chunk shown to `watcher` before and after; `update` gets the chunk's range (to cut
/// any state alike), its values and its gradients.
pub(crate) fn watched_chunks(
    params: &mut [f64],
    grads: &mut [f64],
    watcher: &mut dyn UpdateWatcher,
    mut update: impl FnMut(Range<usize>, &mut [f64], &[f64]),
) {
    assert_eq!(
        params.len(),
        grads.len(),
        "an update of {} parameters given {} gradients",
        params.len(),
        grads.len()
    );
    let mut start = 0;
    while start < params.len() {
        let end = (start + WATCH_CHUNK).min(params.len());
        let (chunk, chunk_grads) = (&mut params[start..end], &mut grads[start..end]);
        watcher.before(chunk, chunk_grads);
        update(start..end, chunk, chunk_grads);
        watcher.after(chunk);
        start = end;
    }
}

/// One update of `params` by `optimizer`, watched: chunk by chunk by the engine's rules, as one
/// chunk around `update` by any other.
pub(crate) fn update_watched(
    optimizer: &mut dyn Optimizer,
    params: &mut [f64],
    grads: &mut [f64],
    watcher: &mut dyn UpdateWatcher,
) {
    match optimizer.watched(Token) {
        Some(watched) => watched.update_watched(params, grads, watcher),
        None => {
            watcher.before(params, grads);
            optimizer.update(params, grads);
            watcher.after(params);
        }
    }
}

/// [`Optimizer::split_update`], each range watched as [`update_watched`] watches; `None` if the
/// rule cannot be split.
pub(crate) fn split_update_watched<'o>(
    optimizer: &'o mut dyn Optimizer,
    n: usize,
    bounds: &[usize],
) -> Option<Vec<WatchedRangeUpdate<'o>>> {
    // Asked twice, as one borrow cannot be handed on from one arm of a match and reused in the
    // other.
    if optimizer.watched(Token).is_some() {
        let watched = optimizer.watched(Token).expect("asked just above");
        return Some(watched.split_update_watched(n, bounds));
    }
    let updates = optimizer.split_update(n, bounds)?;
    Some(updates.into_iter().map(watch_whole).collect())
}

/// A range's update watched as one chunk.
fn watch_whole(update: RangeUpdate<'_>) -> WatchedRangeUpdate<'_> {
    Box::new(
        move |params: &mut [f64], grads: &mut [f64], watcher: &mut dyn UpdateWatcher| {
            watcher.before(params, grads);
            update(params, grads);
            watcher.after(params);
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::{Adam, Sgd};
    use crate::speed::simd::testing::bits;
    use proptest::prelude::*;

    /// Records what an update shows its watcher.
    #[derive(Default)]
    struct Recorder {
        before: Vec<f64>,
        after: Vec<f64>,
        chunks: usize,
    }

    impl UpdateWatcher for Recorder {
        fn before(&mut self, old: &[f64], grads: &mut [f64]) {
            self.before.extend_from_slice(old);
            // A watcher may complete the gradients: the rule must read them as changed.
            for g in grads {
                *g *= 0.5;
            }
        }

        fn after(&mut self, new: &[f64]) {
            self.after.extend_from_slice(new);
            self.chunks += 1;
        }
    }

    /// The engine's rules, and the same Adam seen as a rule from outside the crate.
    fn rule(kind: usize) -> Box<dyn Optimizer> {
        match kind {
            0 => Box::new(Adam::new(0.01)),
            1 => Box::new(Adam::adamw(0.01).weight_decay(0.1)),
            2 => Box::new(Adam::new(0.01).weight_decay(0.05)),
            3 => Box::new(Sgd::new(0.1)),
            4 => Box::new(
                Sgd::new(0.1)
                    .momentum(0.9)
                    .nesterov(true)
                    .weight_decay(0.01),
            ),
            _ => Box::new(Outside(Adam::new(0.01))),
        }
    }

    /// Adam behind a plain `Optimizer`, as a rule written outside the crate is.
    struct Outside(Adam);

    impl Optimizer for Outside {
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

    proptest! {
        #[test]
        fn a_watched_update_is_the_plain_updates_bits_and_shows_every_value_in_order(
            kind in 0..6usize,
            values in prop::collection::vec((-3.0..3.0f64, -2.0..2.0f64), 1..300),
        ) {
            let n = values.len();
            let (mut plain, grads): (Vec<f64>, Vec<f64>) = values.into_iter().unzip();
            let mut watched = plain.clone();
            let (mut one, mut other) = (rule(kind), rule(kind));
            let halved: Vec<f64> = grads.iter().map(|g| g * 0.5).collect();
            for _ in 0..3 {
                let old = watched.clone();
                one.update(&mut plain, &halved);
                let mut recorder = Recorder::default();
                let mut given = grads.clone();
                update_watched(other.as_mut(), &mut watched, &mut given, &mut recorder);
                prop_assert_eq!(bits(&given), bits(&halved));
                prop_assert_eq!(bits(&watched), bits(&plain));
                prop_assert_eq!(bits(&recorder.before), bits(&old));
                prop_assert_eq!(bits(&recorder.after), bits(&watched));
                let chunks = if kind == 5 { 1 } else { n.div_ceil(WATCH_CHUNK) };
                prop_assert_eq!(recorder.chunks, chunks);
            }
        }

        #[test]
        fn a_watched_split_is_the_whole_updates_bits_and_shows_each_range(
            kind in 0..5usize,
            values in prop::collection::vec((-3.0..3.0f64, -2.0..2.0f64), 1..200),
            cut in 0.0..=1.0f64,
        ) {
            let n = values.len();
            let bound = (cut * n as f64) as usize;
            let (mut whole, grads): (Vec<f64>, Vec<f64>) = values.into_iter().unzip();
            let mut split = whole.clone();
            let (mut one, mut ranges) = (rule(kind), rule(kind));
            let halved: Vec<f64> = grads.iter().map(|g| g * 0.5).collect();
            for _ in 0..3 {
                one.update(&mut whole, &halved);
                let updates = split_update_watched(ranges.as_mut(), n, &[bound]).expect("splits");
                let mut recorders = [Recorder::default(), Recorder::default()];
                let (low, high) = split.split_at_mut(bound);
                let mut given = grads.clone();
                let (low_grads, high_grads) = given.split_at_mut(bound);
                let mut updates = updates.into_iter();
                let first = updates.next().expect("two ranges");
                first(low, low_grads, &mut recorders[0]);
                let second = updates.next().expect("two ranges");
                second(high, high_grads, &mut recorders[1]);
                prop_assert_eq!(bits(&split), bits(&whole));
                prop_assert_eq!(bits(&recorders[0].after), bits(&split[..bound]));
                prop_assert_eq!(bits(&recorders[1].after), bits(&split[bound..]));
            }
        }
    }
}
