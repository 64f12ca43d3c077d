//! The hand-written floors the engine is measured against: the same work in plain `f64` Rust, with no
//! graph, written for speed.
//!
//! [`DenseMlp`] trains an MLP with per-layer weight matrices, a forward pass that keeps each
//! layer's activations and a backward pass written out by hand. The long chain `y = tanh(y) + x * 0.001`
//! has two floors: [`chain_reverse`] does what any reverse mode must (store each step's `tanh`, then
//! sweep back), the fair floor for the engine; [`chain_forward`] carries dy/dx along and stores
//! nothing, which only works because the chain has a single input.

/// An MLP with ReLU hidden layers and a linear output, as dense row-major matrices.
pub struct DenseMlp {
    sizes: Vec<usize>,
    /// Per layer: `out × in` weights then `out` biases.
    params: Vec<Vec<f64>>,
    grads: Vec<Vec<f64>>,
    /// Per layer's output: pre-activations and activations, reused across samples.
    acts: Vec<Vec<f64>>,
    deltas: Vec<Vec<f64>>,
}

impl DenseMlp {
    /// A network with the given widths (`[2, 16, 16, 1]`) and parameters in the order `(w, b)`
    /// per neuron, as [`micrograd::nn::MLP::parameter_data`] lists them.
    pub fn new(sizes: &[usize], neuron_params: &[f64]) -> Self {
        let mut params = Vec::new();
        let mut it = neuron_params.iter().copied();
        for w in sizes.windows(2) {
            let (n_in, n_out) = (w[0], w[1]);
            let mut layer = vec![0.0; n_out * n_in + n_out];
            for o in 0..n_out {
                for i in 0..n_in {
                    layer[o * n_in + i] = it.next().expect("enough parameters");
                }
                layer[n_out * n_in + o] = it.next().expect("enough parameters");
            }
            params.push(layer);
        }
        let grads = params.iter().map(|p| vec![0.0; p.len()]).collect();
        let acts = sizes.iter().map(|&n| vec![0.0; n]).collect();
        let deltas = sizes.iter().map(|&n| vec![0.0; n]).collect();
        DenseMlp {
            sizes: sizes.to_vec(),
            params,
            grads,
            acts,
            deltas,
        }
    }

    fn forward(&mut self, x: &[f64]) -> f64 {
        self.acts[0].copy_from_slice(x);
        let last = self.sizes.len() - 2;
        for l in 0..=last {
            let (n_in, n_out) = (self.sizes[l], self.sizes[l + 1]);
            let (w, b) = self.params[l].split_at(n_out * n_in);
            let (before, after) = self.acts.split_at_mut(l + 1);
            let (input, output) = (&before[l], &mut after[0]);
            for o in 0..n_out {
                let row = &w[o * n_in..(o + 1) * n_in];
                let z = b[o]
                    + row
                        .iter()
                        .zip(input.iter())
                        .map(|(w, x)| w * x)
                        .sum::<f64>();
                output[o] = if l == last { z } else { z.max(0.0) };
            }
        }
        self.acts[last + 1][0]
    }

    /// Backpropagates `d_out` (d loss / d score) through the activations of the last forward pass.
    fn backward(&mut self, d_out: f64) {
        let last = self.sizes.len() - 2;
        self.deltas[last + 1][0] = d_out;
        for l in (0..=last).rev() {
            let (n_in, n_out) = (self.sizes[l], self.sizes[l + 1]);
            let (w, _) = self.params[l].split_at(n_out * n_in);
            let (gw, gb) = self.grads[l].split_at_mut(n_out * n_in);
            let (d_before, d_after) = self.deltas.split_at_mut(l + 1);
            let (d_in, d_outs) = (&mut d_before[l], &d_after[0]);
            d_in.iter_mut().for_each(|d| *d = 0.0);
            for o in 0..n_out {
                // ReLU's gradient: through where the output is positive (the output layer is linear).
                let d = if l == last || self.acts[l + 1][o] > 0.0 {
                    d_outs[o]
                } else {
                    0.0
                };
                gb[o] += d;
                let row = &w[o * n_in..(o + 1) * n_in];
                let grow = &mut gw[o * n_in..(o + 1) * n_in];
                for i in 0..n_in {
                    grow[i] += d * self.acts[l][i];
                    d_in[i] += d * row[i];
                }
            }
        }
    }

    /// One full-batch step of the demo: mean hinge loss + `l2` × Σ p², SGD at `lr`. Returns the loss.
    pub fn train_step(&mut self, xs: &[[f64; 2]], ys: &[f64], l2: f64, lr: f64) -> f64 {
        self.grads
            .iter_mut()
            .for_each(|g| g.iter_mut().for_each(|v| *v = 0.0));
        let scale = 1.0 / xs.len() as f64;
        let mut loss = 0.0;
        for (x, &y) in xs.iter().zip(ys) {
            let s = self.forward(x);
            let margin = 1.0 - y * s;
            if margin > 0.0 {
                loss += margin * scale;
                self.backward(-y * scale);
            }
        }
        for (p, g) in self.params.iter().zip(self.grads.iter_mut()) {
            for (p, g) in p.iter().zip(g.iter_mut()) {
                loss += l2 * p * p;
                *g += 2.0 * l2 * p;
            }
        }
        for (p, g) in self.params.iter_mut().zip(&self.grads) {
            for (p, g) in p.iter_mut().zip(g) {
                *p -= lr * g;
            }
        }
        loss
    }
}

/// `y = tanh(y) + x * 0.001` repeated `steps` times from `y = x`, in reverse mode by hand: the forward
/// loop stores each step's `tanh` in a fresh vector, a reverse sweep computes dy/dx from them, and
/// the vector is freed. Returns (y, dy/dx).
pub fn chain_reverse(x: f64, steps: usize) -> (f64, f64) {
    let mut tanhs = Vec::with_capacity(steps);
    let mut y = x;
    for _ in 0..steps {
        let t = y.tanh();
        tanhs.push(t);
        y = t + x * 0.001;
    }
    // The adjoint of the current y, and dy/dx gathered from the `x * 0.001` terms passed so far.
    let (mut adjoint, mut dx) = (1.0, 0.0);
    for t in tanhs.iter().rev() {
        dx += adjoint * 0.001;
        adjoint *= 1.0 - t * t;
    }
    // The chain starts from y = x.
    dx += adjoint;
    drop(tanhs);
    (y, dx)
}

/// `y = tanh(y) + x * 0.001` repeated `steps` times from `y = x`, with dy/dx carried along (forward
/// mode: nothing stored). Returns (y, dy/dx).
pub fn chain_forward(x: f64, steps: usize) -> (f64, f64) {
    let (mut y, mut dy) = (x, 1.0);
    for _ in 0..steps {
        let t = y.tanh();
        dy = (1.0 - t * t) * dy + 0.001;
        y = t + x * 0.001;
    }
    (y, dy)
}
