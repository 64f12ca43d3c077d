//! Criterion benchmarks of the engine's hot paths: a long chain of unary and binary nodes, and one
//! training step of the moons demo's MLP (2-16-16-1, 100 samples, hinge loss + L2, SGD).
//!
//! Throughput is reported in nodes per second, so a regression shows whatever the machine.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use micrograd::{Graph, Value};

const CHAIN: usize = 100_000;

fn chain(g: &Graph, x: Value<'_>) -> f64 {
    let mut y = x;
    for _ in 0..CHAIN {
        y = y.tanh() + x * 0.001;
    }
    y.data()
}

fn bench_chain(c: &mut Criterion) {
    let mut group = c.benchmark_group("chain");
    group.throughput(Throughput::Elements(4 * CHAIN as u64));
    group.bench_function("forward", |b| {
        b.iter_batched_ref(
            || Graph::with_capacity(4 * CHAIN + 1),
            |g| {
                let x = g.value(0.5);
                chain(g, x)
            },
            BatchSize::LargeInput,
        )
    });
    group.bench_function("forward+backward", |b| {
        b.iter_batched_ref(
            || Graph::with_capacity(4 * CHAIN + 1),
            |g| {
                let x = g.value(0.5);
                let mut y = x;
                for _ in 0..CHAIN {
                    y = y.tanh() + x * 0.001;
                }
                y.backward();
                x.grad()
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

/// A minimal 2-16-16-1 network on the engine's weighted-sum node, as the nn module builds one.
struct Net<'g> {
    layers: Vec<Vec<(Vec<Value<'g>>, Value<'g>)>>,
}

impl<'g> Net<'g> {
    fn new(g: &'g Graph, sizes: &[usize]) -> Self {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut uniform = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
        };
        let layers = sizes
            .windows(2)
            .map(|w| {
                (0..w[1])
                    .map(|_| {
                        (
                            (0..w[0]).map(|_| g.value(uniform())).collect(),
                            g.value(0.0),
                        )
                    })
                    .collect()
            })
            .collect();
        Net { layers }
    }

    fn forward(&self, g: &'g Graph, x: &[Value<'g>]) -> Value<'g> {
        let mut act = x.to_vec();
        let last = self.layers.len() - 1;
        for (i, layer) in self.layers.iter().enumerate() {
            act = layer
                .iter()
                .map(|(w, b)| {
                    let n = g.weighted_sum(*b, w, &act);
                    if i == last {
                        n
                    } else {
                        n.relu()
                    }
                })
                .collect();
        }
        act[0]
    }

    fn parameters(&self) -> Vec<Value<'g>> {
        let mut p = Vec::new();
        for layer in &self.layers {
            for (w, b) in layer {
                p.extend(w);
                p.push(*b);
            }
        }
        p
    }
}

fn moons() -> (Vec<[f64; 2]>, Vec<f64>) {
    let text = include_str!("../data/moons100.csv");
    let mut xs = Vec::new();
    let mut ys = Vec::new();
    for line in text.lines().skip(1) {
        let v: Vec<f64> = line.split(',').map(|c| c.parse().unwrap()).collect();
        xs.push([v[0], v[1]]);
        ys.push(v[2]);
    }
    (xs, ys)
}

fn bench_mlp_step(c: &mut Criterion) {
    let (xs, ys) = moons();
    let g = Graph::new();
    let net = Net::new(&g, &[2, 16, 16, 1]);
    let params = net.parameters();
    let start = g.checkpoint();
    let step = |k: usize| -> usize {
        let mut loss = None;
        for (x, &y) in xs.iter().zip(&ys) {
            let x = [g.value(x[0]), g.value(x[1])];
            let margin = (1.0 - y * net.forward(&g, &x)).relu();
            loss = Some(loss.map_or(margin, |l| l + margin));
        }
        let data_loss = loss.unwrap() * (1.0 / xs.len() as f64);
        let reg = g.sum(params.iter().map(|&p| p * p)).unwrap() * 1e-4;
        let total = data_loss + reg;
        g.zero_grad();
        total.backward();
        let lr = 1.0 - 0.9 * (k % 100) as f64 / 100.0;
        for p in &params {
            p.set_data(p.data() - lr * p.grad());
        }
        let nodes = g.len() - params.len();
        g.rewind(start);
        nodes
    };
    let nodes = step(0);
    let mut group = c.benchmark_group("moons_mlp");
    group.throughput(Throughput::Elements(nodes as u64));
    let mut k = 0;
    group.bench_function("train_step", |b| {
        b.iter(|| {
            k += 1;
            step(k)
        })
    });
    group.finish();
}

criterion_group!(benches, bench_chain, bench_mlp_step);
criterion_main!(benches);
