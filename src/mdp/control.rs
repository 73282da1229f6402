//! The operator's control problem (`control` preset) on the shared market core.
//!
//! State: imbalance bin × bin of (mark − oracle)/oracle × level of √k (docs/modeling.md §5).
//! Actions {hold, repeg to oracle, √k·(1+κ), √k/(1+κ)}, masked by Drift's rules
//! (docs/modeling.md §4). Reward: fee share − adjustment cost + funding kept
//! (docs/modeling.md §1–2; optional counterparty PnL at the oracle, off by default), or with
//! `mdp.valuation = oracle` the books at the oracle, where the repeg puts the mark on the
//! oracle as Drift v2's does (docs/modeling.md §15).
//! Not here: the paper's ±1 MDP (`paper`), and the policies that drive it (`learn::policy`).

use super::market_core::{MarketCore, MarketMove, MdpConfig, StepInfo, Valuation};
use super::{bin, ActionMask, Env};
use crate::amm::v2::{v2_step, V2Market, V2Params};
use crate::amm::{Amm, AmmError, PEG_RANGE, TRANCHE};
use crate::market::TraderConfig;
use crate::rng::SimRng;

/// The operator's actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum ControlAction {
    Hold = 0,
    /// Repeg toward the oracle (Drift v1: neither mark nor terminal crossing it).
    Repeg = 1,
    /// √k·(1+κ).
    KUp = 2,
    /// √k/(1+κ).
    KDown = 3,
}

impl ControlAction {
    pub const ALL: [ControlAction; 4] = [Self::Hold, Self::Repeg, Self::KUp, Self::KDown];
    pub const NAMES: &'static [&'static str] = &["hold", "repeg to oracle", "k up", "k down"];
    /// Short names (recommendations, chart labels), in index order.
    pub const SHORT: &'static [&'static str] = &["hold", "repeg", "k up", "k down"];

    pub fn index(self) -> usize {
        self as usize
    }
    pub fn from_index(a: usize) -> Option<Self> {
        Self::ALL.get(a).copied()
    }
    /// The bit of this action in an `ActionMask`.
    pub fn bit(self) -> ActionMask {
        1 << self.index()
    }
}

/// Where an allowed adjustment moves the market.
#[derive(Debug, Clone, Copy)]
enum Target {
    Peg(f64),
    SqrtK(f64),
}

/// The control MDP.
#[derive(Debug, Clone)]
pub struct ControlEnv {
    core: MarketCore,
    /// √k level j ∈ [−J, J].
    k_level: i32,
    state: usize,
    mask: ActionMask,
}

impl ControlEnv {
    /// The control MDP on `core`, under the market's own rules.
    pub fn new(core: MarketCore) -> Self {
        let mut env = Self {
            core,
            k_level: 0,
            state: 0,
            mask: 1,
        };
        env.observe();
        env
    }

    pub fn core(&self) -> &MarketCore {
        &self.core
    }
    pub fn amm(&self) -> &Amm {
        self.core.amm()
    }
    pub fn oracle_price(&self) -> f64 {
        self.core.oracle_price()
    }
    pub fn mdp(&self) -> &MdpConfig {
        self.core.mdp()
    }
    pub fn traders(&self) -> &TraderConfig {
        self.core.traders()
    }
    pub fn k_level(&self) -> i32 {
        self.k_level
    }
    pub fn last(&self) -> &StepInfo {
        self.core.last()
    }
    /// The relative gap (mark − oracle)/oracle.
    pub fn gap(&self) -> f64 {
        self.core.gap()
    }
    fn k_half(&self) -> i32 {
        (self.mdp().k_levels / 2) as i32
    }

    /// Starts an episode (exploring start when `explore`).
    pub fn reset_with(&mut self, rng: &mut SimRng, explore: bool) -> usize {
        self.k_level = self.core.reset(rng, explore, true);
        self.observe();
        self.state
    }

    /// Encodes the state index and the action mask of the current market.
    fn observe(&mut self) {
        let m = self.mdp();
        let (ib, gb) = (m.imbalance_bins as usize, m.gap_bins as usize);
        let gap = bin(self.gap(), m.gap_range, gb);
        let k = (self.k_level + self.k_half()) as usize;
        self.state = self.core.imbalance_bin() + ib * (gap + gb * k);
        self.mask = self.control_mask();
    }

