//! `Session`: one run of the engine, the object both front ends drive.
//!
//! A config becomes an environment, a Q-learning agent and a model estimate; `advance`
//! trains for a number of steps (episodes roll over by themselves) and `snapshot` returns
//! plain data for charts, JSON and CSV. The same config and seed give the same numbers on
//! every run and on every target. No drawing and no I/O here.

use serde::Serialize;

use crate::amm::AmmState;
use crate::config::{Config, ConfigError};
use crate::learn::{self, evaluate, EvalTable, Model, Policy, QLearner};
use crate::mdp::{Preset, Scenario, StepInfo};
use crate::rng::SimRng;

/// Episodes of diagnostics kept; older ones are dropped in halves.
const HISTORY_CAP: usize = 20_000;

/// Per-episode diagnostics, index i ↔ episode `first_episode + i`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct History {
    pub first_episode: u32,
    /// Undiscounted return of each episode.
    pub episode_return: Vec<f64>,
    /// Largest |ΔQ| of any update in the episode.
    pub max_dq: Vec<f64>,
    /// States whose greedy action changed during the episode.
    pub policy_changes: Vec<u32>,
    /// ‖Q − Q*_model‖∞ at the episodes where Q* was computed (`null` elsewhere).
    pub q_error: Vec<Option<f64>>,
    /// Share of visited states whose greedy action agrees with Q*_model's (`null` elsewhere).
    pub agreement: Vec<Option<f64>>,
}

impl History {
    fn push(&mut self, ret: f64, max_dq: f64, changes: u32) {
        if self.episode_return.len() >= HISTORY_CAP {
            let half = HISTORY_CAP / 2;
            self.first_episode += half as u32;
            self.episode_return.drain(..half);
            self.max_dq.drain(..half);
            self.policy_changes.drain(..half);
            self.q_error.drain(..half);
            self.agreement.drain(..half);
        }
        self.episode_return.push(ret);
        self.max_dq.push(max_dq);
        self.policy_changes.push(changes);
        self.q_error.push(None);
        self.agreement.push(None);
    }
}

/// Comparison of Q with Q*_model.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq)]
pub struct QComparison {
    /// ‖Q − Q*‖∞ over the pairs tried at least once.
    pub max_error: f64,
    /// ‖Q*‖∞ over the same pairs.
    pub q_star_norm: f64,
    /// max_error / q_star_norm.
    pub relative_error: f64,
    /// Share of states (with every available action tried) whose greedy actions agree.
    pub agreement: f64,
}

/// Everything the charts and exports need, as plain data.
#[derive(Debug, Clone, Serialize)]
pub struct Snapshot {
    pub config: Config,
    pub preset: Preset,
    pub action_names: Vec<String>,
    /// Short action labels for the policy chart.
    pub action_labels: Vec<String>,
    pub n_states: usize,
    pub n_actions: usize,
    /// Sizes of the state's components: [imbalance bins, gap bins, k levels] (paper: [bins, 1, 1]).
    pub state_shape: [usize; 3],
    /// Episodes completed.
    pub episode: u32,
    /// Step within the current episode.
    pub step: u32,
    pub total_steps: u64,
    pub epsilon: f64,
    pub amm: AmmState,
    pub oracle: f64,
    pub state: usize,
    pub mask: u32,
    /// The current episode so far (step 0 is the start state).
    pub trajectory: Vec<StepInfo>,
    /// The last complete episode.
    pub last_trajectory: Vec<StepInfo>,
    pub q: Vec<f64>,
    /// Q*_model at the last computation (NaN where untried).
    pub q_star: Option<Vec<f64>>,
    pub q_comparison: Option<QComparison>,
    pub visits: Vec<u32>,
    pub policy: Vec<u8>,
    pub history: History,
}

/// One training run.
#[derive(Debug, Clone)]
pub struct Session {
    config: Config,
    env: Box<dyn Scenario>,
    agent: QLearner,
    model: Model,
    rng: SimRng,
    episode: u32,
    step: u32,
    total_steps: u64,
    epsilon: f64,
    ep_return: f64,
    ep_max_dq: f64,
    greedy: Vec<u8>,
    trajectory: Vec<StepInfo>,
    last_trajectory: Vec<StepInfo>,
    q_star: Option<Vec<f64>>,
    q_comparison: Option<QComparison>,
    history: History,
}

impl Session {
    /// Validates the config and starts episode 0.
    pub fn new(config: Config) -> Result<Self, ConfigError> {
        config.validate()?;
        let env =
            config
                .preset
                .build(&config.market, &config.mdp, &config.oracle, &config.traders)?;
        let (ns, na) = (env.n_states(), env.n_actions());
        let agent = QLearner::new(ns, na, &config.learn);
        let len = config.mdp.episode_len as usize + 1;
        let mut s = Self {
            rng: SimRng::new(config.seed as u64),
            epsilon: config.learn.epsilon_at(0),
            env,
            model: Model::new(ns, na),
            greedy: agent.greedy_policy(),
            agent,
            config,
            episode: 0,
            step: 0,
            total_steps: 0,
            ep_return: 0.0,
            ep_max_dq: 0.0,
            trajectory: Vec::with_capacity(len),
            last_trajectory: Vec::with_capacity(len),
            q_star: None,
            q_comparison: None,
            history: History::default(),
        };
        s.start_episode();
        Ok(s)
    }

