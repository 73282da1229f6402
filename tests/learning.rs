//! Learning checks: Q-learning against closed-form and exact Q*, the presets against
//! Q* of their estimated models, and the learned policy against the baselines.

use damm::config::Config;
use damm::learn::{
    evaluate, max_abs, max_abs_diff, EvalTable, LearnConfig, Model, Policy, PolicyKind, QLearner,
};
use damm::mdp::{Env, Preset, TabularMdp};
use damm::rng::SimRng;
use damm::session::sweep::near_best_tabular;
use damm::session::Session;

/// Two states, two actions, deterministic. From s0: a0 pays 1 and stays, a1 pays 0 and
/// moves to s1. From s1: a0 pays 2 and stays, a1 pays 0 and moves to s0.
fn two_state() -> TabularMdp {
    #[rustfmt::skip]
    let p = vec![
        1.0, 0.0,   0.0, 1.0, // s0: a0 → s0, a1 → s1
        0.0, 1.0,   1.0, 0.0, // s1: a0 → s1, a1 → s0
    ];
    TabularMdp::new(2, 2, p, vec![1.0, 0.0, 2.0, 0.0])
}

/// Closed form for γ where moving to s1 is worth it (γ·2/(1−γ) > 1/(1−γ), i.e. γ > ½):
/// V(s1) = 2/(1−γ), V(s0) = γ·V(s1), Q(s0,a0) = 1 + γV(s0), Q(s1,a1) = γV(s0).
fn two_state_q_star(g: f64) -> [f64; 4] {
    let v1 = 2.0 / (1.0 - g);
    let v0 = g * v1;
    [1.0 + g * v0, v0, v1, g * v0]
}

fn train<E: Env>(env: &mut E, cfg: &LearnConfig, steps: u64, restart: u64, seed: u64) -> QLearner {
    let mut agent = QLearner::new(env.n_states(), env.n_actions(), cfg);
    let mut rng = SimRng::new(seed);
    env.reset(&mut rng);
    for t in 0..steps {
        if t % restart == 0 {
            env.reset(&mut rng);
        }
        agent.train_step(env, 1.0, &mut rng);
    }
    agent
}

#[test]
fn q_learning_matches_the_closed_form_within_1_percent() {
    let g = 0.9;
    let exact = two_state_q_star(g);
    // The hand-derived numbers for γ = 0.9.
    for (x, y) in exact.iter().zip([17.2, 18.0, 20.0, 16.2]) {
        assert!((x - y).abs() < 1e-12, "{x} vs {y}");
    }
    let cfg = LearnConfig {
        discount: g,
        alpha: 1.0,
        alpha_decay: 0.6,
        ..LearnConfig::default()
    };
    let agent = train(&mut two_state(), &cfg, 200_000, 50, 7);
    let err = max_abs_diff(agent.q(), &exact) / max_abs(&exact);
    println!(
        "two-state MDP: Q = {:?}, Q* = {exact:?}, relative error {err:.2e}",
        agent.q()
    );
    assert!(err < 0.01, "relative error {err}");
    // Value iteration on the explicit MDP agrees with the closed form too.
    let vi = two_state().q_star(g, 1e-12);
    assert!(max_abs_diff(&vi, &exact) < 1e-9);
}

