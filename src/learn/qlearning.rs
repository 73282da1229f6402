//! Tabular Q-learning with ε-greedy exploration over masked actions.
//!
//! Q(s,a) ← Q(s,a) + α_n·(r + γ·max_{a′ available} Q(s′,a′) − Q(s,a)) (Watkins 1989), with a
//! per-pair step size α_n = max(α_min, α₀/n^ω) read from a precomputed table (docs/modeling.md
//! §9: `powf` is slow in wasm). Tables are flat `Vec<f64>` indexed s·|A| + a; a step
//! allocates nothing.
//!
//! With `averaging` on, the learner also keeps a weighted running mean of each pair's
//! iterates (Polyak–Ruppert averaging, docs/modeling.md §17): the raw iterate drives
//! behaviour and the bootstrap target, the average is the estimate reported, made greedy
//! and evaluated.

use serde::{Deserialize, Serialize};

use crate::mdp::{ActionMask, Env};
use crate::rng::SimRng;

/// Length of the precomputed step-size table; later visits use its last entry.
const ALPHA_TABLE_LEN: usize = 1 << 16;

/// Hyper-parameters of training.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LearnConfig {
    /// Episodes a CLI run trains for (the page trains until paused).
    pub episodes: u32,
    /// γ ∈ [0, 1).
    pub discount: f64,
    /// α₀, the step size of a pair's first visit.
    pub alpha: f64,
    /// ω: α_n = α₀/n^ω (0 = constant step size).
    pub alpha_decay: f64,
    /// Lower bound on α_n.
    pub alpha_min: f64,
    /// ε at the first episode.
    pub epsilon: f64,
    /// ε is multiplied by this after every episode.
    pub epsilon_decay: f64,
    /// Lower bound on ε.
    pub epsilon_min: f64,
    /// Recompute Q* of the estimated model every this many episodes (0 = never).
    pub qstar_every: u32,
    /// Polyak–Ruppert averaging of the iterates: p, where the m-th iterate of a pair
    /// weighs Γ(m+p)/Γ(m) ~ m^p in the estimate; `None` = off, the estimate is the last
    /// iterate.
    pub averaging: Option<f64>,
}

impl Default for LearnConfig {
    fn default() -> Self {
        Self {
            episodes: 40_000,
            discount: 0.9,
            // A pair's first visit takes its target whole (README "The operator's question":
            // at 0.5 the control preset's ‖Q − Q*‖ stayed above 10%).
            alpha: 1.0,
            // ω = 0.7 with averaging (docs/modeling.md §17): larger steps forget the early,
            // badly bootstrapped targets sooner, and the average removes the noise they
            // leave in the iterates.
            alpha_decay: 0.7,
            alpha_min: 0.0,
            epsilon: 1.0,
            epsilon_decay: 0.9995,
            epsilon_min: 0.4,
            qstar_every: 100,
            averaging: Some(2.0),
        }
    }
}

impl LearnConfig {
    /// ε for episode `e` (0-based): max(ε_min, ε₀·decay^e).
    pub fn epsilon_at(&self, episode: u32) -> f64 {
        (self.epsilon * libm::pow(self.epsilon_decay, episode as f64)).max(self.epsilon_min)
    }
}

/// Greedy action of state `s` among the actions in `mask` (ties: lowest index).
#[inline]
pub fn greedy(q: &[f64], n_actions: usize, s: usize, mask: ActionMask) -> usize {
    let row = &q[s * n_actions..(s + 1) * n_actions];
    let mut best = usize::MAX;
    let mut best_v = f64::NEG_INFINITY;
    for (a, &v) in row.iter().enumerate() {
        if mask & (1 << a) != 0 && (best == usize::MAX || v > best_v) {
            best = a;
            best_v = v;
        }
    }
    if best == usize::MAX {
        0
    } else {
        best
    }
}

/// ε-greedy choice on `q` among the actions in `mask`: with probability ε a uniformly
/// random available action, else the greedy one; consumes exactly two random draws.
#[inline]
pub fn epsilon_greedy(
    q: &[f64],
    n_actions: usize,
    s: usize,
    mask: ActionMask,
    epsilon: f64,
    rng: &mut SimRng,
) -> usize {
    let explore = rng.uniform() < epsilon;
    let pick = rng.next_u64();
    if explore {
        let n = mask.count_ones() as u64;
        let k = crate::rng::mul_hi(pick, n) as u32;
        // The k-th set bit of the mask.
        let mut m = mask;
        for _ in 0..k {
            m &= m - 1;
        }
        m.trailing_zeros() as usize
    } else {
        greedy(q, n_actions, s, mask)
    }
}

