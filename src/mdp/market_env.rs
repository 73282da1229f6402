//! The vAMM market as an MDP, with two presets.
//!
//! **paper** — the seed paper's MDP. State: bin of the users' net position N (long − short
//! open interest) relative to the initial base reserve. Actions {+1, −1}, read as the side
//! the protocol invites next: +1 repegs so mark = oracle·(1 − δ) (informed traders go long),
//! −1 so mark = oracle·(1 + δ). Reward: R = volume·fee·tranche of the step's trade.
//!
//! **control** — the operator's problem the paper is after. State: imbalance bin × bin of
//! (mark − oracle)/oracle × level of √k (docs/modeling.md §5). Actions {hold, repeg to oracle,
//! √k·(1+κ), √k/(1+κ)}, masked by Drift's rules (docs/modeling.md §4). Reward: fee share −
//! adjustment cost + funding kept (docs/modeling.md §1–2; optional counterparty PnL at the
//! oracle, off by default).
//!
//! One step: the action is applied with its Drift cost → the oracle moves → one trader
//! arrives and trades → funding for the step is settled (control) → reward → next state.

use serde::{Deserialize, Serialize};

use super::{bin, ActionMask, Env};
use crate::amm::{self, Amm, AmmError, AmmInit, AmmRules, Side, TRANCHE};
use crate::market::{Oracle, OracleConfig, TraderConfig, TraderKind};
use crate::reward::RewardParts;
use crate::rng::SimRng;

/// Which MDP the environment poses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Preset {
    Paper,
    #[default]
    Control,
}

impl Preset {
    /// Every preset, in the order of `NAMES`.
    pub const ALL: [Preset; 2] = [Preset::Paper, Preset::Control];
    /// The presets' names as written in configs, URLs and on the command line.
    pub const NAMES: &'static [&'static str] = &["paper", "control"];

    /// Action names, in index order.
    pub fn action_names(self) -> &'static [&'static str] {
        match self {
            Preset::Paper => &["+1 (invite longs)", "-1 (invite shorts)"],
            Preset::Control => &["hold", "repeg to oracle", "k up", "k down"],
        }
    }
}

/// Action indices of the `control` preset.
pub mod control_action {
    pub const HOLD: usize = 0;
    pub const REPEG: usize = 1;
    pub const K_UP: usize = 2;
    pub const K_DOWN: usize = 3;
}

/// The market an episode starts from (Drift v1 launches markets with b = q = √k, mark = peg).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MarketConfig {
    /// √k at the start; b = q = √k.
    pub sqrt_k: f64,
    /// Peg at the start, which is also the starting mark and oracle price (USD).
    pub peg: f64,
    pub fee_rate: f64,
    /// Cumulative fees F at the start (USD).
    pub total_fee: f64,
    /// Fee pool P at the start (USD); the spendable budget is P − F/2.
    pub fee_pool: f64,
    pub rules: AmmRules,
}

impl Default for MarketConfig {
    fn default() -> Self {
        Self {
            sqrt_k: 1e5,
            peg: 150.0,
            fee_rate: amm::DRIFT_FEE_RATE,
            total_fee: 20_000.0,
            fee_pool: 15_000.0,
            // Drift v1's rules plus the F/2 floor on k costs (docs/modeling.md §4).
            rules: AmmRules {
                k_floor: true,
                ..AmmRules::default()
            },
        }
    }
}

impl MarketConfig {
    /// The AMM this config starts from (validated by `Amm::new`).
    pub fn amm(&self) -> Result<Amm, AmmError> {
        Amm::new(&AmmInit {
            base_reserve: self.sqrt_k,
            quote_reserve: self.sqrt_k,
            peg: self.peg,
            fee_rate: self.fee_rate,
            net_base: 0.0,
            sqrt_k: Some(self.sqrt_k),
            total_fee: self.total_fee,
            fee_pool: self.fee_pool,
            rules: self.rules,
        })
    }
}

