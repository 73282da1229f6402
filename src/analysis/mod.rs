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

/// Folds of the classifiers' stratified cross-validation (CLI default, page, tests).
pub const CV_FOLDS: usize = 5;
/// Seed of the cross-validation's fold assignment.
pub const CV_SEED: u64 = 42;
/// Events per input window of the next-change predictor.
pub const PREDICT_WINDOW: usize = 3;
/// Seed of the predictor's initialisation.
pub const PREDICT_SEED: u64 = 7;
