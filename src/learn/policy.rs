//! Baseline and learned policies for the market, and their evaluation over seeds.
//!
//! Static never adjusts; the Drift-style rule repegs to the oracle when the gap exceeds a
//! threshold and the fee pool can pay (docs/amm-formulas.md §5, v2 formulaic repeg in spirit;
//! it never touches k); Greedy follows a Q table. Evaluation runs each policy on the same seeds
//! (common random numbers: actions draw no randomness), from the configured market.

use serde::{Deserialize, Serialize};

use super::qlearning::greedy;
use crate::mdp::market_env::control_action;
use crate::mdp::{Env, MarketEnv, Preset};
use crate::rng::SimRng;

/// A policy for the market environment.
#[derive(Debug, Clone, PartialEq)]
pub enum Policy {
    /// Never adjust (control: hold; paper: always +1).
    Static,
    /// Repeg to the oracle when |mark − oracle|/oracle > threshold and the pool can pay.
    DriftRule { threshold: f64 },
    /// Greedy in a Q table (row-major [s][a]).
    Greedy { q: Vec<f64> },
}

/// Names of the policies in reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PolicyKind {
    Static,
    DriftRule,
    Learned,
}

impl Policy {
    pub fn kind(&self) -> PolicyKind {
        match self {
            Policy::Static => PolicyKind::Static,
            Policy::DriftRule { .. } => PolicyKind::DriftRule,
            Policy::Greedy { .. } => PolicyKind::Learned,
        }
    }

    /// The action this policy takes in the environment's current state.
    pub fn act(&self, env: &MarketEnv) -> usize {
        let mask = env.mask();
        match self {
            Policy::Static => 0,
            Policy::DriftRule { threshold } => {
                if env.preset() == Preset::Control
                    && env.gap().abs() > *threshold
                    && mask & (1 << control_action::REPEG) != 0
                {
                    control_action::REPEG
                } else {
                    0
                }
            }
            Policy::Greedy { q } => greedy(q, env.n_actions(), env.state(), mask),
        }
    }
}

/// Mean and 95% confidence interval (normal approximation, mean ± 1.96·s/√n).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    pub mean: f64,
    pub lo: f64,
    pub hi: f64,
}

impl Interval {
    pub fn of(xs: &[f64]) -> Self {
        let n = xs.len() as f64;
        if xs.is_empty() {
            return Self::default();
        }
        let mean = xs.iter().sum::<f64>() / n;
        let var = if xs.len() > 1 {
            xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)
        } else {
            0.0
        };
        let h = 1.96 * (var / n).sqrt();
        Self {
            mean,
            lo: mean - h,
            hi: mean + h,
        }
    }
}

/// Totals of one policy over N seeds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalStats {
    pub policy: PolicyKind,
    pub seeds: u32,
    /// Protocol's share of fees per episode.
    pub fees: Interval,
    /// Adjustment costs per episode (> 0 paid).
    pub costs: Interval,
    /// Funding received per episode.
    pub funding: Interval,
    /// Net reward per episode (the MDP's reward summed).
    pub net: Interval,
    /// Repegs and k updates per episode.
    pub adjustments: Interval,
    /// Net reward per seed, in seed order (for paired comparisons).
    pub per_seed_net: Vec<f64>,
}

/// Runs `policy` for one episode of `len` steps from the configured market per seed
/// (seeds `first_seed..first_seed + n`), without exploring starts.
pub fn evaluate(
    env: &mut MarketEnv,
    policy: &Policy,
    first_seed: u64,
    n: u32,
    len: u32,
) -> EvalStats {
    let mut fees = Vec::with_capacity(n as usize);
    let mut costs = Vec::with_capacity(n as usize);
    let mut funding = Vec::with_capacity(n as usize);
    let mut net = Vec::with_capacity(n as usize);
    let mut adjustments = Vec::with_capacity(n as usize);
    for i in 0..n as u64 {
        let mut rng = SimRng::new(first_seed.wrapping_add(i));
        env.reset_with(&mut rng, false);
        let (mut f, mut c, mut fu, mut r, mut adj) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for _ in 0..len {
            let a = policy.act(env);
            let (rew, _) = env.step(a, &mut rng);
            let info = env.last();
            f += info.parts.fee_income;
            c += info.parts.adjustment_cost;
            fu += info.parts.funding;
            r += rew;
            adj += info.adjusted as u8 as f64;
        }
        fees.push(f);
        costs.push(c);
        funding.push(fu);
        net.push(r);
        adjustments.push(adj);
    }
    EvalStats {
        policy: policy.kind(),
        seeds: n,
        fees: Interval::of(&fees),
        costs: Interval::of(&costs),
        funding: Interval::of(&funding),
        net: Interval::of(&net),
        adjustments: Interval::of(&adjustments),
        per_seed_net: net,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interval_of_known_sample() {
        let i = Interval::of(&[1.0, 2.0, 3.0, 4.0]);
        assert_eq!(i.mean, 2.5);
        let h = 1.96 * (1.6666666666666667f64 / 4.0).sqrt();
        assert!((i.hi - 2.5 - h).abs() < 1e-12);
    }
}
