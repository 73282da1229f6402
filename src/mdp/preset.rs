//! Presets: which MDP a run poses, and the one place a preset name becomes its type.
//!
//! `Preset` is the config's selector; `Scenario` is what the session, the evaluation and the
//! charts need of any preset's environment, object-safe so a run holds a `Box<dyn
//! Scenario>`. Adding a preset adds its `Env` type, a `Scenario` impl and one arm in
//! `build`; nothing else matches on the preset. Not here: the environments themselves.

use serde::{Deserialize, Serialize};

use super::band::{BandAction, BandConfig, BandEnv, BandModel};
use super::control::{ControlAction, ControlEnv};
use super::market_core::{EnvError, MarketConfig, MarketCore, MdpConfig, StepInfo, Valuation};
use super::money::MoneyScope;
use super::paper::{PaperAction, PaperEnv};
use super::{ActionMask, Env};
use crate::market::{OracleConfig, TraderConfig};
use crate::reward::RewardParts;
use crate::rng::SimRng;

/// Which MDP the environment poses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Preset {
    Paper,
    #[default]
    Control,
    Band,
}

/// The parts of a run's config the presets are built from (already checked by
/// `Config::validate`).
#[derive(Debug, Clone, Copy)]
pub struct PresetInputs<'a> {
    pub market: &'a MarketConfig,
    pub mdp: &'a MdpConfig,
    pub oracle: &'a OracleConfig,
    pub traders: &'a TraderConfig,
    pub band: &'a BandModel,
    /// The learner's γ (the band preset's exact optimum solves the same criterion).
    pub discount: f64,
}

impl Preset {
    /// Every preset, in the order of `NAMES`.
    pub const ALL: [Preset; 3] = [Preset::Paper, Preset::Control, Preset::Band];
    /// The presets' names as written in configs, URLs and on the command line.
    pub const NAMES: &'static [&'static str] = &["paper", "control", "band"];

    /// Builds the preset's environment.
    pub fn build(self, i: &PresetInputs<'_>) -> Result<Box<dyn Scenario>, EnvError> {
        if self == Preset::Band {
            let cfg = BandConfig::for_run(
                i.band,
                i.discount,
                i.mdp.episode_len,
                i.mdp.exploring_starts,
            );
            return Ok(Box::new(BandScenario::new(cfg)));
        }
        // The paper's uninformed traders go long or short 50/50: traders who close
        // (`traders.closing`) are the control preset's market (docs/modeling.md §19).
        let traders = match self {
            Preset::Paper => TraderConfig {
                closing: 0.0,
                ..*i.traders
            },
            _ => *i.traders,
        };
        let core = MarketCore::new(i.market, i.mdp, i.oracle, &traders)?;
        Ok(match self {
            Preset::Paper => Box::new(PaperEnv::new(core)),
            _ => Box::new(ControlEnv::new(core)),
        })
    }
}

/// What a run needs of a preset's environment beyond `Env`.
pub trait Scenario: Env + Send {
    fn preset(&self) -> Preset;
    /// Action names, in index order.
    fn action_names(&self) -> &'static [&'static str];
    /// Short action labels for the policy chart, in index order.
    fn action_labels(&self) -> &'static [&'static str];
    /// Sizes of the state's components [imbalance bins, gap bins, k levels] (1 if absent).
    fn state_shape(&self) -> [usize; 3];
    /// Starts an episode; with `explore`, from an exploring start.
    fn reset_with(&mut self, rng: &mut SimRng, explore: bool) -> usize;
    /// What happened in the last step.
    fn last(&self) -> &StepInfo;
    /// Which terms of the money split the preset's reward counts (`mdp::money`).
    fn money_scope(&self) -> MoneyScope {
        MoneyScope::All
    }
    /// The last step's record with the state it arrived in: a trajectory's row.
    #[inline]
    fn row(&self) -> StepInfo {
        StepInfo {
            state: self.state() as u32,
            ..*self.last()
        }
    }
    /// The market the preset runs on (none for the stylised band model).
    fn market(&self) -> Option<&MarketCore>;
    /// The band model's problem, for the band preset.
    fn band(&self) -> Option<&BandConfig> {
        None
    }
    /// The control environment, for the policies and analyses that only make sense there.
    fn control(&self) -> Option<&ControlEnv> {
        None
    }
    fn control_mut(&mut self) -> Option<&mut ControlEnv> {
        None
    }
    fn clone_box(&self) -> Box<dyn Scenario>;
}

impl Clone for Box<dyn Scenario> {
    fn clone(&self) -> Self {
        self.clone_box()
    }
}

impl std::fmt::Debug for dyn Scenario {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Scenario({:?})", self.preset())
    }
}

