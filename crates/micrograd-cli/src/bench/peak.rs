//! The processor's `f64` peak on one core: a plain multiply-add loop over many independent
//! accumulators, so that it is bound by how many operations the processor can start per cycle, not
//! by how long each one takes, and simple enough for the compiler to vectorize.
//!
//! The loop is measured as this build compiles it (the portable x86-64 target has SSE2 only: two
//! numbers per instruction, a multiply then an add) and, where the processor has them, with AVX2 and
//! FMA (four numbers per fused multiply-add) and AVX-512 (eight). The engine is built for the portable
//! target, so the first is the ceiling it can reach today; the widest is the machine's, which an
//! optimized library such as PyTorch's BLAS reaches.

use std::hint::black_box;
use std::time::Instant;

/// One measured peak.
pub struct Peak {
    /// What the loop was compiled with, such as `"AVX2+FMA"`.
    pub instructions: &'static str,
    /// Billions of `f64` operations per second (a fused multiply-add counts 2).
    pub gflops: f64,
}

/// Multiply-adds each accumulator does per timed call: about a millisecond, short enough to run
/// uninterrupted on a busy machine.
const ITERATIONS: usize = 500_000;

/// Timed calls per kernel; the fastest counts (a peak is what the core can do when left alone).
const CALLS: usize = 50;

/// The peaks this processor offers, narrowest first.
pub fn measure() -> Vec<Peak> {
    let runs = CALLS;
    let mut peaks = vec![Peak {
        instructions: "this build (SSE2, multiply then add)",
        gflops: best_gflops(runs, portable),
    }];
    #[cfg(target_arch = "x86_64")]
    {
        if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
            peaks.push(Peak {
                instructions: "AVX2+FMA",
                // SAFETY: the processor has AVX2 and FMA (checked just above).
                gflops: best_gflops(runs, |a, b| unsafe { avx2_fma(a, b) }),
            });
        }
        if is_x86_feature_detected!("avx512f") {
            peaks.push(Peak {
                instructions: "AVX-512",
                // SAFETY: the processor has AVX-512F (checked just above).
                gflops: best_gflops(runs, |a, b| unsafe { avx512(a, b) }),
            });
        }
    }
    peaks
}

/// The best rate of `runs` calls of `kernel`, which returns the operations it did.
fn best_gflops(runs: usize, kernel: impl Fn(f64, f64) -> f64) -> f64 {
    (0..runs.max(1))
        .map(|_| {
            let start = Instant::now();
            let flops = kernel(black_box(0.5), black_box(1.0));
            flops / start.elapsed().as_secs_f64() / 1e9
        })
        .fold(0.0, f64::max)
}

/// `acc = acc * a + b` on each of `N` accumulators, [`ITERATIONS`] times; returns the operations done.
/// The accumulators converge to `b / (1 - a)`, so the numbers stay ordinary (no overflow, no
/// subnormals that would slow the processor down).
#[inline(always)]
fn multiply_add<const N: usize>(a: f64, b: f64, fused: bool) -> f64 {
    let mut acc = [0.0f64; N];
    for (j, x) in acc.iter_mut().enumerate() {
        *x = j as f64;
    }
    for _ in 0..ITERATIONS {
        for x in acc.iter_mut() {
            *x = if fused { x.mul_add(a, b) } else { *x * a + b };
        }
    }
    black_box(acc);
    (2 * N * ITERATIONS) as f64
}

/// Two pipes of two-number multiplies and adds, each ~3 cycles: 12 vectors in flight, 24 numbers,
/// which still fit the 16 SSE registers.
fn portable(a: f64, b: f64) -> f64 {
    multiply_add::<24>(a, b, false)
}

/// Two pipes of four-number fused multiply-adds of ~4 cycles: 8 vectors in flight; 12 for slack.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn avx2_fma(a: f64, b: f64) -> f64 {
    multiply_add::<48>(a, b, true)
}

/// As [`avx2_fma`] with eight numbers a vector.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,fma")]
fn avx512(a: f64, b: f64) -> f64 {
    multiply_add::<96>(a, b, true)
}