#[test]
fn q_learning_and_model_estimate_converge_on_a_stochastic_mdp() {
    // Three states, two actions, random transitions and rewards (fixed by a seed).
    let mut rng = SimRng::new(42);
    let (ns, na) = (3, 2);
    let mut p = Vec::new();
    for _ in 0..ns * na {
        let w: Vec<f64> = (0..ns).map(|_| 0.1 + rng.uniform()).collect();
        let t: f64 = w.iter().sum();
        p.extend(w.iter().map(|x| x / t));
    }
    let r: Vec<f64> = (0..ns * na).map(|_| rng.uniform() * 10.0 - 3.0).collect();
    let mdp = TabularMdp::new(ns, na, p, r);
    let g = 0.8;
    let exact = mdp.q_star(g, 1e-13);
    let cfg = LearnConfig {
        discount: g,
        alpha: 1.0,
        alpha_decay: 0.7,
        ..LearnConfig::default()
    };
    // Q-learning.
    let agent = train(&mut mdp.clone(), &cfg, 2_000_000, 20, 1);
    let q_err = max_abs_diff(agent.q(), &exact) / max_abs(&exact);
    // Model estimation + value iteration on the same kind of experience.
    let mut env = mdp.clone();
    let mut model = Model::new(ns, na);
    let mut rng = SimRng::new(2);
    env.reset(&mut rng);
    for _ in 0..200_000 {
        let s = env.state();
        let a = rng.index(na);
        let (rew, s2) = env.step(a, &mut rng);
        model.record(s, a, rew, s2, env.mask());
    }
    let m_err = max_abs_diff(&model.q_star(g, 1e-12, None), &exact) / max_abs(&exact);
    println!("stochastic MDP: Q-learning relative error {q_err:.2e}, model VI {m_err:.2e}");
    assert!(q_err < 0.01, "{q_err}");
    assert!(m_err < 0.01, "{m_err}");
}

fn trained(preset: Preset) -> Session {
    let cfg = Config {
        preset,
        ..Config::default()
    };
    let episodes = cfg.learn.episodes;
    let mut s = Session::new(cfg).unwrap();
    s.advance_episodes(episodes);
    s
}

#[test]
fn presets_converge_to_the_estimated_model() {
    for preset in [Preset::Paper, Preset::Control] {
        let mut s = trained(preset);
        let c = s.compute_q_star();
        println!(
            "{preset:?}: ‖Q − Q*‖∞ = {:.3}, ‖Q*‖∞ = {:.3}, relative {:.4}, greedy agreement {:.3}",
            c.max_error, c.q_star_norm, c.relative_error, c.agreement
        );
        assert!(c.relative_error < 0.05, "{preset:?}: {}", c.relative_error);
    }
}

/// The grid point where the last iterate was furthest from Q* (README, "The operator's
/// question": 7.8% before averaging; 10.3% at today's defaults, the average 4.6%). The
/// averaged estimate must be under 5% there, and the same run's last iterate must not be,
/// or the averaging is not what this checks.
#[test]
fn averaging_brings_the_hardest_grid_point_under_5_percent() {
    let cfg = grid_point(4242, 1.0, 0.02);
    let episodes = cfg.learn.episodes;
    let mut s = Session::new(cfg).unwrap();
    s.advance_episodes(episodes);
    let c = s.compute_q_star();
    let q_star = s.q_star().expect("computed above").to_vec();
    let raw = max_abs_diff(s.agent().iterate(), &q_star) / max_abs(&q_star);
    println!(
        "λi = 1, σ = 2%: averaged {:.4}, last iterate {raw:.4}",
        c.relative_error
    );
    assert!(c.relative_error < 0.05, "averaged {}", c.relative_error);
    assert!(raw > 0.05, "last iterate {raw}");
}

/// A point of the README's grid ("The operator's question"): the control preset at
/// training seed `seed`, informed share `informed` and oracle volatility `volatility`,
/// evaluated on the grid's 8,000 seeds from 7,000,000.
fn grid_point(seed: u32, informed: f64, volatility: f64) -> Config {
    let mut cfg = Config {
        preset: Preset::Control,
        seed,
        ..Config::default()
    };
    cfg.traders.informed_prob = informed;
    cfg.oracle.volatility = volatility;
    cfg.eval.first_seed = 7_000_000;
    cfg.eval.seeds = 8_000;
    cfg
}

fn print_table(table: &EvalTable) {
    println!("policy      net mean [95% CI]          fees     costs    funding  adjustments");
    for e in &table.rows {
        println!(
            "{:<10} {:>9.1} [{:>9.1}, {:>9.1}] {:>8.1} {:>9.1} {:>9.1} {:>6.1}",
            e.policy.name(),
            e.net.mean,
            e.net.lo,
            e.net.hi,
            e.fees.mean,
            e.costs.mean,
            e.funding.mean,
            e.adjustments.mean
        );
    }
}