/// Shape of the state space and of the actions.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MdpConfig {
    /// Number of bins of the imbalance N / b₀.
    pub imbalance_bins: u32,
    /// The imbalance bins span N / b₀ ∈ [−range, range].
    pub imbalance_range: f64,
    /// Number of bins of the gap (mark − oracle)/oracle (control).
    pub gap_bins: u32,
    /// The gap bins span [−range, range].
    pub gap_range: f64,
    /// Number of √k levels √k₀·(1+κ)^j, j centred on 0 (control; odd).
    pub k_levels: u32,
    /// δ: how far from the oracle the paper's ±1 actions put the mark.
    pub delta: f64,
    /// κ: relative √k step of the k actions.
    pub kappa: f64,
    /// Settle funding every step (control): rate = (mark − oracle)/24 per hour
    /// (docs/amm-formulas.md §7).
    pub funding: bool,
    /// Clamp the funding spread to ±oracle/33 (v1 from 26 Jan 2022).
    pub funding_clamp: bool,
    /// Add the AMM's counterparty PnL marked at the oracle to the reward (docs/modeling.md §1: a
    /// money pump).
    pub counterparty_pnl: bool,
    /// Start each training episode from a random imbalance, gap and k level (docs/modeling.md §10).
    pub exploring_starts: bool,
    /// Steps per episode T (one step ≈ one hour of funding).
    pub episode_len: u32,
}

impl Default for MdpConfig {
    fn default() -> Self {
        Self {
            imbalance_bins: 7,
            imbalance_range: 0.1,
            gap_bins: 5,
            gap_range: 0.02,
            k_levels: 3,
            delta: 0.005,
            kappa: 0.02,
            funding: true,
            funding_clamp: false,
            counterparty_pnl: false,
            exploring_starts: true,
            episode_len: 100,
        }
    }
}

/// Everything that happened in one step, for trajectories and charts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct StepInfo {
    pub oracle: f64,
    pub mark: f64,
    pub terminal: f64,
    pub peg: f64,
    pub sqrt_k: f64,
    pub net_base: f64,
    pub open_interest_long: f64,
    pub open_interest_short: f64,
    pub total_fee: f64,
    pub fee_pool: f64,
    /// Action index taken at the start of the step.
    pub action: u8,
    /// Whether the action changed the market (repeg or k update applied).
    pub adjusted: bool,
    /// Signed USD notional of the step's trade (> 0 long, 0 if none).
    pub trade: f64,
    pub informed: bool,
    pub parts: RewardParts,
    pub reward: f64,
}

/// The vAMM market as an `Env`.
#[derive(Debug, Clone)]
pub struct MarketEnv {
    preset: Preset,
    mdp: MdpConfig,
    oracle_cfg: OracleConfig,
    traders: TraderConfig,
    start: Amm,
    base0: f64,
    sqrt_k0: f64,
    amm: Amm,
    oracle: Oracle,
    /// √k level j ∈ [−J, J].
    k_level: i32,
    state: usize,
    mask: ActionMask,
    last: StepInfo,
}

/// Why an environment cannot be built from a configuration.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EnvError {
    #[error("market: {0}")]
    Market(#[from] AmmError),
}

impl MarketEnv {
    /// Builds the environment from parameters already checked by `Config::validate` (the
    /// parameter registry); only the starting AMM can still be refused here.
    pub fn new(
        preset: Preset,
        market: &MarketConfig,
        mdp: &MdpConfig,
        oracle: &OracleConfig,
        traders: &TraderConfig,
    ) -> Result<Self, EnvError> {
        let mut start = market.amm()?;
        if preset == Preset::Paper {
            // The paper's actions set the price directly; its reward ignores costs.
            start.set_rules(AmmRules::unchecked());
        }
        let oracle_state = Oracle::start(oracle, start.mark_price(), 0);
        let mut env = Self {
            preset,
            mdp: *mdp,
            oracle_cfg: oracle.clone(),
            traders: *traders,
            start,
            base0: start.base_reserve(),
            sqrt_k0: start.sqrt_k(),
            amm: start,
            oracle: oracle_state,
            k_level: 0,
            state: 0,
            mask: 1,
            last: StepInfo::default(),
        };
        env.observe();
        Ok(env)
    }

