//! `micrograd serve`: every endpoint of the playground, its limits, and malformed requests, over
//! real HTTP against the binary.

#[path = "../playground/mod.rs"]
mod playground;

mod fuzz;
mod graph;
mod pages;
mod process;
mod requests;
mod training;
