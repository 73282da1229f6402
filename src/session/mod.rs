//! `Session`: one run of the engine, the object both front ends drive.
//!
//! A config becomes a preset's environment, a Q-learning agent and a model estimate
//! (`training`), with diagnostics of the learning (`diagnostics`); `advance` trains for a
//! number of steps (episodes roll over by themselves); `evaluate` compares every policy on
//! common random numbers (`rollout`); `view` lends the charts what they draw without
//! copying, `snapshot` returns an owned copy for JSON. The same config and seed give the
//! same numbers on every run and on every target. No drawing and no I/O here.

pub mod diagnostics;
pub mod episode;
pub mod rollout;
pub mod sweep;
pub mod training;
pub mod view;
pub mod whatif;

pub use diagnostics::{History, QComparison};
pub use view::{Snapshot, View};

use crate::config::{Config, ConfigError};
use crate::learn::model::ViReport;
use crate::learn::{EvalTable, Model, Policy, QLearner};
use crate::mdp::band::{continuous_band, discrete_optimal_band, learned_band};
use crate::mdp::{Scenario, StepInfo};
use diagnostics::Diagnostics;
use training::Trainer;

/// One training run.
#[derive(Debug, Clone)]
pub struct Session {
    config: Config,
    train: Trainer,
    diag: Diagnostics,
    action_labels: Vec<String>,
    /// Band preset: (exact discrete-time optimal band, continuous-time law).
    band_exact: Option<(f64, f64)>,
    /// A run for an answer (`Session::for_answer`): no per-episode diagnostics.
    quiet: bool,
}

/// The band preset's answer: the band read off Q beside the exact discrete-time optimum of
/// the same problem and the continuous-time law (docs/band.md).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BandReport {
    pub learned: f64,
    pub discrete_optimum: f64,
    pub continuous_law: f64,
}

impl Session {
    /// Validates the config and starts episode 0.
    pub fn new(config: Config) -> Result<Self, ConfigError> {
        config.validate()?;
        let env = config.preset.build(&config.preset_inputs())?;
        // The band preset's exact optimum depends only on the config: solve it once.
        let band_exact = env
            .band()
            .map(|c| (discrete_optimal_band(c), continuous_band(c)));
        let action_labels = env.action_labels().iter().map(|s| s.to_string()).collect();
        let train = Trainer::new(
            env,
            config.learn,
            config.mdp.episode_len,
            config.seed as u64,
        );
        Ok(Self {
            diag: Diagnostics::new(&train.agent),
            train,
            config,
            action_labels,
            band_exact,
            quiet: false,
        })
    }

    /// A run kept only for its answer (a sweep point, `damm eval`, the page's evaluation):
    /// it learns exactly as `new`'s run does (the same Q, visits and model, step for step),
    /// but keeps no per-episode diagnostics: no history, no greedy-change counts and no Q*
    /// cadence (`learn.qstar_every` is ignored), none of which the answer reads. Its Q* is
    /// `final_q_star`'s.
    pub fn for_answer(config: Config) -> Result<Self, ConfigError> {
        Ok(Self {
            quiet: true,
            ..Self::new(config)?
        })
    }

    pub fn config(&self) -> &Config {
        &self.config
    }
    pub fn env(&self) -> &dyn Scenario {
        &*self.train.env
    }
    pub fn agent(&self) -> &QLearner {
        &self.train.agent
    }
    pub fn model(&self) -> &Model {
        &self.train.model
    }
    pub fn episode(&self) -> u32 {
        self.train.episode
    }
    pub fn history(&self) -> &History {
        &self.diag.history
    }
    /// Q*_model at its last computation (NaN where untried; `None` before the first).
    pub fn q_star(&self) -> Option<&[f64]> {
        self.diag.q_star.as_deref()
    }
    pub fn q_comparison(&self) -> Option<QComparison> {
        self.diag.q_comparison
    }
    /// How the last value iteration for Q* ended.
    pub fn vi_report(&self) -> Option<ViReport> {
        self.diag.vi_report
    }
    /// Step within the current episode.
    pub fn step_in_episode(&self) -> u32 {
        self.train.step
    }
    pub fn total_steps(&self) -> u64 {
        self.train.total_steps
    }
    /// ε of the current episode.
    pub fn epsilon(&self) -> f64 {
        self.train.epsilon
    }

