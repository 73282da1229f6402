//! The recommendation: the `control` Q-learning policy, checked by the success classifier
//! and sized with the next-change predictor, with the reason spelled out.
//!
//! Rule: the RL policy proposes the greedy available action in the market's current state.
//! A proposed adjustment is kept when the classifier's success probability for it is at
//! least `min_success`; otherwise the recommendation is to hold. The predictor's size is
//! reported beside the RL size (the RL size is what is applied: a repeg goes to the oracle,
//! a k step is κ).

use serde::Serialize;

use crate::data::events::EventFeatures;
use crate::learn::greedy;
use crate::mdp::{ControlAction, Env, Scenario, StepInfo};
use crate::ml::classify::SuccessModel;
use crate::ml::sequence::{ConvNet, STEP_FEATURES};

/// The ensemble's answer for one market state.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recommendation {
    /// What to do: "hold", "repeg", "k up" or "k down".
    pub action: String,
    /// The RL policy's own choice, and its Q values (NaN = unavailable) in action order.
    pub rl_action: String,
    pub q_values: Vec<f64>,
    /// Relative size of the recommended change (Δpeg/peg or Δ√k/√k), 0 for hold.
    pub size: f64,
    /// Classifier (logistic regression) probability that the RL action succeeds.
    pub success_probability: Option<f64>,
    /// Predictor's next change, [Δpeg %, Δ√k %].
    pub predicted_change: Option<[f64; 2]>,
    /// One sentence: what and why.
    pub reason: String,
}

/// The events of a simulated trajectory as predictor steps (repegs and k updates only).
pub fn trajectory_steps(traj: &[StepInfo]) -> Vec<[f64; STEP_FEATURES]> {
    let mut out = Vec::new();
    let mut prev: Option<usize> = None;
    for i in 1..traj.len() {
        let (a, b) = (&traj[i - 1], &traj[i]);
        if !b.adjusted {
            continue;
        }
        let dpeg = 100.0 * (b.peg / a.peg - 1.0);
        let dk = 100.0 * (b.sqrt_k / a.sqrt_k - 1.0);
        let hours = prev.map_or(24.0, |p| (i - p) as f64);
        out.push([(dpeg != 0.0) as u8 as f64, dpeg, dk, hours.log10()]);
        prev = Some(i);
    }
    out
}

/// Recommends an action for the environment's current market state, given the RL policy's
/// Q table (row-major [state][action]) and the episode so far.
pub fn recommend(
    env: &dyn Scenario,
    q: &[f64],
    trajectory: &[StepInfo],
    classifier: Option<&SuccessModel>,
    predictor: Option<&ConvNet>,
    min_success: f64,
) -> Recommendation {
    let names = ControlAction::SHORT;
    let Some(env) = env.control() else {
        return Recommendation {
            action: "hold".into(),
            rl_action: "n/a".into(),
            q_values: Vec::new(),
            size: 0.0,
            success_probability: None,
            predicted_change: None,
            reason: "this preset has no repeg/k actions; switch to the control preset".into(),
        };
    };
    let na = env.n_actions();
    let s = env.state();
    let mask = env.mask();
    const HOLD: usize = ControlAction::Hold as usize;
    const REPEG: usize = ControlAction::Repeg as usize;
    const K_UP: usize = ControlAction::KUp as usize;
    const K_DOWN: usize = ControlAction::KDown as usize;
    let rl = greedy(q, na, s, mask);
    let q_values: Vec<f64> = (0..na)
        .map(|a| {
            if mask & (1 << a) != 0 {
                q[s * na + a]
            } else {
                f64::NAN
            }
        })
        .collect();
    let amm = env.amm();
    let kappa = env.mdp().kappa;
    let size = match rl {
        REPEG => env.oracle_price() / amm.mark_price() - 1.0,
        K_UP => kappa,
        K_DOWN => 1.0 / (1.0 + kappa) - 1.0,
        _ => 0.0,
    };
    // The hypothetical event in the classifier's feature space (data::events::FEATURE_NAMES).
    let cost = match rl {
        REPEG => amm.repeg_cost(amm.peg() * (1.0 + size)),
        K_UP | K_DOWN => amm.k_cost(amm.sqrt_k() * (1.0 + size)),
        _ => 0.0,
    };
    let price = amm.mark_price();
    let oi_base = amm.open_interest_long() + amm.open_interest_short();
    let features = EventFeatures {
        is_repeg: rl == REPEG,
        size,
        oi_usd: oi_base * price,
        imbalance: amm.net_base() / oi_base.max(1e-12),
        cost,
        fee_pool: amm.fee_pool(),
        pool_ratio: if amm.total_fee() > 0.0 {
            amm.fee_pool() / amm.total_fee()
        } else {
            0.0
        },
        gap: env.gap(),
        volume: env.traders().volume.volume(price, amm.sqrt_k()),
    };
    let success_p = match classifier {
        Some(c) if rl != HOLD => Some(c.probability(&features.vector())),
        _ => None,
    };
    let steps = trajectory_steps(trajectory);
    let predicted = predictor.and_then(|net| {
        let w = net.window;
        (w > 0 && steps.len() >= w).then(|| net.predict(&steps[steps.len() - w..]))
    });
    let keep = rl != HOLD && success_p.is_none_or(|p| p >= min_success);
    let action = if keep { names[rl] } else { "hold" };
    let dir = if size >= 0.0 { "up" } else { "down" };
    let mut reason = match rl {
        HOLD => "hold: RL prefers holding".to_string(),
        REPEG => {
            format!("repeg {dir} {:.2}%: RL prefers repeg", 100.0 * size.abs())
        }
        _ => format!(
            "{} {:.2}%: RL prefers {}",
            names[rl],
            100.0 * size.abs(),
            names[rl]
        ),
    };
    if let Some(p) = success_p {
        reason.push_str(&format!("; classifier success {p:.2}"));
        if !keep {
            reason.push_str(&format!(" < {min_success:.2}, so hold"));
        }
    }
    if let Some(pc) = predicted {
        let (v, what) = if rl == REPEG || (rl == HOLD && pc[0].abs() >= pc[1].abs()) {
            (pc[0], "peg")
        } else {
            (pc[1], "√k")
        };
        reason.push_str(&format!("; predicted next {what} change {v:+.2}%"));
    }
    Recommendation {
        action: action.into(),
        rl_action: names[rl].into(),
        q_values,
        size: if keep { size } else { 0.0 },
        success_probability: success_p,
        predicted_change: predicted,
        reason,
    }
}
