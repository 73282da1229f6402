//! The books at the oracle (`mdp.valuation = oracle`, docs/modeling.md §15):
//! - each step's counterparty PnL is the AMM's gain against the oracle, recomputed here from
//!   the trajectory alone (held position × the oracle's move, plus each trade's notional
//!   against its base at the oracle), and an episode's sum telescopes to the books' change;
//! - the reward leaves the repeg and k costs out, and the money split scoped to it nets to
//!   the reward bit for bit;
//! - the repeg puts the mark on the oracle, also where Drift v1's rule refuses to cross it;
//! - learned against the baselines on paired 95% intervals.

use damm::config::Config;
use damm::learn::PolicyKind;
use damm::mdp::{ControlAction, MoneyScope, MoneySplit, StepInfo, Valuation};
use damm::rng::SimRng;
use damm::session::Session;

/// A replayed oracle (so the held position's move is the realised one): a deterministic
/// zig-zag walk around 150 with 2% steps.
fn series() -> Vec<f64> {
    let mut p = 150.0;
    (0..400)
        .map(|i| {
            p *= if (i * 7 + i / 3) % 5 < 2 {
                0.98
            } else {
                1.0 / 0.985
            };
            p
        })
        .collect()
}

fn oracle_config(hash: &str) -> Config {
    let mut cfg = Config::from_hash(hash).unwrap();
    cfg.mdp.valuation = Valuation::Oracle;
    cfg.validate().unwrap();
    cfg
}

/// One episode under random actions, as trajectory rows (row 0 is the start).
fn random_episode(cfg: &Config, seed: u64) -> Vec<StepInfo> {
    let mut env = cfg.preset.build(&cfg.preset_inputs()).unwrap();
    let mut rng = SimRng::new(seed);
    env.reset_with(&mut rng, false);
    let mut rows = vec![env.row()];
    for _ in 0..cfg.mdp.episode_len {
        let mask = env.mask();
        let a = rng.index(env.n_actions());
        let a = if mask & (1 << a) != 0 { a } else { 0 };
        env.step(a, &mut rng);
        rows.push(env.row());
    }
    rows
}

#[test]
fn the_counterparty_pnl_is_the_books_at_the_oracle_recomputed_from_the_trajectory() {
    let mut cfg = oracle_config("seed=3&mdp.episode_len=300&market.fee_pool=60000");
    cfg.oracle.series = series();
    let rows = random_episode(&cfg, 11);
    let (mut sum, mut adjusted) = (0.0, 0);
    for w in rows.windows(2) {
        let (a, b) = (&w[0], &w[1]);
        // The AMM holds −N over the oracle's move, then takes the trade's notional for
        // the base it hands over, valued at the oracle (USD; a long's trade is > 0).
        let expect =
            -a.net_base * (b.oracle - a.oracle) + (b.trade - (b.net_base - a.net_base) * b.oracle);
        let scale = (a.net_base * a.oracle).abs() + b.trade.abs() + 1.0;
        assert!(
            (b.parts.counterparty_pnl - expect).abs() <= 1e-9 * scale,
            "{} vs {expect}",
            b.parts.counterparty_pnl
        );
        let reward =
            b.parts.fee_income - b.parts.overhead + b.parts.funding + b.parts.counterparty_pnl;
        assert_eq!(b.reward.to_bits(), reward.to_bits(), "{b:?}");
        sum += b.parts.counterparty_pnl;
        adjusted += b.adjusted as u32;
    }
    assert!(
        adjusted > 10,
        "the random actions adjusted the market only {adjusted} times"
    );
    // Telescoped: users' quote paid in − the change of their position at the oracle.
    let (first, last) = (&rows[0], rows.last().unwrap());
    let paid: f64 = rows[1..].iter().map(|r| r.trade).sum();
    let books = paid - (last.net_base * last.oracle - first.net_base * first.oracle);
    assert!(
        (sum - books).abs() <= 1e-9 * paid.abs().max(books.abs()),
        "{sum} vs {books}"
    );
}