/// The claim "learned beats static" is a test on the paired 95% interval of learned −
/// static (same seeds), which must lie entirely above zero.
fn beats(table: &EvalTable, baseline: PolicyKind) -> bool {
    let d = table.paired(PolicyKind::Learned, baseline).unwrap();
    println!(
        "learned − {} per seed: {:.1} [{:.1}, {:.1}]",
        baseline.name(),
        d.mean,
        d.lo,
        d.hi
    );
    d.above_zero()
}

#[test]
fn learned_control_policy_beats_static_over_100_seeds() {
    let s = trained(Preset::Control);
    let table = s.evaluate();
    print_table(&table);
    assert_eq!(table.get(PolicyKind::Static).unwrap().seeds, 100);
    assert!(beats(&table, PolicyKind::Static));
}

#[test]
fn a_copy_of_the_static_policy_fails_the_beats_static_test() {
    // A Q table whose greedy action is "hold" everywhere is the static policy.
    let s = trained(Preset::Control);
    let na = s.env().n_actions();
    let q: Vec<f64> = (0..s.env().n_states() * na)
        .map(|i| if i % na == 0 { 1.0 } else { 0.0 })
        .collect();
    let mut env = s.env().clone_box();
    let e = s.config().eval;
    let len = s.config().mdp.episode_len;
    let rows = [Policy::Static, Policy::Greedy { q }]
        .iter()
        .map(|p| evaluate(&mut *env, p, e.first_seed, e.seeds, len))
        .collect();
    let table = EvalTable { rows };
    let d = table
        .paired(PolicyKind::Learned, PolicyKind::Static)
        .unwrap();
    assert_eq!((d.lo, d.hi), (0.0, 0.0));
    assert!(!beats(&table, PolicyKind::Static));
}

/// The grid point where, with the imbalance bins over ±10% and nobody closing (most visits
/// in the two saturated edge bins), the learned policy fell 5–8% below Drift v2's rules
/// for three of six training seeds (docs/modeling.md §18). Over four training seeds and
/// 8,000 paired evaluation seeds it must never be significantly below the best baseline
/// there.
#[test]
fn the_learned_policy_is_never_worse_than_the_best_baseline_across_training_seeds() {
    for seed in 4242..4246 {
        let cfg = grid_point(seed, 0.45, 0.02);
        let mut s = Session::for_answer(cfg).unwrap();
        s.advance_episodes(s.config().learn.episodes);
        let (best, d) = s.evaluate().learned_minus_best().unwrap();
        println!("seed {seed}: learned − {}: {d:?}", best.name());
        assert!(!d.below_zero(), "seed {seed}: {d:?}");
    }
}

/// The gap to the best tabular policy is training length (README, "The operator's
/// question"): at λi = 0.75, σ = 2% (training seed 4244) the default 40,000 episodes leave
/// the paired interval of learned / best tabular − 1 reaching below −2%, and 160,000 bring
/// its lower end within 2%, on the same 8,000 evaluation seeds and the same yardstick.
#[test]
fn longer_training_brings_the_learned_policy_within_2_percent_of_the_best_tabular_one() {
    let at = |episodes: u32| {
        let mut cfg = grid_point(4244, 0.75, 0.02);
        cfg.learn.episodes = episodes;
        cfg.eval.yardstick_transitions = 10_000_000;
        let mut s = Session::for_answer(cfg).unwrap();
        s.advance_episodes(episodes);
        let r = s.evaluate().learned_vs_best_tabular().unwrap();
        println!("{episodes} episodes: learned / best tabular − 1 = {r:?}");
        r
    };
    let short = at(Config::default().learn.episodes);
    assert!(!near_best_tabular(&short), "{short:?}");
    let long = at(160_000);
    assert!(near_best_tabular(&long), "{long:?}");
    assert!(long.mean > short.mean);
}
