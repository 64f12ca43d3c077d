//! The kinds a recipe chooses between, each parsed from and printed as the command line spells it:
//! the optimizer ([`OptimizerKind`]), the learning rate's schedule ([`ScheduleKind`]) and the
//! hidden layers' widths ([`HiddenWidths`]).

use std::fmt;
use std::str::FromStr;

/// Which optimizer updates the parameters (`sgd`, `adam`, `adamw`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OptimizerKind {
    /// Stochastic gradient descent (with --momentum).
    Sgd,
    /// Adam, as PyTorch's.
    Adam,
    /// AdamW (decoupled weight decay 0.01), as PyTorch's.
    Adamw,
}

/// How the learning rate changes over the run (`constant`, `linear`, `cosine`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScheduleKind {
    /// The same rate throughout.
    Constant,
    /// From --lr down to a tenth of it, linearly (the demo's 1.0 → 0.1).
    Linear,
    /// From --lr down to 0 along a half cosine.
    Cosine,
}

impl fmt::Display for OptimizerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            OptimizerKind::Sgd => "SGD",
            OptimizerKind::Adam => "Adam",
            OptimizerKind::Adamw => "AdamW",
        })
    }
}

impl OptimizerKind {
    /// The name as options spell it: `sgd`, `adam`, `adamw`.
    pub fn name(self) -> &'static str {
        match self {
            OptimizerKind::Sgd => "sgd",
            OptimizerKind::Adam => "adam",
            OptimizerKind::Adamw => "adamw",
        }
    }
}

impl FromStr for OptimizerKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "sgd" => Ok(OptimizerKind::Sgd),
            "adam" => Ok(OptimizerKind::Adam),
            "adamw" => Ok(OptimizerKind::Adamw),
            _ => Err(format!(
                "unknown optimizer `{s}`: expected sgd, adam or adamw"
            )),
        }
    }
}

impl fmt::Display for ScheduleKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ScheduleKind::Constant => "constant",
            ScheduleKind::Linear => "linear",
            ScheduleKind::Cosine => "cosine",
        })
    }
}

impl FromStr for ScheduleKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "constant" => Ok(ScheduleKind::Constant),
            "linear" => Ok(ScheduleKind::Linear),
            "cosine" => Ok(ScheduleKind::Cosine),
            _ => Err(format!(
                "unknown schedule `{s}`: expected constant, linear or cosine"
            )),
        }
    }
}

/// The widths of the hidden layers (without the inputs and the output layer), as `--hidden` gives
/// them: comma-separated positive widths (`16,16`), or `none` for no hidden layer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HiddenWidths(pub Vec<usize>);

impl FromStr for HiddenWidths {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        parse_hidden(text)
    }
}

fn parse_hidden(text: &str) -> Result<HiddenWidths, String> {
    let text = text.trim();
    if text.is_empty() || text.eq_ignore_ascii_case("none") {
        return Ok(HiddenWidths(Vec::new()));
    }
    text.split(',')
        .map(|part| match part.trim().parse::<usize>() {
            Ok(0) => Err("a layer needs at least one neuron".to_string()),
            Ok(n) if n > 100_000 => Err(format!("{n} neurons in one layer is more than this tool trains")),
            Ok(n) => Ok(n),
            Err(_) => Err(format!(
                "`{}` is not a layer width: give widths separated by commas, such as 16,16 (or none)",
                part.trim()
            )),
        })
        .collect::<Result<Vec<usize>, String>>()
        .map(HiddenWidths)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse() {
        assert_eq!("AdamW".parse(), Ok(OptimizerKind::Adamw));
        assert_eq!("cosine".parse(), Ok(ScheduleKind::Cosine));
        let err = "rmsprop".parse::<OptimizerKind>().unwrap_err();
        assert!(err.contains("sgd, adam or adamw"), "{err}");
        assert!("step".parse::<ScheduleKind>().is_err());
    }

    #[test]
    fn hidden_layers_parse() {
        assert_eq!(parse_hidden("16,16"), Ok(HiddenWidths(vec![16, 16])));
        assert_eq!(parse_hidden("none"), Ok(HiddenWidths(vec![])));
        assert!(parse_hidden("16,x").is_err());
        assert!(parse_hidden("0").is_err());
    }
}
