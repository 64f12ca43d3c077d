//! [`MLP`]: a multi-layer perceptron, layers applied in turn; and its [`Architecture`].

use std::fmt;

use super::{Activation, FrozenMlp, Init, Layer, Module, Neuron};
use crate::graph::{Graph, Value};
use crate::rng::Rng;
use crate::speed::{self, DenseLayer};

/// The shape of an [`MLP`]: its input width and each layer's width and activation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Architecture {
    /// The number of inputs.
    pub inputs: usize,
    /// Each layer's number of outputs and activation, from the first to the output layer.
    pub layers: Vec<(usize, Activation)>,
}

impl Architecture {
    /// micrograd's default: ReLU on every hidden layer, a linear output layer.
    pub fn new(inputs: usize, layer_outputs: &[usize]) -> Self {
        let layers = layer_outputs
            .iter()
            .enumerate()
            .map(|(i, &n)| {
                let act = if i + 1 == layer_outputs.len() {
                    Activation::Linear
                } else {
                    Activation::Relu
                };
                (n, act)
            })
            .collect();
        Architecture { inputs, layers }
    }

    /// The number of outputs of the last layer (the inputs if there are no layers).
    pub fn outputs(&self) -> usize {
        self.layers.last().map_or(self.inputs, |l| l.0)
    }

    /// The number of parameters: for each layer, (inputs + 1) × outputs (saturating at `usize::MAX`).
    pub fn num_parameters(&self) -> usize {
        let mut n_in = self.inputs;
        let mut total = 0;
        for &(n_out, _) in &self.layers {
            total = (n_in.saturating_add(1))
                .saturating_mul(n_out)
                .saturating_add(total);
            n_in = n_out;
        }
        total
    }

    /// Every width, the input's first: `[2, 16, 16, 1]` (where [`Architecture::new`] and
    /// [`MLP::new`] take only the layers' outputs, `[16, 16, 1]`, as micrograd's `MLP(nin, nouts)`).
    pub fn widths(&self) -> Vec<usize> {
        std::iter::once(self.inputs)
            .chain(self.layers.iter().map(|l| l.0))
            .collect()
    }

    /// The widths joined by dashes, input first: `2-16-16-1`, as the summary lines name a model
    /// (the [`Display`](fmt::Display) form adds each layer's activation).
    pub fn widths_text(&self) -> String {
        let widths: Vec<String> = self.widths().iter().map(usize::to_string).collect();
        widths.join("-")
    }
}

impl fmt::Display for Architecture {
    /// `2-16(relu)-16(relu)-1(linear)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.inputs)?;
        for (n, act) in &self.layers {
            write!(f, "-{n}({act})")?;
        }
        Ok(())
    }
}

impl std::str::FromStr for Architecture {
    type Err = String;

    /// Parses the [`Display`](fmt::Display) form `2-16(relu)-16(relu)-1(linear)`, or plain widths
    /// `2-16-16-1` (ReLU hidden layers, linear output, as [`Architecture::new`]).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = |why: String| format!("bad architecture `{s}`: {why}");
        let mut parts = s.trim().split('-');
        let inputs = parts
            .next()
            .unwrap_or("")
            .trim()
            .parse::<usize>()
            .map_err(|_| bad("it must start with the number of inputs".into()))?;
        let mut layer_outputs = Vec::new();
        let mut activations = Vec::new();
        for part in parts {
            let part = part.trim();
            let (width, act) = match part.split_once('(') {
                Some((w, rest)) => {
                    let name = rest
                        .strip_suffix(')')
                        .ok_or_else(|| bad(format!("`{part}` lacks its closing parenthesis")))?;
                    let act = name.parse::<Activation>().map_err(|e| bad(e.to_string()))?;
                    (w, Some(act))
                }
                None => (part, None),
            };
            let width = width
                .trim()
                .parse::<usize>()
                .ok()
                .filter(|&w| w > 0)
                .ok_or_else(|| bad(format!("`{part}` is not a layer width")))?;
            layer_outputs.push(width);
            activations.push(act);
        }
        if layer_outputs.is_empty() {
            return Err(bad("no layers".into()));
        }
        let mut arch = Architecture::new(inputs, &layer_outputs);
        for (layer, act) in arch.layers.iter_mut().zip(activations) {
            if let Some(act) = act {
                layer.1 = act;
            }
        }
        Ok(arch)
    }
}

/// A wrong number of parameter values for an architecture.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParameterCountError {
    /// The number the architecture needs.
    pub expected: usize,
    /// The number given.
    pub found: usize,
}

impl fmt::Display for ParameterCountError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "expected {} parameter values for this architecture, found {}",
            self.expected, self.found
        )
    }
}

impl std::error::Error for ParameterCountError {}

