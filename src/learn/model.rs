//! Model estimation from observed transitions and value iteration on the estimate.
//!
//! The outcome of a step is the next state *and* the set of actions available there (Drift's
//! rules mask actions by continuous quantities the state bins do not show). Counts
//! n(s, a, (s′, mask′)) and mean rewards R̂(s,a) give the maximum-likelihood model; value
//! iteration on it, with the max over the actions available in each outcome, gives
//! Q*_model: the fixed point of the same Bellman target Q-learning uses, on the same
//! experience. Pairs never tried have no estimate (NaN in Q*).

use serde::{Deserialize, Serialize};

use crate::mdp::ActionMask;

/// One observed outcome of (s, a): next state, its action mask, and how often.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Outcome {
    next: u32,
    mask: ActionMask,
    count: u32,
}

/// Outcome counts and reward sums per (s, a).
#[derive(Debug, Clone)]
pub struct Model {
    n_states: usize,
    n_actions: usize,
    /// Per (s, a), row-major: the distinct outcomes seen.
    outcomes: Vec<Vec<Outcome>>,
    /// Row-major [s][a].
    reward_sum: Vec<f64>,
    tries: Vec<u32>,
}

impl Model {
    pub fn new(n_states: usize, n_actions: usize) -> Self {
        Self {
            n_states,
            n_actions,
            outcomes: vec![Vec::new(); n_states * n_actions],
            reward_sum: vec![0.0; n_states * n_actions],
            tries: vec![0; n_states * n_actions],
        }
    }

    /// Records one observed transition (s, a, r, s′) and the mask seen in s′.
    #[inline]
    pub fn record(&mut self, s: usize, a: usize, r: f64, s2: usize, mask2: ActionMask) {
        let i = s * self.n_actions + a;
        let list = &mut self.outcomes[i];
        match list
            .iter_mut()
            .find(|o| o.next == s2 as u32 && o.mask == mask2)
        {
            Some(o) => o.count += 1,
            None => list.push(Outcome {
                next: s2 as u32,
                mask: mask2,
                count: 1,
            }),
        }
        self.reward_sum[i] += r;
        self.tries[i] += 1;
    }

    /// Times each (s, a) was tried.
    pub fn tries(&self) -> &[u32] {
        &self.tries
    }

    /// The outcomes seen after (s, a), in first-seen order: (next state, the action mask
    /// seen there, count). P̂(s′, m′ | s, a) = count / tries.
    pub fn outcomes(
        &self,
        s: usize,
        a: usize,
    ) -> impl Iterator<Item = (usize, ActionMask, u32)> + '_ {
        self.outcomes[s * self.n_actions + a]
            .iter()
            .map(|o| (o.next as usize, o.mask, o.count))
    }

    /// R̂(s, a), the mean observed reward of (s, a); `None` when never tried.
    pub fn mean_reward(&self, s: usize, a: usize) -> Option<f64> {
        let i = s * self.n_actions + a;
        (self.tries[i] > 0).then(|| self.reward_sum[i] / self.tries[i] as f64)
    }

    /// Q*_model by value iteration with the default sweep cap ([`DEFAULT_MAX_SWEEPS`]); see
    /// [`Model::q_star_report`], which also says whether it converged.
    pub fn q_star(&self, discount: f64, tol: f64, warm: Option<&[f64]>) -> Vec<f64> {
        self.q_star_report(discount, tol, warm, DEFAULT_MAX_SWEEPS)
            .0
    }

    /// Q*_model by value iteration, Q(s,a) = R̂(s,a) + γ Σ P̂(s′,m′|s,a) max_{a′∈m′} Q(s′,a′),
    /// where an untried (s′, a′) counts as 0 (as in Q-learning's initial table). Starts from
    /// `warm` when given (same shape; non-finite entries start at 0) and stops when the
    /// largest change of a sweep is below `tol`, or after `max_sweeps` sweeps. Untried pairs
    /// are NaN in the result.
    ///
    /// Near γ = 1 the number of sweeps grows like ln(tol)/ln(γ) (γ = 0.999999 needs about
    /// 2·10^7 sweeps for a relative 1e-10), so the cap bounds the work; the report says
    /// whether the result is converged. Passing the result back as `warm` continues where
    /// the capped call stopped.
    pub fn q_star_report(
        &self,
        discount: f64,
        tol: f64,
        warm: Option<&[f64]>,
        max_sweeps: u32,
    ) -> (Vec<f64>, ViReport) {
        let na = self.n_actions;
        let mut q: Vec<f64> = match warm {
            Some(w) if w.len() == self.n_states * na => w
                .iter()
                .map(|v| if v.is_finite() { *v } else { 0.0 })
                .collect(),
            _ => vec![0.0; self.n_states * na],
        };
        for (i, t) in self.tries.iter().enumerate() {
            if *t == 0 {
                q[i] = 0.0;
            }
        }
        let best = |q: &[f64], s: usize, mask: ActionMask| -> f64 {
            let mut b = f64::NEG_INFINITY;
            for a in 0..na {
                if mask & (1 << a) != 0 && q[s * na + a] > b {
                    b = q[s * na + a];
                }
            }
            if b.is_finite() {
                b
            } else {
                0.0
            }
        };
        let mut report = ViReport {
            sweeps: 0,
            max_change: f64::INFINITY,
            converged: false,
            max_sweeps,
        };
        while report.sweeps < max_sweeps {
            let mut delta: f64 = 0.0;
            for i in 0..q.len() {
                let n = self.tries[i];
                if n == 0 {
                    continue;
                }
                let ev: f64 = self.outcomes[i]
                    .iter()
                    .map(|o| o.count as f64 * best(&q, o.next as usize, o.mask))
                    .sum();
                let new = (self.reward_sum[i] + discount * ev) / n as f64;
                // A NaN change (from a non-finite reward) must not read as convergence.
                let change = (new - q[i]).abs();
                delta = if change.is_nan() {
                    f64::INFINITY
                } else {
                    delta.max(change)
                };
                q[i] = new;
            }
            report.sweeps += 1;
            report.max_change = delta;
            if delta < tol {
                report.converged = true;
                break;
            }
        }
        for (i, t) in self.tries.iter().enumerate() {
            if *t == 0 {
                q[i] = f64::NAN;
            }
        }
        (q, report)
    }
}