/// Largest Q(s, a) among the actions in `mask`.
#[inline]
fn max_q(q: &[f64], n_actions: usize, s: usize, mask: ActionMask) -> f64 {
    let a = greedy(q, n_actions, s, mask);
    q[s * n_actions + a]
}

/// What one training step did.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepOutcome {
    pub state: usize,
    pub action: usize,
    pub reward: f64,
    pub next_state: usize,
    pub next_mask: ActionMask,
    /// |ΔQ(s,a)| of this update.
    pub delta_q: f64,
}

/// A tabular Q-learning agent.
#[derive(Debug, Clone)]
pub struct QLearner {
    n_states: usize,
    n_actions: usize,
    discount: f64,
    /// The raw iterates.
    q: Vec<f64>,
    /// The averaged iterates (empty when averaging is off).
    q_avg: Vec<f64>,
    /// p of the averaging weights.
    avg_power: f64,
    visits: Vec<u32>,
    /// (α_n, β_n) for a pair's n-th update, n < `ALPHA_TABLE_LEN`: its step size and the
    /// averaging's weight of the new iterate (one load for both).
    step_table: Vec<[f64; 2]>,
}

/// The averaging's weight of a pair's m-th iterate (m ≥ 1) in the running mean: with
/// w_m = Γ(m+p)/Γ(m) ~ m^p, Σ_{j≤m} w_j = Γ(m+p+1)/((p+1)·Γ(m)), so the mean moves toward
/// the new iterate by w_m/Σ w = (p+1)/(m+p) (= 1/m for p = 0, the plain mean).
#[inline]
fn averaging_weight(m: f64, p: f64) -> f64 {
    (p + 1.0) / (m + p)
}

impl QLearner {
    pub fn new(n_states: usize, n_actions: usize, cfg: &LearnConfig) -> Self {
        let p = cfg.averaging.unwrap_or(0.0);
        let step_table = (0..ALPHA_TABLE_LEN)
            .map(|i| {
                let n = (i + 1) as f64;
                let alpha = (cfg.alpha * libm::pow(n, -cfg.alpha_decay)).max(cfg.alpha_min);
                [alpha, averaging_weight(n, p)]
            })
            .collect();
        Self {
            n_states,
            n_actions,
            discount: cfg.discount,
            q: vec![0.0; n_states * n_actions],
            q_avg: if cfg.averaging.is_some() {
                vec![0.0; n_states * n_actions]
            } else {
                Vec::new()
            },
            avg_power: p,
            visits: vec![0; n_states * n_actions],
            step_table,
        }
    }

    /// The estimate of Q: the averaged iterates with averaging on, else the last iterate.
    /// Reports, greedy policies and evaluations read this.
    pub fn q(&self) -> &[f64] {
        if self.q_avg.is_empty() {
            &self.q
        } else {
            &self.q_avg
        }
    }
    /// The last iterate, which drives behaviour and the bootstrap target.
    pub fn iterate(&self) -> &[f64] {
        &self.q
    }
    pub fn visits(&self) -> &[u32] {
        &self.visits
    }
    pub fn n_states(&self) -> usize {
        self.n_states
    }
    pub fn n_actions(&self) -> usize {
        self.n_actions
    }

    /// ε-greedy choice among the available actions; consumes exactly two random draws.
    #[inline]
    pub fn choose(&self, s: usize, mask: ActionMask, epsilon: f64, rng: &mut SimRng) -> usize {
        epsilon_greedy(&self.q, self.n_actions, s, mask, epsilon, rng)
    }

    /// Applies the Q-learning update for an observed transition; returns |ΔQ|.
    #[inline]
    pub fn update(&mut self, s: usize, a: usize, r: f64, s2: usize, mask2: ActionMask) -> f64 {
        let i = s * self.n_actions + a;
        let n = self.visits[i] as usize;
        self.visits[i] = self.visits[i].saturating_add(1);
        let [alpha, beta] = self.step_table[n.min(ALPHA_TABLE_LEN - 1)];
        let target = r + self.discount * max_q(&self.q, self.n_actions, s2, mask2);
        let dq = alpha * (target - self.q[i]);
        self.q[i] += dq;
        if !self.q_avg.is_empty() {
            // Past the table, α stays at its last entry but β keeps falling.
            let beta = if n < ALPHA_TABLE_LEN {
                beta
            } else {
                averaging_weight((n + 1) as f64, self.avg_power)
            };
            self.q_avg[i] += beta * (self.q[i] - self.q_avg[i]);
        }
        dq.abs()
    }