    pub fn preset(&self) -> Preset {
        self.preset
    }
    pub fn amm(&self) -> &Amm {
        &self.amm
    }
    pub fn oracle_price(&self) -> f64 {
        self.oracle.price()
    }
    pub fn mdp(&self) -> &MdpConfig {
        &self.mdp
    }
    pub fn traders(&self) -> &TraderConfig {
        &self.traders
    }
    pub fn k_level(&self) -> i32 {
        self.k_level
    }
    /// What happened in the last step.
    pub fn last(&self) -> &StepInfo {
        &self.last
    }
    /// The relative gap (mark − oracle)/oracle.
    pub fn gap(&self) -> f64 {
        (self.amm.mark_price() - self.oracle.price()) / self.oracle.price()
    }
    /// Users' net position relative to the initial base reserve, N / b₀.
    pub fn imbalance(&self) -> f64 {
        self.amm.net_base() / self.base0
    }
    fn k_half(&self) -> i32 {
        (self.mdp.k_levels / 2) as i32
    }

    /// Starts an episode from the configured market; with `explore`, from a random
    /// imbalance, gap and √k level (exploring starts, docs/modeling.md §10).
    pub fn reset_with(&mut self, rng: &mut SimRng, explore: bool) -> usize {
        self.amm = self.start;
        self.k_level = 0;
        let mut oracle_price = self.amm.mark_price();
        let mut replay_start = 0;
        if explore {
            // Draw every random number first so the stream does not depend on the preset.
            let u_level = rng.index(self.mdp.k_levels as usize) as i32 - self.k_half();
            let u_imb = 2.0 * rng.uniform() - 1.0;
            let u_gap = 2.0 * rng.uniform() - 1.0;
            let u_replay = rng.index(self.oracle_cfg.series.len().max(1));
            let mut setup = self.amm;
            setup.set_rules(AmmRules::unchecked());
            if self.preset == Preset::Control && u_level != 0 {
                let s = self.sqrt_k0 * libm::pow(1.0 + self.mdp.kappa, u_level as f64);
                if setup.update_k(s).is_ok() {
                    self.k_level = u_level;
                }
            }
            let n0 = u_imb * self.mdp.imbalance_range * self.base0;
            let side = if n0 >= 0.0 { Side::Long } else { Side::Short };
            if n0 != 0.0 {
                let _ = setup.trade_base(side, n0.abs());
            }
            // The setup trade is history, not this episode's income: restore F and P.
            setup.restore_fees(self.start.total_fee(), self.start.fee_pool());
            setup.set_rules(self.start.rules());
            self.amm = setup;
            oracle_price = self.amm.mark_price() / (1.0 + u_gap * self.mdp.gap_range);
            replay_start = u_replay;
        }
        self.oracle = Oracle::start(&self.oracle_cfg, oracle_price, replay_start);
        self.last = self.snapshot_info(0, false, 0.0, false, RewardParts::default(), 0.0);
        self.observe();
        self.state
    }

    fn snapshot_info(
        &self,
        action: usize,
        adjusted: bool,
        trade: f64,
        informed: bool,
        parts: RewardParts,
        reward: f64,
    ) -> StepInfo {
        StepInfo {
            oracle: self.oracle.price(),
            mark: self.amm.mark_price(),
            terminal: self.amm.terminal_price(),
            peg: self.amm.peg(),
            sqrt_k: self.amm.sqrt_k(),
            net_base: self.amm.net_base(),
            open_interest_long: self.amm.open_interest_long(),
            open_interest_short: self.amm.open_interest_short(),
            total_fee: self.amm.total_fee(),
            fee_pool: self.amm.fee_pool(),
            action: action as u8,
            adjusted,
            trade,
            informed,
            parts,
            reward,
        }
    }

    /// Encodes the state index and the action mask of the current market.
    fn observe(&mut self) {
        let ib = self.mdp.imbalance_bins as usize;
        let imb = bin(self.imbalance(), self.mdp.imbalance_range, ib);
        match self.preset {
            Preset::Paper => {
                self.state = imb;
                self.mask = 0b11;
            }
            Preset::Control => {
                let gb = self.mdp.gap_bins as usize;
                let gap = bin(self.gap(), self.mdp.gap_range, gb);
                let k = (self.k_level + self.k_half()) as usize;
                self.state = imb + ib * (gap + gb * k);
                self.mask = self.control_mask();
            }
        }
    }

