//! Neural networks built from [`Value`](crate::Value)s, after micrograd's `nn.py`.
//!
//! API summary:
//!
//! - [`Module`]: `parameters() -> Vec<Value>`, `num_parameters()`, `zero_grad()`; implemented by
//!   [`Neuron`], [`Layer`] and [`MLP`].
//! - [`Activation`]: `Relu`, `Tanh`, `Sigmoid`, `Linear`; parses from `"relu"` etc.
//! - [`Neuron`]: `activation(Σ wᵢxᵢ + b)` as one [`Graph::weighted_sum`](crate::Graph::weighted_sum)
//!   node plus one activation node. Weights uniform in [-1, 1), bias 0, from a seeded [`Rng`](crate::rng::Rng).
//! - [`Init`]: `Micrograd` (weights uniform in [-1, 1), bias 0; the default) or `PyTorch` (weights and biases
//!   uniform in ±1/√n_inputs, as `torch.nn.Linear`; better for wide inputs such as the 64 pixels of digits).
//! - [`Layer`]: `n_outputs` neurons over the same inputs, each one node that applies its activation to
//!   its weighted sum ([`Op::WeightedSum`](crate::Op::WeightedSum) with the activation as data): half the
//!   nodes, the same numbers. A layer's neurons share one activation.
//! - [`MLP`]: `MLP::new(&g, n_inputs, &[16, 16, 1], seed)` is micrograd's (ReLU hidden layers, linear
//!   output); `MLP::with_activations(&g, n_inputs, &[(16, Activation::Tanh), …], seed)` chooses per layer;
//!   `MLP::with_init(&g, &arch, Init::PyTorch, seed)` chooses the initialization;
//!   `MLP::from_parameters(&g, &arch, &values)` rebuilds a saved one. `forward(&[Value]) -> Vec<Value>`,
//!   `forward_data(&[f64])` (inputs become constants), `predict(&[f64]) -> Vec<f64>` (plain `f64`, no
//!   graph), `architecture()`, `parameter_data()`, `set_parameter_data()`.
//!   `Display` prints as micrograd: `MLP of [Layer of [ReLUNeuron(2), …], …]`.
//!
//! Parameters are leaves made first in the graph; a training loop takes `g.checkpoint()` after making the
//! model and `g.rewind(cp)` after each step so memory stays flat:
//!
//! ```
//! use micrograd::nn::{Module, MLP};
//! use micrograd::Graph;
//!
//! let g = Graph::new();
//! let model = MLP::new(&g, 2, &[16, 16, 1], 1337);
//! assert_eq!(model.parameters().len(), 337);
//! let start = g.checkpoint();
//! for _ in 0..3 {
//!     let out = model.forward_data(&[0.5, -1.0])[0];
//!     let loss = (out - 1.0).powf(2.0);
//!     model.zero_grad();
//!     loss.backward();
//!     for p in model.parameters() {
//!         p.set_data(p.data() - 0.01 * p.grad());
//!     }
//!     g.rewind(start);
//! }
//! ```

mod activation;
mod frozen;
mod init;
mod layer;
mod mlp;
mod module;
mod neuron;

pub use activation::{Activation, UnknownActivation};
pub(crate) use frozen::FrozenMlp;
pub use init::Init;
pub use layer::Layer;
pub use mlp::{Architecture, ParameterCountError, MLP};
pub use module::Module;
pub use neuron::Neuron;