/// Sweeps [`Model::q_star`] allows before it gives up (γ = 0.9 at a relative 1e-10 needs
/// about 220 from a cold start, γ = 0.99 about 2,300).
pub const DEFAULT_MAX_SWEEPS: u32 = 10_000;

/// How a value iteration ended.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ViReport {
    /// Sweeps run.
    pub sweeps: u32,
    /// Largest |ΔQ| of the last sweep (∞ when no sweep ran).
    pub max_change: f64,
    /// The last sweep changed every Q by less than the tolerance.
    pub converged: bool,
    /// The cap the call ran under.
    pub max_sweeps: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_chain_has_geometric_values() {
        // One state, one action, reward 1, self-loop: Q* = 1/(1 − γ).
        let mut m = Model::new(1, 1);
        for _ in 0..10 {
            m.record(0, 0, 1.0, 0, 1);
        }
        let q = m.q_star(0.9, 1e-12, None);
        assert!((q[0] - 10.0).abs() < 1e-9);
    }

    #[test]
    fn untried_pairs_are_nan() {
        let mut m = Model::new(2, 2);
        m.record(0, 0, 1.0, 1, 0b11);
        let q = m.q_star(0.5, 1e-12, None);
        assert!(q[1].is_nan() && q[2].is_nan() && q[3].is_nan());
        assert!((q[0] - 1.0).abs() < 1e-12);
    }

    #[test]
    fn a_discount_a_hair_below_one_stops_at_the_cap_and_says_so() {
        // Self-loop with reward 1 at γ = 0.999999: Q* = 10^6, and each sweep moves Q by
        // about γ^n, so a tolerance of 1e-10 would need ~2·10^7 sweeps.
        let mut m = Model::new(1, 1);
        m.record(0, 0, 1.0, 0, 1);
        let (q, r) = m.q_star_report(0.999_999, 1e-10, None, 1_000);
        assert_eq!(r.sweeps, 1_000);
        assert_eq!(r.max_sweeps, 1_000);
        assert!(!r.converged);
        assert!(r.max_change > 0.99 && r.max_change <= 1.0, "{r:?}");
        assert!(q[0] > 990.0 && q[0] < 1_000.0, "{}", q[0]);
        // The default cap applies to `q_star` too: it returns (after DEFAULT_MAX_SWEEPS).
        let q = m.q_star(0.999_999, 1e-10, None);
        assert!(q[0] > 9_900.0 && q[0] < 10_000.0, "{}", q[0]);
        // Warm-starting from the capped result continues from there.
        let (q2, r2) = m.q_star_report(0.999_999, 1e-10, Some(&q), 1_000);
        assert!(!r2.converged);
        assert!(q2[0] > q[0] + 980.0, "{} -> {}", q[0], q2[0]);
    }

    #[test]
    fn a_converged_run_reports_its_sweeps() {
        let mut m = Model::new(1, 1);
        m.record(0, 0, 1.0, 0, 1);
        let (q, r) = m.q_star_report(0.9, 1e-12, None, DEFAULT_MAX_SWEEPS);
        assert!(r.converged, "{r:?}");
        assert!(r.max_change < 1e-12);
        // |ΔQ| after n sweeps is 0.9^n, below 1e-12 from n = 263.
        assert!((260..=270).contains(&r.sweeps), "{r:?}");
        assert!((q[0] - 10.0).abs() < 1e-9);
        // Warm-started at the answer, one sweep suffices.
        let (_, r) = m.q_star_report(0.9, 1e-9, Some(&q), DEFAULT_MAX_SWEEPS);
        assert_eq!(r.sweeps, 1);
        assert!(r.converged);
        // No sweep allowed: the warm start comes back, not converged.
        let (q0, r) = m.q_star_report(0.9, 1e-9, Some(&[3.0]), 0);
        assert_eq!((r.sweeps, r.converged), (0, false));
        assert_eq!(q0, vec![3.0]);
    }

    #[test]
    fn a_nan_tolerance_or_reward_never_reads_as_converged() {
        let mut m = Model::new(1, 1);
        m.record(0, 0, f64::NAN, 0, 1);
        let (_, r) = m.q_star_report(0.5, 1.0, None, 50);
        assert_eq!((r.sweeps, r.converged), (50, false));
        let mut m = Model::new(1, 1);
        m.record(0, 0, 1.0, 0, 1);
        let (_, r) = m.q_star_report(0.5, f64::NAN, None, 50);
        assert_eq!((r.sweeps, r.converged), (50, false));
    }
}
