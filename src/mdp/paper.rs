//! The seed paper's MDP (`paper` preset) on the shared market core.
//!
//! State: bin of the users' net position N (long − short open interest) relative to the
//! initial base reserve. Actions {+1, −1}, read as the side the protocol invites next: +1
//! repegs so mark = oracle·(1 − δ) (informed traders go long), −1 so mark = oracle·(1 + δ).
//! Reward: R = volume·fee·tranche of the step's trade; the paper ignores repeg costs, so the
//! market runs without Drift's fee-pool checks. Not here: the operator's cost-aware problem
//! (`control`).

use super::market_core::{MarketCore, StepInfo};
use super::{ActionMask, Env};
use crate::amm::{self, AmmRules};
use crate::rng::SimRng;

/// The paper's two actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum PaperAction {
    /// +1: put the mark below the oracle so informed traders go long.
    InviteLongs = 0,
    /// −1: put the mark above the oracle so informed traders go short.
    InviteShorts = 1,
}

impl PaperAction {
    pub const NAMES: &'static [&'static str] = &["+1 (invite longs)", "-1 (invite shorts)"];
    /// Short chart labels, in index order.
    pub const LABELS: &'static [&'static str] = &["+1", "−1"];

    pub fn from_index(a: usize) -> Self {
        if a == 0 {
            Self::InviteLongs
        } else {
            Self::InviteShorts
        }
    }
}

/// The paper's MDP.
#[derive(Debug, Clone)]
pub struct PaperEnv {
    core: MarketCore,
    state: usize,
}

impl PaperEnv {
    /// The paper's MDP on `core`; the paper ignores repeg costs, so Drift's fee-pool checks
    /// are switched off.
    pub fn new(mut core: MarketCore) -> Self {
        core.set_rules(AmmRules::unchecked());
        let state = core.imbalance_bin();
        Self { core, state }
    }

    pub fn core(&self) -> &MarketCore {
        &self.core
    }

    /// Starts an episode (exploring start when `explore`).
    pub fn reset_with(&mut self, rng: &mut SimRng, explore: bool) -> usize {
        self.core.reset(rng, explore, false);
        self.state = self.core.imbalance_bin();
        self.state
    }

    /// Target of an action: the peg that puts the mark at oracle·(1 ∓ δ).
    pub fn target_peg(&self, action: PaperAction) -> f64 {
        let sign = match action {
            PaperAction::InviteLongs => -1.0,
            PaperAction::InviteShorts => 1.0,
        };
        let target = self.core.oracle_price() * (1.0 + sign * self.core.mdp().delta);
        let a = self.core.amm();
        amm::peg_for_price(a.base_reserve(), a.quote_reserve(), target)
    }

    pub fn last(&self) -> &StepInfo {
        self.core.last()
    }
}

impl Env for PaperEnv {
    fn n_states(&self) -> usize {
        self.core.mdp().imbalance_bins as usize
    }
    fn n_actions(&self) -> usize {
        PaperAction::NAMES.len()
    }
    fn reset(&mut self, rng: &mut SimRng) -> usize {
        let explore = self.core.mdp().exploring_starts;
        self.reset_with(rng, explore)
    }
    fn state(&self) -> usize {
        self.state
    }
    fn mask(&self) -> ActionMask {
        0b11
    }
    fn step(&mut self, action: usize, rng: &mut SimRng) -> (f64, usize) {
        let act = PaperAction::from_index(action);
        let p = self.target_peg(act);
        let mut adjustment_cost = 0.0;
        let mut adjusted = false;
        if p != self.core.amm().peg() {
            if let Ok(fill) = self.core.amm_mut().repeg(p) {
                adjustment_cost = fill.cost;
                adjusted = true;
            }
        }
        let mut mv = self.core.market_step(rng, false);
        mv.parts.adjustment_cost = adjustment_cost;
        let reward = mv.parts.fee_income;
        self.core.record(action, adjusted, mv, reward);
        self.state = self.core.imbalance_bin();
        (reward, self.state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::market::{OracleConfig, TraderConfig};
    use crate::mdp::{MarketConfig, MdpConfig};

    #[test]
    fn actions_set_the_mark_relative_to_the_oracle() {
        let core = MarketCore::new(
            &MarketConfig::default(),
            &MdpConfig::default(),
            &OracleConfig::default(),
            &TraderConfig::default(),
        )
        .unwrap();
        let mut e = PaperEnv::new(core);
        assert_eq!(e.n_states(), 7);
        let mut rng = SimRng::new(1);
        e.reset_with(&mut rng, false);
        let o = e.core().oracle_price();
        let p = e.target_peg(PaperAction::InviteLongs);
        let mut a = *e.core().amm();
        a.repeg(p).unwrap();
        assert!((a.mark_price() / o - (1.0 - 0.005)).abs() < 1e-12);
    }
}
