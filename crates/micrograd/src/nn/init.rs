//! [`Init`]: how a new neuron's weights and bias are drawn.

use std::fmt;
use std::str::FromStr;

/// How new parameters are drawn from the seeded generator.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Init {
    /// micrograd's `nn.py`: each weight uniform in [-1, 1), the bias 0.
    #[default]
    Micrograd,
    /// PyTorch's `nn.Linear`: each weight and the bias uniform in [-1/√n, 1/√n) for n inputs, so the
    /// weighted sums stay of order 1 however many inputs a neuron has.
    PyTorch,
}

impl Init {
    /// The half-widths of the weights' and the bias's uniform ranges for a neuron of `n_inputs` inputs
    /// (a bias half-width of 0 means a bias of exactly 0).
    pub fn bounds(self, n_inputs: usize) -> (f64, f64) {
        match self {
            Init::Micrograd => (1.0, 0.0),
            Init::PyTorch => {
                let b = if n_inputs == 0 {
                    0.0
                } else {
                    1.0 / (n_inputs as f64).sqrt()
                };
                (b, b)
            }
        }
    }

    /// The name used on the command line: `micrograd` or `pytorch`.
    pub fn name(self) -> &'static str {
        match self {
            Init::Micrograd => "micrograd",
            Init::PyTorch => "pytorch",
        }
    }
}

impl fmt::Display for Init {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Init {
    type Err = String;

    /// Parses `micrograd` or `pytorch` (`torch` too), in any case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "micrograd" | "uniform" => Ok(Init::Micrograd),
            "pytorch" | "torch" => Ok(Init::PyTorch),
            _ => Err(format!(
                "unknown initialization `{s}` (expected micrograd or pytorch)"
            )),
        }
    }
}
