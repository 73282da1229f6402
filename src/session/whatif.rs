//! What-if answers built from a trained session, shared by the CLI and the page so both
//! print the same numbers: the evaluation report (`damm eval`'s JSON, the page's evaluation
//! panel), the state inspector (Q, Q*, visits, availability and the estimated model around
//! one state) and the side-by-side replay of every policy on one fresh episode.
//! Not here: training (`training`), the evaluation itself (`rollout`), sweeps (`sweep`) or
//! any drawing or I/O.

use serde::Serialize;
use serde_json::json;

use super::{rollout, sweep, Session};
use crate::learn::{greedy, EvalTable, PolicyKind};
use crate::mdp::{ControlAction, StepInfo};
use crate::rng::SimRng;

/// The evaluation report of `session` (trained) and its `table` (`Session::evaluate`), as
/// `damm eval` prints it: config, URL, Q against Q*, every policy's net reward, reward split
/// and adjustments per episode with 95% intervals, the best baseline, and the paired
/// learned − policy intervals keyed by the policy's name (every baseline, and the best tabular
/// policy with a yardstick); with a yardstick, the learned policy against the best tabular one
/// as a share and whether it is near it (`sweep::near_best_tabular`).
pub fn eval_report(session: &Session, table: &EvalTable) -> serde_json::Value {
    let mut paired = serde_json::Map::new();
    for e in &table.rows {
        if let Some(d) = table.learned_minus(e.policy) {
            paired.insert(e.policy.name().to_string(), json!(d));
        }
    }
    let share = table.learned_vs_best_tabular();
    json!({
        "config": session.config(),
        "url": session.config().to_hash(),
        "q_comparison": session.q_comparison(),
        "policies": table.rows.iter().map(|e| json!({
            "policy": e.policy, "seeds": e.seeds, "net": e.net, "fees": e.fees,
            "costs": e.costs, "funding": e.funding, "overhead": e.overhead,
            "counterparty_pnl": e.counterparty, "adjustments": e.adjustments,
        })).collect::<Vec<_>>(),
        "best_baseline": table.best_baseline(),
        "learned_vs_best_tabular": share,
        // The test `damm sweep` counts: the interval's lower end within the share.
        "near_best_tabular": share.map(|t| json!({
            "within": sweep::NEAR_BEST_TABULAR, "holds": sweep::near_best_tabular(&t),
        })),
        "learned_minus": paired,
    })
}

/// The evaluation table as CSV: one row per policy with the mean and 95% interval of the
/// net reward, each reward term and the adjustments per episode, and the paired
/// learned − policy interval (empty for the learned policy itself).
pub fn eval_csv(table: &EvalTable) -> String {
    let terms = [
        "net",
        "fees",
        "costs",
        "funding",
        "overhead",
        "counterparty_pnl",
        "adjustments",
    ];
    let mut head = vec!["policy".to_string(), "seeds".to_string()];
    for t in terms.iter().chain(&["learned_minus"]) {
        for c in ["mean", "lo", "hi"] {
            head.push(format!("{t}_{c}"));
        }
    }
    let mut out = head.join(",") + "\n";
    for e in &table.rows {
        let mut cells = vec![e.policy.name().to_string(), e.seeds.to_string()];
        for i in [
            e.net,
            e.fees,
            e.costs,
            e.funding,
            e.overhead,
            e.counterparty,
            e.adjustments,
        ] {
            cells.extend([i.mean, i.lo, i.hi].map(|x| x.to_string()));
        }
        match table.learned_minus(e.policy) {
            Some(d) => cells.extend([d.mean, d.lo, d.hi].map(|x| x.to_string())),
            None => cells.extend([String::new(), String::new(), String::new()]),
        }
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}

/// One next state of (s, a) under the estimated model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NextState {
    pub state: usize,
    /// [imbalance bin, gap bin, √k level index] of the next state.
    pub coords: [usize; 3],
    /// P̂(s′ | s, a), summed over the masks seen in s′.
    pub probability: f64,
    /// max Q*(s′, ·) over the actions tried there (`None` before Q* or when none was tried).
    pub value: Option<f64>,
}