    /// The action's market change applied to `amm`; returns its cost to the protocol. A
    /// refused action leaves `amm` unchanged.
    pub fn apply(&self, amm: &mut Amm, action: ControlAction) -> Result<f64, AmmError> {
        match self.target(amm, action)? {
            Target::Peg(p) => amm.repeg(p).map(|f| f.cost),
            Target::SqrtK(s) => amm.update_k(s).map(|f| f.cost),
        }
    }

    /// Where the action would move `amm`, and whether Drift's rules allow it, checked in
    /// closed form without applying it (docs/amm-formulas.md §4–6: the cost formulas and
    /// the pool rules `Amm::repeg` / `Amm::update_k` run).
    fn target(&self, amm: &Amm, action: ControlAction) -> Result<Target, AmmError> {
        let kappa = self.mdp().kappa;
        let oracle = self.oracle_price();
        match action {
            // Books at the oracle: the peg that puts the mark on the oracle, as Drift v2's
            // repeg targets (docs/drift-v2-rules.md §1.2), whole and within the pool's rules.
            // Crossing the oracle only re-marks the curve here (docs/modeling.md §15).
            ControlAction::Repeg if self.mdp().valuation == Valuation::Oracle => {
                let p = amm.peg() * oracle / amm.mark_price();
                let (lo, hi) = PEG_RANGE;
                if !(lo..=hi).contains(&p) {
                    return Err(AmmError::InvalidParameter {
                        name: "repeg",
                        value: p,
                        reason: "the peg would leave the range a market can start with",
                    });
                }
                amm.repeg_check(p).map(|_| Target::Peg(p))
            }
            // Drift v1: toward the oracle, neither mark nor terminal crossing it
            // (docs/amm-formulas.md §5).
            ControlAction::Repeg => match amm.peg_toward(oracle) {
                Some(p) => amm.repeg_check(p).map(|_| Target::Peg(p)),
                None => Err(AmmError::InvalidParameter {
                    name: "repeg",
                    value: oracle,
                    reason: "the oracle lies between the mark and the terminal price",
                }),
            },
            ControlAction::KUp if self.k_level < self.k_half() => {
                let s = amm.sqrt_k() * (1.0 + kappa);
                amm.update_k_check(s).map(|_| Target::SqrtK(s))
            }
            ControlAction::KDown if self.k_level > -self.k_half() => {
                let s = amm.sqrt_k() / (1.0 + kappa);
                amm.update_k_check(s).map(|_| Target::SqrtK(s))
            }
            _ => Err(AmmError::InvalidParameter {
                name: "action",
                value: action.index() as f64,
                reason: "not available in this state",
            }),
        }
    }

    /// The available actions: Drift's checks in closed form, no trial copy of the market.
    fn control_mask(&self) -> ActionMask {
        let amm = self.amm();
        let mut mask = ControlAction::Hold.bit();
        for a in [
            ControlAction::Repeg,
            ControlAction::KUp,
            ControlAction::KDown,
        ] {
            if self.target(amm, a).is_ok() {
                mask |= a.bit();
            }
        }
        mask
    }

    /// One step with a typed action; an unavailable action holds.
    pub fn step_action(&mut self, action: ControlAction, rng: &mut SimRng) -> (f64, usize) {
        let mut adjustment_cost = 0.0;
        let mut adjusted = false;
        if action != ControlAction::Hold && self.mask & action.bit() != 0 {
            let applied = self.target(self.amm(), action).and_then(|t| match t {
                Target::Peg(p) => self.core.amm_mut().repeg(p).map(|f| f.cost),
                Target::SqrtK(s) => self.core.amm_mut().update_k(s).map(|f| f.cost),
            });
            if let Ok(cost) = applied {
                adjustment_cost = cost;
                adjusted = true;
                match action {
                    ControlAction::KUp => self.k_level += 1,
                    ControlAction::KDown => self.k_level -= 1,
                    _ => {}
                }
            }
        }
        self.finish_step(action.index(), adjusted, adjustment_cost, rng)
    }

