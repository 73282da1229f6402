//! Markov decision processes: the `Env` interface the learners drive and its
//! implementations — one type per market preset over a shared market core (`paper`,
//! `control` on `market_core`, selected through `preset`; its money split in `money`), the stylised repeg band (`band`),
//! and an explicit tabular MDP (`tabular`) whose exact solution is known, used to test
//! learners.
//!
//! An `Env` exposes a finite state index, a finite action set and, per state, a mask of the
//! actions that are available (Drift's constraints are masks, not penalties: docs/modeling.md §4).

pub mod band;
pub mod control;
pub mod market_core;
pub mod money;
pub mod paper;
pub mod preset;
pub mod tabular;

pub use control::{ControlAction, ControlEnv};
pub use market_core::{EnvError, MarketConfig, MarketCore, MdpConfig, StepInfo, Valuation};
pub use money::{MoneyScope, MoneySplit};
pub use paper::{PaperAction, PaperEnv};
pub use preset::{BandScenario, Preset, PresetInputs, Scenario};
pub use tabular::TabularMdp;

use crate::rng::SimRng;

/// Bit mask of available actions (bit a set = action a available); at most 32 actions.
pub type ActionMask = u32;

/// A finite-state, finite-action environment with per-state action masks.
pub trait Env {
    fn n_states(&self) -> usize;
    fn n_actions(&self) -> usize;
    /// Starts an episode and returns the initial state.
    fn reset(&mut self, rng: &mut SimRng) -> usize;
    /// The current state.
    fn state(&self) -> usize;
    /// Actions available in the current state (never empty).
    fn mask(&self) -> ActionMask;
    /// Applies `action` and returns (reward, next state).
    fn step(&mut self, action: usize, rng: &mut SimRng) -> (f64, usize);
}

/// Index of the bin of `x` among `bins` equal bins over [−range, range]; the outer bins
/// also take everything beyond the range.
#[inline]
pub fn bin(x: f64, range: f64, bins: usize) -> usize {
    let u = (x / range + 1.0) * 0.5 * bins as f64;
    if u.is_nan() || u < 0.0 {
        0
    } else {
        (u as usize).min(bins - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_cover_the_line() {
        assert_eq!(bin(-5.0, 1.0, 4), 0);
        assert_eq!(bin(-0.99, 1.0, 4), 0);
        assert_eq!(bin(-0.49, 1.0, 4), 1);
        assert_eq!(bin(0.0, 1.0, 4), 2);
        assert_eq!(bin(0.99, 1.0, 4), 3);
        assert_eq!(bin(7.0, 1.0, 4), 3);
        assert_eq!(bin(f64::NAN, 1.0, 4), 0);
        assert_eq!(bin(0.0, 1.0, 5), 2);
    }
}
