//! The market core every market preset shares: the AMM, the oracle and the traders, the
//! episode's starting market (with exploring starts), and the half of a step that does not
//! depend on the operator — the oracle moves, one trader arrives and trades, funding is
//! settled. Presets (`paper`, `control`) own their state encoding, actions and reward.
//!
//! One step of a market preset: the preset applies its action with its Drift cost → the
//! core moves the oracle, brings one trader and settles funding → the preset computes the
//! reward → next state.

use serde::{Deserialize, Serialize};

use crate::amm::{self, Amm, AmmError, AmmInit, AmmRules, Fill, Side, TRANCHE};
use crate::market::{Oracle, OracleConfig, TraderConfig, TraderKind};
use crate::reward::RewardParts;
use crate::rng::SimRng;

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

/// How the protocol's books value the users' open positions (docs/modeling.md §1, §15): one
/// valuation, never two.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Valuation {
    /// At what closing them on the curve pays (their terminal value): repeg and k costs are
    /// changes of that value and count in the reward.
    Curve,
    /// At the oracle: every fill counts its gain or loss against the oracle and the held
    /// position its expected change over the oracle's move; repeg and k costs re-mark the
    /// curve only, so they bind through the fee pool's rules but are not income or expense.
    /// The default (docs/modeling.md §15).
    #[default]
    Oracle,
}

impl Valuation {
    /// Every valuation, in the registry's order (`curve`, `oracle`).
    pub const ALL: [Valuation; 2] = [Valuation::Curve, Valuation::Oracle];
    /// The valuations' names as written in configs, URLs and on the command line.
    pub const NAMES: &'static [&'static str] = &["curve", "oracle"];
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
    /// How the reward values the users' open positions (control).
    pub valuation: Valuation,
    /// Start each training episode from a random imbalance, gap and k level (docs/modeling.md §10).
    pub exploring_starts: bool,
    /// Steps per episode T (one step ≈ one hour of funding).
    pub episode_len: u32,
    /// Operating overhead charged per adjustment (USD; control preset), on top of Drift's
    /// own repeg/k cost.
    pub overhead: f64,
}

impl Default for MdpConfig {
    fn default() -> Self {
        Self {
            imbalance_bins: 7,
            // ±10% of b₀ fits the users' net position with traders who close; without them
            // it needed ±20% (docs/modeling.md §18–19).
            imbalance_range: 0.1,
            gap_bins: 5,
            gap_range: 0.02,
            k_levels: 3,
            delta: 0.005,
            kappa: 0.02,
            funding: true,
            funding_clamp: false,
            counterparty_pnl: false,
            valuation: Valuation::Oracle,
            exploring_starts: true,
            episode_len: 100,
            // README "The operator's question": transactions and operations per adjustment.
            overhead: 200.0,
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
    /// The MDP state index on arrival at this row (after its step; row 0: the start state),
    /// written by whoever drives the environment (`session::training`, `session::rollout`):
    /// the state the greedy-policy chart highlights when the timeline shows this step.
    #[serde(default)]
    pub state: u32,
    pub parts: RewardParts,
    pub reward: f64,
}

/// Why an environment cannot be built from a configuration.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EnvError {
    #[error("market: {0}")]
    Market(#[from] AmmError),
}

/// The shared market of the market presets.
#[derive(Debug, Clone)]
pub struct MarketCore {
    mdp: MdpConfig,
    oracle_cfg: OracleConfig,
    traders: TraderConfig,
    start: Amm,
    base0: f64,
    sqrt_k0: f64,
    amm: Amm,
    oracle: Oracle,
    /// e^μ − 1 of the GBM oracle: the held position's expected relative move per step
    /// (the oracle valuation's holding term, computed once).
    expected_move: f64,
    last: StepInfo,
}

/// The AMM's loss to a fill marked at the oracle: the trader's gain, base·oracle − quote
/// for a long and quote − base·oracle for a short (fees excluded; docs/lvr.md §1).
#[inline]
fn loss_at_oracle(side: Side, fill: &Fill, oracle: f64) -> f64 {
    let at_oracle = fill.base_filled * oracle;
    match side {
        Side::Long => at_oracle - fill.quote_filled,
        Side::Short => fill.quote_filled - at_oracle,
    }
}

/// What the market half of a step did (the preset adds its action's cost and reward).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct MarketMove {
    pub parts: RewardParts,
    /// Signed USD notional of the step's trade (> 0 long, 0 if none).
    pub trade: f64,
    pub informed: bool,
}

impl MarketCore {
    /// Builds the core from parameters already checked by `Config::validate`.
    pub fn new(
        market: &MarketConfig,
        mdp: &MdpConfig,
        oracle: &OracleConfig,
        traders: &TraderConfig,
    ) -> Result<Self, EnvError> {
        let start = market.amm()?;
        let oracle_state = Oracle::start(oracle, start.mark_price(), 0);
        Ok(Self {
            mdp: *mdp,
            oracle_cfg: oracle.clone(),
            traders: *traders,
            start,
            base0: start.base_reserve(),
            sqrt_k0: start.sqrt_k(),
            amm: start,
            oracle: oracle_state,
            expected_move: libm::expm1(oracle.drift),
            last: StepInfo::default(),
        })
    }