/// One action in the inspected state.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActionView {
    pub action: usize,
    pub name: String,
    pub q: f64,
    /// Q*_model(s, a) (`None` before Q* is computed or when the pair was never tried).
    pub q_star: Option<f64>,
    pub visits: u32,
    /// R̂(s, a), the mean reward observed (`None` when never tried).
    pub mean_reward: Option<f64>,
    /// Share of the arrivals in s (recorded by the model) in which this action was
    /// available (`None` when s was never reached).
    pub available_share: Option<f64>,
    /// Available in the live market now (only when the live state is the inspected one).
    pub available_now: Option<bool>,
    /// Why Drift's rules refuse it now (the engine's message), when it is masked now.
    pub reason_now: Option<String>,
    /// The likeliest next states, most likely first.
    pub next: Vec<NextState>,
}

/// Everything the page's state inspector shows for one state.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StateInspection {
    pub state: usize,
    pub coords: [usize; 3],
    /// The live market's state is this one.
    pub is_current: bool,
    pub actions: Vec<ActionView>,
    /// Greedy action of Q over the actions tried in s (all actions when none was tried).
    pub greedy_q: usize,
    /// Greedy action of Q*_model over the same actions (`None` before Q*).
    pub greedy_q_star: Option<usize>,
    /// The two greedy actions differ and their Q* values differ by more than 1e-9 relative
    /// (the tie rule of the greedy agreement, `diagnostics::compare`).
    pub disagrees: bool,
}

/// [imbalance bin, gap bin, √k level] of state `s` in a state grid of `shape` (the state
/// index is imbalance + ni·(gap + ng·k), `mdp::control`).
pub fn coords(shape: [usize; 3], s: usize) -> [usize; 3] {
    let [ni, ng, _] = shape;
    [s % ni, (s / ni) % ng, s / (ni * ng)]
}

/// The inspector's view of state `state` (`None` when out of range); up to `top` next
/// states per action.
pub fn inspect(session: &Session, state: usize, top: usize) -> Option<StateInspection> {
    let agent = session.agent();
    let (ns, na) = (agent.n_states(), agent.n_actions());
    if state >= ns {
        return None;
    }
    let env = session.env();
    let shape = env.state_shape();
    let model = session.model();
    let q = agent.q();
    let q_star = session.q_star();
    let visits = agent.visits();
    // The masks seen on arrival in `state`, over every recorded transition.
    let mut arrivals = 0u64;
    let mut avail = vec![0u64; na];
    for s0 in 0..ns {
        for a0 in 0..na {
            for (next, mask, count) in model.outcomes(s0, a0) {
                if next == state {
                    arrivals += u64::from(count);
                    for (a, n) in avail.iter_mut().enumerate() {
                        if mask & (1 << a) != 0 {
                            *n += u64::from(count);
                        }
                    }
                }
            }
        }
    }
    let is_current = env.state() == state;
    let value_of = |s: usize| -> Option<f64> {
        let qs = q_star?;
        let v = qs[s * na..(s + 1) * na]
            .iter()
            .copied()
            .filter(|v| v.is_finite())
            .fold(f64::NEG_INFINITY, f64::max);
        v.is_finite().then_some(v)
    };
    let actions = (0..na)
        .map(|a| {
            let i = state * na + a;
            let tries = model.tries()[i];
            // P̂(s′ | s, a), summed over the masks seen in s′, most likely first.
            let mut next: Vec<(usize, u32)> = Vec::new();
            for (s2, _, count) in model.outcomes(state, a) {
                match next.iter_mut().find(|(s, _)| *s == s2) {
                    Some(e) => e.1 += count,
                    None => next.push((s2, count)),
                }
            }
            next.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(&y.0)));
            let (available_now, reason_now) = if is_current {
                let now = env.mask() & (1 << a) != 0;
                (Some(now), (!now).then(|| refusal(session, a)).flatten())
            } else {
                (None, None)
            };
            ActionView {
                action: a,
                name: env.action_names().get(a).map_or("?", |n| n).to_string(),
                q: q[i],
                q_star: q_star.map(|qs| qs[i]).filter(|v| v.is_finite()),
                visits: visits[i],
                mean_reward: model.mean_reward(state, a),
                available_share: (arrivals > 0).then(|| avail[a] as f64 / arrivals as f64),
                available_now,
                reason_now,
                next: next
                    .into_iter()
                    .take(top)
                    .map(|(s2, count)| NextState {
                        state: s2,
                        coords: coords(shape, s2),
                        probability: count as f64 / tries.max(1) as f64,
                        value: value_of(s2),
                    })
                    .collect(),
            }
        })
        .collect();
    let tried: u32 = (0..na)
        .filter(|&a| model.tries()[state * na + a] > 0)
        .fold(0, |m, a| m | (1 << a));
    let among = if tried == 0 { (1u32 << na) - 1 } else { tried };
    let greedy_q = greedy(q, na, state, among);
    let greedy_q_star = q_star
        .filter(|_| tried != 0)
        .map(|qs| greedy(qs, na, state, among));
    let disagrees = match (q_star, greedy_q_star) {
        (Some(qs), Some(b)) => {
            let tol = 1e-9 * qs[state * na + b].abs().max(1.0);
            greedy_q != b && (qs[state * na + greedy_q] - qs[state * na + b]).abs() > tol
        }
        _ => false,
    };
    Some(StateInspection {
        state,
        coords: coords(shape, state),
        is_current,
        actions,
        greedy_q,
        greedy_q_star,
        disagrees,
    })
}

