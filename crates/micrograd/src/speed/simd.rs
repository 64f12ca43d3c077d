//! Wider vector registers for the hot loops, chosen at run time, with the same bits.
//!
//! The release build targets baseline x86-64, whose vector registers hold two `f64`s; most x86-64
//! processors in use also have AVX2, whose registers hold four (and twice as many of them fit in
//! the register file). Each hot loop is written once, as plain Rust in an `#[inline(always)]`
//! function, and [`dispatched!`] compiles it twice: as it is, and inside a
//! `#[target_feature(enable = "avx2")]` function, taken when `is_x86_feature_detected!("avx2")`
//! said yes (asked once per process, see [`has_avx2`]). Other targets take the loop as it is.
//!
//! Why the numbers are the same bits:
//! - Each `+`, `*`, `/` and `sqrt` on `f64` is one IEEE 754 operation, correctly rounded to
//!   nearest, whether it runs alone, two to a register or four: a wider register runs more of the
//!   same operations at once, not other ones.
//! - The compiler vectorizes only across independent elements. It never reassociates a sum (no
//!   fast-math), so every chain of additions keeps its order, in every build.
//! - Rust never contracts a multiply and an add into one fused multiply-add by itself, even where
//!   the processor has FMA (AVX-512F implies it), so `a + s * v` stays a product rounded, then a
//!   sum rounded, as the plain path's rule is written.
//!
//! Only which NaN comes out may differ (IEEE 754 leaves a NaN result's sign and payload open, and
//! the compiler may swap a product's operands); a NaN stays a NaN. The tests below run both builds
//! of each loop on the same data, with NaN, infinities, subnormals and -0, and compare the bits.

use std::sync::atomic::{AtomicU8, Ordering};

/// Whether the processor has AVX2: asked once, then read from a cache.
#[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
#[inline(always)]
pub(crate) fn has_avx2() -> bool {
    static AVX2: AtomicU8 = AtomicU8::new(UNKNOWN);
    cached(&AVX2, || is_x86_feature_detected!("avx2"))
}

/// Whether the processor has AVX-512F (eight `f64`s to a register): asked once, then read from a
/// cache.
#[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
#[inline(always)]
pub(crate) fn has_avx512() -> bool {
    static AVX512: AtomicU8 = AtomicU8::new(UNKNOWN);
    cached(&AVX512, || is_x86_feature_detected!("avx512f"))
}

/// What a feature cache holds before the processor is asked, and its two answers.
#[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
const UNKNOWN: u8 = 0;
#[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
const YES: u8 = 1;
#[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
const NO: u8 = 2;

/// The answer kept in `cache`, asking `detect` the first time.
#[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
#[inline(always)]
fn cached(cache: &AtomicU8, detect: impl FnOnce() -> bool) -> bool {
    match cache.load(Ordering::Relaxed) {
        UNKNOWN => {
            let yes = detect();
            cache.store(if yes { YES } else { NO }, Ordering::Relaxed);
            yes
        }
        known => known == YES,
    }
}

/// Whether the processor has AVX2: never, off x86.
#[cfg(not(any(target_arch = "x86", target_arch = "x86_64")))]
#[inline(always)]
pub(crate) fn has_avx2() -> bool {
    false
}

