//! Learning: tabular Q-learning, model estimation with value iteration, baseline policies
//! and their evaluation over many seeds.
//!
//! Everything here is generic over `mdp::Env`; nothing knows about AMMs except the
//! baseline policies in `policy`, which read the market's gap and fee pool.

pub mod band;
pub mod model;
pub mod policy;
pub mod qlearning;

pub use model::Model;
pub use policy::{evaluate, EvalStats, EvalTable, Interval, Policy, PolicyKind};
pub use qlearning::{epsilon_greedy, greedy, LearnConfig, QLearner, StepOutcome};

/// ‖a − b‖∞ over the entries where `b` is defined (finite).
pub fn max_abs_diff(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .filter(|(_, y)| y.is_finite())
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

/// ‖b‖∞ over the finite entries.
pub fn max_abs(b: &[f64]) -> f64 {
    b.iter()
        .filter(|y| y.is_finite())
        .map(|y| y.abs())
        .fold(0.0, f64::max)
}