impl Scenario for PaperEnv {
    fn preset(&self) -> Preset {
        Preset::Paper
    }
    fn money_scope(&self) -> MoneyScope {
        MoneyScope::FeesOnly
    }
    fn action_names(&self) -> &'static [&'static str] {
        PaperAction::NAMES
    }
    fn action_labels(&self) -> &'static [&'static str] {
        PaperAction::LABELS
    }
    fn state_shape(&self) -> [usize; 3] {
        [self.n_states(), 1, 1]
    }
    fn reset_with(&mut self, rng: &mut SimRng, explore: bool) -> usize {
        PaperEnv::reset_with(self, rng, explore)
    }
    fn last(&self) -> &StepInfo {
        self.core().last()
    }
    fn market(&self) -> Option<&MarketCore> {
        Some(self.core())
    }
    fn clone_box(&self) -> Box<dyn Scenario> {
        Box::new(self.clone())
    }
}

impl Scenario for ControlEnv {
    fn preset(&self) -> Preset {
        Preset::Control
    }
    fn money_scope(&self) -> MoneyScope {
        match self.mdp().valuation {
            Valuation::Curve => MoneyScope::All,
            Valuation::Oracle => MoneyScope::AtOracle,
        }
    }
    fn action_names(&self) -> &'static [&'static str] {
        ControlAction::NAMES
    }
    fn action_labels(&self) -> &'static [&'static str] {
        &["·", "R", "K+", "K−"]
    }
    fn state_shape(&self) -> [usize; 3] {
        let m = self.mdp();
        [
            m.imbalance_bins as usize,
            m.gap_bins as usize,
            m.k_levels as usize,
        ]
    }
    fn reset_with(&mut self, rng: &mut SimRng, explore: bool) -> usize {
        ControlEnv::reset_with(self, rng, explore)
    }
    fn last(&self) -> &StepInfo {
        self.core().last()
    }
    fn market(&self) -> Option<&MarketCore> {
        Some(self.core())
    }
    fn control(&self) -> Option<&ControlEnv> {
        Some(self)
    }
    fn control_mut(&mut self) -> Option<&mut ControlEnv> {
        Some(self)
    }
    fn clone_box(&self) -> Box<dyn Scenario> {
        Box::new(self.clone())
    }
}

/// The band model as a run's environment: `BandEnv` plus the step record the charts read
/// (mark = the gap d, oracle = 0; a repeg is an adjustment costing K).
#[derive(Debug, Clone)]
pub struct BandScenario {
    env: BandEnv,
    last: StepInfo,
}

impl BandScenario {
    pub fn new(cfg: BandConfig) -> Self {
        let env = BandEnv::from_config(cfg);
        let mut s = Self {
            env,
            last: StepInfo::default(),
        };
        s.record(BandAction::Hold, 0.0, false);
        s
    }

    fn record(&mut self, action: BandAction, reward: f64, adjusted: bool) {
        let d = self.env.gap();
        self.last = StepInfo {
            mark: d,
            terminal: d,
            action: action as u8,
            adjusted,
            parts: RewardParts {
                adjustment_cost: if adjusted {
                    self.env.config().repeg_cost
                } else {
                    0.0
                },
                ..RewardParts::default()
            },
            reward,
            ..StepInfo::default()
        };
    }
}

impl Env for BandScenario {
    fn n_states(&self) -> usize {
        self.env.n_states()
    }
    fn n_actions(&self) -> usize {
        self.env.n_actions()
    }
    fn reset(&mut self, rng: &mut SimRng) -> usize {
        let s = self.env.reset(rng);
        self.record(BandAction::Hold, 0.0, false);
        s
    }
    fn state(&self) -> usize {
        self.env.state()
    }
    fn mask(&self) -> ActionMask {
        self.env.mask()
    }
    fn step(&mut self, action: usize, rng: &mut SimRng) -> (f64, usize) {
        let a = BandAction::from_index(action);
        let (r, s) = self.env.step(action, rng);
        self.record(a, r, a == BandAction::Repeg);
        (r, s)
    }
}

impl Scenario for BandScenario {
    fn preset(&self) -> Preset {
        Preset::Band
    }
    fn money_scope(&self) -> MoneyScope {
        MoneyScope::NoMarket
    }
    fn action_names(&self) -> &'static [&'static str] {
        BandAction::NAMES
    }
    fn action_labels(&self) -> &'static [&'static str] {
        &["·", "R"]
    }
    fn state_shape(&self) -> [usize; 3] {
        [self.env.n_states(), 1, 1]
    }
    fn reset_with(&mut self, rng: &mut SimRng, explore: bool) -> usize {
        let d = if explore {
            self.env.config().gap_range * (2.0 * rng.uniform() - 1.0)
        } else {
            0.0
        };
        self.env.set_gap(d);
        self.record(BandAction::Hold, 0.0, false);
        self.env.state()
    }
    fn last(&self) -> &StepInfo {
        &self.last
    }
    fn market(&self) -> Option<&MarketCore> {
        None
    }
    fn band(&self) -> Option<&BandConfig> {
        Some(self.env.config())
    }
    fn clone_box(&self) -> Box<dyn Scenario> {
        Box::new(self.clone())
    }
}