    pub fn amm(&self) -> &Amm {
        &self.amm
    }
    /// Replaces the market's fee-pool and size rules, at the start and now.
    pub(crate) fn set_rules(&mut self, rules: AmmRules) {
        self.start.set_rules(rules);
        self.amm.set_rules(rules);
    }
    pub(crate) fn amm_mut(&mut self) -> &mut Amm {
        &mut self.amm
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
    /// √k at the start of an episode (level 0).
    pub fn sqrt_k0(&self) -> f64 {
        self.sqrt_k0
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
    /// Bin of the imbalance among the configured bins.
    pub fn imbalance_bin(&self) -> usize {
        super::bin(
            self.imbalance(),
            self.mdp.imbalance_range,
            self.mdp.imbalance_bins as usize,
        )
    }

    /// Starts an episode from the configured market; with `explore`, from a random
    /// imbalance, gap and (when `k_levels`) √k level (exploring starts, docs/modeling.md
    /// §10). Returns the √k level the episode starts at.
    pub fn reset(&mut self, rng: &mut SimRng, explore: bool, k_levels: bool) -> i32 {
        self.amm = self.start;
        let mut level = 0;
        let mut oracle_price = self.amm.mark_price();
        let mut replay_start = 0;
        if explore {
            // Draw every random number first so the stream does not depend on the preset.
            let half = (self.mdp.k_levels / 2) as i32;
            let u_level = rng.index(self.mdp.k_levels as usize) as i32 - half;
            let u_imb = 2.0 * rng.uniform() - 1.0;
            let u_gap = 2.0 * rng.uniform() - 1.0;
            let u_replay = rng.index(self.oracle_cfg.series.len().max(1));
            let mut setup = self.amm;
            setup.set_rules(AmmRules::unchecked());
            if k_levels && u_level != 0 {
                let s = self.sqrt_k0 * libm::pow(1.0 + self.mdp.kappa, u_level as f64);
                if setup.update_k(s).is_ok() {
                    level = u_level;
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
        self.record(0, false, MarketMove::default(), 0.0);
        level
    }

    /// The market half of a step: the oracle moves, one trader arrives and trades, and
    /// (with `funding`) funding on the users' net position is settled against the AMM
    /// (docs/amm-formulas.md §7).
    #[inline]
    pub fn market_step(&mut self, rng: &mut SimRng, funding: bool) -> MarketMove {
        let mut mv = MarketMove::default();
        let oracle_before = self.oracle.price();
        let net_before = self.amm.net_base();
        let arbitrageur = self.traders.arbitrageur;
        let mut trader_loss = 0.0;
        // The virtual pool (b base, q·p USD) valued at the mark before the oracle moves.
        let pool_before = if arbitrageur {
            2.0 * self.amm.quote_reserve() * self.amm.peg()
        } else {
            0.0
        };
        self.oracle.step(&self.oracle_cfg, rng);
        if arbitrageur {
            self.arbitrage(pool_before, &mut mv);
        }
        let mark = self.amm.mark_price();
        if let Some(order) = self.traders.arrive(
            mark,
            self.oracle.price(),
            self.amm.sqrt_k(),
            net_before,
            rng,
        ) {
            if let Ok(fill) = self.amm.trade_quote(order.side, order.quote) {
                let share = fill.fee * TRANCHE;
                mv.trade = match order.side {
                    Side::Long => fill.quote_filled,
                    Side::Short => -fill.quote_filled,
                };
                mv.informed = order.kind == TraderKind::Informed;
                let loss = loss_at_oracle(order.side, &fill, self.oracle.price());
                if mv.informed {
                    mv.parts.fee_informed = share;
                    mv.parts.informed_loss = loss;
                } else {
                    mv.parts.fee_uninformed = share;
                }
                trader_loss = loss;
            }
        }
        // The same grouping as `RewardParts::fee_income` documents (bit for bit the one
        // trader's share when the arbitrageur is off).
        mv.parts.fee_income =
            (mv.parts.fee_uninformed + mv.parts.fee_informed) + mv.parts.fee_arbitrageur;
        if funding {
            let (m, o) = (self.amm.mark_price(), self.oracle.price());
            let rate = if self.mdp.funding_clamp {
                amm::funding_rate_clamped(m, o, 1.0, amm::V1_FUNDING_CLAMP_DIVISOR)
            } else {
                amm::funding_rate(m, o, 1.0)
            };
            mv.parts.funding = self.amm.settle_funding(rate).unwrap_or(0.0);
        }
        if self.mdp.valuation == Valuation::Oracle {
            // The AMM holds −N: over the oracle's move it gains −N·ΔO, valued at its
            // expectation given the step's start on a GBM oracle, −N·O·(e^μ − 1), whose
            // martingale remainder has mean zero under every policy (docs/modeling.md §15);
            // on a replayed series, the realised move. Each fill adds the AMM's gain
            // against the oracle at the time it traded.
            let held = if self.oracle_cfg.series.is_empty() {
                -net_before * oracle_before * self.expected_move
            } else {
                -net_before * (self.oracle.price() - oracle_before)
            };
            mv.parts.counterparty_pnl = held - (trader_loss + mv.parts.arbitrageur_loss);
        } else if self.mdp.counterparty_pnl {
            // The AMM holds −N; marked at the oracle it gains −N·ΔO.
            mv.parts.counterparty_pnl = -net_before * (self.oracle.price() - oracle_before);
        }
        mv
    }

    /// The arbitrageur (`traders.arbitrageur`), right after the oracle moved: it trades the
    /// mark to the oracle net of the fee, i.e. up to oracle/(1 + f) from below or down to
    /// oracle/(1 − f) from above, and not at all within that band (docs/lvr.md §3). Records
    /// its fee share, its gain at the oracle (the AMM's loss) and, on a GBM oracle, the
    /// loss-versus-rebalancing reference of the virtual pool worth `pool_before` USD before
    /// the move (docs/lvr.md §2).
    fn arbitrage(&mut self, pool_before: f64, mv: &mut MarketMove) {
        let oracle = self.oracle.price();
        if self.oracle_cfg.series.is_empty() {
            let s = self.oracle_cfg.volatility;
            mv.parts.lvr_reference = -pool_before * libm::expm1(-s * s / 8.0);
        }
        let (mark, f) = (self.amm.mark_price(), self.amm.fee_rate());
        let (side, target) = if mark * (1.0 + f) < oracle {
            (Side::Long, oracle / (1.0 + f))
        } else if mark * (1.0 - f) > oracle {
            (Side::Short, oracle / (1.0 - f))
        } else {
            return;
        };
        if let Ok(fill) = self.amm.trade_to_price(target) {
            mv.parts.fee_arbitrageur = fill.fee * TRANCHE;
            mv.parts.arbitrageur_loss = loss_at_oracle(side, &fill, oracle);
        }
    }

    /// Records the step that just happened as `last`.
    #[inline]
    pub fn record(&mut self, action: usize, adjusted: bool, mv: MarketMove, reward: f64) {
        self.last = StepInfo {
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
            trade: mv.trade,
            informed: mv.informed,
            // The driver writes the state (`Scenario::row`); the market does not know it.
            state: 0,
            parts: mv.parts,
            reward,
        };
    }
}