    pub fn config(&self) -> &Config {
        &self.config
    }
    pub fn env(&self) -> &dyn Scenario {
        &*self.env
    }
    pub fn agent(&self) -> &QLearner {
        &self.agent
    }
    pub fn model(&self) -> &Model {
        &self.model
    }
    pub fn episode(&self) -> u32 {
        self.episode
    }
    pub fn history(&self) -> &History {
        &self.history
    }
    pub fn q_comparison(&self) -> Option<QComparison> {
        self.q_comparison
    }
    /// Step within the current episode.
    pub fn step_in_episode(&self) -> u32 {
        self.step
    }
    pub fn total_steps(&self) -> u64 {
        self.total_steps
    }
    /// ε of the current episode.
    pub fn epsilon(&self) -> f64 {
        self.epsilon
    }

    fn start_episode(&mut self) {
        self.env.reset(&mut self.rng);
        self.step = 0;
        self.ep_return = 0.0;
        self.ep_max_dq = 0.0;
        self.trajectory.clear();
        self.trajectory.push(*self.env.last());
    }

    /// Trains for `steps` environment steps; returns the number of episodes completed.
    pub fn advance(&mut self, steps: u64) -> u32 {
        let len = self.config.mdp.episode_len;
        let mut done = 0;
        for _ in 0..steps {
            let out = self
                .agent
                .train_step(&mut *self.env, self.epsilon, &mut self.rng);
            self.model.record(
                out.state,
                out.action,
                out.reward,
                out.next_state,
                out.next_mask,
            );
            self.ep_return += out.reward;
            self.ep_max_dq = self.ep_max_dq.max(out.delta_q);
            self.trajectory.push(*self.env.last());
            self.step += 1;
            self.total_steps += 1;
            if self.step >= len {
                self.finish_episode();
                done += 1;
            }
        }
        done
    }

    /// Trains until `episodes` more episodes are complete.
    pub fn advance_episodes(&mut self, episodes: u32) {
        let target = self.episode + episodes;
        while self.episode < target {
            let left = (self.config.mdp.episode_len - self.step) as u64;
            self.advance(left);
        }
    }

    fn finish_episode(&mut self) {
        let greedy = self.agent.greedy_policy();
        let changes = greedy
            .iter()
            .zip(&self.greedy)
            .filter(|(a, b)| a != b)
            .count() as u32;
        self.greedy = greedy;
        self.history.push(self.ep_return, self.ep_max_dq, changes);
        self.episode += 1;
        let every = self.config.learn.qstar_every;
        if every > 0 && self.episode % every == 0 {
            self.compute_q_star();
        }
        self.epsilon = self.config.learn.epsilon_at(self.episode);
        std::mem::swap(&mut self.trajectory, &mut self.last_trajectory);
        self.start_episode();
    }

    /// Recomputes Q*_model by value iteration (warm-started) and compares Q with it.
    pub fn compute_q_star(&mut self) -> QComparison {
        // Stop value iteration at a change of 1e-10 of the largest Q (relative tolerance).
        let scale = learn::max_abs(self.q_star.as_deref().unwrap_or(self.agent.q())).max(1.0);
        let q_star = self.model.q_star(
            self.config.learn.discount,
            1e-10 * scale,
            self.q_star.as_deref(),
        );
        let cmp = compare(
            self.agent.q(),
            &q_star,
            self.agent.n_actions(),
            self.model.tries(),
        );
        if let Some(last) = self.history.q_error.last_mut() {
            *last = Some(cmp.max_error);
        }
        if let Some(last) = self.history.agreement.last_mut() {
            *last = Some(cmp.agreement);
        }
        self.q_star = Some(q_star);
        self.q_comparison = Some(cmp);
        cmp
    }

    /// Starts a fresh episode from the configured market (no exploring start) and follows
    /// the greedy policy for `steps` steps without learning: a realistic "current state".
    pub fn step_greedy(&mut self, steps: u32) {
        self.env.reset_with(&mut self.rng, false);
        self.trajectory.clear();
        self.trajectory.push(*self.env.last());
        self.step = 0;
        let policy = Policy::Greedy {
            q: self.agent.q().to_vec(),
        };
        for _ in 0..steps {
            policy.step(&mut *self.env, &mut self.rng);
            self.trajectory.push(*self.env.last());
            self.step += 1;
        }
    }

    /// Evaluates the baselines (static, the v1-style rule, Drift v2's rules) and the learned
    /// greedy policy on the same eval seeds.
    pub fn evaluate(&self) -> EvalTable {
        let mut env = self.env.clone();
        let e = self.config.eval;
        let len = self.config.mdp.episode_len;
        let rows = [
            Policy::Static,
            Policy::V1Rule {
                threshold: e.drift_threshold,
            },
            Policy::DriftV2 {
                params: self.config.drift_v2,
            },
            Policy::Greedy {
                q: self.agent.q().to_vec(),
            },
        ]
        .iter()
        .map(|p| evaluate(&mut *env, p, e.first_seed, e.seeds, len))
        .collect();
        EvalTable { rows }
    }

