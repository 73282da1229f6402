//! Diagnostics of a training run: per-episode history, the greedy policy's changes, and
//! the comparison of Q with Q*_model (value iteration on the estimated model). Not here:
//! training itself (`training`) or evaluation (`rollout`).

use serde::{Deserialize, Serialize};

use crate::learn::model::{ViReport, DEFAULT_MAX_SWEEPS};
use crate::learn::{self, Model, QLearner};

/// Episodes of diagnostics kept; older ones are dropped in halves.
const HISTORY_CAP: usize = 20_000;

/// Per-episode diagnostics, index i ↔ episode `first_episode + i`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
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
    /// The episodes from episode `from` on (all of them when `from` is before the start).
    pub fn tail(&self, from: u32) -> History {
        let i = (from.saturating_sub(self.first_episode) as usize).min(self.episode_return.len());
        History {
            first_episode: self.first_episode + i as u32,
            episode_return: self.episode_return[i..].to_vec(),
            max_dq: self.max_dq[i..].to_vec(),
            policy_changes: self.policy_changes[i..].to_vec(),
            q_error: self.q_error[i..].to_vec(),
            agreement: self.agreement[i..].to_vec(),
        }
    }

    /// Appends `tail` (episodes from `tail.first_episode` on), replacing what this history
    /// had from there, then drops the episodes before `first`. False (and nothing changed)
    /// when the tail does not join.
    pub fn join(&mut self, tail: History, first: u32) -> bool {
        let end = self.first_episode + self.episode_return.len() as u32;
        if tail.first_episode < self.first_episode
            || tail.first_episode > end
            || first < self.first_episode
        {
            return false;
        }
        let keep = (tail.first_episode - self.first_episode) as usize;
        self.truncate_to(keep);
        self.episode_return.extend(tail.episode_return);
        self.max_dq.extend(tail.max_dq);
        self.policy_changes.extend(tail.policy_changes);
        self.q_error.extend(tail.q_error);
        self.agreement.extend(tail.agreement);
        let drop = ((first - self.first_episode) as usize).min(self.episode_return.len());
        self.drop_front(drop);
        self.first_episode = first;
        true
    }

    pub(crate) fn truncate_to(&mut self, n: usize) {
        self.episode_return.truncate(n);
        self.max_dq.truncate(n);
        self.policy_changes.truncate(n);
        self.q_error.truncate(n);
        self.agreement.truncate(n);
    }

    fn drop_front(&mut self, n: usize) {
        self.episode_return.drain(..n);
        self.max_dq.drain(..n);
        self.policy_changes.drain(..n);
        self.q_error.drain(..n);
        self.agreement.drain(..n);
    }

    fn push(&mut self, ret: f64, max_dq: f64, changes: u32) {
        if self.episode_return.len() >= HISTORY_CAP {
            let half = HISTORY_CAP / 2;
            self.first_episode += half as u32;
            self.drop_front(half);
        }
        self.episode_return.push(ret);
        self.max_dq.push(max_dq);
        self.policy_changes.push(changes);
        self.q_error.push(None);
        self.agreement.push(None);
    }
}

/// Comparison of Q with Q*_model.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq)]
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

/// What the diagnostics keep between episodes.
#[derive(Debug, Clone, Default)]
pub struct Diagnostics {
    /// Greedy action per state at the end of the last episode.
    pub greedy: Vec<u8>,
    /// Q*_model at the last computation (NaN where untried).
    pub q_star: Option<Vec<f64>>,
    pub q_comparison: Option<QComparison>,
    /// How the last value iteration ended (sweeps, last change, converged or capped).
    pub vi_report: Option<ViReport>,
    pub history: History,
}

impl Diagnostics {
    pub fn new(agent: &QLearner) -> Self {
        Self {
            greedy: agent.greedy_policy(),
            ..Self::default()
        }
    }

    /// Records a finished episode: its return, largest |ΔQ| and how many states changed
    /// their greedy action (counted in place: no allocation per episode).
    pub fn end_episode(&mut self, agent: &QLearner, ret: f64, max_dq: f64) {
        let changes = agent.refresh_greedy(&mut self.greedy);
        self.history.push(ret, max_dq, changes);
    }

    /// Recomputes Q*_model by value iteration (warm-started) to the full tolerance (a
    /// relative 1e-10) and compares Q with it.
    pub fn compute_q_star(
        &mut self,
        agent: &QLearner,
        model: &Model,
        discount: f64,
    ) -> QComparison {
        self.q_star_to(agent, model, discount, None)
    }

    /// Q*_model from a cold start (Q = 0) to the full tolerance, 1e-10 of max(‖Q‖∞, 1) with
    /// Q the learner's table, and Q compared with it: one procedure whatever Q*s came
    /// before, so an answer's last digits do not depend on `learn.qstar_every`
    /// (docs/value-iteration.md §4).
    pub fn final_q_star(&mut self, agent: &QLearner, model: &Model, discount: f64) -> QComparison {
        self.q_star = None;
        self.q_star_to(agent, model, discount, None)
    }

    /// The Q* of the training cadence (`learn.qstar_every`): warm-started from the last
    /// Q*, and stopped once Q* is known well enough to report ‖Q − Q*‖∞ to
    /// [`CADENCE_ACCURACY`] of itself. After a sweep that changed no entry by more than δ,
    /// the iterate is within γ/(1−γ)·δ of Q*_model in sup norm (the Gauss–Seidel backup is a
    /// γ-contraction: docs/value-iteration.md §2), so the tolerance is
    /// δ = CADENCE_ACCURACY·(1−γ)/γ·(the last ‖Q − Q*‖∞), never below the full tolerance.
    /// The first computation of a run has no error to scale by and runs to the full
    /// tolerance. Explicit requests ([`Diagnostics::compute_q_star`]) stay exact.
    pub fn cadence_q_star(
        &mut self,
        agent: &QLearner,
        model: &Model,
        discount: f64,
    ) -> QComparison {
        let loose = match (&self.q_star, self.q_comparison) {
            (Some(_), Some(last)) if last.max_error.is_finite() && discount > 0.0 => {
                Some(CADENCE_ACCURACY * (1.0 - discount) / discount * last.max_error)
            }
            _ => None,
        };
        self.q_star_to(agent, model, discount, loose)
    }

    fn q_star_to(
        &mut self,
        agent: &QLearner,
        model: &Model,
        discount: f64,
        loose: Option<f64>,
    ) -> QComparison {
        // Stop value iteration at a change of 1e-10 of the largest Q (relative tolerance).
        let scale = learn::max_abs(self.q_star.as_deref().unwrap_or(agent.q())).max(1.0);
        let tol = (1e-10 * scale).max(loose.filter(|t| t.is_finite()).unwrap_or(0.0));
        // Capped: with γ near 1 a single call stops short and says so; the next call
        // continues from this warm start.
        let (q_star, report) =
            model.q_star_report(discount, tol, self.q_star.as_deref(), DEFAULT_MAX_SWEEPS);
        self.vi_report = Some(report);
        let cmp = compare(agent.q(), &q_star, agent.n_actions(), model.tries());
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
}

/// How well the training cadence's Q* must be known: its distance to Q*_model is at most
/// this share of the ‖Q − Q*‖∞ it reports (three significant digits on a log chart).
pub const CADENCE_ACCURACY: f64 = 1e-3;

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
