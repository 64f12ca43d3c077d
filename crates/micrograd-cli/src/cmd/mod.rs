//! The subcommands, one module each.

pub mod bench;
pub mod eval;
pub mod gradcheck;
pub mod plot;
pub mod predict;
pub mod program;
pub mod serve;
pub mod train;