/// A multi-layer perceptron: layers of neurons, each layer reading the previous one's outputs.
///
/// ```
/// use micrograd::nn::{Module, MLP};
/// use micrograd::Graph;
///
/// let g = Graph::new();
/// let model = MLP::new(&g, 3, &[4, 4, 1], 42);
/// assert_eq!(model.parameters().len(), 41);
/// let out = model.forward_data(&[2.0, 3.0, -1.0]);
/// assert_eq!(out.len(), 1);
/// assert_eq!(model.predict(&[2.0, 3.0, -1.0]), vec![out[0].data()]);
/// ```
#[derive(Clone, Debug)]
pub struct MLP<'g> {
    graph: &'g Graph,
    layers: Vec<Layer<'g>>,
    inputs: usize,
}

impl<'g> MLP<'g> {
    /// micrograd's MLP: `n_inputs` inputs, a layer per entry of `layer_outputs`, ReLU on every hidden layer and
    /// a linear output layer; weights uniform in [-1, 1) from the seed, biases 0.
    pub fn new(graph: &'g Graph, n_inputs: usize, layer_outputs: &[usize], seed: u64) -> Self {
        Self::from_architecture(graph, &Architecture::new(n_inputs, layer_outputs), seed)
    }

    /// An MLP with a chosen activation per layer: `layers` lists each layer's width and activation.
    ///
    /// ```
    /// use micrograd::nn::{Activation, MLP};
    /// use micrograd::Graph;
    ///
    /// let g = Graph::new();
    /// let m = MLP::with_activations(&g, 3, &[(4, Activation::Tanh), (4, Activation::Tanh), (1, Activation::Tanh)], 0);
    /// assert_eq!(m.to_string(), "MLP of [Layer of [TanhNeuron(3), TanhNeuron(3), TanhNeuron(3), TanhNeuron(3)], \
    /// Layer of [TanhNeuron(4), TanhNeuron(4), TanhNeuron(4), TanhNeuron(4)], Layer of [TanhNeuron(4)]]");
    /// ```
    pub fn with_activations(
        graph: &'g Graph,
        n_inputs: usize,
        layers: &[(usize, Activation)],
        seed: u64,
    ) -> Self {
        let arch = Architecture {
            inputs: n_inputs,
            layers: layers.to_vec(),
        };
        Self::from_architecture(graph, &arch, seed)
    }

    /// A freshly initialized MLP of the given architecture (see [`MLP::new`] for the initialization).
    pub fn from_architecture(graph: &'g Graph, arch: &Architecture, seed: u64) -> Self {
        Self::with_init(graph, arch, Init::Micrograd, seed)
    }

    /// A freshly initialized MLP of the given architecture, initialized by `init` from the seed.
    ///
    /// ```
    /// use micrograd::nn::{Architecture, Init, MLP};
    /// use micrograd::Graph;
    ///
    /// let g = Graph::new();
    /// let m = MLP::with_init(&g, &Architecture::new(64, &[32, 10]), Init::PyTorch, 0);
    /// let bound = 1.0 / 8.0; // 1/√64
    /// assert!(m.layers()[0].neurons()[0].weights().iter().all(|w| w.data().abs() <= bound));
    /// ```
    pub fn with_init(graph: &'g Graph, arch: &Architecture, init: Init, seed: u64) -> Self {
        let mut rng = Rng::new(seed);
        let mut n_in = arch.inputs;
        let layers = arch
            .layers
            .iter()
            .map(|&(n_out, act)| {
                let layer = Layer::with_init(graph, n_in, n_out, act, init, &mut rng);
                n_in = n_out;
                layer
            })
            .collect();
        MLP {
            graph,
            layers,
            inputs: arch.inputs,
        }
    }

    /// An MLP of the given architecture holding `parameters`, in the order of [`Module::parameters`]
    /// (layer by layer, neuron by neuron, each neuron's weights then its bias).
    pub fn from_parameters(
        graph: &'g Graph,
        arch: &Architecture,
        parameters: &[f64],
    ) -> Result<Self, ParameterCountError> {
        let expected = arch.num_parameters();
        if parameters.len() != expected {
            return Err(ParameterCountError {
                expected,
                found: parameters.len(),
            });
        }
        let mut rest = parameters;
        let mut n_in = arch.inputs;
        let mut layers = Vec::with_capacity(arch.layers.len());
        for &(n_out, act) in &arch.layers {
            let neurons = (0..n_out)
                .map(|_| {
                    let (w, tail) = rest.split_at(n_in);
                    let neuron = Neuron::from_weights(graph, w, tail[0], act);
                    rest = &tail[1..];
                    neuron
                })
                .collect();
            layers.push(Layer::from_neurons(neurons, act));
            n_in = n_out;
        }
        Ok(MLP {
            graph,
            layers,
            inputs: arch.inputs,
        })
    }

    /// The layers, from the first hidden layer to the output layer.
    pub fn layers(&self) -> &[Layer<'g>] {
        &self.layers
    }