/// Why action `a` is refused in the live market now: the engine's own message from
/// applying it to a copy of the AMM (control preset; `None` elsewhere).
fn refusal(session: &Session, a: usize) -> Option<String> {
    let c = session.env().control()?;
    let action = ControlAction::from_index(a)?;
    let mut probe = *c.amm();
    c.apply(&mut probe, action).err().map(|e| e.to_string())
}

/// One policy's episode in a replay.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReplayTrack {
    pub policy: PolicyKind,
    /// Step 0 is the start state; step t the market after step t.
    pub steps: Vec<StepInfo>,
    /// Reward summed up to each step (0 at step 0): the protocol's cumulative money.
    pub cumulative: Vec<f64>,
}

/// Every policy (the baselines and the learned greedy policy of the session's Q now) on
/// the same fresh episode from the configured market: the same `seed`, so the same oracle
/// path and the same trader draws (actions draw no randomness, `learn::policy`).
pub fn replay(session: &Session, seed: u64) -> Vec<ReplayTrack> {
    let len = session.config().mdp.episode_len;
    rollout::policies(session.config(), session.agent().q())
        .iter()
        .map(|p| {
            let mut env = session.env().clone_box();
            let mut rng = SimRng::new(seed);
            let steps = rollout::rollout(&mut *env, p, len, &mut rng);
            let mut sum = 0.0;
            let cumulative = steps
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    if i > 0 {
                        sum += s.reward;
                    }
                    sum
                })
                .collect();
            ReplayTrack {
                policy: p.kind(),
                steps,
                cumulative,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn trained() -> Session {
        let mut s = Session::new(Config {
            seed: 5,
            ..Config::default()
        })
        .unwrap();
        s.advance_episodes(300);
        s.compute_q_star();
        s
    }

    #[test]
    fn the_inspector_reads_the_tables_and_the_model() {
        let s = trained();
        let state = s.env().state();
        let r = inspect(&s, state, 3).unwrap();
        assert!(r.is_current);
        let na = s.agent().n_actions();
        assert_eq!(r.actions.len(), na);
        for a in &r.actions {
            assert_eq!(a.q, s.agent().q()[state * na + a.action]);
            assert_eq!(a.visits, s.agent().visits()[state * na + a.action]);
            let p: f64 = a.next.iter().map(|n| n.probability).sum();
            assert!(p <= 1.0 + 1e-12 && (a.visits == 0 || p > 0.0));
            // Masked now exactly when the live mask says so, with the engine's reason.
            assert_eq!(a.available_now, Some(s.env().mask() & (1 << a.action) != 0));
            assert_eq!(a.reason_now.is_some(), a.available_now == Some(false));
        }
        assert!(inspect(&s, s.agent().n_states(), 3).is_none());
        assert_eq!(coords([7, 5, 3], 3 + 7 * (2 + 5 * 2)), [3, 2, 2]);
    }

    #[test]
    fn a_replay_shares_the_oracle_path_and_sums_the_rewards() {
        let s = trained();
        let tracks = replay(&s, 42);
        assert_eq!(tracks.len(), 4);
        let len = s.config().mdp.episode_len as usize;
        for t in &tracks {
            assert_eq!(t.steps.len(), len + 1);
            let total: f64 = t.steps[1..].iter().map(|x| x.reward).sum();
            assert!((t.cumulative[len] - total).abs() <= 1e-9 * total.abs().max(1.0));
            // Same seed, same oracle path, whatever the policy did.
            let o: Vec<f64> = t.steps.iter().map(|x| x.oracle).collect();
            let o0: Vec<f64> = tracks[0].steps.iter().map(|x| x.oracle).collect();
            assert_eq!(o, o0);
        }
        assert_eq!(replay(&s, 42), tracks);
        assert_ne!(replay(&s, 43)[0].steps, tracks[0].steps);
    }
}