    /// Trains for `steps` environment steps; returns the number of episodes completed.
    pub fn advance(&mut self, steps: u64) -> u32 {
        let mut done = 0;
        for i in 0..steps {
            if let Some(end) = self.train.step(steps - 1 - i) {
                self.end_episode(end.ret, end.max_dq);
                done += 1;
            }
        }
        done
    }

    fn end_episode(&mut self, ret: f64, max_dq: f64) {
        if self.quiet {
            return;
        }
        self.diag.end_episode(&self.train.agent, ret, max_dq);
        let every = self.config.learn.qstar_every;
        if every > 0 && self.train.episode % every == 0 {
            self.diag.cadence_q_star(
                &self.train.agent,
                &self.train.model,
                self.config.learn.discount,
            );
        }
    }

    /// Trains until `episodes` more episodes are complete.
    pub fn advance_episodes(&mut self, episodes: u32) {
        if episodes == 0 {
            return;
        }
        // One call, so that the episodes nobody will see skip their trajectory rows.
        let len = u64::from(self.train.episode_len);
        self.advance(u64::from(self.train.steps_left()) + u64::from(episodes - 1) * len);
    }

    /// Recomputes Q*_model by value iteration (warm-started) and compares Q with it.
    pub fn compute_q_star(&mut self) -> QComparison {
        self.diag.compute_q_star(
            &self.train.agent,
            &self.train.model,
            self.config.learn.discount,
        )
    }

    /// Q*_model for an answer (a sweep row, `damm eval`, the page's evaluation): value
    /// iteration from Q = 0 to the full tolerance, so it depends only on the model and the
    /// learner's Q, never on when earlier Q*s were computed (docs/value-iteration.md §4).
    pub fn final_q_star(&mut self) -> QComparison {
        self.diag.final_q_star(
            &self.train.agent,
            &self.train.model,
            self.config.learn.discount,
        )
    }

    /// Starts a fresh episode from the configured market (no exploring start) and follows
    /// the greedy policy for `steps` steps without learning: a realistic "current state".
    pub fn step_greedy(&mut self, steps: u32) {
        let policy = Policy::Greedy {
            q: self.train.agent.q().to_vec(),
        };
        let t = &mut self.train;
        t.trajectory = rollout::rollout(&mut *t.env, &policy, steps, &mut t.rng);
        t.step = steps;
        t.recording = true;
    }

    /// Evaluates the baselines (static, the v1-style rule, Drift v2's rules) and the learned
    /// greedy policy on the same eval seeds.
    pub fn evaluate(&self) -> EvalTable {
        rollout::evaluate_all(self.env(), &self.config, self.train.agent.q())
    }

    /// The current episode's trajectory, or the last one right after an episode ends.
    pub fn shown_trajectory(&self) -> &[StepInfo] {
        self.train.shown_trajectory()
    }

    /// The shown episode's trajectory as CSV.
    pub fn trajectory_csv(&self) -> String {
        rollout::trajectory_csv(self.shown_trajectory())
    }

    /// The volume model's trade size (USD) at the current mark and √k: the trade the curve
    /// chart shows by default (0 without a market).
    pub fn typical_trade(&self) -> f64 {
        self.env().market().map_or(0.0, |m| {
            let a = m.amm();
            self.config
                .traders
                .volume
                .volume(a.mark_price(), a.sqrt_k())
        })
    }

