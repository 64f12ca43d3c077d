//! The subcommands, one module each.

pub mod eval;
pub mod serve;