    /// Target of the paper's action: the peg that puts the mark at oracle·(1 ∓ δ).
    fn paper_peg(&self, action: usize) -> f64 {
        let sign = if action == 0 { -1.0 } else { 1.0 };
        let target = self.oracle.price() * (1.0 + sign * self.mdp.delta);
        amm::peg_for_price(self.amm.base_reserve(), self.amm.quote_reserve(), target)
    }

    /// The control action's market change, applied to `amm` (a copy when probing the mask).
    fn apply_control(&self, amm: &mut Amm, action: usize) -> Result<f64, AmmError> {
        use control_action::*;
        let kappa = self.mdp.kappa;
        match action {
            // Drift v1: toward the oracle, neither mark nor terminal crossing it
            // (docs/amm-formulas.md §5).
            REPEG => match amm.peg_toward(self.oracle.price()) {
                Some(p) => amm.repeg(p).map(|f| f.cost),
                None => Err(AmmError::InvalidParameter {
                    name: "repeg",
                    value: self.oracle.price(),
                    reason: "the oracle lies between the mark and the terminal price",
                }),
            },
            K_UP if self.k_level < self.k_half() => {
                amm.update_k(amm.sqrt_k() * (1.0 + kappa)).map(|f| f.cost)
            }
            K_DOWN if self.k_level > -self.k_half() => {
                amm.update_k(amm.sqrt_k() / (1.0 + kappa)).map(|f| f.cost)
            }
            _ => Err(AmmError::InvalidParameter {
                name: "action",
                value: action as f64,
                reason: "not available in this state",
            }),
        }
    }

    fn control_mask(&self) -> ActionMask {
        let mut mask = 1 << control_action::HOLD;
        for a in 1..4 {
            let mut probe = self.amm;
            if self.apply_control(&mut probe, a).is_ok() {
                mask |= 1 << a;
            }
        }
        mask
    }
}

impl Env for MarketEnv {
    fn n_states(&self) -> usize {
        let ib = self.mdp.imbalance_bins as usize;
        match self.preset {
            Preset::Paper => ib,
            Preset::Control => ib * self.mdp.gap_bins as usize * self.mdp.k_levels as usize,
        }
    }

    fn n_actions(&self) -> usize {
        self.preset.action_names().len()
    }

    fn reset(&mut self, rng: &mut SimRng) -> usize {
        let explore = self.mdp.exploring_starts;
        self.reset_with(rng, explore)
    }

    fn state(&self) -> usize {
        self.state
    }

    fn mask(&self) -> ActionMask {
        self.mask
    }