    /// One step under Drift v2's automatic rules instead of an action: formulaic k for the
    /// period just ended (its funding and its change of P), then the budgeted repeg toward
    /// the current oracle (docs/drift-v2-rules.md §1–2, §7 event order). The state's √k
    /// level is not moved: v2's ±0.1% k steps are not the κ grid.
    pub fn step_drift_v2(&mut self, params: &V2Params, rng: &mut SimRng) -> (f64, usize) {
        let last = *self.last();
        // X = −(funding the AMM received); R = the period's change of P.
        let funding_cost = -last.parts.funding;
        let revenue =
            last.parts.fee_income / TRANCHE + last.parts.funding - last.parts.adjustment_cost;
        let before = V2Market::from(self.amm());
        let (mut action, mut adjusted, mut cost) = (ControlAction::Hold, false, 0.0);
        if let Ok(d) = v2_step(&before, self.oracle_price(), funding_cost, revenue, params) {
            let (s, p) = (d.after.sqrt_k, d.after.peg);
            if (s != before.sqrt_k || p != before.peg)
                && self
                    .core
                    .amm_mut()
                    .apply_adjustment(s, p, d.total_cost)
                    .is_ok()
            {
                adjusted = true;
                cost = d.total_cost;
                action = if p != before.peg {
                    ControlAction::Repeg
                } else if s > before.sqrt_k {
                    ControlAction::KUp
                } else {
                    ControlAction::KDown
                };
            }
        }
        self.finish_step(action.index(), adjusted, cost, rng)
    }

    /// The market half of the step, the reward and the next state.
    fn finish_step(
        &mut self,
        action: usize,
        adjusted: bool,
        adjustment_cost: f64,
        rng: &mut SimRng,
    ) -> (f64, usize) {
        let funding = self.mdp().funding;
        let overhead = if adjusted { self.mdp().overhead } else { 0.0 };
        let mut mv: MarketMove = self.core.market_step(rng, funding);
        mv.parts.adjustment_cost = adjustment_cost;
        mv.parts.overhead = overhead;
        let reward = match self.mdp().valuation {
            Valuation::Curve => mv.parts.net(),
            Valuation::Oracle => mv.parts.net_at_oracle(),
        };
        self.core.record(action, adjusted, mv, reward);
        self.observe();
        (reward, self.state)
    }
}

