//! Model estimation from observed transitions and value iteration on the estimate.
//!
//! The outcome of a step is the next state *and* the set of actions available there (Drift's
//! rules mask actions by continuous quantities the state bins do not show). Counts
//! n(s, a, (s′, mask′)) and mean rewards R̂(s,a) give the maximum-likelihood model; value
//! iteration on it, with the max over the actions available in each outcome, gives
//! Q*_model: the fixed point of the same Bellman target Q-learning uses, on the same
//! experience. Pairs never tried have no estimate (NaN in Q*).

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

    /// Q*_model by value iteration, Q(s,a) = R̂(s,a) + γ Σ P̂(s′,m′|s,a) max_{a′∈m′} Q(s′,a′),
    /// where an untried (s′, a′) counts as 0 (as in Q-learning's initial table). Starts from
    /// `warm` when given (same shape) and stops when the largest change is below `tol` (or
    /// after 100,000 sweeps). Untried pairs are NaN in the result.
    pub fn q_star(&self, discount: f64, tol: f64, warm: Option<&[f64]>) -> Vec<f64> {
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
        for _ in 0..100_000 {
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
                delta = delta.max((new - q[i]).abs());
                q[i] = new;
            }
            if delta < tol {
                break;
            }
        }
        for (i, t) in self.tries.iter().enumerate() {
            if *t == 0 {
                q[i] = f64::NAN;
            }
        }
        q
    }
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
}