    fn step(&mut self, action: usize, rng: &mut SimRng) -> (f64, usize) {
        let mut parts = RewardParts::default();
        // 1. The operator's action, with its Drift cost.
        let mut adjusted = false;
        if self.mask & (1 << action) != 0 {
            match self.preset {
                Preset::Paper => {
                    let p = self.paper_peg(action);
                    if p != self.amm.peg() {
                        if let Ok(fill) = self.amm.repeg(p) {
                            parts.adjustment_cost = fill.cost;
                            adjusted = true;
                        }
                    }
                }
                Preset::Control => {
                    if action != control_action::HOLD {
                        let mut next = self.amm;
                        if let Ok(cost) = self.apply_control(&mut next, action) {
                            self.amm = next;
                            parts.adjustment_cost = cost;
                            adjusted = true;
                            match action {
                                control_action::K_UP => self.k_level += 1,
                                control_action::K_DOWN => self.k_level -= 1,
                                _ => {}
                            }
                        }
                    }
                }
            }
        }
        // 2. The oracle moves.
        let oracle_before = self.oracle.price();
        let net_before = self.amm.net_base();
        self.oracle.step(&self.oracle_cfg, rng);
        // 3. One trader arrives.
        let mark = self.amm.mark_price();
        let mut trade = 0.0;
        let mut informed = false;
        if let Some(order) = self
            .traders
            .arrive(mark, self.oracle.price(), self.amm.sqrt_k(), rng)
        {
            if let Ok(fill) = self.amm.trade_quote(order.side, order.quote) {
                parts.fee_income = fill.fee * TRANCHE;
                trade = match order.side {
                    Side::Long => fill.quote_filled,
                    Side::Short => -fill.quote_filled,
                };
                informed = order.kind == TraderKind::Informed;
            }
        }
        // 4. Funding on the users' net position, settled against the AMM (docs/amm-formulas.md §7).
        if self.preset == Preset::Control && self.mdp.funding {
            let (m, o) = (self.amm.mark_price(), self.oracle.price());
            let rate = if self.mdp.funding_clamp {
                amm::funding_rate_clamped(m, o, 1.0, 33.0)
            } else {
                amm::funding_rate(m, o, 1.0)
            };
            parts.funding = self.amm.settle_funding(rate).unwrap_or(0.0);
        }
        if self.mdp.counterparty_pnl {
            // The AMM holds −N; marked at the oracle it gains −N·ΔO.
            parts.counterparty_pnl = -net_before * (self.oracle.price() - oracle_before);
        }
        let reward = match self.preset {
            Preset::Paper => parts.fee_income,
            Preset::Control => parts.net(),
        };
        self.last = self.snapshot_info(action, adjusted, trade, informed, parts, reward);
        self.observe();
        (reward, self.state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(preset: Preset) -> MarketEnv {
        MarketEnv::new(
            preset,
            &MarketConfig::default(),
            &MdpConfig::default(),
            &OracleConfig::default(),
            &TraderConfig::default(),
        )
        .unwrap()
    }

    #[test]
    fn state_counts() {
        assert_eq!(env(Preset::Paper).n_states(), 7);
        assert_eq!(env(Preset::Control).n_states(), 7 * 5 * 3);
        assert_eq!(env(Preset::Control).n_actions(), 4);
    }

    #[test]
    fn paper_action_sets_the_mark_relative_to_the_oracle() {
        let mut e = env(Preset::Paper);
        let mut rng = SimRng::new(1);
        e.reset_with(&mut rng, false);
        let o = e.oracle_price();
        let p = e.paper_peg(0);
        let mut a = *e.amm();
        a.repeg(p).unwrap();
        assert!((a.mark_price() / o - (1.0 - 0.005)).abs() < 1e-12);
    }

    #[test]
    fn control_repeg_puts_mark_on_oracle_and_charges_the_spec_cost() {
        let mut e = env(Preset::Control);
        let mut rng = SimRng::new(9);
        e.reset_with(&mut rng, true);
        let before = *e.amm();
        let oracle = e.oracle_price();
        if e.mask() & (1 << control_action::REPEG) == 0 {
            return;
        }
        let mut probe = before;
        let cost = e.apply_control(&mut probe, control_action::REPEG).unwrap();
        assert!((probe.mark_price() - oracle).abs() < 1e-9 * oracle);
        let expect = (before.quote_reserve()
            - before.sqrt_k().powi(2) / (before.base_reserve() + before.net_base()))
            * (probe.peg() - before.peg());
        assert!((cost - expect).abs() <= 1e-6 * expect.abs().max(1.0));
    }

    #[test]
    fn exploring_starts_visit_many_states_and_keep_fees() {
        let mut e = env(Preset::Control);
        let mut rng = SimRng::new(3);
        let mut seen = std::collections::HashSet::new();
        for _ in 0..2_000 {
            seen.insert(e.reset_with(&mut rng, true));
            assert_eq!(e.amm().total_fee(), MarketConfig::default().total_fee);
        }
        assert!(seen.len() > 60, "{}", seen.len());
    }

    #[test]
    fn k_levels_are_masked_at_the_edges() {
        let mut e = env(Preset::Control);
        let mut rng = SimRng::new(4);
        e.reset_with(&mut rng, false);
        e.step(control_action::K_UP, &mut rng);
        assert_eq!(e.k_level(), 1);
        assert_eq!(e.mask() & (1 << control_action::K_UP), 0);
    }
}
