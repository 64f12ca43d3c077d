//! End-to-end tests of `micrograd train`: the demo's result, digits, the pictures, divergence, Ctrl-C,
//! and every kind of bad input getting exit 2 and a message rather than a panic.

#[path = "../common/mod.rs"]
mod common;

mod bad_input;
mod datasets;
mod init_and_threads;
mod output;
mod stopping;
