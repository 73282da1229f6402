//! What the charts and exports read: `View`, borrowed from a live session without copying,
//! and `Snapshot`, an owned serde copy (for JSON exports and for posting across threads)
//! that lends the same `View`. Not here: drawing (`charts`).

use serde::{Deserialize, Serialize};

use super::diagnostics::{History, QComparison};
use crate::amm::{AmmRules, AmmState};
use crate::config::Config;
use crate::learn::model::ViReport;
use crate::mdp::{MdpConfig, MoneyScope, StepInfo};

/// A borrowed view of a run for drawing.
#[derive(Debug, Clone, Copy)]
pub struct View<'a> {
    pub mdp: MdpConfig,
    /// The AMM now (none for the band model).
    pub amm: Option<AmmState>,
    /// The oracle price now (0 without a market).
    pub oracle: f64,
    /// The market's fee-pool and size rules (what the living curve checks a move against).
    pub rules: AmmRules,
    /// The shown episode (current, or the last one right after an episode ends).
    pub trajectory: &'a [StepInfo],
    pub history: &'a History,
    pub q: &'a [f64],
    pub q_star: Option<&'a [f64]>,
    pub visits: &'a [u32],
    pub policy: &'a [u8],
    /// The current state index.
    pub state: usize,
    /// [imbalance bins, gap bins, k levels] (1 where a preset lacks a component).
    pub state_shape: [usize; 3],
    pub n_actions: usize,
    /// Short action labels for the policy chart.
    pub action_labels: &'a [String],
    /// Which money-split terms the preset's reward counts (the split chart scopes to them).
    pub money_scope: MoneyScope,
}

/// Everything worth drawing or saving, as plain owned data.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Snapshot {
    pub config: Config,
    pub action_names: Vec<String>,
    pub action_labels: Vec<String>,
    pub n_states: usize,
    pub n_actions: usize,
    pub state_shape: [usize; 3],
    /// Episodes completed.
    pub episode: u32,
    /// Step within the current episode.
    pub step: u32,
    pub total_steps: u64,
    pub epsilon: f64,
    pub amm: Option<AmmState>,
    pub oracle: f64,
    /// Fee pool above its floor, P − F/2 (0 without a market).
    pub spendable: f64,
    /// Band preset: learned band, exact optimum, continuous law.
    pub band: Option<super::BandReport>,
    pub state: usize,
    pub mask: u32,
    /// The shown episode so far (step 0 is the start state).
    pub trajectory: Vec<StepInfo>,
    pub q: Vec<f64>,
    /// Q*_model at the last computation (NaN where untried; `null` in JSON).
    #[serde(with = "nan_as_null")]
    pub q_star: Option<Vec<f64>>,
    pub q_comparison: Option<QComparison>,
    /// How the last value iteration for Q* ended.
    pub vi_report: Option<ViReport>,
    pub visits: Vec<u32>,
    pub policy: Vec<u8>,
    pub history: History,
    /// Which money-split terms the preset's reward counts.
    #[serde(default)]
    pub money_scope: MoneyScope,
}

/// JSON has no NaN: serde_json writes it as `null` and will not read `null` back as an
/// f64, so untried Q* entries travel as `null` both ways.
mod nan_as_null {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(q: &Option<Vec<f64>>, s: S) -> Result<S::Ok, S::Error> {
        q.as_ref()
            .map(|v| {
                v.iter()
                    .map(|x| x.is_finite().then_some(*x))
                    .collect::<Vec<_>>()
            })
            .serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<f64>>, D::Error> {
        let v: Option<Vec<Option<f64>>> = Deserialize::deserialize(d)?;
        Ok(v.map(|v| v.into_iter().map(|x| x.unwrap_or(f64::NAN)).collect()))
    }
}

impl Snapshot {
    /// The view at `step` of the shown episode (`None`: now): the trajectory up to that
    /// step, the AMM rebuilt from its row (`episode::amm_at`) and the state the row arrived
    /// in, so every chart of the episode (and the greedy policy's highlighted cell) shows
    /// that step. A step past the end is the last one.
    /// Right after an episode ends, "now" is the ended episode's last step: the charts show
    /// that episode, so the curve, the highlighted state and the notes show its end too,
    /// not the next episode's start.
    pub fn view_at(&self, step: Option<usize>) -> View<'_> {
        let mut v = self.view();
        let step = step.or_else(|| self.ended().then(|| self.trajectory.len() - 1));
        if let (Some(i), Some(last)) = (step, self.trajectory.len().checked_sub(1)) {
            let i = i.min(last);
            v.trajectory = &self.trajectory[..=i];
            v.amm = self
                .amm
                .map(|a| super::episode::amm_at(&self.trajectory[i], a.fee_rate));
            v.oracle = self.trajectory[i].oracle;
            v.state = self.trajectory[i].state as usize;
        }
        v
    }

    /// Whether the shown trajectory is an episode that has ended (the next one has not
    /// taken a step yet).
    pub fn ended(&self) -> bool {
        self.step == 0 && self.trajectory.len() > 1
    }

    /// The same view a live session gives.
    pub fn view(&self) -> View<'_> {
        View {
            mdp: self.config.mdp,
            amm: self.amm,
            oracle: self.oracle,
            rules: self.config.market.rules,
            trajectory: &self.trajectory,
            history: &self.history,
            q: &self.q,
            q_star: self.q_star.as_deref(),
            visits: &self.visits,
            policy: &self.policy,
            state: self.state,
            state_shape: self.state_shape,
            n_actions: self.n_actions,
            action_labels: &self.action_labels,
            money_scope: self.money_scope,
        }
    }
}