    /// One step of interaction and learning.
    #[inline]
    pub fn train_step<E: Env + ?Sized>(
        &mut self,
        env: &mut E,
        epsilon: f64,
        rng: &mut SimRng,
    ) -> StepOutcome {
        let s = env.state();
        let a = self.choose(s, env.mask(), epsilon, rng);
        let (r, s2) = env.step(a, rng);
        let mask2 = env.mask();
        let delta_q = self.update(s, a, r, s2, mask2);
        StepOutcome {
            state: s,
            action: a,
            reward: r,
            next_state: s2,
            next_mask: mask2,
            delta_q,
        }
    }

    /// Overwrites `policy` with the greedy action of every state on the estimate (as
    /// [`Self::greedy_policy`]) and returns how many states changed; allocates only when
    /// `policy` has the wrong length.
    pub fn refresh_greedy(&self, policy: &mut Vec<u8>) -> u32 {
        if policy.len() != self.n_states {
            *policy = self.greedy_policy();
            return self.n_states as u32;
        }
        let all = (1u32 << self.n_actions) - 1;
        let q = self.q();
        let mut changes = 0;
        for (s, p) in policy.iter_mut().enumerate() {
            let a = greedy(q, self.n_actions, s, all) as u8;
            changes += u32::from(a != *p);
            *p = a;
        }
        changes
    }

    /// Greedy action of every state on the estimate (using each state's full action set).
    pub fn greedy_policy(&self) -> Vec<u8> {
        let all = (1u32 << self.n_actions) - 1;
        let q = self.q();
        (0..self.n_states)
            .map(|s| greedy(q, self.n_actions, s, all) as u8)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn greedy_respects_mask_and_ties() {
        let q = [1.0, 5.0, 3.0, 0.0, 0.0, 0.0];
        assert_eq!(greedy(&q, 3, 0, 0b111), 1);
        assert_eq!(greedy(&q, 3, 0, 0b101), 2);
        assert_eq!(greedy(&q, 3, 1, 0b110), 1);
    }

    #[test]
    fn exploration_only_picks_available_actions() {
        let l = QLearner::new(1, 4, &LearnConfig::default());
        let mut rng = SimRng::new(1);
        let mut seen = [0; 4];
        for _ in 0..4_000 {
            seen[l.choose(0, 0b1010, 1.0, &mut rng)] += 1;
        }
        assert_eq!(seen[0] + seen[2], 0);
        assert!(seen[1] > 1_800 && seen[3] > 1_800, "{seen:?}");
    }

    /// Feeds one pair targets r_t (γ = 0, so the target is the reward) and checks the
    /// recursive average against the weighted mean of the recorded iterates computed
    /// directly, with w_m = Γ(m+p)/Γ(m).
    fn averaged_against_direct(p: f64) {
        let cfg = LearnConfig {
            discount: 0.0,
            averaging: Some(p),
            ..LearnConfig::default()
        };
        let mut l = QLearner::new(1, 1, &cfg);
        let mut rng = SimRng::new(9);
        let mut iterates = Vec::new();
        // Past the precomputed table too.
        for _ in 0..ALPHA_TABLE_LEN + 5_000 {
            let r = 100.0 + 10.0 * rng.normal();
            l.update(0, 0, r, 0, 1);
            iterates.push(l.iterate()[0]);
        }
        let (mut num, mut den) = (0.0, 0.0);
        for (j, q) in iterates.iter().enumerate() {
            let m = (j + 1) as f64;
            let w = libm::exp(libm::lgamma(m + p) - libm::lgamma(m));
            num += w * q;
            den += w;
        }
        let direct = num / den;
        let got = l.q()[0];
        assert!(
            (got - direct).abs() <= 1e-9 * direct.abs(),
            "p={p}: {got} vs {direct}"
        );
        assert_ne!(got, l.iterate()[0]);
    }

    #[test]
    fn averaging_is_the_weighted_mean_of_the_iterates() {
        for p in [0.0, 1.0, 2.0, 3.5] {
            averaged_against_direct(p);
        }
    }

    #[test]
    fn averaging_off_reports_the_last_iterate() {
        let cfg = LearnConfig {
            averaging: None,
            ..LearnConfig::default()
        };
        let mut l = QLearner::new(1, 2, &cfg);
        l.update(0, 1, 5.0, 0, 0b11);
        l.update(0, 1, 7.0, 0, 0b11);
        assert_eq!(l.q(), l.iterate());
        assert_eq!(l.greedy_policy(), vec![1]);
    }

    #[test]
    fn epsilon_schedule() {
        let c = LearnConfig {
            epsilon: 1.0,
            epsilon_decay: 0.5,
            epsilon_min: 0.1,
            ..LearnConfig::default()
        };
        assert_eq!(c.epsilon_at(0), 1.0);
        assert_eq!(c.epsilon_at(1), 0.5);
        assert_eq!(c.epsilon_at(10), 0.1);
    }
}
