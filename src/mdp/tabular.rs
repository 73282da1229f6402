//! An explicit finite MDP (transition matrix and mean rewards), with exact value iteration.
//! Used to check learners against a known Q*; not a market model.

use super::{ActionMask, Env};
use crate::rng::SimRng;

/// P(s′|s,a) and R(s,a) given in full; episodes start in a uniformly random state.
#[derive(Debug, Clone)]
pub struct TabularMdp {
    pub n_states: usize,
    pub n_actions: usize,
    /// Row-major [s][a][s′].
    pub transition: Vec<f64>,
    /// Row-major [s][a].
    pub reward: Vec<f64>,
    state: usize,
}

impl TabularMdp {
    /// Builds the MDP; panics on inconsistent sizes (it is built by code, not user input).
    pub fn new(n_states: usize, n_actions: usize, transition: Vec<f64>, reward: Vec<f64>) -> Self {
        assert_eq!(transition.len(), n_states * n_actions * n_states);
        assert_eq!(reward.len(), n_states * n_actions);
        Self {
            n_states,
            n_actions,
            transition,
            reward,
            state: 0,
        }
    }

    /// Q* by value iteration: Q(s,a) = R(s,a) + γ Σ P(s′|s,a) max Q(s′,·), to `tol`.
    pub fn q_star(&self, discount: f64, tol: f64) -> Vec<f64> {
        let (ns, na) = (self.n_states, self.n_actions);
        let mut q = vec![0.0; ns * na];
        let mut v = vec![0.0; ns];
        loop {
            let mut delta: f64 = 0.0;
            for s in 0..ns {
                for a in 0..na {
                    let row = &self.transition[(s * na + a) * ns..(s * na + a + 1) * ns];
                    let ev: f64 = row.iter().zip(&v).map(|(p, v)| p * v).sum();
                    let new = self.reward[s * na + a] + discount * ev;
                    delta = delta.max((new - q[s * na + a]).abs());
                    q[s * na + a] = new;
                }
            }
            for s in 0..ns {
                v[s] = q[s * na..(s + 1) * na]
                    .iter()
                    .cloned()
                    .fold(f64::MIN, f64::max);
            }
            if delta < tol {
                return q;
            }
        }
    }
}

impl Env for TabularMdp {
    fn n_states(&self) -> usize {
        self.n_states
    }
    fn n_actions(&self) -> usize {
        self.n_actions
    }
    fn reset(&mut self, rng: &mut SimRng) -> usize {
        self.state = rng.index(self.n_states);
        self.state
    }
    fn state(&self) -> usize {
        self.state
    }
    fn mask(&self) -> ActionMask {
        (1u32 << self.n_actions) - 1
    }
    fn step(&mut self, action: usize, rng: &mut SimRng) -> (f64, usize) {
        let (ns, na) = (self.n_states, self.n_actions);
        let base = (self.state * na + action) * ns;
        let u = rng.uniform();
        let mut acc = 0.0;
        let mut next = ns - 1;
        for (s2, p) in self.transition[base..base + ns].iter().enumerate() {
            acc += p;
            if u < acc {
                next = s2;
                break;
            }
        }
        let r = self.reward[self.state * na + action];
        self.state = next;
        (r, next)
    }
}
