//! Presets: which MDP a run poses, and the one place a preset name becomes its type.
//!
//! `Preset` is the config's selector; `Scenario` is what the session, the evaluation and the
//! charts need of any preset's environment, object-safe so a run holds a `Box<dyn
//! Scenario>`. Adding a preset adds its `Env` type, a `Scenario` impl and one arm in
//! `build`; nothing else matches on the preset. Not here: the environments themselves.

use serde::{Deserialize, Serialize};

use super::control::{ControlAction, ControlEnv};
use super::market_core::{EnvError, MarketConfig, MarketCore, MdpConfig, StepInfo};
use super::paper::{PaperAction, PaperEnv};
use super::Env;
use crate::market::{OracleConfig, TraderConfig};
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

    /// Builds the preset's environment from parameters already checked by
    /// `Config::validate`.
    pub fn build(
        self,
        market: &MarketConfig,
        mdp: &MdpConfig,
        oracle: &OracleConfig,
        traders: &TraderConfig,
    ) -> Result<Box<dyn Scenario>, EnvError> {
        let core = MarketCore::new(market, mdp, oracle, traders)?;
        Ok(match self {
            Preset::Paper => Box::new(PaperEnv::new(core)),
            Preset::Control => Box::new(ControlEnv::new(core)),
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
    /// The market the preset runs on.
    fn market(&self) -> &MarketCore;
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
    fn market(&self) -> &MarketCore {
        self.core()
    }
    fn clone_box(&self) -> Box<dyn Scenario> {
        Box::new(self.clone())
    }
}

impl Scenario for ControlEnv {
    fn preset(&self) -> Preset {
        Preset::Control
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
    fn market(&self) -> &MarketCore {
        self.core()
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
