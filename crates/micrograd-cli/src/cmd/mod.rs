//! The subcommands, one module each.

pub mod eval;
pub mod gradcheck;
pub mod program;
pub mod serve;
pub mod train;
