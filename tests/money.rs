//! Where the money goes (`damm::mdp::money`) and the arbitrageur (docs/lvr.md):
//! - each step's money split nets to the control reward bit for bit, and an episode's split
//!   to the episode's return within 1e-12 of the sum of the terms' magnitudes (the rounding
//!   of summing the same numbers in another order; far inside 1e-9 relative);
//! - with no fee and a GBM oracle, the arbitrageur takes 1 − e^(−σ²/8) of the virtual pool's
//!   value per step, within 1% over 10^6 steps (Milionis et al. 2022; docs/lvr.md §2);
//! - with a fee it stops at oracle/(1 ± f), and with it off nothing of it shows.

use damm::config::Config;
use damm::market::{OracleConfig, TraderConfig};
use damm::mdp::money::cumulative;
use damm::mdp::{MarketConfig, MarketCore, MdpConfig, MoneyScope, MoneySplit};
use damm::reward::VolumeModel;
use damm::rng::SimRng;
use damm::session::Session;

fn session(hash: &str, episodes: u32) -> Session {
    let cfg = Config::from_hash(hash).unwrap();
    let mut s = Session::new(cfg).unwrap();
    s.advance_episodes(episodes);
    s
}

fn check_split_nets_to_return(hash: &str) {
    let s = session(hash, 30);
    let scope = s.env().money_scope();
    let traj = s.shown_trajectory();
    assert!(traj.len() > 50, "{hash}");
    for step in traj {
        let split = MoneySplit::of(&step.parts).scoped(scope);
        assert_eq!(
            split.net().to_bits(),
            step.reward.to_bits(),
            "{hash}: {step:?}"
        );
    }
    let ret = *s.history().episode_return.last().unwrap();
    let total = MoneySplit::total(traj).scoped(scope);
    let err = (total.net() - ret).abs();
    assert!(
        err <= 1e-12 * total.magnitude().max(1.0),
        "{hash}: split {} vs return {ret}",
        total.net()
    );
    assert!(err <= 1e-9 * ret.abs().max(1.0));
    // The cumulative split ends at the total.
    assert_eq!(cumulative(traj).last().unwrap().scoped(scope), total);
}

#[test]
fn the_split_nets_to_the_episode_return() {
    check_split_nets_to_return("seed=5");
    check_split_nets_to_return("seed=5&mdp.valuation=curve");
    check_split_nets_to_return("seed=6&traders.arbitrageur=1&mdp.overhead=150");
    check_split_nets_to_return(
        "seed=7&traders.arbitrageur=1&mdp.valuation=curve&mdp.counterparty_pnl=1&traders.informed_prob=0.3",
    );
}

/// The paper preset's reward is the fee income only: its split, scoped to the fees, nets to
/// each step's reward bit for bit and to the episode's return; the repeg costs it leaves out
/// are the memo `outside_reward` (and the unscoped split would not net to the return).
#[test]
fn the_paper_split_is_scoped_to_its_fees_and_nets_to_the_return() {
    let s = session("preset=paper&seed=5&traders.arbitrageur=1", 30);
    assert_eq!(s.env().money_scope(), MoneyScope::FeesOnly);
    let traj = s.shown_trajectory();
    for step in traj {
        let split = MoneySplit::of(&step.parts).scoped(MoneyScope::FeesOnly);
        assert_eq!(split.net().to_bits(), step.reward.to_bits(), "{step:?}");
    }
    let ret = *s.history().episode_return.last().unwrap();
    let all = MoneySplit::total(traj);
    let total = all.scoped(MoneyScope::FeesOnly);
    assert!((total.net() - ret).abs() <= 1e-12 * total.magnitude().max(1.0));
    let repegs: f64 = traj.iter().map(|r| r.parts.adjustment_cost).sum();
    let pnl: f64 = traj.iter().map(|r| r.parts.counterparty_pnl).sum();
    assert!(
        repegs != 0.0,
        "no repeg cost in the episode: the check below is empty"
    );
    // The memo: minus the repeg costs, plus the counterparty PnL at the oracle (the
    // default valuation computes it; the paper's reward leaves it out).
    assert!(pnl != 0.0);
    assert!((total.outside_reward + repegs - pnl).abs() <= 1e-9 * (repegs.abs() + pnl.abs()));
    assert!(
        (all.net() - ret).abs() > 1e-6 * ret.abs(),
        "the unscoped split nets to the return too"
    );
    // The control and band presets: every term, and no market.
    assert_eq!(
        session("seed=5", 0).env().money_scope(),
        MoneyScope::AtOracle
    );
    assert_eq!(
        session("seed=5&mdp.valuation=curve", 0).env().money_scope(),
        MoneyScope::All
    );
    let band = session("preset=band&seed=5", 0);
    assert_eq!(band.env().money_scope(), MoneyScope::NoMarket);
    assert_eq!(band.snapshot().money_scope, MoneyScope::NoMarket);
}

