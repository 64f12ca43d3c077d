//! [`Activation`]: the nonlinearity a neuron applies to its weighted sum, with its names.
//!
//! The type and its two rules are the engine's ([`crate::op::Activation`]): a neuron's node,
//! [`Op::WeightedSum`](crate::Op::WeightedSum), carries it as data. This module adds what the
//! networks and the files need: applying it to a [`Value`], and its names.

use std::fmt;
use std::str::FromStr;

use crate::graph::Value;
pub use crate::op::Activation;

impl Activation {
    /// Applies the activation to a value in the graph.
    pub fn apply<'g>(self, x: Value<'g>) -> Value<'g> {
        match self {
            Activation::Relu => x.relu(),
            Activation::Tanh => x.tanh(),
            Activation::Sigmoid => x.sigmoid(),
            Activation::Linear => x,
        }
    }

    /// Applies the activation to a plain number, with the same formulas as the graph's nodes.
    pub fn apply_f64(self, x: f64) -> f64 {
        self.forward(x)
    }

    /// The lowercase name used in files and on the command line: `relu`, `tanh`, `sigmoid`, `linear`.
    pub fn name(self) -> &'static str {
        match self {
            Activation::Relu => "relu",
            Activation::Tanh => "tanh",
            Activation::Sigmoid => "sigmoid",
            Activation::Linear => "linear",
        }
    }

    /// The prefix micrograd prints before `Neuron`: `ReLU`, `Tanh`, `Sigmoid`, `Linear`.
    pub fn display_name(self) -> &'static str {
        match self {
            Activation::Relu => "ReLU",
            Activation::Tanh => "Tanh",
            Activation::Sigmoid => "Sigmoid",
            Activation::Linear => "Linear",
        }
    }

    /// Every activation, in the order they are documented.
    pub const ALL: [Activation; 4] = [
        Activation::Relu,
        Activation::Tanh,
        Activation::Sigmoid,
        Activation::Linear,
    ];
}

impl fmt::Display for Activation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The error of parsing an unknown activation name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownActivation(pub String);

impl fmt::Display for UnknownActivation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown activation `{}` (expected one of: relu, tanh, sigmoid, linear)",
            self.0
        )
    }
}

impl std::error::Error for UnknownActivation {}

impl FromStr for Activation {
    type Err = UnknownActivation;

    /// Parses `relu`, `tanh`, `sigmoid` or `linear` (any case; `identity` and `none` mean linear).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "relu" => Ok(Activation::Relu),
            "tanh" => Ok(Activation::Tanh),
            "sigmoid" => Ok(Activation::Sigmoid),
            "linear" | "identity" | "none" => Ok(Activation::Linear),
            _ => Err(UnknownActivation(s.to_string())),
        }
    }
}
