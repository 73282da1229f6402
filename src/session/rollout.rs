//! Using a trained Q table without learning: the evaluation of every policy on common
//! random numbers, a greedy rollout from the configured market, and the trajectory CSV.
//! Not here: training (`training`) or its diagnostics (`diagnostics`).

use crate::config::Config;
use crate::learn::{epsilon_greedy, evaluate, EvalTable, Model, Policy};
use crate::mdp::{MoneySplit, Scenario, StepInfo};
use crate::rng::SimRng;

/// The policies a run is compared with, in report order: the baselines (static, the v1-style
/// rule, Drift v2's rules), then the learned greedy policy of `q`.
pub fn policies(config: &Config, q: &[f64]) -> [Policy; 4] {
    [
        Policy::Static,
        Policy::V1Rule {
            threshold: config.eval.drift_threshold,
        },
        Policy::DriftV2 {
            params: config.drift_v2,
        },
        Policy::Greedy { q: q.to_vec() },
    ]
}

/// Evaluates every policy of `policies` on the config's evaluation seeds (a copy of `env`
/// is used; `env` itself is untouched).
/// With `eval.yardstick_transitions` > 0, the best tabular policy (`best_tabular_q`) is
/// evaluated on the same seeds too.
pub fn evaluate_all(env: &dyn Scenario, config: &Config, q: &[f64]) -> EvalTable {
    let e = config.eval;
    let mut list = policies(config, q).to_vec();
    if e.yardstick_transitions > 0 {
        let best = best_tabular_q(
            env,
            config,
            e.yardstick_transitions,
            e.first_seed ^ YARDSTICK_SEED,
        );
        list.push(Policy::BestTabular { q: best });
    }
    let mut env = env.clone_box();
    let rows = list
        .iter()
        .map(|p| evaluate(&mut *env, p, e.first_seed, e.seeds, config.mdp.episode_len))
        .collect();
    EvalTable { rows }
}

/// Mixed into the evaluation seed for the yardstick's sample (kept apart from every episode).
const YARDSTICK_SEED: u64 = 0x005E_ED0F_BE57;

/// Rounds of the yardstick: the first samples uniformly random actions, each later one
/// ε-greedy actions around the previous round's policy.
const YARDSTICK_ROUNDS: u64 = 3;
/// ε of the yardstick's later rounds.
const YARDSTICK_EPSILON: f64 = 0.2;
/// Episodes on which the rounds' policies are compared (seeds apart from the evaluation's).
const YARDSTICK_SELECTION_EPISODES: u32 = 200;
/// Mixed into the round's seed for its selection episodes.
const YARDSTICK_SELECTION_MIX: u64 = 0x5E1E_C7ED_0000;

/// The best tabular policy for the state abstraction, as a Q table: the yardstick for the
/// learned policy. Each of `YARDSTICK_ROUNDS` rounds estimates a model from `transitions`
/// transitions with exploring starts every episode and solves it by value iteration; the
/// first round's actions are uniformly random, each later round's ε-greedy around the
/// previous round's greedy policy, so its model describes the states a good policy visits
/// (where the abstraction is not Markov, a model of random play does not). The round whose
/// greedy policy earns most on episodes of its own (seeds apart from the evaluation's) is
/// returned. Untried pairs are −∞ so the greedy policy never picks them.
pub fn best_tabular_q(
    env: &dyn Scenario,
    config: &Config,
    transitions: u64,
    seed: u64,
) -> Vec<f64> {
    let mut env = env.clone_box();
    let len = config.mdp.episode_len.max(1);
    let mut best: Option<(f64, Vec<f64>)> = None;
    let mut around: Option<Vec<f64>> = None;
    for round in 0..YARDSTICK_ROUNDS {
        let seed = seed.wrapping_add(round);
        let q = sampled_q_star(&mut *env, config, transitions, seed, around.as_deref());
        let selection = seed.rotate_left(17) ^ YARDSTICK_SELECTION_MIX;
        let policy = Policy::BestTabular { q: q.clone() };
        let value = evaluate(
            &mut *env,
            &policy,
            selection,
            YARDSTICK_SELECTION_EPISODES,
            len,
        )
        .net
        .mean;
        if best.as_ref().is_none_or(|(v, _)| value > *v) {
            best = Some((value, q.clone()));
        }
        around = Some(q);
    }
    best.map(|(_, q)| q).unwrap_or_default()
}