#[test]
fn fees_are_split_by_payer_and_informed_losses_recorded() {
    let s = session("seed=9&traders.informed_prob=0.5", 10);
    let traj = s.shown_trajectory();
    let (mut informed, mut uninformed) = (0, 0);
    for step in &traj[1..] {
        let p = &step.parts;
        assert_eq!(p.fee_arbitrageur, 0.0);
        assert_eq!(p.arbitrageur_loss, 0.0);
        assert_eq!(p.lvr_reference, 0.0);
        if p.fee_income > 0.0 {
            if step.informed {
                informed += 1;
                assert_eq!(p.fee_informed.to_bits(), p.fee_income.to_bits());
                assert_eq!(p.fee_uninformed, 0.0);
            } else {
                uninformed += 1;
                assert_eq!(p.fee_uninformed.to_bits(), p.fee_income.to_bits());
                assert_eq!(p.informed_loss, 0.0);
            }
        }
    }
    assert!(informed > 10 && uninformed > 10, "{informed} {uninformed}");
    // Informed traders trade toward the oracle, so the AMM loses to them on average.
    assert!(MoneySplit::total(traj).informed_loss > 0.0);
}

/// A market where only the arbitrageur trades: no fee, no other volume, no funding.
fn arbitrage_only(volatility: f64, fee_rate: f64) -> MarketCore {
    let market = MarketConfig {
        fee_rate,
        ..MarketConfig::default()
    };
    let mdp = MdpConfig {
        funding: false,
        ..MdpConfig::default()
    };
    let oracle = OracleConfig {
        volatility,
        ..OracleConfig::default()
    };
    let traders = TraderConfig {
        volume: VolumeModel {
            beta0: 0.0,
            beta_price: 0.0,
            beta_k: 0.0,
            ..VolumeModel::default()
        },
        arbitrageur: true,
        ..TraderConfig::default()
    };
    MarketCore::new(&market, &mdp, &oracle, &traders).unwrap()
}

/// Mean per-step loss to the arbitrageur as a share of the pool's value 2·q·p before the
/// step, over `episodes` × 100 steps; also Σ loss / Σ LVR reference.
fn loss_share(volatility: f64, episodes: u32, seed: u64) -> (f64, f64) {
    let mut core = arbitrage_only(volatility, 0.0);
    let mut rng = SimRng::new(seed);
    let (mut share, mut loss, mut lvr, mut n) = (0.0, 0.0, 0.0, 0u64);
    for _ in 0..episodes {
        core.reset(&mut rng, false, false);
        for _ in 0..100 {
            let a = core.amm();
            let value = 2.0 * a.quote_reserve() * a.peg();
            let mv = core.market_step(&mut rng, false);
            share += mv.parts.arbitrageur_loss / value;
            loss += mv.parts.arbitrageur_loss;
            lvr += mv.parts.lvr_reference;
            n += 1;
            // No fee: the arbitrageur leaves the mark on the oracle.
            let rel = (core.amm().mark_price() / core.oracle_price() - 1.0).abs();
            assert!(rel < 1e-9, "{rel}");
        }
    }
    (share / n as f64, loss / lvr)
}

#[test]
fn arbitrage_loss_matches_loss_versus_rebalancing() {
    for (sigma, seed) in [(0.01, 11), (0.05, 12)] {
        let (share, ratio) = loss_share(sigma, 10_000, seed);
        let theory = -(-sigma * sigma / 8.0_f64).exp_m1();
        let rel = share / theory - 1.0;
        println!("σ = {sigma}: loss per step {share:.6e} of the pool, theory 1 − e^(−σ²/8) = {theory:.6e} (rel. {rel:+.4}); Σ loss / Σ LVR = {ratio:.4}");
        assert!(rel.abs() < 0.01, "σ = {sigma}: {share} vs {theory}");
        assert!((ratio - 1.0).abs() < 0.01, "σ = {sigma}: {ratio}");
    }
}

#[test]
fn with_a_fee_the_arbitrageur_stops_at_the_band_edge_and_takes_less_net_of_fees() {
    let f = 0.003;
    let mut core = arbitrage_only(0.01, f);
    let mut rng = SimRng::new(21);
    core.reset(&mut rng, false, false);
    let (mut traded, mut loss, mut lvr) = (0, 0.0, 0.0);
    for _ in 0..2_000 {
        let before = core.amm().mark_price();
        let mv = core.market_step(&mut rng, false);
        let (m, o) = (core.amm().mark_price(), core.oracle_price());
        if mv.parts.fee_arbitrageur > 0.0 {
            traded += 1;
            let edge = if m < o { o / (1.0 + f) } else { o / (1.0 - f) };
            assert!((m / edge - 1.0).abs() < 1e-9, "{m} vs {edge}");
            // Net of its fee, the arbitrageur gains.
            assert!(mv.parts.arbitrageur_loss > mv.parts.fee_arbitrageur / 0.5);
        } else {
            assert_eq!(m, before);
            assert!(m * (1.0 + f) >= o && m * (1.0 - f) <= o);
        }
        // The AMM's loss net of the whole fee it charged (the protocol keeps half of it).
        loss += mv.parts.arbitrageur_loss - mv.parts.fee_arbitrageur / 0.5;
        lvr += mv.parts.lvr_reference;
    }
    println!(
        "fee {f}: {traded} of 2,000 steps traded; loss net of fees / LVR = {:.3}",
        loss / lvr
    );
    assert!(traded > 100 && traded < 2_000, "{traded}");
    assert!(loss < lvr, "{loss} vs {lvr}");
}
