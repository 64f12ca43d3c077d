//! What a front end shows of a session while it trains: the loss and accuracy curves (thinned to a
//! bounded length however long the run), and a [`Snapshot`] of the step, the curves, the decision
//! boundary and the weights.

use super::boundary::BoundaryGrid;
use crate::nn::Architecture;
use crate::train::StepReport;

/// The loss and accuracy of every `every`-th step, at most [`Curves::MAX_POINTS`] of each: when they
/// fill, every other point goes and `every` doubles.
#[derive(Clone, Debug, PartialEq)]
pub struct Curves {
    /// The steps between two points.
    pub every: usize,
    /// The loss of steps `every`, `2·every`, … (the steps counted from 1).
    pub loss: Vec<f64>,
    /// The accuracy of the same steps.
    pub accuracy: Vec<f64>,
}

impl Default for Curves {
    fn default() -> Self {
        Curves {
            every: 1,
            loss: Vec::new(),
            accuracy: Vec::new(),
        }
    }
}

impl Curves {
    /// The most points kept in each curve.
    pub const MAX_POINTS: usize = 1000;

    /// Records a step's report, if its step is one the curves keep.
    pub fn record(&mut self, report: &StepReport) {
        let counted = report.step + 1;
        if !counted.is_multiple_of(self.every) {
            return;
        }
        self.loss.push(report.loss);
        self.accuracy.push(report.accuracy);
        if self.loss.len() >= Self::MAX_POINTS {
            self.every *= 2;
            // Steps every, 2·every, ... sit at indices 0, 1, ...: the multiples of the new stride
            // are the odd indices.
            let thin = |v: &mut Vec<f64>| *v = v.iter().skip(1).step_by(2).copied().collect();
            thin(&mut self.loss);
            thin(&mut self.accuracy);
        }
    }
}

/// One layer's parameters: each neuron's weights (one row per neuron) and bias.
#[derive(Clone, Debug, PartialEq)]
pub struct LayerWeights {
    /// `weights[i]` holds neuron i's weights.
    pub weights: Vec<Vec<f64>>,
    /// `biases[i]` is neuron i's bias.
    pub biases: Vec<f64>,
}

impl LayerWeights {
    /// Each layer's weights from the parameter values in the order of
    /// [`Module::parameters`](crate::nn::Module::parameters) (neuron by neuron, weights then bias).
    pub fn of(architecture: &Architecture, parameters: &[f64]) -> Vec<LayerWeights> {
        let mut rest = parameters;
        let mut n_in = architecture.inputs;
        let mut layers = Vec::with_capacity(architecture.layers.len());
        for &(n_out, _) in &architecture.layers {
            let mut layer = LayerWeights {
                weights: Vec::with_capacity(n_out),
                biases: Vec::with_capacity(n_out),
            };
            for _ in 0..n_out {
                let (w, tail) = rest.split_at(n_in.min(rest.len()));
                layer.weights.push(w.to_vec());
                layer.biases.push(tail.first().copied().unwrap_or(0.0));
                rest = tail.get(1..).unwrap_or_default();
            }
            layers.push(layer);
            n_in = n_out;
        }
        layers
    }
}

/// A session at one moment, as a front end draws it.
#[derive(Clone, Debug, PartialEq)]
pub struct Snapshot {
    /// The steps taken.
    pub step: usize,
    /// The last step's loss (none before the first step).
    pub loss: Option<f64>,
    /// The last step's training accuracy.
    pub accuracy: Option<f64>,
    /// The last step's learning rate.
    pub learning_rate: Option<f64>,
    /// The curves so far.
    pub curves: Curves,
    /// The model over the plane of the data (two-input models only).
    pub grid: Option<BoundaryGrid>,
    /// The widths of every layer, the inputs first: `[2, 16, 16, 1]`.
    pub layer_widths: Vec<usize>,
    /// Each layer's weights.
    pub layers: Vec<LayerWeights>,
}