    /// The graph the parameters live in.
    pub fn graph(&self) -> &'g Graph {
        self.graph
    }

    /// The number of inputs.
    pub fn n_inputs(&self) -> usize {
        self.inputs
    }

    /// The number of outputs.
    pub fn n_outputs(&self) -> usize {
        self.layers.last().map_or(self.inputs, Layer::n_outputs)
    }

    /// The model's shape.
    pub fn architecture(&self) -> Architecture {
        Architecture {
            inputs: self.inputs,
            layers: self
                .layers
                .iter()
                .map(|l| (l.n_outputs(), l.activation()))
                .collect(),
        }
    }

    /// The outputs for the inputs `x`, building one node per neuron (see [`Layer::forward`]).
    ///
    /// # Panics
    /// If `x` does not have [`n_inputs`](MLP::n_inputs) values.
    pub fn forward(&self, x: &[Value<'g>]) -> Vec<Value<'g>> {
        assert_eq!(
            x.len(),
            self.inputs,
            "MLP::forward: {} inputs for a model of {} inputs",
            x.len(),
            self.inputs
        );
        let Some((first, rest)) = self.layers.split_first() else {
            return x.to_vec();
        };
        let mut current = first.forward(x);
        for layer in rest {
            current = layer.forward(&current);
        }
        current
    }

    /// As [`forward`](MLP::forward), for plain numbers: each becomes a constant node.
    pub fn forward_data(&self, x: &[f64]) -> Vec<Value<'g>> {
        let inputs: Vec<Value<'g>> = x.iter().map(|&v| self.graph.constant(v)).collect();
        self.forward(&inputs)
    }

    /// Each layer checked for the batch path (see [`DenseLayer`]), for this generation of the
    /// graph; `None` if a layer cannot take it (an empty one), for which the whole batch takes the
    /// general path. The layers' widths chain by construction.
    pub(crate) fn dense_layers(&self) -> Option<Vec<DenseLayer<'g>>> {
        let dense: Option<Vec<DenseLayer<'g>>> = self.layers.iter().map(Layer::dense).collect();
        dense.filter(|layers| !layers.is_empty())
    }

    /// The outputs for each of `rows`, as [`forward_data`](MLP::forward_data) gives them row by row
    /// (the same nodes, the same numbers), with each layer's parameters checked once for the whole
    /// batch instead of once per row: the path training takes.
    ///
    /// ```
    /// use micrograd::nn::MLP;
    /// use micrograd::Graph;
    ///
    /// let g = Graph::new();
    /// let m = MLP::new(&g, 2, &[4, 1], 0);
    /// let rows = [[0.5, -1.0], [2.0, 0.25]];
    /// let outputs = m.forward_batch(rows.iter().map(|r| &r[..]));
    /// assert_eq!(outputs[1][0].data(), m.forward_data(&rows[1])[0].data());
    /// ```
    ///
    /// # Panics
    /// If a row does not have [`n_inputs`](MLP::n_inputs) values.
    pub fn forward_batch<'r>(
        &self,
        rows: impl IntoIterator<Item = &'r [f64]>,
    ) -> Vec<Vec<Value<'g>>> {
        let Some(dense) = self.dense_layers() else {
            return rows.into_iter().map(|row| self.forward_data(row)).collect();
        };
        let width = self.n_outputs();
        let rows: Vec<&[f64]> = rows
            .into_iter()
            .inspect(|row| {
                assert_eq!(
                    row.len(),
                    self.inputs,
                    "MLP::forward_batch: {} inputs for a model of {} inputs",
                    row.len(),
                    self.inputs
                );
            })
            .collect();
        speed::forward_batch(self.graph, &dense, &rows)
            .into_iter()
            .map(|first| speed::run_values(self.graph, first, width))
            .collect()
    }

    /// The outputs for plain numbers, computed in `f64` without building graph nodes (the same
    /// arithmetic as [`forward`](MLP::forward), so the same numbers).
    ///
    /// # Panics
    /// If `x` does not have [`n_inputs`](MLP::n_inputs) values.
    pub fn predict(&self, x: &[f64]) -> Vec<f64> {
        FrozenMlp::new(self).predict(x)
    }

    /// Every parameter's current value, in the order of [`Module::parameters`].
    pub fn parameter_data(&self) -> Vec<f64> {
        self.parameters().iter().map(Value::data).collect()
    }

    /// Sets every parameter from `values`, in the order of [`Module::parameters`].
    pub fn set_parameter_data(&self, values: &[f64]) -> Result<(), ParameterCountError> {
        let params = self.parameters();
        if params.len() != values.len() {
            return Err(ParameterCountError {
                expected: params.len(),
                found: values.len(),
            });
        }
        for (p, &v) in params.iter().zip(values) {
            p.set_data(v);
        }
        Ok(())
    }
}

impl<'g> Module<'g> for MLP<'g> {
    fn parameters(&self) -> Vec<Value<'g>> {
        let mut out = Vec::with_capacity(self.num_parameters());
        for layer in &self.layers {
            for n in layer.neurons() {
                out.extend_from_slice(n.weights());
                out.push(n.bias());
            }
        }
        out
    }

    fn num_parameters(&self) -> usize {
        self.layers.iter().map(Module::num_parameters).sum()
    }
}

impl fmt::Display for MLP<'_> {
    /// `MLP of [Layer of [ReLUNeuron(2), …], …]`, as micrograd prints.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MLP of [")?;
        for (i, l) in self.layers.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{l}")?;
        }
        f.write_str("]")
    }
}