/// Q* (untried pairs −∞) of a model estimated from `transitions` transitions with exploring
/// starts every episode: uniformly random actions, or ε-greedy around `around`'s greedy
/// policy.
fn sampled_q_star(
    env: &mut dyn Scenario,
    config: &Config,
    transitions: u64,
    seed: u64,
    around: Option<&[f64]>,
) -> Vec<f64> {
    let (ns, na) = (env.n_states(), env.n_actions());
    let mut model = Model::new(ns, na);
    // Uniformly random play is ε-greedy with ε = 1 (the table is never read).
    let zeros = vec![0.0; ns * na];
    let mut rng = SimRng::new(seed);
    let len = u64::from(config.mdp.episode_len.max(1));
    for t in 0..transitions {
        if t % len == 0 {
            env.reset_with(&mut rng, true);
        }
        let (s, mask) = (env.state(), env.mask());
        let a = match around {
            None => epsilon_greedy(&zeros, na, s, mask, 1.0, &mut rng),
            Some(q) => epsilon_greedy(q, na, s, mask, YARDSTICK_EPSILON, &mut rng),
        };
        let (r, s2) = env.step(a, &mut rng);
        model.record(s, a, r, s2, env.mask());
    }
    // Value iteration to a change of 1e-10 of the values' scale (found by a coarse pass).
    let coarse = model.q_star(config.learn.discount, 1.0, None);
    let scale = crate::learn::max_abs(&coarse).max(1.0);
    let q = model.q_star(config.learn.discount, 1e-10 * scale, Some(&coarse));
    q.into_iter()
        .map(|v| if v.is_nan() { f64::NEG_INFINITY } else { v })
        .collect()
}

/// Starts a fresh episode from the configured market (no exploring start) and follows
/// `policy` for `steps` steps; returns the trajectory (step 0 is the start state).
pub fn rollout(
    env: &mut dyn Scenario,
    policy: &Policy,
    steps: u32,
    rng: &mut SimRng,
) -> Vec<StepInfo> {
    env.reset_with(rng, false);
    let mut out = Vec::with_capacity(steps as usize + 1);
    out.push(env.row());
    for _ in 0..steps {
        policy.step(env, rng);
        out.push(env.row());
    }
    out
}

/// Header of `trajectory_csv`.
pub const CSV_HEADER: &str = "step,oracle,mark,terminal,peg,sqrt_k,net_base,open_interest_long,open_interest_short,total_fee,fee_pool,action,adjusted,trade,informed,fee_income,adjustment_cost,funding,counterparty_pnl,overhead,reward,fee_uninformed,fee_informed,fee_arbitrageur,funding_received,funding_paid,informed_loss,arbitrageur_loss,lvr_reference,state";

/// A trajectory as CSV, one row per step. The columns after `reward` are the step's money
/// split (`MoneySplit`: fee shares by payer, funding received and paid) and its memo items
/// (losses at the oracle to informed flow and to the arbitrageur, the LVR reference); the
/// last, `state`, is the MDP state index the row arrived in (what the timeline highlights).
pub fn trajectory_csv(rows: &[StepInfo]) -> String {
    let mut out = String::with_capacity(64 * (rows.len() + 1));
    out.push_str(CSV_HEADER);
    out.push('\n');
    for (i, r) in rows.iter().enumerate() {
        let p = &r.parts;
        let m = MoneySplit::of(p);
        let cells: [String; 30] = [
            i.to_string(),
            r.oracle.to_string(),
            r.mark.to_string(),
            r.terminal.to_string(),
            r.peg.to_string(),
            r.sqrt_k.to_string(),
            r.net_base.to_string(),
            r.open_interest_long.to_string(),
            r.open_interest_short.to_string(),
            r.total_fee.to_string(),
            r.fee_pool.to_string(),
            r.action.to_string(),
            r.adjusted.to_string(),
            r.trade.to_string(),
            r.informed.to_string(),
            p.fee_income.to_string(),
            p.adjustment_cost.to_string(),
            p.funding.to_string(),
            p.counterparty_pnl.to_string(),
            p.overhead.to_string(),
            r.reward.to_string(),
            m.fee_uninformed.to_string(),
            m.fee_informed.to_string(),
            m.fee_arbitrageur.to_string(),
            m.funding_received.to_string(),
            m.funding_paid.to_string(),
            m.informed_loss.to_string(),
            m.arbitrageur_loss.to_string(),
            m.lvr_reference.to_string(),
            r.state.to_string(),
        ];
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}
