//! Analyses of Drift's history that combine the parsed data with the learners: the volume
//! regression over curve-record periods, the labelled-event classifiers, the next-change
//! predictor, and the ensemble recommendation that checks an RL policy against them.
//!
//! `data` only parses; `ml` only fits feature matrices; this layer joins them. Nothing
//! below the front ends (CLI, wasm) imports it except through `Dataset`.

pub mod dataset;
pub mod ensemble;
pub mod volume;

pub use dataset::Dataset;