    /// A plain-data copy of everything worth drawing or saving.
    pub fn snapshot(&self) -> Snapshot {
        let state_shape = self.env.state_shape();
        Snapshot {
            config: self.config.clone(),
            preset: self.config.preset,
            action_names: self
                .env
                .action_names()
                .iter()
                .map(|s| s.to_string())
                .collect(),
            action_labels: self
                .env
                .action_labels()
                .iter()
                .map(|s| s.to_string())
                .collect(),
            n_states: self.agent.n_states(),
            n_actions: self.agent.n_actions(),
            state_shape,
            episode: self.episode,
            step: self.step,
            total_steps: self.total_steps,
            epsilon: self.epsilon,
            amm: self.env.market().amm().state(),
            oracle: self.env.market().oracle_price(),
            state: self.env.state(),
            mask: self.env.mask(),
            trajectory: self.trajectory.clone(),
            last_trajectory: self.last_trajectory.clone(),
            q: self.agent.q().to_vec(),
            q_star: self.q_star.clone(),
            q_comparison: self.q_comparison,
            visits: self.agent.visits().to_vec(),
            policy: self.greedy.clone(),
            history: self.history.clone(),
        }
    }

    /// The current episode's trajectory, or the last one right after an episode ends.
    pub fn shown_trajectory(&self) -> &[StepInfo] {
        if self.trajectory.len() > 1 || self.last_trajectory.is_empty() {
            &self.trajectory
        } else {
            &self.last_trajectory
        }
    }

    /// The shown episode's trajectory (see `shown_trajectory`) as CSV.
    pub fn trajectory_csv(&self) -> String {
        let rows = self.shown_trajectory();
        let mut out = String::from(
            "step,oracle,mark,terminal,peg,sqrt_k,net_base,open_interest_long,open_interest_short,total_fee,fee_pool,action,adjusted,trade,informed,fee_income,adjustment_cost,funding,counterparty_pnl,overhead,reward\n",
        );
        for (i, r) in rows.iter().enumerate() {
            out.push_str(&format!(
                "{i},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n",
                r.oracle,
                r.mark,
                r.terminal,
                r.peg,
                r.sqrt_k,
                r.net_base,
                r.open_interest_long,
                r.open_interest_short,
                r.total_fee,
                r.fee_pool,
                r.action,
                r.adjusted,
                r.trade,
                r.informed,
                r.parts.fee_income,
                r.parts.adjustment_cost,
                r.parts.funding,
                r.parts.counterparty_pnl,
                r.parts.overhead,
                r.reward
            ));
        }
        out
    }
}

/// Compares Q with Q* on the tried pairs; greedy agreement over states whose available
/// actions were all tried.
fn compare(q: &[f64], q_star: &[f64], na: usize, tries: &[u32]) -> QComparison {
    let max_error = learn::max_abs_diff(q, q_star);
    let q_star_norm = learn::max_abs(q_star);
    let ns = q.len() / na;
    let (mut agree, mut total) = (0u32, 0u32);
    for s in 0..ns {
        let tried: u32 = (0..na)
            .filter(|&a| tries[s * na + a] > 0)
            .fold(0, |m, a| m | (1 << a));
        if tried.count_ones() < 2 {
            continue;
        }
        total += 1;
        let a = learn::greedy(q, na, s, tried);
        let b = learn::greedy(q_star, na, s, tried);
        // Ties within 1e-9 relative count as agreement.
        let tol = 1e-9 * q_star[s * na + b].abs().max(1.0);
        if a == b || (q_star[s * na + a] - q_star[s * na + b]).abs() <= tol {
            agree += 1;
        }
    }
    QComparison {
        max_error,
        q_star_norm,
        relative_error: if q_star_norm > 0.0 {
            max_error / q_star_norm
        } else {
            0.0
        },
        agreement: if total > 0 {
            agree as f64 / total as f64
        } else {
            1.0
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_numbers() {
        let cfg = Config {
            seed: 11,
            ..Config::default()
        };
        let mut a = Session::new(cfg.clone()).unwrap();
        let mut b = Session::new(cfg).unwrap();
        a.advance(5_000);
        b.advance(2_000);
        b.advance(3_000);
        assert_eq!(a.agent().q(), b.agent().q());
        assert_eq!(
            a.snapshot().history.episode_return,
            b.snapshot().history.episode_return
        );
    }

    #[test]
    fn different_seeds_differ() {
        let mut a = Session::new(Config {
            seed: 1,
            ..Config::default()
        })
        .unwrap();
        let mut b = Session::new(Config {
            seed: 2,
            ..Config::default()
        })
        .unwrap();
        a.advance(1_000);
        b.advance(1_000);
        assert_ne!(a.agent().q(), b.agent().q());
    }
}
