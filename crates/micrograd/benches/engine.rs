//! Criterion benchmarks of the engine's hot paths, to catch regressions: a long chain of unary and
//! binary nodes (built alone, and built and backpropagated), and one training step of the moons
//! demo's MLP (2-16-16-1, 100 samples, hinge loss + L2, SGD).
//!
//! Throughput is reported in nodes per second. `micrograd bench` gives the figures against their
//! baselines; these are for comparing the engine with itself.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use micrograd::data::moons100;
use micrograd::loss::Loss;
use micrograd::nn::MLP;
use micrograd::optim::Sgd;
use micrograd::train::Trainer;
use micrograd::{Graph, Value};

const CHAIN_STEPS: usize = 25_000;
const NODES_PER_STEP: usize = 4;

fn chain<'g>(x: Value<'g>) -> Value<'g> {
    let mut y = x;
    for _ in 0..CHAIN_STEPS {
        y = y.tanh() + x * 0.001;
    }
    y
}

fn bench_chain(c: &mut Criterion) {
    let mut group = c.benchmark_group("chain");
    group.throughput(Throughput::Elements((NODES_PER_STEP * CHAIN_STEPS) as u64));
    let g = Graph::with_capacity(NODES_PER_STEP * CHAIN_STEPS + 1);
    let x = g.value(0.5);
    let start = g.checkpoint();
    group.bench_function("forward", |b| {
        b.iter_batched(
            || g.rewind(start),
            |_| chain(x).data(),
            BatchSize::SmallInput,
        )
    });
    group.bench_function("forward+backward", |b| {
        b.iter_batched(
            || g.rewind(start),
            |_| {
                chain(x).backward();
                x.grad()
            },
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

fn bench_mlp_step(c: &mut Criterion) {
    let data = moons100();
    let g = Graph::new();
    let model = MLP::new(&g, 2, &[16, 16, 1], 1337);
    let mut trainer = Trainer::new(&model, Sgd::new(0.05), Loss::Hinge).l2(1e-4);
    let before = g.len();
    trainer.run_steps(&data, 1, |_| {}).unwrap();
    // The nodes one step builds (the trainer frees them after the step): measured with a second graph.
    let probe = Graph::new();
    let probe_model = MLP::new(&probe, 2, &[16, 16, 1], 1337);
    let probe_start = probe.len();
    let scores: Vec<_> = data
        .rows()
        .map(|x| probe_model.forward_data(x)[0])
        .collect();
    let losses: Vec<_> = scores
        .iter()
        .zip(data.labels())
        .map(|(&s, &y)| (1.0 - y * s).relu())
        .collect();
    let _ = probe.sum(losses);
    let nodes = probe.len() - probe_start;
    assert_eq!(g.len(), before, "the trainer frees each step's graph");

    let mut group = c.benchmark_group("moons_mlp");
    group.throughput(Throughput::Elements(nodes as u64));
    group.bench_function("train_step", |b| {
        b.iter(|| trainer.run_steps(&data, 1, |_| {}).unwrap().loss)
    });
    // The forward pass alone, through the batch path training takes and row by row.
    let start = g.checkpoint();
    group.bench_function("forward_batch", |b| {
        b.iter(|| {
            let outputs = model.forward_batch(data.rows());
            let last = outputs[outputs.len() - 1][0].data();
            g.rewind(start);
            last
        })
    });
    group.bench_function("forward_per_row", |b| {
        b.iter(|| {
            let outputs: Vec<_> = data.rows().map(|x| model.forward_data(x)).collect();
            let last = outputs[outputs.len() - 1][0].data();
            g.rewind(start);
            last
        })
    });
    group.finish();
}

criterion_group!(benches, bench_chain, bench_mlp_step);
criterion_main!(benches);
