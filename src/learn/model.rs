//! Model estimation from observed transitions and value iteration on the estimate.
//!
//! Counts n(s,a,s′) and mean rewards R̂(s,a) give the maximum-likelihood MDP
//! P̂(s′|s,a) = n(s,a,s′)/n(s,a); value iteration on it gives Q*_model, the fixed point
//! that Q-learning on the same experience should approach. Pairs never tried have no
//! estimate (NaN in Q*).

use crate::mdp::ActionMask;

/// Transition counts and reward sums per (s, a).
#[derive(Debug, Clone)]
pub struct Model {
    n_states: usize,
    n_actions: usize,
    /// Row-major [s][a][s′].
    counts: Vec<u32>,
    /// Row-major [s][a].
    reward_sum: Vec<f64>,
    tries: Vec<u32>,
    /// Union of the action masks seen in each state.
    seen_mask: Vec<ActionMask>,
}

impl Model {
    pub fn new(n_states: usize, n_actions: usize) -> Self {
        Self {
            n_states,
            n_actions,
            counts: vec![0; n_states * n_actions * n_states],
            reward_sum: vec![0.0; n_states * n_actions],
            tries: vec![0; n_states * n_actions],
            seen_mask: vec![0; n_states],
        }
    }

    /// Records one observed transition (s, a, r, s′) and the mask seen in s′.
    #[inline]
    pub fn record(&mut self, s: usize, a: usize, r: f64, s2: usize, mask2: ActionMask) {
        let i = s * self.n_actions + a;
        self.counts[i * self.n_states + s2] += 1;
        self.reward_sum[i] += r;
        self.tries[i] += 1;
        self.seen_mask[s2] |= mask2;
    }

    /// Times each (s, a) was tried.
    pub fn tries(&self) -> &[u32] {
        &self.tries
    }

    /// Mean observed reward R̂(s,a) (NaN if never tried).
    pub fn mean_reward(&self, s: usize, a: usize) -> f64 {
        let i = s * self.n_actions + a;
        if self.tries[i] == 0 {
            f64::NAN
        } else {
            self.reward_sum[i] / self.tries[i] as f64
        }
    }

    /// Q*_model by value iteration, Q(s,a) = R̂(s,a) + γ Σ P̂(s′|s,a) max_{a′} Q(s′,a′),
    /// the max over actions seen available and tried in s′. Starts from `warm` when given
    /// (same shape) and stops when the largest change is below `tol` (or after 100,000
    /// sweeps). Untried pairs are NaN.
    pub fn q_star(&self, discount: f64, tol: f64, warm: Option<&[f64]>) -> Vec<f64> {
        let (ns, na) = (self.n_states, self.n_actions);
        let mut q: Vec<f64> = match warm {
            Some(w) if w.len() == ns * na => w
                .iter()
                .map(|v| if v.is_finite() { *v } else { 0.0 })
                .collect(),
            _ => vec![0.0; ns * na],
        };
        for (i, t) in self.tries.iter().enumerate() {
            if *t == 0 {
                q[i] = f64::NAN;
            }
        }
        let mut v = vec![0.0; ns];
        let value = |q: &[f64], v: &mut [f64]| {
            for s in 0..ns {
                let mut best = f64::NEG_INFINITY;
                for a in 0..na {
                    let x = q[s * na + a];
                    if self.seen_mask[s] & (1 << a) != 0 && x.is_finite() && x > best {
                        best = x;
                    }
                }
                v[s] = if best.is_finite() { best } else { 0.0 };
            }
        };
        value(&q, &mut v);
        for _ in 0..100_000 {
            let mut delta: f64 = 0.0;
            #[allow(clippy::needless_range_loop)] // i indexes q, tries, counts and rewards
            for i in 0..ns * na {
                let n = self.tries[i];
                if n == 0 {
                    continue;
                }
                let row = &self.counts[i * ns..(i + 1) * ns];
                let mut ev = 0.0;
                for (s2, &c) in row.iter().enumerate() {
                    if c != 0 {
                        ev += c as f64 * v[s2];
                    }
                }
                let new = (self.reward_sum[i] + discount * ev) / n as f64;
                delta = delta.max((new - q[i]).abs());
                q[i] = new;
            }
            value(&q, &mut v);
            if delta < tol {
                break;
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