    /// Band preset: the learned band beside the exact optimum and the continuous law.
    pub fn band_report(&self) -> Option<BandReport> {
        let cfg = self.env().band()?;
        let (discrete_optimum, continuous_law) = self.band_exact?;
        Some(BandReport {
            learned: learned_band(self.train.agent.q(), cfg),
            discrete_optimum,
            continuous_law,
        })
    }

    /// What the charts draw, borrowed (no copy). Right after an episode ends, its last
    /// step (as `Snapshot::view_at` shows it).
    pub fn view(&self) -> View<'_> {
        let v = self.view_now();
        let traj = self.shown_trajectory();
        match traj.last() {
            Some(row) if self.train.step == 0 && traj.len() > 1 => View {
                amm: v.amm.map(|a| episode::amm_at(row, a.fee_rate)),
                oracle: row.oracle,
                state: row.state as usize,
                ..v
            },
            _ => v,
        }
    }

    fn view_now(&self) -> View<'_> {
        View {
            mdp: self.config.mdp,
            amm: self.env().market().map(|m| m.amm().state()),
            oracle: self.env().market().map_or(0.0, |m| m.oracle_price()),
            rules: self.config.market.rules,
            trajectory: self.shown_trajectory(),
            history: &self.diag.history,
            q: self.train.agent.q(),
            q_star: self.diag.q_star.as_deref(),
            visits: self.train.agent.visits(),
            policy: &self.diag.greedy,
            state: self.env().state(),
            state_shape: self.env().state_shape(),
            n_actions: self.train.agent.n_actions(),
            action_labels: &self.action_labels,
            money_scope: self.env().money_scope(),
        }
    }

    /// An owned copy of everything worth drawing or saving.
    pub fn snapshot(&self) -> Snapshot {
        self.snapshot_since(0)
    }

    /// `snapshot` with only the history's episodes from `history_from` on (what a viewer
    /// that already holds the earlier ones needs; `History::join` puts them together).
    pub fn snapshot_since(&self, history_from: u32) -> Snapshot {
        let env = self.env();
        Snapshot {
            config: self.config.clone(),
            action_names: env.action_names().iter().map(|s| s.to_string()).collect(),
            action_labels: self.action_labels.clone(),
            n_states: self.train.agent.n_states(),
            n_actions: self.train.agent.n_actions(),
            state_shape: env.state_shape(),
            episode: self.train.episode,
            step: self.train.step,
            total_steps: self.train.total_steps,
            epsilon: self.train.epsilon,
            amm: env.market().map(|m| m.amm().state()),
            oracle: env.market().map_or(0.0, |m| m.oracle_price()),
            spendable: env.market().map_or(0.0, |m| m.amm().spendable()),
            band: self.band_report(),
            state: env.state(),
            mask: env.mask(),
            trajectory: self.shown_trajectory().to_vec(),
            q: self.train.agent.q().to_vec(),
            q_star: self.diag.q_star.clone(),
            q_comparison: self.diag.q_comparison,
            vi_report: self.diag.vi_report,
            visits: self.train.agent.visits().to_vec(),
            policy: self.diag.greedy.clone(),
            history: self.diag.history.tail(history_from),
            money_scope: env.money_scope(),
        }
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
        assert_eq!(a.history().episode_return, b.history().episode_return);
    }

    #[test]
    fn an_answer_learns_the_same_q_and_its_q_star_ignores_the_cadence() {
        let cfg = |every: u32| {
            let mut c = Config {
                seed: 9,
                ..Config::default()
            };
            c.learn.qstar_every = every;
            c
        };
        let bits =
            |s: &Session| -> Vec<u64> { s.q_star().unwrap().iter().map(|x| x.to_bits()).collect() };
        let mut answer = Session::for_answer(cfg(7)).unwrap();
        answer.advance_episodes(300);
        assert!(answer.history().episode_return.is_empty());
        assert!(answer.q_star().is_none(), "no Q* cadence in an answer");
        let a = answer.final_q_star();
        for every in [0, 7, 100] {
            let mut full = Session::new(cfg(every)).unwrap();
            full.advance_episodes(300);
            assert_eq!(full.agent().q(), answer.agent().q());
            assert_eq!(full.agent().visits(), answer.agent().visits());
            assert_eq!(full.model().tries(), answer.model().tries());
            assert_eq!(full.evaluate(), answer.evaluate());
            assert_eq!(full.history().episode_return.len(), 300);
            // Whatever Q*s the cadence computed before, the final one is the same, bit for bit.
            assert_eq!(full.final_q_star(), a, "qstar_every {every}");
            assert_eq!(bits(&full), bits(&answer), "qstar_every {every}");
        }
        // It is value iteration to the full tolerance: within γ/(1−γ)·δ of the fixed point
        // (docs/value-iteration.md §2), so a further warm-started solve moves it by no more.
        let r = answer.vi_report().unwrap();
        assert!(r.converged);
        let before: Vec<f64> = answer.q_star().unwrap().to_vec();
        answer.compute_q_star();
        let gamma = answer.config().learn.discount;
        let bound = gamma / (1.0 - gamma) * r.max_change;
        for (x, y) in before.iter().zip(answer.q_star().unwrap()) {
            assert!(
                x.is_nan() && y.is_nan() || (x - y).abs() <= 2.0 * bound,
                "{x} {y}"
            );
        }
    }

    #[test]
    fn the_shown_trajectory_does_not_depend_on_how_training_is_sliced() {
        // One long call skips the rows of the episodes it finishes unseen; slices of every
        // size, ending anywhere in an episode, must still show the same rows.
        for total in [0u64, 1, 99, 100, 101, 250, 300, 1_234] {
            let mut whole = Session::new(Config::default()).unwrap();
            whole.advance(total);
            for slice in [1u64, 7, 100, 199, 200, 201] {
                let mut sliced = Session::new(Config::default()).unwrap();
                let mut left = total;
                while left > 0 {
                    let n = slice.min(left);
                    sliced.advance(n);
                    left -= n;
                }
                assert_eq!(
                    whole.shown_trajectory(),
                    sliced.shown_trajectory(),
                    "total {total}, slice {slice}"
                );
                assert!(!whole.shown_trajectory().is_empty());
            }
        }
        let mut a = Session::new(Config::default()).unwrap();
        a.advance_episodes(7);
        let mut b = Session::new(Config::default()).unwrap();
        b.advance(700);
        assert_eq!(a.shown_trajectory(), b.shown_trajectory());
        assert_eq!(a.shown_trajectory().len(), 101);
    }

    #[test]
    fn snapshot_round_trips_through_json_with_untried_q_star_pairs() {
        let mut s = Session::new(Config::default()).unwrap();
        s.advance(2_000);
        s.compute_q_star();
        let snap = s.snapshot();
        assert!(snap.q_star.as_ref().unwrap().iter().any(|x| x.is_nan()));
        let back: Snapshot = serde_json::from_slice(&serde_json::to_vec(&snap).unwrap()).unwrap();
        let (a, b) = (snap.q_star.unwrap(), back.q_star.unwrap());
        assert!(a
            .iter()
            .zip(&b)
            .all(|(x, y)| x == y || (x.is_nan() && y.is_nan())));
        assert_eq!(back.q, snap.q);
    }

    #[test]
    fn a_history_tail_joins_back_to_the_whole() {
        let mut s = Session::new(Config::default()).unwrap();
        s.advance_episodes(30);
        let whole = s.history().clone();
        let mut held = whole.tail(0);
        held.truncate_to(20);
        s.advance_episodes(5);
        let tail = s.history().tail(19);
        assert!(held.join(tail, s.history().first_episode));
        assert_eq!(held.episode_return, s.history().episode_return);
        // A tail that starts after the held history ends does not join.
        let mut short = whole.tail(0);
        short.truncate_to(3);
        assert!(!short.join(s.history().tail(10), 0));
        assert_eq!(short.episode_return.len(), 3);
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