impl Env for ControlEnv {
    fn n_states(&self) -> usize {
        let m = self.mdp();
        m.imbalance_bins as usize * m.gap_bins as usize * m.k_levels as usize
    }
    fn n_actions(&self) -> usize {
        ControlAction::ALL.len()
    }
    fn reset(&mut self, rng: &mut SimRng) -> usize {
        let explore = self.mdp().exploring_starts;
        self.reset_with(rng, explore)
    }
    fn state(&self) -> usize {
        self.state
    }
    fn mask(&self) -> ActionMask {
        self.mask
    }
    fn step(&mut self, action: usize, rng: &mut SimRng) -> (f64, usize) {
        let a = ControlAction::from_index(action).unwrap_or(ControlAction::Hold);
        self.step_action(a, rng)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::market::OracleConfig;
    use crate::mdp::MarketConfig;

    fn env() -> ControlEnv {
        let core = MarketCore::new(
            &MarketConfig::default(),
            &MdpConfig::default(),
            &OracleConfig::default(),
            &TraderConfig::default(),
        )
        .unwrap();
        ControlEnv::new(core)
    }

    #[test]
    fn state_counts() {
        let e = env();
        assert_eq!(e.n_states(), 7 * 5 * 3);
        assert_eq!(e.n_actions(), 4);
    }

    /// Finds a start (exploring starts, fixed seeds) where the repeg is available, so the
    /// check below always runs.
    fn start_with_repeg() -> (ControlEnv, SimRng) {
        for seed in 0..1_000 {
            let mut e = env();
            let mut rng = SimRng::new(seed);
            e.reset_with(&mut rng, true);
            if e.mask() & ControlAction::Repeg.bit() != 0 {
                return (e, rng);
            }
        }
        panic!("no start in 1,000 seeds offers a repeg");
    }

    #[test]
    fn repeg_puts_mark_on_oracle_and_charges_the_closed_form_cost() {
        let (e, _) = start_with_repeg();
        let before = *e.amm();
        let oracle = e.oracle_price();
        let mut probe = before;
        let cost = e.apply(&mut probe, ControlAction::Repeg).unwrap();
        assert!((probe.mark_price() - oracle).abs() < 1e-9 * oracle);
        let expect = (before.quote_reserve()
            - before.sqrt_k().powi(2) / (before.base_reserve() + before.net_base()))
            * (probe.peg() - before.peg());
        assert!((cost - expect).abs() <= 1e-6 * expect.abs().max(1.0));
        assert!(cost != 0.0);
    }

    #[test]
    fn exploring_starts_visit_many_states_and_keep_fees() {
        let mut e = env();
        let mut rng = SimRng::new(3);
        let mut seen = std::collections::HashSet::new();
        for _ in 0..2_000 {
            seen.insert(e.reset_with(&mut rng, true));
            assert_eq!(e.amm().total_fee(), MarketConfig::default().total_fee);
        }
        assert!(seen.len() > 60, "{}", seen.len());
    }

    /// The mask Drift's mutating operations give on a trial copy of the market (what the
    /// mask used to be computed from).
    fn probed_mask(e: &ControlEnv) -> ActionMask {
        let (amm, kappa, half) = (*e.amm(), e.mdp().kappa, e.k_half());
        let trial = |f: &dyn Fn(&mut Amm) -> bool| f(&mut { amm });
        let mut mask = ControlAction::Hold.bit();
        let o = e.oracle_price();
        let target = match e.mdp().valuation {
            Valuation::Curve => amm.peg_toward(o),
            Valuation::Oracle => Some(amm.peg() * o / amm.mark_price())
                .filter(|p| (PEG_RANGE.0..=PEG_RANGE.1).contains(p)),
        };
        if let Some(p) = target {
            if trial(&|c| c.repeg(p).is_ok()) {
                mask |= ControlAction::Repeg.bit();
            }
        }
        if e.k_level() < half && trial(&|c| c.update_k(amm.sqrt_k() * (1.0 + kappa)).is_ok()) {
            mask |= ControlAction::KUp.bit();
        }
        if e.k_level() > -half && trial(&|c| c.update_k(amm.sqrt_k() / (1.0 + kappa)).is_ok()) {
            mask |= ControlAction::KDown.bit();
        }
        mask
    }

    #[test]
    fn the_closed_form_mask_equals_trial_copies() {
        // A small fee pool so the pool rules refuse some adjustments; k levels ±2.
        let market = MarketConfig {
            fee_pool: 10_500.0,
            ..MarketConfig::default()
        };
        for valuation in Valuation::ALL {
            let mdp = MdpConfig {
                k_levels: 5,
                valuation,
                ..MdpConfig::default()
            };
            let core = MarketCore::new(
                &market,
                &mdp,
                &OracleConfig::default(),
                &TraderConfig::default(),
            )
            .unwrap();
            let mut e = ControlEnv::new(core);
            let mut rng = SimRng::new(9);
            let mut seen = std::collections::HashSet::new();
            for i in 0..20_000 {
                if i % 100 == 0 {
                    e.reset_with(&mut rng, true);
                }
                assert_eq!(e.mask(), probed_mask(&e), "{valuation:?} step {i}");
                seen.insert(e.mask());
                let a = ControlAction::ALL[rng.index(4)];
                e.step_action(a, &mut rng);
            }
            // Every action was both offered and refused somewhere.
            for a in ControlAction::ALL[1..].iter() {
                assert!(seen.iter().any(|m| m & a.bit() != 0), "{a:?} never offered");
                assert!(seen.iter().any(|m| m & a.bit() == 0), "{a:?} never refused");
            }
        }
    }

    #[test]
    fn k_levels_are_masked_at_the_edges() {
        let mut e = env();
        let mut rng = SimRng::new(4);
        e.reset_with(&mut rng, false);
        e.step_action(ControlAction::KUp, &mut rng);
        assert_eq!(e.k_level(), 1);
        assert_eq!(e.mask() & ControlAction::KUp.bit(), 0);
    }
}