#[test]
fn the_reward_leaves_the_adjustment_costs_out_and_the_scoped_split_nets_to_it() {
    let cfg = oracle_config("seed=4&mdp.overhead=150&market.fee_pool=60000");
    let s = Session::new(cfg.clone()).unwrap();
    assert_eq!(s.env().money_scope(), MoneyScope::AtOracle);
    let rows = random_episode(&cfg, 5);
    let mut cost = 0.0;
    for r in &rows[1..] {
        let split = MoneySplit::of(&r.parts).scoped(MoneyScope::AtOracle);
        assert_eq!(split.net().to_bits(), r.reward.to_bits(), "{r:?}");
        assert_eq!(split.adjustment, 0.0);
        assert_eq!(split.outside_reward, -r.parts.adjustment_cost);
        cost += r.parts.adjustment_cost.abs();
    }
    assert!(cost > 0.0, "no adjustment cost to leave out");
    // The curve valuation counts the same costs.
    let curve =
        Config::from_hash("seed=4&mdp.overhead=150&market.fee_pool=60000&mdp.valuation=curve")
            .unwrap();
    assert_eq!(
        Session::new(curve).unwrap().env().money_scope(),
        MoneyScope::All
    );
}

#[test]
fn the_repeg_puts_the_mark_on_the_oracle_even_across_it() {
    let cfg = oracle_config("seed=1&market.fee_pool=1000000");
    let mut env = cfg.preset.build(&cfg.preset_inputs()).unwrap();
    let mut rng = SimRng::new(8);
    let mut crossed = 0;
    for i in 0..5_000 {
        if i % 100 == 0 {
            env.reset_with(&mut rng, true);
        }
        let c = env.control().unwrap();
        if env.mask() & ControlAction::Repeg.bit() != 0 {
            let mut amm = *c.amm();
            let oracle = c.oracle_price();
            if amm.peg_toward(oracle).is_none() {
                crossed += 1;
            }
            c.apply(&mut amm, ControlAction::Repeg).unwrap();
            assert!((amm.mark_price() - oracle).abs() <= 1e-12 * oracle);
        }
        env.step(0, &mut rng);
    }
    assert!(
        crossed > 100,
        "Drift v1 would have refused only {crossed} of these repegs"
    );
}

#[test]
fn the_pump_flag_only_adds_to_the_curve_valuation() {
    // Under the oracle valuation the held position is already counted: the flag changes
    // nothing.
    let on = oracle_config("seed=2&mdp.counterparty_pnl=1");
    let off = oracle_config("seed=2");
    assert_eq!(random_episode(&on, 3), random_episode(&off, 3));
}

/// The README's settings for the operator's question (valuation at the oracle, 200 USD per
/// adjustment, α₀ = 1), at two points of its grid with evaluation seeds other than the
/// defaults: learned − the best baseline over 100 paired seeds.
fn learned_minus_best(hash: &str) -> (PolicyKind, damm::learn::Interval) {
    let mut cfg = oracle_config(hash);
    cfg.mdp.overhead = 200.0;
    cfg.learn.alpha = 1.0;
    cfg.seed = 4242;
    cfg.eval.first_seed = 7_000_000;
    let mut s = Session::new(cfg).unwrap();
    s.advance_episodes(s.config().learn.episodes);
    let (best, d) = s.evaluate().learned_minus_best().unwrap();
    println!(
        "{hash}: learned − {} = {:.0} [{:.0}, {:.0}]",
        best.name(),
        d.mean,
        d.lo,
        d.hi
    );
    (best, d)
}

#[test]
fn at_the_oracle_the_learned_policy_beats_the_best_baseline_where_informed_flow_trades() {
    let (best, d) = learned_minus_best("traders.informed_prob=0.6");
    assert_ne!(best, PolicyKind::Static);
    assert!(d.lo > 0.0, "{d:?}");
}

#[test]
fn at_the_oracle_the_learned_policy_is_not_worse_than_holding_without_informed_flow() {
    let (best, d) = learned_minus_best("traders.informed_prob=0");
    assert_eq!(best, PolicyKind::Static);
    assert!(d.hi > 0.0, "significantly worse than static: {d:?}");
}