/// `fn NAME(ARGS) => LOOP;` defines `NAME`, which runs `LOOP` (an `#[inline(always)]` function
/// with the same arguments and no result) compiled for AVX2 if the processor has it, and as it is
/// otherwise. Calling `LOOP` directly gives the portable build. `=> LOOP, avx2: WIDE;` runs
/// `WIDE` in the AVX2 build instead: the same sums blocked for sixteen four-number registers
/// rather than sixteen two-number ones, which must give the same bits as `LOOP`; and
/// `=> LOOP, avx2: WIDE, avx512: WIDER;` runs `WIDER` compiled for AVX-512F where the processor
/// has it (thirty-two eight-number registers), before trying AVX2.
macro_rules! dispatched {
    ($(#[$doc:meta])* $vis:vis fn $name:ident($($arg:ident: $ty:ty),* $(,)?) => $body:path;) => {
        $crate::speed::simd::dispatched! {
            $(#[$doc])* $vis fn $name($($arg: $ty),*) => $body, avx2: $body;
        }
    };
    (
        $(#[$doc:meta])* $vis:vis fn $name:ident($($arg:ident: $ty:ty),* $(,)?)
            => $body:path, avx2: $wide:path, avx512: $wider:path;
    ) => {
        $(#[$doc])*
        #[inline]
        $vis fn $name($($arg: $ty),*) {
            #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
            if $crate::speed::simd::has_avx512() {
                #[target_feature(enable = "avx512f")]
                fn avx512($($arg: $ty),*) {
                    $wider($($arg),*)
                }
                // SAFETY: the processor has AVX-512F, as was just checked.
                return unsafe { avx512($($arg),*) };
            }
            #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
            if $crate::speed::simd::has_avx2() {
                #[target_feature(enable = "avx2")]
                fn avx2($($arg: $ty),*) {
                    $wide($($arg),*)
                }
                // SAFETY: the processor has AVX2, as was just checked.
                return unsafe { avx2($($arg),*) };
            }
            $body($($arg),*)
        }
    };
    (
        $(#[$doc:meta])* $vis:vis fn $name:ident($($arg:ident: $ty:ty),* $(,)?)
            => $body:path, avx2: $wide:path;
    ) => {
        $(#[$doc])*
        #[inline]
        $vis fn $name($($arg: $ty),*) {
            #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
            if $crate::speed::simd::has_avx2() {
                #[target_feature(enable = "avx2")]
                fn avx2($($arg: $ty),*) {
                    $wide($($arg),*)
                }
                // SAFETY: the processor has AVX2, as was just checked.
                return unsafe { avx2($($arg),*) };
            }
            $body($($arg),*)
        }
    };
}
pub(crate) use dispatched;

dispatched! {
    /// `adjoint[k] += scale * values[k]` for every k (the slices are as long as each other): the
    /// backward pass of a weighted sum, over a run of weights or of inputs.
    pub(crate) fn add_scaled(adjoint: &mut [f64], scale: f64, values: &[f64]) => add_scaled_loop;
}

#[inline(always)]
fn add_scaled_loop(adjoint: &mut [f64], scale: f64, values: &[f64]) {
    for (a, v) in adjoint.iter_mut().zip(values) {
        *a += scale * v;
    }
}

dispatched! {
    /// [`add_scaled`] twice over the same slices, in one pass: the backward pass of a weighted
    /// sum of a run with itself (`Σ pᵢ·pᵢ`, an L2 penalty), where each term's weight and input are
    /// one node, which gets `scale * values[k]` as the weight and then again as the input.
    pub(crate) fn add_scaled_twice(adjoint: &mut [f64], scale: f64, values: &[f64]) => add_scaled_twice_loop;
}

#[inline(always)]
fn add_scaled_twice_loop(adjoint: &mut [f64], scale: f64, values: &[f64]) {
    for (a, v) in adjoint.iter_mut().zip(values) {
        let term = scale * v;
        *a = (*a + term) + term;
    }
}

dispatched! {
    /// Whether every value is finite, asked of `values` into `answer`.
    fn all_finite_into(values: &[f64], answer: &mut bool) => all_finite_loop;
}

/// Whether every value is finite (no NaN, no infinity).
#[inline]
pub(crate) fn all_finite(values: &[f64]) -> bool {
    let mut answer = false;
    all_finite_into(values, &mut answer);
    answer
}

/// `v · 0` is ±0 for a finite `v` and NaN otherwise; summed eight lanes at a time with no early
/// exit, the check runs on vector registers.
#[inline(always)]
fn all_finite_loop(values: &[f64], answer: &mut bool) {
    let mut lanes = [0.0; 8];
    let mut chunks = values.chunks_exact(8);
    for chunk in &mut chunks {
        for (lane, &v) in lanes.iter_mut().zip(chunk) {
            *lane += v * 0.0;
        }
    }
    let rest = chunks.remainder().iter().fold(0.0, |acc, &v| acc + v * 0.0);
    *answer = lanes.iter().sum::<f64>() + rest == 0.0;
}

/// What the tests of the dispatched loops share: numbers of every kind, compared by their bits.
#[cfg(test)]
pub(crate) mod testing {
    use proptest::prelude::*;

    /// Bits, with every NaN as one (see the module's doc).
    pub(crate) fn bits(values: &[f64]) -> Vec<u64> {
        let one = |x: f64| if x.is_nan() { f64::NAN } else { x };
        values.iter().map(|&x| one(x).to_bits()).collect()
    }

    /// Numbers of every kind the two builds must treat alike: ordinary, any bit pattern, ±0,
    /// NaN, ±∞, subnormal and huge.
    pub(crate) fn number() -> impl Strategy<Value = f64> {
        prop_oneof![
            8 => -4.0..4.0f64,
            2 => any::<f64>(),
            1 => Just(0.0),
            1 => Just(-0.0),
            1 => Just(f64::NAN),
            1 => Just(f64::INFINITY),
            1 => Just(f64::NEG_INFINITY),
            1 => Just(f64::MIN_POSITIVE / 3.0),
            1 => Just(-f64::MIN_POSITIVE / 7.0),
            1 => Just(f64::MAX),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::testing::{bits, number};
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn add_scaled_gives_the_portable_bits(
            terms in prop::collection::vec((number(), number()), 0..70),
            scale in number(),
        ) {
            let (start, values): (Vec<f64>, Vec<f64>) = terms.into_iter().unzip();
            let one_at_a_time: Vec<f64> =
                start.iter().zip(&values).map(|(a, v)| a + scale * v).collect();
            let (mut wide, mut portable) = (start.clone(), start);
            add_scaled(&mut wide, scale, &values);
            add_scaled_loop(&mut portable, scale, &values);
            prop_assert_eq!(bits(&wide), bits(&portable));
            prop_assert_eq!(bits(&portable), bits(&one_at_a_time));
        }
    }

    proptest! {
        #[test]
        fn add_scaled_twice_gives_the_bits_of_two_passes(
            terms in prop::collection::vec((number(), number()), 0..70),
            scale in number(),
        ) {
            let (start, values): (Vec<f64>, Vec<f64>) = terms.into_iter().unzip();
            let mut two_passes = start.clone();
            add_scaled_loop(&mut two_passes, scale, &values);
            add_scaled_loop(&mut two_passes, scale, &values);
            let (mut wide, mut portable) = (start.clone(), start);
            add_scaled_twice(&mut wide, scale, &values);
            add_scaled_twice_loop(&mut portable, scale, &values);
            prop_assert_eq!(bits(&wide), bits(&portable));
            prop_assert_eq!(bits(&portable), bits(&two_passes));
        }
    }

    #[test]
    fn all_finite_finds_a_nan_or_an_infinity_anywhere() {
        let mut values = vec![-0.0, f64::MAX, f64::MIN_POSITIVE / 3.0];
        values.resize(17, 1.5);
        assert!(all_finite(&values) && all_finite(&[]));
        for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            for at in [0, 7, 8, 16] {
                let mut with_bad = values.clone();
                with_bad[at] = bad;
                assert!(!all_finite(&with_bad), "{bad} at {at}");
            }
        }
    }
}
